//! The campaign summary (`hazard/nightly/v1`): what `summary.json` holds, what every other
//! output of a campaign (Markdown, JUnit, SARIF, the HTML index, `--json` lines) is made from,
//! so they cannot disagree.

use crate::explore::Signature;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the summary format.
pub const NIGHTLY_FORMAT: &str = "hazard/nightly/v1";

/// What a finding is, measured against the scenario's expectation, the regression corpus and
/// the baseline of accepted findings. Ordered as the outputs list them: what needs a human
/// first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// In neither the corpus nor the baseline, and not what the scenario expects.
    New,
    /// A corpus entry recorded as fixed (`passes`) fails again.
    Regressed,
    /// Found, but its schedule does not replay to the same failure.
    Flaky,
    /// A known finding that no longer reproduces within its bound (or a `reproduces` corpus
    /// entry that stopped reproducing).
    Fixed,
    /// Expected by the scenario, accepted in the baseline, or kept in the corpus.
    Known,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::New => "new",
            Class::Regressed => "regressed",
            Class::Flaky => "flaky",
            Class::Fixed => "fixed",
            Class::Known => "known",
        }
    }
    /// Whether it fails the campaign (exit 1, a JUnit failure, a SARIF result).
    pub fn fails(self) -> bool {
        matches!(self, Class::New | Class::Regressed)
    }
}

/// Where in a scenario file a finding's failing op is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Place {
    /// JSON path of the op (`$.threads.writer[1]`).
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// One distinct finding of the campaign (a scenario and a signature).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingEntry {
    pub class: Class,
    /// Why it has that class, in words.
    pub why: String,
    /// The scenario's `name`.
    pub scenario: String,
    /// The scenario file (for a corpus entry's finding: the entry).
    pub file: String,
    pub signature: Signature,
    /// The engine that found it, in which round, at which of that slice's executions (absent
    /// for what a corpus check or a baseline confirmation found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<u64>,
    /// The report written for it (new, regressed and flaky findings), and how to replay it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_verified: Option<bool>,
    /// Preemptions of the reported (minimized) interleaving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemptions: Option<usize>,
    /// The failing op's place in the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

/// How a scenario file fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioStatus {
    /// Its expectation is met (a `passes` scenario with no finding, a `fails` scenario whose
    /// failure was found).
    Met,
    /// Not met: a finding in a `passes` scenario, or a `fails` scenario's failure not found
    /// within the budget.
    Unmet,
    /// The file did not load (an input error, with its place).
    Invalid,
    /// An internal error or a bound of the harness stopped it.
    Error,
}

/// One scenario file of the campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioEntry {
    pub file: String,
    /// The scenario's `name` (empty when the file did not load).
    pub scenario: String,
    /// `passes`, or `fails <id>`.
    pub expect: String,
    pub status: ScenarioStatus,
    /// Executions, all engines and rounds together, and per engine.
    pub executions: u64,
    pub engines: BTreeMap<String, u64>,
    /// Slices run (one engine for one round), and the rounds it took part in.
    pub slices: u64,
    pub rounds: u32,
    pub elapsed_ms: u64,
    /// It stopped consuming budget: its expectation settled, or DFS exhausted its bound.
    pub settled: bool,
    pub dfs_exhausted: bool,
    /// Distinct findings, by class.
    pub findings: BTreeMap<String, usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One regression-corpus entry checked by the campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CorpusEntryLine {
    pub file: String,
    pub ok: bool,
    /// `reproduces` or `passes` (empty when the entry could not be read).
    pub expect: String,
    pub detail: String,
}

/// Counts over the whole campaign.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CampaignTotals {
    pub scenarios: usize,
    pub met: usize,
    pub unmet: usize,
    pub invalid: usize,
    pub errors: usize,
    pub executions: u64,
    pub new: usize,
    pub regressed: usize,
    pub flaky: usize,
    pub fixed: usize,
    pub known: usize,
    pub corpus_entries: usize,
    pub corpus_failed: usize,
}

/// What libFuzzer did in the campaign (`--libfuzzer`), every session together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LibFuzzerTotals {
    /// Its share of the time budget.
    pub share: f64,
    /// `passes` scenarios it ran on, and its processes.
    pub scenarios: usize,
    pub runs: u64,
    pub executions: u64,
    pub elapsed_ms: u64,
    /// Crash files it wrote (each one became a finding, or an error below).
    pub crashes: u64,
    /// Runs that were not clean: could not start, died without a crash file, or wrote a crash
    /// that did not run again.
    pub errors: Vec<LibFuzzerError>,
}

/// A libFuzzer run that was not clean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LibFuzzerError {
    pub file: String,
    pub error: String,
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Always [`NIGHTLY_FORMAT`].
    pub format: String,
    pub harness: String,
    pub seed: u64,
    /// Workers (`-j`).
    pub jobs: usize,
    /// `i/n` when sharded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The campaign's time budget, if any (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_budget_secs: Option<f64>,
    /// Executions per engine per round.
    pub slice: u64,
    /// Rounds started.
    pub rounds: u32,
    /// Wall time, every session of a resumed campaign together.
    pub elapsed_ms: u64,
    /// Sessions that made it (1, or more when resumed from `--state`).
    pub sessions: u32,
    /// Ctrl-C or SIGTERM stopped it; what was done is here, and `--state` resumes the rest.
    pub interrupted: bool,
    /// Why the campaign stopped: `done` (every scenario settled), `rounds`, `time`,
    /// `interrupted`.
    pub stopped: String,
    pub totals: CampaignTotals,
    pub scenarios: Vec<ScenarioEntry>,
    /// Every distinct finding, new and regressed first.
    pub findings: Vec<FindingEntry>,
    pub corpus: Vec<CorpusEntryLine>,
    /// Present when the campaign gave libFuzzer a share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libfuzzer: Option<LibFuzzerTotals>,
}

/// The JSON Schema of `summary.json`.
pub fn summary_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Summary)).unwrap_or_default()
}
