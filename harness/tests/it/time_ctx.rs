//! Fidelity of the virtual-time and context ports to HAZARDS.md ("context" and "time"): the
//! return values of Stop and Reset (Go ≥ 1.23, synchronous timer channels), AfterFunc timers,
//! context cancellation, causes, AfterFunc and values, and the rule that a pending timer means
//! the program is not deadlocked yet.
//!
//! Values are checked inside the scenarios with `assert` ops: a wrong return value makes the
//! scenario fail with kind `assertion`, and the exhaustive DFS (which must exhaust its bound)
//! requires that no interleaving, including every point where the clock may fire, fails.
//! A nil value is checked with `"not": true` (nil is falsy; `"eq": null` means "no `eq`").

use crate::helpers::*;
use harness::explore::{replay, Finding, Signature};
use harness::model::{FailureKind, WaitReason};
use harness::report::{trace_steps, TraceStep};
use serde_json::{json, Value as Json};

const DEADLOCK: &str = "all goroutines are asleep - deadlock!";
const NIL_PARENT: &str = "cannot create context from nil parent";
const CANCELED: &str = "context canceled";
const DEADLINE: &str = "context deadline exceeded";

/// Every distinct failure of the scenario (its `expect` replaced by [`collect_all`]),
/// DFS-exhaustive.
fn failures(mut v: Json) -> Vec<Signature> {
    v["expect"] = collect_all();
    all_failures(&prog(v))
}

/// The scenario passes in every interleaving within the bound (DFS-exhaustive).
fn never_fails(mut v: Json) {
    v["expect"] = json!({ "passes": true });
    assert_never_fails(&prog(v));
}

/// The finding that meets the scenario's `expect.fails`, and the step trace of its replay.
fn traced(v: Json) -> (Finding, Vec<TraceStep>) {
    let p = prog(v);
    let f = find(&p);
    let out = replay(&p, &f.schedule, 20_000, true).expect("the finding replays");
    assert_eq!(out.signature.as_ref(), Some(&f.signature));
    let trace = trace_steps(&p, &out);
    (f, trace)
}

/// Index of the first trace line whose text is exactly `text`.
#[track_caller]
fn line(trace: &[TraceStep], text: &str) -> usize {
    trace
        .iter()
        .position(|t| t.text == text)
        .unwrap_or_else(|| {
            let all: Vec<_> = trace.iter().map(|t| (&t.thread, &t.text)).collect();
            panic!("no trace line `{text}` in {all:#?}")
        })
}

/// `{"op": "assert", ...}` that `var` equals `eq`.
fn is(var: &str, eq: Json) -> Json {
    json!({ "op": "assert", "var": var, "eq": eq })
}

/// `{"op": "assert", ...}` that `var` differs from `eq`.
fn isnt(var: &str, eq: Json) -> Json {
    json!({ "op": "assert", "var": var, "eq": eq, "not": true })
}

/// `{"op": "assert", ...}` that `var` is nil (falsy).
fn is_nil(var: &str) -> Json {
    json!({ "op": "assert", "var": var, "not": true })
}

/// An op that always fails the execution with `message` when it runs.
fn unreachable(message: &str) -> Json {
    json!({ "op": "assert", "var": "never_set_true", "message": message })
}

/// A select that fails the execution if `obj` can be received from now, else takes default.
fn not_ready(obj: &str, message: &str) -> Json {
    json!({ "op": "select", "cases": [
        { "case": "recv", "obj": obj, "body": [ unreachable(message) ] },
        { "case": "default" }
    ] })
}

/// Variables `unreachable` reads must be set somewhere in the scenario.
fn decl_never() -> Json {
    json!({ "op": "let", "var": "never_set_true", "value": false })
}

// =============================================================================================
// time.Timer: Stop

#[test]
fn stop_of_a_timer_not_yet_received_returns_true() {
    // Pending, or fired but not received (the clock may fire it before Stop): true either way.
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1h" } },
        "threads": { "main": [
            { "op": "stop", "obj": "t", "into": "s" },
            is("s", json!(true))
        ] }
    }));
    // The same for a timer made by the NewTimer op.
    never_fails(json!({
        "objects": { "t": { "kind": "timer" } },
        "threads": { "main": [
            { "op": "new_timer", "obj": "t", "after": "1s" },
            { "op": "stop", "obj": "t", "into": "s" },
            is("s", json!(true))
        ] }
    }));
}

#[test]
fn stop_of_a_fired_unreceived_timer_returns_true_and_drops_the_value() {
    // The 1s timer fires while main sleeps 2s; Stop still reports true, and no stale value can
    // be received afterwards (Go 1.23 synchronous timer channels).
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1s" } },
        "threads": { "main": [
            decl_never(),
            { "op": "sleep", "for": "2s" },
            { "op": "stop", "obj": "t", "into": "s" },
            is("s", json!(true)),
            not_ready("t", "stale timer value received after Stop")
        ] }
    }));
    // A receive after Stop blocks forever: the only failure is that receiver's leak.
    let sigs = failures(json!({
        "objects": { "t": { "kind": "timer", "after": "1s" } },
        "threads": { "main": [
            { "op": "sleep", "for": "2s" },
            { "op": "stop", "obj": "t" },
            { "op": "spawn", "thread": "r", "body": [ { "op": "recv", "obj": "t" } ] }
        ] }
    }));
    assert_sig(
        only(&sigs),
        "chan-leak",
        FailureKind::Leak,
        "goroutine leak: r [chan receive] blocked forever",
        Some("r"),
    );
}

