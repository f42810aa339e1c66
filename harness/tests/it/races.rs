//! Data races on shared memory, as Go's memory model defines them: for every kind of
//! happens-before edge, a scenario ordered by that edge alone never races (every schedule
//! within the DFS bound), and the same scenario with the edge removed does. Shared variables
//! (`vars`, `shared` lets) are captured by reference, per iteration in loops.

use super::helpers::*;
use harness::explore::Signature;
use harness::model::FailureKind;
use serde_json::{json, Value};

const W: Value = Value::Null;

fn write(v: i64) -> Value {
    json!({ "op": "let", "var": "x", "value": v })
}

fn read() -> Value {
    json!({ "op": "let", "var": "seen", "expr": "x" })
}

/// The races among every failure of `v` (explored exhaustively within the bound).
fn races(mut v: Value) -> Vec<Signature> {
    v["expect"] = collect_all();
    all_failures(&prog(v))
        .into_iter()
        .filter(|s| s.kind == FailureKind::Race)
        .collect()
}

/// `with` is ordered by one edge and never races; `without`, the same minus that edge, races
/// on `x` with id `id`.
#[track_caller]
fn edge(with: Value, without: Value, id: &str) {
    never_fails(with, W);
    let r = races(without.clone());
    assert!(!r.is_empty(), "no race without the edge: {without}");
    for s in &r {
        assert_eq!(s.id, id, "{s:?}");
        assert!(s.message.starts_with("data race on x: "), "{s:?}");
    }
}

fn with_x(objects: Value, threads: Value) -> Value {
    json!({ "vars": { "x": 0 }, "objects": objects, "threads": threads })
}

#[test]
fn unlock_happens_before_the_next_lock() {
    let mu = json!({ "mu": { "kind": "mutex" } });
    let locked =
        |op: Value| json!([{ "op": "lock", "obj": "mu" }, op, { "op": "unlock", "obj": "mu" }]);
    edge(
        with_x(
            mu.clone(),
            json!({ "a": locked(write(1)), "b": locked(read()) }),
        ),
        with_x(mu, json!({ "a": locked(write(1)), "b": [read()] })),
        "race-var",
    );
}

#[test]
fn every_runlock_happens_before_the_next_lock() {
    // Two readers release the read lock in either order: the writer's Lock must be ordered
    // after both reads, not only after the last RUnlock.
    let rw = json!({ "rw": { "kind": "rwmutex" } });
    let reader = json!([{ "op": "rlock", "obj": "rw" }, read(), { "op": "runlock", "obj": "rw" }]);
    let writer = json!([{ "op": "lock", "obj": "rw" }, write(1), { "op": "unlock", "obj": "rw" }]);
    edge(
        with_x(
            rw.clone(),
            json!({ "r1": reader, "r2": reader, "w": writer }),
        ),
        with_x(rw, json!({ "r1": reader, "r2": reader, "w": [write(1)] })),
        "race-var",
    );
}

#[test]
fn unlock_happens_before_a_later_rlock() {
    let rw = json!({ "rw": { "kind": "rwmutex" } });
    let reader = json!([{ "op": "rlock", "obj": "rw" }, read(), { "op": "runlock", "obj": "rw" }]);
    edge(
        with_x(
            rw.clone(),
            json!({ "w": [{ "op": "lock", "obj": "rw" }, write(1), { "op": "unlock", "obj": "rw" }], "r": reader }),
        ),
        with_x(rw, json!({ "w": [write(1)], "r": reader })),
        "race-var",
    );
}

#[test]
fn a_send_happens_before_its_receive_completes() {
    for cap in [0, 1] {
        let ch = json!({ "c": { "kind": "chan", "cap": cap } });
        edge(
            with_x(
                ch.clone(),
                json!({ "a": [write(1), { "op": "send", "obj": "c", "value": 1 }],
                        "b": [{ "op": "recv", "obj": "c" }, read()] }),
            ),
            with_x(ch, json!({ "a": [write(1)], "b": [read()] })),
            "race-var",
        );
    }
}

