//! Validation and compilation of a parsed scenario. Everything a scenario can get wrong is
//! rejected here, before anything runs, with the JSON path and line:column of the culprit.

use super::error::{Location, ScenarioError};
use super::positions::{member, Positions};
use super::program::*;
use super::types::{Case, ObjectDecl, Op, ScenarioFile};
use crate::catalog;
use crate::model::Value;
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Most threads a scenario may create (top-level and spawned, counting loops).
pub const MAX_THREADS: u64 = 32;
/// Largest `repeat` count.
pub const MAX_REPEAT: u64 = 10_000;
/// Most ops one thread body may run, counting loops.
pub const MAX_OPS_PER_THREAD: u64 = 1_000_000;
/// Deepest nesting of bodies.
pub const MAX_DEPTH: usize = 32;

type R<T> = Result<T, ScenarioError>;

pub(crate) struct Compiler<'a> {
    file: &'a str,
    pos: &'a Positions,
    objs: HashMap<&'a str, ObjId>,
    decls: Vec<(&'a str, &'a ObjectDecl)>,
    procs: IndexMap<&'a str, BlockId>,
    blocks: Vec<Vec<Stmt>>,
    op_paths: Vec<String>,
    vars: IndexMap<String, VarId>,
    assigned: HashSet<VarId>,
    /// Variables read by conditions, with the path of the first read.
    read: Vec<(VarId, String)>,
    /// Calls between procs: (caller proc, callee proc, path of the call).
    calls: Vec<(Option<usize>, usize, String)>,
    current_proc: Option<usize>,
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(file: &'a str, pos: &'a Positions) -> Self {
        Compiler {
            file,
            pos,
            objs: HashMap::new(),
            decls: Vec::new(),
            procs: IndexMap::new(),
            blocks: Vec::new(),
            op_paths: Vec::new(),
            vars: IndexMap::new(),
            assigned: HashSet::new(),
            read: Vec::new(),
            calls: Vec::new(),
            current_proc: None,
        }
    }

    fn err(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        let (line, col) = self.pos.find(path);
        ScenarioError {
            file: self.file.to_string(),
            location: Some(Location {
                path: path.to_string(),
                line,
                col,
            }),
            message: message.into(),
        }
    }

    pub(crate) fn compile(
        mut self,
        f: &'a ScenarioFile,
        source: serde_json::Value,
        hash: String,
    ) -> R<Program> {
        if f.threads.is_empty() {
            return Err(self.err("$.threads", "a scenario needs at least one thread"));
        }
        if let Some(c) = &f.catalog {
            if !catalog::is_known(c) {
                return Err(self.err(
                    "$.catalog",
                    format!("unknown catalog id `{c}` (see `hazard list`)"),
                ));
            }
        }
        for (name, decl) in &f.objects {
            let path = member("$.objects", name);
            if let ObjectDecl::Map {
                nil: true, entries, ..
            } = decl
            {
                if !entries.is_empty() {
                    return Err(
                        self.err(&member(&path, "entries"), "a nil map cannot have entries")
                    );
                }
            }
            if let ObjectDecl::Chan { nil: true, cap, .. } = decl {
                if *cap != 0 {
                    return Err(self.err(&member(&path, "cap"), "a nil channel has no capacity"));
                }
            }
            self.objs.insert(name.as_str(), self.decls.len());
            self.decls.push((name.as_str(), decl));
        }
        // Procs get their block ids first so calls can refer to procs declared later.
        for name in f.procs.keys() {
            let id = self.blocks.len();
            self.blocks.push(Vec::new());
            self.procs.insert(name.as_str(), id);
        }
        for (i, (name, ops)) in f.procs.iter().enumerate() {
            self.current_proc = Some(i);
            let path = member("$.procs", name);
            let stmts = self.stmts(ops, &path, 0)?;
            self.blocks[i] = stmts;
        }
        self.current_proc = None;
        self.check_recursion(f)?;

        let mut threads = Vec::new();
        for (name, ops) in &f.threads {
            let path = member("$.threads", name);
            let body = self.block(ops, &path, 0)?;
            threads.push(ThreadSpec {
                name: name.clone(),
                body,
            });
        }
        for (var, path) in &self.read {
            if !self.assigned.contains(var) {
                let name = self
                    .vars
                    .get_index(*var)
                    .map(|(k, _)| k.as_str())
                    .unwrap_or("?");
                return Err(self.err(
                    path,
                    format!("variable `{name}` is read here but never set"),
                ));
            }
        }

        let mut total_threads = threads.len() as u64;
        let mut memo = HashMap::new();
        for spec in &threads {
            let path = member("$.threads", &spec.name);
            let (cost, spawned) = self.bounds(spec.body, &mut memo)?;
            if cost > MAX_OPS_PER_THREAD {
                return Err(self.err(
                    &path,
                    format!("thread runs up to {cost} ops counting its loops (limit {MAX_OPS_PER_THREAD}): shrink a `repeat`"),
                ));
            }
            total_threads = total_threads.saturating_add(spawned);
            if total_threads > MAX_THREADS {
                return Err(self.err(
                    &path,
                    format!("too many threads: the scenario creates up to {total_threads} (limit {MAX_THREADS})"),
                ));
            }
        }

        let (expect, final_state) = self.expect(f)?;
        if let Some(h) = &f.explore {
            if h.iterations == Some(0) {
                return Err(self.err("$.explore.iterations", "iterations must be at least 1"));
            }
            if matches!(h.max_steps, Some(s) if s < 10) {
                return Err(self.err("$.explore.max_steps", "max_steps must be at least 10"));
            }
        }

        let objects = self
            .decls
            .iter()
            .map(|(name, decl)| ObjSpec {
                name: Arc::from(*name),
                decl: (*decl).clone(),
                zero: match decl {
                    ObjectDecl::Map { value_type, .. } => value_type.zero(),
                    ObjectDecl::Chan { elem, .. } => elem.zero(),
                    _ => Value::Nil,
                },
            })
            .collect();
        Ok(Program {
            name: f.name.clone(),
            catalog: f.catalog.clone(),
            variant: f.variant,
            description: f.description.clone(),
            objects,
            threads,
            blocks: self.blocks,
            op_paths: self.op_paths,
            vars: self.vars.into_keys().collect(),
            expect,
            final_state,
            hints: f.explore.clone().unwrap_or_default(),
            source,
            hash,
            file: self.file.to_string(),
        })
    }

    fn check_recursion(&self, f: &ScenarioFile) -> R<()> {
        let n = f.procs.len();
        let mut edges: Vec<Vec<(usize, &str)>> = vec![Vec::new(); n];
        for (from, to, path) in &self.calls {
            if let Some(from) = from {
                edges[*from].push((*to, path));
            }
        }
        // Depth-first search for a back edge; the error names the call that closes the cycle.
        fn visit<'p>(
            v: usize,
            edges: &[Vec<(usize, &'p str)>],
            state: &mut [u8],
            stack: &mut Vec<usize>,
        ) -> Option<(Vec<usize>, &'p str)> {
            state[v] = 1;
            stack.push(v);
            for &(w, path) in &edges[v] {
                if state[w] == 1 {
                    let start = stack.iter().position(|&x| x == w).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(w);
                    return Some((cycle, path));
                }
                if state[w] == 0 {
                    if let Some(found) = visit(w, edges, state, stack) {
                        return Some(found);
                    }
                }
            }
            stack.pop();
            state[v] = 2;
            None
        }
        let mut state = vec![0u8; n];
        for v in 0..n {
            if state[v] == 0 {
                if let Some((cycle, path)) = visit(v, &edges, &mut state, &mut Vec::new()) {
                    let names: Vec<&str> = cycle
                        .iter()
                        .map(|&i| self.procs.get_index(i).map(|(k, _)| *k).unwrap_or("?"))
                        .collect();
                    return Err(self.err(
                        path,
                        format!("recursion through `call`: {} (procs must not call themselves, directly or not)", names.join(" -> ")),
                    ));
                }
            }
        }
        Ok(())
    }

    /// (most ops one run of the block executes, most threads it spawns), counting loops.
    fn bounds(&self, b: BlockId, memo: &mut HashMap<BlockId, (u64, u64)>) -> R<(u64, u64)> {
        if let Some(&v) = memo.get(&b) {
            return Ok(v);
        }
        let mut cost: u64 = 0;
        let mut threads: u64 = 0;
        for s in &self.blocks[b] {
            let (c, t) = match &s.kind {
                StmtKind::Repeat { times, body } => {
                    let (c, t) = self.bounds(*body, memo)?;
                    let c = c.saturating_mul(*times);
                    if c > MAX_OPS_PER_THREAD {
                        return Err(self.err(
                            &self.op_paths[s.id],
                            format!("this loop runs up to {c} ops (limit {MAX_OPS_PER_THREAD})"),
                        ));
                    }
                    (c, t.saturating_mul(*times))
                }
                StmtKind::Spawn { body, .. } => {
                    let (_, t) = self.bounds(*body, memo)?;
                    (1, t.saturating_add(1))
                }
                StmtKind::If {
                    then, otherwise, ..
                } => {
                    let (c1, t1) = self.bounds(*then, memo)?;
                    let (c2, t2) = self.bounds(*otherwise, memo)?;
                    (c1.max(c2), t1.max(t2))
                }
                StmtKind::Select { cases, default } => {
                    let mut best = (0, 0);
                    for body in cases.iter().map(|c| c.body).chain(*default) {
                        let (c, t) = self.bounds(body, memo)?;
                        best = (best.0.max(c), best.1.max(t));
                    }
                    best
                }
                StmtKind::MapRange { body, .. }
                | StmtKind::OnceDo { body, .. }
                | StmtKind::Call { body }
                | StmtKind::Defer { body }
                | StmtKind::Recover { body, .. } => self.bounds(*body, memo)?,
                _ => (0, 0),
            };
            cost = cost.saturating_add(1).saturating_add(c);
            threads = threads.saturating_add(t);
        }
        memo.insert(b, (cost, threads));
        Ok((cost, threads))
    }

    fn var(&mut self, name: &str) -> VarId {
        let n = self.vars.len();
        *self.vars.entry(name.to_string()).or_insert(n)
    }
    fn set_var(&mut self, name: &Option<String>) -> Option<VarId> {
        name.as_ref().map(|n| {
            let v = self.var(n);
            self.assigned.insert(v);
            v
        })
    }

    fn obj(&self, name: &str, path: &str, op: &str, kinds: &[&str]) -> R<ObjId> {
        let field = member(path, "obj");
        let Some(&id) = self.objs.get(name) else {
            let mut known: Vec<&str> = self.objs.keys().copied().collect();
            known.sort_unstable();
            return Err(self.err(
                &field,
                format!(
                    "unknown object `{name}` (declared: {})",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        let kind = self.decls[id].1.kind();
        if !kinds.contains(&kind) {
            return Err(self.err(
                &field,
                format!(
                    "op `{op}` does not apply to `{name}`, a {kind} (it applies to: {})",
                    kinds.join(", ")
                ),
            ));
        }
        Ok(id)
    }

    fn block(&mut self, ops: &[Op], path: &str, depth: usize) -> R<BlockId> {
        let stmts = self.stmts(ops, path, depth)?;
        self.blocks.push(stmts);
        Ok(self.blocks.len() - 1)
    }

    fn stmts(&mut self, ops: &[Op], path: &str, depth: usize) -> R<Vec<Stmt>> {
        if depth > MAX_DEPTH {
            return Err(self.err(path, format!("bodies nest deeper than {MAX_DEPTH} levels")));
        }
        ops.iter()
            .enumerate()
            .map(|(i, op)| self.stmt(op, &format!("{path}[{i}]"), depth))
            .collect()
    }

    fn stmt(&mut self, op: &Op, path: &str, depth: usize) -> R<Stmt> {
        let id = self.op_paths.len();
        self.op_paths.push(path.to_string());
        let d = depth + 1;
        let body = |c: &mut Self, ops: &[Op], field: &str| c.block(ops, &member(path, field), d);
        const MAP: &[&str] = &["map"];
        const CHAN: &[&str] = &["chan"];
        let kind = match op {
            Op::Set { obj, key, value } => StmtKind::MapSet {
                m: self.obj(obj, path, "set", MAP)?,
                key: key.clone(),
                value: value.clone(),
            },
            Op::Get { obj, key, into, ok } => StmtKind::MapGet {
                m: self.obj(obj, path, "get", MAP)?,
                key: key.clone(),
                into: self.set_var(into),
                ok: self.set_var(ok),
            },
            Op::Delete { obj, key } => StmtKind::MapDelete {
                m: self.obj(obj, path, "delete", MAP)?,
                key: key.clone(),
            },
            Op::Clear { obj } => StmtKind::MapClear {
                m: self.obj(obj, path, "clear", MAP)?,
            },
            Op::Range {
                obj,
                key,
                value,
                body: ops,
            } => StmtKind::MapRange {
                m: self.obj(obj, path, "range", MAP)?,
                key: self.set_var(key),
                value: self.set_var(value),
                body: body(self, ops, "body")?,
            },
            Op::Clone { obj, to } => {
                let m = self.obj(obj, path, "clone", MAP)?;
                let to_path = member(path, "to");
                let to = match self.objs.get(to.as_str()) {
                    Some(&t) if self.decls[t].1.kind() == "map" => t,
                    Some(_) => return Err(self.err(&to_path, format!("`{to}` is not a map"))),
                    None => return Err(self.err(&to_path, format!("unknown object `{to}`"))),
                };
                StmtKind::MapClone { m, to }
            }
            Op::Make { obj } => StmtKind::MapMake {
                m: self.obj(obj, path, "make", MAP)?,
            },
            Op::Len { obj, into } => {
                let o = self.obj(obj, path, "len", &["map", "chan"])?;
                let into = self.set_var(&Some(into.clone())).expect("some");
                if self.decls[o].1.kind() == "map" {
                    StmtKind::MapLen { m: o, into }
                } else {
                    StmtKind::ChanLen { ch: o, into }
                }
            }
            Op::Send { obj, value } => StmtKind::Send {
                ch: self.obj(obj, path, "send", CHAN)?,
                value: value.clone(),
            },
            Op::Recv { obj, into, ok } => StmtKind::Recv {
                ch: self.obj(obj, path, "recv", CHAN)?,
                into: self.set_var(into),
                ok: self.set_var(ok),
            },
            Op::Close { obj } => StmtKind::Close {
                ch: self.obj(obj, path, "close", CHAN)?,
            },
            Op::Lock { obj } => {
                let o = self.obj(obj, path, "lock", &["mutex", "rwmutex"])?;
                if self.decls[o].1.kind() == "mutex" {
                    StmtKind::Lock { mu: o }
                } else {
                    StmtKind::RwLock { rw: o }
                }
            }
            Op::Unlock { obj } => {
                let o = self.obj(obj, path, "unlock", &["mutex", "rwmutex"])?;
                if self.decls[o].1.kind() == "mutex" {
                    StmtKind::Unlock { mu: o }
                } else {
                    StmtKind::RwUnlock { rw: o }
                }
            }
            Op::Rlock { obj } => StmtKind::RLock {
                rw: self.obj(obj, path, "rlock", &["rwmutex"])?,
            },
            Op::Runlock { obj } => StmtKind::RUnlock {
                rw: self.obj(obj, path, "runlock", &["rwmutex"])?,
            },
            Op::Add { obj, delta } => {
                let wg = self.obj(obj, path, "add", &["waitgroup"])?;
                if i32::try_from(*delta).is_err() {
                    return Err(self.err(
                        &member(path, "delta"),
                        format!("delta {delta} is out of the counter's range"),
                    ));
                }
                StmtKind::WgAdd { wg, delta: *delta }
            }
            Op::Done { obj } => StmtKind::WgAdd {
                wg: self.obj(obj, path, "done", &["waitgroup"])?,
                delta: -1,
            },
            Op::Wait { obj } => StmtKind::WgWait {
                wg: self.obj(obj, path, "wait", &["waitgroup"])?,
            },
            Op::Do { obj, body: ops } => StmtKind::OnceDo {
                once: self.obj(obj, path, "do", &["once"])?,
                body: body(self, ops, "body")?,
            },
            Op::Repeat { times, body: ops } => {
                if *times == 0 || *times > MAX_REPEAT {
                    return Err(self.err(
                        &member(path, "times"),
                        format!("times must be 1..={MAX_REPEAT} (got {times}); loops are bounded"),
                    ));
                }
                StmtKind::Repeat {
                    times: *times,
                    body: body(self, ops, "body")?,
                }
            }
            Op::Spawn { thread, body: ops } => {
                if thread.is_empty() || thread.contains('#') {
                    return Err(self.err(
                        &member(path, "thread"),
                        "thread names are non-empty and do not contain `#`",
                    ));
                }
                StmtKind::Spawn {
                    name: thread.clone(),
                    body: body(self, ops, "body")?,
                }
            }
            Op::Select { cases } => {
                let mut specs = Vec::new();
                let mut default = None;
                for (i, case) in cases.iter().enumerate() {
                    let cpath = format!("{}[{i}]", member(path, "cases"));
                    match case {
                        Case::Recv {
                            obj,
                            into,
                            ok,
                            body: ops,
                        } => {
                            let ch = self.obj(obj, &cpath, "recv", CHAN)?;
                            let op = CaseOp::Recv {
                                ch,
                                into: self.set_var(into),
                                ok: self.set_var(ok),
                            };
                            specs.push(CaseSpec {
                                op,
                                body: self.block(ops, &member(&cpath, "body"), d)?,
                            });
                        }
                        Case::Send {
                            obj,
                            value,
                            body: ops,
                        } => {
                            let ch = self.obj(obj, &cpath, "send", CHAN)?;
                            let op = CaseOp::Send {
                                ch,
                                value: value.clone(),
                            };
                            specs.push(CaseSpec {
                                op,
                                body: self.block(ops, &member(&cpath, "body"), d)?,
                            });
                        }
                        Case::Default { body: ops } => {
                            if default.is_some() {
                                return Err(
                                    self.err(&cpath, "a select has at most one default case")
                                );
                            }
                            default = Some(self.block(ops, &member(&cpath, "body"), d)?);
                        }
                    }
                }
                StmtKind::Select {
                    cases: specs,
                    default,
                }
            }
            Op::If {
                cond,
                then,
                otherwise,
            } => {
                let var = self.var(&cond.var);
                self.read.push((var, member(&member(path, "cond"), "var")));
                StmtKind::If {
                    var,
                    eq: cond.eq.clone(),
                    not: cond.not,
                    then: body(self, then, "then")?,
                    otherwise: body(self, otherwise, "else")?,
                }
            }
            Op::Call { proc } => {
                let Some(idx) = self.procs.get_index_of(proc.as_str()) else {
                    let known: Vec<&str> = self.procs.keys().copied().collect();
                    return Err(self.err(
                        &member(path, "proc"),
                        format!(
                            "unknown proc `{proc}` (declared: {})",
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
                StmtKind::Call {
                    body: self.procs[idx],
                }
            }
            Op::Defer { body: ops } => StmtKind::Defer {
                body: body(self, ops, "body")?,
            },
            Op::Recover { body: ops, into } => StmtKind::Recover {
                body: body(self, ops, "body")?,
                into: self.set_var(into),
            },
            Op::Panic { value } => StmtKind::Panic {
                value: value.clone(),
            },
            Op::Let { var, value } => StmtKind::Let {
                var: self.set_var(&Some(var.clone())).expect("some"),
                value: value.clone(),
            },
            Op::Yield {} => StmtKind::Yield,
        };
        Ok(Stmt { id, kind })
    }

    fn expect(&self, f: &ScenarioFile) -> R<(Expectation, Vec<AssertSpec>)> {
        let e = &f.expect;
        let expectation = match (&e.fails, e.passes) {
            (Some(_), Some(_)) => {
                return Err(self.err("$.expect", "give either `fails` or `passes`, not both"))
            }
            (None, None) => {
                return Err(self.err(
                    "$.expect",
                    "give one of `fails` (buggy variant) or `passes: true` (fixed variant)",
                ))
            }
            (None, Some(false)) => {
                return Err(self.err(
                    "$.expect.passes",
                    "`passes` must be true; to expect a failure use `fails`",
                ))
            }
            (None, Some(true)) => Expectation::Passes,
            (Some(fails), None) => {
                if let Some(id) = &fails.id {
                    if !catalog::is_known(id) {
                        return Err(self.err(
                            "$.expect.fails.id",
                            format!("unknown catalog id `{id}` (see `hazard list`)"),
                        ));
                    }
                }
                if let Some(t) = &fails.thread {
                    let roles = thread_roles(f.threads.keys().map(String::as_str), &self.blocks);
                    if !roles.contains(&t.as_str()) {
                        return Err(self.err(
                            "$.expect.fails.thread",
                            format!("no thread is named `{t}` (threads: {})", roles.join(", ")),
                        ));
                    }
                }
                Expectation::Fails(fails.clone())
            }
        };
        let mut asserts = Vec::new();
        for (i, a) in e.final_state.iter().enumerate() {
            let path = format!("$.expect.final[{i}]");
            let field = member(&path, "obj");
            let Some(&obj) = self.objs.get(a.obj.as_str()) else {
                return Err(self.err(&field, format!("unknown object `{}`", a.obj)));
            };
            let kind = self.decls[obj].1.kind();
            let given: Vec<&str> = [
                ("len", a.len.is_some()),
                ("key", a.key.is_some()),
                ("value", a.value.is_some()),
                ("absent", a.absent),
                ("closed", a.closed.is_some()),
                ("locked", a.locked.is_some()),
                ("count", a.count.is_some()),
            ]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
            let allowed: &[&str] = match kind {
                "map" => &["len", "key", "value", "absent"],
                "chan" => &["len", "closed"],
                "mutex" | "rwmutex" => &["locked"],
                "waitgroup" => &["count"],
                _ => &[],
            };
            if given.is_empty() {
                return Err(self.err(
                    &path,
                    format!(
                        "the assertion on `{}` checks nothing (a {kind} allows: {})",
                        a.obj,
                        allowed.join(", ")
                    ),
                ));
            }
            if let Some(bad) = given.iter().find(|g| !allowed.contains(g)) {
                return Err(self.err(
                    &member(&path, bad),
                    format!("`{bad}` does not apply to `{}`, a {kind}", a.obj),
                ));
            }
            if (a.value.is_some() || a.absent) && a.key.is_none() {
                return Err(self.err(&path, "`value` and `absent` need a `key`"));
            }
            if a.key.is_some() && a.value.is_none() && !a.absent {
                return Err(self.err(&path, "a `key` needs `value` or `absent: true`"));
            }
            if let Some(id) = &a.id {
                if !catalog::is_known(id) {
                    return Err(
                        self.err(&member(&path, "id"), format!("unknown catalog id `{id}`"))
                    );
                }
            }
            asserts.push(AssertSpec {
                obj,
                assertion: a.clone(),
                path,
            });
        }
        Ok((expectation, asserts))
    }
}
