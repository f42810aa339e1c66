//! The bodies of the libFuzzer targets in `fuzz/fuzz_targets/`. Each target there is one line
//! calling a function here, so `cargo test` replays `fuzz/corpus/` and `fuzz/regressions/`
//! through the same code without libFuzzer, and `hazard fuzz import` decodes a crash file the
//! way the target read it.
//!
//! * `schedule`: a scenario explored with the bytes as scheduling decisions (see
//!   [`crate::explore::fuzz`] for the decoding). A crash only when the execution violates the
//!   scenario's `expect` (a failure in a scenario that must pass), or, with
//!   `HAZARD_FUZZ_GOAL=expected`, when it shows the failure a buggy scenario expects (how
//!   `hazard fuzz` reproduces an incident). A livelock is never a crash.
//! * `ops`: scenarios generated from the bytes over the ports (`gen.rs`), or written with the
//!   language's constructs (`lang.rs`, inputs that start with its prefix), valid by
//!   construction, then run with the remaining bytes as decisions. Fixed data structures must
//!   never fail; raw ports may fail only in their documented ways, never by a harness panic.
//! * `scenario_parse`: bytes into the scenario loader, which must never panic.

pub mod gen;
pub mod lang;

use crate::explore::{ByteRunner, BytesRun, InternalError, Signature};
use crate::scenario::{load_file, load_str, Expectation, Program};
use std::cell::RefCell;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

include!(concat!(env!("OUT_DIR"), "/shipped.rs"));

/// Step bound of a fuzzed execution when the scenario sets none.
pub const MAX_STEPS: u64 = 20_000;

/// The shipped scenarios the `schedule` target picks from with its first byte, by file name.
pub fn shipped() -> &'static [(&'static str, &'static str)] {
    SHIPPED
}

/// Which outcomes the `schedule` target turns into crashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Only failures that break the scenario's `expect` (the nightly, regression setting).
    Violation,
    /// Also the failure a buggy scenario expects (reproducing an incident).
    Expected,
}

/// Where the `schedule` target's scenario comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// One scenario; every byte is a decision.
    One(Arc<Program>),
    /// The first byte picks a shipped scenario (modulo their number); the rest are decisions.
    Shipped,
}

/// The `schedule` target's setting.
#[derive(Debug, Clone)]
pub struct ScheduleTarget {
    pub source: Source,
    pub goal: Goal,
}

/// Why a target setting could not be made (bad environment, unreadable scenario).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError(pub String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for TargetError {}

/// An input a target turns into a crash.
#[derive(Debug, Clone)]
pub struct Violation {
    pub target: &'static str,
    pub scenario: String,
    /// What broke, for people.
    pub what: String,
    /// The failure, when an execution failed.
    pub signature: Option<Signature>,
    /// The decisions the bytes made, in hazard's schedule format.
    pub schedule: Option<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hazard {} target, scenario {}: {}",
            self.target, self.scenario, self.what
        )?;
        if let Some(s) = &self.schedule {
            write!(f, "\nschedule: {s}")?;
        }
        Ok(())
    }
}
impl std::error::Error for Violation {}

/// A scenario and the bytes left for its decisions.
pub struct Selected<'a> {
    pub prog: Arc<Program>,
    pub decisions: &'a [u8],
}

impl Selected<'_> {
    /// The one execution the input makes, within the scenario's step bound.
    fn run(&self) -> Result<BytesRun, InternalError> {
        let max_steps = self.prog.hints.max_steps.unwrap_or(MAX_STEPS);
        run_input(&self.prog, self.decisions, max_steps)
    }
}

/// One execution of `prog` decided by `data`, on this thread's [`ByteRunner`] (a libFuzzer
/// target calls this once per input; a runner that stays up is several times faster than
/// one per input). A runner that failed is replaced.
pub fn run_input(
    prog: &Arc<Program>,
    data: &[u8],
    max_steps: u64,
) -> Result<BytesRun, InternalError> {
    thread_local! {
        static RUNNER: RefCell<Option<ByteRunner>> = const { RefCell::new(None) };
    }
    RUNNER.with(|r| {
        let mut r = r.borrow_mut();
        let result = r
            .get_or_insert_with(ByteRunner::new)
            .run(prog, data, max_steps, false);
        if result.is_err() {
            *r = None;
        }
        result
    })
}

fn shipped_programs() -> &'static [Arc<Program>] {
    static PROGS: OnceLock<Vec<Arc<Program>>> = OnceLock::new();
    PROGS.get_or_init(|| {
        SHIPPED
            .iter()
            .filter_map(|(name, text)| load_str(text, name).ok().map(Arc::new))
            .collect()
    })
}

