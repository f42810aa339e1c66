//! Oracles: judges of an execution beyond the failures the ports raise themselves (a Go panic,
//! a fatal error, a deadlock, a leak). An oracle sees each op a thread completes and the state
//! at the end; the first failure any oracle returns is the execution's finding. Today's one
//! oracle is the scenario's final-state assertions; [`for_program`] is where others are added.

use crate::base::LinFailure;
use crate::model::world::World;
use crate::model::Failure;
use crate::scenario::Program;
use std::cell::RefCell;
use std::rc::Rc;

/// A judge of one execution. It must not take scheduling points or change the model: it reads.
pub(crate) trait Oracle {
    /// Thread `thread` completed op `op` without failing. A failure ends the execution there,
    /// charged to that thread and op.
    fn after_op(&mut self, _w: &World, _thread: usize, _op: usize) -> Option<Failure> {
        None
    }
    /// Every thread is done and nothing failed (no port failure, no fault ended the run).
    fn at_end(&mut self, _w: &World) -> Option<Failure> {
        None
    }
    /// Whether [`Oracle::after_op`] does anything (the interpreter skips the call otherwise).
    fn watches_ops(&self) -> bool {
        false
    }
    /// A bound of the harness the oracle hit instead of judging (it could not decide): the
    /// execution then ends with this as its limit, an error of the run, never a verdict.
    fn limit(&mut self) -> Option<String> {
        None
    }
}

/// The oracles of one execution. The final-state assertions are kept inline: most scenarios
/// have them, and an execution costs a few microseconds, so they allocate nothing.
pub(crate) struct Oracles {
    final_state: Option<FinalState>,
    list: Vec<Box<dyn Oracle>>,
    /// Some oracle watches ops.
    per_op: bool,
}

impl Oracles {
    pub(crate) fn new(list: Vec<Box<dyn Oracle>>) -> Oracles {
        let per_op = list.iter().any(|o| o.watches_ops());
        Oracles {
            final_state: None,
            list,
            per_op,
        }
    }

    /// The oracles a scenario asks for.
    pub(crate) fn for_program(prog: &Program) -> Oracles {
        // Further oracles a scenario asks for go in this list.
        let mut list: Vec<Box<dyn Oracle>> = Vec::new();
        if !prog.linearizable.is_empty() {
            list.push(Box::new(Linearizable::default()));
        }
        Oracles {
            final_state: (!prog.final_state.is_empty()).then_some(FinalState),
            ..Oracles::new(list)
        }
    }

    pub(crate) fn watch_ops(&self) -> bool {
        self.per_op
    }

    pub(crate) fn after_op(&mut self, w: &World, thread: usize, op: usize) -> Option<Failure> {
        self.list.iter_mut().find_map(|o| o.after_op(w, thread, op))
    }

    pub(crate) fn at_end(&mut self, w: &World) -> Option<Failure> {
        let first = self.final_state.as_mut().and_then(|o| o.at_end(w));
        first.or_else(|| self.list.iter_mut().find_map(|o| o.at_end(w)))
    }

    /// The first bound an oracle hit at the end instead of judging.
    pub(crate) fn take_limit(&mut self) -> Option<String> {
        self.list.iter_mut().find_map(|o| o.limit())
    }
}

/// The oracles as the threads of an execution see them: shared only when some oracle watches
/// ops (otherwise the driver alone holds them, and nothing is allocated).
pub(crate) type OpJudges = Option<Rc<RefCell<Oracles>>>;

/// The scenario's `final_state` assertions, in file order: the first that does not hold.
struct FinalState;

impl Oracle for FinalState {
    fn at_end(&mut self, w: &World) -> Option<Failure> {
        w.prog.final_state.iter().find_map(|a| w.check_final(a))
    }
}

/// Search steps the linearizability check of one history may take (about a second).
pub(crate) const LIN_BUDGET: u64 = 1_000_000;

