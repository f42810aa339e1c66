//! Reports: the versioned JSON record of a finding (`hazard/report/v1`), written atomically,
//! read back and replayed; and its human views: the terminal table and the HTML page.
//!
//! A report carries everything needed to reproduce its finding with no other file: the
//! scenario itself (embedded, with its hash), the schedule in hazard's own format, and the
//! signature to compare against. Worked example (abridged):
//!
//! ```json
//! {
//!   "schema": "hazard/report/v1",
//!   "harness": { "name": "hazard", "version": "0.1.0", "shuttle": "0.9.9" },
//!   "scenario": { "name": "map-concurrent-writes", "hash": "sha256:…", "source": { … } },
//!   "exploration": { "engine": "portfolio", "found_by": "dfs", "executions": 7, … },
//!   "failure": {
//!     "signature": { "id": "map-concurrent-writes", "kind": "fatal",
//!                    "message": "concurrent map writes", "thread": "writer2",
//!                    "op": "$.threads.writer2[0]" },
//!     "rendered": "fatal error: concurrent map writes", "go_detects": true, …
//!   },
//!   "schedule": { "format": "hazard-schedule/v1", "threads": ["writer1", "writer2"],
//!                 "decisions": "0x4 1x3", "preemptions": 1 },
//!   "trace": [ { "step": 1, "thread": "writer1", "op": "$.threads.writer1[0]",
//!                "text": "cache[\"a\"] = 1: check writing==0" }, … ],
//!   "replay_verified": true
//! }
//! ```

mod html;
mod table;
mod write;

pub use html::render_html;
pub use table::render_table;
pub use write::{check_out_dir, read_report, write_fault_summary, write_report, write_report_to};

use crate::explore::{
    replay, EngineStats, ExecOutcome, Exploration, ExploreConfig, Finding, ReplayError, Schedule,
    ScheduleError, Signature, SCHEDULE_FORMAT,
};
use crate::minimize::{Minimized, Proof};
use crate::model::{Blocked, Failure, FailureKind, GoTools};
use crate::scenario::{load_value, ClockMode, Program, ScenarioError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The version tag of the report format.
pub const REPORT_SCHEMA: &str = "hazard/report/v1";

/// A finding, as written to `reports/<scenario>-<signature>.json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always `hazard/report/v1`.
    pub schema: String,
    pub harness: HarnessInfo,
    pub scenario: ScenarioInfo,
    pub exploration: ExplorationInfo,
    pub failure: FailureInfo,
    pub schedule: ScheduleInfo,
    /// One line per step of the replayed execution.
    pub trace: Vec<TraceStep>,
    /// The schedule was replayed once before writing and produced the same signature.
    pub replay_verified: bool,
    /// The failing schedule as the engine first found it, before minimization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<ScheduleInfo>,
    /// The minimized scenario and interleaving (absent when minimization was skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimized: Option<MinimizedInfo>,
    /// Present on regression-corpus entries: what a corpus check requires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<CorpusInfo>,
    /// Fault injection: the faults of the reported execution and what each rule did over the
    /// exploration (absent when the scenario has no fault rules or they were off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<FaultsInfo>,
}

/// Fault injection in one exploration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultsInfo {
    /// `on` or `explore` (see `explore.faults` in the scenario format).
    pub mode: String,
    /// Every fault injected in the reported execution, in order (none in a passing run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub injected: Vec<InjectedFault>,
    /// Per rule, over every execution explored.
    pub rules: Vec<RuleSummary>,
}

/// One fault injected into an execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectedFault {
    /// Index of the rule in the scenario's `faults`.
    pub rule: usize,
    /// The rule's kind: `panic`, `kill`, `preempt`, `delay`, `cancel`, `close`,
    /// `spurious-wakeup` or `clock-skew`.
    pub fault: String,
    /// Scheduling step it happened at.
    pub step: u64,
    /// Thread it hit (`chaos` for `cancel` and `close`).
    pub thread: String,
    /// JSON path of the op it happened before or in.
    pub op: String,
    pub effect: String,
}

/// What one fault rule did over an exploration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSummary {
    pub rule: usize,
    pub fault: String,
    /// JSON path of the rule, `$.faults[i]`.
    pub path: String,
    /// Executions that injected it at least once.
    pub executions: u64,
    /// Injections, all executions together.
    pub injections: u64,
    /// Executions ended by its injected panic, unrecovered: the fault itself, not a finding.
    pub ended_by_fault: u64,
    /// Executions that injected it and failed.
    pub failed: u64,
    /// Every execution that injected it met the scenario's expectations (`failed` is 0).
    pub held: bool,
}

