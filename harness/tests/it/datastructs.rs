//! The map mitigations of HAZARDS.md (`rwmutex-map`, `sharded-map`, `sync-map`, `cow-map`)
//! and the `handle` port: each map data structure keeps every write under concurrent
//! set/delete/get/range in every interleaving (DFS-exhaustive, so no test passes vacuously),
//! while the plain map under the same ops fails; `sync.Map`'s read/dirty/promotion semantics;
//! an `rwmutex-map` Range whose body writes the map deadlocks; a closed handle returns
//! `bad file descriptor` (`handle-use-after-close`).

use crate::helpers::*;
use harness::explore::replay;
use harness::model::{FailureKind, WaitReason};
use harness::report::trace_steps;
use serde_json::{json, Value as Json};

const DEADLOCK: &str = "all goroutines are asleep - deadlock!";
const EBADF: &str = "bad file descriptor";

/// Every map data structure, as declared in a scenario. The sharded map gets 2 shards in the
/// concurrent tests to keep the exhaustive exploration small (keys a and c hash to shard 0,
/// b to shard 1).
const KINDS: [&str; 4] = ["rwmutex-map", "sharded-map", "sync-map", "cow-map"];

fn decl(kind: &str) -> Json {
    match kind {
        "sharded-map" => json!({ "kind": "sharded-map", "shards": 2 }),
        k => json!({ "kind": k }),
    }
}

/// An `assert` op: the execution fails with `message` unless `var == want`.
fn assert_eq_op(var: &str, want: Json, message: &str) -> Json {
    json!({ "op": "assert", "var": var, "eq": want, "message": message })
}

// =============================================================================================
// Concurrent writers, readers and iterators: no write lost, no torn read

/// Two threads: writer1 stores a and c and deletes a; writer2 stores b, loads a, ranges (every
/// entry it sees must hold the value stored for its key), then overwrites b.
fn mixed_ops(obj: Json) -> Json {
    json!({
        "objects": { "m": obj },
        "threads": {
            "writer1": [
                { "op": "set", "obj": "m", "key": "a", "value": 1 },
                { "op": "set", "obj": "m", "key": "c", "value": 3 },
                { "op": "delete", "obj": "m", "key": "a" }
            ],
            "writer2": [
                { "op": "set", "obj": "m", "key": "b", "value": 2 },
                { "op": "get", "obj": "m", "key": "a", "into": "va", "ok": "oka" },
                { "op": "if", "cond": { "var": "oka" }, "then": [
                    assert_eq_op("va", json!(1), "Load(a) returned a value never stored")
                ] },
                { "op": "range", "obj": "m", "key": "k", "value": "v", "body": [
                    { "op": "if", "cond": { "var": "k", "eq": "a" }, "then": [
                        assert_eq_op("v", json!(1), "Range saw a wrong value for a") ] },
                    { "op": "if", "cond": { "var": "k", "eq": "b" }, "then": [
                        assert_eq_op("v", json!(2), "Range saw a wrong value for b") ] },
                    { "op": "if", "cond": { "var": "k", "eq": "c" }, "then": [
                        assert_eq_op("v", json!(3), "Range saw a wrong value for c") ] }
                ] },
                { "op": "set", "obj": "m", "key": "b", "value": 20 }
            ]
        }
    })
}

fn mixed_ops_final() -> Json {
    json!([
        { "obj": "m", "key": "a", "absent": true },
        { "obj": "m", "key": "b", "value": 20 },
        { "obj": "m", "key": "c", "value": 3 },
        { "obj": "m", "len": 2 }
    ])
}

#[test]
fn every_map_structure_keeps_every_write_under_concurrent_set_delete_get_range() {
    for kind in KINDS {
        let x = std::panic::catch_unwind(|| {
            never_fails(mixed_ops(decl(kind)), mixed_ops_final());
        });
        assert!(x.is_ok(), "{kind} lost a write or returned a torn value");
    }
}

