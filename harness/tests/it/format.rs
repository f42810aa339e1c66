//! The names the scenario format uses, held to one source: `Op::name` and `Op::NAMES` are the
//! ops' serde tags, `ObjKind` names are the objects' `kind` tags (read from the JSON Schema the
//! serde types generate, and from every shipped scenario).

use crate::helpers::scenarios;
use harness::base::ObjKind;
use harness::scenario::{json_schema, ObjectDecl, Op};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every `const` or single-value `enum` that a schema property named `field` takes.
fn tags(v: &Value, field: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                if let Some(p) = props.get(field) {
                    if let Some(Value::String(c)) = p.get("const") {
                        out.insert(c.clone());
                    }
                    if let Some(Value::Array(e)) = p.get("enum") {
                        out.extend(e.iter().filter_map(|x| x.as_str().map(str::to_string)));
                    }
                }
            }
            for x in m.values() {
                tags(x, field, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| tags(x, field, out)),
        _ => {}
    }
}

#[test]
fn op_names_are_the_serde_tags() {
    let mut schema = BTreeSet::new();
    tags(&json_schema(), "op", &mut schema);
    let names: BTreeSet<String> = Op::NAMES.iter().map(|s| s.to_string()).collect();
    assert_eq!(names.len(), Op::NAMES.len(), "a name listed twice");
    assert_eq!(names, schema, "Op::NAMES and the schema's op tags differ");
    // And name() per op: every op of every shipped scenario, parsed, names its own tag.
    let mut seen = BTreeSet::new();
    for f in std::fs::read_dir(scenarios()).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        // Ops live in threads and procs (fault rules have an `op` filter too).
        let mut stack = vec![v["threads"].clone(), v["procs"].clone()];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(m) => {
                    if m.get("op").is_some_and(Value::is_string) {
                        let op: Op = serde_json::from_value(Value::Object(m.clone()))
                            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                        assert_eq!(op.name(), m["op"].as_str().unwrap(), "{}", p.display());
                        seen.insert(op.name());
                    }
                    stack.extend(m.into_iter().map(|(_, x)| x));
                }
                Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
    }
    assert!(
        seen.len() >= 40,
        "the shipped scenarios cover most ops: {seen:?}"
    );
}

#[test]
fn object_kinds_are_the_serde_tags() {
    let mut schema = BTreeSet::new();
    tags(&json_schema(), "kind", &mut schema);
    let names: BTreeSet<String> = ObjKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(names.len(), ObjKind::ALL.len(), "a kind listed twice");
    assert_eq!(names, schema, "ObjKind and the schema's kind tags differ");
    for k in ObjKind::ALL {
        // The smallest declaration of each kind parses back to that kind (a Cond needs its L).
        let mut smallest = serde_json::json!({ "kind": k.as_str() });
        if k == ObjKind::Cond {
            smallest["locker"] = "mu".into();
        }
        let decl: ObjectDecl =
            serde_json::from_value(smallest).unwrap_or_else(|e| panic!("{k}: {e}"));
        assert_eq!(decl.kind(), k);
    }
}
