//! From a scenario to reports on disk: find → minimize → build → verify → write. The steps
//! `hazard run`, `hazard fuzz`, `hazard minimize`, `hazard corpus add` and the tests share, so a
//! report means the same wherever it was made. Printing is the caller's: each step returns
//! what happened (reports, paths, [`Warning`](crate::pipeline::Warning)s and the run's
//! [`ScenarioLine`](crate::report::ScenarioLine)).

use crate::explore::{explore, Exploration, ExploreConfig, Finding, InternalError, StopReason};
use crate::minimize::{minimize, MinimizeConfig, MinimizeError, Minimized};
use crate::report::{
    build, build_minimized, fault_summary, write_fault_summary, write_report, FaultSummary,
    FindingLine, MinimizedLine, Report, ReportError, RunInfo, RunStatus, ScenarioLine, RUN_FORMAT,
};
use crate::scenario::{Expectation, Program};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Something the user should hear about that did not stop the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Minimization failed; the report keeps the schedule as found.
    MinimizeFailed(String),
    /// The finding did not replay identically; the report is kept, marked so.
    NotReplayed { message: String },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::MinimizeFailed(e) => write!(
                f,
                "minimization failed ({e}); the report keeps the schedule as found"
            ),
            Warning::NotReplayed { message } => write!(
                f,
                "the finding {message:?} did not replay identically (report kept, marked replay_verified: false)"
            ),
        }
    }
}

