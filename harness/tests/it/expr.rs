//! Expressions (`i + 1`, `n < len(s)`, `ok && !done`): Go's arithmetic and comparisons, its
//! static types (a mismatch is a validation error, not a silent `false`), `len`/`cap` of
//! objects as reads of shared state, counts known only at run time.

use crate::helpers::*;
use harness::explore::{explore, ExploreConfig};
use harness::model::FailureKind;
use serde_json::json;

fn one_thread(ops: serde_json::Value) -> serde_json::Value {
    json!({ "threads": { "t": ops } })
}

#[test]
fn expressions_compute_as_go_does() {
    // Checked on Go 1.27.3: -7/2 == -3, -7%2 == -1 (truncation toward zero), string `+`, len
    // of a string in bytes, && and || short-circuit.
    let v = one_thread(json!([
        { "op": "let", "var": "i", "value": 0 },
        { "op": "for", "cond": "i < 5", "body": [ { "op": "let", "var": "i", "expr": "i + 1" } ] },
        { "op": "let", "var": "s", "expr": "\"a\" + `b`" },
        { "op": "let", "var": "max", "value": 9223372036854775807i64 },
        { "op": "let", "var": "big", "expr": "max + 1" },
        { "op": "assert", "cond": "i == 5 && s == \"ab\" && len(s) == 2" },
        { "op": "assert", "cond": "-7 / 2 == -3 && -7 % 2 == -1 && 2 + 3 * 4 == 14 && (2 + 3) * 4 == 20" },
        { "op": "assert", "cond": "big == -9223372036854775808", "message": "int64 wraps" },
        { "op": "assert", "cond": "!(i > 5) && (i >= 5 || 1 / 0 == 0) && \"abc\" < \"abd\"" }
    ]));
    never_fails(v, serde_json::Value::Null);
}

#[test]
fn a_failing_assert_names_the_values_it_read() {
    let v = one_thread(json!([
        { "op": "let", "var": "n", "value": 2 },
        { "op": "let", "var": "want", "value": 3 },
        { "op": "assert", "cond": "n == want", "message": "all workers counted" }
    ]));
    let s = failures(v, serde_json::Value::Null);
    assert_sig(
        only(&s),
        "assertion",
        FailureKind::Assertion,
        "all workers counted (n == want is false, with n = 2, want = 3)",
        Some("t"),
    );
}

#[test]
fn division_by_zero_is_go_s_runtime_panic_and_recoverable() {
    let v = one_thread(json!([
        { "op": "let", "var": "z", "value": 0 },
        { "op": "let", "var": "x", "expr": "10 % z" }
    ]));
    let s = failures(v, serde_json::Value::Null);
    assert_sig(
        only(&s),
        "panic",
        FailureKind::Panic,
        "runtime error: integer divide by zero",
        Some("t"),
    );
    never_fails(
        one_thread(json!([
            { "op": "let", "var": "z", "value": 0 },
            { "op": "recover", "into": "r", "body": [ { "op": "let", "var": "x", "expr": "1 / z" } ] },
            { "op": "assert", "var": "r", "eq": "runtime error: integer divide by zero" }
        ])),
        serde_json::Value::Null,
    );
}

#[test]
fn len_of_an_object_is_a_read_of_shared_state_at_its_own_scheduling_point() {
    // `n := len(s)` races with an append: exploration sees both lengths.
    let v = json!({
        "objects": { "s": { "kind": "slice", "cap": 4 } },
        "threads": {
            "writer": [ { "op": "append", "obj": "s", "values": [1] } ],
            "reader": [
                { "op": "let", "var": "n", "expr": "len(s) + cap(s)" },
                { "op": "assert", "cond": "n == 4", "message": "saw the slice before the append" }
            ]
        }
    });
    let s = failures(v, serde_json::Value::Null);
    assert_eq!(
        only(&s).message,
        "saw the slice before the append (n == 4 is false, with n = 5)"
    );
}

#[test]
fn repeat_counts_known_at_run_time() {
    // `for i := range n` with n from a variable; n <= 0 runs no iteration.
    for (n, want) in [(3, 3), (0, 0), (-2, 0)] {
        never_fails(
            one_thread(json!([
                { "op": "let", "var": "n", "value": n },
                { "op": "let", "var": "total", "value": 0 },
                { "op": "repeat", "times": "n", "index": "i", "body": [
                    { "op": "let", "var": "total", "expr": "total + 1" },
                    { "op": "assert", "cond": "i < n" } ] },
                { "op": "assert", "cond": format!("total == {want}") }
            ])),
            serde_json::Value::Null,
        );
    }
}

