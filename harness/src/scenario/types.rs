//! Scenario format v1 (`"schema": "hazard/scenario/v1"`), as serde types. The JSON Schema that
//! `hazard schema scenario` prints is derived from these; scenarios/README.md documents them.

use crate::base::{ElemType, FailureKind, ObjKind, Value};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version tag every scenario file carries.
pub const SCENARIO_SCHEMA: &str = "hazard/scenario/v1";

/// A scenario file.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// For editors: the JSON Schema the file follows (what `hazard schema scenario` prints,
    /// saved to a file). hazard ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<String>,
    /// Must be `hazard/scenario/v1`.
    pub schema: String,
    /// Scenario name; reports are named after it.
    pub name: String,
    /// The catalog id (HAZARDS.md) this scenario exercises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    /// `buggy` (expected to fail) or `fixed` (expected to pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    /// What the scenario models, for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Named objects: the shared state the threads operate on.
    #[serde(default)]
    pub objects: IndexMap<String, ObjectDecl>,
    /// Package-level variables (`var count = 0`): plain memory every thread and function
    /// reads and writes by name. Each access is a scheduling point and is checked for data
    /// races.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub vars: IndexMap<String, Value>,
    /// Named functions that `call` runs (defers run when it returns): an op list, which uses
    /// the calling thread's variables, or `{ "params", "results", "body" }`, a Go function with
    /// variables of its own.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub procs: IndexMap<String, ProcDecl>,
    /// Top-level threads, in order; `main` waits for all of them.
    pub threads: IndexMap<String, Vec<Op>>,
    /// When the program ends (default `main`: once every top-level thread has finished).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<Lifetime>,
    /// Injected faults: rules evaluated in order before every op (see [`FaultRule`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultRule>,
    /// What exploration must show.
    pub expect: Expect,
    /// Default exploration settings for this scenario (command-line flags override them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explore: Option<ExploreHints>,
}

/// When the modelled program ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lifetime {
    /// A Go program: `main` starts the top-level threads, waits for them and returns, and the
    /// program ends there. Goroutines still blocked then are leaked; runnable ones and pending
    /// timers simply stop (nothing they would do later can happen).
    #[default]
    Main,
    /// A long-lived process (a server whose `main` never returns): goroutines run until every
    /// one has finished or is blocked for good.
    Process,
}

/// Which side of a buggy/fixed pair a scenario is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    Buggy,
    Fixed,
}

/// Per-scenario exploration defaults.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExploreHints {
    /// Executions to explore (default 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    /// Step bound per execution before a livelock is reported (default 20000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<u64>,
    /// How the `faults` rules are used (default `on`; `--faults` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<FaultMode>,
    /// How virtual time passes (default `go`; `--clock` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<ClockMode>,
    /// Whether data races on shared variables and struct fields are detected (default `on`;
    /// `--races` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub races: Option<RaceMode>,
}

/// Whether the data-race detector watches the scenario's shared memory.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum RaceMode {
    /// Every access to a shared variable or struct field is checked against Go's memory model.
    #[default]
    On,
    /// No race detection (the accesses are still scheduling points): faster, and the
    /// scenario's other failures only.
    Off,
}

impl RaceMode {
    pub fn name(self) -> &'static str {
        match self {
            RaceMode::On => "on",
            RaceMode::Off => "off",
        }
    }
}

/// How virtual time passes in an execution.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// Go's own deterministic time (testing/synctest): time advances only when every goroutine
    /// is blocked or asleep; timers already due fire at any point; which of several timers due
    /// at the same instant fires first is an explorer choice.
    #[default]
    Go,
    /// An overloaded machine: a pending timer may fire at any scheduling point, while other
    /// goroutines could still run (their steps take unknown time). Finds timeouts that beat
    /// work that is not itself a timer, which Go's own runtime shows only under load.
    Adversarial,
}

impl ClockMode {
    pub fn name(self) -> &'static str {
        match self {
            ClockMode::Go => "go",
            ClockMode::Adversarial => "adversarial",
        }
    }
}

/// How a scenario's fault rules take part in an exploration.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum FaultMode {
    /// No fault fires.
    Off,
    /// A rule fires at the first `times` places it matches, or, with `p`, at each with
    /// probability `p` (drawn from the run's seed, recorded in the schedule).
    #[default]
    On,
    /// The engine chooses whether each matching place gets the fault (at most `times` per
    /// execution): fault placement is searched like an interleaving.
    Explore,
}

impl FaultMode {
    pub fn name(self) -> &'static str {
        match self {
            FaultMode::Off => "off",
            FaultMode::On => "on",
            FaultMode::Explore => "explore",
        }
    }
}

