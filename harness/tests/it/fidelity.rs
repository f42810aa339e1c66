//! Fidelity of the ports to HAZARDS.md: every failure the catalog lists comes out with Go's
//! exact text, kind and thread; properties that must hold in every interleaving are checked
//! with the exhaustive DFS (which must report that it exhausted its bound, so no test passes
//! vacuously); failures that must be possible are found by the default portfolio.

use crate::helpers::*;
use harness::explore::{replay, Decision, ReplayError, Schedule, Signature};
use harness::model::{Blocked, Failure, FailureKind, Value, WaitReason};
use serde_json::{json, Value as Json};

const DEADLOCK: &str = "all goroutines are asleep - deadlock!";

// =============================================================================================
// Maps

#[test]
fn map_nil_write_panics() {
    let s = found(json!({
        "objects": { "m": { "kind": "map", "nil": true } },
        "threads": { "t": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ] },
        "expect": { "fails": { "id": "map-nil-write" } }
    }));
    assert_sig(
        &s,
        "map-nil-write",
        FailureKind::Panic,
        "assignment to entry in nil map",
        Some("t"),
    );
    assert_eq!(s.op.as_deref(), Some("$.threads.t[0]"));
}

#[test]
fn map_nil_reads_deletes_clears_and_ranges_are_no_ops() {
    // map-nil-read: zero value and ok=false; delete/clear/range/len do nothing and never fail.
    never_fails(
        json!({
            "objects": {
                "m": { "kind": "map", "nil": true, "value_type": "string" },
                "res": { "kind": "map" }
            },
            "threads": { "t": [
                { "op": "get", "obj": "m", "key": "a", "into": "v", "ok": "ok" },
                { "op": "if", "cond": { "var": "ok", "eq": false }, "then": [
                    { "op": "if", "cond": { "var": "v", "eq": "" }, "then": [
                        { "op": "set", "obj": "res", "key": "zero", "value": true }
                    ] }
                ] },
                { "op": "delete", "obj": "m", "key": "a" },
                { "op": "clear", "obj": "m" },
                { "op": "range", "obj": "m", "body": [
                    { "op": "set", "obj": "res", "key": "iterated", "value": true }
                ] },
                { "op": "len", "obj": "m", "into": "n" },
                { "op": "if", "cond": { "var": "n", "eq": 0 }, "then": [
                    { "op": "set", "obj": "res", "key": "len0", "value": true }
                ] }
            ] }
        }),
        json!([
            { "obj": "res", "key": "zero", "value": true },
            { "obj": "res", "key": "len0", "value": true },
            { "obj": "res", "key": "iterated", "absent": true }
        ]),
    );
}

#[test]
fn map_concurrent_writes_is_fatal() {
    let s = found(json!({
        "objects": { "m": { "kind": "map" } },
        "threads": {
            "w1": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ],
            "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "expect": { "fails": { "id": "map-concurrent-writes" } }
    }));
    assert_sig(
        &s,
        "map-concurrent-writes",
        FailureKind::Fatal,
        "concurrent map writes",
        None,
    );
    assert!(matches!(s.thread.as_deref(), Some("w1" | "w2")), "{s:?}");
}

#[test]
fn map_delete_and_clear_are_writes_too() {
    // "two writers (assign, delete, clear) overlap".
    let sigs = runtime_failures(
        json!({
            "objects": { "m": { "kind": "map", "entries": { "a": 1, "b": 2 } } },
            "threads": {
                "deleter": [ { "op": "delete", "obj": "m", "key": "a" } ],
                "clearer": [ { "op": "clear", "obj": "m" } ]
            }
        }),
        Json::Null,
    );
    assert!(
        !sigs.is_empty(),
        "an overlap of delete and clear must be caught in some interleaving"
    );
    for s in &sigs {
        assert_sig(
            s,
            "map-concurrent-writes",
            FailureKind::Fatal,
            "concurrent map writes",
            None,
        );
    }
}

#[test]
fn map_read_write_is_fatal_in_the_reader() {
    let s = found(json!({
        "objects": { "m": { "kind": "map", "entries": { "a": 1 } } },
        "threads": {
            "reader": [ { "op": "get", "obj": "m", "key": "a" } ],
            "writer": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "expect": { "fails": { "id": "map-read-write" } }
    }));
    assert_sig(
        &s,
        "map-read-write",
        FailureKind::Fatal,
        "concurrent map read and map write",
        Some("reader"),
    );
}

#[test]
fn map_iter_write_is_fatal_in_the_iterator() {
    let s = found(json!({
        "objects": { "m": { "kind": "map", "entries": { "a": 1, "b": 2 } } },
        "threads": {
            "ranger": [ { "op": "range", "obj": "m", "key": "k" } ],
            "writer": [ { "op": "set", "obj": "m", "key": "c", "value": 3 } ]
        },
        "expect": { "fails": { "id": "map-iter-write" } }
    }));
    assert_sig(
        &s,
        "map-iter-write",
        FailureKind::Fatal,
        "concurrent map iteration and map write",
        Some("ranger"),
    );
}

#[test]
fn map_clone_write_is_fatal_in_the_cloner() {
    let s = found(json!({
        "objects": {
            "m": { "kind": "map", "entries": { "a": 1 } },
            "copy": { "kind": "map" }
        },
        "threads": {
            "cloner": [ { "op": "clone", "obj": "m", "to": "copy" } ],
            "writer": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "expect": { "fails": { "id": "map-clone-write" } }
    }));
    assert_sig(
        &s,
        "map-clone-write",
        FailureKind::Fatal,
        "concurrent map clone and map write",
        Some("cloner"),
    );
}

#[test]
fn a_writer_never_detects_a_concurrent_reader() {
    // Readers only check the flag; writers only see other writers. Every failure in every
    // interleaving is the reader's, with the read-and-write message.
    let sigs = runtime_failures(
        json!({
            "objects": { "m": { "kind": "map", "entries": { "a": 1 } } },
            "threads": {
                "reader": [ { "op": "repeat", "times": 3, "body": [
                    { "op": "get", "obj": "m", "key": "a" }
                ] } ],
                "writer": [
                    { "op": "set", "obj": "m", "key": "a", "value": 2 },
                    { "op": "set", "obj": "m", "key": "b", "value": 3 }
                ]
            }
        }),
        Json::Null,
    );
    assert!(
        !sigs.is_empty(),
        "the race must be caught in some interleaving"
    );
    for s in &sigs {
        assert_ne!(
            s.message, "concurrent map writes",
            "a writer detected a reader: {s:?}"
        );
        assert_sig(
            s,
            "map-read-write",
            FailureKind::Fatal,
            "concurrent map read and map write",
            Some("reader"),
        );
    }
}

#[test]
fn reads_of_an_empty_map_nobody_fills_are_never_flagged() {
    // Go returns before the check when the map is nil or empty: reads, deletes and clears of a
    // map that stays empty are never flagged, whatever runs alongside.
    never_fails(
        json!({
            "objects": { "m": { "kind": "map" }, "other": { "kind": "map" }, "copy": { "kind": "map" } },
            "threads": {
                "writer": [ { "op": "set", "obj": "other", "key": "k", "value": 1 } ],
                "reader": [
                    { "op": "get", "obj": "m", "key": "k" },
                    { "op": "range", "obj": "m" },
                    { "op": "delete", "obj": "m", "key": "absent" },
                    { "op": "clear", "obj": "m" },
                    { "op": "clone", "obj": "m", "to": "copy" },
                    { "op": "get", "obj": "m", "key": "k" }
                ]
            }
        }),
        Json::Null,
    );
}

/// The first insert into an empty map makes its count non-zero while `writing` is still set
/// (HAZARDS.md, maps): a read, range or clone that overlaps it is flagged, each with its own
/// message, in the reading thread.
#[test]
fn a_read_overlapping_the_first_insert_is_flagged() {
    for (op, id, message) in [
        (
            json!({ "op": "get", "obj": "m", "key": "k" }),
            "map-read-write",
            "concurrent map read and map write",
        ),
        (
            json!({ "op": "range", "obj": "m" }),
            "map-iter-write",
            "concurrent map iteration and map write",
        ),
        (
            json!({ "op": "clone", "obj": "m", "to": "copy" }),
            "map-clone-write",
            "concurrent map clone and map write",
        ),
    ] {
        let sigs = runtime_failures(
            json!({
                "objects": { "m": { "kind": "map" }, "copy": { "kind": "map" } },
                "threads": {
                    "writer": [ { "op": "set", "obj": "m", "key": "k", "value": 1 } ],
                    "reader": [ op ]
                }
            }),
            Json::Null,
        );
        let s = only(&sigs);
        assert_sig(s, id, FailureKind::Fatal, message, Some("reader"));
    }
}

/// `maps.Clone` has no emptiness check: a delete that empties the map, still in progress, is
/// flagged by Clone but not by a read (which sees an empty map and returns).
#[test]
fn clone_checks_an_empty_map_a_read_does_not() {
    let shape = |reader: Json| {
        json!({
            "objects": { "m": { "kind": "map", "entries": { "k": 1 } }, "copy": { "kind": "map" } },
            "threads": {
                "writer": [ { "op": "delete", "obj": "m", "key": "k" } ],
                "reader": [ reader ]
            }
        })
    };
    let sigs = runtime_failures(
        shape(json!({ "op": "clone", "obj": "m", "to": "copy" })),
        Json::Null,
    );
    let s = only(&sigs);
    assert_sig(
        s,
        "map-clone-write",
        FailureKind::Fatal,
        "concurrent map clone and map write",
        Some("reader"),
    );
    // The read is flagged only while the key is still there (the map non-empty).
    let sigs = runtime_failures(
        shape(json!({ "op": "get", "obj": "m", "key": "k" })),
        Json::Null,
    );
    let s = only(&sigs);
    assert_sig(
        s,
        "map-read-write",
        FailureKind::Fatal,
        "concurrent map read and map write",
        Some("reader"),
    );
}

#[test]
fn reads_are_checked_once_the_map_has_entries() {
    // The same shape with a second write, made while the map already has an entry: now the
    // reader can be caught, and only with the read-and-write message.
    let sigs = runtime_failures(
        json!({
            "objects": { "m": { "kind": "map" } },
            "threads": {
                "writer": [
                    { "op": "set", "obj": "m", "key": "k", "value": 1 },
                    { "op": "set", "obj": "m", "key": "j", "value": 2 }
                ],
                "reader": [ { "op": "repeat", "times": 3, "body": [
                    { "op": "get", "obj": "m", "key": "k" }
                ] } ]
            }
        }),
        Json::Null,
    );
    assert!(
        !sigs.is_empty(),
        "a read overlapping the second write must be caught somewhere"
    );
    for s in &sigs {
        assert_sig(
            s,
            "map-read-write",
            FailureKind::Fatal,
            "concurrent map read and map write",
            Some("reader"),
        );
    }
}

#[test]
fn a_thread_may_write_its_map_while_ranging_over_it() {
    never_fails(
        json!({
            "objects": {
                "m": { "kind": "map", "entries": { "a": 1, "b": 2, "c": 3 } },
                "mu": { "kind": "mutex" },
                "other": { "kind": "map" }
            },
            "threads": {
                "ranger": [ { "op": "range", "obj": "m", "key": "k", "body": [
                    { "op": "set", "obj": "m", "key": "x", "value": 9 },
                    { "op": "delete", "obj": "m", "key": "a" }
                ] } ],
                "unrelated": [
                    { "op": "lock", "obj": "mu" },
                    { "op": "set", "obj": "other", "key": "y", "value": 1 },
                    { "op": "unlock", "obj": "mu" }
                ]
            }
        }),
        json!([
            { "obj": "m", "key": "a", "absent": true },
            { "obj": "m", "key": "x", "value": 9 },
            { "obj": "m", "len": 3 }
        ]),
    );
}

/// `m = make(...)` assigns the variable; a `mapassign` already under way keeps the `*hmap` it
/// loaded. So a writer racing a make is never a concurrent write: its entry just lands in the
/// map the variable no longer holds, and is lost.
#[test]
fn a_write_racing_make_is_never_fatal_but_can_be_lost() {
    let scenario = json!({
        "objects": { "m": { "kind": "map" } },
        "threads": {
            "writer": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ],
            "maker": [ { "op": "make", "obj": "m" } ]
        }
    });
    never_fails(scenario.clone(), Json::Null);
    let lost = failures(
        scenario,
        json!([{ "obj": "m", "key": "a", "value": 1, "id": "map-lazy-init" }]),
    );
    let s = only(&lost);
    assert_eq!(s.id, "map-lazy-init");
    assert_eq!(s.kind, FailureKind::Assertion);
}

/// Two writers on the map the variable held keep racing each other after a make replaced it.
#[test]
fn writers_that_loaded_the_old_map_still_race_after_make() {
    let sigs = runtime_failures(
        json!({
            "objects": { "m": { "kind": "map" } },
            "threads": {
                "w1": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ],
                "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ],
                "maker": [ { "op": "make", "obj": "m" } ]
            }
        }),
        Json::Null,
    );
    assert!(!sigs.is_empty());
    for s in &sigs {
        assert_sig(
            s,
            "map-concurrent-writes",
            FailureKind::Fatal,
            "concurrent map writes",
            None,
        );
        assert_ne!(s.thread.as_deref(), Some("maker"), "{s:?}");
    }
}