#[test]
fn op_arguments_take_expressions() {
    let v = json!({
        "objects": { "ch": { "kind": "chan", "cap": 3 }, "m": { "kind": "map" } },
        "threads": { "t": [
            { "op": "repeat", "times": 3, "index": "i", "body": [
                { "op": "send", "obj": "ch", "value": { "expr": "i * 10" } },
                { "op": "set", "obj": "m", "key": { "expr": "\"k\" + \"x\"" }, "value": { "expr": "i" } } ] },
            { "op": "recv", "obj": "ch", "into": "a" },
            { "op": "recv", "obj": "ch", "into": "b" },
            { "op": "assert", "cond": "a + b == 10" }
        ] }
    });
    never_fails(v, json!([ { "obj": "m", "key": "kx", "value": 2 } ]));
}

#[test]
fn variables_start_at_their_type_s_zero_value() {
    // `var n int` is 0 until set, so `n + 1` is 1 on the path that never assigns it.
    let v = one_thread(json!([
        { "op": "let", "var": "flag", "value": false },
        { "op": "if", "cond": "flag", "then": [ { "op": "let", "var": "n", "value": 41 } ] },
        { "op": "let", "var": "m", "expr": "n + 1" },
        { "op": "assert", "cond": "m == 1" }
    ]));
    never_fails(v, serde_json::Value::Null);
}

#[test]
fn a_value_of_the_wrong_type_at_run_time_is_an_input_error_not_a_finding() {
    // An `any` channel: validation cannot know what arrives; `v + 1` on a string stops the
    // run with the place, and nothing is reported as a Go failure.
    let p = prog(json!({
        "objects": { "ch": { "kind": "chan", "cap": 1, "elem": "any" } },
        "threads": { "t": [
            { "op": "send", "obj": "ch", "value": "text" },
            { "op": "recv", "obj": "ch", "into": "v" },
            { "op": "let", "var": "w", "expr": "v + 1" }
        ] },
        "expect": { "passes": true }
    }));
    let x = explore(&p, &ExploreConfig::default().iterations(10)).unwrap();
    assert!(x.findings.is_empty(), "{:?}", sigs(&x));
    let limit = x.limit.expect("stopped");
    assert!(
        limit.contains("scenario error at run time: $.threads.t[2]"),
        "{limit}"
    );
    assert!(limit.contains("mismatched types"), "{limit}");
}

fn refused(ops: serde_json::Value) -> String {
    refused_with(
        json!({ "mu": { "kind": "mutex" }, "s": { "kind": "slice" } }),
        ops,
    )
}

#[test]
fn ill_typed_and_malformed_expressions_are_refused_with_the_place() {
    let x = json!({ "op": "let", "var": "x", "value": 1 });
    let name = json!({ "op": "let", "var": "name", "value": "a" });
    let cases = [
        (
            json!([x, name, { "op": "if", "cond": "x == name" }]),
            "$.threads.t[2].cond: invalid operation: x == name (mismatched types int and string)",
        ),
        (
            json!([x, { "op": "if", "cond": "x == nil" }]),
            "mismatched types int and untyped nil",
        ),
        (
            json!([x, { "op": "for", "cond": "x" }]),
            "$.threads.t[1].cond: non-bool x (of type int) used as a condition",
        ),
        (
            json!([name, { "op": "repeat", "times": "name", "body": [] }]),
            "$.threads.t[1].times: non-int name (of type string) used as a count",
        ),
        (
            json!([x, { "op": "let", "var": "y", "expr": "!x" }]),
            "operator ! not defined on x (a value of type int)",
        ),
        (
            json!([name, { "op": "let", "var": "y", "expr": "name * 2" }]),
            "mismatched types string and int",
        ),
        (
            json!([{ "op": "let", "var": "y", "expr": "len(mu)" }]),
            "invalid argument: `mu` (a mutex) for built-in len",
        ),
        (
            json!([x, { "op": "let", "var": "y", "expr": "x <" }]),
            "$.threads.t[1].expr: in `x <`, column 4: expected an operand, found end of expression",
        ),
        (
            json!([x, { "op": "let", "var": "y", "expr": "x # 2" }]),
            "column 3: unexpected `#`",
        ),
        (
            json!([{ "op": "let", "var": "y", "expr": "ghost + 1" }]),
            "variable `ghost` is read here but never set",
        ),
        (
            json!([{ "op": "let", "var": "y", "expr": "mu + 1" }]),
            "invalid operation: mu + 1 (mismatched types mutex and int)",
        ),
        (
            json!([{ "op": "let", "var": "y" }]),
            "a `let` sets its variable to `value` (a literal) or `expr` (an expression)",
        ),
        (
            json!([x, { "op": "assert", "cond": "x == 1", "not": true }]),
            "`eq` and `not` go with `var`",
        ),
        (
            json!([{ "op": "let", "var": "y", "expr": "9223372036854775808" }]),
            "cannot use 9223372036854775808 (untyped int constant) as int value (overflows)",
        ),
        (
            json!([x, { "op": "let", "var": "y", "expr": "(".repeat(5000) + "x" + &")".repeat(5000) }]),
            "longer than 1024 characters (limit)",
        ),
        (
            json!([x, { "op": "let", "var": "y", "expr": "(".repeat(100) + "x" + &")".repeat(100) }]),
            "more than 64 operators and parentheses (limit)",
        ),
        (
            json!([x, { "op": "let", "var": "y", "expr": vec!["x"; 100].join("+") }]),
            "more than 64 operators and parentheses (limit)",
        ),
        (
            json!([{ "op": "if", "cond": 3 }]),
            "$.threads.t[0].cond: invalid type: integer `3`, expected a condition: an expression string",
        ),
        (
            json!([{ "op": "send", "obj": "s", "value": { "expr": 1 } }]),
            "{\"var\": \"name\"} or {\"expr\": \"...\"}",
        ),
    ];
    for (ops, want) in cases {
        let e = refused(ops.clone());
        assert!(e.contains(want), "{ops}:\n{e}");
        assert!(e.starts_with("bad.json:"), "names the place: {e}");
    }
}

