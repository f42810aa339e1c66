//! Engines: run a scenario under a picker until the budget is spent or a failure settles its
//! expectation; the portfolio runs several side by side. Also replay and verification.

use super::config::{EngineKind, ExploreConfig};
use super::dfs::Dfs;
use super::fuzz::{Fuzzer, InputUse, Job, NextJob, Served};
use super::guided::{Guided, Point, PointKey};
use super::replay::Replay;
use super::schedule::{Decision, Schedule};
use crate::exec::driver::{execute, ExecOutcome};
use crate::exec::Signature;
use crate::model::world::Failed;
use crate::rt::cover::coverage_finish;
use crate::rt::{self, run_kept, shuttle_config, Adapter, Control, Picker, Recorded, StackPool};
use crate::scenario::{Expectation, Program};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A failure found while exploring, with the schedule that produces it.
#[derive(Debug, Clone)]
pub struct Finding {
    pub signature: Signature,
    pub failed: Failed,
    pub schedule: Schedule,
    /// Thread names by index (the schedule's thread numbers).
    pub threads: Vec<String>,
    /// The engine that found it, and in which of its executions (1-based).
    pub engine: &'static str,
    pub execution: u64,
}

/// Why an engine stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// A failure settled the expectation.
    Found,
    /// The iteration budget is spent.
    Iterations,
    /// The time budget is spent.
    Time,
    /// DFS explored every schedule within its preemption bound.
    Exhausted,
    /// Another engine of the portfolio settled it.
    Portfolio,
    /// The process was asked to stop ([`interrupt`]: Ctrl-C, SIGTERM).
    Interrupted,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Ask every exploration and minimization of this process to stop at its next execution (the
/// binary calls it on Ctrl-C or SIGTERM): what they did so far is kept and reported.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether [`interrupt`] was called.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// What one engine did.
#[derive(Debug, Clone)]
pub struct EngineStats {
    pub engine: &'static str,
    pub executions: u64,
    pub distinct_schedules: u64,
    pub stopped: StopReason,
}

/// What one fault rule did over an exploration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStat {
    /// Executions that injected it at least once.
    pub executions: u64,
    /// Injections, all executions together.
    pub injections: u64,
    /// Executions its injected panic ended, unrecovered (the fault itself, not a finding).
    pub ended: u64,
    /// Executions that injected it and failed.
    pub failed: u64,
}

/// The result of exploring one scenario.
#[derive(Debug, Clone)]
pub struct Exploration {
    pub engines: Vec<EngineStats>,
    /// Distinct failures, in the order found.
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
    /// Per fault rule of the scenario (empty when faults are off).
    pub faults: Vec<RuleStat>,
    /// An execution stopped at a bound of the harness (the scenario is too large to run):
    /// what it says. Exploration stops there; the scenario is an input error.
    pub limit: Option<String>,
}

impl Exploration {
    pub fn executions(&self) -> u64 {
        self.engines.iter().map(|e| e.executions).sum()
    }
    pub fn distinct_schedules(&self) -> u64 {
        self.engines.iter().map(|e| e.distinct_schedules).sum()
    }
    /// Whether a DFS proved there is nothing (more) to find within its bound.
    pub fn exhausted(&self) -> bool {
        self.engines
            .iter()
            .any(|e| e.stopped == StopReason::Exhausted)
    }
    /// The finding that meets a `fails` expectation, if any.
    pub fn matching(&self, prog: &Program) -> Option<&Finding> {
        match &prog.expect {
            Expectation::Fails(want) => self.findings.iter().find(|f| f.signature.matches(want)),
            Expectation::Passes => None,
        }
    }
    /// When the budget ran out before a failure settled the expectation: what ran out, and
    /// the flags (and environment variables) that raise it.
    pub fn budget_note(&self) -> Option<String> {
        let time = self.engines.iter().any(|e| e.stopped == StopReason::Time);
        let iters = self
            .engines
            .iter()
            .any(|e| e.stopped == StopReason::Iterations);
        if time {
            Some(format!(
                "time budget spent after {} executions; raise it with --time SECONDS (HAZARD_TIME)",
                self.executions()
            ))
        } else if iters {
            Some(format!(
                "iteration budget spent after {} executions; raise it with --iterations N (HAZARD_ITERATIONS)",
                self.executions()
            ))
        } else {
            None
        }
    }
}

