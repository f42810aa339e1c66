//! Scenario format v1: types, parse + validate (errors carry a JSON path and line:column),
//! compilation for the interpreter, and the JSON Schema.

mod compile;
mod error;
pub mod expr;
mod positions;
pub(crate) use positions::member;
mod program;
mod rules;
mod types;

pub(crate) use compile::CONTROL_OPS;
pub use compile::{
    MAX_DEPTH, MAX_ELEMS, MAX_ENTRIES, MAX_FRAMES, MAX_NAME_BYTES, MAX_OBJECTS, MAX_OPS_PER_THREAD,
    MAX_PROCS, MAX_REPEAT, MAX_THREADS,
};
pub use error::{Location, ScenarioError};
pub use program::*;
pub use rules::*;
pub use types::*;

use sha2::{Digest, Sha256};
use std::path::Path;

/// Read and validate a scenario file.
pub fn load_file(path: &Path) -> Result<Program, ScenarioError> {
    let file = path.display().to_string();
    let bytes = read_bounded_bytes(path, MAX_SCENARIO_BYTES).map_err(|e| ScenarioError {
        file: file.clone(),
        location: None,
        message: format!("cannot read: {e}"),
    })?;
    let text = decode(bytes, &file)?;
    load_str(&text, &file)
}

/// A scenario file's bytes as text: UTF-8, with a leading byte-order mark dropped. UTF-16 and
/// bytes that are not UTF-8 are refused at their line:column and the field they are in.
pub fn decode(bytes: Vec<u8>, file: &str) -> Result<String, ScenarioError> {
    let err = |text: &str, valid: usize, message: String| {
        let prefix = &text[..valid.min(text.len())];
        let line = prefix.matches('\n').count() + 1;
        let col = prefix.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let path = positions::scan(text).path_at(line, col);
        ScenarioError {
            file: file.to_string(),
            location: Some(Location { path, line, col }),
            message,
        }
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(err(
            "",
            0,
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); hazard reads UTF-8: save it as UTF-8".into(),
        ));
    }
    let bytes = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            if let Some(i) = text.find('\0') {
                return Err(err(
                    &text,
                    i,
                    "a NUL byte: the file looks like UTF-16 text; hazard reads UTF-8: save it as UTF-8".into(),
                ));
            }
            Ok(text)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let byte = e.as_bytes()[valid];
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The lossy text has the same characters before `valid`.
            Err(err(
                &text,
                valid,
                format!("not UTF-8 text: byte 0x{byte:02x} is not valid UTF-8 here (hazard reads UTF-8)"),
            ))
        }
    }
}

/// The largest scenario file read (4 MiB: the limits on threads and ops keep real ones far
/// below it).
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// Read a regular file of at most `limit` bytes as UTF-8 text. A FIFO, a device
/// (`/dev/zero`, `/dev/urandom`) or a directory is refused before it is opened, so that nothing
/// hangs or reads without end; a file that grows past `limit` while read is refused too.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    String::from_utf8(read_bounded_bytes(path, limit)?).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// [`read_bounded`]'s bytes, not yet decoded.
pub fn read_bounded_bytes(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, a device or a directory)",
        ));
    }
    let too_big = || {
        Error::new(
            ErrorKind::InvalidData,
            format!("larger than the {limit}-byte limit"),
        )
    };
    if meta.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// The line and column (1-based) of the place a JSON path (`$.threads.a[2]`) names in a
/// scenario's text, or of its nearest ancestor there (`(1, 1)` when none is).
pub fn locate(text: &str, path: &str) -> (usize, usize) {
    positions::scan(text.strip_prefix('\u{feff}').unwrap_or(text)).find(path)
}

