//! Names the catalog id a set of forever-blocked threads is evidence of.

use super::world::{Obj, Status, World};
use super::WaitReason;

/// The most specific catalog id matching the blocked threads, `deadlock` when none does.
pub(crate) fn catalog_id(w: &World, blocked: &[usize]) -> &'static str {
    let reason = |t: usize| match w.threads[t].status {
        Status::Blocked(r) => Some(r),
        _ => None,
    };
    // Who holds the lock thread `t` waits for, if it waits for a lock.
    let holder_of_wait = |t: usize| -> Option<usize> {
        let o = w.threads[t].waits_on?;
        match (&w.objs[o], reason(t)?) {
            (Obj::Mutex(m), WaitReason::MutexLock) => m.holder,
            (Obj::Once(once), WaitReason::MutexLock) => once.m.holder,
            (Obj::RwMutex(rw), WaitReason::RWMutexLock) => rw.w.holder,
            _ => None,
        }
    };
    for &t in blocked {
        if let Some(o) = w.threads[t].waits_on {
            if let Obj::Once(once) = &w.objs[o] {
                if once.running == Some(t) {
                    return "once-recursive";
                }
            }
        }
    }
    for &t in blocked {
        if reason(t) == Some(WaitReason::MutexLock) && holder_of_wait(t) == Some(t) {
            return "mutex-double-lock";
        }
    }
    for &t in blocked {
        if reason(t) == Some(WaitReason::RWMutexRLock) {
            if let Some(Obj::RwMutex(rw)) = w.threads[t].waits_on.map(|o| &w.objs[o]) {
                if rw.readers.contains(&t) {
                    return "rwmutex-nested-rlock";
                }
            }
        }
    }
    // A cycle in the wait-for graph over lock holders.
    for &start in blocked {
        let mut t = start;
        for _ in 0..blocked.len() {
            match holder_of_wait(t) {
                Some(h) if h == start => return "lock-order-inversion",
                Some(h) if blocked.contains(&h) => t = h,
                _ => break,
            }
        }
    }
    let nil_wait = |t| {
        matches!(
            reason(t),
            Some(WaitReason::ChanSendNil | WaitReason::ChanReceiveNil)
        )
    };
    if blocked.iter().any(|&t| nil_wait(t)) {
        return "chan-nil-block";
    }
    if blocked
        .iter()
        .any(|&t| reason(t) == Some(WaitReason::WaitGroupWait))
    {
        return "wg-wait-forever";
    }
    "deadlock"
}