/// `expect.linearizable`: each watched object's history against its specification, in the
/// order the objects are declared; the first violation is the finding. A history the search
/// cannot decide within [`LIN_BUDGET`] (or an operation its specification does not take)
/// ends the run with an error: no answer is neither a finding nor a pass.
#[derive(Default)]
struct Linearizable {
    undecided: Option<String>,
}

impl Oracle for Linearizable {
    fn limit(&mut self) -> Option<String> {
        self.undecided.take()
    }

    fn at_end(&mut self, w: &World) -> Option<Failure> {
        for (l, hist) in w.prog.linearizable.iter().zip(&w.lin.histories) {
            let ops: Vec<crate::lin::Operation> = hist.iter().map(|r| r.op.clone()).collect();
            let violation = match crate::lin::check(&l.spec, &ops, LIN_BUDGET) {
                crate::lin::Verdict::Linearizable => continue,
                crate::lin::Verdict::Violation(v) => v,
                crate::lin::Verdict::Unknown(why) => {
                    self.undecided.get_or_insert_with(|| {
                        format!(
                            "the linearizability check of {} could not decide a history of {} operations: {why}",
                            l.name,
                            ops.len()
                        )
                    });
                    continue;
                }
            };
            let who = &ops[violation.stuck].thread;
            let thread = w.threads.iter().position(|t| &t.name == who).unwrap_or(0);
            return Some(Failure::Linearizability(Box::new(LinFailure {
                obj: l.name.clone(),
                spec: l.spec.kind.name(),
                ops: hist.iter().map(|r| r.at).collect(),
                history: ops,
                violation,
                thread,
            })));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::driver::{execute_judged, ExecOutcome};
    use crate::rt::{self, Control, Recorded};
    use std::sync::{Arc, Mutex};

    /// Fails once a second `set` has completed in any thread: an oracle that watches ops.
    struct SecondSet {
        seen: usize,
    }

    impl Oracle for SecondSet {
        fn watches_ops(&self) -> bool {
            true
        }
        fn after_op(&mut self, w: &World, _thread: usize, op: usize) -> Option<Failure> {
            if w.prog.op_meta[op].name != "set" {
                return None;
            }
            self.seen += 1;
            (self.seen == 2).then(|| Failure::Assertion {
                id: "second-set".into(),
                message: "a second set completed".into(),
            })
        }
    }

    /// Passes whatever happens, and counts the executions it judged at the end.
    struct Ends(Arc<Mutex<u32>>);

    impl Oracle for Ends {
        fn at_end(&mut self, _: &World) -> Option<Failure> {
            *self.0.lock().unwrap() += 1;
            None
        }
    }

    struct Once(bool);
    impl Control for Once {
        fn execution_ended(&mut self, _: Recorded) -> bool {
            false
        }
        fn may_start(&mut self) -> bool {
            !std::mem::replace(&mut self.0, true)
        }
    }

    /// One execution of `text` under shuttle's random scheduler, judged by `make()`'s oracles.
    fn run(
        text: &str,
        make: impl Fn() -> Vec<Box<dyn Oracle>> + Send + Sync + 'static,
    ) -> ExecOutcome {
        run_traced(text, 7, false, make)
    }

    /// The same, with the scheduler's seed and tracing chosen.
    fn run_traced(
        text: &str,
        seed: u64,
        trace: bool,
        make: impl Fn() -> Vec<Box<dyn Oracle>> + Send + Sync + 'static,
    ) -> ExecOutcome {
        let prog = Arc::new(crate::scenario::load_str(text, "oracle.json").unwrap());
        let out = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&out);
        rt::run(rt::random_picker(seed), Once(false), move || {
            let o = execute_judged(&prog, 10_000, trace, Oracles::new(make()));
            *slot.lock().unwrap() = Some(o);
        })
        .unwrap();
        let o = out.lock().unwrap().take();
        o.unwrap()
    }

    const TWO_WRITERS: &str = r#"{
      "schema": "hazard/scenario/v1", "name": "two-writers",
      "objects": { "mu": { "kind": "mutex" }, "m": { "kind": "map" } },
      "threads": {
        "a": [ { "op": "lock", "obj": "mu" }, { "op": "set", "obj": "m", "key": "a", "value": 1 },
               { "op": "unlock", "obj": "mu" } ],
        "b": [ { "op": "lock", "obj": "mu" }, { "op": "set", "obj": "m", "key": "b", "value": 2 },
               { "op": "unlock", "obj": "mu" } ]
      },
      "expect": { "passes": true }
    }"#;

