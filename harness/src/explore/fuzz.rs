//! Byte-driven scheduling: fuzzer bytes choose the interleaving, and interleaving coverage is
//! fed back so that a new interleaving counts as new coverage.
//!
//! **Decoding.** The bytes are read in pairs `(skip, target)`, each pair one *deviation*: let
//! `skip` real decisions go by under the default policy, then at the next one take something
//! else than the policy would: among the `n` threads that can run (in index order, the virtual
//! clock among them, so timer order is a thread choice), the `target % (n - 1)`-th after the
//! policy's pick, cyclically; among options (a ready `select` case, a pooled object), option
//! `1 + target % (arity - 1)` (counted from the policy's option). Every deviation therefore
//! changes the schedule. Bytes are spent only on real choices: a forced step (one thread can
//! run) does not count. The default policy keeps the current thread running while it can, for
//! at most [`QUANTUM`] decisions in a row, then runs the thread that has waited longest; it
//! takes option 0, except at a fault decision (`--faults explore`), where it fires the fault as
//! the rule declares it (at the first place it matches), and a deviation withholds or moves it.
//! When the bytes run out the default policy decides everything that is left. It is fair, so a
//! spin loop always lets the thread it waits for make progress and running out of bytes never
//! fakes a livelock. Decoding is total: any byte string is a schedule (a trailing odd byte is
//! ignored).
//!
//! This is the representation PCT samples from (a few preemptions at chosen points, threads
//! otherwise run on), so a short input is a schedule with few preemptions, and mutating one
//! byte moves one preemption or retargets it.
//!
//! **Coverage.** While a byte-driven execution runs, every step is keyed by the op that ran just
//! before it, the op itself, and whether the two were on different threads; blocking is keyed by
//! its op. The keys land in a map of 16,384 hit counters ([`COVERAGE_SIZE`], kept in `rt::cover`), read the way AFL and libFuzzer read
//! theirs (bucketed counts). Two interleavings that order the same ops differently therefore
//! cover different counters. Under libFuzzer (`cfg(fuzzing)`) the map is copied into
//! libFuzzer's extra counters after each execution; the in-process engine (`Fuzzer`) keeps
//! its own corpus of inputs that reached new counters and mutates them.

use crate::rt::Strategy;
use std::sync::{Arc, Mutex};

pub use crate::rt::cover::COVERAGE_SIZE;
use crate::rt::cover::{coverage_finish, coverage_start};

/// AFL's hit-count classes: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ as one bit each.
fn bucket(n: u8) -> u8 {
    match n {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 4,
        4..=7 => 8,
        8..=15 => 16,
        16..=31 => 32,
        32..=127 => 64,
        _ => 128,
    }
}

/// Most decisions in a row the default policy gives one thread while others can run.
pub const QUANTUM: u32 = 32;

/// Decisions from bytes (see the module docs). Shared by libFuzzer's targets, the in-process
/// engine and `hazard fuzz import`, so a crash file decodes the same way everywhere.
#[derive(Debug, Clone, Default)]
pub struct ByteDecisions {
    data: Vec<u8>,
    pos: usize,
    /// The pending deviation: default decisions still to go, and its target.
    next: Option<(u8, u8)>,
    /// Tick at which each thread last ran (fair choice when the bytes run out).
    last_ran: Vec<u64>,
    tick: u64,
    /// The thread that ran last and for how many decisions in a row it was kept.
    current: Option<u32>,
    kept: u32,
    /// Real decisions taken so far.
    decisions: usize,
    /// Which of those decisions were choices among options (select cases, faults).
    choices: Vec<usize>,
}

impl ByteDecisions {
    pub fn new(data: &[u8]) -> ByteDecisions {
        ByteDecisions::from_vec(data.to_vec())
    }

    fn from_vec(data: Vec<u8>) -> ByteDecisions {
        let mut d = ByteDecisions {
            data,
            ..ByteDecisions::default()
        };
        d.load();
        d
    }

    /// Bytes consumed so far.
    pub fn used(&self) -> usize {
        self.pos
    }

    /// Real decisions taken so far.
    pub fn decisions(&self) -> usize {
        self.decisions
    }

    fn load(&mut self) {
        self.next = match self.data.get(self.pos..self.pos + 2) {
            Some(&[skip, target]) => {
                self.pos += 2;
                Some((skip, target))
            }
            _ => None,
        };
    }

    /// The deviation's target if it is due at this decision.
    fn due(&mut self) -> Option<u8> {
        self.decisions += 1;
        match &mut self.next {
            Some((0, target)) => {
                let t = *target;
                self.load();
                Some(t)
            }
            Some((skip, _)) => {
                *skip -= 1;
                None
            }
            None => None,
        }
    }

