//! The state of one execution: every object's port state, every thread's status, the outcome.
//!
//! All tasks of an execution run on one OS thread (shuttle switches coroutines), so the world is
//! an `Rc<RefCell<_>>`. Invariant: no task holds a borrow of the world across a scheduling point;
//! [`ThreadCx::step`] and [`ThreadCx::block`] take and release the borrow around the switch.

use super::context::CtxNode;
use super::failure::{Failure, WaitReason};
use super::map::MapState;
use super::sync::Point;
use super::time::{AfterFuncState, TimerSlot};
use super::Value;
use crate::rt;
use crate::scenario::ClockMode;
use crate::scenario::{ObjId, OpId, Program};
use std::cell::{RefCell, RefMut};
use std::rc::Rc;
use std::sync::Arc;

pub(crate) use super::obj::{FieldVal, Obj};
pub(crate) use super::threads::{SpawnReq, Status, ThreadKind, ThreadState, Wake};

/// How an execution failed: the failure, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    pub failure: Failure,
    /// Index of the failing thread (None for whole-program failures such as deadlock).
    pub thread: Option<usize>,
    pub op: Option<OpId>,
}

/// One line of the step trace.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub step: u64,
    pub thread: usize,
    pub op: OpId,
    pub text: String,
    /// The earlier line, of another thread, that handed off to this one (see `sync`).
    pub from: Option<usize>,
}

pub(crate) struct World {
    pub prog: Arc<Program>,
    pub objs: Vec<Obj>,
    /// Every map instance made in this execution; map variables index into it.
    pub maps: Vec<MapState>,
    pub threads: Vec<ThreadState>,
    /// Goroutines not finished (see `threads` for the counters' invariants).
    pub(super) live: usize,
    /// Goroutines neither blocked nor finished.
    pub(super) runnable: usize,
    pub outcome: Option<Failed>,
    /// Set once the outcome is known: every thread unwinds at its next scheduling point.
    pub tearing_down: bool,
    pub steps: u64,
    pub max_steps: u64,
    /// Steps the explorer reached by preempting another thread (traced executions only).
    pub preempt_steps: Vec<u64>,
    pub trace: Option<Vec<Event>>,
    /// Synchronizing events waiting for their acquisition (see `sync`).
    pub sync: super::sync::SyncState,
    /// Vector clocks and shadow memory of the data-race detector (see `race`).
    pub race: super::race::RaceState,
    /// Shared variables' cells, with the variable each is the memory of.
    pub cells: std::collections::HashMap<ObjId, usize>,
    /// Object names by `ObjId`: the scenario's objects, then objects created while running
    /// (a context's Done channel, a timer's channel).
    pub names: Vec<Arc<str>>,
    /// Virtual time in nanoseconds since the execution started.
    pub now: u64,
    pub timers: Vec<TimerSlot>,
    /// The clock's thread index, when the scenario uses time.
    pub clock: Option<usize>,
    /// The clock is blocked: no timer is pending.
    pub clock_parked: bool,
    pub clock_finished: bool,
    /// `main` has returned (every top-level thread finished; lifetime `main`). The process has
    /// exited, as far as Go shows anything: the other goroutines still run, but only to tell a
    /// leak (blocked for good) from work that would have finished; their failures are not
    /// findings.
    pub after_main: bool,
    /// Slice elements allocated so far (bounded by `MAX_ELEMS`).
    pub elems_allocated: usize,
    /// Goroutines started whose spawn has not registered them yet ([`World::reserve_thread`]).
    pub(super) reserved: u32,
    /// The execution stopped at a bound of the harness (not a Go failure), with what it says.
    pub limit: Option<String>,
    pub ctxs: Vec<CtxNode>,
    pub afterfuncs: Vec<AfterFuncState>,
    /// Backing arrays of slices, by id.
    pub arrays: Vec<Vec<Value>>,
    pub spawns: Vec<SpawnReq>,
    /// `time.After` timers by (thread, select op, case): (slot, channel).
    pub after_sites: std::collections::HashMap<(usize, OpId, usize), (usize, ObjId)>,
    /// The one nil channel every nil `Done()` / `C` resolves to.
    pub(super) nil_chan: Option<ObjId>,
    /// Objects `new` made, with the zero value of their elements; and the nil map and slice
    /// a variable holding `nil` names.
    pub(super) made: std::collections::HashMap<ObjId, Value>,
    pub(super) nil_objs: Vec<(crate::base::ObjKind, ObjId)>,
    /// Declared objects an `assign` pointed elsewhere: what each names now (`None`: nil).
    pub slots: std::collections::HashMap<ObjId, Option<ObjId>>,
    /// The nil channel `Background().Done()` returns (kept apart for diagnosis).
    pub(super) nil_done: Option<ObjId>,
    /// Channels of the other cases of a `select` that took a timer's case: a thread left
    /// waiting on one was abandoned by a caller that gave up (`timeout-leak`).
    pub abandoned: Vec<ObjId>,
    /// Injected faults.
    pub faults: super::fault::FaultRun,
    /// The thread taking the current step (the one whose atomic chunk runs).
    pub current: usize,
    /// Histories of the objects `expect.linearizable` names.
    pub lin: super::history::LinLog,
}

