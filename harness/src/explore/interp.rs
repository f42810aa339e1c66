//! The interpreter of compiled scenarios: one instance per model thread, running on that
//! thread's shuttle stack. Go's control flow maps onto Rust's: a function frame is a call of
//! [`Interp::call`], a Go panic is `Err(Unwind::Panic)` that runs deferred blocks on its way up,
//! and a fatal error or the end of the execution is `Err(Unwind::Abort)`, which runs nothing.

use super::rt;
use crate::model::ops;
use crate::model::world::{ThreadCx, Unwind, World};
use crate::model::{Failure, Value};
use crate::scenario::{BlockId, CaseOp, Program, Stmt, StmtKind};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

pub(crate) struct Interp {
    prog: Arc<Program>,
    cx: ThreadCx,
    /// The thread's variables, by `VarId`.
    locals: Vec<Value>,
}

/// The body of model thread `me`: run `body` as the goroutine's function, turn an unrecovered
/// panic into the execution's failure, then finish.
pub(crate) fn thread_main(
    prog: Arc<Program>,
    world: Rc<RefCell<World>>,
    me: usize,
    body: BlockId,
    locals: Vec<Value>,
) -> Box<dyn FnOnce()> {
    Box::new(move || {
        let mut it = Interp {
            prog,
            cx: ThreadCx { world, me },
            locals,
        };
        let tearing_down = it.cx.world.borrow().tearing_down;
        if !tearing_down {
            if let Err(Unwind::Panic(p)) = it.call(body) {
                it.cx
                    .world
                    .borrow_mut()
                    .fail(p.failure, Some(p.thread), Some(p.op));
            }
        }
        it.cx.world.borrow_mut().finish_thread(me);
    })
}

impl Interp {
    /// Run a block as a function frame: its deferred blocks run when it returns or panics.
    fn call(&mut self, body: BlockId) -> Result<(), Unwind> {
        let mut defers = Vec::new();
        let result = self.exec(body, &mut defers);
        if let Err(Unwind::Abort) = result {
            return result;
        }
        let mut result = result;
        while let Some(d) = defers.pop() {
            match self.call(d) {
                Ok(()) => {}
                Err(Unwind::Abort) => return Err(Unwind::Abort),
                // A panic in a deferred call replaces the one being propagated, as in Go.
                Err(p) => result = Err(p),
            }
        }
        result
    }

    fn exec(&mut self, body: BlockId, defers: &mut Vec<BlockId>) -> Result<(), Unwind> {
        let prog = Arc::clone(&self.prog);
        for stmt in &prog.blocks[body] {
            self.stmt(stmt, defers)?;
        }
        Ok(())
    }

    fn set(&mut self, var: Option<usize>, v: Value) {
        if let Some(var) = var {
            self.locals[var] = v;
        }
    }