/// `for k, v := range m` evaluates `m` once: a make once the loop is under way does not cut it
/// short.
#[test]
fn range_keeps_iterating_the_map_it_started_on() {
    never_fails(
        json!({
            "objects": {
                "m": { "kind": "map", "entries": { "a": 1, "b": 2, "c": 3 } },
                "seen": { "kind": "map" },
                "started": { "kind": "chan", "cap": 3 }
            },
            "threads": {
                "ranger": [ { "op": "range", "obj": "m", "key": "k", "value": "v", "body": [
                    { "op": "send", "obj": "started", "value": true },
                    { "op": "set", "obj": "seen", "key": { "var": "k" }, "value": { "var": "v" } }
                ] } ],
                "maker": [
                    { "op": "recv", "obj": "started" },
                    { "op": "make", "obj": "m" }
                ]
            }
        }),
        json!([{ "obj": "seen", "len": 3 }]),
    );
}

/// `to = maps.Clone(m)` assigns `to`: a writer of the old `to` is not racing the clone.
#[test]
fn clone_into_a_variable_being_written_is_not_a_write() {
    never_fails(
        json!({
            "objects": {
                "src": { "kind": "map", "entries": { "x": 1 } },
                "to": { "kind": "map", "entries": { "y": 2 } }
            },
            "threads": {
                "writer": [
                    { "op": "set", "obj": "to", "key": "a", "value": 1 },
                    { "op": "delete", "obj": "to", "key": "y" }
                ],
                "cloner": [ { "op": "clone", "obj": "src", "to": "to" } ]
            }
        }),
        Json::Null,
    );
}

// =============================================================================================
// Channels

#[test]
fn chan_send_on_closed_channel_panics() {
    let s = found(json!({
        "objects": { "c": { "kind": "chan", "cap": 1 } },
        "threads": { "t": [ { "op": "close", "obj": "c" }, { "op": "send", "obj": "c", "value": 1 } ] },
        "expect": { "fails": { "id": "chan-send-closed" } }
    }));
    assert_sig(
        &s,
        "chan-send-closed",
        FailureKind::Panic,
        "send on closed channel",
        Some("t"),
    );
    assert_eq!(s.op.as_deref(), Some("$.threads.t[1]"));
}

/// A select blocked both receiving from and sending to one channel wakes once when the
/// channel is closed, by its receive (Go's closechan wakes receivers first and skips the
/// other sudogs of a select already done; Go 1.27.3: 2000 of 2000 at GOMAXPROCS 1, 2 and 4).
/// Only a close before the select can make it pick the send, which panics.
#[test]
fn chan_close_wakes_a_select_on_both_ends_once_by_its_receive() {
    let sigs = failures(
        json!({
            "objects": { "ch": { "kind": "chan" } },
            "threads": {
                "t": [
                    { "op": "select", "cases": [
                        { "case": "recv", "obj": "ch", "into": "v", "ok": "open", "body": [
                            { "op": "assert", "cond": "!open && v == 0", "message": "closed" } ] },
                        { "case": "send", "obj": "ch", "value": 1, "body": [
                            { "op": "assert", "cond": "false", "message": "sent to itself" } ] }
                    ] }
                ],
                "closer": [ { "op": "close", "obj": "ch" } ]
            }
        }),
        Json::Null,
    );
    let s = only(&sigs);
    assert_sig(
        s,
        "chan-send-closed",
        FailureKind::Panic,
        "send on closed channel",
        Some("t"),
    );
}

#[test]
fn chan_close_of_closed_channel_panics() {
    let s = found(json!({
        "objects": { "c": { "kind": "chan" } },
        "threads": { "t": [ { "op": "close", "obj": "c" }, { "op": "close", "obj": "c" } ] },
        "expect": { "fails": { "id": "chan-close-closed" } }
    }));
    assert_sig(
        &s,
        "chan-close-closed",
        FailureKind::Panic,
        "close of closed channel",
        Some("t"),
    );
}

#[test]
fn chan_close_of_nil_channel_panics() {
    let s = found(json!({
        "objects": { "c": { "kind": "chan", "nil": true } },
        "threads": { "t": [ { "op": "close", "obj": "c" } ] },
        "expect": { "fails": { "id": "chan-close-nil" } }
    }));
    assert_sig(
        &s,
        "chan-close-nil",
        FailureKind::Panic,
        "close of nil channel",
        Some("t"),
    );
}

