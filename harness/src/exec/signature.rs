//! Failure signatures: what identifies a bug, so that the same bug found twice is one report.

use crate::model::world::{Failed, World};
use crate::model::FailureKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// (catalog id, kind, Go's exact message, thread role, op path).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Signature {
    pub id: String,
    pub kind: FailureKind,
    pub message: String,
    /// Static name of the failing thread (`worker` for `worker#2`); none for whole-program failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// JSON path of the failing op in the scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
}

impl Signature {
    pub(crate) fn of(f: &Failed, w: &World) -> Signature {
        use crate::model::Failure;
        if let Failure::Race { accesses, .. } = &f.failure {
            // Whichever access came first: the pair by op path, so one race is one signature.
            let first = accesses
                .iter()
                .min_by(|a, b| (&a.op, &a.role).cmp(&(&b.op, &b.role)))
                .expect("two accesses");
            return Signature {
                id: f.failure.catalog_id().to_string(),
                kind: f.failure.kind(),
                message: f.failure.message(),
                thread: Some(first.role.clone()),
                op: Some(first.op.clone()),
            };
        }
        Signature {
            id: f.failure.catalog_id().to_string(),
            kind: f.failure.kind(),
            message: f.failure.message(),
            thread: match f.failure {
                // A livelock is the whole program's: which thread happened to take the bounding
                // step is an accident of the schedule, and naming it would make one bug
                // several reports.
                Failure::Livelock { .. } => None,
                _ => f.thread.map(|t| w.threads[t].role.clone()),
            },
            op: match (&f.failure, f.op) {
                (Failure::Livelock { .. }, _) => None,
                (_, Some(op)) => Some(w.prog.op_path(op).to_string()),
                // A final-state assertion names its own path at the end of its message.
                (Failure::Assertion { message, .. }, None) => message
                    .rsplit_once('(')
                    .map(|(_, p)| p.trim_end_matches(')').to_string()),
                _ => None,
            },
        }
    }

    /// Eight hex digits naming the signature (report file names).
    pub fn short_hash(&self) -> String {
        let text = format!(
            "{}\n{}\n{}\n{}\n{}",
            self.id,
            self.kind,
            self.message,
            self.thread.as_deref().unwrap_or(""),
            self.op.as_deref().unwrap_or("")
        );
        crate::scenario::hex(&Sha256::digest(text.as_bytes())[..4])
    }

    /// Whether this failure is the one a scenario expects (every given field matches).
    pub fn matches(&self, want: &crate::scenario::ExpectFailure) -> bool {
        want.id.as_ref().is_none_or(|id| *id == self.id)
            && want.kind.is_none_or(|k| k == self.kind)
            && want.message.as_ref().is_none_or(|m| *m == self.message)
            && want
                .thread
                .as_ref()
                .is_none_or(|t| Some(t) == self.thread.as_ref())
    }
}
