//! A validated scenario, compiled for the interpreter: objects, variables and blocks resolved
//! to indices, every op tagged with its JSON path.

use super::types::{Assertion, ExpectFailure, ExploreHints, ObjectDecl, Variant};
use crate::model::Value;
use std::sync::Arc;

/// Index of an object in [`Program::objects`].
pub type ObjId = usize;
/// Index of an op in [`Program::op_paths`].
pub type OpId = usize;
/// Index of a thread-local variable in [`Program::vars`].
pub type VarId = usize;
/// Index of a block in [`Program::blocks`].
pub type BlockId = usize;

#[derive(Debug, Clone)]
pub struct ObjSpec {
    /// Shared, so ports can carry it into trace text without allocating.
    pub name: Arc<str>,
    pub decl: ObjectDecl,
    /// Zero value of the element (chan) or value (map) type.
    pub zero: Value,
}

#[derive(Debug, Clone)]
pub struct ThreadSpec {
    pub name: String,
    pub body: BlockId,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub id: OpId,
    pub kind: StmtKind,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    MapSet {
        m: ObjId,
        key: Value,
        value: Value,
    },
    MapGet {
        m: ObjId,
        key: Value,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    MapDelete {
        m: ObjId,
        key: Value,
    },
    MapClear {
        m: ObjId,
    },
    MapRange {
        m: ObjId,
        key: Option<VarId>,
        value: Option<VarId>,
        body: BlockId,
    },
    MapClone {
        m: ObjId,
        to: ObjId,
    },
    MapMake {
        m: ObjId,
    },
    MapLen {
        m: ObjId,
        into: VarId,
    },
    ChanLen {
        ch: ObjId,
        into: VarId,
    },
    Send {
        ch: ObjId,
        value: Value,
    },
    Recv {
        ch: ObjId,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    Close {
        ch: ObjId,
    },
    Lock {
        mu: ObjId,
    },
    Unlock {
        mu: ObjId,
    },
    RwLock {
        rw: ObjId,
    },
    RwUnlock {
        rw: ObjId,
    },
    RLock {
        rw: ObjId,
    },
    RUnlock {
        rw: ObjId,
    },
    WgAdd {
        wg: ObjId,
        delta: i64,
    },
    WgWait {
        wg: ObjId,
    },
    OnceDo {
        once: ObjId,
        body: BlockId,
    },
    Repeat {
        times: u64,
        body: BlockId,
    },
    Spawn {
        name: String,
        body: BlockId,
    },
    Select {
        cases: Vec<CaseSpec>,
        default: Option<BlockId>,
    },
    If {
        var: VarId,
        eq: Option<Value>,
        not: bool,
        then: BlockId,
        otherwise: BlockId,
    },
    Call {
        body: BlockId,
    },
    Defer {
        body: BlockId,
    },
    Recover {
        body: BlockId,
        into: Option<VarId>,
    },
    Panic {
        value: Value,
    },
    Let {
        var: VarId,
        value: Value,
    },
    Yield,
}

#[derive(Debug, Clone)]
pub enum CaseOp {
    Recv {
        ch: ObjId,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    Send {
        ch: ObjId,
        value: Value,
    },
}

#[derive(Debug, Clone)]
pub struct CaseSpec {
    pub op: CaseOp,
    pub body: BlockId,
}

/// A final-state assertion bound to its object.
#[derive(Debug, Clone)]
pub struct AssertSpec {
    pub obj: ObjId,
    pub assertion: Assertion,
    /// JSON path of the assertion, for messages.
    pub path: String,
}

/// What exploration must show.
#[derive(Debug, Clone)]
pub enum Expectation {
    Fails(ExpectFailure),
    Passes,
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Program {
    pub name: String,
    pub catalog: Option<String>,
    pub variant: Option<Variant>,
    pub description: Option<String>,
    pub objects: Vec<ObjSpec>,
    pub threads: Vec<ThreadSpec>,
    pub blocks: Vec<Vec<Stmt>>,
    pub op_paths: Vec<String>,
    pub vars: Vec<String>,
    pub expect: Expectation,
    pub final_state: Vec<AssertSpec>,
    pub hints: ExploreHints,
    /// The scenario file as parsed, embedded verbatim in reports.
    pub source: serde_json::Value,
    /// `sha256:<hex>` of the source's compact serialization.
    pub hash: String,
    /// The file it came from, as given (for reports, `report:<file>`).
    pub file: String,
}

impl Program {
    /// JSON path of an op, e.g. `$.threads.writer1[0]`.
    pub fn op_path(&self, id: OpId) -> &str {
        self.op_paths.get(id).map(String::as_str).unwrap_or("$")
    }
    /// Thread names that can appear in failures: top-level and spawned.
    pub fn thread_roles(&self) -> Vec<&str> {
        thread_roles(self.threads.iter().map(|t| t.name.as_str()), &self.blocks)
    }
}

/// The top-level thread names, then every name a `spawn` in `blocks` uses, without repeats.
pub(crate) fn thread_roles<'a>(
    top: impl Iterator<Item = &'a str>,
    blocks: &'a [Vec<Stmt>],
) -> Vec<&'a str> {
    let mut names: Vec<&str> = top.collect();
    for stmt in blocks.iter().flatten() {
        if let StmtKind::Spawn { name, .. } = &stmt.kind {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    names
}
