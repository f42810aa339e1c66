//! Variables that hold objects (`done := make(chan struct{})`, a channel received from a
//! channel of channels, a `*sync.Mutex` taken from a map): which ones, and of which kind, found
//! before any op compiles, because an op's meaning depends on its object's kind (`lock` on a
//! mutex or an rwmutex). Go knows every variable's type statically; so does this pass.

use super::*;
use crate::base::ElemType;
use crate::scenario::types::{Case, FieldDecl, ProcDecl, ScenarioFile};
use std::sync::LazyLock;

/// The declaration a variable's object is taken to have when it comes from a channel, map or
/// slice of that kind (its own parameters are those of whatever object it refers to).
fn synthesized(k: K) -> Option<&'static ObjectDecl> {
    static DECLS: LazyLock<Vec<(K, ObjectDecl)>> = LazyLock::new(|| {
        vec![
            (
                K::Chan,
                ObjectDecl::Chan {
                    cap: 0,
                    nil: false,
                    elem: ElemType::Any,
                },
            ),
            (K::Mutex, ObjectDecl::Mutex {}),
            (K::Rwmutex, ObjectDecl::Rwmutex {}),
            (K::Waitgroup, ObjectDecl::Waitgroup {}),
            (
                K::Map,
                ObjectDecl::Map {
                    nil: false,
                    value_type: ElemType::Any,
                    entries: IndexMap::new(),
                },
            ),
            (
                K::Slice,
                ObjectDecl::Slice {
                    nil: false,
                    elems: Vec::new(),
                    len: None,
                    cap: None,
                    elem: ElemType::Any,
                },
            ),
        ]
    });
    DECLS.iter().find(|(kind, _)| *kind == k).map(|(_, d)| d)
}

/// The kinds `new` can make: those whose objects need no start-up work (timers, contexts,
/// sharded maps and pools are declared in `objects`).
pub(super) const NEW_KINDS: &[K] = &[
    K::Chan,
    K::Mutex,
    K::Rwmutex,
    K::Waitgroup,
    K::Once,
    K::Map,
    K::Slice,
    K::Atomic,
    K::Struct,
];

/// Two struct declarations with the same fields, in order, are one Go type.
fn same_fields(a: &ObjectDecl, b: &ObjectDecl) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

impl<'a> Compiler<'a> {
    /// Find every variable that holds an object and give it an object id after the declared
    /// ones (its entry in `decls` is the declaration of what it refers to).
    pub(super) fn object_vars(&mut self, f: &'a ScenarioFile) -> R<()> {
        // Until nothing new is learnt: a channel received from a channel made by `new` is
        // known only once that `new` is.
        loop {
            // Fields first: a container that is a struct field (`s.subs`) gives types to
            // what is read from it, like any other.
            self.field_objects();
            let before = (
                self.obj_vars.len(),
                self.elem_structs.len(),
                self.decls.len(),
            );
            for (_, ops) in &f.threads {
                self.scan(ops, None)?;
            }
            for (name, decl) in &f.procs {
                match decl {
                    ProcDecl::Ops(ops) => self.scan(ops, None)?,
                    ProcDecl::Func(func) => self.scan(&func.body, Some(name))?,
                }
            }
            self.field_objects();
            let after = (
                self.obj_vars.len(),
                self.elem_structs.len(),
                self.decls.len(),
            );
            if after == before {
                return Ok(());
            }
        }
    }

    /// The object a name refers to in `scope`: a declared object, a variable holding one, or
    /// an object field of a struct (`w.mu`).
    pub(super) fn lookup(&self, name: &str) -> Option<ObjId> {
        if let Some((base, field)) = name.rsplit_once('.') {
            let b = self.lookup(base)?;
            let (i, _) = self.field_of(b, field)?;
            return self.field_objs.get(&(b, i)).copied();
        }
        let key = self.scoped(name);
        self.obj_vars
            .get(&key)
            .copied()
            .or_else(|| self.objs.get(name).copied())
    }