#[test]
fn a_sender_blocked_before_close_panics_in_its_own_thread() {
    // In every interleaving the sender panics: before the close it blocks and the close wakes
    // it into the panic; after it, it panics at once. Were it not woken, DFS would report a
    // deadlock; were it woken without the panic, the final assertion would fail.
    for cap in [0, 1] {
        let sends = if cap == 0 {
            json!([ { "op": "send", "obj": "c", "value": 1 } ])
        } else {
            json!([ { "op": "send", "obj": "c", "value": 1 }, { "op": "send", "obj": "c", "value": 2 } ])
        };
        let mut sender = sends.as_array().unwrap().clone();
        sender.push(json!({ "op": "set", "obj": "reached", "key": "after-send", "value": true }));
        let sigs = failures(
            json!({
                "objects": { "c": { "kind": "chan", "cap": cap }, "reached": { "kind": "map" } },
                "threads": {
                    "sender": sender,
                    "closer": [ { "op": "close", "obj": "c" } ]
                }
            }),
            json!([ { "obj": "reached", "key": "after-send", "absent": true } ]),
        );
        // One signature per send op that can meet the close (one for cap 0, two for cap 1).
        assert_eq!(sigs.len(), if cap == 0 { 1 } else { 2 }, "{sigs:?}");
        for s in &sigs {
            assert_sig(
                s,
                "chan-send-closed",
                FailureKind::Panic,
                "send on closed channel",
                Some("sender"),
            );
        }
    }
}

#[test]
fn receivers_blocked_at_close_get_zero_and_false() {
    // Two receivers on an unbuffered string channel that only gets closed: whether they block
    // before the close or receive after it, each gets ("", false).
    let receiver = |res: &str| {
        json!([
            { "op": "recv", "obj": "c", "into": "v", "ok": "ok" },
            { "op": "if", "cond": { "var": "ok", "eq": false }, "then": [
                { "op": "if", "cond": { "var": "v", "eq": "" }, "then": [
                    { "op": "set", "obj": res, "key": "got", "value": "zero-false" }
                ] }
            ] }
        ])
    };
    never_fails(
        json!({
            "objects": {
                "c": { "kind": "chan", "elem": "string" },
                "res1": { "kind": "map" },
                "res2": { "kind": "map" }
            },
            "threads": {
                "r1": receiver("res1"),
                "r2": receiver("res2"),
                "closer": [ { "op": "close", "obj": "c" } ]
            }
        }),
        json!([
            { "obj": "res1", "key": "got", "value": "zero-false" },
            { "obj": "res2", "key": "got", "value": "zero-false" },
            { "obj": "c", "closed": true }
        ]),
    );
}

#[test]
fn receive_from_closed_channel_drains_buffered_values_first() {
    never_fails(
        json!({
            "objects": { "c": { "kind": "chan", "cap": 2, "elem": "string" }, "res": { "kind": "map" } },
            "threads": {
                "producer": [
                    { "op": "send", "obj": "c", "value": "x" },
                    { "op": "close", "obj": "c" }
                ],
                "consumer": [
                    { "op": "recv", "obj": "c", "into": "v1", "ok": "ok1" },
                    { "op": "recv", "obj": "c", "into": "v2", "ok": "ok2" },
                    { "op": "recv", "obj": "c", "into": "v3", "ok": "ok3" },
                    { "op": "if", "cond": { "var": "v1", "eq": "x" }, "then": [
                        { "op": "if", "cond": { "var": "ok1", "eq": true }, "then": [
                            { "op": "set", "obj": "res", "key": "first", "value": "x-true" }
                        ] }
                    ] },
                    { "op": "if", "cond": { "var": "v2", "eq": "" }, "then": [
                        { "op": "if", "cond": { "var": "ok2", "eq": false }, "then": [
                            { "op": "set", "obj": "res", "key": "second", "value": "zero-false" }
                        ] }
                    ] },
                    { "op": "if", "cond": { "var": "ok3", "eq": false }, "then": [
                        { "op": "set", "obj": "res", "key": "third", "value": "zero-false" }
                    ] }
                ]
            }
        }),
        json!([
            { "obj": "res", "key": "first", "value": "x-true" },
            { "obj": "res", "key": "second", "value": "zero-false" },
            { "obj": "res", "key": "third", "value": "zero-false" },
            { "obj": "c", "len": 0 }
        ]),
    );
}

// =============================================================================================
// select

#[test]
fn select_send_case_on_closed_channel_panics_despite_default_found_by_exploration() {
    let s = found(json!({
        "objects": { "c": { "kind": "chan" } },
        "threads": {
            "closer": [ { "op": "close", "obj": "c" } ],
            "selector": [ { "op": "select", "cases": [
                { "case": "send", "obj": "c", "value": 1 },
                { "case": "default" }
            ] } ]
        },
        "expect": { "fails": { "id": "chan-send-closed" } }
    }));
    assert_sig(
        &s,
        "chan-send-closed",
        FailureKind::Panic,
        "send on closed channel",
        Some("selector"),
    );
    assert_eq!(s.op.as_deref(), Some("$.threads.selector[0]"));
}

#[test]
fn select_send_case_on_closed_channel_panics_whenever_polled() {
    // With a default case: the closed send case is always actionable, default never runs.
    let sigs = failures(
        json!({
            "objects": { "c": { "kind": "chan" }, "res": { "kind": "map" } },
            "threads": { "t": [
                { "op": "close", "obj": "c" },
                { "op": "select", "cases": [
                    { "case": "send", "obj": "c", "value": 1 },
                    { "case": "default", "body": [ { "op": "set", "obj": "res", "key": "default", "value": true } ] }
                ] }
            ] }
        }),
        Json::Null,
    );
    assert_sig(
        only(&sigs),
        "chan-send-closed",
        FailureKind::Panic,
        "send on closed channel",
        Some("t"),
    );

    // With another ready case: the explorer picks either; picking the send panics.
    let sigs = failures(
        json!({
            "objects": {
                "c": { "kind": "chan" },
                "buf": { "kind": "chan", "cap": 1 },
                "res": { "kind": "map" }
            },
            "threads": { "t": [
                { "op": "send", "obj": "buf", "value": 7 },
                { "op": "close", "obj": "c" },
                { "op": "select", "cases": [
                    { "case": "recv", "obj": "buf", "body": [
                        { "op": "set", "obj": "res", "key": "took", "value": "recv" }
                    ] },
                    { "case": "send", "obj": "c", "value": 1 }
                ] }
            ] }
        }),
        json!([ { "obj": "res", "key": "took", "absent": true } ]),
    );
    assert_eq!(sigs.len(), 2, "both cases are explored: {sigs:?}");
    assert!(
        sigs.iter().any(|s| s.id == "chan-send-closed"
            && s.kind == FailureKind::Panic
            && s.message == "send on closed channel"
            && s.thread.as_deref() == Some("t")),
        "{sigs:?}"
    );
    assert!(
        sigs.iter().any(|s| s.kind == FailureKind::Assertion),
        "the receive case runs too: {sigs:?}"
    );
}

#[test]
fn select_with_a_ready_receive_and_a_ready_send_takes_both_ways() {
    let scenario = |expected: &str| {
        json!({
            "objects": {
                "in": { "kind": "chan", "cap": 1 },
                "out": { "kind": "chan", "cap": 1 },
                "res": { "kind": "map", "value_type": "string" }
            },
            "threads": { "t": [
                { "op": "send", "obj": "in", "value": 1 },
                { "op": "select", "cases": [
                    { "case": "recv", "obj": "in", "body": [
                        { "op": "set", "obj": "res", "key": "which", "value": "recv" }
                    ] },
                    { "case": "send", "obj": "out", "value": 2, "body": [
                        { "op": "set", "obj": "res", "key": "which", "value": "send" }
                    ] }
                ] }
            ] },
            "expect": {
                "fails": { "message": NEVER },
                "final": [ { "obj": "res", "key": "which", "value": expected } ]
            }
        })
    };
    for (expected, other) in [("recv", "send"), ("send", "recv")] {
        let p = prog(scenario(expected));
        let x = dfs_exhaust(&p);
        assert_eq!(
            x.findings.len(),
            1,
            "exactly the other branch violates `which == {expected}`: {:?}",
            sigs(&x)
        );
        let f = &x.findings[0];
        assert_eq!(f.signature.kind, FailureKind::Assertion);
        assert!(
            f.signature.message.contains(&format!("\"{other}\"")),
            "{:?}",
            f.signature
        );
        assert!(
            f.schedule
                .decisions
                .iter()
                .any(|d| matches!(d, Decision::Choice(_))),
            "the case is an explorer decision recorded in the schedule: {}",
            f.schedule.encode()
        );
        assert!(x.engines[0].executions >= 2, "both branches ran");
    }
}

