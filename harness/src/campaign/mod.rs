//! Nightly campaigns: one time budget over many scenarios, spread in rounds over N workers;
//! findings classified against the scenario's expectation, the regression corpus and a
//! baseline of accepted findings; state kept so that a killed campaign resumes; outputs a CI
//! reads natively.
//!
//! A campaign is a sequence of **rounds**. In each round every scenario that has not settled
//! gets one **slice** per engine (random, pct, dfs, fuzz): an exploration of `slice`
//! executions with a seed of its own (DFS's budget doubles each round, from scratch, so its
//! search deepens). A scenario settles, and stops consuming budget, when a finding settles its
//! expectation or DFS exhausts its bound. Slices are single-engine so that `-j N` workers keep
//! N cores busy; the round's results are merged in a fixed order (scenario, then engine), so
//! a campaign with a round cap and no time limit gives the same summary at any `-j`.
//!
//! With `--libfuzzer`, the real libFuzzer `schedule` target gets a share of the budget after
//! the rounds (module `libfuzzer`); its crashes join the findings of the round's engines.

pub mod baseline;
mod journal;
pub mod libfuzzer;
pub mod outputs;
pub mod summary;

pub use baseline::{baseline_schema, Baseline, BaselineEntry, BASELINE_FORMAT};
pub use journal::STATE_FORMAT;
pub use libfuzzer::{LibFuzzer, LIBFUZZER};
pub use outputs::{write_outputs, Outputs};
pub use summary::*;

use crate::corpus::check_entry;
use crate::explore::{
    explore, replay, search_dfs, EngineKind, EngineStats, Exploration, ExploreConfig, Finding,
    RuleStat, Signature, StopReason,
};
use crate::minimize::MinimizeConfig;
use crate::pipeline::write_finding;
use crate::report::{read_report, render_html, CorpusExpect, RunInfo};
use crate::scenario::{load_file, Expectation, Program};
use journal::{Found, Journal, Record};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The engines of a round, in the order that breaks ties.
const ENGINES: [EngineKind; 4] = [
    EngineKind::Random,
    EngineKind::Pct,
    EngineKind::Dfs,
    EngineKind::Fuzz,
];
/// DFS's budget doubles each round up to `slice << MAX_DOUBLINGS`.
const MAX_DOUBLINGS: u32 = 10;
/// The round of libFuzzer's findings: it runs after the rounds.
const AFTER_ROUNDS: u32 = u32::MAX;
/// The shortest libFuzzer run: less is mostly its start-up. When the time left does not give
/// every scenario this much, the scenarios fuzzed least so far go first and the others wait
/// for the next session.
const MIN_LIBFUZZER_SECS: u64 = 5;
/// Executions the search for a baseline finding not seen again may run.
const CONFIRM_BUDGET: u64 = 20_000;

/// Why a campaign could not run (an input or I/O error; findings are not errors).
#[derive(Debug)]
pub enum CampaignError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file given to the campaign (baseline, state journal) is malformed.
    Input { file: String, message: String },
    /// The state directory belongs to another campaign.
    State(String),
}

impl CampaignError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> CampaignError {
        CampaignError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for CampaignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CampaignError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CampaignError::Input { file, message } => write!(f, "{file}: {message}"),
            CampaignError::State(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CampaignError {}

/// `--shard i/n`: the i-th (1-based) of n disjoint parts, by a stable hash of each path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}`: expected i/n with 1 <= i <= n (e.g. 2/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether this shard takes `path` (as listed: `scenarios/x.json`; `\` counts as `/`).
    pub fn takes(&self, path: &str) -> bool {
        (stable_hash(&path.replace('\\', "/")) % self.count as u64) as usize == self.index - 1
    }
}

/// FNV-1a: a hash that is the same on every machine and every build (std's is not promised
/// to be), for shards and seeds.
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// splitmix64's finalizer: spreads nearby inputs over all bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Everything a campaign needs to run.
#[derive(Debug, Clone)]
pub struct CampaignConfig {
    /// Scenario files (already sharded: see [`Shard::takes`]).
    pub files: Vec<PathBuf>,
    /// Regression-corpus entries to check (already sharded).
    pub corpus: Vec<PathBuf>,
    pub shard: Option<Shard>,
    /// Workers (at least 1).
    pub jobs: usize,
    /// Wall time for the whole campaign (every session of a resumed one together).
    pub time: Option<Duration>,
    /// At most this many rounds.
    pub rounds: Option<u32>,
    pub seed: u64,
    /// Executions per engine per round.
    pub slice: u64,
    /// Steps per execution before a livelock verdict [default: the scenario's, else 20000].
    pub max_steps: Option<u64>,
    /// Minimization of new, regressed and flaky findings (`None`: reports as found).
    pub minimize: Option<MinimizeConfig>,
    pub baseline: Option<PathBuf>,
    /// Write the baseline (to `baseline`) with every finding now known or new.
    pub update_baseline: bool,
    pub state: Option<PathBuf>,
    /// Where every output goes (reports in `out/reports`).
    pub out: PathBuf,
    /// Give a share of the campaign to the libFuzzer `schedule` target.
    pub libfuzzer: Option<LibFuzzer>,
}

impl CampaignConfig {
    pub fn new(files: Vec<PathBuf>, out: PathBuf) -> CampaignConfig {
        CampaignConfig {
            files,
            corpus: Vec::new(),
            shard: None,
            jobs: 1,
            time: None,
            rounds: None,
            seed: 0,
            slice: 250,
            max_steps: None,
            minimize: Some(MinimizeConfig::default()),
            baseline: None,
            update_baseline: false,
            state: None,
            out,
            libfuzzer: None,
        }
    }
}

/// What the campaign tells its observer (progress bars, heartbeats, `--json` lines), always
/// from the calling thread.
#[derive(Debug)]
pub enum Event<'a> {
    /// Scenario files that did not load: reported, the campaign goes on.
    Invalid { file: &'a str, error: &'a str },
    /// After every slice and check.
    Progress(Progress),
    /// An engine met a failure not seen before in its scenario, with the class it will get;
    /// its report is written when exploration ends (then [`Event::Finding`] follows).
    Found {
        file: &'a str,
        signature: &'a Signature,
        engine: &'a str,
        class: Class,
    },
    /// A finding got its class (and its report, if it needed one).
    Finding(&'a FindingEntry),
    /// A scenario settled (or the campaign ended with it unsettled).
    Scenario(&'a ScenarioEntry),
}

/// A snapshot for progress displays.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub round: u32,
    pub scenarios: usize,
    pub settled: usize,
    pub executions: u64,
    pub findings: usize,
    /// Wall time so far, every session together.
    pub elapsed: Duration,
    pub budget: Option<Duration>,
    /// In libFuzzer's share of the campaign (after the rounds).
    pub libfuzzer: bool,
}

/// A finished campaign: its summary and where its outputs are.
#[derive(Debug)]
pub struct CampaignResult {
    pub summary: Summary,
    pub outputs: Outputs,
}

impl CampaignResult {
    /// Anything new or regressed (exit 1).
    pub fn failing(&self) -> bool {
        self.summary.findings.iter().any(|f| f.class.fails())
    }
}

/// The execution settings of one slice (kept to report a finding the way `hazard run` does).
#[derive(Debug, Clone)]
struct SliceRun {
    /// An engine of [`ENGINES`], or [`LIBFUZZER`].
    engine: &'static str,
    round: u32,
    config: ExploreConfig,
    stats: EngineStats,
    faults: Vec<RuleStat>,
    elapsed: Duration,
}

/// A failure exploration found, not yet classified.
#[derive(Debug, Clone)]
struct Seen {
    signature: Signature,
    schedule: String,
    execution: u64,
    run: SliceRun,
    /// The finding itself when this session found it (else it is rebuilt by replay).
    finding: Option<Finding>,
}

/// One scenario file's state.
struct Scn {
    file: String,
    prog: Option<Arc<Program>>,
    /// Set when it cannot run (invalid, internal error, a bound of the harness).
    broken: Option<(ScenarioStatus, String)>,
    executions: u64,
    engines: BTreeMap<String, u64>,
    slices: u64,
    rounds: std::collections::BTreeSet<u32>,
    elapsed_ms: u64,
    /// The round in which its expectation settled or DFS exhausted its bound: it still gets
    /// every slice of that round (whatever order they finish in), none after.
    settled: Option<u32>,
    exhausted: bool,
    /// (round, engine index) of every complete slice.
    done: std::collections::HashSet<(u32, usize)>,
    /// Distinct failures found, in the order found.
    seen: Vec<Seen>,
    /// libFuzzer ran on it to the end in this session.
    fuzzed: bool,
    /// libFuzzer's processes on it (every session), their wall time, crash files, and what
    /// went wrong.
    lf_runs: u64,
    lf_elapsed_ms: u64,
    lf_crashes: u64,
    lf_errors: Vec<String>,
}

impl Scn {
    fn max_steps(&self, cfg: &CampaignConfig) -> u64 {
        let d = ExploreConfig::default().max_steps;
        cfg.max_steps
            .or(self.prog.as_ref().and_then(|p| p.hints.max_steps))
            .unwrap_or(d)
            .max(10)
    }
    /// Whether it gets slices in `round`.
    fn runs_in(&self, round: u32) -> bool {
        self.prog.is_some() && self.broken.is_none() && self.settled.is_none_or(|r| r >= round)
    }
    /// Whether it still wants budget after the rounds so far.
    fn open(&self) -> bool {
        self.prog.is_some() && self.broken.is_none() && self.settled.is_none()
    }
}

fn engine_index(name: &str) -> Option<usize> {
    ENGINES.iter().position(|e| e.name() == name)
}

/// The order in which engines are credited with a failure several found: the round's
/// engines, then libFuzzer.
fn engine_rank(name: &str) -> usize {
    engine_index(name).unwrap_or(ENGINES.len())
}

fn stop_word(s: StopReason) -> &'static str {
    match s {
        StopReason::Found => "found",
        StopReason::Iterations => "iterations",
        StopReason::Time => "time",
        StopReason::Exhausted => "exhausted",
        StopReason::Portfolio => "portfolio",
        StopReason::Interrupted => "interrupted",
    }
}

