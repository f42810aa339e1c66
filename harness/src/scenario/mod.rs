//! Scenario format v1: types, parse + validate (errors carry a JSON path and line:column),
//! compilation for the interpreter, and the JSON Schema.

mod compile;
mod error;
mod positions;
mod program;
mod types;

pub use compile::{MAX_DEPTH, MAX_OPS_PER_THREAD, MAX_REPEAT, MAX_THREADS};
pub use error::{Location, ScenarioError};
pub use program::*;
pub use types::*;

use sha2::{Digest, Sha256};
use std::path::Path;

/// Read and validate a scenario file.
pub fn load_file(path: &Path) -> Result<Program, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        location: None,
        message: format!("cannot read: {e}"),
    })?;
    load_str(&text, &file)
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
    let source: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; the location is reported separately.
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        at(
            "$",
            e.line().max(1),
            e.column().max(1),
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
        return Err(at("$", 1, 1, "a scenario is a JSON object".into()));
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
        let mut path = serde_path(e.path());
        let inner = e.inner().to_string();
        // Point at the offending member when serde names it.
        for marker in ["unknown field `", "unknown variant `"] {
            if let Some(rest) = inner.strip_prefix(marker) {
                let name = rest.split('`').next().unwrap_or("");
                let field = if marker.starts_with("unknown field") {
                    name
                } else {
                    "op"
                };
                let candidate = positions::member(&path, field);
                if pos.has(&candidate) {
                    path = candidate;
                } else if marker.starts_with("unknown variant") {
                    for tag in ["kind", "case"] {
                        let c = positions::member(&path, tag);
                        if pos.has(&c) {
                            path = c;
                            break;
                        }
                    }
                }
            }
        }
        let (l, c) = pos.find(&path);
        at(&path, l, c, inner)
    })?;
    let hash = hash_source(&source);
    compile::Compiler::new(file, &pos).compile(&parsed, source, hash)
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