#[test]
fn an_unbuffered_receive_happens_before_its_send_completes() {
    let ch = json!({ "c": { "kind": "chan" } });
    edge(
        with_x(
            ch.clone(),
            json!({ "a": [write(1), { "op": "recv", "obj": "c" }],
                    "b": [{ "op": "send", "obj": "c", "value": 1 }, read()] }),
        ),
        with_x(ch, json!({ "a": [write(1)], "b": [read()] })),
        "race-var",
    );
}

#[test]
fn a_close_happens_before_the_receive_it_ends() {
    let ch = json!({ "c": { "kind": "chan" } });
    edge(
        with_x(
            ch.clone(),
            json!({ "a": [write(1), { "op": "close", "obj": "c" }],
                    "b": [{ "op": "recv", "obj": "c" }, read()] }),
        ),
        with_x(
            ch,
            json!({ "a": [write(1), { "op": "close", "obj": "c" }], "b": [read()] }),
        ),
        "race-var",
    );
}

#[test]
fn the_kth_receive_happens_before_the_k_plus_cap_th_send_completes() {
    // A channel of capacity 1 as a semaphore: send to acquire, receive to release.
    let sem = json!({ "sem": { "kind": "chan", "cap": 1 } });
    let inc = json!({ "op": "let", "var": "x", "expr": "x + 1" });
    let guarded = json!([{ "op": "send", "obj": "sem", "value": 1 }, inc,
                         { "op": "recv", "obj": "sem" }]);
    edge(
        with_x(sem.clone(), json!({ "a": guarded, "b": guarded })),
        with_x(sem, json!({ "a": guarded, "b": [inc] })),
        "race-var",
    );
}

#[test]
fn every_done_happens_before_the_wait_it_releases() {
    // Two workers write their own variables; main reads both after Wait. The first Done
    // leaves the counter at 1, yet it still happens before Wait returns.
    let v = |wait: bool| {
        let mut main = vec![json!({ "op": "add", "obj": "wg", "delta": 2 })];
        for (i, var) in ["x", "y"].iter().enumerate() {
            main.push(json!({ "op": "spawn", "thread": format!("w{i}"), "body": [
                { "op": "let", "var": var, "value": 1 },
                { "op": "done", "obj": "wg" } ] }));
        }
        if wait {
            main.push(json!({ "op": "wait", "obj": "wg" }));
        }
        main.push(json!({ "op": "let", "var": "sum", "expr": "x + y" }));
        json!({ "vars": { "x": 0, "y": 0 }, "objects": { "wg": { "kind": "waitgroup" } },
                "threads": { "main": main } })
    };
    never_fails(v(true), W);
    let r = races(v(false));
    let vars: Vec<&str> = r
        .iter()
        .map(|s| {
            if s.message.contains(" on x:") {
                "x"
            } else {
                "y"
            }
        })
        .collect();
    assert!(vars.contains(&"x") && vars.contains(&"y"), "{r:?}");
}

#[test]
fn once_f_happens_before_every_do_returns() {
    let once = json!({ "once": { "kind": "once" } });
    let user = json!([{ "op": "do", "obj": "once", "body": [write(1)] }, read()]);
    edge(
        with_x(once.clone(), json!({ "a": user, "b": user })),
        with_x(once, json!({ "a": user, "b": [read()] })),
        "race-var",
    );
}

#[test]
fn atomics_synchronize() {
    // Publish x, then set a flag with an atomic store; the reader reads x only once it loads
    // the flag set.
    let flag = json!({ "ready": { "kind": "atomic", "value": 0 } });
    let reader = |atomic: bool| {
        let check = if atomic {
            json!({ "op": "load", "obj": "ready", "into": "r" })
        } else {
            json!({ "op": "let", "var": "r", "value": 1 })
        };
        json!([check, { "op": "if", "cond": "r == 1", "then": [read()] }])
    };
    edge(
        with_x(
            flag.clone(),
            json!({ "a": [write(1), { "op": "store", "obj": "ready", "value": 1 }], "b": reader(true) }),
        ),
        with_x(
            flag,
            json!({ "a": [write(1), { "op": "store", "obj": "ready", "value": 1 }], "b": reader(false) }),
        ),
        "race-var",
    );
}

