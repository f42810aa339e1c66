//! Minimization: every shipped failing scenario's finding minimizes to a schedule that
//! replays to the same signature, with the least preemption count an exhaustive
//! preemption-bounded DFS finds (checked here independently of the minimizer, in the original
//! and in the reduced scenario); scenario reduction keeps the failing op, and drops bystander
//! work from the incident reproductions; what only goes in pairs (a lock and its unlock, a send
//! and its receive, a Done and a unit of its Add) goes as a pair, reported as original paths;
//! reduction runs to a fixpoint; long schedules shrink; minimized reports round-trip through a
//! file.

use crate::helpers::*;
use harness::explore::{explore, replay, EngineKind, ExploreConfig, Finding, Signature};
use harness::minimize::{map_path, minimize, MinimizeConfig, Minimized, Proof};
use harness::report::{build_minimized, read_report, write_report, RunInfo};
use harness::scenario::{load_file, load_value, Expectation, Program};
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MAX_STEPS: u64 = 20_000;

fn shipped_failing() -> Vec<(PathBuf, Arc<Program>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    harness::base::files_in(&dir, "json")
        .unwrap()
        .into_iter()
        .map(|f| {
            let p = Arc::new(load_file(&f).unwrap());
            (f, p)
        })
        .filter(|(_, p)| matches!(p.expect, Expectation::Fails(_)))
        .collect()
}

fn first_finding(prog: &Arc<Program>, cfg: &ExploreConfig) -> Finding {
    let x = explore(prog, cfg).unwrap();
    x.matching(prog)
        .unwrap_or_else(|| panic!("{}: expected failure not found", prog.name))
        .clone()
}

/// The least preemptions with which any schedule produces `sig`, by exhaustive DFS at bounds
/// 0, 1, 2, ... over `source` with an expectation that never settles (so every distinct
/// failure within the bound is collected).
fn least_preemptions(source: &Json, sig: &Signature) -> usize {
    let mut v = source.clone();
    let mut expect = v["expect"].clone();
    let map = expect.as_object_mut().unwrap();
    map.remove("passes");
    map.insert("fails".into(), json!({ "message": NEVER }));
    v["expect"] = expect;
    let prog = Arc::new(load_value(&v, "least.json").unwrap());
    for bound in 0..=4 {
        let cfg = ExploreConfig::default()
            .engine(EngineKind::Dfs)
            .preemption_bound(bound)
            .iterations(DFS_BUDGET);
        let x = explore(&prog, &cfg).unwrap();
        assert!(
            x.exhausted(),
            "{}: DFS bound {bound} not exhausted",
            prog.name
        );
        if x.findings.iter().any(|f| f.signature == *sig) {
            return bound;
        }
    }
    panic!("{}: {sig:?} not found with up to 4 preemptions", prog.name);
}

/// The JSON node at a path the validator wrote (`$.a.b[3]["odd key"]`).
fn at<'a>(v: &'a Json, path: &str) -> &'a Json {
    let mut cur = v;
    let mut rest = path.strip_prefix('$').unwrap();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = &cur[&r[..end]];
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("[\"") {
            let end = r.find("\"]").unwrap();
            cur = &cur[&r[..end]];
            rest = &r[end + 2..];
        } else {
            let r = rest.strip_prefix('[').unwrap();
            let end = r.find(']').unwrap();
            cur = &cur[r[..end].parse::<usize>().unwrap()];
            rest = &r[end + 1..];
        }
    }
    cur
}

/// Above this many threads a scenario is a pool (see `check_minimized`).
const POOL: usize = 32;