/// What a fault rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// `panic(value)` inside the op: at its start, inside a data structure's method where Go's
    /// code can panic (its deferred unlocks run), inside `Once.Do`'s f, or at the start of an
    /// `after_func` callback.
    Panic,
    /// `runtime.Goexit()` at the same places: the thread's deferred calls run, `recover`
    /// returns nil and does not stop it, and it is not a failure.
    Kill,
    /// The thread is switched away from before the op (when another thread can run).
    Preempt,
    /// The thread sleeps `for` (virtual time) before the op, then is switched away from.
    Delay,
    /// The cancel function of context `ctx` is called from a chaos thread.
    Cancel,
    /// Channel `chan` is closed from a chaos thread.
    Close,
    /// A thread blocked on `obj` (a mutex, rwmutex, waitgroup or once; a channel for a
    /// `select` on it) is woken without its condition; Go's runtime re-checks and waits again.
    SpuriousWakeup,
    /// The timer the op starts fires `early` or `late` (virtual time) by up to that much.
    ClockSkew,
}

impl FaultKind {
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Panic => "panic",
            FaultKind::Kill => "kill",
            FaultKind::Preempt => "preempt",
            FaultKind::Delay => "delay",
            FaultKind::Cancel => "cancel",
            FaultKind::Close => "close",
            FaultKind::SpuriousWakeup => "spurious-wakeup",
            FaultKind::ClockSkew => "clock-skew",
        }
    }
}

/// One fault rule. Where it applies: before an op whose thread, op name, object and path match
/// every filter given (`spurious-wakeup`: a thread blocked on `obj`, while any thread is
/// before an op), from scheduling step `step` on. How often: at most `times` per execution,
/// each matching place with probability `p` (default 1).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub fault: FaultKind,
    /// Thread (static name) the op runs in; for `spurious-wakeup`, the blocked thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// Op name, e.g. `set`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
    /// Object the op acts on; for `spurious-wakeup`, the object the thread waits on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obj: Option<String>,
    /// JSON path of one op, e.g. `$.threads.writer[1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// First scheduling step at which the rule applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// Probability per matching place (0 < p <= 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// Most injections per execution (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// `panic`: the panic value (default `"hazard: injected panic"`).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Value>,
    /// `delay`: how long, e.g. `"20ms"`.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// `cancel`: the context whose cancel function is called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<String>,
    /// `close`: the channel closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chan: Option<String>,
    /// `clock-skew`: how much earlier the timer may fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early: Option<String>,
    /// `clock-skew`: how much later the timer may fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late: Option<String>,
}

