//! Fidelity of the slice, pool, atomic and lock-free stack ports to HAZARDS.md ("Slices",
//! "ABA", and the `pool-use-after-put` row of "sync"): Go's growth policy and bounds messages,
//! aliasing through shared backing arrays, sync.Pool's lack of reset, atomic semantics, and
//! ABA on the Treiber stack versus its two fixes. Properties that must hold in every
//! interleaving are checked with the exhaustive DFS (which must report that it exhausted its
//! bound); failures that must be possible are collected exhaustively as well.

use crate::helpers::*;
use harness::explore::replay;
use harness::model::{grow_cap, slice_bounds, ElemType, FailureKind};
use harness::report::trace_steps;
use serde_json::{json, Value as Json};

// =============================================================================================
// Growth: runtime.nextslicecap, then growslice's roundupsize to a malloc size class
//
// nextslicecap(newLen, oldCap): newLen if newLen > 2*oldCap; else 2*oldCap below 256;
// else oldCap += (oldCap + 768) >> 2 until it reaches newLen. growslice then asks
// roundupsize(newcap * elemSize, noscan) and divides back by the element size.
// roundupsize (Go 1.22+): small objects (<= 32768-8 bytes) round up to the size-class table
// (…, 24, 32, 48, 64, 80, …, 1024, 1152, …, 6784, …, 10240, 10880, 12288, …, 14336, …,
// 20480, …, 27264, 28672, 32768), and an object with pointers above 512 bytes first grows by
// its 8-byte malloc header, which is taken off again afterwards; larger objects round up to
// whole 8 KiB pages. int is 8 bytes without pointers, string and any are 16 bytes with
// pointers, bool is 1 byte.

#[test]
fn growth_appending_one_int_at_a_time_matches_go() {
    // The capacities `for { s = append(s, 0) }` passes through, from a nil []int.
    let mut caps = Vec::new();
    let (mut len, mut cap) = (0usize, 0usize);
    while len < 5120 {
        if len + 1 > cap {
            cap = grow_cap(cap, len + 1, ElemType::Int);
            caps.push(cap);
        }
        len += 1;
    }
    assert_eq!(
        caps,
        vec![
            1,    // 0 -> newLen 1 (> 2*0); 8 B is a size class
            2,    // doubling below 256: 16 B
            4,    // 32 B
            8,    // 64 B
            16,   // 128 B
            32,   // 256 B
            64,   // 512 B
            128,  // 1024 B
            256,  // 2048 B
            512,  // 256 + (256+768)/4 = 512: 4096 B, a class
            848,  // 512 + (512+768)/4 = 832: 6656 B -> class 6784 = 848 ints
            1280, // 848 + (848+768)/4 = 1252: 10016 B -> class 10240
            1792, // 1280 + (1280+768)/4 = 1792: 14336 B, a class
            2560, // 1792 + (1792+768)/4 = 2432: 19456 B -> class 20480
            3408, // 2560 + (2560+768)/4 = 3392: 27136 B -> class 27264
            5120, // 3408 + (3408+768)/4 = 4452: 35616 B > 32760, large: 5 pages = 40960 B
        ]
    );
}

#[test]
fn growth_of_multi_value_appends_and_other_element_types_matches_go() {
    use ElemType as E;
    #[rustfmt::skip]
    let cases: &[(usize, usize, ElemType, usize)] = &[
        (0, 5, E::Int, 6),          // append 5 ints to nil: 40 B -> class 48
        (0, 3, E::Int, 3),          // 24 B is a class
        (0, 7, E::Int, 8),          // 56 B -> class 64
        (3, 4, E::Int, 6),          // []int{1,2,3} + 1: doubled to 6, 48 B
        (2, 5, E::Int, 6),          // []int{1,2} + 3 values: 5 > 2*2, 40 B -> 48
        (8, 16, E::Int, 16),        // 16 = 2*8: 128 B
        (8, 17, E::Int, 18),        // 17 > 16: 136 B -> class 144
        (8, 19, E::Int, 20),        // 152 B -> class 160
        (256, 257, E::Int, 512),    // first step of the 1.25x regime
        (897, 997, E::Int, 1360),   // 897 + 416 = 1313: 10504 B -> class 10880
        (1024, 1025, E::Int, 1536), // 1024 + 448 = 1472: 11776 B -> class 12288
        (1024, 1124, E::Int, 1536), // same size class as one element more
        (2560, 3000, E::Int, 3408), // one 1.25x step reaches 3000
        (256, 700, E::Int, 768),    // 700 > 2*256: newLen itself, 5600 B -> class 6144
        (1024, 1500, E::Int, 2048), // two steps: 1472 < 1500, 2032: 16256 B -> 16384
        (0, 3, E::String, 3),       // 3 strings: 48 B, a class
        (0, 5, E::String, 5),       // 80 B, a class
        (0, 17, E::String, 18),     // 272 B -> class 288
        (16, 17, E::String, 32),    // 512 B: not above 512, no malloc header
        (32, 33, E::String, 71),    // 1024 B + 8 B header -> class 1152; - 8 = 1144 B: 71
        (32, 33, E::Any, 71),       // interfaces are 16 B with pointers, as strings
        (64, 65, E::Int, 128),      // 1024 B without pointers: no header, a class
        (0, 1, E::Bool, 8),         // 1 B -> class 8
        (8, 9, E::Bool, 16),        // 16 B
        (0, 33, E::Bool, 48),       // 33 B -> class 48
    ];
    for &(old_cap, new_len, elem, want) in cases {
        assert_eq!(
            grow_cap(old_cap, new_len, elem),
            want,
            "grow_cap({old_cap}, {new_len}, {elem:?})"
        );
    }
}