#[test]
fn stop_after_the_value_was_received_returns_false() {
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1s" } },
        "threads": { "main": [
            { "op": "recv", "obj": "t", "into": "v", "ok": "ok" },
            is("ok", json!(true)),
            // The value is the virtual time it fired at, in ns.
            is("v", json!(1_000_000_000i64)),
            { "op": "stop", "obj": "t", "into": "s" },
            is("s", json!(false))
        ] }
    }));
}

#[test]
fn a_second_stop_returns_false_and_does_not_panic() {
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1h" } },
        "threads": { "main": [
            { "op": "stop", "obj": "t", "into": "s1" },
            is("s1", json!(true)),
            { "op": "stop", "obj": "t", "into": "s2" },
            is("s2", json!(false)),
            { "op": "stop", "obj": "t", "into": "s3" },
            is("s3", json!(false))
        ] }
    }));
}

// =============================================================================================
// time.Timer: Reset

#[test]
fn reset_of_a_timer_not_yet_received_returns_true() {
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1h" } },
        "threads": { "main": [
            { "op": "reset", "obj": "t", "after": "1h", "into": "r" },
            is("r", json!(true))
        ] }
    }));
}

#[test]
fn reset_of_a_fired_unreceived_timer_returns_true_and_drops_the_stale_value() {
    // Fired at t=1s (before the 2s sleep ends), not received; Reset re-arms it for 1h: the next
    // value received is the new one (at least 1h later), never the stale t=1s.
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1s" } },
        "threads": { "main": [
            { "op": "sleep", "for": "2s" },
            { "op": "reset", "obj": "t", "after": "1h", "into": "r" },
            is("r", json!(true)),
            { "op": "recv", "obj": "t", "into": "v" },
            isnt("v", json!(1_000_000_000i64))
        ] }
    }));
}

#[test]
fn reset_after_the_value_was_received_or_after_stop_returns_false_and_rearms() {
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1s" } },
        "threads": { "main": [
            { "op": "recv", "obj": "t", "into": "v1" },
            is("v1", json!(1_000_000_000i64)),
            { "op": "reset", "obj": "t", "after": "1s", "into": "r" },
            is("r", json!(false)),
            { "op": "recv", "obj": "t", "into": "v2" },
            is("v2", json!(2_000_000_000i64))
        ] }
    }));
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1h" } },
        "threads": { "main": [
            { "op": "stop", "obj": "t", "into": "s" },
            is("s", json!(true)),
            { "op": "reset", "obj": "t", "after": "1s", "into": "r" },
            is("r", json!(false)),
            // Re-armed: a value comes, and it is not one the clock sent before the Stop (at 1h).
            { "op": "recv", "obj": "t", "into": "v" },
            isnt("v", json!(3_600_000_000_000i64))
        ] }
    }));
}

// =============================================================================================
// Uninitialised timers

#[test]
fn stop_and_reset_of_an_uninitialized_timer_panic() {
    for (op, msg) in [
        (
            json!({ "op": "stop", "obj": "t" }),
            "time: Stop called on uninitialized Timer",
        ),
        (
            json!({ "op": "reset", "obj": "t", "after": "1s" }),
            "time: Reset called on uninitialized Timer",
        ),
    ] {
        let s = found(json!({
            "objects": { "t": { "kind": "timer" } },
            "threads": { "main": [ op ] },
            "expect": { "fails": { "message": msg } }
        }));
        assert_sig(&s, "panic", FailureKind::Panic, msg, Some("main"));
        assert_eq!(s.op.as_deref(), Some("$.threads.main[0]"));
        // It is a panic: recover catches it with the message as its value.
        never_fails(json!({
            "objects": { "t": { "kind": "timer" } },
            "threads": { "main": [
                { "op": "recover", "into": "err", "body": [ op ] },
                is("err", json!(msg))
            ] }
        }));
    }
}

#[test]
fn receive_from_an_uninitialized_timer_blocks_forever() {
    // A zero Timer's C is a nil channel.
    let sigs = failures(json!({
        "objects": { "t": { "kind": "timer" } },
        "threads": { "main": [
            { "op": "spawn", "thread": "r", "body": [ { "op": "recv", "obj": "t" } ] }
        ] }
    }));
    assert_sig(
        only(&sigs),
        "chan-nil-block",
        FailureKind::Leak,
        "goroutine leak: r [chan receive (nil chan)] blocked forever",
        Some("r"),
    );
}

// =============================================================================================
// time.AfterFunc