#[test]
fn a_select_blocked_when_its_channel_closes_receives_zero_false_or_panics_on_send() {
    // Receive case: whether the select blocks before the close or polls after it, it gets
    // ("", false).
    never_fails(
        json!({
            "objects": { "c": { "kind": "chan", "elem": "string" }, "d": { "kind": "chan" }, "res": { "kind": "map" } },
            "threads": {
                "selector": [ { "op": "select", "cases": [
                    { "case": "recv", "obj": "c", "into": "v", "ok": "ok", "body": [
                        { "op": "if", "cond": { "var": "ok", "eq": false }, "then": [
                            { "op": "if", "cond": { "var": "v", "eq": "" }, "then": [
                                { "op": "set", "obj": "res", "key": "got", "value": "zero-false" }
                            ] }
                        ] }
                    ] },
                    { "case": "recv", "obj": "d", "body": [
                        { "op": "set", "obj": "res", "key": "got", "value": "d" }
                    ] }
                ] } ],
                "closer": [ { "op": "close", "obj": "c" } ]
            }
        }),
        json!([ { "obj": "res", "key": "got", "value": "zero-false" } ]),
    );
    // Send case: the select panics in its own thread, blocked or not.
    let sigs = failures(
        json!({
            "objects": { "c": { "kind": "chan" }, "d": { "kind": "chan" }, "res": { "kind": "map" } },
            "threads": {
                "selector": [
                    { "op": "select", "cases": [
                        { "case": "send", "obj": "c", "value": 1 },
                        { "case": "recv", "obj": "d" }
                    ] },
                    { "op": "set", "obj": "res", "key": "after-select", "value": true }
                ],
                "closer": [ { "op": "close", "obj": "c" } ]
            }
        }),
        json!([ { "obj": "res", "key": "after-select", "absent": true } ]),
    );
    assert_sig(
        only(&sigs),
        "chan-send-closed",
        FailureKind::Panic,
        "send on closed channel",
        Some("selector"),
    );
}

#[test]
fn select_nil_channel_case_is_never_ready() {
    never_fails(
        json!({
            "objects": { "n": { "kind": "chan", "nil": true }, "res": { "kind": "map", "value_type": "string" } },
            "threads": { "t": [
                { "op": "select", "cases": [
                    { "case": "recv", "obj": "n", "body": [ { "op": "set", "obj": "res", "key": "took", "value": "recv" } ] },
                    { "case": "send", "obj": "n", "value": 1, "body": [ { "op": "set", "obj": "res", "key": "took", "value": "send" } ] },
                    { "case": "default", "body": [ { "op": "set", "obj": "res", "key": "took", "value": "default" } ] }
                ] }
            ] }
        }),
        json!([ { "obj": "res", "key": "took", "value": "default" } ]),
    );
}

// =============================================================================================
// sync.WaitGroup

#[test]
fn wg_negative_panics_in_the_done_thread() {
    let sigs = failures(
        json!({
            "objects": { "wg": { "kind": "waitgroup" } },
            "threads": {
                "adder": [ { "op": "add", "obj": "wg", "delta": 1 } ],
                "doner": [ { "op": "done", "obj": "wg" }, { "op": "done", "obj": "wg" } ]
            }
        }),
        Json::Null,
    );
    assert!(!sigs.is_empty());
    for s in &sigs {
        assert_sig(
            s,
            "wg-negative",
            FailureKind::Panic,
            "sync: negative WaitGroup counter",
            Some("doner"),
        );
    }
    // Add(-n) too, in the Add thread.
    let s = found(json!({
        "objects": { "wg": { "kind": "waitgroup" } },
        "threads": {
            "other": [ { "op": "yield" } ],
            "subtracter": [ { "op": "add", "obj": "wg", "delta": -2 } ]
        },
        "expect": { "fails": { "id": "wg-negative" } }
    }));
    assert_sig(
        &s,
        "wg-negative",
        FailureKind::Panic,
        "sync: negative WaitGroup counter",
        Some("subtracter"),
    );
}

/// main: Add(1), go doner{Done}, go adder{Add(1); Done}, Wait. The adder's Add can land while
/// main waits and the counter is 0 (Add called concurrently with Wait, in the adder), or after
/// the Done released main but before main's Wait returned (reuse, in main).
fn wg_race() -> Json {
    json!({
        "objects": { "wg": { "kind": "waitgroup" } },
        "threads": { "main": [
            { "op": "add", "obj": "wg", "delta": 1 },
            { "op": "spawn", "thread": "doner", "body": [ { "op": "done", "obj": "wg" } ] },
            { "op": "spawn", "thread": "adder", "body": [
                { "op": "add", "obj": "wg", "delta": 1 },
                { "op": "done", "obj": "wg" }
            ] },
            { "op": "wait", "obj": "wg" }
        ] }
    })
}

fn wg_race_failures() -> Vec<Signature> {
    let sigs = failures(wg_race(), Json::Null);
    for s in &sigs {
        assert!(
            matches!(s.id.as_str(), "wg-add-during-wait" | "wg-reuse"),
            "only the two misuse panics are possible here: {s:?}"
        );
    }
    sigs
}

#[test]
fn wg_add_during_wait_panics_in_the_add_thread() {
    let sigs = wg_race_failures();
    let add: Vec<_> = sigs
        .iter()
        .filter(|s| s.id == "wg-add-during-wait")
        .collect();
    assert!(!add.is_empty(), "{sigs:?}");
    for s in add {
        assert_sig(
            s,
            "wg-add-during-wait",
            FailureKind::Panic,
            "sync: WaitGroup misuse: Add called concurrently with Wait",
            Some("adder"),
        );
    }
}

#[test]
fn wg_reuse_panics_in_the_wait_thread() {
    let sigs = wg_race_failures();
    let reuse: Vec<_> = sigs.iter().filter(|s| s.id == "wg-reuse").collect();
    assert!(!reuse.is_empty(), "{sigs:?}");
    for s in reuse {
        assert_sig(
            s,
            "wg-reuse",
            FailureKind::Panic,
            "sync: WaitGroup is reused before previous Wait has returned",
            Some("main"),
        );
        assert_eq!(s.op.as_deref(), Some("$.threads.main[3]"), "the Wait op");
    }
}

/// Wait's wakeup is a semaphore permit that any acquirer may take: after the counter reaches
/// 0, a goroutine that reuses the WaitGroup and calls Wait can take the permit meant for a
/// stale waiter and panic in its own Wait (what Go usually shows), or the stale waiter wakes
/// first and panics (HAZARDS.md wg-reuse). Both must be reachable.
#[test]
fn wg_reuse_panics_in_the_reusing_wait_and_in_the_stale_waiter() {
    let sigs = failures(
        json!({
            "objects": { "wg": { "kind": "waitgroup" } },
            "threads": { "main": [
                { "op": "add", "obj": "wg", "delta": 1 },
                { "op": "spawn", "thread": "worker", "body": [ { "op": "done", "obj": "wg" } ] },
                { "op": "spawn", "thread": "monitor", "body": [ { "op": "wait", "obj": "wg" } ] },
                { "op": "wait", "obj": "wg" },
                { "op": "add", "obj": "wg", "delta": 1 },
                { "op": "spawn", "thread": "worker", "body": [ { "op": "done", "obj": "wg" } ] },
                { "op": "wait", "obj": "wg" }
            ] }
        }),
        Json::Null,
    );
    let mut threads: Vec<_> = sigs
        .iter()
        .filter(|s| s.id == "wg-reuse")
        .map(|s| {
            (
                s.thread.clone().unwrap_or_default(),
                s.op.clone().unwrap_or_default(),
            )
        })
        .collect();
    threads.sort();
    threads.dedup();
    assert_eq!(
        threads,
        [
            ("main".to_string(), "$.threads.main[6]".to_string()),
            (
                "monitor".to_string(),
                "$.threads.main[2].body[0]".to_string()
            ),
        ],
        "{sigs:?}"
    );
}

#[test]
fn wg_used_correctly_never_fails() {
    never_fails(
        json!({
            "objects": { "wg": { "kind": "waitgroup" } },
            "threads": { "main": [
                { "op": "add", "obj": "wg", "delta": 2 },
                { "op": "spawn", "thread": "w", "body": [ { "op": "done", "obj": "wg" } ] },
                { "op": "spawn", "thread": "w", "body": [ { "op": "done", "obj": "wg" } ] },
                { "op": "wait", "obj": "wg" }
            ] }
        }),
        json!([ { "obj": "wg", "count": 0 } ]),
    );
}

// =============================================================================================
// sync.Mutex and sync.RWMutex

#[test]
fn mutex_unlock_of_unlocked_is_fatal() {
    let s = found(json!({
        "objects": { "mu": { "kind": "mutex" } },
        "threads": { "t": [ { "op": "unlock", "obj": "mu" } ] },
        "expect": { "fails": { "id": "mutex-unlock-unlocked" } }
    }));
    assert_sig(
        &s,
        "mutex-unlock-unlocked",
        FailureKind::Fatal,
        "sync: unlock of unlocked mutex",
        Some("t"),
    );
}

