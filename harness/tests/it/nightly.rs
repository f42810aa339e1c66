//! `hazard nightly`: campaigns over many scenarios, classified findings, resumable state,
//! sharding, and the CI outputs (JUnit parsed back, SARIF validated against 2.1.0's schema).

use crate::helpers::*;
use harness::campaign::{Shard, Summary};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Copy shipped scenarios into `dir`, optionally rewriting one's expectation.
fn copy(dir: &Path, name: &str, expect: Option<Value>) -> PathBuf {
    let text = std::fs::read_to_string(scenario(name)).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    if let Some(e) = expect {
        v["expect"] = e;
    }
    let p = dir.join(format!("{name}.json"));
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    p
}

/// A small campaign's inputs: a buggy scenario (expected failure: known), its fix (passes),
/// and a copy of the buggy one that claims to pass (a new finding).
fn inputs(dir: &Path) -> PathBuf {
    inputs_with(dir, "chan-send-closed", "claims-to-pass")
}

/// `map-concurrent-writes` and its fix, and shipped scenario `buggy` copied as `name`, a
/// scenario that claims to pass.
fn inputs_with(dir: &Path, buggy: &str, name: &str) -> PathBuf {
    let s = dir.join("scenarios");
    std::fs::create_dir_all(&s).unwrap();
    copy(&s, "map-concurrent-writes", None);
    copy(&s, "map-concurrent-writes.fixed", None);
    let text = std::fs::read_to_string(scenario(buggy)).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["name"] = json!(name);
    v["expect"] = json!({ "passes": true });
    std::fs::write(
        s.join(format!("{name}.json")),
        serde_json::to_string_pretty(&v).unwrap(),
    )
    .unwrap();
    s
}

fn nightly(args: &[&str], cwd: &Path) -> std::process::Output {
    let mut all = vec!["nightly", "--no-corpus", "--quiet"];
    all.extend_from_slice(args);
    hazard(&all, cwd)
}

fn summary(out: &Path) -> Summary {
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The summary without what depends on the clock or the session.
fn timeless(s: &Summary) -> Value {
    let mut v = serde_json::to_value(s).unwrap();
    v["elapsed_ms"] = json!(0);
    v["sessions"] = json!(0);
    v["jobs"] = json!(0);
    for x in v["scenarios"].as_array_mut().unwrap() {
        x["elapsed_ms"] = json!(0);
    }
    v
}

fn class_of<'a>(s: &'a Summary, scenario: &str) -> Vec<&'a str> {
    s.findings
        .iter()
        .filter(|f| f.scenario == scenario)
        .map(|f| f.class.label())
        .collect()
}

#[test]
fn a_campaign_classifies_and_reports_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let out = tmp.path().join("out");
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--rounds",
            "2",
            "-j",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let s = summary(&out);
    // The buggy scenario's expected failure, and any other failure of that broken program,
    // are known; the scenario that claims to pass has a new one.
    let buggy = class_of(&s, "map-concurrent-writes");
    assert!(
        !buggy.is_empty() && buggy.iter().all(|c| *c == "known"),
        "{buggy:?}"
    );
    assert_eq!(class_of(&s, "claims-to-pass"), ["new"]);
    assert!(class_of(&s, "map-concurrent-writes.fixed").is_empty());
    let new = s
        .findings
        .iter()
        .find(|f| f.class.label() == "new")
        .unwrap();
    // The new finding has a replayable report, a page, and its op's place in the file.
    let report = new.report.as_ref().expect("a report");
    assert!(Path::new(report).exists());
    assert!(Path::new(new.html.as_ref().unwrap()).exists());
    assert_eq!(new.replay_verified, Some(true));
    let place = new.place.as_ref().expect("a place");
    assert!(place.line > 1, "{place:?}");
    let r = hazard(&["replay", report], tmp.path());
    assert_eq!(r.status.code(), Some(1), "{}", text(&r).0);
    // The fixed scenario settled by exhausting DFS; the buggy one by its finding.
    let fixed = s
        .scenarios
        .iter()
        .find(|x| x.scenario == "map-concurrent-writes.fixed")
        .unwrap();
    assert!(fixed.executions > 0);
    assert_eq!(s.totals.new, 1);
    assert_eq!(s.totals.known, buggy.len());
    // Markdown puts the new finding first, with its replay line.
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let at = md.find("**new**").expect("new finding listed");
    assert!(md[at..].contains("hazard replay"), "{md}");
    // The HTML index links the report's page.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("reports/claims-to-pass-"), "{index}");
}