impl ScheduleTarget {
    /// From the environment: `HAZARD_SCENARIO` (a scenario file; unset: the first byte picks a
    /// shipped one) and `HAZARD_FUZZ_GOAL` (`violation`, the default, or `expected`).
    pub fn from_env() -> Result<ScheduleTarget, TargetError> {
        let goal = match std::env::var("HAZARD_FUZZ_GOAL").as_deref() {
            Err(_) | Ok("") | Ok("violation") => Goal::Violation,
            Ok("expected") => Goal::Expected,
            Ok(other) => {
                return Err(TargetError(format!(
                    "HAZARD_FUZZ_GOAL={other:?}: expected `violation` or `expected`"
                )))
            }
        };
        let source = match std::env::var_os("HAZARD_SCENARIO") {
            Some(p) if !p.is_empty() => Source::One(Arc::new(
                load_file(&PathBuf::from(p))
                    .map_err(|e| TargetError(format!("HAZARD_SCENARIO: {e}")))?,
            )),
            _ => Source::Shipped,
        };
        Ok(ScheduleTarget { source, goal })
    }

    /// The scenario `data` runs and the decision bytes. `None` only when nothing is shipped
    /// (or the input is empty and a shipped scenario must be picked).
    pub fn select<'a>(&self, data: &'a [u8]) -> Option<Selected<'a>> {
        match &self.source {
            Source::One(p) => Some(Selected {
                prog: Arc::clone(p),
                decisions: data,
            }),
            Source::Shipped => {
                let progs = shipped_programs();
                let (&first, rest) = data.split_first()?;
                if progs.is_empty() {
                    return None;
                }
                let i = first as usize % progs.len();
                Some(Selected {
                    prog: Arc::clone(&progs[i]),
                    decisions: rest,
                })
            }
        }
    }

    /// Run `data` once; `Err` when it is a crash for this setting.
    pub fn check(&self, data: &[u8]) -> Result<Option<BytesRun>, Box<Violation>> {
        let Some(sel) = self.select(data) else {
            return Ok(None);
        };
        let prog = &sel.prog;
        let run = sel
            .run()
            .map_err(|e| harness_panic("schedule", &prog.name, e))?;
        if let Some(sig) = &run.outcome.signature {
            let what = match &prog.expect {
                _ if sig.kind == crate::model::FailureKind::Livelock => None,
                Expectation::Passes => Some(format!(
                    "expected to pass, failed: {} [{}]",
                    sig.message, sig.id
                )),
                Expectation::Fails(want) if self.goal == Goal::Expected && sig.matches(want) => {
                    Some(format!(
                        "the expected failure: {} [{}]",
                        sig.message, sig.id
                    ))
                }
                Expectation::Fails(_) => None,
            };
            if let Some(what) = what {
                return Err(Box::new(Violation {
                    target: "schedule",
                    scenario: prog.name.clone(),
                    what,
                    signature: Some(sig.clone()),
                    schedule: Some(run.schedule.encode()),
                }));
            }
        }
        Ok(Some(run))
    }
}

fn harness_panic(target: &'static str, scenario: &str, e: InternalError) -> Box<Violation> {
    Box::new(Violation {
        target,
        scenario: scenario.to_string(),
        what: e.to_string(),
        signature: None,
        schedule: None,
    })
}

fn schedule_setting() -> &'static ScheduleTarget {
    static SETTING: OnceLock<ScheduleTarget> = OnceLock::new();
    SETTING.get_or_init(|| {
        ScheduleTarget::from_env().unwrap_or_else(|e| {
            // A configuration error is not a finding: stop before libFuzzer records a crash.
            eprintln!("hazard schedule target: {e}");
            std::process::exit(2)
        })
    })
}

/// The `schedule` libFuzzer target: panics (a crash) on a [`Violation`].
pub fn schedule(data: &[u8]) {
    if let Err(v) = schedule_setting().check(data) {
        panic!("{v}");
    }
}

/// An `ops` input: its generated scenario, loaded, with the bytes left for decisions, and
/// whether it uses only fixed data structures. `None` for the empty input.
fn generated(data: &[u8]) -> Option<Result<(Selected<'_>, bool), crate::scenario::ScenarioError>> {
    let g = gen::generate(data)?;
    Some(crate::scenario::load_value(&g.source, "ops").map(|p| {
        let sel = Selected {
            prog: Arc::new(p),
            decisions: &data[g.consumed..],
        };
        (sel, g.fixed_only)
    }))
}