#[test]
fn mutex_has_no_owner_any_thread_may_unlock() {
    never_fails(
        json!({
            "objects": { "mu": { "kind": "mutex" }, "c": { "kind": "chan" } },
            "threads": {
                "locker": [ { "op": "lock", "obj": "mu" }, { "op": "send", "obj": "c", "value": 1 } ],
                "unlocker": [ { "op": "recv", "obj": "c" }, { "op": "unlock", "obj": "mu" } ]
            }
        }),
        json!([ { "obj": "mu", "locked": false } ]),
    );
}

#[test]
fn rwmutex_runlock_of_unlocked_is_fatal() {
    for pre in [json!([]), json!([ { "op": "lock", "obj": "rw" } ])] {
        // With no reader, and while write-locked.
        let mut ops = pre.as_array().unwrap().clone();
        ops.push(json!({ "op": "runlock", "obj": "rw" }));
        let s = found(json!({
            "objects": { "rw": { "kind": "rwmutex" } },
            "threads": { "t": ops },
            "expect": { "fails": { "id": "rwmutex-runlock-unlocked" } }
        }));
        assert_sig(
            &s,
            "rwmutex-runlock-unlocked",
            FailureKind::Fatal,
            "sync: RUnlock of unlocked RWMutex",
            Some("t"),
        );
    }
}

#[test]
fn rwmutex_unlock_of_unlocked_is_fatal() {
    for pre in [json!([]), json!([ { "op": "rlock", "obj": "rw" } ])] {
        // Not write-locked, also when read-locked.
        let mut ops = pre.as_array().unwrap().clone();
        ops.push(json!({ "op": "unlock", "obj": "rw" }));
        let s = found(json!({
            "objects": { "rw": { "kind": "rwmutex" } },
            "threads": { "t": ops },
            "expect": { "fails": { "id": "rwmutex-unlock-unlocked" } }
        }));
        assert_sig(
            &s,
            "rwmutex-unlock-unlocked",
            FailureKind::Fatal,
            "sync: Unlock of unlocked RWMutex",
            Some("t"),
        );
    }
}

#[test]
fn extra_runlock_while_others_hold_read_locks_is_not_flagged() {
    // b holds a read lock (a waits for its signal) when a unlocks twice: the extra RUnlock
    // silently steals b's count.
    never_fails(
        json!({
            "objects": { "rw": { "kind": "rwmutex" }, "c": { "kind": "chan" } },
            "threads": {
                "a": [
                    { "op": "rlock", "obj": "rw" },
                    { "op": "recv", "obj": "c" },
                    { "op": "runlock", "obj": "rw" },
                    { "op": "runlock", "obj": "rw" }
                ],
                "b": [ { "op": "rlock", "obj": "rw" }, { "op": "send", "obj": "c", "value": 1 } ]
            }
        }),
        Json::Null,
    );
    // ...but when b then releases the read lock it believes it holds, there is none left.
    let sigs = failures(
        json!({
            "objects": { "rw": { "kind": "rwmutex" }, "c": { "kind": "chan" }, "done": { "kind": "chan" } },
            "threads": {
                "a": [
                    { "op": "rlock", "obj": "rw" },
                    { "op": "recv", "obj": "c" },
                    { "op": "runlock", "obj": "rw" },
                    { "op": "runlock", "obj": "rw" },
                    { "op": "send", "obj": "done", "value": 1 }
                ],
                "b": [
                    { "op": "rlock", "obj": "rw" },
                    { "op": "send", "obj": "c", "value": 1 },
                    { "op": "recv", "obj": "done" },
                    { "op": "runlock", "obj": "rw" }
                ]
            }
        }),
        Json::Null,
    );
    let s = only(&sigs);
    assert_sig(
        s,
        "rwmutex-runlock-unlocked",
        FailureKind::Fatal,
        "sync: RUnlock of unlocked RWMutex",
        Some("b"),
    );
    assert_eq!(s.op.as_deref(), Some("$.threads.b[3]"));
}

// =============================================================================================
// Deadlocks and leaks

#[test]
fn global_deadlock_is_fatal_with_gos_message() {
    let p = prog(json!({
        "objects": { "c": { "kind": "chan" } },
        "threads": {
            "r1": [ { "op": "recv", "obj": "c" } ],
            "r2": [ { "op": "recv", "obj": "c" } ]
        },
        "expect": { "fails": { "id": "deadlock" } }
    }));
    let f = find(&p);
    assert_sig(&f.signature, "deadlock", FailureKind::Fatal, DEADLOCK, None);
    let mut blocked: Vec<(String, WaitReason)> = f
        .failed
        .failure
        .blocked()
        .iter()
        .map(|b| (b.thread.clone(), b.reason))
        .collect();
    blocked.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        blocked,
        vec![
            // Go's dump lists main's goroutine too, waiting for the threads it started.
            ("main".to_string(), WaitReason::WaitGroupWait),
            ("r1".to_string(), WaitReason::ChanReceive),
            ("r2".to_string(), WaitReason::ChanReceive)
        ]
    );
    assert!(f
        .failed
        .failure
        .render()
        .starts_with(&format!("fatal error: {DEADLOCK}")));
}

/// Find the failure with catalog id `id` and check it is a global deadlock (fatal, Go's text).
fn diagnosed_deadlock(id: &str, v: Json) -> Signature {
    let mut v = v;
    v["expect"] = json!({ "fails": { "id": id } });
    let s = found(v);
    assert_sig(&s, id, FailureKind::Fatal, DEADLOCK, None);
    s
}

#[test]
fn deadlock_diagnosed_mutex_double_lock() {
    diagnosed_deadlock(
        "mutex-double-lock",
        json!({
            "objects": { "mu": { "kind": "mutex" } },
            "threads": { "t": [ { "op": "lock", "obj": "mu" }, { "op": "lock", "obj": "mu" } ] }
        }),
    );
}

#[test]
fn deadlock_diagnosed_lock_order_inversion() {
    diagnosed_deadlock(
        "lock-order-inversion",
        json!({
            "objects": { "a": { "kind": "mutex" }, "b": { "kind": "mutex" } },
            "threads": {
                "t1": [
                    { "op": "lock", "obj": "a" }, { "op": "lock", "obj": "b" },
                    { "op": "unlock", "obj": "b" }, { "op": "unlock", "obj": "a" }
                ],
                "t2": [
                    { "op": "lock", "obj": "b" }, { "op": "lock", "obj": "a" },
                    { "op": "unlock", "obj": "a" }, { "op": "unlock", "obj": "b" }
                ]
            }
        }),
    );
}

#[test]
fn deadlock_diagnosed_rwmutex_nested_rlock() {
    diagnosed_deadlock(
        "rwmutex-nested-rlock",
        json!({
            "objects": { "rw": { "kind": "rwmutex" } },
            "threads": {
                "reader": [
                    { "op": "rlock", "obj": "rw" }, { "op": "rlock", "obj": "rw" },
                    { "op": "runlock", "obj": "rw" }, { "op": "runlock", "obj": "rw" }
                ],
                "writer": [ { "op": "lock", "obj": "rw" }, { "op": "unlock", "obj": "rw" } ]
            }
        }),
    );
}

#[test]
fn deadlock_diagnosed_once_recursive() {
    diagnosed_deadlock(
        "once-recursive",
        json!({
            "objects": { "o": { "kind": "once" } },
            "threads": { "t": [ { "op": "do", "obj": "o", "body": [
                { "op": "do", "obj": "o", "body": [ { "op": "yield" } ] }
            ] } ] }
        }),
    );
}

#[test]
fn deadlock_diagnosed_wg_wait_forever() {
    diagnosed_deadlock(
        "wg-wait-forever",
        json!({
            "objects": { "wg": { "kind": "waitgroup" } },
            "threads": { "main": [
                { "op": "add", "obj": "wg", "delta": 2 },
                { "op": "spawn", "thread": "w", "body": [ { "op": "done", "obj": "wg" } ] },
                { "op": "wait", "obj": "wg" }
            ] }
        }),
    );
}

#[test]
fn deadlock_diagnosed_chan_nil_block() {
    for op in [
        json!({ "op": "send", "obj": "n", "value": 1 }),
        json!({ "op": "recv", "obj": "n" }),
    ] {
        diagnosed_deadlock(
            "chan-nil-block",
            json!({
                "objects": { "n": { "kind": "chan", "nil": true } },
                "threads": { "t": [ op ] }
            }),
        );
    }
}

#[test]
fn a_writer_waiting_for_a_stuck_reader_is_not_a_lock_order_inversion() {
    // One lock only: the reader holds it and waits on a channel nobody sends on; the writer
    // waits for the reader. A deadlock, but no lock-order cycle (HAZARDS: "thread 1 holds A
    // wants B, thread 2 holds B wants A").
    let sigs = failures(
        json!({
            "objects": { "rw": { "kind": "rwmutex" }, "c": { "kind": "chan" } },
            "threads": {
                "reader": [ { "op": "rlock", "obj": "rw" }, { "op": "recv", "obj": "c" } ],
                "writer": [ { "op": "lock", "obj": "rw" } ]
            }
        }),
        Json::Null,
    );
    assert!(!sigs.is_empty());
    for s in &sigs {
        assert_eq!(s.kind, FailureKind::Fatal, "{s:?}");
        assert_eq!(s.message, DEADLOCK, "{s:?}");
        assert_ne!(
            s.id, "lock-order-inversion",
            "one lock cannot be taken in two orders: {s:?}"
        );
        assert_ne!(
            s.id, "lock-chan-cycle",
            "the writer never uses the channel: {s:?}"
        );
    }
}

