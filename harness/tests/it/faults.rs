//! Fault injection: faults replay exactly, Goexit and injected-panic semantics, fixed
//! structures keep their guarantees under every declared fault, minimization keeps only the
//! faults a failure needs, and the CLI's `--faults` and fault reports.

use crate::helpers::{assert_never_fails, hazard, prog, scenario};
use harness::explore::{explore, replay, run_bytes, EngineKind, ExploreConfig};
use harness::minimize::{minimize, MinimizeConfig};
use harness::report::{injected, read_report};
use harness::scenario::{load_file, FaultMode, Program};
use serde_json::{json, Value};
use std::sync::Arc;

fn shipped(name: &str) -> Arc<Program> {
    Arc::new(load_file(&scenario(name)).expect("shipped scenario loads"))
}

/// splitmix64, for test inputs that do not depend on a crate.
fn next(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Every kind that acts inside a thread, probabilistic in mode `on` and searched in
/// `explore`: each byte-decided execution, replayed from its schedule, injects the same faults
/// (rule, step, thread, op, effect) and ends the same way.
#[test]
fn faults_replay_exactly() {
    let mut names = vec![
        "map-faults.rwmutex-map",
        "map-faults.cow-map",
        "map-faults.sync-map",
        "ctx-tree.fault",
        "mutex-waiters.fault",
        "timeout-leak.clock-skew",
        "once-panic.fault",
    ];
    names.sort();
    let mut seed = 7u64;
    let mut with_faults = 0;
    for name in names {
        let base = shipped(name);
        for mode in [FaultMode::On, FaultMode::Explore] {
            let p = Arc::new(base.with_fault_mode(mode));
            for _ in 0..60 {
                let len = (next(&mut seed) % 48) as usize;
                let data: Vec<u8> = (0..len).map(|_| next(&mut seed) as u8).collect();
                let run = run_bytes(&p, &data, 20_000, false).expect("runs");
                let again = replay(&p, &run.schedule, 20_000, true).expect("replays");
                assert_eq!(
                    again.faults,
                    run.outcome.faults,
                    "{name} ({mode:?}): schedule {}",
                    run.schedule.encode()
                );
                assert_eq!(again.signature, run.outcome.signature, "{name}");
                assert_eq!(again.ended_by_fault, run.outcome.ended_by_fault, "{name}");
                with_faults += usize::from(!run.outcome.faults.is_empty());
            }
        }
    }
    assert!(
        with_faults > 200,
        "only {with_faults} executions injected a fault"
    );
}

/// Mode `on` with `p`: the faults come from the run's seed, so the same seed explores the same
/// executions (same findings, same schedules), and the rule fires in about `p` of them.
#[test]
fn probabilistic_faults_follow_the_seed() {
    let p = prog(json!({
        "objects": { "m": { "kind": "rwmutex-map" } },
        "threads": {
            "w1": [ { "op": "recover", "body": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ] } ],
            "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "faults": [ { "fault": "panic", "thread": "w1", "op": "set", "p": 0.25 } ],
        "expect": { "passes": true }
    }));
    let cfg = |seed| {
        ExploreConfig::default()
            .engine(EngineKind::Random)
            .iterations(2000)
            .seed(seed)
    };
    let a = explore(&p, &cfg(3)).unwrap();
    let b = explore(&p, &cfg(3)).unwrap();
    assert_eq!(a.faults, b.faults, "same seed, same faults");
    let fired = a.faults[0].executions;
    assert!(
        (300..=700).contains(&fired),
        "p = 0.25 of 2000 executions, got {fired}"
    );
    let c = explore(&p, &cfg(4)).unwrap();
    assert_ne!(a.faults, c.faults, "another seed, other placements");
}

/// `kill` is runtime.Goexit: deferred calls run, `recover` does not stop it (the op after the
/// recover scope never runs), and it is not a failure.
#[test]
fn kill_runs_defers_and_is_not_a_failure() {
    let p = prog(json!({
        "objects": { "deferred": { "kind": "atomic" }, "after": { "kind": "atomic" }, "mu": { "kind": "mutex" } },
        "threads": {
            "t": [
                { "op": "lock", "obj": "mu" },
                { "op": "defer", "body": [ { "op": "store", "obj": "deferred", "value": 1 }, { "op": "unlock", "obj": "mu" } ] },
                { "op": "recover", "into": "r", "body": [ { "op": "yield" } ] },
                { "op": "store", "obj": "after", "value": 1 }
            ],
            "other": [ { "op": "lock", "obj": "mu" }, { "op": "unlock", "obj": "mu" } ]
        },
        "faults": [ { "fault": "kill", "thread": "t", "op": "yield" } ],
        "expect": { "passes": true, "final": [
            { "obj": "deferred", "holds": 1 },
            { "obj": "after", "holds": 0 },
            { "obj": "mu", "locked": false }
        ] }
    }));
    let x = assert_never_fails(&p);
    assert!(x.faults[0].executions > 0 && x.faults[0].ended == 0);
}

/// An injected panic nobody recovers ends the execution as the fault itself: not a finding,
/// final assertions skipped, counted in the rule's summary.
#[test]
fn unrecovered_injected_panic_is_the_fault_not_a_finding() {
    let p = prog(json!({
        "objects": { "m": { "kind": "cow-map" } },
        "threads": {
            "w1": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ],
            "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "faults": [ { "fault": "panic", "thread": "w1", "op": "set" } ],
        "expect": { "passes": true, "final": [ { "obj": "m", "len": 2 } ] }
    }));
    let x = assert_never_fails(&p);
    assert_eq!(x.faults[0].ended, x.faults[0].executions);
    assert!(x.faults[0].ended > 0);
    // The same panic written into the scenario is a finding.
    let q = prog(json!({
        "threads": { "w1": [ { "op": "panic", "value": "hazard: injected panic" } ] },
        "expect": { "passes": true }
    }));
    let y = explore(&q, &ExploreConfig::default().iterations(10)).unwrap();
    assert_eq!(y.findings.len(), 1);
}

/// Each fixed map structure keeps its guarantees wherever its faults land: DFS over every
/// interleaving and every fault placement within its bound, and with each rule firing at its
/// first match (mode `on`).
#[test]
fn fixed_maps_pass_under_every_fault() {
    for kind in ["rwmutex-map", "sharded-map", "sync-map", "cow-map"] {
        let base = shipped(&format!("map-faults.{kind}"));
        for mode in [FaultMode::On, FaultMode::Explore] {
            let p = Arc::new(base.with_fault_mode(mode));
            let cfg = ExploreConfig::default()
                .engine(EngineKind::Dfs)
                .preemption_bound(1)
                .iterations(200_000);
            let x = explore(&p, &cfg).unwrap();
            assert!(
                x.findings.is_empty(),
                "{kind} ({mode:?}): {:?}",
                x.findings[0].signature
            );
            assert!(
                x.exhausted(),
                "{kind} ({mode:?}): DFS did not exhaust its bound"
            );
            for (i, r) in x.faults.iter().enumerate() {
                assert!(r.executions > 0, "{kind} ({mode:?}): rule {i} never fired");
            }
        }
    }
}

/// The same structures without their deferred unlock are caught by the same faults: an
/// injected panic under the lock leaves it held.
#[test]
fn a_lock_without_defer_breaks_under_an_injected_panic() {
    let p = shipped("lock-without-defer.fault");
    let x = explore(&p, &ExploreConfig::default().iterations(1000)).unwrap();
    let f = x.matching(&p).expect("the deadlock is found");
    let out = replay(&p, &f.schedule, 20_000, true).unwrap();
    assert_eq!(out.faults.len(), 1);
    assert!(out.faults[0].effect.contains("write failed"));
    // Without the fault the code is fine.
    let off = Arc::new(p.with_fault_mode(FaultMode::Off));
    assert_never_fails(&off);
}

fn add_rule(p: &Program, rule: Value) -> Arc<Program> {
    let mut src = p.source.clone();
    src["faults"].as_array_mut().unwrap().push(rule);
    Arc::new(harness::scenario::load_value(&src, "extra.json").expect("loads"))
}

/// Scenario minimization drops the rules the failure does not need, and schedule
/// minimization the injections.
#[test]
fn minimization_drops_faults_not_needed() {
    let base = shipped("once-panic.fault");
    // A needless second rule that fires in mode `on` (a preemption of request1's lock) and a
    // needless third one in `explore`.
    let p = add_rule(
        &base,
        json!({ "fault": "preempt", "thread": "request1", "op": "lock" }),
    );
    let p = add_rule(
        &p,
        json!({ "fault": "kill", "thread": "request1", "op": "unlock" }),
    );
    for mode in [FaultMode::On, FaultMode::Explore] {
        let p = Arc::new(p.with_fault_mode(mode));
        // One seeded engine, so the test sees the same finding every run.
        let cfg = ExploreConfig::default()
            .engine(EngineKind::Random)
            .iterations(3000);
        let x = explore(&p, &cfg).unwrap();
        let f = x.matching(&p).expect("found");
        let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
        let rules = m.source["faults"].as_array().cloned().unwrap_or_default();
        // The needless rules go. In mode `on` every interleaving fails, so the reducer may also
        // find that f need not make the map at all, and then the panic is not needed either; in
        // `explore` some interleavings pass, and the panic is what makes the failure.
        assert!(rules.len() <= 1, "{mode:?}: kept {rules:?}");
        if mode == FaultMode::Explore {
            assert_eq!(rules.len(), 1, "{mode:?}: kept {rules:?}");
        }
        if let Some(r) = rules.first() {
            assert_eq!(r["fault"], "panic");
        }
        assert!(
            m.removed.iter().any(|r| r == "$.faults[1]"),
            "{:?}",
            m.removed
        );
        assert!(
            m.removed.iter().any(|r| r == "$.faults[2]"),
            "{:?}",
            m.removed
        );
        let out = replay(&m.prog, &m.reduced.schedule, 20_000, true).unwrap();
        assert_eq!(out.signature.as_ref(), Some(&m.signature));
        assert_eq!(out.faults.len(), rules.len(), "{mode:?}: {:?}", out.faults);
        // In the original scenario, the minimized schedule injects no more than the found one.
        let orig = replay(&p, &m.original.schedule, 20_000, true).unwrap();
        let as_found = replay(&p, &f.schedule, 20_000, true).unwrap();
        assert!(
            orig.faults.len() <= as_found.faults.len(),
            "{mode:?}: {:?} after {:?}",
            orig.faults,
            as_found.faults
        );
    }
}

/// `hazard run --faults`: the clock-skew leak is found with its fault and not without; the
/// report lists the injected fault and replays; a passing run writes a fault summary.
#[test]
fn cli_faults_flag_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let file = scenario("timeout-leak.clock-skew");
    let f = file.to_str().unwrap();
    let o = out.to_str().unwrap();
    let off = hazard(
        &["run", f, "--faults", "off", "--out", o, "--quiet"],
        dir.path(),
    );
    assert_eq!(
        off.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&off.stdout)
    );
    let on = hazard(&["run", f, "--out", o, "--quiet"], dir.path());
    assert_eq!(
        on.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&on.stderr)
    );
    let report = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| !p.to_string_lossy().ends_with(".faults.json"))
        .expect("a report");
    let r = read_report(&report).unwrap();
    let faults = r.faults.clone().expect("faults section");
    assert_eq!(faults.mode, "explore");
    assert_eq!(faults.injected.len(), 1);
    assert_eq!(faults.injected[0].fault, "clock-skew");
    assert!(
        faults.injected[0].effect.contains("early"),
        "{:?}",
        faults.injected
    );
    let back = r.replay(&report.display().to_string()).unwrap();
    assert!(back.reproduced);
    assert_eq!(injected(&back.prog, &back.outcome), faults.injected);
    // `hazard replay` exits 1 when the recorded failure reproduces.
    let replayed = hazard(&["replay", report.to_str().unwrap()], dir.path());
    assert_eq!(replayed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&replayed.stdout).contains("[fault #0 clock-skew]"));
    let shown = hazard(&["show", report.to_str().unwrap()], dir.path());
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("faults injected:") && shown.contains("#0 clock-skew"),
        "{shown}"
    );
    let html = hazard(&["show", "--html", report.to_str().unwrap()], dir.path());
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(html.contains("<dd class=\"faults\">") && html.contains("#0 clock-skew"));

    // Forcing a mode is recorded in the embedded scenario, so a replay uses it too.
    let once = scenario("once-panic.fault");
    let o2 = dir.path().join("r2");
    let on = hazard(
        &[
            "run",
            once.to_str().unwrap(),
            "--faults",
            "on",
            "--out",
            o2.to_str().unwrap(),
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(on.status.code(), Some(0));
    let rep = std::fs::read_dir(&o2)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let r = read_report(&rep).unwrap();
    assert_eq!(r.scenario.source["explore"]["faults"], "on");
    assert_eq!(r.faults.unwrap().mode, "on");
    assert_eq!(
        hazard(&["replay", rep.to_str().unwrap()], dir.path())
            .status
            .code(),
        Some(1)
    );

    // A passing run with faults: the summary says what each rule did.
    let fixed = scenario("map-faults.sync-map");
    let o3 = dir.path().join("r3");
    let pass = hazard(
        &[
            "run",
            fixed.to_str().unwrap(),
            "--out",
            o3.to_str().unwrap(),
            "--iterations",
            "400",
        ],
        dir.path(),
    );
    assert_eq!(pass.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&pass.stdout);
    assert!(stdout.contains("$.faults[1] kill: injected in"), "{stdout}");
    let s: Value = serde_json::from_str(
        &std::fs::read_to_string(o3.join("map-faults.sync-map.faults.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(s["schema"], "hazard/fault-summary/v1");
    assert_eq!(s["expectations_held"], true);
    assert_eq!(s["executions"], 400);
    let rules = s["faults"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    for r in rules {
        assert!(r["executions"].as_u64().unwrap() > 0, "{r}");
        assert_eq!(r["held"], true);
    }
}

/// `delay` sleeps in virtual time before the op: timers due earlier fire first. A context with
/// a 50ms deadline is always expired after a 100ms delay; without it, `Err()` can run first.
#[test]
fn delay_lets_earlier_timers_fire_first() {
    let p = prog(json!({
        "objects": {
            "bg": { "kind": "context" },
            "ctx": { "kind": "context", "parent": "bg", "timeout": "50ms" }
        },
        "threads": { "w": [
            { "op": "err", "obj": "ctx", "into": "e" },
            { "op": "assert", "var": "e", "eq": "context deadline exceeded" }
        ] },
        "faults": [ { "fault": "delay", "for": "100ms", "op": "err" } ],
        "expect": { "passes": true }
    }));
    let x = assert_never_fails(&p);
    assert!(x.faults[0].executions > 0);
    let off = Arc::new(p.with_fault_mode(FaultMode::Off));
    let y = explore(
        &off,
        &ExploreConfig::default()
            .engine(EngineKind::Dfs)
            .iterations(1000),
    )
    .unwrap();
    assert_eq!(
        y.findings.len(),
        1,
        "without the delay Err() can come first"
    );
}

/// `close` acts from the chaos thread: it shows in the trace as its own column, and the
/// producer's next send panics as Go's does.
#[test]
fn chaos_close_comes_from_its_own_thread() {
    let p = shipped("chan-send-closed.fault");
    let x = explore(
        &p,
        &ExploreConfig::default()
            .engine(EngineKind::Dfs)
            .iterations(5000),
    )
    .unwrap();
    let f = x.matching(&p).expect("send on closed channel is found");
    let out = replay(&p, &f.schedule, 20_000, true).unwrap();
    assert_eq!(out.threads.last().map(String::as_str), Some("chaos"));
    assert_eq!(out.faults.len(), 1);
    assert_eq!(out.threads[out.faults[0].thread], "chaos");
    assert!(out.faults[0].effect.starts_with("close(results)"));
    assert_never_fails(&Arc::new(p.with_fault_mode(FaultMode::Off)));
}

/// A spurious wakeup of a `select` is absorbed: it polls its cases again (its `time.After`
/// timer unchanged) and waits again, so it still completes only with a real case.
#[test]
fn spurious_select_wakeups_are_absorbed() {
    let p = prog(json!({
        "objects": { "a": { "kind": "chan", "cap": 1 }, "b": { "kind": "chan" } },
        "threads": {
            "waiter": [
                { "op": "select", "cases": [
                    { "case": "recv", "obj": "a", "into": "v", "body": [ { "op": "let", "var": "got", "value": "a" } ] },
                    { "case": "recv", "obj": "b", "body": [ { "op": "let", "var": "got", "value": "b" } ] },
                    { "case": "after", "after": "1s", "body": [ { "op": "let", "var": "got", "value": "timeout" } ] }
                ] },
                { "op": "assert", "var": "got", "not": true, "eq": "b", "message": "nothing is sent on b" }
            ],
            "sender": [ { "op": "yield" }, { "op": "yield" }, { "op": "send", "obj": "a", "value": 1 } ]
        },
        "faults": [ { "fault": "spurious-wakeup", "obj": "a", "times": 3 } ],
        "expect": { "passes": true }
    }));
    let x = assert_never_fails(&p);
    assert!(
        x.faults[0].executions > 0,
        "the select was never woken spuriously"
    );
    assert!(
        x.faults[0].injections > x.faults[0].executions,
        "never woken twice"
    );
}

/// A panic armed for Once's f when the Once is already done is not injected, and does not use
/// up the rule's `times`: another thread's `do` gets it.
#[test]
fn an_unused_injection_does_not_count() {
    let p = prog(json!({
        "objects": { "o1": { "kind": "once" }, "o2": { "kind": "once" } },
        "threads": {
            "t1": [ { "op": "do", "obj": "o1", "body": [] } ],
            "t2": [ { "op": "yield" }, { "op": "yield" }, { "op": "yield" }, { "op": "do", "obj": "o1", "body": [] } ],
            "t3": [
                { "op": "yield" }, { "op": "yield" }, { "op": "yield" },
                { "op": "yield" }, { "op": "yield" }, { "op": "yield" },
                { "op": "do", "obj": "o2", "body": [] }
            ]
        },
        "faults": [ { "fault": "panic", "op": "do", "step": 4 } ],
        "expect": { "passes": true }
    }));
    let x = assert_never_fails(&p);
    assert_eq!(
        x.faults[0].executions,
        x.executions(),
        "some execution never injected the panic"
    );
}
