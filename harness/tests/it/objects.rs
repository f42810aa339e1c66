//! Objects as values: made at run time (`new`), held in variables, sent over channels, stored
//! in maps, passed to functions, set to nil; declared objects pointed elsewhere (`assign`),
//! each op re-reading what they name.

use crate::helpers::*;
use harness::model::FailureKind;
use serde_json::json;

#[test]
fn a_fresh_done_channel_per_loop_iteration() {
    // for i := range 3 { done := make(chan struct{}); go func() { ...; close(done) }(); <-done }
    let v = json!({
        "objects": { "results": { "kind": "chan", "cap": 3 } },
        "threads": { "main": [
            { "op": "repeat", "times": 3, "index": "i", "body": [
                { "op": "new", "into": "done", "object": { "kind": "chan" } },
                { "op": "spawn", "thread": "handler", "body": [
                    { "op": "send", "obj": "results", "value": { "var": "i" } },
                    { "op": "close", "obj": "done" } ] },
                { "op": "recv", "obj": "done" } ] },
            { "op": "assert", "cond": "len(results) == 3" }
        ] }
    });
    never_fails(v, serde_json::Value::Null);
}

#[test]
fn a_reply_channel_sent_over_a_channel() {
    // reply := make(chan int); requests <- reply; v := <-reply (the server answers on it).
    let v = json!({
        "objects": { "requests": { "kind": "chan", "elem": "chan" } },
        "threads": {
            "server": [
                { "op": "repeat", "times": 2, "body": [
                    { "op": "recv", "obj": "requests", "into": "reply" },
                    { "op": "send", "obj": "reply", "value": 42 } ] } ],
            "client": [
                { "op": "repeat", "times": 2, "body": [
                    { "op": "new", "into": "reply", "object": { "kind": "chan", "cap": 1 } },
                    { "op": "send", "obj": "requests", "value": { "var": "reply" } },
                    { "op": "recv", "obj": "reply", "into": "v" },
                    { "op": "assert", "cond": "v == 42" } ] } ]
        }
    });
    never_fails(v, serde_json::Value::Null);
}

/// `mu, ok := locks[name]; if !ok { mu = new(sync.Mutex); locks[name] = mu }; mu.Lock()`,
/// the lookup and the insert under `gmu` in one critical section (fixed) or two (buggy).
fn lock_map(fixed: bool) -> serde_json::Value {
    let lookup = json!([
        { "op": "get", "obj": "locks", "key": "job", "into": "mu", "ok": "found" },
        { "op": "if", "cond": "!found", "then": [
            { "op": "new", "into": "mu", "object": { "kind": "mutex" } },
            { "op": "set", "obj": "locks", "key": "job", "value": { "var": "mu" } } ] }
    ]);
    let mut body = vec![json!({ "op": "lock", "obj": "gmu" })];
    if fixed {
        body.extend(lookup.as_array().unwrap().iter().cloned());
        body.push(json!({ "op": "unlock", "obj": "gmu" }));
    } else {
        body.push(lookup[0].clone());
        body.push(json!({ "op": "unlock", "obj": "gmu" }));
        body.push(json!({ "op": "lock", "obj": "gmu" }));
        body.push(lookup[1].clone());
        body.push(json!({ "op": "unlock", "obj": "gmu" }));
    }
    body.extend([
        json!({ "op": "lock", "obj": "mu" }),
        json!({ "op": "add", "obj": "inside", "delta": 1, "into": "n" }),
        json!({ "op": "assert", "cond": "n == 1", "message": "one holder per name" }),
        json!({ "op": "add", "obj": "inside", "delta": -1 }),
        json!({ "op": "unlock", "obj": "mu" }),
    ]);
    json!({
        "objects": {
            "gmu": { "kind": "mutex" },
            "locks": { "kind": "map", "value_type": "mutex" },
            "inside": { "kind": "atomic", "value": 0 }
        },
        "threads": { "a": body.clone(), "b": body }
    })
}

#[test]
fn a_lock_map_filled_lazily_hands_out_two_mutexes_for_one_name() {
    // Either thread can be the second holder: one failure each.
    let sigs = failures(lock_map(false), serde_json::Value::Null);
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    for s in &sigs {
        assert_eq!(s.kind, FailureKind::Assertion, "{s:?}");
        assert_eq!(
            s.message,
            "one holder per name (n == 1 is false, with n = 2)"
        );
    }
    never_fails(lock_map(true), serde_json::Value::Null);
}

