//! Compiling expressions and conditions, and the static types of variables: each variable's
//! type is what every assignment to it gives (one type, or `any` when they differ), so an
//! expression mixing types is refused as Go's compiler refuses it.

use super::*;
use crate::scenario::expr::{self, Env, Name, Ty};
use crate::scenario::types::{CondSpec, FieldDecl, Times};

/// What an expression must be where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Want {
    /// A value of any type (an op argument, `let`).
    Value,
    /// A condition.
    Bool,
    /// A count.
    Int,
    /// A reference to an object of this kind, or nil.
    Ref(K),
    /// A value of the type of this initial value (a struct's value field).
    Like(Value),
}

impl Compiler<'_> {
    /// Parse expression `text` found at `path`; its types are checked once every variable's
    /// type is known ([`Compiler::check_types`]).
    pub(super) fn expr(&mut self, text: &str, path: &str, want: Want) -> R<Expr> {
        // Struct fields the text names (`w.count`, `w.mu`), resolved first.
        let mut dotted = HashMap::new();
        for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
            if let Some((base, field)) = word.rsplit_once('.') {
                if let Some(b) = self.lookup(base) {
                    if let Some((i, f)) = self.field_of(b, field) {
                        let r = match f {
                            FieldDecl::Obj(_) => Name::Obj(self.field_objs[&(b, i)]),
                            FieldDecl::Val(_) => Name::Field(b, i),
                        };
                        dotted.insert(word.to_string(), r);
                    }
                }
            }
        }
        let objs = &self.objs;
        let obj_vars = &self.obj_vars;
        let mut reads = Vec::new();
        let mut vars = std::mem::take(&mut self.vars);
        let scope = self.scope.clone();
        let globals: HashSet<&str> = self.globals.keys().copied().collect();
        let parsed = expr::parse(text, &mut |name, in_len| {
            let key = match &scope {
                Some(f) if !globals.contains(name) => format!("{f}::{name}"),
                _ => name.to_string(),
            };
            if let Some(r) = dotted.get(name) {
                return Ok(match r {
                    Name::Var(v) => Name::Var(*v),
                    Name::Obj(o) => Name::Obj(*o),
                    Name::Field(b, i) => Name::Field(*b, *i),
                });
            }
            if name.contains('.') {
                return Err(format!(
                    "`{name}`: no such field (a field is `obj.field` of a struct object)"
                ));
            }
            if let Some(&o) = obj_vars.get(&key) {
                return Ok(Name::Obj(o));
            }
            if in_len {
                if let Some(&o) = objs.get(name) {
                    return Ok(Name::Obj(o));
                }
            } else if objs.contains_key(name) && !vars.contains_key(&key) {
                return Ok(Name::Obj(objs[name]));
            }
            let n = vars.len();
            let v = *vars.entry(key).or_insert(n);
            reads.push(v);
            Ok(Name::Var(v))
        });
        self.vars = vars;
        let e = parsed.map_err(|e| {
            self.err(
                path,
                format!("in `{text}`, column {}: {}", e.col, e.message),
            )
        })?;
        for v in reads {
            self.read.push((v, path.to_string()));
        }
        if let Expr::ObjLen { obj, cap } = &e {
            self.check_len_obj(*obj, *cap, path)?;
        }
        self.check_len_objs(&e, path)?;
        self.pending.push((e.clone(), path.to_string(), want));
        Ok(e)
    }

    fn check_len_objs(&self, e: &Expr, path: &str) -> R<()> {
        match e {
            Expr::ObjLen { obj, cap } => self.check_len_obj(*obj, *cap, path),
            Expr::Lit(_) | Expr::Var(_) | Expr::ObjRef(_) | Expr::Field { .. } => Ok(()),
            Expr::StrLen(a) | Expr::Unary(_, a) => self.check_len_objs(a, path),
            Expr::Binary(_, a, b) => {
                self.check_len_objs(a, path)?;
                self.check_len_objs(b, path)
            }
        }
    }

    fn check_len_obj(&self, obj: ObjId, cap: bool, path: &str) -> R<()> {
        let k = self.kind_of(obj);
        let ok = matches!(k, K::Slice | K::Chan) || (!cap && k == K::Map);
        if ok {
            return Ok(());
        }
        Err(self.err(
            path,
            format!(
                "invalid argument: `{}` (a {k}) for built-in {}",
                self.decls[obj].0,
                if cap {
                    "cap (a slice or channel)"
                } else {
                    "len (a slice, channel or map)"
                }
            ),
        ))
    }

    /// Field `i` of struct object `b`: its name and type.
    pub(super) fn field_info(&self, b: ObjId, i: usize) -> (String, Ty) {
        match self.decls[b].1 {
            ObjectDecl::Struct { fields } => match fields.get_index(i) {
                Some((name, FieldDecl::Val(v))) => (
                    name.clone(),
                    match Ty::of(v) {
                        Ty::Nil => Ty::Dyn,
                        t => t,
                    },
                ),
                Some((name, FieldDecl::Obj(d))) => (name.clone(), Ty::Obj(d.kind())),
                None => (format!("field{i}"), Ty::Dyn),
            },
            _ => (format!("field{i}"), Ty::Dyn),
        }
    }

    /// A condition at `path` (the `cond` field).
    pub(super) fn test(&mut self, c: &CondSpec, path: &str) -> R<Test> {
        Ok(match c {
            CondSpec::Expr(text) => Test::Expr(self.expr(text, path, Want::Bool)?),
            CondSpec::Fields(c) => {
                let var = self.var(&c.var);
                self.read.push((var, member(path, "var")));
                Test::Var {
                    var,
                    eq: c.eq.clone(),
                    not: c.not,
                }
            }
        })
    }

    /// A `repeat` count at `path`.
    pub(super) fn count(&mut self, t: &Times, path: &str) -> R<Count> {
        Ok(match t {
            Times::N(n) => {
                if *n == 0 || *n > MAX_REPEAT {
                    return Err(self.err(
                        path,
                        format!("times must be 1..={MAX_REPEAT} (got {n}); loops are bounded"),
                    ));
                }
                Count::Lit(*n)
            }
            Times::Expr(text) => Count::Expr(self.expr(text, path, Want::Int)?),
        })
    }

    /// The static type of each variable, then every expression's types checked against them.
    /// Returns the zero value each variable starts with.
    pub(super) fn check_types(&self) -> R<Vec<Value>> {
        let n = self.vars.len();
        // `None`: no assignment seen yet. `let v = expr` depends on other variables: iterate
        // until nothing changes (each variable can only move up None -> a type -> any).
        let mut tys: Vec<Option<Ty>> = vec![None; n];
        // A package-level variable starts with the type of its initial value.
        for (name, init) in &self.globals {
            tys[self.vars[*name]] = Some(Ty::of(init));
        }
        loop {
            let mut changed = false;
            for stmt in self.blocks.iter().flatten() {
                for (v, ty) in self.assigns(&stmt.kind, &tys) {
                    // `nil` keeps a channel, pointer, map or slice variable what it is.
                    let joined = Some(match (tys[v], ty) {
                        (Some(t @ Ty::Obj(_)), Ty::Nil) => t,
                        (None, Ty::Nil) => Ty::Nil,
                        (Some(Ty::Nil), t) => t,
                        (t, ty) => t.map_or(ty, |t| t.join(ty)),
                    });
                    if tys[v] != joined {
                        tys[v] = joined;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let names: Vec<String> = self
            .vars
            .keys()
            .map(|k| k.rsplit_once("::").map_or(k.as_str(), |x| x.1).to_string())
            .collect();
        // A variable only ever set to nil is an `any`.
        let var_ty = |v: VarId| match tys[v] {
            None | Some(Ty::Nil) => Ty::Dyn,
            Some(t) => t,
        };
        let var_name = |v: VarId| names[v].clone();
        let obj_name = |o: ObjId| self.decls[o].0.to_string();
        let obj_kind = |o: ObjId| self.kind_of(o);
        let field = |b: ObjId, i: usize| self.field_info(b, i);
        let env = Env {
            var_ty: &var_ty,
            obj_kind: &obj_kind,
            field: &field,
            var_name: &var_name,
            obj_name: &obj_name,
        };
        for (e, path, want) in &self.pending {
            let ty = env.type_of(e).map_err(|m| self.err(path, m))?;
            let fits = match want {
                Want::Value => true,
                Want::Bool => matches!(ty, Ty::Bool | Ty::Dyn),
                Want::Int => matches!(ty, Ty::Int | Ty::Dyn),
                Want::Ref(k) => ty == Ty::Obj(*k) || matches!(ty, Ty::Nil | Ty::Dyn),
                Want::Like(init) => match Ty::of(init) {
                    Ty::Nil => true,
                    t => ty == t || ty == Ty::Dyn,
                },
            };
            if let (false, Want::Like(init)) = (fits, want) {
                return Err(self.err(
                    path,
                    format!(
                        "cannot use {} (of type {ty}) as a {} value in assignment",
                        env.render(e),
                        Ty::of(init)
                    ),
                ));
            }
            if let (false, Want::Ref(k)) = (fits, want) {
                return Err(self.err(
                    path,
                    format!(
                        "cannot use {} (of type {ty}) as a {k} value in assignment",
                        env.render(e)
                    ),
                ));
            }
            if !fits {
                let (need, what) = match want {
                    Want::Bool => ("bool", "a condition"),
                    _ => ("int", "a count"),
                };
                return Err(self.err(
                    path,
                    format!("non-{need} {} (of type {ty}) used as {what}", env.render(e)),
                ));
            }
        }
        Ok((0..n).map(|v| var_ty(v).zero()).collect())
    }

    /// The variables `k` assigns, each with the type of what it assigns. The one list of
    /// assignments: a new op that sets a variable is a compile error here until it says what.
    fn assigns(&self, k: &StmtKind, tys: &[Option<Ty>]) -> Vec<(VarId, Ty)> {
        use StmtKind as S;
        let elem = |o: ObjId| -> Ty {
            match self.decls[o].1 {
                ObjectDecl::Chan { elem, .. } | ObjectDecl::Slice { elem, .. } => {
                    Ty::of_elem(*elem)
                }
                ObjectDecl::Map { value_type, .. }
                | ObjectDecl::RwmutexMap { value_type }
                | ObjectDecl::ShardedMap { value_type, .. }
                | ObjectDecl::CowMap { value_type } => Ty::of_elem(*value_type),
                ObjectDecl::Atomic { value } => Ty::of(value),
                _ => Ty::Dyn,
            }
        };
        let mut out = Vec::new();
        let mut put = |v: &Option<VarId>, t: Ty| {
            if let Some(v) = v {
                out.push((*v, t));
            }
        };
        match k {
            S::MapGet { m, into, ok, .. } => {
                put(into, elem(*m));
                put(ok, Ty::Bool);
            }
            S::MapRange { m, key, value, .. } => {
                put(key, Ty::Str);
                put(value, elem(*m));
            }
            S::MapLen { into, .. } | S::ChanLen { into, .. } | S::Rand { into, .. } => {
                put(&Some(*into), Ty::Int)
            }
            S::SliceLen { into, .. } => put(&Some(*into), Ty::Int),
            S::Recv { ch, into, ok } => {
                put(into, elem(*ch));
                put(ok, Ty::Bool);
            }
            S::Repeat { index, .. } => put(index, Ty::Int),
            S::SliceRange { s, key, value, .. } => {
                put(key, Ty::Int);
                put(value, elem(*s));
            }
            S::ChanRange { ch, value, .. } => put(value, elem(*ch)),
            S::Let { var, value, .. } => {
                if let Some(t) = self.arg_ty(value, tys) {
                    put(&Some(*var), t);
                }
            }
            // Parameters get what calls pass, results what `return`s give, and a call's
            // variables what the function's results hold.
            S::Call {
                func: Some(f),
                args,
                into,
                ..
            } => {
                let f = &self.funcs[*f];
                for (p, a) in f.params.iter().zip(args) {
                    if let Some(t) = self.arg_ty(a, tys) {
                        put(&Some(*p), t);
                    }
                }
                for (v, r) in into.iter().zip(&f.results) {
                    if let Some(t) = tys[*r] {
                        put(&Some(*v), t);
                    }
                }
            }
            S::Call { func: None, .. } => {}
            S::Return { values, results } => {
                for (r, a) in results.iter().zip(values) {
                    if let Some(t) = self.arg_ty(a, tys) {
                        put(&Some(*r), t);
                    }
                }
            }
            S::TimerStop { into, .. } | S::TimerReset { into, .. } => put(into, Ty::Bool),
            S::Index { s, into, .. } => put(&Some(*into), elem(*s)),
            S::AtomicLoad { a, into } => put(&Some(*into), elem(*a)),
            S::AtomicSwap { a, into, .. } => put(into, elem(*a)),
            S::AtomicCas { ok, .. } => put(ok, Ty::Bool),
            S::AtomicAdd { into, .. } => put(into, Ty::Int),
            S::IsNil { into, .. } => put(&Some(*into), Ty::Bool),
            S::DsMap { m, op } => match op {
                DsMapOp::Get { into, ok, .. } => {
                    put(into, elem(*m));
                    put(ok, Ty::Bool);
                }
                DsMapOp::Len { into } => put(&Some(*into), Ty::Int),
                DsMapOp::Range { key, value, .. } => {
                    put(key, Ty::Str);
                    put(value, elem(*m));
                }
                DsMapOp::Set { .. } | DsMapOp::Delete { .. } => {}
            },
            S::Pop { into, ok, .. } => {
                put(into, Ty::Dyn);
                put(ok, Ty::Bool);
            }
            S::Select { cases, .. } => {
                for c in cases {
                    if let CaseOp::Recv { ch, into, ok } = &c.op {
                        put(into, elem(*ch));
                        put(ok, Ty::Bool);
                    }
                }
            }
            // Errors, recovered panic values, pooled slices: not one static type.
            S::New { spec, into } => put(&Some(*into), Ty::Obj(self.new_objs[*spec].decl.kind())),
            S::Assign { .. } | S::AssignField { .. } => {}
            S::Recover { into, .. }
            | S::PoolGet { into, .. }
            | S::HandleUse { into, .. }
            | S::HandleClose { into, .. } => put(into, Ty::Dyn),
            S::CtxErr { into, .. } | S::CtxValue { into, .. } => put(&Some(*into), Ty::Dyn),
            S::MapSet { .. }
            | S::MapDelete { .. }
            | S::MapClear { .. }
            | S::MapClone { .. }
            | S::MapMake { .. }
            | S::Send { .. }
            | S::Close { .. }
            | S::Lock { .. }
            | S::Unlock { .. }
            | S::RwLock { .. }
            | S::RwUnlock { .. }
            | S::RLock { .. }
            | S::RUnlock { .. }
            | S::WgAdd { .. }
            | S::WgWait { .. }
            | S::CondWait { .. }
            | S::CondSignal { .. }
            | S::OnceDo { .. }
            | S::Spawn { .. }
            | S::If { .. }
            | S::For { .. }
            | S::Break { .. }
            | S::Continue { .. }
            | S::Defer { .. }
            | S::Panic { .. }
            | S::Yield
            | S::Sleep { .. }
            | S::NewTimer { .. }
            | S::TimerAfterFunc { .. }
            | S::CtxAfterFunc { .. }
            | S::WithCancel { .. }
            | S::WithValue { .. }
            | S::Cancel { .. }
            | S::Append { .. }
            | S::SliceStore { .. }
            | S::Reslice { .. }
            | S::AtomicStore { .. }
            | S::PoolPut { .. }
            | S::Push { .. }
            | S::Assert { .. } => {}
        }
        out
    }
}

/// The type an argument gives what it is assigned to (`None`: a variable not typed yet).
impl Compiler<'_> {
    fn arg_ty(&self, a: &Arg, tys: &[Option<Ty>]) -> Option<Ty> {
        match a {
            Arg::Lit(v) => Some(Ty::of(v)),
            Arg::Var(x) => tys[*x],
            Arg::Expr(e) => {
                let var_ty = |v: VarId| tys[v].unwrap_or(Ty::Dyn);
                let none = |_: usize| String::new();
                let obj_kind = |o: usize| self.kind_of(o);
                let field = |b: usize, i: usize| self.field_info(b, i);
                let env = Env {
                    var_ty: &var_ty,
                    obj_kind: &obj_kind,
                    field: &field,
                    var_name: &none,
                    obj_name: &none,
                };
                // A type error is reported where the expression is checked.
                Some(env.type_of(e).unwrap_or(Ty::Dyn))
            }
        }
    }
}
