//! The state of one execution: every object's port state, every thread's status, the outcome.
//!
//! All tasks of an execution run on one OS thread (shuttle switches coroutines), so the world is
//! an `Rc<RefCell<_>>`. Invariant: no task holds a borrow of the world across a scheduling point;
//! [`ThreadCx::step`] and [`ThreadCx::block`] take and release the borrow around the switch.

use super::atomic::AtomicState;
use super::chan::ChanState;
use super::context::{CtxId, CtxNode};
use super::ds::{CowMapState, ShardedMapState, StackState, SyncMapState};
use super::failure::{Blocked, Failure, WaitReason};
use super::handle::HandleState;
use super::map::{MapRef, MapState};
use super::mutex::MutexState;
use super::once::OnceState;
use super::pool::PoolState;
use super::rwmutex::RwMutexState;
use super::slice::SliceHdr;
use super::sync::Point;
use super::time::{AfterFuncState, TimerSlot, TimerVar};
use super::waitgroup::WaitGroupState;
use super::Value;
use crate::rt;
use crate::scenario::{ClockMode, Lifetime};
use crate::scenario::{ObjId, ObjectDecl, OpId, Program, MAX_THREADS};
use std::cell::{RefCell, RefMut};
use std::rc::Rc;
use std::sync::Arc;

/// One object's port state.
#[derive(Debug)]
pub(crate) enum Obj {
    /// A map variable: which instance in `World::maps` it holds now. Assigning the variable
    /// (`make`, `maps.Clone`) points it at a new instance; an op already under way keeps the
    /// instance it loaded, as a Go `mapassign` keeps its `*hmap`.
    Map(usize),
    Chan(ChanState),
    Mutex(MutexState),
    RwMutex(RwMutexState),
    WaitGroup(WaitGroupState),
    Once(OnceState),
    Timer(TimerVar),
    /// A context variable: `None` is a nil context.
    Context(Option<CtxId>),
    Slice(SliceHdr),
    Atomic(AtomicState),
    Pool(PoolState),
    Handle(HandleState),
    /// `rwmutex-map`: a map behind an RWMutex.
    RwMap(RwMutexState, MapState),
    ShardedMap(ShardedMapState),
    SyncMap(SyncMapState),
    CowMap(CowMapState),
    Stack(StackState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Runnable,
    Blocked(WaitReason),
    Finished,
}

/// What woke a blocked thread (Go's sudog result).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Wake {
    /// Try again (a mutex was released, a semaphore handed over).
    Retry,
    /// A receive completed; `case` is the select case when the thread was in a select.
    Received {
        case: Option<usize>,
        value: Value,
        ok: bool,
    },
    /// A send completed.
    Sent { case: Option<usize> },
    /// The channel was closed under a blocked sender: it panics.
    SendClosed { case: Option<usize> },
    /// The execution is over (failure or quiescence): unwind without running defers.
    Abort,
    /// An injected spurious wakeup: nothing changed; check the condition again.
    Spurious,
}

#[derive(Debug)]
pub(crate) struct ThreadState {
    /// Display name, unique in the execution (`worker`, `worker#2`).
    pub name: String,
    /// Static name from the scenario: the thread's role in a failure signature.
    pub role: String,
    /// Top-level threads are the ones `main` waits for: when one of them is blocked at
    /// quiescence the program is stuck (Go's global deadlock); spawned threads are `go f()`.
    pub top_level: bool,
    pub status: Status,
    pub wake: Option<Wake>,
    /// The op the thread is executing (for blocked-thread reports and failure signatures).
    pub op: OpId,
    /// The object it blocks on, if any.
    pub waits_on: Option<ObjId>,
    /// The virtual clock's task: not a goroutine, never counted in `live` or `runnable`.
    pub clock: bool,
    /// Spawned inside a `recover` scope of its spawner (which cannot catch its panics).
    pub guarded: bool,
    /// The timer its sleeps use.
    pub sleep_timer: Option<usize>,
    /// A `panic` or `kill` fault waiting for its site inside the current op.
    pub armed: Option<super::fault::Armed>,
}