#[test]
fn growth_through_the_append_op_matches_go() {
    never_fails(
        json!({
            "objects": {
                "ints": { "kind": "slice", "nil": true },
                "strs": { "kind": "slice", "elem": "string" },
                "three": { "kind": "slice", "elems": [1, 2, 3] },
                "one": { "kind": "slice", "nil": true }
            },
            "threads": { "t": [
                { "op": "append", "obj": "ints", "values": [1, 2, 3, 4, 5] },
                { "op": "append", "obj": "strs", "values": ["a", "b", "c"] },
                { "op": "append", "obj": "three", "values": [4] },
                { "op": "cap", "obj": "three", "into": "c" },
                { "op": "assert", "var": "c", "eq": 6 },
                { "op": "repeat", "times": 17, "body": [
                    { "op": "append", "obj": "one", "values": [0] }
                ] }
            ] }
        }),
        json!([
            { "obj": "ints", "len": 5, "cap": 6, "elems": [1, 2, 3, 4, 5] },
            { "obj": "strs", "len": 3, "cap": 3, "elems": ["a", "b", "c"] },
            { "obj": "three", "elems": [1, 2, 3, 4], "cap": 6 },
            { "obj": "one", "len": 17, "cap": 32 }
        ]),
    );
}

// =============================================================================================
// Bounds: Go's exact messages, in the order its compiled checks run

#[test]
fn slice_bounds_messages_match_go() {
    let err = |len, cap, low, high, max| slice_bounds(len, cap, low, high, max).unwrap_err();
    // Two-index forms: high is checked against cap first, then low against high.
    assert_eq!(
        err(3, 4, None, Some(6), None),
        "slice bounds out of range [:6] with capacity 4"
    );
    assert_eq!(
        err(3, 4, Some(3), Some(2), None),
        "slice bounds out of range [3:2]"
    );
    assert_eq!(
        err(3, 4, Some(5), None, None),
        "slice bounds out of range [5:3]",
        "s[5:] checks low against len"
    );
    assert_eq!(
        err(3, 4, Some(5), Some(6), None),
        "slice bounds out of range [:6] with capacity 4",
        "the high check comes first"
    );
    assert_eq!(
        err(3, 4, None, Some(-1), None),
        "slice bounds out of range [:-1]"
    );
    assert_eq!(
        err(3, 4, Some(-1), None, None),
        "slice bounds out of range [-1:]"
    );
    // Three-index forms: max against cap, then high against max, then low against high.
    assert_eq!(
        err(3, 4, None, Some(2), Some(7)),
        "slice bounds out of range [::7] with capacity 4"
    );
    assert_eq!(
        err(3, 4, None, Some(3), Some(2)),
        "slice bounds out of range [:3:2]"
    );
    assert_eq!(
        err(3, 4, Some(2), Some(1), Some(3)),
        "slice bounds out of range [2:1:]"
    );
    assert_eq!(
        err(3, 4, Some(9), Some(8), Some(7)),
        "slice bounds out of range [::7] with capacity 4",
        "the max check comes first"
    );
    assert_eq!(
        err(3, 4, None, Some(1), Some(-1)),
        "slice bounds out of range [::-1]"
    );
    assert_eq!(
        err(3, 4, None, Some(-1), Some(2)),
        "slice bounds out of range [:-1:]"
    );
    assert_eq!(
        err(3, 4, Some(-1), Some(1), Some(2)),
        "slice bounds out of range [-1::]"
    );
    // In range: high may go past len up to cap; max sets the new cap.
    assert_eq!(slice_bounds(3, 4, Some(1), Some(4), None), Ok((1, 4, 4)));
    assert_eq!(slice_bounds(3, 4, None, None, None), Ok((0, 3, 4)));
    assert_eq!(slice_bounds(3, 4, Some(3), None, None), Ok((3, 3, 4)));
    assert_eq!(slice_bounds(3, 4, Some(1), Some(2), Some(3)), Ok((1, 2, 3)));
    assert_eq!(slice_bounds(0, 0, None, None, None), Ok((0, 0, 0)));
}

#[test]
fn bounds_failures_are_runtime_error_panics() {
    let cases: Vec<(Json, &str)> = vec![
        (
            json!({ "op": "index", "obj": "s", "index": 5, "into": "v" }),
            "index out of range [5] with length 3",
        ),
        (
            json!({ "op": "index", "obj": "s", "index": -1, "into": "v" }),
            "index out of range [-1]",
        ),
        (
            json!({ "op": "store", "obj": "s", "index": 3, "value": 9 }),
            "index out of range [3] with length 3",
        ),
        (
            json!({ "op": "index", "obj": "empty", "index": 0, "into": "v" }),
            "index out of range [0] with length 0",
        ),
        (
            json!({ "op": "slice", "obj": "s", "high": 6, "to": "t2" }),
            "slice bounds out of range [:6] with capacity 4",
        ),
        (
            json!({ "op": "slice", "obj": "s", "low": 3, "high": 2, "to": "t2" }),
            "slice bounds out of range [3:2]",
        ),
        (
            json!({ "op": "slice", "obj": "s", "high": 2, "max": 7, "to": "t2" }),
            "slice bounds out of range [::7] with capacity 4",
        ),
        (
            json!({ "op": "slice", "obj": "s", "high": 3, "max": 2, "to": "t2" }),
            "slice bounds out of range [:3:2]",
        ),
        (
            json!({ "op": "slice", "obj": "s", "low": 2, "high": 1, "max": 3, "to": "t2" }),
            "slice bounds out of range [2:1:]",
        ),
    ];
    for (op, text) in cases {
        let sigs = failures(
            json!({
                "objects": {
                    "s": { "kind": "slice", "elems": [1, 2, 3], "cap": 4 },
                    "empty": { "kind": "slice", "nil": true },
                    "t2": { "kind": "slice" }
                },
                "threads": { "t": [ op.clone() ] }
            }),
            Json::Null,
        );
        let s = only(&sigs);
        assert_sig(
            s,
            "slice-bounds",
            FailureKind::Panic,
            &format!("runtime error: {text}"),
            Some("t"),
        );
        assert_eq!(s.op.as_deref(), Some("$.threads.t[0]"), "{op}");
    }
}