#[test]
fn a_baseline_makes_a_finding_known_and_a_vanished_one_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let base = tmp.path().join("baseline.json");
    let out = tmp.path().join("out");
    // Accept today's findings.
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--rounds",
            "1",
            "--baseline",
            base.to_str().unwrap(),
            "--update-baseline",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(b["format"], "hazard/baseline/v1");
    let entries = b["findings"].as_array().unwrap();
    // The buggy scenario's failures need no entry; the new one is accepted.
    assert_eq!(entries.len(), 1, "{b}");
    assert_eq!(entries[0]["scenario"], "claims-to-pass");
    // Plant a finding the fixed scenario cannot have: it is fixed, not new.
    let mut b2 = b.clone();
    let mut planted = entries[0].clone();
    planted["scenario"] = json!("map-concurrent-writes.fixed");
    b2["findings"].as_array_mut().unwrap().push(planted);
    std::fs::write(&base, serde_json::to_string_pretty(&b2).unwrap()).unwrap();
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--rounds",
            "1",
            "--baseline",
            base.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    // Nothing new: exit 0.
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let s = summary(&out);
    assert_eq!(class_of(&s, "claims-to-pass"), ["known"]);
    assert_eq!(class_of(&s, "map-concurrent-writes.fixed"), ["fixed"]);
    assert_eq!(s.totals.new, 0);
}

