//! Tasks besides a thread's own interpreter: goroutines a callback starts (AfterFunc), and the
//! virtual clock's task, which fires timers when Go's time would.

use super::interp::thread_main;
use super::oracle::OpJudges;
use crate::model::world::{SpawnReq, ThreadKind, World};
use crate::rt;
use crate::scenario::Program;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Start threads as goroutines (AfterFunc callbacks), each with the variables it captured.
pub(crate) fn start_threads(
    prog: &Arc<Program>,
    world: &Rc<RefCell<World>>,
    oracles: &OpJudges,
    reqs: Vec<SpawnReq>,
) {
    for r in reqs {
        {
            let mut w = world.borrow_mut();
            if w.tearing_down {
                return;
            }
            if w.reserve_thread().is_err() {
                return;
            }
        }
        let f = thread_main(
            Arc::clone(prog),
            Rc::clone(world),
            oracles.clone(),
            r.body,
            r.locals,
        );
        let t = rt::spawn(&r.name, f);
        let mut w = world.borrow_mut();
        debug_assert_eq!(t, w.threads.len());
        w.add_thread(ThreadKind::Go {
            role: &r.name,
            op: r.op,
        });
        for s in r.from {
            w.race.acquire_snapshot(t, s);
        }
    }
}

/// The virtual clock's task (see `model::time`): while it has a timer to fire
/// ([`World::clock_ready`]) it may run at any scheduling point, and then fires the earliest
/// timer. It parks otherwise, and ends with the execution.
pub(crate) fn clock_main(
    prog: Arc<Program>,
    world: Rc<RefCell<World>>,
    oracles: OpJudges,
) -> Box<dyn FnOnce()> {
    Box::new(move || {
        let me = rt::current();
        loop {
            rt::yield_now();
            let mut w = world.borrow_mut();
            if w.tearing_down || w.live() == 0 {
                break;
            }
            if w.runnable() == 0 && !w.timers_pending() {
                // Everyone is blocked and no timer Go counts can wake anyone.
                w.quiesce();
                continue;
            }
            if !w.clock_ready() {
                w.clock_parked = true;
                drop(w);
                rt::block_current();
                continue;
            }
            w.steps += 1;
            w.current = me;
            if rt::take_preempted(me) && w.trace.is_some() {
                let s = w.steps;
                w.preempt_steps.push(s);
            }
            if w.steps > w.max_steps {
                w.out_of_steps(None);
                continue;
            }
            w.fire_next();
            let reqs = std::mem::take(&mut w.spawns);
            drop(w);
            start_threads(&prog, &world, &oracles, reqs);
        }
        let mut w = world.borrow_mut();
        w.clock_finished = true;
        w.threads[me].status = crate::model::world::Status::Finished;
        if w.live() == 0 {
            rt::unblock_driver();
        }
    })
}
