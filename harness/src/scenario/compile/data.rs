//! Compiling the atomics, pools, handles, the lock-free stacks, nil checks.

use super::*;

impl Compiler<'_> {
    pub(super) fn c_load(&mut self, path: &str, obj: &str, into: &str) -> R<StmtKind> {
        Ok(StmtKind::AtomicLoad {
            a: self.obj(obj, path, "load", &[K::Atomic])?,
            into: self.set_var(&Some(into.to_string())).expect("some"),
        })
    }

    pub(super) fn c_cas(
        &mut self,
        path: &str,
        obj: &str,
        old: &Operand,
        new: &Operand,
        ok: &Option<String>,
    ) -> R<StmtKind> {
        Ok(StmtKind::AtomicCas {
            a: self.obj(obj, path, "cas", &[K::Atomic])?,
            old: self.arg(old, &member(path, "old"))?,
            new: self.arg(new, &member(path, "new"))?,
            ok: self.set_var(ok),
        })
    }

    pub(super) fn c_swap(
        &mut self,
        path: &str,
        obj: &str,
        value: &Operand,
        into: &Option<String>,
    ) -> R<StmtKind> {
        Ok(StmtKind::AtomicSwap {
            a: self.obj(obj, path, "swap", &[K::Atomic])?,
            value: self.arg(value, &member(path, "value"))?,
            into: self.set_var(into),
        })
    }

    pub(super) fn c_put(
        &mut self,
        path: &str,
        obj: &str,
        slice: &Option<String>,
        value: &Option<Value>,
    ) -> R<StmtKind> {
        Ok({
            let p = self.obj(obj, path, "put", &[K::Pool])?;
            match (slice, value) {
                (Some(sl), None) => StmtKind::PoolPut {
                    p,
                    slice: Some(self.other(sl, path, "slice", &[K::Slice])?),
                    value: None,
                },
                (None, Some(crate::base::Value::Nil)) => StmtKind::PoolPut {
                    p,
                    slice: None,
                    value: Some(crate::base::Value::Nil),
                },
                (None, Some(_)) => {
                    return Err(self.err(
                        &member(path, "value"),
                        "a pool holds slices: put a `slice` object, or `value: null` (ignored)",
                    ))
                }
                _ => return Err(self.err(path, "give `slice` or `value: null`, exactly one")),
            }
        })
    }

    pub(super) fn c_use(&mut self, path: &str, obj: &str, into: &Option<String>) -> R<StmtKind> {
        Ok(StmtKind::HandleUse {
            h: self.obj(obj, path, "use", &[K::Handle])?,
            into: self.set_var(into),
        })
    }

    pub(super) fn c_push(&mut self, path: &str, obj: &str, value: &Operand) -> R<StmtKind> {
        Ok(StmtKind::Push {
            s: self.obj(obj, path, "push", K::STACKS)?,
            value: self.arg(value, &member(path, "value"))?,
        })
    }

    pub(super) fn c_pop(
        &mut self,
        path: &str,
        obj: &str,
        into: &Option<String>,
        ok: &Option<String>,
    ) -> R<StmtKind> {
        Ok(StmtKind::Pop {
            s: self.obj(obj, path, "pop", K::STACKS)?,
            into: self.set_var(into),
            ok: self.set_var(ok),
        })
    }

    pub(super) fn c_is_nil(&mut self, path: &str, obj: &str, into: &str) -> R<StmtKind> {
        Ok(StmtKind::IsNil {
            obj: self.obj(
                obj,
                path,
                "is_nil",
                &[K::Map, K::Chan, K::Slice, K::Context],
            )?,
            into: self.set_var(&Some(into.to_string())).expect("some"),
        })
    }
}

impl Compiler<'_> {
    /// A `pool` declaration: `new` makes slices of capacity `cap`.
    pub(super) fn d_pool(&mut self, path: &str, new_cap: Option<u64>) -> R<Setup> {
        if new_cap.is_some_and(|c| c > MAX_CAP) {
            return Err(self.err(
                &member(&member(path, "new"), "cap"),
                format!("capacity above {MAX_CAP}"),
            ));
        }
        Ok(Setup::None)
    }
}
