//! The leaf every layer shares: Go values, typed failures and wait reasons, object kinds, Go
//! duration literals, and hazard's schedule format. It depends on nothing else in the crate.

mod duration;
pub(crate) mod failure;
mod files;
mod kind;
pub mod schedule;
pub(crate) mod value;

pub use duration::parse_duration;
pub use failure::{Blocked, Failure, FailureKind, LinFailure, RaceAccess, WaitReason};
pub use files::{files_in, write_atomic};
pub use kind::ObjKind;
pub use schedule::{Decision, Schedule, ScheduleError, MAX_DECISIONS, SCHEDULE_FORMAT};
pub use value::{ElemType, Value, VALUE_TYPES};