/// An object declaration; `kind` selects the port.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ObjectDecl {
    /// `map[K]V`: made and empty by default; `nil: true` for a nil map.
    Map {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        nil: bool,
        /// Value type: decides the zero value a missing key reads as.
        #[serde(default)]
        value_type: ElemType,
        /// Initial contents (string keys).
        #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
        entries: IndexMap<String, Value>,
    },
    /// `chan T` with capacity `cap` (0: unbuffered); `nil: true` for a nil channel.
    Chan {
        #[serde(default)]
        cap: u32,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        nil: bool,
        /// Element type: decides the zero value a receive from a closed channel returns.
        #[serde(default)]
        elem: ElemType,
    },
    /// `sync.Mutex`
    Mutex {},
    /// `sync.RWMutex`
    Rwmutex {},
    /// `sync.WaitGroup`
    Waitgroup {},
    /// `sync.Once`
    Once {},
    /// `sync.NewCond(L)`: `locker` names the mutex or rwmutex L; `rlocker: true` for
    /// `sync.NewCond(rw.RLocker())` (Wait then RUnlocks and RLocks it).
    Cond {
        locker: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rlocker: bool,
    },
    /// A struct with named fields: objects (`{ "kind": "mutex" }`, a channel, a map, ...)
    /// and plain values (`0`, `""`, `false`, `null`). Ops name a field `obj.field`
    /// (`"obj": "w.mu"`), expressions read a value field as `w.count`, `assign` sets either.
    Struct {
        #[serde(default, deserialize_with = "named_fields")]
        fields: IndexMap<String, FieldDecl>,
    },
    /// A `*time.Timer` variable, also the handle `context.AfterFunc`'s `stop` is kept in.
    /// Uninitialised (a zero `time.Timer`) unless `after` starts it as `time.NewTimer(after)`.
    Timer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    /// A `context.Context` variable: `context.Background()` by default, `nil: true` for a nil
    /// context; with `parent`, derived from it when the program starts (`WithTimeout` with
    /// `timeout`, `WithDeadline` with `deadline`, else `WithCancel`).
    Context {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        nil: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<String>,
        /// Duration, e.g. `"1s"`, `"1h"`, `"250ms"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<String>,
        /// Virtual time since start, as a duration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline: Option<String>,
    },
    /// A `[]T` variable: `elems` (then zero values up to `len`), capacity `cap` (default: the
    /// length); `nil: true` for a nil slice.
    Slice {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        nil: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elems: Vec<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        len: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap: Option<u64>,
        /// Element type: its zero value and its size (which decides capacity growth).
        #[serde(default)]
        elem: ElemType,
    },
    /// `atomic.Int64` / `atomic.Pointer` cell holding `value` (default 0).
    Atomic {
        #[serde(default = "zero_value")]
        value: Value,
    },
    /// `sync.Pool` of slices; with `new`, `Pool.New` returns `make([]T, 0, new.cap)`.
    Pool {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new: Option<PoolNew>,
    },
    /// A shared OS-level handle (an eBPF map, a file descriptor): open until closed.
    Handle {},
    /// Mitigation: a map behind a `sync.RWMutex` (reads RLock, writes Lock).
    #[serde(rename = "rwmutex-map")]
    RwmutexMap {
        /// Value type: decides the zero value a missing key reads as.
        #[serde(default)]
        value_type: ElemType,
    },
    /// Mitigation: `shards` maps, each behind its own RWMutex; a key goes to shard hash(key) % shards.
    #[serde(rename = "sharded-map")]
    ShardedMap {
        #[serde(default = "default_shards")]
        shards: u32,
        /// Value type: decides the zero value a missing key reads as.
        #[serde(default)]
        value_type: ElemType,
    },
    /// Mitigation: Go's `sync.Map` (read-only snapshot loaded lock-free, dirty map under a
    /// mutex, misses promote dirty to read). Untyped: a missing key loads as nil.
    #[serde(rename = "sync-map")]
    SyncMap {},
    /// Mitigation: copy-on-write map: readers load the snapshot through an atomic pointer,
    /// writers copy, modify and publish under a mutex.
    #[serde(rename = "cow-map")]
    CowMap {
        /// Value type: decides the zero value a missing key reads as.
        #[serde(default)]
        value_type: ElemType,
    },
    /// Lock-free Treiber stack whose popped nodes go to a free list and are reused (ABA-prone).
    #[serde(rename = "treiber-stack")]
    TreiberStack {
        /// Initial contents, bottom first.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elems: Vec<Value>,
    },
    /// Treiber stack whose head is a (pointer, version) pair CASed as one: no ABA.
    #[serde(rename = "stamped-stack")]
    StampedStack {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elems: Vec<Value>,
    },
    /// Treiber stack with epoch-based reclamation: a popped node is reused only once no thread
    /// that could still hold it is inside an operation.
    #[serde(rename = "epoch-stack")]
    EpochStack {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elems: Vec<Value>,
    },
}

/// A value field that may be given as `null` (Go's nil): absent is `None`, `null` is
/// `Some(Value::Nil)` (serde's default would read both as `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn zero_value() -> Value {
    Value::Int(0)
}
fn default_shards() -> u32 {
    4
}

/// `Pool.New`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolNew {
    /// Capacity of the slices New makes.
    #[serde(default)]
    pub cap: u64,
}

/// An op argument: a literal value, `{"var": "name"}` for a thread-local variable, or
/// `{"expr": "i + 1"}` for an expression.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Operand {
    Var { var: String },
    Expr { expr: String },
    Lit(Value),
}

/// A condition: an expression (`"i < n && !done"`), or `{"var": ..., "eq": ..., "not": ...}`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CondSpec {
    Expr(String),
    Fields(Cond),
}

impl<'de> Deserialize<'de> for CondSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CondSpec, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(CondSpec::Expr(s)),
            v @ serde_json::Value::Object(_) => Cond::deserialize(v)
                .map(CondSpec::Fields)
                .map_err(D::Error::custom),
            other => Err(D::Error::invalid_type(
                unexpected(&other),
                &r#"a condition: an expression string ("i < n") or {"var": "name"}"#,
            )),
        }
    }
}

/// What serde's messages call a JSON value of the wrong type.
fn unexpected(v: &serde_json::Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected as U;
    match v {
        serde_json::Value::Null => U::Unit,
        serde_json::Value::Bool(b) => U::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => U::Unsigned(u),
            (_, Some(i), _) => U::Signed(i),
            (_, _, f) => U::Float(f.unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => U::Str(s),
        serde_json::Value::Array(_) => U::Seq,
        serde_json::Value::Object(_) => U::Map,
    }
}

/// A `repeat` count: an integer, or an int expression.
#[derive(Clone, Debug, Serialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Times {
    N(u64),
    Expr(String),
}