/// `func (w *W) Stop() { w.ch = nil }` (buggy: the watcher's next receive is on a nil channel
/// and blocks forever) or `close(w.ch)` (fixed: the watcher sees it closed and returns).
fn watcher(stop: serde_json::Value) -> serde_json::Value {
    json!({
        "objects": { "ch": { "kind": "chan", "cap": 1 } },
        "threads": {
            "watcher": [
                { "op": "for", "body": [
                    { "op": "recv", "obj": "ch", "into": "ev", "ok": "ok" },
                    { "op": "if", "cond": "!ok", "then": [ { "op": "return" } ] } ] } ],
            "stopper": [ { "op": "send", "obj": "ch", "value": 1 }, stop ]
        }
    })
}

#[test]
fn a_stop_that_nils_a_channel_field_under_a_watcher_loop() {
    // The watcher's next receive is on nil (chan-nil-block), or it was already parked on the
    // old channel, which nobody sends on any more (a plain deadlock): Go shows both.
    let sigs = failures(
        watcher(json!({ "op": "assign", "obj": "ch", "value": null })),
        serde_json::Value::Null,
    );
    let ids: Vec<&str> = sigs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["chan-nil-block", "deadlock"], "{sigs:?}");
    for s in &sigs {
        assert_eq!(s.kind, FailureKind::Fatal, "{s:?}");
        assert_eq!(s.message, "all goroutines are asleep - deadlock!");
    }
    never_fails(
        watcher(json!({ "op": "close", "obj": "ch" })),
        serde_json::Value::Null,
    );
}

#[test]
fn a_declared_object_points_at_a_new_one_and_back_to_nil() {
    // w.ch = make(chan int, 1); w.ch <- 7; x := <-w.ch; a copy keeps the old reference.
    let v = json!({
        "objects": { "ch": { "kind": "chan", "nil": true } },
        "threads": { "t": [
            { "op": "new", "into": "c2", "object": { "kind": "chan", "cap": 1 } },
            { "op": "assign", "obj": "ch", "value": { "var": "c2" } },
            { "op": "let", "var": "old", "expr": "ch" },
            { "op": "send", "obj": "ch", "value": 7 },
            { "op": "assign", "obj": "ch", "value": null },
            { "op": "recv", "obj": "old", "into": "x" },
            { "op": "assert", "cond": "x == 7 && old == c2 && old != nil" },
            { "op": "is_nil", "obj": "ch", "into": "gone" },
            { "op": "assert", "var": "gone" }
        ] }
    });
    never_fails(v, serde_json::Value::Null);
}

#[test]
fn a_nil_pointer_to_a_mutex_panics_as_go_does() {
    let v = json!({
        "threads": { "t": [
            { "op": "new", "into": "mu", "object": { "kind": "mutex" } },
            { "op": "let", "var": "mu", "value": null },
            { "op": "lock", "obj": "mu" }
        ] }
    });
    let s = failures(v, serde_json::Value::Null);
    assert_sig(
        only(&s),
        "panic",
        FailureKind::Panic,
        "runtime error: invalid memory address or nil pointer dereference",
        Some("t"),
    );
}

#[test]
fn a_function_takes_objects_as_parameters() {
    // func worker(jobs chan int, wg *sync.WaitGroup) { defer wg.Done(); for j := range jobs {...} }
    let v = json!({
        "objects": { "sum": { "kind": "atomic", "value": 0 } },
        "procs": {
            "worker": { "params": ["jobs", "wg"], "body": [
                { "op": "defer", "body": [ { "op": "done", "obj": "wg" } ] },
                { "op": "range", "obj": "jobs", "value": "j", "body": [
                    { "op": "add", "obj": "sum", "delta": 1 } ] } ] }
        },
        "threads": { "main": [
            { "op": "new", "into": "jobs", "object": { "kind": "chan", "cap": 4 } },
            { "op": "new", "into": "wg", "object": { "kind": "waitgroup" } },
            { "op": "add", "obj": "wg", "delta": 2 },
            { "op": "repeat", "times": 2, "body": [
                { "op": "spawn", "thread": "w", "body": [
                    { "op": "call", "proc": "worker", "args": [ { "var": "jobs" }, { "var": "wg" } ] } ] } ] },
            { "op": "repeat", "times": 3, "body": [ { "op": "send", "obj": "jobs", "value": 1 } ] },
            { "op": "close", "obj": "jobs" },
            { "op": "wait", "obj": "wg" }
        ] }
    });
    never_fails(v, json!([ { "obj": "sum", "holds": 3 } ]));
}

