//! Failures as values: each variant renders Go's exact text and kind (HAZARDS.md).

use super::Value;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How Go fails, or how the harness classifies what Go leaves silent.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// `panic: <value>`: recoverable in the panicking goroutine, fatal to the process otherwise.
    Panic,
    /// `fatal error: <msg>`: not recoverable, deferred calls do not run.
    Fatal,
    /// The scenario ended with goroutines blocked forever. Go says nothing.
    Leak,
    /// The step bound was exceeded: threads keep running without finishing. Go says nothing.
    Livelock,
    /// A final-state assertion of the scenario does not hold (lost update, aliasing, ...).
    Assertion,
    /// A data race: two accesses to one memory location, one a write, not ordered by
    /// happens-before. Go's race detector reports it (`WARNING: DATA RACE`); the runtime
    /// does not.
    Race,
    /// An object's history has no legal order against its sequential specification
    /// (`expect.linearizable`). Go says nothing.
    Linearizability,
}

impl FailureKind {
    /// The lowercase name used in scenario files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Panic => "panic",
            FailureKind::Fatal => "fatal",
            FailureKind::Leak => "leak",
            FailureKind::Livelock => "livelock",
            FailureKind::Assertion => "assertion",
            FailureKind::Race => "race",
            FailureKind::Linearizability => "linearizability",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a blocked goroutine waits on, with Go's wait-reason text (as in a goroutine dump).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum WaitReason {
    /// `chan send`
    #[serde(rename = "chan send")]
    ChanSend,
    /// `chan receive`
    #[serde(rename = "chan receive")]
    ChanReceive,
    /// `chan send (nil chan)`
    #[serde(rename = "chan send (nil chan)")]
    ChanSendNil,
    /// `chan receive (nil chan)`
    #[serde(rename = "chan receive (nil chan)")]
    ChanReceiveNil,
    /// `select`
    #[serde(rename = "select")]
    Select,
    /// `select (no cases)`
    #[serde(rename = "select (no cases)")]
    SelectNoCases,
    /// `sync.Mutex.Lock`
    #[serde(rename = "sync.Mutex.Lock")]
    MutexLock,
    /// `sync.RWMutex.RLock`
    #[serde(rename = "sync.RWMutex.RLock")]
    RWMutexRLock,
    /// `sync.RWMutex.Lock`
    #[serde(rename = "sync.RWMutex.Lock")]
    RWMutexLock,
    /// `sync.WaitGroup.Wait`
    #[serde(rename = "sync.WaitGroup.Wait")]
    WaitGroupWait,
    /// `sync.Cond.Wait`
    #[serde(rename = "sync.Cond.Wait")]
    CondWait,
    /// `sleep` (`time.Sleep`)
    #[serde(rename = "sleep")]
    Sleep,
}

impl WaitReason {
    /// Go's text for the wait reason.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::ChanSend => "chan send",
            WaitReason::ChanReceive => "chan receive",
            WaitReason::ChanSendNil => "chan send (nil chan)",
            WaitReason::ChanReceiveNil => "chan receive (nil chan)",
            WaitReason::Select => "select",
            WaitReason::SelectNoCases => "select (no cases)",
            WaitReason::MutexLock => "sync.Mutex.Lock",
            WaitReason::RWMutexRLock => "sync.RWMutex.RLock",
            WaitReason::RWMutexLock => "sync.RWMutex.Lock",
            WaitReason::WaitGroupWait => "sync.WaitGroup.Wait",
            WaitReason::CondWait => "sync.Cond.Wait",
            WaitReason::Sleep => "sleep",
        }
    }
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One goroutine blocked forever when the scenario could not go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Blocked {
    /// Thread name (`worker`, or `worker#2` for the second thread spawned under that name).
    pub thread: String,
    /// What it waits on, in Go's words.
    pub reason: WaitReason,
    /// The object it waits on, when there is one (`select` waits on several).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object: Option<String>,
    /// JSON path of the blocked operation in the scenario.
    pub op: String,
    /// The locks it holds while it waits (`mu`, or `mu (read)` for a read lock): with
    /// `object`, who holds what and waits on what.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub holds: Vec<String>,
}