impl<'de> Deserialize<'de> for Times {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Times, D::Error> {
        use serde::de::Error;
        const EXPECTED: &str = r#"a positive integer or an int expression string ("n")"#;
        let v = serde_json::Value::deserialize(d)?;
        match &v {
            serde_json::Value::String(s) => Ok(Times::Expr(s.clone())),
            serde_json::Value::Number(n) if n.is_u64() => Ok(Times::N(n.as_u64().unwrap_or(0))),
            serde_json::Value::Number(n) if n.is_i64() => {
                Err(D::Error::invalid_value(unexpected(&v), &EXPECTED))
            }
            _ => Err(D::Error::invalid_type(unexpected(&v), &EXPECTED)),
        }
    }
}

/// A proc: an op list (it runs on the caller's variables), or a function with parameters and
/// results and variables of its own.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ProcDecl {
    Ops(Vec<Op>),
    Func(FuncDecl),
}

/// `func name(params...) (results...) { body }`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FuncDecl {
    /// A method's receiver: `func (w *Worker) Stop()` is `"receiver": "w"`; a call gives the
    /// object as `recv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<String>,
    #[serde(default)]
    pub body: Vec<Op>,
}

impl ProcDecl {
    pub fn body(&self) -> &[Op] {
        match self {
            ProcDecl::Ops(ops) => ops,
            ProcDecl::Func(f) => &f.body,
        }
    }
}

impl<'de> Deserialize<'de> for ProcDecl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ProcDecl, D::Error> {
        use serde::de::Error;
        // Decided by shape, so that an error inside names the op rather than "no variant".
        match serde_json::Value::deserialize(d)? {
            v @ serde_json::Value::Array(_) => Vec::<Op>::deserialize(v)
                .map(ProcDecl::Ops)
                .map_err(D::Error::custom),
            v @ serde_json::Value::Object(_) => FuncDecl::deserialize(v)
                .map(ProcDecl::Func)
                .map_err(D::Error::custom),
            other => Err(D::Error::invalid_type(
                unexpected(&other),
                &r#"a proc: a list of ops, or {"params": [...], "results": [...], "body": [...]}"#,
            )),
        }
    }
}

/// A struct's fields, each error naming the field it is in: the location of an error inside
/// an object declaration is the declaration, so the message says which field.
fn named_fields<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<IndexMap<String, FieldDecl>, D::Error> {
    use serde::de::Error;
    let raw = IndexMap::<String, serde_json::Value>::deserialize(d)?;
    raw.into_iter()
        .map(|(name, v)| match FieldDecl::deserialize(v) {
            Ok(f) => Ok((name, f)),
            Err(e) => Err(D::Error::custom(format!("in field `{name}`: {e}"))),
        })
        .collect()
}

/// A struct field: an object, or a plain value (its initial value, which gives its type).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldDecl {
    Obj(ObjectDecl),
    Val(Value),
}

impl<'de> Deserialize<'de> for FieldDecl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FieldDecl, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            v @ serde_json::Value::Object(_) => ObjectDecl::deserialize(v)
                .map(FieldDecl::Obj)
                .map_err(D::Error::custom),
            v => Value::deserialize(v).map(FieldDecl::Val).map_err(|e| {
                D::Error::custom(format!("{e}, or an object declaration ({{\"kind\": ...}})"))
            }),
        }
    }
}

/// What an operand may be, for messages.
const OPERAND_FORMS: &str = r#"{"var": "name"} or {"expr": "..."}"#;

impl<'de> Deserialize<'de> for Operand {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Operand, D::Error> {
        use serde::de::Error;
        // Buffer once, then decide: an object is a variable reference, anything else a literal
        // (whose own errors name the accepted types).
        let v = serde_json::Value::deserialize(d)?;
        if let serde_json::Value::Object(m) = &v {
            return match (m.len(), m.get("var"), m.get("expr")) {
                (1, Some(serde_json::Value::String(name)), _) => {
                    Ok(Operand::Var { var: name.clone() })
                }
                (1, _, Some(serde_json::Value::String(expr))) => {
                    Ok(Operand::Expr { expr: expr.clone() })
                }
                _ => Err(D::Error::custom(format!(
                    "invalid type: map, expected {} or {OPERAND_FORMS}",
                    crate::base::VALUE_TYPES
                ))),
            };
        }
        Value::deserialize(v)
            .map(Operand::Lit)
            .map_err(|e| D::Error::custom(format!("{e} or {OPERAND_FORMS}")))
    }
}

