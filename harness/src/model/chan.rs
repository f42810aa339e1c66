//! `chan` port: capacity 0..n, nil channels, close semantics, FIFO wait queues (Go's hchan).
//!
//! A nil channel blocks every send and receive forever. `close` wakes every blocked receiver with
//! the zero value and `ok == false`, and every blocked sender, which then panics with
//! `send on closed channel` in its own thread. Buffered values still drain after close.

use super::sync::{Point, Release};
use super::world::{Obj, ThreadCx, Unwind, Wake, World};
use super::{Failure, Value, WaitReason};
use crate::scenario::{ObjId, OpId};
use std::collections::VecDeque;

/// A blocked sender or receiver (Go's sudog). `case` is set when it waits inside a `select`.
#[derive(Debug, Clone)]
pub(crate) struct Waiter {
    pub thread: usize,
    pub case: Option<usize>,
    /// The value a blocked sender offers.
    pub value: Value,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ChanState {
    pub nil: bool,
    pub cap: usize,
    /// Invariant: `buf.len() <= cap`, and `buf` is empty whenever `recvq` is not.
    pub buf: VecDeque<Value>,
    pub closed: bool,
    pub recvq: VecDeque<Waiter>,
    pub sendq: VecDeque<Waiter>,
    /// A timer's `C` (for traces and diagnosis).
    pub timer: bool,
    /// A context's `Done()` (diagnosis names a wait on it `ctx-never-cancelled`).
    pub ctx_done: bool,
}

impl World {
    /// The channel an op on `o` uses: a channel itself, a timer's `C` (nil for a zero or
    /// AfterFunc timer), a context's `Done()`; a nil context panics as Go's nil interface call.
    pub fn resolve_chan(&mut self, o: ObjId) -> Result<ObjId, Failure> {
        match &self.objs[o] {
            Obj::Chan(_) => Ok(o),
            Obj::Timer(super::time::TimerVar::Chan { ch, .. }) => Ok(*ch),
            Obj::Timer(_) => Ok(self.nil_chan()),
            Obj::Context(Some(c)) => {
                let c = *c;
                let done = self.ctx_done(c);
                // Done() makes the channel on its first call, under the context's mutex, and
                // publishes it with an atomic store that later calls load: Go's race
                // annotations order the first call before the others. Every call here
                // acquires and releases (more edges than Go's, so never a race it would not
                // report on this account).
                let t = self.current;
                let key = super::race::SyncKey::Release(done, 5);
                self.race.acquire(key, t);
                self.race.release(key, t);
                Ok(done)
            }
            Obj::Context(None) => Err(Failure::NilDereference),
            _ => unreachable!("validation checks object kinds"),
        }
    }
}

impl ChanState {
    pub fn new(cap: u32, nil: bool) -> ChanState {
        ChanState {
            nil,
            cap: cap as usize,
            ..ChanState::default()
        }
    }
}

/// Wake `waiter`; a thread waiting in a `select` is first taken off every channel's queues, as
/// Go's `selectDone` makes its other sudogs stale.
pub(crate) fn wake_waiter(w: &mut World, waiter: &Waiter, wake: Wake) {
    if waiter.case.is_some() {
        for obj in &mut w.objs {
            if let Obj::Chan(c) = obj {
                c.recvq.retain(|x| x.thread != waiter.thread);
                c.sendq.retain(|x| x.thread != waiter.thread);
            }
        }
    }
    w.wake(waiter.thread, wake);
}

/// What a non-blocking send attempt did.
pub(crate) enum TrySend {
    Done,
    Closed,
    WouldBlock,
}

/// Send without blocking: hand the value to a waiting receiver, or buffer it. `line` is the
/// trace line the caller notes for this send (the receiver of the value links to it).
pub(crate) fn try_send(w: &mut World, ch: ObjId, value: &Value, line: Point) -> TrySend {
    let c = w.chan(ch);
    if c.closed {
        return TrySend::Closed;
    }
    if let Some(r) = c.recvq.pop_front() {
        let wake = Wake::Received {
            case: r.case,
            value: value.clone(),
            ok: true,
        };
        // The receive happens before this send completes (unbuffered: both ways).
        w.race.acquire_thread(line.thread, r.thread);
        w.woken_by(r.thread, Some(line));
        wake_waiter(w, &r, wake);
        return TrySend::Done;
    }
    if c.buf.len() < c.cap {
        c.buf.push_back(value.clone());
        let cap = c.cap;
        w.race.slot(ch, cap, line.thread, true);
        w.buffered(ch, line);
        return TrySend::Done;
    }
    TrySend::WouldBlock
}

/// What a receive got, and the trace line that handed it over.
pub(crate) struct Received {
    pub value: Value,
    pub ok: bool,
    /// The send of the value, or the close that ended the channel.
    pub from: Option<Point>,
}

/// Receive without blocking: from a waiting sender (through the buffer if there is one), from
/// the buffer, or the zero value from a closed and drained channel. `line` is the trace line
/// the caller notes for this receive (a sender it unblocks links to it).
pub(crate) fn try_recv(w: &mut World, ch: ObjId, zero: &Value, line: Point) -> Option<Received> {
    let c = w.chan(ch);
    if let Some(s) = c.sendq.pop_front() {
        let offer = w.blocked_point(s.thread);
        let c = w.chan(ch);
        let (value, from) = if c.cap == 0 {
            (s.value.clone(), offer)
        } else {
            // Full buffer: take the head, the sender's value goes to the tail.
            let cap = c.cap;
            w.race.slot(ch, cap, line.thread, false);
            w.race.slot(ch, cap, s.thread, true);
            let c = w.chan(ch);
            let len = c.buf.len();
            let head = c
                .buf
                .pop_front()
                .expect("a sender waits only on a full buffer");
            c.buf.push_back(s.value.clone());
            let from = w.unbuffered(ch, len);
            if let Some(p) = offer {
                w.buffered(ch, p);
            }
            (head, from)
        };
        w.woken_by(s.thread, Some(line));
        wake_waiter(w, &s, Wake::Sent { case: s.case });
        return Some(Received {
            value,
            ok: true,
            from,
        });
    }
    let len = c.buf.len();
    if let Some(value) = c.buf.pop_front() {
        let cap = c.cap;
        w.race.slot(ch, cap, line.thread, false);
        let from = w.unbuffered(ch, len);
        return Some(Received {
            value,
            ok: true,
            from,
        });
    }
    if c.closed {
        return Some(Received {
            value: zero.clone(),
            ok: false,
            from: w.release_point(Release::Close(ch)),
        });
    }
    None
}

/// `ch <- value`.
pub(crate) fn send(cx: &ThreadCx, op: OpId, ch: ObjId, value: &Value) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(ch);
    if w.chan(ch).nil {
        w.note(cx.me, op, || {
            format!("{name} <- {}: nil channel", value.quoted())
        });
        cx.block(w, op, WaitReason::ChanSendNil, Some(ch))?;
        unreachable!("nothing wakes a sender on a nil channel but teardown");
    }
    let line = w.next_point(cx.me);
    match try_send(&mut w, ch, value, line) {
        TrySend::Done => {
            w.note(cx.me, op, || format!("{name} <- {}", value.quoted()));
            Ok(())
        }
        TrySend::Closed => {
            let from = w.release_point(Release::Close(ch));
            w.note_from(cx.me, op, from, || {
                format!("{name} <- {}: closed", value.quoted())
            });
            Err(cx.panic(Failure::SendOnClosedChannel, op))
        }
        TrySend::WouldBlock => {
            w.note(cx.me, op, || {
                format!("{name} <- {}: waits for a receiver", value.quoted())
            });
            let me = cx.me;
            w.chan(ch).sendq.push_back(Waiter {
                thread: me,
                case: None,
                value: value.clone(),
            });
            match cx.block(w, op, WaitReason::ChanSend, Some(ch))? {
                Wake::Sent { .. } => {
                    let mut w = cx.world.borrow_mut();
                    let from = w.take_woken(me);
                    w.note_from(me, op, from, || {
                        format!("{name} <- {}: taken", value.quoted())
                    });
                    Ok(())
                }
                Wake::SendClosed { .. } => {
                    let mut w = cx.world.borrow_mut();
                    let from = w.take_woken(me);
                    w.note_from(me, op, from, || format!("{name} closed while sending"));
                    drop(w);
                    Err(cx.panic(Failure::SendOnClosedChannel, op))
                }
                other => {
                    unreachable!("a blocked sender is woken by a receive or a close, not {other:?}")
                }
            }
        }
    }
}