fn stop_of(word: &str) -> StopReason {
    match word {
        "found" => StopReason::Found,
        "time" => StopReason::Time,
        "exhausted" => StopReason::Exhausted,
        "interrupted" => StopReason::Interrupted,
        _ => StopReason::Iterations,
    }
}

/// What the regression corpus says about findings.
#[derive(Default)]
struct CorpusIndex {
    /// (scenario name, signature) of `passes` entries: a bug recorded as fixed.
    fixed: Vec<(String, Signature, String)>,
    /// (scenario name, signature) of `reproduces` entries: a bug kept on purpose.
    kept: Vec<(String, Signature)>,
}

/// Run `f` over `tasks` on `jobs` workers; `each` gets every result on the calling thread, as
/// it arrives. Stops handing out tasks once `stop()` says so.
fn pool<T: Send, R: Send>(
    jobs: usize,
    tasks: Vec<T>,
    f: impl Fn(T) -> R + Sync,
    stop: impl Fn() -> bool + Sync,
    mut each: impl FnMut(R),
) {
    let queue = Mutex::new(tasks.into_iter());
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            let tx = tx.clone();
            let (queue, f, stop) = (&queue, &f, &stop);
            s.spawn(move || loop {
                if stop() {
                    break;
                }
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some(t) = next else { break };
                if tx.send(f(t)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for r in rx {
            each(r);
        }
    });
}

/// One engine's slice of one scenario in one round, as a worker returns it.
struct SliceDone {
    scn: usize,
    engine: usize,
    round: u32,
    result: Result<(Exploration, ExploreConfig), String>,
}

/// The campaign in progress.
struct Campaign<'o> {
    cfg: CampaignConfig,
    scns: Vec<Scn>,
    baseline: Baseline,
    corpus: CorpusIndex,
    corpus_done: Vec<Option<Record>>,
    journal: Journal,
    /// Classified findings by (scenario index, signature), in classification order.
    classified: Vec<(usize, FindingEntry)>,
    /// Reports written by earlier sessions, by (scenario file, signature): a finding that
    /// still needs one reuses it.
    written: HashMap<(String, Signature), FindingEntry>,
    /// Wall time of the sessions that ended before this one.
    past: Duration,
    confirmed: HashMap<(String, Signature), bool>,
    before: Duration,
    start: Instant,
    sessions: u32,
    /// Exploration is over; libFuzzer's share runs.
    in_libfuzzer: bool,
    observer: &'o mut dyn FnMut(Event<'_>),
}

