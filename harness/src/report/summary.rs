//! The run summary (`hazard/run/v2`): typed lines, one per finding, one per scenario file and
//! one of totals. It is what `hazard run --json` prints, one JSON object per line, and what
//! every other output of a run (the text table) is made from, so they cannot disagree.

use super::*;

/// Version of the summary format; every line carries it.
pub const RUN_FORMAT: &str = "hazard/run/v2";

/// What a line of `hazard run --json` is (its `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LineType {
    /// A scenario file that ran to its verdict.
    Scenario,
    /// One finding of a scenario (printed before its scenario's line).
    Finding,
    /// The totals, last.
    Summary,
    /// A scenario file that did not load (`invalid`) or could not run (`error`).
    Error,
}

/// How a scenario file's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Its expectation was met.
    Met,
    /// It was explored and its expectation was not met (a finding, or a failure not found).
    Unmet,
    /// The file did not load (an input error, reported with its place).
    Invalid,
    /// An internal error, or an output that could not be written.
    Error,
    /// Ctrl-C or SIGTERM stopped its exploration before it settled.
    Interrupted,
}

impl RunStatus {
    /// The word the text table shows.
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Met => "ok",
            RunStatus::Unmet => "UNMET",
            RunStatus::Invalid => "INVALID",
            RunStatus::Error => "ERROR",
            RunStatus::Interrupted => "STOPPED",
        }
    }
}

/// One scenario file's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioLine {
    /// Always [`RUN_FORMAT`].
    pub format: String,
    /// `scenario`, or `error` for a file that did not load or run.
    #[serde(rename = "type")]
    pub line: LineType,
    /// The scenario's `name` (empty when the file did not load).
    pub scenario: String,
    /// The file as given on the command line (or found in a directory given).
    pub file: String,
    /// `passes`, or `fails <id>` (empty when the file did not load).
    pub expect: String,
    pub met: bool,
    pub status: RunStatus,
    /// One phrase: `found`, `failed: <id>`, `passed`, `passed (dfs exhausted)`,
    /// `interrupted`, `nothing explored`, `invalid` or `error`.
    pub result: String,
    pub executions: u64,
    pub distinct_schedules: u64,
    pub elapsed_ms: u64,
    /// The DFS engine ran every schedule within its preemption bound.
    pub dfs_exhausted: bool,
    /// Every distinct finding, in the order found, each with its report.
    pub findings: Vec<FindingLine>,
    /// The file the table points at: the report of the finding that settles the expectation
    /// (else the first), or the fault summary of a run that found nothing.
    pub report: Option<String>,
    /// When the expectation was not met: what the budget allowed, and how to widen it.
    pub budget_note: Option<String>,
    /// What each fault rule did, for a run with fault rules that found nothing.
    pub faults: Option<FaultsInfo>,
    /// Why the file did not load or run (`invalid`, `error`).
    pub error: Option<String>,
}

/// One finding of a scenario's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingLine {
    pub signature: Signature,
    /// The report written for it.
    pub report: String,
    pub replay_verified: bool,
    /// The engine that found it, and at which of its executions.
    pub engine: String,
    pub execution: u64,
    pub minimized: Option<MinimizedLine>,
}

/// How far a finding was minimized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MinimizedLine {
    pub preemptions: usize,
    /// `proven-minimal`, `bound-minimal` or `best-found` (see the report's `minimality`).
    pub status: String,
    pub steps: u64,
    /// Parts of the scenario removed.
    pub removed: usize,
}

impl MinimizedLine {
    pub fn of(m: &MinimizedInfo) -> MinimizedLine {
        MinimizedLine {
            preemptions: m.minimality.preemptions,
            status: m.minimality.status.clone(),
            steps: m.steps,
            removed: m.removed.len(),
        }
    }
}

/// The last line: counts over every file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Totals {
    pub scenarios: usize,
    pub met: usize,
    pub unmet: usize,
    pub input_errors: usize,
    pub errors: usize,
    pub interrupted: usize,
}

/// The last line of `run --json`: `{"format": …, "summary": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TotalsLine {
    pub format: String,
    /// Always `summary`.
    #[serde(rename = "type")]
    pub line: LineType,
    pub summary: Totals,
}

impl ScenarioLine {
    /// The line of a file that did not run to its verdict (`Invalid` or `Error`).
    pub fn broken(scenario: &str, file: &str, status: RunStatus, error: String) -> ScenarioLine {
        ScenarioLine {
            format: RUN_FORMAT.into(),
            line: LineType::Error,
            scenario: scenario.into(),
            file: file.into(),
            expect: String::new(),
            met: false,
            status,
            result: match status {
                RunStatus::Invalid => "invalid".into(),
                _ => "error".into(),
            },
            executions: 0,
            distinct_schedules: 0,
            elapsed_ms: 0,
            dfs_exhausted: false,
            findings: Vec::new(),
            report: None,
            budget_note: None,
            faults: None,
            error: Some(error),
        }
    }
}

impl Totals {
    pub fn of(lines: &[ScenarioLine]) -> Totals {
        let count = |s: RunStatus| lines.iter().filter(|l| l.status == s).count();
        Totals {
            scenarios: lines.len(),
            met: count(RunStatus::Met),
            unmet: count(RunStatus::Unmet),
            input_errors: count(RunStatus::Invalid),
            errors: count(RunStatus::Error),
            interrupted: count(RunStatus::Interrupted),
        }
    }

    pub fn line(self) -> TotalsLine {
        TotalsLine {
            format: RUN_FORMAT.into(),
            line: LineType::Summary,
            summary: self,
        }
    }
}

/// One finding as a line of its own (`"type": "finding"`), before its scenario's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingJsonLine {
    pub format: String,
    /// Always `finding`.
    #[serde(rename = "type")]
    pub line: LineType,
    /// The scenario file and name it belongs to.
    pub file: String,
    pub scenario: String,
    #[serde(flatten)]
    pub finding: FindingLine,
}

impl ScenarioLine {
    /// Its findings as lines of their own.
    pub fn finding_lines(&self) -> Vec<FindingJsonLine> {
        self.findings
            .iter()
            .map(|f| FindingJsonLine {
                format: RUN_FORMAT.into(),
                line: LineType::Finding,
                file: self.file.clone(),
                scenario: self.scenario.clone(),
                finding: f.clone(),
            })
            .collect()
    }
}

/// The JSON Schema of the run summary's lines: a finding, a scenario, or the totals.
pub fn summary_json_schema() -> serde_json::Value {
    /// One line of `hazard run --json`.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    #[serde(untagged)]
    enum RunLine {
        Finding(Box<FindingJsonLine>),
        Scenario(Box<ScenarioLine>),
        Totals(TotalsLine),
    }
    serde_json::to_value(schemars::schema_for!(RunLine)).unwrap_or_default()
}
