//! Virtual time: the clock, `time.Sleep`, `time.Timer` (Go ≥ 1.23 semantics), `time.AfterFunc`
//! and `time.After`.
//!
//! Time never passes on the wall clock. An execution that uses time has one extra task, the
//! clock. When it runs, it advances `now` to the earliest pending timer and fires one of the
//! timers due then (which one is an explorer choice, recorded in the schedule). When it may run
//! is the scenario's clock mode ([`World::clock_ready`]): under Go's clock (the default, Go's
//! testing/synctest time) time advances only once every goroutine is blocked or asleep, so a
//! goroutine that can run never starves for virtual time, while a timer already due fires at
//! any point; under the adversarial clock a pending timer may fire at any scheduling point
//! (an overloaded machine: steps take unknown time). As in Go, a pending timer means the
//! program is not deadlocked yet.
//!
//! Timer channels are synchronous (Go 1.23): a fired value waits in the timer, not in a
//! buffer that outlives Stop/Reset, so no stale value is received after either returns. Stop
//! and Reset report whether the timer was pending, which includes fired but not received.

use super::chan::{try_send, ChanState, TrySend};
use super::world::{Obj, SpawnReq, ThreadCx, Unwind, Wake, World};
use super::{Failure, Value, WaitReason};
use crate::rt;
use crate::scenario::{BlockId, ObjId, OpId};
use std::sync::Arc;

/// A timer of the runtime's heap.
#[derive(Debug)]
pub(crate) struct TimerSlot {
    /// When it fires (virtual ns); `None` when not pending.
    pub when: Option<u64>,
    pub fires: Fires,
}

/// What a timer does when it fires.
#[derive(Debug)]
pub(crate) enum Fires {
    /// Send the time on this channel (`NewTimer`, `After`).
    Chan(ObjId),
    /// Start `f` in a new thread (`AfterFunc`).
    Func(FuncSpec),
    /// Wake this sleeping thread.
    Sleep(usize),
    /// Cancel this context with `context deadline exceeded`.
    Deadline(super::context::CtxId),
}

/// A callback and the variables it captured.
#[derive(Debug, Clone)]
pub(crate) struct FuncSpec {
    pub body: BlockId,
    pub locals: Vec<Value>,
    pub thread: Arc<str>,
    pub op: OpId,
    /// The creator's clock snapshot when it set the callback up (see `race`).
    pub clock: u32,
}

/// A timer variable.
#[derive(Debug, Clone)]
pub(crate) enum TimerVar {
    /// A zero `time.Timer`: Stop and Reset panic, `C` is nil.
    Uninit,
    /// `NewTimer`: the slot and its channel.
    Chan { slot: usize, ch: ObjId },
    /// `time.AfterFunc`.
    Func { slot: usize },
    /// The `stop` of `context.AfterFunc`: index into `World::afterfuncs`.
    CtxStop(usize),
}

/// A `context.AfterFunc` registration.
#[derive(Debug)]
pub(crate) struct AfterFuncState {
    pub f: FuncSpec,
    /// `stop()` won, or f started: either way stop now returns false.
    pub settled: bool,
}