/// The harness itself failed (a bug): never a scenario's fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalError(pub String);

impl fmt::Display for InternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "internal error in the harness (please report it): {}",
            self.0
        )
    }
}
impl std::error::Error for InternalError {}

/// Why a replay did not run the recorded schedule to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    /// The execution departed from the schedule (scenario changed, or schedule corrupted).
    Diverged(String),
    Internal(InternalError),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Diverged(m) => write!(f, "the schedule does not fit this scenario: {m}"),
            ReplayError::Internal(e) => e.fmt(f),
        }
    }
}
impl std::error::Error for ReplayError {}

/// State shared by the engines of one exploration.
///
/// The portfolio's answer must not depend on thread timing. Its engines run side by side, but
/// the result is the one of a round-robin that runs execution 1 of every engine (in portfolio
/// order), then execution 2 of every engine, and so on, stopping at the first execution that
/// settles the expectation. `best` is that execution, `(n, engine index)`, least first; an
/// engine never starts an execution past it, and what an engine did past it before it was
/// known is cut off afterwards ([`EngineLog::cut`]). Each engine alone is deterministic (seeded).
struct Shared {
    best: Mutex<Option<(u64, usize)>>,
    deadline: Option<Instant>,
    /// Fault rules counted (0 when faults are off).
    rules: usize,
}

/// One engine's own record, each part indexed by its executions so it can be cut.
struct EngineLog {
    stats: EngineStats,
    /// First finding of each signature, in the order found.
    findings: Vec<Finding>,
    /// Distinct schedules after each execution.
    distinct_after: Vec<u64>,
    /// (execution, rule, what it added) for executions that injected faults.
    faults: Vec<(u64, usize, RuleStat)>,
    /// The bound of the harness an execution hit, if any (the engine stopped there).
    limit: Option<String>,
}

impl EngineLog {
    fn new(kind: EngineKind) -> EngineLog {
        EngineLog {
            stats: EngineStats {
                engine: kind.name(),
                executions: 0,
                distinct_schedules: 0,
                stopped: StopReason::Exhausted,
            },
            findings: Vec::new(),
            distinct_after: Vec::new(),
            faults: Vec::new(),
            limit: None,
        }
    }

    /// The part of the log the round-robin order keeps: executions up to `best` for engines at
    /// or before the best one, up to the one before for those after it.
    fn cut(
        self,
        index: usize,
        best: Option<(u64, usize)>,
        faults: &mut [RuleStat],
    ) -> (EngineStats, Vec<(u64, usize, Finding)>) {
        let ran = self.stats.executions;
        let keep = match best {
            None => ran,
            Some((n, i)) if index <= i => n.min(ran),
            Some((n, _)) => (n - 1).min(ran),
        };
        let mut stats = self.stats;
        stats.executions = keep;
        stats.distinct_schedules = keep
            .checked_sub(1)
            .map_or(0, |k| self.distinct_after[k as usize]);
        if best.is_some_and(|b| b == (keep, index)) {
            stats.stopped = StopReason::Found;
        } else if keep < ran || stats.stopped == StopReason::Found {
            stats.stopped = StopReason::Portfolio;
        }
        for (n, rule, d) in self.faults {
            if n <= keep {
                if let Some(s) = faults.get_mut(rule) {
                    s.executions += d.executions;
                    s.injections += d.injections;
                    s.ended += d.ended;
                    s.failed += d.failed;
                }
            }
        }
        let findings = self
            .findings
            .into_iter()
            .filter(|f| f.execution <= keep)
            .map(|f| (f.execution, index, f))
            .collect();
        (stats, findings)
    }
}

/// What execution `n` added to each fault rule's counts (rules it did not touch are left out).
fn count_faults(out: &ExecOutcome, rules: usize, n: u64, log: &mut Vec<(u64, usize, RuleStat)>) {
    if out.faults.is_empty() && out.ended_by_fault.is_none() {
        return;
    }
    let mut this = vec![RuleStat::default(); rules];
    for inj in &out.faults {
        if let Some(s) = this.get_mut(inj.rule) {
            s.injections += 1;
            s.executions = 1;
            s.failed = u64::from(out.failed.is_some());
        }
    }
    if let Some(s) = out.ended_by_fault.and_then(|r| this.get_mut(r)) {
        s.ended = 1;
    }
    let none = RuleStat::default();
    log.extend(
        this.into_iter()
            .enumerate()
            .filter(|(_, s)| *s != none)
            .map(|(r, s)| (n, r, s)),
    );
}

