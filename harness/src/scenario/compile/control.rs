//! Compiling the ops that steer a thread: loops, spawn, conditions, calls, defer/recover, panic, variables, assertions.

use super::*;
use crate::scenario::types::{CondSpec, FieldDecl, Operand, ProcDecl, Times};

/// The fields of an `assert` op.
pub(super) struct AssertOp<'a> {
    pub var: &'a Option<String>,
    pub cond: &'a Option<String>,
    pub eq: &'a Option<Value>,
    pub not: &'a bool,
    pub id: &'a Option<String>,
    pub message: &'a Option<String>,
}

impl Compiler<'_> {
    pub(super) fn c_repeat(
        &mut self,
        path: &str,
        d: usize,
        times: &Times,
        ops: &[Op],
        index: &Option<String>,
    ) -> R<StmtKind> {
        let body = |c: &mut Self, ops: &[Op], field: &str| c.block(ops, &member(path, field), d);
        Ok({
            let times = self.count(times, &member(path, "times"))?;
            StmtKind::Repeat {
                times,
                index: self.set_var(index),
                body: body(self, ops, "body")?,
            }
        })
    }

    pub(super) fn c_spawn(
        &mut self,
        path: &str,
        d: usize,
        thread: &str,
        ops: &[Op],
    ) -> R<StmtKind> {
        // A function literal of its own: a `return` in it returns from it.
        let body = |c: &mut Self, ops: &[Op], field: &str| c.closure(ops, &member(path, field), d);
        Ok({
            if thread.is_empty() || thread.contains('#') {
                return Err(self.err(
                    &member(path, "thread"),
                    "thread names are non-empty and do not contain `#`",
                ));
            }
            StmtKind::Spawn {
                name: thread.to_string(),
                body: body(self, ops, "body")?,
                guarded: self.recover_depth > 0,
            }
        })
    }

    pub(super) fn c_if(
        &mut self,
        path: &str,
        d: usize,
        cond: &CondSpec,
        then: &[Op],
        otherwise: &[Op],
    ) -> R<StmtKind> {
        let body = |c: &mut Self, ops: &[Op], field: &str| c.block(ops, &member(path, field), d);
        Ok({
            let test = self.test(cond, &member(path, "cond"))?;
            StmtKind::If {
                test,
                then: body(self, then, "then")?,
                otherwise: body(self, otherwise, "else")?,
            }
        })
    }

    pub(super) fn c_for(
        &mut self,
        path: &str,
        d: usize,
        cond: Option<&CondSpec>,
        label: &Option<String>,
        ops: &[Op],
    ) -> R<StmtKind> {
        let cond = match cond {
            Some(c) => Some(self.test(c, &member(path, "cond"))?),
            None => None,
        };
        if label.as_deref().is_some_and(str::is_empty) {
            return Err(self.err(&member(path, "label"), "a label is a non-empty name"));
        }
        Ok(StmtKind::For {
            cond,
            label: self.label(label),
            body: self.block(ops, &member(path, "body"), d)?,
        })
    }

    /// Check the `break`s and `continue`s of one function body: each inside a loop (a `break`
    /// also inside a `select`) of the same function, a label naming an enclosing loop, as Go's
    /// compiler requires. `scopes` holds the enclosing loops (`Some(label)` or `Some(None)`)
    /// and selects (`None`).
    pub(super) fn check_flow(
        &self,
        block: BlockId,
        scopes: &mut Vec<Option<Option<LabelId>>>,
    ) -> R<()> {
        for s in &self.blocks[block] {
            let path = &self.op_paths[s.id];
            let label_name = |l: LabelId| self.labels[l].as_str();
            match &s.kind {
                StmtKind::Break { label } | StmtKind::Continue { label } => {
                    let is_break = matches!(s.kind, StmtKind::Break { .. });
                    let word = if is_break { "break" } else { "continue" };
                    let ok = match label {
                        None => scopes
                            .iter()
                            .any(|sc| sc.is_some() || (is_break && sc.is_none())),
                        Some(l) => scopes.contains(&Some(Some(*l))),
                    };
                    if !ok {
                        let why = match label {
                            None if is_break => "`break` outside a loop or select (in this function: a `spawn`, `defer`, `recover` or `do` body is a function of its own)".to_string(),
                            None => "`continue` outside a loop (in this function: a `spawn`, `defer`, `recover` or `do` body is a function of its own)".to_string(),
                            Some(l) => format!(
                                "`{word} {}`: no enclosing `for` in this function has that label",
                                label_name(*l)
                            ),
                        };
                        return Err(self.err(path, why));
                    }
                }
                StmtKind::For { label, body, .. } => {
                    scopes.push(Some(*label));
                    let r = self.check_flow(*body, scopes);
                    scopes.pop();
                    r?;
                }
                StmtKind::Repeat { body, .. }
                | StmtKind::ChanRange { body, .. }
                | StmtKind::SliceRange { body, .. }
                | StmtKind::MapRange { body, .. }
                | StmtKind::DsMap {
                    op: DsMapOp::Range { body, .. },
                    ..
                } => {
                    scopes.push(Some(None));
                    let r = self.check_flow(*body, scopes);
                    scopes.pop();
                    r?;
                }
                StmtKind::Select { cases, default } => {
                    scopes.push(None);
                    let r = cases
                        .iter()
                        .map(|c| c.body)
                        .chain(*default)
                        .try_for_each(|b| self.check_flow(b, scopes));
                    scopes.pop();
                    r?;
                }
                StmtKind::If {
                    then, otherwise, ..
                } => {
                    self.check_flow(*then, scopes)?;
                    self.check_flow(*otherwise, scopes)?;
                }
                // Procs are checked as functions of their own.
                StmtKind::Call { .. } => {}
                // Every other body is a function literal (`go func(){}`, `defer func(){}`,
                // Once.Do's f, a callback): loops around it are out of reach.
                kind => {
                    for (b, _) in kind.bodies() {
                        self.check_flow(b, &mut Vec::new())?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The id of a loop label (the same name, the same id).
    pub(super) fn label(&mut self, label: &Option<String>) -> Option<LabelId> {
        let name = label.as_ref()?;
        Some(match self.labels.iter().position(|l| l == name) {
            Some(i) => i,
            None => {
                self.labels.push(name.clone());
                self.labels.len() - 1
            }
        })
    }

    pub(super) fn c_call(
        &mut self,
        path: &str,
        proc: &str,
        recv: Option<&str>,
        args: &[Operand],
        into: &[String],
    ) -> R<StmtKind> {
        let Some(idx) = self.procs.get_index_of(proc) else {
            let known: Vec<&str> = self.procs.keys().copied().collect();
            return Err(self.err(
                &member(path, "proc"),
                format!(
                    "unknown proc `{proc}`{} (declared: {})",
                    crate::scenario::error::did_you_mean(proc, known.iter().copied()),
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        self.calls
            .push((self.current_proc, idx, member(path, "proc")));
        // A proc declared later is not compiled yet: its shape comes from the file.
        let (nparams, nresults, method) = match self.proc_decls[idx] {
            ProcDecl::Ops(_) => (0, 0, false),
            ProcDecl::Func(f) => (f.params.len(), f.results.len(), f.receiver.is_some()),
        };
        match (method, recv) {
            (true, None) => {
                return Err(self.err(
                    path,
                    format!("{proc} is a method: give its receiver as `recv` (the object)"),
                ))
            }
            (false, Some(_)) => {
                return Err(self.err(
                    &member(path, "recv"),
                    format!("{proc} has no receiver: it is called without `recv`"),
                ))
            }
            _ => {}
        }
        if args.len() != nparams {
            let which = if args.len() < nparams {
                "not enough"
            } else {
                "too many"
            };
            return Err(self.err(
                &member(path, "args"),
                format!(
                    "{which} arguments in call to {proc}: have {}, want {nparams}",
                    args.len()
                ),
            ));
        }
        if !into.is_empty() && into.len() != nresults {
            return Err(self.err(
                &member(path, "into"),
                format!(
                    "assignment mismatch: {} variable{} but {proc} returns {nresults} value{}",
                    into.len(),
                    if into.len() == 1 { "" } else { "s" },
                    if nresults == 1 { "" } else { "s" }
                ),
            ));
        }
        let mut all = Vec::new();
        if let Some(r) = recv {
            // The receiver: the object itself, as a value (`w1` in `w1.Stop()`).
            let rpath = member(path, "recv");
            if self.lookup(r).is_none() {
                return Err(self.err(&rpath, format!("`{r}` is not an object")));
            }
            all.push(self.arg(
                &Operand::Expr {
                    expr: r.to_string(),
                },
                &rpath,
            )?);
        }
        for (i, a) in args.iter().enumerate() {
            all.push(self.arg(a, &format!("{}[{i}]", member(path, "args")))?);
        }
        let args = all;
        let into = into
            .iter()
            .map(|v| self.set_var(&Some(v.clone())).expect("some"))
            .collect();
        let func = match self.proc_decls[idx] {
            ProcDecl::Ops(_) => None,
            // Function indices follow proc order among the function procs.
            ProcDecl::Func(_) => Some(
                self.proc_decls[..idx]
                    .iter()
                    .filter(|d| matches!(d, ProcDecl::Func(_)))
                    .count(),
            ),
        };
        Ok(StmtKind::Call {
            body: self.procs[idx],
            func,
            args,
            into,
        })
    }

    /// `return [values]`: values only in a function proc with as many results.
    pub(super) fn c_return(&mut self, path: &str, values: &[Operand]) -> R<StmtKind> {
        let results = self.results.clone().unwrap_or_default();
        if !values.is_empty() && values.len() != results.len() {
            let which = if values.len() > results.len() {
                "too many"
            } else {
                "not enough"
            };
            return Err(self.err(
                &member(path, "values"),
                format!(
                    "{which} return values: have {}, want {} (the enclosing function's `results`; a spawn, defer, recover or do body returns nothing)",
                    values.len(),
                    results.len()
                ),
            ));
        }
        let values = values
            .iter()
            .enumerate()
            .map(|(i, a)| self.arg(a, &format!("{}[{i}]", member(path, "values"))))
            .collect::<R<Vec<_>>>()?;
        Ok(StmtKind::Return { values, results })
    }

    pub(super) fn c_defer(&mut self, path: &str, d: usize, ops: &[Op]) -> R<StmtKind> {
        // A function literal of its own: a `return` in it returns from it.
        let body = |c: &mut Self, ops: &[Op], field: &str| c.closure(ops, &member(path, field), d);
        Ok(StmtKind::Defer {
            body: body(self, ops, "body")?,
        })
    }

    pub(super) fn c_recover(
        &mut self,
        path: &str,
        d: usize,
        ops: &[Op],
        into: &Option<String>,
    ) -> R<StmtKind> {
        // A function literal of its own: a `return` in it returns from it.
        let body = |c: &mut Self, ops: &[Op], field: &str| c.closure(ops, &member(path, field), d);
        Ok({
            self.recover_depth += 1;
            let b = body(self, ops, "body");
            self.recover_depth -= 1;
            StmtKind::Recover {
                body: b?,
                into: self.set_var(into),
            }
        })
    }

    pub(super) fn c_panic(&mut self, value: &Value) -> R<StmtKind> {
        Ok(StmtKind::Panic {
            value: value.clone(),
        })
    }

    pub(super) fn c_let(
        &mut self,
        path: &str,
        var: &str,
        value: &Option<Value>,
        expr: &Option<String>,
        shared: bool,
    ) -> R<StmtKind> {
        let value = match (value, expr) {
            (Some(v), None) => Arg::Lit(v.clone()),
            (None, Some(e)) => Arg::Expr(Box::new(self.expr(
                e,
                &member(path, "expr"),
                super::expr::Want::Value,
            )?)),
            _ => {
                return Err(self.err(
                    path,
                    "a `let` sets its variable to `value` (a literal) or `expr` (an expression): give one of them",
                ))
            }
        };
        let var = self.set_var(&Some(var.to_string())).expect("some");
        if shared {
            if self.globals.contains_key(var_name_of(&self.vars, var)) {
                return Err(self.err(
                    &member(path, "shared"),
                    "a package-level variable (in `vars`) is shared already: `shared` declares a new variable of a function",
                ));
            }
            self.shared.insert(var);
        }
        Ok(StmtKind::Let {
            var,
            value,
            fresh: shared,
        })
    }

    /// `into := make(...)` / `new(...)`: the declaration checked as in `objects`.
    pub(super) fn c_new(&mut self, path: &str, into: &str, decl: &ObjectDecl) -> R<StmtKind> {
        let opath = member(path, "object");
        let kind = decl.kind();
        if !super::objvars::NEW_KINDS.contains(&kind) {
            return Err(self.err(
                &member(&opath, "kind"),
                format!(
                    "a {kind} cannot be made at run time (it applies to: {}); declare it in `objects`",
                    K::list(super::objvars::NEW_KINDS)
                ),
            ));
        }
        let setup = self.declare(&opath, decl)?;
        let zero = match decl {
            ObjectDecl::Map { value_type, .. } => value_type.zero(),
            ObjectDecl::Chan { elem, .. } => elem.zero(),
            _ => Value::Nil,
        };
        let spec = self.new_objs.len();
        self.new_objs.push(ObjSpec {
            name: Arc::from(into),
            decl: decl.clone(),
            zero,
            setup,
        });
        Ok(StmtKind::New {
            spec,
            into: self.set_var(&Some(into.to_string())).expect("some"),
        })
    }

    /// `obj = value` for a declared object: `null` or a reference of its kind.
    pub(super) fn c_assign(&mut self, path: &str, obj: &str, value: &Operand) -> R<StmtKind> {
        if let Some((base, field)) = obj.rsplit_once('.') {
            return self.c_assign_field(path, base, field, value);
        }
        let Some(&slot) = self.objs.get(obj) else {
            return Err(self.err(
                &member(path, "obj"),
                format!(
                    "`{obj}` is not a declared object (a variable is set with `let`){}",
                    crate::scenario::error::did_you_mean(obj, self.objs.keys().copied())
                ),
            ));
        };
        let kind = self.kind_of(slot);
        if !super::objvars::NEW_KINDS.contains(&kind) {
            return Err(self.err(
                &member(path, "obj"),
                format!(
                    "`{obj}` is {}: only a {} can be assigned",
                    kind.a(),
                    K::list(super::objvars::NEW_KINDS)
                ),
            ));
        }
        let vpath = member(path, "value");
        let value = match value {
            Operand::Lit(crate::base::Value::Nil) => Arg::Lit(crate::base::Value::Nil),
            Operand::Lit(v) => {
                return Err(self.err(
                    &vpath,
                    format!(
                        "cannot use {} as a {kind} value: give null or {{\"var\": ...}} holding a {kind}",
                        v.quoted()
                    ),
                ))
            }
            other => self.arg(other, &vpath)?,
        };
        // The reference's kind is checked with the other types, once they are all known.
        let as_expr = match &value {
            Arg::Var(v) => Some(Expr::Var(*v)),
            Arg::Expr(e) => Some((**e).clone()),
            Arg::Lit(_) => None,
        };
        if let Some(e) = as_expr {
            self.pending.push((e, vpath, super::expr::Want::Ref(kind)));
        }
        Ok(StmtKind::Assign { slot, value })
    }

    /// `w.field = value`: a reference (or null) for an object field, a value of the field's
    /// type for a value field.
    fn c_assign_field(
        &mut self,
        path: &str,
        base: &str,
        field: &str,
        value: &Operand,
    ) -> R<StmtKind> {
        let opath = member(path, "obj");
        let Some(b) = self.lookup(base) else {
            return Err(self.err(&opath, format!("`{base}` is not an object")));
        };
        let Some((i, f)) = self.field_of(b, field) else {
            return Err(self.err(
                &opath,
                format!("`{base}` (a {}) has no field `{field}`", self.kind_of(b)),
            ));
        };
        let vpath = member(path, "value");
        let v = self.arg(value, &vpath)?;
        let e = match &v {
            Arg::Var(x) => Expr::Var(*x),
            Arg::Expr(e) => (**e).clone(),
            Arg::Lit(l) => Expr::Lit(l.clone()),
        };
        let want = match f {
            FieldDecl::Obj(d) => super::expr::Want::Ref(d.kind()),
            FieldDecl::Val(init) => super::expr::Want::Like(init.clone()),
        };
        self.pending.push((e, vpath, want));
        Ok(StmtKind::AssignField {
            base: b,
            field: i,
            value: v,
        })
    }

    /// A struct declaration: its object fields are kinds `new` can make.
    pub(super) fn d_struct(
        &mut self,
        path: &str,
        fields: &IndexMap<String, FieldDecl>,
    ) -> R<Setup> {
        for (name, f) in fields {
            let fpath = member(&member(path, "fields"), name);
            if name.is_empty() || name.contains('.') {
                return Err(self.err(&fpath, "a field name is non-empty and has no `.`"));
            }
            if let FieldDecl::Obj(d) = f {
                if let ObjectDecl::Cond { locker, rlocker } = d {
                    // `notEmpty *sync.Cond` made with `sync.NewCond(&q.mu)`: L is a mutex or
                    // rwmutex field of the same struct, declared before it.
                    self.cond_field(&fpath, fields, name, locker, *rlocker)?;
                    continue;
                }
                if !super::objvars::NEW_KINDS.contains(&d.kind()) {
                    return Err(self.err(
                        &member(&fpath, "kind"),
                        format!(
                            "{} cannot be a struct field (a field is one of: {}, cond)",
                            d.kind().a(),
                            K::list(super::objvars::NEW_KINDS)
                        ),
                    ));
                }
                self.declare(&fpath, d)?;
            }
        }
        Ok(Setup::None)
    }

    /// A cond field: its `locker` names a mutex or rwmutex field declared before it.
    fn cond_field(
        &self,
        fpath: &str,
        fields: &IndexMap<String, FieldDecl>,
        name: &str,
        locker: &str,
        rlocker: bool,
    ) -> R<()> {
        let lpath = member(fpath, "locker");
        let before: Vec<&str> = fields
            .keys()
            .take_while(|k| k.as_str() != name)
            .map(String::as_str)
            .collect();
        let Some(FieldDecl::Obj(l)) = fields.get(locker).filter(|_| before.contains(&locker))
        else {
            return Err(self.err(
                &lpath,
                format!(
                    "unknown field `{locker}`{} (L is a mutex or rwmutex field declared before the cond)",
                    crate::scenario::error::did_you_mean(locker, before.iter().copied())
                ),
            ));
        };
        match (l.kind(), rlocker) {
            (K::Mutex, true) => Err(self.err(
                &member(fpath, "rlocker"),
                format!("`{locker}` is a mutex: only an rwmutex has an RLocker"),
            )),
            (K::Mutex | K::Rwmutex, _) => Ok(()),
            (other, _) => Err(self.err(
                &lpath,
                format!(
                    "`{locker}` is {}: a Cond's L is a mutex or rwmutex (a sync.Locker)",
                    other.a()
                ),
            )),
        }
    }

    pub(super) fn c_yield(&mut self) -> R<StmtKind> {
        Ok(StmtKind::Yield)
    }

    pub(super) fn c_rand(&mut self, n: i64, into: &str) -> R<StmtKind> {
        Ok(StmtKind::Rand {
            n,
            into: self.set_var(&Some(into.to_string())).expect("some"),
        })
    }

    pub(super) fn c_assert(&mut self, path: &str, a: AssertOp<'_>) -> R<StmtKind> {
        let AssertOp { var, cond, eq, .. } = a;
        let (not, id, message) = (a.not, a.id, a.message);
        Ok({
            let test = match (var, cond) {
                (Some(var), None) => {
                    let v = self.var(var);
                    self.read.push((v, member(path, "var")));
                    Test::Var {
                        var: v,
                        eq: eq.clone(),
                        not: *not,
                    }
                }
                (None, Some(c)) if eq.is_none() && !*not => Test::Expr(self.expr(
                    c,
                    &member(path, "cond"),
                    super::expr::Want::Bool,
                )?),
                (None, Some(_)) => {
                    return Err(self.err(
                        path,
                        "`eq` and `not` go with `var`; with `cond`, write them into the expression (`x != 3`)",
                    ))
                }
                _ => {
                    return Err(self.err(
                        path,
                        "an `assert` checks `var` (with `eq`, `not`) or `cond` (an expression): give one of them",
                    ))
                }
            };
            if let Some(id) = id {
                if !catalog::is_known(id) {
                    return Err(self.err(
                        &member(path, "id"),
                        format!("unknown catalog id `{id}` (see `hazard list`)"),
                    ));
                }
            }
            StmtKind::Assert {
                test,
                id: id.clone().unwrap_or_else(|| "assertion".into()),
                message: message.clone(),
            }
        })
    }
}

/// A variable's name as written (`id`, not `worker::id`).
fn var_name_of(vars: &indexmap::IndexMap<String, VarId>, v: VarId) -> &str {
    let key = vars.get_index(v).map_or("", |(k, _)| k.as_str());
    key.rsplit_once("::").map_or(key, |x| x.1)
}