/// `v, ok := <-ch`.
pub(crate) fn recv(
    cx: &ThreadCx,
    op: OpId,
    ch: ObjId,
    zero: &Value,
) -> Result<(Value, bool), Unwind> {
    let mut w = cx.step(op)?;
    let ch = match w.resolve_chan(ch) {
        Ok(c) => c,
        Err(f) => return Err(cx.panic(f, op)),
    };
    let name = w.obj_name(ch);
    if w.chan(ch).nil {
        w.note(cx.me, op, || format!("<-{name}: nil channel"));
        cx.block(w, op, WaitReason::ChanReceiveNil, Some(ch))?;
        unreachable!("nothing wakes a receiver on a nil channel but teardown");
    }
    let line = w.next_point(cx.me);
    if let Some(Received { value, ok, from }) = try_recv(&mut w, ch, zero, line) {
        w.note_from(cx.me, op, from, || {
            format!("<-{name} -> {}, {ok}", value.quoted())
        });
        return Ok((value, ok));
    }
    w.note(cx.me, op, || format!("<-{name}: waits for a sender"));
    let me = cx.me;
    w.chan(ch).recvq.push_back(Waiter {
        thread: me,
        case: None,
        value: Value::Nil,
    });
    match cx.block(w, op, WaitReason::ChanReceive, Some(ch))? {
        Wake::Received { value, ok, .. } => {
            let mut w = cx.world.borrow_mut();
            let from = w.take_woken(me);
            w.note_from(me, op, from, || {
                format!("<-{name} -> {}, {ok} (woken)", value.quoted())
            });
            Ok((value, ok))
        }
        other => unreachable!("a blocked receiver is woken by a send or a close, not {other:?}"),
    }
}