#[test]
fn afterfunc_stop_returns_false_once_f_started_even_while_f_runs() {
    // f starts at t=1s and waits on `gate`; at t=2s it is still running, and Stop says false.
    never_fails(json!({
        "objects": {
            "t": { "kind": "timer" },
            "gate": { "kind": "chan" },
            "done": { "kind": "chan" }
        },
        "threads": { "main": [
            { "op": "after_func", "obj": "t", "after": "1s", "thread": "f", "body": [
                { "op": "recv", "obj": "gate" },
                { "op": "close", "obj": "done" }
            ] },
            { "op": "sleep", "for": "2s" },
            { "op": "stop", "obj": "t", "into": "s" },
            is("s", json!(false)),
            { "op": "close", "obj": "gate" },
            { "op": "recv", "obj": "done" }
        ] }
    }));
}

#[test]
fn afterfunc_stop_that_returns_true_prevents_f() {
    // When Stop wins the race against the clock it returns true and f never runs, not even
    // long after its time; when it loses it returns false and f runs.
    never_fails(json!({
        "objects": {
            "t": { "kind": "timer" },
            "ran": { "kind": "chan" }
        },
        "threads": { "main": [
            decl_never(),
            { "op": "after_func", "obj": "t", "after": "1h", "thread": "f", "body": [
                { "op": "close", "obj": "ran" }
            ] },
            { "op": "stop", "obj": "t", "into": "s" },
            { "op": "if", "cond": { "var": "s" },
              "then": [
                { "op": "sleep", "for": "2h" },
                not_ready("ran", "f ran although Stop returned true")
              ],
              "else": [ { "op": "recv", "obj": "ran" } ] }
        ] }
    }));
}

#[test]
fn afterfunc_reset_after_f_ran_runs_f_again() {
    // Reset of a fired AfterFunc timer re-arms it (no panic) and returns false; f runs a second
    // time in a new thread, `f#2`. Both runs always happen: the only failure is the final panic.
    let v = json!({
        "objects": {
            "t": { "kind": "timer" },
            "ran": { "kind": "chan", "cap": 2 }
        },
        "threads": { "main": [
            { "op": "after_func", "obj": "t", "after": "1s", "thread": "f", "body": [
                { "op": "send", "obj": "ran", "value": 1 }
            ] },
            { "op": "sleep", "for": "2s" },
            { "op": "reset", "obj": "t", "after": "1s", "into": "r" },
            is("r", json!(false)),
            { "op": "recv", "obj": "ran" },
            { "op": "recv", "obj": "ran" },
            { "op": "panic", "value": "f ran twice" }
        ] },
        "expect": { "fails": { "message": "f ran twice" } }
    });
    let sigs = failures(v.clone());
    assert_sig(
        only(&sigs),
        "panic",
        FailureKind::Panic,
        "f ran twice",
        Some("main"),
    );
    let (f, trace) = traced(v);
    assert!(f.threads.iter().any(|t| t == "f"), "{:?}", f.threads);
    assert!(f.threads.iter().any(|t| t == "f#2"), "{:?}", f.threads);
    // The clock starts f twice, once before the Reset and once after.
    let fires: Vec<usize> = (0..trace.len())
        .filter(|&i| {
            trace[i].thread == "(clock)" && trace[i].text.ends_with(": timer fires: go f()")
        })
        .collect();
    let reset = line(&trace, "t.Reset(1s) -> false");
    assert_eq!(fires.len(), 2, "{trace:#?}");
    assert_eq!(trace[fires[0]].text, "t=1s: timer fires: go f()");
    assert!(fires[0] < reset && reset < fires[1], "{trace:#?}");
}

#[test]
fn afterfunc_reset_of_a_pending_timer_returns_true_and_f_runs_once() {
    never_fails(json!({
        "objects": {
            "t": { "kind": "timer" },
            "ran": { "kind": "chan", "cap": 2 }
        },
        "threads": { "main": [
            decl_never(),
            { "op": "after_func", "obj": "t", "after": "1h", "thread": "f", "body": [
                { "op": "send", "obj": "ran", "value": 1 }
            ] },
            { "op": "reset", "obj": "t", "after": "1h", "into": "r" },
            { "op": "if", "cond": { "var": "r" },
              "then": [
                // Rescheduled: f runs once.
                { "op": "recv", "obj": "ran" },
                { "op": "sleep", "for": "3h" },
                not_ready("ran", "f ran twice after a Reset that returned true")
              ],
              "else": [
                // The clock fired before Reset: f runs again.
                { "op": "recv", "obj": "ran" },
                { "op": "recv", "obj": "ran" }
              ] }
        ] }
    }));
}

// =============================================================================================
// context: Err, Cause, cancellation

#[test]
fn err_is_nil_then_canceled() {
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context" }
        },
        "threads": { "main": [
            { "op": "err", "obj": "bg", "into": "bgErr" },
            is_nil("bgErr"),
            { "op": "with_cancel", "obj": "c", "parent": "bg" },
            { "op": "err", "obj": "c", "into": "e0" },
            is_nil("e0"),
            { "op": "cause", "obj": "c", "into": "c0" },
            is_nil("c0"),
            { "op": "cancel", "obj": "c" },
            { "op": "err", "obj": "c", "into": "e1" },
            is("e1", json!(CANCELED)),
            { "op": "cause", "obj": "c", "into": "c1" },
            is("c1", json!(CANCELED)),
            { "op": "recv", "obj": "c", "ok": "ok" },
            is("ok", json!(false))
        ] }
    }));
}