/// A failure, as a typed value. [`Failure::message`] is Go's exact text, [`Failure::kind`] says
/// whether Go panics or dies with a fatal error, [`Failure::render`] prints both as Go would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `map-nil-write`
    NilMapWrite,
    /// `map-concurrent-writes`
    ConcurrentMapWrites,
    /// `map-read-write`
    ConcurrentMapReadWrite,
    /// `map-iter-write`
    ConcurrentMapIterWrite,
    /// `map-clone-write`
    ConcurrentMapCloneWrite,
    /// `chan-send-closed`
    SendOnClosedChannel,
    /// `chan-close-closed`
    CloseOfClosedChannel,
    /// `chan-close-nil`
    CloseOfNilChannel,
    /// `wg-negative`
    NegativeWaitGroupCounter,
    /// `wg-add-during-wait`
    WaitGroupAddDuringWait,
    /// `wg-reuse`
    WaitGroupReused,
    /// `mutex-unlock-unlocked`
    UnlockOfUnlockedMutex,
    /// `rwmutex-runlock-unlocked`
    RUnlockOfUnlockedRWMutex,
    /// `rwmutex-unlock-unlocked`
    UnlockOfUnlockedRWMutex,
    /// `slice-bounds`: an index or slice expression out of range; the text after
    /// `runtime error: `, e.g. `index out of range [5] with length 3`.
    Bounds(String),
    /// `runtime error: integer divide by zero`, from an expression's `/` or `%`.
    DivideByZero,
    /// A method call on a nil interface or pointer (a nil context).
    NilDereference,
    /// `context.WithCancel(nil)` and friends.
    NilParentContext,
    /// Stop or Reset of a zero `time.Timer` (the method name).
    TimerUninit(&'static str),
    /// A failed type assertion; the text after `interface conversion: `.
    TypeAssertion(String),
    /// A `panic` op of the scenario itself, with its value.
    UserPanic(Value),
    /// A panic raised while others were propagating (a deferred call panicked): `earlier`
    /// oldest first, `last` the newest, which is what `recover` would get. Go prints the chain
    /// oldest first.
    PanicChain {
        earlier: Vec<Failure>,
        last: Box<Failure>,
    },
    /// `panic-other-thread`: a panic in a goroutine spawned inside its spawner's `recover`
    /// scope, which does not catch it; the process dies with the inner panic.
    PanicOtherThread(Box<Failure>),
    /// Every goroutine is blocked (and no timer is pending): Go's global deadlock. `id` is the
    /// catalog id the blocked set matches (`mutex-double-lock`, ...), `deadlock` otherwise.
    Deadlock {
        id: &'static str,
        blocked: Vec<Blocked>,
    },
    /// The scenario ended with goroutines blocked forever while the rest finished: silent in Go.
    Leak {
        id: &'static str,
        blocked: Vec<Blocked>,
    },
    /// The step bound was exceeded.
    Livelock { steps: u64 },
    /// A final-state assertion failed; `id` is the catalog id the scenario gives it.
    Assertion { id: String, message: String },
    /// A data race on `var` (the location's name in the scenario: `count`, `w.state`), the
    /// earlier access first; `id` is the race's catalog id.
    Race {
        id: &'static str,
        var: String,
        accesses: Box<[RaceAccess; 2]>,
    },
    /// The history of an object `expect.linearizable` names has no legal order.
    Linearizability(Box<LinFailure>),
}

/// A linearizability violation: the object's history and where no legal order exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinFailure {
    /// The object and its specification's name.
    pub obj: String,
    pub spec: &'static str,
    /// Every operation on it, in call order, each with the scenario op that performed it.
    pub history: Vec<crate::lin::Operation>,
    pub ops: Vec<usize>,
    pub violation: crate::lin::Violation,
    /// The thread (index in the execution) of the operation that cannot be placed.
    pub thread: usize,
}

/// One side of a data race.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceAccess {
    pub write: bool,
    /// JSON path of the op in the scenario.
    pub op: String,
    /// The thread's name in the execution (`worker#2`) and its static role (`worker`).
    pub thread: String,
    pub role: String,
    /// Go's goroutine number for it (main is 1).
    pub goroutine: usize,
    /// Where it was started (the `spawn` op's path); none for a top-level thread.
    pub created_at: Option<String>,
    /// Its line of the step trace, when the execution was traced.
    pub line: Option<usize>,
}

impl RaceAccess {
    fn what(&self) -> &'static str {
        if self.write {
            "write"
        } else {
            "read"
        }
    }
}

