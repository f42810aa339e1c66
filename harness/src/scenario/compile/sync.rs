//! Compiling the Mutex, RWMutex, WaitGroup and Once ops.

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
        delta: &i64,
        into: &Option<String>,
    ) -> R<StmtKind> {
        Ok({
            let wg = self.obj(obj, path, "add", &[K::Waitgroup, K::Atomic])?;
            if self.kind_of(wg) == K::Atomic {
                return Ok(StmtKind::AtomicAdd {
                    a: wg,
                    delta: *delta,
                    into: self.set_var(into),
                });
            }
            if into.is_some() {
                return Err(self.err(&member(path, "into"), "WaitGroup.Add returns nothing"));
            }
            if i32::try_from(*delta).is_err() {
                return Err(self.err(
                    &member(path, "delta"),
                    format!("delta {delta} is out of the counter's range"),
                ));
            }
            StmtKind::WgAdd { wg, delta: *delta }
        })
    }

    pub(super) fn c_done(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok(StmtKind::WgAdd {
            wg: self.obj(obj, path, "done", &[K::Waitgroup])?,
            delta: -1,
        })
    }

    pub(super) fn c_wait(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok(StmtKind::WgWait {
            wg: self.obj(obj, path, "wait", &[K::Waitgroup])?,
        })
    }

    pub(super) fn c_do(&mut self, path: &str, d: usize, obj: &str, ops: &[Op]) -> R<StmtKind> {
        let body = |c: &mut Self, ops: &[Op], field: &str| c.block(ops, &member(path, field), d);
        Ok(StmtKind::OnceDo {
            once: self.obj(obj, path, "do", &[K::Once])?,
            body: body(self, ops, "body")?,
        })
    }
}
