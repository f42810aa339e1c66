//! Scenario minimization: candidate edits, each kept when the reduced scenario validates and a
//! bounded DFS still finds the same failure.
//!
//! An edit is one change (drop a thread, a fault rule, an op, a select case, an object
//! parameter, an unused object or proc, a final assertion; lower a `repeat` count, an `add` delta or an object's
//! number) or a *pair* of changes made together, for what only goes two at a time:
//!
//! * two ops on the same lock in the same thread or proc: `lock` with `unlock`, `rlock` with
//!   `runlock` (wherever the second one is, a `defer` body included);
//! * a WaitGroup `add` with a `wait` on it in the same thread or proc, or with something that
//!   does a `done` on it anywhere (the `done` op, or a `spawn` whose body, through its calls,
//!   does one): both dropped, or, when the delta is more than 1, the carrier dropped and the
//!   delta lowered by one;
//! * a `send` with a `recv` on the same channel, anywhere.
//!
//! Pairs are only formed on one object, and with at most [`PAIRS_PER_OP`] partners of each
//! op (the nearest), so they stay few. The candidates are tried in a fixed
//! order (threads; ops, from the back of each list; pairs; numbers; object parameters; final
//! assertions; objects; procs), cyclically: after a kept edit the candidates of the reduced
//! scenario are tried from the same position on, wrapping around, until every candidate of
//! the current scenario has failed once (a fixpoint: an edit that only applies after a later
//! one still gets its turn) or the budget runs out.
//!
//! A reduction must not turn a race into a certainty: when some interleaving of the original
//! scenario passes, an edit is kept only if some interleaving of the reduced scenario still
//! passes too. Without this, dropping the thread whose write an assertion checks would "keep"
//! an assertion failure that no longer has anything to do with the interleaving.
//!
//! Op paths in the signature are renumbered as elements before them are dropped, so the
//! signature still names the same op; an edit that would drop the failing op (or something
//! containing it) is never tried. The two elements of a pair are dropped last one first (by
//! path), so dropping one never moves the other. A shadow tree of the original paths follows
//! the edits, so what was dropped is reported as paths of the original scenario, one entry per
//! change (a pair gives two).

use super::{Budget, MinimizeError};
use crate::base::FailureKind;
use crate::explore::{run_guided, search_dfs, search_pct, Decision, PointKey, Schedule, Signature};
use crate::scenario::{load_value, Program};
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// Most executions one candidate edit may cost.
const PER_EDIT: u64 = 3_000;
/// PCT's bug depth and seed when DFS cannot exhaust a bound (see [`reproduce`]).
const PCT_DEPTH: usize = 4;
const PCT_SEED: u64 = 0x5eed;
/// Preemption bound of the search for a passing interleaving.
const PASS_BOUND: usize = 2;
/// A candidate's failing run may take this many times the steps of the current one (and at
/// least [`CAP_FLOOR`]) before it counts as not reproduced: a reduced scenario that fails
/// at all fails about as soon, while one that lost the failure often loops until
/// `max_steps` (a `for` with no exit left), which would spend the budget on a few
/// candidates. Livelocks are exempt: reaching `max_steps` is their failure. The same cap
/// bounds the search for a passing interleaving of a candidate.
const CAP_FACTOR: u64 = 4;
const CAP_FLOOR: u64 = 256;
/// Most pair edits formed with one op (its nearest partners).
const PAIRS_PER_OP: usize = 8;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Idx(usize),
}

/// A path segment as the validator writes it (`.name`, `["odd name"]`, `[3]`).
fn child(path: &str, seg: &Seg) -> String {
    match seg {
        Seg::Idx(i) => format!("{path}[{i}]"),
        Seg::Key(k) => crate::scenario::member(path, k),
    }
}

fn path_of(segs: &[Seg]) -> String {
    segs.iter().fold("$".to_string(), |p, s| child(&p, s))
}

/// One change to the scenario.
#[derive(Debug, Clone)]
enum Change {
    /// Drop the node at the path.
    Remove(Vec<Seg>),
    /// Set the number at the path.
    SetInt(Vec<Seg>, u64),
}

