//! Soundness on scenarios written without the catalog in mind: no harness error whatever the
//! shape, no failure Go cannot produce, the same answer every run.

use crate::helpers::*;
use harness::explore::{explore, run_bytes, EngineKind, ExploreConfig};
use harness::minimize::MinimizeConfig;
use harness::pipeline::write_finding;
use harness::report::{read_report, RunInfo};
use serde_json::{json, Value};
use std::path::Path;

/// A goroutine that writes key `k` of map `m`.
fn writer(name: &str, k: &str) -> Value {
    json!({ "op": "spawn", "thread": name, "body": [
        { "op": "set", "obj": "m", "key": k, "value": 1 }
    ] })
}

/// Shapes where several threads spawn goroutines that may start in either order, each with
/// two goroutines writing one map unlocked (so `concurrent map writes` must be found). The
/// spawners return at once, so they model a long-lived process (the writes come after they
/// have finished).
fn spawn_shapes() -> Vec<(&'static str, Value)> {
    let objects = json!({ "m": { "kind": "map" }, "t": { "kind": "timer" } });
    let shapes = vec![
        (
            "two top-level threads each spawn a worker",
            json!({ "objects": objects, "threads": {
                "a": [ writer("wa", "x") ],
                "b": [ writer("wb", "y") ],
            } }),
        ),
        (
            "a loop spawns a worker per iteration while another thread spawns",
            json!({ "objects": objects, "threads": {
                "loop": [ { "op": "repeat", "times": 3, "body": [ writer("w", "x") ] } ],
                "other": [ { "op": "yield" }, writer("o", "y") ],
            } }),
        ),
        (
            "spawns three deep from two threads",
            json!({ "objects": objects, "threads": {
                "a": [ { "op": "spawn", "thread": "a1", "body": [
                    { "op": "spawn", "thread": "a2", "body": [ writer("a3", "x") ] } ] } ],
                "b": [ { "op": "spawn", "thread": "b1", "body": [ writer("b2", "y") ] },
                       writer("b3", "z") ],
            } }),
        ),
        (
            "an AfterFunc callback starts while threads spawn",
            json!({ "objects": objects, "threads": {
                "a": [ { "op": "after_func", "obj": "t", "after": "0s", "body": [
                    { "op": "set", "obj": "m", "key": "f", "value": 1 } ] },
                       writer("wa", "x") ],
                "b": [ writer("wb", "y"), { "op": "sleep", "for": "1ms" } ],
            } }),
        ),
    ];
    shapes
        .into_iter()
        .map(|(what, mut v)| {
            v["lifetime"] = json!("process");
            (what, v)
        })
        .collect()
}

fn expecting(mut v: Value, expect: Value) -> Value {
    v["expect"] = expect;
    v
}

/// Every engine finds the failure in each shape without a harness error, and the finding
/// round-trips: minimize → report → write → read → replay (found and minimized schedules).
#[test]
fn concurrent_spawners_work_in_every_engine_replay_and_minimization() {
    let dir = tempfile::tempdir().unwrap();
    for (what, v) in spawn_shapes() {
        let p = prog(expecting(
            v,
            json!({ "fails": { "id": "map-concurrent-writes" } }),
        ));
        for engine in [
            EngineKind::Random,
            EngineKind::Pct,
            EngineKind::Dfs,
            EngineKind::Fuzz,
        ] {
            let cfg = ExploreConfig::default().engine(engine).iterations(20_000);
            let x = explore(&p, &cfg).unwrap_or_else(|e| panic!("{what}, {engine:?}: {e}"));
            let f = x
                .matching(&p)
                .unwrap_or_else(|| panic!("{what}, {engine:?}: not found: {:?}", sigs(&x)))
                .clone();
            // Minimized, verified and written as `hazard run` does it.
            let run = RunInfo {
                config: &cfg,
                exploration: &x,
            };
            let min = MinimizeConfig::default();
            let written = write_finding(&p, &f, &run, Some(&min), dir.path()).unwrap();
            assert!(
                written.warnings.is_empty(),
                "{what}, {engine:?}: {:?}",
                written.warnings
            );
            assert!(written.report.replay_verified, "{what}, {engine:?}");
            assert!(written.report.minimized.is_some(), "{what}, {engine:?}");
            let path = written.path;
            let back = read_report(&path).unwrap();
            let name = path.display().to_string();
            assert!(back.replay(&name).unwrap().reproduced, "{what}, {engine:?}");
            let min = back.replay_minimized(&name).unwrap().unwrap();
            assert!(min.reproduced, "{what}, {engine:?}");
        }
    }
}

