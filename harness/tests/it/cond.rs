//! `sync.Cond`: Go's notifyList semantics (tickets), the waits it causes, and its misuse
//! errors, each checked against Go 1.27.3 (harness/tests/go/cond-lost-signal*).

use crate::helpers::*;
use harness::explore::replay;
use harness::model::{Failure, FailureKind, WaitReason};
use harness::scenario::load_file;
use serde_json::json;
use std::sync::Arc;

/// Two waiters parked in a known order: A takes its ticket first (it holds mu when it spawns
/// B, and B can lock mu only once A's Wait has unlocked it); B tells main it is about to wait,
/// and main can lock mu only once B's Wait has unlocked it. Then `then` runs in main.
fn two_waiters(then: serde_json::Value) -> serde_json::Value {
    let waiter = |name: &str, more: serde_json::Value| {
        let mut body = vec![json!({ "op": "lock", "obj": "mu" })];
        body.extend(more.as_array().unwrap().iter().cloned());
        body.extend([
            json!({ "op": "wait", "obj": "c" }),
            json!({ "op": "send", "obj": "woke", "value": name }),
            json!({ "op": "unlock", "obj": "mu" }),
            json!({ "op": "done", "obj": "wg" }),
        ]);
        serde_json::Value::Array(body)
    };
    let b = waiter(
        "B",
        json!([ { "op": "send", "obj": "ready", "value": true } ]),
    );
    let a = waiter("A", json!([ { "op": "spawn", "thread": "B", "body": b } ]));
    let mut main = vec![
        json!({ "op": "add", "obj": "wg", "delta": 2 }),
        json!({ "op": "spawn", "thread": "A", "body": a }),
        json!({ "op": "recv", "obj": "ready" }),
    ];
    main.extend(then.as_array().unwrap().iter().cloned());
    json!({
        "objects": {
            "mu": { "kind": "mutex" },
            "c": { "kind": "cond", "locker": "mu" },
            "ready": { "kind": "chan", "cap": 1 },
            "woke": { "kind": "chan", "cap": 2 },
            "wg": { "kind": "waitgroup" }
        },
        "threads": { "main": main }
    })
}

#[test]
fn signal_wakes_the_oldest_waiter_first() {
    let v = two_waiters(json!([
        { "op": "lock", "obj": "mu" }, { "op": "signal", "obj": "c" }, { "op": "unlock", "obj": "mu" },
        { "op": "recv", "obj": "woke", "into": "first" },
        { "op": "assert", "var": "first", "eq": "A", "message": "the oldest waiter wakes first" },
        { "op": "lock", "obj": "mu" }, { "op": "signal", "obj": "c" }, { "op": "unlock", "obj": "mu" },
        { "op": "wait", "obj": "wg" }
    ]));
    never_fails(v, json!([ { "obj": "mu", "locked": false } ]));
}

#[test]
fn one_signal_wakes_one_waiter_and_the_other_leaks() {
    let v = two_waiters(json!([
        { "op": "lock", "obj": "mu" }, { "op": "signal", "obj": "c" }, { "op": "unlock", "obj": "mu" },
        { "op": "recv", "obj": "woke" }
    ]));
    let s = failures(v, serde_json::Value::Null);
    let s = only(&s);
    assert_sig(
        s,
        "cond-lost-signal",
        FailureKind::Leak,
        "goroutine leak: B [sync.Cond.Wait] blocked forever",
        Some("B"),
    );
}

#[test]
fn broadcast_wakes_every_waiter() {
    let v = two_waiters(json!([
        { "op": "lock", "obj": "mu" }, { "op": "broadcast", "obj": "c" }, { "op": "unlock", "obj": "mu" },
        { "op": "wait", "obj": "wg" }
    ]));
    never_fails(v, serde_json::Value::Null);
}

