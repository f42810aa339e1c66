//! The `hazard` binary end to end: exit codes, reports on disk, replay, bad input.

use crate::helpers::{hazard, reports_in, scenarios, text, NEVER};
use serde_json::json;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn buggy_scenario_finds_writes_report_and_replays_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let file = scenarios().join("map-concurrent-writes.json");
    // One seeded engine: the portfolio's engines race, and two of them can each find the
    // failure in a different thread before the first stops the others.
    let o = hazard(
        &[
            "run",
            file.to_str().unwrap(),
            "--engine",
            "random",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "expectation met: {stdout}{stderr}"
    );
    assert!(
        stdout.contains("fatal error: concurrent map writes"),
        "{stdout}"
    );
    assert!(stdout.contains("Reproduce with: hazard replay"), "{stdout}");
    let reports = reports_in(&out);
    assert_eq!(reports.len(), 1, "one finding, one report");
    let name = reports[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("map-concurrent-writes-"), "{name}");

    let r = reports[0].to_str().unwrap();
    let first = hazard(&["replay", r], tmp.path());
    let second = hazard(&["replay", r], tmp.path());
    assert_eq!(first.status.code(), Some(1), "a reproduced failure exits 1");
    let (s1, _) = text(&first);
    assert!(s1.contains("reproduced: concurrent map writes"), "{s1}");
    assert_eq!(first.stdout, second.stdout, "replay is deterministic");

    let json = hazard(&["replay", r, "--json"], tmp.path());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("replay --json is JSON");
    assert_eq!(v["reproduced"], true);
    assert_eq!(v["outcome"], "reproduced");
    assert_eq!(v["differs"], serde_json::json!([]));
}

#[test]
fn fixed_scenario_passes_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let file = scenarios().join("map-concurrent-writes.fixed.json");
    let o = hazard(
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--iterations",
            "600",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(reports_in(&out).is_empty());
}

const RACY_BUT_EXPECTED_TO_PASS: &str = r#"{
  "schema": "hazard/scenario/v1", "name": "racy",
  "objects": { "m": { "kind": "map" } },
  "threads": {
    "a": [ { "op": "set", "obj": "m", "key": "x", "value": 1 } ],
    "b": [ { "op": "set", "obj": "m", "key": "y", "value": 2 } ]
  },
  "expect": { "passes": true }
}"#;

#[test]
fn unmet_passes_expectation_exits_1_with_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), "racy.json", RACY_BUT_EXPECTED_TO_PASS);
    let o = hazard(&["run", f.to_str().unwrap(), "--out", "out"], tmp.path());
    let (stdout, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("UNMET"), "{stdout}");
    assert_eq!(reports_in(&tmp.path().join("out")).len(), 1);
}

#[test]
fn unmet_fails_expectation_names_the_budget_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let body = RACY_BUT_EXPECTED_TO_PASS.replace(
        r#""expect": { "passes": true }"#,
        r#""expect": { "fails": { "id": "chan-close-closed" } }"#,
    );
    let f = write(tmp.path(), "wrong-expectation.json", &body);
    let o = hazard(
        &[
            "run",
            f.to_str().unwrap(),
            "--engine",
            "random",
            "--iterations",
            "40",
            "--out",
            "out",
        ],
        tmp.path(),
    );
    let (stdout, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("--iterations"),
        "budget message names the flag: {stdout}"
    );
}