/// Validate a scenario given as text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Program, ScenarioError> {
    let at = |path: &str, line: usize, col: usize, message: String| ScenarioError {
        file: file.to_string(),
        location: Some(Location {
            path: path.to_string(),
            line,
            col,
        }),
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let source: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; the location is reported separately.
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        let (line, col) = (e.line().max(1), e.column().max(1));
        at(
            &positions::scan(text).path_at(line, col),
            line,
            col,
            format!("not valid JSON: {msg}"),
        )
    })?;
    let pos = positions::scan(text);
    if let Some((path, line, col)) = &pos.duplicate {
        return Err(at(
            path,
            *line,
            *col,
            "duplicate key: the earlier value would be lost".into(),
        ));
    }
    let Some(obj) = source.as_object() else {
        let (l, c) = pos.find("$");
        return Err(at("$", l, c, "a scenario is a JSON object".into()));
    };
    match obj.get("schema") {
        Some(serde_json::Value::String(s)) if s == SCENARIO_SCHEMA => {}
        Some(other) => {
            let (l, c) = pos.find("$.schema");
            return Err(at(
                "$.schema",
                l,
                c,
                format!("unsupported schema {other}: this harness reads `{SCENARIO_SCHEMA}`"),
            ));
        }
        None => {
            return Err(at(
                "$",
                1,
                1,
                format!("missing `\"schema\": \"{SCENARIO_SCHEMA}\"`"),
            ))
        }
    }
    let parsed: ScenarioFile = serde_path_to_error::deserialize(&source).map_err(|e| {
        let path = serde_path(e.path());
        let (path, message) = match pointer(&source, &path) {
            Some(v) => refine(v, &path, element_kind(&path), e.inner().to_string(), &pos),
            None => (path, e.inner().to_string()),
        };
        let (l, c) = pos.find(&path);
        let message = in_user_terms(&path, message);
        at(&path, l, c, plain_types(message))
    })?;
    let hash = hash_source(&source);
    compile::Compiler::new(file, &pos).compile(&parsed, source, hash)
}

/// serde's "unknown variant" and "unknown field" in the scenario's words (an unknown `op`,
/// `kind`, `case`, field), with the closest known name when one is near.
fn in_user_terms(path: &str, message: String) -> String {
    // Inside a struct's field declaration: `in field `ch`: unknown field ...`.
    if let Some((prefix, inner)) = message
        .strip_prefix("in field `")
        .and_then(|r| r.split_once("`: "))
    {
        let inner = in_user_terms(&format!("{path}.fields.{prefix}.kind"), inner.to_string());
        return format!("in field `{prefix}`: {inner}");
    }
    let (what, rest) = if let Some(r) = message.strip_prefix("unknown variant `") {
        // The member the value is in names what it is: `op`, `kind`, `case`, `elem`, ...
        let member = path
            .rsplit('.')
            .next()
            .filter(|m| !m.contains(['[', '$', '"']))
            .unwrap_or("value");
        (member.to_string(), r)
    } else if let Some(r) = message.strip_prefix("unknown field `") {
        ("field".to_string(), r)
    } else {
        return message;
    };
    let Some((name, tail)) = rest.split_once('`') else {
        return message;
    };
    // `, expected one of `a`, `b``, `, expected `a` or `b``, `, there are no fields`
    let known: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    let mut out = format!(
        "unknown {what} `{name}`{}",
        error::did_you_mean(name, known.iter().copied())
    );
    if known.is_empty() {
        out.push_str(" (this takes no fields)");
    } else {
        out.push_str(&format!(" (expected one of: {})", known.join(", ")));
    }
    out
}

/// serde names Rust types (`expected u64`); say what a scenario writes instead.
fn plain_types(message: String) -> String {
    let mut m = message;
    for (rust, json) in [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected an integer, 0 or more"),
        ("expected u32", "expected an integer, 0 or more"),
        ("expected usize", "expected an integer, 0 or more"),
        ("expected f64", "expected a number"),
    ] {
        if let Some(rest) = m.strip_suffix(rust) {
            m = format!("{rest}{json}");
        }
    }
    m
}

/// Validate a scenario embedded in a report (a JSON value).
pub fn load_value(source: &serde_json::Value, file: &str) -> Result<Program, ScenarioError> {
    let text = serde_json::to_string_pretty(source).unwrap_or_default();
    load_str(&text, file)
}

