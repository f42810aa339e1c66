//! Instrumented ports of Go's concurrency primitives, each failing exactly as Go's runtime does.
//!
//! Users see the typed values here: [`Value`], [`Failure`] (Go's exact text and kind) and
//! [`WaitReason`]. The ports themselves run inside shuttle executions driven by
//! [`crate::explore`]; every check they make is a scheduling point.

mod chan;
mod diagnose;
mod failure;
mod map;
mod mutex;
mod once;
mod rwmutex;
mod select;
mod sema;
mod value;
mod waitgroup;
pub(crate) mod world;

pub use failure::{Blocked, Failure, FailureKind, WaitReason};
pub use value::{ElemType, Value};
pub use world::Failed;

/// The port operations the interpreter calls, one module per Go primitive.
pub(crate) mod ops {
    pub(crate) use super::chan::{close, len as chan_len, recv, send};
    pub(crate) use super::map::{
        clear, clone, delete, get, len as map_len, make, range_next, range_start, set, IterStep,
    };
    pub(crate) use super::mutex::{lock, unlock};
    pub(crate) use super::once::do_once;
    pub(crate) use super::rwmutex::{lock as rw_lock, rlock, runlock, unlock as rw_unlock};
    pub(crate) use super::select::{select, SelCase, Selected};
    pub(crate) use super::waitgroup::{add as wg_add, wait as wg_wait};
}