/// A goroutine holding a lock waits on a channel whose partner waits for that lock
/// (HAZARDS.md, lock and channel cycles): its own id, as a global deadlock when every thread
/// is stuck and as a leak when main has returned, and the dump says who holds what.
#[test]
fn a_lock_and_channel_cycle_is_named_with_who_holds_what() {
    let x = dfs_exhaust(&prog({
        let mut v: Json =
            serde_json::from_str(&std::fs::read_to_string(scenario("lock-chan-cycle")).unwrap())
                .unwrap();
        v["expect"] = collect_all();
        v
    }));
    let f = x
        .findings
        .iter()
        .find(|f| f.signature.id == "lock-chan-cycle")
        .unwrap_or_else(|| panic!("{:?}", sigs(&x)));
    assert_eq!(f.signature.kind, FailureKind::Fatal);
    assert_eq!(f.signature.message, DEADLOCK);
    let rendered = f.failed.failure.render();
    assert!(
        rendered.contains("[chan send]: (publisher, waits on updates, holds mu)")
            && rendered.contains("[sync.Mutex.Lock]: (subscriber, waits on mu)"),
        "{rendered}"
    );
    assert_eq!(sigs(&x).len(), 1, "the only failure: {:?}", sigs(&x));

    // Spawned by a main that returns: the same cycle, left behind as a leak.
    let s = leak(
        json!({ "mu": { "kind": "mutex" }, "updates": { "kind": "chan" } }),
        json!([ { "op": "spawn", "thread": "publisher", "body": [
            { "op": "lock", "obj": "mu" },
            { "op": "send", "obj": "updates", "value": 1 },
            { "op": "unlock", "obj": "mu" }
        ] } ]),
        json!([
            { "op": "lock", "obj": "mu" },
            { "op": "unlock", "obj": "mu" },
            { "op": "recv", "obj": "updates" }
        ]),
    );
    assert_eq!(s.id, "lock-chan-cycle", "{s:?}");
    assert_eq!(s.kind, FailureKind::Leak, "{s:?}");
}

/// The publisher waits in a `select` of two cases (hand the update over, or hear of a quit
/// nobody sends) while it holds the lock its subscriber waits for: the same cycle, through a
/// select (HAZARDS.md, lock and channel cycles: "send, receive, select").
#[test]
fn a_lock_and_channel_cycle_through_a_select_is_named() {
    // The publisher holds mu in a select over updates and quit; `partner` is the other thread.
    let with = |partner: Json| {
        failures(
            json!({
                "objects": {
                    "mu": { "kind": "mutex" },
                    "updates": { "kind": "chan" },
                    "quit": { "kind": "chan" }
                },
                "threads": {
                    "publisher": [
                        { "op": "lock", "obj": "mu" },
                        { "op": "select", "cases": [
                            { "case": "send", "obj": "updates", "value": 1 },
                            { "case": "recv", "obj": "quit" }
                        ] },
                        { "op": "unlock", "obj": "mu" }
                    ],
                    "partner": partner
                }
            }),
            Json::Null,
        )
    };
    let sigs = with(json!([
        { "op": "lock", "obj": "mu" },
        { "op": "unlock", "obj": "mu" },
        { "op": "recv", "obj": "updates" }
    ]));
    let cycle: Vec<_> = sigs.iter().filter(|s| s.id == "lock-chan-cycle").collect();
    assert!(!cycle.is_empty(), "{sigs:?}");
    for s in cycle {
        assert_eq!(s.kind, FailureKind::Fatal, "{s:?}");
        assert_eq!(s.message, DEADLOCK, "{s:?}");
    }
    // A partner that never uses either channel is no cycle.
    let sigs = with(json!([ { "op": "lock", "obj": "mu" } ]));
    assert!(!sigs.is_empty());
    assert!(sigs.iter().all(|s| s.id != "lock-chan-cycle"), "{sigs:?}");
}

#[test]
fn rwmutex_write_lock_twice_is_a_double_lock_not_a_lock_order_inversion() {
    let sigs = failures(
        json!({
            "objects": { "rw": { "kind": "rwmutex" } },
            "threads": { "t": [ { "op": "lock", "obj": "rw" }, { "op": "lock", "obj": "rw" } ] }
        }),
        Json::Null,
    );
    let s = only(&sigs);
    assert_eq!(s.message, DEADLOCK);
    assert_ne!(s.id, "lock-order-inversion", "{s:?}");
    assert_eq!(s.id, "mutex-double-lock", "{s:?}");
}

/// A scenario whose main spawns `body` as thread `s` and returns: s is left blocked forever.
fn leak(objects: Json, pre: Json, body: Json) -> Signature {
    let mut main = pre.as_array().cloned().unwrap_or_default();
    main.push(json!({ "op": "spawn", "thread": "s", "body": body }));
    let sigs = failures(
        json!({ "objects": objects, "threads": { "main": main } }),
        Json::Null,
    );
    only(&sigs).clone()
}

#[test]
fn leak_when_only_spawned_threads_are_blocked() {
    let cases = [
        (
            json!({ "c": { "kind": "chan" } }),
            json!([]),
            json!([ { "op": "send", "obj": "c", "value": 1 } ]),
            "chan send",
            Some("chan-leak"),
        ),
        (
            json!({ "c": { "kind": "chan" } }),
            json!([]),
            json!([ { "op": "recv", "obj": "c" } ]),
            "chan receive",
            Some("chan-leak"),
        ),
        (
            json!({ "n": { "kind": "chan", "nil": true } }),
            json!([]),
            json!([ { "op": "send", "obj": "n", "value": 1 } ]),
            "chan send (nil chan)",
            Some("chan-nil-block"),
        ),
        (
            json!({ "n": { "kind": "chan", "nil": true } }),
            json!([]),
            json!([ { "op": "recv", "obj": "n" } ]),
            "chan receive (nil chan)",
            Some("chan-nil-block"),
        ),
        (
            json!({ "mu": { "kind": "mutex" } }),
            json!([ { "op": "lock", "obj": "mu" } ]),
            json!([ { "op": "lock", "obj": "mu" } ]),
            "sync.Mutex.Lock",
            None,
        ),
        (
            json!({ "wg": { "kind": "waitgroup" } }),
            json!([ { "op": "add", "obj": "wg", "delta": 1 } ]),
            json!([ { "op": "wait", "obj": "wg" } ]),
            "sync.WaitGroup.Wait",
            Some("wg-wait-forever"),
        ),
    ];
    for (objects, pre, body, reason, id) in cases {
        let s = leak(objects, pre, body);
        assert_eq!(s.kind, FailureKind::Leak, "{s:?}");
        assert_eq!(
            s.message,
            format!("goroutine leak: s [{reason}] blocked forever"),
            "{s:?}"
        );
        assert_eq!(s.thread.as_deref(), Some("s"), "{s:?}");
        assert!(
            !s.message.contains("all goroutines are asleep"),
            "a leak is not Go's global deadlock"
        );
        if let Some(id) = id {
            assert_eq!(s.id, id, "{s:?}");
        }
    }
}

// =============================================================================================
// sync.Once

#[test]
fn once_panic_propagates() {
    let s = found(json!({
        "objects": { "o": { "kind": "once" } },
        "threads": { "t": [ { "op": "do", "obj": "o", "body": [ { "op": "panic", "value": "boom" } ] } ] },
        "expect": { "fails": { "id": "panic" } }
    }));
    assert_sig(&s, "panic", FailureKind::Panic, "boom", Some("t"));
}