#[test]
fn a_cancel_happens_before_done_is_seen() {
    let ctx = json!({ "bg": { "kind": "context" }, "ctx": { "kind": "context", "parent": "bg" } });
    edge(
        with_x(
            ctx.clone(),
            json!({ "a": [write(1), { "op": "cancel", "obj": "ctx" }],
                    "b": [{ "op": "recv", "obj": "ctx" }, read()] }),
        ),
        with_x(
            ctx,
            json!({ "a": [write(1), { "op": "cancel", "obj": "ctx" }], "b": [read()] }),
        ),
        "race-var",
    );
}

#[test]
fn a_cancel_happens_before_err_reports_it() {
    let ctx = json!({ "bg": { "kind": "context" }, "ctx": { "kind": "context", "parent": "bg" } });
    let reader = |check: bool| {
        let mut ops = vec![json!({ "op": "err", "obj": "ctx", "into": "e" })];
        let body = json!([read()]);
        ops.push(if check {
            json!({ "op": "if", "cond": "e != nil", "then": body })
        } else {
            json!({ "op": "if", "cond": "e == nil", "then": body })
        });
        json!(ops)
    };
    let writer = json!([write(1), { "op": "cancel", "obj": "ctx" }]);
    edge(
        with_x(ctx.clone(), json!({ "a": writer, "b": reader(true) })),
        with_x(ctx, json!({ "a": writer, "b": reader(false) })),
        "race-var",
    );
}

#[test]
fn the_go_statement_happens_before_the_goroutine() {
    let spawn = json!({ "op": "spawn", "thread": "g", "body": [read()] });
    edge(
        with_x(json!({}), json!({ "main": [write(1), spawn] })),
        with_x(json!({}), json!({ "main": [spawn, write(1)] })),
        "race-var",
    );
}

#[test]
fn an_after_func_call_happens_before_f() {
    let timer = json!({ "t": { "kind": "timer" } });
    let arm = json!({ "op": "after_func", "obj": "t", "after": "1ms", "body": [read()] });
    edge(
        with_x(
            timer.clone(),
            json!({ "main": [write(1), arm, { "op": "sleep", "for": "2ms" }] }),
        ),
        with_x(
            timer,
            json!({ "main": [arm, write(1), { "op": "sleep", "for": "2ms" }] }),
        ),
        "race-var",
    );
}

#[test]
fn a_race_found_in_either_order_is_one_finding() {
    let inc = json!({ "op": "let", "var": "x", "expr": "x + 1" });
    let r = races(with_x(json!({}), json!({ "a": [inc], "b": [inc] })));
    // a's read against b's write, b's read against a's write, and the writes against each
    // other: every pair is named by its paths, whichever access came first.
    let mut msgs: Vec<&str> = r.iter().map(|s| s.message.as_str()).collect();
    msgs.sort_unstable();
    msgs.dedup();
    assert_eq!(msgs.len(), r.len(), "duplicate signatures: {r:?}");
    assert!(
        msgs.contains(&"data race on x: read at $.threads.a[0] (a), write at $.threads.b[0] (b)")
    );
    assert!(
        msgs.contains(&"data race on x: read at $.threads.b[0] (b), write at $.threads.a[0] (a)")
    );
}

#[test]
fn a_shared_variable_is_captured_by_reference() {
    // err := ""; go func() { err = "failed"; done <- 1 }(); <-done; return err
    let v = json!({
        "objects": { "done": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "let", "var": "err", "value": "", "shared": true },
            { "op": "spawn", "thread": "g", "body": [
                { "op": "let", "var": "err", "value": "failed" },
                { "op": "send", "obj": "done", "value": 1 } ] },
            { "op": "recv", "obj": "done" },
            { "op": "assert", "cond": "err == \"failed\"", "message": "the goroutine's write is seen" }
        ] }
    });
    never_fails(v.clone(), W);
    // Without `shared` the goroutine writes a copy: main's err stays "".
    let mut copy = v;
    copy["threads"]["main"][0]
        .as_object_mut()
        .unwrap()
        .remove("shared");
    let s = failures(copy, W);
    assert_sig(
        only(&s),
        "assertion",
        FailureKind::Assertion,
        "the goroutine's write is seen (err == \"failed\" is false, with err = \"\")",
        Some("main"),
    );
}