    fn stmt(&mut self, stmt: &Stmt, defers: &mut Vec<BlockId>) -> Result<(), Unwind> {
        let cx = self.cx.clone();
        let op = stmt.id;
        match &stmt.kind {
            StmtKind::MapSet { m, key, value } => ops::set(&cx, op, *m, key, value),
            StmtKind::MapGet { m, key, into, ok } => {
                let zero = self.prog.objects[*m].zero.clone();
                let (v, found) = ops::get(&cx, op, *m, key, zero)?;
                self.set(*into, v);
                self.set(*ok, Value::Bool(found));
                Ok(())
            }
            StmtKind::MapDelete { m, key } => ops::delete(&cx, op, *m, key),
            StmtKind::MapClear { m } => ops::clear(&cx, op, *m),
            StmtKind::MapRange {
                m,
                key,
                value,
                body,
            } => {
                let Some(keys) = ops::range_start(&cx, op, *m)? else {
                    return Ok(());
                };
                for k in &keys {
                    match ops::range_next(&cx, op, *m, Some(k))? {
                        ops::IterStep::Entry(k, v) => {
                            self.set(*key, k);
                            self.set(*value, v);
                            self.exec(*body, defers)?;
                        }
                        ops::IterStep::Skipped => {}
                        ops::IterStep::End => break,
                    }
                }
                ops::range_next(&cx, op, *m, None).map(|_| ())
            }
            StmtKind::MapClone { m, to } => ops::clone(&cx, op, *m, *to),
            StmtKind::MapMake { m } => ops::make(&cx, op, *m),
            StmtKind::MapLen { m, into } => {
                let n = ops::map_len(&cx, op, *m)?;
                self.set(Some(*into), Value::Int(n));
                Ok(())
            }
            StmtKind::ChanLen { ch, into } => {
                let n = ops::chan_len(&cx, op, *ch)?;
                self.set(Some(*into), Value::Int(n));
                Ok(())
            }
            StmtKind::Send { ch, value } => ops::send(&cx, op, *ch, value),
            StmtKind::Recv { ch, into, ok } => {
                let zero = self.prog.objects[*ch].zero.clone();
                let (v, got) = ops::recv(&cx, op, *ch, &zero)?;
                self.set(*into, v);
                self.set(*ok, Value::Bool(got));
                Ok(())
            }
            StmtKind::Close { ch } => {
                let zero = self.prog.objects[*ch].zero.clone();
                ops::close(&cx, op, *ch, &zero)
            }
            StmtKind::Lock { mu } => {
                let name = &self.prog.objects[*mu].name;
                let what = || format!("{name}.Lock()");
                ops::lock(&cx, op, *mu, crate::model::WaitReason::MutexLock, &what)
            }
            StmtKind::Unlock { mu } => ops::unlock(&cx, op, *mu),
            StmtKind::RwLock { rw } => ops::rw_lock(&cx, op, *rw),
            StmtKind::RwUnlock { rw } => ops::rw_unlock(&cx, op, *rw),
            StmtKind::RLock { rw } => ops::rlock(&cx, op, *rw),
            StmtKind::RUnlock { rw } => ops::runlock(&cx, op, *rw),
            StmtKind::WgAdd { wg, delta } => ops::wg_add(&cx, op, *wg, *delta),
            StmtKind::WgWait { wg } => ops::wg_wait(&cx, op, *wg),
            StmtKind::OnceDo { once, body } => ops::do_once(&cx, op, *once, || self.call(*body)),
            StmtKind::Repeat { times, body } => {
                for _ in 0..*times {
                    self.exec(*body, defers)?;
                }
                Ok(())
            }
            StmtKind::Spawn { name, body } => {
                let mut w = cx.step(op)?;
                let t = w.add_thread(name, false, op);
                let tname = w.threads[t].name.clone();
                w.note(cx.me, op, || format!("go {tname}()"));
                drop(w);
                let f = thread_main(
                    Arc::clone(&self.prog),
                    Rc::clone(&cx.world),
                    t,
                    *body,
                    self.locals.clone(),
                );
                rt::spawn(t, &tname, f);
                Ok(())
            }
            StmtKind::Select { cases, default } => {
                let sel: Vec<ops::SelCase> = cases
                    .iter()
                    .map(|c| match &c.op {
                        CaseOp::Recv { ch, .. } => ops::SelCase::Recv {
                            ch: *ch,
                            zero: self.prog.objects[*ch].zero.clone(),
                        },
                        CaseOp::Send { ch, value } => ops::SelCase::Send {
                            ch: *ch,
                            value: value.clone(),
                        },
                    })
                    .collect();
                match ops::select(&cx, op, &sel, default.is_some())? {
                    ops::Selected::Case { index, value, ok } => {
                        if let CaseOp::Recv { into, ok: okv, .. } = &cases[index].op {
                            self.set(*into, value);
                            self.set(*okv, Value::Bool(ok));
                        }
                        self.exec(cases[index].body, defers)
                    }
                    ops::Selected::Default => {
                        self.exec(default.expect("default chosen only if present"), defers)
                    }
                }
            }
            StmtKind::If {
                var,
                eq,
                not,
                then,
                otherwise,
            } => {
                let v = &self.locals[*var];
                let holds = match eq {
                    Some(e) => v == e,
                    None => v.truthy(),
                };
                self.exec(if holds != *not { *then } else { *otherwise }, defers)
            }
            StmtKind::Call { body } => self.call(*body),
            StmtKind::Defer { body } => {
                defers.push(*body);
                Ok(())
            }
            StmtKind::Recover { body, into } => match self.call(*body) {
                Err(Unwind::Panic(p)) => {
                    let value = match p.failure {
                        Failure::UserPanic(v) => v,
                        other => Value::Str(other.message()),
                    };
                    cx.world
                        .borrow_mut()
                        .note(cx.me, op, || format!("recover() -> {}", value.quoted()));
                    self.set(*into, value);
                    Ok(())
                }
                other => other,
            },
            StmtKind::Panic { value } => {
                let mut w = cx.step(op)?;
                w.note(cx.me, op, || format!("panic({})", value.quoted()));
                Err(cx.panic(Failure::UserPanic(value.clone()), op))
            }
            StmtKind::Let { var, value } => {
                self.set(Some(*var), value.clone());
                Ok(())
            }
            StmtKind::Yield => {
                let mut w = cx.step(op)?;
                w.note(cx.me, op, || "runtime.Gosched()".to_string());
                Ok(())
            }
        }
    }
}
