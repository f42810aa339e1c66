//! Validation of `faults`: every rule must be able to fire somewhere in the scenario, with the
//! fields its kind uses and no others.

use super::{Compiler, R};
use crate::base::{ObjKind as K, Value};
use crate::scenario::positions::member;
use crate::scenario::program::{thread_roles, BlockId, Setup, StmtKind, ThreadSpec};
use crate::scenario::rules::{FaultAction, FaultSpec, OpMeta};
use crate::scenario::types::{FaultKind, FaultRule, Op};
use crate::scenario::CaseOp;
use std::collections::{HashMap, HashSet};

/// Every op name, as scenarios spell it.
pub(crate) const OP_NAMES: &[&str] = Op::NAMES;

/// Ops that only steer the interpreter: no scheduling point, so no fault fires before them.
pub(crate) const CONTROL_OPS: &[&str] = &[
    "repeat", "if", "call", "defer", "recover", "let", "assert", "for", "break", "continue",
    "return",
];

/// Default value of an injected panic.
pub(crate) const INJECTED_PANIC: &str = "hazard: injected panic";

impl Compiler<'_> {
    /// The name and object of each op, by op id.
    pub(super) fn op_meta(&self, op: &crate::scenario::types::Op) -> OpMeta {
        let name = op.name();
        // The object an op names is its `obj` field, whatever the op. Only fault rules match
        // on it, and reading it serializes the op (its nested bodies too): only then.
        let obj = self
            .with_faults
            .then(|| serde_json::to_value(op).unwrap_or_default())
            .and_then(|v| {
                v.get("obj")
                    .and_then(|o| o.as_str())
                    .and_then(|o| self.objs.get(o).copied())
            });
        OpMeta { name, obj }
    }

    /// The thread names each op can run as: its top-level thread, the spawn or callback whose
    /// body holds it, and through `call`s every thread that calls its proc.
    fn op_roles(&self, threads: &[ThreadSpec]) -> HashMap<usize, HashSet<String>> {
        let mut out: HashMap<usize, HashSet<String>> = HashMap::new();
        let mut seen: HashSet<(BlockId, String)> = HashSet::new();
        let mut stack: Vec<(BlockId, String)> =
            threads.iter().map(|t| (t.body, t.name.clone())).collect();
        while let Some((b, role)) = stack.pop() {
            if !seen.insert((b, role.clone())) {
                continue;
            }
            for s in &self.blocks[b] {
                out.entry(s.id).or_default().insert(role.clone());
                for (body, new) in s.kind.bodies() {
                    stack.push((body, new.map_or_else(|| role.clone(), str::to_string)));
                }
            }
        }
        out
    }

    pub(super) fn faults(
        &mut self,
        rules: &[FaultRule],
        top: &[String],
        threads: &[ThreadSpec],
        meta: &[OpMeta],
    ) -> R<Vec<FaultSpec>> {
        let roles_of = self.op_roles(threads);
        let stmts: Vec<(usize, &StmtKind)> = self
            .blocks
            .iter()
            .flatten()
            .map(|s| (s.id, &s.kind))
            .collect();
        let roles: Vec<String> = thread_roles(top.iter().map(String::as_str), &self.blocks)
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let path = format!("$.faults[{i}]");
            let at = |f: &str| member(&path, f);
            let kind = r.fault;
            // Fields that belong to one kind only.
            let own: [(&str, bool, FaultKind); 6] = [
                ("value", r.value.is_some(), FaultKind::Panic),
                ("for", r.duration.is_some(), FaultKind::Delay),
                ("ctx", r.ctx.is_some(), FaultKind::Cancel),
                ("chan", r.chan.is_some(), FaultKind::Close),
                ("early", r.early.is_some(), FaultKind::ClockSkew),
                ("late", r.late.is_some(), FaultKind::ClockSkew),
            ];
            for (field, given, owner) in own {
                if given && kind != owner {
                    return Err(self.err(
                        &at(field),
                        format!(
                            "`{field}` belongs to `{}` rules, not `{}`",
                            owner.name(),
                            kind.name()
                        ),
                    ));
                }
            }
            if let Some(p) = r.p {
                if !(p > 0.0 && p <= 1.0) {
                    return Err(self.err(&at("p"), format!("p must be in (0, 1], got {p}")));
                }
            }
            if r.times == Some(0) {
                return Err(self.err(&at("times"), "times must be at least 1"));
            }
            if let Some(t) = &r.thread {
                if !roles.iter().any(|x| x == t) {
                    return Err(self.err(
                        &at("thread"),
                        format!("no thread is named `{t}` (threads: {})", roles.join(", ")),
                    ));
                }
            }
            let op = match &r.op {
                None => None,
                Some(o) => match OP_NAMES.iter().find(|k| **k == o.as_str()) {
                    Some(k) if CONTROL_OPS.contains(k) => {
                        return Err(self.err(
                            &at("op"),
                            format!("`{o}` only steers the thread: no fault fires before it"),
                        ))
                    }
                    Some(k) => Some(*k),
                    None => return Err(self.err(&at("op"), format!("unknown op `{o}`"))),
                },
            };
            let obj = match &r.obj {
                None => None,
                Some(o) => match self.objs.get(o.as_str()) {
                    Some(&id) => Some(id),
                    None => return Err(self.err(&at("obj"), format!("unknown object `{o}`"))),
                },
            };
            let op_path = match &r.path {
                None => None,
                Some(p) => match self.op_paths.iter().position(|x| x == p) {
                    Some(id) => Some(id),
                    None => {
                        return Err(self.err(&at("path"), format!("no op is at `{p}`")));
                    }
                },
            };
            let action = match kind {
                FaultKind::Panic => FaultAction::Panic(
                    r.value
                        .clone()
                        .unwrap_or_else(|| Value::Str(INJECTED_PANIC.into())),
                ),
                FaultKind::Kill => FaultAction::Kill,
                FaultKind::Preempt => FaultAction::Preempt,
                FaultKind::Delay => {
                    let Some(d) = &r.duration else {
                        return Err(self.err(&path, "a delay needs `for`: how long, e.g. \"20ms\""));
                    };
                    let ns = self.dur(d, &at("for"))?;
                    self.uses_time = true;
                    FaultAction::Delay(ns)
                }
                FaultKind::Cancel => {
                    let Some(c) = &r.ctx else {
                        return Err(self.err(&path, "a cancel needs `ctx`: the context cancelled"));
                    };
                    let o = self.other(c, &path, "ctx", &[K::Context])?;
                    let derived = matches!(
                        self.setups[o],
                        Setup::Context {
                            parent: Some(_),
                            ..
                        }
                    ) || stmts
                        .iter()
                        .any(|(_, k)| matches!(k, StmtKind::WithCancel { ctx, .. } if *ctx == o));
                    if !derived {
                        return Err(self.err(
                            &at("ctx"),
                            format!("`{c}` is never derived with a cancel function (declare it with `parent`, or make it with with_cancel or with_timeout)"),
                        ));
                    }
                    FaultAction::Cancel(o)
                }
                FaultKind::Close => {
                    let Some(c) = &r.chan else {
                        return Err(self.err(&path, "a close needs `chan`: the channel closed"));
                    };
                    FaultAction::Close(self.other(c, &path, "chan", &[K::Chan])?)
                }
                FaultKind::SpuriousWakeup => {
                    let Some(o) = obj else {
                        return Err(self.err(
                            &path,
                            "a spurious-wakeup needs `obj`: the mutex, rwmutex, waitgroup, once or cond waited on, or a channel a select waits on",
                        ));
                    };
                    for (field, given) in [("op", r.op.is_some()), ("path", r.path.is_some())] {
                        if given {
                            return Err(self.err(
                                &at(field),
                                "a spurious-wakeup picks its waiter by `obj` and `thread`",
                            ));
                        }
                    }
                    let k = self.kind_of(o);
                    let selected = stmts.iter().any(|(_, s)| match s {
                        StmtKind::Select { cases, .. } => cases.iter().any(|c| {
                            matches!(c.op, CaseOp::Recv { ch, .. } | CaseOp::Send { ch, .. } if ch == o)
                        }),
                        _ => false,
                    });
                    let waits = [K::Mutex, K::Rwmutex, K::Waitgroup, K::Once, K::Cond].contains(&k)
                        || (k == K::Chan && selected);
                    if !waits {
                        let why = match k {
                            K::Chan => "no select has a case on it, and a goroutine blocked in a send or receive is woken only when it completes: Go has no spurious wakeups there",
                            K::Timer | K::Context => "a goroutine blocked on its channel is woken only when the operation completes: Go has no spurious wakeups there",
                            _ => "nothing waits on it",
                        };
                        return Err(self.err(
                            &at("obj"),
                            format!(
                                "cannot wake a waiter of `{}` (a {k}): {why}",
                                r.obj.as_deref().unwrap_or("")
                            ),
                        ));
                    }
                    FaultAction::SpuriousWakeup
                }
                FaultKind::ClockSkew => {
                    if r.early.is_none() && r.late.is_none() {
                        return Err(self.err(
                            &path,
                            "a clock-skew needs `early` or `late` (or both): a duration",
                        ));
                    }
                    let d = |c: &Self, v: &Option<String>, f: &str| -> R<i64> {
                        v.as_ref().map_or(Ok(0), |t| c.dur(t, &at(f)))
                    };
                    FaultAction::ClockSkew {
                        early: d(self, &r.early, "early")?,
                        late: d(self, &r.late, "late")?,
                    }
                }
            };
            let mut spec = FaultSpec {
                kind,
                thread: r.thread.clone(),
                op,
                obj,
                path: op_path,
                step: r.step.unwrap_or(0),
                p: r.p,
                times: r.times.unwrap_or(1),
                action,
                rule_path: path.clone(),
                sites: 0,
            };
            if kind != FaultKind::SpuriousWakeup {
                let sites: Vec<&(usize, &StmtKind)> = stmts
                    .iter()
                    .filter(|(id, _)| {
                        !CONTROL_OPS.contains(&meta[*id].name) && spec.matches_op(*id, &meta[*id])
                    })
                    .collect();
                spec.sites = sites.len() as u32;
                if sites.is_empty() {
                    return Err(self.err(
                        &path,
                        "the rule matches no op of the scenario (check `op`, `obj` and `path`)",
                    ));
                }
                // Each filter exists; they must also meet: the thread must run a matching op.
                if let Some(t) = &r.thread {
                    let runs = |id: usize| roles_of.get(&id).is_some_and(|rs| rs.contains(t));
                    if !sites.iter().any(|(id, _)| runs(*id)) {
                        let ops: Vec<&str> = sites
                            .iter()
                            .take(3)
                            .map(|(id, _)| self.op_paths[*id].as_str())
                            .collect();
                        return Err(self.err(
                            &at("thread"),
                            format!(
                                "thread `{t}` never runs an op the rule matches (it matches {}{}): the rule could never fire",
                                ops.join(", "),
                                if sites.len() > 3 { ", ..." } else { "" }
                            ),
                        ));
                    }
                }
                if kind == FaultKind::ClockSkew && !sites.iter().any(|(_, k)| k.starts_timer()) {
                    return Err(self.err(
                        &path,
                        "clock-skew matches no op that starts a timer (sleep, new_timer, after_func with `after`, reset, with_timeout, a select with an `after` case)",
                    ));
                }
            }
            out.push(spec);
        }
        Ok(out)
    }
}
