//! The regression corpus (`reports/corpus/`): one test per entry, so a regression names the
//! entry. Each entry replays to its recorded failure, or (entries recorded as fixed) no
//! bounded interleaving produces it. Same check as `hazard corpus check`.

use harness::corpus::{check_entry, entries};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/corpus");
    let files = entries(&dir).expect("reports/corpus/ is readable");
    let mut trials: Vec<Trial> = files
        .into_iter()
        .map(|f| {
            let name = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name, move || {
                let r = check_entry(&f);
                if r.ok {
                    Ok(())
                } else {
                    Err(Failed::from(format!("{}: {}", r.file.display(), r.detail)))
                }
            })
        })
        .collect();
    // An empty corpus would make this suite pass vacuously.
    let n = trials.len();
    trials.push(Trial::test("corpus_is_not_empty", move || {
        if n == 0 {
            Err("reports/corpus/ has no entries; run `make corpus`".into())
        } else {
            Ok(())
        }
    }));
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}
