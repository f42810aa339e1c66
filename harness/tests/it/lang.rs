//! Constructs of the scenario language that transcribe Go code directly (issue: write real Go
//! concurrency code as a scenario). Each is validated, compiled, explored, replayed and
//! minimized here.

use crate::helpers::*;
use harness::explore::{explore, replay, EngineKind, ExploreConfig};
use harness::minimize::{minimize, MinimizeConfig};
use harness::model::{Failure, FailureKind, Value as GoValue};
use harness::report::trace_steps;
use harness::scenario::load_str;
use serde_json::json;

/// `x := rand.Intn(3)` in a goroutine; `assert` fails on `want` only.
fn rand_then_assert(n: i64, want: i64) -> serde_json::Value {
    json!({
        "threads": {
            "worker": [
                { "op": "rand", "n": n, "into": "x" },
                { "op": "assert", "var": "x", "eq": want, "not": true, "id": "assertion" }
            ]
        },
        "expect": { "fails": { "id": "assertion" } }
    })
}

#[test]
fn every_value_of_rand_intn_is_explored() {
    // Exhaustive DFS with the assertion never failing: it runs once per value of x.
    let mut v = rand_then_assert(4, 9);
    v["expect"] = collect_all();
    let x = dfs_exhaust(&prog(v));
    assert!(x.findings.is_empty(), "{:?}", sigs(&x));
    assert_eq!(x.executions(), 4, "one execution per value of rand.Intn(4)");
    assert_eq!(x.distinct_schedules(), 4);
}

#[test]
fn each_engine_finds_the_one_bad_value_and_replay_reproduces_it() {
    let p = prog(rand_then_assert(3, 2));
    for engine in [
        EngineKind::Random,
        EngineKind::Pct,
        EngineKind::Dfs,
        EngineKind::Fuzz,
    ] {
        let cfg = ExploreConfig::default().engine(engine).iterations(2_000);
        let x = explore(&p, &cfg).unwrap();
        let f = x
            .matching(&p)
            .unwrap_or_else(|| panic!("{engine:?}: not found: {:?}", sigs(&x)));
        assert_sig(
            &f.signature,
            "assertion",
            FailureKind::Assertion,
            "expected x != 2, got 2",
            Some("worker"),
        );
        let out = replay(&p, &f.schedule, 1_000, true).unwrap();
        assert_eq!(out.signature.as_ref(), Some(&f.signature), "{engine:?}");
        let traced: Vec<String> = trace_steps(&p, &out).into_iter().map(|s| s.text).collect();
        assert!(
            traced.iter().any(|t| t == "x = rand.Intn(3) -> 2"),
            "{engine:?}: {traced:?}"
        );
        // The choice is part of the schedule: minimization keeps it.
        let m = minimize(&p, &f.signature, &f.schedule, &MinimizeConfig::default()).unwrap();
        let again = replay(&p, &m.original.schedule, 1_000, false).unwrap();
        assert_eq!(again.signature.as_ref(), Some(&f.signature), "{engine:?}");
        let reduced = replay(&m.prog, &m.reduced.schedule, 1_000, false).unwrap();
        assert_eq!(reduced.signature.as_ref(), Some(&m.signature), "{engine:?}");
    }
}

#[test]
fn rand_intn_of_zero_panics_as_go_does() {
    // Go 1.27.3: `panic: invalid argument to Intn`, recoverable, the value a string.
    let p = prog(json!({
        "threads": { "main": [ { "op": "rand", "n": 0, "into": "x" } ] },
        "expect": { "fails": { "kind": "panic" } }
    }));
    let f = find(&p);
    assert_sig(
        &f.signature,
        "panic",
        FailureKind::Panic,
        "invalid argument to Intn",
        Some("main"),
    );
    assert_eq!(
        f.failed.failure,
        Failure::UserPanic(GoValue::Str("invalid argument to Intn".into()))
    );
    assert_eq!(f.failed.failure.render(), "panic: invalid argument to Intn");
    let recovered = prog(json!({
        "threads": { "main": [
            { "op": "recover", "into": "r", "body": [ { "op": "rand", "n": -1, "into": "x" } ] },
            { "op": "assert", "var": "r", "eq": "invalid argument to Intn" }
        ] },
        "expect": { "passes": true }
    }));
    assert_never_fails(&recovered);
}

