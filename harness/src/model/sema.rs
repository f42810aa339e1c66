//! The runtime semaphore under sync's slow paths (`runtime_Semacquire` / `runtime_Semrelease`).

use super::world::{ThreadCx, Unwind, Wake, World};
use super::WaitReason;
use crate::scenario::{ObjId, OpId};
use std::cell::RefMut;
use std::collections::VecDeque;

#[derive(Debug, Clone, Default)]
pub(crate) struct Sema {
    /// Releases not yet taken.
    pub count: u32,
    /// Threads blocked in acquire, FIFO. Invariant: non-empty only while `count == 0`.
    pub waiters: VecDeque<usize>,
}

/// Release: hand the permit to the first waiter, or bank it.
pub(crate) fn release(w: &mut World, sema: impl Fn(&mut World) -> &mut Sema) {
    match sema(w).waiters.pop_front() {
        Some(t) => w.wake(t, Wake::Retry),
        None => sema(w).count += 1,
    }
}

/// Acquire: take a banked permit, or block until a release hands one over. Returns the world,
/// borrowed again after a wake.
pub(crate) fn acquire<'a>(
    cx: &'a ThreadCx,
    mut w: RefMut<'a, World>,
    op: OpId,
    reason: WaitReason,
    obj: ObjId,
    sema: impl Fn(&mut World) -> &mut Sema,
) -> Result<RefMut<'a, World>, Unwind> {
    loop {
        let s = sema(&mut w);
        if s.count > 0 {
            s.count -= 1;
            return Ok(w);
        }
        s.waiters.push_back(cx.me);
        // Woken by a release, the permit was handed over; woken spuriously (an injected
        // fault), check again and wait again, as Go's semacquire loop does.
        match cx.block(w, op, reason, Some(obj))? {
            Wake::Spurious => w = cx.world.borrow_mut(),
            _ => return Ok(cx.world.borrow_mut()),
        }
    }
}
