//! Scenario minimization: one edit at a time (drop a thread, an op, a select case, an object
//! parameter, an unused object or proc, a final assertion; lower a `repeat` count), kept when
//! the reduced scenario validates and a bounded DFS still finds the same failure.
//!
//! A reduction must not turn a race into a certainty: when some interleaving of the original
//! scenario passes, an edit is kept only if some interleaving of the reduced scenario still
//! passes too. Without this, dropping the thread whose write an assertion checks would "keep"
//! an assertion failure that no longer has anything to do with the interleaving.
//!
//! Op paths in the signature are renumbered as elements before them are dropped, so the
//! signature still names the same op; an edit that would drop the failing op (or something
//! containing it) is never tried. A shadow tree of the original paths follows the edits, so
//! what was dropped is reported as paths of the original scenario.

use super::{Budget, MinimizeError};
use crate::explore::{search_dfs, Schedule, Signature};
use crate::scenario::{load_value, Program};
use serde_json::Value;
use std::sync::Arc;

/// Most executions one candidate edit may cost.
const PER_EDIT: u64 = 3_000;
/// Preemption bound of the search for a passing interleaving.
const PASS_BOUND: usize = 2;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Idx(usize),
}

/// A path segment as the validator writes it (`.name`, `["odd name"]`, `[3]`).
fn child(path: &str, seg: &Seg) -> String {
    match seg {
        Seg::Idx(i) => format!("{path}[{i}]"),
        Seg::Key(k) => {
            let ident = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '#');
            if ident {
                format!("{path}.{k}")
            } else {
                format!("{path}[{k:?}]")
            }
        }
    }
}

fn path_of(segs: &[Seg]) -> String {
    segs.iter().fold("$".to_string(), |p, s| child(&p, s))
}

/// One reduction of the scenario.
#[derive(Debug, Clone)]
enum Edit {
    Remove(Vec<Seg>),
    SetInt(Vec<Seg>, u64),
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

/// The scenario with `edit` applied, if it applies.
fn apply(v: &Value, edit: &Edit) -> Option<Value> {
    let mut out = v.clone();
    match edit {
        Edit::Remove(segs) => {
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
        Edit::SetInt(segs, n) => *get_mut(&mut out, segs)? = Value::from(*n),
    }
    Some(out)
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
        out.push(Edit::Remove(vec![key("threads"), key(&t)]));
    }
    let mut found = Vec::new();
    for top in ["threads", "procs"] {
        if let Some(x) = v.get(top) {
            let mut at = vec![key(top)];
            lists(x, &mut at, &mut found);
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
            out.push(Edit::Remove(p));
        }
    }
    for (path, len, cases) in &found {
        if *cases {
            continue;
        }
        for i in 0..*len {
            let mut p = path.clone();
            p.push(Seg::Idx(i));
            if let Some(Value::Object(op)) = get(v, &p) {
                if op.get("op").and_then(Value::as_str) == Some("repeat") {
                    if let Some(n) = op.get("times").and_then(Value::as_u64) {
                        p.push(key("times"));
                        for m in [1, n / 2] {
                            if m >= 1 && m < n {
                                out.push(Edit::SetInt(p.clone(), m));
                            }
                        }
                    }
                }
            }
        }
    }
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
                            for m in [0, 1, n / 2] {
                                if m < n {
                                    out.push(Edit::SetInt(p.clone(), m));
                                }
                            }
                        }
                    }
                    Value::Object(m) => {
                        for k in m.keys() {
                            let mut q = p.clone();
                            q.push(key(k));
                            out.push(Edit::Remove(q));
                        }
                    }
                    Value::Array(a) => {
                        for i in (0..a.len()).rev() {
                            let mut q = p.clone();
                            q.push(Seg::Idx(i));
                            out.push(Edit::Remove(q));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(n) = get(v, &[key("expect"), key("final")]).and_then(Value::as_array) {
        for i in (0..n.len()).rev() {
            out.push(Edit::Remove(vec![key("expect"), key("final"), Seg::Idx(i)]));
        }
    }
    for o in names("objects") {
        out.push(Edit::Remove(vec![key("objects"), key(&o)]));
    }
    for p in names("procs") {
        out.push(Edit::Remove(vec![key("procs"), key(&p)]));
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
    max_steps: u64,
    budget: &mut Budget,
) -> Result<(Arc<Program>, Value, Vec<String>, Signature, Schedule), MinimizeError> {
    let mut cur = prog.source.clone();
    let mut shadow = Shadow::of(&cur, "$".into());
    let mut cur_prog = Arc::clone(prog);
    let mut cur_sig = sig.clone();
    let mut cur_sched = schedule.clone();
    let mut bound = bound;
    let mut removed = Vec::new();
    let mut start = 0;
    let racy = passes_somewhere(prog, max_steps, budget)?;
    'next: loop {
        let cands = edits(&cur);
        for (i, edit) in cands.iter().enumerate().skip(start) {
            if budget.left() == 0 {
                break 'next;
            }
            let (segs, what) = match edit {
                Edit::Remove(s) | Edit::SetInt(s, _) => (s, path_of(s)),
            };
            let new_sig = match edit {
                Edit::Remove(_) => match map_signature(&cur_sig, &what) {
                    Some(s) => s,
                    None => continue,
                },
                Edit::SetInt(..) => cur_sig.clone(),
            };
            let Some(next) = apply(&cur, edit) else {
                continue;
            };
            let Ok(p) = load_value(&next, &prog.file) else {
                continue;
            };
            let p = Arc::new(p);
            let Some((sched, b)) = reproduce(&p, &new_sig, bound, max_steps, budget)? else {
                continue;
            };
            if racy && !passes_somewhere(&p, max_steps, budget)? {
                continue;
            }
            {
                let orig = shadow.at(segs).map(|s| s.path.clone()).unwrap_or(what);
                match edit {
                    Edit::Remove(_) => {
                        removed.push(orig);
                        shadow.remove(segs);
                    }
                    Edit::SetInt(_, n) => {
                        let old = get(&cur, segs).cloned().unwrap_or(Value::Null);
                        removed.push(format!("{orig}: {old} -> {n}"));
                    }
                }
                cur = next;
                cur_prog = p;
                cur_sig = new_sig;
                cur_sched = sched;
                bound = b;
                // Edits before this one did not apply and are unlikely to now.
                start = i;
                continue 'next;
            }
        }
        break;
    }
    Ok((cur_prog, cur, removed, cur_sig, cur_sched))
}

/// Whether some interleaving (within [`PASS_BOUND`] preemptions) passes.
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

/// Bounded DFS (bounds 0..=bound) for `sig`; the schedule and its preemption bound.
fn reproduce(
    prog: &Arc<Program>,
    sig: &Signature,
    bound: usize,
    max_steps: u64,
    budget: &mut Budget,
) -> Result<Option<(Schedule, usize)>, MinimizeError> {
    let mut left = budget.left().min(PER_EDIT);
    for b in 0..=bound {
        if left == 0 {
            return Ok(None);
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
        if !r.exhausted {
            return Ok(None);
        }
    }
    Ok(None)
}
