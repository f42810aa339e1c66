//! Executions under a picker: the one loop every search runs ([`runs`], steered by a [`Steer`]),
//! and the single execution that replay and guided runs need ([`run_once`]).

use super::dfs::Dfs;
use super::guided::{Guided, Point, PointKey};
use super::replay::Replay;
use super::schedule::{Decision, Schedule};
use super::{InternalError, ReplayError, Signature};
use crate::exec::driver::{execute, ExecOutcome};
use crate::rt::{self, Control, Picker, Recorded};
use crate::scenario::Program;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another engine thread panicked, which is reported on its own.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where an execution's body leaves its outcome for the control to read when it ends.
pub(super) type Slot = Arc<Mutex<Option<ExecOutcome>>>;

/// What a search decides between executions.
pub(super) trait Steer: 'static {
    /// Whether another execution may start (budget, stop flags).
    fn may_start(&mut self) -> bool;
    /// An execution ended: its outcome (`None` if it stopped before its body finished) and the
    /// adapter's record. Return false to stop.
    fn ended(&mut self, outcome: Option<ExecOutcome>, run: Recorded) -> bool;
}

/// The adapter's control for a [`Steer`]: hands it each execution's outcome.
pub(super) struct Steered<S> {
    pub slot: Slot,
    pub steer: S,
}

impl<S: Steer> Control for Steered<S> {
    fn execution_ended(&mut self, run: Recorded) -> bool {
        let outcome = lock(&self.slot).take();
        self.steer.ended(outcome, run)
    }
    fn may_start(&mut self) -> bool {
        self.steer.may_start()
    }
}

/// The body of every execution: run `prog` and leave the outcome in `slot`.
pub(super) fn body(
    prog: &Arc<Program>,
    max_steps: u64,
    trace: bool,
    slot: &Slot,
) -> impl Fn() + Send + Sync + 'static {
    let (p, slot) = (Arc::clone(prog), Arc::clone(slot));
    move || {
        let out = execute(&p, max_steps, trace);
        *lock(&slot) = Some(out);
    }
}

/// Executions of `prog` decided by `picker` for as long as `steer` wants; `steer` comes back.
pub(super) fn runs<S: Steer>(
    prog: &Arc<Program>,
    picker: Picker,
    max_steps: u64,
    trace: bool,
    steer: S,
) -> Result<S, InternalError> {
    let slot = Slot::default();
    let body = body(prog, max_steps, trace, &slot);
    let ctl = rt::run(picker, Steered { slot, steer }, body).map_err(InternalError)?;
    Ok(ctl.steer)
}

/// Exactly one execution, kept whole.
#[derive(Default)]
struct Once {
    ran: bool,
    got: Option<(Option<ExecOutcome>, Recorded)>,
}

impl Steer for Once {
    fn may_start(&mut self) -> bool {
        !std::mem::replace(&mut self.ran, true)
    }
    fn ended(&mut self, outcome: Option<ExecOutcome>, run: Recorded) -> bool {
        self.got = Some((outcome, run));
        false
    }
}

/// One execution of `prog` under `picker`: its outcome (`None` if it stopped before the body
/// finished) and the adapter's record of it.
fn run_once(
    prog: &Arc<Program>,
    picker: Picker,
    max_steps: u64,
    trace: bool,
) -> Result<(Option<ExecOutcome>, Recorded), InternalError> {
    runs(prog, picker, max_steps, trace, Once::default())?
        .got
        .ok_or_else(|| InternalError("an execution did not end".into()))
}

/// Replay `schedule` once. `trace` records the step trace (slower; for reports and `show`).
pub fn replay(
    prog: &Arc<Program>,
    schedule: &Schedule,
    max_steps: u64,
    trace: bool,
) -> Result<ExecOutcome, ReplayError> {
    let picker = Picker::Own(Box::new(Replay::new(schedule)));
    let (out, run) = run_once(prog, picker, max_steps, trace).map_err(ReplayError::Internal)?;
    if let Some(d) = run.divergence {
        return Err(ReplayError::Diverged(d));
    }
    let mut out = out
        .ok_or_else(|| ReplayError::Diverged("the execution stopped before it finished".into()))?;
    out.preemptions = run.preemptions;
    Ok(out)
}

/// One execution under a [`Guided`] strategy.
#[derive(Debug)]
pub(crate) struct GuidedRun {
    pub outcome: ExecOutcome,
    /// The real decisions it took (replays strictly).
    pub schedule: Schedule,
    pub preemptions: usize,
    pub points: Vec<Point>,
}