    fn ran(&mut self, t: u32) {
        let i = t as usize;
        if self.last_ran.len() <= i {
            self.last_ran.resize(i + 1, 0);
        }
        self.tick += 1;
        self.last_ran[i] = self.tick;
        if self.current == Some(t) {
            self.kept += 1;
        } else {
            self.current = Some(t);
            self.kept = 0;
        }
    }

    /// The default policy's pick among `runnable`.
    fn default_thread(&self, runnable: &[u32]) -> u32 {
        match self.current {
            Some(c) if self.kept < QUANTUM && runnable.contains(&c) => c,
            _ => *runnable
                .iter()
                .filter(|&&t| Some(t) != self.current || runnable.len() == 1)
                .min_by_key(|&&t| (self.last_ran.get(t as usize).copied().unwrap_or(0), t))
                .expect("at least one runnable thread"),
        }
    }

    /// Pick among `runnable` (at least two).
    pub fn thread(&mut self, runnable: &[u32]) -> u32 {
        let default = self.default_thread(runnable);
        let t = match self.due() {
            Some(b) => {
                let at = runnable.iter().position(|&t| t == default).unwrap_or(0);
                runnable[(at + 1 + b as usize % (runnable.len() - 1).max(1)) % runnable.len()]
            }
            None => default,
        };
        self.ran(t);
        t
    }

    /// Pick an option in `0..arity` (`arity >= 1`).
    pub fn choice(&mut self, arity: u32) -> u32 {
        self.pick(arity, 0)
    }

    /// A fault decision (option 0: no fault): by default the fault fires (option 1), as the
    /// rule declares it, at the first place it matches; a deviation withholds or changes it.
    pub fn fault_choice(&mut self, arity: u32) -> u32 {
        self.pick(arity, 1.min(arity.saturating_sub(1)))
    }

    fn pick(&mut self, arity: u32, default: u32) -> u32 {
        self.choices.push(self.decisions);
        match self.due() {
            Some(b) if arity > 1 => (default + 1 + b as u32 % (arity - 1)) % arity,
            _ => default,
        }
    }

    /// Model thread `t` runs with no decision.
    pub fn forced(&mut self, t: u32) {
        self.ran(t);
    }
}

/// What a byte-driven execution consumed and covered.
#[derive(Debug, Clone, Default)]
pub struct InputUse {
    /// Bytes consumed by real decisions.
    pub used: usize,
    /// The interleaving counters hit, as (index, count) (empty unless asked for).
    pub coverage: Vec<(usize, u8)>,
}

/// End a byte-driven execution: hand the coverage to libFuzzer (under `cfg(fuzzing)`) and
/// say what the input used.
fn finish_input(dec: &ByteDecisions, keep: bool) -> InputUse {
    let coverage = coverage_finish(|hits| {
        let mut kept = Vec::new();
        for (k, n) in hits {
            #[cfg(fuzzing)]
            libfuzzer_counter(k, n);
            if keep {
                kept.push((k, n));
            }
        }
        kept
    });
    InputUse {
        used: dec.used(),
        coverage,
    }
}

/// A byte-driven job for [`Served`]: the decision bytes, and whether to keep the coverage.
pub(crate) struct Job {
    pub(crate) data: Vec<u8>,
    pub(crate) coverage: bool,
}

/// The job the next execution takes (empty: none is waiting).
pub(crate) type NextJob = Arc<Mutex<Option<Job>>>;

/// Decisions from the job handed over in `next`, one execution per job. The engine that
/// holds it starts each execution itself and calls the scheduler's `new_execution` once
/// more after it to collect the result, so `end` is also called when nothing ran: `running`
/// tells the two apart.
pub(crate) struct Served {
    pub(crate) next: NextJob,
    pub(crate) input: Arc<Mutex<InputUse>>,
    pub(crate) dec: ByteDecisions,
    pub(crate) keep: bool,
    pub(crate) running: bool,
}

