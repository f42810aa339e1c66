use harness::explore::{explore, ExploreConfig};
use harness::minimize::{minimize, MinimizeConfig};
use harness::scenario::{load_file, Expectation};
use std::sync::Arc;
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for f in args {
        let prog = Arc::new(load_file(std::path::Path::new(&f)).unwrap());
        if matches!(prog.expect, Expectation::Passes) {
            continue;
        }
        let cfg = ExploreConfig::default().iterations(prog.hints.iterations.unwrap_or(3000));
        let x = explore(&prog, &cfg).unwrap();
        let Some(found) = x.matching(&prog) else {
            println!("{f}: not found");
            continue;
        };
        let t = std::time::Instant::now();
        let m = minimize(
            &prog,
            &found.signature,
            &found.schedule,
            &MinimizeConfig::default(),
        );
        match m {
            Ok(m) => println!("{:40} {:>6.3}s found {}s/{}p -> orig {}s/{}p {:?} -> reduced {}s/{}p {:?} execs {} removed {}",
                f.trim_start_matches("scenarios/"), t.elapsed().as_secs_f64(), m.found.steps, m.found.preemptions, m.original.steps, m.original.preemptions, m.original_proof,
                m.reduced.steps, m.reduced.preemptions, m.proof, m.executions, m.removed.len()),
            Err(e) => println!("{f}: ERROR {e}"),
        }
    }
}