#[test]
fn objects_as_values_are_typed_as_go_types_them() {
    let ch = json!({ "ch": { "kind": "chan" } });
    let new_mu = json!({ "op": "new", "into": "m", "object": { "kind": "mutex" } });
    let cases = [
        (
            ch.clone(),
            json!([new_mu, { "op": "assign", "obj": "ch", "value": { "var": "m" } }]),
            "$.threads.t[1].value: cannot use m (of type mutex) as a chan value in assignment",
        ),
        (
            ch.clone(),
            json!([new_mu, { "op": "close", "obj": "m" }]),
            "op `close` does not apply to `m`, a mutex",
        ),
        (
            ch.clone(),
            json!([{ "op": "new", "into": "t", "object": { "kind": "timer" } }]),
            "$.threads.t[0].object.kind: a timer cannot be made at run time",
        ),
        (
            ch.clone(),
            json!([{ "op": "assign", "obj": "ch", "value": 3 }]),
            "$.threads.t[0].value: cannot use 3 as a chan value",
        ),
        (
            ch.clone(),
            json!([{ "op": "assign", "obj": "nope", "value": null }]),
            "`nope` is not a declared object",
        ),
        (
            ch,
            json!([new_mu, { "op": "new", "into": "m", "object": { "kind": "chan" } }]),
            "variable `m` holds a mutex in one place and a chan in another",
        ),
    ];
    for (objects, ops, want) in cases {
        let e = refused_with(objects, ops.clone());
        assert!(e.contains(want), "{ops}:\n{e}");
    }
}

/// `type Worker struct { mu sync.Mutex; ch chan int; stopped bool }` with
/// `func (w *Worker) Stop() { w.mu.Lock(); if !w.stopped { close(w.ch); w.stopped = true }; w.mu.Unlock() }`
/// (`locked: false` drops the lock: two Stops of one worker race to close).
fn workers(locked: bool, threads: serde_json::Value) -> serde_json::Value {
    let worker = json!({ "kind": "struct", "fields": {
        "mu": { "kind": "mutex" }, "ch": { "kind": "chan", "cap": 1 }, "stopped": false } });
    let mut body = vec![json!({ "op": "if", "cond": "!w.stopped", "then": [
            { "op": "close", "obj": "w.ch" },
            { "op": "assign", "obj": "w.stopped", "value": true } ] })];
    if locked {
        body.insert(0, json!({ "op": "lock", "obj": "w.mu" }));
        body.push(json!({ "op": "unlock", "obj": "w.mu" }));
    }
    json!({
        "objects": { "w1": worker.clone(), "w2": worker },
        "procs": { "Stop": { "receiver": "w", "body": body } },
        "threads": threads
    })
}

#[test]
fn a_method_called_on_two_receivers() {
    let stop = |w: &str| json!({ "op": "call", "proc": "Stop", "recv": w });
    // Each worker stopped once, by different threads: fine with or without the lock.
    let once_each = json!({ "a": [stop("w1")], "b": [stop("w2")] });
    never_fails(workers(false, once_each), serde_json::Value::Null);
    // w1 stopped twice concurrently: the unlocked check-then-close closes it twice.
    let twice = json!({ "a": [stop("w1"), stop("w2")], "b": [stop("w1")] });
    // Either thread can be the second to close; and in the runs where both pass the check
    // before either closes, the unlocked `w.stopped` is a data race (either thread writing).
    let all = failures(workers(false, twice.clone()), serde_json::Value::Null);
    let (races, sigs): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|s| s.kind == FailureKind::Race);
    assert_eq!(races.len(), 2, "{races:?}");
    for (s, (r, w)) in races.iter().zip([("b", "a"), ("a", "b")]) {
        assert_sig(
            s,
            "race-field",
            FailureKind::Race,
            &format!("data race on w1.stopped: read at $.procs.Stop.body[0] ({r}), write at $.procs.Stop.body[0].then[1] ({w})"),
            Some(r),
        );
    }
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    for s in &sigs {
        assert_sig(
            s,
            "chan-close-closed",
            FailureKind::Panic,
            "close of closed channel",
            None,
        );
        assert_eq!(s.op.as_deref(), Some("$.procs.Stop.body[0].then[0]"));
    }
    never_fails(workers(true, twice), serde_json::Value::Null);
}