/// The faults an execution injected, for a report.
pub fn injected(prog: &Program, out: &ExecOutcome) -> Vec<InjectedFault> {
    out.faults
        .iter()
        .map(|f| InjectedFault {
            rule: f.rule,
            fault: prog
                .faults
                .get(f.rule)
                .map(|r| r.kind.name())
                .unwrap_or("?")
                .into(),
            step: f.step,
            thread: out.threads.get(f.thread).cloned().unwrap_or_default(),
            op: prog.op_path(f.op).to_string(),
            effect: f.effect.clone(),
        })
        .collect()
}

/// The `faults` section: `out` is the reported execution (none for a passing run).
pub fn faults_info(
    prog: &Program,
    x: &Exploration,
    out: Option<&ExecOutcome>,
) -> Option<FaultsInfo> {
    if !prog.faults_on() {
        return None;
    }
    let rules = prog
        .faults
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let s = x.faults.get(i).cloned().unwrap_or_default();
            RuleSummary {
                rule: i,
                fault: r.kind.name().into(),
                path: r.rule_path.clone(),
                executions: s.executions,
                injections: s.injections,
                ended_by_fault: s.ended,
                failed: s.failed,
                held: s.failed == 0,
            }
        })
        .collect();
    Some(FaultsInfo {
        mode: prog.fault_mode.name().into(),
        injected: out.map(|o| injected(prog, o)).unwrap_or_default(),
        rules,
    })
}

/// The report of an exploration with fault rules in which every expectation held, written as
/// `reports/<scenario>.faults.json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSummary {
    /// Always `hazard/fault-summary/v1`.
    pub schema: String,
    pub harness: HarnessInfo,
    pub scenario: ScenarioInfo,
    /// The engine(s), seed and budget, and what was explored.
    pub engine: String,
    pub seed: u64,
    pub budget: Budget,
    pub executions: u64,
    pub distinct_schedules: u64,
    pub elapsed_ms: u64,
    pub engines: Vec<EngineInfo>,
    /// The scenario's expectation was met: for `passes`, no explored execution failed under
    /// any fault (for `fails`, whose failure was not found, false).
    pub expectations_held: bool,
    pub faults: FaultsInfo,
}

/// The version tag of a fault summary.
pub const FAULT_SUMMARY_SCHEMA: &str = "hazard/fault-summary/v1";

/// What a regression-corpus entry must show when checked.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorpusInfo {
    pub expect: CorpusExpect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CorpusExpect {
    /// The recorded schedules still produce the recorded failure.
    Reproduces,
    /// The bug was fixed: no bounded interleaving produces the recorded failure.
    Passes,
}

/// The smallest reproduction minimization reached: a reduced scenario, its interleaving with
/// the fewest preemptions found, and the evidence for that count.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MinimizedInfo {
    /// `sha256:<hex>` of `source`.
    pub hash: String,
    /// The reduced scenario, embedded (replayable on its own).
    pub source: serde_json::Value,
    /// What scenario minimization dropped or reduced, as JSON paths of the original.
    pub removed: Vec<String>,
    /// The failure's signature in the reduced scenario (op paths renumbered).
    pub signature: Signature,
    /// As Go prints it.
    pub rendered: String,
    pub schedule: ScheduleInfo,
    pub trace: Vec<TraceStep>,
    /// Scheduling points of the minimized execution.
    pub steps: u64,
    pub minimality: Minimality,
    /// The minimized schedule was replayed against `source` and produced `signature`.
    pub replay_verified: bool,
    /// The faults injected in the minimized execution, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<InjectedFault>,
}

