//! The fuzz engine and the libFuzzer targets: decoding is total, byte-driven failures replay,
//! crash files (made in-process and by the real libFuzzer build) import into reports that
//! replay, generated scenarios hold their promises, and bad input is refused cleanly.

use crate::helpers::{hazard, scenario, scenarios, Rng};
use harness::explore::{replay, run_bytes};
use harness::scenario::{load_file, load_str};
use harness::targets::{self, Goal, ScheduleTarget, Source};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Any bytes give a schedule: on every shipped scenario, random inputs run without a harness
/// error, and the decisions they made replay to the same outcome.
#[test]
fn decoding_is_total_and_every_decoded_schedule_replays() {
    let mut rng = Rng(11);
    let (mut runs, mut failing) = (0, 0);
    for (f, text) in targets::shipped() {
        let prog = Arc::new(load_str(text, f).unwrap());
        for _ in 0..12 {
            let data = rng.bytes(48);
            let run = run_bytes(&prog, &data, 20_000, false)
                .unwrap_or_else(|e| panic!("{f}: {data:?}: {e}"));
            let again = replay(&prog, &run.schedule, 20_000, false)
                .unwrap_or_else(|e| panic!("{f}: {data:?}: replay: {e}"));
            assert_eq!(run.outcome.signature, again.signature, "{f}: {data:?}");
            runs += 1;
            failing += run.outcome.signature.is_some() as usize;
        }
    }
    assert!(
        runs > 1000 && failing > 100,
        "{runs} runs, {failing} failing"
    );
}

/// The same bytes decode the same way every time (crash files are stable).
#[test]
fn the_same_bytes_make_the_same_schedule() {
    let prog = Arc::new(load_file(&scenario("aba-treiber")).unwrap());
    let mut rng = Rng(5);
    for _ in 0..50 {
        let data = rng.bytes(32);
        let a = run_bytes(&prog, &data, 20_000, false).unwrap();
        let b = run_bytes(&prog, &data, 20_000, false).unwrap();
        assert_eq!(a.schedule, b.schedule);
        assert_eq!(a.input.used, b.input.used);
    }
}

/// Inputs that reach new interleavings cover new counters: the counters of one run are a
/// function of its interleaving.
#[test]
fn coverage_tells_interleavings_apart() {
    let prog = Arc::new(load_file(&scenario("map-concurrent-writes.fixed")).unwrap());
    let cov = |data: &[u8]| {
        let mut c = run_bytes(&prog, data, 20_000, true).unwrap().input.coverage;
        c.sort();
        c
    };
    assert!(!cov(&[]).is_empty());
    assert_eq!(cov(&[]), cov(&[]));
    let distinct: std::collections::HashSet<_> = (0..12u8).map(|k| cov(&[k, 0])).collect();
    assert!(
        distinct.len() >= 4,
        "{} distinct coverage maps",
        distinct.len()
    );
}

fn shipped_index(name: &str) -> u8 {
    targets::shipped()
        .iter()
        .position(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not shipped")) as u8
}

/// A `schedule` input that makes `name` fail the way it expects.
fn failing_input(name: &str) -> Vec<u8> {
    let t = ScheduleTarget {
        source: Source::One(Arc::new(load_file(&scenario(name)).unwrap())),
        goal: Goal::Expected,
    };
    for k in 0..=255u8 {
        for target in 0..4u8 {
            let data = vec![k, target];
            if t.check(&data).is_err() {
                return data;
            }
        }
    }
    panic!("no single deviation makes {name} fail");
}

fn report_in(dir: &Path) -> (PathBuf, Value) {
    let path = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap_or_else(|| panic!("no report in {}", dir.display()));
    let v = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (path, v)
}

fn assert_replays(report: &Path, message: &str) {
    let out = hazard(&["replay", report.to_str().unwrap()], &scenarios());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(message), "{text}");
}

