//! `make bench`: the cost of data-race detection. Every fixed shipped scenario with shared
//! memory (shared variables or struct fields) is explored by the random engine with races on
//! and off, side by side in interleaved rounds; prints executions/s both ways and the
//! slowdown, and writes reports/bench.json. Asserts nothing about time.

mod common;

use common::{fig, median, record, scenario_files};
use harness::explore::{explore, EngineKind, ExploreConfig};
use harness::scenario::{load_file, RaceMode};
use std::sync::Arc;
use std::time::Instant;

const EXECUTIONS: u64 = 3_000;
const ROUNDS: usize = 5;

fn rate(p: &Arc<harness::scenario::Program>) -> f64 {
    let cfg = ExploreConfig::default()
        .engine(EngineKind::Random)
        .iterations(EXECUTIONS);
    let start = Instant::now();
    let x = explore(p, &cfg).expect("exploration runs");
    let n: u64 = x.engines.iter().map(|e| e.executions).sum();
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut rows = Vec::new();
    for path in scenario_files() {
        let Ok(p) = load_file(&path) else { continue };
        if !p.races || !matches!(p.expect, harness::scenario::Expectation::Passes) {
            continue;
        }
        let on = Arc::new(p.clone());
        let off = Arc::new(p.with_races(RaceMode::Off));
        assert!(!off.races, "{}: races stay on", path.display());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            a.push(rate(&on));
            b.push(rate(&off));
        }
        let (on_rate, off_rate) = (median(a), median(b));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        rows.push((name, on_rate, off_rate));
    }
    println!(
        "{:<44} {:>12} {:>12} {:>9}",
        "scenario (fixed, with shared memory)", "races on/s", "races off/s", "slowdown"
    );
    let mut slowdowns = Vec::new();
    for (name, on, off) in &rows {
        let s = off / on;
        slowdowns.push(s);
        println!("{name:<44} {on:>12.0} {off:>12.0} {s:>8.2}x");
    }
    let med = median(slowdowns.clone());
    let worst = slowdowns.iter().copied().fold(0.0, f64::max);
    println!(
        "{} scenarios: median slowdown {med:.2}x, worst {worst:.2}x (target: at most 1.5x; Go's -race costs 2-20x)",
        rows.len()
    );
    record([
        (
            "races_median_slowdown",
            fig(med, "x", Some("<= 1.5 (race detection on vs off)")),
        ),
        ("races_worst_slowdown", fig(worst, "x", None)),
        ("races_scenarios", fig(rows.len() as f64, "scenarios", None)),
    ]);
}