/// Why a scenario's run stopped short of its verdict.
#[derive(Debug)]
pub enum PipelineError {
    /// A bug of the harness.
    Internal(InternalError),
    /// The scenario hit a bound of the harness (too large to run): neither pass nor finding.
    Limit(String),
    /// A report could not be read or written.
    Report(ReportError),
    /// Minimization could not start (the schedule does not reproduce the finding).
    Minimize(MinimizeError),
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Internal(e) => e.fmt(f),
            PipelineError::Limit(why) => f.write_str(why),
            PipelineError::Report(e) => e.fmt(f),
            PipelineError::Minimize(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PipelineError {}

impl From<InternalError> for PipelineError {
    fn from(e: InternalError) -> Self {
        PipelineError::Internal(e)
    }
}

impl From<ReportError> for PipelineError {
    fn from(e: ReportError) -> Self {
        PipelineError::Report(e)
    }
}

impl From<MinimizeError> for PipelineError {
    fn from(e: MinimizeError) -> Self {
        PipelineError::Minimize(e)
    }
}

/// Minimize (unless `min` is `None`), build and verify the report of one finding. Building
/// replays the schedule with tracing on: `replay_verified` says whether it reproduced.
pub fn report_finding(
    prog: &Arc<Program>,
    finding: &Finding,
    run: &RunInfo<'_>,
    min: Option<&MinimizeConfig>,
) -> (Report, Vec<Warning>) {
    let mut warnings = Vec::new();
    let report = match min {
        None => build(prog, finding, run),
        Some(mc) => match minimize(prog, &finding.signature, &finding.schedule, mc) {
            Ok(m) => build_minimized(prog, finding, run, &m),
            Err(e) => {
                warnings.push(Warning::MinimizeFailed(e.to_string()));
                build(prog, finding, run)
            }
        },
    };
    if !report.replay_verified {
        warnings.push(Warning::NotReplayed {
            message: finding.signature.message.clone(),
        });
    }
    (report, warnings)
}

/// One finding, reported and written.
#[derive(Debug)]
pub struct Reported {
    pub finding: Finding,
    pub report: Report,
    pub path: PathBuf,
    pub warnings: Vec<Warning>,
}

/// [`report_finding`], then write the report into `out` (atomically, named after the scenario
/// and the signature).
pub fn write_finding(
    prog: &Arc<Program>,
    finding: &Finding,
    run: &RunInfo<'_>,
    min: Option<&MinimizeConfig>,
    out: &Path,
) -> Result<Reported, ReportError> {
    let (report, warnings) = report_finding(prog, finding, run, min);
    let path = write_report(out, &report)?;
    Ok(Reported {
        finding: finding.clone(),
        report,
        path,
        warnings,
    })
}

/// Minimize a report again, from its schedule as first found, and replace its minimized
/// section (`file` names the report in errors).
pub fn reminimize(
    report: &mut Report,
    file: &str,
    cfg: &MinimizeConfig,
) -> Result<Minimized, PipelineError> {
    let prog = report.program(file)?;
    let schedule = report.found_schedule(file)?;
    let cfg = MinimizeConfig {
        max_steps: report.exploration.budget.max_steps,
        ..cfg.clone()
    };
    let m = minimize(&prog, &report.failure.signature, &schedule, &cfg)?;
    report.apply_minimized(&prog, &m);
    Ok(m)
}

/// Explore a scenario. A run that hit a bound of the harness is an error, not a verdict.
pub fn explore_scenario(
    prog: &Arc<Program>,
    cfg: &ExploreConfig,
) -> Result<Exploration, PipelineError> {
    let x = explore(prog, cfg)?;
    if let Some(limit) = &x.limit {
        return Err(PipelineError::Limit(limit.clone()));
    }
    Ok(x)
}

/// What one scenario's run produced.
#[derive(Debug)]
pub struct ScenarioRun {
    pub exploration: Exploration,
    /// Every distinct finding, reported, in the order found.
    pub reported: Vec<Reported>,
    /// The finding that settles the expectation (else the first), by index in `reported`.
    pub primary: Option<usize>,
    /// For a run with fault rules that found nothing: what each rule did, and where that
    /// summary was written.
    pub fault_summary: Option<(FaultSummary, PathBuf)>,
    /// The run's line of the summary.
    pub line: ScenarioLine,
}

/// Report every finding of an exploration into `out` (and the fault summary of a run with
/// fault rules that found nothing), and judge the expectation.
pub fn report_exploration(
    prog: &Arc<Program>,
    file: &str,
    cfg: &ExploreConfig,
    x: Exploration,
    min: Option<&MinimizeConfig>,
    out: &Path,
) -> Result<ScenarioRun, PipelineError> {
    let run = RunInfo {
        config: cfg,
        exploration: &x,
    };
    let matching = x.matching(prog).map(|f| f.signature.clone());
    // An exploration that ran nothing shows nothing: it meets no expectation.
    let explored = x.executions() > 0;
    let stopped = x
        .engines
        .iter()
        .any(|e| e.stopped == StopReason::Interrupted);
    let met = explored
        && match &prog.expect {
            Expectation::Passes => x.findings.is_empty(),
            Expectation::Fails(_) => matching.is_some(),
        };
    let mut reported = Vec::new();
    let mut primary = None;
    for finding in &x.findings {
        let r = write_finding(prog, finding, &run, min, out)?;
        if primary.is_none() && matching.as_ref().is_none_or(|m| *m == finding.signature) {
            primary = Some(reported.len());
        }
        reported.push(r);
    }
    let fault_summary = match x.findings.is_empty() {
        true => fault_summary(prog, cfg, &x),
        false => None,
    };
    let fault_summary = match fault_summary {
        Some(s) => {
            let path = write_fault_summary(out, &s)?;
            Some((s, path))
        }
        None => None,
    };
    let status = match (met, stopped) {
        (true, _) => RunStatus::Met,
        (false, true) => RunStatus::Interrupted,
        (false, false) => RunStatus::Unmet,
    };
    let result = match (&prog.expect, x.findings.first()) {
        (Expectation::Fails(_), _) if matching.is_some() => "found".to_string(),
        (_, Some(f)) => format!("failed: {}", f.signature.id),
        (_, None) if stopped => "interrupted".to_string(),
        (_, None) if !explored => "nothing explored".to_string(),
        (_, None) if x.exhausted() => "passed (dfs exhausted)".to_string(),
        (_, None) => "passed".to_string(),
    };
    let shown = |p: &Path| p.display().to_string();
    let line = ScenarioLine {
        format: RUN_FORMAT.into(),
        line: crate::report::LineType::Scenario,
        scenario: prog.name.clone(),
        file: file.to_string(),
        expect: match &prog.expect {
            Expectation::Passes => "passes".to_string(),
            Expectation::Fails(w) => format!("fails {}", w.id.clone().unwrap_or_default()),
        },
        met,
        status,
        result,
        executions: x.executions(),
        distinct_schedules: x.distinct_schedules(),
        elapsed_ms: x.elapsed.as_millis() as u64,
        dfs_exhausted: x.exhausted(),
        findings: reported
            .iter()
            .map(|r: &Reported| FindingLine {
                signature: r.finding.signature.clone(),
                report: shown(&r.path),
                replay_verified: r.report.replay_verified,
                engine: r.finding.engine.to_string(),
                execution: r.finding.execution,
                minimized: r.report.minimized.as_ref().map(MinimizedLine::of),
            })
            .collect(),
        report: primary
            .map(|i| shown(&reported[i].path))
            .or_else(|| fault_summary.as_ref().map(|(_, p)| shown(p))),
        budget_note: if met { None } else { x.budget_note() },
        faults: fault_summary.as_ref().map(|(s, _)| s.faults.clone()),
        error: None,
    };
    Ok(ScenarioRun {
        exploration: x,
        reported,
        primary,
        fault_summary,
        line,
    })
}

/// The whole pipeline for one loaded scenario: explore, then report.
pub fn run_scenario(
    prog: &Arc<Program>,
    file: &str,
    cfg: &ExploreConfig,
    min: Option<&MinimizeConfig>,
    out: &Path,
) -> Result<ScenarioRun, PipelineError> {
    let x = explore_scenario(prog, cfg)?;
    report_exploration(prog, file, cfg, x, min, out)
}