#[test]
fn malformed_rand_is_refused_at_its_field() {
    for (op, field, says) in [
        (
            json!({ "op": "rand", "n": "3", "into": "x" }),
            "n",
            "integer",
        ),
        (json!({ "op": "rand", "n": 3 }), "", "into"),
        (
            json!({ "op": "rand", "n": 1.5, "into": "x" }),
            "n",
            "integer",
        ),
    ] {
        let text = serde_json::to_string_pretty(&json!({
            "schema": "hazard/scenario/v1", "name": "bad",
            "threads": { "t": [ op ] },
            "expect": { "passes": true }
        }))
        .unwrap();
        let e = load_str(&text, "bad.json")
            .expect_err("refused")
            .to_string();
        let at = if field.is_empty() {
            "$.threads.t[0]".to_string()
        } else {
            format!("$.threads.t[0].{field}")
        };
        assert!(e.contains(&at), "{e}");
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn a_channel_send_takes_a_variable() {
    // `ch <- x` and `case ch <- x:` with x set earlier; the receiver gets x's value.
    let p = prog(json!({
        "objects": { "ch": { "kind": "chan", "cap": 1 }, "out": { "kind": "chan" } },
        "threads": {
            "producer": [
                { "op": "let", "var": "x", "value": 7 },
                { "op": "send", "obj": "ch", "value": { "var": "x" } },
                { "op": "let", "var": "x", "value": 8 },
                { "op": "select", "cases": [
                    { "case": "send", "obj": "out", "value": { "var": "x" } } ] }
            ],
            "consumer": [
                { "op": "recv", "obj": "ch", "into": "a" },
                { "op": "assert", "var": "a", "eq": 7 },
                { "op": "recv", "obj": "out", "into": "b" },
                { "op": "assert", "var": "b", "eq": 8 }
            ]
        },
        "expect": { "passes": true }
    }));
    assert_never_fails(&p);
}

/// The error of loading `threads.t` = `ops` (with a `work` proc and a `ch` channel declared).
fn load_error(ops: serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(&json!({
        "schema": "hazard/scenario/v1", "name": "typo",
        "objects": { "ch": { "kind": "chan", "cap": 1 } },
        "procs": { "work": [] },
        "threads": { "t": ops },
        "expect": { "passes": true }
    }))
    .unwrap();
    load_str(&text, "typo.json")
        .expect_err("refused")
        .to_string()
}

#[test]
fn misspelt_names_get_the_closest_known_one() {
    for (ops, at, says) in [
        (
            json!([{ "op": "sned", "obj": "ch", "value": 1 }]),
            "$.threads.t[0].op",
            "unknown op `sned`; did you mean `send`?",
        ),
        (
            json!([{ "op": "recv", "obj": "ch", "ino": "x" }]),
            "$.threads.t[0].ino",
            "unknown field `ino`; did you mean `into`? (expected one of: obj, into, ok)",
        ),
        (
            json!([{ "op": "send", "obj": "chn", "value": 1 }]),
            "$.threads.t[0].obj",
            "unknown object `chn`; did you mean `ch`?",
        ),
        (
            json!([{ "op": "call", "proc": "wrok" }]),
            "$.threads.t[0].proc",
            "unknown proc `wrok`; did you mean `work`?",
        ),
        (
            json!([
                { "op": "recv", "obj": "ch", "into": "value" },
                { "op": "assert", "var": "valeu", "eq": 1 }
            ]),
            "$.threads.t[1].var",
            "variable `valeu` is read here but never set; did you mean `value`?",
        ),
    ] {
        let e = load_error(ops);
        assert!(e.contains(at), "{e}");
        assert!(e.contains(says), "{e}");
        assert!(!e.contains("variant"), "serde's words: {e}");
    }
    // Nothing close: no guess.
    let e = load_error(json!([{ "op": "frobnicate" }]));
    assert!(
        e.contains("unknown op `frobnicate` (expected one of:"),
        "{e}"
    );
    assert!(!e.contains("did you mean"), "{e}");
}

#[test]
fn a_file_may_name_its_json_schema() {
    let text = r#"{
      "$schema": "./hazard-scenario.schema.json",
      "schema": "hazard/scenario/v1", "name": "with-schema",
      "threads": { "t": [ { "op": "yield" } ] },
      "expect": { "passes": true }
    }"#;
    load_str(text, "s.json").expect("`$schema` is accepted");
    let schema = harness::scenario::json_schema();
    assert!(
        schema["properties"]["$schema"].is_object(),
        "the schema lets editors accept it: {}",
        schema["properties"]
    );
}

#[test]
fn for_loops_run_until_their_condition_or_a_break() {
    // A consumer drains a channel until it is closed, two ways: `for open { ... }` and
    // `for { ...; if !ok { break } }`; the producer sends three values and closes.
    for consumer in [
        json!([
            { "op": "let", "var": "open", "value": true },
            { "op": "for", "cond": { "var": "open" }, "body": [
                { "op": "recv", "obj": "ch", "into": "v", "ok": "open" } ] },
            { "op": "send", "obj": "done", "value": true }
        ]),
        json!([
            { "op": "for", "body": [
                { "op": "recv", "obj": "ch", "into": "v", "ok": "ok" },
                { "op": "if", "cond": { "var": "ok", "not": true }, "then": [ { "op": "break" } ] } ] },
            { "op": "send", "obj": "done", "value": true }
        ]),
    ] {
        let p = prog(json!({
            "objects": { "ch": { "kind": "chan" }, "done": { "kind": "chan", "cap": 1 } },
            "threads": {
                "producer": [
                    { "op": "send", "obj": "ch", "value": 1 },
                    { "op": "send", "obj": "ch", "value": 2 },
                    { "op": "send", "obj": "ch", "value": 3 },
                    { "op": "close", "obj": "ch" }
                ],
                "consumer": consumer
            },
            "expect": { "passes": true, "final": [ { "obj": "done", "len": 1 } ] }
        }));
        assert_never_fails(&p);
    }
}

#[test]
fn break_in_a_select_leaves_the_select_and_a_label_leaves_the_loop() {
    // Go: an unlabelled `break` in a select case ends the select, not the `for` around it
    // (the classic mistake); `break loop` ends the loop.
    let p = prog(json!({
        "objects": { "quit": { "kind": "chan", "cap": 1, "elem": "bool" } },
        "threads": { "main": [
            { "op": "send", "obj": "quit", "value": true },
            { "op": "let", "var": "after_select", "value": false },
            { "op": "for", "label": "loop", "body": [
                { "op": "if", "cond": { "var": "after_select" }, "then": [ { "op": "break", "label": "loop" } ] },
                { "op": "select", "cases": [
                    { "case": "recv", "obj": "quit", "body": [
                        { "op": "break" },
                        { "op": "panic", "value": "break did not leave the case" } ] } ] },
                { "op": "let", "var": "after_select", "value": true }
            ] },
            { "op": "assert", "var": "after_select", "eq": true }
        ] },
        "expect": { "passes": true }
    }));
    assert_never_fails(&p);
}

#[test]
fn continue_skips_to_the_next_iteration() {
    // Forward every value but 2: `if v == 2 { continue }`.
    let p = prog(json!({
        "objects": { "in": { "kind": "chan", "cap": 3 }, "out": { "kind": "chan", "cap": 3 } },
        "threads": { "main": [
            { "op": "send", "obj": "in", "value": 1 },
            { "op": "send", "obj": "in", "value": 2 },
            { "op": "send", "obj": "in", "value": 3 },
            { "op": "close", "obj": "in" },
            { "op": "for", "body": [
                { "op": "recv", "obj": "in", "into": "v", "ok": "ok" },
                { "op": "if", "cond": { "var": "ok", "not": true }, "then": [ { "op": "break" } ] },
                { "op": "if", "cond": { "var": "v", "eq": 2 }, "then": [ { "op": "continue" } ] },
                { "op": "send", "obj": "out", "value": { "var": "v" } }
            ] }
        ] },
        "expect": { "passes": true, "final": [ { "obj": "out", "len": 2 } ] }
    }));
    assert_never_fails(&p);
}

#[test]
fn return_leaves_the_function_and_runs_its_defers() {
    let p = prog(json!({
        "objects": { "done": { "kind": "chan" } },
        "procs": { "work": [
            { "op": "defer", "body": [ { "op": "close", "obj": "done" } ] },
            { "op": "return" },
            { "op": "panic", "value": "after return" }
        ] },
        "threads": {
            "worker": [ { "op": "call", "proc": "work" }, { "op": "return" }, { "op": "panic", "value": "after return" } ],
            "main": [ { "op": "recv", "obj": "done" } ]
        },
        "expect": { "passes": true }
    }));
    assert_never_fails(&p);
}

#[test]
fn a_loop_that_never_ends_is_a_livelock_not_a_hang() {
    let p = prog(json!({
        "threads": { "spin": [ { "op": "for", "body": [] } ] },
        "explore": { "max_steps": 200 },
        "expect": { "fails": { "kind": "livelock" } }
    }));
    let f = find(&p);
    assert_eq!(f.signature.kind, FailureKind::Livelock);
    // Every iteration shows in the trace, so the views say what the thread was doing.
    let out = replay(&p, &f.schedule, 200, true).unwrap();
    let lines: Vec<String> = trace_steps(&p, &out).into_iter().map(|s| s.text).collect();
    assert!(lines.iter().any(|t| t == "for, iteration 1"), "{lines:?}");
    assert!(lines.iter().any(|t| t == "for, iteration 50"), "{lines:?}");
}

#[test]
fn break_and_continue_only_where_go_allows_them() {
    for (ops, at, says) in [
        (
            json!([{ "op": "break" }]),
            "$.threads.t[0]",
            "`break` outside a loop or select",
        ),
        (
            json!([{ "op": "select", "cases": [ { "case": "default", "body": [ { "op": "continue" } ] } ] }]),
            "$.threads.t[0].cases[0].body[0]",
            "`continue` outside a loop",
        ),
        (
            json!([{ "op": "for", "body": [ { "op": "break", "label": "outer" } ] }]),
            "$.threads.t[0].body[0]",
            "`break outer`: no enclosing `for` in this function has that label",
        ),
        (
            // A goroutine started in a loop cannot break it.
            json!([{ "op": "for", "body": [
                { "op": "spawn", "thread": "g", "body": [ { "op": "break" } ] }, { "op": "break" } ] }]),
            "$.threads.t[0].body[0].body[0]",
            "`break` outside a loop or select",
        ),
        (
            json!([{ "op": "for", "label": "", "body": [] }]),
            "$.threads.t[0].label",
            "a label is a non-empty name",
        ),
    ] {
        let e = load_error(ops);
        assert!(e.contains(&format!("{at}:")), "{e}");
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn range_over_a_channel_ends_when_it_is_closed_and_drained() {
    let p = prog(json!({
        "objects": { "ch": { "kind": "chan", "cap": 1 }, "out": { "kind": "chan", "cap": 3 } },
        "threads": {
            "producer": [
                { "op": "send", "obj": "ch", "value": 1 },
                { "op": "send", "obj": "ch", "value": 2 },
                { "op": "send", "obj": "ch", "value": 3 },
                { "op": "close", "obj": "ch" }
            ],
            "consumer": [
                { "op": "range", "obj": "ch", "value": "v", "body": [
                    { "op": "send", "obj": "out", "value": { "var": "v" } } ] }
            ]
        },
        "expect": { "passes": true, "final": [ { "obj": "out", "len": 3 } ] }
    }));
    assert_never_fails(&p);
}

#[test]
fn returning_early_from_a_channel_range_leaks_the_sender() {
    // The incident pattern: `for v := range results { if v == bad { return } }` leaves the
    // goroutine that sends the next result blocked forever.
    let p = prog(json!({
        "objects": { "results": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "spawn", "thread": "producer", "body": [
                { "op": "send", "obj": "results", "value": 1 },
                { "op": "send", "obj": "results", "value": 2 },
                { "op": "close", "obj": "results" } ] },
            { "op": "range", "obj": "results", "value": "v", "body": [
                { "op": "if", "cond": { "var": "v", "eq": 1 }, "then": [ { "op": "return" } ] } ] }
        ] },
        "expect": { "fails": { "id": "chan-leak", "thread": "producer" } }
    }));
    let f = find(&p);
    assert_eq!(f.signature.kind, FailureKind::Leak);
    // Without the early return, nothing leaks.
    let fixed = prog(json!({
        "objects": { "results": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "spawn", "thread": "producer", "body": [
                { "op": "send", "obj": "results", "value": 1 },
                { "op": "send", "obj": "results", "value": 2 },
                { "op": "close", "obj": "results" } ] },
            { "op": "range", "obj": "results", "value": "v", "body": [] }
        ] },
        "expect": { "passes": true }
    }));
    assert_never_fails(&fixed);
    let e = load_error(json!([{ "op": "range", "obj": "ch", "key": "k", "body": [] }]));
    assert!(e.contains("$.threads.t[0].key:"), "{e}");
    assert!(e.contains("a channel range gives one value"), "{e}");
}