#[test]
fn err_is_deadline_exceeded_after_the_timeout() {
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context" },
            "d": { "kind": "context", "parent": "bg", "timeout": "1s" },
            "dl": { "kind": "context", "parent": "bg", "deadline": "1s" }
        },
        "threads": { "main": [
            { "op": "with_timeout", "obj": "c", "parent": "bg", "after": "1s" },
            { "op": "sleep", "for": "2s" },
            { "op": "err", "obj": "c", "into": "e" },
            is("e", json!(DEADLINE)),
            { "op": "cause", "obj": "c", "into": "why" },
            is("why", json!(DEADLINE)),
            { "op": "err", "obj": "d", "into": "ed" },
            is("ed", json!(DEADLINE)),
            { "op": "err", "obj": "dl", "into": "edl" },
            is("edl", json!(DEADLINE))
        ] }
    }));
}

#[test]
fn the_first_cancellation_and_its_cause_win() {
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context", "parent": "bg" },
            "t": { "kind": "context" },
            "u": { "kind": "context" }
        },
        "threads": { "main": [
            { "op": "cancel", "obj": "c", "cause": "first" },
            { "op": "cancel", "obj": "c", "cause": "second" },
            { "op": "cancel", "obj": "c" },
            { "op": "err", "obj": "c", "into": "e" },
            is("e", json!(CANCELED)),
            { "op": "cause", "obj": "c", "into": "why" },
            is("why", json!("first")),
            // The deadline first: a later cancel is a no-op.
            { "op": "with_timeout", "obj": "t", "parent": "bg", "after": "1s" },
            { "op": "sleep", "for": "2s" },
            { "op": "cancel", "obj": "t", "cause": "late" },
            { "op": "err", "obj": "t", "into": "te" },
            is("te", json!(DEADLINE)),
            { "op": "cause", "obj": "t", "into": "twhy" },
            is("twhy", json!(DEADLINE)),
            // A cancel racing with a 1h deadline (the clock may fire first): whichever came
            // first stays, also after the deadline's time has passed.
            { "op": "with_timeout", "obj": "u", "parent": "bg", "after": "1h" },
            { "op": "cancel", "obj": "u", "cause": "early" },
            { "op": "err", "obj": "u", "into": "ue1" },
            { "op": "cause", "obj": "u", "into": "uwhy1" },
            { "op": "sleep", "for": "2h" },
            { "op": "err", "obj": "u", "into": "ue2" },
            { "op": "cause", "obj": "u", "into": "uwhy2" },
            { "op": "if", "cond": { "var": "ue1", "eq": CANCELED },
              "then": [ is("uwhy1", json!("early")), is("ue2", json!(CANCELED)), is("uwhy2", json!("early")) ],
              "else": [
                is("ue1", json!(DEADLINE)), is("uwhy1", json!(DEADLINE)),
                is("ue2", json!(DEADLINE)), is("uwhy2", json!(DEADLINE))
              ] }
        ] }
    }));
}

#[test]
fn concurrent_cancels_one_cause_wins_for_good() {
    // Two cancels race; whichever is first stays: the cause read after both is one of them,
    // and reading it again gives the same.
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context", "parent": "bg" },
            "wg": { "kind": "waitgroup" }
        },
        "threads": { "main": [
            { "op": "add", "obj": "wg", "delta": 2 },
            { "op": "spawn", "thread": "a", "body": [
                { "op": "cancel", "obj": "c", "cause": "a" }, { "op": "done", "obj": "wg" } ] },
            { "op": "spawn", "thread": "b", "body": [
                { "op": "cancel", "obj": "c", "cause": "b" }, { "op": "done", "obj": "wg" } ] },
            { "op": "recv", "obj": "c" },
            { "op": "cause", "obj": "c", "into": "w1" },
            { "op": "wait", "obj": "wg" },
            { "op": "cause", "obj": "c", "into": "w2" },
            { "op": "if", "cond": { "var": "w1", "eq": "a" },
              "then": [ is("w2", json!("a")) ],
              "else": [ is("w1", json!("b")), is("w2", json!("b")) ] }
        ] }
    }));
}

