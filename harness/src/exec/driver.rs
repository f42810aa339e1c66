//! One execution: the driver task builds the world, starts every top-level thread, waits for
//! all threads to finish, and judges the outcome (failure, or final-state assertions).

use super::interp::{clock_main, thread_main};
use super::signature::Signature;
use crate::model::world::{Event, Failed, World};
use crate::model::{Failure, Value};
use crate::rt;
use crate::scenario::{AssertSpec, Program};
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

/// Run the scenario once, inside a shuttle execution.
pub(crate) fn execute(prog: &Arc<Program>, max_steps: u64, trace: bool) -> ExecOutcome {
    rt::begin_execution();
    let world = Rc::new(RefCell::new(World::new(Arc::clone(prog), max_steps, trace)));
    let n = prog.threads.len();
    for spec in &prog.threads {
        let first_op = prog.blocks[spec.body]
            .first()
            .map(|s| s.id)
            .unwrap_or(usize::MAX);
        let f = thread_main(
            Arc::clone(prog),
            Rc::clone(&world),
            spec.body,
            vec![Value::Nil; prog.vars.len()],
        );
        let t = rt::spawn(&spec.name, f);
        world.borrow_mut().add_thread(&spec.name, true, first_op);
        // Held until all are spawned, so the driver never competes with them.
        rt::hold(t);
    }
    let clock = prog.uses_time.then(|| {
        let t = rt::spawn("(clock)", clock_main(Arc::clone(prog), Rc::clone(&world)));
        rt::hold(t);
        let mut w = world.borrow_mut();
        w.add_thread("(clock)", false, usize::MAX);
        // Not a goroutine: it never keeps the program alive or counts as runnable work.
        w.live -= 1;
        w.runnable -= 1;
        w.threads[t].clock = true;
        w.clock = Some(t);
        t
    });
    // `cancel` and `close` faults act from a chaos thread of their own: a real task (so that
    // thread indices stay shuttle's task order) that never competes. It is held until the end,
    // then finishes at once.
    let chaos = prog.has_chaos().then(|| {
        let t = rt::spawn("chaos", Box::new(rt::unblock_driver));
        rt::hold(t);
        let mut w = world.borrow_mut();
        w.add_thread("chaos", false, usize::MAX);
        w.live -= 1;
        w.runnable -= 1;
        w.threads[t].status = crate::model::world::Status::Finished;
        w.faults.chaos = Some(t);
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
        for a in &prog.final_state {
            if let Some(failure) = check(&mut w, a) {
                w.outcome = Some(Failed {
                    failure,
                    thread: None,
                    op: None,
                });
                break;
            }
        }
    }
    let signature = w.outcome.as_ref().map(|f| Signature::of(f, &w));
    ExecOutcome {
        failed: w.outcome.clone(),
        signature,
        steps: w.steps,
        threads: w.threads.iter().map(|t| t.name.clone()).collect(),
        preemptions: 0,
        trace: w.trace.take(),
        preempt_steps: std::mem::take(&mut w.preempt_steps),
        faults: std::mem::take(&mut w.faults.log),
        ended_by_fault,
        limit: w.limit.take(),
    }
}

/// A final-state assertion; `Some(failure)` when it does not hold.
fn check(w: &mut World, a: &AssertSpec) -> Option<Failure> {
    use crate::model::world::Obj;
    let spec = &a.assertion;
    let name = w.obj_name(a.obj).to_string();
    let mut problems = Vec::new();
    let not = |b: bool| if b { "" } else { "not " };
    let len_is = |problems: &mut Vec<String>, n: usize| {
        if let Some(want) = spec.len {
            if n as u64 != want {
                problems.push(format!("len({name}) is {n}, expected {want}"));
            }
        }
    };
    let elems_are = |problems: &mut Vec<String>, got: &[Value]| {
        if let Some(want) = &spec.elems {
            if got != want.as_slice() {
                let show = |v: &[Value]| v.iter().map(Value::quoted).collect::<Vec<_>>().join(", ");
                problems.push(format!(
                    "{name} holds [{}], expected [{}]",
                    show(got),
                    show(want)
                ));
            }
        }
    };
    match &w.objs[a.obj] {
        Obj::Map(_) | Obj::RwMap(..) | Obj::ShardedMap(_) | Obj::SyncMap(_) | Obj::CowMap(_) => {
            let entries = w.map_contents(a.obj);
            len_is(&mut problems, entries.len());
            if let Some(k) = &spec.key {
                match (entries.get(k), &spec.value) {
                    (Some(v), _) if spec.absent => problems.push(format!(
                        "{name}[{}] is {}, expected absent",
                        k.quoted(),
                        v.quoted()
                    )),
                    (Some(v), Some(want)) if v != want => problems.push(format!(
                        "{name}[{}] is {}, expected {}",
                        k.quoted(),
                        v.quoted(),
                        want.quoted()
                    )),
                    (None, Some(want)) => problems.push(format!(
                        "{name}[{}] is absent, expected {}",
                        k.quoted(),
                        want.quoted()
                    )),
                    _ => {}
                }
            }
        }
        Obj::Chan(c) => {
            len_is(&mut problems, c.buf.len());
            if let Some(closed) = spec.closed {
                if c.closed != closed {
                    problems.push(format!(
                        "{name} is {}closed, expected {}closed",
                        not(c.closed),
                        not(closed)
                    ));
                }
            }
        }
        Obj::Mutex(_) | Obj::RwMutex(_) => {
            let locked = match &w.objs[a.obj] {
                Obj::Mutex(m) => m.locked,
                Obj::RwMutex(r) => r.w.locked || r.reader_count != 0,
                _ => false,
            };
            if let Some(want) = spec.locked {
                if locked != want {
                    problems.push(format!(
                        "{name} is {}locked, expected {}locked",
                        not(locked),
                        not(want)
                    ));
                }
            }
        }
        Obj::WaitGroup(g) => {
            if let Some(want) = spec.count {
                if g.v as i64 != want {
                    problems.push(format!("{name} counter is {}, expected {want}", g.v));
                }
            }
        }
        Obj::Slice(h) => {
            let h = *h;
            let got = w.elems(&h);
            len_is(&mut problems, h.len);
            if let Some(want) = spec.cap {
                if h.cap as u64 != want {
                    problems.push(format!("cap({name}) is {}, expected {want}", h.cap));
                }
            }
            elems_are(&mut problems, &got);
        }
        Obj::Stack(s) => {
            let got = s.contents();
            len_is(&mut problems, got.len());
            elems_are(&mut problems, &got);
            if spec.conserved == Some(true) {
                if let Err(why) = s.conservation() {
                    problems.push(format!("{name}: {why}"));
                }
            }
        }
        Obj::Atomic(c) => {
            if let Some(want) = &spec.holds {
                if c.value != *want {
                    problems.push(format!(
                        "{name} holds {}, expected {}",
                        c.value.quoted(),
                        want.quoted()
                    ));
                }
            }
        }
        Obj::Context(c) => {
            let cancelled = c.is_some_and(|c| w.ctx_err(c).0.is_some());
            if let Some(want) = spec.cancelled {
                if cancelled != want {
                    problems.push(format!(
                        "{name} is {}cancelled, expected {}cancelled",
                        not(cancelled),
                        not(want)
                    ));
                }
            }
        }
        Obj::Handle(h) => {
            if let Some(want) = spec.closed {
                if h.closed != want {
                    problems.push(format!(
                        "{name} is {}closed, expected {}closed",
                        not(h.closed),
                        not(want)
                    ));
                }
            }
        }
        Obj::Once(_) | Obj::Timer(_) | Obj::Pool(_) => {}
    }
    if problems.is_empty() {
        return None;
    }
    Some(Failure::Assertion {
        id: spec.id.clone().unwrap_or_else(|| "assertion".into()),
        message: format!("final state: {} ({})", problems.join("; "), a.path),
    })
}