/// `sha256:<hex>` of the compact serialization (key order as in the file).
pub fn hash_source(source: &serde_json::Value) -> String {
    let bytes = serde_json::to_vec(source).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    format!("sha256:{}", hex(&digest))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What kind of tagged element a path names: serde cannot report paths inside internally
/// tagged enums, so errors stop at the element and [`refine`] looks inside.
#[derive(Clone, Copy, PartialEq)]
enum Element {
    Op,
    Case,
    Object,
    /// A proc: a list of ops, or a function whose `body` is one.
    Proc,
    Other,
}

fn element_kind(path: &str) -> Element {
    let last = path.rsplit(['.', '[']).next().unwrap_or("");
    if path.starts_with("$.objects") && path.matches('.').count() == 2 && !path.ends_with(']') {
        Element::Object
    } else if path.starts_with("$.procs") && path.matches('.').count() == 2 && !path.ends_with(']')
    {
        Element::Proc
    } else if path.ends_with(']')
        && path.contains(".cases[")
        && last.ends_with(']')
        && path
            .rsplit_once(".cases[")
            .is_some_and(|(_, t)| !t.contains('.'))
    {
        Element::Case
    } else if path.ends_with(']') && (path.starts_with("$.threads") || path.starts_with("$.procs"))
    {
        Element::Op
    } else {
        Element::Other
    }
}

/// The JSON value at a path produced by [`serde_path`].
pub(crate) fn pointer<'v>(
    root: &'v serde_json::Value,
    path: &str,
) -> Option<&'v serde_json::Value> {
    let mut v = root;
    let mut rest = path.strip_prefix('$')?;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            v = v.get(&r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("[\"") {
            let end = r.find("\"]")?;
            v = v.get(&r[..end])?;
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            v = v.get(r[..end].parse::<usize>().ok()?)?;
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(v)
}

fn error_of<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Option<(String, String)> {
    serde_path_to_error::deserialize::<_, T>(v)
        .err()
        .map(|e| (serde_path(e.path()), e.inner().to_string()))
}

/// Find the place inside a tagged element (op, select case, object) that an error is about:
/// first a nested element that fails on its own, then a member of this one named by the
/// message (unknown field, unknown variant, a value of the wrong type).
fn refine(
    v: &serde_json::Value,
    path: &str,
    kind: Element,
    message: String,
    pos: &positions::Positions,
) -> (String, String) {
    let nested: &[(&str, Element)] = match kind {
        Element::Op => &[
            ("body", Element::Op),
            ("then", Element::Op),
            ("else", Element::Op),
            ("cases", Element::Case),
        ],
        Element::Case => &[("body", Element::Op)],
        Element::Proc => {
            if let Some(items) = v.as_array() {
                for (i, item) in items.iter().enumerate() {
                    if let Some((_, msg)) = error_of::<Op>(item) {
                        return refine(item, &format!("{path}[{i}]"), Element::Op, msg, pos);
                    }
                }
                return (path.to_string(), message);
            }
            &[("body", Element::Op)]
        }
        Element::Object => return (member_named(path, &message, v, pos), message),
        Element::Other => return (path.to_string(), message),
    };
    for (field, sub) in nested {
        for (i, item) in v
            .get(*field)
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            let err = match sub {
                Element::Op => error_of::<Op>(item),
                _ => error_of::<Case>(item),
            };
            if let Some((_, msg)) = err {
                let p = format!("{}[{i}]", positions::member(path, field));
                return refine(item, &p, *sub, msg, pos);
            }
        }
    }
    if let Some(cond) = v.get("cond") {
        if let Some((inner, msg)) = error_of::<CondSpec>(cond) {
            let base = positions::member(path, "cond");
            let p = if inner == "$" {
                base
            } else {
                format!("{base}{}", &inner[1..])
            };
            return (member_named(&p, &msg, cond, pos), msg);
        }
    }
    (member_named(path, &message, v, pos), message)
}

/// The member of the object at `path` that `message` is about, else `path` itself.
fn member_named(
    path: &str,
    message: &str,
    v: &serde_json::Value,
    pos: &positions::Positions,
) -> String {
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|r| r.split('`').next())
            .map(str::to_string)
    };
    if let Some(field) = quoted("unknown field `") {
        let p = positions::member(path, &field);
        if pos.has(&p) {
            return p;
        }
    }
    let Some(obj) = v.as_object() else {
        return path.to_string();
    };
    if let Some(variant) = quoted("unknown variant `") {
        for (k, val) in obj {
            if val.as_str() == Some(variant.as_str()) {
                return positions::member(path, k);
            }
        }
    }
    // `invalid type: string "three", expected u64`, `invalid value: integer `-1`, ...`
    if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    {
        let shown = rest.split(", expected").next().unwrap_or("");
        for (k, val) in obj {
            let as_text = match val {
                serde_json::Value::String(s) => format!("string {s:?}"),
                serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
                    format!("integer `{n}`")
                }
                serde_json::Value::Number(n) => format!("floating point `{n}`"),
                serde_json::Value::Bool(b) => format!("boolean `{b}`"),
                serde_json::Value::Null => "null".into(),
                serde_json::Value::Array(_) => "sequence".into(),
                serde_json::Value::Object(_) => "map".into(),
            };
            if shown == as_text && k != "op" && k != "case" && k != "kind" {
                return positions::member(path, k);
            }
        }
    }
    path.to_string()
}

fn serde_path(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("$");
    for seg in p.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => out = positions::member(&out, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// The JSON Schema of the scenario format.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ScenarioFile)).unwrap_or_default()
}
