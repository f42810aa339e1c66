//! `cow-map`: a copy-on-write map; readers load the published snapshot through an atomic
//! pointer, writers copy, change and publish under a mutex.

use super::*;

/// `cow-map`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CowMapState {
    /// The published snapshot (what the atomic pointer points to); never mutated in place.
    pub snap: Rc<BTreeMap<Value, Value>>,
    pub mu: MutexState,
}

pub(super) fn cow_load(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
) -> Result<Rc<BTreeMap<Value, Value>>, Unwind> {
    let mut w = cx.step(op)?;
    let snap = Rc::clone(&w.cow(m).snap);
    let name = w.obj_name(m);
    w.note(cx.me, op, || {
        format!("{name}: p.Load() ({} entries)", snap.len())
    });
    Ok(snap)
}

pub(super) fn cow_write(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    f: impl FnOnce(&mut BTreeMap<Value, Value>),
) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(m);
    mutex::lock(cx, op, m, WaitReason::MutexLock, &|| {
        format!("{name}.mu.Lock()")
    })?;
    let old = cow_load(cx, op, m)?;
    // Writers hold mu through `defer mu.Unlock()`; a panic while changing the copy (hashing
    // the key) leaves the published snapshot as it was.
    if let Err(e) = fault::site(cx, COW_SITE) {
        let mut w = cx.step(op)?;
        let line = w.note(cx.me, op, || format!("{name}.mu.Unlock() (deferred)"));
        mutex::release(&mut w, m, line);
        return Err(e);
    }
    let mut copy = (*old).clone();
    f(&mut copy);
    let mut w = cx.step(op)?;
    let n = copy.len();
    w.cow(m).snap = Rc::new(copy);
    w.note(cx.me, op, || format!("{name}: p.Store(copy) ({n} entries)"));
    let line = w.note(cx.me, op, || format!("{name}.mu.Unlock()"));
    mutex::release(&mut w, m, line);
    Ok(())
}