#[test]
fn the_plain_map_under_the_same_ops_fails() {
    // The setup above is meaningful: without a mitigation Go's best-effort checks fire.
    // (The runs where the accesses do not overlap are data races, tests/it/races.rs's subject.)
    let sigs = runtime_failures(mixed_ops(json!({ "kind": "map" })), mixed_ops_final());
    let ids: Vec<&str> = sigs.iter().map(|s| s.id.as_str()).collect();
    assert!(
        ids.contains(&"map-concurrent-writes"),
        "two writers overlap in some interleaving: {sigs:?}"
    );
    assert!(
        ids.contains(&"map-read-write") || ids.contains(&"map-iter-write"),
        "a read or an iteration step overlaps a write in some interleaving: {sigs:?}"
    );
    for s in &sigs {
        assert_eq!(s.kind, FailureKind::Fatal, "{s:?}");
        assert!(
            matches!(s.thread.as_deref(), Some("writer1" | "writer2")),
            "{s:?}"
        );
    }
}

#[test]
fn lock_free_readers_stay_consistent_with_two_writers_and_a_third_reader() {
    // sync.Map and the cow map read without a lock: a third thread that loads and ranges while
    // two others store and delete must still see only stored values, and nothing is lost.
    for kind in ["sync-map", "cow-map"] {
        never_fails(
            json!({
                "objects": { "m": { "kind": kind } },
                "threads": {
                    "writer1": [
                        { "op": "set", "obj": "m", "key": "a", "value": 1 },
                        { "op": "delete", "obj": "m", "key": "a" }
                    ],
                    "writer2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ],
                    "reader": [
                        { "op": "get", "obj": "m", "key": "b", "into": "vb", "ok": "okb" },
                        { "op": "if", "cond": { "var": "okb" }, "then": [
                            assert_eq_op("vb", json!(2), "Load(b) returned a value never stored") ] },
                        { "op": "range", "obj": "m", "key": "k", "value": "v", "body": [
                            { "op": "if", "cond": { "var": "k", "eq": "a" }, "then": [
                                assert_eq_op("v", json!(1), "Range saw a wrong value for a") ] },
                            { "op": "if", "cond": { "var": "k", "eq": "b" }, "then": [
                                assert_eq_op("v", json!(2), "Range saw a wrong value for b") ] }
                        ] }
                    ]
                }
            }),
            json!([
                { "obj": "m", "key": "a", "absent": true },
                { "obj": "m", "key": "b", "value": 2 },
                { "obj": "m", "len": 1 }
            ]),
        );
    }
}

#[test]
fn len_after_concurrent_writers_counts_every_key() {
    // `len` of the structures that have one (sync.Map has none): every shard is counted.
    for kind in ["rwmutex-map", "sharded-map", "cow-map"] {
        never_fails(
            json!({
                "objects": { "m": { "kind": kind }, "wg": { "kind": "waitgroup" } },
                "threads": { "main": [
                    { "op": "add", "obj": "wg", "delta": 2 },
                    { "op": "spawn", "thread": "w1", "body": [
                        { "op": "set", "obj": "m", "key": "a", "value": 1 },
                        { "op": "set", "obj": "m", "key": "b", "value": 2 },
                        { "op": "done", "obj": "wg" }
                    ] },
                    { "op": "spawn", "thread": "w2", "body": [
                        { "op": "set", "obj": "m", "key": "c", "value": 3 },
                        { "op": "set", "obj": "m", "key": "d", "value": 4 },
                        { "op": "delete", "obj": "m", "key": "d" },
                        { "op": "done", "obj": "wg" }
                    ] },
                    { "op": "wait", "obj": "wg" },
                    { "op": "len", "obj": "m", "into": "n" },
                    assert_eq_op("n", json!(3), "len after both writers finished")
                ] }
            }),
            json!([
                { "obj": "m", "len": 3 },
                { "obj": "m", "key": "d", "absent": true }
            ]),
        );
    }
}