impl Failure {
    /// The catalog id (HAZARDS.md) this failure is evidence of.
    pub fn catalog_id(&self) -> &str {
        match self {
            Failure::NilMapWrite => "map-nil-write",
            Failure::ConcurrentMapWrites => "map-concurrent-writes",
            Failure::ConcurrentMapReadWrite => "map-read-write",
            Failure::ConcurrentMapIterWrite => "map-iter-write",
            Failure::ConcurrentMapCloneWrite => "map-clone-write",
            Failure::SendOnClosedChannel => "chan-send-closed",
            Failure::CloseOfClosedChannel => "chan-close-closed",
            Failure::CloseOfNilChannel => "chan-close-nil",
            Failure::NegativeWaitGroupCounter => "wg-negative",
            Failure::WaitGroupAddDuringWait => "wg-add-during-wait",
            Failure::WaitGroupReused => "wg-reuse",
            Failure::UnlockOfUnlockedMutex => "mutex-unlock-unlocked",
            Failure::RUnlockOfUnlockedRWMutex => "rwmutex-runlock-unlocked",
            Failure::UnlockOfUnlockedRWMutex => "rwmutex-unlock-unlocked",
            Failure::Bounds(_) => "slice-bounds",
            Failure::NilParentContext => "ctx-cancelled-parent",
            Failure::NilDereference
            | Failure::DivideByZero
            | Failure::TimerUninit(_)
            | Failure::TypeAssertion(_)
            | Failure::UserPanic(_) => "panic",
            Failure::PanicChain { last, .. } => last.catalog_id(),
            Failure::PanicOtherThread(_) => "panic-other-thread",
            Failure::Deadlock { id, .. } | Failure::Leak { id, .. } => id,
            Failure::Livelock { .. } => "livelock",
            Failure::Assertion { id, .. } => id,
            Failure::Race { id, .. } => id,
            Failure::Linearizability(_) => "linearizability",
        }
    }

    /// Panic or fatal error, as Go raises it; leak, livelock or assertion where Go is silent.
    pub fn kind(&self) -> FailureKind {
        match self {
            Failure::NilMapWrite
            | Failure::SendOnClosedChannel
            | Failure::CloseOfClosedChannel
            | Failure::CloseOfNilChannel
            | Failure::NegativeWaitGroupCounter
            | Failure::WaitGroupAddDuringWait
            | Failure::WaitGroupReused
            | Failure::Bounds(_)
            | Failure::DivideByZero
            | Failure::NilDereference
            | Failure::NilParentContext
            | Failure::TimerUninit(_)
            | Failure::TypeAssertion(_)
            | Failure::UserPanic(_) => FailureKind::Panic,
            Failure::ConcurrentMapWrites
            | Failure::ConcurrentMapReadWrite
            | Failure::ConcurrentMapIterWrite
            | Failure::ConcurrentMapCloneWrite
            | Failure::UnlockOfUnlockedMutex
            | Failure::RUnlockOfUnlockedRWMutex
            | Failure::UnlockOfUnlockedRWMutex
            | Failure::Deadlock { .. } => FailureKind::Fatal,
            Failure::PanicChain { last, .. } => last.kind(),
            Failure::PanicOtherThread(inner) => inner.kind(),
            Failure::Leak { .. } => FailureKind::Leak,
            Failure::Livelock { .. } => FailureKind::Livelock,
            Failure::Assertion { .. } => FailureKind::Assertion,
            Failure::Race { .. } => FailureKind::Race,
            Failure::Linearizability(_) => FailureKind::Linearizability,
        }
    }