#[test]
fn json_output_is_one_typed_line_per_scenario_then_the_totals() {
    use harness::report::{RunStatus, ScenarioLine, TotalsLine, RUN_FORMAT};
    let tmp = tempfile::tempdir().unwrap();
    let f = scenarios().join("map-concurrent-writes.json");
    let bad = write(
        tmp.path(),
        "bad.json",
        "{ \"schema\": \"hazard/scenario/v1\" ",
    );
    let o = hazard(
        &[
            "run",
            f.to_str().unwrap(),
            "bad.json",
            "--json",
            "--out",
            "out",
        ],
        tmp.path(),
    );
    // The invalid file makes it an input error; the other file still ran.
    assert_eq!(o.status.code(), Some(2));
    let stdout = text(&o).0;
    // Finding lines first (each with its scenario's file), then the file's own line.
    let all: Vec<&str> = stdout.lines().collect();
    let kind = |l: &str| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].clone();
    let findings: Vec<&str> = all
        .iter()
        .copied()
        .filter(|l| kind(l) == "finding")
        .collect();
    assert!(!findings.is_empty(), "{stdout}");
    let raw: Vec<&str> = all
        .iter()
        .copied()
        .filter(|l| kind(l) != "finding")
        .collect();
    assert_eq!(raw.len(), 3, "{stdout}");
    assert!(
        all.iter().position(|l| kind(l) == "finding")
            < all.iter().position(|l| kind(l) == "scenario")
    );
    let f: harness::report::FindingJsonLine = serde_json::from_str(findings[0]).unwrap();
    assert_eq!(f.format, RUN_FORMAT);
    assert!(f.file.ends_with("map-concurrent-writes.json"));
    assert_eq!(kind(raw[1]), "error");
    assert_eq!(kind(raw[2]), "summary");
    let found: ScenarioLine = serde_json::from_str(raw[0]).expect("a scenario line");
    assert_eq!(found.format, RUN_FORMAT);
    assert!(found.met);
    assert_eq!(found.status, RunStatus::Met);
    assert_eq!(found.findings[0].signature.message, "concurrent map writes");
    let report = found.report.as_deref().expect("the primary report");
    assert_eq!(report, found.findings[0].report);
    assert!(tmp.path().join(report).is_file(), "{report}");
    let invalid: ScenarioLine = serde_json::from_str(raw[1]).expect("a scenario line");
    assert_eq!(invalid.status, RunStatus::Invalid);
    assert_eq!(invalid.file, bad.file_name().unwrap().to_str().unwrap());
    assert!(
        invalid
            .error
            .as_deref()
            .is_some_and(|e| e.contains("bad.json")),
        "{invalid:?}"
    );
    let totals: TotalsLine = serde_json::from_str(raw[2]).expect("the totals line");
    assert_eq!(totals.format, RUN_FORMAT);
    assert_eq!(
        (
            totals.summary.scenarios,
            totals.summary.met,
            totals.summary.input_errors
        ),
        (2, 1, 1)
    );
    // The untyped view a script reads.
    let v: serde_json::Value = serde_json::from_str(raw[2]).unwrap();
    assert_eq!(v["summary"]["met"], 1);
}

#[test]
fn malformed_scenario_exits_2_naming_path_and_position() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "{\n  \"schema\": \"hazard/scenario/v1\",\n  \"name\": \"bad\",\n  \"objects\": { \"m\": { \"kind\": \"map\" } },\n  \"threads\": { \"t\": [\n    { \"op\": \"send\", \"obj\": \"m\", \"value\": 1 } ] },\n  \"expect\": { \"passes\": true }\n}\n";
    let f = write(tmp.path(), "bad.json", body);
    let o = hazard(&["run", f.to_str().unwrap()], tmp.path());
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr
            .contains("bad.json:6:21: $.threads.t[0].obj: op `send` does not apply to `m`, a map"),
        "{stderr}"
    );
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    std::fs::create_dir(&dir).unwrap();
    write(&dir, "a-bad.json", "{ not json");
    std::fs::copy(
        scenarios().join("map-concurrent-writes.json"),
        dir.join("b.json"),
    )
    .unwrap();
    let o = hazard(&["run", "s", "--out", "out"], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an invalid file is an input error"
    );
    assert!(stderr.contains("a-bad.json:1:3"), "{stderr}");
    assert!(
        stdout.contains("b.json"),
        "the valid scenario still ran: {stdout}"
    );
    assert_eq!(reports_in(&tmp.path().join("out")).len(), 1);
}

