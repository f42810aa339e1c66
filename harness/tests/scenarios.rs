//! One test per shipped scenario file: exploring it meets its `expect`, and every failing
//! scenario's finding round-trips through a report file and a replay.

use harness::explore::{explore, ExploreConfig};
use harness::report::{build, read_report, trace_steps, write_report, RunInfo};
use harness::scenario::{load_file, Expectation};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    harness::base::files_in(&dir, "json").expect("scenarios/ exists")
}

fn check(path: &Path) -> Result<(), Failed> {
    let prog = Arc::new(load_file(path).map_err(|e| e.to_string())?);
    let cfg = ExploreConfig::default()
        .iterations(prog.hints.iterations.unwrap_or(3000))
        .max_steps(prog.hints.max_steps.unwrap_or(20_000));
    let x = explore(&prog, &cfg).map_err(|e| e.to_string())?;
    match &prog.expect {
        Expectation::Passes => {
            if let Some(f) = x.findings.first() {
                return Err(format!(
                    "expected to pass, but failed: {} [{}] in {:?} (schedule {})",
                    f.signature.message,
                    f.signature.id,
                    f.signature.thread,
                    f.schedule.encode()
                )
                .into());
            }
            // Passing under faults means nothing unless every rule fired somewhere.
            if let Some(i) = x.faults.iter().position(|r| r.executions == 0) {
                return Err(format!(
                    "fault rule $.faults[{i}] never fired in {} executions",
                    x.executions()
                )
                .into());
            }
            Ok(())
        }
        Expectation::Fails(want) => {
            let Some(found) = x.matching(&prog) else {
                return Err(format!(
                    "expected {want:?}; found {:?} in {} executions",
                    x.findings.iter().map(|f| &f.signature).collect::<Vec<_>>(),
                    x.executions()
                )
                .into());
            };
            // Round trip: report → file → read → replay → same signature and trace.
            let report = build(
                &prog,
                found,
                &RunInfo {
                    config: &cfg,
                    exploration: &x,
                },
            );
            if !report.replay_verified {
                return Err("the finding did not verify by replay before writing".into());
            }
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = write_report(dir.path(), &report).map_err(|e| e.to_string())?;
            let back = read_report(&path).map_err(|e| e.to_string())?;
            let replayed = back
                .replay(&path.display().to_string())
                .map_err(|e| e.to_string())?;
            if !replayed.reproduced {
                return Err(format!(
                    "replay from file gave {:?}, recorded {:?}",
                    replayed.outcome.signature, found.signature
                )
                .into());
            }
            if trace_steps(&replayed.prog, &replayed.outcome) != report.trace {
                return Err("replay from file gave a different trace".into());
            }
            // Same faults at the same steps.
            let again = harness::report::injected(&replayed.prog, &replayed.outcome);
            let recorded = back.faults.map(|f| f.injected).unwrap_or_default();
            if again != recorded {
                return Err(format!("replay injected {again:?}, recorded {recorded:?}").into());
            }
            Ok(())
        }
    }
}

fn main() {
    let args = Arguments::from_args();
    let trials = scenario_files()
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || check(&p))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
