//! Linearizability: is a concurrent history of operations on one object explained by some
//! sequential order of them that respects real time (an operation that returned before
//! another was invoked comes first) and that a sequential specification accepts, result by
//! result?
//!
//! The checker is Wing and Gong's search with Lowe's just-in-time linearization and
//! Porcupine's memoization: the history is a list of call and return events in time order;
//! the search linearizes a pending call when the specification gives the result the
//! operation returned, backtracks when it meets the return of an operation it has not
//! linearized, and never visits the same (set of linearized operations, specification
//! state) twice. Specifications that split by key (map, set, register per key) are checked
//! one key at a time (P-compositionality: a history is linearizable exactly when each key's
//! sub-history is).
//!
//! Operations still pending when the history ends (their thread died or blocked forever)
//! may have taken effect or not: each may be linearized anywhere after its call, with
//! whatever result the specification gives, or left out.

pub mod specs;

pub use specs::{spec_named, Spec, SpecKind, SPECS};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;

/// One operation of a history: invoked at `call`, returned `result` at `ret` (both `None`
/// while pending). Times are any totally ordered ticks; at equal times a call counts as
/// before a return (the two operations overlap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Who invoked it (a thread name), for people.
    pub thread: String,
    /// The operation's name and arguments, as the specification reads them.
    pub op: String,
    #[serde(default)]
    pub args: Vec<Value>,
    /// What it returned; `None` when it never returned.
    #[serde(default)]
    pub result: Option<Value>,
    pub call: u64,
    #[serde(default)]
    pub ret: Option<u64>,
}

impl Operation {
    pub fn pending(&self) -> bool {
        self.ret.is_none()
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        write!(f, "{}: {}({})", self.thread, self.op, args.join(", "))?;
        match &self.result {
            Some(r) => write!(f, " -> {r}"),
            None => f.write_str(" (pending)"),
        }
    }
}

/// A sequential specification over states of type `State`.
pub trait Model {
    type State: Clone + Eq + Hash;
    /// The state before any operation: of the whole object, or of one key's part of it.
    fn init(&self, key: Option<&str>) -> Self::State;
    /// Run `op(args)` on `state`: its result and the state after, or why the specification
    /// has no such operation.
    fn step(
        &self,
        state: &Self::State,
        op: &str,
        args: &[Value],
    ) -> Result<(Value, Self::State), String>;
    /// The key an operation touches, when the specification is a product of independent
    /// objects, one per key (`None`: it touches all of them, and the history is checked
    /// whole).
    fn key(&self, _op: &str, _args: &[Value]) -> Option<String> {
        None
    }
    /// Whether a returned result is the one the specification gives (equality by default).
    fn same(&self, expected: &Value, observed: &Value) -> bool {
        expected == observed
    }
}

/// Why no legal order exists: the longest legal order the search built, and the operation
/// it could not place after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The key whose sub-history is not linearizable (specifications checked per key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The operations of that (sub-)history, as indices into the history.
    pub ops: Vec<usize>,
    /// The longest legal order found: indices into the history, in linearization order.
    pub order: Vec<usize>,
    /// An operation that returned before anything could explain its result after `order`:
    /// the point where no legal order exists.
    pub stuck: usize,
    /// The result the specification gives `stuck` after `order` (absent when it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
}

/// The checker's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Linearizable,
    Violation(Violation),
    /// The search hit its budget (or the specification refused an operation): no answer,
    /// and never a finding.
    Unknown(String),
}

/// Steps of the search before it gives up with [`Verdict::Unknown`].
pub const DEFAULT_BUDGET: u64 = 5_000_000;

/// Check `history` against `model`, within `budget` search steps over every sub-history.
pub fn check<M: Model>(model: &M, history: &[Operation], budget: u64) -> Verdict {
    // Per key when every operation names one.
    let keys: Option<Vec<String>> = history.iter().map(|o| model.key(&o.op, &o.args)).collect();
    let mut left = budget;
    match keys {
        Some(keys) if !history.is_empty() => {
            let mut distinct: Vec<&String> = keys.iter().collect();
            distinct.sort();
            distinct.dedup();
            for k in distinct {
                let ops: Vec<usize> = (0..history.len()).filter(|&i| &keys[i] == k).collect();
                match check_part(model, history, &ops, Some(k), &mut left) {
                    Verdict::Linearizable => {}
                    Verdict::Violation(v) => {
                        return Verdict::Violation(Violation {
                            key: Some(k.clone()),
                            ..v
                        })
                    }
                    unknown => return unknown,
                }
            }
            Verdict::Linearizable
        }
        _ => {
            let ops: Vec<usize> = (0..history.len()).collect();
            check_part(model, history, &ops, None, &mut left)
        }
    }
}

/// A fixed-size set of operation indices.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn clear(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }
}