/// With the writes under a lock, no interleaving of the spawns fails (DFS exhausts its bound).
#[test]
fn concurrent_spawners_of_locked_writers_never_fail() {
    for (what, v) in spawn_shapes() {
        let text = serde_json::to_string(&v)
            .unwrap()
            .replace(
                r#"{"op":"set","obj":"m""#,
                r#"{"op":"lock","obj":"mu"},{"op":"set","obj":"m""#,
            )
            .replace(r#""value":1}"#, r#""value":1},{"op":"unlock","obj":"mu"}"#);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        v["objects"]["mu"] = json!({ "kind": "mutex" });
        let p = prog(expecting(v, json!({ "passes": true })));
        let x = harness::explore::explore(
            &p,
            &ExploreConfig::default()
                .engine(EngineKind::Dfs)
                .preemption_bound(1)
                .iterations(DFS_BUDGET),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(x.findings.is_empty(), "{what}: {:?}", sigs(&x));
        assert!(x.exhausted(), "{what}: {:?}", x.engines[0]);
    }
}

/// Byte-driven runs (what libFuzzer's targets do) over the spawn shapes: no harness error.
#[test]
fn concurrent_spawners_under_fuzz_bytes() {
    let mut rng = Rng(13);
    for (what, v) in spawn_shapes() {
        let p = prog(expecting(v, json!({ "passes": true })));
        for _ in 0..300 {
            let data = rng.bytes(64);
            run_bytes(&p, &data, 10_000, false)
                .unwrap_or_else(|e| panic!("{what}, bytes {data:?}: {e}"));
        }
    }
}

/// The same scenario, seed and flags give the same findings whatever the thread timing: the
/// portfolio's engines run side by side, yet the answer is the one of their round-robin order.
#[test]
fn the_portfolio_gives_one_answer_every_run() {
    for name in ["map-concurrent-writes", "wg-reuse", "timeout-leak"] {
        let p = std::sync::Arc::new(harness::scenario::load_file(&scenario(name)).unwrap());
        let cfg = ExploreConfig::default().iterations(4000);
        let answer = |x: &harness::explore::Exploration| {
            let findings: Vec<_> = x
                .findings
                .iter()
                .map(|f| {
                    (
                        f.signature.clone(),
                        f.schedule.encode(),
                        f.engine,
                        f.execution,
                    )
                })
                .collect();
            let engines: Vec<_> = x
                .engines
                .iter()
                .map(|e| (e.engine, e.executions, e.distinct_schedules, e.stopped))
                .collect();
            format!("{findings:?} {engines:?} {:?}", x.faults)
        };
        let first = answer(&explore(&p, &cfg).unwrap());
        for run in 1..20 {
            let again = answer(&explore(&p, &cfg).unwrap());
            assert_eq!(again, first, "{name}: run {run} differs");
        }
    }
}

/// The CLI writes the same reports (names and contents, times aside) on every run.
#[test]
fn the_same_command_writes_the_same_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario("map-concurrent-writes");
    let mut seen: Option<Vec<(String, Value)>> = None;
    for run in 0..5 {
        let out = tmp.path().join(format!("out{run}"));
        let o = hazard(
            &[
                "run",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        let reports: Vec<(String, Value)> = reports_in(&out)
            .iter()
            .map(|p| {
                let mut v: Value =
                    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
                strip_times(&mut v);
                (p.file_name().unwrap().to_string_lossy().into_owned(), v)
            })
            .collect();
        assert_eq!(reports.len(), 1, "one bug, one report");
        match &seen {
            None => seen = Some(reports),
            Some(first) => assert_eq!(&reports, first, "run {run} wrote other reports"),
        }
    }
}

/// Wall-clock fields (durations and dates) removed, at any depth.
fn strip_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| {
                !(k.ends_with("_ms") || k == "elapsed" || k == "created" || k == "date")
            });
            m.values_mut().for_each(strip_times);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_times),
        _ => {}
    }
}

/// A directory with a scenario that cannot write its report: that file is an `error` row with
/// its message, every other file still runs, the summary is written, and the exit code is 2.
#[test]
fn a_scenario_that_errors_does_not_stop_a_directory_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    std::fs::create_dir(&dir).unwrap();
    for name in ["map-concurrent-writes", "chan-leak", "wg-negative.fixed"] {
        std::fs::copy(scenario(name), dir.join(format!("{name}.json"))).unwrap();
    }
    // Learn where map-concurrent-writes' report goes, then put a directory in its way.
    let first = tmp.path().join("first");
    let o = hazard(
        &[
            "run",
            dir.join("map-concurrent-writes.json").to_str().unwrap(),
            "--out",
            first.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let blocked = reports_in(&first)[0].file_name().unwrap().to_owned();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join(&blocked)).unwrap();
    std::fs::write(out.join(&blocked).join("keep"), "").unwrap();

    let o = hazard(&["run", "s", "--out", "out", "--json"], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["type"] != "finding")
        .collect();
    assert_eq!(lines.len(), 4, "three rows and the summary: {stdout}");
    let row = |f: &str| {
        lines
            .iter()
            .find(|l| l["file"].as_str().is_some_and(|p| p.ends_with(f)))
            .unwrap_or_else(|| panic!("no row for {f}: {stdout}"))
    };
    let bad = row("map-concurrent-writes.json");
    assert_eq!(bad["status"], "error", "{bad}");
    assert!(
        bad["error"]
            .as_str()
            .unwrap()
            .contains(blocked.to_str().unwrap()),
        "the error names the file it could not write: {bad}"
    );
    assert_eq!(row("chan-leak.json")["status"], "met");
    assert_eq!(row("wg-negative.fixed.json")["status"], "met");
    let summary = &lines[3]["summary"];
    assert_eq!(summary["errors"], 1, "{summary}");
    assert_eq!(summary["met"], 2, "{summary}");
    assert!(stderr.contains("map-concurrent-writes.json"), "{stderr}");
    // The text table has the row too.
    let o = hazard(&["run", "s", "--out", "out", "--quiet"], tmp.path());
    let (stdout, _) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout.contains("ERROR"), "{stdout}");
    assert!(
        stdout.contains("3 scenarios: 2 met, 0 unmet, 1 errors"),
        "{stdout}"
    );
}

