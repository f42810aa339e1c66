//! `sync.Cond` port, after Go's `notifyList` (runtime/sema.go): Wait takes a ticket, unlocks
//! L, parks until its ticket is notified, and locks L again. Signal notifies the oldest ticket
//! not yet notified, Broadcast every ticket taken so far. So a Signal with no ticket waiting is
//! lost, and a Wait that took its ticket after a Signal is not woken by it; a Wait that took
//! its ticket but has not parked yet when it is notified does not park at all.
//!
//! Go's Cond never wakes a waiter on its own. An injected `spurious-wakeup` is a stray
//! Broadcast ([`stray_broadcast`]): what a Broadcast for some other condition on the same Cond
//! does to code that does not re-check its condition in a loop. It goes through the tickets
//! like any Broadcast, so a later Signal finds the waiters Go would.

use super::sync::Point;
use super::world::{ThreadCx, Unwind, Wake, World};
use super::{mutex, rwmutex, WaitReason};
use crate::scenario::{Locker, ObjId, OpId};

#[derive(Debug, Clone, Default)]
pub(crate) struct CondState {
    /// The next ticket to hand out (`notifyList.wait`).
    pub wait: u32,
    /// The next ticket to notify (`notifyList.notify`): tickets below it are notified.
    pub notify: u32,
    /// Tickets taken and not yet notified, oldest first, with their thread and whether it has
    /// parked (a ticket is taken before L is unlocked, so a waiter can be notified in between).
    pub waiters: Vec<Waiter>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Waiter {
    pub ticket: u32,
    pub thread: usize,
    pub parked: bool,
}

fn cond(w: &mut World, c: ObjId) -> &mut CondState {
    w.cond(c)
}

/// `c.Wait()`.
pub(crate) fn wait(cx: &ThreadCx, op: OpId, c: ObjId, l: Locker) -> Result<(), Unwind> {
    let me = cx.me;
    let ticket = {
        let mut w = cx.step(op)?;
        let name = w.obj_name(c);
        let st = cond(&mut w, c);
        let ticket = st.wait;
        st.wait = st.wait.wrapping_add(1);
        st.waiters.push(Waiter {
            ticket,
            thread: me,
            parked: false,
        });
        w.note(me, op, || {
            format!("{name}.Wait(): ticket {ticket}, unlocks L")
        });
        ticket
    };
    // L.Unlock(): Go's own fatal error when L is not locked (the ticket stays taken, as in Go).
    match l {
        Locker::Mutex(mu) => mutex::unlock(cx, op, mu)?,
        Locker::RwMutex(rw) => rwmutex::unlock(cx, op, rw)?,
        Locker::RLocker(rw) => rwmutex::runlock(cx, op, rw)?,
    }
    // runtime_notifyListWait(ticket).
    {
        let mut w = cx.step(op)?;
        let name = w.obj_name(c);
        let st = cond(&mut w, c);
        if let Some(i) = st.waiters.iter().position(|x| x.ticket == ticket) {
            st.waiters[i].parked = true;
            match cx.block(w, op, WaitReason::CondWait, Some(c))? {
                Wake::Retry => {
                    let mut w = cx.world.borrow_mut();
                    let from = w.take_woken(me);
                    w.note_from(me, op, from, || format!("{name}.Wait(): signalled"));
                }
                Wake::Spurious => {
                    let mut w = cx.world.borrow_mut();
                    w.note(me, op, || {
                        format!("{name}.Wait(): woken by a stray Broadcast")
                    });
                }
                other => {
                    unreachable!("a Cond waiter is woken by Signal or Broadcast, not {other:?}")
                }
            }
        } else {
            // Notified between taking the ticket and parking: it does not park.
            let from = w.take_woken(me);
            w.note_from(me, op, from, || {
                format!("{name}.Wait(): ticket {ticket} already signalled")
            });
        }
    }
    // L.Lock().
    match l {
        Locker::Mutex(mu) => {
            let w = cx.world.borrow();
            let lname = w.obj_name(mu);
            drop(w);
            let what = || format!("{lname}.Lock() in Wait");
            mutex::lock(cx, op, mu, WaitReason::MutexLock, &what)
        }
        Locker::RwMutex(rw) => rwmutex::lock(cx, op, rw),
        Locker::RLocker(rw) => rwmutex::rlock(cx, op, rw),
    }
}

/// `c.Signal()` (`all`: `c.Broadcast()`).
pub(crate) fn signal(cx: &ThreadCx, op: OpId, c: ObjId, all: bool) -> Result<(), Unwind> {
    let me = cx.me;
    let mut w = cx.step(op)?;
    let name = w.obj_name(c);
    let call = if all { "Broadcast" } else { "Signal" };
    let st = cond(&mut w, c);
    if st.wait == st.notify {
        w.note(me, op, || format!("{name}.{call}(): no waiter, lost"));
        return Ok(());
    }
    let woken: Vec<Waiter> = if all {
        notify_all(st)
    } else {
        let t = st.notify;
        st.notify = st.notify.wrapping_add(1);
        match st.waiters.iter().position(|x| x.ticket == t) {
            Some(i) => vec![st.waiters.remove(i)],
            None => unreachable!("every ticket below `wait` and not notified has its waiter"),
        }
    };
    let line: Point = w.note(me, op, || {
        let n = woken.len();
        format!("{name}.{call}(): wakes {n} waiter(s)")
    });
    for x in woken {
        w.woken_by(x.thread, Some(line));
        if x.parked {
            w.wake(x.thread, Wake::Retry);
        }
    }
    Ok(())
}

/// `notifyListNotifyAll`: every ticket taken so far is notified.
fn notify_all(st: &mut CondState) -> Vec<Waiter> {
    st.notify = st.wait;
    std::mem::take(&mut st.waiters)
}

/// An injected `spurious-wakeup` on Cond `c`: a Broadcast nobody in the scenario made. Every
/// parked waiter returns from its park (and locks L again); waiters that took a ticket but have
/// not parked yet will not park. Returns how many parked waiters it woke.
pub(crate) fn stray_broadcast(w: &mut World, c: ObjId) -> usize {
    let woken = notify_all(cond(w, c));
    let mut n = 0;
    for x in woken {
        w.woken_by(x.thread, None);
        if x.parked {
            w.wake(x.thread, Wake::Spurious);
            n += 1;
        }
    }
    n
}