impl Change {
    fn segs(&self) -> &[Seg] {
        match self {
            Change::Remove(s) | Change::SetInt(s, _) => s,
        }
    }
}

/// One candidate reduction: one change, or two made together (a pair).
#[derive(Debug, Clone)]
struct Edit(Vec<Change>);

impl Edit {
    fn remove(segs: Vec<Seg>) -> Edit {
        Edit(vec![Change::Remove(segs)])
    }
    fn set_int(segs: Vec<Seg>, n: u64) -> Edit {
        Edit(vec![Change::SetInt(segs, n)])
    }
    /// The paths this edit drops, last first: dropping one never moves those after it.
    fn removals(&self) -> Vec<&[Seg]> {
        let mut out: Vec<&[Seg]> = self
            .0
            .iter()
            .filter_map(|c| match c {
                Change::Remove(s) => Some(s.as_slice()),
                Change::SetInt(..) => None,
            })
            .collect();
        out.sort_by(|a, b| cmp_segs(b, a));
        out
    }
}

/// Document order of two paths (array indices by number; a node before what it contains).
fn cmp_segs(a: &[Seg], b: &[Seg]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Seg::Idx(i), Seg::Idx(j)) => i.cmp(j),
            (Seg::Key(k), Seg::Key(l)) => k.cmp(l),
            (Seg::Key(_), Seg::Idx(_)) => Ordering::Less,
            (Seg::Idx(_), Seg::Key(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// Whether the node at `inner` is the node at `outer` or inside it.
fn within(inner: &[Seg], outer: &[Seg]) -> bool {
    inner.starts_with(outer)
}

/// The original path of every node, shaped like the scenario it follows.
#[derive(Debug, Clone)]
struct Shadow {
    path: String,
    kids: Kids,
}

#[derive(Debug, Clone)]
enum Kids {
    Obj(Vec<(String, Shadow)>),
    Arr(Vec<Shadow>),
    Leaf,
}

impl Shadow {
    fn of(v: &Value, path: String) -> Shadow {
        let kids = match v {
            Value::Object(m) => Kids::Obj(
                m.iter()
                    .map(|(k, v)| (k.clone(), Shadow::of(v, child(&path, &Seg::Key(k.clone())))))
                    .collect(),
            ),
            Value::Array(a) => Kids::Arr(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| Shadow::of(v, child(&path, &Seg::Idx(i))))
                    .collect(),
            ),
            _ => Kids::Leaf,
        };
        Shadow { path, kids }
    }

    fn at(&self, segs: &[Seg]) -> Option<&Shadow> {
        let Some((first, rest)) = segs.split_first() else {
            return Some(self);
        };
        let next = match (&self.kids, first) {
            (Kids::Obj(m), Seg::Key(k)) => m.iter().find(|(n, _)| n == k).map(|(_, s)| s),
            (Kids::Arr(a), Seg::Idx(i)) => a.get(*i),
            _ => None,
        }?;
        next.at(rest)
    }

    fn remove(&mut self, segs: &[Seg]) {
        let Some((last, parent)) = segs.split_last() else {
            return;
        };
        let mut node = self;
        for s in parent {
            node = match (&mut node.kids, s) {
                (Kids::Obj(m), Seg::Key(k)) => match m.iter_mut().find(|(n, _)| n == k) {
                    Some((_, s)) => s,
                    None => return,
                },
                (Kids::Arr(a), Seg::Idx(i)) => match a.get_mut(*i) {
                    Some(s) => s,
                    None => return,
                },
                _ => return,
            };
        }
        match (&mut node.kids, last) {
            (Kids::Obj(m), Seg::Key(k)) => m.retain(|(n, _)| n != k),
            (Kids::Arr(a), Seg::Idx(i)) if *i < a.len() => {
                a.remove(*i);
            }
            _ => {}
        }
    }
}

fn get<'a>(v: &'a Value, segs: &[Seg]) -> Option<&'a Value> {
    segs.iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get(k),
        Seg::Idx(i) => v.get(i),
    })
}

