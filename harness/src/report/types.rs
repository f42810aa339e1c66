//! The report format, `hazard/report/v1`: every section as a serde type (the JSON Schema is generated from them), and the errors of reading one back.

use super::*;

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
    /// The minimized execution's history, for a linearizability violation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryInfo>,
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

/// The history of an object `expect.linearizable` names, and where no legal order exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryInfo {
    pub object: String,
    /// The sequential specification (`stack`, `map`, ...).
    pub spec: String,
    /// Every operation on the object, in call order.
    pub ops: Vec<HistoryOp>,
    /// For a specification checked key by key: the key whose operations have no legal order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The longest legal order found (indices into `ops`).
    pub order: Vec<usize>,
    /// The operation no order explains after `order` (an index into `ops`).
    pub stuck: usize,
    /// What the specification gives that operation there (null is a result too: an empty
    /// stack's pop).
    #[serde(
        default,
        deserialize_with = "json_present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<serde_json::Value>")]
    pub expected: Option<serde_json::Value>,
}

/// A JSON value that may be given as `null`: absent is `None`, `null` is `Some(Null)`.
fn json_present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// One operation of a history: called at tick `call`, returned `result` at tick `ret` (an
/// operation that never returned has no `ret`, and a null `result`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryOp {
    pub thread: String,
    pub op: String,
    #[schemars(with = "Vec<serde_json::Value>")]
    pub args: Vec<serde_json::Value>,
    #[schemars(with = "serde_json::Value")]
    pub result: serde_json::Value,
    pub call: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret: Option<u64>,
    /// JSON path of the scenario op that performed it.
    pub at: String,
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
    /// A linearizability violation's history (kind `linearizability`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryInfo>,
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
    /// One of the two accesses of the data race the report shows (no happens-before edge
    /// orders them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub race: bool,
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
