//! Names the catalog id a set of forever-blocked threads is evidence of.

use super::world::{Obj, Status, World};
use super::WaitReason;

/// Whether the code thread `t` runs names object `name` anywhere (an op's or a select case's
/// `obj`), through the procs it calls: the goroutine's own body (a spawn's or callback's
/// `body`, else its top-level thread), or the whole scenario when it is inside a proc (its
/// caller is not in the path). An over-approximation, good enough to name a partner.
fn code_uses(w: &World, t: usize, name: &str) -> bool {
    let src = &w.prog.source;
    let path = w.prog.op_path(w.threads[t].op);
    let mut root = "$";
    if path.starts_with("$.threads") {
        // The innermost enclosing `.body` that belongs to a spawn or a callback.
        let mut end = path.len();
        root = path;
        while let Some(i) = path[..end].rfind(".body") {
            let owner = &path[..i];
            let op = crate::scenario::pointer(src, owner).and_then(|v| v.get("op"));
            if matches!(op.and_then(|o| o.as_str()), Some("spawn" | "after_func")) {
                root = &path[..i + 5];
                break;
            }
            end = i;
        }
        if root == path {
            // A top-level thread: `$.threads.<name>`, up to its first index.
            root = path.find('[').map_or(path, |i| &path[..i]);
        }
    }
    let Some(start) = crate::scenario::pointer(src, root) else {
        return true;
    };
    let mut seen = Vec::new();
    let mut stack = vec![start];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(m) => {
                if m.get("obj").and_then(|o| o.as_str()) == Some(name) {
                    return true;
                }
                if let Some(p) = m.get("proc").and_then(|p| p.as_str()) {
                    if !seen.contains(&p) {
                        seen.push(p);
                        stack.extend(src.get("procs").and_then(|ps| ps.get(p)));
                    }
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    false
}

/// Whether `start` reaches itself through "waits for a lock held by" edges among `blocked`,
/// passing through at least one other thread.
fn in_cycle(w: &World, start: usize, blocked: &[usize]) -> bool {
    let mut seen = vec![start];
    let mut frontier: Vec<usize> = w
        .holders(start)
        .into_iter()
        .filter(|&h| h != start)
        .collect();
    while let Some(t) = frontier.pop() {
        if seen.contains(&t) || !blocked.contains(&t) {
            continue;
        }
        seen.push(t);
        for h in w.holders(t) {
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
    // A thread waits on a channel while holding a lock that another blocked thread, one whose
    // code uses that channel, waits for: the partner cannot get to the channel (HAZARDS.md,
    // lock and channel cycles).
    // The channels a thread waits on: the one it sends or receives on, or every channel of
    // its select (a select waits in each case's queue).
    let chans_of = |t: usize| -> Vec<usize> {
        if let Some(c) = w.threads[t].waits_on {
            return vec![c];
        }
        w.objs
            .iter()
            .enumerate()
            .filter_map(|(i, o)| match o {
                Obj::Chan(c)
                    if c.recvq.iter().any(|x| x.thread == t)
                        || c.sendq.iter().any(|x| x.thread == t) =>
                {
                    Some(i)
                }
                _ => None,
            })
            .collect()
    };
    if blocked.iter().any(|&a| {
        waits_on_channel(w, &[a])
            && !w.holds(a).is_empty()
            && blocked.iter().any(|&b| {
                b != a
                    && w.holders(b).contains(&a)
                    && chans_of(a).iter().any(|&c| code_uses(w, b, &w.names[c]))
            })
    }) {
        return Some("lock-chan-cycle");
    }
    // Parked on a Cond nothing will signal: whoever waits for that thread is its casualty.
    if blocked
        .iter()
        .any(|&t| reason(t) == Some(WaitReason::CondWait))
    {
        return Some("cond-lost-signal");
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