    /// The message exactly as Go prints it after `panic: ` or `fatal error: `. Note that channel
    /// and map-assign panics carry no `runtime error: ` prefix.
    pub fn message(&self) -> String {
        match self {
            Failure::NilMapWrite => "assignment to entry in nil map".into(),
            Failure::ConcurrentMapWrites => "concurrent map writes".into(),
            Failure::ConcurrentMapReadWrite => "concurrent map read and map write".into(),
            Failure::ConcurrentMapIterWrite => "concurrent map iteration and map write".into(),
            Failure::ConcurrentMapCloneWrite => "concurrent map clone and map write".into(),
            Failure::SendOnClosedChannel => "send on closed channel".into(),
            Failure::CloseOfClosedChannel => "close of closed channel".into(),
            Failure::CloseOfNilChannel => "close of nil channel".into(),
            Failure::NegativeWaitGroupCounter => "sync: negative WaitGroup counter".into(),
            Failure::WaitGroupAddDuringWait => {
                "sync: WaitGroup misuse: Add called concurrently with Wait".into()
            }
            Failure::WaitGroupReused => {
                "sync: WaitGroup is reused before previous Wait has returned".into()
            }
            Failure::UnlockOfUnlockedMutex => "sync: unlock of unlocked mutex".into(),
            Failure::RUnlockOfUnlockedRWMutex => "sync: RUnlock of unlocked RWMutex".into(),
            Failure::UnlockOfUnlockedRWMutex => "sync: Unlock of unlocked RWMutex".into(),
            Failure::Bounds(text) => format!("runtime error: {text}"),
            Failure::DivideByZero => "runtime error: integer divide by zero".into(),
            Failure::NilDereference => {
                "runtime error: invalid memory address or nil pointer dereference".into()
            }
            Failure::NilParentContext => "cannot create context from nil parent".into(),
            Failure::TimerUninit(method) => format!("time: {method} called on uninitialized Timer"),
            Failure::TypeAssertion(text) => format!("interface conversion: {text}"),
            // Go 1.21+ turns panic(nil) into a *runtime.PanicNilError, a runtime error.
            Failure::UserPanic(Value::Nil) => {
                "runtime error: panic called with nil argument".into()
            }
            Failure::UserPanic(v) => v.to_string(),
            Failure::PanicChain { last, .. } => last.message(),
            Failure::PanicOtherThread(inner) => inner.message(),
            Failure::Deadlock { .. } => "all goroutines are asleep - deadlock!".into(),
            Failure::Leak { blocked, .. } => {
                let list = blocked
                    .iter()
                    .map(|b| format!("{} [{}]", b.thread, b.reason))
                    .collect::<Vec<_>>()
                    .join(", ");
                match blocked.len() {
                    1 => format!("goroutine leak: {list} blocked forever"),
                    n => format!("goroutine leak: {n} goroutines blocked forever: {list}"),
                }
            }
            Failure::Livelock { steps } => {
                format!("livelock: no thread finished within the step bound ({steps} steps)")
            }
            Failure::Assertion { message, .. } => message.clone(),
            // Both accesses by op path, whichever came first: one race, one signature.
            Failure::Race { var, accesses, .. } => {
                let mut sides: Vec<String> = accesses
                    .iter()
                    .map(|a| format!("{} at {} ({})", a.what(), a.op, a.role))
                    .collect();
                sides.sort();
                format!("data race on {var}: {}", sides.join(", "))
            }
            // The same for every interleaving that shows the bug: the history is in the report.
            Failure::Linearizability(l) => format!(
                "the history of {} is not linearizable: no order of its operations is a legal {}",
                l.obj, l.spec
            ),
        }
    }

    /// The goroutines blocked forever, for deadlocks and leaks.
    pub fn blocked(&self) -> &[Blocked] {
        match self {
            Failure::Deadlock { blocked, .. } | Failure::Leak { blocked, .. } => blocked,
            _ => &[],
        }
    }

    /// Whether Go's own runtime reports this interleaving, and why (HAZARDS.md, "What the
    /// harness adds on top of Go").
    pub fn go_detects(&self) -> (bool, &'static str) {
        match self {
            Failure::ConcurrentMapWrites
            | Failure::ConcurrentMapReadWrite
            | Failure::ConcurrentMapIterWrite
            | Failure::ConcurrentMapCloneWrite => (
                true,
                "the map's writing flag was set when it was checked: Go's best-effort check fires in this interleaving (given GOMAXPROCS >= 2: map code is not preemptible, so with one P two map operations never overlap)",
            ),
            Failure::UnlockOfUnlockedMutex
            | Failure::RUnlockOfUnlockedRWMutex
            | Failure::UnlockOfUnlockedRWMutex => {
                (true, "the sync package throws a fatal error on this misuse")
            }
            Failure::Deadlock { .. } => (
                true,
                "every goroutine is blocked and no timer is pending: the runtime reports a global deadlock (a -race binary hangs instead)",
            ),
            Failure::Leak { .. } => (
                false,
                "the runtime says nothing about goroutines blocked forever while the program goes on (the goroutineleak profile can: see leak_profile)",
            ),
            Failure::Livelock { .. } => (false, "Go does not detect goroutines that never finish"),
            Failure::PanicOtherThread(_) => (
                true,
                "the goroutine's panic kills the process: a recover in the goroutine that started it cannot catch it",
            ),
            Failure::Assertion { .. } | Failure::Linearizability(_) => (
                false,
                "a wrong result is not a runtime error: Go reports nothing",
            ),
            Failure::Race { id: "race-map", .. } => (
                false,
                "the map's own check fires only when two accesses overlap, and these did not: only a -race build reports this data race",
            ),
            Failure::Race { .. } => (
                false,
                "the runtime does not watch plain memory: only a -race build reports a data race",
            ),
            _ => (true, "Go panics here; unrecovered, the panic kills the process"),
        }
    }

