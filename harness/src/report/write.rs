//! Reading and writing report files. Writes are atomic: a temporary file in the same
//! directory, then a rename, so a crash never leaves a half-written report.

use super::{FaultSummary, Report, ReportError, REPORT_SCHEMA};
use crate::scenario::read_bounded;
use std::path::{Path, PathBuf};

/// Write `report` into `dir` as `<scenario>-<signature hash>.json`; returns the path.
///
/// The same scenario finding the same failure again replaces its report (same name, run after
/// run). A report of that name from a *different* scenario file that happens to share the
/// `name` is kept: this one is written as `<scenario>-<scenario hash>-<signature hash>.json`.
pub fn write_report(dir: &Path, report: &Report) -> Result<PathBuf, ReportError> {
    let io = |source| ReportError::Io {
        file: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let (name, sig) = (
        safe_name(&report.scenario.name),
        report.failure.signature.short_hash(),
    );
    let mut path = dir.join(format!("{name}-{sig}.json"));
    if scenario_hash_of(&path).is_some_and(|h| h != report.scenario.hash) {
        let hex = report.scenario.hash.trim_start_matches("sha256:");
        let short = hex.get(..8).unwrap_or(hex);
        path = dir.join(format!("{name}-{short}-{sig}.json"));
    }
    write_report_to(&path, report)?;
    Ok(path)
}

/// The `scenario.hash` of the report at `path`, if there is a readable report there.
fn scenario_hash_of(path: &Path) -> Option<String> {
    let text = read_bounded(path, MAX_REPORT_BYTES).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(v.get("scenario")?.get("hash")?.as_str()?.to_string())
}

/// Check that reports can be written to `dir` (created if missing) before any work is done:
/// a file, `/dev/null`, a read-only directory or a dangling link fails here, with its path.
pub fn check_out_dir(dir: &Path) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        file: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let probe = dir.join(format!(".hazard-probe.{}.tmp", std::process::id()));
    std::fs::File::create(&probe).map_err(io)?;
    std::fs::remove_file(&probe).map_err(io)
}

/// Write the fault summary of a passing exploration to `dir/<scenario>.faults.json`.
pub fn write_fault_summary(dir: &Path, summary: &FaultSummary) -> Result<PathBuf, ReportError> {
    let io = |source| ReportError::Io {
        file: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join(format!("{}.faults.json", safe_name(&summary.scenario.name)));
    write_json_to(&path, summary)?;
    Ok(path)
}

/// A scenario name as a file name.
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Write `report` to `path` atomically (a temporary file beside it, then a rename).
pub fn write_report_to(path: &Path, report: &Report) -> Result<(), ReportError> {
    write_json_to(path, report)
}

fn write_json_to(path: &Path, report: &impl serde::Serialize) -> Result<(), ReportError> {
    let mut text = serde_json::to_string_pretty(report).expect("a report serializes");
    text.push('\n');
    crate::base::write_atomic(path, text.as_bytes()).map_err(|source| ReportError::Io {
        file: path.display().to_string(),
        source,
    })
}

/// Read a report file, checking its schema tag.
/// The largest report read (64 MiB; a report is mostly its trace and embedded scenario).
pub const MAX_REPORT_BYTES: u64 = 64 << 20;

pub fn read_report(path: &Path) -> Result<Report, ReportError> {
    let file = path.display().to_string();
    let text = read_bounded(path, MAX_REPORT_BYTES).map_err(|source| ReportError::Io {
        file: file.clone(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ReportError::Format {
            file: file.clone(),
            message: e.to_string(),
        })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(REPORT_SCHEMA) => {}
        Some(other) => {
            return Err(ReportError::Format {
                file,
                message: format!("schema is `{other}`, this harness reads `{REPORT_SCHEMA}`"),
            })
        }
        None => {
            return Err(ReportError::Format {
                file,
                message: "no `schema` field".into(),
            })
        }
    }
    let report: Report = serde_json::from_value(value).map_err(|e| ReportError::Format {
        file: file.clone(),
        message: e.to_string(),
    })?;
    report.integrity(&file)?;
    Ok(report)
}