#[test]
fn a_recovered_bounds_panic_yields_its_message_and_the_slice_is_unchanged() {
    never_fails(
        json!({
            "objects": {
                "s": { "kind": "slice", "elems": [1, 2, 3], "cap": 4 },
                "t2": { "kind": "slice", "nil": true }
            },
            "threads": { "t": [
                { "op": "recover", "into": "err", "body": [
                    { "op": "slice", "obj": "s", "high": 6, "to": "t2" }
                ] },
                { "op": "assert", "var": "err",
                  "eq": "runtime error: slice bounds out of range [:6] with capacity 4" },
                { "op": "is_nil", "obj": "t2", "into": "still_nil" },
                { "op": "assert", "var": "still_nil", "eq": true }
            ] }
        }),
        json!([ { "obj": "s", "elems": [1, 2, 3], "cap": 4 } ]),
    );
}

#[test]
fn a_length_checked_before_a_concurrent_truncation_goes_out_of_range() {
    let scenario = json!({
        "objects": { "w": { "kind": "slice", "elems": [10, 11, 12, 13, 14, 15] } },
        "threads": {
            "reader": [
                { "op": "len", "obj": "w", "into": "n" },
                { "op": "if", "cond": { "var": "n", "eq": 6 }, "then": [
                    { "op": "index", "obj": "w", "index": 5, "into": "v" }
                ] }
            ],
            "truncator": [ { "op": "slice", "obj": "w", "high": 3, "to": "w" } ]
        }
    });
    let sigs = apart_from_races(failures(scenario, Json::Null), &["race-var"]);
    assert_sig(
        only(&sigs),
        "slice-bounds",
        FailureKind::Panic,
        "runtime error: index out of range [5] with length 3",
        Some("reader"),
    );
}

// =============================================================================================
// Aliasing through shared backing arrays

#[test]
fn in_place_appends_to_one_base_overwrite_each_other() {
    // len 2 < cap 4: both appends write base's array[2]; the second wins in both results.
    never_fails(
        json!({
            "objects": {
                "base": { "kind": "slice", "elems": [1, 2], "cap": 4 },
                "a": { "kind": "slice" },
                "b": { "kind": "slice" },
                "peek": { "kind": "slice" }
            },
            "threads": { "t": [
                { "op": "append", "obj": "base", "values": [3], "to": "a" },
                { "op": "append", "obj": "base", "values": [4], "to": "b" },
                { "op": "slice", "obj": "base", "high": 4, "to": "peek" }
            ] }
        }),
        json!([
            { "obj": "a", "elems": [1, 2, 4], "cap": 4 },
            { "obj": "b", "elems": [1, 2, 4], "cap": 4 },
            { "obj": "base", "elems": [1, 2], "cap": 4 },
            { "obj": "peek", "elems": [1, 2, 4, 0] }
        ]),
    );
}

#[test]
fn appends_to_a_full_base_or_a_capped_subslice_do_not_alias() {
    // len == cap: each append copies into a new array (cap 2 doubles to 4).
    never_fails(
        json!({
            "objects": {
                "base": { "kind": "slice", "elems": [1, 2] },
                "a": { "kind": "slice" },
                "b": { "kind": "slice" }
            },
            "threads": { "t": [
                { "op": "append", "obj": "base", "values": [3], "to": "a" },
                { "op": "append", "obj": "base", "values": [4], "to": "b" },
                { "op": "store", "obj": "a", "index": 0, "value": 100 }
            ] }
        }),
        json!([
            { "obj": "a", "elems": [100, 2, 3], "cap": 4 },
            { "obj": "b", "elems": [1, 2, 4], "cap": 4 },
            { "obj": "base", "elems": [1, 2], "cap": 2 }
        ]),
    );
    // base[0:2:2] caps the spare capacity away: the append reallocates.
    never_fails(
        json!({
            "objects": {
                "base": { "kind": "slice", "elems": [1, 2], "cap": 4 },
                "a": { "kind": "slice" },
                "b": { "kind": "slice" }
            },
            "threads": { "t": [
                { "op": "slice", "obj": "base", "high": 2, "max": 2, "to": "a" },
                { "op": "append", "obj": "a", "values": [3] },
                { "op": "append", "obj": "base", "values": [4], "to": "b" }
            ] }
        }),
        json!([
            { "obj": "a", "elems": [1, 2, 3], "cap": 4 },
            { "obj": "b", "elems": [1, 2, 4], "cap": 4 }
        ]),
    );
}

