//! `sync.RWMutex` port, with Go's counters: writer-preferring, so once a writer is pending new
//! readers wait, and a reader that takes RLock twice with a writer arriving in between
//! deadlocks. The misuse checks are Go's arithmetic on `readerCount`, so an extra RUnlock while
//! other readers hold the lock silently steals their count and is not flagged.

use super::mutex;
use super::sema::{self, Sema};
use super::sync::Release;
use super::world::{ThreadCx, Unwind, World};
use super::{Failure, WaitReason};
use crate::scenario::{ObjId, OpId};

/// `rwmutexMaxReaders`.
const MAX_READERS: i64 = 1 << 30;

#[derive(Debug, Clone, Default)]
pub(crate) struct RwMutexState {
    /// Held by a writer from Lock to Unlock; serialises writers.
    pub w: mutex::MutexState,
    /// Readers holding the lock; minus `MAX_READERS` while a writer is pending or active.
    pub reader_count: i64,
    /// Readers the pending writer still waits for.
    pub reader_wait: i64,
    pub reader_sem: Sema,
    pub writer_sem: Sema,
    /// Threads holding a read lock, for deadlock diagnosis only.
    pub readers: Vec<usize>,
}

fn rw(w: &mut World, o: ObjId) -> &mut RwMutexState {
    w.rwmutex(o)
}

/// `RLock()`.
pub(crate) fn rlock(cx: &ThreadCx, op: OpId, o: ObjId) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(o);
    let r = rw(&mut w, o);
    r.reader_count += 1;
    if r.reader_count < 0 {
        w.note(cx.me, op, || format!("{name}.RLock(): a writer is pending"));
        w = sema::acquire(cx, w, op, WaitReason::RWMutexRLock, o, move |w| {
            &mut rw(w, o).reader_sem
        })?;
    }
    rw(&mut w, o).readers.push(cx.me);
    // The last writer's Unlock.
    let from = w.release_point(Release::Unlock(o));
    w.note_from(cx.me, op, from, || format!("{name}.RLock(): acquired"));
    Ok(())
}

/// `RUnlock()`.
pub(crate) fn runlock(cx: &ThreadCx, op: OpId, o: ObjId) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(o);
    let me = cx.me;
    let r = rw(&mut w, o);
    r.reader_count -= 1;
    let count = r.reader_count;
    if let Some(i) = r
        .readers
        .iter()
        .position(|&t| t == me)
        .or(if r.readers.is_empty() { None } else { Some(0) })
    {
        r.readers.remove(i);
    }
    if count < 0 && (count + 1 == 0 || count + 1 == -MAX_READERS) {
        w.note(me, op, || format!("{name}.RUnlock(): no reader holds it"));
        return Err(cx.fatal(&mut w, Failure::RUnlockOfUnlockedRWMutex, op));
    }
    let line = w.note(me, op, || format!("{name}.RUnlock()"));
    w.released(Release::RUnlock(o), line);
    if count < 0 {
        let r = rw(&mut w, o);
        r.reader_wait -= 1;
        if r.reader_wait == 0 {
            sema::release(&mut w, move |w| &mut rw(w, o).writer_sem);
        }
    }
    Ok(())
}

/// `Lock()`.
pub(crate) fn lock(cx: &ThreadCx, op: OpId, o: ObjId) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(o);
    mutex::lock(cx, op, o, WaitReason::RWMutexLock, &|| {
        format!("{name}.Lock() writer mutex")
    })?;
    let mut w = cx.step(op)?;
    let r = rw(&mut w, o);
    let readers = r.reader_count;
    r.reader_count -= MAX_READERS;
    if readers != 0 {
        r.reader_wait += readers;
        if r.reader_wait != 0 {
            w.note(cx.me, op, || {
                format!("{name}.Lock(): waits for {readers} reader(s)")
            });
            w = sema::acquire(cx, w, op, WaitReason::RWMutexLock, o, move |w| {
                &mut rw(w, o).writer_sem
            })?;
        }
    }
    // The RUnlock that let the writer in, if readers held the lock since the last writer.
    let from = w.take_release(Release::RUnlock(o));
    w.note_from(cx.me, op, from, || format!("{name}.Lock(): acquired"));
    Ok(())
}

/// `Unlock()`.
pub(crate) fn unlock(cx: &ThreadCx, op: OpId, o: ObjId) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(o);
    let r = rw(&mut w, o);
    let readers = r.reader_count + MAX_READERS;
    if readers >= MAX_READERS {
        w.note(cx.me, op, || format!("{name}.Unlock(): not write-locked"));
        return Err(cx.fatal(&mut w, Failure::UnlockOfUnlockedRWMutex, op));
    }
    r.reader_count = readers;
    let line = w.note(cx.me, op, || {
        format!("{name}.Unlock(): wakes {readers} reader(s)")
    });
    // Readers' RLock and the next writer's Lock link to this line.
    w.take_release(Release::RUnlock(o));
    for _ in 0..readers {
        sema::release(&mut w, move |w| &mut rw(w, o).reader_sem);
    }
    mutex::release(&mut w, o, line);
    Ok(())
}