#[test]
fn once_panic_marks_done_later_do_skips_f_without_panicking() {
    never_fails(
        json!({
            "objects": { "o": { "kind": "once" }, "res": { "kind": "map" } },
            "threads": { "t": [
                { "op": "recover", "into": "r", "body": [
                    { "op": "do", "obj": "o", "body": [ { "op": "panic", "value": "boom" } ] }
                ] },
                { "op": "if", "cond": { "var": "r", "eq": "boom" }, "then": [
                    { "op": "set", "obj": "res", "key": "recovered", "value": true }
                ] },
                { "op": "do", "obj": "o", "body": [
                    { "op": "set", "obj": "res", "key": "ran-again", "value": true }
                ] },
                { "op": "set", "obj": "res", "key": "after", "value": true }
            ] }
        }),
        json!([
            { "obj": "res", "key": "recovered", "value": true },
            { "obj": "res", "key": "ran-again", "absent": true },
            { "obj": "res", "key": "after", "value": true }
        ]),
    );
    // The latent failure: the state f was to initialise stays nil.
    let s = found(json!({
        "objects": { "o": { "kind": "once" }, "m": { "kind": "map", "nil": true } },
        "threads": { "t": [
            { "op": "recover", "body": [
                { "op": "do", "obj": "o", "body": [
                    { "op": "panic", "value": "init failed" },
                    { "op": "make", "obj": "m" }
                ] }
            ] },
            { "op": "do", "obj": "o", "body": [ { "op": "make", "obj": "m" } ] },
            { "op": "set", "obj": "m", "key": "k", "value": 1 }
        ] },
        "expect": { "fails": { "id": "map-nil-write" } }
    }));
    assert_sig(
        &s,
        "map-nil-write",
        FailureKind::Panic,
        "assignment to entry in nil map",
        Some("t"),
    );
    assert_eq!(s.op.as_deref(), Some("$.threads.t[2]"));
}

// =============================================================================================
// Rendering

#[test]
fn failures_render_as_go_prints_them() {
    let cases: &[(Failure, &str, FailureKind, &str)] = &[
        (
            Failure::NilMapWrite,
            "map-nil-write",
            FailureKind::Panic,
            "panic: assignment to entry in nil map",
        ),
        (
            Failure::ConcurrentMapWrites,
            "map-concurrent-writes",
            FailureKind::Fatal,
            "fatal error: concurrent map writes",
        ),
        (
            Failure::ConcurrentMapReadWrite,
            "map-read-write",
            FailureKind::Fatal,
            "fatal error: concurrent map read and map write",
        ),
        (
            Failure::ConcurrentMapIterWrite,
            "map-iter-write",
            FailureKind::Fatal,
            "fatal error: concurrent map iteration and map write",
        ),
        (
            Failure::ConcurrentMapCloneWrite,
            "map-clone-write",
            FailureKind::Fatal,
            "fatal error: concurrent map clone and map write",
        ),
        (
            Failure::SendOnClosedChannel,
            "chan-send-closed",
            FailureKind::Panic,
            "panic: send on closed channel",
        ),
        (
            Failure::CloseOfClosedChannel,
            "chan-close-closed",
            FailureKind::Panic,
            "panic: close of closed channel",
        ),
        (
            Failure::CloseOfNilChannel,
            "chan-close-nil",
            FailureKind::Panic,
            "panic: close of nil channel",
        ),
        (
            Failure::NegativeWaitGroupCounter,
            "wg-negative",
            FailureKind::Panic,
            "panic: sync: negative WaitGroup counter",
        ),
        (
            Failure::WaitGroupAddDuringWait,
            "wg-add-during-wait",
            FailureKind::Panic,
            "panic: sync: WaitGroup misuse: Add called concurrently with Wait",
        ),
        (
            Failure::WaitGroupReused,
            "wg-reuse",
            FailureKind::Panic,
            "panic: sync: WaitGroup is reused before previous Wait has returned",
        ),
        (
            Failure::UnlockOfUnlockedMutex,
            "mutex-unlock-unlocked",
            FailureKind::Fatal,
            "fatal error: sync: unlock of unlocked mutex",
        ),
        (
            Failure::RUnlockOfUnlockedRWMutex,
            "rwmutex-runlock-unlocked",
            FailureKind::Fatal,
            "fatal error: sync: RUnlock of unlocked RWMutex",
        ),
        (
            Failure::UnlockOfUnlockedRWMutex,
            "rwmutex-unlock-unlocked",
            FailureKind::Fatal,
            "fatal error: sync: Unlock of unlocked RWMutex",
        ),
        (
            Failure::UserPanic(Value::Str("boom".into())),
            "panic",
            FailureKind::Panic,
            "panic: boom",
        ),
        (
            Failure::Deadlock {
                id: "deadlock",
                blocked: vec![],
            },
            "deadlock",
            FailureKind::Fatal,
            "fatal error: all goroutines are asleep - deadlock!",
        ),
    ];
    for (f, id, kind, text) in cases {
        assert_eq!(f.render(), *text, "{f:?}");
        assert_eq!(f.to_string(), *text, "{f:?}");
        assert_eq!(f.kind(), *kind, "{f:?}");
        assert_eq!(f.catalog_id(), *id, "{f:?}");
        // Channel, map and sync failures carry no `runtime error: ` prefix.
        assert!(!f.render().contains("runtime error"), "{f:?}");
        assert!(
            !f.message().starts_with("panic") && !f.message().starts_with("fatal"),
            "{f:?}"
        );
    }
    // A deadlock's dump lists the blocked goroutines with Go's wait reasons.
    let d = Failure::Deadlock {
        id: "deadlock",
        blocked: vec![Blocked {
            thread: "r1".into(),
            reason: WaitReason::ChanReceive,
            object: Some("c".into()),
            op: "$.threads.r1[0]".into(),
            holds: Vec::new(),
        }],
    };
    assert!(
        d.render()
            .starts_with("fatal error: all goroutines are asleep - deadlock!\n"),
        "{}",
        d.render()
    );
    assert!(d.render().contains("[chan receive]"), "{}", d.render());
    // Leaks are not something Go prints.
    let l = Failure::Leak {
        id: "chan-leak",
        blocked: d.blocked().to_vec(),
    };
    assert_eq!(l.kind(), FailureKind::Leak);
    assert!(
        !l.render().starts_with("panic") && !l.render().starts_with("fatal error"),
        "{}",
        l.render()
    );
}

#[test]
fn wait_reasons_use_gos_words() {
    for (r, text) in [
        (WaitReason::ChanSend, "chan send"),
        (WaitReason::ChanReceive, "chan receive"),
        (WaitReason::ChanSendNil, "chan send (nil chan)"),
        (WaitReason::ChanReceiveNil, "chan receive (nil chan)"),
        (WaitReason::Select, "select"),
        (WaitReason::SelectNoCases, "select (no cases)"),
        (WaitReason::MutexLock, "sync.Mutex.Lock"),
        (WaitReason::RWMutexRLock, "sync.RWMutex.RLock"),
        (WaitReason::RWMutexLock, "sync.RWMutex.Lock"),
        (WaitReason::WaitGroupWait, "sync.WaitGroup.Wait"),
    ] {
        assert_eq!(r.as_str(), text);
        assert_eq!(r.to_string(), text);
    }
}

// =============================================================================================
// Replay

fn racy_writers() -> std::sync::Arc<harness::scenario::Program> {
    prog(json!({
        "objects": { "m": { "kind": "map" } },
        "threads": {
            "w1": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ],
            "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
        },
        "expect": { "fails": { "id": "map-concurrent-writes" } }
    }))
}

#[test]
fn replay_is_deterministic() {
    let p = racy_writers();
    let f = find(&p);
    let max_steps = 20_000;
    let a = replay(&p, &f.schedule, max_steps, false).expect("the schedule replays");
    let b = replay(&p, &f.schedule, max_steps, false).expect("the schedule replays again");
    let t = replay(&p, &f.schedule, max_steps, true).expect("the schedule replays with a trace");
    assert_eq!(a.signature.as_ref(), Some(&f.signature));
    assert_eq!(a.signature, b.signature);
    assert_eq!(a.signature, t.signature);
    assert_eq!(a.steps, b.steps);
    assert_eq!(a.steps, t.steps);
    assert_eq!(a.threads, b.threads);
    assert_eq!(a.failed, b.failed);
    // The text form round-trips.
    let text = f.schedule.encode();
    assert_eq!(Schedule::decode(&text).unwrap(), f.schedule);
    let c = replay(&p, &Schedule::decode(&text).unwrap(), max_steps, false).unwrap();
    assert_eq!(c.signature.as_ref(), Some(&f.signature));
    assert_eq!(c.steps, a.steps);
}

#[test]
fn corrupted_schedules_diverge_without_panicking() {
    let p = racy_writers();
    let f = find(&p);
    let mut too_long = f.schedule.clone();
    too_long.decisions.extend([Decision::Thread(0); 50]);
    let mut corrupted: Vec<(String, Schedule)> = vec![
        ("9x3".into(), Schedule::decode("9x3").unwrap()),
        ("c1 c1".into(), Schedule::decode("c1 c1").unwrap()),
        ("empty".into(), Schedule::default()),
        ("too long".into(), too_long),
        ("0x5000".into(), Schedule::decode("0x5000").unwrap()),
    ];
    if f.schedule.len() > 1 {
        let mut cut = f.schedule.clone();
        cut.decisions.truncate(1);
        corrupted.push(("truncated".into(), cut));
    }
    for (name, s) in corrupted {
        let r = std::panic::catch_unwind(|| replay(&p, &s, 20_000, false));
        match r {
            Err(_) => panic!("{name}: replay panicked"),
            Ok(Err(ReplayError::Diverged(msg))) => assert!(!msg.is_empty(), "{name}"),
            Ok(other) => panic!("{name}: expected a divergence, got {other:?}"),
        }
    }
}

