//! Malformed scenarios: each is rejected before anything runs, with an error that names the
//! file, the JSON path of the culprit and its line:column, and a message that says what is
//! wrong. Loading never panics.
//!
//! Every text below is laid out so that the offending token sits on a known line and column;
//! the expected line:col are counted by hand from the text (1-based, columns in characters),
//! and cross-checked against the text itself with `helpers::line_col`.

use crate::helpers::line_col;
use harness::scenario::{load_file, load_str, ScenarioError};

const FILE: &str = "bad.json";

/// Load `text`, which must be rejected with a location.
#[track_caller]
fn reject(text: &str) -> ScenarioError {
    match load_str(text, FILE) {
        Ok(_) => panic!("scenario was accepted:\n{text}"),
        Err(e) => {
            assert_eq!(e.file, FILE, "{e}");
            assert!(e.location.is_some(), "error without location: {e}");
            e
        }
    }
}

/// Assert the error's path, line, column and a message fragment, and that `needle` (the
/// offending token as written) really sits at that line:col of the text.
#[track_caller]
fn check(
    text: &str,
    path: &str,
    line: usize,
    col: usize,
    needle: &str,
    fragment: &str,
) -> ScenarioError {
    assert_eq!(
        line_col(text, needle),
        (line, col),
        "test bug: `{needle}` is not at {line}:{col} of the text"
    );
    let e = reject(text);
    let loc = e.location.clone().unwrap();
    assert_eq!(loc.path, path, "path of: {e}");
    assert_eq!((loc.line, loc.col), (line, col), "line:col of: {e}");
    assert!(
        e.message.contains(fragment),
        "message of `{e}` lacks `{fragment}`"
    );
    // The Display form is `file:line:col: path: message`.
    assert_eq!(
        e.to_string(),
        format!("{FILE}:{line}:{col}: {path}: {}", e.message)
    );
    e
}

// ---------------------------------------------------------------------------------------------
// The texts. Kept as constants so that the no-panic test can run all of them.

/// A missing comma after line 3: serde_json stops at the `"` that opens line 4.
const NOT_JSON: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad"
  "threads": { "t": [] },
  "expect": { "passes": true }
}"#;

const ROOT_ARRAY: &str = r#"[
  { "schema": "hazard/scenario/v1" }
]"#;

const MISSING_SCHEMA: &str = r#"{
  "name": "bad",
  "threads": { "t": [] },
  "expect": { "passes": true }
}"#;

const WRONG_SCHEMA: &str = r#"{
  "name": "bad",
  "schema": "hazard/scenario/v2",
  "threads": { "t": [] },
  "expect": { "passes": true }
}"#;

const UNKNOWN_TOP_FIELD: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": { "t": [] },
  "expect": { "passes": true },
  "bogus": 1
}"#;

