//! Compiling the timers and sleep.

use super::*;

impl Compiler<'_> {
    pub(super) fn c_sleep(&mut self, path: &str, duration: &str) -> R<StmtKind> {
        Ok({
            self.uses_time = true;
            StmtKind::Sleep {
                ns: self.dur(duration, &member(path, "for"))?,
            }
        })
    }

    pub(super) fn c_new_timer(&mut self, path: &str, obj: &str, after: &str) -> R<StmtKind> {
        Ok({
            let t = self.obj(obj, path, "new_timer", &[K::Timer])?;
            self.uses_time = true;
            self.timer_uses.entry(t).or_insert_with(|| path.to_string());
            StmtKind::NewTimer {
                t,
                ns: self.dur(after, &member(path, "after"))?,
            }
        })
    }

    #[allow(clippy::too_many_arguments)] // one parameter per field of the op
    pub(super) fn c_after_func(
        &mut self,
        path: &str,
        d: usize,
        obj: &str,
        after: &Option<String>,
        ctx: &Option<String>,
        thread: &Option<String>,
        ops: &[Op],
    ) -> R<StmtKind> {
        // A function literal of its own: a `return` in it returns from it.
        let body = |c: &mut Self, ops: &[Op], field: &str| c.closure(ops, &member(path, field), d);
        Ok({
            let t = self.obj(obj, path, "after_func", &[K::Timer])?;
            let thread = self.thread_name(thread, obj, path)?;
            match (after, ctx) {
                (Some(a), None) => {
                    let ns = self.dur(a, &member(path, "after"))?;
                    self.uses_time = true;
                    self.timer_uses.entry(t).or_insert_with(|| path.to_string());
                    self.func_timers.insert(t);
                    StmtKind::TimerAfterFunc {
                        t,
                        ns,
                        thread,
                        body: body(self, ops, "body")?,
                    }
                }
                (None, Some(c)) => {
                    let ctx = self.other(c, path, "ctx", &[K::Context])?;
                    self.ctx_handles
                        .entry(t)
                        .or_insert_with(|| path.to_string());
                    StmtKind::CtxAfterFunc {
                        h: t,
                        ctx,
                        thread,
                        body: body(self, ops, "body")?,
                    }
                }
                _ => {
                    return Err(self.err(
                        path,
                        "give `after` (time.AfterFunc) or `ctx` (context.AfterFunc), exactly one",
                    ))
                }
            }
        })
    }

    pub(super) fn c_stop(&mut self, path: &str, obj: &str, into: &Option<String>) -> R<StmtKind> {
        Ok(StmtKind::TimerStop {
            t: self.obj(obj, path, "stop", &[K::Timer])?,
            into: self.set_var(into),
        })
    }

    pub(super) fn c_reset(
        &mut self,
        path: &str,
        obj: &str,
        after: &str,
        into: &Option<String>,
    ) -> R<StmtKind> {
        Ok({
            let t = self.obj(obj, path, "reset", &[K::Timer])?;
            self.uses_time = true;
            self.timer_uses.entry(t).or_insert_with(|| path.to_string());
            StmtKind::TimerReset {
                t,
                ns: self.dur(after, &member(path, "after"))?,
                into: self.set_var(into),
            }
        })
    }
}

impl Compiler<'_> {
    /// A `timer` declaration: with `after`, a channel timer started at start (`time.NewTimer`).
    pub(super) fn d_timer(&mut self, path: &str, after: Option<&str>) -> R<Setup> {
        let Some(a) = after else {
            return Ok(Setup::None);
        };
        let ns = self.dur(a, &member(path, "after"))?;
        self.uses_time = true;
        Ok(Setup::Timer { ns })
    }
}