struct EngineCtl {
    name: &'static str,
    /// Position in the portfolio (0 for a single engine).
    index: usize,
    prog: Arc<Program>,
    shared: Arc<Shared>,
    pending: Arc<Mutex<Option<ExecOutcome>>>,
    log: Arc<Mutex<EngineLog>>,
    distinct: HashSet<u64>,
    limit: u64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another engine thread panicked, which is reported on its own.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Control for EngineCtl {
    fn execution_ended(&mut self, run: Recorded) -> bool {
        let decisions = run.decisions;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        decisions.hash(&mut h);
        self.distinct.insert(h.finish());
        let mut log = lock(&self.log);
        log.stats.executions += 1;
        let execution = log.stats.executions;
        log.distinct_after.push(self.distinct.len() as u64);
        log.stats.distinct_schedules = self.distinct.len() as u64;
        let outcome = lock(&self.pending).take();
        if let Some(out) = &outcome {
            count_faults(out, self.shared.rules, execution, &mut log.faults);
            if let Some(limit) = &out.limit {
                log.limit = Some(limit.clone());
                return false;
            }
        }
        if let Some(ExecOutcome {
            failed: Some(failed),
            signature: Some(signature),
            threads,
            ..
        }) = outcome
        {
            let settles = match &self.prog.expect {
                Expectation::Passes => true,
                Expectation::Fails(want) => signature.matches(want),
            };
            if !log.findings.iter().any(|f| f.signature == signature) {
                log.findings.push(Finding {
                    signature,
                    failed,
                    schedule: Schedule { decisions },
                    threads,
                    engine: self.name,
                    execution,
                });
            }
            if settles {
                log.stats.stopped = StopReason::Found;
                let mut best = lock(&self.shared.best);
                let me = (execution, self.index);
                if best.is_none_or(|b| me < b) {
                    *best = Some(me);
                }
                return false;
            }
        }
        true
    }

    fn may_start(&mut self) -> bool {
        let mut log = lock(&self.log);
        let next = (log.stats.executions + 1, self.index);
        if lock(&self.shared.best).is_some_and(|b| next > b) {
            log.stats.stopped = StopReason::Portfolio;
            return false;
        }
        if log.stats.executions >= self.limit {
            log.stats.stopped = StopReason::Iterations;
            return false;
        }
        if interrupted() {
            log.stats.stopped = StopReason::Interrupted;
            return false;
        }
        if self.shared.deadline.is_some_and(|d| Instant::now() >= d) {
            log.stats.stopped = StopReason::Time;
            return false;
        }
        true
    }
}

fn picker(kind: EngineKind, cfg: &ExploreConfig) -> Picker {
    match kind {
        EngineKind::Random => rt::random_picker(cfg.seed),
        EngineKind::Pct => rt::pct_picker(cfg.seed.wrapping_add(1), cfg.pct_depth),
        EngineKind::Dfs => Picker::Own(Box::new(Dfs::new(cfg.preemption_bound))),
        EngineKind::Fuzz => Picker::Own(Box::new(Fuzzer::new(cfg.seed))),
        EngineKind::Portfolio => unreachable!("a portfolio is several engines"),
    }
}

/// Run `f` under shuttle with `picker` and `control`; a panic of the harness becomes an error.
fn run_shuttle<C: Control + 'static>(
    picker: Picker,
    control: C,
    body: impl Fn() + Send + Sync + 'static,
) -> Result<(), InternalError> {
    rt::run(picker, control, body).map_err(InternalError)
}

fn run_engine(
    kind: EngineKind,
    index: usize,
    prog: &Arc<Program>,
    cfg: &ExploreConfig,
    shared: &Arc<Shared>,
    limit: u64,
) -> Result<EngineLog, InternalError> {
    let log = Arc::new(Mutex::new(EngineLog::new(kind)));
    let pending = Arc::new(Mutex::new(None));
    let ctl = EngineCtl {
        name: kind.name(),
        index,
        prog: Arc::clone(prog),
        shared: Arc::clone(shared),
        pending: Arc::clone(&pending),
        log: Arc::clone(&log),
        distinct: HashSet::new(),
        limit,
    };
    let body_prog = Arc::clone(prog);
    let max_steps = cfg.max_steps;
    run_shuttle(picker(kind, cfg), ctl, move || {
        let out = execute(&body_prog, max_steps, false);
        *lock(&pending) = Some(out);
    })?;
    let log = std::mem::replace(&mut *lock(&log), EngineLog::new(kind));
    Ok(log)
}