#[test]
fn a_struct_made_per_request_holds_its_own_objects_and_values() {
    // for i := range 3 { r := &Request{done: make(chan struct{}), n: i}; go serve(r); <-r.done }
    let v = json!({
        "objects": { "total": { "kind": "atomic", "value": 0 } },
        "procs": {
            "serve": { "params": ["r"], "body": [
                { "op": "add", "obj": "total", "delta": 1 },
                { "op": "assign", "obj": "r.n", "value": { "expr": "r.n * 10" } },
                { "op": "close", "obj": "r.done" } ] }
        },
        "threads": { "main": [
            { "op": "let", "var": "sum", "value": 0 },
            { "op": "repeat", "times": 3, "index": "i", "body": [
                { "op": "new", "into": "r", "object": { "kind": "struct", "fields": {
                    "done": { "kind": "chan" }, "n": 0 } } },
                { "op": "assign", "obj": "r.n", "value": { "var": "i" } },
                { "op": "spawn", "thread": "server", "body": [
                    { "op": "call", "proc": "serve", "args": [ { "var": "r" } ] } ] },
                { "op": "recv", "obj": "r.done" },
                { "op": "let", "var": "sum", "expr": "sum + r.n" } ] },
            { "op": "assert", "cond": "sum == 30" }
        ] }
    });
    never_fails(v, json!([ { "obj": "total", "holds": 3 } ]));
}

#[test]
fn a_stop_that_nils_a_struct_s_channel_field() {
    let v = json!({
        "objects": { "w": { "kind": "struct", "fields": { "events": { "kind": "chan", "cap": 1 } } } },
        "threads": {
            "watcher": [ { "op": "for", "body": [
                { "op": "recv", "obj": "w.events", "ok": "ok" },
                { "op": "if", "cond": "!ok", "then": [ { "op": "return" } ] } ] } ],
            "stopper": [ { "op": "assign", "obj": "w.events", "value": null } ]
        }
    });
    let s = failures(v, serde_json::Value::Null);
    assert!(
        s.iter().any(|s| s.id == "chan-nil-block"),
        "the watcher's receive on the nil field blocks forever: {s:?}"
    );
}

#[test]
fn structs_are_typed_and_their_fields_checked() {
    let w = json!({ "w": { "kind": "struct", "fields": { "mu": { "kind": "mutex" }, "n": 0 } } });
    let cases = [
        (
            json!([{ "op": "lock", "obj": "w.nope" }]),
            "unknown object `w.nope`",
        ),
        (
            json!([{ "op": "assign", "obj": "w.n", "value": "text" }]),
            "$.threads.t[0].value: cannot use \"text\" (of type string) as a int value in assignment",
        ),
        (
            json!([{ "op": "close", "obj": "w.mu" }]),
            "op `close` does not apply to `w.mu`, a mutex",
        ),
        (
            json!([{ "op": "let", "var": "x", "expr": "w.n + \"a\"" }]),
            "invalid operation: w.n + \"a\" (mismatched types int and string)",
        ),
    ];
    for (ops, want) in cases {
        let e = refused_with(w.clone(), ops.clone());
        assert!(e.contains(want), "{ops}:\n{e}");
    }
    let e = refused_with(
        json!({ "w": { "kind": "struct", "fields": { "t": { "kind": "timer" } } } }),
        json!([]),
    );
    assert!(e.contains("a timer cannot be a struct field"), "{e}");
}

