//! Engines: run a scenario under a picker until the budget is spent or a failure settles its
//! expectation; the portfolio runs several side by side and answers as one round-robin would.

use super::config::{EngineKind, ExploreConfig};
use super::dfs::Dfs;
use super::fuzz::Fuzzer;
use super::run::{lock, runs, Steer};
use super::schedule::Schedule;
use crate::exec::driver::ExecOutcome;
use crate::exec::Signature;
use crate::model::world::Failed;
use crate::rt::{self, Picker, Recorded};
use crate::scenario::{Expectation, Program};
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
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

static EXECUTIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Executions every exploration of this process has run so far (for progress displays: it
/// moves during one long exploration too).
pub fn executions_so_far() -> u64 {
    EXECUTIONS.load(Ordering::Relaxed)
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

/// One engine of an exploration: keeps its log and stops when the shared result is settled.
struct EngineRun {
    name: &'static str,
    /// Position in the portfolio (0 for a single engine).
    index: usize,
    prog: Arc<Program>,
    shared: Arc<Shared>,
    log: EngineLog,
    distinct: HashSet<u64>,
    limit: u64,
}

impl Steer for EngineRun {
    fn ended(&mut self, outcome: Option<ExecOutcome>, run: Recorded) -> bool {
        let decisions = run.decisions;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        decisions.hash(&mut h);
        self.distinct.insert(h.finish());
        let log = &mut self.log;
        log.stats.executions += 1;
        EXECUTIONS.fetch_add(1, Ordering::Relaxed);
        let execution = log.stats.executions;
        log.distinct_after.push(self.distinct.len() as u64);
        log.stats.distinct_schedules = self.distinct.len() as u64;
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
        let log = &mut self.log;
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

/// The picker of one engine (a portfolio is several: `explore` runs each of its engines).
fn picker(kind: EngineKind, cfg: &ExploreConfig) -> Result<Picker, InternalError> {
    Ok(match kind {
        EngineKind::Random => rt::random_picker(cfg.seed),
        EngineKind::Pct => rt::pct_picker(cfg.seed.wrapping_add(1), cfg.pct_depth),
        EngineKind::Dfs => Picker::Own(Box::new(Dfs::new(cfg.preemption_bound))),
        EngineKind::Fuzz => Picker::Own(Box::new(Fuzzer::new(cfg.seed))),
        EngineKind::Portfolio => {
            return Err(InternalError("a portfolio inside a portfolio".into()));
        }
    })
}

fn run_engine(
    kind: EngineKind,
    index: usize,
    prog: &Arc<Program>,
    cfg: &ExploreConfig,
    shared: &Arc<Shared>,
    limit: u64,
) -> Result<EngineLog, InternalError> {
    let engine = EngineRun {
        name: kind.name(),
        index,
        prog: Arc::clone(prog),
        shared: Arc::clone(shared),
        log: EngineLog::new(kind),
        distinct: HashSet::new(),
        limit,
    };
    Ok(runs(prog, picker(kind, cfg)?, cfg.max_steps, false, engine)?.log)
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