#[test]
fn a_lost_write_in_a_structure_would_be_caught() {
    // The final assertions the tests above rely on do fail on a wrong state: claim a key the
    // threads never store, and every structure's exploration reports it.
    for kind in KINDS {
        let sigs = failures(
            json!({
                "objects": { "m": decl(kind) },
                "threads": {
                    "w1": [ { "op": "set", "obj": "m", "key": "a", "value": 1 } ],
                    "w2": [ { "op": "set", "obj": "m", "key": "b", "value": 2 } ]
                }
            }),
            json!([ { "obj": "m", "key": "b", "value": 3 } ]),
        );
        let s = only(&sigs);
        assert_eq!(s.id, "assertion", "{kind}: {s:?}");
        assert_eq!(s.kind, FailureKind::Assertion, "{kind}: {s:?}");
        assert!(s.message.starts_with("final state: "), "{kind}: {s:?}");
    }
}

// =============================================================================================
// sync.Map semantics

#[test]
fn sync_map_load_after_store_delete_then_load_and_range() {
    never_fails(
        json!({
            "objects": { "m": { "kind": "sync-map" }, "seen": { "kind": "map" } },
            "threads": { "t": [
                { "op": "get", "obj": "m", "key": "a", "into": "v0", "ok": "ok0" },
                { "op": "assert", "var": "ok0", "not": true, "message": "Load of a missing key hit" },
                { "op": "assert", "var": "v0", "not": true, "message": "Load of a missing key returned a value" },
                { "op": "set", "obj": "m", "key": "a", "value": 1 },
                { "op": "get", "obj": "m", "key": "a", "into": "v1", "ok": "ok1" },
                { "op": "assert", "var": "ok1", "message": "Load after Store missed" },
                assert_eq_op("v1", json!(1), "Load after Store"),
                { "op": "set", "obj": "m", "key": "a", "value": 2 },
                { "op": "get", "obj": "m", "key": "a", "into": "v2" },
                assert_eq_op("v2", json!(2), "Load after a second Store"),
                { "op": "delete", "obj": "m", "key": "a" },
                { "op": "get", "obj": "m", "key": "a", "into": "v3", "ok": "ok3" },
                { "op": "assert", "var": "ok3", "not": true, "message": "Load after Delete hit" },
                { "op": "set", "obj": "m", "key": "b", "value": 20 },
                { "op": "set", "obj": "m", "key": "c", "value": 30 },
                { "op": "range", "obj": "m", "key": "k", "value": "v", "body": [
                    { "op": "if", "cond": { "var": "k", "eq": "a" }, "then": [
                        { "op": "set", "obj": "seen", "key": "a", "value": 1 } ] },
                    { "op": "if", "cond": { "var": "k", "eq": "b" }, "then": [
                        assert_eq_op("v", json!(20), "Range value of b"),
                        { "op": "set", "obj": "seen", "key": "b", "value": 1 } ] },
                    { "op": "if", "cond": { "var": "k", "eq": "c" }, "then": [
                        assert_eq_op("v", json!(30), "Range value of c"),
                        { "op": "set", "obj": "seen", "key": "c", "value": 1 } ] }
                ] }
            ] }
        }),
        json!([
            { "obj": "seen", "key": "a", "absent": true },
            { "obj": "seen", "key": "b", "value": 1 },
            { "obj": "seen", "key": "c", "value": 1 },
            { "obj": "seen", "len": 2 },
            { "obj": "m", "key": "a", "absent": true },
            { "obj": "m", "len": 2 }
        ]),
    );
}

