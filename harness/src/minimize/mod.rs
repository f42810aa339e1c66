//! Minimization of a failing run: the smallest interleaving, in the smallest scenario, that
//! still produces the same failure signature, with evidence for the preemption count.
//!
//! # Algorithm
//!
//! A preemption is a switch away from a thread that could still run. The objective is, in
//! order: fewest preemptions, then fewest scheduling points (steps).
//!
//! 1. **Schedule, by delta debugging over deviations** (`schedule.rs`). The failing schedule is
//!    replayed once under a guided strategy whose default policy never preempts (it keeps the
//!    last thread running while it can, else runs the lowest-numbered runnable thread, and takes
//!    option 0 at a choice). Every decision where the schedule differs from that policy is a
//!    *deviation*, keyed by where the last thread stood (see `explore::guided`). ddmin then
//!    removes preemptive deviations while the signature still reproduces, then the
//!    non-preemptive ones. Each candidate is one deterministic execution.
//! 2. **Preemption-bounded search** (iterative context bounding). DFS with preemption bound
//!    0, 1, …, k-1 looks for the same signature; the first bound that finds it gives a
//!    schedule with the least possible preemptions. When every bound below k is exhausted
//!    without finding it, k is *proven* minimal; when the budget runs out first, it is
//!    *best-effort*.
//! 3. **Steps**, by local search: at each non-preemptive decision (the last thread blocked or
//!    finished, or the first pick) try running another thread instead, and try dropping each
//!    remaining deviation; keep a change when the signature reproduces with no more
//!    preemptions and fewer steps.
//! 4. **Scenario** ([`scenario`]): drop threads, ops, `repeat` counts, select cases, object
//!    parameters, unused objects and procs, a proc's parameter with the argument every call
//!    passes it, and final assertions other than the failing one;
//!    lower `repeat` counts and `add` deltas; and drop *pairs* that only go together (a lock
//!    and its unlock, an `add` and its `wait` or what does its `done`, a send and a receive on
//!    one channel). Each candidate edit is kept when the reduced scenario still validates and a
//!    bounded DFS (bound: the current preemption count) finds the same signature, with op
//!    paths renumbered for what was dropped. An edit that would drop the failing op is never
//!    tried. The candidates are tried cyclically until none of the current scenario's applies
//!    (a fixpoint) or the budget runs out. Then steps 2 and 3 run again on the reduced
//!    scenario, and its preemption count is proven (or not) by DFS at bound k-1 over the
//!    reduced scenario. Lowering a pool size (a `repeat` count, a `let` integer) comes before
//!    single ops. A candidate runs under a step cap (a few times the failing run's steps;
//!    livelocks exempt), since one that lost the failure often loops until `max_steps`. When
//!    DFS cannot exhaust a bound (a pool of a hundred goroutines), one run guided by the
//!    current schedule's deviations, then PCT, may reproduce it with no more preemptions.
//!
//! With scenario reduction on, step 1–3 on the original get a third of the budget, the
//! scenario three quarters of the rest: a proof that cannot finish on a large scenario
//! leaves the reduction its share, and the reduced scenario is where a proof can finish.
//!
//! Every schedule returned was produced by a real execution and is replayed strictly once more
//! before it is returned: minimization never returns a schedule that does not reproduce.

mod scenario;
mod schedule;

use crate::explore::{replay, InternalError, ReplayError, Schedule, Signature};
use crate::scenario::{hash_source, Program};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use scenario::map_path;

/// Budget and switches of one minimization.
#[derive(Debug, Clone)]
pub struct MinimizeConfig {
    /// Executions, all phases together.
    pub iterations: u64,
    /// Wall-time cap, all phases together.
    pub time: Option<Duration>,
    /// The step bound of each execution (as in the run that found the failure).
    pub max_steps: u64,
    /// Also reduce the scenario (else only the schedule).
    pub scenario: bool,
}

impl Default for MinimizeConfig {
    fn default() -> Self {
        MinimizeConfig {
            iterations: 100_000,
            time: Some(Duration::from_secs(30)),
            max_steps: 20_000,
            scenario: true,
        }
    }
}

/// A minimized schedule of one scenario.
#[derive(Debug, Clone)]
pub struct MinSchedule {
    pub schedule: Schedule,
    pub preemptions: usize,
    pub steps: u64,
}

/// Whether the preemption count is the least possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// DFS at this bound (preemptions - 1) exhausted without the failure; `None` when the
    /// count is 0, which needs no proof.
    Proven(Option<usize>),
    /// The budget ran out before the bound below was exhausted.
    BestEffort,
}

/// What minimization produced.
#[derive(Debug, Clone)]
pub struct Minimized {
    /// The schedule as found, replayed: its preemptions and steps.
    pub found: MinSchedule,
    /// The minimized schedule of the original scenario.
    pub original: MinSchedule,
    /// Whether `original`'s preemption count is proven minimal for the original scenario.
    pub original_proof: Proof,
    /// The reduced scenario (the original when scenario minimization is off or dropped nothing).
    pub prog: Arc<Program>,
    pub source: serde_json::Value,
    pub hash: String,
    /// What was dropped or reduced, as paths of the original scenario.
    pub removed: Vec<String>,
    /// The failure's signature in the reduced scenario.
    pub signature: Signature,
    /// The minimized schedule of the reduced scenario.
    pub reduced: MinSchedule,
    pub proof: Proof,
    pub executions: u64,
    pub elapsed: Duration,
    pub budget: u64,
}