#[test]
fn concurrent_appends_to_one_base_with_spare_capacity_alias() {
    let sigs = failures(
        json!({
            "objects": {
                "base": { "kind": "slice", "elems": [1, 2], "cap": 4 },
                "a": { "kind": "slice" },
                "b": { "kind": "slice" }
            },
            "threads": {
                "ta": [ { "op": "append", "obj": "base", "values": [3], "to": "a" } ],
                "tb": [ { "op": "append", "obj": "base", "values": [4], "to": "b" } ]
            }
        }),
        json!([
            { "obj": "a", "elems": [1, 2, 3], "id": "slice-append-alias" },
            { "obj": "b", "elems": [1, 2, 4], "id": "slice-append-alias" }
        ]),
    );
    assert!(!sigs.is_empty(), "some interleaving shows the overwrite");
    for s in &sigs {
        assert_eq!(s.id, "slice-append-alias", "{s:?}");
        assert_eq!(s.kind, FailureKind::Assertion, "{s:?}");
    }
    // Both directions of the overwrite are reachable.
    assert!(
        sigs.iter().any(|s| s.message.contains("a holds [1, 2, 4]")),
        "{sigs:?}"
    );
    assert!(
        sigs.iter().any(|s| s.message.contains("b holds [1, 2, 3]")),
        "{sigs:?}"
    );
}

#[test]
fn a_view_taken_before_a_growing_append_is_stale() {
    // cap 1: the append reallocates; the write through `view` lands in the old array.
    never_fails(
        json!({
            "objects": {
                "s": { "kind": "slice", "elems": [1] },
                "view": { "kind": "slice" }
            },
            "threads": { "t": [
                { "op": "slice", "obj": "s", "low": 0, "high": 1, "to": "view" },
                { "op": "append", "obj": "s", "values": [2] },
                { "op": "store", "obj": "view", "index": 0, "value": 10 }
            ] }
        }),
        json!([
            { "obj": "s", "elems": [1, 2], "cap": 2 },
            { "obj": "view", "elems": [10], "cap": 1 }
        ]),
    );
    // cap 2: the append is in place, so the same write is seen through s.
    never_fails(
        json!({
            "objects": {
                "s": { "kind": "slice", "elems": [1], "cap": 2 },
                "view": { "kind": "slice" }
            },
            "threads": { "t": [
                { "op": "slice", "obj": "s", "low": 0, "high": 1, "to": "view" },
                { "op": "append", "obj": "s", "values": [2] },
                { "op": "store", "obj": "view", "index": 0, "value": 10 }
            ] }
        }),
        json!([
            { "obj": "s", "elems": [10, 2], "cap": 2 },
            { "obj": "view", "elems": [10], "cap": 2 }
        ]),
    );
}

#[test]
fn unsynchronized_appends_lose_updates_and_a_mutex_prevents_it() {
    for decl in [
        json!({ "kind": "slice", "nil": true }),
        json!({ "kind": "slice", "cap": 4 }),
    ] {
        let sigs = failures(
            json!({
                "objects": { "r": decl.clone() },
                "threads": {
                    "w1": [ { "op": "append", "obj": "r", "values": [1] } ],
                    "w2": [ { "op": "append", "obj": "r", "values": [2] } ]
                }
            }),
            json!([ { "obj": "r", "len": 2, "id": "slice-concurrent-append" } ]),
        );
        let sigs = apart_from_races(sigs, &["race-var"]);
        let s = only(&sigs);
        assert_eq!(s.id, "slice-concurrent-append", "{decl}: {s:?}");
        assert_eq!(s.kind, FailureKind::Assertion);
        assert!(s.message.contains("len(r) is 1, expected 2"), "{s:?}");

        let locked = |v: i64| {
            json!([
                { "op": "lock", "obj": "mu" },
                { "op": "append", "obj": "r", "values": [v] },
                { "op": "unlock", "obj": "mu" }
            ])
        };
        never_fails(
            json!({
                "objects": { "r": decl.clone(), "mu": { "kind": "mutex" } },
                "threads": { "w1": locked(1), "w2": locked(2) }
            }),
            json!([ { "obj": "r", "len": 2 }, { "obj": "mu", "locked": false } ]),
        );
    }
}

#[test]
fn nil_slices_stay_nil_until_appended_to() {
    never_fails(
        json!({
            "objects": {
                "s": { "kind": "slice", "nil": true },
                "e": { "kind": "slice" },
                "t2": { "kind": "slice" }
            },
            "threads": { "t": [
                { "op": "is_nil", "obj": "s", "into": "n1" },
                { "op": "assert", "var": "n1", "eq": true },
                { "op": "is_nil", "obj": "e", "into": "n2" },
                { "op": "assert", "var": "n2", "eq": false },
                { "op": "len", "obj": "s", "into": "l" },
                { "op": "assert", "var": "l", "eq": 0 },
                { "op": "slice", "obj": "s", "high": 0, "to": "t2" },
                { "op": "is_nil", "obj": "t2", "into": "n3" },
                { "op": "assert", "var": "n3", "eq": true },
                { "op": "append", "obj": "s", "values": [] },
                { "op": "is_nil", "obj": "s", "into": "n4" },
                { "op": "assert", "var": "n4", "eq": true },
                { "op": "append", "obj": "s", "values": [7] },
                { "op": "is_nil", "obj": "s", "into": "n5" },
                { "op": "assert", "var": "n5", "eq": false }
            ] }
        }),
        json!([ { "obj": "s", "elems": [7], "cap": 1 } ]),
    );
}