#[test]
fn a_shared_let_in_a_loop_is_a_new_variable_each_iteration() {
    // for i := range 2 { v := i; go func() { out <- v }() }: each goroutine has its own v,
    // even though the loop writes v again after starting it.
    let v = json!({
        "objects": { "out": { "kind": "chan", "cap": 2 } },
        "threads": { "main": [
            { "op": "repeat", "times": 2, "index": "i", "body": [
                { "op": "let", "var": "v", "expr": "i * 10", "shared": true },
                { "op": "spawn", "thread": "g", "body": [
                    { "op": "send", "obj": "out", "value": { "var": "v" } } ] } ] },
            { "op": "recv", "obj": "out", "into": "a" },
            { "op": "recv", "obj": "out", "into": "b" },
            { "op": "assert", "cond": "a + b == 10", "message": "each goroutine sent its own v" }
        ] }
    });
    never_fails(v, W);
}

#[test]
fn a_package_level_variable_is_one_variable_in_every_function() {
    let v = json!({
        "vars": { "total": 0 },
        "objects": { "mu": { "kind": "mutex" } },
        "procs": { "add": { "params": ["n"], "body": [
            { "op": "lock", "obj": "mu" },
            { "op": "let", "var": "total", "expr": "total + n" },
            { "op": "unlock", "obj": "mu" } ] } },
        "threads": {
            "a": [ { "op": "call", "proc": "add", "args": [1] } ],
            "b": [ { "op": "call", "proc": "add", "args": [2] } ],
            "c": [
                { "op": "call", "proc": "add", "args": [4] },
                { "op": "lock", "obj": "mu" },
                { "op": "let", "var": "seen", "expr": "total" },
                { "op": "unlock", "obj": "mu" },
                { "op": "assert", "cond": "seen >= 4 && seen <= 7" } ]
        }
    });
    never_fails(v, W);
}

#[test]
fn a_read_of_a_reference_field_races_its_assignment_and_a_mutex_field_does_not() {
    // w.ch = nil (Stop) against a receive through w.ch: a read of the field.
    let w = json!({ "w": { "kind": "struct", "fields": {
        "mu": { "kind": "mutex" }, "ch": { "kind": "chan", "cap": 1 } } } });
    let r = races(json!({ "objects": w, "threads": {
        "stop": [ { "op": "assign", "obj": "w.ch", "value": null } ],
        "poll": [ { "op": "select", "cases": [ { "case": "recv", "obj": "w.ch" }, { "case": "default" } ] } ] } }));
    assert!(!r.is_empty());
    assert!(r.iter().all(|s| s.id == "race-chan-field"), "{r:?}");
    // Two goroutines locking w.mu use the field in place: no race.
    never_fails(
        json!({ "objects": w, "threads": {
            "a": [ { "op": "lock", "obj": "w.mu" }, { "op": "unlock", "obj": "w.mu" } ],
            "b": [ { "op": "lock", "obj": "w.mu" }, { "op": "unlock", "obj": "w.mu" } ] } }),
        W,
    );
}

#[test]
fn a_scenarios_own_failure_comes_before_a_race_in_the_same_run() {
    // Two unlocked increments, then main checks the total: runs that lose an update report
    // the failed assertion (the scenario's own failure wins), the others the race.
    let inc = json!({ "op": "let", "var": "x", "expr": "x + 1" });
    let worker = |n: &str| json!({ "op": "spawn", "thread": n, "body": [inc, { "op": "done", "obj": "wg" }] });
    let v = with_x(
        json!({ "wg": { "kind": "waitgroup" } }),
        json!({ "main": [
            { "op": "add", "obj": "wg", "delta": 2 }, worker("a"), worker("b"),
            { "op": "wait", "obj": "wg" },
            { "op": "assert", "cond": "x == 2", "message": "no update lost" } ] }),
    );
    let mut all_v = v;
    all_v["expect"] = collect_all();
    let all = all_failures(&prog(all_v));
    assert!(all.iter().any(|s| s.kind == FailureKind::Race), "{all:?}");
    assert!(
        all.iter()
            .any(|s| s.kind == FailureKind::Assertion && s.message.starts_with("no update lost")),
        "{all:?}"
    );
}