/// The engines of a portfolio, in the order that breaks ties (see [`Shared`]).
const PORTFOLIO: [EngineKind; 4] = [
    EngineKind::Random,
    EngineKind::Pct,
    EngineKind::Dfs,
    EngineKind::Fuzz,
];

/// Explore a scenario's interleavings with the configured engine(s). Under an iteration budget
/// the result depends only on the scenario and the configuration, never on thread timing.
pub fn explore(prog: &Arc<Program>, cfg: &ExploreConfig) -> Result<Exploration, InternalError> {
    let start = Instant::now();
    let shared = Arc::new(Shared {
        best: Mutex::new(None),
        deadline: cfg.time.map(|t| start + t),
        rules: if prog.faults_on() {
            prog.faults.len()
        } else {
            0
        },
    });
    let logs = match cfg.engine {
        EngineKind::Portfolio => {
            let limit = cfg.iterations.div_ceil(PORTFOLIO.len() as u64).max(1);
            std::thread::scope(|s| {
                let handles: Vec<_> = PORTFOLIO
                    .iter()
                    .enumerate()
                    .map(|(i, &k)| {
                        let shared = &shared;
                        s.spawn(move || run_engine(k, i, prog, cfg, shared, limit))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().map_err(|p| InternalError(rt::panic_text(p)))?)
                    .collect::<Result<Vec<_>, _>>()
            })?
        }
        kind => vec![run_engine(
            kind,
            0,
            prog,
            cfg,
            &shared,
            cfg.iterations.max(1),
        )?],
    };
    let best = *lock(&shared.best);
    let mut faults = if prog.faults_on() {
        vec![RuleStat::default(); prog.faults.len()]
    } else {
        Vec::new()
    };
    let limit = logs.iter().find_map(|l| l.limit.clone());
    let mut engines = Vec::new();
    let mut found = Vec::new();
    for (i, log) in logs.into_iter().enumerate() {
        let (stats, f) = log.cut(i, best, &mut faults);
        engines.push(stats);
        found.extend(f);
    }
    found.sort_by_key(|(n, i, _)| (*n, *i));
    let mut findings: Vec<Finding> = Vec::new();
    for (_, _, f) in found {
        if !findings.iter().any(|g| g.signature == f.signature) {
            findings.push(f);
        }
    }
    Ok(Exploration {
        engines,
        findings,
        elapsed: start.elapsed(),
        faults,
        limit,
    })
}

struct ReplayCtl {
    recorded: Arc<Mutex<Option<Recorded>>>,
    ran: bool,
}

impl Control for ReplayCtl {
    fn execution_ended(&mut self, run: Recorded) -> bool {
        *lock(&self.recorded) = Some(run);
        false
    }
    fn may_start(&mut self) -> bool {
        !std::mem::replace(&mut self.ran, true)
    }
}

/// Replay `schedule` once. `trace` records the step trace (slower; for reports and `show`).
pub fn replay(
    prog: &Arc<Program>,
    schedule: &Schedule,
    max_steps: u64,
    trace: bool,
) -> Result<ExecOutcome, ReplayError> {
    let recorded = Arc::new(Mutex::new(None));
    let out = Arc::new(Mutex::new(None));
    let ctl = ReplayCtl {
        recorded: Arc::clone(&recorded),
        ran: false,
    };
    let (p, o) = (Arc::clone(prog), Arc::clone(&out));
    run_shuttle(
        Picker::Own(Box::new(Replay::new(schedule))),
        ctl,
        move || {
            let r = execute(&p, max_steps, trace);
            *lock(&o) = Some(r);
        },
    )
    .map_err(ReplayError::Internal)?;
    let run = lock(&recorded).take();
    if let Some(d) = run.as_ref().and_then(|r| r.divergence.clone()) {
        return Err(ReplayError::Diverged(d));
    }
    let result = lock(&out).take();
    let mut out = result
        .ok_or_else(|| ReplayError::Diverged("the execution stopped before it finished".into()))?;
    out.preemptions = run.map(|r| r.preemptions).unwrap_or(0);
    Ok(out)
}

/// One execution decided by fuzzer bytes (see [`super::fuzz`]).
#[derive(Debug)]
pub struct BytesRun {
    pub outcome: ExecOutcome,
    /// The real decisions the bytes made, in hazard's schedule format (replays strictly).
    pub schedule: Schedule,
    pub input: InputUse,
}

/// Run `prog` once with its decisions taken from `data`. `coverage` keeps the interleaving
/// coverage map in the result. (A fresh [`ByteRunner`]; keep one for many inputs.)
pub fn run_bytes(
    prog: &Arc<Program>,
    data: &[u8],
    max_steps: u64,
    coverage: bool,
) -> Result<BytesRun, InternalError> {
    ByteRunner::new().run(prog, data, max_steps, coverage)
}

type Served_ = Result<BytesRun, InternalError>;

/// Byte-driven executions with one shuttle scheduler and one pool of task stacks kept between
/// inputs, on the caller's thread: what libFuzzer's targets call once per input. The same
/// decisions and outcome as [`run_bytes`], without setting up a runner per input (most of
/// which is allocating stacks) and without handing each input to a thread of its own (two
/// wake-ups per input, and a wait for a core when the machine is busy). Not `Send`: the
/// stacks belong to this thread.
pub struct ByteRunner {
    /// `None` once an execution panicked (a harness bug): the runner is gone.
    state: Option<ByteState>,
}

struct ByteState {
    pool: StackPool,
    adapter: Rc<RefCell<Adapter<ServedCtl>>>,
    config: rt::Config,
    next: NextJob,
    pending: Arc<Mutex<Option<ExecOutcome>>>,
    result: Arc<Mutex<Option<Served_>>>,
}

struct ServedCtl {
    next: NextJob,
    pending: Arc<Mutex<Option<ExecOutcome>>>,
    input: Arc<Mutex<InputUse>>,
    result: Arc<Mutex<Option<Served_>>>,
    /// An execution was started (see [`Served`]: `new_execution` is also called between them).
    running: bool,
}

impl Control for ServedCtl {
    fn execution_ended(&mut self, run: Recorded) -> bool {
        if !std::mem::take(&mut self.running) {
            return true;
        }
        let result = match lock(&self.pending).take() {
            Some(mut outcome) => {
                outcome.preemptions = run.preemptions;
                Ok(BytesRun {
                    outcome,
                    schedule: Schedule {
                        decisions: run.decisions,
                    },
                    input: std::mem::take(&mut *lock(&self.input)),
                })
            }
            None => Err(InternalError(
                "a byte-driven execution stopped before it finished".into(),
            )),
        };
        *lock(&self.result) = Some(result);
        true
    }
    fn may_start(&mut self) -> bool {
        self.running = lock(&self.next).is_some();
        self.running
    }
}

impl Default for ByteRunner {
    fn default() -> Self {
        Self::new()
    }
}

impl ByteRunner {
    pub fn new() -> ByteRunner {
        let next: NextJob = Arc::new(Mutex::new(None));
        let pending = Arc::new(Mutex::new(None));
        let input = Arc::new(Mutex::new(InputUse::default()));
        let result = Arc::new(Mutex::new(None));
        let strategy = Served {
            next: Arc::clone(&next),
            input: Arc::clone(&input),
            dec: Default::default(),
            keep: false,
            running: false,
        };
        let ctl = ServedCtl {
            next: Arc::clone(&next),
            pending: Arc::clone(&pending),
            input,
            result: Arc::clone(&result),
            running: false,
        };
        ByteRunner {
            state: Some(ByteState {
                pool: StackPool::new(),
                adapter: Rc::new(RefCell::new(Adapter::new(
                    Picker::Own(Box::new(strategy)),
                    ctl,
                ))),
                config: shuttle_config(),
                next,
                pending,
                result,
            }),
        }
    }

    /// Run `prog` once with its decisions from `data` (see [`run_bytes`]). After an internal
    /// error the runner is gone; make a new one.
    pub fn run(
        &mut self,
        prog: &Arc<Program>,
        data: &[u8],
        max_steps: u64,
        coverage: bool,
    ) -> Result<BytesRun, InternalError> {
        let st = self
            .state
            .as_ref()
            .ok_or_else(|| InternalError("the byte runner stopped after an error".into()))?;
        *lock(&st.next) = Some(Job {
            data: data.to_vec(),
            coverage,
        });
        // The next `new_execution` hands this one's record to `ServedCtl` and starts nothing:
        // no job is waiting then.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (p, out) = (Arc::clone(prog), Arc::clone(&st.pending));
            run_kept(&st.pool, &st.adapter, &st.config, move || {
                let r = execute(&p, max_steps, false);
                *lock(&out) = Some(r);
            })
        }));
        let result = match ran {
            Ok(_) => lock(&st.result).take().unwrap_or_else(|| {
                Err(InternalError(
                    "a byte-driven execution did not start".into(),
                ))
            }),
            Err(p) => {
                // Coverage is per OS thread: stop recording what this thread runs next.
                coverage_finish(|_| ());
                Err(InternalError(rt::panic_text(p)))
            }
        };
        if result.is_err() {
            self.state = None;
        }
        result
    }
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
    let recorded = Arc::new(Mutex::new(None));
    let out = Arc::new(Mutex::new(None));
    let points = Arc::new(Mutex::new(Vec::new()));
    let ctl = ReplayCtl {
        recorded: Arc::clone(&recorded),
        ran: false,
    };
    let (p, o) = (Arc::clone(prog), Arc::clone(&out));
    run_shuttle(
        Picker::Own(Box::new(Guided::new(script, devs, Arc::clone(&points)))),
        ctl,
        move || {
            let r = execute(&p, max_steps, trace);
            *lock(&o) = Some(r);
        },
    )?;
    let run = lock(&recorded)
        .take()
        .ok_or_else(|| InternalError("a guided execution did not end".into()))?;
    let mut outcome = lock(&out)
        .take()
        .ok_or_else(|| InternalError("a guided execution stopped before it finished".into()))?;
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