/// One thread drives sync.Map through its states: new keys in dirty, misses promoting dirty to
/// read, a Delete of a read entry, a Store that rebuilds dirty (expunging the deleted entry),
/// a Load of the expunged entry, a Store that un-expunges it, and a second promotion.
fn promotions() -> Json {
    let load = |key: &str, want: i64| {
        json!([
            { "op": "get", "obj": "m", "key": key, "into": "v", "ok": "ok" },
            { "op": "assert", "var": "ok", "message": format!("Load({key}) missed") },
            assert_eq_op("v", json!(want), &format!("Load({key})"))
        ])
    };
    let mut ops = vec![
        json!({ "op": "set", "obj": "m", "key": "k1", "value": 1 }),
        json!({ "op": "set", "obj": "m", "key": "k2", "value": 2 }),
        json!({ "op": "set", "obj": "m", "key": "k3", "value": 3 }),
    ];
    // Three misses reach len(dirty) == 3: dirty becomes the read map; later loads hit it.
    let mut body = Vec::new();
    for (k, v) in [("k1", 1), ("k2", 2), ("k3", 3)] {
        body.extend(load(k, v).as_array().unwrap().clone());
    }
    ops.push(json!({ "op": "repeat", "times": 3, "body": body }));
    ops.extend([
        json!({ "op": "delete", "obj": "m", "key": "k1" }),
        // A new key with no dirty map: dirtyLocked copies read, expunging k1's nil entry.
        json!({ "op": "set", "obj": "m", "key": "k4", "value": 4 }),
        json!({ "op": "get", "obj": "m", "key": "k1", "into": "gone", "ok": "gone_ok" }),
        json!({ "op": "assert", "var": "gone_ok", "not": true, "message": "Load of a deleted (expunged) key hit" }),
        // Store to the expunged entry: un-expunge it into dirty under the lock.
        json!({ "op": "set", "obj": "m", "key": "k1", "value": 10 }),
        // An overwrite of a read entry: the lock-free trySwap path.
        json!({ "op": "set", "obj": "m", "key": "k2", "value": 20 }),
    ]);
    let mut body = Vec::new();
    for (k, v) in [("k1", 10), ("k2", 20), ("k3", 3), ("k4", 4)] {
        body.extend(load(k, v).as_array().unwrap().clone());
    }
    // k4 misses until the misses reach len(dirty) == 4: the second promotion.
    ops.push(json!({ "op": "repeat", "times": 5, "body": body }));
    json!({
        "objects": { "m": { "kind": "sync-map" } },
        "threads": { "t": ops }
    })
}

fn promotions_final() -> Json {
    json!([
        { "obj": "m", "key": "k1", "value": 10 },
        { "obj": "m", "key": "k2", "value": 20 },
        { "obj": "m", "key": "k3", "value": 3 },
        { "obj": "m", "key": "k4", "value": 4 },
        { "obj": "m", "len": 4 }
    ])
}

#[test]
fn sync_map_values_stay_right_across_promotions() {
    never_fails(promotions(), promotions_final());
}

