//! hazard: a chaos-engineering fuzz harness for concurrent data structures.
//!
//! Scenario files describe Go-style operation schedules; engines built on shuttle explore their
//! interleavings against instrumented ports that fail exactly as Go's runtime does; every finding
//! is replay-verified and written as a versioned JSON report.

/// The leaf every layer shares: values, failures, durations, the schedule format.
pub mod base;
/// Nightly campaigns: a time budget over many scenarios on N workers, findings classified
/// against the corpus and a baseline, resumable state, CI-native outputs.
pub mod campaign;
/// The hazard catalog: ids, sections, what is ported.
pub mod catalog;
/// The regression corpus: check and promote minimized reports.
pub mod corpus;
/// One execution: the interpreter, the virtual clock's task, the driver and its oracles, signatures.
pub mod exec;
/// Exploration: the engines, the portfolio, replay, byte-driven runs, bounded searches.
pub mod explore;
/// Linearizability: histories of operations checked against sequential specifications.
pub mod lin;
/// Minimization: the fewest preemptions and steps, in the smallest scenario, that still fail.
pub mod minimize;
/// Go-faithful ports of maps, channels, select and the sync primitives; typed failures.
pub mod model;
/// From a scenario to written reports: find, minimize, build, verify, write.
pub mod pipeline;
/// Reports: versioned JSON, atomic writer, the run summary, human views (table, HTML page).
pub mod report;
/// The only code that names shuttle: task primitives, the scheduler adapter, coverage counters.
pub(crate) mod rt;
/// Scenario format v1: parse, validate, compile, JSON Schema.
pub mod scenario;
/// The bodies of the libFuzzer targets (`fuzz/`), shared with `cargo test` and `hazard fuzz`.
pub mod targets;

/// The harness version recorded in reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The shuttle version the engines run on (pinned in Cargo.toml).
pub const SHUTTLE_VERSION: &str = "0.9.9";
