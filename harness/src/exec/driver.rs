//! One execution: the driver task builds the world, starts every top-level thread, waits for
//! all threads to finish, and judges the outcome (failure, or final-state assertions).

use super::interp::thread_main;
use super::oracle::Oracles;
use super::signature::Signature;
use super::tasks::clock_main;
use crate::model::world::{Event, Failed, ThreadKind, World};
use crate::model::Failure;
use crate::rt;
use crate::scenario::Program;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// What one execution did.
#[derive(Debug, Clone)]
pub struct ExecOutcome {
    pub failed: Option<Failed>,
    pub signature: Option<Signature>,
    /// Scheduling points taken.
    pub steps: u64,
    /// Synchronizing edges between threads (release -> acquire, see `model::sync`).
    pub sync_edges: u64,
    /// Thread names, by index.
    pub threads: Vec<String>,
    /// Switches away from a thread that could still run (filled in by replay).
    pub preemptions: usize,
    pub(crate) trace: Option<Vec<Event>>,
    /// Steps reached by a preemption (traced executions only).
    pub preempt_steps: Vec<u64>,
    /// Faults injected, in order.
    pub faults: Vec<crate::model::Injection>,
    /// The rule whose injected panic ended the execution, unrecovered. That is the fault
    /// itself, not a finding: `failed` is then `None` and final-state assertions are skipped.
    pub ended_by_fault: Option<usize>,
    /// The execution stopped at a bound of the harness (see `World::limit`): the scenario is
    /// too large to run, which is neither a pass nor a finding.
    pub limit: Option<String>,
}

impl ExecOutcome {
    /// The step trace, when the execution was traced.
    pub(crate) fn trace_events(&self) -> &[Event] {
        self.trace.as_deref().unwrap_or(&[])
    }
}

/// Run the scenario once, inside a shuttle execution, judged by the oracles it asks for.
pub(crate) fn execute(prog: &Arc<Program>, max_steps: u64, trace: bool) -> ExecOutcome {
    execute_judged(prog, max_steps, trace, Oracles::for_program(prog))
}

/// Run the scenario once, inside a shuttle execution, judged by `oracles`.
pub(crate) fn execute_judged(
    prog: &Arc<Program>,
    max_steps: u64,
    trace: bool,
    oracles: Oracles,
) -> ExecOutcome {
    rt::begin_execution();
    let world = Rc::new(RefCell::new(World::new(Arc::clone(prog), max_steps, trace)));
    // Shared with the threads only when some oracle judges their ops.
    let (mut own, shared) = match oracles.watch_ops() {
        true => (None, Some(Rc::new(RefCell::new(oracles)))),
        false => (Some(oracles), None),
    };
    let n = prog.threads.len();
    // Package-level variables: one cell each, which every thread's variable names.
    let mut locals = prog.var_zero.clone();
    {
        let mut w = world.borrow_mut();
        for (v, init) in &prog.globals {
            let o = w.new_cell(&prog.vars[*v], *v, init.clone());
            locals[*v] = crate::model::Value::Obj(o as u32);
        }
    }
    for spec in &prog.threads {
        let first_op = prog.blocks[spec.body]
            .first()
            .map(|s| s.id)
            .unwrap_or(usize::MAX);
        let f = thread_main(
            Arc::clone(prog),
            Rc::clone(&world),
            shared.clone(),
            spec.body,
            locals.clone(),
        );
        let t = rt::spawn(&spec.name, f);
        world.borrow_mut().add_thread(ThreadKind::TopLevel {
            role: &spec.name,
            op: first_op,
        });
        // Held until all are spawned, so the driver never competes with them.
        rt::hold(t);
    }
    let clock = prog.uses_time.then(|| {
        let t = rt::spawn(
            "(clock)",
            clock_main(Arc::clone(prog), Rc::clone(&world), shared.clone()),
        );
        rt::hold(t);
        // Not a goroutine: it never keeps the program alive or counts as runnable work.
        world.borrow_mut().add_thread(ThreadKind::Clock);
        t
    });
    // `cancel` and `close` faults act from a chaos thread of their own: a real task (so that
    // thread indices stay shuttle's task order) that never competes. It is held until the end,
    // then finishes at once.
    let chaos = prog.has_chaos().then(|| {
        let t = rt::spawn("chaos", Box::new(rt::unblock_driver));
        rt::hold(t);
        world.borrow_mut().add_thread(ThreadKind::Chaos);
        t
    });
    for t in 0..n {
        rt::unblock(t);
    }
    if clock.is_some() {
        let mut w = world.borrow_mut();
        if w.clock_ready() {
            w.unpark_clock();
        }
    }
    rt::block_current();
    if let Some(t) = chaos {
        // Fixed decisions from here on: the driver waits while the chaos task finishes.
        rt::set_teardown(true);
        rt::unblock(t);
        rt::block_current();
    }

    let mut w = world.borrow_mut();
    let ended_by_fault = w.faults.ended_by;
    if ended_by_fault.is_some() {
        w.outcome = None;
    }
    if w.outcome.is_none() && ended_by_fault.is_none() {
        let judged = match (&mut own, &shared) {
            (Some(o), _) => o.at_end(&w),
            (None, Some(s)) => s.borrow_mut().at_end(&w),
            (None, None) => None,
        };
        let limit = match (&mut own, &shared) {
            (Some(o), _) => o.take_limit(),
            (None, Some(s)) => s.borrow_mut().take_limit(),
            (None, None) => None,
        };
        // Undecided is no verdict: an error of the run, unless something else failed.
        if let (Some(l), None) = (limit, &judged) {
            w.limit.get_or_insert(l);
        }
        if let Some(failure) = judged {
            // A linearizability violation is charged to the operation no order explains.
            let (thread, op) = match &failure {
                Failure::Linearizability(l) => {
                    (Some(l.thread), l.ops.get(l.violation.stuck).copied())
                }
                _ => (None, None),
            };
            w.outcome = Some(Failed {
                failure,
                thread,
                op,
            });
        }
    }
    // A data race is reported when nothing else failed (Go's race detector lets the program
    // run on): a scenario's own failure in the same run comes first.
    if w.outcome.is_none() && ended_by_fault.is_none() && w.limit.is_none() {
        w.outcome = w.race_failure();
    }
    let signature = w.outcome.as_ref().map(|f| Signature::of(f, &w));
    ExecOutcome {
        failed: w.outcome.clone(),
        signature,
        steps: w.steps,
        sync_edges: w.sync_edges(),
        threads: w.threads.iter().map(|t| t.name.clone()).collect(),
        preemptions: 0,
        trace: w.trace.take(),
        preempt_steps: std::mem::take(&mut w.preempt_steps),
        faults: std::mem::take(&mut w.faults.log),
        ended_by_fault,
        limit: w.limit.take(),
    }
}