#[test]
fn sync_map_misses_do_promote_dirty_to_read() {
    // Make the run end in a (deliberate) final-state failure so that its schedule can be
    // replayed with a trace, then read sync.Map's state off the trace: the read-only snapshot
    // goes from empty-and-amended to holding all keys, twice.
    let mut v = promotions();
    let mut fin = promotions_final();
    fin.as_array_mut()
        .unwrap()
        .push(json!({ "obj": "m", "key": "never-stored", "value": 1 }));
    v["expect"] = json!({ "fails": { "kind": "assertion" }, "final": fin });
    let p = prog(v);
    let f = find(&p);
    assert!(
        f.signature.message.contains("never-stored"),
        "only the deliberate assertion fails: {:?}",
        f.signature
    );
    let out = replay(&p, &f.schedule, 20_000, true).expect("the schedule replays");
    let texts: Vec<String> = trace_steps(&p, &out).into_iter().map(|s| s.text).collect();
    let first = |needle: &str| {
        texts
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in the trace:\n{}", texts.join("\n")))
    };
    // Before any promotion the read map is empty and amended.
    let empty = first("loadReadOnly() (0 keys, amended=true)");
    // After three misses: k1..k3 in read, not amended (loads hit lock-free).
    let promoted = first("loadReadOnly() (3 keys, amended=false)");
    // After k4 was stored and enough misses: all four keys in read.
    let promoted_again = first("loadReadOnly() (4 keys, amended=false)");
    assert!(empty < promoted && promoted < promoted_again, "{texts:#?}");
    // The overwrite of k2 went through the read map without the lock.
    assert!(
        texts
            .iter()
            .any(|t| t.contains(r#"Store("k2", 20): swapped in read"#)),
        "{texts:#?}"
    );
}

#[test]
fn sync_map_store_in_one_thread_is_seen_by_a_load_in_another() {
    // Happens-before through channels: the Load after the receive sees the Store (the writer
    // waits for an ack before it deletes), and the Load after the second receive misses the
    // deleted key, in every interleaving.
    never_fails(
        json!({
            "objects": {
                "m": { "kind": "sync-map" },
                "ch": { "kind": "chan" },
                "ack": { "kind": "chan" }
            },
            "threads": {
                "writer": [
                    { "op": "set", "obj": "m", "key": "a", "value": 1 },
                    { "op": "send", "obj": "ch", "value": 1 },
                    { "op": "recv", "obj": "ack" },
                    { "op": "delete", "obj": "m", "key": "a" },
                    { "op": "set", "obj": "m", "key": "b", "value": 2 },
                    { "op": "send", "obj": "ch", "value": 2 }
                ],
                "reader": [
                    { "op": "recv", "obj": "ch" },
                    { "op": "get", "obj": "m", "key": "a", "into": "va", "ok": "oka" },
                    { "op": "assert", "var": "oka", "message": "Load after the Store's send missed" },
                    assert_eq_op("va", json!(1), "Load after the Store's send"),
                    { "op": "send", "obj": "ack", "value": 1 },
                    { "op": "recv", "obj": "ch" },
                    { "op": "get", "obj": "m", "key": "a", "into": "va2", "ok": "oka2" },
                    { "op": "assert", "var": "oka2", "not": true, "message": "Load after Delete hit" },
                    { "op": "get", "obj": "m", "key": "b", "into": "vb" },
                    assert_eq_op("vb", json!(2), "Load of b")
                ]
            }
        }),
        json!([
            { "obj": "m", "key": "a", "absent": true },
            { "obj": "m", "key": "b", "value": 2 },
            { "obj": "m", "len": 1 }
        ]),
    );
}

// =============================================================================================
// Range whose body writes the same map

fn range_then_write(kind: &str) -> Json {
    json!({
        "objects": { "m": { "kind": kind } },
        "threads": { "t": [
            { "op": "set", "obj": "m", "key": "a", "value": 1 },
            { "op": "range", "obj": "m", "key": "k", "value": "v", "body": [
                { "op": "set", "obj": "m", "key": "a", "value": 2 }
            ] }
        ] }
    })
}

#[test]
fn rwmutex_map_range_whose_body_writes_the_map_deadlocks() {
    // Range holds RLock; the body's write takes Lock, which waits for the readers, itself
    // included: RLock then Lock in one thread blocks forever. The harness reports Go's global
    // deadlock (id `deadlock`: not `mutex-double-lock`, which is Lock twice). The sharded map
    // does the same on the shard of the key being visited.
    for kind in ["rwmutex-map", "sharded-map"] {
        let p = prog({
            let mut v = range_then_write(kind);
            v["expect"] = json!({ "fails": { "kind": "fatal" } });
            v
        });
        let f = find(&p);
        assert_sig(&f.signature, "deadlock", FailureKind::Fatal, DEADLOCK, None);
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
                ("t".to_string(), WaitReason::RWMutexLock)
            ],
            "{kind}"
        );
        // It is the only outcome: one thread, no other schedule.
        let sigs = failures(range_then_write(kind), Json::Null);
        assert_eq!(sigs.len(), 1, "{kind}: {sigs:?}");
        assert_eq!(sigs[0].id, "deadlock", "{kind}");
    }
}

#[test]
fn sync_map_and_cow_map_allow_writes_from_a_range_body() {
    // sync.Map's Range holds no lock while it calls f, and a cow map ranges over its loaded
    // snapshot: the body's write goes through, as in Go.
    for kind in ["sync-map", "cow-map"] {
        never_fails(
            range_then_write(kind),
            json!([ { "obj": "m", "key": "a", "value": 2 }, { "obj": "m", "len": 1 } ]),
        );
    }
}

// =============================================================================================
// handle