#[test]
fn a_corpus_entry_recorded_as_fixed_that_fails_again_is_regressed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    // A report of the buggy scenario, planted in a corpus as if its bug had been fixed.
    let reports = tmp.path().join("r");
    let o = hazard(
        &[
            "run",
            dir.join("map-concurrent-writes.json").to_str().unwrap(),
            "--out",
            reports.to_str().unwrap(),
            "--quiet",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let report = reports_in(&reports).remove(0);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    v["corpus"] = json!({ "expect": "passes" });
    std::fs::write(
        corpus.join("planted.json"),
        serde_json::to_string_pretty(&v).unwrap(),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = hazard(
        &[
            "nightly",
            "--quiet",
            dir.join("map-concurrent-writes.json").to_str().unwrap(),
            "--corpus",
            corpus.to_str().unwrap(),
            "--rounds",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let s = summary(&out);
    let classes = class_of(&s, "map-concurrent-writes");
    assert!(classes.contains(&"regressed"), "{classes:?}");
    assert_eq!(s.totals.corpus_failed, 1);
    // JUnit shows the regression in the corpus suite.
    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(xml.contains("type=\"regressed\""), "{xml}");
}

#[test]
fn the_same_campaign_gives_the_same_summary_at_any_job_count() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let mut seen = Vec::new();
    for (k, jobs) in ["1", "1", "2"].iter().enumerate() {
        let out = tmp.path().join(format!("out{k}"));
        let o = nightly(
            &[
                dir.to_str().unwrap(),
                "--rounds",
                "2",
                "--seed",
                "7",
                "-j",
                jobs,
                "--no-minimize",
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
        let mut v = timeless(&summary(&out));
        // Report paths differ by output directory.
        for f in v["findings"].as_array_mut().unwrap() {
            for k in ["report", "html", "replay"] {
                f[k] = json!(null);
            }
        }
        seen.push(v);
    }
    assert_eq!(seen[0], seen[1], "two runs at -j 1 differ");
    assert_eq!(seen[0], seen[2], "-j 1 and -j 2 differ");
}

#[test]
fn shards_cover_every_scenario_exactly_once() {
    let files: Vec<String> = harness::base::files_in(&scenarios(), "json")
        .unwrap()
        .iter()
        .map(|p| format!("scenarios/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    for n in 1..=6 {
        let shards: Vec<Shard> = (1..=n)
            .map(|i| format!("{i}/{n}").parse().unwrap())
            .collect();
        for f in &files {
            let takers = shards.iter().filter(|s| s.takes(f)).count();
            assert_eq!(takers, 1, "{f} in {takers} of {n} shards");
        }
        if n > 1 {
            // No shard is empty on the shipped set (the hash spreads).
            for s in &shards {
                assert!(files.iter().any(|f| s.takes(f)), "shard {s} empty");
            }
        }
    }
    for bad in ["0/3", "4/3", "1/0", "x", "1/2/3"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
    // Through the CLI: the shards' summaries partition the files.
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let mut all = Vec::new();
    for i in 1..=3 {
        let out = tmp.path().join(format!("s{i}"));
        let shard = format!("{i}/3");
        nightly(
            &[
                dir.to_str().unwrap(),
                "--rounds",
                "1",
                "--shard",
                &shard,
                "--no-minimize",
                "--out",
                out.to_str().unwrap(),
            ],
            tmp.path(),
        );
        all.extend(summary(&out).scenarios.into_iter().map(|s| s.file));
    }
    all.sort();
    let mut want: Vec<String> = harness::base::files_in(&dir, "json")
        .unwrap()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    want.sort();
    assert_eq!(all, want);
}

#[test]
fn an_invalid_scenario_is_reported_and_the_campaign_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    std::fs::write(
        dir.join("broken.json"),
        "{ \"schema\": \"hazard/scenario/v1\", ",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = hazard(
        &[
            "nightly",
            "--no-corpus",
            dir.to_str().unwrap(),
            "--rounds",
            "1",
            "--json",
            "--no-minimize",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    let lines: Vec<Value> = text(&o)
        .0
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "error", "{kinds:?}");
    assert!(lines[0]["error"].as_str().unwrap().contains("broken.json"));
    assert_eq!(*kinds.last().unwrap(), "summary");
    assert!(kinds.contains(&"finding") && kinds.contains(&"scenario"));
    for l in &lines {
        assert_eq!(l["format"], "hazard/nightly/v1");
    }
    let s = summary(&out);
    assert_eq!(s.totals.invalid, 1);
    assert_eq!(s.totals.new, 1, "the other scenarios still ran");
    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(xml.contains("<error"), "{xml}");
}

/// The journal's complete records so far.
fn journal_lines(state: &Path) -> usize {
    std::fs::read_to_string(state.join("journal.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Crash a campaign (abort: no unwinding, no flush, as a kill) right after its N-th journal
/// record, at several points, then run the same command again: the summary is the one an
/// uninterrupted campaign writes (no finding lost, no slice counted twice).
#[test]
fn a_killed_campaign_resumes_without_losing_or_repeating_work() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    // A scenario that keeps every round busy (fault rules: DFS does not exhaust).
    copy(&dir, "map-faults.sync-map", None);
    let args = |out: &Path, state: &Path| -> Vec<String> {
        [
            "nightly",
            "--no-corpus",
            "--quiet",
            dir.to_str().unwrap(),
            "--rounds",
            "3",
            "-j",
            "2",
            "--no-minimize",
            "--slice",
            "100",
            "--out",
            out.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |out: &Path, state: &Path, crash: Option<usize>| {
        let mut c = Command::new(hazard_bin());
        c.args(args(out, state)).current_dir(tmp.path());
        if let Some(n) = crash {
            c.env("HAZARD_NIGHTLY_CRASH_AFTER", n.to_string());
        }
        c.output().unwrap()
    };
    let paths_off = |mut v: Value| {
        for f in v["findings"].as_array_mut().unwrap() {
            for k in ["report", "html", "replay"] {
                f[k] = json!(null);
            }
        }
        v
    };
    let whole_out = tmp.path().join("whole");
    let o = run(&whole_out, &tmp.path().join("whole-state"), None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let whole = paths_off(timeless(&summary(&whole_out)));
    let records = journal_lines(&tmp.path().join("whole-state"));
    assert!(records > 20, "{records} records");
    for after in [1, 2, 7, 13, records / 2, records - 2] {
        let out = tmp.path().join(format!("killed{after}"));
        let state = tmp.path().join(format!("state{after}"));
        let o = run(&out, &state, Some(after));
        assert_eq!(
            o.status.code(),
            None,
            "not killed at {after}: {}",
            text(&o).1
        );
        let journal = std::fs::read_to_string(state.join("journal.jsonl")).unwrap();
        assert_eq!(journal.lines().count(), after);
        assert!(
            !journal.contains("\"type\":\"end\""),
            "crashed after its end"
        );
        let o = run(&out, &state, None);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
        let resumed = paths_off(timeless(&summary(&out)));
        assert_eq!(resumed, whole, "crashed after {after} journal records");
    }
}

/// SIGTERM stops a campaign cleanly: every output is written for what was done, the exit code
/// says so, and the same command resumes it.
#[test]
fn sigterm_writes_every_output_and_the_campaign_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    // A scenario that does not settle, so that the signal lands mid-campaign.
    copy(&dir, "map-faults.sync-map", None);
    let out = tmp.path().join("out");
    let state = tmp.path().join("state");
    let args: Vec<String> = [
        "nightly",
        "--no-corpus",
        "--quiet",
        dir.to_str().unwrap(),
        "--time",
        "60",
        "-j",
        "1",
        "--no-minimize",
        "--out",
        out.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let child = Command::new(hazard_bin())
        .args(&args)
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while journal_lines(&state) < 4 {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = summary(&out);
    assert!(s.interrupted);
    for f in ["summary.md", "junit.xml", "results.sarif", "index.html"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let done = s.totals.executions;
    assert!(done > 0);
    // Resumed with a round cap, it ends normally and counts the earlier work.
    let mut again = args.clone();
    again.extend(["--rounds".to_string(), "2".to_string()]);
    let o = hazard(
        &again.iter().map(String::as_str).collect::<Vec<_>>(),
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let s = summary(&out);
    assert!(!s.interrupted);
    assert!(s.sessions >= 2);
    assert!(s.totals.executions >= done);
}

#[test]
fn junit_parses_back_and_sarif_is_valid_2_1_0() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let out = tmp.path().join("out");
    nightly(
        &[
            dir.to_str().unwrap(),
            "--rounds",
            "1",
            "--no-minimize",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit parses back");
    let suite = &report.test_suites[0];
    assert_eq!(suite.test_cases.len(), 3);
    let failed: Vec<&str> = suite
        .test_cases
        .iter()
        .filter(|c| !matches!(c.status, quick_junit::TestCaseStatus::Success { .. }))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].ends_with("claims-to-pass.json"));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.sarif")).unwrap()).unwrap();
    let mut schema: Value = serde_json::from_str(include_str!("sarif-2.1.0.json")).unwrap();
    // The published schema's `language` patterns (of a run and of a tool component) have a
    // stray `]` that a strict regex engine refuses when it checks the schema itself; hazard
    // never writes `language`, so the intended pattern stands in for them.
    fn mend(v: &mut Value, fixed: &mut usize) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "pattern" && x == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *x = json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                        *fixed += 1;
                    } else {
                        mend(x, fixed);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| mend(x, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    mend(&mut schema, &mut fixed);
    assert_eq!(fixed, 2);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("claims-to-pass.json"));
    assert!(loc["region"]["startLine"].as_u64().unwrap() > 1);
    // summary.json fits the schema `hazard schema summary` prints.
    let o = hazard(&["schema", "summary"], tmp.path());
    let schema: Value = serde_json::from_slice(&o.stdout).unwrap();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&summary).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // serde-sarif's types, generated from the same schema, read it too.
    let _: serde_sarif::sarif::Sarif = serde_json::from_value(sarif).expect("serde-sarif reads it");
}

/// Bad state and baseline files are input errors that name the file (and the line), never a
/// crash; a journal line torn by a kill is dropped and the campaign resumes.
#[test]
fn bad_state_and_baseline_files_are_refused_with_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let out = tmp.path().join("out");
    let state = tmp.path().join("state");
    let run = |extra: &[&str]| {
        let mut a = vec![
            dir.to_str().unwrap(),
            "--rounds",
            "1",
            "--no-minimize",
            "--out",
            out.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        nightly(&a, tmp.path())
    };
    assert_eq!(run(&[]).status.code(), Some(1));
    // Another seed is another campaign.
    let o = run(&["--seed", "9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("seed 0"), "{}", text(&o).1);
    // A torn last line (a kill in the middle of a write) is dropped.
    let journal = state.join("journal.jsonl");
    let mut t = std::fs::read_to_string(&journal).unwrap();
    t.push_str("{\"type\":\"slice\",\"file\":");
    std::fs::write(&journal, &t).unwrap();
    assert_eq!(run(&[]).status.code(), Some(1), "{}", text(&run(&[])).1);
    let after = std::fs::read_to_string(&journal).unwrap();
    assert!(after
        .lines()
        .all(|l| serde_json::from_str::<Value>(l).is_ok()));
    // A damaged line in the middle is refused with its line number.
    let mut lines: Vec<&str> = after.lines().collect();
    lines[1] = "not json";
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(
        err.contains("journal.jsonl") && err.contains("line 2"),
        "{err}"
    );
    // A malformed baseline names the file and the field.
    let base = tmp.path().join("baseline.json");
    std::fs::write(
        &base,
        r#"{"format": "hazard/baseline/v1", "findings": [{"scenario": 3}]}"#,
    )
    .unwrap();
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--rounds",
            "1",
            "--baseline",
            base.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(
        err.contains("baseline.json") && err.contains("findings[0]"),
        "{err}"
    );
    std::fs::write(&base, r#"{"format": "other/v9", "findings": []}"#).unwrap();
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--baseline",
            base.to_str().unwrap(),
            "--rounds",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("other/v9"), "{}", text(&o).1);
}

/// A campaign that ended (a night's budget spent) continues with the same --state: the next
/// session starts at the next round with a budget of its own; a scenario file edited in
/// between starts over.
#[test]
fn a_state_carries_exploration_to_the_next_night() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    copy(&dir, "map-faults.sync-map", None);
    let out = tmp.path().join("out");
    let state = tmp.path().join("state");
    let night = |rounds: &str| {
        let o = nightly(
            &[
                dir.to_str().unwrap(),
                "--rounds",
                rounds,
                "--no-minimize",
                "--out",
                out.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
        summary(&out)
    };
    let open = |s: &Summary| {
        s.scenarios
            .iter()
            .find(|x| x.scenario == "map-faults.sync-map")
            .unwrap()
            .clone()
    };
    let first = night("1");
    assert_eq!(open(&first).rounds, 1);
    let second = night("2");
    assert_eq!(second.sessions, 2);
    let x = open(&second);
    assert_eq!(x.rounds, 2, "{x:?}");
    assert!(x.executions > open(&first).executions);
    // Round 0 was not run again: each engine has one slice per round.
    assert_eq!(x.slices, 8, "{x:?}");
    // The settled scenarios were not explored again.
    let settled = |s: &Summary| {
        s.scenarios
            .iter()
            .find(|x| x.scenario == "map-concurrent-writes")
            .unwrap()
            .executions
    };
    assert_eq!(settled(&first), settled(&second));
    // Edit a scenario: its earlier exploration no longer counts.
    let f = dir.join("map-concurrent-writes.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
    v["description"] = json!("edited");
    std::fs::write(&f, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let third = night("3");
    let edited = third
        .scenarios
        .iter()
        .find(|x| x.scenario == "map-concurrent-writes")
        .unwrap();
    assert_eq!(
        edited.slices, 4,
        "explored again, in round 2 only: {edited:?}"
    );
}

/// In a pipe, progress is a plain line every --heartbeat seconds on stderr, for a campaign and
/// within one long `hazard run` exploration; `--json` keeps stderr free of it.
#[test]
fn progress_is_a_heartbeat_line_in_a_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let slow = copy(&dir, "map-faults.sync-map", None);
    let out = tmp.path().join("out");
    let o = hazard(
        &[
            "nightly",
            "--no-corpus",
            dir.to_str().unwrap(),
            "--time",
            "3",
            "--heartbeat",
            "0.5",
            "--no-minimize",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let err = text(&o).1;
    let beats: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("hazard: ") && l.contains("executions ("))
        .collect();
    assert!(beats.len() >= 2, "{err}");
    assert!(beats.iter().all(|l| l.contains("done")), "{beats:?}");
    let o = hazard(
        &[
            "run",
            slow.to_str().unwrap(),
            "--iterations",
            "100000000",
            "--time",
            "2",
            "--heartbeat",
            "0.5",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let err = text(&o).1;
    assert!(
        err.lines()
            .any(|l| l.starts_with("hazard: 0/1 done") && l.contains("map-faults")),
        "{err}"
    );
    let o = hazard(
        &[
            "run",
            slow.to_str().unwrap(),
            "--iterations",
            "100000000",
            "--time",
            "1",
            "--heartbeat",
            "0.5",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(!text(&o).1.contains("executions ("), "{}", text(&o).1);
}

/// The campaign's index.html in a real browser: the findings table, and a working link from
/// the new finding to its report's page.
#[test]
fn the_index_page_links_each_report_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = inputs(tmp.path());
    let out = tmp.path().join("out");
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--rounds",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let index = out.join("index.html");
    let (dom, _) = crate::show::chromium(&index, &["--dump-dom"]);
    assert!(dom.contains("id=\"findings\""), "{dom}");
    let new_row = dom
        .split("<tr class=\"finding\">")
        .find(|r| r.contains("class=\"new\""))
        .unwrap_or_else(|| panic!("no new finding row: {dom}"));
    assert!(new_row.contains("send on closed channel"), "{new_row}");
    let href = new_row
        .split("href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a link to the report's page");
    assert!(!href.starts_with('/'), "the link is relative: {href}");
    let page = out.join(href);
    assert!(page.is_file(), "{}", page.display());
    let (report_dom, _) = crate::show::chromium(&page, &["--dump-dom"]);
    assert!(
        report_dom.contains("send on closed channel"),
        "{report_dom}"
    );
}

/// Inputs for libFuzzer's share, whose outcome does not depend on luck: a scenario that
/// claims to pass but fails in every interleaving (double-close: libFuzzer's first input
/// crashes), a fixed one (nothing to find), and a `fails` one (not fuzzed).
fn lf_inputs(dir: &Path) -> PathBuf {
    inputs_with(dir, "chan-close-closed", "double-close")
}

/// `--libfuzzer 1`: the real libFuzzer `schedule` target on every `passes` scenario (the
/// `fails` one is left out); its crash comes back as a new finding with a report that replays.
#[test]
fn libfuzzer_crashes_become_classified_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = lf_inputs(tmp.path());
    let out = tmp.path().join("out");
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--libfuzzer",
            "1",
            "--sanitizer",
            "none",
            "--rounds",
            "1",
            "--slice",
            "20",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let s = summary(&out);
    let lf = s.libfuzzer.as_ref().expect("a libFuzzer section");
    assert_eq!((lf.runs, lf.scenarios, lf.crashes), (2, 2, 1), "{lf:?}");
    assert!(lf.errors.is_empty(), "{:?}", lf.errors);
    let new = s
        .findings
        .iter()
        .find(|f| f.class.label() == "new")
        .unwrap();
    assert_eq!(new.scenario, "double-close");
    assert_eq!(new.engine.as_deref(), Some("libfuzzer"));
    assert_eq!(new.round, None);
    assert_eq!(new.replay_verified, Some(true));
    let r = hazard(&["replay", new.report.as_ref().unwrap()], tmp.path());
    assert_eq!(r.status.code(), Some(1), "{}", text(&r).0);
    assert!(text(&r).0.contains("close of closed channel"));
    // Without a time budget each scenario gets slice x 4 engines x rounds executions; the
    // fixed scenario ran them all without a crash, the buggy `fails` one was not fuzzed.
    let by = |name: &str| s.scenarios.iter().find(|x| x.scenario == name).unwrap();
    assert_eq!(
        by("map-concurrent-writes.fixed").engines.get("libfuzzer"),
        Some(&80)
    );
    assert_eq!(by("map-concurrent-writes").engines.get("libfuzzer"), None);
    // Its corpus is kept for the next campaign.
    assert!(out.join("libfuzzer").is_dir());
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        md.contains("libFuzzer (100% of the time): 2 run(s)"),
        "{md}"
    );
}

/// A campaign killed right after its first libFuzzer run resumes with the other one only,
/// keeping the first one's finding.
#[test]
fn a_campaign_killed_in_libfuzzers_share_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = lf_inputs(tmp.path());
    let (out, state) = (tmp.path().join("out"), tmp.path().join("state"));
    let args = [
        dir.to_str().unwrap(),
        "--libfuzzer",
        "1",
        "--sanitizer",
        "none",
        "--rounds",
        "1",
        "--slice",
        "20",
        "-j",
        "1",
        "--state",
        state.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let mut all = vec!["nightly", "--no-corpus", "--quiet"];
    all.extend_from_slice(&args);
    // Records: start, the (empty) rounds' clock, then one per libFuzzer run.
    let killed = Command::new(env!("CARGO_BIN_EXE_hazard"))
        .args(&all)
        .current_dir(tmp.path())
        .env("HAZARD_NIGHTLY_CRASH_AFTER", "3")
        .output()
        .unwrap();
    assert!(!killed.status.success());
    assert_eq!(journal_lines(&state), 3);
    let fuzzed: Vec<Value> = std::fs::read_to_string(state.join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["type"] == "fuzzed")
        .collect();
    assert_eq!(fuzzed.len(), 1);
    assert!(fuzzed[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("double-close.json"));
    assert!(fuzzed[0]["finding"].is_object(), "{}", fuzzed[0]);
    let o = nightly(&args, tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let s = summary(&out);
    let lf = s.libfuzzer.as_ref().unwrap();
    assert_eq!((lf.runs, lf.crashes), (2, 1), "{lf:?}");
    let new = s
        .findings
        .iter()
        .find(|f| f.class.label() == "new")
        .unwrap();
    assert_eq!(new.engine.as_deref(), Some("libfuzzer"));
    assert_eq!(new.replay_verified, Some(true));
}

#[test]
fn a_libfuzzer_share_outside_zero_to_one_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["0", "1.5", "-0.2", "x"] {
        let flag = format!("--libfuzzer={bad}");
        let o = nightly(&[&flag, "--rounds", "1"], tmp.path());
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(text(&o).1.contains("(0, 1]"), "{}", text(&o).1);
    }
}

/// With a time budget, the rounds get their part first and libFuzzer the rest: both ran on
/// the fixed scenario.
#[test]
fn a_timed_campaign_splits_its_budget_with_libfuzzer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = lf_inputs(tmp.path());
    let out = tmp.path().join("out");
    let o = nightly(
        &[
            dir.to_str().unwrap(),
            "--libfuzzer=0.5",
            "--sanitizer",
            "none",
            // At worst the rounds take their half: 6 s on 2 workers still gives each of the
            // two passes scenarios a run of at least the 5 s minimum.
            "--time",
            "12",
            "-j",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let s = summary(&out);
    let lf = s.libfuzzer.as_ref().unwrap();
    assert_eq!(lf.share, 0.5);
    assert_eq!(lf.runs, 2, "{lf:?}");
    let fixed = s
        .scenarios
        .iter()
        .find(|x| x.scenario == "map-concurrent-writes.fixed")
        .unwrap();
    assert!(
        fixed.engines["dfs"] > 0 && fixed.engines["libfuzzer"] > 0,
        "{fixed:?}"
    );
    // double-close panics in whichever thread closes second: one or two findings, from any
    // engine (the seeds follow the file's path), each with a report that replays.
    let new: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.class.label() == "new")
        .collect();
    assert!((1..=2).contains(&new.len()), "{new:?}");
    for f in new {
        assert_eq!(f.scenario, "double-close");
        assert_eq!(f.replay_verified, Some(true), "{f:?}");
    }
}