#[test]
fn a_broadcast_before_the_wait_is_lost() {
    // The ticket is taken after the Broadcast: it is not woken (notifyList semantics).
    let v = json!({
        "objects": { "mu": { "kind": "mutex" }, "c": { "kind": "cond", "locker": "mu" }, "go": { "kind": "chan" } },
        "threads": { "main": [
            { "op": "spawn", "thread": "late", "body": [
                { "op": "recv", "obj": "go" },
                { "op": "lock", "obj": "mu" }, { "op": "wait", "obj": "c" }, { "op": "unlock", "obj": "mu" }
            ] },
            { "op": "lock", "obj": "mu" }, { "op": "broadcast", "obj": "c" }, { "op": "unlock", "obj": "mu" },
            { "op": "send", "obj": "go", "value": 1 }
        ] }
    });
    let s = failures(v, serde_json::Value::Null);
    assert_sig(
        only(&s),
        "cond-lost-signal",
        FailureKind::Leak,
        "goroutine leak: late [sync.Cond.Wait] blocked forever",
        Some("late"),
    );
}

#[test]
fn the_catalog_pair_lost_signal_and_fixed() {
    let buggy = Arc::new(load_file(&scenario("cond-lost-signal")).unwrap());
    let f = find(&buggy);
    assert_sig(
        &f.signature,
        "cond-lost-signal",
        FailureKind::Fatal,
        "all goroutines are asleep - deadlock!",
        None,
    );
    let out = replay(&buggy, &f.schedule, 1_000, false).unwrap();
    assert_eq!(out.signature.as_ref(), Some(&f.signature));
    let Some(Failure::Deadlock { blocked, .. }) = out.failed.as_ref().map(|x| &x.failure) else {
        panic!("a deadlock: {:?}", out.failed);
    };
    let consumer = blocked.iter().find(|b| b.thread == "consumer").unwrap();
    assert_eq!(consumer.reason, WaitReason::CondWait);
    assert_eq!(consumer.object.as_deref(), Some("c"));
    assert!(consumer.holds.is_empty(), "Wait unlocked mu: {consumer:?}");
    let fixed = Arc::new(load_file(&scenario("cond-lost-signal.fixed")).unwrap());
    assert_never_fails(&fixed);
}

#[test]
fn wait_without_holding_l_is_go_s_fatal_unlock_error() {
    // Go 1.27.3: Wait unlocks L first; `fatal error: sync: unlock of unlocked mutex`, and for
    // `NewCond(rw.RLocker())` `fatal error: sync: RUnlock of unlocked RWMutex`.
    for (decl, message) in [
        (json!({ "kind": "mutex" }), "sync: unlock of unlocked mutex"),
        (
            json!({ "kind": "rwmutex" }),
            "sync: Unlock of unlocked RWMutex",
        ),
    ] {
        for rlocker in [false, true] {
            if rlocker && decl["kind"] == "mutex" {
                continue;
            }
            let message = if rlocker {
                "sync: RUnlock of unlocked RWMutex"
            } else {
                message
            };
            let v = json!({
                "objects": { "l": decl, "c": { "kind": "cond", "locker": "l", "rlocker": rlocker } },
                "threads": { "waiter": [ { "op": "wait", "obj": "c" } ] }
            });
            let s = failures(v, serde_json::Value::Null);
            let s = only(&s);
            assert_eq!(s.kind, FailureKind::Fatal, "{s:?}");
            assert_eq!(s.message, message, "{s:?}");
            assert_eq!(s.thread.as_deref(), Some("waiter"), "{s:?}");
        }
    }
}

#[test]
fn a_cond_over_an_rwmutex_relocks_it_as_it_was_taken() {
    // `NewCond(&rw)` relocks for writing, `NewCond(rw.RLocker())` for reading: the final
    // RUnlock (or Unlock) then matches, in every interleaving.
    for (rlocker, lock, unlock) in [(false, "lock", "unlock"), (true, "rlock", "runlock")] {
        let v = json!({
            "objects": {
                "rw": { "kind": "rwmutex" },
                "c": { "kind": "cond", "locker": "rw", "rlocker": rlocker },
                "ready": { "kind": "atomic", "value": false }
            },
            "threads": {
                "waiter": [
                    { "op": lock, "obj": "rw" },
                    { "op": "load", "obj": "ready", "into": "r" },
                    { "op": "for", "cond": { "var": "r", "not": true }, "body": [
                        { "op": "wait", "obj": "c" },
                        { "op": "load", "obj": "ready", "into": "r" }
                    ] },
                    { "op": unlock, "obj": "rw" }
                ],
                "setter": [
                    { "op": "lock", "obj": "rw" },
                    { "op": "store", "obj": "ready", "value": true },
                    { "op": "unlock", "obj": "rw" },
                    { "op": "broadcast", "obj": "c" }
                ]
            }
        });
        never_fails(v, json!([ { "obj": "rw", "locked": false } ]));
    }
}