/// Numeric flags out of range are usage errors that name the flag, never a panic.
#[test]
fn numeric_flags_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario("map-concurrent-writes");
    let file = file.to_str().unwrap();
    for (flag, value) in [
        ("--time", "1e20"),
        ("--time", "0"),
        ("--time", "NaN"),
        ("--time", "inf"),
        ("--min-time", "1e20"),
        ("--min-time", "-3"),
        ("--iterations", "0"),
        ("--min-iterations", "0"),
    ] {
        let o = hazard(
            &["run", file, &format!("{flag}={value}"), "--out", "out"],
            tmp.path(),
        );
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {stdout}{stderr}");
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let report = tmp.path().join("r.json");
    for (flag, value) in [("--time", "1e20"), ("--iterations", "0")] {
        let o = hazard(
            &["minimize", report.to_str().unwrap(), flag, value],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).1.contains(flag), "{:?}", text(&o));
    }
}

/// A budget that allows no execution shows nothing, so it meets no expectation.
#[test]
fn an_exploration_that_ran_nothing_is_not_met() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario("map-concurrent-writes.fixed");
    let o = hazard(
        &[
            "run",
            file.to_str().unwrap(),
            "--time",
            "0.000000001",
            "--out",
            "out",
        ],
        tmp.path(),
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("nothing explored"), "{stdout}");
    assert!(stdout.contains("raise --time"), "{stdout}");
}

/// An unusable --out is refused before anything is explored.
#[test]
fn an_unusable_out_is_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a-file"), "").unwrap();
    std::os::unix::fs::symlink(
        tmp.path().join("nowhere/deeper"),
        tmp.path().join("dangling"),
    )
    .unwrap();
    let file = scenario("map-concurrent-writes");
    for out in ["a-file", "/dev/null", "a-file/sub", "dangling"] {
        let o = hazard(&["run", file.to_str().unwrap(), "--out", out], tmp.path());
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {stdout}{stderr}");
        assert!(stderr.contains("--out"), "{stderr}");
        assert!(stdout.is_empty(), "nothing ran: {stdout}");
    }
}

