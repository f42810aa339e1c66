//! `sync.Once` port, after Go's `doSlow`: a mutex, and `done` set by a deferred store, so the
//! Once is done even when f panics (later Do calls return without running f). A Do on the same
//! Once from inside f waits on the mutex forever.

use super::mutex::{self, MutexState};
use super::sync::Release;
use super::world::{ThreadCx, Unwind};
use super::WaitReason;
use crate::scenario::{ObjId, OpId};

#[derive(Debug, Clone, Default)]
pub(crate) struct OnceState {
    pub done: bool,
    pub m: MutexState,
    /// The thread running f, for deadlock diagnosis (`once-recursive`).
    pub running: Option<usize>,
}

/// `Do(f)`; `f` runs the body as its own call frame.
pub(crate) fn do_once(
    cx: &ThreadCx,
    op: OpId,
    o: ObjId,
    f: impl FnOnce() -> Result<(), Unwind>,
) -> Result<(), Unwind> {
    let me = cx.me;
    let name = {
        let mut w = cx.step(op)?;
        let name = w.obj_name(o);
        if w.once(o).done {
            let from = w.release_point(Release::OnceDone(o));
            w.note_from(me, op, from, || format!("{name}.Do(f): done, returns"));
            return Ok(());
        }
        name
    };
    mutex::lock(cx, op, o, WaitReason::MutexLock, &|| {
        format!("{name}.Do(f): o.m.Lock()")
    })?;
    {
        let mut w = cx.step(op)?;
        if w.once(o).done {
            // The Lock just acquired links to f's end already.
            let line = w.note(me, op, || format!("{name}.Do(f): done meanwhile, unlocks"));
            mutex::release(&mut w, o, line);
            return Ok(());
        }
        w.once(o).running = Some(me);
        w.note(me, op, || format!("{name}.Do(f): runs f"));
    }
    let result = f();
    if let Err(Unwind::Abort) = result {
        return result;
    }
    // The deferred `done.Store(1)` and `m.Unlock()`, which also run when f panics.
    let mut w = cx.step(op)?;
    let once = w.once(o);
    once.done = true;
    once.running = None;
    let panicked = result.is_err();
    let line = w.note(me, op, || {
        format!(
            "{name}.Do(f): done=1, unlocks{}",
            if panicked { " (f panicked)" } else { "" }
        )
    });
    w.released(Release::OnceDone(o), line);
    mutex::release(&mut w, o, line);
    result
}