// =============================================================================================
// sync.Pool (pool-use-after-put)

const NIL_ASSERTION: &str = "interface conversion: interface {} is nil, not []int";

#[test]
fn pool_get_without_new_on_an_empty_pool_panics() {
    let sigs = failures(
        json!({
            "objects": { "p": { "kind": "pool" }, "buf": { "kind": "slice" } },
            "threads": { "t": [ { "op": "get", "obj": "p", "to": "buf" } ] }
        }),
        Json::Null,
    );
    let s = only(&sigs);
    assert_sig(s, "panic", FailureKind::Panic, NIL_ASSERTION, Some("t"));
    assert_eq!(s.op.as_deref(), Some("$.threads.t[0]"));
}

// `"value": null` is how the format spells Put(nil).
#[test]
fn pool_put_nil_is_ignored() {
    // Put(nil) stores nothing: the Get finds an empty pool in every execution. The final
    // assertion fails in any execution that gets past the Get, so it must never show up.
    let sigs = failures(
        json!({
            "objects": { "p": { "kind": "pool" }, "buf": { "kind": "slice" } },
            "threads": { "t": [
                { "op": "put", "obj": "p", "value": null },
                { "op": "get", "obj": "p", "to": "buf" }
            ] }
        }),
        json!([ { "obj": "buf", "len": 99 } ]),
    );
    assert_sig(
        only(&sigs),
        "panic",
        FailureKind::Panic,
        NIL_ASSERTION,
        Some("t"),
    );
}

#[test]
fn pool_put_of_a_nil_slice_is_kept() {
    // A nil []int is a non-nil interface value: Put keeps it (only a nil interface is
    // ignored), and a Get that takes it returns the nil slice without panicking; the other
    // choice, a miss with no New, panics. The final assertion fails in any execution that
    // gets past the Get.
    let sigs = failures(
        json!({
            "objects": {
                "p": { "kind": "pool" },
                "none": { "kind": "slice", "nil": true },
                "buf": { "kind": "slice", "elems": [1] }
            },
            "threads": { "t": [
                { "op": "put", "obj": "p", "slice": "none" },
                { "op": "get", "obj": "p", "to": "buf" },
                { "op": "is_nil", "obj": "buf", "into": "isnil" },
                { "op": "assert", "var": "isnil", "eq": true, "message": "Get returned the pooled nil slice" }
            ] }
        }),
        json!([ { "obj": "buf", "len": 99 } ]),
    );
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    assert!(
        sigs.iter()
            .any(|s| s.kind == FailureKind::Panic && s.message == NIL_ASSERTION),
        "{sigs:?}"
    );
    assert!(
        sigs.iter()
            .any(|s| s.kind == FailureKind::Assertion && s.message.contains("len(buf) is 0")),
        "the pooled nil slice came back: {sigs:?}"
    );
}

#[test]
fn pool_objects_are_not_reset_and_get_may_return_them_or_a_new_one() {
    // The second Get may return the pooled buffer (old len 2, old contents, the same array as
    // `buf`) or a fresh New() one; the final state holds only for the pooled one.
    let scenario = json!({
        "objects": {
            "p": { "kind": "pool", "new": { "cap": 4 } },
            "buf": { "kind": "slice" },
            "other": { "kind": "slice" }
        },
        "threads": { "t": [
            { "op": "get", "obj": "p", "to": "buf" },
            { "op": "append", "obj": "buf", "values": [1, 2] },
            { "op": "put", "obj": "p", "slice": "buf" },
            { "op": "get", "obj": "p", "to": "other" },
            { "op": "len", "obj": "other", "into": "n" },
            { "op": "if", "cond": { "var": "n", "eq": 2 }, "then": [
                { "op": "store", "obj": "other", "index": 0, "value": 9 }
            ] }
        ] }
    });
    let pooled = json!([
        { "obj": "other", "len": 2, "cap": 4 },
        { "obj": "buf", "elems": [9, 2], "id": "pool-use-after-put" }
    ]);
    let sigs = failures(scenario.clone(), pooled);
    let s = only(&sigs);
    assert_eq!(s.kind, FailureKind::Assertion);
    assert!(
        s.message.contains("len(other) is 0, expected 2"),
        "the New() branch: {s:?}"
    );

    let fresh =
        json!([ { "obj": "other", "len": 0, "cap": 4 }, { "obj": "buf", "elems": [1, 2] } ]);
    let sigs = failures(scenario, fresh);
    let s = only(&sigs);
    assert!(
        s.message.contains("len(other) is 2, expected 0"),
        "the pooled branch: {s:?}"
    );
}

