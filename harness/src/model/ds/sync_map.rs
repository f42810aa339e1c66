//! `sync-map`, after Go's `sync.Map`: a read-only snapshot loaded without a lock, a dirty
//! map under a mutex, and a miss counter that promotes dirty to read.

use super::*;

/// `sync.Map`'s `entry.p`: nil (deleted), expunged (deleted and absent from dirty), or a
/// pointer to a value (the id gives pointer identity for CAS).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EntryP {
    Nil,
    Expunged,
    Val(u64, Value),
}

/// `sync.Map`'s `readOnly`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadOnly {
    pub m: BTreeMap<Value, usize>,
    pub amended: bool,
}

/// `sync-map`, after Go's `sync.Map`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncMapState {
    pub read: Rc<ReadOnly>,
    pub mu: MutexState,
    pub dirty: Option<BTreeMap<Value, usize>>,
    pub misses: usize,
    /// Entries by id (the `*entry` pointers both maps share).
    pub entries: Vec<EntryP>,
    pub next_ptr: u64,
}

pub(super) fn sync_read(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<Rc<ReadOnly>, Unwind> {
    let mut w = cx.step(op)?;
    let r = Rc::clone(&w.syncmap(m).read);
    let name = w.obj_name(m);
    w.note(cx.me, op, || {
        format!(
            "{name}: loadReadOnly() ({} keys, amended={})",
            r.m.len(),
            r.amended
        )
    });
    Ok(r)
}

pub(super) fn sync_lock(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(m);
    mutex::lock(cx, op, m, WaitReason::MutexLock, &|| {
        format!("{name}.mu.Lock()")
    })
}

pub(super) fn sync_unlock(w: &mut World, me: usize, op: OpId, m: ObjId) {
    let name = w.obj_name(m);
    let line = w.note(me, op, || format!("{name}.mu.Unlock()"));
    mutex::release(w, m, line);
}

/// `missLocked`: promote dirty to read once the misses reach its size.
pub(super) fn miss_locked(s: &mut SyncMapState) {
    s.misses += 1;
    let dirty_len = s.dirty.as_ref().map_or(0, |d| d.len());
    if s.misses < dirty_len {
        return;
    }
    let m = s.dirty.take().unwrap_or_default();
    s.read = Rc::new(ReadOnly { m, amended: false });
    s.misses = 0;
}

pub(super) fn entry_load(cx: &ThreadCx, op: OpId, m: ObjId, e: usize) -> Result<EntryP, Unwind> {
    let mut w = cx.step(op)?;
    Ok(w.syncmap(m).entries[e].clone())
}

pub(super) fn entry_cas(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    e: usize,
    old: &EntryP,
    new: EntryP,
) -> Result<bool, Unwind> {
    let mut w = cx.step(op)?;
    let s = w.syncmap(m);
    let ok = s.entries[e] == *old;
    if ok {
        s.entries[e] = new;
    }
    Ok(ok)
}

pub(super) fn sync_load(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    zero: Value,
) -> Result<(Value, bool), Unwind> {
    fault::site(cx, SYNC_SITE)?;
    let read = sync_read(cx, op, m)?;
    let mut e = read.m.get(key).copied();
    if e.is_none() && read.amended {
        sync_lock(cx, op, m)?;
        let mut w = cx.step(op)?;
        let s = w.syncmap(m);
        let read = Rc::clone(&s.read);
        e = read.m.get(key).copied();
        if e.is_none() && read.amended {
            e = s.dirty.as_ref().and_then(|d| d.get(key).copied());
            miss_locked(s);
        }
        sync_unlock(&mut w, cx.me, op, m);
    }
    let got = match e {
        Some(e) => match entry_load(cx, op, m, e)? {
            EntryP::Val(_, v) => Some(v),
            _ => None,
        },
        None => None,
    };
    Ok(loaded(cx, op, m, key, got, zero))
}

pub(super) fn sync_store(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    value: &Value,
) -> Result<(), Unwind> {
    fault::site(cx, SYNC_SITE)?;
    let read = sync_read(cx, op, m)?;
    let ptr = {
        let mut w = cx.world.borrow_mut();
        let s = w.syncmap(m);
        s.next_ptr += 1;
        s.next_ptr
    };
    let new = EntryP::Val(ptr, value.clone());
    // Fast path: `trySwap` on an entry the read map has, unless it is expunged.
    if let Some(&e) = read.m.get(key) {
        loop {
            let p = entry_load(cx, op, m, e)?;
            if p == EntryP::Expunged {
                break;
            }
            if entry_cas(cx, op, m, e, &p, new.clone())? {
                let mut w = cx.world.borrow_mut();
                let name = w.obj_name(m);
                w.note(cx.me, op, || {
                    format!(
                        "{name}.Store({}, {}): swapped in read",
                        key.quoted(),
                        value.quoted()
                    )
                });
                return Ok(());
            }
        }
    }
    sync_lock(cx, op, m)?;
    let mut w = cx.step(op)?;
    let s = w.syncmap(m);
    let read = Rc::clone(&s.read);
    let how;
    if let Some(&e) = read.m.get(key) {
        if s.entries[e] == EntryP::Expunged {
            s.entries[e] = EntryP::Nil;
            s.dirty
                .get_or_insert_with(BTreeMap::new)
                .insert(key.clone(), e);
        }
        s.entries[e] = new;
        how = "read entry";
    } else if let Some(e) = s.dirty.as_ref().and_then(|d| d.get(key).copied()) {
        s.entries[e] = new;
        how = "dirty entry";
    } else {
        if !read.amended {
            // dirtyLocked: copy the read map's live entries, expunging the deleted ones.
            if s.dirty.is_none() {
                let mut d = BTreeMap::new();
                for (k, &e) in &read.m {
                    if s.entries[e] == EntryP::Nil {
                        s.entries[e] = EntryP::Expunged;
                    }
                    if s.entries[e] != EntryP::Expunged {
                        d.insert(k.clone(), e);
                    }
                }
                s.dirty = Some(d);
            }
            s.read = Rc::new(ReadOnly {
                m: read.m.clone(),
                amended: true,
            });
        }
        s.entries.push(new);
        let e = s.entries.len() - 1;
        s.dirty
            .get_or_insert_with(BTreeMap::new)
            .insert(key.clone(), e);
        how = "new dirty entry";
    }
    let name = w.obj_name(m);
    w.note(cx.me, op, || {
        format!("{name}.Store({}, {}): {how}", key.quoted(), value.quoted())
    });
    sync_unlock(&mut w, cx.me, op, m);
    Ok(())
}

pub(super) fn sync_delete(cx: &ThreadCx, op: OpId, m: ObjId, key: &Value) -> Result<(), Unwind> {
    fault::site(cx, SYNC_SITE)?;
    let read = sync_read(cx, op, m)?;
    let mut e = read.m.get(key).copied();
    if e.is_none() && read.amended {
        sync_lock(cx, op, m)?;
        let mut w = cx.step(op)?;
        let s = w.syncmap(m);
        let read = Rc::clone(&s.read);
        e = read.m.get(key).copied();
        if e.is_none() && read.amended {
            e = s.dirty.as_ref().and_then(|d| d.get(key).copied());
            if let Some(d) = s.dirty.as_mut() {
                d.remove(key);
            }
            miss_locked(s);
        }
        sync_unlock(&mut w, cx.me, op, m);
    }
    if let Some(e) = e {
        loop {
            let p = entry_load(cx, op, m, e)?;
            if matches!(p, EntryP::Nil | EntryP::Expunged) {
                break;
            }
            if entry_cas(cx, op, m, e, &p, EntryP::Nil)? {
                break;
            }
        }
    }
    let mut w = cx.world.borrow_mut();
    let name = w.obj_name(m);
    w.note(cx.me, op, || format!("{name}.Delete({})", key.quoted()));
    Ok(())
}

pub(super) fn sync_range(cx: &ThreadCx, op: OpId, m: ObjId, body: Body) -> Result<(), Unwind> {
    let mut read = sync_read(cx, op, m)?;
    if read.amended {
        sync_lock(cx, op, m)?;
        let mut w = cx.step(op)?;
        let s = w.syncmap(m);
        read = Rc::clone(&s.read);
        if read.amended {
            let promoted = Rc::new(ReadOnly {
                m: s.dirty.take().unwrap_or_default(),
                amended: false,
            });
            s.read = Rc::clone(&promoted);
            s.misses = 0;
            read = promoted;
        }
        sync_unlock(&mut w, cx.me, op, m);
    }
    for (k, &e) in read.m.iter() {
        if let EntryP::Val(_, v) = entry_load(cx, op, m, e)? {
            body(k.clone(), v)?;
        }
    }
    Ok(())
}