/// Run `prog` once: `script` first, then `devs`, then the default policy (see [`Guided`]).
pub(crate) fn run_guided(
    prog: &Arc<Program>,
    script: Vec<Decision>,
    devs: HashMap<PointKey, Decision>,
    max_steps: u64,
    trace: bool,
) -> Result<GuidedRun, InternalError> {
    let points = Arc::new(Mutex::new(Vec::new()));
    let picker = Picker::Own(Box::new(Guided::new(script, devs, Arc::clone(&points))));
    let (out, run) = run_once(prog, picker, max_steps, trace)?;
    let mut outcome =
        out.ok_or_else(|| InternalError("a guided execution stopped before it finished".into()))?;
    outcome.preemptions = run.preemptions;
    let points = std::mem::take(&mut *lock(&points));
    Ok(GuidedRun {
        outcome,
        schedule: Schedule {
            decisions: run.decisions,
        },
        preemptions: run.preemptions,
        points,
    })
}

/// What a search for one failure did.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// The first schedule (in DFS order) whose failure the target accepts.
    pub found: Option<Schedule>,
    /// Preemptions of the schedule found.
    pub preemptions: usize,
    pub executions: u64,
    /// Every schedule within the bound ran and none was accepted (DFS only).
    pub exhausted: bool,
}

/// A search for the first execution whose outcome `target` accepts.
struct Search<T> {
    target: T,
    limit: u64,
    deadline: Option<Instant>,
    executions: u64,
    found: Option<(Schedule, usize)>,
    out_of_budget: bool,
}

impl<T: Fn(Option<&Signature>) -> bool + Send + 'static> Steer for Search<T> {
    fn may_start(&mut self) -> bool {
        self.out_of_budget =
            self.executions >= self.limit || self.deadline.is_some_and(|d| Instant::now() >= d);
        !self.out_of_budget
    }
    fn ended(&mut self, outcome: Option<ExecOutcome>, run: Recorded) -> bool {
        self.executions += 1;
        // A run stopped at a bound of the harness is neither a pass nor a failure.
        if outcome.is_some_and(|o| o.limit.is_none() && (self.target)(o.signature.as_ref())) {
            let schedule = Schedule {
                decisions: run.decisions,
            };
            self.found = Some((schedule, run.preemptions));
            return false;
        }
        true
    }
}

/// Executions under `picker` until an outcome `target` accepts, at most `limit` of them or
/// until `deadline`.
fn search(
    prog: &Arc<Program>,
    picker: Picker,
    limit: u64,
    deadline: Option<Instant>,
    max_steps: u64,
    target: impl Fn(Option<&Signature>) -> bool + Send + 'static,
) -> Result<SearchResult, InternalError> {
    let search = Search {
        target,
        limit,
        deadline,
        executions: 0,
        found: None,
        out_of_budget: false,
    };
    let s = runs(prog, picker, max_steps, false, search)?;
    let exhausted = s.found.is_none() && !s.out_of_budget;
    let (found, preemptions) = match s.found {
        Some((f, p)) => (Some(f), p),
        None => (None, 0),
    };
    Ok(SearchResult {
        found,
        preemptions,
        executions: s.executions,
        exhausted,
    })
}

/// DFS with preemption bound `bound` until an outcome `target` accepts (the failure's
/// signature, `None` for a passing execution), at most `limit` executions or until `deadline`.
pub fn search_dfs(
    prog: &Arc<Program>,
    bound: usize,
    limit: u64,
    deadline: Option<Instant>,
    max_steps: u64,
    target: impl Fn(Option<&Signature>) -> bool + Send + 'static,
) -> Result<SearchResult, InternalError> {
    let picker = Picker::Own(Box::new(Dfs::new(bound)));
    search(prog, picker, limit, deadline, max_steps, target)
}

/// shuttle's PCT (bug depth `depth`, seeded) until an outcome `target` accepts: for programs
/// too large for DFS to exhaust a bound. A PCT run switches away from a runnable thread only
/// at its `depth - 1` priority changes, so what it finds has few preemptions.
pub fn search_pct(
    prog: &Arc<Program>,
    seed: u64,
    depth: usize,
    limit: u64,
    deadline: Option<Instant>,
    max_steps: u64,
    target: impl Fn(Option<&Signature>) -> bool + Send + 'static,
) -> Result<SearchResult, InternalError> {
    let picker = rt::pct_picker(seed, depth);
    search(prog, picker, limit, deadline, max_steps, target)
}