impl World {
    /// The execution took more than `max_steps` steps. With a loop that has no static bound
    /// that is a livelock; otherwise the program was longer than its step bound allowed for,
    /// a bound of the harness, never a verdict on the program.
    pub(crate) fn out_of_steps(&mut self, at: Option<(usize, OpId)>) {
        let steps = self.max_steps;
        if self.prog.static_ops.is_some() {
            self.limit.get_or_insert_with(|| {
                format!("an execution ran more than {steps} steps although every loop of the scenario has a static bound (a bound of the harness): raise `explore.max_steps`")
            });
            self.tear_down();
            return;
        }
        self.fail(
            Failure::Livelock { steps },
            at.map(|a| a.0),
            at.map(|a| a.1),
        );
    }

    /// The scenario itself is wrong in a way validation could not see (an expression given a
    /// value of the wrong type at run time): the execution stops and the run is an input
    /// error, never a finding.
    pub(crate) fn scenario_error(&mut self, why: String) -> Unwind {
        self.limit
            .get_or_insert_with(|| format!("scenario error at run time: {why}"));
        self.tear_down();
        Unwind::Abort
    }

    pub fn new(prog: Arc<Program>, max_steps: u64, trace: bool) -> World {
        let names = prog.objects.iter().map(|o| Arc::clone(&o.name)).collect();
        let mut w = World {
            prog: Arc::clone(&prog),
            objs: Vec::with_capacity(prog.objects.len()),
            maps: Vec::new(),
            threads: Vec::new(),
            live: 0,
            runnable: 0,
            outcome: None,
            tearing_down: false,
            steps: 0,
            max_steps: prog.step_bound(max_steps),
            preempt_steps: Vec::new(),
            trace: trace.then(Vec::new),
            sync: super::sync::SyncState::fresh(),
            race: super::race::RaceState::new(prog.races),
            cells: std::collections::HashMap::new(),
            names,
            now: 0,
            timers: Vec::new(),
            clock: None,
            clock_parked: true,
            clock_finished: false,
            after_main: false,
            elems_allocated: 0,
            reserved: 0,
            limit: None,
            ctxs: Vec::new(),
            afterfuncs: Vec::new(),
            arrays: Vec::new(),
            spawns: Vec::new(),
            after_sites: std::collections::HashMap::new(),
            nil_chan: None,
            made: std::collections::HashMap::new(),
            nil_objs: Vec::new(),
            slots: std::collections::HashMap::new(),
            nil_done: None,
            abandoned: Vec::new(),
            faults: super::fault::FaultRun::new(&prog),
            current: 0,
            lin: super::history::LinLog::new(prog.linearizable.iter().map(|l| l.obj)),
        };
        // Declared objects take ids 0..n; then, in declaration order (a derived context's
        // parent comes first), the setup that creates objects of its own.
        for o in 0..prog.objects.len() {
            let obj = w.declared(&prog.objects[o].decl);
            w.objs.push(obj);
        }
        for o in 0..prog.objects.len() {
            w.setup(o);
        }
        for o in 0..prog.objects.len() {
            if let crate::scenario::ObjectDecl::Struct { fields } = &prog.objects[o].decl {
                let f = w.struct_fields(&prog.objects[o].name, fields);
                w.objs[o] = Obj::Struct(f);
            }
        }
        w
    }

