//! The regression corpus: minimized reports kept under `reports/corpus/`, each replayed by
//! `hazard corpus check` and by `cargo test` (one test per entry).
//!
//! An entry is a report with a `corpus` section saying what must hold:
//! - `reproduces` (a bug still present, e.g. a buggy scenario): the report's schedule, and its
//!   minimized schedule, replay strictly to the recorded signature;
//! - `passes` (a bug since fixed): no interleaving within the recorded preemption count
//!   produces the recorded signature any more (bounded DFS over the embedded scenario and the
//!   reduced one), so a regression that brings the bug back fails the entry.

use crate::explore::{search_dfs, Signature};
use crate::minimize::MinimizeConfig;
use crate::pipeline::{reminimize, PipelineError};
use crate::report::{read_report, write_report, CorpusExpect, CorpusInfo, Report, ReportError};
use crate::scenario::{load_value, Program};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Executions the bounded search of a `passes` entry may run per scenario.
const PASS_BUDGET: u64 = 50_000;
/// Preemptions the search of a `passes` entry allows beyond the recorded count.
const PASS_SLACK: usize = 1;

/// What checking one entry found.
#[derive(Debug, Clone)]
pub struct EntryResult {
    pub file: PathBuf,
    pub ok: bool,
    /// The entry could not be read as a corpus entry (unreadable, corrupt, no `corpus`
    /// section): an input error, not a regression.
    pub unreadable: bool,
    /// One line: what was replayed or searched, and what came out.
    pub detail: String,
}

/// The corpus could not be read or changed.
#[derive(Debug)]
pub enum CorpusError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Report(ReportError),
    /// `add` refused a report (it does not reproduce, or minimization failed).
    Refused {
        file: String,
        why: String,
    },
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CorpusError::Report(e) => e.fmt(f),
            CorpusError::Refused { file, why } => write!(f, "{file}: not added: {why}"),
        }
    }
}
impl std::error::Error for CorpusError {}

impl From<ReportError> for CorpusError {
    fn from(e: ReportError) -> Self {
        CorpusError::Report(e)
    }
}

/// The entries (`*.json`) of a corpus directory, sorted.
pub fn entries(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let io = |source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    };
    crate::base::files_in(dir, "json").map_err(io)
}

/// Check one entry. An unreadable or malformed entry is a failed entry, not an error.
pub fn check_entry(path: &Path) -> EntryResult {
    let file = path.display().to_string();
    let fail = |detail: String, unreadable: bool| EntryResult {
        file: path.to_path_buf(),
        ok: false,
        unreadable,
        detail,
    };
    let report = match read_report(path) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string(), true),
    };
    let Some(info) = &report.corpus else {
        return fail(
            "no `corpus` section: add entries with `hazard corpus add`".into(),
            true,
        );
    };
    let result = match info.expect {
        CorpusExpect::Reproduces => check_reproduces(&report, &file),
        CorpusExpect::Passes => check_passes(&report, &file),
    };
    match result {
        Ok(detail) => EntryResult {
            file: path.to_path_buf(),
            ok: true,
            unreadable: false,
            detail,
        },
        Err(detail) => fail(detail, false),
    }
}

fn check_reproduces(report: &Report, file: &str) -> Result<String, String> {
    let sig = &report.failure.signature;
    let r = report.replay(file).map_err(|e| e.to_string())?;
    if !r.reproduced {
        return Err(format!(
            "the schedule no longer reproduces {} [{}]: {}",
            sig.message,
            sig.id,
            describe(r.outcome.signature.as_ref())
        ));
    }
    let mut detail = format!("reproduces {} [{}]", sig.message, sig.id);
    if let Some(m) = report.replay_minimized(file).map_err(|e| e.to_string())? {
        let want = &report.minimized.as_ref().expect("replayed").signature;
        if !m.reproduced {
            return Err(format!(
                "the minimized schedule no longer reproduces {} [{}]: {}",
                want.message,
                want.id,
                describe(m.outcome.signature.as_ref())
            ));
        }
        detail.push_str(&format!(" (and minimized: {} steps)", m.outcome.steps));
    }
    Ok(detail)
}

fn check_passes(report: &Report, file: &str) -> Result<String, String> {
    let sig = &report.failure.signature;
    let prog = report.program(file).map_err(|e| e.to_string())?;
    let bound = report.schedule.preemptions + PASS_SLACK;
    let max_steps = report.exploration.budget.max_steps;
    let mut runs = 0;
    let mut checks = vec![(prog, sig.clone())];
    if let Some(m) = &report.minimized {
        let p = load_value(&m.source, &format!("{file}#minimized")).map_err(|e| e.to_string())?;
        checks.push((Arc::new(p), m.signature.clone()));
    }
    let mut exhausted = true;
    for (prog, sig) in checks {
        let (found, n, ex) = search(&prog, &sig, bound, max_steps)?;
        runs += n;
        exhausted &= ex;
        if found {
            return Err(format!(
                "recorded as fixed, but {} [{}] is back (bounded DFS, {} preemptions)",
                sig.message, sig.id, bound
            ));
        }
    }
    Ok(format!(
        "fixed: {} [{}] not found in {runs} executions ({} at {bound} preemptions)",
        sig.message,
        sig.id,
        if exhausted {
            "exhaustive"
        } else {
            "budget spent"
        }
    ))
}

fn search(
    prog: &Arc<Program>,
    sig: &Signature,
    bound: usize,
    max_steps: u64,
) -> Result<(bool, u64, bool), String> {
    let want = sig.clone();
    let r = search_dfs(prog, bound, PASS_BUDGET, None, max_steps, move |s| {
        s == Some(&want)
    })
    .map_err(|e| e.to_string())?;
    Ok((r.found.is_some(), r.executions, r.exhausted))
}

fn describe(sig: Option<&Signature>) -> String {
    match sig {
        Some(s) => format!("it fails with {} [{}] instead", s.message, s.id),
        None => "it passes".into(),
    }
}

/// Check every entry of `dir`.
pub fn check(dir: &Path) -> Result<Vec<EntryResult>, CorpusError> {
    Ok(entries(dir)?.iter().map(|p| check_entry(p)).collect())
}

/// Promote a report into the corpus at `dir`: minimized first if it was not, verified by
/// replay (an entry that `reproduces` must reproduce now; one that `passes` must pass), then
/// written as `<scenario>-<signature>.json`. Returns the entry's path.
pub fn add(
    report_path: &Path,
    dir: &Path,
    expect: CorpusExpect,
    min: &MinimizeConfig,
) -> Result<PathBuf, CorpusError> {
    let file = report_path.display().to_string();
    let mut report = read_report(report_path)?;
    let refused = |why: String| CorpusError::Refused {
        file: file.clone(),
        why,
    };
    if report.minimized.is_none() && expect == CorpusExpect::Reproduces {
        match reminimize(&mut report, &file, min) {
            Ok(_) => {}
            Err(PipelineError::Report(e)) => return Err(e.into()),
            Err(e) => return Err(refused(e.to_string())),
        }
    }
    report.corpus = Some(CorpusInfo { expect });
    // Verify before writing: an entry that fails its own check is never added.
    let verdict = match expect {
        CorpusExpect::Reproduces => check_reproduces(&report, &file),
        CorpusExpect::Passes => check_passes(&report, &file),
    };
    verdict.map_err(refused)?;
    Ok(write_report(dir, &report)?)
}
