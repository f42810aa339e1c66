//! Instrumented ports of Go's concurrency primitives, each failing exactly as Go's runtime does.
//!
//! Users see the typed values here: [`Value`](crate::base::Value), [`Failure`](crate::base::Failure) (Go's exact text and kind) and
//! [`WaitReason`](crate::base::WaitReason). The ports themselves run inside shuttle executions driven by
//! the interpreter (`explore`); every check they make is a scheduling point.

mod atomic;
mod chan;
mod cond;
mod context;
mod diagnose;
mod ds;
pub(crate) mod fault;
mod go_tools;
mod handle;
pub(crate) mod history;
mod map;
mod mutex;
mod obj;
mod once;
mod pool;
pub(crate) mod race;
mod rand;
mod rwmutex;
mod select;
mod sema;
mod slice;
mod sync;
mod threads;
mod time;
mod waitgroup;
pub(crate) mod world;

// The shared types live in `base`; these paths stay for the ports and the public API.
pub(crate) use crate::base::failure;
pub use crate::base::{parse_duration, Blocked, Failure, FailureKind, WaitReason};
pub use crate::base::{ElemType, Value, VALUE_TYPES};
pub use fault::Injection;
pub use go_tools::{Detects, GoTools, Verdict};
pub use slice::{grow_cap, slice_bounds};
pub use world::Failed;

/// The port operations the interpreter calls, one module per Go primitive.
pub(crate) mod ops {
    pub(crate) use super::chan::{close, len as chan_len, recv, send};
    pub(crate) use super::cond::{signal as cond_signal, wait as cond_wait};
    pub(crate) use super::map::{
        clear, clone, delete, get, len as map_len, make, range as map_range, set,
    };
    pub(crate) use super::mutex::{lock, unlock};
    pub(crate) use super::once::do_once;
    pub(crate) use super::rand::intn as rand_intn;
    pub(crate) use super::rwmutex::{lock as rw_lock, rlock, runlock, unlock as rw_unlock};
    pub(crate) use super::select::{select, SelCase, Selected};
    pub(crate) use super::waitgroup::{add as wg_add, wait as wg_wait};
    pub(crate) mod time {
        pub(crate) use super::super::time::{after_func, new_timer, reset, sleep, stop, FuncSpec};
    }
    pub(crate) mod ctx {
        pub(crate) use super::super::context::{
            after_func, cancel, err, value, with_cancel, with_value,
        };
    }
    pub(crate) mod slice {
        pub(crate) use super::super::slice::{append, index, len, range, reslice, store};
    }
    pub(crate) mod atomic {
        pub(crate) use super::super::atomic::{add, cas, load, store, swap};
    }
    pub(crate) mod pool {
        pub(crate) use super::super::pool::{get, put};
    }
    pub(crate) mod handle {
        pub(crate) use super::super::handle::{close, use_handle};
    }
    pub(crate) mod ds {
        pub(crate) use super::super::ds::{
            map_delete, map_get, map_len, map_range, map_set, pop, push,
        };
    }
}
