//! Validated fault rules, and what they match an op by.

use super::program::{ObjId, OpId};
use super::types::FaultKind;
use crate::base::Value;

/// What fault rules and oracles know of an op (`obj` only in scenarios with fault rules).
#[derive(Debug, Clone)]
pub struct OpMeta {
    pub name: &'static str,
    pub obj: Option<ObjId>,
}

/// A validated fault rule.
#[derive(Debug, Clone)]
pub struct FaultSpec {
    pub kind: FaultKind,
    /// Thread role filter.
    pub thread: Option<String>,
    pub op: Option<&'static str>,
    /// The object filter (for `spurious-wakeup`, the object waited on).
    pub obj: Option<ObjId>,
    pub path: Option<OpId>,
    pub step: u64,
    /// Probability per matching place; `None` is certain (in mode `on`).
    pub p: Option<f64>,
    pub times: u32,
    pub action: FaultAction,
    /// JSON path of the rule, `$.faults[i]`.
    pub rule_path: String,
    /// Ops of the scenario the rule matches (0 for `spurious-wakeup`, which matches waiters).
    pub sites: u32,
}

/// What a rule does when it fires, resolved.
#[derive(Debug, Clone)]
pub enum FaultAction {
    Panic(Value),
    Kill,
    Preempt,
    Delay(i64),
    Cancel(ObjId),
    Close(ObjId),
    SpuriousWakeup,
    /// Skews in ns: negative is earlier.
    ClockSkew {
        early: i64,
        late: i64,
    },
}

impl FaultSpec {
    /// Whether the rule's op filters accept op `id` (thread and step are checked at runtime).
    pub fn matches_op(&self, id: OpId, meta: &OpMeta) -> bool {
        self.path.is_none_or(|p| p == id)
            && self.op.is_none_or(|o| o == meta.name)
            && (self.kind == FaultKind::SpuriousWakeup
                || self.obj.is_none_or(|o| Some(o) == meta.obj))
    }
}