/// No fixed variant of a shipped scenario has a data race: each is explored by DFS at
/// preemption bound 2 (exhausted where the budget allows) without one.
#[test]
fn no_fixed_scenario_races() {
    use harness::explore::{explore, EngineKind, ExploreConfig};
    let mut checked = 0;
    for path in harness::base::files_in(&scenarios(), "json").unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["expect"]["passes"] != json!(true) {
            continue;
        }
        let p = harness::scenario::load_file(&path).unwrap();
        let cfg = ExploreConfig::default()
            .engine(EngineKind::Dfs)
            .preemption_bound(2)
            .iterations(3_000);
        let x = explore(&std::sync::Arc::new(p), &cfg).unwrap();
        let races: Vec<_> = sigs(&x)
            .into_iter()
            .filter(|s| s.kind == FailureKind::Race)
            .collect();
        assert!(races.is_empty(), "{}: {races:?}", path.display());
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} fixed scenarios");
}

#[test]
fn malformed_shared_variables_are_refused_with_their_place() {
    let load = |v: Value| {
        let text = serde_json::to_string_pretty(&v).unwrap();
        harness::scenario::load_str(&text, "bad.json")
            .expect_err("refused")
            .to_string()
    };
    let base = |extra: Value| {
        let mut v = json!({ "schema": "hazard/scenario/v1", "name": "bad",
            "threads": { "t": [ { "op": "yield" } ] }, "expect": { "passes": true } });
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        v
    };
    let cases = [
        (
            base(json!({ "vars": { "mu": 0 }, "objects": { "mu": { "kind": "mutex" } } })),
            "$.vars.mu: `mu` is declared in `objects` too",
        ),
        (
            base(json!({ "vars": { "a.b": 0 } })),
            "$.vars[\"a.b\"]: a variable name is a Go identifier",
        ),
        (
            base(json!({ "vars": { "n": 0 }, "threads": { "t": [
                { "op": "let", "var": "n", "value": 1, "shared": true } ] } })),
            "$.threads.t[0].shared: a package-level variable (in `vars`) is shared already",
        ),
        (
            base(json!({ "vars": { "n": 0 }, "threads": { "t": [
                { "op": "let", "var": "s", "expr": "n + \"x\"" } ] } })),
            "$.threads.t[0].expr: invalid operation: n + \"x\" (mismatched types int and string)",
        ),
    ];
    for (v, want) in cases {
        let e = load(v.clone());
        assert!(e.contains(want), "{v}\n{e}");
    }
}

#[test]
fn races_off_in_the_scenario_or_on_the_command_line_turns_detection_off() {
    let inc = json!({ "op": "let", "var": "x", "expr": "x + 1" });
    let mut v = with_x(json!({}), json!({ "a": [inc], "b": [inc] }));
    v["explore"] = json!({ "races": "off" });
    never_fails(v, W);

    let tmp = tempfile::tempdir().unwrap();
    let file = scenarios().join("race-var.json");
    let out = tmp.path().join("out");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        hazard(&a, tmp.path())
    };
    let on = run(args(&[]));
    assert_eq!(on.status.code(), Some(0), "{}", text(&on).0);
    let off = run(args(&["--races", "off"]));
    let (stdout, _) = text(&off);
    // The buggy scenario's race is not looked for: its expectation is unmet.
    assert_eq!(off.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("passed"), "{stdout}");
}

#[test]
fn races_off_also_turns_off_struct_fields() {
    let v = json!({
        "objects": { "s": { "kind": "struct", "fields": { "n": 0 } } },
        "threads": {
            "a": [ { "op": "assign", "obj": "s.n", "value": 1 } ],
            "b": [ { "op": "let", "var": "seen", "expr": "s.n" } ] },
        "explore": { "races": "off" }
    });
    never_fails(v.clone(), W);
    let mut on = v;
    on.as_object_mut().unwrap().remove("explore");
    assert!(!races(on).is_empty());
}

#[test]
fn slice_elements_race_alone_and_distinct_elements_do_not() {
    let results = json!({ "results": { "kind": "slice", "len": 2 } });
    let store = |i: i64| json!({ "op": "store", "obj": "results", "index": i, "value": 7 });
    // Each goroutine writes its own element: no race.
    never_fails(
        json!({ "objects": results, "threads": { "a": [store(0)], "b": [store(1)] } }),
        W,
    );
    // The same element: a race, named by the slice and index.
    let r = races(json!({ "objects": results, "threads": { "a": [store(1)],
        "b": [ { "op": "index", "obj": "results", "index": 1, "into": "v" } ] } }));
    assert!(!r.is_empty());
    for s in &r {
        assert_eq!(s.id, "race-slice-elem", "{s:?}");
        assert!(s.message.starts_with("data race on results[1]: "), "{s:?}");
    }
}

