//! Scenario format v1 (`"schema": "hazard/scenario/v1"`), as serde types. The JSON Schema that
//! `hazard schema scenario` prints is derived from these; scenarios/README.md documents them.

use crate::model::{ElemType, FailureKind, Value};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version tag every scenario file carries.
pub const SCENARIO_SCHEMA: &str = "hazard/scenario/v1";

/// A scenario file.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
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
    /// Named op sequences that `call` runs as a function (defers run when it returns).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub procs: IndexMap<String, Vec<Op>>,
    /// Top-level threads, in order; `main` waits for all of them.
    pub threads: IndexMap<String, Vec<Op>>,
    /// What exploration must show.
    pub expect: Expect,
    /// Default exploration settings for this scenario (command-line flags override them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explore: Option<ExploreHints>,
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
}

impl ObjectDecl {
    /// The `kind` string.
    pub fn kind(&self) -> &'static str {
        match self {
            ObjectDecl::Map { .. } => "map",
            ObjectDecl::Chan { .. } => "chan",
            ObjectDecl::Mutex {} => "mutex",
            ObjectDecl::Rwmutex {} => "rwmutex",
            ObjectDecl::Waitgroup {} => "waitgroup",
            ObjectDecl::Once {} => "once",
        }
    }
}

/// One operation of a thread. `op` selects it; `obj` names the object it acts on.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// map: `obj[key] = value`.
    Set {
        obj: String,
        key: Value,
        value: Value,
    },
    /// map: `into, ok := obj[key]`.
    Get {
        obj: String,
        key: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<String>,
    },
    /// map: `delete(obj, key)`.
    Delete { obj: String, key: Value },
    /// map: `clear(obj)`.
    Clear { obj: String },
    /// map: `for key, value := range obj { body }`.
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
    /// map or chan: `into = len(obj)`.
    Len { obj: String, into: String },
    /// chan: `obj <- value`.
    Send { obj: String, value: Value },
    /// chan: `into, ok := <-obj`.
    Recv {
        obj: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        into: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<String>,
    },
    /// chan: `close(obj)`.
    Close { obj: String },
    /// mutex or rwmutex: `obj.Lock()`.
    Lock { obj: String },
    /// mutex or rwmutex: `obj.Unlock()`.
    Unlock { obj: String },
    /// rwmutex: `obj.RLock()`.
    Rlock { obj: String },
    /// rwmutex: `obj.RUnlock()`.
    Runlock { obj: String },
    /// waitgroup: `obj.Add(delta)`.
    Add { obj: String, delta: i64 },
    /// waitgroup: `obj.Done()`.
    Done { obj: String },
    /// waitgroup: `obj.Wait()`.
    Wait { obj: String },
    /// once: `obj.Do(func() { body })`.
    Do { obj: String, body: Vec<Op> },
    /// Run `body` `times` times (1..=10000).
    Repeat { times: u64, body: Vec<Op> },
    /// `go func() { body }()`: a new thread named `thread`. It starts with a copy of the
    /// spawner's variables; `main` does not wait for it.
    Spawn { thread: String, body: Vec<Op> },
    /// `select { cases }`; at most one `default` case.
    Select { cases: Vec<Case> },
    /// `if cond { then } else { else }`.
    If {
        cond: Cond,
        #[serde(default)]
        then: Vec<Op>,
        #[serde(default, rename = "else")]
        otherwise: Vec<Op>,
    },
    /// Call the named proc as a function.
    Call { proc: String },
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
    Let { var: String, value: Value },
    /// `runtime.Gosched()`: an explicit scheduling point.
    Yield {},
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
        value: Value,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// A final-state assertion on one object. Map: `len`, `key` with `value` or `absent`.
/// Chan: `len` (buffered values), `closed`. Mutex/rwmutex: `locked`. Waitgroup: `count`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    pub obj: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// Catalog id to report when this assertion fails (default `assertion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}