impl Strategy for Served {
    fn begin(&mut self) -> bool {
        let Some(job) = self.next.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return false;
        };
        self.dec = ByteDecisions::from_vec(job.data);
        self.keep = job.coverage;
        self.running = true;
        coverage_start();
        true
    }
    fn thread(&mut self, runnable: &[u32], _current: Option<u32>) -> Option<u32> {
        Some(self.dec.thread(runnable))
    }
    fn choice(&mut self, arity: u32) -> Option<u32> {
        Some(self.dec.choice(arity))
    }
    fn fault_choice(&mut self, arity: u32) -> Option<u32> {
        Some(self.dec.fault_choice(arity))
    }
    fn forced(&mut self, t: u32) {
        self.dec.forced(t);
    }
    fn end(&mut self) -> Option<String> {
        if std::mem::take(&mut self.running) {
            *self.input.lock().unwrap_or_else(|e| e.into_inner()) =
                finish_input(&self.dec, self.keep);
        }
        None
    }
}

/// libFuzzer reads the section `__libfuzzer_extra_counters` as extra coverage counters on
/// Linux, beside the compiler's edge counters; it clears them before each input.
#[cfg(fuzzing)]
#[link_section = "__libfuzzer_extra_counters"]
static EXTRA_COUNTERS: [std::sync::atomic::AtomicU8; COVERAGE_SIZE] =
    [const { std::sync::atomic::AtomicU8::new(0) }; COVERAGE_SIZE];

#[cfg(fuzzing)]
fn libfuzzer_counter(k: usize, n: u8) {
    use std::sync::atomic::Ordering::Relaxed;
    let c = &EXTRA_COUNTERS[k];
    c.store(c.load(Relaxed).saturating_add(n), Relaxed);
}

/// A small deterministic generator (splitmix64): every fuzz run replays from its seed.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Decisions of the default schedule the sweep deviates at.
const SWEEP: usize = 64;

/// Longest input the in-process engine builds (bytes past the last decision are never read).
const MAX_INPUT: usize = 512;

struct Entry {
    data: Vec<u8>,
    /// Real decisions its execution took: where a deviation can still land.
    decisions: usize,
}

/// The in-process coverage-guided engine (`--engine fuzz`): a corpus of inputs that reached
/// new interleaving coverage, mutated with a seeded generator, deviation by deviation. It
/// starts from the empty input (the default policy, no preemption).
pub(crate) struct Fuzzer {
    rng: Rng,
    corpus: Vec<Entry>,
    /// Hit-count classes seen so far, per counter.
    seen: Vec<u8>,
    current: ByteDecisions,
    /// The single-deviation sweep: the decisions of the default schedule still to deviate
    /// at, last first.
    sweep: Vec<usize>,
}

impl Fuzzer {
    pub(crate) fn new(seed: u64) -> Fuzzer {
        Fuzzer {
            rng: Rng::new(seed),
            corpus: Vec::new(),
            seen: vec![0; COVERAGE_SIZE],
            current: ByteDecisions::default(),
            sweep: Vec::new(),
        }
    }

    /// A deviation somewhere in the first `decisions` decisions (skips count from the
    /// previous deviation, so a uniform skip below the total lands anywhere after it).
    fn deviation(&mut self, decisions: usize) -> [u8; 2] {
        let span = decisions.clamp(1, 256);
        [self.rng.below(span) as u8, self.rng.byte()]
    }

    fn next_input(&mut self) -> Vec<u8> {
        if self.corpus.is_empty() {
            return Vec::new();
        }
        // First one deviation at each early decision of the default schedule: a race that
        // needs one preemption is found in as many executions as it has decisions.
        if let Some(k) = self.sweep.pop() {
            return vec![k as u8, 0];
        }
        // Newer entries found newer coverage: favour the second half of the corpus.
        let n = self.corpus.len();
        let i = if self.rng.below(2) == 0 {
            self.rng.below(n)
        } else {
            n / 2 + self.rng.below(n - n / 2)
        };
        let mut data = self.corpus[i].data.clone();
        let decisions = self.corpus[i].decisions;
        let rounds = 1 + self.rng.below(3);
        for _ in 0..rounds {
            self.mutate(&mut data, decisions);
        }
        data.truncate(MAX_INPUT & !1);
        data
    }