/// A duration the way Go prints it (`1h0m0s`, `1.5s`, `250ms`), for traces.
pub(crate) fn fmt_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    if a < 1_000 {
        return format!("{sign}{a}ns");
    }
    if a < 1_000_000 {
        return format!("{sign}{}µs", trim(a as f64 / 1e3));
    }
    if a < 1_000_000_000 {
        return format!("{sign}{}ms", trim(a as f64 / 1e6));
    }
    let secs = a as f64 / 1e9;
    let h = (secs / 3600.0).floor();
    let m = ((secs - h * 3600.0) / 60.0).floor();
    let s = secs - h * 3600.0 - m * 60.0;
    if h > 0.0 {
        format!("{sign}{h}h{m}m{}s", trim(s))
    } else if m > 0.0 {
        format!("{sign}{m}m{}s", trim(s))
    } else {
        format!("{sign}{}s", trim(s))
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl World {
    /// A new timer slot, not pending.
    pub fn new_timer(&mut self, fires: Fires) -> usize {
        self.timers.push(TimerSlot { when: None, fires });
        self.timers.len() - 1
    }

    /// Arm `slot` to fire `ns` from now (at once, for `ns <= 0`, when the clock next runs).
    pub fn arm(&mut self, slot: usize, ns: i64) {
        let ns = super::fault::skew_timer(self, ns);
        let when = self.now.saturating_add(ns.max(0) as u64);
        self.timers[slot].when = Some(when);
        // Arming a timer happens before it fires (Go's race annotations on the timer).
        let t = self.current;
        self.race.release(super::race::SyncKey::Timer(slot), t);
        if self.clock_ready() {
            self.unpark_clock();
        }
    }

    /// Disarm `slot`; whether it was pending.
    pub fn disarm(&mut self, slot: usize) -> bool {
        self.timers[slot].when.take().is_some()
    }

    pub fn timer_var(&mut self, o: ObjId) -> &mut TimerVar {
        match &mut self.objs[o] {
            Obj::Timer(t) => t,
            _ => unreachable!("validation checks object kinds"),
        }
    }

    /// A new channel for a timer: capacity 1 inside, drained by Stop and Reset (Go 1.23).
    fn timer_chan(&mut self, name: String) -> ObjId {
        let mut c = ChanState::new(1, false);
        c.timer = true;
        self.new_obj(Arc::from(name), Obj::Chan(c))
    }

    /// The timer of a `time.After` case: one per (thread, select, case), re-armed each time
    /// the select runs (the previous one is unreachable in Go and collected unfired).
    pub fn after_site(&mut self, thread: usize, op: OpId, case: usize, ns: i64) -> ObjId {
        let (slot, ch) = match self.after_sites.get(&(thread, op, case)) {
            Some(&(slot, ch)) => {
                self.disarm(slot);
                self.chan(ch).buf.clear();
                (slot, ch)
            }
            None => {
                let ch = self.timer_chan(format!("time.After({})", fmt_duration(ns)));
                let slot = self.new_timer(Fires::Chan(ch));
                self.after_sites.insert((thread, op, case), (slot, ch));
                (slot, ch)
            }
        };
        self.arm(slot, ns);
        ch
    }

    /// Fire one due timer (the clock's step). False when none is pending.
    pub fn fire_next(&mut self) -> bool {
        let Some(min) = self.timers.iter().filter_map(|t| t.when).min() else {
            return false;
        };
        self.now = self.now.max(min);
        let due: Vec<usize> = (0..self.timers.len())
            .filter(|&i| self.timers[i].when == Some(min))
            .collect();
        let i = due[rt::choose(due.len())];
        self.timers[i].when = None;
        let clock = self.clock.expect("only the clock fires timers");
        self.race.acquire(super::race::SyncKey::Timer(i), clock);
        let now = fmt_duration(self.now as i64);
        match &self.timers[i].fires {
            Fires::Chan(ch) => {
                let ch = *ch;
                // The channel holds at most this one value: Stop and Reset drain it.
                self.chan(ch).buf.clear();
                let name = self.obj_name(ch);
                let line = self.next_point(clock);
                match try_send(self, ch, &Value::Int(self.now as i64), line) {
                    TrySend::Done => {}
                    TrySend::Closed | TrySend::WouldBlock => {
                        unreachable!("a timer channel is never closed and holds one value")
                    }
                }
                self.note(clock, usize::MAX, || {
                    format!("t={now}: timer fires: {name} <- now")
                });
            }
            Fires::Func(f) => {
                let f = f.clone();
                let name = Arc::clone(&f.thread);
                self.note(clock, usize::MAX, || {
                    format!("t={now}: timer fires: go {name}()")
                });
                let from = vec![self.race.snapshot(clock), f.clock];
                self.spawns.push(SpawnReq {
                    name: f.thread,
                    body: f.body,
                    locals: f.locals,
                    op: f.op,
                    from,
                });
            }
            Fires::Sleep(t) => {
                let t = *t;
                let name = self.threads[t].name.clone();
                self.note(clock, usize::MAX, || {
                    format!("t={now}: {name} wakes from sleep")
                });
                self.wake(t, Wake::Retry);
            }
            Fires::Deadline(c) => {
                let c = *c;
                let line = self.note(clock, usize::MAX, || format!("t={now}: deadline passes"));
                self.cancel_ctx(
                    c,
                    super::context::CtxErr::DeadlineExceeded,
                    None,
                    Some(line),
                );
            }
        }
        true
    }
}

/// `time.Sleep(ns)`.
pub(crate) fn sleep(cx: &ThreadCx, op: OpId, ns: i64) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let me = cx.me;
    if ns <= 0 {
        w.note(me, op, || format!("time.Sleep({})", fmt_duration(ns)));
        return Ok(());
    }
    // One timer per thread, re-armed by each sleep (a sleep in a loop adds no timers).
    let slot = match w.threads[me].sleep_timer {
        Some(slot) => slot,
        None => {
            let slot = w.new_timer(Fires::Sleep(me));
            w.threads[me].sleep_timer = Some(slot);
            slot
        }
    };
    w.arm(slot, ns);
    w.note(me, op, || format!("time.Sleep({})", fmt_duration(ns)));
    match cx.block(w, op, WaitReason::Sleep, None)? {
        Wake::Retry => Ok(()),
        other => unreachable!("a sleeper is woken by its timer, not {other:?}"),
    }
}