#[test]
fn parent_cancel_closes_every_descendants_done() {
    // bg → parent → child → value ctx → grandchild; cancelling parent wakes a receiver on the
    // grandchild with ok false, and every descendant reports the parent's error and cause.
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "parent": { "kind": "context", "parent": "bg" },
            "child": { "kind": "context", "parent": "parent" },
            "val": { "kind": "context" },
            "grandchild": { "kind": "context" }
        },
        "threads": {
            "waiter": [
                { "op": "with_value", "obj": "val", "parent": "child", "key": "k", "value": 1 },
                { "op": "with_cancel", "obj": "grandchild", "parent": "val" },
                { "op": "spawn", "thread": "canceller", "body": [
                    { "op": "cancel", "obj": "parent", "cause": "shutdown" }
                ] },
                { "op": "recv", "obj": "grandchild", "into": "v", "ok": "ok" },
                is("ok", json!(false)),
                is_nil("v"),
                { "op": "recv", "obj": "val", "ok": "vok" },
                is("vok", json!(false)),
                { "op": "err", "obj": "grandchild", "into": "e" },
                is("e", json!(CANCELED)),
                { "op": "cause", "obj": "grandchild", "into": "why" },
                is("why", json!("shutdown")),
                { "op": "err", "obj": "child", "into": "ce" },
                is("ce", json!(CANCELED)),
                // A later cancel of the descendant is a no-op: the parent's cause stays.
                { "op": "cancel", "obj": "grandchild", "cause": "mine" },
                { "op": "cause", "obj": "grandchild", "into": "why2" },
                is("why2", json!("shutdown"))
            ]
        }
    }));
    // A child's cancel does not reach its parent.
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "parent": { "kind": "context", "parent": "bg" },
            "child": { "kind": "context", "parent": "parent" }
        },
        "threads": { "main": [
            decl_never(),
            { "op": "cancel", "obj": "child" },
            { "op": "err", "obj": "parent", "into": "pe" },
            is_nil("pe"),
            not_ready("parent", "the parent's Done closed by a child's cancel")
        ] }
    }));
}

#[test]
fn a_child_of_a_cancelled_parent_is_born_cancelled_without_panic() {
    let v = json!({
        "objects": {
            "bg": { "kind": "context" },
            "parent": { "kind": "context", "parent": "bg" },
            "c": { "kind": "context" },
            "t": { "kind": "context" }
        },
        "threads": { "main": [
            { "op": "cancel", "obj": "parent", "cause": "gone" },
            { "op": "with_cancel", "obj": "c", "parent": "parent" },
            { "op": "err", "obj": "c", "into": "e" },
            is("e", json!(CANCELED)),
            { "op": "cause", "obj": "c", "into": "why" },
            is("why", json!("gone")),
            { "op": "recv", "obj": "c", "ok": "ok" },
            is("ok", json!(false)),
            // WithTimeout too: the parent's error, not deadline exceeded.
            { "op": "with_timeout", "obj": "t", "parent": "parent", "after": "1h" },
            { "op": "err", "obj": "t", "into": "te" },
            is("te", json!(CANCELED)),
            { "op": "panic", "value": "end" }
        ] },
        "expect": { "fails": { "message": "end" } }
    });
    // No panic but the final one.
    let sigs = failures(v.clone());
    assert_sig(
        only(&sigs),
        "panic",
        FailureKind::Panic,
        "end",
        Some("main"),
    );
    let (_, trace) = traced(v);
    line(
        &trace,
        "c = context.WithCancel(parent): born cancelled (context canceled)",
    );
    line(
        &trace,
        "t = context.WithTimeout(parent, 1h0m0s): born cancelled (context canceled)",
    );
}

#[test]
fn a_nil_parent_panics() {
    for (i, op) in [
        json!({ "op": "with_cancel", "obj": "c", "parent": "np" }),
        json!({ "op": "with_timeout", "obj": "c", "parent": "np", "after": "1s" }),
        json!({ "op": "with_value", "obj": "c", "parent": "np", "key": "k", "value": 1 }),
    ]
    .into_iter()
    .enumerate()
    {
        let s = found(json!({
            "objects": {
                "np": { "kind": "context", "nil": true },
                "c": { "kind": "context" }
            },
            "threads": { "t": [ op.clone() ] },
            "expect": { "fails": { "message": NIL_PARENT } }
        }));
        assert_sig(
            &s,
            "ctx-cancelled-parent",
            FailureKind::Panic,
            NIL_PARENT,
            Some("t"),
        );
        assert_eq!(s.op.as_deref(), Some("$.threads.t[0]"), "case {i}");
        // A panic, not a fatal error: recover catches it.
        never_fails(json!({
            "objects": {
                "np": { "kind": "context", "nil": true },
                "c": { "kind": "context" }
            },
            "threads": { "t": [
                { "op": "recover", "into": "err", "body": [ op ] },
                is("err", json!(NIL_PARENT))
            ] }
        }));
    }
}

// =============================================================================================
// context.AfterFunc

#[test]
fn ctx_afterfunc_runs_f_when_cancelled_and_not_before() {
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context", "parent": "bg" },
            "stop": { "kind": "timer" },
            "ran": { "kind": "chan" }
        },
        "threads": { "main": [
            decl_never(),
            { "op": "after_func", "obj": "stop", "ctx": "c", "thread": "f", "body": [
                { "op": "close", "obj": "ran" }
            ] },
            { "op": "yield" },
            not_ready("ran", "f ran before the context was cancelled"),
            { "op": "cancel", "obj": "c" },
            { "op": "recv", "obj": "ran" },
            { "op": "stop", "obj": "stop", "into": "s" },
            is("s", json!(false))
        ] }
    }));
    // Without the cancel, f never runs: main blocks forever (a global deadlock).
    let sigs = failures(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context", "parent": "bg" },
            "stop": { "kind": "timer" },
            "ran": { "kind": "chan" }
        },
        "threads": { "main": [
            { "op": "after_func", "obj": "stop", "ctx": "c", "thread": "f", "body": [
                { "op": "close", "obj": "ran" }
            ] },
            { "op": "recv", "obj": "ran" }
        ] }
    }));
    assert_sig(only(&sigs), "deadlock", FailureKind::Fatal, DEADLOCK, None);
}