/// Minimization could not start or finish.
#[derive(Debug, Clone)]
pub enum MinimizeError {
    /// The schedule given does not produce the signature given.
    NotReproduced(String),
    Internal(InternalError),
}

impl fmt::Display for MinimizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MinimizeError::NotReproduced(m) => {
                write!(
                    f,
                    "the failing schedule does not reproduce its failure: {m}"
                )
            }
            MinimizeError::Internal(e) => e.fmt(f),
        }
    }
}
impl std::error::Error for MinimizeError {}

impl From<InternalError> for MinimizeError {
    fn from(e: InternalError) -> Self {
        MinimizeError::Internal(e)
    }
}

/// Executions and wall time left, shared by the phases.
pub(crate) struct Budget {
    limit: u64,
    spent: u64,
    deadline: Option<Instant>,
}

impl Budget {
    fn new(cfg: &MinimizeConfig) -> Budget {
        Budget {
            limit: cfg.iterations,
            spent: 0,
            deadline: cfg.time.map(|t| Instant::now() + t),
        }
    }
    pub(crate) fn left(&self) -> u64 {
        if crate::explore::interrupted() || self.deadline.is_some_and(|d| Instant::now() >= d) {
            0
        } else {
            self.limit.saturating_sub(self.spent)
        }
    }
    pub(crate) fn spend(&mut self, n: u64) {
        self.spent += n;
    }
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
    /// A budget of `num/den` of what is left (executions and time), for one phase: a phase
    /// that could use everything (a DFS over a hundred threads) leaves the others their share.
    /// Give back what it spent with [`Budget::absorb`].
    fn share(&self, num: u32, den: u32) -> Budget {
        let part = |n: u64| n / u64::from(den) * u64::from(num);
        let now = Instant::now();
        Budget {
            limit: self.spent + part(self.left()),
            spent: self.spent,
            deadline: self
                .deadline
                .map(|d| now + d.saturating_duration_since(now) / den * num),
        }
    }
    fn absorb(&mut self, phase: Budget) {
        self.spent = phase.spent;
    }
}

/// Minimize `schedule`, which must produce `sig` in `prog` (whose scenario file is `source`).
pub fn minimize(
    prog: &Arc<Program>,
    sig: &Signature,
    schedule: &Schedule,
    cfg: &MinimizeConfig,
) -> Result<Minimized, MinimizeError> {
    let start = Instant::now();
    let mut budget = Budget::new(cfg);
    let ms = cfg.max_steps;
    // Shares when the scenario is reduced too: a third for the original's schedule, then
    // three quarters of the rest for the scenario, and what is left for the reduced
    // scenario's schedule.
    let mut phase = if cfg.scenario {
        budget.share(1, 3)
    } else {
        budget.share(1, 1)
    };
    let (found, original, original_proof) =
        schedule::minimize_schedule(prog, sig, schedule, ms, &mut phase)?;
    budget.absorb(phase);
    let (prog2, source, removed, sig2, start2) = if cfg.scenario {
        let mut phase = budget.share(3, 4);
        let r = scenario::minimize_scenario(
            prog,
            sig,
            &original.schedule,
            original.preemptions,
            original.steps,
            ms,
            &mut phase,
        )?;
        budget.absorb(phase);
        r
    } else {
        (
            Arc::clone(prog),
            prog.source.clone(),
            Vec::new(),
            sig.clone(),
            original.schedule.clone(),
        )
    };
    let (reduced, proof) = if removed.is_empty() {
        (original.clone(), original_proof)
    } else {
        let (_, reduced, proof) =
            schedule::minimize_schedule(&prog2, &sig2, &start2, ms, &mut budget)?;
        (reduced, proof)
    };
    verify(prog, sig, &original.schedule, ms)?;
    verify(&prog2, &sig2, &reduced.schedule, ms)?;
    Ok(Minimized {
        found,
        original,
        original_proof,
        hash: hash_source(&source),
        prog: prog2,
        source,
        removed,
        signature: sig2,
        reduced,
        proof,
        executions: budget.spent,
        elapsed: start.elapsed(),
        budget: cfg.iterations,
    })
}

/// Strict replay: the schedule must produce the signature.
fn verify(
    prog: &Arc<Program>,
    sig: &Signature,
    schedule: &Schedule,
    max_steps: u64,
) -> Result<(), MinimizeError> {
    match replay(prog, schedule, max_steps, false) {
        Ok(out) if out.signature.as_ref() == Some(sig) => Ok(()),
        Ok(out) => Err(MinimizeError::Internal(InternalError(format!(
            "a minimized schedule replays to {:?}, not {sig:?}",
            out.signature
        )))),
        Err(ReplayError::Internal(e)) => Err(e.into()),
        Err(ReplayError::Diverged(d)) => Err(MinimizeError::Internal(InternalError(format!(
            "a minimized schedule does not replay: {d}"
        )))),
    }
}