#[test]
fn appending_to_one_slice_variable_from_two_goroutines_races_on_the_variable() {
    let s = json!({ "items": { "kind": "slice", "cap": 4 } });
    let app = json!({ "op": "append", "obj": "items", "values": [1] });
    let r = races(json!({ "objects": s, "threads": { "a": [app], "b": [app] } }));
    assert!(
        r.iter()
            .any(|s| s.id == "race-var" && s.message.starts_with("data race on items: ")),
        "{r:?}"
    );
    let mu = json!({ "items": { "kind": "slice", "cap": 4 }, "mu": { "kind": "mutex" } });
    let locked = json!([{ "op": "lock", "obj": "mu" }, app, { "op": "unlock", "obj": "mu" }]);
    never_fails(
        json!({ "objects": mu, "threads": { "a": locked, "b": locked } }),
        W,
    );
}

#[test]
fn a_pool_put_happens_before_the_get_that_returns_it() {
    // A writes into its buffer and puts it back; B gets a buffer (maybe A's) and writes it.
    let objs = json!({ "pool": { "kind": "pool", "new": { "cap": 1 } } });
    let user = |name: &str| {
        json!([
            { "op": "get", "obj": "pool", "to": name },
            { "op": "append", "obj": name, "values": [1], "to": name },
            { "op": "put", "obj": "pool", "slice": name } ])
    };
    let v = json!({ "objects": {
            "pool": { "kind": "pool", "new": { "cap": 1 } },
            "bufA": { "kind": "slice", "nil": true }, "bufB": { "kind": "slice", "nil": true } },
        "threads": { "a": user("bufA"), "b": user("bufB") } });
    let _ = objs;
    never_fails(v, W);
}

#[test]
fn faults_change_the_schedule_and_never_invent_a_race() {
    // The fixed counter under faults that move threads around: a preemption, a delay, a
    // spurious wake-up of the mutex, a killed goroutine (its deferred Unlock runs): no race.
    let locked = json!([
        { "op": "lock", "obj": "mu" },
        { "op": "defer", "body": [ { "op": "unlock", "obj": "mu" } ] },
        { "op": "let", "var": "x", "expr": "x + 1" } ]);
    let mut v = with_x(
        json!({ "mu": { "kind": "mutex" } }),
        json!({ "a": locked, "b": locked }),
    );
    v["faults"] = json!([
        { "fault": "preempt", "thread": "a", "op": "lock" },
        { "fault": "delay", "thread": "b", "for": "1ms" },
        { "fault": "spurious-wakeup", "obj": "mu" },
        { "fault": "kill", "thread": "b", "op": "lock", "p": 0.5 } ]);
    v["explore"] = json!({ "faults": "explore" });
    never_fails(v, W);
    // Without the lock the delay leaves the race there to find.
    let bare = json!([ { "op": "yield" }, { "op": "let", "var": "x", "expr": "x + 1" } ]);
    let mut racy = with_x(json!({}), json!({ "a": bare, "b": bare }));
    racy["faults"] = json!([ { "fault": "delay", "thread": "b", "for": "1ms" } ]);
    assert!(!races(racy).is_empty());
}

#[test]
fn a_map_race_is_reported_where_the_runtime_check_cannot_fire() {
    // The read comes a millisecond (virtual) after the write: the two never overlap, so the
    // map's writing flag is never seen set, but nothing orders them.
    let v = json!({
        "objects": { "m": { "kind": "map" } },
        "threads": {
            "w": [ { "op": "set", "obj": "m", "key": "k", "value": 1 } ],
            "r": [ { "op": "sleep", "for": "1ms" }, { "op": "get", "obj": "m", "key": "k", "into": "v" } ] }
    });
    let mut all = v.clone();
    all["expect"] = collect_all();
    let sigs = all_failures(&prog(all));
    assert!(!sigs.is_empty());
    for s in &sigs {
        assert_eq!(s.id, "race-map", "{s:?}");
        assert!(s.message.starts_with("data race on m: "), "{s:?}");
    }
    // A nil map is no access: reading one while another goroutine reads it too is nothing.
    never_fails(
        json!({ "objects": { "m": { "kind": "map", "nil": true } }, "threads": {
            "a": [ { "op": "get", "obj": "m", "key": "k", "into": "v" } ],
            "b": [ { "op": "len", "obj": "m", "into": "n" } ] } }),
        W,
    );
}