#[test]
fn repeat_with_an_index_is_for_i_range_n() {
    // `for i := range 3 { if i == 2 { last = true } }`; `i` takes 0, 1, 2 in order.
    let p = prog(json!({
        "objects": { "seen": { "kind": "chan", "cap": 3 } },
        "threads": { "main": [
            { "op": "let", "var": "last", "value": false },
            { "op": "repeat", "times": 3, "index": "i", "body": [
                { "op": "send", "obj": "seen", "value": { "var": "i" } },
                { "op": "if", "cond": { "var": "i", "eq": 2 }, "then": [
                    { "op": "let", "var": "last", "value": true } ] } ] },
            { "op": "assert", "var": "last", "eq": true },
            { "op": "recv", "obj": "seen", "into": "a" },
            { "op": "assert", "var": "a", "eq": 0 },
            { "op": "recv", "obj": "seen", "into": "b" },
            { "op": "assert", "var": "b", "eq": 1 }
        ] },
        "expect": { "passes": true }
    }));
    assert_never_fails(&p);
}

#[test]
fn range_over_a_slice_reads_the_header_once() {
    // `for i, v := range s { s = append(s, 9) }`: two iterations, as Go evaluates `s` once;
    // i and v follow the elements.
    let p = prog(json!({
        "objects": {
            "s": { "kind": "slice", "elems": [10, 20], "cap": 8 },
            "seen": { "kind": "chan", "cap": 8 }
        },
        "threads": { "main": [
            { "op": "range", "obj": "s", "key": "i", "value": "v", "body": [
                { "op": "send", "obj": "seen", "value": { "var": "i" } },
                { "op": "send", "obj": "seen", "value": { "var": "v" } },
                { "op": "append", "obj": "s", "values": [9] } ] },
            { "op": "recv", "obj": "seen", "into": "a" }, { "op": "assert", "var": "a", "eq": 0 },
            { "op": "recv", "obj": "seen", "into": "b" }, { "op": "assert", "var": "b", "eq": 10 },
            { "op": "recv", "obj": "seen", "into": "c" }, { "op": "assert", "var": "c", "eq": 1 },
            { "op": "recv", "obj": "seen", "into": "d" }, { "op": "assert", "var": "d", "eq": 20 }
        ] },
        "expect": { "passes": true, "final": [
            { "obj": "s", "len": 4 }, { "obj": "seen", "len": 0 } ] }
    }));
    assert_never_fails(&p);
}

