//! Names the catalog id a set of forever-blocked threads is evidence of.

use super::world::{Obj, Status, World};
use super::WaitReason;

/// The threads holding what `t` waits for, when `t` waits for a lock: the holder of a mutex
/// (or of an RWMutex's writer mutex), or the readers a pending writer waits out.
fn holders(w: &World, t: usize) -> Vec<usize> {
    let (Some(o), Status::Blocked(reason)) = (w.threads[t].waits_on, w.threads[t].status) else {
        return Vec::new();
    };
    match (&w.objs[o], reason) {
        (Obj::Mutex(m), WaitReason::MutexLock) => m.holder.into_iter().collect(),
        (Obj::Once(once), WaitReason::MutexLock) => once.m.holder.into_iter().collect(),
        // Queued on the writer mutex: another writer holds it. Otherwise it holds the writer
        // mutex itself and waits for the readers to leave.
        (Obj::RwMutex(rw) | Obj::RwMap(rw, _), WaitReason::RWMutexLock)
            if rw.w.waiters.contains(&t) =>
        {
            rw.w.holder.into_iter().collect()
        }
        (Obj::RwMutex(rw) | Obj::RwMap(rw, _), WaitReason::RWMutexLock) => rw.readers.clone(),
        // A reader queued behind a pending writer waits for that writer.
        (Obj::RwMutex(rw) | Obj::RwMap(rw, _), WaitReason::RWMutexRLock) => {
            rw.w.holder.into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// Whether `start` reaches itself through "waits for a lock held by" edges among `blocked`,
/// passing through at least one other thread.
fn in_cycle(w: &World, start: usize, blocked: &[usize]) -> bool {
    let mut seen = vec![start];
    let mut frontier: Vec<usize> = holders(w, start)
        .into_iter()
        .filter(|&h| h != start)
        .collect();
    while let Some(t) = frontier.pop() {
        if seen.contains(&t) || !blocked.contains(&t) {
            continue;
        }
        seen.push(t);
        for h in holders(w, t) {
            if h == start {
                return true;
            }
            frontier.push(h);
        }
    }
    false
}

/// The most specific catalog id matching the blocked threads; `None` when none does.
pub(crate) fn catalog_id(w: &World, blocked: &[usize]) -> Option<&'static str> {
    let reason = |t: usize| match w.threads[t].status {
        Status::Blocked(r) => Some(r),
        _ => None,
    };
    let obj = |t: usize| w.threads[t].waits_on.map(|o| &w.objs[o]);
    for &t in blocked {
        if let Some(Obj::Once(once)) = obj(t) {
            if once.running == Some(t) {
                return Some("once-recursive");
            }
        }
    }
    for &t in blocked {
        let own = match (obj(t), reason(t)) {
            (Some(Obj::Mutex(m)), Some(WaitReason::MutexLock)) => m.holder == Some(t),
            (Some(Obj::RwMutex(rw) | Obj::RwMap(rw, _)), Some(WaitReason::RWMutexLock)) => {
                rw.w.waiters.contains(&t) && rw.w.holder == Some(t)
            }
            // RLock under the thread's own Lock (held, or pending on the readers): it waits
            // for itself.
            (Some(Obj::RwMutex(rw) | Obj::RwMap(rw, _)), Some(WaitReason::RWMutexRLock)) => {
                rw.w.holder == Some(t)
            }
            _ => false,
        };
        if own {
            return Some("mutex-double-lock");
        }
    }
    for &t in blocked {
        if let (Some(Obj::RwMutex(rw) | Obj::RwMap(rw, _)), Some(WaitReason::RWMutexRLock)) =
            (obj(t), reason(t))
        {
            if rw.readers.contains(&t) {
                return Some("rwmutex-nested-rlock");
            }
        }
    }
    if blocked.iter().any(|&t| in_cycle(w, t, blocked)) {
        return Some("lock-order-inversion");
    }
    // Waiting on a context's Done (alone or in a select) that nothing will ever cancel.
    let on_done = |t: usize| {
        w.objs.iter().enumerate().any(|(i, o)| match o {
            Obj::Chan(c) if c.ctx_done => {
                w.threads[t].waits_on == Some(i) || c.recvq.iter().any(|x| x.thread == t)
            }
            _ => false,
        })
    };
    if blocked.iter().any(|&t| on_done(t)) {
        return Some("ctx-never-cancelled");
    }
    let nil_chan = |t: usize| matches!(obj(t), Some(Obj::Chan(c)) if c.nil);
    if blocked.iter().any(|&t| match reason(t) {
        Some(WaitReason::ChanSendNil | WaitReason::ChanReceiveNil) => true,
        // A select over nil channels only (`select (no cases)` once Go drops them).
        Some(WaitReason::SelectNoCases) => nil_chan(t),
        _ => false,
    }) {
        return Some("chan-nil-block");
    }
    if blocked
        .iter()
        .any(|&t| reason(t) == Some(WaitReason::WaitGroupWait))
    {
        return Some("wg-wait-forever");
    }
    None
}

/// Whether a thread waits on a channel (send, receive, select).
pub(crate) fn waits_on_channel(w: &World, blocked: &[usize]) -> bool {
    blocked.iter().any(|&t| {
        matches!(
            w.threads[t].status,
            Status::Blocked(
                WaitReason::ChanSend
                    | WaitReason::ChanReceive
                    | WaitReason::Select
                    | WaitReason::SelectNoCases
            )
        )
    })
}