const UNKNOWN_OP_FIELD: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "m": { "kind": "map" } },
  "threads": {
    "t": [
      {
        "op": "set",
        "obj": "m",
        "key": "a",
        "value": 1,
        "colour": "red"
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const UNKNOWN_OP: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "m": { "kind": "map" } },
  "threads": {
    "t": [
      { "op": "set", "obj": "m", "key": "a", "value": 1 },
      {
        "op": "frobnicate",
        "obj": "m"
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const UNKNOWN_KIND: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": {
    "m": { "kind": "map" },
    "h": {
      "kind": "hashmap"
    }
  },
  "threads": { "t": [] },
  "expect": { "passes": true }
}"#;

const UNKNOWN_OBJECT: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "m": { "kind": "map" } },
  "threads": {
    "t": [
      {
        "op": "set",
        "obj": "nope",
        "key": "a",
        "value": 1
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const WRONG_KIND_FOR_OP: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": {
    "m": { "kind": "map" },
    "c": { "kind": "chan" }
  },
  "threads": {
    "t": [
      { "op": "send", "obj": "c", "value": 1 },
      {
        "op": "send",
        "obj": "m",
        "value": 1
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const RECURSION: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "procs": {
    "a": [
      { "op": "yield" },
      { "op": "call", "proc": "b" }
    ],
    "b": [
      {
        "op": "call",
        "proc": "a"
      }
    ]
  },
  "threads": { "t": [ { "op": "call", "proc": "a" } ] },
  "expect": { "passes": true }
}"#;

const UNKNOWN_PROC: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "procs": { "p": [ { "op": "yield" } ] },
  "threads": {
    "t": [
      { "op": "call", "proc": "p" },
      {
        "op": "call",
        "proc": "q"
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const REPEAT_ZERO: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": {
    "t": [
      {
        "op": "repeat",
        "times": 0,
        "body": [ { "op": "yield" } ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const REPEAT_HUGE: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": {
    "t": [
      { "op": "yield" },
      {
        "op": "repeat",
        "body": [ { "op": "yield" } ],
        "times": 100000
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const TOO_MANY_THREADS: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": {
    "main": [
      {
        "op": "repeat",
        "times": 1100,
        "body": [ { "op": "spawn", "thread": "w", "body": [ { "op": "yield" } ] } ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const DUPLICATE_KEY: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": {
    "t": [ { "op": "yield" } ],
    "u": [ { "op": "yield" } ],
    "t": [ { "op": "yield" }, { "op": "yield" } ]
  },
  "expect": { "passes": true }
}"#;

const EXPECT_BOTH: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": { "t": [ { "op": "yield" } ] },
  "expect": {
    "fails": { "id": "deadlock" },
    "passes": true
  }
}"#;

const EXPECT_NEITHER: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": { "t": [ { "op": "yield" } ] },
    "expect": {}
}"#;

const UNKNOWN_CATALOG_ID: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": { "t": [ { "op": "yield" } ] },
  "expect": {
    "fails": {
      "kind": "fatal",
      "id": "map-concurent-writes"
    }
  }
}"#;

const VAR_NEVER_SET: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": {
    "t": [
      { "op": "let", "var": "x", "value": 1 },
      {
        "op": "if",
        "cond": { "var": "x" },
        "then": [ { "op": "yield" } ]
      },
      {
        "op": "if",
        "cond": {
          "var": "ghost"
        },
        "then": [ { "op": "yield" } ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const FINAL_FIELD_WRONG_KIND: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "m": { "kind": "map" }, "mu": { "kind": "mutex" } },
  "threads": { "t": [ { "op": "yield" } ] },
  "expect": {
    "passes": true,
    "final": [
      { "obj": "mu", "locked": false },
      {
        "obj": "m",
        "len": 0,
        "locked": true
      }
    ]
  }
}"#;

const TYPE_ERROR: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": {
    "t": [
      {
        "op": "repeat",
        "times": true,
        "body": [ { "op": "yield" } ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const TWO_DEFAULTS: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "c": { "kind": "chan" } },
  "threads": {
    "t": [
      {
        "op": "select",
        "cases": [
          { "case": "recv", "obj": "c" },
          { "case": "default" },
          { "case": "default", "body": [ { "op": "yield" } ] }
        ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

// Errors inside nested parts of ops and object declarations.

const NESTED_UNKNOWN_OP: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "m": { "kind": "map" } },
  "threads": {
    "t": [
      {
        "op": "range",
        "obj": "m",
        "body": [
          {
            "op": "nope"
          }
        ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const NESTED_UNKNOWN_FIELD: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "m": { "kind": "map" } },
  "threads": {
    "t": [
      {
        "op": "range",
        "obj": "m",
        "body": [
          {
            "op": "yield",
            "zzz": 1
          }
        ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const UNKNOWN_CASE: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "c": { "kind": "chan" } },
  "threads": {
    "t": [
      {
        "op": "select",
        "cases": [
          {
            "case": "recieve",
            "obj": "c"
          }
        ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const UNKNOWN_CASE_FIELD: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "c": { "kind": "chan" } },
  "threads": {
    "t": [
      {
        "op": "select",
        "cases": [
          {
            "case": "recv",
            "obj": "c",
            "timeout": 5
          }
        ]
      }
    ]
  },
  "expect": { "passes": true }
}"#;

const BAD_ELEM: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": {
    "c": {
      "kind": "chan",
      "elem": "float"
    }
  },
  "threads": { "t": [] },
  "expect": { "passes": true }
}"#;

const BAD_CAP: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": {
    "c": {
      "kind": "chan",
      "cap": "big"
    }
  },
  "threads": { "t": [] },
  "expect": { "passes": true }
}"#;

const HINTS_TYPE: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "threads": { "t": [] },
  "expect": { "passes": true },
  "explore": {
    "iterations": "many"
  }
}"#;

/// The root value starts on line 3, column 3.
const ROOT_ARRAY_INDENTED: &str = "\n\n  [1, 2]";

const ALL: &[(&str, &str)] = &[
    ("not_json", NOT_JSON),
    ("root_array", ROOT_ARRAY),
    ("missing_schema", MISSING_SCHEMA),
    ("wrong_schema", WRONG_SCHEMA),
    ("unknown_top_field", UNKNOWN_TOP_FIELD),
    ("unknown_op_field", UNKNOWN_OP_FIELD),
    ("unknown_op", UNKNOWN_OP),
    ("unknown_kind", UNKNOWN_KIND),
    ("unknown_object", UNKNOWN_OBJECT),
    ("wrong_kind_for_op", WRONG_KIND_FOR_OP),
    ("recursion", RECURSION),
    ("unknown_proc", UNKNOWN_PROC),
    ("repeat_zero", REPEAT_ZERO),
    ("repeat_huge", REPEAT_HUGE),
    ("too_many_threads", TOO_MANY_THREADS),
    ("duplicate_key", DUPLICATE_KEY),
    ("expect_both", EXPECT_BOTH),
    ("expect_neither", EXPECT_NEITHER),
    ("unknown_catalog_id", UNKNOWN_CATALOG_ID),
    ("var_never_set", VAR_NEVER_SET),
    ("final_field_wrong_kind", FINAL_FIELD_WRONG_KIND),
    ("type_error", TYPE_ERROR),
    ("two_defaults", TWO_DEFAULTS),
    ("nested_unknown_op", NESTED_UNKNOWN_OP),
    ("nested_unknown_field", NESTED_UNKNOWN_FIELD),
    ("unknown_case", UNKNOWN_CASE),
    ("unknown_case_field", UNKNOWN_CASE_FIELD),
    ("bad_elem", BAD_ELEM),
    ("bad_cap", BAD_CAP),
    ("hints_type", HINTS_TYPE),
    ("root_array_indented", ROOT_ARRAY_INDENTED),
];

// ---------------------------------------------------------------------------------------------

#[test]
fn not_json_is_a_syntax_error_at_the_offending_character() {
    // Line 4 is `  "threads": ...`; the parser wanted `,` or `}` and found `"` in column 3:
    // the member before it, `name`, lacks its comma.
    let e = check(NOT_JSON, "$.name", 4, 3, "\"threads\"", "not valid JSON");
    assert!(e.message.contains("expected `,` or `}`"), "{e}");
    // serde_json's own " at line L column C" suffix is not repeated in the message.
    assert!(!e.message.contains(" at line "), "{e}");
}

#[test]
fn root_that_is_not_an_object() {
    check(ROOT_ARRAY, "$", 1, 1, "[", "a scenario is a JSON object");
    let e = reject("42");
    assert!(e.message.contains("a scenario is a JSON object"), "{e}");
}

#[test]
fn missing_schema() {
    let e = check(
        MISSING_SCHEMA,
        "$",
        1,
        1,
        "{",
        "missing `\"schema\": \"hazard/scenario/v1\"`",
    );
    assert!(e.message.contains("schema"), "{e}");
}

#[test]
fn wrong_schema_version() {
    let e = check(
        WRONG_SCHEMA,
        "$.schema",
        3,
        3,
        "\"schema\"",
        "unsupported schema",
    );
    assert!(
        e.message.contains("hazard/scenario/v2"),
        "names the version given: {e}"
    );
    assert!(
        e.message.contains("hazard/scenario/v1"),
        "names the version read: {e}"
    );
}

#[test]
fn unknown_top_level_field() {
    check(
        UNKNOWN_TOP_FIELD,
        "$.bogus",
        6,
        3,
        "\"bogus\"",
        "unknown field `bogus`",
    );
}

#[test]
fn unknown_field_inside_an_op() {
    check(
        UNKNOWN_OP_FIELD,
        "$.threads.t[0].colour",
        12,
        9,
        "\"colour\"",
        "unknown field `colour`",
    );
}

#[test]
fn unknown_op_name() {
    let e = check(
        UNKNOWN_OP,
        "$.threads.t[1].op",
        9,
        9,
        "\"op\": \"frobnicate\"",
        "unknown op `frobnicate`",
    );
    assert!(e.message.contains("set"), "lists the known ops: {e}");
}

#[test]
fn unknown_object_kind() {
    let e = check(
        UNKNOWN_KIND,
        "$.objects.h.kind",
        7,
        7,
        "\"kind\": \"hashmap\"",
        "unknown kind `hashmap`",
    );
    assert!(e.message.contains("rwmutex"), "lists the known kinds: {e}");
}

#[test]
fn unknown_object_referenced_by_an_op() {
    let e = check(
        UNKNOWN_OBJECT,
        "$.threads.t[0].obj",
        9,
        9,
        "\"obj\": \"nope\"",
        "unknown object `nope`",
    );
    assert!(
        e.message.contains("declared: m"),
        "lists the declared objects: {e}"
    );
}

#[test]
fn op_that_does_not_fit_the_objects_kind() {
    let e = check(
        WRONG_KIND_FOR_OP,
        "$.threads.t[1].obj",
        13,
        9,
        "\"obj\": \"m\"",
        "op `send` does not apply to `m`, a map",
    );
    assert!(e.message.contains("chan"), "says what it applies to: {e}");
}

#[test]
fn recursion_through_call() {
    // a calls b (line 7), b calls a (line 12): the call that closes the cycle is b's.
    check(
        RECURSION,
        "$.procs.b[0].proc",
        12,
        9,
        "\"proc\": \"a\"",
        "recursion through `call`: a -> b -> a",
    );
}

#[test]
fn unknown_proc() {
    let e = check(
        UNKNOWN_PROC,
        "$.threads.t[1].proc",
        10,
        9,
        "\"proc\": \"q\"",
        "unknown proc `q`",
    );
    assert!(e.message.contains("declared: p"), "{e}");
}

#[test]
fn repeat_with_times_zero() {
    check(
        REPEAT_ZERO,
        "$.threads.t[0].times",
        8,
        9,
        "\"times\"",
        "times must be 1..=10000 (got 0)",
    );
}

#[test]
fn repeat_with_huge_times() {
    check(
        REPEAT_HUGE,
        "$.threads.t[1].times",
        10,
        9,
        "\"times\"",
        "times must be 1..=10000 (got 100000)",
    );
}

#[test]
fn too_many_threads() {
    // The error names the thread whose loop spawns them.
    let e = check(
        TOO_MANY_THREADS,
        "$.threads.main",
        5,
        5,
        "\"main\"",
        "too many threads",
    );
    assert!(
        e.message.contains("1101"),
        "counts main and the 1100 spawned threads: {e}"
    );
    assert!(e.message.contains("limit 1024"), "{e}");
}

#[test]
fn duplicate_key() {
    // The second `"t"` (line 7), not the first (line 5).
    let e = reject(DUPLICATE_KEY);
    let loc = e.location.clone().unwrap();
    assert_eq!(loc.path, "$.threads.t", "{e}");
    assert_eq!((loc.line, loc.col), (7, 5), "{e}");
    assert!(e.message.contains("duplicate key"), "{e}");
    assert_eq!(
        line_col(DUPLICATE_KEY, "\"t\": [ { \"op\": \"yield\" }, {"),
        (7, 5)
    );
}

#[test]
fn expect_with_both_fails_and_passes() {
    check(EXPECT_BOTH, "$.expect", 5, 3, "\"expect\"", "not both");
}

#[test]
fn expect_with_neither_fails_nor_passes() {
    check(
        EXPECT_NEITHER,
        "$.expect",
        5,
        5,
        "\"expect\"",
        "give one of `fails`",
    );
}

#[test]
fn unknown_catalog_id_in_expect() {
    check(
        UNKNOWN_CATALOG_ID,
        "$.expect.fails.id",
        8,
        7,
        "\"id\"",
        "unknown catalog id `map-concurent-writes`",
    );
}

#[test]
fn condition_on_a_variable_never_set() {
    check(
        VAR_NEVER_SET,
        "$.threads.t[2].cond.var",
        15,
        11,
        "\"var\": \"ghost\"",
        "variable `ghost` is read here but never set",
    );
}

#[test]
fn final_assertion_field_that_does_not_fit_the_kind() {
    check(
        FINAL_FIELD_WRONG_KIND,
        "$.expect.final[1].locked",
        13,
        9,
        "\"locked\": true",
        "`locked` does not apply to `m`, a map",
    );
}

#[test]
fn type_error_names_the_field() {
    let e = check(
        TYPE_ERROR,
        "$.threads.t[0].times",
        8,
        9,
        "\"times\"",
        "invalid type: boolean `true`",
    );
    assert!(e.message.contains("a positive integer"), "{e}");
}

#[test]
fn type_error_inside_an_op_is_located_within_the_op() {
    // Weaker than `type_error_names_the_field` (which names `times` exactly): the error is
    // at least inside the op that holds the bad value.
    let e = reject(TYPE_ERROR);
    let loc = e.location.clone().unwrap();
    assert!(loc.path.starts_with("$.threads.t[0]"), "{e}");
    assert!((6..=8).contains(&loc.line), "{e}");
    assert!(e.message.contains("invalid type: boolean `true`"), "{e}");
}

#[test]
fn type_error_in_explore_hints_names_the_field() {
    check(
        HINTS_TYPE,
        "$.explore.iterations",
        7,
        5,
        "\"iterations\"",
        "invalid type: string \"many\"",
    );
}

#[test]
fn unknown_op_name_in_a_nested_body() {
    check(
        NESTED_UNKNOWN_OP,
        "$.threads.t[0].body[0].op",
        12,
        13,
        "\"op\": \"nope\"",
        "unknown op `nope`",
    );
}

#[test]
fn unknown_field_in_a_nested_op() {
    check(
        NESTED_UNKNOWN_FIELD,
        "$.threads.t[0].body[0].zzz",
        13,
        13,
        "\"zzz\"",
        "unknown field `zzz`",
    );
}

#[test]
fn unknown_case_name_in_a_select() {
    check(
        UNKNOWN_CASE,
        "$.threads.t[0].cases[0].case",
        11,
        13,
        "\"case\"",
        "unknown case `recieve`",
    );
}

#[test]
fn unknown_field_in_a_select_case() {
    check(
        UNKNOWN_CASE_FIELD,
        "$.threads.t[0].cases[0].timeout",
        13,
        13,
        "\"timeout\"",
        "unknown field `timeout`",
    );
}

#[test]
fn unknown_elem_type_names_elem() {
    check(
        BAD_ELEM,
        "$.objects.c.elem",
        7,
        7,
        "\"elem\"",
        "unknown elem `float`",
    );
}

#[test]
fn type_error_in_an_object_declaration_names_the_field() {
    check(
        BAD_CAP,
        "$.objects.c.cap",
        7,
        7,
        "\"cap\"",
        "invalid type: string \"big\"",
    );
}

#[test]
fn root_not_an_object_is_located_where_the_root_starts() {
    check(
        ROOT_ARRAY_INDENTED,
        "$",
        3,
        3,
        "[",
        "a scenario is a JSON object",
    );
}

#[test]
fn two_default_cases_in_a_select() {
    check(
        TWO_DEFAULTS,
        "$.threads.t[0].cases[2]",
        12,
        11,
        "{ \"case\": \"default\", \"body\"",
        "a select has at most one default case",
    );
}

// ---------------------------------------------------------------------------------------------

#[test]
fn every_malformed_text_is_rejected_without_panicking() {
    for (name, text) in ALL {
        let r = std::panic::catch_unwind(|| load_str(text, FILE));
        match r {
            Err(_) => panic!("{name}: load_str panicked"),
            Ok(Ok(_)) => panic!("{name}: accepted"),
            Ok(Err(e)) => {
                assert!(e.location.is_some(), "{name}: no location: {e}");
                assert!(!e.message.is_empty(), "{name}: empty message");
            }
        }
    }
    assert!(ALL.len() >= 14);
}

#[test]
fn truncated_and_mangled_texts_never_panic() {
    // Every prefix of every malformed text, and each text with one byte replaced: any answer
    // is fine as long as it is an answer.
    for (name, text) in ALL {
        let bytes = text.as_bytes();
        for cut in 0..bytes.len() {
            if !text.is_char_boundary(cut) {
                continue;
            }
            let r = std::panic::catch_unwind(|| load_str(&text[..cut], FILE));
            assert!(
                r.is_ok(),
                "{name}: load_str panicked on the prefix of {cut} bytes"
            );
            if let Ok(Err(e)) = r {
                if let Some(l) = &e.location {
                    assert!(l.line >= 1 && l.col >= 1, "{name}: {e}");
                }
            }
        }
        for (i, junk) in [(1usize, "\u{e9}"), (3, "}"), (10, "["), (20, "\"")]
            .iter()
            .copied()
        {
            if i >= text.len() || !text.is_char_boundary(i) || !text.is_char_boundary(i + 1) {
                continue;
            }
            let mangled = format!("{}{}{}", &text[..i], junk, &text[i + 1..]);
            let r = std::panic::catch_unwind(|| load_str(&mangled, FILE));
            assert!(r.is_ok(), "{name}: load_str panicked on a mangled text");
        }
    }
    for odd in [
        "",
        " ",
        "\n\n",
        "null",
        "{}",
        "{\"schema\": 1}",
        "\u{feff}{}",
        "{\"schema\":\"hazard/scenario/v1\"}",
    ] {
        let r = std::panic::catch_unwind(|| load_str(odd, FILE));
        assert!(
            matches!(r, Ok(Err(_))),
            "{odd:?} must be rejected without a panic"
        );
    }
}

#[test]
fn nonexistent_file_is_an_error_without_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-scenario.json");
    let e = load_file(&path).expect_err("a missing file cannot load");
    assert_eq!(e.location, None, "{e}");
    assert_eq!(e.file, path.display().to_string());
    assert!(e.message.contains("cannot read"), "{e}");
    assert!(
        e.to_string().starts_with(&format!("{}: ", path.display())),
        "{e}"
    );
}

#[test]
fn a_well_formed_variant_of_the_templates_loads() {
    // Guard against the texts above failing for some reason other than the one each tests:
    // the same layout with the defect removed loads.
    let ok = UNKNOWN_OP_FIELD.replace(",\n        \"colour\": \"red\"", "");
    load_str(&ok, FILE).unwrap_or_else(|e| panic!("{e}"));
    let ok = UNKNOWN_OBJECT.replace("\"nope\"", "\"m\"");
    load_str(&ok, FILE).unwrap_or_else(|e| panic!("{e}"));
    let ok = REPEAT_HUGE.replace("100000", "10000");
    load_str(&ok, FILE).unwrap_or_else(|e| panic!("{e}"));
    let ok = TOO_MANY_THREADS.replace("\"times\": 1100", "\"times\": 1023");
    load_str(&ok, FILE).unwrap_or_else(|e| panic!("{e}"));
    let ok = TWO_DEFAULTS.replace("          { \"case\": \"default\" },\n", "");
    load_str(&ok, FILE).unwrap_or_else(|e| panic!("{e}"));
    let ok = VAR_NEVER_SET.replace("\"ghost\"", "\"x\"");
    load_str(&ok, FILE).unwrap_or_else(|e| panic!("{e}"));
    let ok = RECURSION
        .replace("\"proc\": \"a\"\n", "\"proc\": \"c\"\n")
        .replace("\"procs\": {", "\"procs\": {\n    \"c\": [],");
    load_str(&ok, FILE).unwrap_or_else(|e| panic!("{e}"));
}

// ---------------------------------------------------------------------------------------------
// The ports beyond the core loop: time, context, slices, pools, atomics, data structures.

/// A scenario with `objects` and thread `t`'s ops spliced in, one op per line.
fn with(objects: &str, ops: &[&str]) -> String {
    format!(
        "{{\n  \"schema\": \"hazard/scenario/v1\",\n  \"name\": \"bad\",\n  \"objects\": {objects},\n  \"threads\": {{ \"t\": [\n    {}\n  ] }},\n  \"expect\": {{ \"passes\": true }}\n}}",
        ops.join(",\n    ")
    )
}

/// Rejected at `path`, located where `needle` starts, with `fragment` in the message.
#[track_caller]
fn check_at(text: &str, path: &str, needle: &str, fragment: &str) {
    let (line, col) = line_col(text, needle);
    check(text, path, line, col, needle, fragment);
}

#[test]
fn a_duration_that_is_not_one_names_the_field() {
    let t = with("{}", &[r#"{ "op": "sleep", "for": "soon" }"#]);
    check_at(&t, "$.threads.t[0].for", "\"for\"", "is not a duration");
    let t = with(
        r#"{ "c": { "kind": "timer", "after": "5 parsecs" } }"#,
        &[r#"{ "op": "yield" }"#],
    );
    check_at(
        &t,
        "$.objects.c.after",
        "\"after\": \"5",
        "is not a duration",
    );
}

#[test]
fn after_func_needs_exactly_one_of_after_and_ctx() {
    let both = with(
        r#"{ "h": { "kind": "timer" }, "c": { "kind": "context" } }"#,
        &[r#"{ "op": "after_func", "obj": "h", "after": "1s", "ctx": "c" }"#],
    );
    check_at(
        &both,
        "$.threads.t[0]",
        "{ \"op\": \"after_func\"",
        "exactly one",
    );
    let neither = with(
        r#"{ "h": { "kind": "timer" } }"#,
        &[r#"{ "op": "after_func", "obj": "h" }"#],
    );
    check_at(
        &neither,
        "$.threads.t[0]",
        "{ \"op\": \"after_func\"",
        "exactly one",
    );
}

#[test]
fn a_context_afterfunc_stop_is_not_a_timer() {
    let t = with(
        r#"{ "h": { "kind": "timer" }, "c": { "kind": "context" } }"#,
        &[
            r#"{ "op": "after_func", "obj": "h", "ctx": "c" }"#,
            r#"{ "op": "reset", "obj": "h", "after": "1s" }"#,
        ],
    );
    check_at(
        &t,
        "$.threads.t[1]",
        "{ \"op\": \"reset\"",
        "stop function of a context.AfterFunc",
    );
}

#[test]
fn context_declarations_are_checked() {
    let t = with(
        r#"{ "c": { "kind": "context", "timeout": "1s" } }"#,
        &[r#"{ "op": "yield" }"#],
    );
    check_at(&t, "$.objects.c", "\"c\": {", "needs a `parent`");
    let t = with(
        r#"{ "c": { "kind": "context", "parent": "root" } }"#,
        &[r#"{ "op": "yield" }"#],
    );
    check_at(
        &t,
        "$.objects.c.parent",
        "\"parent\": \"root",
        "unknown context `root`",
    );
    let t = with(
        r#"{ "n": { "kind": "context", "nil": true }, "c": { "kind": "context", "parent": "n" } }"#,
        &[r#"{ "op": "yield" }"#],
    );
    check_at(&t, "$.objects.c.parent", "\"parent\": \"n", "nil context");
    let t = with(
        r#"{ "m": { "kind": "map" } }"#,
        &[r#"{ "op": "with_cancel", "obj": "m", "parent": "m" }"#],
    );
    check_at(
        &t,
        "$.threads.t[0].obj",
        "\"obj\": \"m\", \"parent",
        "does not apply to `m`, a map",
    );
}

#[test]
fn slice_declarations_and_expressions_are_checked() {
    let t = with(
        r#"{ "s": { "kind": "slice", "len": 4, "cap": 2 } }"#,
        &[r#"{ "op": "yield" }"#],
    );
    check_at(
        &t,
        "$.objects.s.cap",
        "\"cap\": 2",
        "len larger than cap in make",
    );
    let t = with(
        r#"{ "s": { "kind": "slice" } }"#,
        &[r#"{ "op": "slice", "obj": "s", "max": 3, "to": "s" }"#],
    );
    check_at(&t, "$.threads.t[0].max", "\"max\"", "middle index required");
    let t = with(
        r#"{ "s": { "kind": "slice" } }"#,
        &[r#"{ "op": "store", "obj": "s", "value": 1 }"#],
    );
    check_at(&t, "$.threads.t[0]", "{ \"op\": \"store\"", "needs `index`");
}

#[test]
fn pools_hold_slices() {
    let t = with(
        r#"{ "p": { "kind": "pool" } }"#,
        &[r#"{ "op": "put", "obj": "p", "value": 7 }"#],
    );
    check_at(
        &t,
        "$.threads.t[0].value",
        "\"value\": 7",
        "a pool holds slices",
    );
    let t = with(
        r#"{ "p": { "kind": "pool" } }"#,
        &[r#"{ "op": "get", "obj": "p" }"#],
    );
    check_at(&t, "$.threads.t[0]", "{ \"op\": \"get\"", "needs `to`");
}

#[test]
fn data_structure_ops_are_checked_by_kind() {
    let t = with(
        r#"{ "m": { "kind": "sync-map" } }"#,
        &[r#"{ "op": "len", "obj": "m", "into": "n" }"#],
    );
    check_at(
        &t,
        "$.threads.t[0].obj",
        "\"obj\": \"m\", \"into",
        "does not apply to `m`, a sync-map",
    );
    let t = with(
        r#"{ "m": { "kind": "map" } }"#,
        &[r#"{ "op": "push", "obj": "m", "value": 1 }"#],
    );
    check_at(
        &t,
        "$.threads.t[0].obj",
        "\"obj\": \"m\", \"value",
        "treiber-stack",
    );
    let t = with(
        r#"{ "m": { "kind": "sharded-map", "shards": 0 } }"#,
        &[r#"{ "op": "yield" }"#],
    );
    check_at(
        &t,
        "$.objects.m.shards",
        "\"shards\"",
        "shards must be 1..=256",
    );
}

#[test]
fn assert_checks_its_catalog_id_and_variable() {
    let t = with(
        "{}",
        &[
            r#"{ "op": "let", "var": "x", "value": 1 }"#,
            r#"{ "op": "assert", "var": "x", "id": "no-such-id" }"#,
        ],
    );
    check_at(&t, "$.threads.t[1].id", "\"id\"", "unknown catalog id");
    let t = with("{}", &[r#"{ "op": "assert", "var": "ghost" }"#]);
    check_at(&t, "$.threads.t[0].var", "\"var\": \"ghost", "never set");
    let t = with(
        r#"{ "a": { "kind": "atomic" } }"#,
        &[r#"{ "op": "cas", "obj": "a", "old": { "var": "seen" }, "new": 1 }"#],
    );
    check_at(&t, "$.threads.t[0].old", "\"old\"", "never set");
}

const MAP_KEY_VAR_NEVER_SET: &str = r#"{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": { "m": { "kind": "map" } },
  "threads": {
    "t": [
      { "op": "set", "obj": "m", "key": "a", "value": 1 },
      { "op": "delete", "obj": "m", "key": { "var": "ghost" } }
    ]
  },
  "expect": { "passes": true }
}"#;

#[test]
fn map_key_variable_never_set() {
    check(
        MAP_KEY_VAR_NEVER_SET,
        "$.threads.t[1].key",
        8,
        37,
        "\"key\": { \"var\": \"ghost\" }",
        "variable `ghost` is read here but never set",
    );
}

/// A scenario with one rule in `faults`, laid out one field per line.
fn with_rule(rule: &str) -> String {
    format!(
        r#"{{
  "schema": "hazard/scenario/v1",
  "name": "bad",
  "objects": {{
    "m": {{ "kind": "rwmutex-map" }},
    "ch": {{ "kind": "chan" }},
    "mu": {{ "kind": "mutex" }},
    "bg": {{ "kind": "context" }},
    "ctx": {{ "kind": "context", "parent": "bg" }}
  }},
  "threads": {{
    "w": [
      {{ "op": "lock", "obj": "mu" }},
      {{ "op": "set", "obj": "m", "key": "a", "value": 1 }},
      {{ "op": "unlock", "obj": "mu" }},
      {{ "op": "send", "obj": "ch", "value": 1 }}
    ],
    "r": [ {{ "op": "recv", "obj": "ch" }}, {{ "op": "err", "obj": "ctx", "into": "e" }} ]
  }},
  "faults": [
{rule}
  ],
  "expect": {{ "passes": true }}
}}"#
    )
}

/// Fault rules that cannot apply to their target are rejected with the rule's path (or the
/// offending field's) and its line:column; rules that can are accepted.
#[test]
fn fault_rules_that_cannot_apply() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (rule text, path, needle at the reported place, message fragment)
        (
            "    {\n      \"fault\": \"spurious-wakeup\",\n      \"obj\": \"ch\"\n    }",
            "$.faults[0].obj",
            "\"obj\": \"ch\"",
            "Go has no spurious wakeups there",
        ),
        (
            "    {\n      \"fault\": \"clock-skew\",\n      \"op\": \"set\",\n      \"early\": \"5ms\"\n    }",
            "$.faults[0]",
            "{\n      \"fault\": \"clock-skew\"",
            "no op that starts a timer",
        ),
        (
            "    {\n      \"fault\": \"cancel\",\n      \"ctx\": \"bg\"\n    }",
            "$.faults[0].ctx",
            "\"ctx\": \"bg\"",
            "never derived with a cancel function",
        ),
        (
            "    {\n      \"fault\": \"close\",\n      \"chan\": \"mu\"\n    }",
            "$.faults[0].chan",
            "\"chan\": \"mu\"",
            "is a mutex, not a chan",
        ),
        (
            "    {\n      \"fault\": \"panic\",\n      \"op\": \"recv\",\n      \"obj\": \"m\"\n    }",
            "$.faults[0]",
            "{\n      \"fault\": \"panic\"",
            "matches no op",
        ),
        (
            "    {\n      \"fault\": \"kill\",\n      \"value\": 1\n    }",
            "$.faults[0].value",
            "\"value\": 1\n",
            "belongs to `panic` rules",
        ),
        (
            "    {\n      \"fault\": \"preempt\",\n      \"thread\": \"nobody\"\n    }",
            "$.faults[0].thread",
            "\"thread\": \"nobody\"",
            "no thread is named `nobody`",
        ),
        (
            "    {\n      \"fault\": \"panic\",\n      \"path\": \"$.threads.w[9]\"\n    }",
            "$.faults[0].path",
            "\"path\": \"$.threads.w[9]\"",
            "no op is at",
        ),
        (
            "    {\n      \"fault\": \"preempt\",\n      \"p\": 1.5\n    }",
            "$.faults[0].p",
            "\"p\": 1.5",
            "p must be in (0, 1]",
        ),
        (
            "    {\n      \"fault\": \"delay\",\n      \"op\": \"send\"\n    }",
            "$.faults[0]",
            "{\n      \"fault\": \"delay\"",
            "needs `for`",
        ),
        (
            "    {\n      \"fault\": \"preempt\",\n      \"op\": \"let\"\n    }",
            "$.faults[0].op",
            "\"op\": \"let\"",
            "no fault fires before it",
        ),
    ];
    for (rule, path, needle, fragment) in cases {
        let text = with_rule(rule);
        // The needle's place inside the `faults` list (the same words may appear above it).
        let start = text.find("\"faults\"").unwrap();
        let (l0, _) = crate::helpers::line_col(&text, "\"faults\"");
        let (l, c) = crate::helpers::line_col(&text[start..], needle);
        let (line, col) = (l0 + l - 1, c);
        let e = reject(&text);
        let loc = e.location.clone().unwrap();
        assert_eq!(loc.path, *path, "path of: {e}");
        assert_eq!((loc.line, loc.col), (line, col), "line:col of: {e}");
        assert!(
            e.message.contains(fragment),
            "message of `{e}` lacks `{fragment}`"
        );
    }
    // The same shapes on targets they can apply to load.
    for rule in [
        r#"{ "fault": "spurious-wakeup", "obj": "mu" }"#,
        r#"{ "fault": "cancel", "ctx": "ctx" }"#,
        r#"{ "fault": "close", "chan": "ch" }"#,
        r#"{ "fault": "panic", "op": "set", "obj": "m", "value": "boom" }"#,
        r#"{ "fault": "kill", "path": "$.threads.w[1]" }"#,
        r#"{ "fault": "delay", "for": "5ms", "thread": "r", "p": 0.5, "times": 2 }"#,
    ] {
        let text = with_rule(rule);
        if let Err(e) = load_str(&text, FILE) {
            panic!("rejected {rule}: {e}");
        }
    }
}

/// A top-level thread named like a later goroutine of a role (`v#2`), or with no name, is
/// rejected at the name: it would collide with the names given to spawned goroutines.
#[test]
fn top_level_thread_names_are_checked_like_spawned_ones() {
    let text = r#"{
  "schema": "hazard/scenario/v1",
  "name": "hash-thread-name",
  "objects": { "m": { "kind": "mutex" } },
  "threads": {
    "main": [ { "op": "repeat", "times": 2, "body": [ { "op": "spawn", "thread": "v", "body": [ { "op": "lock", "obj": "m" } ] } ] } ],
    "v#2": [ { "op": "lock", "obj": "m" } ]
  },
  "expect": { "passes": true }
}"#;
    let (line, col) = line_col(text, "\"v#2\"");
    let e = reject(text);
    let loc = e.location.clone().unwrap();
    assert_eq!(loc.path, "$.threads.v#2", "{e}");
    assert_eq!((loc.line, loc.col), (line, col), "{e}");
    assert!(e.message.contains("do not contain `#`"), "{e}");
    let empty = text.replace("\"v#2\"", "\"\"");
    let e = reject(&empty);
    assert!(e.message.contains("non-empty"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Encodings, operand types and limits: each refused at the exact field.

/// A scenario file's bytes, loaded through `load_file`.
fn load_bytes(bytes: &[u8]) -> ScenarioError {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(FILE);
    std::fs::write(&f, bytes).unwrap();
    let e = load_file(&f).expect_err("must be refused");
    assert!(e.location.is_some(), "{e}");
    e
}

const SMALL: &str = r#"{"schema":"hazard/scenario/v1","name":"x",
"threads":{"t":[{"op":"yield"}]},
"expect":{"fails":{"message":"MSG"}}}"#;

#[test]
fn text_that_is_not_utf8_is_refused_at_its_field() {
    // A Latin-1 é inside a message: line 3, the 34th character, in `message`.
    let bytes = SMALL.replace("MSG", "caf\u{1}").into_bytes();
    let bytes: Vec<u8> = bytes
        .iter()
        .map(|&b| if b == 1 { 0xE9 } else { b })
        .collect();
    let e = load_bytes(&bytes);
    let loc = e.location.clone().unwrap();
    assert_eq!(
        (loc.line, loc.col, loc.path.as_str()),
        (3, 34, "$.expect.fails.message"),
        "{e}"
    );
    assert!(e.message.contains("byte 0xe9 is not valid UTF-8"), "{e}");

    // UTF-16, with a byte-order mark and without one.
    let utf16 = |bom: bool| -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        for u in SMALL.encode_utf16() {
            out.extend(u.to_le_bytes());
        }
        out
    };
    let e = load_bytes(&utf16(true));
    assert!(e.message.contains("the file is UTF-16"), "{e}");
    let e = load_bytes(&utf16(false));
    assert!(e.message.contains("looks like UTF-16"), "{e}");
    assert_eq!(e.location.unwrap().line, 1);

    // A UTF-8 byte-order mark is harmless: the file loads.
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(SMALL.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bom.json"), bom).unwrap();
    load_file(&dir.path().join("bom.json")).expect("a UTF-8 BOM is skipped");
}

#[test]
fn json_syntax_errors_name_the_field_they_are_in() {
    // A lone surrogate escape in `name`.
    let text = SMALL.replace(r#""name":"x""#, r#""name":"x\ud800""#);
    let e = reject(&text);
    assert_eq!(e.location.unwrap().path, "$.name", "{}", e.message);
    // A missing comma deep inside an op.
    let text = SMALL.replace(r#"{"op":"yield"}"#, r#"{"op":"yield" "x":1}"#);
    let e = reject(&text);
    assert!(
        e.location
            .clone()
            .unwrap()
            .path
            .starts_with("$.threads.t[0]"),
        "{e}"
    );
}

#[test]
fn wrong_operand_types_name_the_field_and_the_accepted_types() {
    let with = |op: &str| {
        format!(
            r#"{{"schema":"hazard/scenario/v1","name":"x",
"objects":{{"wg":{{"kind":"waitgroup"}},"m":{{"kind":"map"}},"c":{{"kind":"chan","cap":1}}}},
"threads":{{"t":[{op}]}},"expect":{{"passes":true}}}}"#
        )
    };
    for (op, path, fragment) in [
        (
            r#"{"op":"set","obj":"m","key":"k","value":{"foo":1}}"#,
            "$.threads.t[0].value",
            r#"invalid type: map, expected a value (null, a boolean, an integer or a string) or {"var": "name"}"#,
        ),
        (
            r#"{"op":"send","obj":"c","value":[1,2]}"#,
            "$.threads.t[0].value",
            "invalid type: sequence, expected a value (null, a boolean, an integer or a string)",
        ),
        (
            r#"{"op":"send","obj":"c","value":1.5}"#,
            "$.threads.t[0].value",
            "invalid type: floating point `1.5`, expected a value",
        ),
        (
            r#"{"op":"add","obj":"wg","delta":"x"}"#,
            "$.threads.t[0].delta",
            r#"expected an int, or {"var": name} or {"expr": "..."} of type int; got "x""#,
        ),
        (
            r#"{"op":"repeat","times":-1,"body":[]}"#,
            "$.threads.t[0].times",
            "invalid value: integer `-1`, expected a positive integer or an int expression string",
        ),
    ] {
        let e = reject(&with(op));
        assert_eq!(e.location.clone().unwrap().path, path, "{op}: {e}");
        assert!(e.message.contains(fragment), "{op}: {e}");
    }
}

#[test]
fn objects_and_initial_entries_are_bounded() {
    use harness::scenario::{MAX_ENTRIES, MAX_OBJECTS};
    let scenario = |objects: serde_json::Value| {
        serde_json::json!({
            "schema": "hazard/scenario/v1", "name": "x", "objects": objects,
            "threads": { "t": [ { "op": "yield" } ] }, "expect": { "passes": true }
        })
        .to_string()
    };
    let many: serde_json::Map<String, serde_json::Value> = (0..=MAX_OBJECTS)
        .map(|i| (format!("o{i}"), serde_json::json!({ "kind": "mutex" })))
        .collect();
    let e = reject(&scenario(serde_json::Value::Object(many)));
    assert_eq!(e.location.clone().unwrap().path, "$.objects", "{e}");
    assert!(e.message.contains(&format!("limit {MAX_OBJECTS}")), "{e}");

    let half = |n: u64| -> serde_json::Value {
        (0..n)
            .map(|i| (format!("k{i}"), serde_json::json!(i)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let e = reject(&scenario(serde_json::json!({
        "a": { "kind": "map", "entries": half(MAX_ENTRIES / 2) },
        "b": { "kind": "map", "entries": half(MAX_ENTRIES / 2 + 1) }
    })));
    assert_eq!(
        e.location.clone().unwrap().path,
        "$.objects.b.entries",
        "{e}"
    );
    assert!(e.message.contains("initial entries"), "{e}");
}

#[test]
fn a_fault_rule_whose_filters_never_meet_is_refused() {
    let text = r#"{"schema":"hazard/scenario/v1","name":"x",
"objects":{"m":{"kind":"map"}},
"threads":{"a":[{"op":"set","obj":"m","key":"k","value":1}],
           "b":[{"op":"yield"},{"op":"spawn","thread":"w","body":[{"op":"get","obj":"m","key":"k"}]}]},
"faults":[{"fault":"panic","thread":"b","obj":"m"}],
"expect":{"passes":true}}"#;
    let e = reject(text);
    assert_eq!(
        e.location.clone().unwrap().path,
        "$.faults[0].thread",
        "{e}"
    );
    assert!(
        e.message
            .contains("thread `b` never runs an op the rule matches"),
        "{e}"
    );
    // The spawned thread does run one: the same rule for `w` is accepted.
    load_str(
        &text.replace(r#""thread":"b","obj""#, r#""thread":"w","obj""#),
        FILE,
    )
    .expect("w reads m");
}

#[test]
fn kinds_in_messages_take_their_article() {
    let e = crate::helpers::refused_with(
        serde_json::json!({ "hits": { "kind": "atomic", "value": 0 } }),
        serde_json::json!([ { "op": "lock", "obj": "hits" } ]),
    );
    assert!(
        e.contains("op `lock` does not apply to `hits`, an atomic"),
        "{e}"
    );
    let e = crate::helpers::refused_with(
        serde_json::json!({ "o": { "kind": "once" } }),
        serde_json::json!([ { "op": "lock", "obj": "o" } ]),
    );
    assert!(e.contains("does not apply to `o`, a once"), "{e}");
}

#[test]
fn an_error_inside_a_struct_field_names_the_field() {
    let e = crate::helpers::refused_with(
        serde_json::json!({ "w": { "kind": "struct", "fields": {
            "ok": 1, "ch": { "kind": "chan", "cpa": 1 } } } }),
        serde_json::json!([ { "op": "yield" } ]),
    );
    assert!(
        e.contains("in field `ch`: unknown field `cpa`; did you mean `cap`?"),
        "{e}"
    );
    let e = crate::helpers::refused_with(
        serde_json::json!({ "w": { "kind": "struct", "fields": { "ch": { "kind": "chna" } } } }),
        serde_json::json!([ { "op": "yield" } ]),
    );
    assert!(
        e.contains("in field `ch`: unknown kind `chna`; did you mean `chan`?"),
        "{e}"
    );
}