/// `workers := []*Worker{}` filled by `append` in a loop, each worker's goroutine started on
/// it, then every worker's fields reached through the slice: the elements are the structs
/// `new` made (their type is what is stored in the slice).
#[test]
fn a_slice_of_worker_structs() {
    let v = json!({
        "procs": { "run": { "receiver": "w", "body": [
            { "op": "range", "obj": "w.jobs", "value": "j", "body": [
                { "op": "lock", "obj": "w.mu" },
                { "op": "assign", "obj": "w.count", "value": { "expr": "w.count + j" } },
                { "op": "unlock", "obj": "w.mu" } ] },
            { "op": "close", "obj": "w.done" } ] } },
        "threads": { "main": [
            { "op": "new", "into": "workers", "object": { "kind": "slice", "elem": "struct" } },
            { "op": "repeat", "times": 2, "index": "i", "body": [
                { "op": "new", "into": "w", "object": { "kind": "struct", "fields": {
                    "mu": { "kind": "mutex" }, "jobs": { "kind": "chan", "cap": 1 },
                    "done": { "kind": "chan" }, "count": 0 } } },
                { "op": "append", "obj": "workers", "values": [ { "var": "w" } ], "to": "workers" },
                { "op": "spawn", "thread": "worker", "body": [
                    { "op": "call", "proc": "run", "recv": "w" } ] } ] },
            { "op": "range", "obj": "workers", "key": "i", "value": "w", "body": [
                { "op": "send", "obj": "w.jobs", "value": { "expr": "i + 1" } },
                { "op": "close", "obj": "w.jobs" } ] },
            { "op": "let", "var": "total", "value": 0 },
            { "op": "range", "obj": "workers", "value": "w", "body": [
                { "op": "recv", "obj": "w.done" },
                { "op": "lock", "obj": "w.mu" },
                { "op": "let", "var": "total", "expr": "total + w.count" },
                { "op": "unlock", "obj": "w.mu" } ] },
            { "op": "assert", "cond": "total == 3", "message": "every worker counted its job" }
        ] }
    });
    never_fails(v.clone(), serde_json::Value::Null);
    // The same pool with a wrong expectation fails, naming what it read.
    let mut bad = v;
    let ops = bad["threads"]["main"].as_array_mut().unwrap();
    let last = ops.len() - 1;
    ops[last]["cond"] = json!("total == 7");
    let s = failures(bad, serde_json::Value::Null);
    assert_sig(
        only(&s),
        "assertion",
        FailureKind::Assertion,
        "every worker counted its job (total == 7 is false, with total = 3)",
        Some("main"),
    );
}

/// `map[string]*Conn` filled lazily by a function that returns the struct (a result that is an
/// object), each caller then locking the struct's own mutex.
#[test]
fn a_map_of_structs_filled_lazily_and_returned_from_a_function() {
    // `then` runs while the caller still holds c.mu (reading c.uses after the Unlock would
    // race with the other caller's increment).
    let use_conn = |then: serde_json::Value| {
        let mut ops = vec![
            json!({ "op": "call", "proc": "get", "args": ["db"], "into": ["c"] }),
            json!({ "op": "lock", "obj": "c.mu" }),
            json!({ "op": "assign", "obj": "c.uses", "value": { "expr": "c.uses + 1" } }),
        ];
        ops.extend(then.as_array().cloned().unwrap_or_default());
        ops.push(json!({ "op": "unlock", "obj": "c.mu" }));
        ops
    };
    never_fails(
        json!({
            "objects": { "conns": { "kind": "map", "value_type": "struct" }, "mu": { "kind": "mutex" } },
            "procs": { "get": { "params": ["name"], "results": ["c"], "body": [
                { "op": "lock", "obj": "mu" },
                { "op": "get", "obj": "conns", "key": { "var": "name" }, "into": "c", "ok": "ok" },
                { "op": "if", "cond": "!ok", "then": [
                    { "op": "new", "into": "c", "object": { "kind": "struct", "fields": {
                        "mu": { "kind": "mutex" }, "uses": 0 } } },
                    { "op": "set", "obj": "conns", "key": { "var": "name" }, "value": { "var": "c" } } ] },
                { "op": "unlock", "obj": "mu" } ] } },
            "threads": {
                "a": use_conn(json!([])),
                "b": use_conn(json!([ { "op": "assert", "cond": "c.uses >= 1" } ]))
            }
        }),
        serde_json::Value::Null,
    );
}