/// `hazard fuzz import CRASH [--scenario FILE] --out DIR`, run in `cwd`.
fn import(crash: &Path, scenario: Option<&Path>, out: &Path, cwd: &Path) -> std::process::Output {
    let mut args = vec!["fuzz", "import", crash.to_str().unwrap()];
    if let Some(s) = scenario {
        args.extend(["--scenario", s.to_str().unwrap()]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    hazard(&args, cwd)
}

/// [`import`] that must succeed with exit 0: the report it wrote, read back.
fn import_ok(crash: &Path, scenario: Option<&Path>, out: &Path) -> (PathBuf, Value) {
    let run = import(crash, scenario, out, &scenarios());
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    report_in(out)
}

/// find (bytes) → import → report → read → replay → the same failure, for a crash fuzzed
/// with one scenario and for one in the nightly format (first byte picks the scenario).
#[test]
fn imported_crashes_round_trip_through_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let data = failing_input("map-concurrent-writes");
    let crash = tmp.path().join("crash-one");
    std::fs::write(&crash, &data).unwrap();
    let out_dir = tmp.path().join("one");
    let (path, v) = import_ok(&crash, Some(&scenario("map-concurrent-writes")), &out_dir);
    assert_eq!(v["exploration"]["engine"], "libfuzzer");
    assert_eq!(v["exploration"]["found_by"], "libfuzzer");
    assert_eq!(v["replay_verified"], true);
    assert_eq!(
        v["failure"]["signature"]["message"],
        "concurrent map writes"
    );
    assert_replays(&path, "concurrent map writes");

    // The nightly format: the first byte picks the shipped scenario.
    let mut nightly = vec![shipped_index("map-concurrent-writes.json")];
    nightly.extend_from_slice(&data);
    let crash = tmp.path().join("crash-nightly");
    std::fs::write(&crash, &nightly).unwrap();
    let out_dir = tmp.path().join("nightly");
    let (path, v) = import_ok(&crash, None, &out_dir);
    assert_eq!(v["scenario"]["name"], "map-concurrent-writes");
    assert_replays(&path, "concurrent map writes");
}

/// A failure in a scenario that must pass is a finding: exit 1, and the report replays.
#[test]
fn an_imported_violation_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    // The buggy scenario's failing bytes, run against a copy that claims to pass.
    let data = failing_input("map-concurrent-writes");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(scenario("map-concurrent-writes")).unwrap())
            .unwrap();
    v["expect"] = serde_json::json!({ "passes": true });
    let file = tmp.path().join("claims-to-pass.json");
    std::fs::write(&file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let crash = tmp.path().join("crash");
    std::fs::write(&crash, &data).unwrap();
    let out_dir = tmp.path().join("out");
    let out = import(&crash, Some(&file), &out_dir, tmp.path());
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (path, _) = report_in(&out_dir);
    assert_replays(&path, "concurrent map writes");
}