    const HANDOFFS: &str = r#"{
      "schema": "hazard/scenario/v1", "name": "handoffs",
      "objects": { "mu": { "kind": "mutex" }, "ch": { "kind": "chan", "cap": 1 },
                   "wg": { "kind": "waitgroup" } },
      "threads": {
        "main": [ { "op": "add", "obj": "wg", "delta": 1 },
                  { "op": "spawn", "thread": "a", "body": [
                    { "op": "lock", "obj": "mu" }, { "op": "unlock", "obj": "mu" },
                    { "op": "send", "obj": "ch", "value": 1 }, { "op": "done", "obj": "wg" } ] },
                  { "op": "lock", "obj": "mu" }, { "op": "unlock", "obj": "mu" },
                  { "op": "recv", "obj": "ch" }, { "op": "wait", "obj": "wg" } ]
      },
      "expect": { "passes": true }
    }"#;

    #[test]
    fn synchronizing_edges_are_recorded_untraced_as_the_trace_draws_them() {
        for seed in 0..16 {
            let edges = |trace: bool| {
                let out = run_traced(HANDOFFS, seed, trace, Vec::new);
                assert!(out.failed.is_none(), "{:?}", out.failed);
                let arrows = out
                    .trace_events()
                    .iter()
                    .filter(|e| e.from.is_some())
                    .count();
                (out.sync_edges, arrows as u64)
            };
            let (untraced, none) = edges(false);
            let (traced, arrows) = edges(true);
            assert_eq!(none, 0, "seed {seed}: an untraced run has no trace");
            // The lock hand-off, the value received and Done before Wait: at least those
            // three cross threads whatever the interleaving.
            assert!(untraced >= 3, "seed {seed}: {untraced} edges");
            assert_eq!(untraced, traced, "seed {seed}: tracing changed the edges");
            assert_eq!(
                traced, arrows,
                "seed {seed}: every edge is a hand-off arrow"
            );
        }
    }

    #[test]
    fn an_op_oracle_fails_the_execution_at_the_op_it_judged() {
        let out = run(TWO_WRITERS, || vec![Box::new(SecondSet { seen: 0 })]);
        let failed = out.failed.expect("the oracle's failure is the outcome");
        assert!(
            matches!(&failed.failure, Failure::Assertion { id, .. } if id == "second-set"),
            "{failed:?}"
        );
        let op = failed.op.expect("charged to an op");
        let thread = failed.thread.expect("charged to a thread");
        assert_eq!(out.threads[thread].as_str(), ["a", "b"][thread]);
        // The op it judged is a set.
        let prog = crate::scenario::load_str(TWO_WRITERS, "oracle.json").unwrap();
        assert_eq!(prog.op_meta[op].name, "set");
        assert!(out.signature.is_some());
    }

    #[test]
    fn without_oracles_the_same_execution_passes_and_end_oracles_run_once() {
        assert!(run(TWO_WRITERS, Vec::new).failed.is_none());
        let ends = Arc::new(Mutex::new(0));
        let e = Arc::clone(&ends);
        let out = run(TWO_WRITERS, move || vec![Box::new(Ends(Arc::clone(&e)))]);
        assert!(out.failed.is_none());
        assert_eq!(*ends.lock().unwrap(), 1);
    }
}