#[test]
fn pool_use_after_put_is_caught_and_no_use_after_put_is_clean() {
    let handler_a = |use_after_put: bool| {
        let mut ops = vec![
            json!({ "op": "get", "obj": "p", "to": "a" }),
            json!({ "op": "slice", "obj": "a", "high": 0, "to": "a" }),
            json!({ "op": "append", "obj": "a", "values": [1] }),
        ];
        let write = json!({ "op": "store", "obj": "a", "index": 0, "value": 99 });
        let put = json!({ "op": "put", "obj": "p", "slice": "a" });
        if use_after_put {
            ops.extend([put, write]);
        } else {
            ops.extend([write, put]);
        }
        Json::Array(ops)
    };
    let scenario = |use_after_put: bool| {
        json!({
            "objects": {
                "p": { "kind": "pool", "new": { "cap": 4 } },
                "a": { "kind": "slice" },
                "b": { "kind": "slice" }
            },
            "threads": {
                "ta": handler_a(use_after_put),
                "tb": [
                    { "op": "get", "obj": "p", "to": "b" },
                    { "op": "slice", "obj": "b", "high": 0, "to": "b" },
                    { "op": "append", "obj": "b", "values": [2] }
                ]
            }
        })
    };
    let check = json!([ { "obj": "b", "elems": [2], "id": "pool-use-after-put" } ]);
    let sigs = apart_from_races(
        failures(scenario(true), check.clone()),
        &["race-slice-elem"],
    );
    let s = only(&sigs);
    assert_eq!(s.id, "pool-use-after-put");
    assert_eq!(s.kind, FailureKind::Assertion);
    assert!(s.message.contains("b holds [99], expected [2]"), "{s:?}");
    never_fails(scenario(false), check);
}

// =============================================================================================
// Atomics

#[test]
fn atomic_load_store_cas_swap_add_semantics() {
    never_fails(
        json!({
            "objects": {
                "a": { "kind": "atomic", "value": 5 },
                "z": { "kind": "atomic" },
                "ptr": { "kind": "atomic", "value": "nodeA" }
            },
            "threads": { "t": [
                { "op": "load", "obj": "a", "into": "v" },
                { "op": "assert", "var": "v", "eq": 5 },
                { "op": "store", "obj": "a", "value": 7 },
                { "op": "cas", "obj": "a", "old": 7, "new": 8, "ok": "c1" },
                { "op": "assert", "var": "c1", "eq": true },
                { "op": "cas", "obj": "a", "old": 7, "new": 9, "ok": "c2" },
                { "op": "assert", "var": "c2", "eq": false },
                { "op": "swap", "obj": "a", "value": 10, "into": "old" },
                { "op": "assert", "var": "old", "eq": 8 },
                { "op": "add", "obj": "a", "delta": 5, "into": "n" },
                { "op": "assert", "var": "n", "eq": 15 },
                { "op": "add", "obj": "a", "delta": -20, "into": "m" },
                { "op": "assert", "var": "m", "eq": -5 },
                { "op": "load", "obj": "z", "into": "zero" },
                { "op": "assert", "var": "zero", "eq": 0 },
                { "op": "cas", "obj": "ptr", "old": "nodeB", "new": "nodeC", "ok": "p1" },
                { "op": "assert", "var": "p1", "eq": false },
                { "op": "cas", "obj": "ptr", "old": "nodeA", "new": "nodeB", "ok": "p2" },
                { "op": "assert", "var": "p2", "eq": true },
                { "op": "let", "var": "next", "value": "nodeD" },
                { "op": "swap", "obj": "ptr", "value": { "var": "next" }, "into": "prev" },
                { "op": "assert", "var": "prev", "eq": "nodeB" }
            ] }
        }),
        json!([
            { "obj": "a", "holds": -5 },
            { "obj": "z", "holds": 0 },
            { "obj": "ptr", "holds": "nodeD" }
        ]),
    );
}

#[test]
fn non_atomic_increment_loses_updates_atomic_add_and_cas_loops_do_not() {
    // counter = counter + 1 as a Load then a Store: both threads may load 0.
    let load_store = json!([
        { "op": "load", "obj": "c", "into": "v" },
        { "op": "if", "cond": { "var": "v", "eq": 0 },
          "then": [ { "op": "store", "obj": "c", "value": 1 } ],
          "else": [ { "op": "store", "obj": "c", "value": 2 } ] }
    ]);
    let sigs = failures(
        json!({
            "objects": { "c": { "kind": "atomic" } },
            "threads": { "t1": load_store.clone(), "t2": load_store }
        }),
        json!([ { "obj": "c", "holds": 2 } ]),
    );
    let s = only(&sigs);
    assert_eq!(s.kind, FailureKind::Assertion);
    assert!(s.message.contains("c holds 1, expected 2"), "{s:?}");

    let add = json!([ { "op": "add", "obj": "c", "delta": 1 } ]);
    never_fails(
        json!({
            "objects": { "c": { "kind": "atomic" } },
            "threads": { "t1": add.clone(), "t2": add }
        }),
        json!([ { "obj": "c", "holds": 2 } ]),
    );

    // A CAS loop: a failed CAS means the other thread's increment landed; retry once.
    let attempt = json!({ "op": "if", "cond": { "var": "done", "not": true }, "then": [
        { "op": "load", "obj": "c", "into": "v" },
        { "op": "if", "cond": { "var": "v", "eq": 0 },
          "then": [ { "op": "cas", "obj": "c", "old": 0, "new": 1, "ok": "done" } ],
          "else": [ { "op": "cas", "obj": "c", "old": 1, "new": 2, "ok": "done" } ] }
    ] });
    let cas_loop = json!([
        { "op": "let", "var": "done", "value": false },
        { "op": "repeat", "times": 2, "body": [ attempt ] },
        { "op": "assert", "var": "done", "eq": true }
    ]);
    never_fails(
        json!({
            "objects": { "c": { "kind": "atomic" } },
            "threads": { "t1": cas_loop.clone(), "t2": cas_loop }
        }),
        json!([ { "obj": "c", "holds": 2 } ]),
    );
}

// =============================================================================================
// Lock-free stacks (aba-treiber)