#[test]
fn ctx_afterfunc_runs_f_at_once_if_already_cancelled() {
    let v = json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context", "parent": "bg" },
            "stop": { "kind": "timer" },
            "ran": { "kind": "chan" }
        },
        "threads": { "main": [
            { "op": "cancel", "obj": "c" },
            { "op": "after_func", "obj": "stop", "ctx": "c", "body": [
                { "op": "close", "obj": "ran" }
            ] },
            { "op": "stop", "obj": "stop", "into": "s" },
            is("s", json!(false)),
            { "op": "recv", "obj": "ran" },
            { "op": "panic", "value": "end" }
        ] },
        "expect": { "fails": { "message": "end" } }
    });
    let sigs = failures(v.clone());
    assert_sig(
        only(&sigs),
        "panic",
        FailureKind::Panic,
        "end",
        Some("main"),
    );
    let (f, trace) = traced(v);
    // f runs in its own thread, named `<obj>.f` by default.
    assert!(f.threads.iter().any(|t| t == "stop.f"), "{:?}", f.threads);
    line(
        &trace,
        "context.AfterFunc(c, stop.f): already cancelled, starts f",
    );
}

#[test]
fn ctx_afterfunc_stop_is_true_only_before_f_started_and_once() {
    // stop() first: true, then false; f never runs even after the cancel.
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context", "parent": "bg" },
            "stop": { "kind": "timer" },
            "ran": { "kind": "chan" }
        },
        "threads": { "main": [
            decl_never(),
            { "op": "after_func", "obj": "stop", "ctx": "c", "thread": "f", "body": [
                { "op": "close", "obj": "ran" }
            ] },
            { "op": "stop", "obj": "stop", "into": "s1" },
            is("s1", json!(true)),
            { "op": "stop", "obj": "stop", "into": "s2" },
            is("s2", json!(false)),
            { "op": "cancel", "obj": "c" },
            { "op": "yield" },
            not_ready("ran", "f ran although stop() returned true")
        ] }
    }));
    // stop() races with the cancel: true means f never runs, false means it does.
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context", "parent": "bg" },
            "stop": { "kind": "timer" },
            "ran": { "kind": "chan" }
        },
        "threads": { "main": [
            decl_never(),
            { "op": "after_func", "obj": "stop", "ctx": "c", "thread": "f", "body": [
                { "op": "close", "obj": "ran" }
            ] },
            { "op": "spawn", "thread": "canceller", "body": [ { "op": "cancel", "obj": "c" } ] },
            { "op": "stop", "obj": "stop", "into": "s" },
            { "op": "if", "cond": { "var": "s" },
              "then": [
                { "op": "recv", "obj": "c" },
                { "op": "yield" },
                not_ready("ran", "f ran although stop() returned true")
              ],
              "else": [ { "op": "recv", "obj": "ran" } ] },
            { "op": "stop", "obj": "stop", "into": "again" },
            is("again", json!(false))
        ] }
    }));
}

#[test]
fn ctx_afterfunc_on_background_never_runs_and_stop_returns_true() {
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "stop": { "kind": "timer" },
            "ran": { "kind": "chan" }
        },
        "threads": { "main": [
            decl_never(),
            { "op": "after_func", "obj": "stop", "ctx": "bg", "body": [
                { "op": "close", "obj": "ran" }
            ] },
            { "op": "yield" },
            not_ready("ran", "f ran for a context that is never cancelled"),
            { "op": "stop", "obj": "stop", "into": "s" },
            is("s", json!(true))
        ] }
    }));
}

// =============================================================================================
// context.WithValue

#[test]
fn with_value_looks_keys_up_through_the_chain() {
    never_fails(json!({
        "objects": {
            "bg": { "kind": "context" },
            "user": { "kind": "context" },
            "cancel": { "kind": "context" },
            "trace": { "kind": "context" },
            "shadow": { "kind": "context" }
        },
        "threads": { "main": [
            { "op": "with_value", "obj": "user", "parent": "bg", "key": "user", "value": "ann" },
            { "op": "with_cancel", "obj": "cancel", "parent": "user" },
            { "op": "with_value", "obj": "trace", "parent": "cancel", "key": "trace", "value": 7 },
            { "op": "value", "obj": "trace", "key": "user", "into": "u" },
            is("u", json!("ann")),
            { "op": "value", "obj": "trace", "key": "trace", "into": "t" },
            is("t", json!(7)),
            { "op": "value", "obj": "trace", "key": "missing", "into": "m" },
            is_nil("m"),
            // A key set below is not visible above.
            { "op": "value", "obj": "user", "key": "trace", "into": "up" },
            is_nil("up"),
            // The nearest value wins.
            { "op": "with_value", "obj": "shadow", "parent": "trace", "key": "user", "value": "bob" },
            { "op": "value", "obj": "shadow", "key": "user", "into": "s" },
            is("s", json!("bob")),
            { "op": "value", "obj": "trace", "key": "user", "into": "u2" },
            is("u2", json!("ann")),
            // Keys compare exactly: 1 is not "1".
            { "op": "value", "obj": "trace", "key": "7", "into": "typed" },
            is_nil("typed"),
            // A value context shares its parent's cancellation.
            { "op": "cancel", "obj": "cancel" },
            { "op": "recv", "obj": "shadow", "ok": "ok" },
            is("ok", json!(false)),
            { "op": "err", "obj": "shadow", "into": "e" },
            is("e", json!(CANCELED))
        ] }
    }));
}