/// `[][]int`: a slice of slices, rows appended in a loop and read back by index.
#[test]
fn a_slice_of_slices() {
    never_fails(
        json!({
            "threads": { "main": [
                { "op": "new", "into": "grid", "object": { "kind": "slice", "elem": "slice" } },
                { "op": "repeat", "times": 2, "index": "i", "body": [
                    { "op": "new", "into": "row", "object": { "kind": "slice" } },
                    { "op": "append", "obj": "row", "values": [
                        { "expr": "i * 10" }, { "expr": "i * 10 + 1" } ], "to": "row" },
                    { "op": "append", "obj": "grid", "values": [ { "var": "row" } ], "to": "grid" } ] },
                { "op": "index", "obj": "grid", "index": 1, "into": "r1" },
                { "op": "index", "obj": "r1", "index": 1, "into": "x" },
                { "op": "assert", "cond": "x == 11 && len(grid) == 2 && len(r1) == 2" }
            ] }
        }),
        serde_json::Value::Null,
    );
}

#[test]
fn a_container_holds_one_struct_type() {
    let e = refused_with(
        json!({ "ws": { "kind": "chan", "cap": 2, "elem": "struct" } }),
        json!([
            { "op": "new", "into": "a", "object": { "kind": "struct", "fields": { "n": 0 } } },
            { "op": "new", "into": "b", "object": { "kind": "struct", "fields": { "name": "" } } },
            { "op": "send", "obj": "ws", "value": { "var": "a" } },
            { "op": "send", "obj": "ws", "value": { "var": "b" } }
        ]),
    );
    assert!(
        e.contains("`ws` holds structs of two different declarations"),
        "{e}"
    );
}

/// `type Broker struct { mu sync.RWMutex; subs map[string]chan int }`: what is read from a
/// container that is a struct field gets the container's element type, as from any other —
/// through a declared struct, a struct made by `new`, and a method's receiver.
#[test]
fn containers_that_are_struct_fields_type_what_is_read_from_them() {
    let v = json!({
        "objects": { "b": { "kind": "struct", "fields": {
            "mu": { "kind": "rwmutex" },
            "subs": { "kind": "map", "value_type": "chan" },
            "queue": { "kind": "chan", "cap": 1, "elem": "chan" }
        } } },
        "procs": { "Unsubscribe": { "receiver": "br", "params": ["name"], "body": [
            { "op": "lock", "obj": "br.mu" },
            { "op": "get", "obj": "br.subs", "key": { "var": "name" }, "into": "ch", "ok": "ok" },
            { "op": "if", "cond": "ok", "then": [
                { "op": "delete", "obj": "br.subs", "key": { "var": "name" } },
                { "op": "close", "obj": "ch" } ] },
            { "op": "unlock", "obj": "br.mu" }
        ] } },
        "threads": { "main": [
            { "op": "new", "into": "c1", "object": { "kind": "chan", "cap": 1 } },
            { "op": "set", "obj": "b.subs", "key": "a", "value": { "var": "c1" } },
            { "op": "send", "obj": "b.queue", "value": { "var": "c1" } },
            { "op": "recv", "obj": "b.queue", "into": "q" },
            { "op": "send", "obj": "q", "value": 7 },
            { "op": "range", "obj": "b.subs", "value": "c", "body": [
                { "op": "recv", "obj": "c", "into": "got" } ] },
            { "op": "assert", "cond": "got == 7" },
            { "op": "call", "proc": "Unsubscribe", "recv": "b", "args": ["a"] },
            { "op": "recv", "obj": "c1", "ok": "open" },
            { "op": "assert", "cond": "!open" }
        ] }
    });
    never_fails(v, serde_json::Value::Null);
}

/// `stop(done)` with `done` a declared object, passed as `{"var": "done"}` or as
/// `{"expr": "done"}`: either names the object.
#[test]
fn a_declared_object_passed_by_var_is_the_object() {
    for arg in [json!({ "var": "done" }), json!({ "expr": "done" })] {
        let v = json!({
            "objects": { "done": { "kind": "chan" } },
            "procs": { "stop": { "params": ["c"], "body": [ { "op": "close", "obj": "c" } ] } },
            "threads": { "main": [
                { "op": "call", "proc": "stop", "args": [arg] },
                { "op": "recv", "obj": "done", "ok": "open" },
                { "op": "assert", "cond": "!open" }
            ] }
        });
        never_fails(v, serde_json::Value::Null);
    }
}

