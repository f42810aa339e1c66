//! `atomic` port: an integer or pointer cell (`atomic.Int64`, `atomic.Pointer`). Every access
//! is one scheduling point and indivisible, so races between accesses are explored but never
//! torn. Pointers are values naming what they point to.

use super::world::{Obj, ThreadCx, Unwind, World};
use super::Value;
use crate::scenario::{ObjId, OpId};

#[derive(Debug, Clone)]
pub(crate) struct AtomicState {
    pub value: Value,
}

impl World {
    pub fn atomic(&mut self, o: ObjId) -> &mut AtomicState {
        match &mut self.objs[o] {
            Obj::Atomic(a) => a,
            _ => unreachable!("validation checks object kinds"),
        }
    }
}

/// Go's atomics are sequentially consistent and synchronize: an access acquires every store
/// before it, a store (or read-modify-write) releases (see `race`).
fn synchronize(w: &mut World, me: usize, a: ObjId, store: bool) {
    let key = super::race::SyncKey::Atomic(a);
    w.race.acquire(key, me);
    if store {
        w.race.release(key, me);
    }
}

/// `a.Load()`.
pub(crate) fn load(cx: &ThreadCx, op: OpId, a: ObjId) -> Result<Value, Unwind> {
    let mut w = cx.step(op)?;
    synchronize(&mut w, cx.me, a, false);
    let v = w.atomic(a).value.clone();
    let name = w.obj_name(a);
    w.note(cx.me, op, || format!("{name}.Load() -> {}", v.quoted()));
    Ok(v)
}

/// `a.Store(v)`.
pub(crate) fn store(cx: &ThreadCx, op: OpId, a: ObjId, v: Value) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    synchronize(&mut w, cx.me, a, true);
    let name = w.obj_name(a);
    w.note(cx.me, op, || format!("{name}.Store({})", v.quoted()));
    w.atomic(a).value = v;
    Ok(())
}

/// `a.CompareAndSwap(old, new)`.
pub(crate) fn cas(
    cx: &ThreadCx,
    op: OpId,
    a: ObjId,
    old: &Value,
    new: Value,
) -> Result<bool, Unwind> {
    let mut w = cx.step(op)?;
    synchronize(&mut w, cx.me, a, true);
    let name = w.obj_name(a);
    let cell = w.atomic(a);
    let ok = cell.value == *old;
    if ok {
        cell.value = new.clone();
    }
    w.note(cx.me, op, || {
        format!(
            "{name}.CompareAndSwap({}, {}) -> {ok}",
            old.quoted(),
            new.quoted()
        )
    });
    Ok(ok)
}

/// `a.Swap(v)`.
pub(crate) fn swap(cx: &ThreadCx, op: OpId, a: ObjId, v: Value) -> Result<Value, Unwind> {
    let mut w = cx.step(op)?;
    synchronize(&mut w, cx.me, a, true);
    let name = w.obj_name(a);
    let old = std::mem::replace(&mut w.atomic(a).value, v.clone());
    w.note(cx.me, op, || {
        format!("{name}.Swap({}) -> {}", v.quoted(), old.quoted())
    });
    Ok(old)
}

/// `a.Add(delta)`: the new value (a non-integer cell counts as 0).
pub(crate) fn add(cx: &ThreadCx, op: OpId, a: ObjId, delta: i64) -> Result<i64, Unwind> {
    let mut w = cx.step(op)?;
    synchronize(&mut w, cx.me, a, true);
    let name = w.obj_name(a);
    let cell = w.atomic(a);
    let n = match cell.value {
        Value::Int(n) => n.wrapping_add(delta),
        _ => delta,
    };
    cell.value = Value::Int(n);
    w.note(cx.me, op, || format!("{name}.Add({delta}) -> {n}"));
    Ok(n)
}
