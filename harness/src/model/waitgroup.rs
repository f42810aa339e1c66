//! `sync.WaitGroup` port: Go's state word (counter, waiters) and its three misuse panics, each
//! raised where Go raises it:
//! * `sync: negative WaitGroup counter`, in the Add/Done thread;
//! * `sync: WaitGroup misuse: Add called concurrently with Wait`, in the Add thread, when a
//!   positive Add finds waiters and the counter just went 0→delta, or when the Add that brought
//!   the counter to 0 finds the state changed before it resets it;
//! * `sync: WaitGroup is reused before previous Wait has returned`, in the Wait thread, when a
//!   woken Wait finds the state no longer zero.
//!
//! Every atomic access is a scheduling point, so the windows between them are explored.

use super::sema::{self, Sema};
use super::sync::Release;
use super::world::{ThreadCx, Unwind, World};
use super::{Failure, WaitReason};
use crate::scenario::{ObjId, OpId};

#[derive(Debug, Clone, Default)]
pub(crate) struct WaitGroupState {
    /// The counter (high half of Go's state word).
    pub v: i32,
    /// Waiters (low half).
    pub w: u32,
    pub sema: Sema,
}

fn wg(w: &mut World, o: ObjId) -> &mut WaitGroupState {
    w.waitgroup(o)
}

/// `Add(delta)`; `Done()` is `Add(-1)`.
pub(crate) fn add(cx: &ThreadCx, op: OpId, o: ObjId, delta: i64) -> Result<(), Unwind> {
    let me = cx.me;
    let (v, waiters) = {
        let mut w = cx.step(op)?;
        let name = w.obj_name(o);
        let g = wg(&mut w, o);
        g.v = g.v.wrapping_add(delta as i32);
        let (v, waiters) = (g.v, g.w);
        let line = w.note(me, op, || {
            format!("{name}.Add({delta}): counter {v}, waiters {waiters}")
        });
        if delta < 0 {
            // Every Done happens before the Wait it releases, not only the last one.
            w.merge_release(Release::WaitGroupZero(o), line);
        }
        if v == 0 && waiters == 0 {
            // A later Wait returns at once: it links here.
            w.released(Release::WaitGroupZero(o), line);
        }
        if v < 0 {
            return Err(cx.panic(Failure::NegativeWaitGroupCounter, op));
        }
        if waiters != 0 && delta > 0 && v == delta as i32 {
            return Err(cx.panic(Failure::WaitGroupAddDuringWait, op));
        }
        if v > 0 || waiters == 0 {
            return Ok(());
        }
        (v, waiters)
    };
    // This Add brought the counter to 0 with waiters: re-read the state before resetting it.
    let mut w = cx.step(op)?;
    let g = wg(&mut w, o);
    if (g.v, g.w) != (v, waiters) {
        w.note(me, op, || "state changed before the reset".to_string());
        return Err(cx.panic(Failure::WaitGroupAddDuringWait, op));
    }
    g.v = 0;
    g.w = 0;
    let line = w.note(me, op, || {
        format!("counter 0: releases {waiters} waiter(s)")
    });
    w.released(Release::WaitGroupZero(o), line);
    for _ in 0..waiters {
        sema::release(&mut w, move |w| &mut wg(w, o).sema);
    }
    Ok(())
}

/// `Wait()`.
pub(crate) fn wait(cx: &ThreadCx, op: OpId, o: ObjId) -> Result<(), Unwind> {
    let me = cx.me;
    loop {
        let snapshot = {
            let mut w = cx.step(op)?;
            let name = w.obj_name(o);
            let g = wg(&mut w, o);
            let snap = (g.v, g.w);
            if snap.0 == 0 {
                let from = w.release_point(Release::WaitGroupZero(o));
                w.note_from(me, op, from, || {
                    format!("{name}.Wait(): counter 0, returns")
                });
                return Ok(());
            }
            snap
        };
        let mut w = cx.step(op)?;
        let g = wg(&mut w, o);
        if (g.v, g.w) != snapshot {
            // The CompareAndSwap failed: reload.
            continue;
        }
        g.w += 1;
        w.note(me, op, || {
            format!("waits (counter {}, waiters {})", snapshot.0, snapshot.1 + 1)
        });
        drop(sema::acquire(
            cx,
            w,
            op,
            WaitReason::WaitGroupWait,
            o,
            move |w| &mut wg(w, o).sema,
        )?);
        let mut w = cx.step(op)?;
        let from = w.release_point(Release::WaitGroupZero(o));
        let g = wg(&mut w, o);
        if (g.v, g.w) != (0, 0) {
            w.note_from(me, op, from, || {
                "woken, but the WaitGroup is in use again".to_string()
            });
            return Err(cx.panic(Failure::WaitGroupReused, op));
        }
        w.note_from(me, op, from, || "woken, returns".to_string());
        return Ok(());
    }
}