#[test]
fn breaking_out_of_a_locked_map_range_releases_its_lock() {
    // An rwmutex-map ranges under RLock (RUnlock deferred, as the mitigation is written):
    // `break` and `return` out of the body must not leave the lock held.
    for leave in ["break", "return"] {
        let p = prog(json!({
            "objects": { "m": { "kind": "rwmutex-map" } },
            "procs": { "scan": [
                { "op": "range", "obj": "m", "key": "k", "body": [ { "op": leave } ] } ] },
            "threads": {
                "main": [
                    { "op": "set", "obj": "m", "key": "a", "value": 1 },
                    { "op": "set", "obj": "m", "key": "b", "value": 2 },
                    { "op": "call", "proc": "scan" },
                    { "op": "set", "obj": "m", "key": "c", "value": 3 }
                ]
            },
            "expect": { "passes": true, "final": [ { "obj": "m", "len": 3 } ] }
        }));
        assert_never_fails(&p);
    }
}

/// `n` workers, each `defer wg.Done()`, the one with index `bad` returning early (`skip`)
/// before it registers its Done when `skip` (a missing Done).
fn pool(n: u64, bad: Option<i64>) -> serde_json::Value {
    let early = match bad {
        Some(b) => {
            json!([ { "op": "if", "cond": { "var": "i", "eq": b }, "then": [ { "op": "return" } ] } ])
        }
        None => json!([]),
    };
    let mut body = early.as_array().unwrap().clone();
    body.extend([
        json!({ "op": "defer", "body": [ { "op": "done", "obj": "wg" } ] }),
        json!({ "op": "lock", "obj": "mu" }),
        json!({ "op": "add", "obj": "count", "delta": 1 }),
        json!({ "op": "unlock", "obj": "mu" }),
    ]);
    json!({
        "objects": { "wg": { "kind": "waitgroup" }, "mu": { "kind": "mutex" }, "count": { "kind": "atomic", "value": 0 } },
        "threads": { "main": [
            { "op": "add", "obj": "wg", "delta": n },
            { "op": "repeat", "times": n, "index": "i", "body": [ { "op": "spawn", "thread": "worker", "body": body } ] },
            { "op": "wait", "obj": "wg" }
        ] },
        "expect": { "passes": true, "final": [ { "obj": "count", "holds": n } ] }
    })
}