fn check_minimized(file: &Path, prog: &Arc<Program>, f: &Finding, m: &Minimized) {
    let name = file.display();
    // Both schedules replay strictly to their signatures.
    let out = replay(prog, &m.original.schedule, MAX_STEPS, false).unwrap();
    assert_eq!(
        out.signature.as_ref(),
        Some(&f.signature),
        "{name}: original"
    );
    assert_eq!(out.preemptions, m.original.preemptions, "{name}");
    let out = replay(&m.prog, &m.reduced.schedule, MAX_STEPS, false).unwrap();
    assert_eq!(
        out.signature.as_ref(),
        Some(&m.signature),
        "{name}: reduced"
    );
    assert_eq!(out.preemptions, m.reduced.preemptions, "{name}");
    // Never worse than the schedule as found.
    assert!(m.original.preemptions <= m.found.preemptions, "{name}");
    // The failing op survives reduction: the same op, on the same object.
    if let (Some(old), Some(new)) = (&f.signature.op, &m.signature.op) {
        let (a, b) = (at(&prog.source, old), at(&m.source, new));
        assert_eq!(a.get("op"), b.get("op"), "{name}: {old} -> {new}");
        assert_eq!(a.get("obj"), b.get("obj"), "{name}: {old} -> {new}");
        assert_eq!(a.get("key"), b.get("key"), "{name}: {old} -> {new}");
    }
    assert_eq!(f.signature.id, m.signature.id);
    assert_eq!(f.signature.kind, m.signature.kind);
    assert_eq!(f.signature.thread, m.signature.thread);
    // The preemption counts are the least an exhaustive bounded DFS finds. No DFS exhausts a
    // bound over a pool of a hundred goroutines: there the original's count is best effort,
    // and the proof is the reduced scenario's.
    let original_threads = replay(prog, &m.original.schedule, MAX_STEPS, false)
        .unwrap()
        .threads
        .len();
    if original_threads <= POOL {
        assert_eq!(
            m.original_proof,
            Proof::Proven(m.original.preemptions.checked_sub(1)),
            "{name}"
        );
        assert_eq!(
            m.original.preemptions,
            least_preemptions(&prog.source, &f.signature),
            "{name}: original scenario"
        );
    }
    assert_eq!(
        m.proof,
        Proof::Proven(m.reduced.preemptions.checked_sub(1)),
        "{name}"
    );
    assert_eq!(
        m.reduced.preemptions,
        least_preemptions(&m.source, &m.signature),
        "{name}: reduced scenario"
    );
}

#[test]
fn every_shipped_failure_minimizes_to_the_least_preemptions() {
    let cfg = ExploreConfig::default().iterations(3000);
    let all = shipped_failing();
    assert!(all.len() >= 40, "{} failing scenarios", all.len());
    let incidents = all.iter().filter(|(f, _)| is_incident(f)).count();
    assert!(incidents >= 8, "{incidents} incident scenarios");
    for (file, prog) in &all {
        let f = first_finding(prog, &cfg);
        // The largest incidents need about 30 s of minimization in a debug build, the
        // default cap: a wider cap keeps their result that of the iteration budget.
        let mc = MinimizeConfig {
            time: Some(std::time::Duration::from_secs(120)),
            ..MinimizeConfig::default()
        };
        let m = minimize(prog, &f.signature, &f.schedule, &mc)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        check_minimized(file, prog, &f, &m);
        if is_incident(file) {
            // An incident reproduction carries bystander work: reduction drops some of it,
            // and the interleaving gets shorter for it.
            assert!(
                m.removed
                    .iter()
                    .any(|r| r.starts_with("$.threads.") || r.starts_with("$.procs.")),
                "{}: no thread or op dropped: {:?}",
                file.display(),
                m.removed
            );
            assert!(
                m.reduced.steps < m.original.steps,
                "{}: {} -> {} steps",
                file.display(),
                m.original.steps,
                m.reduced.steps
            );
        }
    }
}

/// `<id>.incident.json`: a whole incident's handlers, with bystander goroutines.
fn is_incident(file: &Path) -> bool {
    file.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".incident.json"))
}

/// Schedules the random engine finds first are long; minimization must keep the signature and
/// never do worse, over many seeds.
#[test]
fn random_schedules_shrink_and_still_reproduce() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    for name in [
        "map-concurrent-writes",
        "timer-stop-race",
        "wg-reuse",
        "aba-treiber",
    ] {
        let file = dir.join(format!("{name}.json"));
        let prog = Arc::new(load_file(&file).unwrap());
        for seed in 0..8 {
            let cfg = ExploreConfig::default()
                .engine(EngineKind::Random)
                .seed(seed)
                .iterations(5000);
            let f = first_finding(&prog, &cfg);
            let m = minimize(&prog, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
            let out = replay(&prog, &m.original.schedule, MAX_STEPS, false).unwrap();
            assert_eq!(
                out.signature.as_ref(),
                Some(&f.signature),
                "{name} seed {seed}"
            );
            assert!(m.original.preemptions <= m.found.preemptions);
            assert!(
                m.original.preemptions < m.found.preemptions || m.original.steps <= m.found.steps,
                "{name} seed {seed}: {:?} -> {:?}",
                m.found,
                m.original
            );
        }
    }
}

