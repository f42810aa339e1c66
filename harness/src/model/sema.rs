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
    /// Threads parked in acquire, FIFO. A woken thread leaves the queue; it takes a permit
    /// only when it runs, if one is still there.
    pub waiters: VecDeque<usize>,
}

/// Release (`semrelease` without handoff): bank a permit and ready the first waiter. The
/// permit is not reserved for it: any thread that acquires before the woken one runs takes
/// it (Go's `cansemacquire` fast path), and the woken one queues again. This is how a
/// WaitGroup reused too early panics in the *reusing* goroutine's Wait (HAZARDS.md wg-reuse).
pub(crate) fn release(w: &mut World, sema: impl Fn(&mut World) -> &mut Sema) {
    sema(w).count += 1;
    if let Some(t) = sema(w).waiters.pop_front() {
        w.wake(t, Wake::Retry);
    }
}

/// Acquire: take a banked permit, or park until a release readies this thread and try
/// again. Returns the world, borrowed again after a wake.
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
        // Readied by a release, or woken spuriously (an injected fault): check again and
        // park again if the permit is gone, as Go's semacquire1 loop does.
        cx.block(w, op, reason, Some(obj))?;
        w = cx.world.borrow_mut();
    }
}