/// Run `hazard args` in `cwd` with its stdout a pipe whose reader is gone before it writes.
fn closed_stdout(args: &[&str], cwd: &Path) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_hazard"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// A reader that goes away (`hazard … | head`) stops nothing: every report is still written
/// and the process exits quietly; a full device is an error with exit 2.
#[test]
fn stdout_trouble_never_stops_the_work() {
    use std::process::Command;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    std::fs::create_dir(&dir).unwrap();
    let buggy = [
        "map-concurrent-writes",
        "chan-leak",
        "wg-negative",
        "chan-close-nil",
    ];
    for name in buggy {
        std::fs::copy(scenario(name), dir.join(format!("{name}.json"))).unwrap();
    }
    // A closed pipe: the reader is gone before hazard writes a byte.
    let o = closed_stdout(&["run", "s", "--out", "out"], tmp.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(reports_in(&tmp.path().join("out")).len(), buggy.len());
    for args in [
        &["list"][..],
        &["schema", "report"],
        &["run", "s", "--out", "out2", "--json"],
    ] {
        let o = closed_stdout(args, tmp.path());
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(o.status.code(), Some(101), "{args:?}");
    }
    // A full device.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_hazard"))
        .args(["run", "s", "--out", "out3"])
        .current_dir(tmp.path())
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("writing to standard output"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(reports_in(&tmp.path().join("out3")).len(), buggy.len());
}

/// A controller that sleeps 10ms between iterations, beside a test goroutine that is never
/// blocked: under Go's clock (testing/synctest time) no virtual time passes while the test
/// goroutine can run, so it sees no iteration done yet, as in Go. The
/// adversarial clock (an overloaded machine) lets the sleeps end in between.
fn controller_loop(clock: &str) -> Value {
    json!({
        "objects": { "iterations": { "kind": "atomic" } },
        "threads": {
            "controller": [ { "op": "repeat", "times": 4, "body": [
                { "op": "sleep", "for": "10ms" },
                { "op": "add", "obj": "iterations", "delta": 1, "into": "n" }
            ] } ],
            "test": [
                { "op": "yield" },
                { "op": "yield" },
                { "op": "load", "obj": "iterations", "into": "seen" },
                { "op": "assert", "var": "seen", "eq": 0,
                  "message": "the controller ran while the test goroutine could run" }
            ]
        },
        "explore": { "clock": clock },
        "expect": { "passes": true },
    })
}

#[test]
fn time_passes_only_when_every_goroutine_is_blocked() {
    let go = prog(controller_loop("go"));
    assert_eq!(go.clock, harness::scenario::ClockMode::Go);
    assert_never_fails(&go);
    // The default is Go's clock.
    let mut v = controller_loop("go");
    v.as_object_mut().unwrap().remove("explore");
    assert_never_fails(&prog(v));
    // The adversarial clock finds the interleaving, and says so in the report.
    let adv = prog(controller_loop("adversarial"));
    let x = explore(&adv, &ExploreConfig::default().engine(EngineKind::Dfs)).unwrap();
    let f = x
        .findings
        .first()
        .expect("the adversarial clock lets a sleep end early");
    assert_eq!(
        f.signature.message,
        "the controller ran while the test goroutine could run (seen == 0, got 1)"
    );
    let run = RunInfo {
        config: &ExploreConfig::default(),
        exploration: &x,
    };
    let report = harness::report::build(&adv, f, &run);
    assert_eq!(
        report.exploration.clock,
        harness::scenario::ClockMode::Adversarial
    );
    assert!(report.replay_verified);
}

/// The README's worked example, run as written: its scenario, the output it shows (up to its
/// `...`), and the report file its replay and show commands name. Fails when the README goes
/// stale.
#[test]
fn the_readme_worked_example_is_what_hazard_prints() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let section = &readme[readme
        .find("## Reproducing an incident")
        .expect("the section")..];
    let fenced = |after: &str| -> String {
        let at = section
            .find(after)
            .unwrap_or_else(|| panic!("`{after}` in README"));
        let body = &section[at + after.len()..];
        body[..body.find("```").expect("a closing fence")].to_string()
    };
    let scenario = fenced("```json\n");
    let shown = fenced("$ hazard run incident.json\n");
    let shown = shown
        .strip_suffix("...\n")
        .expect("the output block ends with ...");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("incident.json"), &scenario).unwrap();
    for run in 0..3 {
        let o = hazard(&["run", "incident.json"], tmp.path());
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(
            stdout.starts_with(shown),
            "run {run}: README shows\n{shown}\nhazard prints\n{stdout}"
        );
    }
    let replay = fenced("```\n$ hazard replay ");
    let report = replay.split_whitespace().next().unwrap();
    assert!(shown.contains(&format!("hazard replay {report}")));
    assert!(tmp.path().join(report).is_file(), "{report}");
    let o = hazard(&["replay", report], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(readme.contains(&format!("hazard show {report}")));
}

/// FIFOs, devices and oversized files are refused with exit 2 and a message, before they are
/// opened: nothing hangs, nothing reads without end. A FIFO inside a scenario directory is a
/// row of its own; the other files run.
#[test]
fn special_files_are_refused_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let big = tmp.path().join("big.json");
    std::fs::write(&big, vec![b' '; 5 << 20]).unwrap();
    for input in [
        fifo.to_str().unwrap(),
        "/dev/zero",
        "/dev/urandom",
        big.to_str().unwrap(),
    ] {
        let o = hazard(&["run", input, "--out", "out"], tmp.path());
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{input}: {stdout}{stderr}");
        assert!(stderr.contains(input), "{input}: {stderr}");
        for cmd in ["replay", "show"] {
            let o = hazard(&[cmd, input], tmp.path());
            assert_eq!(o.status.code(), Some(2), "{cmd} {input}: {:?}", text(&o));
        }
    }
    std::fs::copy(scenario("chan-leak"), tmp.path().join("chan-leak.json")).unwrap();
    let o = hazard(&["run", ".", "--out", "out", "--quiet"], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("chan-leak.json"), "{stdout}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

/// `corpus check` tells a corrupt entry (exit 2) from a regression (exit 1).
#[test]
fn a_corrupt_corpus_entry_is_an_input_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("corpus");
    std::fs::create_dir(&dir).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/corpus");
    let entry = reports_in(&shipped)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("chan-close-nil"))
        .unwrap();
    std::fs::copy(&entry, dir.join("good.json")).unwrap();
    let o = hazard(&["corpus", "check", "corpus"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    std::fs::write(dir.join("broken.json"), "{ \"schema\": ").unwrap();
    let o = hazard(&["corpus", "check", "corpus"], tmp.path());
    let (stdout, _) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("BROKEN"), "{stdout}");
}

/// Report files are named after the scenario: a name that cannot be a file name is refused at
/// validation, and two files sharing a `name` and a failure keep a report each.
#[test]
fn report_names_never_collide_or_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scenarios");
    std::fs::create_dir(&dir).unwrap();
    let file = |desc: &str| {
        json!({
            "schema": "hazard/scenario/v1", "name": "dup", "description": desc,
            "objects": { "c": { "kind": "chan", "nil": true } },
            "threads": { "t": [ { "op": "close", "obj": "c" } ] },
            "expect": { "fails": { "id": "chan-close-nil" } }
        })
    };
    std::fs::write(dir.join("a.json"), file("one").to_string()).unwrap();
    std::fs::write(dir.join("b.json"), file("two").to_string()).unwrap();
    for _ in 0..2 {
        // Twice: a rerun replaces each report, it does not add a third.
        let o = hazard(&["run", "scenarios", "--out", "out"], tmp.path());
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        let reports = reports_in(&tmp.path().join("out"));
        assert_eq!(reports.len(), 2, "{reports:?}");
        let mut descs: Vec<String> = reports
            .iter()
            .map(|p| read_report(p).unwrap().scenario.source["description"].to_string())
            .collect();
        descs.sort();
        assert_eq!(descs, ["\"one\"", "\"two\""]);
    }

    let mut long = file("x");
    long["name"] = json!("n".repeat(201));
    std::fs::write(dir.join("long.json"), long.to_string()).unwrap();
    let o = hazard(&["run", "scenarios/long.json", "--out", "out"], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("$.name: a scenario name is 1 to 200 bytes (this one is 201)")
            || stdout.contains("$.name: a scenario name is 1 to 200 bytes (this one is 201)"),
        "{stdout}{stderr}"
    );
    long["name"] = json!("n".repeat(200));
    std::fs::write(dir.join("long.json"), long.to_string()).unwrap();
    let o = hazard(&["run", "scenarios/long.json", "--out", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

/// A report whose parts disagree is refused with the field named: an unknown schedule format,
/// a `minimized` section taken from another report, a step budget of 0. `show` and
/// `corpus check` then exit 2 (input error), never display or pass it.
#[test]
fn a_report_whose_parts_disagree_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/corpus");
    let load = |needle: &str| -> Value {
        let p = reports_in(&shipped)
            .into_iter()
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(needle))
            .unwrap();
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let base = load("map-concurrent-writes.incident-");
    let other = load("wg-reuse.incident-");
    assert!(base["minimized"].is_object() && other["minimized"].is_object());
    let ok = tmp.path().join("ok.json");
    std::fs::write(&ok, serde_json::to_string(&base).unwrap()).unwrap();
    read_report(&ok).expect("the shipped entry reads");

    let mut cases: Vec<(&str, Value, &str)> = Vec::new();
    let mut v = base.clone();
    v["schedule"]["format"] = json!("hazard-schedule/v9");
    cases.push(("format", v, "schedule.format is `hazard-schedule/v9`"));
    let mut v = base.clone();
    v["minimized"]["schedule"]["format"] = json!("shuttle");
    cases.push(("minformat", v, "minimized.schedule.format is `shuttle`"));
    let mut v = base.clone();
    v["minimized"] = other["minimized"].clone();
    cases.push(("borrowed", v, "belongs to another report"));
    // The same failure, but the section of another scenario's report.
    let mut v = base.clone();
    let mut m = other["minimized"].clone();
    m["signature"] = base["failure"]["signature"].clone();
    v["minimized"] = m;
    cases.push(("borrowed-renamed", v, "belongs to another report"));
    let mut v = base.clone();
    v["exploration"]["budget"]["max_steps"] = json!(0);
    cases.push(("steps", v, "exploration.budget.max_steps is 0"));

    for (name, v, want) in cases {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let f = dir.join("r.json");
        std::fs::write(&f, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let e = read_report(&f).expect_err(name).to_string();
        assert!(e.contains(want) && e.contains("r.json"), "{name}: {e}");
        for args in [vec!["show", "r.json"], vec!["corpus", "check", "."]] {
            let o = hazard(&args, &dir);
            let (stdout, stderr) = text(&o);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{name} {args:?}: {stdout}{stderr}"
            );
            assert!(
                stdout.contains(want) || stderr.contains(want),
                "{name} {args:?}: {stdout}{stderr}"
            );
        }
    }
}

/// `main` returns once every top-level thread has finished, and a Go program ends there: a
/// goroutine's panic that can only come later is never a finding (it is, for a long-lived
/// process whose main never returns).
#[test]
fn nothing_fails_after_main_returns() {
    let late_panic = |lifetime: Option<&str>| {
        let mut v = json!({
            "threads": { "main": [
                { "op": "spawn", "thread": "g", "body": [
                    { "op": "sleep", "for": "1s" },
                    { "op": "panic", "value": "too late" }
                ] }
            ] },
            "expect": { "passes": true }
        });
        if let Some(l) = lifetime {
            v["lifetime"] = json!(l);
        }
        v
    };
    assert_never_fails(&prog(late_panic(None)));
    assert_never_fails(&prog(late_panic(Some("main"))));
    let x = explore(
        &prog(late_panic(Some("process"))),
        &ExploreConfig::default().engine(EngineKind::Dfs),
    )
    .unwrap();
    assert_eq!(
        sigs(&x)
            .iter()
            .map(|s| s.message.as_str())
            .collect::<Vec<_>>(),
        ["too late"]
    );
}

/// main's return takes time: a goroutine started just before it may still panic first, as it
/// sometimes does in Go (in some interleavings, not all).
#[test]
fn a_goroutine_can_panic_while_main_returns() {
    let v = json!({
        "threads": {
            "a": [ { "op": "spawn", "thread": "w", "body": [ { "op": "panic", "value": "boom" } ] } ],
            "b": [ { "op": "spawn", "thread": "v", "body": [] } ]
        },
        "expect": { "fails": { "kind": "panic", "message": "boom" } }
    });
    let x = explore(
        &prog(v),
        &ExploreConfig::default()
            .engine(EngineKind::Dfs)
            .preemption_bound(1),
    )
    .unwrap();
    assert_eq!(
        sigs(&x)
            .iter()
            .map(|s| s.message.as_str())
            .collect::<Vec<_>>(),
        ["boom"]
    );
    // ... and not in every interleaving: run on without switching, main returns first.
    let serial = run_bytes(
        &prog(json!({
            "threads": {
                "a": [ { "op": "spawn", "thread": "w", "body": [ { "op": "panic", "value": "boom" } ] } ]
            },
            "expect": { "passes": true }
        })),
        &[],
        10_000,
        false,
    )
    .unwrap()
    .outcome;
    assert!(serial.failed.is_none(), "{:?}", serial.failed);
}

/// A goroutine blocked when main returns is leaked only if it stays blocked: one that a
/// still-running goroutine releases is not (no false alarm), and one that wakes from a sleep
/// and then blocks for good is (the handler returned, the worker leaks).
#[test]
fn a_leak_at_main_return_is_a_goroutine_blocked_for_good() {
    never_fails(
        json!({
            "objects": { "wg": { "kind": "waitgroup" } },
            "threads": { "main": [
                { "op": "add", "obj": "wg", "delta": 1 },
                { "op": "spawn", "thread": "worker", "body": [ { "op": "done", "obj": "wg" } ] },
                { "op": "spawn", "thread": "monitor", "body": [ { "op": "wait", "obj": "wg" } ] }
            ] }
        }),
        Value::Null,
    );
    let s = only(&failures(
        json!({
            "objects": { "result": { "kind": "chan" } },
            "threads": { "handler": [
                { "op": "spawn", "thread": "worker", "body": [
                    { "op": "sleep", "for": "2s" },
                    { "op": "send", "obj": "result", "value": 1 }
                ] },
                { "op": "select", "cases": [
                    { "case": "recv", "obj": "result" },
                    { "case": "after", "after": "1s" }
                ] }
            ] }
        }),
        Value::Null,
    ))
    .clone();
    assert_sig(
        &s,
        "timeout-leak",
        harness::model::FailureKind::Leak,
        "goroutine leak: worker [chan send] blocked forever",
        Some("worker"),
    );
}

/// `n` procs, each calling the next, called once from thread `main`.
fn call_chain(n: usize) -> Value {
    let mut procs = serde_json::Map::new();
    for i in 0..n {
        let body = if i + 1 < n {
            json!([ { "op": "call", "proc": format!("p{}", i + 1) } ])
        } else {
            json!([ { "op": "yield" } ])
        };
        procs.insert(format!("p{i}"), body);
    }
    json!({
        "schema": "hazard/scenario/v1",
        "name": format!("call-chain-{n}"),
        "procs": procs,
        "threads": { "main": [ { "op": "call", "proc": "p0" } ] },
        "expect": { "passes": true }
    })
}

/// Every accepted scenario runs in bounded stack: the deepest nesting the limit allows runs
/// (in this unoptimised build too, whose frames are the largest), one level more is rejected
/// at the thread with its place, and so is a proc count that would overflow the validator.
#[test]
fn nesting_is_bounded_and_the_bound_runs() {
    use harness::scenario::{load_value, MAX_FRAMES, MAX_PROCS};
    let tmp = tempfile::tempdir().unwrap();
    let at_limit = call_chain(MAX_FRAMES - 1);
    let file = tmp.path().join("deep.json");
    std::fs::write(&file, serde_json::to_string_pretty(&at_limit).unwrap()).unwrap();
    let o = hazard(
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            "out",
            "--iterations",
            "200",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let e = load_value(&call_chain(MAX_FRAMES), "deep.json").unwrap_err();
    assert_eq!(e.location.as_ref().unwrap().path, "$.threads.main", "{e}");
    assert!(e.message.contains(&format!("limit {MAX_FRAMES}")), "{e}");
    let e = load_value(&call_chain(MAX_PROCS + 1), "many.json").unwrap_err();
    assert!(e.message.contains(&format!("limit {MAX_PROCS}")), "{e}");
    let e = load_value(&call_chain(50_000), "huge.json").unwrap_err();
    assert!(e.message.contains("procs"), "{e}");
    // Recover scopes nested inside a chain of procs count the same way.
    // The thread's body, then per proc its body and 30 recover bodies: 1 + 4 * 31 levels.
    let mut v = call_chain(4);
    for p in ["p0", "p1", "p2", "p3"] {
        let inner = v["procs"][p].clone();
        let mut body = inner;
        for _ in 0..30 {
            body = json!([ { "op": "recover", "body": body } ]);
        }
        v["procs"][p] = body;
    }
    let e = load_value(&v, "recovers.json").unwrap_err();
    assert!(e.message.contains("nest 125 deep"), "{e}");
    // Loop bodies are frames too: `for`, `range` over a channel or a slice around the call.
    for wrap in [
        json!({ "op": "for", "body": [ { "op": "call", "proc": "p0" } ] }),
        json!({ "op": "range", "obj": "ch", "body": [ { "op": "call", "proc": "p0" } ] }),
        json!({ "op": "range", "obj": "s", "body": [ { "op": "call", "proc": "p0" } ] }),
    ] {
        let mut v = call_chain(MAX_FRAMES - 1);
        v["objects"] = json!({ "ch": { "kind": "chan" }, "s": { "kind": "slice", "elems": [1] } });
        v["threads"]["main"] = json!([wrap]);
        let e = load_value(&v, "loop.json").unwrap_err();
        assert!(
            e.message.contains(&format!("limit {MAX_FRAMES}")),
            "{wrap}: {e}"
        );
    }
}

/// Memory is bounded too: declared slices past the element bound are rejected at the object;
/// allocations at run time past it (sync.Pool News in a loop) stop the run with a clear error
/// row (exit 2), not an allocation failure.
#[test]
fn memory_is_bounded() {
    use harness::scenario::{load_value, MAX_ELEMS};
    let mut objects = serde_json::Map::new();
    for i in 0..5 {
        objects.insert(
            format!("s{i}"),
            json!({ "kind": "slice", "cap": 1_000_000 }),
        );
    }
    let e = load_value(
        &json!({
            "schema": "hazard/scenario/v1", "name": "slices", "objects": objects,
            "threads": { "t": [ { "op": "yield" } ] }, "expect": { "passes": true }
        }),
        "slices.json",
    )
    .unwrap_err();
    assert_eq!(e.location.as_ref().unwrap().path, "$.objects.s4", "{e}");
    assert!(e.message.contains(&MAX_ELEMS.to_string()), "{e}");
    let tmp = tempfile::tempdir().unwrap();
    let pool = json!({
        "schema": "hazard/scenario/v1",
        "name": "pool-news",
        "objects": {
            "p": { "kind": "pool", "new": { "cap": 1_000_000 } },
            "s": { "kind": "slice" }
        },
        "threads": {
            "a": [ { "op": "repeat", "times": 100, "body": [ { "op": "get", "obj": "p", "to": "s" } ] } ],
            "b": [ { "op": "yield" } ]
        },
        "expect": { "passes": true }
    });
    std::fs::write(tmp.path().join("pool.json"), pool.to_string()).unwrap();
    let o = hazard(&["run", "pool.json", "--out", "out", "--json"], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains(r#""status":"error""#), "{stdout}");
    assert!(
        stdout.contains("slice elements in one execution"),
        "{stdout}"
    );
}

/// Validation bounds declared threads; a spawn in a `range` body can start more than that at
/// run time (one per entry). Such a run stops at the bound, as an error row (exit 2), never
/// runs on with thousands of goroutines.
#[test]
fn threads_started_at_run_time_are_bounded() {
    use harness::scenario::MAX_THREADS;
    let tmp = tempfile::tempdir().unwrap();
    let entries: serde_json::Map<String, Value> = (0..2 * MAX_THREADS)
        .map(|i| (format!("k{i}"), json!(i)))
        .collect();
    let body = |n: usize| {
        json!({
            "schema": "hazard/scenario/v1", "name": format!("spawner-{n}"),
            "objects": { "m": { "kind": "map", "entries": entries.iter().take(n).map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>() } },
            "threads": { "t": [ { "op": "range", "obj": "m", "body": [
                { "op": "spawn", "thread": "w", "body": [ { "op": "yield" } ] }
            ] } ] },
            "expect": { "passes": true }
        })
    };
    std::fs::write(
        tmp.path().join("many.json"),
        body(2 * MAX_THREADS as usize).to_string(),
    )
    .unwrap();
    let o = hazard(&["run", "many.json", "--out", "out", "--json"], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains(r#""status":"error""#), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "starts more than {MAX_THREADS} threads in one execution"
        )),
        "{stdout}"
    );
    // At the bound (t and MAX_THREADS - 1 workers) it runs.
    std::fs::write(
        tmp.path().join("ok.json"),
        body(MAX_THREADS as usize - 1).to_string(),
    )
    .unwrap();
    let o = hazard(
        &["run", "ok.json", "--out", "out", "--iterations", "20"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

/// Go ≥ 1.21: `panic(nil)` is a `*runtime.PanicNilError`: `panic: runtime error: panic called
/// with nil argument`, and `recover()` gets that error, not nil (checked on Go 1.27.3).
#[test]
fn panic_nil_is_a_runtime_error() {
    let s = found(json!({
        "threads": { "t": [ { "op": "panic", "value": null } ] },
        "expect": { "fails": { "kind": "panic" } }
    }));
    assert_eq!(s.message, "runtime error: panic called with nil argument");
    never_fails(
        json!({
            "threads": { "t": [
                { "op": "recover", "into": "e", "body": [ { "op": "panic", "value": null } ] },
                { "op": "assert", "var": "e", "eq": "runtime error: panic called with nil argument" }
            ] }
        }),
        Value::Null,
    );
}

/// A deferred call that panics while another panic propagates: `recover` gets the newest, and
/// an unrecovered chain prints as Go's printpanics does (checked on Go 1.27.3):
/// `panic: first` / `\tpanic: second` / `\tpanic: third`.
#[test]
fn a_panic_during_a_panic_prints_the_chain() {
    let v = json!({
        "threads": { "t": [
            { "op": "defer", "body": [ { "op": "panic", "value": "third" } ] },
            { "op": "defer", "body": [ { "op": "panic", "value": "second" } ] },
            { "op": "panic", "value": "first" }
        ] },
        "expect": { "fails": { "kind": "panic" } }
    });
    let f = harness::explore::replay(
        &prog(v),
        &harness::explore::Schedule::default(),
        10_000,
        false,
    )
    .unwrap();
    let failed = f.failed.expect("the chain kills the program");
    assert_eq!(
        failed.failure.render(),
        "panic: first\n\tpanic: second\n\tpanic: third"
    );
    assert_eq!(f.signature.unwrap().message, "third");
    never_fails(
        json!({
            "threads": { "t": [
                { "op": "recover", "into": "e", "body": [
                    { "op": "defer", "body": [ { "op": "panic", "value": "second" } ] },
                    { "op": "panic", "value": "first" }
                ] },
                { "op": "assert", "var": "e", "eq": "second" }
            ] }
        }),
        Value::Null,
    );
}

/// Diagnosis names the hazard Go's dump shows (checked on Go 1.27.3): a one-case select is
/// the plain channel operation (`chan receive (nil chan)`), a select over nil channels only
/// waits with no cases, and both are `chan-nil-block`; an RLock under the thread's own Lock is
/// a self-deadlock; a global deadlock lists main's goroutine first, waiting for the threads.
#[test]
fn diagnosis_names_the_right_hazard() {
    let leak_of = |cases: Value| {
        found(json!({
            "objects": { "quit": { "kind": "chan", "nil": true }, "stop": { "kind": "chan", "nil": true } },
            "threads": { "main": [
                { "op": "spawn", "thread": "w", "body": [ { "op": "select", "cases": cases } ] },
                { "op": "yield" }
            ] },
            "expect": { "fails": { "kind": "leak" } }
        }))
    };
    let one = leak_of(json!([ { "case": "recv", "obj": "quit" } ]));
    assert_eq!(one.id, "chan-nil-block");
    assert_eq!(
        one.message,
        "goroutine leak: w [chan receive (nil chan)] blocked forever"
    );
    let two = leak_of(json!([
        { "case": "recv", "obj": "quit" },
        { "case": "send", "obj": "stop", "value": 1 }
    ]));
    assert_eq!(two.id, "chan-nil-block");
    assert_eq!(
        two.message,
        "goroutine leak: w [select (no cases)] blocked forever"
    );

    let own = found(json!({
        "objects": { "mu": { "kind": "rwmutex" } },
        "threads": { "t": [ { "op": "lock", "obj": "mu" }, { "op": "rlock", "obj": "mu" } ] },
        "expect": { "fails": { "kind": "fatal" } }
    }));
    assert_eq!(own.id, "mutex-double-lock");

    let v = json!({
        "objects": { "mu": { "kind": "mutex" } },
        "threads": { "t": [ { "op": "lock", "obj": "mu" }, { "op": "lock", "obj": "mu" } ] },
        "expect": { "fails": { "kind": "fatal" } }
    });
    let f = find(&prog(v));
    let rendered = f.failed.failure.render();
    assert!(
        rendered.starts_with(
            "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [sync.WaitGroup.Wait]: (main)\n\ngoroutine 2 [sync.Mutex.Lock]: (t, waits on mu, holds mu)"
        ),
        "{rendered}"
    );
}

/// Names, values and messages from a scenario or report never reach the terminal as escape
/// sequences: control characters are printed escaped by run, show and replay.
#[test]
fn control_characters_are_escaped_on_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let v = json!({
        "schema": "hazard/scenario/v1",
        "name": "esc",
        "description": "\u{1b}]0;title\u{7}",
        "objects": { "m": { "kind": "map" } },
        "threads": {
            "w\u{1b}[31m1": [ { "op": "set", "obj": "m", "key": "\u{1b}[2J", "value": 1 } ],
            "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "expect": { "fails": { "message": "concurrent map writes" } }
    });
    std::fs::write(tmp.path().join("esc.json"), v.to_string()).unwrap();
    let o = hazard(&["run", "esc.json", "--out", "out"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(!o.stdout.contains(&0x1b) && !o.stderr.contains(&0x1b));
    let (stdout, _) = text(&o);
    assert!(stdout.contains("\\u{1b}[31m"), "{stdout}");
    let report = reports_in(&tmp.path().join("out")).remove(0);
    for cmd in ["show", "replay"] {
        let o = hazard(&[cmd, report.to_str().unwrap()], tmp.path());
        assert!(!o.stdout.contains(&0x1b), "{cmd}: {:?}", text(&o));
        assert!(!o.stderr.contains(&0x1b), "{cmd}");
    }
}

/// A report whose trace spans thousands of threads renders in both views: beyond a dozen
/// threads the table lists one step per line (a column each would grow with the square of the
/// threads), and the page has a lane per thread with its own steps.
#[test]
fn views_of_many_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/corpus");
    let entry = reports_in(&shipped)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("map-concurrent-writes-"))
        .unwrap();
    let mut r: Value = serde_json::from_str(&std::fs::read_to_string(entry).unwrap()).unwrap();
    let n = 20_000;
    r["trace"] = (0..n)
        .map(|i| json!({ "step": i, "thread": format!("t{i}"), "op": "$", "text": format!("line {i}") }))
        .collect();
    r["schedule"]["threads"] = (0..n).map(|i| json!(format!("t{i}"))).collect();
    r.as_object_mut().unwrap().remove("minimized");
    let file = tmp.path().join("many.json");
    std::fs::write(&file, r.to_string()).unwrap();
    let o = hazard(&["show", file.to_str().unwrap()], tmp.path());
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains(&format!("{n} threads, one line per step")));
    assert!(
        stdout.contains("19999  t19999"),
        "{}",
        &stdout[stdout.len() - 300..]
    );
    assert!(stdout.lines().all(|l| l.chars().count() < 200));
    let o = hazard(&["show", "--html", file.to_str().unwrap()], tmp.path());
    let (html, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(html.matches("<section class=\"lane\"").count(), n);
    assert!(html.contains("id=\"line-19999\""));
}

/// Ctrl-C or SIGTERM stops a run cleanly: exit 130, the summary of what ran, no temporary
/// file left, every report written whole.
#[test]
fn a_signal_stops_a_run_cleanly() {
    use std::process::{Command, Stdio};
    for signal in ["-INT", "-TERM"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("s");
        std::fs::create_dir(&dir).unwrap();
        for name in [
            "map-concurrent-writes",
            "chan-leak",
            "map-concurrent-writes.fixed",
            "deadlock.fixed",
            "wg-negative.fixed",
        ] {
            std::fs::copy(scenario(name), dir.join(format!("{name}.json"))).unwrap();
        }
        // Budgets far beyond what the test waits for: only the signal ends the fixed ones.
        let child = Command::new(env!("CARGO_BIN_EXE_hazard"))
            .args([
                "run",
                "s",
                "--out",
                "out",
                "--iterations",
                "100000000",
                "--quiet",
            ])
            .current_dir(tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        let (stdout, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(130), "{signal}: {stdout}{stderr}");
        assert!(stderr.contains("hazard: interrupted:"), "{stderr}");
        assert!(stdout.contains("scenarios:"), "the summary: {stdout}");
        let out = tmp.path().join("out");
        for e in std::fs::read_dir(&out).unwrap() {
            let p = e.unwrap().path();
            assert!(
                !p.to_string_lossy().ends_with(".tmp"),
                "left behind: {}",
                p.display()
            );
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            assert!(v.get("schema").is_some());
        }
    }
}