fn get_mut<'a>(v: &'a mut Value, segs: &[Seg]) -> Option<&'a mut Value> {
    segs.iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get_mut(k),
        Seg::Idx(i) => v.get_mut(i),
    })
}

/// The scenario with `edit` applied, if it applies: numbers are set first, then the nodes
/// are dropped last first. `None` when a change falls inside a node the edit drops.
fn apply(v: &Value, edit: &Edit) -> Option<Value> {
    let removals = edit.removals();
    for c in &edit.0 {
        let inside = removals
            .iter()
            .any(|r| !std::ptr::eq(*r, c.segs()) && within(c.segs(), r));
        if inside {
            return None;
        }
    }
    let mut out = v.clone();
    for c in &edit.0 {
        if let Change::SetInt(segs, n) = c {
            let at = get_mut(&mut out, segs)?;
            if !at.is_u64() {
                return None;
            }
            *at = Value::from(*n);
        }
    }
    for segs in removals {
        fault_paths(&mut out, &path_of(segs))?;
        let (last, parent) = segs.split_last()?;
        match (get_mut(&mut out, parent)?, last) {
            (Value::Object(m), Seg::Key(k)) => {
                m.shift_remove(k)?;
            }
            (Value::Array(a), Seg::Idx(i)) if *i < a.len() => {
                a.remove(*i);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Renumber the `path` of the fault rules for the removal of the node at `removed`; `None`
/// when that drops the op a rule names (the rule would no longer apply: drop the rule first).
fn fault_paths(v: &mut Value, removed: &str) -> Option<()> {
    let Some(rules) = v.get_mut("faults").and_then(Value::as_array_mut) else {
        return Some(());
    };
    for r in rules {
        if let Some(Value::String(p)) = r.get_mut("path") {
            *p = map_path(p, removed)?;
        }
    }
    Some(())
}

fn is_list_of(a: &[Value], field: &str) -> bool {
    !a.is_empty() && a.iter().all(|e| e.get(field).is_some())
}

/// Every op list and select-case list under `v`, with their paths (depth first).
fn lists(v: &Value, at: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, usize, bool)>) {
    match v {
        Value::Array(a) => {
            if is_list_of(a, "op") {
                out.push((at.clone(), a.len(), false));
            } else if is_list_of(a, "case") {
                out.push((at.clone(), a.len(), true));
            }
            for (i, e) in a.iter().enumerate() {
                at.push(Seg::Idx(i));
                lists(e, at, out);
                at.pop();
            }
        }
        Value::Object(m) => {
            for (k, e) in m {
                at.push(Seg::Key(k.clone()));
                lists(e, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// Lowered values to try for a number `n`, from `candidates`, each once.
fn lower(n: u64, candidates: &[u64], least: u64) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for &m in candidates {
        if m >= least && m < n && !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// An op of the scenario: its path, its fields, and the thread or proc it is written in.
struct OpAt<'a> {
    path: Vec<Seg>,
    op: &'a Map<String, Value>,
}

impl OpAt<'_> {
    fn name(&self) -> &str {
        self.op.get("op").and_then(Value::as_str).unwrap_or("")
    }
    fn obj(&self) -> Option<&str> {
        self.op.get("obj").and_then(Value::as_str)
    }
    /// `threads.<name>` or `procs.<name>`.
    fn home(&self) -> &[Seg] {
        &self.path[..self.path.len().min(2)]
    }
}

/// Whether running `v` (an op, a body, ...) does a `done` on the WaitGroup `wg`, following
/// `call`s into `procs`.
fn does_done(v: &Value, wg: &str, procs: Option<&Map<String, Value>>, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match v {
        Value::Array(a) => a.iter().any(|e| does_done(e, wg, procs, depth + 1)),
        Value::Object(m) => {
            let op = m.get("op").and_then(Value::as_str);
            if op == Some("done") && m.get("obj").and_then(Value::as_str) == Some(wg) {
                return true;
            }
            if op == Some("call") {
                let body = m
                    .get("proc")
                    .and_then(Value::as_str)
                    .and_then(|p| procs?.get(p));
                if body.is_some_and(|b| does_done(b, wg, procs, depth + 1)) {
                    return true;
                }
            }
            m.values().any(|e| does_done(e, wg, procs, depth + 1))
        }
        _ => false,
    }
}

/// Pair edits: two ops on one object that only go together (see the module docs).
fn pairs(v: &Value, ops: &[OpAt]) -> Vec<Edit> {
    let procs = v.get("procs").and_then(Value::as_object);
    let mut out = Vec::new();
    let both = |a: &OpAt, b: &OpAt| {
        Edit(vec![
            Change::Remove(a.path.clone()),
            Change::Remove(b.path.clone()),
        ])
    };
    for (i, a) in ops.iter().enumerate() {
        let Some(obj) = a.obj() else {
            continue;
        };
        // Partners on the same object: those listed after `a` first, nearest first, then
        // those before it.
        let after = ops[i + 1..].iter();
        let before = ops[..i].iter().rev();
        let partners = after
            .chain(before)
            .filter(|b| b.obj() == Some(obj) || b.name() == "spawn")
            .filter(|b| !within(&a.path, &b.path) && !within(&b.path, &a.path));
        let first = out.len();
        for b in partners {
            if out.len() - first == PAIRS_PER_OP {
                break;
            }
            let same_obj = b.obj() == Some(obj);
            let same_home = a.home() == b.home();
            match (a.name(), b.name()) {
                ("lock", "unlock") | ("rlock", "runlock") | ("add", "wait")
                    if same_obj && same_home =>
                {
                    out.push(both(a, b))
                }
                ("send", "recv") if same_obj => out.push(both(a, b)),
                ("add", carrier)
                    if (carrier == "done" && same_obj)
                        || (carrier == "spawn"
                            && b.op
                                .get("body")
                                .is_some_and(|x| does_done(x, obj, procs, 0))) =>
                {
                    match a.op.get("delta").and_then(Value::as_i64) {
                        Some(1) => out.push(both(a, b)),
                        Some(d) if d > 1 => {
                            let mut delta = a.path.clone();
                            delta.push(key("delta"));
                            out.push(Edit(vec![
                                Change::SetInt(delta, d as u64 - 1),
                                Change::Remove(b.path.clone()),
                            ]));
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Dropping a proc's parameter together with the argument every call passes it (from the
/// last parameter, so the others keep their positions).
fn params(v: &Value, ops: &[OpAt]) -> Vec<Edit> {
    let mut out = Vec::new();
    let Some(procs) = v.get("procs").and_then(Value::as_object) else {
        return out;
    };
    for (name, decl) in procs {
        let n = decl
            .get("params")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let calls: Vec<&OpAt> = ops
            .iter()
            .filter(|o| {
                o.name() == "call" && o.op.get("proc").and_then(Value::as_str) == Some(name)
            })
            .collect();
        for i in (0..n).rev() {
            let mut changes = vec![Change::Remove(vec![
                key("procs"),
                key(name),
                key("params"),
                Seg::Idx(i),
            ])];
            for c in &calls {
                if c.op
                    .get("args")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.len() > i)
                {
                    let mut at = c.path.clone();
                    at.extend([key("args"), Seg::Idx(i)]);
                    changes.push(Change::Remove(at));
                }
            }
            out.push(Edit(changes));
        }
    }
    out
}

/// Candidate edits, biggest first.
fn edits(v: &Value) -> Vec<Edit> {
    let mut out = Vec::new();
    let names = |field: &str| -> Vec<String> {
        v.get(field)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    for t in names("threads") {
        out.push(Edit::remove(vec![key("threads"), key(&t)]));
    }
    // Fault rules: the fewest a failure needs.
    if let Some(n) = v.get("faults").and_then(Value::as_array) {
        for i in (0..n.len()).rev() {
            out.push(Edit::remove(vec![key("faults"), Seg::Idx(i)]));
        }
    }
    let mut found = Vec::new();
    for top in ["threads", "procs"] {
        if let Some(x) = v.get(top) {
            let mut at = vec![key(top)];
            lists(x, &mut at, &mut found);
        }
    }
    let mut ops = Vec::new();
    for (path, len, cases) in &found {
        if *cases {
            continue;
        }
        for i in 0..*len {
            let mut p = path.clone();
            p.push(Seg::Idx(i));
            if let Some(Value::Object(op)) = get(v, &p) {
                ops.push(OpAt { path: p, op });
            }
        }
    }
    // Loop counts, deltas and integer variables, before single ops: lowering a pool size
    // (`repeat 100`, or `let workers = 100` that a `repeat` reads) drops a hundred threads
    // in one edit.
    for o in &ops {
        let (field, tries, least): (_, &[u64], _) = match o.name() {
            "repeat" => ("times", &[1], 1),
            "add" => ("delta", &[1], 1),
            "let" => ("value", &[0, 1, 2], 0),
            _ => continue,
        };
        if let Some(n) = o.op.get(field).and_then(Value::as_u64) {
            let mut p = o.path.clone();
            p.push(key(field));
            let tries: Vec<u64> = tries.iter().copied().chain([n / 2]).collect();
            for m in lower(n, &tries, least) {
                out.push(Edit::set_int(p.clone(), m));
            }
        }
    }
    // Ops from the back: what follows the failure usually goes first and cheaply.
    for (path, len, cases) in &found {
        if *cases && *len < 2 {
            continue;
        }
        for i in (0..*len).rev() {
            let mut p = path.clone();
            p.push(Seg::Idx(i));
            out.push(Edit::remove(p));
        }
    }
    out.extend(pairs(v, &ops));
    out.extend(params(v, &ops));
    // Object parameters: smaller numbers, fewer initial entries or elements.
    if let Some(objs) = v.get("objects").and_then(Value::as_object) {
        for (name, decl) in objs {
            let Some(fields) = decl.as_object() else {
                continue;
            };
            for (f, val) in fields {
                let p = vec![key("objects"), key(name), key(f)];
                match val {
                    Value::Number(n) => {
                        if let Some(n) = n.as_u64() {
                            for m in lower(n, &[0, 1, n / 2], 0) {
                                out.push(Edit::set_int(p.clone(), m));
                            }
                        }
                    }
                    Value::Object(m) => {
                        for k in m.keys() {
                            let mut q = p.clone();
                            q.push(key(k));
                            out.push(Edit::remove(q));
                        }
                    }
                    Value::Array(a) => {
                        for i in (0..a.len()).rev() {
                            let mut q = p.clone();
                            q.push(Seg::Idx(i));
                            out.push(Edit::remove(q));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(n) = get(v, &[key("expect"), key("final")]).and_then(Value::as_array) {
        for i in (0..n.len()).rev() {
            out.push(Edit::remove(vec![key("expect"), key("final"), Seg::Idx(i)]));
        }
    }
    for o in names("objects") {
        out.push(Edit::remove(vec![key("objects"), key(&o)]));
    }
    for p in names("procs") {
        out.push(Edit::remove(vec![key("procs"), key(&p)]));
    }
    out
}

/// Where `path` (an op or assertion path) is after removing the node at `removed`: `None` if
/// that drops it (it is the node or inside it), renumbered if it follows it in the same array.
pub fn map_path(path: &str, removed: &str) -> Option<String> {
    let inside = |p: &str| {
        p == removed
            || p.strip_prefix(removed)
                .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
    };
    if inside(path) {
        return None;
    }
    // `removed` is `<array>[i]` when an element is dropped.
    let Some((array, idx)) = removed
        .strip_suffix(']')
        .and_then(|r| r.rsplit_once('['))
        .and_then(|(a, i)| Some((a, i.parse::<usize>().ok()?)))
    else {
        return Some(path.to_string());
    };
    let prefix = format!("{array}[");
    let Some(rest) = path.strip_prefix(&prefix) else {
        return Some(path.to_string());
    };
    let Some((num, tail)) = rest.split_once(']') else {
        return Some(path.to_string());
    };
    match num.parse::<usize>() {
        Ok(j) if j > idx => Some(format!("{prefix}{}]{tail}", j - 1)),
        _ => Some(path.to_string()),
    }
}

/// The signature after removing the node at `removed`, or `None` if that drops the failing op.
fn map_signature(sig: &Signature, removed: &str) -> Option<Signature> {
    let mut out = sig.clone();
    if let Some(op) = &sig.op {
        let new = map_path(op, removed)?;
        // Assertion messages end with their own path.
        out.message = sig.message.replace(&format!("({op})"), &format!("({new})"));
        out.op = Some(new);
    }
    Some(out)
}

/// Reduce the scenario while `sig` still reproduces within `bound` preemptions. Returns the
/// reduced program and source, what was removed (original paths), the renumbered signature,
/// and a schedule producing it.
#[allow(clippy::type_complexity)]
pub(crate) fn minimize_scenario(
    prog: &Arc<Program>,
    sig: &Signature,
    schedule: &Schedule,
    bound: usize,
    steps: u64,
    max_steps: u64,
    budget: &mut Budget,
) -> Result<(Arc<Program>, Value, Vec<String>, Signature, Schedule), MinimizeError> {
    let cap = step_cap(sig, steps, max_steps);
    let mut cur = prog.source.clone();
    let mut shadow = Shadow::of(&cur, "$".into());
    let mut cur_prog = Arc::clone(prog);
    let mut cur_sig = sig.clone();
    let mut cur_sched = schedule.clone();
    // The current schedule's deviations, computed when a candidate first needs them.
    let mut cur_devs: Option<Devs> = None;
    let mut bound = bound;
    let mut removed = Vec::new();
    let racy = passes_somewhere(prog, max_steps, budget)?;
    let mut cands = edits(&cur);
    // Candidates are tried cyclically; `failed` counts those of the current scenario that
    // failed in a row: when all have, no single candidate reduces it any more.
    let (mut at, mut failed) = (0, 0);
    while failed < cands.len() && budget.left() > 0 {
        let i = at % cands.len();
        at = i + 1;
        let edit = &cands[i];
        let Some(new_sig) = edit
            .removals()
            .into_iter()
            .try_fold(cur_sig.clone(), |s, segs| map_signature(&s, &path_of(segs)))
        else {
            failed += 1;
            continue;
        };
        let Some(next) = apply(&cur, edit) else {
            failed += 1;
            continue;
        };
        let Ok(p) = load_value(&next, &prog.file) else {
            failed += 1;
            continue;
        };
        let p = Arc::new(p);
        let mut devs = |budget: &mut Budget| -> Result<Devs, MinimizeError> {
            if cur_devs.is_none() {
                cur_devs = Some(deviations(&cur_prog, &cur_sched, max_steps, budget)?);
            }
            Ok(cur_devs.clone().unwrap_or_default())
        };
        let Some((sched, b)) = reproduce(&p, &new_sig, bound, cap, budget, &mut devs)? else {
            failed += 1;
            continue;
        };
        if racy && !passes_somewhere(&p, cap, budget)? {
            failed += 1;
            continue;
        }
        // Kept: report each change by its original path, then drop the nodes from the
        // shadow tree, last first as `apply` did.
        for c in &edit.0 {
            let segs = c.segs();
            let orig = shadow
                .at(segs)
                .map(|s| s.path.clone())
                .unwrap_or_else(|| path_of(segs));
            match c {
                Change::Remove(_) => removed.push(orig),
                Change::SetInt(_, n) => {
                    let old = get(&cur, segs).cloned().unwrap_or(Value::Null);
                    removed.push(format!("{orig}: {old} -> {n}"));
                }
            }
        }
        for segs in edit.removals() {
            shadow.remove(segs);
        }
        cur = next;
        cur_prog = p;
        cur_sig = new_sig;
        cur_sched = sched;
        cur_devs = None;
        bound = b;
        // Go on from the same position in the reduced scenario's candidates: those before it
        // failed a moment ago, and get their turn again after the ones that follow.
        cands = edits(&cur);
        at = i;
        failed = 0;
    }
    Ok((cur_prog, cur, removed, cur_sig, cur_sched))
}

/// The step bound under which candidates must reproduce `sig` (see [`CAP_FACTOR`]).
fn step_cap(sig: &Signature, steps: u64, max_steps: u64) -> u64 {
    if sig.kind == FailureKind::Livelock {
        max_steps
    } else {
        steps
            .saturating_mul(CAP_FACTOR)
            .max(CAP_FLOOR)
            .min(max_steps)
    }
}

/// Whether some interleaving (within [`PASS_BOUND`] preemptions) passes. Under a step cap
/// below the scenario's own bound, an interleaving that would pass only later counts as not
/// passing, which only keeps a candidate out.
fn passes_somewhere(
    prog: &Arc<Program>,
    max_steps: u64,
    budget: &mut Budget,
) -> Result<bool, MinimizeError> {
    let left = budget.left().min(PER_EDIT);
    let r = search_dfs(prog, PASS_BOUND, left, budget.deadline(), max_steps, |s| {
        s.is_none()
    })?;
    budget.spend(r.executions);
    Ok(r.found.is_some())
}

/// Bounded DFS (bounds 0..=bound) for `sig`; the schedule and its preemption bound. When a
/// bound is too large to exhaust (many threads), two cheaper tries follow, and what they find
/// counts if it needs no more than `bound` preemptions: one run guided by the current
/// schedule's deviations (`devs`; a reduction that leaves most threads alone keeps most of
/// them meaningful), then PCT with as many executions again as DFS had.
fn reproduce(
    prog: &Arc<Program>,
    sig: &Signature,
    bound: usize,
    max_steps: u64,
    budget: &mut Budget,
    devs: &mut dyn FnMut(&mut Budget) -> Result<Devs, MinimizeError>,
) -> Result<Option<(Schedule, usize)>, MinimizeError> {
    let mut left = budget.left().min(PER_EDIT);
    for b in 0..=bound {
        if left == 0 {
            break;
        }
        let want = sig.clone();
        let r = search_dfs(prog, b, left, budget.deadline(), max_steps, move |s| {
            s == Some(&want)
        })?;
        budget.spend(r.executions);
        left = left.saturating_sub(r.executions);
        if let Some(s) = r.found {
            return Ok(Some((s, b)));
        }
        if r.exhausted {
            continue;
        }
        let devs = devs(budget)?;
        if budget.left() == 0 {
            return Ok(None);
        }
        budget.spend(1);
        let run = run_guided(prog, Vec::new(), devs, max_steps, false)?;
        if run.outcome.limit.is_none()
            && run.outcome.signature.as_ref() == Some(sig)
            && run.preemptions <= bound
        {
            return Ok(Some((run.schedule, run.preemptions)));
        }
        let want = sig.clone();
        let depth = (bound + 1).min(PCT_DEPTH);
        let left = budget.left().min(PER_EDIT);
        let r = search_pct(prog, PCT_SEED, depth, left, budget.deadline(), max_steps, {
            move |s| s == Some(&want)
        })?;
        budget.spend(r.executions);
        return Ok(r
            .found
            .filter(|_| r.preemptions <= bound)
            .map(|s| (s, r.preemptions)));
    }
    Ok(None)
}

/// Decisions where `schedule` differs from the guided default policy, by decision point.
type Devs = HashMap<PointKey, Decision>;

fn deviations(
    prog: &Arc<Program>,
    schedule: &Schedule,
    max_steps: u64,
    budget: &mut Budget,
) -> Result<Devs, MinimizeError> {
    budget.spend(1);
    let run = run_guided(
        prog,
        schedule.decisions.clone(),
        Devs::new(),
        max_steps,
        false,
    )?;
    Ok(run
        .points
        .iter()
        .filter(|p| p.taken != p.default)
        .map(|p| (p.key, p.taken))
        .collect())
}