#[test]
fn handle_use_and_close_after_close_return_bad_file_descriptor() {
    never_fails(
        json!({
            "objects": { "h": { "kind": "handle" } },
            "threads": { "t": [
                { "op": "use", "obj": "h", "into": "e1" },
                { "op": "assert", "var": "e1", "not": true, "message": "use of an open handle failed" },
                { "op": "close", "obj": "h", "into": "e2" },
                { "op": "assert", "var": "e2", "not": true, "message": "first Close failed" },
                { "op": "use", "obj": "h", "into": "e3" },
                assert_eq_op("e3", json!(EBADF), "use after Close"),
                { "op": "close", "obj": "h", "into": "e4" },
                assert_eq_op("e4", json!(EBADF), "second Close"),
                { "op": "use", "obj": "h", "into": "e5" },
                assert_eq_op("e5", json!(EBADF), "use after the second Close")
            ] }
        }),
        json!([ { "obj": "h", "closed": true } ]),
    );
    // A handle nobody closes stays open.
    never_fails(
        json!({
            "objects": { "h": { "kind": "handle" } },
            "threads": { "t": [ { "op": "use", "obj": "h", "into": "e" } ] }
        }),
        json!([ { "obj": "h", "closed": false } ]),
    );
}

#[test]
fn a_use_racing_with_close_fails_in_some_interleavings_only() {
    let race = |check: Json| {
        json!({
            "objects": { "h": { "kind": "handle" } },
            "threads": {
                "owner": [ { "op": "close", "obj": "h", "into": "cerr" } ],
                "user": [ { "op": "use", "obj": "h", "into": "err" }, check ]
            }
        })
    };
    // Some interleaving uses the closed handle...
    let sigs = failures(
        race(json!({ "op": "assert", "var": "err", "not": true,
                     "id": "handle-use-after-close", "message": "use after Close" })),
        Json::Null,
    );
    let s = only(&sigs);
    assert_sig(
        s,
        "handle-use-after-close",
        FailureKind::Assertion,
        &format!("use after Close (err is false, got \"{EBADF}\")"),
        Some("user"),
    );
    // ...and some interleaving uses it while it is still open.
    let sigs = failures(
        race(json!({ "op": "assert", "var": "err", "eq": EBADF, "message": "use before Close" })),
        Json::Null,
    );
    let s = only(&sigs);
    assert_sig(
        s,
        "assertion",
        FailureKind::Assertion,
        &format!("use before Close (err == \"{EBADF}\", got <nil>)"),
        Some("user"),
    );
}

#[test]
fn two_closers_exactly_one_gets_bad_file_descriptor() {
    let closer = || {
        json!([
            { "op": "close", "obj": "h", "into": "e" },
            { "op": "if", "cond": { "var": "e", "eq": EBADF }, "then": [
                { "op": "add", "obj": "failed", "delta": 1 } ] },
            { "op": "if", "cond": { "var": "e", "not": true }, "then": [
                { "op": "add", "obj": "ok", "delta": 1 } ] }
        ])
    };
    never_fails(
        json!({
            "objects": {
                "h": { "kind": "handle" },
                "failed": { "kind": "atomic" },
                "ok": { "kind": "atomic" }
            },
            "threads": { "shutdown": closer(), "finalizer": closer() }
        }),
        json!([
            { "obj": "h", "closed": true },
            { "obj": "failed", "holds": 1 },
            { "obj": "ok", "holds": 1 }
        ]),
    );
}

/// A missing key reads as the zero value of the declared `value_type` (`int` by default), as
/// `m[k]` does behind a lock; `sync.Map.Load` is untyped and gives nil.
#[test]
fn a_missing_key_reads_as_the_value_types_zero() {
    for kind in KINDS {
        let want = match kind {
            "sync-map" => json!(null),
            _ => json!(0),
        };
        never_fails(
            json!({
                "objects": { "m": decl(kind), "s": if kind == "sync-map" {
                    json!({ "kind": "sync-map" })
                } else {
                    let mut d = decl(kind);
                    d["value_type"] = json!("string");
                    d
                } },
                "threads": { "t": [
                    { "op": "get", "obj": "m", "key": "nope", "into": "v", "ok": "ok" },
                    assert_eq_op("v", want.clone(), "zero value"),
                    assert_eq_op("ok", json!(false), "not found"),
                    { "op": "get", "obj": "s", "key": "nope", "into": "w" },
                    assert_eq_op("w", if kind == "sync-map" { json!(null) } else { json!("") }, "typed zero")
                ] }
            }),
            Json::Null,
        );
    }
}