// =============================================================================================
// Virtual time: pending timers and deadlock

#[test]
fn a_pending_timer_is_not_a_deadlock_until_it_fires() {
    // Every thread blocked, but the timer is pending: the clock fires it and the waiter goes on.
    never_fails(json!({
        "objects": { "t": { "kind": "timer", "after": "1h" } },
        "threads": { "waiter": [ { "op": "recv", "obj": "t", "ok": "ok" }, is("ok", json!(true)) ] }
    }));

    // A sleeper's wake-up is a pending timer: the waiter's deadlock is reported only after it.
    let v = json!({
        "objects": { "c": { "kind": "chan" } },
        "threads": {
            "sleeper": [ { "op": "sleep", "for": "1h" } ],
            "waiter": [ { "op": "recv", "obj": "c" } ]
        },
        "expect": { "fails": { "id": "deadlock" } }
    });
    let sigs = failures(v.clone());
    assert_sig(only(&sigs), "deadlock", FailureKind::Fatal, DEADLOCK, None);
    let (f, trace) = traced(v);
    let blocked: Vec<(String, WaitReason)> = f
        .failed
        .failure
        .blocked()
        .iter()
        .map(|b| (b.thread.clone(), b.reason))
        .collect();
    assert_eq!(
        blocked,
        vec![
            ("main".to_string(), WaitReason::WaitGroupWait),
            ("waiter".to_string(), WaitReason::ChanReceive)
        ]
    );
    let wake = line(&trace, "t=1h0m0s: sleeper wakes from sleep");
    let fail = trace
        .iter()
        .position(|t| t.text.starts_with(&format!("fatal error: {DEADLOCK}")))
        .expect("the deadlock is in the trace");
    assert!(wake < fail, "{trace:#?}");
    assert_eq!(trace[wake].thread, "(clock)");

    // The same with a spawned waiter: a leak, also reported only after the wake-up.
    let v = json!({
        "objects": { "c": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "spawn", "thread": "w", "body": [ { "op": "recv", "obj": "c" } ] },
            { "op": "sleep", "for": "1h" }
        ] },
        "expect": { "fails": { "kind": "leak" } }
    });
    let sigs = failures(v.clone());
    assert_sig(
        only(&sigs),
        "chan-leak",
        FailureKind::Leak,
        "goroutine leak: w [chan receive] blocked forever",
        Some("w"),
    );
    let (_, trace) = traced(v);
    let wake = line(&trace, "t=1h0m0s: main wakes from sleep");
    let fail = line(
        &trace,
        "hazard: goroutine leak: w [chan receive] blocked forever",
    );
    assert!(wake < fail, "{trace:#?}");
}

#[test]
fn an_hour_long_timeout_finishes() {
    // The wait takes no wall time: the clock jumps to the deadline.
    let v = json!({
        "objects": {
            "bg": { "kind": "context" },
            "c": { "kind": "context" }
        },
        "threads": { "main": [
            { "op": "with_timeout", "obj": "c", "parent": "bg", "after": "1h" },
            { "op": "recv", "obj": "c", "ok": "ok" },
            is("ok", json!(false)),
            { "op": "err", "obj": "c", "into": "e" },
            is("e", json!(DEADLINE)),
            { "op": "sleep", "for": "1h" },
            { "op": "panic", "value": "end" }
        ] },
        "expect": { "fails": { "message": "end" } }
    });
    let sigs = failures(v.clone());
    assert_sig(
        only(&sigs),
        "panic",
        FailureKind::Panic,
        "end",
        Some("main"),
    );
    let (_, trace) = traced(v);
    let deadline = line(&trace, "t=1h0m0s: deadline passes");
    let wake = line(&trace, "t=2h0m0s: main wakes from sleep");
    assert!(deadline < wake, "{trace:#?}");
}

// =============================================================================================
// Leak diagnosis

#[test]
fn waiting_on_a_context_nobody_cancels_is_ctx_never_cancelled() {
    for (objects, pre, body, reason) in [
        // A cancelable context whose cancel is never called.
        (
            json!({ "bg": { "kind": "context" }, "c": { "kind": "context", "parent": "bg" } }),
            json!([]),
            json!([ { "op": "recv", "obj": "c" } ]),
            "chan receive",
        ),
        // Background's Done is a nil channel.
        (
            json!({ "bg": { "kind": "context" } }),
            json!([]),
            json!([ { "op": "recv", "obj": "bg" } ]),
            "chan receive (nil chan)",
        ),
        // In a select with a channel nobody sends on.
        (
            json!({
                "bg": { "kind": "context" },
                "c": { "kind": "context", "parent": "bg" },
                "jobs": { "kind": "chan" }
            }),
            json!([]),
            json!([ { "op": "select", "cases": [
                { "case": "recv", "obj": "c" },
                { "case": "recv", "obj": "jobs" }
            ] } ]),
            "select",
        ),
    ] {
        let mut main = pre.as_array().cloned().unwrap_or_default();
        main.push(json!({ "op": "spawn", "thread": "s", "body": body }));
        let sigs = failures(json!({ "objects": objects, "threads": { "main": main } }));
        assert_sig(
            only(&sigs),
            "ctx-never-cancelled",
            FailureKind::Leak,
            &format!("goroutine leak: s [{reason}] blocked forever"),
            Some("s"),
        );
    }
}