#[test]
fn the_first_done_call_happens_before_the_later_ones() {
    // Done() makes its channel on the first call and publishes it atomically; a later call
    // loads it. With the later caller asleep until the first is over, Go's race detector
    // orders a's write before b's read; without the Done calls nothing does.
    let ctx = json!({ "bg": { "kind": "context" }, "ctx": { "kind": "context", "parent": "bg" } });
    let poll = json!({ "op": "select", "cases": [ { "case": "recv", "obj": "ctx" }, { "case": "default" } ] });
    let sleep = json!({ "op": "sleep", "for": "1ms" });
    edge(
        with_x(
            ctx.clone(),
            json!({ "a": [write(1), poll], "b": [sleep, poll, read()] }),
        ),
        with_x(ctx, json!({ "a": [write(1)], "b": [sleep, read()] })),
        "race-var",
    );
}

/// Every buggy race scenario, through `hazard run`: the minimized report keeps the race's
/// signature, at no preemption (a race needs no overlap, only a missing edge) and proven so,
/// and the incident loses the work the race does not need.
#[test]
fn race_findings_minimize_to_no_preemption_keeping_their_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let files = buggy_race_scenarios();
    assert!(files.len() >= 9, "{files:?}");
    for f in &files {
        let out = tmp.path().join(f.file_stem().unwrap());
        let o = hazard(
            &[
                "run",
                f.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
                // Bounded by executions alone, so the result does not depend on machine load.
                "--min-time",
                "86400",
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
        let report = harness::report::read_report(&reports_in(&out)[0]).unwrap();
        let m = report.minimized.as_ref().expect("minimized");
        assert_eq!(m.signature, report.failure.signature, "{}", f.display());
        assert_eq!(m.signature.kind, FailureKind::Race);
        assert!(m.replay_verified, "{}", f.display());
        assert_eq!(m.minimality.preemptions, 0, "{}", f.display());
        assert_eq!(m.minimality.status, "proven", "{}", f.display());
        if f.to_string_lossy().contains(".incident") {
            assert!(!m.removed.is_empty(), "{}: nothing removed", f.display());
        }
    }
}

/// Every engine finds every buggy race scenario's race, and each finding round-trips: written
/// as a report, read back, replayed to the same race (signature and both accesses).
#[test]
fn every_engine_finds_every_race_and_its_report_replays() {
    use harness::explore::{explore, EngineKind, ExploreConfig};
    use harness::pipeline::write_finding;
    use harness::report::{read_report, RunInfo};
    let tmp = tempfile::tempdir().unwrap();
    for f in buggy_race_scenarios() {
        let p = std::sync::Arc::new(harness::scenario::load_file(&f).unwrap());
        for engine in [
            EngineKind::Random,
            EngineKind::Pct,
            EngineKind::Dfs,
            EngineKind::Fuzz,
        ] {
            let what = format!("{}, {engine:?}", f.display());
            let cfg = ExploreConfig::default().engine(engine).iterations(5_000);
            let x = explore(&p, &cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
            let found = x
                .matching(&p)
                .unwrap_or_else(|| panic!("{what}: not found: {:?}", sigs(&x)))
                .clone();
            assert_eq!(found.signature.kind, FailureKind::Race, "{what}");
            let run = RunInfo {
                config: &cfg,
                exploration: &x,
            };
            let dir = tmp.path().join(format!("{engine:?}"));
            let written = write_finding(&p, &found, &run, None, &dir).unwrap();
            assert!(written.report.replay_verified, "{what}");
            let back = read_report(&written.path).unwrap();
            assert_eq!(back.failure.signature, found.signature, "{what}");
            let name = written.path.display().to_string();
            let again = back.replay(&name).unwrap();
            assert!(again.reproduced, "{what}");
        }
    }
}