    /// Whether a timer is armed: the clock has something to fire.
    pub fn timers_armed(&self) -> bool {
        self.timers.iter().any(|t| t.when.is_some())
    }

    /// Whether a timer is pending in Go's sense, so that blocked goroutines are not a
    /// deadlock yet: a sleep, an AfterFunc or a context deadline; a channel timer (NewTimer,
    /// After) only while a goroutine waits on its channel (Go 1.23 keeps an unwatched
    /// channel timer off the timer heap).
    pub fn timers_pending(&self) -> bool {
        self.timers.iter().any(|t| {
            t.when.is_some()
                && match &t.fires {
                    super::time::Fires::Chan(ch) => match &self.objs[*ch] {
                        Obj::Chan(c) => !c.recvq.is_empty(),
                        _ => false,
                    },
                    _ => true,
                }
        })
    }

    /// Whether the clock has something to do now. Under Go's clock (testing/synctest's time):
    /// a timer already due, or, once no goroutine can run, the earliest armed timer (time
    /// advances to it). Under the adversarial clock: any armed timer, at any point.
    pub fn clock_ready(&self) -> bool {
        match self.prog.clock {
            ClockMode::Adversarial => self.timers_armed(),
            ClockMode::Go => {
                (self.runnable == 0 && self.timers_armed())
                    || self
                        .timers
                        .iter()
                        .any(|t| t.when.is_some_and(|w| w <= self.now))
            }
        }
    }

    /// Let the clock run again (a timer was armed, or the execution is ending).
    pub fn unpark_clock(&mut self) {
        if let Some(c) = self.clock {
            if self.clock_parked && !self.clock_finished {
                self.clock_parked = false;
                rt::unblock(c);
            }
        }
    }

    /// Record a trace line (only when tracing; the closure keeps formatting off the hot path).
    /// Returns its point, for the releases and hand-offs that start there.
    #[inline]
    pub fn note(&mut self, thread: usize, op: OpId, text: impl FnOnce() -> String) -> Point {
        self.note_from(thread, op, None, text)
    }

    /// Record that `thread` acquired what `from` released (see [`World::acquired`]) and its
    /// trace line, linked to `from`'s; a link within one thread is dropped (program order
    /// already says it).
    #[inline]
    pub fn note_from(
        &mut self,
        thread: usize,
        op: OpId,
        from: Option<Point>,
        text: impl FnOnce() -> String,
    ) -> Point {
        // The acquisition first: the point this op leaves (a release others may acquire)
        // carries what it acquired, so happens-before stays transitive.
        if let Some(f) = from {
            self.acquired(f, thread);
        }
        let here = self.next_point(thread);
        if let Some(trace) = self.trace.as_mut() {
            trace.push(Event {
                step: self.steps,
                thread,
                op,
                text: text(),
                from: from.filter(|f| f.thread != thread).and_then(|f| f.line),
            });
        }
        here
    }

    /// The execution failed: record the first failure and tear down. After `main` returned
    /// only a leak is a failure: anything else would happen after the process exited, so the
    /// execution just ends.
    pub fn fail(&mut self, failure: Failure, thread: Option<usize>, op: Option<OpId>) {
        if self.after_main && !matches!(failure, Failure::Leak { .. }) {
            self.tear_down();
            return;
        }
        if self.outcome.is_none() {
            if let (Some(t), Some(op)) = (thread, op) {
                let text = failure.render();
                self.note(t, op, || text);
            }
            self.outcome = Some(Failed {
                failure,
                thread,
                op,
            });
        }
        self.tear_down();
    }

