//! Replays the libFuzzer inputs kept in the repository through the targets' library bodies,
//! without libFuzzer: `fuzz/corpus/<target>/` (seeds) and `fuzz/regressions/<target>/`
//! (crashes that were fixed). One test per file, so a regression names its input. A
//! `schedule` input is read as the nightly runs read it: the first byte picks a shipped
//! scenario, crashes are violations of `expect` only.

use harness::targets::{ops_check, scenario_parse, Goal, ScheduleTarget, Source};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

const TARGETS: [&str; 3] = ["schedule", "ops", "scenario_parse"];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    p.is_file() && name.is_some_and(|n| n != "README.md" && !n.starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn check(target: &str, data: &[u8]) -> Result<(), Failed> {
    match target {
        "schedule" => {
            let t = ScheduleTarget {
                source: Source::Shipped,
                goal: Goal::Violation,
            };
            t.check(data).map(|_| ()).map_err(|v| v.to_string().into())
        }
        "ops" => ops_check(data).map_err(|v| v.to_string().into()),
        _ => std::panic::catch_unwind(|| scenario_parse(data))
            .map_err(|_| "the scenario loader panicked".into()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut trials = Vec::new();
    for target in TARGETS {
        let seeds = files(&root.join("corpus").join(target));
        let n = seeds.len();
        trials.push(Trial::test(
            format!("{target}/corpus-not-empty"),
            move || {
                if n == 0 {
                    return Err(format!("fuzz/corpus/{target}/ has no seeds").into());
                }
                Ok(())
            },
        ));
        for kind in ["corpus", "regressions"] {
            for f in files(&root.join(kind).join(target)) {
                let name = format!(
                    "{target}/{kind}/{}",
                    f.file_name().unwrap().to_string_lossy()
                );
                trials.push(Trial::test(name, move || {
                    let data = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
                    check(target, &data)
                }));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