/// Run a campaign; `observer` hears about progress from this thread.
pub fn run_campaign(
    cfg: CampaignConfig,
    observer: &mut dyn FnMut(Event<'_>),
) -> Result<CampaignResult, CampaignError> {
    let baseline = match &cfg.baseline {
        Some(p) => Baseline::read(p)?,
        None => Baseline::default(),
    };
    std::fs::create_dir_all(&cfg.out).map_err(|e| CampaignError::io(&cfg.out, e))?;
    let (journal, records) = match &cfg.state {
        Some(dir) => Journal::open(dir)?,
        None => (Journal::none(), Vec::new()),
    };
    let scns: Vec<Scn> = cfg
        .files
        .iter()
        .map(|p| {
            let file = p.display().to_string();
            let (prog, broken) = match load_file(p) {
                Ok(prog) => (Some(Arc::new(prog)), None),
                Err(e) => (None, Some((ScenarioStatus::Invalid, e.to_string()))),
            };
            Scn {
                file,
                prog,
                broken,
                executions: 0,
                engines: BTreeMap::new(),
                slices: 0,
                rounds: Default::default(),
                elapsed_ms: 0,
                settled: None,
                exhausted: false,
                done: Default::default(),
                seen: Vec::new(),
                fuzzed: false,
                lf_runs: 0,
                lf_elapsed_ms: 0,
                lf_crashes: 0,
                lf_errors: Vec::new(),
            }
        })
        .collect();
    for s in &scns {
        if let Some((_, e)) = &s.broken {
            observer(Event::Invalid {
                file: &s.file,
                error: e,
            });
        }
    }
    let mut corpus = CorpusIndex::default();
    for p in &cfg.corpus {
        // An unreadable entry is found (and reported) by its check.
        if let Ok(r) = read_report(p) {
            let name = r.scenario.name.clone();
            match r.corpus.map(|c| c.expect) {
                Some(CorpusExpect::Passes) => {
                    corpus
                        .fixed
                        .push((name, r.failure.signature.clone(), p.display().to_string()))
                }
                Some(CorpusExpect::Reproduces) => corpus.kept.push((name, r.failure.signature)),
                None => {}
            }
        }
    }
    let mut c = Campaign {
        corpus_done: vec![None; cfg.corpus.len()],
        cfg,
        scns,
        baseline,
        corpus,
        journal,
        classified: Vec::new(),
        written: HashMap::new(),
        past: Duration::ZERO,
        confirmed: HashMap::new(),
        before: Duration::ZERO,
        start: Instant::now(),
        sessions: 1,
        in_libfuzzer: false,
        observer,
    };
    c.resume(&records)?;
    if !records.is_empty() {
        c.sessions += 1;
        c.journal.append(&Record::Resume {})?;
    } else {
        c.journal.append(&Record::Start {
            format: STATE_FORMAT.into(),
            seed: c.cfg.seed,
            slice: c.cfg.slice,
            harness: crate::VERSION.into(),
        })?;
    }
    c.run()
}

impl Campaign<'_> {
    /// Wall time of this session (resumed after a kill: with the killed part).
    fn elapsed(&self) -> Duration {
        self.before + self.start.elapsed()
    }

    fn deadline(&self) -> Option<Instant> {
        self.cfg
            .time
            .map(|t| self.start + t.saturating_sub(self.before))
    }

    /// The end of exploration by the round's engines: the deadline, less libFuzzer's share.
    fn explore_deadline(&self) -> Option<Instant> {
        let t = self.cfg.time?;
        let share = self.cfg.libfuzzer.as_ref().map_or(0.0, |l| l.share);
        Some(
            self.start
                + t.mul_f64((1.0 - share).clamp(0.0, 1.0))
                    .saturating_sub(self.before),
        )
    }

    fn scn_by_file(&self, file: &str) -> Option<usize> {
        self.scns.iter().position(|s| s.file == file)
    }

    /// Take back what earlier sessions of this campaign did. Exploration (slices, their
    /// findings, the reports written) carries over from every session, for scenario files
    /// whose content is unchanged; a session that ended normally closes its corpus checks,
    /// baseline searches and time budget, so the next session (the next night) checks again
    /// and gets a budget of its own, continuing the rounds where they stopped.
    fn resume(&mut self, records: &[Record]) -> Result<(), CampaignError> {
        // A session closes with an `End` that was not an interruption (Ctrl-C or SIGTERM
        // leave it open, like a kill, so the same command picks it up).
        let closes =
            |r: &Record| matches!(r, Record::End { stopped, .. } if stopped != "interrupted");
        let open_from = records.iter().rposition(closes).map_or(0, |k| k + 1);
        let hashes: Vec<Option<String>> = self
            .scns
            .iter()
            .map(|s| s.prog.as_ref().map(|p| p.hash.clone()))
            .collect();
        for (n, r) in records.iter().enumerate() {
            let current = n >= open_from;
            match r {
                Record::Start {
                    format,
                    seed,
                    slice,
                    ..
                } => {
                    if format != STATE_FORMAT || *seed != self.cfg.seed || *slice != self.cfg.slice
                    {
                        return Err(CampaignError::State(format!(
                            "the state directory holds a campaign with seed {seed} and slice \
                             {slice} ({format}); resume it with the same --seed and --slice, \
                             or give a new --state"
                        )));
                    }
                }
                Record::Slice {
                    file,
                    hash,
                    at_ms,
                    engine,
                    round,
                    complete,
                    executions,
                    distinct,
                    stopped,
                    elapsed_ms,
                    faults,
                    findings,
                } => {
                    let (Some(i), Some(e)) = (self.scn_by_file(file), engine_index(engine)) else {
                        continue;
                    };
                    if current {
                        self.before = self.before.max(Duration::from_millis(*at_ms));
                    }
                    // The file changed since: what was explored was another scenario.
                    if hashes[i].as_deref() != Some(hash.as_str()) {
                        continue;
                    }
                    let stats = EngineStats {
                        engine: ENGINES[e].name(),
                        executions: *executions,
                        distinct_schedules: *distinct,
                        stopped: stop_of(stopped),
                    };
                    let run = SliceRun {
                        engine: ENGINES[e].name(),
                        round: *round,
                        config: self.slice_config(i, e, *round),
                        stats,
                        faults: faults
                            .iter()
                            .map(|f| RuleStat {
                                executions: f[0],
                                injections: f[1],
                                ended: f[2],
                                failed: f[3],
                            })
                            .collect(),
                        elapsed: Duration::from_millis(*elapsed_ms),
                    };
                    self.record_slice(i, e, *round, *complete, run, findings, None);
                }
                Record::Reported {
                    file,
                    hash,
                    signature,
                    class,
                    why,
                    report,
                    html,
                    replay_verified,
                    preemptions,
                } => {
                    let Some(i) = self.scn_by_file(file) else {
                        continue;
                    };
                    if hashes[i].as_deref() != Some(hash.as_str()) || report.is_none() {
                        continue;
                    }
                    let entry = FindingEntry {
                        report: report.clone(),
                        html: html.clone(),
                        replay: report.as_ref().map(|p| format!("hazard replay {p}")),
                        replay_verified: *replay_verified,
                        preemptions: *preemptions,
                        ..entry_of(&self.scns[i], signature, None, *class, why.clone())
                    };
                    self.written
                        .insert((file.clone(), signature.clone()), entry);
                }
                Record::Corpus { entry, .. } if current => {
                    if let Some(k) = self
                        .cfg
                        .corpus
                        .iter()
                        .position(|p| p.display().to_string() == *entry)
                    {
                        self.corpus_done[k] = Some(r.clone());
                    }
                }
                Record::Confirmed {
                    scenario,
                    signature,
                    found,
                    ..
                } if current => {
                    self.confirmed
                        .insert((scenario.clone(), signature.clone()), *found);
                }
                Record::Clock { elapsed_ms, .. } => {
                    if current {
                        self.before = self.before.max(Duration::from_millis(*elapsed_ms));
                    }
                }
                Record::End { elapsed_ms, .. } => {
                    if current {
                        self.before = self.before.max(Duration::from_millis(*elapsed_ms));
                    } else if closes(r) {
                        self.past += Duration::from_millis(*elapsed_ms);
                    }
                }
                Record::Fuzzed {
                    file,
                    hash,
                    at_ms,
                    complete,
                    executions,
                    elapsed_ms,
                    crash,
                    finding,
                    error,
                    ..
                } => {
                    let Some(i) = self.scn_by_file(file) else {
                        continue;
                    };
                    if current {
                        self.before = self.before.max(Duration::from_millis(*at_ms));
                    }
                    if hashes[i].as_deref() != Some(hash.as_str()) {
                        continue;
                    }
                    self.record_fuzzed(
                        i,
                        current && *complete,
                        *executions,
                        Duration::from_millis(*elapsed_ms),
                        crash.is_some(),
                        finding.as_ref(),
                        None,
                        error.clone(),
                    );
                }
                Record::Resume {} => self.sessions += 1,
                Record::Corpus { .. } | Record::Confirmed { .. } => {}
            }
        }
        Ok(())
    }

    /// The exploration settings of one slice: deterministic in (seed, file, round, engine).
    fn slice_config(&self, i: usize, e: usize, round: u32) -> ExploreConfig {
        let s = &self.scns[i];
        slice_config_of(
            self.cfg.seed,
            self.cfg.slice,
            &s.file,
            e,
            round,
            s.max_steps(&self.cfg),
        )
    }

    /// Fold one slice's result into its scenario.
    #[allow(clippy::too_many_arguments)]
    fn record_slice(
        &mut self,
        i: usize,
        e: usize,
        round: u32,
        complete: bool,
        run: SliceRun,
        findings: &[Found],
        live: Option<&[Finding]>,
    ) -> Vec<Signature> {
        let s = &mut self.scns[i];
        s.executions += run.stats.executions;
        *s.engines.entry(ENGINES[e].name().to_string()).or_default() += run.stats.executions;
        s.slices += 1;
        s.rounds.insert(round);
        s.elapsed_ms += run.elapsed.as_millis() as u64;
        if complete {
            s.done.insert((round, e));
            let settles = match run.stats.stopped {
                StopReason::Found => true,
                StopReason::Exhausted => {
                    s.exhausted = true;
                    true
                }
                _ => false,
            };
            if settles {
                s.settled = Some(s.settled.map_or(round, |r| r.min(round)));
            }
        }
        let mut fresh = Vec::new();
        for f in findings {
            let finding = live.and_then(|l| l.iter().find(|x| x.signature == f.signature).cloned());
            if see(s, f, &run, finding) {
                fresh.push(f.signature.clone());
            }
        }
        fresh
    }

    /// Fold one libFuzzer process's result into its scenario (`done`: it ran to its end in
    /// this session, so this session does not fuzz the scenario again).
    #[allow(clippy::too_many_arguments)]
    fn record_fuzzed(
        &mut self,
        i: usize,
        done: bool,
        executions: u64,
        elapsed: Duration,
        crashed: bool,
        found: Option<&Found>,
        live: Option<Finding>,
        error: Option<String>,
    ) -> Vec<Signature> {
        let s = &mut self.scns[i];
        let max_steps = s
            .prog
            .as_ref()
            .and_then(|p| p.hints.max_steps)
            .unwrap_or(crate::targets::MAX_STEPS);
        let ms = elapsed.as_millis() as u64;
        s.executions += executions;
        *s.engines.entry(LIBFUZZER.to_string()).or_default() += executions;
        s.elapsed_ms += ms;
        s.lf_runs += 1;
        s.lf_elapsed_ms += ms;
        s.lf_crashes += u64::from(crashed);
        s.lf_errors.extend(error);
        s.fuzzed |= done;
        let Some(f) = found else {
            return Vec::new();
        };
        // As `hazard fuzz import` reports a crash: the target's step bound, the one schedule.
        let run = SliceRun {
            engine: LIBFUZZER,
            round: AFTER_ROUNDS,
            config: ExploreConfig::default().max_steps(max_steps),
            stats: EngineStats {
                engine: LIBFUZZER,
                executions,
                distinct_schedules: 1,
                stopped: StopReason::Found,
            },
            faults: Vec::new(),
            elapsed,
        };
        if see(s, f, &run, live) {
            vec![f.signature.clone()]
        } else {
            Vec::new()
        }
    }

    /// Tell the observer about failures met for the first time.
    fn announce(&mut self, i: usize, fresh: &[Signature], engine: &str) {
        for sig in fresh {
            let (class, _) = self.class_of(i, sig);
            (self.observer)(Event::Found {
                file: &self.scns[i].file,
                signature: sig,
                engine,
                class,
            });
        }
    }

    fn progress(&self) -> Progress {
        Progress {
            round: self
                .scns
                .iter()
                .filter_map(|s| s.rounds.iter().next_back().copied())
                .max()
                .unwrap_or(0),
            scenarios: self.scns.len(),
            settled: self.scns.iter().filter(|s| !s.open()).count(),
            executions: self.scns.iter().map(|s| s.executions).sum(),
            findings: self.scns.iter().map(|s| s.seen.len()).sum::<usize>()
                + self
                    .corpus_done
                    .iter()
                    .filter(|r| matches!(r, Some(Record::Corpus { ok: false, .. })))
                    .count(),
            elapsed: self.elapsed(),
            budget: self.cfg.time,
            libfuzzer: self.in_libfuzzer,
        }
    }

    fn run(mut self) -> Result<CampaignResult, CampaignError> {
        self.check_corpus()?;
        let mut stopped = self.explore_all()?;
        if self.cfg.libfuzzer.is_some() && !crate::explore::interrupted() {
            let word = self.fuzz_all()?;
            if word != "done" {
                stopped = word;
            }
        }
        // Whatever the stop, every finding so far gets its class and report.
        self.classify_all()?;
        self.confirm_baseline()?;
        let summary = self.summary(stopped);
        if self.cfg.update_baseline {
            self.update_baseline()?;
        }
        self.journal.append(&Record::End {
            // This session's time: the next one (the next night) gets a budget of its own.
            elapsed_ms: self.elapsed().as_millis() as u64,
            stopped: stopped.into(),
        })?;
        for s in &summary.scenarios {
            (self.observer)(Event::Scenario(s));
        }
        let outputs = write_outputs(&self.cfg.out, &summary)?;
        Ok(CampaignResult { summary, outputs })
    }

    /// Check every regression-corpus entry not checked yet.
    fn check_corpus(&mut self) -> Result<(), CampaignError> {
        let todo: Vec<usize> = (0..self.cfg.corpus.len())
            .filter(|&k| self.corpus_done[k].is_none())
            .collect();
        let paths = self.cfg.corpus.clone();
        let mut done = Vec::new();
        pool(
            self.cfg.jobs,
            todo,
            |k| (k, corpus_record(&paths[k])),
            crate::explore::interrupted,
            |d| done.push(d),
        );
        for d in done {
            let (k, r) = d;
            self.journal.append(&r)?;
            self.corpus_done[k] = Some(r);
            let p = self.progress();
            (self.observer)(Event::Progress(p));
        }
        Ok(())
    }

    /// The slices scenario `i` still needs: those of its first round with one missing, if it
    /// runs in that round and the round cap allows it.
    fn next_slices(&self, i: usize) -> Vec<(u32, usize, usize)> {
        let s = &self.scns[i];
        let mut round = 0;
        loop {
            if !s.runs_in(round) || self.cfg.rounds.is_some_and(|n| round >= n) {
                return Vec::new();
            }
            let missing: Vec<(u32, usize, usize)> = (0..ENGINES.len())
                .filter(|&e| !s.done.contains(&(round, e)))
                .map(|e| (round, i, e))
                .collect();
            if !missing.is_empty() {
                return missing;
            }
            round += 1;
        }
    }

    /// Explore until every scenario settles, the rounds or the time run out, or the process
    /// is interrupted. There is no barrier between rounds: a scenario's next round starts as
    /// soon as its own round is over, so no worker waits for the slowest slice of a round;
    /// within the queue, earlier rounds go first (every scenario is explored early) and, in a
    /// round, the longest slices (by the scenario's cost per execution so far).
    fn explore_all(&mut self) -> Result<&'static str, CampaignError> {
        use std::collections::BinaryHeap;
        /// A queued slice: ordered by round (earliest first), then cost (largest first),
        /// then position (a total order, so the queue is the same on every run).
        #[derive(PartialEq)]
        struct Queued {
            round: u32,
            cost: f64,
            scn: usize,
            engine: usize,
        }
        impl Eq for Queued {}
        impl Ord for Queued {
            fn cmp(&self, o: &Self) -> std::cmp::Ordering {
                o.round
                    .cmp(&self.round)
                    .then(self.cost.total_cmp(&o.cost))
                    .then(o.scn.cmp(&self.scn))
                    .then(o.engine.cmp(&self.engine))
            }
        }
        impl PartialOrd for Queued {
            fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(o))
            }
        }
        struct Shared {
            queue: BinaryHeap<Queued>,
            /// Slices queued or running whose follow-up is not queued yet.
            busy: usize,
            stop: bool,
        }
        let queued = |c: &Campaign<'_>, v: Vec<(u32, usize, usize)>| -> Vec<Queued> {
            v.into_iter()
                .map(|(round, scn, engine)| {
                    let s = &c.scns[scn];
                    let per = if s.executions > 0 {
                        s.elapsed_ms as f64 / s.executions as f64
                    } else {
                        1.0
                    };
                    let cfg = c.slice_config(scn, engine, round);
                    Queued {
                        round,
                        cost: cfg.iterations as f64 * per.max(1e-6),
                        scn,
                        engine,
                    }
                })
                .collect()
        };
        let mut first = Vec::new();
        // All of the budget for libFuzzer: no rounds.
        let skip = self.cfg.libfuzzer.as_ref().is_some_and(|l| l.share >= 1.0);
        for i in (0..self.scns.len()).filter(|_| !skip) {
            let next = self.next_slices(i);
            first.extend(queued(self, next));
        }
        let deadline = self.explore_deadline();
        let progs: Vec<Option<Arc<Program>>> = self.scns.iter().map(|s| s.prog.clone()).collect();
        let busy = first.len();
        let shared = Mutex::new(Shared {
            queue: first.into_iter().collect(),
            busy,
            stop: false,
        });
        let wake = std::sync::Condvar::new();
        let (tx, rx) = mpsc::channel::<SliceDone>();
        // The slice configs workers need, computed on demand from copies of what they read.
        let seed = self.cfg.seed;
        let slice = self.cfg.slice;
        let files: Vec<String> = self.scns.iter().map(|s| s.file.clone()).collect();
        let max_steps: Vec<u64> = self.scns.iter().map(|s| s.max_steps(&self.cfg)).collect();
        fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
            m.lock().unwrap_or_else(|e| e.into_inner())
        }
        let mut failure = None;
        std::thread::scope(|scope| {
            for _ in 0..self.cfg.jobs.max(1) {
                let tx = tx.clone();
                let (shared, wake, progs, files, max_steps) =
                    (&shared, &wake, &progs, &files, &max_steps);
                scope.spawn(move || loop {
                    let task = {
                        let mut g = lock(shared);
                        loop {
                            if crate::explore::interrupted()
                                || deadline.is_some_and(|d| Instant::now() >= d)
                            {
                                g.stop = true;
                                wake.notify_all();
                            }
                            if g.stop {
                                break None;
                            }
                            if let Some(t) = g.queue.pop() {
                                break Some(t);
                            }
                            if g.busy == 0 {
                                break None;
                            }
                            g = wake.wait(g).unwrap_or_else(|e| e.into_inner());
                        }
                    };
                    let Some(t) = task else { break };
                    let mut ec = slice_config_of(
                        seed,
                        slice,
                        &files[t.scn],
                        t.engine,
                        t.round,
                        max_steps[t.scn],
                    );
                    if let Some(d) = deadline {
                        ec = ec.time(Some(
                            d.saturating_duration_since(Instant::now())
                                .max(Duration::from_millis(1)),
                        ));
                    }
                    // Only loaded scenarios get slices.
                    let result = match progs[t.scn].as_ref().map(|p| explore(p, &ec)) {
                        Some(Ok(x)) => match &x.limit {
                            Some(l) => Err(l.clone()),
                            None => Ok((x, ec)),
                        },
                        Some(Err(e)) => Err(e.to_string()),
                        None => Err("the scenario did not load".into()),
                    };
                    let done = SliceDone {
                        scn: t.scn,
                        engine: t.engine,
                        round: t.round,
                        result,
                    };
                    if tx.send(done).is_err() {
                        break;
                    }
                });
            }
            drop(tx);
            for d in rx {
                let SliceDone {
                    scn,
                    engine,
                    round,
                    result,
                } = d;
                match result {
                    Ok((x, ec)) => {
                        let hash = progs[scn]
                            .as_ref()
                            .map(|p| p.hash.clone())
                            .unwrap_or_default();
                        let rec = slice_record(
                            &files[scn],
                            &hash,
                            engine,
                            round,
                            &x,
                            self.elapsed().as_millis() as u64,
                        );
                        // Journaled as it arrives: a kill loses only the slices in flight.
                        if let Err(e) = self.journal.append(&rec) {
                            failure.get_or_insert(e);
                            lock(&shared).stop = true;
                        }
                        let stats = x.engines[0].clone();
                        let complete =
                            !matches!(stats.stopped, StopReason::Time | StopReason::Interrupted);
                        let found: Vec<Found> = x.findings.iter().map(found_of).collect();
                        let run = SliceRun {
                            engine: ENGINES[engine].name(),
                            round,
                            config: ec,
                            stats,
                            faults: x.faults.clone(),
                            elapsed: x.elapsed,
                        };
                        let fresh = self.record_slice(
                            scn,
                            engine,
                            round,
                            complete,
                            run,
                            &found,
                            Some(&x.findings),
                        );
                        self.announce(scn, &fresh, ENGINES[engine].name());
                    }
                    Err(e) => self.scns[scn].broken = Some((ScenarioStatus::Error, e)),
                }
                // The scenario's next round, once this one is over.
                let in_round = (0..ENGINES.len())
                    .filter(|&e| !self.scns[scn].done.contains(&(round, e)))
                    .count();
                let follow = if in_round == 0 || self.scns[scn].broken.is_some() {
                    let next = self.next_slices(scn);
                    queued(self, next)
                } else {
                    Vec::new()
                };
                {
                    let mut g = lock(&shared);
                    g.busy += follow.len();
                    g.queue.extend(follow);
                    g.busy -= 1;
                    wake.notify_all();
                }
                let p = self.progress();
                (self.observer)(Event::Progress(p));
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        self.journal.append(&Record::Clock {
            elapsed_ms: self.elapsed().as_millis() as u64,
            round: self.progress().round,
        })?;
        Ok(if crate::explore::interrupted() {
            "interrupted"
        } else if !self.scns.iter().any(Scn::open) {
            "done"
        } else if self.explore_deadline().is_some_and(|d| Instant::now() >= d) {
            "time"
        } else {
            "rounds"
        })
    }

    /// libFuzzer's share: one process per `passes` scenario not fuzzed yet in this session,
    /// those fuzzed least over the campaign first, each for an equal part of the time left
    /// (at least [`MIN_LIBFUZZER_SECS`]; what does not fit waits for the next session), or, with no time
    /// budget, for as many executions as the four engines' slices of every round. Results are
    /// journaled as they arrive. Returns `done`, `time` or `interrupted`.
    fn fuzz_all(&mut self) -> Result<&'static str, CampaignError> {
        use libfuzzer::{fuzz_one, Limit};
        let Some(lf) = self.cfg.libfuzzer.clone() else {
            return Ok("done");
        };
        self.in_libfuzzer = true;
        let p = self.progress();
        (self.observer)(Event::Progress(p));
        let mut todo: Vec<usize> = (0..self.scns.len())
            .filter(|&i| {
                let s = &self.scns[i];
                s.broken.is_none()
                    && !s.fuzzed
                    && s.prog
                        .as_ref()
                        .is_some_and(|p| matches!(p.expect, Expectation::Passes))
            })
            .collect();
        todo.sort_by_key(|&i| (self.scns[i].lf_elapsed_ms, self.scns[i].lf_runs, i));
        if todo.is_empty() {
            return Ok("done");
        }
        let eligible = todo.len();
        let jobs = self.cfg.jobs.max(1);
        let deadline = self.deadline();
        let limit = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now()).as_secs_f64();
                let per = ((left * jobs as f64 / todo.len() as f64).floor() as u64)
                    .max(MIN_LIBFUZZER_SECS);
                todo.truncate((left * jobs as f64 / per as f64).floor() as usize);
                Limit::Secs(per)
            }
            None => Limit::Runs(
                self.cfg
                    .slice
                    .saturating_mul(ENGINES.len() as u64)
                    .saturating_mul(self.cfg.rounds.unwrap_or(1) as u64),
            ),
        };
        let all_fit = todo.len() == eligible;
        // libFuzzer keeps its own time; this only stops a process that does not.
        let hard_stop = deadline.map(|d| d + Duration::from_secs(10));
        let tasks: Vec<(usize, String, Arc<Program>, u64)> = todo
            .iter()
            .map(|&i| {
                let s = &self.scns[i];
                let seed = mix(self.cfg.seed ^ mix(stable_hash(&s.file)) ^ self.sessions as u64);
                (i, s.file.clone(), s.prog.clone().expect("loaded"), seed)
            })
            .collect();
        let mut failure = None;
        let lf = &lf;
        pool(
            jobs,
            tasks,
            |(i, file, prog, seed)| {
                // A run that starts late (the ones before it took their start-up too) gets only
                // the time left, so the campaign keeps to its budget.
                let limit = match (limit, deadline) {
                    (Limit::Secs(s), Some(d)) => {
                        Limit::Secs(s.min(d.saturating_duration_since(Instant::now()).as_secs()))
                    }
                    (l, _) => l,
                };
                (i, limit, fuzz_one(lf, &file, &prog, limit, seed, hard_stop))
            },
            || {
                crate::explore::interrupted()
                    || deadline.is_some_and(|d| Instant::now() + Duration::from_secs(1) >= d)
            },
            |(i, limit, r)| {
                if failure.is_some() {
                    return;
                }
                if let Err(e) = self.fuzzed_one(i, limit, r) {
                    failure = Some(e);
                }
            },
        );
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(if crate::explore::interrupted() {
            "interrupted"
        } else if !all_fit
            || todo
                .iter()
                .any(|&i| !self.scns[i].fuzzed && self.scns[i].broken.is_none())
        {
            "time"
        } else {
            "done"
        })
    }

    /// Journal and fold in one libFuzzer process's result.
    fn fuzzed_one(
        &mut self,
        i: usize,
        limit: libfuzzer::Limit,
        r: libfuzzer::Fuzzed,
    ) -> Result<(), CampaignError> {
        use crate::targets::ReproduceError;
        let mut error = r.error.clone();
        let mut live = None;
        match r.reproduced {
            Some(Ok(rep)) => live = Some(rep.finding),
            // The target crashed inside the harness: the scenario cannot be explored.
            Some(Err(ReproduceError::Internal(e))) => {
                let crash = r
                    .crash
                    .as_ref()
                    .map(|c| c.display().to_string())
                    .unwrap_or_default();
                self.scns[i].broken = Some((
                    ScenarioStatus::Error,
                    format!("libFuzzer crash {crash}: {e}"),
                ));
            }
            Some(Err(e)) => error = Some(e.to_string()),
            None => {}
        }
        let found = live.as_ref().map(|f| Found {
            signature: f.signature.clone(),
            schedule: f.schedule.encode(),
            execution: r.executions,
        });
        let s = &self.scns[i];
        let rec = Record::Fuzzed {
            file: s.file.clone(),
            hash: s.prog.as_ref().map(|p| p.hash.clone()).unwrap_or_default(),
            at_ms: self.elapsed().as_millis() as u64,
            limit: limit.describe(),
            complete: !r.interrupted,
            executions: r.executions,
            elapsed_ms: r.elapsed.as_millis() as u64,
            crash: r.crash.as_ref().map(|c| c.display().to_string()),
            finding: found.clone(),
            error: error.clone(),
        };
        self.journal.append(&rec)?;
        let fresh = self.record_fuzzed(
            i,
            !r.interrupted,
            r.executions,
            r.elapsed,
            r.crash.is_some(),
            found.as_ref(),
            live,
            error,
        );
        self.announce(i, &fresh, LIBFUZZER);
        let p = self.progress();
        (self.observer)(Event::Progress(p));
        Ok(())
    }

    /// A finding's entry before its report.
    fn entry(
        &self,
        i: usize,
        sig: &Signature,
        seen: Option<&Seen>,
        class: Class,
        why: String,
    ) -> FindingEntry {
        entry_of(&self.scns[i], sig, seen, class, why)
    }

    /// The class of a finding, before any report.
    fn class_of(&self, i: usize, sig: &Signature) -> (Class, String) {
        let Some(prog) = &self.scns[i].prog else {
            return (Class::New, String::new());
        };
        // A corpus entry recorded as fixed comes first: its failure back is a regression
        // even in a scenario that expects failures.
        if let Some((_, _, entry)) = self
            .corpus
            .fixed
            .iter()
            .find(|(n, s, _)| *n == prog.name && s == sig)
        {
            return (
                Class::Regressed,
                format!("the corpus entry {entry} records it as fixed"),
            );
        }
        // A scenario that expects a failure is a program known to be broken: its other
        // failures are that program's too, not news (make it `passes` to hear of them).
        if let Expectation::Fails(want) = &prog.expect {
            return if sig.matches(want) {
                (Class::Known, "expected by the scenario".into())
            } else {
                (
                    Class::Known,
                    format!(
                        "another failure of a scenario that expects one ({})",
                        want.id.as_deref().unwrap_or("any")
                    ),
                )
            };
        }
        if self.baseline.has(&prog.name, sig) {
            return (Class::Known, "accepted in the baseline".into());
        }
        if self
            .corpus
            .kept
            .iter()
            .any(|(n, s)| *n == prog.name && s == sig)
        {
            return (Class::Known, "kept in the regression corpus".into());
        }
        (
            Class::New,
            "not expected by the scenario, not in the corpus or the baseline".into(),
        )
    }

    /// Classify every finding not classified yet in this session; write the reports of new
    /// and regressed ones (minimized, on the workers), or reuse the one an earlier session
    /// wrote.
    fn classify_all(&mut self) -> Result<(), CampaignError> {
        let mut todo: Vec<(usize, Seen, Class, String)> = Vec::new();
        let mut reused = Vec::new();
        for (i, s) in self.scns.iter().enumerate() {
            for seen in &s.seen {
                if self
                    .classified
                    .iter()
                    .any(|(j, e)| *j == i && e.signature == seen.signature)
                {
                    continue;
                }
                let (class, why) = self.class_of(i, &seen.signature);
                let key = (s.file.clone(), seen.signature.clone());
                match self.written.get(&key) {
                    Some(w) if class.fails() => {
                        let flaky = w.replay_verified == Some(false);
                        reused.push((
                            i,
                            FindingEntry {
                                class: if flaky { Class::Flaky } else { class },
                                why: if flaky { w.why.clone() } else { why },
                                ..entry_of(s, &seen.signature, Some(seen), class, String::new())
                            }
                            .with_report_of(w),
                        ));
                    }
                    _ => todo.push((i, seen.clone(), class, why)),
                }
            }
        }
        for (i, entry) in reused {
            (self.observer)(Event::Finding(&entry));
            self.classified.push((i, entry));
        }
        let reports = self.cfg.out.join("reports");
        let cfg = &self.cfg;
        let scns = &self.scns;
        let mut written: Vec<(usize, FindingEntry)> = Vec::new();
        let tasks: Vec<(usize, usize, Seen, Class, String)> = todo
            .into_iter()
            .enumerate()
            .map(|(k, (i, seen, class, why))| (k, i, seen, class, why))
            .collect();
        let mut results: Vec<(usize, usize, Result<FindingEntry, CampaignError>)> = Vec::new();
        pool(
            cfg.jobs,
            tasks,
            |(k, i, seen, class, why)| {
                let base = entry_of(&scns[i], &seen.signature, Some(&seen), class, why);
                let r = if class.fails() {
                    report_one(cfg, &scns[i], &seen, base, &reports)
                } else {
                    Ok(base)
                };
                (k, i, r)
            },
            || false,
            |r| results.push(r),
        );
        results.sort_by_key(|(k, _, _)| *k);
        for (_, i, r) in results {
            written.push((i, r?));
        }
        for (i, entry) in written {
            self.journal.append(&Record::Reported {
                file: self.scns[i].file.clone(),
                hash: self.scns[i]
                    .prog
                    .as_ref()
                    .map(|p| p.hash.clone())
                    .unwrap_or_default(),
                signature: entry.signature.clone(),
                class: entry.class,
                why: entry.why.clone(),
                report: entry.report.clone(),
                html: entry.html.clone(),
                replay_verified: entry.replay_verified,
                preemptions: entry.preemptions,
            })?;
            (self.observer)(Event::Finding(&entry));
            self.classified.push((i, entry));
        }
        Ok(())
    }

    /// Baseline findings of this campaign's scenarios that exploration did not meet: searched
    /// for by bounded DFS; found again they stay known, else they are fixed.
    fn confirm_baseline(&mut self) -> Result<(), CampaignError> {
        let mut todo = Vec::new();
        for b in &self.baseline.findings {
            let Some(i) = self.scns.iter().position(|s| {
                s.prog.as_ref().is_some_and(|p| p.name == b.scenario) && s.broken.is_none()
            }) else {
                continue;
            };
            if self.scns[i].seen.iter().any(|x| x.signature == b.signature)
                || self
                    .confirmed
                    .contains_key(&(b.scenario.clone(), b.signature.clone()))
            {
                continue;
            }
            todo.push((i, b.clone()));
        }
        if crate::explore::interrupted() {
            return Ok(());
        }
        let scns = &self.scns;
        let cfg = &self.cfg;
        let mut results = Vec::new();
        pool(
            cfg.jobs,
            todo.into_iter().enumerate().collect(),
            |(k, (i, b)): (usize, (usize, BaselineEntry))| {
                let prog = scns[i].prog.clone().expect("loaded");
                let want = b.signature.clone();
                let r = search_dfs(
                    &prog,
                    b.preemptions + 1,
                    CONFIRM_BUDGET,
                    None,
                    scns[i].max_steps(cfg),
                    move |s| s == Some(&want),
                );
                (k, b, r.map(|r| (r.found.is_some(), r.executions)))
            },
            crate::explore::interrupted,
            |r| results.push(r),
        );
        results.sort_by_key(|(k, _, _)| *k);
        for (_, b, r) in results {
            // An internal error is not evidence either way: the finding stays known.
            let (found, executions) = r.unwrap_or((true, 0));
            self.journal.append(&Record::Confirmed {
                scenario: b.scenario.clone(),
                signature: b.signature.clone(),
                found,
                executions,
            })?;
            self.confirmed.insert((b.scenario, b.signature), found);
        }
        Ok(())
    }

    fn update_baseline(&self) -> Result<(), CampaignError> {
        let Some(path) = &self.cfg.baseline else {
            return Ok(());
        };
        let ours: Vec<&str> = self
            .scns
            .iter()
            .filter_map(|s| s.prog.as_ref().map(|p| p.name.as_str()))
            .collect();
        let mut b = Baseline {
            format: BASELINE_FORMAT.into(),
            findings: self
                .baseline
                .findings
                .iter()
                .filter(|e| !ours.contains(&e.scenario.as_str()))
                .cloned()
                .collect(),
        };
        for (i, e) in &self.classified {
            let s = &self.scns[*i];
            let expects_failure = s
                .prog
                .as_ref()
                .is_some_and(|p| matches!(p.expect, Expectation::Fails(_)));
            if e.class == Class::Fixed || expects_failure {
                continue;
            }
            let preemptions = e.preemptions.unwrap_or_else(|| {
                s.seen
                    .iter()
                    .find(|x| x.signature == e.signature)
                    .and_then(|x| preemptions_of(s, x))
                    .unwrap_or(0)
            });
            b.findings.push(BaselineEntry {
                scenario: e.scenario.clone(),
                file: e.file.clone(),
                signature: e.signature.clone(),
                preemptions,
            });
        }
        // Baseline findings confirmed by search are still there: keep them.
        for e in &self.baseline.findings {
            if self
                .confirmed
                .get(&(e.scenario.clone(), e.signature.clone()))
                == Some(&true)
            {
                b.findings.push(e.clone());
            }
        }
        b.write(path)
    }

    fn summary(&self, stopped: &str) -> Summary {
        let mut findings: Vec<FindingEntry> =
            self.classified.iter().map(|(_, e)| e.clone()).collect();
        for b in &self.baseline.findings {
            if let Some(&found) = self
                .confirmed
                .get(&(b.scenario.clone(), b.signature.clone()))
            {
                let Some(i) = self
                    .scns
                    .iter()
                    .position(|s| s.prog.as_ref().is_some_and(|p| p.name == b.scenario))
                else {
                    continue;
                };
                let (class, why) = if found {
                    (
                        Class::Known,
                        "accepted in the baseline; exploration missed it, a bounded search found it"
                            .to_string(),
                    )
                } else {
                    (
                        Class::Fixed,
                        format!(
                            "accepted in the baseline, and no longer found: neither exploration \
                             nor a bounded DFS ({CONFIRM_BUDGET} executions at {} preemptions) \
                             met it",
                            b.preemptions + 1
                        ),
                    )
                };
                findings.push(self.entry(i, &b.signature, None, class, why));
            }
        }
        let mut corpus = Vec::new();
        for r in self.corpus_done.iter().flatten() {
            if let Record::Corpus {
                entry,
                ok,
                unreadable,
                expect,
                scenario,
                signature,
                detail,
            } = r
            {
                corpus.push(CorpusEntryLine {
                    file: entry.clone(),
                    ok: *ok,
                    expect: expect.clone(),
                    detail: detail.clone(),
                });
                let (Some(sig), false, false) = (signature, *ok, *unreadable) else {
                    continue;
                };
                let class = if expect == "passes" {
                    Class::Regressed
                } else {
                    Class::Fixed
                };
                findings.push(FindingEntry {
                    class,
                    why: format!("corpus entry {entry}: {detail}"),
                    scenario: scenario.clone(),
                    file: entry.clone(),
                    signature: sig.clone(),
                    engine: None,
                    round: None,
                    execution: None,
                    report: Some(entry.clone()),
                    html: None,
                    replay: Some(format!("hazard corpus check {entry}")),
                    replay_verified: None,
                    preemptions: None,
                    place: None,
                });
            }
        }
        // Stable order: class (new first), then file, then message.
        findings.sort_by(|a, b| {
            let key = |f: &FindingEntry| {
                (
                    f.class,
                    f.file.clone(),
                    f.signature.message.clone(),
                    f.signature.id.clone(),
                    f.signature.thread.clone(),
                    f.signature.op.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        let scenarios: Vec<ScenarioEntry> = self
            .scns
            .iter()
            .enumerate()
            .map(|(i, s)| self.scenario_entry(i, s, &findings))
            .collect();
        let count = |c: Class| findings.iter().filter(|f| f.class == c).count();
        let status = |st: ScenarioStatus| scenarios.iter().filter(|s| s.status == st).count();
        let totals = CampaignTotals {
            scenarios: scenarios.len(),
            met: status(ScenarioStatus::Met),
            unmet: status(ScenarioStatus::Unmet),
            invalid: status(ScenarioStatus::Invalid),
            errors: status(ScenarioStatus::Error),
            executions: scenarios.iter().map(|s| s.executions).sum(),
            new: count(Class::New),
            regressed: count(Class::Regressed),
            flaky: count(Class::Flaky),
            fixed: count(Class::Fixed),
            known: count(Class::Known),
            corpus_entries: corpus.len(),
            corpus_failed: corpus.iter().filter(|c| !c.ok).count(),
        };
        Summary {
            format: NIGHTLY_FORMAT.into(),
            harness: crate::VERSION.into(),
            seed: self.cfg.seed,
            jobs: self.cfg.jobs,
            shard: self.cfg.shard.map(|s| s.to_string()),
            time_budget_secs: self.cfg.time.map(|t| t.as_secs_f64()),
            slice: self.cfg.slice,
            rounds: self
                .scns
                .iter()
                .flat_map(|s| s.rounds.iter().copied())
                .max()
                .map_or(0, |r| r + 1),
            elapsed_ms: (self.past + self.elapsed()).as_millis() as u64,
            sessions: self.sessions,
            interrupted: stopped == "interrupted",
            stopped: stopped.into(),
            totals,
            scenarios,
            findings,
            corpus,
            libfuzzer: self.cfg.libfuzzer.as_ref().map(|l| LibFuzzerTotals {
                share: l.share,
                scenarios: self.scns.iter().filter(|s| s.lf_runs > 0).count(),
                runs: self.scns.iter().map(|s| s.lf_runs).sum(),
                executions: self
                    .scns
                    .iter()
                    .filter_map(|s| s.engines.get(LIBFUZZER))
                    .sum(),
                elapsed_ms: self.scns.iter().map(|s| s.lf_elapsed_ms).sum(),
                crashes: self.scns.iter().map(|s| s.lf_crashes).sum(),
                errors: self
                    .scns
                    .iter()
                    .flat_map(|s| {
                        s.lf_errors.iter().map(|e| LibFuzzerError {
                            file: s.file.clone(),
                            error: e.clone(),
                        })
                    })
                    .collect(),
            }),
        }
    }

    fn scenario_entry(&self, _i: usize, s: &Scn, findings: &[FindingEntry]) -> ScenarioEntry {
        let mine: Vec<&FindingEntry> = findings.iter().filter(|f| f.file == s.file).collect();
        let mut by_class = BTreeMap::new();
        for f in &mine {
            *by_class.entry(f.class.label().to_string()).or_insert(0) += 1;
        }
        let (expect, met) = match &s.prog {
            Some(p) => match &p.expect {
                Expectation::Passes => {
                    ("passes".to_string(), s.seen.is_empty() && s.executions > 0)
                }
                Expectation::Fails(w) => (
                    format!("fails {}", w.id.clone().unwrap_or_default()),
                    s.seen.iter().any(|x| x.signature.matches(w)),
                ),
            },
            None => (String::new(), false),
        };
        let status = match &s.broken {
            Some((st, _)) => *st,
            None if met => ScenarioStatus::Met,
            None => ScenarioStatus::Unmet,
        };
        ScenarioEntry {
            file: s.file.clone(),
            scenario: s.prog.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
            expect,
            status,
            executions: s.executions,
            engines: s.engines.clone(),
            slices: s.slices,
            rounds: s.rounds.len() as u32,
            elapsed_ms: s.elapsed_ms,
            settled: s.settled.is_some(),
            dfs_exhausted: s.exhausted,
            findings: by_class,
            error: s.broken.as_ref().map(|(_, e)| e.clone()),
        }
    }
}

impl FindingEntry {
    /// This entry with the report (and what its replay showed) of `w`.
    fn with_report_of(self, w: &FindingEntry) -> FindingEntry {
        FindingEntry {
            report: w.report.clone(),
            html: w.html.clone(),
            replay: w.replay.clone(),
            replay_verified: w.replay_verified,
            preemptions: w.preemptions,
            ..self
        }
    }
}

/// Add a failure to what scenario `s` has seen; true when it is the first of its signature.
/// A failure is credited to the first slice in (round, engine) order that found it, whatever
/// order the slices finished (or were journaled) in.
fn see(s: &mut Scn, f: &Found, run: &SliceRun, finding: Option<Finding>) -> bool {
    let this = Seen {
        signature: f.signature.clone(),
        schedule: f.schedule.clone(),
        execution: f.execution,
        run: run.clone(),
        finding,
    };
    let key = |x: &Seen| (x.run.round, engine_rank(x.run.engine), x.execution);
    match s.seen.iter_mut().find(|x| x.signature == f.signature) {
        Some(old) => {
            if key(&this) < key(old) {
                *old = this;
            }
            false
        }
        None => {
            s.seen.push(this);
            true
        }
    }
}

/// The exploration settings of a slice of `file` (see [`Campaign::slice_config`]).
fn slice_config_of(
    seed: u64,
    slice: u64,
    file: &str,
    e: usize,
    round: u32,
    max_steps: u64,
) -> ExploreConfig {
    let iterations = if ENGINES[e] == EngineKind::Dfs {
        slice.saturating_mul(1 << round.min(MAX_DOUBLINGS))
    } else {
        slice
    };
    let seed = mix(seed ^ mix(stable_hash(file)) ^ mix(((round as u64) << 8) | e as u64));
    ExploreConfig::default()
        .engine(ENGINES[e])
        .iterations(iterations.max(1))
        .seed(seed)
        .max_steps(max_steps)
}

/// A finding's entry before its report.
fn entry_of(
    s: &Scn,
    sig: &Signature,
    seen: Option<&Seen>,
    class: Class,
    why: String,
) -> FindingEntry {
    FindingEntry {
        class,
        why,
        scenario: s.prog.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        file: s.file.clone(),
        signature: sig.clone(),
        engine: seen.map(|x| x.run.engine.to_string()),
        // libFuzzer runs after the rounds, in none of them.
        round: seen.map(|x| x.run.round).filter(|&r| r != AFTER_ROUNDS),
        execution: seen.map(|x| x.execution),
        report: None,
        html: None,
        replay: None,
        replay_verified: None,
        preemptions: None,
        place: sig.op.as_ref().and_then(|op| place_of(&s.file, op)),
    }
}

fn found_of(f: &Finding) -> Found {
    Found {
        signature: f.signature.clone(),
        schedule: f.schedule.encode(),
        execution: f.execution,
    }
}

fn slice_record(
    file: &str,
    hash: &str,
    engine: usize,
    round: u32,
    x: &Exploration,
    at_ms: u64,
) -> Record {
    let stats = &x.engines[0];
    Record::Slice {
        file: file.to_string(),
        hash: hash.to_string(),
        at_ms,
        engine: ENGINES[engine].name().into(),
        round,
        complete: !matches!(stats.stopped, StopReason::Time | StopReason::Interrupted),
        executions: stats.executions,
        distinct: stats.distinct_schedules,
        stopped: stop_word(stats.stopped).into(),
        elapsed_ms: x.elapsed.as_millis() as u64,
        faults: x
            .faults
            .iter()
            .map(|f| [f.executions, f.injections, f.ended, f.failed])
            .collect(),
        findings: x.findings.iter().map(found_of).collect(),
    }
}

fn corpus_record(path: &Path) -> Record {
    let r = check_entry(path);
    let head = read_report(path).ok();
    Record::Corpus {
        entry: path.display().to_string(),
        ok: r.ok,
        unreadable: r.unreadable,
        expect: match head
            .as_ref()
            .and_then(|h| h.corpus.as_ref())
            .map(|c| c.expect)
        {
            Some(CorpusExpect::Passes) => "passes".into(),
            Some(CorpusExpect::Reproduces) => "reproduces".into(),
            None => String::new(),
        },
        scenario: head
            .as_ref()
            .map(|h| h.scenario.name.clone())
            .unwrap_or_default(),
        signature: head.map(|h| h.failure.signature),
        detail: r.detail,
    }
}

/// The finding of `seen`: as this session found it, or rebuilt by replaying its schedule.
fn finding_of(s: &Scn, seen: &Seen) -> Result<Finding, String> {
    if let Some(f) = &seen.finding {
        return Ok(f.clone());
    }
    let prog = s.prog.as_ref().ok_or("the scenario did not load")?;
    let schedule = crate::base::Schedule::decode(&seen.schedule).map_err(|e| e.to_string())?;
    let out =
        replay(prog, &schedule, seen.run.config.max_steps, false).map_err(|e| e.to_string())?;
    match (out.failed, out.signature) {
        (Some(failed), Some(signature)) if signature == seen.signature => Ok(Finding {
            signature,
            failed,
            schedule,
            threads: out.threads,
            engine: seen.run.engine,
            execution: seen.execution,
        }),
        (_, other) => Err(format!(
            "its schedule replays to {} instead",
            other.map_or("a pass".to_string(), |s| format!(
                "{} [{}]",
                s.message, s.id
            ))
        )),
    }
}

fn preemptions_of(s: &Scn, seen: &Seen) -> Option<usize> {
    let prog = s.prog.as_ref()?;
    let schedule = crate::base::Schedule::decode(&seen.schedule).ok()?;
    replay(prog, &schedule, seen.run.config.max_steps, false)
        .ok()
        .map(|o| o.preemptions)
}

/// Write a new or regressed finding's report (and its HTML view) as `hazard run` would.
fn report_one(
    cfg: &CampaignConfig,
    s: &Scn,
    seen: &Seen,
    base: FindingEntry,
    dir: &Path,
) -> Result<FindingEntry, CampaignError> {
    let prog = s
        .prog
        .as_ref()
        .expect("a finding comes from a loaded scenario");
    let finding = match finding_of(s, seen) {
        Ok(f) => f,
        Err(why) => {
            return Ok(FindingEntry {
                class: Class::Flaky,
                why: format!("found, but {why}"),
                replay_verified: Some(false),
                ..base
            })
        }
    };
    let x = Exploration {
        engines: vec![seen.run.stats.clone()],
        findings: vec![finding.clone()],
        elapsed: seen.run.elapsed,
        faults: seen.run.faults.clone(),
        limit: None,
    };
    let run = RunInfo {
        config: &seen.run.config,
        exploration: &x,
    };
    let min = cfg.minimize.clone().map(|m| MinimizeConfig {
        max_steps: seen.run.config.max_steps,
        ..m
    });
    let written = write_finding(prog, &finding, &run, min.as_ref(), dir).map_err(|e| {
        CampaignError::Input {
            file: dir.display().to_string(),
            message: e.to_string(),
        }
    })?;
    let html_path = written.path.with_extension("html");
    let html = render_html(&written.report, &written.report.view(false));
    crate::base::write_atomic(&html_path, html.as_bytes())
        .map_err(|e| CampaignError::io(&html_path, e))?;
    let verified = written.report.replay_verified;
    let shown = written.path.display().to_string();
    Ok(FindingEntry {
        class: if verified { base.class } else { Class::Flaky },
        why: if verified {
            base.why
        } else {
            format!(
                "{}; found, but its schedule did not replay to the same failure",
                base.why
            )
        },
        replay: Some(format!("hazard replay {shown}")),
        report: Some(shown),
        html: Some(html_path.display().to_string()),
        replay_verified: Some(verified),
        preemptions: Some(written.report.view(false).preemptions),
        ..base
    })
}

/// The failing op's line and column in the scenario file.
fn place_of(file: &str, op: &str) -> Option<Place> {
    let text = std::fs::read_to_string(file).ok()?;
    let (line, column) = crate::scenario::locate(&text, op);
    Some(Place {
        path: op.to_string(),
        line,
        column,
    })
}
