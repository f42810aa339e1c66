//! Reports: the versioned JSON record of a finding (`hazard/report/v1`), written atomically,
//! read back and replayed; and its human views: the terminal table and the HTML page.
//!
//! A report carries everything needed to reproduce its finding with no other file: the
//! scenario itself (embedded, with its hash), the schedule in hazard's own format, and the
//! signature to compare against. Worked example (abridged):
//!
//! ```json
//! {
//!   "schema": "hazard/report/v1",
//!   "harness": { "name": "hazard", "version": "0.1.0", "shuttle": "0.9.9" },
//!   "scenario": { "name": "map-concurrent-writes", "hash": "sha256:…", "source": { … } },
//!   "exploration": { "engine": "portfolio", "found_by": "dfs", "executions": 7, … },
//!   "failure": {
//!     "signature": { "id": "map-concurrent-writes", "kind": "fatal",
//!                    "message": "concurrent map writes", "thread": "writer2",
//!                    "op": "$.threads.writer2[0]" },
//!     "rendered": "fatal error: concurrent map writes", "go_detects": true, …
//!   },
//!   "schedule": { "format": "hazard-schedule/v1", "threads": ["writer1", "writer2"],
//!                 "decisions": "0x4 1x3", "preemptions": 1 },
//!   "trace": [ { "step": 1, "thread": "writer1", "op": "$.threads.writer1[0]",
//!                "text": "cache[\"a\"] = 1: check writing==0" }, … ],
//!   "replay_verified": true
//! }
//! ```

mod build;
mod html;
mod replay;
mod summary;
mod table;
mod types;
mod view;
mod write;

pub use build::*;
pub use replay::*;
pub use summary::*;
pub use types::*;
pub use view::*;

pub use html::render_html;
pub use table::render_table;
pub use write::{check_out_dir, read_report, write_fault_summary, write_report, write_report_to};

// Shared by the submodules through `use super::*`.
use crate::explore::{
    replay, EngineStats, ExecOutcome, Exploration, ExploreConfig, Finding, ReplayError, Schedule,
    ScheduleError, Signature, SCHEDULE_FORMAT,
};
use crate::minimize::{Minimized, Proof};
use crate::model::{Blocked, Failure, FailureKind, GoTools};
use crate::scenario::{load_value, ClockMode, Program, ScenarioError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The JSON Schema of the report format.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
}