#[test]
fn add_takes_an_int_expression_as_its_delta() {
    // `wg.Add(len(jobs))`, `wg.Add(n)`, `hits.Add(i * 2)`: the counts come out as Go's.
    let v = json!({
        "objects": {
            "wg": { "kind": "waitgroup" },
            "hits": { "kind": "atomic", "value": 0 },
            "jobs": { "kind": "slice", "len": 3 }
        },
        "threads": { "t": [
            { "op": "add", "obj": "wg", "delta": { "expr": "len(jobs)" } },
            { "op": "let", "var": "n", "value": -2 },
            { "op": "add", "obj": "wg", "delta": { "var": "n" } },
            { "op": "repeat", "times": 3, "index": "i", "body": [
                { "op": "add", "obj": "hits", "delta": { "expr": "i * 2" }, "into": "total" }
            ] },
            { "op": "assert", "cond": "total == 6" },
            { "op": "done", "obj": "wg" },
            { "op": "wait", "obj": "wg" }
        ] }
    });
    never_fails(v, json!([ { "obj": "hits", "holds": 6 } ]));
    // A delta that takes the counter below zero is Go's panic, whichever way it is written.
    let s = failures(
        one_thread(json!([
            { "op": "let", "var": "n", "value": 1 },
            { "op": "add", "obj": "wg", "delta": { "expr": "-n" } }
        ]))
        .as_object()
        .cloned()
        .map(|mut m| {
            m.insert("objects".into(), json!({ "wg": { "kind": "waitgroup" } }));
            serde_json::Value::Object(m)
        })
        .unwrap(),
        serde_json::Value::Null,
    );
    assert_sig(
        only(&s),
        "wg-negative",
        FailureKind::Panic,
        "sync: negative WaitGroup counter",
        Some("t"),
    );
}

#[test]
fn add_refuses_a_delta_that_is_not_an_int() {
    let objs = json!({ "wg": { "kind": "waitgroup" } });
    let e = refused_with(
        objs.clone(),
        json!([ { "op": "add", "obj": "wg", "delta": "one" } ]),
    );
    assert!(e.contains("$.threads.t[0].delta: expected an int"), "{e}");
    let e = refused_with(
        objs.clone(),
        json!([
            { "op": "let", "var": "s", "value": "x" },
            { "op": "add", "obj": "wg", "delta": { "var": "s" } }
        ]),
    );
    assert!(e.contains("$.threads.t[1].delta.var"), "{e}");
    assert!(e.contains("non-int s (of type string)"), "{e}");
    let e = refused_with(
        objs,
        json!([ { "op": "add", "obj": "wg", "delta": { "expr": "1 == 1" } } ]),
    );
    assert!(e.contains("non-int 1 == 1 (of type bool)"), "{e}");
}

#[test]
fn a_delta_beyond_the_counter_at_run_time_is_an_input_error() {
    let p = prog(json!({
        "objects": { "wg": { "kind": "waitgroup" } },
        "threads": { "t": [
            { "op": "let", "var": "n", "value": 4294967296i64 },
            { "op": "add", "obj": "wg", "delta": { "var": "n" } }
        ] },
        "expect": { "passes": true }
    }));
    let x = explore(&p, &ExploreConfig::default().iterations(10)).unwrap();
    assert!(x.findings.is_empty(), "{:?}", sigs(&x));
    let limit = x.limit.expect("stopped");
    assert!(
        limit.contains("$.threads.t[1]: delta 4294967296 is out of the counter's range"),
        "{limit}"
    );
}