/// One worker pops once while another pops twice and pushes: the pop-pop-push recycles the
/// first worker's node (the FIFO free list hands it out again).
fn aba_threads() -> Json {
    json!({
        "w1": [ { "op": "pop", "obj": "s" } ],
        "w2": [
            { "op": "pop", "obj": "s" },
            { "op": "pop", "obj": "s" },
            { "op": "push", "obj": "s", "value": 4 }
        ]
    })
}

/// As [`aba_threads`], and the second worker pushes once more: the recycled node is linked to
/// itself, a cycle that loses what was below it.
fn aba_cycle_threads() -> Json {
    json!({
        "w1": [ { "op": "pop", "obj": "s" } ],
        "w2": [
            { "op": "pop", "obj": "s" },
            { "op": "pop", "obj": "s" },
            { "op": "push", "obj": "s", "value": 4 },
            { "op": "push", "obj": "s", "value": 5 }
        ]
    })
}

/// Both workers pop and push, in opposite orders.
fn mixed_threads() -> Json {
    json!({
        "w1": [
            { "op": "pop", "obj": "s" },
            { "op": "push", "obj": "s", "value": 5 }
        ],
        "w2": [
            { "op": "push", "obj": "s", "value": 4 },
            { "op": "pop", "obj": "s" },
            { "op": "pop", "obj": "s" }
        ]
    })
}

fn stack(kind: &str, threads: Json) -> Json {
    json!({
        "objects": { "s": { "kind": kind, "elems": [3, 2, 1] } },
        "threads": threads
    })
}

const CONSERVED: &str = r#"[ { "obj": "s", "conserved": true, "id": "aba-treiber" } ]"#;

fn conserved() -> Json {
    serde_json::from_str(CONSERVED).unwrap()
}

#[test]
fn treiber_stack_pop_push_is_lifo() {
    for kind in ["treiber-stack", "stamped-stack", "epoch-stack"] {
        never_fails(
            json!({
                "objects": { "s": { "kind": kind, "elems": [1, 2] } },
                "threads": { "t": [
                    { "op": "pop", "obj": "s", "into": "a", "ok": "ok1" },
                    { "op": "assert", "var": "a", "eq": 2 },
                    { "op": "assert", "var": "ok1", "eq": true },
                    { "op": "push", "obj": "s", "value": 3 },
                    { "op": "pop", "obj": "s", "into": "b" },
                    { "op": "assert", "var": "b", "eq": 3 },
                    { "op": "pop", "obj": "s", "into": "c" },
                    { "op": "assert", "var": "c", "eq": 1 },
                    { "op": "pop", "obj": "s", "into": "d", "ok": "ok4" },
                    { "op": "assert", "var": "d", "not": true },
                    { "op": "assert", "var": "ok4", "eq": false },
                    { "op": "push", "obj": "s", "value": 7 },
                    { "op": "push", "obj": "s", "value": 8 }
                ] }
            }),
            json!([
                { "obj": "s", "elems": [7, 8], "len": 2 },
                { "obj": "s", "conserved": true }
            ]),
        );
    }
}

#[test]
fn treiber_stack_aba_loses_or_duplicates_elements() {
    for (threads, shows) in [
        // The stalled pop's CAS re-links node 2, already popped: 2 comes out twice.
        (aba_threads(), "duplicated 2"),
        // ... and the next push recycles that node onto itself: 3 is unreachable.
        (aba_cycle_threads(), "lost 3"),
    ] {
        let sigs = failures(stack("treiber-stack", threads.clone()), conserved());
        assert!(
            !sigs.is_empty(),
            "the ABA interleaving must be found for {threads}"
        );
        for s in &sigs {
            assert_eq!(s.id, "aba-treiber", "{s:?}");
            assert_eq!(s.kind, FailureKind::Assertion, "{s:?}");
            assert!(
                s.message.contains("duplicated") || s.message.contains("lost"),
                "{s:?}"
            );
        }
        assert!(
            sigs.iter().any(|s| s.message.contains(shows)),
            "{shows}: {sigs:?}"
        );
    }
}

#[test]
fn stamped_and_epoch_stacks_never_lose_or_duplicate() {
    for kind in ["stamped-stack", "epoch-stack"] {
        for threads in [aba_threads(), aba_cycle_threads(), mixed_threads()] {
            never_fails(stack(kind, threads), conserved());
        }
    }
}

/// The trace lines of a single-threaded run of `ops` on a stack of `kind`.
fn stack_trace(kind: &str, ops: Json) -> Vec<String> {
    let mut ops = ops.as_array().unwrap().clone();
    ops.push(json!({ "op": "panic", "value": "end" }));
    let p = prog(json!({
        "objects": { "s": { "kind": kind, "elems": [3, 2, 1] } },
        "threads": { "t": ops },
        "expect": { "fails": { "id": "panic" } }
    }));
    let f = find(&p);
    let out = replay(&p, &f.schedule, 20_000, true).expect("the schedule replays");
    trace_steps(&p, &out).into_iter().map(|s| s.text).collect()
}