fn one_report(tmp: &Path) -> PathBuf {
    let f = scenarios().join("map-concurrent-writes.json");
    let o = hazard(
        &["run", f.to_str().unwrap(), "--out", "out", "--quiet"],
        tmp,
    );
    assert_eq!(o.status.code(), Some(0));
    reports_in(&tmp.join("out")).remove(0)
}

fn edit(report: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(report, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn corrupted_schedule_is_a_clear_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    for (bad, needle) in [
        ("9x3", "does not fit this scenario"),
        ("0 1", "does not fit this scenario"),
        ("zz", "schedule token 1"),
        ("0x99999999999999", "schedule token 1"),
    ] {
        let r = one_report(tmp.path());
        edit(&r, |v| v["schedule"]["decisions"] = bad.into());
        let o = hazard(&["replay", r.to_str().unwrap()], tmp.path());
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains(needle), "{bad}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A replay that fails differently from the recording is its own outcome: it names each
/// field that differs, and never says the recorded failure reproduced.
#[test]
fn replay_of_a_different_failure_says_what_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let r = one_report(tmp.path());
    let mut real = serde_json::Value::Null;
    edit(&r, |v| {
        real = v["failure"]["signature"].clone();
        v["failure"]["signature"]["thread"] = "elsewhere".into();
        v["failure"]["signature"]["op"] = "$.threads.elsewhere[0]".into();
    });
    let o = hazard(&["replay", r.to_str().unwrap()], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a failure happened: {stdout}{stderr}"
    );
    assert!(!stdout.contains("reproduced:"), "{stdout}");
    let thread = real["thread"].as_str().unwrap();
    let op = real["op"].as_str().unwrap();
    assert!(
        stdout.contains("a different failure: concurrent map writes [map-concurrent-writes]"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  thread: {thread} (recorded: elsewhere)")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  op: {op} (recorded: $.threads.elsewhere[0])")),
        "{stdout}"
    );
    assert!(
        !stdout.contains("  message:"),
        "only what differs: {stdout}"
    );
    let o = hazard(&["replay", r.to_str().unwrap(), "--json"], tmp.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "different");
    assert_eq!(v["reproduced"], false);
    assert_eq!(v["differs"][0]["field"], "thread");
    assert_eq!(v["differs"][1]["field"], "op");
    assert_eq!(v["differs"].as_array().unwrap().len(), 2);
}

#[test]
fn edited_embedded_scenario_is_rejected_by_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let r = one_report(tmp.path());
    edit(&r, |v| v["scenario"]["source"]["name"] = "renamed".into());
    let o = hazard(&["replay", r.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("embedded scenario was edited"),
        "{:?}",
        text(&o)
    );
}

#[test]
fn wrong_report_schema_and_missing_file_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let r = one_report(tmp.path());
    edit(&r, |v| v["schema"] = "hazard/report/v9".into());
    let o = hazard(&["replay", r.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("hazard/report/v1"));
    let o = hazard(&["replay", "nope.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(
        hazard(&["run", "--no-such-flag"], tmp.path()).status.code(),
        Some(2)
    );
    assert_eq!(hazard(&["frobnicate"], tmp.path()).status.code(), Some(2));
    assert_eq!(
        hazard(&["run", "x.json", "--time", "-1"], tmp.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn livelock_is_reported_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let body = r#"{
      "schema": "hazard/scenario/v1", "name": "spin",
      "threads": { "spinner": [ { "op": "for", "body": [ { "op": "yield" } ] } ] },
      "expect": { "fails": { "kind": "livelock", "id": "livelock" } }
    }"#;
    let f = write(tmp.path(), "spin.json", body);
    let o = hazard(
        &[
            "run",
            f.to_str().unwrap(),
            "--max-steps",
            "100",
            "--iterations",
            "3",
            "--out",
            "out",
        ],
        tmp.path(),
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("livelock: no thread finished within the step bound (100 steps)"),
        "{stdout}"
    );
}

/// Which thread took the step at the bound is an accident of the schedule: however many
/// threads spin, a livelock is one finding and one report.
#[test]
fn a_livelock_is_one_report_whichever_thread_hits_the_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let spin = json!([ { "op": "for", "body": [ { "op": "yield" } ] } ]);
    let body = json!({
      "schema": "hazard/scenario/v1", "name": "spin",
      "threads": { "a": spin, "b": spin, "c": spin, "d": spin },
      "expect": { "fails": { "message": NEVER } }
    });
    let f = write(tmp.path(), "spin.json", &body.to_string());
    let o = hazard(
        &[
            "run",
            f.to_str().unwrap(),
            "--max-steps",
            "100",
            "--iterations",
            "200",
            "--out",
            "out",
        ],
        tmp.path(),
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    let reports = reports_in(&tmp.path().join("out"));
    assert_eq!(reports.len(), 1, "{reports:?}\n{stdout}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reports[0]).unwrap()).unwrap();
    assert_eq!(r["failure"]["signature"]["kind"], "livelock");
    assert!(
        r["failure"]["signature"].get("thread").is_none(),
        "{}",
        r["failure"]
    );
}

#[test]
fn schema_and_list() {
    let tmp = tempfile::tempdir().unwrap();
    for what in ["scenario", "report", "summary", "run", "baseline"] {
        let o = hazard(&["schema", what], tmp.path());
        assert_eq!(o.status.code(), Some(0));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v["$schema"].is_string());
    }
    let o = hazard(
        &["list", "--dir", scenarios().to_str().unwrap()],
        tmp.path(),
    );
    let (stdout, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("map-concurrent-writes.json (buggy)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("map-concurrent-writes.fixed.json (fixed)"),
        "{stdout}"
    );
}

#[test]
fn single_thread_scenarios_run_under_every_engine() {
    // shuttle's PCT asserts when no execution has two runnable tasks; hazard must not crash.
    let tmp = tempfile::tempdir().unwrap();
    let body = r#"{
      "schema": "hazard/scenario/v1", "name": "alone",
      "objects": { "m": { "kind": "map" }, "a": { "kind": "chan", "cap": 1 }, "b": { "kind": "chan", "cap": 1 } },
      "threads": { "only": [
        { "op": "send", "obj": "a", "value": 1 }, { "op": "send", "obj": "b", "value": 2 },
        { "op": "select", "cases": [
          { "case": "recv", "obj": "a", "body": [ { "op": "set", "obj": "m", "key": "got", "value": "a" } ] },
          { "case": "recv", "obj": "b", "body": [ { "op": "set", "obj": "m", "key": "got", "value": "b" } ] } ] } ] },
      "expect": { "passes": true }
    }"#;
    let f = write(tmp.path(), "alone.json", body);
    for engine in ["pct", "random", "dfs", "portfolio"] {
        let o = hazard(
            &[
                "run",
                f.to_str().unwrap(),
                "--engine",
                engine,
                "--iterations",
                "50",
                "--out",
                "out",
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{engine}: {:?}", text(&o));
    }
}

#[test]
fn every_catalog_id_is_ported_with_its_scenarios() {
    // `hazard list --json`: one line per catalog id; every one must have a port and its
    // buggy/fixed pair (one passing scenario for the ids that name semantics, not failures).
    let tmp = tempfile::tempdir().unwrap();
    let o = hazard(
        &["list", "--json", "--dir", scenarios().to_str().unwrap()],
        tmp.path(),
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}{stderr}");
    let mut ids = 0;
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        ids += 1;
        assert_eq!(v["ported"], true, "{line}");
        assert_eq!(v["status"], "ok", "{line}");
    }
    assert_eq!(ids, harness::catalog::CATALOG.len());
}
