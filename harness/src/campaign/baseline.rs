//! The baseline of accepted findings (`hazard/baseline/v1`): findings a team has seen and
//! chosen to live with for now, so that a nightly reports them as `known` rather than `new`.
//! Written by `hazard nightly --update-baseline`, read with `--baseline FILE`.

use super::CampaignError;
use crate::explore::Signature;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the baseline format.
pub const BASELINE_FORMAT: &str = "hazard/baseline/v1";

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The scenario's `name` (the key: a file may move).
    pub scenario: String,
    /// The scenario file when it was accepted (for people).
    pub file: String,
    pub signature: Signature,
    /// Preemptions of the interleaving that showed it: a finding not seen again is searched
    /// for up to this bound (plus one) before it is called fixed.
    pub preemptions: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Always [`BASELINE_FORMAT`].
    pub format: String,
    pub findings: Vec<BaselineEntry>,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            format: BASELINE_FORMAT.into(),
            findings: Vec::new(),
        }
    }
}

impl Baseline {
    /// Read a baseline; a missing file is an empty baseline (the first `--update-baseline`).
    pub fn read(path: &Path) -> Result<Baseline, CampaignError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Baseline::default()),
            Err(source) => return Err(CampaignError::io(path, source)),
        };
        let bad = |message: String| CampaignError::Input {
            file: path.display().to_string(),
            message,
        };
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        match v.get("format").and_then(|f| f.as_str()) {
            Some(BASELINE_FORMAT) => {}
            Some(other) => {
                return Err(bad(format!(
                    "format is `{other}`, this harness reads `{BASELINE_FORMAT}`"
                )))
            }
            None => return Err(bad(format!("no `format` field (`{BASELINE_FORMAT}`)"))),
        }
        serde_path_to_error::deserialize(v)
            .map_err(|e| bad(format!("at {}: {}", e.path(), e.inner())))
    }

    /// Whether `sig` in scenario `scenario` is accepted.
    pub fn has(&self, scenario: &str, sig: &Signature) -> bool {
        self.findings
            .iter()
            .any(|e| e.scenario == scenario && e.signature == *sig)
    }

    /// Write it atomically, entries sorted (stable diffs in version control).
    pub fn write(&mut self, path: &Path) -> Result<(), CampaignError> {
        self.findings.sort_by(|a, b| {
            (&a.scenario, &a.signature.id, &a.signature.message).cmp(&(
                &b.scenario,
                &b.signature.id,
                &b.signature.message,
            ))
        });
        self.findings
            .dedup_by(|a, b| a.scenario == b.scenario && a.signature == b.signature);
        let mut text = serde_json::to_string_pretty(self).expect("a baseline serializes");
        text.push('\n');
        crate::base::write_atomic(path, text.as_bytes()).map_err(|e| CampaignError::io(path, e))
    }
}

/// The JSON Schema of the baseline file.
pub fn baseline_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Baseline)).unwrap_or_default()
}