    /// Field `field` of struct object `b`: its index and declaration.
    pub(super) fn field_of(&self, b: ObjId, field: &str) -> Option<(usize, &'a FieldDecl)> {
        match self.decls.get(b)?.1 {
            ObjectDecl::Struct { fields } => fields.get_full(field).map(|(i, _, f)| (i, f)),
            _ => None,
        }
    }

    /// Give every object field of every struct an object id of its own (`w.mu`), after the
    /// declared objects and the variables. Run again as variables are found: it only adds
    /// the ids not given yet.
    fn field_objects(&mut self) {
        let mut o = 0;
        while o < self.decls.len() {
            if let ObjectDecl::Struct { fields } = self.decls[o].1 {
                for (i, (name, f)) in fields.iter().enumerate() {
                    if let FieldDecl::Obj(decl) = f {
                        if self.field_objs.contains_key(&(o, i)) {
                            continue;
                        }
                        let id = self.decls.len();
                        self.decls.push((name.as_str(), decl));
                        self.field_objs.insert((o, i), id);
                    }
                }
            }
            o += 1;
        }
    }

    fn lookup_in(&self, name: &str, scope: Option<&String>) -> Option<ObjId> {
        if let Some((base, field)) = name.rsplit_once('.') {
            let b = self.lookup_in(base, scope)?;
            let (i, _) = self.field_of(b, field)?;
            return self.field_objs.get(&(b, i)).copied();
        }
        let key = self.key_in(name, scope.map(String::as_str));
        self.obj_vars
            .get(&key)
            .copied()
            .or_else(|| self.objs.get(name).copied())
    }

    /// The element type of object `o` (a channel's, a map's values, a slice's).
    fn elem_of(&self, o: ObjId) -> ElemType {
        match self.decls[o].1 {
            ObjectDecl::Chan { elem, .. } | ObjectDecl::Slice { elem, .. } => *elem,
            ObjectDecl::Map { value_type, .. } => *value_type,
            _ => ElemType::Int,
        }
    }

    /// Variable `var` (in `scope`) holds an object declared as `decl`.
    fn holds(&mut self, var: &'a str, scope: Option<&String>, decl: &'a ObjectDecl) -> R<()> {
        let key = self.key_in(var, scope.map(String::as_str));
        if let Some(&o) = self.obj_vars.get(&key) {
            let had = self.decls[o].1.kind();
            if had != decl.kind() {
                return Err(self.err(
                    "$",
                    format!(
                        "variable `{var}` holds a {had} in one place and a {} in another: a Go variable has one type",
                        decl.kind()
                    ),
                ));
            }
            return Ok(());
        }
        if self.objs.contains_key(var) && scope.is_none() {
            // A declared object's name: ops name the object, not a variable.
            return Ok(());
        }
        let id = self.decls.len();
        self.decls.push((var, decl));
        self.obj_vars.insert(key, id);
        Ok(())
    }

    /// What `into` of a read from object `from` gets: an object when its elements are.
    fn read_into(&mut self, into: &'a str, from: &str, scope: Option<&String>) -> R<()> {
        let Some(o) = self.lookup_in(from, scope) else {
            return Ok(());
        };
        if self.elem_of(o) == ElemType::Struct {
            if let Some(decl) = self.elem_structs.get(&o).copied() {
                self.holds(into, scope, decl)?;
            }
        } else if let Some(decl) = self.elem_of(o).object().and_then(synthesized) {
            self.holds(into, scope, decl)?;
        }
        Ok(())
    }