/// `t = time.NewTimer(ns)`.
pub(crate) fn new_timer(cx: &ThreadCx, op: OpId, t: ObjId, ns: i64) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    start_chan_timer(&mut w, t, ns);
    let name = w.obj_name(t);
    w.note(cx.me, op, || {
        format!("{name} = time.NewTimer({})", fmt_duration(ns))
    });
    Ok(())
}

/// Make `t` a new channel timer firing in `ns` (also used for declared timers).
pub(crate) fn start_chan_timer(w: &mut World, t: ObjId, ns: i64) {
    let name = w.obj_name(t);
    let ch = w.timer_chan(format!("{name}.C"));
    let slot = w.new_timer(Fires::Chan(ch));
    w.arm(slot, ns);
    *w.timer_var(t) = TimerVar::Chan { slot, ch };
}

/// `t = time.AfterFunc(ns, f)`.
pub(crate) fn after_func(
    cx: &ThreadCx,
    op: OpId,
    t: ObjId,
    ns: i64,
    f: FuncSpec,
) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(t);
    let thread = Arc::clone(&f.thread);
    let slot = w.new_timer(Fires::Func(f));
    w.arm(slot, ns);
    *w.timer_var(t) = TimerVar::Func { slot };
    w.note(cx.me, op, || {
        format!("{name} = time.AfterFunc({}, {thread})", fmt_duration(ns))
    });
    Ok(())
}

/// `t.Stop()`, or a `context.AfterFunc` handle's `stop()`.
pub(crate) fn stop(cx: &ThreadCx, op: OpId, t: ObjId) -> Result<bool, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(t);
    let stopped = match w.timer_var(t).clone() {
        TimerVar::Uninit => {
            w.note(cx.me, op, || format!("{name}.Stop(): uninitialized"));
            return Err(cx.panic(Failure::TimerUninit("Stop"), op));
        }
        TimerVar::Chan { slot, ch } => {
            let pending = w.disarm(slot);
            // Fired but not received counts as stopped; the value is dropped (no stale value).
            let unreceived = !w.chan(ch).buf.is_empty();
            w.chan(ch).buf.clear();
            pending || unreceived
        }
        TimerVar::Func { slot } => w.disarm(slot),
        TimerVar::CtxStop(a) => {
            let af = &mut w.afterfuncs[a];
            let prevented = !af.settled;
            af.settled = true;
            w.note(cx.me, op, || format!("stop() for {name} -> {prevented}"));
            return Ok(prevented);
        }
    };
    w.note(cx.me, op, || format!("{name}.Stop() -> {stopped}"));
    Ok(stopped)
}

/// `t.Reset(ns)`: re-arms a stopped or fired timer (an AfterFunc runs f again).
pub(crate) fn reset(cx: &ThreadCx, op: OpId, t: ObjId, ns: i64) -> Result<bool, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(t);
    let was = match w.timer_var(t).clone() {
        TimerVar::Uninit => {
            w.note(cx.me, op, || format!("{name}.Reset(): uninitialized"));
            return Err(cx.panic(Failure::TimerUninit("Reset"), op));
        }
        TimerVar::Chan { slot, ch } => {
            let pending = w.disarm(slot);
            let unreceived = !w.chan(ch).buf.is_empty();
            w.chan(ch).buf.clear();
            w.arm(slot, ns);
            pending || unreceived
        }
        TimerVar::Func { slot } => {
            let pending = w.disarm(slot);
            w.arm(slot, ns);
            pending
        }
        TimerVar::CtxStop(_) => {
            unreachable!("validation rejects Reset of a context.AfterFunc stop")
        }
    };
    w.note(cx.me, op, || {
        format!("{name}.Reset({}) -> {was}", fmt_duration(ns))
    });
    Ok(was)
}