impl ObjectDecl {
    /// The object's kind (what `"kind"` says in the file).
    pub fn kind(&self) -> ObjKind {
        match self {
            ObjectDecl::Map { .. } => ObjKind::Map,
            ObjectDecl::Chan { .. } => ObjKind::Chan,
            ObjectDecl::Mutex {} => ObjKind::Mutex,
            ObjectDecl::Rwmutex {} => ObjKind::Rwmutex,
            ObjectDecl::Waitgroup {} => ObjKind::Waitgroup,
            ObjectDecl::Once {} => ObjKind::Once,
            ObjectDecl::Cond { .. } => ObjKind::Cond,
            ObjectDecl::Struct { .. } => ObjKind::Struct,
            ObjectDecl::Timer { .. } => ObjKind::Timer,
            ObjectDecl::Context { .. } => ObjKind::Context,
            ObjectDecl::Slice { .. } => ObjKind::Slice,
            ObjectDecl::Atomic { .. } => ObjKind::Atomic,
            ObjectDecl::Pool { .. } => ObjKind::Pool,
            ObjectDecl::Handle {} => ObjKind::Handle,
            ObjectDecl::RwmutexMap { .. } => ObjKind::RwmutexMap,
            ObjectDecl::ShardedMap { .. } => ObjKind::ShardedMap,
            ObjectDecl::SyncMap {} => ObjKind::SyncMap,
            ObjectDecl::CowMap { .. } => ObjKind::CowMap,
            ObjectDecl::TreiberStack { .. } => ObjKind::TreiberStack,
            ObjectDecl::StampedStack { .. } => ObjKind::StampedStack,
            ObjectDecl::EpochStack { .. } => ObjKind::EpochStack,
        }
    }
}