#[test]
fn import_refuses_inputs_that_do_not_fail_and_missing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let crash = tmp.path().join("crash-passes");
    std::fs::write(&crash, [0u8, 0]).unwrap();
    let fixed = scenario("map-concurrent-writes.fixed");
    let out = hazard(
        &[
            "fuzz",
            "import",
            crash.to_str().unwrap(),
            "--scenario",
            fixed.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("crash-passes") && err.contains("no longer reproduces"),
        "{err}"
    );
    assert!(!tmp.path().join("reports").exists());

    let out = hazard(&["fuzz", "import", "no-such-crash"], tmp.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no-such-crash"), "{err}");
}

#[test]
fn fuzz_refuses_a_malformed_scenario_with_its_location() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.json");
    std::fs::write(
        &file,
        "{\"schema\": \"hazard/scenario/v1\", \"name\": \"bad\",\n  \"threads\": {\"t\": [{\"op\": \"set\", \"obj\": \"nope\", \"key\": \"k\", \"value\": 1}]},\n  \"expect\": {\"passes\": true}}",
    )
    .unwrap();
    let out = hazard(&["fuzz", file.to_str().unwrap(), "--time", "1"], tmp.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.json:2:") && err.contains("nope"), "{err}");
}

/// Generated scenarios: fixed data structures never fail and no port panics, over a few
/// thousand inputs (the `ops` target's own check, without libFuzzer).
#[test]
fn generated_scenarios_keep_their_promises() {
    let mut rng = Rng(3);
    for _ in 0..3000 {
        let data = rng.bytes(96);
        if let Err(v) = targets::ops_check(&data) {
            panic!("{data:?}: {v}");
        }
    }
}

/// Go's documented failures in generated port scenarios are expected, not crashes: only the
/// fixed family is held to "never fails".
#[test]
fn failing_port_scenarios_are_not_violations() {
    let mut rng = Rng(9);
    let mut port_failures = 0;
    for _ in 0..3000 {
        let data = rng.bytes(96);
        let Some(g) = targets::gen::generate(&data) else {
            continue;
        };
        if g.fixed_only {
            continue;
        }
        if targets::reproduce_ops(&data).is_ok() {
            port_failures += 1;
            assert!(targets::ops_check(&data).is_ok());
        }
    }
    assert!(
        port_failures > 100,
        "{port_failures} failing port scenarios"
    );
}

/// `hazard run --engine fuzz`: the in-process engine finds the ABA and its report replays.
#[test]
fn the_fuzz_engine_finds_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let out = hazard(
        &[
            "run",
            scenario("aba-treiber").to_str().unwrap(),
            "--engine",
            "fuzz",
            "--out",
            tmp.path().to_str().unwrap(),
        ],
        &scenarios(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (path, v) = report_in(tmp.path());
    assert_eq!(v["exploration"]["found_by"], "fuzz");
    assert_eq!(v["replay_verified"], true);
    assert_replays(&path, "duplicated");
}

fn fuzz_binary(target: &str) -> PathBuf {
    let root = scenarios().join("..");
    let out = Command::new(root.join("scripts/fuzz-build"))
        .arg(target)
        .current_dir(&root)
        .output()
        .expect("scripts/fuzz-build runs");
    assert!(
        out.status.success(),
        "scripts/fuzz-build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();
    root.join(dir).join(target)
}

/// The real libFuzzer build: the `schedule` target finds the expected failure of
/// map-concurrent-writes, and its crash file imports into a report that replays.
#[test]
fn a_libfuzzer_crash_round_trips() {
    let bin = fuzz_binary("schedule");
    let tmp = tempfile::tempdir().unwrap();
    let artifacts = format!("-artifact_prefix={}/", tmp.path().display());
    let out = Command::new(&bin)
        .env("HAZARD_SCENARIO", scenario("map-concurrent-writes"))
        .env("HAZARD_FUZZ_GOAL", "expected")
        .args([
            "-seed=1",
            "-runs=2000000",
            "-max_total_time=300",
            &artifacts,
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("the expected failure: concurrent map writes"),
        "{log}"
    );
    let crash = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("crash-")
        })
        .unwrap_or_else(|| panic!("libFuzzer wrote no crash file:\n{log}"));
    let out_dir = tmp.path().join("reports");
    let (path, v) = import_ok(&crash, Some(&scenario("map-concurrent-writes")), &out_dir);
    assert_eq!(v["replay_verified"], true);
    assert_replays(&path, "concurrent map writes");
}

/// `hazard fuzz` end to end: builds the target, runs libFuzzer, writes the report.
#[test]
fn hazard_fuzz_reproduces_an_incident() {
    fuzz_binary("schedule");
    let tmp = tempfile::tempdir().unwrap();
    let out = hazard(
        &[
            "fuzz",
            scenario("map-concurrent-writes").to_str().unwrap(),
            "--time",
            "120",
            "--sanitizer",
            "none",
            "--seed",
            "1",
            "--out",
            tmp.path().to_str().unwrap(),
        ],
        &scenarios(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("found by libfuzzer"), "{text}");
    let (path, _) = report_in(tmp.path());
    assert_replays(&path, "concurrent map writes");
}

/// Real libFuzzer finds a data race like any other failure, and its report replays the race.
#[test]
fn hazard_fuzz_finds_a_data_race() {
    fuzz_binary("schedule");
    let tmp = tempfile::tempdir().unwrap();
    let out = hazard(
        &[
            "fuzz",
            scenario("race-field-rlock").to_str().unwrap(),
            "--time",
            "120",
            "--sanitizer",
            "none",
            "--seed",
            "1",
            "--out",
            tmp.path().to_str().unwrap(),
        ],
        &scenarios(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("found by libfuzzer"), "{text}");
    let (path, v) = report_in(tmp.path());
    assert_eq!(v["failure"]["signature"]["kind"], "race");
    assert_replays(&path, "data race on c.hits");
}