/// A thread racing nothing, with a long loop, is dropped; the loop count too.
#[test]
fn scenario_reduction_drops_bystanders_and_loops() {
    let p = prog(json!({
        "objects": { "m": { "kind": "map" }, "other": { "kind": "map" }, "ch": { "kind": "chan", "cap": 8 } },
        "threads": {
            "bystander": [ { "op": "repeat", "times": 20, "body": [
                { "op": "set", "obj": "other", "key": "x", "value": 1 }
            ] } ],
            "w1": [
                { "op": "send", "obj": "ch", "value": 1 },
                { "op": "repeat", "times": 5, "body": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ] }
            ],
            "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "expect": { "fails": { "id": "map-concurrent-writes" } }
    }));
    let f = find(&p);
    let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    let threads = m.source["threads"].as_object().unwrap();
    assert!(!threads.contains_key("bystander"), "{:#}", m.source);
    assert!(
        m.removed.iter().any(|r| r == "$.threads.bystander"),
        "{:?}",
        m.removed
    );
    assert!(
        m.removed.iter().any(|r| r == "$.threads.w1[0]"),
        "{:?}",
        m.removed
    );
    assert!(
        m.removed.iter().any(|r| r == "$.objects.ch"),
        "{:?}",
        m.removed
    );
    assert!(
        m.removed
            .iter()
            .any(|r| r.starts_with("$.threads.w1[1].times: 5 -> ")),
        "{:?}",
        m.removed
    );
    assert_eq!(m.reduced.preemptions, 1);
    assert_eq!(m.proof, Proof::Proven(Some(0)));
    assert!(m.reduced.steps < f.schedule.len() as u64 + 100);
}

/// A race on a final assertion is not "reduced" into a certainty: dropping the thread that
/// writes the asserted key would make every interleaving fail.
#[test]
fn reduction_keeps_the_failure_interleaving_dependent() {
    let p = prog(json!({
        "objects": { "m": { "kind": "map", "nil": true } },
        "threads": {
            "r1": [
                { "op": "is_nil", "obj": "m", "into": "missing" },
                { "op": "if", "cond": { "var": "missing" }, "then": [ { "op": "make", "obj": "m" } ] },
                { "op": "set", "obj": "m", "key": "a", "value": 1 }
            ],
            "r2": [
                { "op": "is_nil", "obj": "m", "into": "missing" },
                { "op": "if", "cond": { "var": "missing" }, "then": [ { "op": "make", "obj": "m" } ] }
            ]
        },
        "expect": {
            "fails": { "id": "map-lazy-init" },
            "final": [ { "obj": "m", "key": "a", "value": 1, "id": "map-lazy-init" } ]
        }
    }));
    let f = find(&p);
    let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    let threads = m.source["threads"].as_object().unwrap();
    assert!(
        threads.contains_key("r1") && threads.contains_key("r2"),
        "{:#}",
        m.source
    );
    assert!(m.reduced.preemptions >= 1);
}

