//! A validated scenario, compiled for the interpreter: objects, variables and blocks resolved
//! to indices, every op tagged with its JSON path.

use super::rules::{FaultSpec, OpMeta};
use super::types::{
    Assertion, ClockMode, ExpectFailure, ExploreHints, FaultKind, FaultMode, Lifetime, ObjectDecl,
    RaceMode, Variant,
};
use crate::base::Value;
use std::sync::Arc;

/// Steps an op is allowed on average in a program whose loops all have static bounds: an op
/// takes one to a few scheduling points, more when it retries after a wake-up.
pub const STEPS_PER_OP: u64 = 64;

/// Index of an object in [`Program::objects`].
pub type ObjId = usize;
/// Index of an op in [`Program::op_paths`].
pub type OpId = usize;
/// Index of a thread-local variable in [`Program::vars`].
pub type VarId = usize;
/// Index of a block in [`Program::blocks`].
pub type BlockId = usize;
/// Index of a loop label in [`Program::labels`].
pub type LabelId = usize;

#[derive(Debug, Clone)]
pub struct ObjSpec {
    /// Shared, so ports can carry it into trace text without allocating.
    pub name: Arc<str>,
    pub decl: ObjectDecl,
    /// Zero value of the element (chan) or value (map) type.
    pub zero: Value,
    /// What the object needs when an execution starts, resolved once here.
    pub setup: Setup,
}

/// Start-up work beyond an object's initial state (durations parsed, names resolved).
#[derive(Debug, Clone, PartialEq)]
pub enum Setup {
    None,
    /// `time.NewTimer(ns)`.
    Timer {
        ns: i64,
    },
    /// `context.Background()`, or derived from `parent` (`WithTimeout` with `timeout`).
    Context {
        parent: Option<ObjId>,
        timeout: Option<i64>,
    },
    /// The shards of a sharded map.
    Shards(u32),
}

#[derive(Debug, Clone)]
pub struct ThreadSpec {
    pub name: String,
    pub body: BlockId,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub id: OpId,
    pub kind: StmtKind,
    /// It names an object through a variable (see [`Program::obj_vars`]): which object is
    /// known only when it runs.
    pub dynamic: bool,
}