/// A worker that needs `work` of virtual time (none: it sends at once) before its send, and a
/// 1s timeout; under `clock`.
fn timeout_race(work: Option<&str>, clock: &str) -> serde_json::Value {
    let mut body = vec![json!({ "op": "send", "obj": "result", "value": 1 })];
    if let Some(d) = work {
        body.insert(0, json!({ "op": "sleep", "for": d }));
    }
    json!({
        "objects": { "result": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "spawn", "thread": "worker", "body": body },
            { "op": "select", "cases": [
                { "case": "recv", "obj": "result" },
                { "case": "after", "after": "1s" }
            ] }
        ] },
        "explore": { "clock": clock }
    })
}

#[test]
fn a_leak_after_a_timeout_is_timeout_leak() {
    let leak = |v| {
        let sigs = failures(v);
        assert_sig(
            only(&sigs),
            "timeout-leak",
            FailureKind::Leak,
            "goroutine leak: worker [chan send] blocked forever",
            Some("worker"),
        );
    };
    // Slow work (2s) against a 1s timeout: the timeout wins in every interleaving.
    leak(timeout_race(Some("2s"), "go"));
    // Under the adversarial clock even instant work can lose to the timeout.
    leak(timeout_race(None, "adversarial"));
    // Under Go's clock, work that takes no time always beats the timeout, as in Go.
    never_fails(timeout_race(None, "go"));
    never_fails(timeout_race(Some("500ms"), "go"));
}

#[test]
fn an_unwatched_channel_timer_does_not_delay_the_deadlock() {
    // Go 1.23 keeps a channel timer nobody waits on off the timer heap: `t := NewTimer(1h);
    // <-c` is a deadlock at once. The trace shows no timer firing before it.
    let v = json!({
        "objects": { "t": { "kind": "timer", "after": "1h" }, "c": { "kind": "chan" } },
        "threads": { "waiter": [ { "op": "recv", "obj": "c" } ] },
        "expect": { "fails": { "id": "deadlock" } }
    });
    let (f, trace) = traced(v);
    assert_eq!(f.signature.message, DEADLOCK);
    assert!(
        !trace.iter().any(|t| t.text.contains("timer fires")),
        "{trace:#?}"
    );
}

#[test]
fn only_a_channel_the_timeout_abandoned_makes_a_timeout_leak() {
    // The select gave up on `result` when its timer won; a later, unrelated leak on `other`
    // is a plain chan-leak.
    let unrelated = found(json!({
        "objects": { "result": { "kind": "chan" }, "other": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "select", "cases": [
                { "case": "recv", "obj": "result" },
                { "case": "after", "after": "1ms" }
            ] },
            { "op": "spawn", "thread": "unrelated", "body": [ { "op": "recv", "obj": "other" } ] }
        ] },
        "expect": { "fails": { "kind": "leak" } }
    }));
    assert_eq!(unrelated.id, "chan-leak", "{unrelated:?}");
    let abandoned = found(json!({
        "objects": { "result": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "spawn", "thread": "worker", "body": [
                { "op": "sleep", "for": "1s" },
                { "op": "send", "obj": "result", "value": 1 }
            ] },
            { "op": "select", "cases": [
                { "case": "recv", "obj": "result" },
                { "case": "after", "after": "1ms" }
            ] }
        ] },
        "expect": { "fails": { "kind": "leak" } }
    }));
    assert_eq!(abandoned.id, "timeout-leak", "{abandoned:?}");
    assert_eq!(abandoned.thread.as_deref(), Some("worker"));
}

#[test]
fn with_value_of_a_nil_key_panics() {
    let s = found(json!({
        "objects": { "bg": { "kind": "context" }, "ctx": { "kind": "context" } },
        "threads": { "t": [ { "op": "with_value", "obj": "ctx", "parent": "bg", "key": null, "value": 1 } ] },
        "expect": { "fails": { "kind": "panic" } }
    }));
    assert_sig(&s, "panic", FailureKind::Panic, "nil key", Some("t"));
}

#[test]
fn an_assert_failure_is_signed_with_its_op_path() {
    let s = found(json!({
        "objects": {},
        "threads": { "t": [
            { "op": "let", "var": "x", "value": 1 },
            { "op": "assert", "var": "x", "eq": null, "message": "x is nil" }
        ] },
        "expect": { "fails": { "kind": "assertion" } }
    }));
    assert_eq!(s.op.as_deref(), Some("$.threads.t[1]"), "{s:?}");
    assert_eq!(s.message, "x is nil (x == <nil>, got 1)");
}