/// What a bounded DFS looking for one failure did.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// The first schedule (in DFS order) whose failure the target accepts.
    pub found: Option<Schedule>,
    pub executions: u64,
    /// Every schedule within the bound ran and none was accepted.
    pub exhausted: bool,
}

/// Which outcomes a search accepts: the failure's signature, `None` for a passing execution.
type Target = Box<dyn Fn(Option<&Signature>) -> bool + Send>;

struct SearchCtl {
    pending: Arc<Mutex<Option<ExecOutcome>>>,
    target: Target,
    limit: u64,
    deadline: Option<Instant>,
    executions: Arc<Mutex<u64>>,
    found: Arc<Mutex<Option<Schedule>>>,
    out_of_budget: Arc<AtomicBool>,
}

impl Control for SearchCtl {
    fn execution_ended(&mut self, run: Recorded) -> bool {
        *lock(&self.executions) += 1;
        let hit = lock(&self.pending)
            .take()
            .is_some_and(|o| (self.target)(o.signature.as_ref()));
        if hit {
            *lock(&self.found) = Some(Schedule {
                decisions: run.decisions,
            });
            return false;
        }
        true
    }
    fn may_start(&mut self) -> bool {
        let over = *lock(&self.executions) >= self.limit
            || self.deadline.is_some_and(|d| Instant::now() >= d);
        if over {
            self.out_of_budget.store(true, Ordering::SeqCst);
        }
        !over
    }
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
    let pending = Arc::new(Mutex::new(None));
    let executions = Arc::new(Mutex::new(0));
    let found = Arc::new(Mutex::new(None));
    let out_of_budget = Arc::new(AtomicBool::new(false));
    let ctl = SearchCtl {
        pending: Arc::clone(&pending),
        target: Box::new(target),
        limit,
        deadline,
        executions: Arc::clone(&executions),
        found: Arc::clone(&found),
        out_of_budget: Arc::clone(&out_of_budget),
    };
    let p = Arc::clone(prog);
    run_shuttle(Picker::Own(Box::new(Dfs::new(bound))), ctl, move || {
        let out = execute(&p, max_steps, false);
        *lock(&pending) = Some(out);
    })?;
    let found = lock(&found).take();
    let exhausted = found.is_none() && !out_of_budget.load(Ordering::SeqCst);
    let executions = *lock(&executions);
    Ok(SearchResult {
        found,
        executions,
        exhausted,
    })
}