#[derive(Debug, Clone)]
pub enum StmtKind {
    MapSet {
        m: ObjId,
        key: Arg,
        value: Arg,
    },
    MapGet {
        m: ObjId,
        key: Arg,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    MapDelete {
        m: ObjId,
        key: Arg,
    },
    MapClear {
        m: ObjId,
    },
    MapRange {
        m: ObjId,
        key: Option<VarId>,
        value: Option<VarId>,
        body: BlockId,
    },
    MapClone {
        m: ObjId,
        to: ObjId,
    },
    MapMake {
        m: ObjId,
    },
    MapLen {
        m: ObjId,
        into: VarId,
    },
    ChanLen {
        ch: ObjId,
        into: VarId,
    },
    Send {
        ch: ObjId,
        value: Arg,
    },
    Recv {
        ch: ObjId,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    Close {
        ch: ObjId,
    },
    Lock {
        mu: ObjId,
    },
    Unlock {
        mu: ObjId,
    },
    RwLock {
        rw: ObjId,
    },
    RwUnlock {
        rw: ObjId,
    },
    RLock {
        rw: ObjId,
    },
    RUnlock {
        rw: ObjId,
    },
    WgAdd {
        wg: ObjId,
        /// An int: a literal, or a variable or expression checked to be one.
        delta: Arg,
    },
    WgWait {
        wg: ObjId,
    },
    /// `c.Wait()` on a Cond whose L is `locker`.
    CondWait {
        c: ObjId,
        locker: Locker,
    },
    /// `c.Signal()`, or `c.Broadcast()` when `all`.
    CondSignal {
        c: ObjId,
        all: bool,
    },
    OnceDo {
        once: ObjId,
        body: BlockId,
    },
    Repeat {
        times: Count,
        /// `for index := range times`: the iteration, 0 first.
        index: Option<VarId>,
        body: BlockId,
    },
    Spawn {
        name: String,
        body: BlockId,
        /// Spawned inside a `recover` scope of its spawner, which does not protect it
        /// (`panic-other-thread`).
        guarded: bool,
    },
    Select {
        cases: Vec<CaseSpec>,
        default: Option<BlockId>,
    },
    If {
        test: Test,
        then: BlockId,
        otherwise: BlockId,
    },
    /// `for key, value := range s { body }` over a slice.
    SliceRange {
        s: ObjId,
        key: Option<VarId>,
        value: Option<VarId>,
        body: BlockId,
    },
    /// `for value := range ch { body }`: until the channel is closed and drained.
    ChanRange {
        ch: ObjId,
        value: Option<VarId>,
        body: BlockId,
    },
    /// `for [cond] { body }`; `cond` as in `If`.
    For {
        cond: Option<Test>,
        label: Option<LabelId>,
        body: BlockId,
    },
    Break {
        label: Option<LabelId>,
    },
    Continue {
        label: Option<LabelId>,
    },
    /// `return`, setting the enclosing function's `results` from `values` first when given.
    Return {
        values: Vec<Arg>,
        results: Vec<VarId>,
    },
    /// `into... = proc(args...)`; `func` is the proc's function when it has variables of its
    /// own (`Program::funcs`), `None` for an op-list proc on the caller's variables.
    Call {
        body: BlockId,
        func: Option<usize>,
        args: Vec<Arg>,
        into: Vec<VarId>,
    },
    Defer {
        body: BlockId,
    },
    Recover {
        body: BlockId,
        into: Option<VarId>,
    },
    Panic {
        value: Value,
    },
    Let {
        var: VarId,
        value: Arg,
        /// A `shared` let: a new variable (memory goroutines started later share).
        fresh: bool,
    },
    Yield,
    /// Declared object `slot` now names what `value` refers to (`w.ch = nil`).
    Assign {
        slot: ObjId,
        value: Arg,
    },
    /// Field `field` of the struct `base` names is set to `value`: a reference for an object
    /// field, a value for a value field.
    AssignField {
        base: ObjId,
        field: usize,
        value: Arg,
    },
    /// `into = make(...)` / `new(...)`: a new instance of `Program::new_objs[spec]`.
    New {
        spec: usize,
        into: VarId,
    },
    /// `into = rand.Intn(n)`.
    Rand {
        n: i64,
        into: VarId,
    },
    Sleep {
        ns: i64,
    },
    NewTimer {
        t: ObjId,
        ns: i64,
    },
    /// `time.AfterFunc`.
    TimerAfterFunc {
        t: ObjId,
        ns: i64,
        thread: Arc<str>,
        body: BlockId,
    },
    /// `context.AfterFunc`, its stop kept in `h`.
    CtxAfterFunc {
        h: ObjId,
        ctx: ObjId,
        thread: Arc<str>,
        body: BlockId,
    },
    TimerStop {
        t: ObjId,
        into: Option<VarId>,
    },
    TimerReset {
        t: ObjId,
        ns: i64,
        into: Option<VarId>,
    },
    WithCancel {
        ctx: ObjId,
        parent: ObjId,
        /// `WithTimeout`'s duration.
        timeout: Option<i64>,
    },
    WithValue {
        ctx: ObjId,
        parent: ObjId,
        key: Value,
        value: Value,
    },
    Cancel {
        ctx: ObjId,
        cause: Option<String>,
    },
    CtxErr {
        ctx: ObjId,
        into: VarId,
        cause: bool,
    },
    CtxValue {
        ctx: ObjId,
        key: Value,
        into: VarId,
    },
    Append {
        s: ObjId,
        values: Vec<Arg>,
        to: ObjId,
    },
    Index {
        s: ObjId,
        /// Ints (literals, or variables and expressions checked to be ints).
        index: Arg,
        into: VarId,
    },
    SliceStore {
        s: ObjId,
        index: Arg,
        value: Arg,
    },
    Reslice {
        s: ObjId,
        low: Option<Arg>,
        high: Option<Arg>,
        max: Option<Arg>,
        to: ObjId,
    },
    SliceLen {
        s: ObjId,
        into: VarId,
        cap: bool,
    },
    AtomicLoad {
        a: ObjId,
        into: VarId,
    },
    AtomicStore {
        a: ObjId,
        value: Arg,
    },
    AtomicCas {
        a: ObjId,
        old: Arg,
        new: Arg,
        ok: Option<VarId>,
    },
    AtomicSwap {
        a: ObjId,
        value: Arg,
        into: Option<VarId>,
    },
    AtomicAdd {
        a: ObjId,
        delta: Arg,
        into: Option<VarId>,
    },
    PoolGet {
        p: ObjId,
        to: Option<ObjId>,
        into: Option<VarId>,
    },
    PoolPut {
        p: ObjId,
        slice: Option<ObjId>,
        value: Option<Value>,
    },
    HandleUse {
        h: ObjId,
        into: Option<VarId>,
    },
    HandleClose {
        h: ObjId,
        into: Option<VarId>,
    },
    /// An op on a map data structure (rwmutex-map, sharded-map, sync-map, cow-map).
    DsMap {
        m: ObjId,
        op: DsMapOp,
    },
    Push {
        s: ObjId,
        value: Arg,
    },
    Pop {
        s: ObjId,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    IsNil {
        obj: ObjId,
        into: VarId,
    },
    Assert {
        test: Test,
        id: String,
        message: Option<String>,
    },
}

impl StmtKind {
    /// Call `f` on every object id the statement names, including `len(obj)` in its
    /// expressions (not in nested bodies: those are statements of their own). Exhaustive: a
    /// new op that names an object is a compile error here until it says where.
    pub fn objs_mut(&mut self, f: &mut dyn FnMut(&mut ObjId)) {
        self.objs_mut_in(&mut |o, _| f(o));
    }

    /// As [`StmtKind::objs_mut`], telling each object id whether an expression reads it
    /// (`c == nil`, `x := p`: a value, which may be a nil pointer) rather than the op using it.
    pub fn objs_mut_in(&mut self, g: &mut dyn FnMut(&mut ObjId, bool)) {
        use StmtKind as S;
        let in_expr = std::cell::Cell::new(false);
        let f: &mut dyn FnMut(&mut ObjId) = &mut |o| g(o, in_expr.get());
        let expr = |e: &mut Expr, f: &mut dyn FnMut(&mut ObjId)| {
            in_expr.set(true);
            e.objs_mut(f);
            in_expr.set(false);
        };
        let test = |t: &mut Test, f: &mut dyn FnMut(&mut ObjId)| {
            in_expr.set(true);
            t.objs_mut(f);
            in_expr.set(false);
        };
        let arg = |a: &mut Arg, f: &mut dyn FnMut(&mut ObjId)| {
            if let Arg::Expr(e) = a {
                expr(e, f);
            }
        };
        match self {
            S::MapSet { m, key, value } => {
                f(m);
                arg(key, f);
                arg(value, f);
            }
            S::MapGet { m, key, .. } | S::MapDelete { m, key } => {
                f(m);
                arg(key, f);
            }
            S::MapClear { m }
            | S::MapRange { m, .. }
            | S::MapMake { m }
            | S::MapLen { m, .. }
            | S::ChanLen { ch: m, .. }
            | S::Recv { ch: m, .. }
            | S::Close { ch: m }
            | S::Lock { mu: m }
            | S::Unlock { mu: m }
            | S::RwLock { rw: m }
            | S::RwUnlock { rw: m }
            | S::RLock { rw: m }
            | S::RUnlock { rw: m }
            | S::WgWait { wg: m }
            | S::CondSignal { c: m, .. }
            | S::OnceDo { once: m, .. }
            | S::SliceRange { s: m, .. }
            | S::ChanRange { ch: m, .. }
            | S::NewTimer { t: m, .. }
            | S::TimerAfterFunc { t: m, .. }
            | S::TimerStop { t: m, .. }
            | S::TimerReset { t: m, .. }
            | S::Cancel { ctx: m, .. }
            | S::CtxErr { ctx: m, .. }
            | S::CtxValue { ctx: m, .. }
            | S::SliceLen { s: m, .. }
            | S::AtomicLoad { a: m, .. }
            | S::HandleUse { h: m, .. }
            | S::HandleClose { h: m, .. }
            | S::Pop { s: m, .. }
            | S::IsNil { obj: m, .. } => f(m),
            S::MapClone { m, to } => {
                f(m);
                f(to);
            }
            S::Reslice {
                s,
                low,
                high,
                max,
                to,
            } => {
                f(s);
                f(to);
                for a in [low, high, max].into_iter().flatten() {
                    arg(a, f);
                }
            }
            S::Index { s, index, .. } => {
                f(s);
                arg(index, f);
            }
            S::CtxAfterFunc { h, ctx, .. } => {
                f(h);
                f(ctx);
            }
            S::WithCancel { ctx, parent, .. } | S::WithValue { ctx, parent, .. } => {
                f(ctx);
                f(parent);
            }
            S::Send { ch, value }
            | S::WgAdd {
                wg: ch,
                delta: value,
            }
            | S::AtomicAdd {
                a: ch,
                delta: value,
                ..
            } => {
                f(ch);
                arg(value, f);
            }
            S::CondWait { c, locker } => {
                f(c);
                match locker {
                    Locker::Mutex(l) | Locker::RwMutex(l) | Locker::RLocker(l) => f(l),
                }
            }
            S::Append { s, values, to } => {
                f(s);
                for v in values {
                    arg(v, f);
                }
                f(to);
            }
            S::SliceStore { s, index, value } => {
                f(s);
                arg(index, f);
                arg(value, f);
            }
            S::AtomicStore { a: s, value }
            | S::AtomicSwap { a: s, value, .. }
            | S::Push { s, value } => {
                f(s);
                arg(value, f);
            }
            S::AtomicCas { a, old, new, .. } => {
                f(a);
                arg(old, f);
                arg(new, f);
            }
            S::PoolGet { p, to, .. } => {
                f(p);
                if let Some(t) = to {
                    f(t);
                }
            }
            S::PoolPut { p, slice, .. } => {
                f(p);
                if let Some(t) = slice {
                    f(t);
                }
            }
            S::DsMap { m, op } => {
                f(m);
                match op {
                    DsMapOp::Set { key, value } => {
                        arg(key, f);
                        arg(value, f);
                    }
                    DsMapOp::Get { key, .. } | DsMapOp::Delete { key } => arg(key, f),
                    DsMapOp::Len { .. } | DsMapOp::Range { .. } => {}
                }
            }
            S::Select { cases, .. } => {
                for c in cases {
                    match &mut c.op {
                        CaseOp::Recv { ch, .. } => f(ch),
                        CaseOp::Send { ch, value } => {
                            f(ch);
                            arg(value, f);
                        }
                        CaseOp::After { .. } => {}
                    }
                }
            }
            S::Repeat { times, .. } => {
                if let Count::Expr(e) = times {
                    expr(e, f);
                }
            }
            S::If { test: t, .. } | S::Assert { test: t, .. } => test(t, f),
            S::For { cond, .. } => {
                if let Some(t) = cond {
                    test(t, f);
                }
            }
            S::Return { values, .. } | S::Call { args: values, .. } => {
                for v in values {
                    arg(v, f);
                }
            }
            // The slot itself is not resolved: it is what changes.
            S::Let { value, .. } | S::Assign { value, .. } => arg(value, f),
            S::AssignField { base, value, .. } => {
                f(base);
                arg(value, f);
            }
            S::Spawn { .. }
            | S::Break { .. }
            | S::Continue { .. }
            | S::Defer { .. }
            | S::Recover { .. }
            | S::Panic { .. }
            | S::Yield
            | S::New { .. }
            | S::Rand { .. }
            | S::Sleep { .. } => {}
        }
    }

    /// The bodies nested in this statement, each with the thread name it runs as when it is a
    /// new goroutine (a spawn's or a callback's body), `None` when the current thread runs it.
    pub fn bodies(&self) -> Vec<(BlockId, Option<&str>)> {
        match self {
            StmtKind::Spawn { name, body, .. } => vec![(*body, Some(name.as_str()))],
            StmtKind::TimerAfterFunc { thread, body, .. }
            | StmtKind::CtxAfterFunc { thread, body, .. } => vec![(*body, Some(&**thread))],
            StmtKind::Repeat { body, .. }
            | StmtKind::For { body, .. }
            | StmtKind::ChanRange { body, .. }
            | StmtKind::SliceRange { body, .. }
            | StmtKind::DsMap {
                op: DsMapOp::Range { body, .. },
                ..
            }
            | StmtKind::MapRange { body, .. }
            | StmtKind::OnceDo { body, .. }
            | StmtKind::Call { body, .. }
            | StmtKind::Defer { body }
            | StmtKind::Recover { body, .. } => vec![(*body, None)],
            StmtKind::If {
                then, otherwise, ..
            } => vec![(*then, None), (*otherwise, None)],
            StmtKind::Select { cases, default } => cases
                .iter()
                .map(|c| c.body)
                .chain(*default)
                .map(|b| (b, None))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the op starts a timer (what a `clock-skew` fault shifts).
    pub fn starts_timer(&self) -> bool {
        match self {
            StmtKind::Sleep { .. }
            | StmtKind::NewTimer { .. }
            | StmtKind::TimerAfterFunc { .. }
            | StmtKind::TimerReset { .. }
            | StmtKind::WithCancel {
                timeout: Some(_), ..
            } => true,
            StmtKind::Select { cases, .. } => {
                cases.iter().any(|c| matches!(c.op, CaseOp::After { .. }))
            }
            _ => false,
        }
    }
}

/// An object an op names that is known only when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynObj {
    /// What a variable holds.
    Var(VarId, crate::base::ObjKind),
    /// An object field of a struct (`w.mu`): field `field` of the struct `base` names.
    Field {
        base: ObjId,
        field: usize,
        kind: crate::base::ObjKind,
    },
}

/// A function proc: its parameters, results and every variable of its own (reset to zero
/// values each call: a Go function's locals are fresh per call).
#[derive(Debug, Clone)]
pub struct Func {
    pub name: String,
    pub params: Vec<VarId>,
    pub results: Vec<VarId>,
    pub locals: Vec<VarId>,
}

/// A Cond's L: what its Wait unlocks and locks again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locker {
    Mutex(ObjId),
    /// An RWMutex as a Locker: `Lock`/`Unlock`.
    RwMutex(ObjId),
    /// `rw.RLocker()`: `RLock`/`RUnlock`.
    RLocker(ObjId),
}

/// An op argument, resolved: a literal, a thread-local variable, or an expression.
#[derive(Debug, Clone)]
pub enum Arg {
    Lit(Value),
    Var(VarId),
    Expr(Box<Expr>),
}

/// An expression (`i + 1`, `n < len(s)`), names resolved; see `scenario::expr`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value),
    Var(VarId),
    /// `len(x)` of a string value.
    StrLen(Box<Expr>),
    /// `len(obj)` or `cap(obj)` of a slice, channel or map object: a read of shared state.
    ObjLen {
        obj: ObjId,
        cap: bool,
    },
    /// A declared object as a value (`ch` in `x := ch`): a reference to what it names now.
    ObjRef(ObjId),
    /// A value field of a struct (`w.count`): a read of shared state.
    Field {
        base: ObjId,
        field: usize,
    },
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// The variables it reads, each once, in order of appearance.
    pub fn vars(&self, out: &mut Vec<VarId>) {
        match self {
            Expr::Var(v) => {
                if !out.contains(v) {
                    out.push(*v);
                }
            }
            Expr::Lit(_) | Expr::ObjLen { .. } | Expr::ObjRef(_) | Expr::Field { .. } => {}
            Expr::StrLen(a) | Expr::Unary(_, a) => a.vars(out),
            Expr::Binary(_, a, b) => {
                a.vars(out);
                b.vars(out);
            }
        }
    }
    /// Call `f` on every object id it reads (`len(obj)`).
    pub fn objs_mut(&mut self, f: &mut dyn FnMut(&mut ObjId)) {
        match self {
            Expr::ObjLen { obj, .. } | Expr::ObjRef(obj) | Expr::Field { base: obj, .. } => f(obj),
            Expr::Lit(_) | Expr::Var(_) => {}
            Expr::StrLen(a) | Expr::Unary(_, a) => a.objs_mut(f),
            Expr::Binary(_, a, b) => {
                a.objs_mut(f);
                b.objs_mut(f);
            }
        }
    }
    /// Whether evaluating it reads an object (then it takes a scheduling point of its own).
    /// Whether it reads a shared variable (`shared` by `VarId`): a memory access.
    pub fn reads_shared(&self, shared: &[bool]) -> bool {
        match self {
            Expr::Var(v) => shared[*v],
            Expr::Lit(_) | Expr::ObjLen { .. } | Expr::ObjRef(_) | Expr::Field { .. } => false,
            Expr::StrLen(a) | Expr::Unary(_, a) => a.reads_shared(shared),
            Expr::Binary(_, a, b) => a.reads_shared(shared) || b.reads_shared(shared),
        }
    }

    pub fn reads_objects(&self) -> bool {
        match self {
            Expr::ObjLen { .. } | Expr::ObjRef(_) | Expr::Field { .. } => true,
            Expr::Lit(_) | Expr::Var(_) => false,
            Expr::StrLen(a) | Expr::Unary(_, a) => a.reads_objects(),
            Expr::Binary(_, a, b) => a.reads_objects() || b.reads_objects(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
}

impl UnOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnOp::Not => "!",
            UnOp::Neg => "-",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// A condition: `{ "var": x, "eq": v, "not": b }` (the variable's truthiness, or equality), or
/// a boolean expression.
#[derive(Debug, Clone)]
pub enum Test {
    Var {
        var: VarId,
        eq: Option<Value>,
        not: bool,
    },
    Expr(Expr),
}

impl Test {
    pub fn objs_mut(&mut self, f: &mut dyn FnMut(&mut ObjId)) {
        if let Test::Expr(e) = self {
            e.objs_mut(f);
        }
    }
}

/// A `repeat` count: a literal, or an int expression evaluated when the loop starts
/// (`for i := range n`).
#[derive(Debug, Clone)]
pub enum Count {
    Lit(u64),
    Expr(Expr),
}

/// What an op does to a map data structure.
#[derive(Debug, Clone)]
pub enum DsMapOp {
    Set {
        key: Arg,
        value: Arg,
    },
    Get {
        key: Arg,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    Delete {
        key: Arg,
    },
    Len {
        into: VarId,
    },
    Range {
        key: Option<VarId>,
        value: Option<VarId>,
        body: BlockId,
    },
}

#[derive(Debug, Clone)]
pub enum CaseOp {
    Recv {
        ch: ObjId,
        into: Option<VarId>,
        ok: Option<VarId>,
    },
    Send {
        ch: ObjId,
        value: Arg,
    },
    /// `<-time.After(ns)`.
    After {
        ns: i64,
    },
}

#[derive(Debug, Clone)]
pub struct CaseSpec {
    pub op: CaseOp,
    pub body: BlockId,
}

/// A final-state assertion bound to its object.
#[derive(Debug, Clone)]
pub struct AssertSpec {
    /// The declared object, or for a field (`g.wg`) the declared struct it is reached from.
    pub obj: ObjId,
    /// The field indices from `obj` to the object asserted on (`g.wg`: one), each read when
    /// the execution ends.
    pub fields: Vec<usize>,
    /// The object as the file names it, for messages.
    pub name: String,
    pub assertion: Assertion,
    /// JSON path of the assertion, for messages.
    pub path: String,
}

/// What exploration must show.
#[derive(Debug, Clone)]
pub enum Expectation {
    Fails(ExpectFailure),
    Passes,
}

/// An object whose history must be linearizable, and its specification (with the object's
/// initial contents).
#[derive(Debug, Clone)]
pub struct LinSpec {
    pub obj: ObjId,
    pub name: String,
    pub spec: crate::lin::Spec,
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Program {
    pub name: String,
    pub catalog: Option<String>,
    pub variant: Option<Variant>,
    pub description: Option<String>,
    pub objects: Vec<ObjSpec>,
    pub threads: Vec<ThreadSpec>,
    pub blocks: Vec<Vec<Stmt>>,
    pub op_paths: Vec<String>,
    pub vars: Vec<String>,
    /// Loop labels, by `LabelId`.
    pub labels: Vec<String>,
    pub expect: Expectation,
    pub final_state: Vec<AssertSpec>,
    /// `expect.linearizable`: the objects whose histories are checked, by object id order.
    pub linearizable: Vec<LinSpec>,
    pub hints: ExploreHints,
    /// The scenario file as parsed, embedded verbatim in reports.
    pub source: serde_json::Value,
    /// `sha256:<hex>` of the source's compact serialization.
    pub hash: String,
    /// The file it came from, as given (for reports, `report:<file>`).
    pub file: String,
    /// Timers, sleeps or deadlines appear: executions run the virtual clock.
    pub uses_time: bool,
    /// The fault rules, in order.
    pub faults: Vec<FaultSpec>,
    /// How they are used: the scenario's `explore.faults`, or what the command line says.
    pub fault_mode: FaultMode,
    /// How virtual time passes: the scenario's `explore.clock`, or what the command line says.
    pub clock: ClockMode,
    /// When the program ends.
    pub lifetime: Lifetime,
    /// Most ops one execution runs, counting loops and every goroutine's body; `None` when a
    /// loop has no static bound (`for`, `range` over a channel). A program with a bound cannot
    /// livelock: its step bound grows with it ([`Program::step_bound`]).
    pub static_ops: Option<u64>,

    /// Per variable, the zero value of its static type, which it holds until assigned
    /// (`var i int` is 0).
    pub var_zero: Vec<Value>,
    /// Per variable: plain shared memory (a package-level `vars` entry or a `shared` let),
    /// held in a cell that goroutines share by reference, every access checked for races.
    pub shared: Vec<bool>,
    /// Package-level variables and their initial values.
    pub globals: Vec<(VarId, Value)>,
    /// Whether the scenario has plain memory (shared variables, struct fields) the race
    /// detector watches.
    pub races: bool,
    /// The function procs, by the index `StmtKind::Call::func` gives.
    pub funcs: Vec<Func>,
    /// Objects that `new` makes at run time, by the index `StmtKind::New::spec` gives.
    pub new_objs: Vec<ObjSpec>,
    /// Declared objects that `assign` can point elsewhere: ops on them read the reference.
    pub reassigned: Vec<bool>,
    /// Object ids from `objects.len()` on name an object found when the op runs: id
    /// `objects.len() + i` is `obj_vars[i]`.
    pub obj_vars: Vec<DynObj>,
    /// Per op: its name (what oracles and fault rules match on) and, in scenarios with fault
    /// rules, the object it names.
    pub op_meta: Vec<OpMeta>,
}

impl Program {
    /// JSON path of an op, e.g. `$.threads.writer1[0]`.
    pub fn op_path(&self, id: OpId) -> &str {
        self.op_paths.get(id).map(String::as_str).unwrap_or("$")
    }
    /// The step bound of an execution asked for `max_steps`: a program whose loops all have
    /// static bounds gets at least [`STEPS_PER_OP`] steps per op it can run, so only a loop with
    /// no bound (a real livelock) can reach it.
    pub fn step_bound(&self, max_steps: u64) -> u64 {
        match self.static_ops {
            Some(n) => max_steps.max(n.saturating_mul(STEPS_PER_OP)),
            None => max_steps,
        }
    }
    /// Whether faults can fire in its executions.
    pub fn faults_on(&self) -> bool {
        self.fault_mode != FaultMode::Off && !self.faults.is_empty()
    }
    /// Whether a chaos thread acts in its executions (`cancel` and `close` rules).
    pub fn has_chaos(&self) -> bool {
        self.faults_on()
            && self
                .faults
                .iter()
                .any(|f| matches!(f.kind, FaultKind::Cancel | FaultKind::Close))
    }
    /// The same scenario with its faults used in `mode`, written into the embedded source
    /// (`explore.faults`) so that reports, replays and minimization keep the mode. Unchanged
    /// when the scenario has no fault rules or already uses `mode`.
    pub fn with_fault_mode(&self, mode: FaultMode) -> Program {
        if self.faults.is_empty() || self.fault_mode == mode {
            return self.clone();
        }
        let mut p = self.with_hint("faults", mode.name());
        p.fault_mode = mode;
        p
    }
    /// The same scenario with race detection `mode`, written into the embedded source
    /// (`explore.races`) so that reports, replays and minimization keep it.
    pub fn with_races(&self, mode: RaceMode) -> Program {
        let now = self.hints.races.unwrap_or_default();
        if now == mode {
            return self.clone();
        }
        self.with_hint("races", mode.name())
    }
    /// The same scenario under `clock`, written into the embedded source (`explore.clock`) so
    /// that reports, replays and minimization keep it.
    pub fn with_clock(&self, clock: ClockMode) -> Program {
        if self.clock == clock {
            return self.clone();
        }
        let mut p = self.with_hint("clock", clock.name());
        p.clock = clock;
        p
    }
    /// The scenario with `explore.<key>` set to `value` in its source, reloaded. The source
    /// validated once, and an explore hint does not change what validation checks.
    fn with_hint(&self, key: &str, value: &str) -> Program {
        let mut source = self.source.clone();
        if let Some(obj) = source.as_object_mut() {
            let explore = obj
                .entry("explore")
                .or_insert_with(|| serde_json::json!({}));
            if let Some(e) = explore.as_object_mut() {
                e.insert(key.into(), serde_json::json!(value));
            }
        }
        super::load_value(&source, &self.file).unwrap_or_else(|_| self.clone())
    }
    /// Thread names that can appear in failures: top-level and spawned.
    pub fn thread_roles(&self) -> Vec<&str> {
        thread_roles(self.threads.iter().map(|t| t.name.as_str()), &self.blocks)
    }
}

/// The top-level thread names, then every name a `spawn` in `blocks` uses, without repeats.
pub(crate) fn thread_roles<'a>(
    top: impl Iterator<Item = &'a str>,
    blocks: &'a [Vec<Stmt>],
) -> Vec<&'a str> {
    let mut names: Vec<&str> = top.collect();
    for stmt in blocks.iter().flatten() {
        let name: &str = match &stmt.kind {
            StmtKind::Spawn { name, .. } => name,
            StmtKind::TimerAfterFunc { thread, .. } | StmtKind::CtxAfterFunc { thread, .. } => {
                thread
            }
            _ => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}
