//! Validation and compilation of a parsed scenario. Everything a scenario can get wrong is
//! rejected here, before anything runs, with the JSON path and line:column of the culprit.

use super::error::{Location, ScenarioError};
use super::positions::{member, Positions};
use super::program::*;
use super::rules::OpMeta;
use super::types::{Case, ObjectDecl, Op, Operand, ProcDecl, RaceMode, ScenarioFile};
use crate::base::{ObjKind as K, Value};
use crate::catalog;
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod bounds;
mod chan;
mod context;
mod control;
mod data;
mod expect;
mod expr;
mod faults;
mod map;
mod objvars;
mod slice;
mod sync;
mod time;

/// Object kinds some ops ask for.
const MAP: &[K] = &[K::Map];
const CHAN: &[K] = &[K::Chan];
const RECV: &[K] = &[K::Chan, K::Timer, K::Context];
pub(crate) use faults::CONTROL_OPS;

/// Longest scenario `name`, in bytes: report files are `<name>-<hash>.json` and most file
/// systems cap a file name at 255 bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// Most objects a scenario may declare.
pub const MAX_OBJECTS: usize = 10_000;
/// Most initial entries (map `entries`, stack `elems`) all objects may declare together: each
/// execution starts from a fresh copy of them.
pub const MAX_ENTRIES: u64 = 100_000;
/// Most threads a scenario may create (top-level and spawned, counting loops).
pub const MAX_THREADS: u64 = 1024;
/// Largest `repeat` count.
pub const MAX_REPEAT: u64 = 10_000;
/// Most ops one thread body may run, counting loops.
pub const MAX_OPS_PER_THREAD: u64 = 1_000_000;
/// Deepest nesting of bodies.
pub const MAX_DEPTH: usize = 32;
/// Deepest nesting one thread reaches at run time: bodies inside bodies, through `call`s
/// (each level is a frame of the interpreter on the thread's stack; see `rt::STACK_SIZE`).
pub const MAX_FRAMES: usize = 100;
/// Most procs a scenario may declare.
pub const MAX_PROCS: usize = 1000;
/// Largest slice capacity or shard count a declaration may ask for.
pub const MAX_CAP: u64 = 1_000_000;
/// Most slice elements one execution may allocate: declared slices, `append` growth and
/// `sync.Pool` News together (a run must fit in memory; declarations are checked here, the
/// rest when it runs).
pub const MAX_ELEMS: u64 = 4_000_000;

type R<T> = Result<T, ScenarioError>;