/// `if !ready { c.Wait() }` (buggy) or `for !ready { c.Wait() }` (fixed), then the consumer
/// relies on ready; a spurious-wakeup rule on c wakes it once without a Signal.
fn consumer_with(construct: &str) -> serde_json::Value {
    let check = json!([
        { "op": "wait", "obj": "c" },
        { "op": "load", "obj": "ready", "into": "r" }
    ]);
    let guard = if construct == "if" {
        json!({ "op": "if", "cond": { "var": "r", "not": true }, "then": check })
    } else {
        json!({ "op": "for", "cond": { "var": "r", "not": true }, "body": check })
    };
    json!({
        "objects": {
            "mu": { "kind": "mutex" },
            "c": { "kind": "cond", "locker": "mu" },
            "ready": { "kind": "atomic", "value": false }
        },
        "threads": {
            "consumer": [
                { "op": "lock", "obj": "mu" },
                { "op": "load", "obj": "ready", "into": "r" },
                guard,
                { "op": "unlock", "obj": "mu" },
                { "op": "assert", "var": "r", "message": "ready when Wait returns" }
            ],
            "producer": [
                { "op": "lock", "obj": "mu" },
                { "op": "store", "obj": "ready", "value": true },
                { "op": "signal", "obj": "c" },
                { "op": "unlock", "obj": "mu" }
            ]
        },
        "faults": [ { "fault": "spurious-wakeup", "obj": "c" } ]
    })
}

#[test]
fn a_spurious_wakeup_breaks_wait_under_if_but_not_in_a_loop() {
    let s = failures(consumer_with("if"), serde_json::Value::Null);
    let s = only(&s);
    assert_eq!(s.kind, FailureKind::Assertion, "{s:?}");
    assert_eq!(s.thread.as_deref(), Some("consumer"), "{s:?}");
    assert!(s.message.contains("ready when Wait returns"), "{s:?}");
    never_fails(consumer_with("for"), serde_json::Value::Null);
}

