//! Compiling the Mutex, RWMutex, WaitGroup, Once and Cond ops.

use super::*;

impl Compiler<'_> {
    pub(super) fn c_lock(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok({
            let o = self.obj(obj, path, "lock", &[K::Mutex, K::Rwmutex])?;
            if self.decls[o].1.kind() == K::Mutex {
                StmtKind::Lock { mu: o }
            } else {
                StmtKind::RwLock { rw: o }
            }
        })
    }

    pub(super) fn c_unlock(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok({
            let o = self.obj(obj, path, "unlock", &[K::Mutex, K::Rwmutex])?;
            if self.decls[o].1.kind() == K::Mutex {
                StmtKind::Unlock { mu: o }
            } else {
                StmtKind::RwUnlock { rw: o }
            }
        })
    }

    pub(super) fn c_rlock(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok(StmtKind::RLock {
            rw: self.obj(obj, path, "rlock", &[K::Rwmutex])?,
        })
    }

    pub(super) fn c_runlock(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok(StmtKind::RUnlock {
            rw: self.obj(obj, path, "runlock", &[K::Rwmutex])?,
        })
    }

    pub(super) fn c_add(
        &mut self,
        path: &str,
        obj: &str,
        delta: &Operand,
        into: &Option<String>,
    ) -> R<StmtKind> {
        Ok({
            let wg = self.obj(obj, path, "add", &[K::Waitgroup, K::Atomic])?;
            let dpath = member(path, "delta");
            let delta = self.int_arg(delta, &dpath)?;
            if self.kind_of(wg) == K::Atomic {
                return Ok(StmtKind::AtomicAdd {
                    a: wg,
                    delta,
                    into: self.set_var(into),
                });
            }
            if into.is_some() {
                return Err(self.err(&member(path, "into"), "WaitGroup.Add returns nothing"));
            }
            if let Arg::Lit(Value::Int(d)) = delta {
                if i32::try_from(d).is_err() {
                    return Err(
                        self.err(&dpath, format!("delta {d} is out of the counter's range"))
                    );
                }
            }
            StmtKind::WgAdd { wg, delta }
        })
    }

    pub(super) fn c_done(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok(StmtKind::WgAdd {
            wg: self.obj(obj, path, "done", &[K::Waitgroup])?,
            delta: Arg::Lit(Value::Int(-1)),
        })
    }

    pub(super) fn c_wait(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        let o = self.obj(obj, path, "wait", &[K::Waitgroup, K::Cond])?;
        if self.kind_of(o) == K::Waitgroup {
            return Ok(StmtKind::WgWait { wg: o });
        }
        Ok(StmtKind::CondWait {
            c: o,
            locker: self.locker_of(o),
        })
    }

    pub(super) fn c_signal(&mut self, path: &str, obj: &str, all: bool) -> R<StmtKind> {
        let op = if all { "broadcast" } else { "signal" };
        Ok(StmtKind::CondSignal {
            c: self.obj(obj, path, op, &[K::Cond])?,
            all,
        })
    }

    /// A Cond's L, checked by [`Compiler::d_cond`] when the objects were declared.
    fn locker_of(&self, c: ObjId) -> Locker {
        let ObjectDecl::Cond { locker, rlocker } = self.decls[c].1 else {
            unreachable!("`c_wait` passes only conds")
        };
        // A cond field's L is the field of that name in the same struct.
        let sibling = self
            .field_objs
            .iter()
            .find(|(_, &o)| o == c)
            .and_then(|(&(b, _), _)| {
                let (i, _) = self.field_of(b, locker)?;
                self.field_objs.get(&(b, i)).copied()
            });
        let l = sibling.unwrap_or_else(|| self.objs[locker.as_str()]);
        match (self.kind_of(l), rlocker) {
            (K::Mutex, _) => Locker::Mutex(l),
            (_, false) => Locker::RwMutex(l),
            (_, true) => Locker::RLocker(l),
        }
    }

    /// `sync.NewCond(L)`: L must be a declared mutex or rwmutex (an RLocker only of an
    /// rwmutex).
    pub(super) fn d_cond(&mut self, path: &str, locker: &str, rlocker: bool) -> R<Setup> {
        let lpath = member(path, "locker");
        let Some(&l) = self.objs.get(locker) else {
            let mut known: Vec<&str> = self.objs.keys().copied().collect();
            known.sort_unstable();
            return Err(self.err(
                &lpath,
                format!(
                    "unknown object `{locker}`{} (L is a mutex or rwmutex declared before the cond)",
                    crate::scenario::error::did_you_mean(locker, known.iter().copied())
                ),
            ));
        };
        match (self.kind_of(l), rlocker) {
            (K::Mutex, true) => Err(self.err(
                &member(path, "rlocker"),
                format!("`{locker}` is a mutex: only an rwmutex has an RLocker"),
            )),
            (K::Mutex | K::Rwmutex, _) => Ok(Setup::None),
            (other, _) => Err(self.err(
                &lpath,
                format!(
                    "`{locker}` is a {other}: a Cond's L is a mutex or rwmutex (a sync.Locker)"
                ),
            )),
        }
    }

    pub(super) fn c_do(&mut self, path: &str, d: usize, obj: &str, ops: &[Op]) -> R<StmtKind> {
        // A function literal of its own: a `return` in it returns from it.
        let body = |c: &mut Self, ops: &[Op], field: &str| c.closure(ops, &member(path, field), d);
        Ok(StmtKind::OnceDo {
            once: self.obj(obj, path, "do", &[K::Once])?,
            body: body(self, ops, "body")?,
        })
    }
}
