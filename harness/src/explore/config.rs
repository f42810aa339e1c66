//! Exploration settings.

use std::time::Duration;

/// Which engine explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineKind {
    /// random, pct, dfs and fuzz side by side, stopping at the first failure that settles the
    /// scenario's expectation.
    Portfolio,
    /// shuttle's RandomScheduler, seeded.
    Random,
    /// shuttle's PctScheduler (probabilistic concurrency testing) with bug depth `pct_depth`.
    Pct,
    /// hazard's depth-first search with preemption bound `preemption_bound`.
    Dfs,
    /// Byte-driven scheduling with coverage feedback, mutating its own inputs: the decoder
    /// libFuzzer's targets use, without libFuzzer.
    Fuzz,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Portfolio => "portfolio",
            EngineKind::Random => "random",
            EngineKind::Pct => "pct",
            EngineKind::Dfs => "dfs",
            EngineKind::Fuzz => "fuzz",
        }
    }
}

/// Exploration budget and engine settings. Every field has a documented default and the
/// environment variable named in its doc overrides it (`hazard` flags override both).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExploreConfig {
    /// Default [`EngineKind::Portfolio`].
    pub engine: EngineKind,
    /// Executions to run, split evenly across a portfolio's engines. Default 10000;
    /// `HAZARD_ITERATIONS`.
    pub iterations: u64,
    /// Wall-time budget. Default none; `HAZARD_TIME` (seconds).
    pub time: Option<Duration>,
    /// Seed of the random and pct engines. Default 0; `HAZARD_SEED`.
    pub seed: u64,
    /// PCT bug depth. Default 3; `HAZARD_PCT_DEPTH`.
    pub pct_depth: usize,
    /// DFS preemption bound. Default 2; `HAZARD_PREEMPTION_BOUND`.
    pub preemption_bound: usize,
    /// Steps one execution may take before it is reported as a livelock. Default 20000;
    /// `HAZARD_MAX_STEPS`.
    pub max_steps: u64,
}

impl Default for ExploreConfig {
    fn default() -> Self {
        ExploreConfig {
            engine: EngineKind::Portfolio,
            iterations: 10_000,
            time: None,
            seed: 0,
            pct_depth: 3,
            preemption_bound: 2,
            max_steps: 20_000,
        }
    }
}

impl ExploreConfig {
    pub fn engine(mut self, e: EngineKind) -> Self {
        self.engine = e;
        self
    }
    pub fn iterations(mut self, n: u64) -> Self {
        self.iterations = n;
        self
    }
    pub fn time(mut self, t: Option<Duration>) -> Self {
        self.time = t;
        self
    }
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    pub fn pct_depth(mut self, d: usize) -> Self {
        self.pct_depth = d;
        self
    }
    pub fn preemption_bound(mut self, b: usize) -> Self {
        self.preemption_bound = b;
        self
    }
    pub fn max_steps(mut self, s: u64) -> Self {
        self.max_steps = s;
        self
    }
}
