//! Exploration engines over scenarios: shuttle's random and PCT schedulers, hazard's
//! preemption-bounded DFS, replay, and the portfolio. The shuttle adapter (`crate::rt`) is the
//! one place that implements shuttle's `Scheduler`; everything a run decides is recorded in
//! hazard's own [`schedule`](crate::base::schedule) format.

mod bytes;
mod config;
mod dfs;
mod engine;
pub mod fuzz;
pub mod guided;
mod replay;
mod run;

pub use crate::base::schedule;
pub use crate::base::{Decision, Schedule, ScheduleError, SCHEDULE_FORMAT};
pub use crate::exec::ExecOutcome;
pub use crate::exec::Signature;
pub use bytes::{run_bytes, ByteRunner, BytesRun};
pub use config::{EngineKind, ExploreConfig};
pub use engine::{
    executions_so_far, explore, interrupt, interrupted, EngineStats, Exploration, Finding,
    InternalError, ReplayError, RuleStat, StopReason,
};
pub use guided::{Point, PointKey};
pub use run::{replay, search_dfs, search_pct, SearchResult};
pub(crate) use run::{run_guided, GuidedRun};