/// One operation of a thread. `op` selects it; `obj` names the object it acts on.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// map (and the map data structures): `obj[key] = value`.
    Set {
        obj: String,
        key: Operand,
        value: Operand,
    },
    /// map: `into, ok := obj[key]`. pool: `to = obj.Get().([]T)` (a slice object), or
    /// `into = obj.Get()`.
    Get {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<Operand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<String>,
    },
    /// map: `delete(obj, key)`.
    Delete { obj: String, key: Operand },
    /// map: `clear(obj)`.
    Clear { obj: String },
    /// map: `for key, value := range obj { body }`; chan: `for value := range obj { body }`
    /// (until the channel is closed and drained).
    Range {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(default)]
        body: Vec<Op>,
    },
    /// map: `to = maps.Clone(obj)`.
    Clone { obj: String, to: String },
    /// map: `obj = make(map[K]V)` (assigns the variable; not a map write).
    Make { obj: String },
    /// map, chan or slice: `into = len(obj)`.
    Len { obj: String, into: String },
    /// slice: `into = cap(obj)`.
    Cap { obj: String, into: String },
    /// chan: `obj <- value`.
    Send { obj: String, value: Operand },
    /// chan: `into, ok := <-obj`; timer: `<-obj.C`; context: `<-obj.Done()`.
    Recv {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<String>,
    },
    /// chan: `close(obj)`. handle: `into = obj.Close()` (an error value or nil).
    Close {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
    },
    /// mutex or rwmutex: `obj.Lock()`.
    Lock { obj: String },
    /// mutex or rwmutex: `obj.Unlock()`.
    Unlock { obj: String },
    /// rwmutex: `obj.RLock()`.
    Rlock { obj: String },
    /// rwmutex: `obj.RUnlock()`.
    Runlock { obj: String },
    /// waitgroup: `obj.Add(delta)`. atomic: `into = obj.Add(delta)`. `delta` is an int, or
    /// a variable or expression of type int (`wg.Add(len(jobs))`).
    Add {
        obj: String,
        delta: Operand,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
    },
    /// waitgroup: `obj.Done()`.
    Done { obj: String },
    /// waitgroup: `obj.Wait()`. cond: `obj.Wait()` (unlock L, park until signalled, lock L).
    Wait { obj: String },
    /// cond: `obj.Signal()`, wakes the longest-waiting goroutine, if any.
    Signal { obj: String },
    /// cond: `obj.Broadcast()`, wakes every goroutine waiting now.
    Broadcast { obj: String },
    /// once: `obj.Do(func() { body })`.
    Do { obj: String, body: Vec<Op> },
    /// Run `body` `times` times (1..=10000), or as many times as an int expression says
    /// (`"times": "n"`, evaluated when the loop starts; 0 or less runs it not at all).
    /// With `index`, `for index := range times { body }` (Go 1.22): the variable holds 0, 1, ...
    Repeat {
        times: Times,
        body: Vec<Op>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<String>,
    },
    /// `go func() { body }()`: a new thread named `thread`. It starts with a copy of the
    /// spawner's variables; `main` does not wait for it.
    Spawn { thread: String, body: Vec<Op> },
    /// `select { cases }`; at most one `default` case.
    Select { cases: Vec<Case> },
    /// `if cond { then } else { else }`.
    If {
        cond: CondSpec,
        #[serde(default)]
        then: Vec<Op>,
        #[serde(default, rename = "else")]
        otherwise: Vec<Op>,
    },
    /// `for cond { body }`, or `for { body }` without `cond`: runs until `cond` is false or a
    /// `break` (or `return`) leaves it. `label` names it for a labelled `break` or `continue`.
    /// Each iteration is a scheduling point (Go preempts loops); a loop that never ends is a
    /// livelock at `max_steps`.
    For {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cond: Option<CondSpec>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        #[serde(default)]
        body: Vec<Op>,
    },
    /// `break` (or `break label`): leaves the innermost `for`, `repeat`, `range` or `select`,
    /// as in Go (a `break` in a select case leaves the select, not the loop around it).
    Break {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// `continue` (or `continue label`): the next iteration of the innermost (or labelled) loop.
    Continue {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// `return`: leaves the function it is in (a thread's body, a proc, a `spawn`, `defer`,
    /// `recover` or `do` body); deferred calls run. In a proc with `results`, `values` sets
    /// them first (`return a + b`); without `values` the results keep what they hold.
    Return {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        values: Vec<Operand>,
    },
    /// Call the named proc as a function: `into = proc(args...)`; a method as
    /// `into = recv.proc(args...)`.
    Call {
        proc: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recv: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        args: Vec<Operand>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        into: Vec<String>,
    },
    /// `defer func() { body }()`: runs when the enclosing function (thread body, proc, Do's f,
    /// recover scope) returns or panics; not after a fatal error.
    Defer { body: Vec<Op> },
    /// `func() { defer func() { into = recover() }(); body }()`: stops a panic raised in `body`.
    Recover {
        body: Vec<Op>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
    },
    /// `panic(value)`.
    Panic { value: Value },
    /// Set a thread-local variable.
    /// With `expr` instead of `value`, `var = expr` (e.g. `"i + 1"`).
    Let {
        var: String,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        value: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expr: Option<String>,
        /// `var := value` declaring a variable goroutines started later (`spawn`, callbacks)
        /// share by reference, as Go's closures capture it: each run of this op makes a new
        /// one (a `shared` let in a loop body is a per-iteration variable). Its accesses are
        /// plain memory, checked for data races.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        shared: bool,
    },
    /// `runtime.Gosched()`: an explicit scheduling point.
    Yield {},
    /// `into := make(chan T, n)`, `into := new(sync.Mutex)`, ...: a new object of the kind
    /// `object` declares (chan, mutex, rwmutex, waitgroup, once, map, slice, atomic), held by
    /// variable `into`. Ops name it by the variable (`"obj": "done"`); it can be sent,
    /// passed, stored and set to `null` like any value.
    New { into: String, object: ObjectDecl },
    /// `obj = value` for a declared object, which then names what `value` refers to: `null`
    /// (`w.ch = nil`) or a variable holding an object of its kind (`w.ch = ch`). Every op on
    /// `obj` afterwards reads the new reference, as Go code re-reading a field does.
    Assign { obj: String, value: Operand },
    /// `into := rand.Intn(n)`: a value in `0..n` the explorer chooses (recorded in the schedule,
    /// replayed, minimized and fuzzed like any choice); `n: 2` is a coin flip. As in Go,
    /// `n <= 0` panics with `invalid argument to Intn`.
    Rand { n: i64, into: String },
    /// `time.Sleep(for)` in virtual time.
    Sleep {
        #[serde(rename = "for")]
        duration: String,
    },
    /// timer: `obj = time.NewTimer(after)`.
    NewTimer { obj: String, after: String },
    /// timer: `obj = time.AfterFunc(after, func() { body })`; or, with `ctx` instead of
    /// `after`, `stop := context.AfterFunc(ctx, func() { body })` with `stop` kept in `obj`.
    /// `body` runs in a new thread named `thread` (default `<obj>.f`).
    AfterFunc {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ctx: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<String>,
        #[serde(default)]
        body: Vec<Op>,
    },
    /// timer: `into = obj.Stop()`; for a `context.AfterFunc` handle, `into = stop()`.
    Stop {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
    },
    /// timer: `into = obj.Reset(after)`.
    Reset {
        obj: String,
        after: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
    },
    /// context: `obj, cancel = context.WithCancel(parent)` (`cancel` acts on `obj`).
    WithCancel { obj: String, parent: String },
    /// context: `obj, cancel = context.WithTimeout(parent, after)`.
    WithTimeout {
        obj: String,
        parent: String,
        after: String,
    },
    /// context: `obj = context.WithValue(parent, key, value)`.
    WithValue {
        obj: String,
        parent: String,
        key: Value,
        value: Value,
    },
    /// context: call the cancel function that made `obj` (`WithCancelCause`'s with `cause`).
    Cancel {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },
    /// context: `into = obj.Err()` (nil, `context canceled`, `context deadline exceeded`).
    Err { obj: String, into: String },
    /// context: `into = context.Cause(obj)`.
    Cause { obj: String, into: String },
    /// context: `into = obj.Value(key)`.
    Value {
        obj: String,
        key: Value,
        into: String,
    },
    /// slice: `to = append(obj, values...)` (`to` defaults to `obj`). Reads `obj`, then
    /// writes the elements and stores the result: two scheduling points.
    Append {
        obj: String,
        values: Vec<Operand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// slice: `into = obj[index]`. Indices and bounds are ints, or variables or expressions
    /// of type int (`workers[i % n]`).
    Index {
        obj: String,
        index: Operand,
        into: String,
    },
    /// slice: `obj[index] = value`. atomic: `obj.Store(value)`.
    Store {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index: Option<Operand>,
        value: Operand,
    },
    /// slice: `to = obj[low:high]` or `obj[low:high:max]`; omitted `low` is 0, omitted `high`
    /// is `len(obj)`.
    Slice {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        low: Option<Operand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        high: Option<Operand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Operand>,
        to: String,
    },
    /// atomic: `into = obj.Load()`.
    Load { obj: String, into: String },
    /// atomic: `ok = obj.CompareAndSwap(old, new)`.
    Cas {
        obj: String,
        old: Operand,
        new: Operand,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<String>,
    },
    /// atomic: `into = obj.Swap(value)`.
    Swap {
        obj: String,
        value: Operand,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
    },
    /// pool: `obj.Put(slice)` (a slice object), or `obj.Put(value)` (`null` is ignored).
    Put {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slice: Option<String>,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        value: Option<Value>,
    },
    /// handle: `into = obj.Use()` (nil, or the error once the handle is closed).
    Use {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
    },
    /// stack: `obj.Push(value)`.
    Push { obj: String, value: Operand },
    /// stack: `into, ok := obj.Pop()`.
    Pop {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<String>,
    },
    /// `into = (obj == nil)` for a map, chan, slice or context variable.
    IsNil { obj: String, into: String },
    /// Check a variable mid-run (`var == eq`, or its truth; `not` negates). When it does not
    /// hold the execution fails with kind `assertion`, catalog id `id` (default `assertion`).
    /// With `cond` (an expression, e.g. `"n == 3"`) instead of `var`, that it holds.
    Assert {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        var: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cond: Option<String>,
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        eq: Option<Value>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        not: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

impl Op {
    /// The op lists nested in this op (bodies, branches, select cases' bodies).
    pub fn bodies(&self) -> Vec<&[Op]> {
        match self {
            Op::Range { body, .. }
            | Op::Do { body, .. }
            | Op::Repeat { body, .. }
            | Op::Spawn { body, .. }
            | Op::For { body, .. }
            | Op::Defer { body }
            | Op::Recover { body, .. }
            | Op::AfterFunc { body, .. } => vec![body],
            Op::If {
                then, otherwise, ..
            } => vec![then, otherwise],
            Op::Select { cases } => cases
                .iter()
                .map(|c| match c {
                    Case::Recv { body, .. }
                    | Case::Send { body, .. }
                    | Case::After { body, .. }
                    | Case::Default { body } => body.as_slice(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every op name, as scenario files write it (`"op": ...`).
    pub const NAMES: &'static [&'static str] = &[
        "set",
        "get",
        "delete",
        "clear",
        "range",
        "clone",
        "make",
        "len",
        "cap",
        "send",
        "recv",
        "close",
        "lock",
        "unlock",
        "rlock",
        "runlock",
        "add",
        "done",
        "wait",
        "signal",
        "broadcast",
        "do",
        "repeat",
        "spawn",
        "select",
        "if",
        "call",
        "defer",
        "recover",
        "panic",
        "let",
        "yield",
        "new",
        "assign",
        "rand",
        "for",
        "break",
        "continue",
        "return",
        "sleep",
        "new_timer",
        "after_func",
        "stop",
        "reset",
        "with_cancel",
        "with_timeout",
        "with_value",
        "cancel",
        "err",
        "cause",
        "value",
        "append",
        "index",
        "store",
        "slice",
        "load",
        "cas",
        "swap",
        "put",
        "use",
        "push",
        "pop",
        "is_nil",
        "assert",
    ];

    /// The op's name as scenario files write it: its serde tag (a test holds the two equal).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Set { .. } => "set",
            Op::Get { .. } => "get",
            Op::Delete { .. } => "delete",
            Op::Clear { .. } => "clear",
            Op::Range { .. } => "range",
            Op::Clone { .. } => "clone",
            Op::Make { .. } => "make",
            Op::Len { .. } => "len",
            Op::Cap { .. } => "cap",
            Op::Send { .. } => "send",
            Op::Recv { .. } => "recv",
            Op::Close { .. } => "close",
            Op::Lock { .. } => "lock",
            Op::Unlock { .. } => "unlock",
            Op::Rlock { .. } => "rlock",
            Op::Runlock { .. } => "runlock",
            Op::Add { .. } => "add",
            Op::Done { .. } => "done",
            Op::Wait { .. } => "wait",
            Op::Signal { .. } => "signal",
            Op::Broadcast { .. } => "broadcast",
            Op::Do { .. } => "do",
            Op::Repeat { .. } => "repeat",
            Op::Spawn { .. } => "spawn",
            Op::Select { .. } => "select",
            Op::If { .. } => "if",
            Op::Call { .. } => "call",
            Op::Defer { .. } => "defer",
            Op::Recover { .. } => "recover",
            Op::Panic { .. } => "panic",
            Op::Let { .. } => "let",
            Op::Yield { .. } => "yield",
            Op::New { .. } => "new",
            Op::Assign { .. } => "assign",
            Op::Rand { .. } => "rand",
            Op::For { .. } => "for",
            Op::Break { .. } => "break",
            Op::Continue { .. } => "continue",
            Op::Return { .. } => "return",
            Op::Sleep { .. } => "sleep",
            Op::NewTimer { .. } => "new_timer",
            Op::AfterFunc { .. } => "after_func",
            Op::Stop { .. } => "stop",
            Op::Reset { .. } => "reset",
            Op::WithCancel { .. } => "with_cancel",
            Op::WithTimeout { .. } => "with_timeout",
            Op::WithValue { .. } => "with_value",
            Op::Cancel { .. } => "cancel",
            Op::Err { .. } => "err",
            Op::Cause { .. } => "cause",
            Op::Value { .. } => "value",
            Op::Append { .. } => "append",
            Op::Index { .. } => "index",
            Op::Store { .. } => "store",
            Op::Slice { .. } => "slice",
            Op::Load { .. } => "load",
            Op::Cas { .. } => "cas",
            Op::Swap { .. } => "swap",
            Op::Put { .. } => "put",
            Op::Use { .. } => "use",
            Op::Push { .. } => "push",
            Op::Pop { .. } => "pop",
            Op::IsNil { .. } => "is_nil",
            Op::Assert { .. } => "assert",
        }
    }
}

/// One case of a `select`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "case", rename_all = "snake_case", deny_unknown_fields)]
pub enum Case {
    /// `case into, ok := <-obj:`
    Recv {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<String>,
        #[serde(default)]
        body: Vec<Op>,
    },
    /// `case obj <- value:`
    Send {
        obj: String,
        value: Operand,
        #[serde(default)]
        body: Vec<Op>,
    },
    /// `case <-time.After(after):` (a new timer each time the select runs).
    After {
        after: String,
        #[serde(default)]
        body: Vec<Op>,
    },
    /// `default:`
    Default {
        #[serde(default)]
        body: Vec<Op>,
    },
}

/// A condition on a thread-local variable: `var == eq` when `eq` is given, else the variable's
/// truth (`nil`, `false`, `0`, `""` are false); `not` negates.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    pub var: String,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub eq: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
}

/// What exploring the scenario must show: exactly one of `fails` and `passes`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Some explored interleaving fails like this (every given field must match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fails: Option<ExpectFailure>,
    /// `true`: no explored interleaving fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passes: Option<bool>,
    /// Assertions on the objects after every execution that finishes; a violation is a
    /// failure of kind `assertion`.
    #[serde(default, rename = "final", skip_serializing_if = "Vec::is_empty")]
    pub final_state: Vec<Assertion>,
    /// Objects whose history (every operation's call, arguments, result and return) must be
    /// linearizable against a sequential specification, after every execution that
    /// finishes: `{"jobs": "stack"}`. Stacks take `stack`; maps, `map`; atomics, `register`
    /// or `counter`. A violation is a failure of kind `linearizability`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub linearizable: std::collections::BTreeMap<String, String>,
}

/// The failure a buggy scenario must produce. Omitted fields match anything.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExpectFailure {
    /// Catalog id, e.g. `map-concurrent-writes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FailureKind>,
    /// Go's exact message, e.g. `concurrent map writes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The thread (static name) that fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
}

/// A final-state assertion on one object. Map and map data structures: `len`, `key` with
/// `value` or `absent`. Chan: `len` (buffered values), `closed`. Mutex/rwmutex: `locked`.
/// Waitgroup: `count`. Slice: `len`, `cap`, `elems`. Stack: `len`, `elems`, `conserved`.
/// Atomic: `holds`. Context: `cancelled`. Handle: `closed`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    pub obj: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u64>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub key: Option<Value>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// Slice or stack: exact contents (stack: bottom first). Map data structures: see `len`/`key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elems: Option<Vec<Value>>,
    /// Slice: capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<u64>,
    /// Stack: every value pushed (initial contents included) was popped exactly once or is
    /// still on the stack, and nothing else was popped: no lost or duplicated element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conserved: Option<bool>,
    /// Atomic: the value it holds.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub holds: Option<Value>,
    /// Context: whether it is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<bool>,
    /// Catalog id to report when this assertion fails (default `assertion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}