/// A nil pointer to a struct is a value: `inst == nil`, `cur := inst` and a map read of a
/// missing `*T` compare and copy without dereferencing anything, as in Go; only reaching a
/// field through it (`inst.version`) is the nil dereference.
#[test]
fn a_nil_struct_pointer_is_compared_and_copied_without_a_dereference() {
    never_fails(
        json!({
            "objects": {
                "inst": { "kind": "struct", "fields": { "version": 0 } },
                "g": { "kind": "struct", "fields": { "cfg": { "kind": "struct", "fields": { "v": 0 } } } },
                "m": { "kind": "map", "value_type": "struct" }
            },
            "threads": { "t": [
                { "op": "assign", "obj": "inst", "value": null },
                { "op": "let", "var": "cur", "expr": "inst" },
                { "op": "assert", "cond": "cur == nil && inst == nil" },
                { "op": "assign", "obj": "g.cfg", "value": null },
                { "op": "assert", "cond": "g.cfg == nil" },
                { "op": "new", "into": "a", "object": { "kind": "struct", "fields": { "v": 0 } } },
                { "op": "set", "obj": "m", "key": "x", "value": { "var": "a" } },
                { "op": "get", "obj": "m", "key": "missing", "into": "c", "ok": "ok" },
                { "op": "assert", "cond": "c == nil && !ok" },
                { "op": "let", "var": "d", "expr": "c" },
                { "op": "assert", "cond": "d == nil" }
            ] }
        }),
        serde_json::Value::Null,
    );
    let s = failures(
        json!({
            "objects": { "inst": { "kind": "struct", "fields": { "version": 0 } } },
            "threads": { "t": [
                { "op": "assign", "obj": "inst", "value": null },
                { "op": "let", "var": "cur", "expr": "inst" },
                { "op": "let", "var": "v", "expr": "inst.version" }
            ] }
        }),
        serde_json::Value::Null,
    );
    let s = only(&s);
    assert_sig(
        s,
        "panic",
        FailureKind::Panic,
        "runtime error: invalid memory address or nil pointer dereference",
        Some("t"),
    );
    assert_eq!(s.op.as_deref(), Some("$.threads.t[2]"));
}

/// `expect.final` names an object field of a declared struct (`g.wg`, `g.inner.m`) as it
/// names any object: it is followed from the struct when the run ends.
#[test]
fn final_assertions_name_struct_fields() {
    let v = json!({
        "objects": { "g": { "kind": "struct", "fields": {
            "wg": { "kind": "waitgroup" },
            "inner": { "kind": "struct", "fields": { "m": { "kind": "map" } } },
            "n": 0
        } } },
        "threads": { "t": [
            { "op": "add", "obj": "g.wg", "delta": 2 },
            { "op": "done", "obj": "g.wg" },
            { "op": "set", "obj": "g.inner.m", "key": "a", "value": 1 }
        ] }
    });
    never_fails(
        v.clone(),
        json!([
            { "obj": "g.wg", "count": 1 },
            { "obj": "g.inner.m", "key": "a", "value": 1 }
        ]),
    );
    let s = failures(v.clone(), json!([ { "obj": "g.wg", "count": 0 } ]));
    assert!(only(&s).message.contains("final state:"), "{s:?}");
    // A field set to nil by the end is reported as such.
    let mut nil = v.clone();
    nil["threads"]["t"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "op": "assign", "obj": "g.inner", "value": null }));
    let s = failures(nil, json!([ { "obj": "g.inner.m", "len": 1 } ]));
    assert_eq!(
        only(&s).message,
        "final state: g.inner.m is nil ($.expect.final[0])"
    );
    for (obj, want) in [
        ("g.nope", "unknown object `g.nope`"),
        ("g.n", "`g.n` is a value field"),
    ] {
        let mut bad = v.clone();
        bad["expect"] = json!({ "passes": true, "final": [ { "obj": obj, "len": 1 } ] });
        let text = serde_json::to_string(&{
            let mut b = bad.clone();
            b["schema"] = json!("hazard/scenario/v1");
            b["name"] = json!("bad");
            b
        })
        .unwrap();
        let e = harness::scenario::load_str(&text, "bad.json")
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains("$.expect.final[0].obj") && e.contains(want),
            "{e}"
        );
    }
}
