//! Shared helpers for the integration tests: build scenarios from JSON, explore them
//! exhaustively (DFS, checked to have exhausted its bound) or with the default portfolio.

#![allow(dead_code)]

use harness::explore::{
    explore, EngineKind, Exploration, ExploreConfig, Finding, Signature, StopReason,
};
use harness::model::FailureKind;
use harness::scenario::{load_str, Program};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

/// Preemption bound of the exhaustive DFS runs.
pub const BOUND: usize = 3;
/// Execution budget of an exhaustive DFS run: far above what the small scenarios here need,
/// so that running out of it (instead of exhausting) fails the test.
pub const DFS_BUDGET: u64 = 500_000;
/// Execution budget of the portfolio when a failure must be found.
pub const FIND_BUDGET: u64 = 6_000;

/// A message no failure has: a `fails` expectation that never settles, so DFS keeps going
/// and collects every distinct failure of the scenario.
pub const NEVER: &str = "hazard-test: no failure has this message";

/// `expect` that never settles (collect every failure).
pub fn collect_all() -> Value {
    json!({ "fails": { "message": NEVER } })
}

/// Load a scenario given as a JSON value; `schema` and `name` are filled in when missing.
pub fn prog(mut v: Value) -> Arc<Program> {
    let obj = v.as_object_mut().expect("a scenario is an object");
    let mut full = serde_json::Map::new();
    full.insert(
        "schema".into(),
        obj.remove("schema").unwrap_or(json!("hazard/scenario/v1")),
    );
    full.insert("name".into(), obj.remove("name").unwrap_or(json!("inline")));
    for (k, val) in std::mem::take(obj) {
        full.insert(k, val);
    }
    let text = serde_json::to_string_pretty(&Value::Object(full)).unwrap();
    match load_str(&text, "inline.json") {
        Ok(p) => Arc::new(p),
        Err(e) => panic!("scenario does not load: {e}\n{text}"),
    }
}

fn dfs_config() -> ExploreConfig {
    ExploreConfig::default()
        .engine(EngineKind::Dfs)
        .preemption_bound(BOUND)
        .iterations(DFS_BUDGET)
}

/// Explore with DFS and require that it exhausted every schedule within the bound.
pub fn dfs_exhaust(p: &Arc<Program>) -> Exploration {
    let x = explore(p, &dfs_config()).expect("exploration runs");
    assert_eq!(x.engines.len(), 1);
    assert_eq!(
        x.engines[0].stopped,
        StopReason::Exhausted,
        "DFS must explore every schedule within bound {BOUND} (executions {}; findings {:?})",
        x.engines[0].executions,
        sigs(&x)
    );
    assert!(x.exhausted());
    x
}

/// Every distinct failure of the scenario within the bound (the scenario's `expect` must be
/// [`collect_all`]).
pub fn all_failures(p: &Arc<Program>) -> Vec<Signature> {
    let x = dfs_exhaust(p);
    sigs(&x)
}

/// A passing scenario (`expect.passes`): DFS finds no failure in any schedule within the bound.
pub fn assert_never_fails(p: &Arc<Program>) -> Exploration {
    let x = explore(p, &dfs_config()).expect("exploration runs");
    assert!(
        x.findings.is_empty(),
        "expected no failure in any interleaving, found {:?} (schedule {})",
        sigs(&x),
        x.findings[0].schedule.encode()
    );
    assert_eq!(
        x.engines[0].stopped,
        StopReason::Exhausted,
        "DFS must exhaust its bound"
    );
    assert!(x.engines[0].executions >= 1);
    x
}

pub fn sigs(x: &Exploration) -> Vec<Signature> {
    x.findings.iter().map(|f| f.signature.clone()).collect()
}

/// Explore with the default portfolio and return the finding that meets the scenario's `fails`.
pub fn find(p: &Arc<Program>) -> Finding {
    let cfg = ExploreConfig::default().iterations(FIND_BUDGET);
    let x = explore(p, &cfg).expect("exploration runs");
    match x.matching(p) {
        Some(f) => f.clone(),
        None => panic!(
            "expected {:?}; found {:?} in {} executions",
            p.expect,
            sigs(&x),
            x.executions()
        ),
    }
}