#[test]
fn a_pool_of_256_workers_runs_and_a_missing_done_among_them_is_found() {
    let p = prog(pool(256, None));
    let x = explore(&p, &ExploreConfig::default().iterations(40)).unwrap();
    assert!(x.findings.is_empty(), "{:?}", sigs(&x));
    assert!(x.limit.is_none(), "{:?}", x.limit);
    let mut v = pool(256, Some(200));
    v["expect"] = json!({ "fails": { "id": "wg-wait-forever" } });
    let f = find(&prog(v));
    assert_eq!(f.signature.kind, FailureKind::Fatal);
}

#[test]
fn a_long_scenario_whose_loops_all_have_bounds_never_counts_as_a_livelock() {
    // 30,000 scheduling points, past the default max_steps of 20,000: a livelock would be a
    // false finding on correct code (every loop ends).
    let p = prog(json!({
        "objects": { "mu": { "kind": "mutex" } },
        "threads": {
            "a": [ { "op": "repeat", "times": 10000, "body": [
                { "op": "lock", "obj": "mu" }, { "op": "unlock", "obj": "mu" }, { "op": "yield" } ] } ],
            "b": [ { "op": "lock", "obj": "mu" }, { "op": "unlock", "obj": "mu" } ]
        },
        "expect": { "passes": true }
    }));
    assert!(p.static_ops.is_some());
    let x = explore(&p, &ExploreConfig::default().iterations(6)).unwrap();
    assert!(x.findings.is_empty(), "{:?}", sigs(&x));
    assert!(x.limit.is_none(), "{:?}", x.limit);
    // A `for` has no static bound: spinning in one is still a livelock at max_steps.
    let p = prog(json!({
        "threads": { "spin": [ { "op": "for", "body": [ { "op": "yield" } ] } ] },
        "expect": { "fails": { "id": "livelock" } }
    }));
    assert!(p.static_ops.is_none());
    let f = find(&p);
    assert_eq!(f.signature.kind, FailureKind::Livelock);
}