/// The search over the operations `ops` of `history` (Lowe's list of events with lifting).
fn check_part<M: Model>(
    model: &M,
    history: &[Operation],
    ops: &[usize],
    key: Option<&str>,
    budget: &mut u64,
) -> Verdict {
    let n = ops.len();
    if n == 0 {
        return Verdict::Linearizable;
    }
    // Events: node 0 is the head; node 1 + 2k is op k's call, 2 + 2k its return. Sorted by
    // time, calls before returns at equal times, pending returns last.
    let mut events: Vec<(u64, u8, usize)> = Vec::with_capacity(2 * n);
    for (k, &i) in ops.iter().enumerate() {
        let o = &history[i];
        events.push((o.call, 0, 1 + 2 * k));
        events.push((o.ret.unwrap_or(u64::MAX), 1, 2 + 2 * k));
    }
    events.sort();
    let nodes = 2 * n + 1;
    let end = nodes; // past the last node
    let mut next = vec![end; nodes];
    let mut prev = vec![0; nodes + 1];
    let mut last = 0;
    for &(_, _, node) in &events {
        next[last] = node;
        prev[node] = last;
        last = node;
    }
    next[last] = end;
    prev[end] = last;
    let is_call = |node: usize| node % 2 == 1;
    let op_of = |node: usize| (node - 1) / 2;
    let ret_of = |call: usize| call + 1;
    let pending = |k: usize| history[ops[k]].ret.is_none();
    // Unlink a call and its return; relink them in the reverse order.
    fn lift(next: &mut [usize], prev: &mut [usize], call: usize, ret: usize) {
        let (p, nx) = (prev[call], next[call]);
        next[p] = nx;
        prev[nx] = p;
        let (p, nx) = (prev[ret], next[ret]);
        next[p] = nx;
        prev[nx] = p;
    }
    fn unlift(next: &mut [usize], prev: &mut [usize], call: usize, ret: usize) {
        let (p, nx) = (prev[ret], next[ret]);
        next[p] = ret;
        prev[nx] = ret;
        let (p, nx) = (prev[call], next[call]);
        next[p] = call;
        prev[nx] = call;
    }

    let mut state = model.init(key);
    let mut linearized = Bits::new(n);
    let mut cache: HashSet<(Bits, M::State)> = HashSet::new();
    let mut stack: Vec<(usize, M::State)> = Vec::new();
    let mut best: (usize, Vec<usize>, usize) = (0, Vec::new(), usize::MAX);
    let mut entry = next[0];
    loop {
        // Every completed operation is linearized: what is left is pending.
        if entry == end || (!is_call(entry) && pending(op_of(entry))) {
            return Verdict::Linearizable;
        }
        if *budget == 0 {
            return Verdict::Unknown(
                "the search gave up after its budget of steps, a bound of the harness and not a verdict (check fewer operations per execution)"
                    .to_string(),
            );
        }
        *budget -= 1;
        if is_call(entry) {
            let k = op_of(entry);
            let o = &history[ops[k]];
            let stepped = match model.step(&state, &o.op, &o.args) {
                Ok(s) => s,
                Err(e) => return Verdict::Unknown(format!("{o}: {e}")),
            };
            let (out, after) = stepped;
            let legal = match &o.result {
                Some(r) => model.same(&out, r),
                None => true,
            };
            if legal {
                let mut lin = linearized.clone();
                lin.set(k);
                if cache.insert((lin.clone(), after.clone())) {
                    stack.push((entry, std::mem::replace(&mut state, after)));
                    linearized = lin;
                    lift(&mut next, &mut prev, entry, ret_of(entry));
                    entry = next[0];
                    continue;
                }
            }
            entry = next[entry];
        } else {
            // The return of an operation not linearized: this order is a dead end.
            if best.2 == usize::MAX || stack.len() > best.0 {
                best = (
                    stack.len(),
                    stack.iter().map(|(c, _)| ops[op_of(*c)]).collect(),
                    op_of(entry),
                );
            }
            let Some((call, s)) = stack.pop() else {
                let stuck_k = best.2;
                let order = best.1;
                // What the specification would have answered the stuck operation.
                let mut st = model.init(key);
                for &i in &order {
                    if let Ok((_, s)) = model.step(&st, &history[i].op, &history[i].args) {
                        st = s;
                    }
                }
                let o = &history[ops[stuck_k]];
                let expected = model.step(&st, &o.op, &o.args).ok().map(|(v, _)| v);
                return Verdict::Violation(Violation {
                    key: None,
                    ops: ops.to_vec(),
                    order,
                    stuck: ops[stuck_k],
                    expected,
                });
            };
            state = s;
            linearized.clear(op_of(call));
            unlift(&mut next, &mut prev, call, ret_of(call));
            entry = next[call];
        }
    }
}

#[cfg(test)]
mod tests;
