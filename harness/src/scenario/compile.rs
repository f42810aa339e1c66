//! Validation and compilation of a parsed scenario. Everything a scenario can get wrong is
//! rejected here, before anything runs, with the JSON path and line:column of the culprit.

use super::error::{Location, ScenarioError};
use super::positions::{member, Positions};
use super::program::*;
use super::types::{Case, ObjectDecl, Op, Operand, ScenarioFile};
use crate::base::{ObjKind as K, Value};
use crate::catalog;
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod faults;
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
pub const MAX_THREADS: u64 = 32;
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
    blocks: Vec<Vec<Stmt>>,
    op_paths: Vec<String>,
    vars: IndexMap<String, VarId>,
    assigned: HashSet<VarId>,
    /// Variables read by conditions, with the path of the first read.
    read: Vec<(VarId, String)>,
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
    with_faults: bool,
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
            uses_time: false,
            ctx_handles: HashMap::new(),
            timer_uses: HashMap::new(),
            func_timers: HashSet::new(),
            recover_depth: 0,
            op_metas: Vec::new(),
            with_faults: false,
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
        self.with_faults = !f.faults.is_empty();
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
            self.decl(&path, decl)?;
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
        if f.procs.len() > MAX_PROCS {
            return Err(self.err(
                "$.procs",
                format!("{} procs (limit {MAX_PROCS})", f.procs.len()),
            ));
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

        let op_meta = std::mem::take(&mut self.op_metas);
        let top: Vec<String> = f.threads.keys().cloned().collect();
        let faults = self.faults(&f.faults, &top, &threads, &op_meta)?;
        let (expect, final_state) = self.expect(f)?;
        if let Some(h) = &f.explore {
            if h.iterations == Some(0) {
                return Err(self.err("$.explore.iterations", "iterations must be at least 1"));
            }
            if matches!(h.max_steps, Some(s) if s < 10) {
                return Err(self.err("$.explore.max_steps", "max_steps must be at least 10"));
            }
        }

        let mut objects = Vec::with_capacity(self.decls.len());
        for (name, decl) in &self.decls {
            let path = member("$.objects", name);
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
                setup: self.setup(&path, decl)?,
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
            vars: self.vars.into_keys().collect(),
            expect,
            final_state,
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
            op_meta,
        })
    }

    /// Validate an object declaration of the kinds beyond the sync primitives.
    fn decl(&mut self, path: &str, decl: &ObjectDecl) -> R<()> {
        match decl {
            ObjectDecl::Timer { after: Some(a) } => {
                self.dur(a, &member(path, "after"))?;
                self.uses_time = true;
            }
            ObjectDecl::Context {
                nil,
                parent,
                timeout,
                deadline,
            } => {
                if *nil && (parent.is_some() || timeout.is_some() || deadline.is_some()) {
                    return Err(self.err(path, "a nil context has no parent, timeout or deadline"));
                }
                if timeout.is_some() && deadline.is_some() {
                    return Err(self.err(path, "give `timeout` or `deadline`, not both"));
                }
                if parent.is_none() && (timeout.is_some() || deadline.is_some()) {
                    return Err(self.err(
                        path,
                        "a timeout or deadline needs a `parent` (a background context has neither)",
                    ));
                }
                for (field, d) in [("timeout", timeout), ("deadline", deadline)] {
                    if let Some(d) = d {
                        self.dur(d, &member(path, field))?;
                        self.uses_time = true;
                    }
                }
                if let Some(p) = parent {
                    let ppath = member(path, "parent");
                    match self.objs.get(p.as_str()).map(|&i| self.decls[i].1) {
                        Some(ObjectDecl::Context { nil: true, .. }) => {
                            return Err(self.err(&ppath, format!("`{p}` is a nil context: deriving from it panics at start; use a `with_cancel` op to model that")));
                        }
                        Some(ObjectDecl::Context { .. }) => {}
                        Some(other) => {
                            return Err(self.err(
                                &ppath,
                                format!("`{p}` is a {}, not a context", other.kind()),
                            ));
                        }
                        None => {
                            return Err(self.err(&ppath, format!("unknown context `{p}` (a parent is declared before its children)")));
                        }
                    }
                }
            }
            ObjectDecl::Slice {
                nil,
                elems,
                len,
                cap,
                ..
            } => {
                if *nil && (!elems.is_empty() || len.is_some() || cap.is_some()) {
                    return Err(self.err(path, "a nil slice has no elements, length or capacity"));
                }
                let l = len.unwrap_or(elems.len() as u64);
                if l < elems.len() as u64 {
                    return Err(self.err(
                        &member(path, "len"),
                        format!("len {l} is less than the {} elems given", elems.len()),
                    ));
                }
                if let Some(c) = cap {
                    if *c < l {
                        return Err(self.err(
                            &member(path, "cap"),
                            format!("len larger than cap in make: len {l}, cap {c}"),
                        ));
                    }
                }
                if cap.unwrap_or(l) > MAX_CAP {
                    return Err(self.err(path, format!("capacity above {MAX_CAP}")));
                }
            }
            ObjectDecl::Pool { new: Some(n) } if n.cap > MAX_CAP => {
                return Err(self.err(
                    &member(&member(path, "new"), "cap"),
                    format!("capacity above {MAX_CAP}"),
                ));
            }
            ObjectDecl::ShardedMap { shards, .. } if *shards == 0 || *shards > 256 => {
                return Err(self.err(
                    &member(path, "shards"),
                    format!("shards must be 1..=256 (got {shards})"),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// The start-up work of a declared object (validated by `decl`).
    fn setup(&self, path: &str, decl: &ObjectDecl) -> R<Setup> {
        Ok(match decl {
            ObjectDecl::Timer { after: Some(a) } => Setup::Timer {
                ns: self.dur(a, &member(path, "after"))?,
            },
            ObjectDecl::Context {
                nil: false,
                parent,
                timeout,
                deadline,
            } => {
                // At start `now` is 0, so a deadline is a timeout.
                let ns = match (timeout, deadline) {
                    (Some(d), _) => Some(self.dur(d, &member(path, "timeout"))?),
                    (None, Some(d)) => Some(self.dur(d, &member(path, "deadline"))?),
                    (None, None) => None,
                };
                Setup::Context {
                    parent: parent
                        .as_ref()
                        .and_then(|p| self.objs.get(p.as_str()).copied()),
                    timeout: ns,
                }
            }
            ObjectDecl::ShardedMap { shards, .. } => Setup::Shards(*shards),
            _ => Setup::None,
        })
    }

    /// A Go duration at `path`, in ns.
    fn dur(&self, text: &str, path: &str) -> R<i64> {
        crate::base::parse_duration(text).map_err(|m| self.err(path, m))
    }

    fn arg(&mut self, a: &Operand, path: &str) -> Arg {
        match a {
            Operand::Lit(v) => Arg::Lit(v.clone()),
            Operand::Var { var } => {
                let v = self.var(var);
                self.read.push((v, path.to_string()));
                Arg::Var(v)
            }
        }
    }

    fn kind_of(&self, o: ObjId) -> K {
        self.decls[o].1.kind()
    }

    /// A second object an op names in `field` (`to`, `parent`, `ctx`, `slice`).
    fn other(&self, name: &str, path: &str, field: &str, kinds: &[K]) -> R<ObjId> {
        let fpath = member(path, field);
        match self.objs.get(name) {
            Some(&o) if kinds.contains(&self.kind_of(o)) => Ok(o),
            Some(&o) => Err(self.err(
                &fpath,
                format!(
                    "`{name}` is a {}, not a {}",
                    self.kind_of(o),
                    kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
            None => Err(self.err(&fpath, format!("unknown object `{name}`"))),
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

    /// Check that a thread starting with block `b` (at `path`) nests at most [`MAX_FRAMES`]
    /// deep, and so do the goroutines and callbacks it starts (each on a stack of its own).
    fn check_frames(&self, b: BlockId, path: &str, memo: &mut HashMap<BlockId, usize>) -> R<()> {
        let n = self.frames(b, memo)?;
        if n > MAX_FRAMES {
            return Err(self.err(
                path,
                format!("bodies and calls nest {n} deep here (limit {MAX_FRAMES}): flatten a chain of procs"),
            ));
        }
        Ok(())
    }

    /// How deep one run of block `b` nests: 1 + the deepest body inside it, through calls. The
    /// call graph has no cycles (checked first), and procs are at most [`MAX_PROCS`], which
    /// bounds this recursion.
    fn frames(&self, b: BlockId, memo: &mut HashMap<BlockId, usize>) -> R<usize> {
        if let Some(&n) = memo.get(&b) {
            return Ok(n);
        }
        let mut deepest = 0;
        for s in &self.blocks[b] {
            let inner = match &s.kind {
                StmtKind::Spawn { body, .. }
                | StmtKind::TimerAfterFunc { body, .. }
                | StmtKind::CtxAfterFunc { body, .. } => {
                    self.check_frames(*body, &self.op_paths[s.id], memo)?;
                    0
                }
                StmtKind::Repeat { body, .. }
                | StmtKind::DsMap {
                    op: DsMapOp::Range { body, .. },
                    ..
                }
                | StmtKind::MapRange { body, .. }
                | StmtKind::OnceDo { body, .. }
                | StmtKind::Call { body }
                | StmtKind::Defer { body }
                | StmtKind::Recover { body, .. } => self.frames(*body, memo)?,
                StmtKind::If {
                    then, otherwise, ..
                } => self
                    .frames(*then, memo)?
                    .max(self.frames(*otherwise, memo)?),
                StmtKind::Select { cases, default } => {
                    let mut best = 0;
                    for body in cases.iter().map(|c| c.body).chain(*default) {
                        best = best.max(self.frames(body, memo)?);
                    }
                    best
                }
                _ => 0,
            };
            deepest = deepest.max(inner);
        }
        memo.insert(b, deepest + 1);
        Ok(deepest + 1)
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
                StmtKind::Spawn { body, .. }
                | StmtKind::TimerAfterFunc { body, .. }
                | StmtKind::CtxAfterFunc { body, .. } => {
                    let (_, t) = self.bounds(*body, memo)?;
                    (1, t.saturating_add(1))
                }
                // A Reset of an AfterFunc timer runs f once more.
                StmtKind::TimerReset { t, .. } if self.func_timers.contains(t) => (0, 1),
                StmtKind::DsMap {
                    op: DsMapOp::Range { body, .. },
                    ..
                } => self.bounds(*body, memo)?,
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

    fn obj(&self, name: &str, path: &str, op: &str, kinds: &[K]) -> R<ObjId> {
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
                    K::list(kinds)
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
        // What fault rules match on; only scenarios with rules need it.
        if self.with_faults {
            let meta = self.op_meta(op);
            self.op_metas.push(meta);
        }
        let d = depth + 1;
        let body = |c: &mut Self, ops: &[Op], field: &str| c.block(ops, &member(path, field), d);
        const MAP: &[K] = &[K::Map];
        const CHAN: &[K] = &[K::Chan];
        const RECV: &[K] = &[K::Chan, K::Timer, K::Context];
        let kind = match op {
            Op::Set { obj, key, value } => {
                let m = self.obj(obj, path, "set", K::MAP_LIKE)?;
                let key = self.arg(key, &member(path, "key"));
                let value = self.arg(value, &member(path, "value"));
                if self.kind_of(m) == K::Map {
                    StmtKind::MapSet { m, key, value }
                } else {
                    StmtKind::DsMap {
                        m,
                        op: DsMapOp::Set { key, value },
                    }
                }
            }
            Op::Get {
                obj,
                key,
                to,
                into,
                ok,
            } => {
                let o = self.obj(
                    obj,
                    path,
                    "get",
                    &[
                        K::Map,
                        K::RwmutexMap,
                        K::ShardedMap,
                        K::SyncMap,
                        K::CowMap,
                        K::Pool,
                    ],
                )?;
                if self.kind_of(o) == K::Pool {
                    if key.is_some() || into.is_some() || ok.is_some() {
                        return Err(self.err(path, "a pool's get takes `to` (a slice object) only"));
                    }
                    let Some(to) = to else {
                        return Err(
                            self.err(path, "a pool's get needs `to`: the slice object it assigns")
                        );
                    };
                    StmtKind::PoolGet {
                        p: o,
                        to: Some(self.other(to, path, "to", &[K::Slice])?),
                        into: None,
                    }
                } else {
                    if to.is_some() {
                        return Err(self.err(
                            &member(path, "to"),
                            "`to` is for pools; a map's get sets `into` and `ok`",
                        ));
                    }
                    let Some(key) = key else {
                        return Err(self.err(path, "a map's get needs `key`"));
                    };
                    let key = self.arg(key, &member(path, "key"));
                    let (into, ok) = (self.set_var(into), self.set_var(ok));
                    if self.kind_of(o) == K::Map {
                        StmtKind::MapGet {
                            m: o,
                            key,
                            into,
                            ok,
                        }
                    } else {
                        StmtKind::DsMap {
                            m: o,
                            op: DsMapOp::Get { key, into, ok },
                        }
                    }
                }
            }
            Op::Delete { obj, key } => {
                let m = self.obj(obj, path, "delete", K::MAP_LIKE)?;
                let key = self.arg(key, &member(path, "key"));
                if self.kind_of(m) == K::Map {
                    StmtKind::MapDelete { m, key }
                } else {
                    StmtKind::DsMap {
                        m,
                        op: DsMapOp::Delete { key },
                    }
                }
            }
            Op::Clear { obj } => StmtKind::MapClear {
                m: self.obj(obj, path, "clear", MAP)?,
            },
            Op::Range {
                obj,
                key,
                value,
                body: ops,
            } => {
                let m = self.obj(obj, path, "range", K::MAP_LIKE)?;
                let (key, value) = (self.set_var(key), self.set_var(value));
                let body = body(self, ops, "body")?;
                if self.kind_of(m) == K::Map {
                    StmtKind::MapRange {
                        m,
                        key,
                        value,
                        body,
                    }
                } else {
                    StmtKind::DsMap {
                        m,
                        op: DsMapOp::Range { key, value, body },
                    }
                }
            }
            Op::Clone { obj, to } => {
                let m = self.obj(obj, path, "clone", MAP)?;
                let to_path = member(path, "to");
                let to = match self.objs.get(to.as_str()) {
                    Some(&t) if self.decls[t].1.kind() == K::Map => t,
                    Some(_) => return Err(self.err(&to_path, format!("`{to}` is not a map"))),
                    None => return Err(self.err(&to_path, format!("unknown object `{to}`"))),
                };
                StmtKind::MapClone { m, to }
            }
            Op::Make { obj } => StmtKind::MapMake {
                m: self.obj(obj, path, "make", MAP)?,
            },
            Op::Len { obj, into } => {
                let o = self.obj(
                    obj,
                    path,
                    "len",
                    &[
                        K::Map,
                        K::Chan,
                        K::Slice,
                        K::RwmutexMap,
                        K::ShardedMap,
                        K::CowMap,
                    ],
                )?;
                let into = self.set_var(&Some(into.clone())).expect("some");
                match self.kind_of(o) {
                    K::Map => StmtKind::MapLen { m: o, into },
                    K::Chan => StmtKind::ChanLen { ch: o, into },
                    K::Slice => StmtKind::SliceLen {
                        s: o,
                        into,
                        cap: false,
                    },
                    _ => StmtKind::DsMap {
                        m: o,
                        op: DsMapOp::Len { into },
                    },
                }
            }
            Op::Cap { obj, into } => StmtKind::SliceLen {
                s: self.obj(obj, path, "cap", &[K::Slice])?,
                into: self.set_var(&Some(into.clone())).expect("some"),
                cap: true,
            },
            Op::Send { obj, value } => StmtKind::Send {
                ch: self.obj(obj, path, "send", CHAN)?,
                value: value.clone(),
            },
            Op::Recv { obj, into, ok } => StmtKind::Recv {
                ch: self.obj(obj, path, "recv", RECV)?,
                into: self.set_var(into),
                ok: self.set_var(ok),
            },
            Op::Close { obj, into } => {
                let o = self.obj(obj, path, "close", &[K::Chan, K::Handle])?;
                if self.kind_of(o) == K::Handle {
                    StmtKind::HandleClose {
                        h: o,
                        into: self.set_var(into),
                    }
                } else {
                    if into.is_some() {
                        return Err(
                            self.err(&member(path, "into"), "closing a channel returns nothing")
                        );
                    }
                    StmtKind::Close { ch: o }
                }
            }
            Op::Lock { obj } => {
                let o = self.obj(obj, path, "lock", &[K::Mutex, K::Rwmutex])?;
                if self.decls[o].1.kind() == K::Mutex {
                    StmtKind::Lock { mu: o }
                } else {
                    StmtKind::RwLock { rw: o }
                }
            }
            Op::Unlock { obj } => {
                let o = self.obj(obj, path, "unlock", &[K::Mutex, K::Rwmutex])?;
                if self.decls[o].1.kind() == K::Mutex {
                    StmtKind::Unlock { mu: o }
                } else {
                    StmtKind::RwUnlock { rw: o }
                }
            }
            Op::Rlock { obj } => StmtKind::RLock {
                rw: self.obj(obj, path, "rlock", &[K::Rwmutex])?,
            },
            Op::Runlock { obj } => StmtKind::RUnlock {
                rw: self.obj(obj, path, "runlock", &[K::Rwmutex])?,
            },
            Op::Add { obj, delta, into } => {
                let wg = self.obj(obj, path, "add", &[K::Waitgroup, K::Atomic])?;
                if self.kind_of(wg) == K::Atomic {
                    return Ok(Stmt {
                        id,
                        kind: StmtKind::AtomicAdd {
                            a: wg,
                            delta: *delta,
                            into: self.set_var(into),
                        },
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
            }
            Op::Done { obj } => StmtKind::WgAdd {
                wg: self.obj(obj, path, "done", &[K::Waitgroup])?,
                delta: -1,
            },
            Op::Wait { obj } => StmtKind::WgWait {
                wg: self.obj(obj, path, "wait", &[K::Waitgroup])?,
            },
            Op::Do { obj, body: ops } => StmtKind::OnceDo {
                once: self.obj(obj, path, "do", &[K::Once])?,
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
                    guarded: self.recover_depth > 0,
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
                            let ch = self.obj(obj, &cpath, "recv", RECV)?;
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
                        Case::After { after, body: ops } => {
                            let ns = self.dur(after, &member(&cpath, "after"))?;
                            self.uses_time = true;
                            specs.push(CaseSpec {
                                op: CaseOp::After { ns },
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
            Op::Recover { body: ops, into } => {
                self.recover_depth += 1;
                let b = body(self, ops, "body");
                self.recover_depth -= 1;
                StmtKind::Recover {
                    body: b?,
                    into: self.set_var(into),
                }
            }
            Op::Panic { value } => StmtKind::Panic {
                value: value.clone(),
            },
            Op::Let { var, value } => StmtKind::Let {
                var: self.set_var(&Some(var.clone())).expect("some"),
                value: value.clone(),
            },
            Op::Yield {} => StmtKind::Yield,
            _ => self.stmt_more(op, path, d)?,
        };
        Ok(Stmt { id, kind })
    }

    /// The ops of the ports beyond the core loop: time, context, slice, atomic, pool, handle,
    /// data structures, and the checks.
    fn stmt_more(&mut self, op: &Op, path: &str, d: usize) -> R<StmtKind> {
        let body = |c: &mut Self, ops: &[Op], field: &str| c.block(ops, &member(path, field), d);
        Ok(match op {
            Op::Sleep { duration } => {
                self.uses_time = true;
                StmtKind::Sleep {
                    ns: self.dur(duration, &member(path, "for"))?,
                }
            }
            Op::NewTimer { obj, after } => {
                let t = self.obj(obj, path, "new_timer", &[K::Timer])?;
                self.uses_time = true;
                self.timer_uses.entry(t).or_insert_with(|| path.to_string());
                StmtKind::NewTimer {
                    t,
                    ns: self.dur(after, &member(path, "after"))?,
                }
            }
            Op::AfterFunc {
                obj,
                after,
                ctx,
                thread,
                body: ops,
            } => {
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
                    _ => return Err(self.err(
                        path,
                        "give `after` (time.AfterFunc) or `ctx` (context.AfterFunc), exactly one",
                    )),
                }
            }
            Op::Stop { obj, into } => StmtKind::TimerStop {
                t: self.obj(obj, path, "stop", &[K::Timer])?,
                into: self.set_var(into),
            },
            Op::Reset { obj, after, into } => {
                let t = self.obj(obj, path, "reset", &[K::Timer])?;
                self.uses_time = true;
                self.timer_uses.entry(t).or_insert_with(|| path.to_string());
                StmtKind::TimerReset {
                    t,
                    ns: self.dur(after, &member(path, "after"))?,
                    into: self.set_var(into),
                }
            }
            Op::WithCancel { obj, parent } => StmtKind::WithCancel {
                ctx: self.obj(obj, path, "with_cancel", &[K::Context])?,
                parent: self.other(parent, path, "parent", &[K::Context])?,
                timeout: None,
            },
            Op::WithTimeout { obj, parent, after } => {
                self.uses_time = true;
                StmtKind::WithCancel {
                    ctx: self.obj(obj, path, "with_timeout", &[K::Context])?,
                    parent: self.other(parent, path, "parent", &[K::Context])?,
                    timeout: Some(self.dur(after, &member(path, "after"))?),
                }
            }
            Op::WithValue {
                obj,
                parent,
                key,
                value,
            } => StmtKind::WithValue {
                ctx: self.obj(obj, path, "with_value", &[K::Context])?,
                parent: self.other(parent, path, "parent", &[K::Context])?,
                key: key.clone(),
                value: value.clone(),
            },
            Op::Cancel { obj, cause } => StmtKind::Cancel {
                ctx: self.obj(obj, path, "cancel", &[K::Context])?,
                cause: cause.clone(),
            },
            Op::Err { obj, into } => StmtKind::CtxErr {
                ctx: self.obj(obj, path, "err", &[K::Context])?,
                into: self.set_var(&Some(into.clone())).expect("some"),
                cause: false,
            },
            Op::Cause { obj, into } => StmtKind::CtxErr {
                ctx: self.obj(obj, path, "cause", &[K::Context])?,
                into: self.set_var(&Some(into.clone())).expect("some"),
                cause: true,
            },
            Op::Value { obj, key, into } => StmtKind::CtxValue {
                ctx: self.obj(obj, path, "value", &[K::Context])?,
                key: key.clone(),
                into: self.set_var(&Some(into.clone())).expect("some"),
            },
            Op::Append { obj, values, to } => {
                let s = self.obj(obj, path, "append", &[K::Slice])?;
                let to = match to {
                    Some(t) => self.other(t, path, "to", &[K::Slice])?,
                    None => s,
                };
                let values = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.arg(v, &format!("{}[{i}]", member(path, "values"))))
                    .collect();
                StmtKind::Append { s, values, to }
            }
            Op::Index { obj, index, into } => StmtKind::Index {
                s: self.obj(obj, path, "index", &[K::Slice])?,
                index: *index,
                into: self.set_var(&Some(into.clone())).expect("some"),
            },
            Op::Store { obj, index, value } => {
                let o = self.obj(obj, path, "store", &[K::Slice, K::Atomic])?;
                let value = self.arg(value, &member(path, "value"));
                match (self.kind_of(o), index) {
                    (K::Slice, Some(i)) => StmtKind::SliceStore {
                        s: o,
                        index: *i,
                        value,
                    },
                    (K::Slice, None) => {
                        return Err(self.err(path, "storing into a slice needs `index`"))
                    }
                    (_, Some(_)) => {
                        return Err(self.err(&member(path, "index"), "an atomic cell has no index"))
                    }
                    (_, None) => StmtKind::AtomicStore { a: o, value },
                }
            }
            Op::Slice {
                obj,
                low,
                high,
                max,
                to,
            } => {
                if max.is_some() && high.is_none() {
                    return Err(self.err(
                        &member(path, "max"),
                        "middle index required in 3-index slice",
                    ));
                }
                StmtKind::Reslice {
                    s: self.obj(obj, path, "slice", &[K::Slice])?,
                    low: *low,
                    high: *high,
                    max: *max,
                    to: self.other(to, path, "to", &[K::Slice])?,
                }
            }
            Op::Load { obj, into } => StmtKind::AtomicLoad {
                a: self.obj(obj, path, "load", &[K::Atomic])?,
                into: self.set_var(&Some(into.clone())).expect("some"),
            },
            Op::Cas { obj, old, new, ok } => StmtKind::AtomicCas {
                a: self.obj(obj, path, "cas", &[K::Atomic])?,
                old: self.arg(old, &member(path, "old")),
                new: self.arg(new, &member(path, "new")),
                ok: self.set_var(ok),
            },
            Op::Swap { obj, value, into } => StmtKind::AtomicSwap {
                a: self.obj(obj, path, "swap", &[K::Atomic])?,
                value: self.arg(value, &member(path, "value")),
                into: self.set_var(into),
            },
            Op::Put { obj, slice, value } => {
                let p = self.obj(obj, path, "put", &[K::Pool])?;
                match (slice, value) {
                    (Some(sl), None) => StmtKind::PoolPut {
                        p,
                        slice: Some(self.other(sl, path, "slice", &[K::Slice])?),
                        value: None,
                    },
                    (None, Some(crate::base::Value::Nil)) => StmtKind::PoolPut {
                        p,
                        slice: None,
                        value: Some(crate::base::Value::Nil),
                    },
                    (None, Some(_)) => {
                        return Err(self.err(
                            &member(path, "value"),
                            "a pool holds slices: put a `slice` object, or `value: null` (ignored)",
                        ))
                    }
                    _ => return Err(self.err(path, "give `slice` or `value: null`, exactly one")),
                }
            }
            Op::Use { obj, into } => StmtKind::HandleUse {
                h: self.obj(obj, path, "use", &[K::Handle])?,
                into: self.set_var(into),
            },
            Op::Push { obj, value } => StmtKind::Push {
                s: self.obj(obj, path, "push", K::STACKS)?,
                value: self.arg(value, &member(path, "value")),
            },
            Op::Pop { obj, into, ok } => StmtKind::Pop {
                s: self.obj(obj, path, "pop", K::STACKS)?,
                into: self.set_var(into),
                ok: self.set_var(ok),
            },
            Op::IsNil { obj, into } => StmtKind::IsNil {
                obj: self.obj(
                    obj,
                    path,
                    "is_nil",
                    &[K::Map, K::Chan, K::Slice, K::Context],
                )?,
                into: self.set_var(&Some(into.clone())).expect("some"),
            },
            Op::Assert {
                var,
                eq,
                not,
                id,
                message,
            } => {
                let v = self.var(var);
                self.read.push((v, member(path, "var")));
                if let Some(id) = id {
                    if !catalog::is_known(id) {
                        return Err(self.err(
                            &member(path, "id"),
                            format!("unknown catalog id `{id}` (see `hazard list`)"),
                        ));
                    }
                }
                StmtKind::Assert {
                    var: v,
                    eq: eq.clone(),
                    not: *not,
                    id: id.clone().unwrap_or_else(|| "assertion".into()),
                    message: message.clone(),
                }
            }
            _ => unreachable!("the core ops are compiled by `stmt`"),
        })
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
                ("elems", a.elems.is_some()),
                ("cap", a.cap.is_some()),
                ("conserved", a.conserved.is_some()),
                ("holds", a.holds.is_some()),
                ("cancelled", a.cancelled.is_some()),
            ]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
            let allowed: &[&str] = match kind {
                K::Map | K::RwmutexMap | K::ShardedMap | K::SyncMap | K::CowMap => {
                    &["len", "key", "value", "absent"]
                }
                K::Chan => &["len", "closed"],
                K::Handle => &["closed"],
                K::Slice => &["len", "cap", "elems"],
                K::TreiberStack | K::StampedStack | K::EpochStack => &["len", "elems", "conserved"],
                K::Atomic => &["holds"],
                K::Context => &["cancelled"],
                K::Mutex | K::Rwmutex => &["locked"],
                K::Waitgroup => &["count"],
                K::Once | K::Timer | K::Pool => &[],
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
