//! Exploration engines over scenarios: shuttle's random and PCT schedulers, hazard's
//! preemption-bounded DFS, replay, and the portfolio. The shuttle adapter ([`rt`]) is the one
//! place that implements shuttle's `Scheduler`; everything a run decides is recorded in
//! hazard's own [`schedule`] format.

mod config;
mod dfs;
mod driver;
mod engine;
pub mod fuzz;
pub mod guided;
pub(crate) mod interp;
mod replay;
pub(crate) mod rt;
pub mod schedule;
mod signature;

pub use config::{EngineKind, ExploreConfig};
pub use driver::ExecOutcome;
pub use engine::{
    explore, interrupt, interrupted, replay, EngineStats, Exploration, Finding, InternalError,
    ReplayError, RuleStat, StopReason,
};
pub use engine::{run_bytes, search_dfs, ByteRunner, BytesRun, SearchResult};
pub(crate) use engine::{run_guided, GuidedRun};
pub use guided::{Point, PointKey};
pub use schedule::{Decision, Schedule, ScheduleError, SCHEDULE_FORMAT};
pub use signature::Signature;
