//! The interpreter of compiled scenarios: one instance per model thread, running on that
//! thread's shuttle stack. Go's control flow maps onto Rust's: a function frame is a call of
//! [`Interp::call`], a Go panic is `Err(Unwind::Panic)` that runs deferred blocks on its way up,
//! and a fatal error or the end of the execution is `Err(Unwind::Abort)`, which runs nothing.

use super::eval::{eval, EvalError};
use super::oracle::OpJudges;
use super::tasks::start_threads;
use crate::model::fault;
use crate::model::history::Pending;
use crate::model::ops;
use crate::model::world::FieldVal;
use crate::model::world::{ThreadCx, ThreadKind, Unwind, World};
use crate::model::{Failure, Value};
use crate::rt;
use crate::scenario::{
    Arg, BlockId, CaseOp, Count, DsMapOp, DynObj, Expr, LabelId, ObjId, OpId, Program, Stmt,
    StmtKind, Test, CONTROL_OPS,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

pub(crate) struct Interp {
    prog: Arc<Program>,
    cx: ThreadCx,
    /// The thread's variables, by `VarId`.
    locals: Vec<Value>,
    /// The oracles that judge each completed op, if any.
    oracles: OpJudges,
}

/// The body of a model thread: run `body` as the goroutine's function, turn an unrecovered
/// panic into the execution's failure, then finish. The thread learns its index when it starts
/// (see [`rt::spawn`]).
pub(crate) fn thread_main(
    prog: Arc<Program>,
    world: Rc<RefCell<World>>,
    oracles: OpJudges,
    body: BlockId,
    locals: Vec<Value>,
) -> Box<dyn FnOnce()> {
    Box::new(move || {
        let me = rt::current();
        let mut it = Interp {
            prog,
            cx: ThreadCx { world, me },
            locals,
            oracles,
        };
        let (tearing_down, start_op, top) = {
            let w = it.cx.world.borrow();
            (w.tearing_down, w.threads[me].op, w.threads[me].top_level)
        };
        if !tearing_down {
            // A callback (AfterFunc's f) starts with the op that set it up as its op.
            let callback = !top
                && it
                    .prog
                    .op_meta
                    .get(start_op)
                    .is_some_and(|m| m.name == "after_func");
            let r = if callback {
                fault::callback_start(&it.cx, start_op).and_then(|()| it.call(body))
            } else {
                it.call(body)
            };
            if r.is_ok() && it.cx.world.borrow().ends_program(me) {
                // main returns. The process exits after that, not at once: until then the
                // goroutines on other Ps keep running (a goroutine started just before can
                // still panic first, as it sometimes does in Go).
                rt::yield_now();
            }
            if let Err(Unwind::Panic(p)) = r {
                let mut w = it.cx.world.borrow_mut();
                if p.injected.is_some() && w.outcome.is_none() {
                    // The injected panic itself killed the program: the fault, not a finding.
                    w.faults.ended_by = p.injected;
                }
                // The spawner's recover around the `go` statement does not catch this.
                let failure = if w.threads[me].guarded {
                    Failure::PanicOtherThread(Box::new(p.failure))
                } else {
                    p.failure
                };
                w.fail(failure, Some(p.thread), Some(p.op));
            }
        }
        it.cx.world.borrow_mut().finish_thread(me);
    })
}

impl Interp {
    /// Run a block as a function frame: its deferred blocks run when it returns or panics.
    fn call(&mut self, body: BlockId) -> Result<(), Unwind> {
        let mut defers = Vec::new();
        let result = match self.exec(body, &mut defers) {
            // `return` leaves the function normally. A `break` or `continue` cannot reach here
            // (validation keeps them inside a loop of the same function).
            Err(Unwind::Return | Unwind::Break(_) | Unwind::Continue(_)) => Ok(()),
            r => r,
        };
        if let Err(Unwind::Abort) = result {
            return result;
        }
        let mut result = result;
        while let Some(d) = defers.pop() {
            match self.call(d) {
                Ok(()) => {}
                Err(Unwind::Abort) => return Err(Unwind::Abort),
                // A panic in a deferred call replaces the one being propagated, as in Go; the
                // earlier ones stay in its chain, for Go's crash message.
                Err(Unwind::Panic(mut p)) => {
                    if let Err(Unwind::Panic(old)) = result {
                        p.failure = old.failure.then_panic(p.failure);
                    }
                    result = Err(Unwind::Panic(p));
                }
                Err(other) => result = Err(other),
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

    /// A condition of `if` and `for`: the variable equals `eq` (or, without `eq`, is true),
    /// negated by `not`.
    fn holds(&self, op: OpId, var: usize, eq: Option<&Value>, not: bool) -> Result<bool, Unwind> {
        let v = self.read_var(op, var)?;
        let holds = match eq {
            Some(e) => v == *e,
            None => v.truthy(),
        };
        Ok(holds != not)
    }

    /// The cell of shared variable `var` in this frame, if it has one yet.
    fn cell_of(&self, w: &World, var: usize) -> Option<usize> {
        w.cell_in(var, &self.locals[var])
    }

    /// Variable `var`'s value without a memory access (for messages).
    fn peek(&self, w: &World, var: usize) -> Value {
        match self.cell_of(w, var).and_then(|o| w.field(o, 0)) {
            Some(FieldVal::Val(v)) => v,
            _ => self.locals[var].clone(),
        }
    }

    /// Read variable `var` in op `op`: a shared variable is a memory access of its own (a
    /// scheduling point, watched by the race detector).
    fn read_var(&self, op: OpId, var: usize) -> Result<Value, Unwind> {
        if !self.prog.shared[var] {
            return Ok(self.locals[var].clone());
        }
        let Some(o) = self.cell_of(&self.cx.world.borrow(), var) else {
            // Never written in this frame: nobody else can see it.
            return Ok(self.locals[var].clone());
        };
        let me = self.cx.me;
        let mut w = self.cx.step(op)?;
        let v = w.cell_read(me, op, o);
        let name = w.obj_name(o);
        w.note(me, op, || format!("{name} -> {}", v.quoted()));
        Ok(v)
    }

    /// Set variable `var` (when the op names one) to `v`: a write to memory for a shared
    /// variable (a scheduling point, watched by the race detector).
    fn put(&mut self, op: OpId, var: Option<usize>, v: Value) -> Result<(), Unwind> {
        let Some(var) = var else { return Ok(()) };
        if !self.prog.shared[var] {
            self.locals[var] = v;
            return Ok(());
        }
        let cell = self.cell_of(&self.cx.world.borrow(), var);
        let Some(o) = cell else {
            return self.declare(op, var, v);
        };
        let me = self.cx.me;
        let mut w = self.cx.step(op)?;
        let name = w.obj_name(o);
        let shown = v.quoted();
        w.mem_write(me, op, (o, 0), v);
        w.note(me, op, || format!("{name} = {shown}"));
        Ok(())
    }

    /// A new shared variable `var` holding `v` (`var := v`): memory of its own, which
    /// goroutines started from here on share.
    fn declare(&mut self, op: OpId, var: usize, v: Value) -> Result<(), Unwind> {
        let me = self.cx.me;
        let mut w = self.cx.world.borrow_mut();
        let base = &self.prog.vars[var];
        let n = w.cells.values().filter(|&&x| x == var).count();
        let name = match n {
            0 => base.clone(),
            n => format!("{base}#{}", n + 1),
        };
        let o = w.new_cell(&name, var, Value::Nil);
        let shown = v.quoted();
        w.mem_write(me, op, (o, 0), v);
        w.note(me, op, || format!("{name} := {shown}"));
        self.locals[var] = Value::Obj(o as u32);
        Ok(())
    }

    /// A loop's per-iteration variable (`for i, v := range s`): each iteration's is a new
    /// one, as in Go 1.22 and later, so a goroutine started in one iteration keeps its own.
    fn bind(&mut self, op: OpId, var: Option<usize>, v: Value) -> Result<(), Unwind> {
        match var {
            Some(var) if self.prog.shared[var] => self.declare(op, var, v),
            _ => self.put(op, var, v),
        }
    }

    /// Start the callbacks the last op set off (a context's AfterFuncs, on cancel).
    fn start_callbacks(&self) {
        let reqs = std::mem::take(&mut self.cx.world.borrow_mut().spawns);
        start_threads(&self.prog, &self.cx.world, &self.oracles, reqs);
    }

    /// An op's argument. An expression that reads an object (`len(s)`) takes a scheduling
    /// point of its own first: the read is a separate memory access in Go.
    fn arg(&self, op: OpId, a: &Arg) -> Result<Value, Unwind> {
        match a {
            Arg::Lit(v) => Ok(v.clone()),
            Arg::Var(i) => self.read_var(op, *i),
            Arg::Expr(e) => self.value(op, e),
        }
    }

    /// An int argument (checked to be one before anything runs).
    fn int(&self, op: OpId, a: &Arg) -> Result<i64, Unwind> {
        match self.arg(op, a)? {
            Value::Int(n) => Ok(n),
            other => {
                let at = self.prog.op_path(op).to_string();
                Err(self.cx.world.borrow_mut().scenario_error(format!(
                    "{at}: the argument is {}, not an int",
                    other.quoted()
                )))
            }
        }
    }

    /// The value of expression `e` in op `op`.
    fn value(&self, op: OpId, e: &Expr) -> Result<Value, Unwind> {
        let cx = &self.cx;
        let reads = e.reads_objects() || e.reads_shared(&self.prog.shared);
        let mut w = if reads {
            cx.step(op)?
        } else {
            cx.world.borrow_mut()
        };
        let r = eval(e, &self.locals, &mut w, (cx.me, op));
        match r {
            Ok(v) => {
                if reads {
                    let (text, _) = self.explain(e, &w);
                    w.note(cx.me, op, || format!("{text} -> {}", v.quoted()));
                }
                Ok(v)
            }
            Err(EvalError::DivideByZero) => {
                w.note(cx.me, op, || "integer divide by zero".to_string());
                drop(w);
                Err(cx.panic(Failure::DivideByZero, op))
            }
            Err(EvalError::NilDereference) => {
                w.note(cx.me, op, || "nil pointer dereference".to_string());
                drop(w);
                Err(cx.panic(Failure::NilDereference, op))
            }
            Err(EvalError::Type(why)) => {
                let at = self.prog.op_path(op).to_string();
                Err(w.scenario_error(format!("{at}: {why}: the scenario gives this expression a value its operator does not take")))
            }
        }
    }

    /// Expression `e` as Go source, and the values of the variables it reads (`n = 2`).
    fn explain(&self, e: &Expr, w: &World) -> (String, String) {
        let prog = &self.prog;
        let none = |_: usize| crate::scenario::expr::Ty::Dyn;
        let var_name = |v: usize| prog.vars[v].clone();
        // By the execution's names: a reference may name an object made at run time.
        let obj_name = |o: usize| w.obj_name(o).to_string();
        let kind = |o: usize| {
            prog.objects
                .get(o)
                .map_or(crate::base::ObjKind::Chan, |s| s.decl.kind())
        };
        let field = |b: usize, i: usize| (w.field_name(b, i), crate::scenario::expr::Ty::Dyn);
        let env = crate::scenario::expr::Env {
            var_ty: &none,
            obj_kind: &kind,
            field: &field,
            var_name: &var_name,
            obj_name: &obj_name,
        };
        let mut vars = Vec::new();
        e.vars(&mut vars);
        let got: Vec<String> = vars
            .iter()
            .map(|&v| format!("{} = {}", prog.vars[v], self.peek(w, v).quoted()))
            .collect();
        let got = if got.is_empty() {
            "no variables".to_string()
        } else {
            got.join(", ")
        };
        (env.render(e), got)
    }

    /// Whether condition `t` of op `op` holds.
    fn test(&self, op: OpId, t: &Test) -> Result<bool, Unwind> {
        match t {
            Test::Var { var, eq, not } => self.holds(op, *var, eq.as_ref(), *not),
            Test::Expr(e) => match self.value(op, e)? {
                Value::Bool(b) => Ok(b),
                other => {
                    let at = self.prog.op_path(op).to_string();
                    Err(self.cx.world.borrow_mut().scenario_error(format!(
                        "{at}: the condition is {}, not a bool",
                        other.quoted()
                    )))
                }
            },
        }
    }

    fn func(&self, body: BlockId, thread: &Arc<str>, op: usize) -> ops::time::FuncSpec {
        ops::time::FuncSpec {
            body,
            locals: self.locals.clone(),
            thread: Arc::clone(thread),
            op,
            clock: self.cx.world.borrow_mut().race.snapshot(self.cx.me),
        }
    }

    /// `stmt` with the objects it names through variables replaced by the objects those
    /// variables hold now (a variable holding nil names the nil channel, map or slice; a nil
    /// pointer to anything else is Go's nil dereference, here).
    fn resolve(&self, stmt: &Stmt) -> Result<Stmt, Unwind> {
        let mut kind = stmt.kind.clone();
        let mut failed = None;
        let mut w = self.cx.world.borrow_mut();
        kind.objs_mut_in(&mut |o, value| {
            if failed.is_none() {
                match self.resolve_id(&mut w, *o, stmt.id, value) {
                    Ok(x) => *o = x,
                    Err(e) => failed = Some(e),
                }
            }
        });
        match failed {
            None => Ok(Stmt {
                id: stmt.id,
                kind,
                dynamic: false,
            }),
            Some(Ok(f)) => {
                w.note(self.cx.me, stmt.id, || {
                    "nil pointer dereference".to_string()
                });
                drop(w);
                Err(self.cx.panic(f, stmt.id))
            }
            Some(Err(why)) => Err(w.scenario_error(why)),
        }
    }

    /// The object id `o` stands for now: a declared object (or what an `assign` pointed it
    /// at), what a variable holds, a struct's field. `Err(Ok(f))`: Go panics with `f` (a nil
    /// pointer); `Err(Err(why))`: the scenario put a non-object where an object goes. With
    /// `value` (an expression reads it), a nil pointer is a value, [`World::NIL_PTR`]; only
    /// reaching through one (`p.f` with p nil) dereferences it.
    fn resolve_id(
        &self,
        w: &mut World,
        o: ObjId,
        op: OpId,
        value: bool,
    ) -> Result<ObjId, Result<Failure, String>> {
        let n = self.prog.objects.len();
        let nil = |w: &mut World, k| match w.nil_object(k) {
            Ok(x) => Ok(x),
            Err(_) if value => Ok(World::NIL_PTR),
            Err(f) => Err(Ok(f)),
        };
        if o < n {
            if !self.prog.reassigned[o] {
                return Ok(o);
            }
            return match w.slots.get(&o).copied() {
                None => Ok(o),
                Some(Some(x)) => Ok(x),
                Some(None) => nil(w, self.prog.objects[o].decl.kind()),
            };
        }
        match self.prog.obj_vars[o - n] {
            DynObj::Var(var, k) => match &self.var_now(w, var, op) {
                Value::Obj(id) => Ok(*id as usize),
                Value::Nil => nil(w, k),
                other => Err(Err(format!(
                    "{}: `{}` holds {}, not a {k}",
                    self.prog.op_path(op),
                    self.prog.vars[var],
                    other.quoted()
                ))),
            },
            DynObj::Field { base, field, kind } => {
                let b = self.resolve_id(w, base, op, false)?;
                // A reference field (`w.ch`) is read from memory; a mutex or WaitGroup field
                // is part of the struct, used in place.
                let read = if kind.is_reference() {
                    let r = w.mem_read(self.cx.me, op, (b, field));
                    if w.race.on && w.trace.is_some() {
                        // The read the race detector saw gets its line (a race marks it).
                        let (name, fname) = (w.obj_name(b), w.field_name(b, field));
                        let shown = match &r {
                            Some(FieldVal::Obj(Some(x))) => w.obj_name(*x).to_string(),
                            _ => "<nil>".to_string(),
                        };
                        w.note(self.cx.me, op, || format!("{name}.{fname} -> {shown}"));
                    }
                    r
                } else {
                    w.field(b, field)
                };
                match read {
                    Some(FieldVal::Obj(Some(x))) => Ok(x),
                    Some(FieldVal::Obj(None)) => nil(w, kind),
                    // A nil struct pointer: reading its field is the nil dereference.
                    _ => Err(Ok(Failure::NilDereference)),
                }
            }
        }
    }

    /// What variable `var` holds as an op resolves the object it names: a shared variable's
    /// value is read from memory (the op's own scheduling point covers the read).
    fn var_now(&self, w: &mut World, var: usize, op: OpId) -> Value {
        match self.cell_of(w, var) {
            Some(o) => w.cell_read(self.cx.me, op, o),
            None => self.locals[var].clone(),
        }
    }

    fn stmt(&mut self, stmt: &Stmt, defers: &mut Vec<BlockId>) -> Result<(), Unwind> {
        let resolved;
        let stmt = if stmt.dynamic {
            resolved = self.resolve(stmt)?;
            &resolved
        } else {
            stmt
        };
        if !self.prog.faults_on() || CONTROL_OPS.contains(&self.prog.op_meta[stmt.id].name) {
            self.op(stmt, defers)?;
        } else {
            fault::before_op(&self.cx, stmt.id, &stmt.kind)?;
            if !self.cx.world.borrow().spawns.is_empty() {
                self.start_callbacks();
            }
            let r = self.op(stmt, defers);
            fault::lapse(&self.cx);
            r?;
        }
        if self.oracles.is_some() {
            self.judge(stmt.id)?;
        }
        Ok(())
    }

    /// Ask the oracles about the op this thread just completed.
    fn judge(&self, op: usize) -> Result<(), Unwind> {
        let mut w = self.cx.world.borrow_mut();
        if w.outcome.is_some() || w.tearing_down {
            return Ok(());
        }
        let Some(oracles) = &self.oracles else {
            return Ok(());
        };
        let judged = oracles.borrow_mut().after_op(&w, self.cx.me, op);
        match judged {
            Some(failure) => {
                w.fail(failure, Some(self.cx.me), Some(op));
                Err(Unwind::Abort)
            }
            None => Ok(()),
        }
    }

    /// The call of an operation on an object `expect.linearizable` watches (nothing for
    /// others): recorded before the port's first scheduling point.
    fn lin_call(&self, o: ObjId, name: &str, args: &[&Value], op: OpId) -> Pending {
        let mut w = self.cx.world.borrow_mut();
        if !w.lin.active() {
            return None;
        }
        let thread = w.threads[self.cx.me].name.clone();
        w.lin.call(o, &thread, name, args, op)
    }

    /// Its return with `result`, after the port's last scheduling point.
    fn lin_ret(&self, p: Pending, result: &Value) {
        if p.is_some() {
            self.cx.world.borrow_mut().lin.ret(p, result);
        }
    }

    fn op(&mut self, stmt: &Stmt, defers: &mut Vec<BlockId>) -> Result<(), Unwind> {
        let cx = self.cx.clone();
        let op = stmt.id;
        match &stmt.kind {
            StmtKind::MapSet { m, key, value } => {
                let (k, v) = (self.arg(op, key)?, self.arg(op, value)?);
                let h = self.lin_call(*m, "store", &[&k, &v], op);
                ops::set(&cx, op, *m, &k, &v)?;
                self.lin_ret(h, &Value::Nil);
                Ok(())
            }
            StmtKind::MapGet { m, key, into, ok } => {
                let zero = cx.world.borrow().zero(*m);
                let k = self.arg(op, key)?;
                let h = self.lin_call(*m, "load", &[&k], op);
                let (v, found) = ops::get(&cx, op, *m, &k, zero)?;
                self.lin_ret(h, if found { &v } else { &Value::Nil });
                self.put(op, *into, v)?;
                self.put(op, *ok, Value::Bool(found))?;
                Ok(())
            }
            StmtKind::MapDelete { m, key } => {
                let k = self.arg(op, key)?;
                let h = self.lin_call(*m, "delete", &[&k], op);
                ops::delete(&cx, op, *m, &k)?;
                self.lin_ret(h, &Value::Nil);
                Ok(())
            }
            StmtKind::MapClear { m } => ops::clear(&cx, op, *m),
            StmtKind::MapRange {
                m,
                key,
                value,
                body,
            } => left_loop(
                None,
                ops::map_range(&cx, op, *m, |k, v| {
                    self.bind(op, *key, k)?;
                    self.bind(op, *value, v)?;
                    next_iteration(None, self.exec(*body, defers))
                }),
            ),
            StmtKind::MapClone { m, to } => ops::clone(&cx, op, *m, *to),
            StmtKind::MapMake { m } => ops::make(&cx, op, *m),
            StmtKind::MapLen { m, into } => {
                let n = ops::map_len(&cx, op, *m)?;
                self.put(op, Some(*into), Value::Int(n))?;
                Ok(())
            }
            StmtKind::ChanLen { ch, into } => {
                let n = ops::chan_len(&cx, op, *ch)?;
                self.put(op, Some(*into), Value::Int(n))?;
                Ok(())
            }
            StmtKind::Send { ch, value } => ops::send(&cx, op, *ch, &self.arg(op, value)?),
            StmtKind::Recv { ch, into, ok } => {
                let zero = cx.world.borrow().zero(*ch);
                let (v, got) = ops::recv(&cx, op, *ch, &zero)?;
                self.put(op, *into, v)?;
                self.put(op, *ok, Value::Bool(got))?;
                Ok(())
            }
            StmtKind::Close { ch } => {
                let zero = cx.world.borrow().zero(*ch);
                ops::close(&cx, op, *ch, &zero)
            }
            StmtKind::Lock { mu } => {
                let name = cx.world.borrow().obj_name(*mu);
                let what = || format!("{name}.Lock()");
                ops::lock(&cx, op, *mu, crate::model::WaitReason::MutexLock, &what)
            }
            StmtKind::Unlock { mu } => ops::unlock(&cx, op, *mu),
            StmtKind::RwLock { rw } => ops::rw_lock(&cx, op, *rw),
            StmtKind::RwUnlock { rw } => ops::rw_unlock(&cx, op, *rw),
            StmtKind::RLock { rw } => ops::rlock(&cx, op, *rw),
            StmtKind::RUnlock { rw } => ops::runlock(&cx, op, *rw),
            StmtKind::WgAdd { wg, delta } => {
                let d = self.int(op, delta)?;
                if i32::try_from(d).is_err() {
                    let at = self.prog.op_path(op).to_string();
                    return Err(cx
                        .world
                        .borrow_mut()
                        .scenario_error(format!("{at}: delta {d} is out of the counter's range")));
                }
                ops::wg_add(&cx, op, *wg, d)
            }
            StmtKind::WgWait { wg } => ops::wg_wait(&cx, op, *wg),
            StmtKind::CondWait { c, locker } => ops::cond_wait(&cx, op, *c, *locker),
            StmtKind::CondSignal { c, all } => ops::cond_signal(&cx, op, *c, *all),
            StmtKind::OnceDo { once, body } => ops::do_once(&cx, op, *once, || {
                fault::site(&cx, "inside Once.Do's f")?;
                self.call(*body)
            }),
            StmtKind::Repeat { times, index, body } => {
                let times = match times {
                    Count::Lit(n) => *n,
                    Count::Expr(e) => match self.value(op, e)? {
                        // `for i := range n` with n <= 0 runs no iteration.
                        Value::Int(n) => n.max(0) as u64,
                        other => {
                            let at = self.prog.op_path(op).to_string();
                            return Err(cx.world.borrow_mut().scenario_error(format!(
                                "{at}: the count is {}, not an int",
                                other.quoted()
                            )));
                        }
                    },
                };
                for i in 0..times {
                    self.bind(op, *index, Value::Int(i as i64))?;
                    match next_iteration(None, self.exec(*body, defers)) {
                        Ok(()) => {}
                        Err(Unwind::Break(None)) => break,
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
            StmtKind::For { cond, label, body } => {
                let mut n: u64 = 0;
                loop {
                    n += 1;
                    // Each iteration is a scheduling point: Go preempts a running loop, and a
                    // loop with no op of its own still counts toward `max_steps`.
                    let mut w = cx.step(op)?;
                    let name = label.map(|l| self.prog.labels[l].as_str());
                    w.note(cx.me, op, || match name {
                        Some(l) => format!("{l}: for, iteration {n}"),
                        None => format!("for, iteration {n}"),
                    });
                    drop(w);
                    if let Some(t) = cond {
                        if !self.test(op, t)? {
                            return Ok(());
                        }
                    }
                    match next_iteration(*label, self.exec(*body, defers)) {
                        Ok(()) => {}
                        Err(Unwind::Break(l)) if l.is_none() || l == *label => return Ok(()),
                        Err(e) => return Err(e),
                    }
                }
            }
            StmtKind::SliceRange {
                s,
                key,
                value,
                body,
            } => left_loop(
                None,
                ops::slice::range(&cx, op, *s, value.is_some(), |i, v| {
                    self.bind(op, *key, Value::Int(i))?;
                    if let Some(v) = v {
                        self.bind(op, *value, v)?;
                    }
                    next_iteration(None, self.exec(*body, defers))
                }),
            ),
            StmtKind::ChanRange { ch, value, body } => {
                let zero = cx.world.borrow().zero(*ch);
                loop {
                    // Each iteration is a receive; the loop ends once the channel is closed
                    // and drained (a nil channel blocks forever, as in Go).
                    let (v, ok) = ops::recv(&cx, op, *ch, &zero)?;
                    if !ok {
                        return Ok(());
                    }
                    self.bind(op, *value, v)?;
                    match next_iteration(None, self.exec(*body, defers)) {
                        Ok(()) => {}
                        Err(Unwind::Break(None)) => return Ok(()),
                        Err(e) => return Err(e),
                    }
                }
            }
            StmtKind::Break { label } => Err(Unwind::Break(*label)),
            StmtKind::Continue { label } => Err(Unwind::Continue(*label)),
            StmtKind::Return { values, results } => {
                // Every value first, then the assignments, as Go evaluates `return a, b`.
                let vals = values
                    .iter()
                    .map(|a| self.arg(op, a))
                    .collect::<Result<Vec<Value>, Unwind>>()?;
                for (r, v) in results.iter().zip(vals) {
                    self.put(op, Some(*r), v)?;
                }
                Err(Unwind::Return)
            }
            StmtKind::Spawn {
                name,
                body,
                guarded,
            } => {
                cx.step(op)?.reserve_thread()?;
                let f = thread_main(
                    Arc::clone(&self.prog),
                    Rc::clone(&cx.world),
                    self.oracles.clone(),
                    *body,
                    self.locals.clone(),
                );
                let t = rt::spawn(name, f);
                let mut w = cx.world.borrow_mut();
                debug_assert_eq!(t, w.threads.len());
                w.add_thread(ThreadKind::Go { role: name, op });
                // The `go` statement happens before the goroutine starts.
                let s = w.race.snapshot(cx.me);
                w.race.acquire_snapshot(t, s);
                w.threads[t].guarded = *guarded;
                let tname = w.threads[t].name.clone();
                w.note(cx.me, op, || format!("go {tname}()"));
                Ok(())
            }
            StmtKind::Select { cases, default } => {
                let mut sel: Vec<ops::SelCase> = Vec::with_capacity(cases.len());
                for c in cases {
                    sel.push(match &c.op {
                        CaseOp::Recv { ch, .. } => ops::SelCase::Recv {
                            ch: *ch,
                            zero: cx.world.borrow().zero(*ch),
                        },
                        CaseOp::Send { ch, value } => ops::SelCase::Send {
                            ch: *ch,
                            value: self.arg(op, value)?,
                        },
                        CaseOp::After { ns } => ops::SelCase::After { ns: *ns },
                    });
                }
                // An unlabelled `break` in a case leaves the select, as in Go.
                let taken = match ops::select(&cx, op, &sel, default.is_some())? {
                    ops::Selected::Case { index, value, ok } => {
                        if let CaseOp::Recv { into, ok: okv, .. } = &cases[index].op {
                            self.put(op, *into, value)?;
                            self.put(op, *okv, Value::Bool(ok))?;
                        }
                        self.exec(cases[index].body, defers)
                    }
                    ops::Selected::Default => {
                        self.exec(default.expect("default chosen only if present"), defers)
                    }
                };
                left_loop(None, taken)
            }
            StmtKind::If {
                test,
                then,
                otherwise,
            } => {
                let holds = self.test(op, test)?;
                self.exec(if holds { *then } else { *otherwise }, defers)
            }
            StmtKind::Call {
                body, func: None, ..
            } => self.call(*body),
            StmtKind::Call {
                body,
                func: Some(f),
                args,
                into,
            } => {
                let vals = args
                    .iter()
                    .map(|a| self.arg(op, a))
                    .collect::<Result<Vec<Value>, Unwind>>()?;
                // A fresh frame: the function's variables at their zero values, then the
                // parameters. (No recursion, so no call of it is active on this thread.)
                let prog = Arc::clone(&self.prog);
                let func = &prog.funcs[*f];
                for &v in &func.locals {
                    self.locals[v] = prog.var_zero[v].clone();
                }
                for (&p, v) in func.params.iter().zip(vals) {
                    self.locals[p] = v;
                }
                self.call(*body)?;
                // Deferred calls have run and may have changed named results, as in Go.
                for (&v, &r) in into.iter().zip(&func.results) {
                    let value = self.read_var(op, r)?;
                    self.put(op, Some(v), value)?;
                }
                Ok(())
            }
            StmtKind::Defer { body } => {
                defers.push(*body);
                Ok(())
            }
            StmtKind::Recover { body, into } => match self.call(*body) {
                Err(Unwind::Panic(p)) => {
                    let value = p.failure.recovered();
                    cx.world
                        .borrow_mut()
                        .note(cx.me, op, || format!("recover() -> {}", value.quoted()));
                    self.put(op, *into, value)?;
                    Ok(())
                }
                other => other,
            },
            StmtKind::Panic { value } => {
                let mut w = cx.step(op)?;
                w.note(cx.me, op, || format!("panic({})", value.quoted()));
                Err(cx.panic(Failure::UserPanic(value.clone()), op))
            }
            StmtKind::Let { var, value, fresh } => {
                let v = self.arg(op, value)?;
                if *fresh {
                    return self.declare(op, *var, v);
                }
                self.put(op, Some(*var), v)
            }
            StmtKind::Assign { slot, value } => {
                let v = self.arg(op, value)?;
                let mut w = cx.step(op)?;
                let name = w.obj_name(*slot);
                let target = match v {
                    Value::Obj(o) => Some(o as usize),
                    _ => None,
                };
                let shown = target.map_or("nil".into(), |o| w.obj_name(o).to_string());
                w.note(cx.me, op, || format!("{name} = {shown}"));
                w.slots.insert(*slot, target);
                Ok(())
            }
            StmtKind::AssignField { base, field, value } => {
                let v = self.arg(op, value)?;
                let mut w = cx.step(op)?;
                let (name, fname) = (w.obj_name(*base), w.field_name(*base, *field));
                let shown = match &v {
                    Value::Obj(o) => w.obj_name(*o as usize).to_string(),
                    other => other.quoted(),
                };
                w.mem_write(cx.me, op, (*base, *field), v);
                w.note(cx.me, op, || format!("{name}.{fname} = {shown}"));
                Ok(())
            }
            StmtKind::New { spec, into } => {
                let spec = &self.prog.new_objs[*spec];
                let mut w = cx.world.borrow_mut();
                let o = w.make_object(spec);
                let name = w.obj_name(o);
                let kind = spec.decl.kind();
                w.note(cx.me, op, || format!("{} = new {kind} ({name})", spec.name));
                drop(w);
                self.put(op, Some(*into), Value::Obj(o as u32))?;
                Ok(())
            }
            StmtKind::Yield => {
                let mut w = cx.step(op)?;
                w.note(cx.me, op, || "runtime.Gosched()".to_string());
                Ok(())
            }
            StmtKind::Rand { n, into } => {
                let v = ops::rand_intn(&cx, op, *n, &self.prog.vars[*into])?;
                self.put(op, Some(*into), Value::Int(v))?;
                Ok(())
            }
            StmtKind::Sleep { ns } => ops::time::sleep(&cx, op, *ns),
            StmtKind::NewTimer { t, ns } => ops::time::new_timer(&cx, op, *t, *ns),
            StmtKind::TimerAfterFunc {
                t,
                ns,
                thread,
                body,
            } => {
                let f = self.func(*body, thread, op);
                ops::time::after_func(&cx, op, *t, *ns, f)
            }
            StmtKind::CtxAfterFunc {
                h,
                ctx,
                thread,
                body,
            } => {
                let f = self.func(*body, thread, op);
                ops::ctx::after_func(&cx, op, *h, *ctx, f)?;
                self.start_callbacks();
                Ok(())
            }
            StmtKind::TimerStop { t, into } => {
                let r = ops::time::stop(&cx, op, *t)?;
                self.put(op, *into, Value::Bool(r))?;
                Ok(())
            }
            StmtKind::TimerReset { t, ns, into } => {
                let r = ops::time::reset(&cx, op, *t, *ns)?;
                self.put(op, *into, Value::Bool(r))?;
                Ok(())
            }
            StmtKind::WithCancel {
                ctx,
                parent,
                timeout,
            } => ops::ctx::with_cancel(&cx, op, *ctx, *parent, *timeout),
            StmtKind::WithValue {
                ctx,
                parent,
                key,
                value,
            } => ops::ctx::with_value(&cx, op, *ctx, *parent, key, value),
            StmtKind::Cancel { ctx, cause } => {
                ops::ctx::cancel(&cx, op, *ctx, cause.as_deref())?;
                self.start_callbacks();
                Ok(())
            }
            StmtKind::CtxErr { ctx, into, cause } => {
                let v = ops::ctx::err(&cx, op, *ctx, *cause)?;
                self.put(op, Some(*into), v)?;
                Ok(())
            }
            StmtKind::CtxValue { ctx, key, into } => {
                let v = ops::ctx::value(&cx, op, *ctx, key)?;
                self.put(op, Some(*into), v)?;
                Ok(())
            }
            StmtKind::Append { s, values, to } => {
                let values = values
                    .iter()
                    .map(|a| self.arg(op, a))
                    .collect::<Result<Vec<Value>, Unwind>>()?;
                ops::slice::append(&cx, op, *s, &values, *to)
            }
            StmtKind::Index { s, index, into } => {
                let i = self.int(op, index)?;
                let v = ops::slice::index(&cx, op, *s, i)?;
                self.put(op, Some(*into), v)?;
                Ok(())
            }
            StmtKind::SliceStore { s, index, value } => {
                let i = self.int(op, index)?;
                let v = self.arg(op, value)?;
                ops::slice::store(&cx, op, *s, i, &v)
            }
            StmtKind::Reslice {
                s,
                low,
                high,
                max,
                to,
            } => {
                let bound = |b: &Option<Arg>| b.as_ref().map(|a| self.int(op, a)).transpose();
                let (low, high, max) = (bound(low)?, bound(high)?, bound(max)?);
                ops::slice::reslice(&cx, op, *s, low, high, max, *to)
            }
            StmtKind::SliceLen { s, into, cap } => {
                let n = ops::slice::len(&cx, op, *s, *cap)?;
                self.put(op, Some(*into), Value::Int(n))?;
                Ok(())
            }
            StmtKind::AtomicLoad { a, into } => {
                let h = self.lin_call(*a, "load", &[], op);
                let v = ops::atomic::load(&cx, op, *a)?;
                self.lin_ret(h, &v);
                self.put(op, Some(*into), v)?;
                Ok(())
            }
            StmtKind::AtomicStore { a, value } => {
                let v = self.arg(op, value)?;
                let h = self.lin_call(*a, "store", &[&v], op);
                ops::atomic::store(&cx, op, *a, v)?;
                self.lin_ret(h, &Value::Nil);
                Ok(())
            }
            StmtKind::AtomicCas { a, old, new, ok } => {
                let (old, new) = (self.arg(op, old)?, self.arg(op, new)?);
                let h = self.lin_call(*a, "compare_and_swap", &[&old, &new], op);
                let r = ops::atomic::cas(&cx, op, *a, &old, new)?;
                self.lin_ret(h, &Value::Bool(r));
                self.put(op, *ok, Value::Bool(r))?;
                Ok(())
            }
            StmtKind::AtomicSwap { a, value, into } => {
                let v = self.arg(op, value)?;
                let h = self.lin_call(*a, "swap", &[&v], op);
                let old = ops::atomic::swap(&cx, op, *a, v)?;
                self.lin_ret(h, &old);
                self.put(op, *into, old)?;
                Ok(())
            }
            StmtKind::AtomicAdd { a, delta, into } => {
                let d = self.int(op, delta)?;
                let h = self.lin_call(*a, "add_and_get", &[&Value::Int(d)], op);
                let n = ops::atomic::add(&cx, op, *a, d)?;
                self.lin_ret(h, &Value::Int(n));
                self.put(op, *into, Value::Int(n))?;
                Ok(())
            }
            StmtKind::PoolGet { p, to, .. } => {
                ops::pool::get(&cx, op, *p, to.expect("validation requires `to`"))
            }
            StmtKind::PoolPut { p, slice, .. } => ops::pool::put(&cx, op, *p, *slice),
            StmtKind::HandleUse { h, into } => {
                let e = ops::handle::use_handle(&cx, op, *h)?;
                self.put(op, *into, e)?;
                Ok(())
            }
            StmtKind::HandleClose { h, into } => {
                let e = ops::handle::close(&cx, op, *h)?;
                self.put(op, *into, e)?;
                Ok(())
            }
            StmtKind::DsMap { m, op: dop } => match dop {
                DsMapOp::Set { key, value } => {
                    let (k, v) = (self.arg(op, key)?, self.arg(op, value)?);
                    let h = self.lin_call(*m, "store", &[&k, &v], op);
                    ops::ds::map_set(&cx, op, *m, &k, &v)?;
                    self.lin_ret(h, &Value::Nil);
                    Ok(())
                }
                DsMapOp::Get { key, into, ok } => {
                    let zero = cx.world.borrow().zero(*m);
                    let k = self.arg(op, key)?;
                    let h = self.lin_call(*m, "load", &[&k], op);
                    let (v, found) = ops::ds::map_get(&cx, op, *m, &k, zero)?;
                    self.lin_ret(h, if found { &v } else { &Value::Nil });
                    self.put(op, *into, v)?;
                    self.put(op, *ok, Value::Bool(found))?;
                    Ok(())
                }
                DsMapOp::Delete { key } => {
                    let k = self.arg(op, key)?;
                    let h = self.lin_call(*m, "delete", &[&k], op);
                    ops::ds::map_delete(&cx, op, *m, &k)?;
                    self.lin_ret(h, &Value::Nil);
                    Ok(())
                }
                DsMapOp::Len { into } => {
                    let n = ops::ds::map_len(&cx, op, *m)?;
                    self.put(op, Some(*into), Value::Int(n))?;
                    Ok(())
                }
                DsMapOp::Range { key, value, body } => {
                    let (kv, vv, body) = (*key, *value, *body);
                    left_loop(
                        None,
                        ops::ds::map_range(&cx, op, *m, &mut |k, v| {
                            self.put(op, kv, k)?;
                            self.put(op, vv, v)?;
                            next_iteration(None, self.exec(body, defers))
                        }),
                    )
                }
            },
            StmtKind::Push { s, value } => {
                let v = self.arg(op, value)?;
                let h = self.lin_call(*s, "push", &[&v], op);
                ops::ds::push(&cx, op, *s, v)?;
                self.lin_ret(h, &Value::Nil);
                Ok(())
            }
            StmtKind::Pop { s, into, ok } => {
                let h = self.lin_call(*s, "pop", &[], op);
                let (v, found) = ops::ds::pop(&cx, op, *s)?;
                self.lin_ret(h, if found { &v } else { &Value::Nil });
                self.put(op, *into, v)?;
                self.put(op, *ok, Value::Bool(found))?;
                Ok(())
            }
            StmtKind::IsNil { obj, into } => {
                let mut w = cx.step(op)?;
                let nil = w.is_nil(*obj);
                let name = w.obj_name(*obj);
                w.note(cx.me, op, || format!("{name} == nil -> {nil}"));
                drop(w);
                self.put(op, Some(*into), Value::Bool(nil))?;
                Ok(())
            }
            StmtKind::Assert { test, id, message } => {
                if self.test(op, test)? {
                    return Ok(());
                }
                let text = match test {
                    Test::Var { var, eq, not } => {
                        let v = &self.peek(&cx.world.borrow(), *var);
                        let name = &self.prog.vars[*var];
                        let want = match (eq, not) {
                            (Some(e), false) => format!("{name} == {}", e.quoted()),
                            (Some(e), true) => format!("{name} != {}", e.quoted()),
                            (None, false) => format!("{name} is true"),
                            (None, true) => format!("{name} is false"),
                        };
                        match message {
                            Some(m) => format!("{m} ({want}, got {})", v.quoted()),
                            None => format!("expected {want}, got {}", v.quoted()),
                        }
                    }
                    Test::Expr(e) => {
                        let (want, got) = self.explain(e, &cx.world.borrow());
                        match message {
                            Some(m) => format!("{m} ({want} is false, with {got})"),
                            None => format!("expected {want}, with {got}"),
                        }
                    }
                };
                let failure = Failure::Assertion {
                    id: id.clone(),
                    message: text,
                };
                let mut w = cx.world.borrow_mut();
                w.fail(failure, Some(cx.me), Some(op));
                Err(Unwind::Abort)
            }
        }
    }
}

/// One iteration's result as its loop sees it: a `continue` for this loop (unlabelled, or with
/// its `label`) ends the iteration normally.
fn next_iteration(label: Option<LabelId>, r: Result<(), Unwind>) -> Result<(), Unwind> {
    match r {
        Err(Unwind::Continue(l)) if l.is_none() || l == label => Ok(()),
        r => r,
    }
}

/// The result of a loop (or `select`) that an unlabelled `break` (or one with its `label`)
/// leaves: the break ends here.
fn left_loop(label: Option<LabelId>, r: Result<(), Unwind>) -> Result<(), Unwind> {
    match r {
        Err(Unwind::Break(l)) if l.is_none() || l == label => Ok(()),
        r => r,
    }
}
