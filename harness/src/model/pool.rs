//! `sync.Pool` port (of slices, the `[]byte` buffer pattern). Objects are not reset on Put,
//! `Put(nil)` is ignored, and which object Get returns is an explorer decision: any pooled
//! object, or a fresh one from `New` (Go's pool may drop its objects at any GC and keeps
//! per-P caches, so Get can miss an object another thread put). A fresh object without `New`
//! is nil, and the `.([]T)` assertion on it panics as Go's does, as it does when the pooled
//! object is a slice of another element type.

use super::slice::{go_name, SliceHdr};
use super::world::{Obj, ThreadCx, Unwind, World};
use super::ElemType;
use super::Failure;
use crate::rt;
use crate::scenario::{ObjId, ObjectDecl, OpId};

#[derive(Debug, Clone, Default)]
pub(crate) struct PoolState {
    /// Pooled slices with their element type (the dynamic type in the `any`).
    pub items: Vec<(SliceHdr, ElemType)>,
}

impl World {
    pub fn pool(&mut self, o: ObjId) -> &mut PoolState {
        match &mut self.objs[o] {
            Obj::Pool(p) => p,
            _ => unreachable!("validation checks object kinds"),
        }
    }
}

/// `to = p.Get().([]T)`.
pub(crate) fn get(cx: &ThreadCx, op: OpId, p: ObjId, to: ObjId) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let (name, to_name) = (w.obj_name(p), w.obj_name(to));
    let n = w.pool(p).items.len();
    let want = w.elem_type(to);
    // Options: each pooled object, or a fresh one.
    let k = rt::choose(n + 1);
    if k < n {
        let (h, got) = w.pool(p).items.remove(k);
        if got != want {
            w.note(cx.me, op, || {
                format!(
                    "{to_name} = {name}.Get().([]{}): a []{}",
                    go_name(want),
                    go_name(got)
                )
            });
            return Err(cx.panic(
                Failure::TypeAssertion(format!(
                    "interface {{}} is []{}, not []{}",
                    go_name(got),
                    go_name(want)
                )),
                op,
            ));
        }
        if let Some(a) = h.arr {
            w.race.acquire(super::race::SyncKey::Pool(a), cx.me);
        }
        w.header_access(cx.me, op, to, true);
        *w.slice(to) = h;
        w.note(cx.me, op, || {
            format!(
                "{to_name} = {name}.Get(): pooled array#{} (len {}, not reset)",
                h.arr.map(|a| a.to_string()).unwrap_or("nil".into()),
                h.len
            )
        });
        return Ok(());
    }
    let new_cap = match &w.prog.objects[p].decl {
        ObjectDecl::Pool { new, .. } => new.as_ref().map(|n| n.cap),
        _ => None,
    };
    let Some(cap) = new_cap else {
        w.note(cx.me, op, || {
            format!("{to_name} = {name}.Get().([]T): empty, no New: nil")
        });
        return Err(cx.panic(
            Failure::TypeAssertion(format!("interface {{}} is nil, not []{}", go_name(want))),
            op,
        ));
    };
    // `New` makes the type the pool is used with.
    let zero = want.zero();
    let a = w.new_array(cap as usize, &zero)?;
    w.header_access(cx.me, op, to, true);
    *w.slice(to) = SliceHdr {
        arr: Some(a),
        off: 0,
        len: 0,
        cap: cap as usize,
    };
    w.note(cx.me, op, || {
        format!("{to_name} = {name}.Get(): New() -> array#{a}")
    });
    Ok(())
}

/// `p.Put(s)`, or `p.Put(nil)` (ignored) when `s` is `None`.
pub(crate) fn put(cx: &ThreadCx, op: OpId, p: ObjId, s: Option<ObjId>) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(p);
    let Some(s) = s else {
        w.note(cx.me, op, || format!("{name}.Put(nil): ignored"));
        return Ok(());
    };
    let h = *w.slice(s);
    w.header_access(cx.me, op, s, false);
    if let Some(a) = h.arr {
        w.race.release(super::race::SyncKey::Pool(a), cx.me);
    }
    let elem = w.elem_type(s);
    let sname = w.obj_name(s);
    w.pool(p).items.push((h, elem));
    w.note(cx.me, op, || {
        format!(
            "{name}.Put({sname}) (array#{})",
            h.arr.map(|a| a.to_string()).unwrap_or("nil".into())
        )
    });
    Ok(())
}
