//! The pipeline every front end shares: explore -> minimize -> build -> verify -> write, and the
//! summary line it judges the expectation with. Each finding round-trips: written, read back,
//! replayed to the same signature.

use harness::explore::ExploreConfig;
use harness::minimize::MinimizeConfig;
use harness::pipeline::{reminimize, run_scenario, PipelineError};
use harness::report::{read_report, RunStatus, RUN_FORMAT};
use harness::scenario::{load_file, load_str};
use std::path::Path;
use std::sync::Arc;

fn scenario(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name)
}

#[test]
fn a_buggy_scenario_comes_back_as_a_written_minimized_report_that_replays() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario("map-concurrent-writes.json");
    let prog = Arc::new(load_file(&file).unwrap());
    let cfg = ExploreConfig::default().iterations(2_000);
    let min = MinimizeConfig::default();
    let r = run_scenario(&prog, "mcw.json", &cfg, Some(&min), dir.path()).unwrap();
    assert_eq!(r.line.format, RUN_FORMAT);
    assert_eq!(r.line.status, RunStatus::Met);
    assert_eq!(r.line.result, "found");
    assert_eq!(r.line.file, "mcw.json");
    let primary = &r.reported[r.primary.expect("the matching finding")];
    assert_eq!(
        r.line.report.as_deref(),
        Some(primary.path.display().to_string().as_str())
    );
    assert_eq!(r.line.findings.len(), r.reported.len());
    assert!(r.line.findings[0].minimized.is_some());
    for rep in &r.reported {
        assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
        let back = read_report(&rep.path).unwrap();
        let name = rep.path.display().to_string();
        let replayed = back.replay(&name).unwrap();
        assert!(replayed.reproduced, "{name}");
        assert_eq!(
            replayed.outcome.signature.as_ref(),
            Some(&rep.finding.signature)
        );
        assert!(back.replay_minimized(&name).unwrap().unwrap().reproduced);
    }
}

#[test]
fn a_fixed_scenario_is_met_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let prog = Arc::new(load_file(&scenario("map-concurrent-writes.fixed.json")).unwrap());
    let cfg = ExploreConfig::default().iterations(500);
    let r = run_scenario(&prog, "fixed.json", &cfg, None, dir.path()).unwrap();
    assert_eq!(r.line.status, RunStatus::Met);
    assert!(r.line.met && r.reported.is_empty() && r.line.report.is_none());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_unmet_expectation_is_unmet_with_a_budget_note() {
    let dir = tempfile::tempdir().unwrap();
    // Expects a failure the scenario cannot produce: a mutex-guarded write.
    let text = r#"{
      "schema": "hazard/scenario/v1", "name": "never",
      "objects": { "mu": { "kind": "mutex" }, "m": { "kind": "map" } },
      "threads": {
        "a": [ { "op": "lock", "obj": "mu" }, { "op": "set", "obj": "m", "key": "a", "value": 1 },
               { "op": "unlock", "obj": "mu" } ],
        "b": [ { "op": "lock", "obj": "mu" }, { "op": "set", "obj": "m", "key": "b", "value": 2 },
               { "op": "unlock", "obj": "mu" } ]
      },
      "expect": { "fails": { "id": "map-concurrent-writes" } }
    }"#;
    let prog = Arc::new(load_str(text, "never.json").unwrap());
    let cfg = ExploreConfig::default().iterations(50);
    let r = run_scenario(&prog, "never.json", &cfg, None, dir.path()).unwrap();
    assert_eq!(r.line.status, RunStatus::Unmet);
    assert!(!r.line.met);
    assert!(
        r.line.budget_note.is_some() || r.line.dfs_exhausted,
        "{:?}",
        r.line
    );
}

#[test]
fn reminimize_fills_a_report_written_without_minimizing() {
    let dir = tempfile::tempdir().unwrap();
    let prog = Arc::new(load_file(&scenario("map-lazy-init.json")).unwrap());
    let cfg = ExploreConfig::default().iterations(3_000);
    let r = run_scenario(&prog, "lazy.json", &cfg, None, dir.path()).unwrap();
    let rep = &r.reported[r.primary.unwrap()];
    let mut report = read_report(&rep.path).unwrap();
    assert!(report.minimized.is_none());
    let name = rep.path.display().to_string();
    let m = reminimize(&mut report, &name, &MinimizeConfig::default()).unwrap();
    let min = report.minimized.as_ref().expect("a minimized section");
    assert!(min.replay_verified);
    assert_eq!(min.minimality.preemptions, m.reduced.preemptions);
    // A report whose embedded scenario was tampered with is refused, naming the report.
    report.scenario.hash = "sha256:0".into();
    match reminimize(&mut report, &name, &MinimizeConfig::default()) {
        Err(PipelineError::Report(e)) => assert!(e.to_string().contains(&name), "{e}"),
        other => panic!("expected a report error, got {other:?}"),
    }
}