#[test]
fn epoch_stack_reuses_nodes_once_no_thread_can_hold_them() {
    // Not vacuous: once the stack is quiescent for long enough, the epoch stack does recycle
    // popped nodes, as the Treiber stack does at once.
    let ops = json!([
        { "op": "pop", "obj": "s" },
        { "op": "push", "obj": "s", "value": 4 },
        { "op": "pop", "obj": "s" },
        { "op": "pop", "obj": "s" },
        { "op": "push", "obj": "s", "value": 5 }
    ]);
    let reused = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.contains(".Push(") && l.contains("(reused)"))
            .cloned()
            .collect()
    };
    let treiber = stack_trace("treiber-stack", ops.clone());
    assert_eq!(
        reused(&treiber).len(),
        2,
        "Treiber reuses at once: {treiber:#?}"
    );
    let epoch = stack_trace("epoch-stack", ops);
    let r = reused(&epoch);
    assert_eq!(r.len(), 1, "{epoch:#?}");
    assert!(
        r[0].contains("Push(5)"),
        "only the later push recycles: {epoch:#?}"
    );
}

#[test]
fn a_store_racing_a_growing_append_can_land_in_the_old_array() {
    // `s[0] = 10` reads the header, then writes through it: if the append reallocated in
    // between, the write goes to the old array and `s` keeps 1, as in Go.
    let sigs = failures(
        json!({
            "objects": { "s": { "kind": "slice", "elems": [1] } },
            "threads": {
                "writer": [ { "op": "store", "obj": "s", "index": 0, "value": 10 } ],
                "appender": [ { "op": "append", "obj": "s", "values": [2] } ]
            }
        }),
        json!([ { "obj": "s", "elems": [10, 2] } ]),
    );
    let sigs = apart_from_races(sigs, &["race-var", "race-slice-elem"]);
    let s = only(&sigs);
    assert_eq!(s.kind, FailureKind::Assertion);
    assert!(s.message.contains("s holds [1, 2]"), "{s:?}");
}

#[test]
fn a_reslice_is_a_read_then_a_store_and_can_lose_a_concurrent_append() {
    // `q = q[1:]` racing `q = append(q, 3)`: either store can overwrite the other.
    let sigs = failures(
        json!({
            "objects": { "q": { "kind": "slice", "elems": [1, 2], "cap": 4 } },
            "threads": {
                "popper": [ { "op": "slice", "obj": "q", "low": 1, "to": "q" } ],
                "pusher": [ { "op": "append", "obj": "q", "values": [3] } ]
            }
        }),
        json!([ { "obj": "q", "elems": [2, 3] } ]),
    );
    let msgs: Vec<&str> = sigs.iter().map(|s| s.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("q holds [2]")),
        "append lost: {msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("q holds [1, 2, 3]")),
        "reslice lost: {msgs:?}"
    );
}

#[test]
fn a_pooled_slice_of_another_type_fails_the_type_assertion() {
    let sigs = failures(
        json!({
            "objects": {
                "p": { "kind": "pool" },
                "names": { "kind": "slice", "elem": "string", "elems": ["a"] },
                "ids": { "kind": "slice", "elem": "int" }
            },
            "threads": { "t": [
                { "op": "put", "obj": "p", "slice": "names" },
                { "op": "get", "obj": "p", "to": "ids" }
            ] }
        }),
        Json::Null,
    );
    let msgs: Vec<&str> = sigs.iter().map(|s| s.message.as_str()).collect();
    assert!(
        msgs.contains(&"interface conversion: interface {} is []string, not []int"),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&"interface conversion: interface {} is nil, not []int"),
        "{msgs:?}"
    );
}

/// `s[i % n]`, `s[i] = v`, `s[lo:hi]` with indices computed at run time: the same ops, and
/// Go's panics name the computed index.
#[test]
fn indices_and_bounds_can_be_int_expressions() {
    let v = json!({
        "objects": { "s": { "kind": "slice", "elems": [10, 20, 30] }, "t": { "kind": "slice" } },
        "threads": { "t1": [
            { "op": "let", "var": "n", "value": 3 },
            { "op": "repeat", "times": 4, "index": "i", "body": [
                { "op": "index", "obj": "s", "index": { "expr": "i % n" }, "into": "x" },
                { "op": "store", "obj": "s", "index": { "expr": "i % n" }, "value": { "expr": "x + 1" } }
            ] },
            { "op": "index", "obj": "s", "index": { "var": "n" }, "into": "never" }
        ] }
    });
    // The last index is 3 on a slice of length 3.
    let s = failures(v, serde_json::Value::Null);
    assert_sig(
        only(&s),
        "slice-bounds",
        FailureKind::Panic,
        "runtime error: index out of range [3] with length 3",
        Some("t1"),
    );
    never_fails(
        json!({
            "objects": { "s": { "kind": "slice", "elems": [10, 20, 30] }, "t": { "kind": "slice" } },
            "threads": { "t1": [
                { "op": "let", "var": "lo", "value": 1 },
                { "op": "slice", "obj": "s", "low": { "var": "lo" }, "high": { "expr": "lo + 2" }, "to": "t" },
                { "op": "index", "obj": "t", "index": 0, "into": "a" },
                { "op": "assert", "cond": "a == 20 && len(t) == 2 && cap(t) == 2" }
            ] }
        }),
        serde_json::Value::Null,
    );
}

#[test]
fn an_index_that_is_not_an_int_is_refused() {
    let e = refused_with(
        json!({ "s": { "kind": "slice", "len": 2 } }),
        json!([
            { "op": "let", "var": "k", "value": "first" },
            { "op": "index", "obj": "s", "index": { "var": "k" }, "into": "x" }
        ]),
    );
    assert!(e.contains("$.threads.t[1].index.var"), "{e}");
    assert!(e.contains("non-int k (of type string)"), "{e}");
}
