//! The regression corpus: `hazard corpus add` promotes (and minimizes) a report, `hazard
//! corpus check` replays entries and names the ones that regress; entries recorded as fixed
//! pass only while the bug stays away; bad entries fail cleanly.

use crate::helpers::{hazard, scenario};
use harness::corpus::{add, check_entry};
use harness::minimize::MinimizeConfig;
use harness::report::{read_report, write_report_to, CorpusExpect};
use harness::scenario::hash_source;
use std::path::{Path, PathBuf};

/// `hazard run --no-minimize` on a shipped scenario; the one report it writes.
fn raw_report(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join("raw");
    let s = scenario(name);
    let o = hazard(
        &[
            "run",
            s.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-minimize",
            "--quiet",
        ],
        dir,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut files = harness::base::files_in(&out, "json").unwrap();
    assert!(!files.is_empty());
    files.remove(0)
}

#[test]
fn add_minimizes_and_check_reproduces() {
    let dir = tempfile::tempdir().unwrap();
    let raw = raw_report(dir.path(), "map-lazy-init");
    assert!(read_report(&raw).unwrap().minimized.is_none());
    let corpus = dir.path().join("corpus");
    let o = hazard(
        &[
            "corpus",
            "add",
            raw.to_str().unwrap(),
            "--dir",
            corpus.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let entry = std::fs::read_dir(&corpus)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let r = read_report(&entry).unwrap();
    assert!(r.minimized.is_some(), "corpus add minimizes");
    assert_eq!(r.corpus.unwrap().expect, CorpusExpect::Reproduces);
    let o = hazard(&["corpus", "check", corpus.to_str().unwrap()], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("1 entries: 1 ok, 0 failed"), "{out}");
}

/// An entry whose recorded failure no longer comes out fails, and the check names it.
#[test]
fn a_regressed_entry_is_named_and_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let raw = raw_report(dir.path(), "chan-send-closed");
    let corpus = dir.path().join("corpus");
    let good = add(
        &raw,
        &corpus,
        CorpusExpect::Reproduces,
        &MinimizeConfig::default(),
    )
    .unwrap();
    // The recorded failure changes (as if the port now failed differently).
    let mut r = read_report(&good).unwrap();
    r.failure.signature.message = "send on a closed channel, reworded".into();
    if let Some(m) = &mut r.minimized {
        m.signature.message = r.failure.signature.message.clone();
    }
    let bad = corpus.join("zz-regressed.json");
    write_report_to(&bad, &r).unwrap();
    let res = check_entry(&bad);
    assert!(!res.ok);
    assert!(
        res.detail.contains("no longer reproduces"),
        "{}",
        res.detail
    );
    assert!(check_entry(&good).ok);
    let o = hazard(&["corpus", "check", corpus.to_str().unwrap()], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FAILED") && out.contains("zz-regressed.json"),
        "{out}"
    );
    assert!(out.contains("2 entries: 1 ok, 1 failed"), "{out}");
}

/// An entry recorded as fixed passes while no bounded interleaving brings the failure back,
/// and fails when it comes back.
#[test]
fn fixed_entries_pass_until_the_bug_returns() {
    let dir = tempfile::tempdir().unwrap();
    let raw = raw_report(dir.path(), "map-concurrent-writes");
    let corpus = dir.path().join("corpus");
    // Still buggy: refused as fixed.
    let e = add(
        &raw,
        &corpus,
        CorpusExpect::Passes,
        &MinimizeConfig::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("is back"), "{e}");
    // The fix: the same report over the fixed scenario (the code under test changed).
    let mut r = read_report(&raw).unwrap();
    let fixed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scenario("map-concurrent-writes.fixed")).unwrap(),
    )
    .unwrap();
    r.scenario.hash = hash_source(&fixed);
    r.scenario.source = fixed;
    let patched = dir.path().join("patched.json");
    write_report_to(&patched, &r).unwrap();
    let entry = add(
        &patched,
        &corpus,
        CorpusExpect::Passes,
        &MinimizeConfig::default(),
    )
    .unwrap();
    let res = check_entry(&entry);
    assert!(res.ok, "{}", res.detail);
    assert!(res.detail.contains("exhaustive"), "{}", res.detail);
    // The bug returns: the entry's scenario is the buggy one again.
    let mut back = read_report(&entry).unwrap();
    let buggy = read_report(&raw).unwrap().scenario;
    back.scenario = buggy;
    write_report_to(&entry, &back).unwrap();
    let res = check_entry(&entry);
    assert!(!res.ok);
    assert!(res.detail.contains("is back"), "{}", res.detail);
}

#[test]
fn bad_entries_fail_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("garbage.json"), "{ not json").unwrap();
    std::fs::write(
        corpus.join("other.json"),
        r#"{"schema": "hazard/report/v9"}"#,
    )
    .unwrap();
    let raw = raw_report(dir.path(), "deadlock");
    // A report that was never promoted has no corpus section.
    std::fs::copy(&raw, corpus.join("unpromoted.json")).unwrap();
    for name in ["garbage.json", "other.json", "unpromoted.json"] {
        let r = check_entry(&corpus.join(name));
        assert!(!r.ok, "{name}");
        assert!(r.unreadable, "{name}: corrupt, not a regression");
        assert!(!r.detail.is_empty());
    }
    assert!(check_entry(&corpus.join("unpromoted.json"))
        .detail
        .contains("hazard corpus add"));
    // Corrupt entries are an input error (2), told apart from a regression (1).
    let o = hazard(&["corpus", "check", corpus.to_str().unwrap()], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let o = hazard(
        &["corpus", "check", dir.path().join("nope").to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "a missing directory is an input error"
    );
    // An edited embedded scenario is refused by add, naming the file.
    let mut r = read_report(&raw).unwrap();
    r.scenario.source["name"] = serde_json::json!("edited");
    let edited = dir.path().join("edited.json");
    write_report_to(&edited, &r).unwrap();
    let e = add(
        &edited,
        &corpus,
        CorpusExpect::Reproduces,
        &MinimizeConfig::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("edited.json"), "{e}");
}

/// The same bug found twice (runs with different seeds and engines, each twice) is one report:
/// reports are named by the failure signature, which minimization keeps. (Either writer can be
/// the one that fails: at most those two signatures; and a run where the two writes do not
/// overlap is their data race, one signature whichever writes first.)
#[test]
fn the_same_bug_found_twice_is_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = scenario("map-concurrent-writes");
    let mut after_first_pass = 0;
    for (i, (engine, seed)) in [("random", "1"), ("pct", "7"), ("dfs", "0")]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        if i == 3 {
            after_first_pass = std::fs::read_dir(&out).unwrap().count();
        }
        let o = hazard(
            &[
                "run",
                s.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
                "--engine",
                engine,
                "--seed",
                seed,
            ],
            dir.path(),
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let files: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(files.len(), after_first_pass, "{files:?}");
    assert!((1..=3).contains(&files.len()), "{files:?}");
}