    /// Go's output: `panic: <msg>` or `fatal error: <msg>`; for a global deadlock also one
    /// `goroutine N [reason]:` line per blocked goroutine, as Go's dump lists them.
    pub fn render(&self) -> String {
        match self.kind() {
            // Go prints a string panic value unquoted, like the runtime's own messages.
            FailureKind::Panic => match self {
                // runtime/panic.go printpanics: the oldest first, each later one on a line of
                // its own, indented by a tab.
                Failure::PanicChain { earlier, last } => {
                    let mut s = String::new();
                    for (i, f) in earlier.iter().chain([&**last]).enumerate() {
                        if i > 0 {
                            s.push_str("\n\t");
                        }
                        s.push_str(&format!("panic: {}", f.message()));
                    }
                    s
                }
                Failure::PanicOtherThread(inner) => inner.render(),
                _ => format!("panic: {}", self.message()),
            },
            FailureKind::Fatal => {
                let mut s = format!("fatal error: {}", self.message());
                // Go's dump header, then in parentheses what hazard adds: the thread, what it
                // waits on and which locks it holds.
                for (i, b) in self.blocked().iter().enumerate() {
                    let mut who = b.thread.clone();
                    if let Some(o) = &b.object {
                        who.push_str(&format!(", waits on {o}"));
                    }
                    if !b.holds.is_empty() {
                        who.push_str(&format!(", holds {}", b.holds.join(", ")));
                    }
                    s.push_str(&format!("\n\ngoroutine {} [{}]: ({who})", i + 1, b.reason));
                }
                s
            }
            FailureKind::Leak | FailureKind::Livelock | FailureKind::Assertion => {
                format!("hazard: {}", self.message())
            }
            FailureKind::Linearizability => match self {
                Failure::Linearizability(l) => {
                    let mut s = format!("hazard: {}", self.message());
                    let v = &l.violation;
                    if let Some(k) = &v.key {
                        s.push_str(&format!(" (key {k})"));
                    }
                    s.push_str("\nlongest legal order:");
                    if v.order.is_empty() {
                        s.push_str(" (none)");
                    }
                    for &i in &v.order {
                        s.push_str(&format!("\n  {}", l.history[i]));
                    }
                    s.push_str(&format!("\nthen no order explains: {}", l.history[v.stuck]));
                    if let Some(e) = &v.expected {
                        s.push_str(&format!(" (the {} gives {e} there)", l.spec));
                    }
                    s
                }
                _ => unreachable!("only a linearizability failure has that kind"),
            },
            FailureKind::Race => match self {
                // The race detector's report (runtime/race): the later access, the earlier
                // one, where each goroutine was created; op paths stand for the stacks.
                Failure::Race { var, accesses, .. } => {
                    let [prev, now] = &**accesses;
                    let cap = |s: &str| {
                        let mut c = s.chars();
                        c.next()
                            .map(|f| f.to_uppercase().chain(c).collect::<String>())
                            .unwrap_or_default()
                    };
                    let mut s = String::from("==================\nWARNING: DATA RACE\n");
                    s.push_str(&format!(
                        "{} at {var} by goroutine {}:\n  {} ({})\n\n",
                        cap(now.what()),
                        now.goroutine,
                        now.op,
                        now.thread
                    ));
                    s.push_str(&format!(
                        "Previous {} at {var} by goroutine {}:\n  {} ({})\n",
                        prev.what(),
                        prev.goroutine,
                        prev.op,
                        prev.thread
                    ));
                    let mut seen = Vec::new();
                    for a in [now, prev] {
                        if seen.contains(&a.goroutine) {
                            continue;
                        }
                        seen.push(a.goroutine);
                        let at = a
                            .created_at
                            .as_deref()
                            .unwrap_or("main (a top-level thread)");
                        s.push_str(&format!(
                            "\nGoroutine {} ({}) created at:\n  {at}\n",
                            a.goroutine, a.thread
                        ));
                    }
                    s.push_str("==================");
                    s
                }
                _ => unreachable!("only a race has kind race"),
            },
        }
    }
}

impl Failure {
    /// `new` raised while `self` was propagating (a deferred call panicked).
    pub fn then_panic(self, new: Failure) -> Failure {
        let mut earlier = match self {
            Failure::PanicChain { mut earlier, last } => {
                earlier.push(*last);
                earlier
            }
            other => vec![other],
        };
        let last = match new {
            Failure::PanicChain {
                earlier: more,
                last,
            } => {
                earlier.extend(more);
                last
            }
            other => Box::new(other),
        };
        Failure::PanicChain { earlier, last }
    }

    /// What `recover()` returns for this panic: the value of the newest `panic`, or, for a
    /// runtime panic, its message (Go's runtime.Error, shown by its Error()).
    pub fn recovered(self) -> Value {
        match self {
            Failure::UserPanic(Value::Nil) => Value::Str(self.message()),
            Failure::UserPanic(v) => v,
            Failure::PanicChain { last, .. } => last.recovered(),
            other => Value::Str(other.message()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}