/// The `ops` target's check of one input; `Err` is a crash.
pub fn ops_check(data: &[u8]) -> Result<(), Box<Violation>> {
    let (sel, fixed_only) = match generated(data) {
        None => return Ok(()),
        Some(Ok(g)) => g,
        Some(Err(e)) => {
            return Err(Box::new(Violation {
                target: "ops",
                scenario: "generated".into(),
                what: format!("the generator made a scenario the loader rejects: {e}"),
                signature: None,
                schedule: None,
            }))
        }
    };
    let prog = &sel.prog;
    let run = sel.run().map_err(|e| harness_panic("ops", &prog.name, e))?;
    // Version 3 of the language family touches `g` and `c` only under `gmu`: a race on
    // either is one the detector made up.
    let guarded = data.starts_with(super::targets::lang::PREFIX_V3);
    if let Some(sig) = run.outcome.signature.as_ref().filter(|s| {
        guarded
            && s.kind == crate::model::FailureKind::Race
            && (s.message.starts_with("data race on g: ")
                || s.message.starts_with("data race on c: "))
    }) {
        return Err(Box::new(Violation {
            target: "ops",
            scenario: prog.name.clone(),
            what: format!(
                "a race on memory every access of which holds gmu: {} [{}]",
                sig.message, sig.id
            ),
            signature: Some(sig.clone()),
            schedule: Some(run.schedule.encode()),
        }));
    }
    match &run.outcome.signature {
        Some(sig) if fixed_only => Err(Box::new(Violation {
            target: "ops",
            scenario: prog.name.clone(),
            what: format!(
                "a fixed data structure failed: {} [{}]",
                sig.message, sig.id
            ),
            signature: Some(sig.clone()),
            schedule: Some(run.schedule.encode()),
        })),
        _ => Ok(()),
    }
}

/// The `ops` libFuzzer target.
pub fn ops(data: &[u8]) {
    if let Err(v) = ops_check(data) {
        panic!("{v}");
    }
}

/// The `scenario_parse` target: any bytes into the loader (as text, invalid UTF-8 replaced).
/// Loading must return a scenario or an error, never panic.
pub fn scenario_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = load_str(&text, "input");
}

/// A crash input turned back into a finding.
#[derive(Debug, Clone)]
pub struct Reproduced {
    pub prog: Arc<Program>,
    pub finding: crate::explore::Finding,
    /// The failure is the one the scenario's `fails` expects.
    pub expected: bool,
}

/// Why a crash input could not be reproduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReproduceError {
    /// The input runs without a failure (the scenario or the harness changed since).
    Passes(String),
    /// The input selects nothing (empty, or nothing is shipped).
    NoScenario,
    Internal(InternalError),
}

impl fmt::Display for ReproduceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReproduceError::Passes(name) => write!(
                f,
                "the input runs scenario {name} without a failure: it no longer reproduces (did the scenario or the harness change since it was found?)"
            ),
            ReproduceError::NoScenario => {
                f.write_str("the input selects no scenario (it is empty, or no scenario is shipped)")
            }
            ReproduceError::Internal(e) => e.fmt(f),
        }
    }
}
impl std::error::Error for ReproduceError {}

fn reproduced(prog: Arc<Program>, run: BytesRun) -> Result<Reproduced, ReproduceError> {
    let (Some(failed), Some(signature)) = (run.outcome.failed, run.outcome.signature) else {
        return Err(ReproduceError::Passes(prog.name.clone()));
    };
    let expected = match &prog.expect {
        Expectation::Fails(want) => signature.matches(want),
        Expectation::Passes => false,
    };
    Ok(Reproduced {
        finding: crate::explore::Finding {
            signature,
            failed,
            schedule: run.schedule,
            threads: run.outcome.threads,
            engine: "libfuzzer",
            execution: 1,
        },
        prog,
        expected,
    })
}

/// Run a `schedule` crash input again and return its failure.
pub fn reproduce_schedule(
    target: &ScheduleTarget,
    data: &[u8],
) -> Result<Reproduced, ReproduceError> {
    let sel = target.select(data).ok_or(ReproduceError::NoScenario)?;
    let run = sel.run().map_err(ReproduceError::Internal)?;
    reproduced(sel.prog, run)
}

/// Run an `ops` crash input again: the generated scenario and its failure.
pub fn reproduce_ops(data: &[u8]) -> Result<Reproduced, ReproduceError> {
    let (sel, _) = generated(data)
        .ok_or(ReproduceError::NoScenario)?
        .map_err(|e| ReproduceError::Internal(InternalError(format!("generated scenario: {e}"))))?;
    let run = sel.run().map_err(ReproduceError::Internal)?;
    reproduced(sel.prog, run)
}