/// `func add(a, b int) (sum int)`, `func swap(x, y int) (int, int)`, `func next() int` (a
/// fresh local each call), `func twice() (r int) { defer func() { r *= 2 }(); return 5 }`.
fn funcs() -> serde_json::Value {
    json!({
        "add": { "params": ["a", "b"], "results": ["sum"], "body": [
            { "op": "let", "var": "sum", "expr": "a + b" } ] },
        "swap": { "params": ["x", "y"], "results": ["p", "q"], "body": [
            { "op": "return", "values": [ { "var": "y" }, { "var": "x" } ] } ] },
        "next": { "results": ["out"], "body": [
            { "op": "let", "var": "n", "expr": "n + 1" },
            { "op": "return", "values": [ { "expr": "n" } ] } ] },
        "twice": { "results": ["r"], "body": [
            { "op": "defer", "body": [ { "op": "let", "var": "r", "expr": "r * 2" } ] },
            { "op": "return", "values": [5] } ] }
    })
}

#[test]
fn procs_are_functions_with_parameters_results_and_variables_of_their_own() {
    let v = json!({
        "procs": funcs(),
        "threads": { "t": [
            { "op": "let", "var": "a", "value": 100 },
            { "op": "call", "proc": "add", "args": [1, { "expr": "a - 98" }], "into": ["s"] },
            { "op": "call", "proc": "swap", "args": [1, 2], "into": ["u", "w"] },
            { "op": "call", "proc": "next", "into": ["n1"] },
            { "op": "call", "proc": "next", "into": ["n2"] },
            { "op": "call", "proc": "twice", "into": ["d"] },
            { "op": "assert", "cond": "s == 3 && u == 2 && w == 1 && a == 100" },
            { "op": "assert", "cond": "n1 == 1 && n2 == 1", "message": "locals are fresh per call" },
            { "op": "assert", "cond": "d == 10", "message": "a deferred call changes a named result" }
        ] }
    });
    never_fails(v, serde_json::Value::Null);
}

