//! The kinds of scenario object, as one enum: validation, the ports and the fuzz generator
//! name kinds through it, so a new kind is a compile error wherever it must be handled.

use std::fmt;

/// An object's `kind` in a scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjKind {
    Map,
    Chan,
    Mutex,
    Rwmutex,
    Waitgroup,
    Once,
    Cond,
    Struct,
    Timer,
    Context,
    Slice,
    Atomic,
    Pool,
    Handle,
    RwmutexMap,
    ShardedMap,
    SyncMap,
    CowMap,
    TreiberStack,
    StampedStack,
    EpochStack,
}

impl ObjKind {
    /// Every kind, in the order the scenario format documents them.
    pub const ALL: [ObjKind; 21] = [
        ObjKind::Map,
        ObjKind::Chan,
        ObjKind::Mutex,
        ObjKind::Rwmutex,
        ObjKind::Waitgroup,
        ObjKind::Once,
        ObjKind::Cond,
        ObjKind::Struct,
        ObjKind::Timer,
        ObjKind::Context,
        ObjKind::Slice,
        ObjKind::Atomic,
        ObjKind::Pool,
        ObjKind::Handle,
        ObjKind::RwmutexMap,
        ObjKind::ShardedMap,
        ObjKind::SyncMap,
        ObjKind::CowMap,
        ObjKind::TreiberStack,
        ObjKind::StampedStack,
        ObjKind::EpochStack,
    ];

    /// Whether a variable or field of this kind holds a reference (a pointer, map, channel,
    /// slice or interface: reading it is a memory read) rather than the object itself (a
    /// `sync.Mutex` field is used in place).
    pub fn is_reference(self) -> bool {
        matches!(
            self,
            ObjKind::Map
                | ObjKind::Chan
                | ObjKind::Struct
                | ObjKind::Timer
                | ObjKind::Context
                | ObjKind::Slice
                | ObjKind::Cond
                | ObjKind::Handle
        )
    }

    /// Kinds that take the map ops (`set`, `get`, `delete`, `range`, ...).
    pub const MAP_LIKE: &[ObjKind] = &[
        ObjKind::Map,
        ObjKind::RwmutexMap,
        ObjKind::ShardedMap,
        ObjKind::SyncMap,
        ObjKind::CowMap,
    ];

    /// The lock-free stacks (`push`, `pop`).
    pub const STACKS: &[ObjKind] = &[
        ObjKind::TreiberStack,
        ObjKind::StampedStack,
        ObjKind::EpochStack,
    ];

    /// The name a scenario file writes (`"kind": "rwmutex-map"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ObjKind::Map => "map",
            ObjKind::Chan => "chan",
            ObjKind::Mutex => "mutex",
            ObjKind::Rwmutex => "rwmutex",
            ObjKind::Waitgroup => "waitgroup",
            ObjKind::Once => "once",
            ObjKind::Cond => "cond",
            ObjKind::Struct => "struct",
            ObjKind::Timer => "timer",
            ObjKind::Context => "context",
            ObjKind::Slice => "slice",
            ObjKind::Atomic => "atomic",
            ObjKind::Pool => "pool",
            ObjKind::Handle => "handle",
            ObjKind::RwmutexMap => "rwmutex-map",
            ObjKind::ShardedMap => "sharded-map",
            ObjKind::SyncMap => "sync-map",
            ObjKind::CowMap => "cow-map",
            ObjKind::TreiberStack => "treiber-stack",
            ObjKind::StampedStack => "stamped-stack",
            ObjKind::EpochStack => "epoch-stack",
        }
    }

    /// The fields a final-state assertion (`expect.final`) may check on an object of this kind.
    /// The kind with its indefinite article, for messages: `a mutex`, `an atomic`.
    pub fn a(self) -> String {
        let name = self.as_str();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) && self != ObjKind::Once {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    pub fn final_fields(self) -> &'static [&'static str] {
        use ObjKind as K;
        match self {
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
            K::Once | K::Cond | K::Struct | K::Timer | K::Pool => &[],
        }
    }

    /// A list of kinds for messages: `map, chan`.
    pub fn list(kinds: &[ObjKind]) -> String {
        kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ObjKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
