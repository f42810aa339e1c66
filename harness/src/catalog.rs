//! The hazard catalog (HAZARDS.md): every id, its section, and whether this version ports it.

/// One catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: &'static str,
    /// HAZARDS.md section: `maps`, `channels`, `sync`, `context`, `time`, `slices`, `aba`,
    /// `threads`, `races`, or `oracle` for the harness's own classifications.
    pub section: &'static str,
    pub summary: &'static str,
    /// Whether a Go-faithful port and scenarios exist in this version.
    pub ported: bool,
    /// Whether the id names a failure (a buggy/fixed scenario pair shows it); the others are
    /// semantics that surprise people but never fail (`map-nil-read`, `chan-recv-closed`),
    /// shown by one passing scenario.
    pub failure: bool,
}

const fn e(id: &'static str, section: &'static str, summary: &'static str, ported: bool) -> Entry {
    Entry {
        id,
        section,
        summary,
        ported,
        failure: !matches!(id.as_bytes(), b"map-nil-read" | b"chan-recv-closed"),
    }
}

/// Every catalog id, in HAZARDS.md order.
pub const CATALOG: &[Entry] = &[
    e(
        "map-nil-write",
        "maps",
        "assignment to entry in nil map (panic)",
        true,
    ),
    e(
        "map-nil-read",
        "maps",
        "reads, delete, clear, range of a nil map are no-ops",
        true,
    ),
    e(
        "map-concurrent-writes",
        "maps",
        "two writers overlap: fatal error: concurrent map writes",
        true,
    ),
    e(
        "map-read-write",
        "maps",
        "a read overlaps a write: fatal error: concurrent map read and map write",
        true,
    ),
    e(
        "map-iter-write",
        "maps",
        "iteration overlaps a write: fatal error: concurrent map iteration and map write",
        true,
    ),
    e(
        "map-clone-write",
        "maps",
        "clone overlaps a write: fatal error: concurrent map clone and map write",
        true,
    ),
    e(
        "map-lazy-init",
        "maps",
        "check-then-create of a shared map without Once",
        true,
    ),
    e(
        "map-shared-object",
        "maps",
        "callback and status writer mutate one cached object's map",
        true,
    ),
    e(
        "ctx-shared-map",
        "maps",
        "one mutable map in every request's context",
        true,
    ),
    e(
        "map-nil-field",
        "maps",
        "a nil map from a struct field or lookup is written",
        true,
    ),
    e(
        "chan-send-closed",
        "channels",
        "send on closed channel (panic), also for blocked senders and select",
        true,
    ),
    e(
        "chan-close-closed",
        "channels",
        "close of closed channel (panic)",
        true,
    ),
    e(
        "chan-close-nil",
        "channels",
        "close of nil channel (panic)",
        true,
    ),
    e(
        "chan-nil-block",
        "channels",
        "send or receive on a nil channel blocks forever",
        true,
    ),
    e(
        "chan-recv-closed",
        "channels",
        "receive from closed channel: buffered values, then zero, false",
        true,
    ),
    e(
        "chan-leak",
        "channels",
        "a sender or receiver whose peer gave up blocks forever",
        true,
    ),
    e(
        "deadlock",
        "channels",
        "every thread blocked: fatal error: all goroutines are asleep - deadlock!",
        true,
    ),
    e(
        "wg-negative",
        "sync",
        "sync: negative WaitGroup counter (panic)",
        true,
    ),
    e(
        "wg-add-during-wait",
        "sync",
        "sync: WaitGroup misuse: Add called concurrently with Wait (panic)",
        true,
    ),
    e(
        "wg-reuse",
        "sync",
        "sync: WaitGroup is reused before previous Wait has returned (panic)",
        true,
    ),
    e(
        "wg-wait-forever",
        "sync",
        "fewer Done than Add: Wait blocks forever",
        true,
    ),
    e(
        "cond-lost-signal",
        "sync",
        "a Cond Signal with no waiter is lost: a Wait without a condition check blocks forever",
        true,
    ),
    e(
        "mutex-unlock-unlocked",
        "sync",
        "fatal error: sync: unlock of unlocked mutex",
        true,
    ),
    e(
        "mutex-double-lock",
        "sync",
        "Lock twice in one thread blocks forever",
        true,
    ),
    e(
        "lock-order-inversion",
        "sync",
        "two threads take two locks in opposite orders",
        true,
    ),
    e(
        "lock-chan-cycle",
        "sync",
        "a thread waits on a channel while holding a lock its partner waits for",
        true,
    ),
    e(
        "rwmutex-runlock-unlocked",
        "sync",
        "fatal error: sync: RUnlock of unlocked RWMutex",
        true,
    ),
    e(
        "rwmutex-unlock-unlocked",
        "sync",
        "fatal error: sync: Unlock of unlocked RWMutex",
        true,
    ),
    e(
        "rwmutex-nested-rlock",
        "sync",
        "nested RLock with a writer arriving in between deadlocks",
        true,
    ),
    e(
        "once-panic",
        "sync",
        "f panics: the Once is done anyway, later Do calls skip f",
        true,
    ),
    e(
        "once-recursive",
        "sync",
        "f calls Do on the same Once: blocks forever",
        true,
    ),
    e(
        "pool-use-after-put",
        "sync",
        "an object used after Put aliases another Get",
        true,
    ),
    e(
        "ctx-cancelled-parent",
        "context",
        "a child of a cancelled parent is born cancelled",
        true,
    ),
    e(
        "ctx-never-cancelled",
        "context",
        "waiting on Done of a context nobody cancels",
        true,
    ),
    e(
        "ctx-afterfunc",
        "context",
        "AfterFunc runs f once ctx is cancelled; stop() semantics",
        true,
    ),
    e(
        "timer-afterfunc-reset",
        "time",
        "Reset re-arms a stopped or fired AfterFunc timer",
        true,
    ),
    e(
        "timer-stop-race",
        "time",
        "Stop returns false while f may still be running",
        true,
    ),
    e(
        "timeout-leak",
        "time",
        "the timeout wins a select and the worker's send blocks forever",
        true,
    ),
    e(
        "slice-append-alias",
        "slices",
        "two appends to one base with spare capacity alias",
        true,
    ),
    e(
        "slice-stale-after-grow",
        "slices",
        "a reference taken before a reallocating append goes stale",
        true,
    ),
    e(
        "slice-concurrent-append",
        "slices",
        "two threads append to one slice variable: lost updates",
        true,
    ),
    e(
        "slice-bounds",
        "slices",
        "runtime error: index out of range / slice bounds out of range",
        true,
    ),
    e(
        "aba-treiber",
        "aba",
        "Treiber stack pop CAS succeeds with a stale next after node reuse",
        true,
    ),
    e(
        "panic-other-thread",
        "threads",
        "a panic in a spawned thread is not caught by the parent's recover",
        true,
    ),
    e(
        "handle-use-after-close",
        "threads",
        "a shared handle closed by one owner while another uses it",
        true,
    ),
    e(
        "race-var",
        "races",
        "a package-level variable read and written by goroutines with no happens-before",
        true,
    ),
    e(
        "race-capture",
        "races",
        "a variable a goroutine's closure captured, written by it and another unordered",
        true,
    ),
    e(
        "race-field",
        "races",
        "a struct field written and read by goroutines with no happens-before",
        true,
    ),
    e(
        "race-field-rlock",
        "races",
        "a struct field written under RLock: readers are not ordered against each other",
        true,
    ),
    e(
        "race-slice-elem",
        "races",
        "a slice element written by one goroutine and read or written by another, unordered",
        true,
    ),
    e(
        "race-map",
        "races",
        "a map read and written by goroutines with no happens-before: -race reports it even where the runtime's map check does not fire",
        true,
    ),
    e(
        "race-lazy-init",
        "races",
        "lazy init `if p == nil { p = new(T) }` without Once: the nil check races the store",
        true,
    ),
    e(
        "race-chan-field",
        "races",
        "a channel field reassigned (set to nil by Stop) while a loop re-reads it",
        true,
    ),
];

/// Ids the harness reports that are not hazards of their own.
pub const ORACLE_IDS: &[&str] = &["panic", "leak", "livelock", "assertion", "linearizability"];

/// Look up an id.
pub fn entry(id: &str) -> Option<&'static Entry> {
    CATALOG.iter().find(|e| e.id == id)
}

/// Whether `id` can appear in a scenario's `expect` or `catalog` field.
pub fn is_known(id: &str) -> bool {
    entry(id).is_some() || ORACLE_IDS.contains(&id)
}