pub(crate) struct Compiler<'a> {
    file: &'a str,
    pos: &'a Positions,
    objs: HashMap<&'a str, ObjId>,
    decls: Vec<(&'a str, &'a ObjectDecl)>,
    procs: IndexMap<&'a str, BlockId>,
    /// The procs as declared, by index (calls check their shape before they are compiled).
    proc_decls: Vec<&'a ProcDecl>,
    blocks: Vec<Vec<Stmt>>,
    op_paths: Vec<String>,
    vars: IndexMap<String, VarId>,
    assigned: HashSet<VarId>,
    /// Package-level variables (`vars`): one name in every scope.
    globals: IndexMap<&'a str, Value>,
    /// Variables that are plain shared memory (`vars`, `let` with `shared`).
    shared: HashSet<VarId>,
    /// Variables read by conditions, with the path of the first read.
    read: Vec<(VarId, String)>,
    /// The function proc being compiled (its variables are its own), and its results.
    scope: Option<String>,
    results: Option<Vec<VarId>>,
    /// Variables that hold objects (scoped names), with the object id ops use for them; their
    /// entries in `decls` follow the declared objects'.
    obj_vars: HashMap<String, ObjId>,
    /// The struct declaration of the elements of a container whose elements are structs
    /// (`[]*Worker`), learnt from what is stored in it.
    elem_structs: HashMap<ObjId, &'a ObjectDecl>,
    /// How many objects `objects` declares.
    declared: usize,
    /// The object fields of structs (declared or held by variables): (struct, field) -> the
    /// object id ops use for `w.mu`.
    field_objs: HashMap<(ObjId, usize), ObjId>,
    /// Per declared object, whether an `assign` points it elsewhere.
    reassigned: Vec<bool>,
    /// What `new` ops make.
    new_objs: Vec<ObjSpec>,
    /// Function procs, and per proc its function (`None`: an op list on the caller's variables).
    funcs: Vec<Func>,
    proc_funcs: Vec<Option<usize>>,
    /// Expressions to type-check once every variable's type is known, with their place.
    pending: Vec<(Expr, String, expr::Want)>,
    /// Calls between procs: (caller proc, callee proc, path of the call).
    calls: Vec<(Option<usize>, usize, String)>,
    current_proc: Option<usize>,
    /// Timers, sleeps or deadlines appear.
    uses_time: bool,
    /// Timer objects holding a `context.AfterFunc` stop, and timer objects used as timers,
    /// each with the path of the first such op (one object cannot be both).
    ctx_handles: HashMap<ObjId, String>,
    timer_uses: HashMap<ObjId, String>,
    /// Timer objects some op makes a `time.AfterFunc`.
    func_timers: HashSet<ObjId>,
    /// `recover` scopes around the op being compiled.
    recover_depth: usize,
    /// Name and object of each op, by op id (when the scenario has fault rules).
    op_metas: Vec<OpMeta>,
    /// Loop labels, by `LabelId`.
    labels: Vec<String>,
    /// The scenario has fault rules (they match ops by object too).
    with_faults: bool,
    /// The start-up work of each declared object, in declaration order.
    setups: Vec<Setup>,
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(file: &'a str, pos: &'a Positions) -> Self {
        Compiler {
            file,
            pos,
            objs: HashMap::new(),
            decls: Vec::new(),
            procs: IndexMap::new(),
            proc_decls: Vec::new(),
            blocks: Vec::new(),
            op_paths: Vec::new(),
            vars: IndexMap::new(),
            assigned: HashSet::new(),
            globals: IndexMap::new(),
            shared: HashSet::new(),
            read: Vec::new(),
            pending: Vec::new(),
            scope: None,
            results: None,
            funcs: Vec::new(),
            proc_funcs: Vec::new(),
            obj_vars: HashMap::new(),
            elem_structs: HashMap::new(),
            declared: 0,
            field_objs: HashMap::new(),
            reassigned: Vec::new(),
            new_objs: Vec::new(),
            calls: Vec::new(),
            current_proc: None,
            uses_time: false,
            ctx_handles: HashMap::new(),
            timer_uses: HashMap::new(),
            func_timers: HashSet::new(),
            recover_depth: 0,
            op_metas: Vec::new(),
            labels: Vec::new(),
            with_faults: false,
            setups: Vec::new(),
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
        self.with_faults = !f.faults.is_empty();
        if f.name.is_empty() || f.name.len() > MAX_NAME_BYTES {
            // Report files are named `<name>-<hash>.json`: the name must fit a file name.
            return Err(self.err(
                "$.name",
                format!(
                    "a scenario name is 1 to {MAX_NAME_BYTES} bytes (this one is {})",
                    f.name.len()
                ),
            ));
        }
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
        if f.objects.len() > MAX_OBJECTS {
            return Err(self.err(
                "$.objects",
                format!("{} objects (limit {MAX_OBJECTS})", f.objects.len()),
            ));
        }
        let mut declared_elems: u64 = 0;
        let mut declared_entries: u64 = 0;
        for (name, decl) in &f.objects {
            let path = member("$.objects", name);
            let (field, n) = match decl {
                ObjectDecl::Map { entries, .. } => ("entries", entries.len()),
                ObjectDecl::TreiberStack { elems }
                | ObjectDecl::StampedStack { elems }
                | ObjectDecl::EpochStack { elems } => ("elems", elems.len()),
                _ => ("", 0),
            };
            declared_entries = declared_entries.saturating_add(n as u64);
            if declared_entries > MAX_ENTRIES {
                return Err(self.err(
                    &member(&path, field),
                    format!("the objects declare more than {MAX_ENTRIES} initial entries together (limit)"),
                ));
            }
            let setup = self.declare(&path, decl)?;
            self.setups.push(setup);
            if let ObjectDecl::Slice {
                nil: false,
                elems,
                len,
                cap,
                ..
            } = decl
            {
                let n = cap
                    .unwrap_or(0)
                    .max(len.unwrap_or(0))
                    .max(elems.len() as u64);
                declared_elems = declared_elems.saturating_add(n);
                if declared_elems > MAX_ELEMS {
                    return Err(self.err(
                        &path,
                        format!("the declared slices hold more than {MAX_ELEMS} elements together (limit)"),
                    ));
                }
            }
            self.objs.insert(name.as_str(), self.decls.len());
            self.decls.push((name.as_str(), decl));
        }
        for (name, init) in &f.vars {
            let path = member("$.vars", name);
            if name.is_empty()
                || name.contains(['.', ':', '#'])
                || name.contains(char::is_whitespace)
            {
                return Err(self.err(
                    &path,
                    "a variable name is a Go identifier (no `.`, `:`, `#` or spaces)",
                ));
            }
            if self.objs.contains_key(name.as_str()) {
                return Err(self.err(&path, format!("`{name}` is declared in `objects` too: a name is a variable or an object, not both")));
            }
            let v = self.var(name);
            self.assigned.insert(v);
            self.shared.insert(v);
            self.globals.insert(name.as_str(), init.clone());
        }
        if f.procs.len() > MAX_PROCS {
            return Err(self.err(
                "$.procs",
                format!("{} procs (limit {MAX_PROCS})", f.procs.len()),
            ));
        }
        // Procs get their block ids first so calls can refer to procs declared later.
        for (name, decl) in &f.procs {
            let id = self.blocks.len();
            self.blocks.push(Vec::new());
            self.procs.insert(name.as_str(), id);
            self.proc_decls.push(decl);
        }
        self.declared = self.decls.len();
        self.reassigned = vec![false; self.declared];
        self.object_vars(f)?;
        for (i, (name, decl)) in f.procs.iter().enumerate() {
            self.current_proc = Some(i);
            let path = member("$.procs", name);
            let stmts = match decl {
                ProcDecl::Ops(ops) => {
                    self.proc_funcs.push(None);
                    self.stmts(ops, &path, 0)?
                }
                ProcDecl::Func(func) => {
                    self.scope = Some(name.clone());
                    let mut names = HashSet::new();
                    let mut vars = |c: &mut Self, list: &[String], field: &str| -> R<Vec<VarId>> {
                        list.iter()
                            .enumerate()
                            .map(|(k, v)| {
                                if v.is_empty() || !names.insert(v.clone()) {
                                    return Err(c.err(
                                        &format!("{}[{k}]", member(&path, field)),
                                        format!(
                                            "`{v}`: a parameter or result needs a name of its own"
                                        ),
                                    ));
                                }
                                Ok(c.set_var(&Some(v.clone())).expect("some"))
                            })
                            .collect()
                    };
                    let mut with_recv: Vec<String> = func.receiver.iter().cloned().collect();
                    with_recv.extend(func.params.iter().cloned());
                    let params = vars(&mut self, &with_recv, "params")?;
                    let results = vars(&mut self, &func.results, "results")?;
                    self.results = Some(results.clone());
                    self.proc_funcs.push(Some(self.funcs.len()));
                    self.funcs.push(Func {
                        name: name.clone(),
                        params,
                        results,
                        locals: Vec::new(),
                    });
                    let stmts = self.stmts(&func.body, &member(&path, "body"), 0);
                    self.scope = None;
                    self.results = None;
                    stmts?
                }
            };
            self.blocks[i] = stmts;
        }
        self.current_proc = None;
        self.check_recursion(f)?;

        let mut threads = Vec::new();
        for (name, ops) in &f.threads {
            let path = member("$.threads", name);
            // `#` is how the names of later goroutines of one role are made (`worker#2`).
            if name.is_empty() || name.contains('#') {
                return Err(self.err(&path, "thread names are non-empty and do not contain `#`"));
            }
            let body = self.block(ops, &path, 0)?;
            threads.push(ThreadSpec {
                name: name.clone(),
                body,
            });
        }
        for (o, path) in &self.timer_uses {
            if let Some(first) = self.ctx_handles.get(o) {
                return Err(self.err(
                    path,
                    format!(
                        "`{}` holds the stop function of a context.AfterFunc (set at {first}); it is not a timer",
                        self.decls[*o].0
                    ),
                ));
            }
        }
        for (var, path) in &self.read {
            if !self.assigned.contains(var) {
                // Names as written (`id`, not `worker::id`), suggestions from the same scope.
                let key = self
                    .vars
                    .get_index(*var)
                    .map(|(k, _)| k.as_str())
                    .unwrap_or("?");
                let (scope, name) = key.rsplit_once("::").unwrap_or(("", key));
                let set = self.assigned.iter().filter_map(|v| {
                    let k = self.vars.get_index(*v)?.0.as_str();
                    let (s, n) = k.rsplit_once("::").unwrap_or(("", k));
                    (s == scope).then_some(n)
                });
                let hint = super::error::did_you_mean(name, set);
                return Err(self.err(
                    path,
                    format!("variable `{name}` is read here but never set{hint}"),
                ));
            }
        }

        let mut ops_memo = HashMap::new();
        let static_ops = threads.iter().try_fold(0u64, |sum, t| {
            Some(sum.saturating_add(self.total_ops(t.body, &mut ops_memo)?))
        });
        let mut total_threads = threads.len() as u64;
        let mut memo = HashMap::new();
        let mut frames = HashMap::new();
        for spec in &threads {
            let path = member("$.threads", &spec.name);
            self.check_frames(spec.body, &path, &mut frames)?;
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

        // `break` and `continue` only where Go allows them (checked once every body exists).
        let entries: Vec<BlockId> = threads
            .iter()
            .map(|t| t.body)
            .chain(self.procs.values().copied())
            .collect();
        for b in entries {
            self.check_flow(b, &mut Vec::new())?;
        }
        // Object ids past the declared ones, in order, name these variables.
        let obj_vars: Vec<DynObj> = {
            let mut all: Vec<(ObjId, DynObj)> = Vec::new();
            let vars: Vec<(ObjId, String)> =
                self.obj_vars.iter().map(|(k, &o)| (o, k.clone())).collect();
            for (o, k) in vars {
                let n = self.vars.len();
                let v = *self.vars.entry(k).or_insert(n);
                all.push((o, DynObj::Var(v, self.kind_of(o))));
            }
            for (&(base, field), &o) in &self.field_objs {
                all.push((
                    o,
                    DynObj::Field {
                        base,
                        field,
                        kind: self.kind_of(o),
                    },
                ));
            }
            all.sort_unstable_by_key(|x| x.0);
            all.into_iter().map(|x| x.1).collect()
        };
        let var_zero = self.check_types()?;
        let mut shared = vec![false; var_zero.len()];
        for &v in &self.shared {
            shared[v] = true;
        }
        let globals: Vec<(VarId, Value)> = self
            .globals
            .iter()
            .map(|(name, init)| (self.vars[*name], init.clone()))
            .collect();
        // Plain memory to watch: shared variables, struct fields, slices, maps (unless off).
        let off = f.explore.as_ref().and_then(|h| h.races) == Some(RaceMode::Off);
        let memory = !self.shared.is_empty()
            || self
                .decls
                .iter()
                .map(|d| d.1)
                .chain(self.new_objs.iter().map(|s| &s.decl))
                .any(|d| {
                    matches!(
                        d,
                        ObjectDecl::Struct { .. }
                            | ObjectDecl::Slice { .. }
                            | ObjectDecl::Map { .. }
                    )
                });
        let races = memory && !off;
        // Each function's variables: reset to their zero values when it is called.
        for f in &mut self.funcs {
            let prefix = format!("{}::", f.name);
            f.locals = self
                .vars
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(_, &v)| v)
                .collect();
        }

        let op_meta = std::mem::take(&mut self.op_metas);
        let top: Vec<String> = f.threads.keys().cloned().collect();
        let faults = self.faults(&f.faults, &top, &threads, &op_meta)?;
        let (expect, final_state) = self.expect(f)?;
        let linearizable = self.linearizable(f)?;
        if let Some(h) = &f.explore {
            if h.iterations == Some(0) {
                return Err(self.err("$.explore.iterations", "iterations must be at least 1"));
            }
            if matches!(h.max_steps, Some(s) if s < 10) {
                return Err(self.err("$.explore.max_steps", "max_steps must be at least 10"));
            }
        }

        let mut objects = Vec::with_capacity(self.decls.len());
        let setups = std::mem::take(&mut self.setups);
        for ((name, decl), setup) in self.decls.iter().zip(setups) {
            objects.push(ObjSpec {
                name: Arc::from(*name),
                decl: (*decl).clone(),
                zero: match decl {
                    ObjectDecl::Map { value_type, .. }
                    | ObjectDecl::RwmutexMap { value_type }
                    | ObjectDecl::ShardedMap { value_type, .. }
                    | ObjectDecl::CowMap { value_type } => value_type.zero(),
                    ObjectDecl::Chan { elem, .. } => elem.zero(),
                    _ => Value::Nil,
                },
                setup,
            });
        }
        Ok(Program {
            name: f.name.clone(),
            catalog: f.catalog.clone(),
            variant: f.variant,
            description: f.description.clone(),
            objects,
            threads,
            blocks: self.blocks,
            op_paths: self.op_paths,
            // Shown as written: `id`, not `worker::id`.
            vars: self
                .vars
                .into_keys()
                .map(|k| match k.rsplit_once("::") {
                    Some((_, name)) => name.to_string(),
                    None => k,
                })
                .collect(),
            labels: self.labels,
            expect,
            final_state,
            linearizable,
            hints: f.explore.clone().unwrap_or_default(),
            source,
            hash,
            file: self.file.to_string(),
            uses_time: self.uses_time,
            faults,
            fault_mode: f
                .explore
                .as_ref()
                .and_then(|h| h.faults)
                .unwrap_or_default(),
            clock: f.explore.as_ref().and_then(|h| h.clock).unwrap_or_default(),
            lifetime: f.lifetime.unwrap_or_default(),
            static_ops,
            var_zero,
            shared,
            globals,
            races,
            funcs: std::mem::take(&mut self.funcs),
            new_objs: std::mem::take(&mut self.new_objs),
            obj_vars,
            reassigned: std::mem::take(&mut self.reassigned),
            op_meta,
        })
    }

    /// One object declaration, checked against its kind's rules; its start-up work. The one
    /// dispatch over declarations (exhaustive: a new kind is a compile error here), each
    /// kind's rules in its family's file.
    fn declare(&mut self, path: &str, decl: &ObjectDecl) -> R<Setup> {
        use ObjectDecl as D;
        match decl {
            D::Map { nil, entries, .. } => self.d_map(path, *nil, entries.len()),
            D::ShardedMap { shards, .. } => self.d_sharded_map(path, *shards),
            D::RwmutexMap { .. } | D::SyncMap {} | D::CowMap { .. } => Ok(Setup::None),
            D::Chan { nil, cap, .. } => self.d_chan(path, *nil, *cap),
            D::Mutex {} | D::Rwmutex {} | D::Waitgroup {} | D::Once {} => Ok(Setup::None),
            D::Cond { locker, rlocker } => self.d_cond(path, locker, *rlocker),
            D::Struct { fields } => self.d_struct(path, fields),
            D::Timer { after } => self.d_timer(path, after.as_deref()),
            D::Context {
                nil,
                parent,
                timeout,
                deadline,
            } => self.d_context(
                path,
                *nil,
                parent.as_deref(),
                timeout.as_deref(),
                deadline.as_deref(),
            ),
            D::Slice {
                nil,
                elems,
                len,
                cap,
                ..
            } => self.d_slice(path, *nil, elems.len(), *len, *cap),
            D::Pool { new } => self.d_pool(path, new.as_ref().map(|n| n.cap)),
            D::Atomic { .. } | D::Handle {} => Ok(Setup::None),
            D::TreiberStack { .. } | D::StampedStack { .. } | D::EpochStack { .. } => {
                Ok(Setup::None)
            }
        }
    }

    /// A Go duration at `path`, in ns.
    fn dur(&self, text: &str, path: &str) -> R<i64> {
        crate::base::parse_duration(text).map_err(|m| self.err(path, m))
    }

    fn arg(&mut self, a: &Operand, path: &str) -> R<Arg> {
        Ok(match a {
            Operand::Lit(v) => Arg::Lit(v.clone()),
            // `{"var": "ctx"}` naming a declared object is that object, as `ctx` is in Go.
            Operand::Var { var } if self.objs.contains_key(var.as_str()) => Arg::Expr(Box::new(
                self.expr(var, &member(path, "var"), expr::Want::Value)?,
            )),
            Operand::Var { var } => {
                let v = self.var(var);
                self.read.push((v, path.to_string()));
                Arg::Var(v)
            }
            Operand::Expr { expr } => Arg::Expr(Box::new(self.expr(
                expr,
                &member(path, "expr"),
                expr::Want::Value,
            )?)),
        })
    }

    /// An int operand: a literal int, or a variable or expression checked to be of type int.
    fn int_arg(&mut self, a: &Operand, path: &str) -> R<Arg> {
        match a {
            Operand::Lit(Value::Int(_)) => self.arg(a, path),
            Operand::Lit(v) => Err(self.err(
                path,
                format!("expected an int, or {{\"var\": name}} or {{\"expr\": \"...\"}} of type int; got {}", v.quoted()),
            )),
            Operand::Var { var } => Ok(Arg::Expr(Box::new(self.expr(
                var,
                &member(path, "var"),
                expr::Want::Int,
            )?))),
            Operand::Expr { expr } => Ok(Arg::Expr(Box::new(self.expr(
                expr,
                &member(path, "expr"),
                expr::Want::Int,
            )?))),
        }
    }

    fn kind_of(&self, o: ObjId) -> K {
        self.decls[o].1.kind()
    }

    /// A second object an op names in `field` (`to`, `parent`, `ctx`, `slice`).
    fn other(&self, name: &str, path: &str, field: &str, kinds: &[K]) -> R<ObjId> {
        let fpath = member(path, field);
        match self.lookup(name) {
            Some(o) if kinds.contains(&self.kind_of(o)) => Ok(o),
            Some(o) => Err(self.err(
                &fpath,
                format!(
                    "`{name}` is {}, not a {}",
                    self.kind_of(o).a(),
                    kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
            None => Err(self.err(
                &fpath,
                format!(
                    "unknown object `{name}`{}",
                    super::error::did_you_mean(name, self.objs.keys().copied())
                ),
            )),
        }
    }

    fn thread_name(&self, given: &Option<String>, obj: &str, path: &str) -> R<Arc<str>> {
        let name = given.clone().unwrap_or_else(|| format!("{obj}.f"));
        if name.is_empty() || name.contains('#') {
            return Err(self.err(
                &member(path, "thread"),
                "thread names are non-empty and do not contain `#`",
            ));
        }
        Ok(Arc::from(name))
    }

    /// The variable `name` in the current scope: the thread's, or inside a function proc
    /// (`params`/`results`) that function's own.
    fn var(&mut self, name: &str) -> VarId {
        let key = self.scoped(name);
        let n = self.vars.len();
        *self.vars.entry(key).or_insert(n)
    }
    /// `name` as keyed in `vars`: `proc::name` inside a function proc.
    fn scoped(&self, name: &str) -> String {
        self.key_in(name, self.scope.as_deref())
    }
    /// `name` as keyed in `vars` inside function proc `scope`: a package-level variable is
    /// one name everywhere.
    pub(super) fn key_in(&self, name: &str, scope: Option<&str>) -> String {
        match scope {
            Some(f) if !self.globals.contains_key(name) => format!("{f}::{name}"),
            _ => name.to_string(),
        }
    }
    fn set_var(&mut self, name: &Option<String>) -> Option<VarId> {
        name.as_ref().map(|n| {
            let v = self.var(n);
            self.assigned.insert(v);
            v
        })
    }

    fn obj(&self, name: &str, path: &str, op: &str, kinds: &[K]) -> R<ObjId> {
        let field = member(path, "obj");
        let Some(id) = self.lookup(name) else {
            let mut known: Vec<&str> = self.objs.keys().copied().collect();
            known.sort_unstable();
            return Err(self.err(
                &field,
                format!(
                    "unknown object `{name}`{} (declared: {})",
                    super::error::did_you_mean(name, known.iter().copied()),
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
                    "op `{op}` does not apply to `{name}`, {} (it applies to: {})",
                    kind.a(),
                    K::list(kinds)
                ),
            ));
        }
        Ok(id)
    }

    /// The body of a function literal (`go func() {...}()`, `defer`, `recover`, `Do`'s f, an
    /// AfterFunc's f): it has no results of its own, whatever function encloses it.
    fn closure(&mut self, ops: &[Op], path: &str, depth: usize) -> R<BlockId> {
        let outer = self.results.take();
        let b = self.block(ops, path, depth);
        self.results = outer;
        b
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
        // What fault rules and oracles match on.
        let meta = self.op_meta(op);
        self.op_metas.push(meta);
        let d = depth + 1;
        let kind = match op {
            Op::Set { obj, key, value } => self.c_set(path, obj, key, value)?,
            Op::Get {
                obj,
                key,
                to,
                into,
                ok,
            } => self.c_get(path, obj, key, to, into, ok)?,
            Op::Delete { obj, key } => self.c_delete(path, obj, key)?,
            Op::Clear { obj } => self.c_clear(path, obj)?,
            Op::Range {
                obj,
                key,
                value,
                body: ops,
            } => self.c_range(path, d, obj, key, value, ops)?,
            Op::Clone { obj, to } => self.c_clone(path, obj, to)?,
            Op::Make { obj } => self.c_make(path, obj)?,
            Op::Len { obj, into } => self.c_len(path, obj, into)?,
            Op::Cap { obj, into } => self.c_cap(path, obj, into)?,
            Op::Send { obj, value } => self.c_send(path, obj, value)?,
            Op::Recv { obj, into, ok } => self.c_recv(path, obj, into, ok)?,
            Op::Close { obj, into } => self.c_close(path, obj, into)?,
            Op::Lock { obj } => self.c_lock(path, obj)?,
            Op::Unlock { obj } => self.c_unlock(path, obj)?,
            Op::Rlock { obj } => self.c_rlock(path, obj)?,
            Op::Runlock { obj } => self.c_runlock(path, obj)?,
            Op::Add { obj, delta, into } => self.c_add(path, obj, delta, into)?,
            Op::Done { obj } => self.c_done(path, obj)?,
            Op::Wait { obj } => self.c_wait(path, obj)?,
            Op::Signal { obj } => self.c_signal(path, obj, false)?,
            Op::Broadcast { obj } => self.c_signal(path, obj, true)?,
            Op::Do { obj, body: ops } => self.c_do(path, d, obj, ops)?,
            Op::Repeat {
                times,
                body: ops,
                index,
            } => self.c_repeat(path, d, times, ops, index)?,
            Op::Spawn { thread, body: ops } => self.c_spawn(path, d, thread, ops)?,
            Op::Select { cases } => self.c_select(path, d, cases)?,
            Op::If {
                cond,
                then,
                otherwise,
            } => self.c_if(path, d, cond, then, otherwise)?,
            Op::Call {
                proc,
                recv,
                args,
                into,
            } => self.c_call(path, proc, recv.as_deref(), args, into)?,
            Op::Defer { body: ops } => self.c_defer(path, d, ops)?,
            Op::Recover { body: ops, into } => self.c_recover(path, d, ops, into)?,
            Op::Panic { value } => self.c_panic(value)?,
            Op::Let {
                var,
                value,
                expr,
                shared,
            } => self.c_let(path, var, value, expr, *shared)?,
            Op::Yield {} => self.c_yield()?,
            Op::New { into, object } => self.c_new(path, into, object)?,
            Op::Assign { obj, value } => self.c_assign(path, obj, value)?,
            Op::Rand { n, into } => self.c_rand(*n, into)?,
            Op::For { cond, label, body } => self.c_for(path, d, cond.as_ref(), label, body)?,
            Op::Break { label } => StmtKind::Break {
                label: self.label(label),
            },
            Op::Continue { label } => StmtKind::Continue {
                label: self.label(label),
            },
            Op::Return { values } => self.c_return(path, values)?,
            Op::Sleep { duration } => self.c_sleep(path, duration)?,
            Op::NewTimer { obj, after } => self.c_new_timer(path, obj, after)?,
            Op::AfterFunc {
                obj,
                after,
                ctx,
                thread,
                body: ops,
            } => self.c_after_func(path, d, obj, after, ctx, thread, ops)?,
            Op::Stop { obj, into } => self.c_stop(path, obj, into)?,
            Op::Reset { obj, after, into } => self.c_reset(path, obj, after, into)?,
            Op::WithCancel { obj, parent } => self.c_with_cancel(path, obj, parent)?,
            Op::WithTimeout { obj, parent, after } => {
                self.c_with_timeout(path, obj, parent, after)?
            }
            Op::WithValue {
                obj,
                parent,
                key,
                value,
            } => self.c_with_value(path, obj, parent, key, value)?,
            Op::Cancel { obj, cause } => self.c_cancel(path, obj, cause)?,
            Op::Err { obj, into } => self.c_err(path, obj, into)?,
            Op::Cause { obj, into } => self.c_cause(path, obj, into)?,
            Op::Value { obj, key, into } => self.c_value(path, obj, key, into)?,
            Op::Append { obj, values, to } => self.c_append(path, obj, values, to)?,
            Op::Index { obj, index, into } => self.c_index(path, obj, index, into)?,
            Op::Store { obj, index, value } => self.c_store(path, obj, index, value)?,
            Op::Slice {
                obj,
                low,
                high,
                max,
                to,
            } => self.c_slice(path, obj, low, high, max, to)?,
            Op::Load { obj, into } => self.c_load(path, obj, into)?,
            Op::Cas { obj, old, new, ok } => self.c_cas(path, obj, old, new, ok)?,
            Op::Swap { obj, value, into } => self.c_swap(path, obj, value, into)?,
            Op::Put { obj, slice, value } => self.c_put(path, obj, slice, value)?,
            Op::Use { obj, into } => self.c_use(path, obj, into)?,
            Op::Push { obj, value } => self.c_push(path, obj, value)?,
            Op::Pop { obj, into, ok } => self.c_pop(path, obj, into, ok)?,
            Op::IsNil { obj, into } => self.c_is_nil(path, obj, into)?,
            Op::Assert {
                var,
                cond,
                eq,
                not,
                id,
                message,
            } => self.c_assert(
                path,
                control::AssertOp {
                    var,
                    cond,
                    eq,
                    not,
                    id,
                    message,
                },
            )?,
        };
        let mut kind = kind;
        let declared = self.declared;
        let reassigned = &self.reassigned;
        let mut dynamic = false;
        kind.objs_mut(&mut |o| dynamic |= *o >= declared || reassigned[*o]);
        Ok(Stmt { id, kind, dynamic })
    }
}