#[test]
fn malformed_conds_are_refused_with_the_place() {
    let mu = || json!({ "mu": { "kind": "mutex" } });
    let with = |extra: serde_json::Value| {
        let mut o = mu();
        for (k, v) in extra.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    let cases = [
        (
            with(json!({ "c": { "kind": "cond", "locker": "mux" } })),
            json!([]),
            "$.objects.c.locker: unknown object `mux`; did you mean `mu`?",
        ),
        (
            with(json!({ "ch": { "kind": "chan" }, "c": { "kind": "cond", "locker": "ch" } })),
            json!([]),
            "$.objects.c.locker: `ch` is a chan: a Cond's L is a mutex or rwmutex",
        ),
        (
            with(json!({ "c": { "kind": "cond", "locker": "mu", "rlocker": true } })),
            json!([]),
            "$.objects.c.rlocker: `mu` is a mutex: only an rwmutex has an RLocker",
        ),
        (
            with(json!({ "c": { "kind": "cond" } })),
            json!([]),
            "missing field `locker`",
        ),
        (
            mu(),
            json!([ { "op": "signal", "obj": "mu" } ]),
            "$.threads.t[0].obj: op `signal` does not apply to `mu`, a mutex (it applies to: cond)",
        ),
        (
            mu(),
            json!([ { "op": "wait", "obj": "mu" } ]),
            "op `wait` does not apply to `mu`, a mutex (it applies to: waitgroup, cond)",
        ),
    ];
    for (objects, ops, want) in cases {
        let e = refused_with(objects.clone(), ops);
        assert!(e.contains(want), "{objects}: {e}");
        assert!(e.starts_with("bad.json:"), "names the place: {e}");
    }
}

/// `type Queue struct { mu sync.Mutex; notEmpty, notFull *sync.Cond; ... }` with
/// `sync.NewCond(&q.mu)`: conds as struct fields, one set per `new` queue, L the sibling field.
#[test]
fn conds_as_struct_fields_use_their_sibling_mutex() {
    let v = json!({
        "procs": {
            "Put": {
                "receiver": "q",
                "params": [
                    "v"
                ],
                "body": [
                    {
                        "op": "lock",
                        "obj": "q.mu"
                    },
                    {
                        "op": "for",
                        "cond": "q.n == 1",
                        "body": [
                            {
                                "op": "wait",
                                "obj": "q.notFull"
                            }
                        ]
                    },
                    {
                        "op": "assign",
                        "obj": "q.item",
                        "value": {
                            "var": "v"
                        }
                    },
                    {
                        "op": "assign",
                        "obj": "q.n",
                        "value": 1
                    },
                    {
                        "op": "signal",
                        "obj": "q.notEmpty"
                    },
                    {
                        "op": "unlock",
                        "obj": "q.mu"
                    }
                ]
            },
            "Get": {
                "receiver": "q",
                "results": [
                    "v"
                ],
                "body": [
                    {
                        "op": "lock",
                        "obj": "q.mu"
                    },
                    {
                        "op": "for",
                        "cond": "q.n == 0",
                        "body": [
                            {
                                "op": "wait",
                                "obj": "q.notEmpty"
                            }
                        ]
                    },
                    {
                        "op": "let",
                        "var": "v",
                        "expr": "q.item"
                    },
                    {
                        "op": "assign",
                        "obj": "q.n",
                        "value": 0
                    },
                    {
                        "op": "signal",
                        "obj": "q.notFull"
                    },
                    {
                        "op": "unlock",
                        "obj": "q.mu"
                    }
                ]
            }
        },
        "threads": {
            "main": [
                {
                    "op": "new",
                    "into": "q",
                    "object": {
                        "kind": "struct",
                        "fields": {
                            "mu": {
                                "kind": "mutex"
                            },
                            "notEmpty": {
                                "kind": "cond",
                                "locker": "mu"
                            },
                            "notFull": {
                                "kind": "cond",
                                "locker": "mu"
                            },
                            "item": 0,
                            "n": 0
                        }
                    }
                },
                {
                    "op": "spawn",
                    "thread": "producer",
                    "body": [
                        {
                            "op": "repeat",
                            "times": 2,
                            "index": "i",
                            "body": [
                                {
                                    "op": "call",
                                    "proc": "Put",
                                    "recv": "q",
                                    "args": [
                                        {
                                            "expr": "i + 1"
                                        }
                                    ]
                                }
                            ]
                        }
                    ]
                },
                {
                    "op": "let",
                    "var": "sum",
                    "value": 0
                },
                {
                    "op": "repeat",
                    "times": 2,
                    "body": [
                        {
                            "op": "call",
                            "proc": "Get",
                            "recv": "q",
                            "into": [
                                "x"
                            ]
                        },
                        {
                            "op": "let",
                            "var": "sum",
                            "expr": "sum + x"
                        }
                    ]
                },
                {
                    "op": "assert",
                    "cond": "sum == 3"
                }
            ]
        }
    });
    never_fails(v.clone(), serde_json::Value::Null);
    // Get waiting on the wrong cond: nobody signals it, and both goroutines park on it.
    let mut bad = v;
    bad["procs"]["Get"]["body"][1]["body"][0]["obj"] = json!("q.notFull");
    let s = failures(bad, serde_json::Value::Null);
    assert_sig(
        only(&s),
        "cond-lost-signal",
        FailureKind::Fatal,
        "all goroutines are asleep - deadlock!",
        Some("main"),
    );
}

#[test]
fn a_cond_field_names_an_earlier_mutex_field() {
    let q = |fields: serde_json::Value| {
        refused_with(
            json!({ "q": { "kind": "struct", "fields": fields } }),
            json!([ { "op": "yield" } ]),
        )
    };
    let e = q(json!({ "c": { "kind": "cond", "locker": "mu" }, "mu": { "kind": "mutex" } }));
    assert!(
        e.contains("$.objects.q.fields.c.locker: unknown field `mu`"),
        "{e}"
    );
    let e = q(json!({ "ch": { "kind": "chan" }, "c": { "kind": "cond", "locker": "ch" } }));
    assert!(
        e.contains("`ch` is a chan: a Cond's L is a mutex or rwmutex"),
        "{e}"
    );
    let e = q(
        json!({ "mu": { "kind": "mutex" }, "c": { "kind": "cond", "locker": "mu", "rlocker": true } }),
    );
    assert!(e.contains("only an rwmutex has an RLocker"), "{e}");
}