/// Every op in the scenario's threads and procs, depth first.
fn ops_of(v: &Json) -> Vec<&Json> {
    fn walk<'a>(v: &'a Json, out: &mut Vec<&'a Json>) {
        match v {
            Json::Array(a) => a.iter().for_each(|e| walk(e, out)),
            Json::Object(m) => {
                if m.contains_key("op") {
                    out.push(v);
                }
                m.values().for_each(|e| walk(e, out));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&v["threads"], &mut out);
    walk(&v["procs"], &mut out);
    out
}

fn has_op(v: &Json, op: &str, obj: &str) -> bool {
    ops_of(v).iter().any(|o| o["op"] == op && o["obj"] == obj)
}

/// Both racing handlers call a proc that counts the request under a mutex before the racy
/// write: dropping the Lock alone makes the Unlock fatal, dropping the Unlock alone blocks
/// the second caller in Lock, so the critical section only goes as a pair. Both halves are
/// reported as paths of the original scenario, and the failing op is renumbered past them.
#[test]
fn a_lock_unlock_pair_around_a_bystander_critical_section_is_dropped() {
    let p = prog(json!({
        "objects": { "m": { "kind": "map" }, "stats": { "kind": "map" }, "mu": { "kind": "mutex" } },
        "procs": {
            "handle": [
                { "op": "lock", "obj": "mu" },
                { "op": "set", "obj": "stats", "key": "requests", "value": 1 },
                { "op": "unlock", "obj": "mu" },
                { "op": "set", "obj": "m", "key": "k", "value": 1 }
            ]
        },
        "threads": {
            "h1": [ { "op": "call", "proc": "handle" } ],
            "h2": [ { "op": "call", "proc": "handle" } ]
        },
        "expect": { "fails": { "id": "map-concurrent-writes" } }
    }));
    let f = find(&p);
    assert_eq!(f.signature.op.as_deref(), Some("$.procs.handle[3]"));
    let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    assert!(!has_op(&m.source, "lock", "mu"), "{:#}", m.source);
    assert!(!has_op(&m.source, "unlock", "mu"), "{:#}", m.source);
    assert_eq!(m.source["procs"]["handle"].as_array().unwrap().len(), 1);
    // The set between them went first, on its own; the pair keeps its original paths (it was
    // at [0] and [1] when it went), one entry each, the earlier one first.
    let pos = |path: &str| m.removed.iter().position(|r| r == path);
    let (set, lock, unlock) = (
        pos("$.procs.handle[1]"),
        pos("$.procs.handle[0]"),
        pos("$.procs.handle[2]"),
    );
    assert!(set.is_some() && lock.is_some(), "{:?}", m.removed);
    assert_eq!(unlock, lock.map(|i| i + 1), "{:?}", m.removed);
    assert!(set < lock, "{:?}", m.removed);
    assert!(
        m.removed.iter().any(|r| r == "$.objects.mu"),
        "{:?}",
        m.removed
    );
    // The failing op is the same write, now first in the proc.
    assert_eq!(m.signature.op.as_deref(), Some("$.procs.handle[0]"));
    assert_eq!(at(&m.source, "$.procs.handle[0]")["obj"], "m");
    let out = replay(&m.prog, &m.reduced.schedule, MAX_STEPS, false).unwrap();
    assert_eq!(out.signature.as_ref(), Some(&m.signature));
    assert!(m.reduced.steps < m.original.steps);
}

/// A log line handed over an unbuffered channel before the racy writes: without the send the
/// receiver blocks, without the receive the sender does, so the two go together.
#[test]
fn a_send_recv_pair_on_a_bystander_channel_is_dropped() {
    let p = prog(json!({
        "objects": { "m": { "kind": "map" }, "logs": { "kind": "chan", "elem": "string" } },
        "threads": {
            "w1": [
                { "op": "send", "obj": "logs", "value": "w1 starts" },
                { "op": "set", "obj": "m", "key": "a", "value": 1 }
            ],
            "w2": [
                { "op": "recv", "obj": "logs", "into": "line" },
                { "op": "set", "obj": "m", "key": "b", "value": 2 }
            ]
        },
        "expect": { "fails": { "id": "map-concurrent-writes" } }
    }));
    let f = find(&p);
    let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    assert!(m.source["objects"].get("logs").is_none(), "{:#}", m.source);
    for t in ["w1", "w2"] {
        assert_eq!(
            m.source["threads"][t].as_array().unwrap().len(),
            1,
            "{:#}",
            m.source
        );
    }
    let send = m.removed.iter().position(|r| r == "$.threads.w1[0]");
    let recv = m.removed.iter().position(|r| r == "$.threads.w2[0]");
    assert!(send.is_some(), "{:?}", m.removed);
    assert_eq!(recv, send.map(|i| i + 1), "{:?}", m.removed);
    let op = m.signature.op.as_deref().unwrap();
    assert!(op == "$.threads.w1[0]" || op == "$.threads.w2[0]", "{op}");
    let out = replay(&m.prog, &m.reduced.schedule, MAX_STEPS, false).unwrap();
    assert_eq!(out.signature.as_ref(), Some(&m.signature));
}

/// The producer's send is tried before the consumer's receive: while the receive is there,
/// dropping the send blocks it. Once the receive is gone, the send goes too, on a later turn.
#[test]
fn reduction_runs_to_a_fixpoint() {
    let p = prog(json!({
        "objects": { "m": { "kind": "map" }, "jobs": { "kind": "chan", "cap": 1 } },
        "threads": {
            "producer": [
                { "op": "send", "obj": "jobs", "value": 1 },
                { "op": "set", "obj": "m", "key": "a", "value": 1 }
            ],
            "consumer": [
                { "op": "recv", "obj": "jobs", "into": "job" },
                { "op": "set", "obj": "m", "key": "b", "value": 2 }
            ]
        },
        "expect": { "fails": { "id": "map-concurrent-writes" } }
    }));
    let f = find(&p);
    let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    assert!(m.source["objects"].get("jobs").is_none(), "{:#}", m.source);
    let recv = m.removed.iter().position(|r| r == "$.threads.consumer[0]");
    let send = m.removed.iter().position(|r| r == "$.threads.producer[0]");
    assert!(recv.is_some() && send.is_some(), "{:?}", m.removed);
    // Not as a pair (which lists the send first): the receive went alone, the send after it.
    assert!(send > recv, "{:?}", m.removed);
}

/// A worker calls Done for each of its two jobs. One Done goes together with one unit of the
/// Add that counted it: dropping the Done alone leaves Wait blocked for good, and lowering
/// the delta alone makes the second Done drive the counter negative unless the worker is
/// preempted between its two calls (one preemption more than the failure needs).
#[test]
fn a_done_goes_with_one_unit_of_its_add() {
    let p = prog(json!({
        "objects": { "wg": { "kind": "waitgroup" } },
        "threads": {
            "main": [
                { "op": "add", "obj": "wg", "delta": 2 },
                { "op": "spawn", "thread": "worker", "body": [
                    { "op": "done", "obj": "wg" },
                    { "op": "done", "obj": "wg" }
                ] },
                { "op": "spawn", "thread": "monitor", "body": [ { "op": "wait", "obj": "wg" } ] },
                { "op": "wait", "obj": "wg" },
                { "op": "add", "obj": "wg", "delta": 1 }
            ]
        },
        // The monitor's panic comes after main's last op: a process that outlives it.
        "lifetime": "process",
        "expect": { "fails": { "id": "wg-reuse", "thread": "monitor" } }
    }));
    let f = find(&p);
    let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    assert_eq!(m.original.preemptions, 0);
    let main = m.source["threads"]["main"].as_array().unwrap();
    assert_eq!(main[0]["delta"], 1, "{:#}", m.source);
    assert_eq!(
        main[1]["body"].as_array().unwrap().len(),
        1,
        "{:#}",
        m.source
    );
    let lowered = m
        .removed
        .iter()
        .position(|r| r == "$.threads.main[0].delta: 2 -> 1");
    assert!(lowered.is_some(), "{:?}", m.removed);
    let done = m.removed.get(lowered.unwrap() + 1).map(String::as_str);
    assert!(
        matches!(
            done,
            Some("$.threads.main[1].body[0]" | "$.threads.main[1].body[1]")
        ),
        "{:?}",
        m.removed
    );
    let out = replay(&m.prog, &m.reduced.schedule, MAX_STEPS, false).unwrap();
    assert_eq!(out.signature.as_ref(), Some(&m.signature));
}

#[test]
fn op_paths_are_renumbered_past_a_dropped_element() {
    assert_eq!(
        map_path("$.threads.t[3]", "$.threads.t[1]").as_deref(),
        Some("$.threads.t[2]")
    );
    assert_eq!(
        map_path("$.threads.t[3].body[0]", "$.threads.t[1]").as_deref(),
        Some("$.threads.t[2].body[0]")
    );
    assert_eq!(
        map_path("$.threads.t[1]", "$.threads.t[3]").as_deref(),
        Some("$.threads.t[1]")
    );
    assert_eq!(map_path("$.threads.t[1].body[2]", "$.threads.t[1]"), None);
    assert_eq!(map_path("$.threads.t[1]", "$.threads.t[1]"), None);
    assert_eq!(
        map_path("$.threads.t2[4]", "$.threads.t[1]").as_deref(),
        Some("$.threads.t2[4]")
    );
    assert_eq!(
        map_path("$.threads.t[4]", "$.threads.u").as_deref(),
        Some("$.threads.t[4]")
    );
    assert_eq!(map_path("$.threads.u[0]", "$.threads.u"), None);
    assert_eq!(
        map_path("$.expect.final[2]", "$.expect.final[0]").as_deref(),
        Some("$.expect.final[1]")
    );
}

/// find -> minimize -> report file -> read -> replay both schedules -> same signatures.
#[test]
fn minimized_reports_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/map-lazy-init.json");
    let prog = Arc::new(load_file(&file).unwrap());
    let cfg = ExploreConfig::default().iterations(3000);
    let x = explore(&prog, &cfg).unwrap();
    let f = x.matching(&prog).unwrap().clone();
    let m = minimize(&prog, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    let run = RunInfo {
        config: &cfg,
        exploration: &x,
    };
    let report = build_minimized(&prog, &f, &run, &m);
    assert!(report.replay_verified);
    let min = report.minimized.as_ref().unwrap();
    assert!(min.replay_verified);
    assert_eq!(min.minimality.status, "proven");
    assert_eq!(min.minimality.preemptions, m.reduced.preemptions);
    assert_eq!(
        report.found.as_ref().unwrap().decisions,
        f.schedule.encode()
    );
    let path = write_report(dir.path(), &report).unwrap();
    let back = read_report(&path).unwrap();
    let name = path.display().to_string();
    let r = back.replay(&name).unwrap();
    assert!(r.reproduced);
    assert_eq!(r.outcome.preemptions, m.original.preemptions);
    let r = back.replay_minimized(&name).unwrap().unwrap();
    assert!(r.reproduced);
    assert_eq!(r.outcome.steps, m.reduced.steps);
    // Minimizing the report's found schedule again gives the same counts.
    let again = minimize(
        &back.program(&name).unwrap(),
        &back.failure.signature,
        &back.found_schedule(&name).unwrap(),
        &MinimizeConfig::default(),
    )
    .unwrap();
    assert_eq!(again.reduced.preemptions, m.reduced.preemptions);
    assert_eq!(again.original.preemptions, m.original.preemptions);
}

/// A schedule that does not produce the signature is refused, not "minimized".
#[test]
fn a_schedule_that_does_not_fail_is_refused() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/map-concurrent-writes.json");
    let prog = Arc::new(load_file(&file).unwrap());
    let f = find(&prog);
    let serial = harness::explore::Schedule::default();
    let e = minimize(&prog, &f.signature, &serial, &MinimizeConfig::default()).unwrap_err();
    assert!(e.to_string().contains("does not reproduce"), "{e}");
}

