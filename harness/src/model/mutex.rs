//! `sync.Mutex` port: no owner (any thread may unlock a locked mutex), not re-entrant.
//! Unlock of an unlocked mutex is `fatal error: sync: unlock of unlocked mutex`.

use super::sync::{Point, Release};
use super::world::{ThreadCx, Unwind, Wake, World};
use super::{Failure, WaitReason};
use crate::scenario::{ObjId, OpId};
use std::collections::VecDeque;

#[derive(Debug, Clone, Default)]
pub(crate) struct MutexState {
    pub locked: bool,
    /// Threads blocked in Lock, FIFO.
    pub waiters: VecDeque<usize>,
    /// The thread that locked it last. Go's mutex has no owner: this is kept only to name
    /// `mutex-double-lock` and lock-order cycles in deadlock reports, never to change behaviour.
    pub holder: Option<usize>,
}

/// `Lock()`: in Go's normal mode a woken waiter competes with newcomers; if it loses it waits
/// again at the front of the queue.
pub(crate) fn lock(
    cx: &ThreadCx,
    op: OpId,
    mu: ObjId,
    reason: WaitReason,
    what: &dyn Fn() -> String,
) -> Result<(), Unwind> {
    let me = cx.me;
    let mut w = cx.step(op)?;
    let mut woken = false;
    loop {
        let m = w.mutex(mu);
        if !m.locked {
            m.locked = true;
            m.holder = Some(me);
            let from = w.release_point(Release::Unlock(mu));
            w.note_from(me, op, from, || format!("{}: acquired", what()));
            return Ok(());
        }
        if woken {
            m.waiters.push_front(me);
        } else {
            m.waiters.push_back(me);
        }
        w.note(me, op, || format!("{}: locked, waits", what()));
        match cx.block(w, op, reason, Some(mu))? {
            // A spurious wakeup (injected) took the thread off the queue: it tries again too.
            Wake::Retry | Wake::Spurious => {}
            other => unreachable!("a mutex waiter is woken by Unlock, not {other:?}"),
        }
        woken = true;
        w = cx.world.borrow_mut();
    }
}

/// Release the mutex state and wake the first waiter (shared with Once and RWMutex's writer lock).
/// `line` is the trace line of the release, which the next Lock links to.
pub(crate) fn release(w: &mut World, mu: ObjId, line: Point) {
    w.released(Release::Unlock(mu), line);
    let m = w.mutex(mu);
    m.locked = false;
    m.holder = None;
    if let Some(t) = m.waiters.pop_front() {
        w.wake(t, Wake::Retry);
    }
}

/// `Unlock()`.
pub(crate) fn unlock(cx: &ThreadCx, op: OpId, mu: ObjId) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(mu);
    if !w.mutex(mu).locked {
        w.note(cx.me, op, || format!("{name}.Unlock(): not locked"));
        return Err(cx.fatal(&mut w, Failure::UnlockOfUnlockedMutex, op));
    }
    let line = w.note(cx.me, op, || format!("{name}.Unlock()"));
    release(&mut w, mu, line);
    Ok(())
}