#[test]
fn schedule_decode_of_garbage_is_an_error() {
    for bad in [
        "garbage",
        "0x",
        "x3",
        "0x0",
        "c",
        "cc1",
        "1 2 -3",
        "1.5",
        "0x-1",
        "t1",
        "0xx2",
        "99999999999999999999",
    ] {
        let r = std::panic::catch_unwind(|| Schedule::decode(bad));
        match r {
            Ok(Err(e)) => assert!(e.token >= 1, "{bad}: {e}"),
            Ok(Ok(s)) => panic!("{bad:?} decoded as {s:?}"),
            Err(_) => panic!("{bad:?}: decode panicked"),
        }
    }
    // A huge repeat count is refused, not allocated.
    assert!(Schedule::decode("0x99999999999").is_err());
    assert!(Schedule::decode("0x9000000 1x9000000").is_err());
}

// =============================================================================================
// The Go check's allowances (harness/tests/go/manifest.json)

/// Where the Go check accepts another outcome for a scenario whose own is rare in Go
/// (`rare.otherwise`), that outcome must be one hazard finds for the same scenario too:
/// the allowance may not hide a failure hazard cannot produce.
#[test]
fn every_outcome_the_go_check_allows_is_one_hazard_finds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go");
    let manifest: Json =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for p in manifest["programs"].as_array().unwrap() {
        let Some(rare) = p.get("rare") else { continue };
        let text =
            std::fs::read_to_string(scenarios().join(p["scenario"].as_str().unwrap())).unwrap();
        let mut v: Json = serde_json::from_str(&text).unwrap();
        v["expect"] = collect_all();
        let found = all_failures(&prog(v));
        for spec in rare["otherwise"].as_array().unwrap() {
            if spec["kind"] == "pass" {
                continue;
            }
            // `main.(*world).<thread>` is the scenario thread's method in the Go port.
            let thread = spec["goroutine_func"]
                .as_str()
                .map(|f| f.rsplit(").").next().unwrap().to_string());
            assert!(
                found
                    .iter()
                    .any(|s| s.kind.to_string() == spec["kind"].as_str().unwrap()
                        && s.message == spec["message"].as_str().unwrap()
                        && (thread.is_none() || s.thread == thread)),
                "{}: Go's {spec} is not among hazard's findings {found:?}",
                p["scenario"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "the manifest names no allowed panic or fatal");
}

// =============================================================================================
// Map iteration order

/// The distinct orders in which `range` visits, read off the final-state failures of a
/// scenario that records each key into a slice and expects `expected`.
fn range_orders(objects: Json, body_extra: Json, expected: Json) -> Vec<String> {
    let mut body = vec![json!({ "op": "append", "obj": "order", "values": [ { "var": "k" } ] })];
    body.extend(body_extra.as_array().cloned().unwrap_or_default());
    let mut objects = objects;
    objects["order"] = json!({ "kind": "slice", "elem": "string" });
    let sigs = failures(
        json!({
            "objects": objects,
            "threads": { "t": [ { "op": "range", "obj": "m", "key": "k", "body": body } ] }
        }),
        json!([ { "obj": "order", "elems": expected } ]),
    );
    let mut orders: Vec<String> = sigs
        .iter()
        .map(|s| {
            assert_eq!(s.kind, FailureKind::Assertion, "{s:?}");
            s.message.clone()
        })
        .collect();
    orders.sort();
    orders.dedup();
    orders
}

/// Go's iteration order is random: every order of a map's keys is an interleaving the
/// explorer reaches, not only sorted order.
#[test]
fn range_visits_keys_in_every_order() {
    let orders = range_orders(
        json!({ "m": { "kind": "map", "entries": { "a": 1, "b": 2, "c": 3 } } }),
        json!([]),
        json!(["a", "b", "c"]),
    );
    // Every order but the expected one fails, each with its own contents.
    assert_eq!(orders.len(), 5, "{orders:#?}");
    assert!(
        orders
            .iter()
            .any(|o| o.contains(r#"order holds ["c", "b", "a"]"#)),
        "{orders:#?}"
    );
}

/// A key added during the loop may or may not be visited (HAZARDS.md, maps): both outcomes
/// are reachable.
#[test]
fn a_key_added_during_range_may_or_may_not_be_visited() {
    let added = json!([ { "op": "set", "obj": "m", "key": "z", "value": 9 } ]);
    let m = json!({ "m": { "kind": "map", "entries": { "a": 1 } } });
    // Expecting only the starting key: some interleaving also visits the added one.
    let orders = range_orders(m.clone(), added.clone(), json!(["a"]));
    assert_eq!(orders.len(), 1, "{orders:#?}");
    assert!(
        orders[0].contains(r#"order holds ["a", "z"]"#),
        "{orders:#?}"
    );
    // Expecting both: some interleaving ends before the added key.
    let orders = range_orders(m, added, json!(["a", "z"]));
    assert_eq!(orders.len(), 1, "{orders:#?}");
    assert!(orders[0].contains(r#"order holds ["a"]"#), "{orders:#?}");
}

// =============================================================================================
// Which Go tool would have caught it (checked on Go 1.27.3; harness/tests/go/README.md)

fn tools_of(name: &str) -> harness::model::GoTools {
    let text = std::fs::read_to_string(scenario(name)).unwrap();
    let p = prog(serde_json::from_str(&text).unwrap());
    find(&p).failed.failure.go_tools(&p)
}

#[test]
fn each_go_tool_gets_its_own_verdict() {
    use harness::model::Detects::{Depends, No, Yes};
    let t = tools_of("map-concurrent-writes");
    assert_eq!((t.runtime.detects, t.race.detects), (Yes, Yes), "{t:?}");
    assert!(t.runtime.why.contains("GOMAXPROCS >= 2"), "{t:?}");
    // maps.Clone has no race instrumentation: -race never reports it (0 of 6 runs).
    let t = tools_of("map-clone-write");
    assert_eq!((t.runtime.detects, t.race.detects), (Yes, No), "{t:?}");
    // A global deadlock: the runtime reports it, a -race binary hangs.
    let t = tools_of("deadlock");
    assert_eq!(
        (t.runtime.detects, t.race.detects, t.leak_profile.detects),
        (Yes, No, No),
        "{t:?}"
    );
    // A leak: the runtime is silent, the goroutineleak profile sees it when the channel is
    // unreachable, and vet's lostcancel flags the dropped cancel function.
    let t = tools_of("ctx-never-cancelled");
    assert_eq!((t.runtime.detects, t.race.detects), (No, No), "{t:?}");
    assert_eq!(t.leak_profile.detects, Depends, "{t:?}");
    assert!(t.leak_profile.why.contains("watcher"), "{t:?}");
    assert_eq!(t.vet.detects, Yes, "{t:?}");
    assert!(
        t.vet.why.contains("lostcancel") && t.vet.why.contains("reqCtx"),
        "{t:?}"
    );
    // A leak whose contexts are all cancelled somewhere: no lostcancel.
    let t = tools_of("chan-leak");
    assert_eq!(
        (t.leak_profile.detects, t.vet.detects),
        (Depends, No),
        "{t:?}"
    );
    // WaitGroup misuse: sync's own race annotation.
    let t = tools_of("wg-reuse");
    assert_eq!(t.race.detects, Yes, "{t:?}");
    // A second close: the runtime's panic only.
    let t = tools_of("chan-close-closed");
    assert_eq!((t.runtime.detects, t.race.detects), (Yes, No), "{t:?}");
}

/// The cycle through an RWMutex: a reader holds the read lock while it sends, the partner's
/// Lock waits for the reader (its write is pending, new readers already wait behind it).
#[test]
fn a_lock_and_channel_cycle_through_an_rwmutex_names_read_and_pending_write() {
    let x = dfs_exhaust(&prog(json!({
        "objects": { "mu": { "kind": "rwmutex" }, "hits": { "kind": "chan" } },
        "procs": { "lookup": [
            { "op": "rlock", "obj": "mu" },
            { "op": "send", "obj": "hits", "value": 1 },
            { "op": "runlock", "obj": "mu" }
        ] },
        "threads": {
            "handler": [ { "op": "call", "proc": "lookup" } ],
            "collector": [
                { "op": "lock", "obj": "mu" },
                { "op": "unlock", "obj": "mu" },
                { "op": "recv", "obj": "hits" }
            ]
        },
        "expect": collect_all()
    })));
    let f = x
        .findings
        .iter()
        .find(|f| f.signature.id == "lock-chan-cycle")
        .unwrap_or_else(|| panic!("{:?}", sigs(&x)));
    let rendered = f.failed.failure.render();
    assert!(
        rendered.contains("[chan send]: (handler, waits on hits, holds mu (read))")
            && rendered.contains(
                "[sync.RWMutex.Lock]: (collector, waits on mu, holds mu (write pending))"
            ),
        "{rendered}"
    );
}