    pub(crate) fn tear_down(&mut self) {
        if self.tearing_down {
            return;
        }
        self.tearing_down = true;
        rt::set_teardown(true);
        self.unpark_clock();
        for t in 0..self.threads.len() {
            if matches!(self.threads[t].status, Status::Blocked(_)) {
                self.wake(t, Wake::Abort);
            }
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        std::mem::take(&mut self.sync).recycle();
    }
}

/// How a thread's interpreter unwinds.
#[derive(Debug)]
pub(crate) enum Unwind {
    /// A Go panic: runs deferred calls, can be recovered.
    Panic(PanicVal),
    /// The execution is over: unwind at once (fatal errors, deadlock, teardown).
    Abort,
    /// `runtime.Goexit()` (an injected `kill`): runs deferred calls, cannot be recovered, ends
    /// the thread without failing the program.
    Exit,
    /// `break` (with its label): caught by the loop (or `select`) it leaves. Validation keeps it
    /// inside one function; the ports pass it through like any unwind.
    Break(Option<crate::scenario::LabelId>),
    /// `continue` (with its label): caught by the loop it continues.
    Continue(Option<crate::scenario::LabelId>),
    /// `return`: caught by the function frame it leaves, after its deferred calls.
    Return,
}

#[derive(Debug)]
pub(crate) struct PanicVal {
    pub failure: Failure,
    pub thread: usize,
    pub op: OpId,
    /// The fault rule that injected this panic, while it is still that panic.
    pub injected: Option<usize>,
}

/// A thread's handle on the world: the scheduling points and blocking go through here.
#[derive(Clone)]
pub(crate) struct ThreadCx {
    pub world: Rc<RefCell<World>>,
    pub me: usize,
}

impl ThreadCx {
    /// A scheduling point before (part of) an operation: the explorer may switch threads here.
    /// Returns the world, borrowed, for the atomic chunk that follows.
    pub fn step(&self, op: OpId) -> Result<RefMut<'_, World>, Unwind> {
        rt::yield_now();
        let mut w = self.world.borrow_mut();
        if w.tearing_down {
            return Err(Unwind::Abort);
        }
        w.steps += 1;
        if rt::take_preempted(self.me) && w.trace.is_some() {
            let s = w.steps;
            w.preempt_steps.push(s);
        }
        w.threads[self.me].op = op;
        w.current = self.me;
        crate::rt::cover::cover_step(self.me, op);
        if w.steps > w.max_steps {
            w.out_of_steps(Some((self.me, op)));
            return Err(Unwind::Abort);
        }
        Ok(w)
    }

    /// Block the thread until another wakes it. The caller has queued the thread where its
    /// waker will find it; `w` is released before switching away.
    pub fn block(
        &self,
        mut w: RefMut<'_, World>,
        op: OpId,
        reason: WaitReason,
        on: Option<ObjId>,
    ) -> Result<Wake, Unwind> {
        let me = self.me;
        crate::rt::cover::cover_block(me, op);
        let line = w.note(me, op, || format!("blocks [{reason}]"));
        w.blocked_at(me, line);
        let th = &mut w.threads[me];
        th.status = Status::Blocked(reason);
        th.waits_on = on;
        th.op = op;
        w.runnable -= 1;
        w.check_counts();
        if w.runnable == 0 && !w.timers_pending() {
            // Nobody is left to wake anyone: the scenario is stuck. The caller's queue entry
            // stays, which is what the blocked-thread report reads.
            w.quiesce();
            return Err(Unwind::Abort);
        }
        if w.clock_ready() {
            w.unpark_clock();
        }
        drop(w);
        rt::block_current();
        let mut w = self.world.borrow_mut();
        // Woken just before another thread ended the execution: stop here too.
        if w.tearing_down {
            return Err(Unwind::Abort);
        }
        match w.threads[me].wake.take() {
            Some(Wake::Abort) | None => Err(Unwind::Abort),
            Some(wake) => Ok(wake),
        }
    }

    /// A Go panic raised by the current op.
    pub fn panic(&self, failure: Failure, op: OpId) -> Unwind {
        Unwind::Panic(PanicVal {
            failure,
            thread: self.me,
            op,
            injected: None,
        })
    }

    /// A Go fatal error: the process dies here, no deferred call runs.
    pub fn fatal(&self, w: &mut World, failure: Failure, op: OpId) -> Unwind {
        w.fail(failure, Some(self.me), Some(op));
        Unwind::Abort
    }
}