#[test]
fn a_function_starts_goroutines_that_call_functions() {
    // `func start(n int) { for i := range n { go work(i) } }` with `work` sending its id.
    let v = json!({
        "objects": { "out": { "kind": "chan", "cap": 8 } },
        "procs": {
            "start": { "params": ["n"], "body": [
                { "op": "repeat", "times": "n", "index": "i", "body": [
                    { "op": "spawn", "thread": "worker", "body": [
                        { "op": "call", "proc": "work", "args": [ { "var": "i" } ] } ] } ] } ] },
            "work": { "params": ["id"], "body": [
                { "op": "send", "obj": "out", "value": { "expr": "id * 10" } } ] }
        },
        "threads": { "main": [
            { "op": "call", "proc": "start", "args": [3] },
            { "op": "let", "var": "total", "value": 0 },
            { "op": "repeat", "times": 3, "body": [
                { "op": "recv", "obj": "out", "into": "x" },
                { "op": "let", "var": "total", "expr": "total + x" } ] },
            { "op": "assert", "cond": "total == 30" }
        ] }
    });
    never_fails(v, serde_json::Value::Null);
}

#[test]
fn malformed_functions_are_refused_with_the_place() {
    let load = |procs: serde_json::Value, ops: serde_json::Value| {
        let text = serde_json::to_string_pretty(&json!({
            "schema": "hazard/scenario/v1", "name": "bad",
            "procs": procs, "threads": { "t": ops }, "expect": { "passes": true }
        }))
        .unwrap();
        load_str(&text, "bad.json")
            .expect_err("refused")
            .to_string()
    };
    let cases = [
        (
            json!([ { "op": "call", "proc": "add", "args": [1] } ]),
            "$.threads.t[0].args: not enough arguments in call to add: have 1, want 2",
        ),
        (
            json!([ { "op": "call", "proc": "add", "args": [1, 2, 3] } ]),
            "too many arguments in call to add: have 3, want 2",
        ),
        (
            json!([ { "op": "call", "proc": "swap", "args": [1, 2], "into": ["u"] } ]),
            "$.threads.t[0].into: assignment mismatch: 1 variable but swap returns 2 values",
        ),
        (
            json!([ { "op": "return", "values": [1] } ]),
            "$.threads.t[0].values: too many return values: have 1, want 0",
        ),
        (
            json!([ { "op": "call", "proc": "add", "args": ["x", 2] } ]),
            "$.procs.add.body[0].expr: invalid operation: a + b (mismatched types string and int)",
        ),
    ];
    for (ops, want) in cases {
        let e = load(funcs(), ops.clone());
        assert!(e.contains(want), "{ops}:\n{e}");
    }
    let mut dup = funcs();
    dup["add"]["params"] = json!(["a", "a"]);
    let e = load(dup, json!([]));
    assert!(
        e.contains("$.procs.add.params[1]: `a`: a parameter or result needs a name of its own"),
        "{e}"
    );
    let mut bad = funcs();
    bad["add"]["body"][0]["op"] = json!("lett");
    let e = load(bad, json!([]));
    assert!(
        e.contains("$.procs.add.body[0].op: unknown op `lett`; did you mean `let`?"),
        "{e}"
    );
    let mut inner = funcs();
    inner["next"]["body"] =
        json!([ { "op": "spawn", "thread": "w", "body": [ { "op": "return", "values": [1] } ] } ]);
    let e = load(inner, json!([]));
    assert!(e.contains("too many return values: have 1, want 0"), "{e}");
}