#[test]
fn a_parameter_the_failure_does_not_need_goes_with_its_arguments() {
    // `func handle(key string, tag string) { m[key] = 1 }` called from two goroutines: `tag`
    // plays no part in the concurrent write, so it goes, and so does every argument for it.
    let p = prog(json!({
        "objects": { "m": { "kind": "map" } },
        "procs": {
            "handle": { "params": ["key", "tag"], "body": [
                { "op": "let", "var": "t", "expr": "tag + \"!\"" },
                { "op": "set", "obj": "m", "key": { "var": "key" }, "value": 1 }
            ] }
        },
        "threads": {
            "h1": [ { "op": "call", "proc": "handle", "args": ["k", "first"] } ],
            "h2": [ { "op": "call", "proc": "handle", "args": ["k", "second"] } ]
        },
        "expect": { "fails": { "id": "map-concurrent-writes" } }
    }));
    let f = find(&p);
    let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
    assert_eq!(
        m.source["procs"]["handle"]["params"],
        json!(["key"]),
        "{:#}",
        m.source
    );
    for t in ["h1", "h2"] {
        assert_eq!(
            m.source["threads"][t][0]["args"],
            json!(["k"]),
            "{:#}",
            m.source
        );
    }
    for r in [
        "$.procs.handle.params[1]",
        "$.threads.h1[0].args[1]",
        "$.threads.h2[0].args[1]",
    ] {
        assert!(m.removed.iter().any(|x| x == r), "{r}: {:?}", m.removed);
    }
}