/// Assert a signature's fields; `thread: None` means "no thread" (whole-program failure) is
/// not checked — pass `Some(..)` to check it.
#[track_caller]
pub fn assert_sig(s: &Signature, id: &str, kind: FailureKind, message: &str, thread: Option<&str>) {
    assert_eq!(s.id, id, "id of {s:?}");
    assert_eq!(s.kind, kind, "kind of {s:?}");
    assert_eq!(s.message, message, "message of {s:?}");
    if let Some(t) = thread {
        assert_eq!(s.thread.as_deref(), Some(t), "thread of {s:?}");
    }
}

/// 1-based (line, column) of the first occurrence of `needle` in `text`, in characters.
pub fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// Every distinct failure of the scenario (its `expect` is replaced by [`collect_all`]),
/// DFS-exhaustive. `final` assertions, if given (not null), are kept.
pub fn failures(mut v: Value, final_state: Value) -> Vec<Signature> {
    let mut expect = collect_all();
    if !final_state.is_null() {
        expect["final"] = final_state;
    }
    v["expect"] = expect;
    all_failures(&prog(v))
}

/// The scenario passes in every interleaving within the bound (DFS-exhaustive), with the
/// `final` assertions given (if not null).
pub fn never_fails(mut v: Value, final_state: Value) {
    let mut expect = serde_json::json!({ "passes": true });
    if !final_state.is_null() {
        expect["final"] = final_state;
    }
    v["expect"] = expect;
    assert_never_fails(&prog(v));
}

/// The one distinct failure.
#[track_caller]
pub fn only(sigs: &[Signature]) -> &Signature {
    assert_eq!(
        sigs.len(),
        1,
        "expected exactly one distinct failure, got {sigs:?}"
    );
    &sigs[0]
}

/// The failure the scenario's `expect.fails` names, found by the portfolio.
pub fn found(v: Value) -> Signature {
    find(&prog(v)).signature
}

/// Run the `hazard` binary in `cwd`.
pub fn hazard(args: &[&str], cwd: &Path) -> Output {
    Command::new(hazard_bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("hazard runs")
}

/// The `hazard` binary under test.
pub fn hazard_bin() -> &'static str {
    env!("CARGO_BIN_EXE_hazard")
}

/// The shipped scenarios directory.
pub fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// A shipped scenario file by name (without `.json`).
pub fn scenario(name: &str) -> PathBuf {
    scenarios().join(format!("{name}.json"))
}

/// splitmix64, so the inputs are the same on every run.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = (self.next() % (max as u64 + 1)) as usize;
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// stdout and stderr of a finished command, as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The `*.json` files in `dir`, sorted (none if it does not exist).
pub fn reports_in(dir: &Path) -> Vec<PathBuf> {
    harness::base::files_in(dir, "json").unwrap_or_default()
}

/// The error of a scenario with `objects` and one thread `t` running `ops`, which must not
/// load (file name `bad.json`).
pub fn refused_with(objects: Value, ops: Value) -> String {
    let text = serde_json::to_string_pretty(&json!({
        "schema": "hazard/scenario/v1", "name": "bad",
        "objects": objects,
        "threads": { "t": ops },
        "expect": { "passes": true }
    }))
    .unwrap();
    load_str(&text, "bad.json")
        .expect_err("refused")
        .to_string()
}

/// The failures other than data races. The unsynchronized accesses behind these bugs are
/// data races in Go too: at least one race must be among `sigs`, each with one of `ids`.
#[track_caller]
pub fn apart_from_races(sigs: Vec<Signature>, ids: &[&str]) -> Vec<Signature> {
    let (races, rest): (Vec<_>, Vec<_>) =
        sigs.into_iter().partition(|s| s.kind == FailureKind::Race);
    assert!(
        !races.is_empty(),
        "no data race among the failures: {rest:?}"
    );
    for r in &races {
        assert!(
            ids.contains(&r.id.as_str()),
            "a race with id {}: {r:?}",
            r.id
        );
    }
    rest
}

/// [`failures`] without the data races: what the Go runtime's own checks report (the map
/// fidelity tests look at those; the races of the same runs are tests/it/races.rs's).
pub fn runtime_failures(v: Value, final_state: Value) -> Vec<Signature> {
    failures(v, final_state)
        .into_iter()
        .filter(|s| s.kind != FailureKind::Race)
        .collect()
}

/// The shipped buggy race scenarios (`race-*.json` but the fixed variants), sorted.
pub fn buggy_race_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = harness::base::files_in(&scenarios(), "json")
        .unwrap()
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("race-") && !n.contains(".fixed")
        })
        .collect();
    files.sort();
    files
}