/// `close(ch)`.
pub(crate) fn close(cx: &ThreadCx, op: OpId, ch: ObjId, zero: &Value) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(ch);
    let c = w.chan(ch);
    if c.nil {
        w.note(cx.me, op, || format!("close({name}): nil channel"));
        return Err(cx.panic(Failure::CloseOfNilChannel, op));
    }
    if c.closed {
        let from = w.release_point(Release::Close(ch));
        w.note_from(cx.me, op, from, || format!("close({name}): already closed"));
        return Err(cx.panic(Failure::CloseOfClosedChannel, op));
    }
    let (nr, ns) = (c.recvq.len(), c.sendq.len());
    let line = w.note(cx.me, op, || {
        format!("close({name}): wakes {nr} receiver(s), {ns} sender(s)")
    });
    close_now(&mut w, ch, zero, Some(line));
    Ok(())
}

/// Close an open channel: every blocked receiver gets (zero, false), every blocked sender
/// wakes to panic. `line` is the trace line of the close: the wakes and later receives link
/// to it.
pub(crate) fn close_now(w: &mut World, ch: ObjId, zero: &Value, line: Option<Point>) {
    if let Some(p) = line {
        w.released(Release::Close(ch), p);
    }
    let c = w.chan(ch);
    c.closed = true;
    let receivers: Vec<Waiter> = c.recvq.drain(..).collect();
    let senders: Vec<Waiter> = c.sendq.drain(..).collect();
    // A select can wait on this channel in several cases (`case <-ch:` and `case ch <- v:`):
    // it wakes once, by the first of them, receivers first, as Go's closechan skips the
    // sudogs of a select already done.
    let mut woken: Vec<usize> = Vec::new();
    let mut first = |t: usize| {
        let new = !woken.contains(&t);
        woken.push(t);
        new
    };
    let receivers: Vec<Waiter> = receivers.into_iter().filter(|r| first(r.thread)).collect();
    let senders: Vec<Waiter> = senders.into_iter().filter(|s| first(s.thread)).collect();
    for r in receivers {
        let wake = Wake::Received {
            case: r.case,
            value: zero.clone(),
            ok: false,
        };
        w.woken_by(r.thread, line);
        wake_waiter(w, &r, wake);
    }
    for s in senders {
        w.woken_by(s.thread, line);
        wake_waiter(w, &s, Wake::SendClosed { case: s.case });
    }
}

/// `len(ch)`: buffered values.
pub(crate) fn len(cx: &ThreadCx, op: OpId, ch: ObjId) -> Result<i64, Unwind> {
    let mut w = cx.step(op)?;
    let n = w.chan(ch).buf.len() as i64;
    let name = w.obj_name(ch);
    w.note(cx.me, op, || format!("len({name}) -> {n}"));
    Ok(n)
}
