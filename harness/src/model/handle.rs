//! `handle` port: a shared OS-level resource (an eBPF map, a file descriptor). Once one owner
//! closes it, every use by another thread fails with `bad file descriptor`, and so does a
//! second Close. Go does not panic: the error comes back as a value, and the scenario checks it.

use super::world::{Obj, ThreadCx, Unwind, World};
use super::Value;
use crate::scenario::{ObjId, OpId};

/// The error a closed descriptor returns (`syscall.EBADF`).
pub const EBADF: &str = "bad file descriptor";

#[derive(Debug, Clone, Default)]
pub(crate) struct HandleState {
    pub closed: bool,
}

impl World {
    pub fn handle(&mut self, o: ObjId) -> &mut HandleState {
        match &mut self.objs[o] {
            Obj::Handle(h) => h,
            _ => unreachable!("validation checks object kinds"),
        }
    }
}

/// `err := h.Use()`.
pub(crate) fn use_handle(cx: &ThreadCx, op: OpId, h: ObjId) -> Result<Value, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(h);
    let closed = w.handle(h).closed;
    let err = if closed {
        Value::Str(EBADF.into())
    } else {
        Value::Nil
    };
    w.note(cx.me, op, || format!("{name}.Use() -> {}", err.quoted()));
    Ok(err)
}

/// `err := h.Close()`.
pub(crate) fn close(cx: &ThreadCx, op: OpId, h: ObjId) -> Result<Value, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(h);
    let st = w.handle(h);
    let err = if st.closed {
        Value::Str(EBADF.into())
    } else {
        Value::Nil
    };
    st.closed = true;
    w.note(cx.me, op, || format!("{name}.Close() -> {}", err.quoted()));
    Ok(err)
}