/// A thread to start once the current atomic chunk is over (AfterFunc callbacks).
#[derive(Debug)]
pub(crate) struct SpawnReq {
    pub name: Arc<str>,
    pub body: crate::scenario::BlockId,
    pub locals: Vec<Value>,
    /// The op that set the callback up (the thread's op until it runs its first).
    pub op: OpId,
}

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
    /// Threads not finished.
    pub live: usize,
    /// Threads neither blocked nor finished. Invariant: equals the count of `Status::Runnable`.
    pub runnable: usize,
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
    reserved: u32,
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
    nil_chan: Option<ObjId>,
    /// The nil channel `Background().Done()` returns (kept apart for diagnosis).
    nil_done: Option<ObjId>,
    /// Channels of the other cases of a `select` that took a timer's case: a thread left
    /// waiting on one was abandoned by a caller that gave up (`timeout-leak`).
    pub abandoned: Vec<ObjId>,
    /// Injected faults.
    pub faults: super::fault::FaultRun,
    /// The thread taking the current step (the one whose atomic chunk runs).
    pub current: usize,
}

impl World {
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
            max_steps,
            preempt_steps: Vec::new(),
            trace: trace.then(Vec::new),
            sync: Default::default(),
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
            nil_done: None,
            abandoned: Vec::new(),
            faults: super::fault::FaultRun::new(&prog),
            current: 0,
        };
        // Declared objects take ids 0..n; then, in declaration order (a derived context's
        // parent comes first), the setup that creates objects of its own.
        for o in 0..prog.objects.len() {
            let obj = match &prog.objects[o].decl {
                ObjectDecl::Map { nil, entries, .. } => {
                    w.maps.push(MapState::new(*nil, entries));
                    Obj::Map(w.maps.len() - 1)
                }
                ObjectDecl::Chan { cap, nil, .. } => Obj::Chan(ChanState::new(*cap, *nil)),
                ObjectDecl::Mutex {} => Obj::Mutex(MutexState::default()),
                ObjectDecl::Rwmutex {} => Obj::RwMutex(RwMutexState::default()),
                ObjectDecl::Waitgroup {} => Obj::WaitGroup(WaitGroupState::default()),
                ObjectDecl::Once {} => Obj::Once(OnceState::default()),
                decl => super::init::object(&mut w, o, decl),
            };
            w.objs.push(obj);
        }
        for o in 0..prog.objects.len() {
            super::init::setup(&mut w, o);
        }
        w
    }

    /// Create an object while running (not declared by the scenario).
    pub fn new_obj(&mut self, name: Arc<str>, obj: Obj) -> ObjId {
        self.objs.push(obj);
        self.names.push(name);
        self.objs.len() - 1
    }

    /// The shared nil channel.
    pub fn nil_chan(&mut self) -> ObjId {
        if let Some(c) = self.nil_chan {
            return c;
        }
        let c = self.new_obj(Arc::from("nil"), Obj::Chan(ChanState::new(0, true)));
        self.nil_chan = Some(c);
        c
    }

    /// `obj == nil` for a map, chan, slice or context variable.
    pub fn is_nil(&self, o: ObjId) -> bool {
        match &self.objs[o] {
            Obj::Map(i) => self.maps[*i].nil,
            Obj::Chan(c) => c.nil,
            Obj::Slice(s) => s.arr.is_none(),
            Obj::Context(c) => c.is_none(),
            _ => false,
        }
    }

    /// The nil channel a background context's `Done()` returns.
    pub fn nil_done(&mut self) -> ObjId {
        if let Some(c) = self.nil_done {
            return c;
        }
        let mut ch = ChanState::new(0, true);
        ch.ctx_done = true;
        let c = self.new_obj(Arc::from("context.Background().Done()"), Obj::Chan(ch));
        self.nil_done = Some(c);
        c
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

    /// Register a new thread (runnable) and return its index.
    /// A goroutine is being started (see `rt::spawn`): it counts as live and runnable from the
    /// `go` statement on, although it gets its index only once the spawn's scheduling point
    /// has passed. [`World::add_reserved_thread`] gives it its index.
    ///
    /// Validation bounds the threads a scenario declares ([`MAX_THREADS`], counting loops), but
    /// not those a `range` body or a re-armed callback starts: past the bound the execution
    /// stops with `limit` set, a bound of the harness rather than a Go failure.
    pub fn reserve_thread(&mut self) -> Result<(), Unwind> {
        // Threads registered, plus those reserved but not yet registered.
        let started = self.threads.len() as u64 + u64::from(self.reserved);
        if started >= MAX_THREADS {
            self.limit.get_or_insert_with(|| {
                format!("the scenario starts more than {MAX_THREADS} threads in one execution (a bound of the harness); a spawn inside a range over a large map, say: lower the number of entries")
            });
            self.tear_down();
            return Err(Unwind::Abort);
        }
        self.reserved += 1;
        self.live += 1;
        self.runnable += 1;
        Ok(())
    }

    /// Add the thread [`World::reserve_thread`] counted.
    pub fn add_reserved_thread(&mut self, role: &str, op: OpId) -> usize {
        let t = self.add_thread(role, false, op);
        self.reserved -= 1;
        self.live -= 1;
        self.runnable -= 1;
        t
    }

    pub fn add_thread(&mut self, role: &str, top_level: bool, op: OpId) -> usize {
        let same = self.threads.iter().filter(|t| t.role == role).count();
        let name = if same == 0 {
            role.to_string()
        } else {
            format!("{role}#{}", same + 1)
        };
        self.threads.push(ThreadState {
            name,
            role: role.to_string(),
            top_level,
            status: Status::Runnable,
            wake: None,
            op,
            waits_on: None,
            clock: false,
            guarded: false,
            sleep_timer: None,
            armed: None,
        });
        self.live += 1;
        self.runnable += 1;
        self.threads.len() - 1
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
        let here = self.next_point(thread);
        if let Some(f) = from {
            self.acquired(f, here);
        }
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

    /// Wake a blocked thread with `wake`.
    pub fn wake(&mut self, t: usize, wake: Wake) {
        let th = &mut self.threads[t];
        debug_assert!(
            matches!(th.status, Status::Blocked(_)),
            "waking a thread that is not blocked"
        );
        th.status = Status::Runnable;
        th.wake = Some(wake);
        th.waits_on = None;
        self.runnable += 1;
        rt::unblock(t);
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

    /// Nothing can run and nothing can wake anything: a global deadlock when a thread `main`
    /// waits for is among the blocked, a leak when only spawned threads are.
    pub fn quiesce(&mut self) {
        let blocked: Vec<usize> = (0..self.threads.len())
            .filter(|&t| matches!(self.threads[t].status, Status::Blocked(_)))
            .collect();
        self.fail_blocked(blocked);
    }

    /// Fail with the deadlock or leak of the `blocked` threads.
    fn fail_blocked(&mut self, blocked: Vec<usize>) {
        let diagnosed = super::diagnose::catalog_id(self, &blocked);
        let on_channel = super::diagnose::waits_on_channel(self, &blocked);
        let list = blocked
            .iter()
            .map(|&t| {
                let th = &self.threads[t];
                let Status::Blocked(reason) = th.status else {
                    unreachable!()
                };
                Blocked {
                    thread: th.name.clone(),
                    reason,
                    object: th.waits_on.map(|o| self.names[o].to_string()),
                    op: self.prog.op_path(th.op).to_string(),
                    holds: super::diagnose::holds(self, t)
                        .into_iter()
                        .map(|(o, how)| format!("{}{how}", self.names[o]))
                        .collect(),
                }
            })
            .collect::<Vec<_>>();
        let failure = if blocked.iter().any(|&t| self.threads[t].top_level) {
            // Go's dump lists main's goroutine first: it waits for the top-level threads
            // (unless one of them is the scenario's own `main`).
            let mut list = list;
            if !self
                .threads
                .iter()
                .any(|th| th.top_level && th.role == "main")
            {
                list.insert(
                    0,
                    Blocked {
                        thread: "main".into(),
                        reason: WaitReason::WaitGroupWait,
                        object: None,
                        op: "$.threads".into(),
                        holds: Vec::new(),
                    },
                );
            }
            Failure::Deadlock {
                id: diagnosed.unwrap_or("deadlock"),
                blocked: list,
            }
        } else {
            // A leak on a channel is chan-leak; on anything else, with no more specific id,
            // the harness's own `leak`.
            let abandoned = blocked.iter().any(|&t| {
                self.abandoned.iter().any(|&c| {
                    self.threads[t].waits_on == Some(c)
                        || matches!(&self.objs[c], Obj::Chan(ch)
                            if ch.recvq.iter().chain(ch.sendq.iter()).any(|x| x.thread == t))
                })
            });
            let fallback = match (on_channel, abandoned) {
                (true, true) => "timeout-leak",
                (true, false) => "chan-leak",
                _ => "leak",
            };
            Failure::Leak {
                id: diagnosed.unwrap_or(fallback),
                blocked: list,
            }
        };
        let first = blocked.first().copied();
        let op = first.map(|t| self.threads[t].op);
        self.fail(failure, first, op);
    }

    /// The thread finished (normally, by panic, or unwinding the teardown).
    pub fn finish_thread(&mut self, t: usize) {
        let th = &mut self.threads[t];
        debug_assert_eq!(th.status, Status::Runnable);
        th.status = Status::Finished;
        let top_level = th.top_level;
        self.live -= 1;
        self.runnable -= 1;
        if top_level && !self.tearing_down && self.main_returned() {
            self.after_main = true;
        }
        if self.live == 0 {
            // main returns: the program exits even with timers pending.
            if self.clock.is_none() || self.clock_finished {
                rt::unblock_driver();
            } else {
                self.unpark_clock();
            }
        } else if self.runnable == 0 && !self.tearing_down && !self.timers_pending() {
            self.quiesce();
        } else if self.clock_ready() {
            self.unpark_clock();
        }
    }

    /// Whether thread `t` returning makes `main` return: it is the last top-level thread left
    /// and the program is not a long-lived process.
    pub fn ends_program(&self, t: usize) -> bool {
        self.prog.lifetime == Lifetime::Main
            && self.threads[t].top_level
            && self
                .threads
                .iter()
                .enumerate()
                .all(|(u, th)| u == t || !th.top_level || th.status == Status::Finished)
    }

    /// Whether `main` has returned: it waits for every top-level thread, and a Go program ends
    /// there (a long-lived process's `main` never returns).
    fn main_returned(&self) -> bool {
        self.prog.lifetime == Lifetime::Main
            && self
                .threads
                .iter()
                .all(|th| !th.top_level || th.status == Status::Finished)
    }

    /// The map instance `o` holds now.
    pub fn map_ref(&self, o: ObjId) -> MapRef {
        match &self.objs[o] {
            Obj::Map(i) => MapRef::Inst(*i),
            Obj::RwMap(..) => MapRef::Inner(o),
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn map_at(&mut self, r: MapRef) -> &mut MapState {
        match r {
            MapRef::Inst(i) => &mut self.maps[i],
            MapRef::Inner(o) => match &mut self.objs[o] {
                Obj::RwMap(_, m) => m,
                _ => unreachable!("MapRef::Inner names an rwmutex-map"),
            },
        }
    }
    /// Point map variable `o` at a new instance (`make`, `maps.Clone`).
    pub fn assign_map(&mut self, o: ObjId, m: MapState) {
        self.maps.push(m);
        let i = self.maps.len() - 1;
        match &mut self.objs[o] {
            Obj::Map(cur) => *cur = i,
            _ => unreachable!("validation: only map variables are assigned"),
        }
    }
    pub fn map(&mut self, o: ObjId) -> &mut MapState {
        let r = self.map_ref(o);
        self.map_at(r)
    }
    pub fn chan(&mut self, o: ObjId) -> &mut ChanState {
        match &mut self.objs[o] {
            Obj::Chan(c) => c,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn mutex(&mut self, o: ObjId) -> &mut MutexState {
        match &mut self.objs[o] {
            Obj::Mutex(m) => m,
            Obj::Once(once) => &mut once.m,
            Obj::RwMutex(rw) | Obj::RwMap(rw, _) => &mut rw.w,
            Obj::CowMap(c) => &mut c.mu,
            Obj::SyncMap(s) => &mut s.mu,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn rwmutex(&mut self, o: ObjId) -> &mut RwMutexState {
        match &mut self.objs[o] {
            Obj::RwMutex(m) | Obj::RwMap(m, _) => m,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn waitgroup(&mut self, o: ObjId) -> &mut WaitGroupState {
        match &mut self.objs[o] {
            Obj::WaitGroup(w) => w,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn once(&mut self, o: ObjId) -> &mut OnceState {
        match &mut self.objs[o] {
            Obj::Once(w) => w,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    /// The object's name, for trace text (a shared string: no allocation).
    pub fn obj_name(&self, o: ObjId) -> Arc<str> {
        Arc::clone(&self.names[o])
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
            let steps = w.max_steps;
            w.fail(Failure::Livelock { steps }, Some(self.me), Some(op));
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
