//! One execution: the driver task builds the world, starts every top-level thread, waits for
//! all threads to finish, and judges the outcome (failure, or final-state assertions).

use super::interp::thread_main;
use super::rt;
use super::signature::Signature;
use crate::model::world::{Event, Failed, World};
use crate::model::{Failure, Value};
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
}

impl ExecOutcome {
    /// The step trace, when the execution was traced.
    pub(crate) fn trace_events(&self) -> &[Event] {
        self.trace.as_deref().unwrap_or(&[])
    }
}

/// Run the scenario once, inside a shuttle execution.
pub(crate) fn execute(prog: &Arc<Program>, max_steps: u64, trace: bool) -> ExecOutcome {
    rt::set_teardown(false);
    let world = Rc::new(RefCell::new(World::new(Arc::clone(prog), max_steps, trace)));
    let n = prog.threads.len();
    for spec in &prog.threads {
        let first_op = prog.blocks[spec.body]
            .first()
            .map(|s| s.id)
            .unwrap_or(usize::MAX);
        let t = world.borrow_mut().add_thread(&spec.name, true, first_op);
        let f = thread_main(
            Arc::clone(prog),
            Rc::clone(&world),
            t,
            spec.body,
            vec![Value::Nil; prog.vars.len()],
        );
        rt::spawn(t, &spec.name, f);
        // Held until all are spawned, so the driver never competes with them.
        rt::hold(t);
    }
    for t in 0..n {
        rt::unblock(t);
    }
    rt::block_current();

    let mut w = world.borrow_mut();
    if w.outcome.is_none() {
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
    }
}

/// A final-state assertion; `Some(failure)` when it does not hold.
fn check(w: &mut World, a: &AssertSpec) -> Option<Failure> {
    let spec = &a.assertion;
    let name = w.obj_name(a.obj).to_string();
    let mut problems = Vec::new();
    match &w.objs[a.obj] {
        crate::model::world::Obj::Map(m) => {
            if let Some(n) = spec.len {
                if m.entries.len() as u64 != n {
                    problems.push(format!("len({name}) is {}, expected {n}", m.entries.len()));
                }
            }
            if let Some(k) = &spec.key {
                match (m.entries.get(k), &spec.value) {
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
        crate::model::world::Obj::Chan(c) => {
            if let Some(n) = spec.len {
                if c.buf.len() as u64 != n {
                    problems.push(format!("len({name}) is {}, expected {n}", c.buf.len()));
                }
            }
            if let Some(closed) = spec.closed {
                if c.closed != closed {
                    problems.push(format!(
                        "{name} is {}closed, expected {}closed",
                        if c.closed { "" } else { "not " },
                        if closed { "" } else { "not " }
                    ));
                }
            }
        }
        crate::model::world::Obj::Mutex(_) | crate::model::world::Obj::RwMutex(_) => {
            let locked = match &w.objs[a.obj] {
                crate::model::world::Obj::Mutex(m) => m.locked,
                crate::model::world::Obj::RwMutex(r) => r.w.locked || r.reader_count != 0,
                _ => false,
            };
            if let Some(want) = spec.locked {
                if locked != want {
                    problems.push(format!(
                        "{name} is {}locked, expected {}locked",
                        if locked { "" } else { "not " },
                        if want { "" } else { "not " }
                    ));
                }
            }
        }
        crate::model::world::Obj::WaitGroup(g) => {
            if let Some(want) = spec.count {
                if g.v as i64 != want {
                    problems.push(format!("{name} counter is {}, expected {want}", g.v));
                }
            }
        }
        crate::model::world::Obj::Once(_) => {}
    }
    if problems.is_empty() {
        return None;
    }
    Some(Failure::Assertion {
        id: spec.id.clone().unwrap_or_else(|| "assertion".into()),
        message: format!("final state: {} ({})", problems.join("; "), a.path),
    })
}