/// Whether the preemption count is known to be the least possible.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Minimality {
    pub preemptions: usize,
    /// `proven`: a DFS bounded at `preemptions - 1` over the reduced scenario exhausted every
    /// schedule without this failure. `best-effort`: the budget ran out first.
    pub status: String,
    /// The preemption bound the proof explored (absent when `preemptions` is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_bound: Option<usize>,
    /// Executions minimization ran, and its wall time.
    pub executions: u64,
    pub elapsed_ms: u64,
    /// The execution budget it had.
    pub budget: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HarnessInfo {
    pub name: String,
    pub version: String,
    pub shuttle: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo {
    pub name: String,
    /// The file explored, as given on the command line.
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// `sha256:<hex>` of `source`.
    pub hash: String,
    /// The scenario file, embedded.
    pub source: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplorationInfo {
    /// `portfolio`, `random`, `pct` or `dfs`.
    pub engine: String,
    /// The engine that found this failure.
    pub found_by: String,
    /// Which of that engine's executions (1-based).
    pub found_at_execution: u64,
    pub seed: u64,
    pub budget: Budget,
    /// Executions run, all engines together.
    pub executions: u64,
    pub distinct_schedules: u64,
    pub elapsed_ms: u64,
    pub engines: Vec<EngineInfo>,
    /// How virtual time passed (the embedded scenario's `explore.clock`, as run): `go` (Go's
    /// own time, testing/synctest) or `adversarial` (an overloaded machine: a failure found
    /// under it needs timers to fire while goroutines could still run).
    #[serde(default)]
    pub clock: ClockMode,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub iterations: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_secs: Option<f64>,
    pub max_steps: u64,
    pub pct_depth: usize,
    pub preemption_bound: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EngineInfo {
    pub engine: String,
    pub executions: u64,
    pub distinct_schedules: u64,
    /// `found`, `iterations`, `time`, `exhausted` or `portfolio`.
    pub stopped: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureInfo {
    pub signature: Signature,
    /// As Go prints it: `fatal error: concurrent map writes`.
    pub rendered: String,
    /// Whether Go's own runtime reports this interleaving (the `runtime` verdict of
    /// `go_tools`, kept for readers of earlier reports).
    pub go_detects: bool,
    pub go_detects_why: String,
    /// One verdict per Go tool: the runtime, the race detector, the goroutineleak profile and
    /// go vet, each `yes`, `no` or `depends`, with why. (Absent in reports of earlier versions.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_tools: Option<GoTools>,
    /// Threads blocked forever (deadlock, leak).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<Blocked>,
    /// Whether this is the failure the scenario's `expect` asks for.
    pub expected: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInfo {
    /// `hazard-schedule/v1`.
    pub format: String,
    /// Thread names; decisions refer to them by index.
    pub threads: Vec<String>,
    /// Run-length encoded decisions (see `explore::schedule`).
    pub decisions: String,
    /// Number of decisions.
    pub length: usize,
    /// Switches away from a thread that could still run.
    pub preemptions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceStep {
    /// Scheduling points taken before this line.
    pub step: u64,
    pub thread: String,
    /// JSON path of the op in the scenario.
    pub op: String,
    pub text: String,
    /// The explorer switched to this thread here while the previous one could still run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preempt: bool,
    /// Index (0-based, in this trace) of the earlier line of another thread that handed off to
    /// this one: the Unlock before a Lock, the send of a received value, the close that ended a
    /// receive or woke a sender, the `Done` before `Wait` returns, f's end before `Once.Do`
    /// returns, the cancel before `<-ctx.Done()`, the timer firing before its tick is received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u64>,
}

/// A report that cannot be read or replayed.
#[derive(Debug)]
pub enum ReportError {
    Io {
        file: String,
        source: std::io::Error,
    },
    /// Not JSON, or not a `hazard/report/v1` document.
    Format {
        file: String,
        message: String,
    },
    /// The embedded scenario no longer validates.
    Scenario(ScenarioError),
    /// The embedded scenario does not match its recorded hash.
    Hash {
        file: String,
        recorded: String,
        actual: String,
    },
    Schedule {
        file: String,
        source: ScheduleError,
    },
    Replay {
        file: String,
        source: ReplayError,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Io { file, source } => write!(f, "{file}: {source}"),
            ReportError::Format { file, message } => {
                write!(f, "{file}: not a {REPORT_SCHEMA} report: {message}")
            }
            ReportError::Scenario(e) => write!(f, "embedded scenario: {e}"),
            ReportError::Hash {
                file,
                recorded,
                actual,
            } => write!(
                f,
                "{file}: the embedded scenario was edited (hash {actual}, recorded {recorded})"
            ),
            ReportError::Schedule { file, source } => write!(f, "{file}: {source}"),
            ReportError::Replay { file, source } => write!(f, "{file}: {source}"),
        }
    }
}

impl std::error::Error for ReportError {}

fn stop_name(e: &EngineStats) -> &'static str {
    use crate::explore::StopReason::*;
    match e.stopped {
        Found => "found",
        Iterations => "iterations",
        Time => "time",
        Exhausted => "exhausted",
        Portfolio => "portfolio",
        Interrupted => "interrupted",
    }
}

/// Everything `build` needs about how the exploration ran.
pub struct RunInfo<'a> {
    pub config: &'a ExploreConfig,
    pub exploration: &'a Exploration,
}

/// Build the report of `finding` as found (no minimization): replays its schedule with
/// tracing on to verify it and to record the step trace.
pub fn build(prog: &Arc<Program>, finding: &Finding, run: &RunInfo<'_>) -> Report {
    build_from(prog, finding, &finding.schedule, run)
}

/// Build the report of `finding` after minimization (see [`Report::apply_minimized`]).
pub fn build_minimized(
    prog: &Arc<Program>,
    finding: &Finding,
    run: &RunInfo<'_>,
    m: &Minimized,
) -> Report {
    let mut report = build(prog, finding, run);
    report.apply_minimized(prog, m);
    report
}

impl Report {
    /// Record a minimization: the top-level schedule and trace become the minimized schedule
    /// of the original scenario (replayed here, which sets `replay_verified`), `found` keeps
    /// the schedule as first found, and `minimized` holds the reduced scenario with its own
    /// replayed interleaving.
    pub fn apply_minimized(&mut self, prog: &Arc<Program>, m: &Minimized) {
        let max_steps = self.exploration.budget.max_steps;
        if self.found.is_none() {
            let mut found = self.schedule.clone();
            found.preemptions = m.found.preemptions;
            self.found = Some(found);
        }
        match replay(prog, &m.original.schedule, max_steps, true) {
            Ok(out) => {
                self.replay_verified = out.signature.as_ref() == Some(&self.failure.signature);
                self.trace = trace_steps(prog, &out);
                if let Some(f) = &mut self.faults {
                    f.injected = injected(prog, &out);
                }
                self.schedule = ScheduleInfo {
                    format: SCHEDULE_FORMAT.into(),
                    threads: out.threads.clone(),
                    decisions: m.original.schedule.encode(),
                    length: m.original.schedule.len(),
                    preemptions: out.preemptions,
                };
            }
            Err(_) => self.replay_verified = false,
        }
        self.minimized = Some(minimized_info(m, max_steps));
    }
}

/// The `minimized` section: replays the reduced scenario's schedule with tracing on.
pub fn minimized_info(m: &Minimized, max_steps: u64) -> MinimizedInfo {
    let out = replay(&m.prog, &m.reduced.schedule, max_steps, true);
    let (trace, threads, verified, rendered, faults) = match &out {
        Ok(o) => (
            trace_steps(&m.prog, o),
            o.threads.clone(),
            o.signature.as_ref() == Some(&m.signature),
            rendered(o).unwrap_or_default(),
            injected(&m.prog, o),
        ),
        Err(_) => (Vec::new(), Vec::new(), false, String::new(), Vec::new()),
    };
    let (status, proof_bound) = match m.proof {
        Proof::Proven(b) => ("proven", b),
        Proof::BestEffort => ("best-effort", m.reduced.preemptions.checked_sub(1)),
    };
    MinimizedInfo {
        hash: m.hash.clone(),
        source: m.source.clone(),
        removed: m.removed.clone(),
        signature: m.signature.clone(),
        rendered,
        schedule: ScheduleInfo {
            format: SCHEDULE_FORMAT.into(),
            threads,
            decisions: m.reduced.schedule.encode(),
            length: m.reduced.schedule.len(),
            preemptions: m.reduced.preemptions,
        },
        trace,
        steps: m.reduced.steps,
        minimality: Minimality {
            preemptions: m.reduced.preemptions,
            status: status.into(),
            proof_bound,
            executions: m.executions,
            elapsed_ms: m.elapsed.as_millis() as u64,
            budget: m.budget,
        },
        replay_verified: verified,
        faults,
    }
}

fn build_from(
    prog: &Arc<Program>,
    finding: &Finding,
    schedule: &Schedule,
    run: &RunInfo<'_>,
) -> Report {
    let verified = replay(prog, schedule, run.config.max_steps, true);
    let (trace, replay_verified, preempt, threads) = match &verified {
        Ok(out) => (
            trace_steps(prog, out),
            out.signature.as_ref() == Some(&finding.signature),
            out.preemptions,
            out.threads.clone(),
        ),
        Err(_) => (Vec::new(), false, 0, finding.threads.clone()),
    };
    let failure = &finding.failed.failure;
    let (go_detects, why) = failure.go_detects();
    let mut tools = failure.go_tools(prog);
    if prog.clock == ClockMode::Adversarial {
        tools.runtime.why.push_str(
            " (found under the adversarial clock: timers fired while goroutines could still run, as on an overloaded machine; Go's own time may never show it)",
        );
    }
    let x = run.exploration;
    let (harness, scenario, budget, engines) = build_head(prog, run.config, x);
    Report {
        schema: REPORT_SCHEMA.into(),
        harness,
        scenario,
        exploration: ExplorationInfo {
            // One engine (libFuzzer's import included) names itself; several are the portfolio.
            engine: match run.exploration.engines.as_slice() {
                [one] => one.engine.into(),
                _ => run.config.engine.name().into(),
            },
            found_by: finding.engine.into(),
            found_at_execution: finding.execution,
            seed: run.config.seed,
            budget,
            executions: x.executions(),
            distinct_schedules: x.distinct_schedules(),
            elapsed_ms: x.elapsed.as_millis() as u64,
            clock: prog.clock,
            engines,
        },
        failure: FailureInfo {
            signature: finding.signature.clone(),
            rendered: failure.render(),
            go_detects,
            go_detects_why: why.into(),
            go_tools: Some(tools),
            blocked: failure.blocked().to_vec(),
            expected: match &prog.expect {
                crate::scenario::Expectation::Fails(want) => finding.signature.matches(want),
                crate::scenario::Expectation::Passes => false,
            },
        },
        schedule: ScheduleInfo {
            format: SCHEDULE_FORMAT.into(),
            threads,
            decisions: schedule.encode(),
            length: schedule.len(),
            preemptions: preempt,
        },
        trace,
        replay_verified,
        found: None,
        minimized: None,
        corpus: None,
        faults: faults_info(prog, x, verified.as_ref().ok()),
    }
}

/// The summary of an exploration with fault rules that found nothing.
pub fn fault_summary(
    prog: &Arc<Program>,
    cfg: &ExploreConfig,
    x: &Exploration,
) -> Option<FaultSummary> {
    let faults = faults_info(prog, x, None)?;
    let r = build_head(prog, cfg, x);
    Some(FaultSummary {
        schema: FAULT_SUMMARY_SCHEMA.into(),
        harness: r.0,
        scenario: r.1,
        engine: match x.engines.as_slice() {
            [one] => one.engine.into(),
            _ => cfg.engine.name().into(),
        },
        seed: cfg.seed,
        budget: r.2,
        executions: x.executions(),
        distinct_schedules: x.distinct_schedules(),
        elapsed_ms: x.elapsed.as_millis() as u64,
        engines: r.3,
        expectations_held: match &prog.expect {
            crate::scenario::Expectation::Passes => x.findings.is_empty(),
            crate::scenario::Expectation::Fails(_) => x.matching(prog).is_some(),
        },
        faults,
    })
}

/// The parts every report shares: harness, scenario, budget, engines.
fn build_head(
    prog: &Program,
    cfg: &ExploreConfig,
    x: &Exploration,
) -> (HarnessInfo, ScenarioInfo, Budget, Vec<EngineInfo>) {
    (
        HarnessInfo {
            name: "hazard".into(),
            version: crate::VERSION.into(),
            shuttle: crate::SHUTTLE_VERSION.into(),
        },
        ScenarioInfo {
            name: prog.name.clone(),
            file: prog.file.clone(),
            catalog: prog.catalog.clone(),
            variant: prog.variant.map(|v| format!("{v:?}").to_lowercase()),
            hash: prog.hash.clone(),
            source: prog.source.clone(),
        },
        Budget {
            iterations: cfg.iterations,
            time_secs: cfg.time.map(|t| t.as_secs_f64()),
            max_steps: cfg.max_steps,
            pct_depth: cfg.pct_depth,
            preemption_bound: cfg.preemption_bound,
        },
        x.engines
            .iter()
            .map(|e| EngineInfo {
                engine: e.engine.into(),
                executions: e.executions,
                distinct_schedules: e.distinct_schedules,
                stopped: stop_name(e).into(),
            })
            .collect(),
    )
}

/// The trace of a traced execution, with thread names and op paths.
pub fn trace_steps(prog: &Program, out: &ExecOutcome) -> Vec<TraceStep> {
    let mut marked = std::collections::HashSet::new();
    out.trace_events()
        .iter()
        .map(|e| TraceStep {
            step: e.step,
            thread: out.threads.get(e.thread).cloned().unwrap_or_default(),
            op: prog.op_path(e.op).to_string(),
            text: e.text.clone(),
            // The first line of a step reached by preemption carries the mark.
            preempt: out.preempt_steps.binary_search(&e.step).is_ok() && marked.insert(e.step),
            from: e.from.map(|i| i as u64),
        })
        .collect()
}

/// What replaying a report did.
#[derive(Debug)]
pub struct Replayed {
    pub prog: Arc<Program>,
    pub outcome: ExecOutcome,
    /// The replay failed with the recorded signature.
    pub reproduced: bool,
}

impl Report {
    /// What serde cannot check: the parts of a report agree with each other and with this
    /// harness. A report edited by hand, or assembled from two, is refused with the field
    /// named rather than replayed or shown under the wrong header.
    pub(crate) fn integrity(&self, file: &str) -> Result<(), ReportError> {
        let format = |message: String| ReportError::Format {
            file: file.to_string(),
            message,
        };
        let mut schedules = vec![("schedule", &self.schedule)];
        if let Some(f) = &self.found {
            schedules.push(("found", f));
        }
        if let Some(m) = &self.minimized {
            schedules.push(("minimized.schedule", &m.schedule));
        }
        for (field, s) in schedules {
            if s.format != SCHEDULE_FORMAT {
                return Err(format(format!(
                    "{field}.format is `{}`, this harness reads `{SCHEDULE_FORMAT}`",
                    s.format
                )));
            }
        }
        if self.exploration.budget.max_steps == 0 {
            return Err(format(
                "exploration.budget.max_steps is 0: no execution can take a step (at least 1)"
                    .into(),
            ));
        }
        let Some(m) = &self.minimized else {
            return Ok(());
        };
        // An edited scenario is reported as such (by its hash) before anything compares it.
        check_hash(&self.scenario.source, &self.scenario.hash, file, "scenario")?;
        check_hash(&m.source, &m.hash, file, "minimized")?;
        // Assertion messages end with the assertion's path, renumbered by minimization.
        let text = |s: &Signature| match s.kind {
            FailureKind::Assertion => s
                .message
                .rsplit_once(" ($.")
                .map_or(s.message.clone(), |(m, _)| m.to_string()),
            _ => s.message.clone(),
        };
        let (a, b) = (&m.signature, &self.failure.signature);
        if (&a.id, a.kind, text(a)) != (&b.id, b.kind, text(b)) {
            return Err(format(format!(
                "minimized.signature is `{}` ({}), but the report's failure is `{}` ({}): \
                 the minimized section belongs to another report",
                a.message, a.id, b.message, b.id
            )));
        }
        let name = |v: &serde_json::Value| v.get("name").cloned();
        if name(&m.source) != name(&self.scenario.source) {
            return Err(format(format!(
                "minimized.source is scenario {}, but the report's scenario is {}: \
                 the minimized section belongs to another report",
                name(&m.source).unwrap_or_default(),
                name(&self.scenario.source).unwrap_or_default()
            )));
        }
        for r in &m.removed {
            // `<path>` or `<path>: <old> -> <new>` (a reduced count), paths of the original.
            let path = match r.rsplit_once(": ") {
                Some((p, change)) if change.contains(" -> ") => p,
                _ => r.as_str(),
            };
            if crate::scenario::pointer(&self.scenario.source, path).is_none() {
                return Err(format(format!(
                    "minimized.removed names `{path}`, which the report's scenario does not \
                     have: the minimized section belongs to another report"
                )));
            }
        }
        Ok(())
    }

    /// The embedded scenario, checked against its recorded hash and compiled.
    pub fn program(&self, file: &str) -> Result<Arc<Program>, ReportError> {
        embedded(&self.scenario.source, &self.scenario.hash, file, "scenario")
    }

    /// The schedule as first found (the top-level one when the report was never minimized).
    pub fn found_schedule(&self, file: &str) -> Result<Schedule, ReportError> {
        let text = match &self.found {
            Some(f) => &f.decisions,
            None => &self.schedule.decisions,
        };
        Schedule::decode(text).map_err(|source| ReportError::Schedule {
            file: file.into(),
            source,
        })
    }

    /// Replay this report's schedule against its embedded scenario, with tracing.
    pub fn replay(&self, file: &str) -> Result<Replayed, ReportError> {
        let prog = self.program(file)?;
        let schedule =
            Schedule::decode(&self.schedule.decisions).map_err(|source| ReportError::Schedule {
                file: file.into(),
                source,
            })?;
        let max_steps = self.exploration.budget.max_steps;
        let outcome =
            replay(&prog, &schedule, max_steps, true).map_err(|source| ReportError::Replay {
                file: file.into(),
                source,
            })?;
        let reproduced = outcome.signature.as_ref() == Some(&self.failure.signature);
        Ok(Replayed {
            prog,
            outcome,
            reproduced,
        })
    }
}

/// What the human views (`hazard show`) render of a report: the minimized interleaving when
/// there is one, else the recorded one.
pub struct View<'a> {
    pub threads: &'a [String],
    pub trace: &'a [TraceStep],
    pub signature: &'a Signature,
    /// As Go prints it.
    pub rendered: &'a str,
    pub preemptions: usize,
    /// Whether this is the minimized scenario's interleaving.
    pub minimized: bool,
    /// The faults injected in this interleaving.
    pub faults: &'a [InjectedFault],
}

impl Report {
    /// The minimized interleaving if present, else the recorded one; `original` forces the
    /// recorded one.
    pub fn view(&self, original: bool) -> View<'_> {
        match (&self.minimized, original) {
            (Some(m), false) => View {
                threads: &m.schedule.threads,
                trace: &m.trace,
                signature: &m.signature,
                rendered: &m.rendered,
                preemptions: m.schedule.preemptions,
                minimized: true,
                faults: &m.faults,
            },
            _ => View {
                threads: &self.schedule.threads,
                trace: &self.trace,
                signature: &self.failure.signature,
                rendered: &self.failure.rendered,
                preemptions: self.schedule.preemptions,
                minimized: false,
                faults: self.faults.as_ref().map_or(&[], |f| &f.injected),
            },
        }
    }
}

impl Report {
    /// Replay the minimized section's schedule against its reduced scenario, with tracing;
    /// `None` when the report has no minimized section.
    pub fn replay_minimized(&self, file: &str) -> Result<Option<Replayed>, ReportError> {
        let Some(m) = &self.minimized else {
            return Ok(None);
        };
        let prog = embedded(&m.source, &m.hash, file, "minimized")?;
        let schedule =
            Schedule::decode(&m.schedule.decisions).map_err(|source| ReportError::Schedule {
                file: file.into(),
                source,
            })?;
        let outcome = replay(&prog, &schedule, self.exploration.budget.max_steps, true).map_err(
            |source| ReportError::Replay {
                file: file.into(),
                source,
            },
        )?;
        let reproduced = outcome.signature.as_ref() == Some(&m.signature);
        Ok(Some(Replayed {
            prog,
            outcome,
            reproduced,
        }))
    }
}

/// A scenario embedded in a report (`part`: `scenario` or `minimized`), checked against its
/// recorded hash, then compiled.
fn embedded(
    source: &serde_json::Value,
    hash: &str,
    file: &str,
    part: &str,
) -> Result<Arc<Program>, ReportError> {
    check_hash(source, hash, file, part)?;
    Ok(Arc::new(
        load_value(source, &format!("{file}#{part}")).map_err(ReportError::Scenario)?,
    ))
}

/// An embedded scenario (`part`: `scenario` or `minimized`) must hash to what was recorded.
fn check_hash(
    source: &serde_json::Value,
    hash: &str,
    file: &str,
    part: &str,
) -> Result<(), ReportError> {
    let actual = crate::scenario::hash_source(source);
    if actual == hash {
        return Ok(());
    }
    Err(ReportError::Hash {
        file: match part {
            "scenario" => file.to_string(),
            _ => format!("{file}#{part}"),
        },
        recorded: hash.to_string(),
        actual,
    })
}

/// The failure of an execution, rendered as Go prints it.
pub fn rendered(out: &ExecOutcome) -> Option<String> {
    out.failed.as_ref().map(|f| Failure::render(&f.failure))
}

/// The JSON Schema of the report format.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
}