    fn mutate(&mut self, data: &mut Vec<u8>, decisions: usize) {
        data.truncate(data.len() & !1);
        let pairs = data.len() / 2;
        match self.rng.below(6) {
            // Move one deviation.
            0 if pairs > 0 => {
                let i = 2 * self.rng.below(pairs);
                data[i] = self.deviation(decisions)[0];
            }
            // Retarget one deviation.
            1 if pairs > 0 => {
                let i = 2 * self.rng.below(pairs) + 1;
                data[i] = self.rng.byte();
            }
            // Nudge a deviation one decision earlier or later.
            2 if pairs > 0 => {
                let i = 2 * self.rng.below(pairs);
                data[i] = data[i].wrapping_add(if self.rng.below(2) == 0 { 1 } else { 255 });
            }
            // Drop a deviation.
            3 if pairs > 0 => {
                let i = 2 * self.rng.below(pairs);
                data.drain(i..i + 2);
            }
            // Splice: this input's first deviations, then another entry's last ones.
            4 if self.corpus.len() > 1 => {
                let other = &self.corpus[self.rng.below(self.corpus.len())].data;
                let cut = 2 * self.rng.below(pairs + 1);
                let from = 2 * self.rng.below(other.len() / 2 + 1);
                let tail = other[from..].to_vec();
                data.truncate(cut);
                data.extend_from_slice(&tail);
            }
            // Add a deviation.
            _ => {
                let i = 2 * self.rng.below(pairs + 1);
                let d = self.deviation(decisions);
                data.splice(i..i, d);
            }
        }
    }

    /// Whether `hits` reached a hit-count class never seen before (and remember it).
    fn novel(&mut self, hits: &mut dyn Iterator<Item = (usize, u8)>) -> bool {
        let mut new = false;
        for (k, n) in hits {
            let b = bucket(n);
            if self.seen[k] & b == 0 {
                self.seen[k] |= b;
                new = true;
            }
        }
        new
    }
}

impl Strategy for Fuzzer {
    fn begin(&mut self) -> bool {
        let data = self.next_input();
        self.current = ByteDecisions::new(&data);
        coverage_start();
        true
    }
    fn thread(&mut self, runnable: &[u32], _current: Option<u32>) -> Option<u32> {
        Some(self.current.thread(runnable))
    }
    fn choice(&mut self, arity: u32) -> Option<u32> {
        Some(self.current.choice(arity))
    }
    fn fault_choice(&mut self, arity: u32) -> Option<u32> {
        Some(self.current.fault_choice(arity))
    }
    fn forced(&mut self, t: u32) {
        self.current.forced(t);
    }
    fn end(&mut self) -> Option<String> {
        let novel = coverage_finish(|hits| self.novel(hits));
        if self.corpus.is_empty() {
            // Choices first (a select case, a fault): few, and each opens another path.
            let n = self.current.decisions.min(SWEEP);
            let choices = &self.current.choices;
            let mut order: Vec<usize> = choices.iter().copied().filter(|&k| k < n).collect();
            order.extend((0..n).filter(|k| !choices.contains(k)));
            order.reverse();
            self.sweep = order;
        }
        if novel || self.corpus.is_empty() {
            let dec = std::mem::take(&mut self.current);
            let mut data = dec.data;
            data.truncate(dec.pos);
            self.corpus.push(Entry {
                decisions: dec.decisions,
                data,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_runs_on_then_is_fair() {
        let mut d = ByteDecisions::new(&[]);
        let picks: Vec<u32> = (0..3 * QUANTUM as usize + 3)
            .map(|_| d.thread(&[0, 1, 2]))
            .collect();
        // Thread 0 runs for a quantum, then the one that waited longest, and so on.
        let q = QUANTUM as usize + 1;
        assert!(picks[..q].iter().all(|&t| t == 0));
        assert!(picks[q..2 * q].iter().all(|&t| t == 1));
        assert!(picks[2 * q..3 * q].iter().all(|&t| t == 2));
        assert_eq!(d.choice(3), 0);
    }

    #[test]
    fn pairs_are_deviations() {
        // Two default decisions, then the 4 % 2 = 0th thread after the default (0); at once
        // option 1 + 7 % 3; then a trailing odd byte that is never read.
        let mut d = ByteDecisions::new(&[2, 4, 0, 7, 9]);
        assert_eq!(d.thread(&[0, 1, 2]), 0);
        assert_eq!(d.thread(&[0, 1, 2]), 0);
        assert_eq!(d.thread(&[0, 1, 2]), 1);
        assert_eq!(d.choice(4), 2);
        assert_eq!(d.used(), 4);
        assert_eq!(d.thread(&[0, 1, 2]), 1);
        assert_eq!(d.decisions(), 5);
    }

    #[test]
    fn a_blocked_thread_gives_way_to_the_longest_waiting() {
        let mut d = ByteDecisions::new(&[]);
        assert_eq!(d.thread(&[0, 1, 2]), 0);
        d.forced(1);
        // 1 ran last and blocked: 2 never ran, so it goes before 0.
        assert_eq!(d.thread(&[0, 2]), 2);
    }

    #[test]
    fn buckets_are_one_bit() {
        for n in 1..=255u8 {
            assert_eq!(bucket(n).count_ones(), 1);
        }
    }
}