    /// A value stored into object `to` (sent, set, appended): when `to`'s elements are structs
    /// and the value is a variable holding one, `to`'s elements are of that struct type.
    fn stored(&mut self, to: &str, value: &Operand, scope: Option<&String>) -> R<()> {
        let Some(o) = self.lookup_in(to, scope) else {
            return Ok(());
        };
        if self.elem_of(o) != ElemType::Struct {
            return Ok(());
        }
        let name = match value {
            Operand::Var { var } => var.as_str(),
            Operand::Expr { expr } => expr.trim(),
            Operand::Lit(_) => return Ok(()),
        };
        let Some(v) = self.lookup_in(name, scope) else {
            return Ok(());
        };
        let decl = self.decls[v].1;
        if !matches!(decl, ObjectDecl::Struct { .. }) {
            return Ok(());
        }
        match self.elem_structs.get(&o) {
            Some(had) if !std::ptr::eq(*had, decl) && !same_fields(had, decl) => Err(self.err(
                "$",
                format!(
                    "`{to}` holds structs of two different declarations: a Go container has one element type"
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.elem_structs.insert(o, decl);
                Ok(())
            }
        }
    }

    fn scan(&mut self, ops: &'a [Op], scope: Option<&String>) -> R<()> {
        for op in ops {
            match op {
                Op::New { into, object } => self.holds(into, scope, object)?,
                Op::Assign { obj, .. } => {
                    if let Some(&o) = self.objs.get(obj.as_str()) {
                        self.reassigned[o] = true;
                    }
                }
                Op::Recv {
                    obj,
                    into: Some(into),
                    ..
                }
                | Op::Get {
                    obj,
                    into: Some(into),
                    ..
                }
                | Op::Index { obj, into, .. } => self.read_into(into, obj, scope)?,
                Op::Range {
                    obj,
                    value: Some(v),
                    ..
                } => self.read_into(v, obj, scope)?,
                Op::Let {
                    var, expr: Some(e), ..
                } => {
                    // `a := b` with b an object (declared, or a variable holding one): a
                    // holds the same kind.
                    let name = e.trim();
                    if let Some(o) = self.lookup_in(name, scope) {
                        let decl = self.decls[o].1;
                        self.holds(var, scope, decl)?;
                    }
                }
                Op::Call {
                    proc,
                    recv,
                    args,
                    into,
                } => {
                    // Arguments that are objects make the parameters objects too; the receiver
                    // is the first.
                    let Some(i) = self.procs.get_index_of(proc.as_str()) else {
                        continue;
                    };
                    if let ProcDecl::Func(func) = self.proc_decls[i] {
                        let callee = self.procs.get_index(i).map(|(k, _)| k.to_string());
                        let given: Vec<Option<&str>> = recv
                            .iter()
                            .map(|r| Some(r.as_str()))
                            .chain(args.iter().map(|a| match a {
                                Operand::Var { var } => Some(var.as_str()),
                                Operand::Expr { expr } => Some(expr.trim()),
                                Operand::Lit(_) => None,
                            }))
                            .collect();
                        let params = func.receiver.iter().chain(func.params.iter());
                        for (p, a) in params.zip(given) {
                            if let Some(o) = a.and_then(|a| self.lookup_in(a, scope)) {
                                let decl = self.decls[o].1;
                                self.holds(p, callee.as_ref(), decl)?;
                            }
                        }
                        // Results that are objects make the variables they go into objects.
                        for (r, v) in func.results.iter().zip(into) {
                            let key = self.key_in(r, Some(callee.as_deref().unwrap_or("")));
                            if let Some(&o) = self.obj_vars.get(&key) {
                                let decl = self.decls[o].1;
                                self.holds(v, scope, decl)?;
                            }
                        }
                    }
                }
                _ => {}
            }
            match op {
                Op::Send { obj, value }
                | Op::Set { obj, value, .. }
                | Op::Store { obj, value, .. } => self.stored(obj, value, scope)?,
                Op::Append { obj, values, .. } => {
                    for v in values {
                        self.stored(obj, v, scope)?;
                    }
                }
                _ => {}
            }
            if let Op::Select { cases } = op {
                for c in cases {
                    if let Case::Recv {
                        obj,
                        into: Some(into),
                        ..
                    } = c
                    {
                        self.read_into(into, obj, scope)?;
                    }
                }
            }
            for body in op.bodies() {
                self.scan(body, scope)?;
            }
        }
        Ok(())
    }
}
