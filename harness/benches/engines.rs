//! Schedules to first failure: for every failing shipped scenario, how many executions the
//! random, pct and fuzz engines each need before the expected failure, median over 10 seeds,
//! all measured in this one run. Prints the table and the ratios to random, and writes them
//! to reports/bench.json. Counts executions, not time.

mod common;

use common::{fig, median, record, scenario_files};
use harness::explore::{explore, EngineKind, ExploreConfig};
use harness::scenario::{load_file, Expectation};
use std::sync::Arc;

const SEEDS: u64 = 10;
/// Executions one engine may take per seed; a miss counts as this many.
const CAP: u64 = 20_000;

const ENGINES: [EngineKind; 3] = [EngineKind::Random, EngineKind::Pct, EngineKind::Fuzz];

fn main() {
    println!(
        "{:<40} {:>9} {:>9} {:>9}   {:>8} {:>8}",
        "scenario (median of 10 seeds)", "random", "pct", "fuzz", "pct/rnd", "fuzz/rnd"
    );
    let mut rows = Vec::new();
    let mut sums = [0.0f64; 3];
    let (mut fuzz_le_pct, mut best_sum, mut misses, mut n) = (0, 0.0, [0u64; 3], 0);
    for f in scenario_files() {
        let prog = Arc::new(load_file(&f).expect("shipped scenarios load"));
        if !matches!(prog.expect, Expectation::Fails(_)) {
            continue;
        }
        n += 1;
        let mut med = [0.0f64; 3];
        for (i, &kind) in ENGINES.iter().enumerate() {
            let mut counts = Vec::new();
            for seed in 0..SEEDS {
                let cfg = ExploreConfig::default()
                    .engine(kind)
                    .seed(seed)
                    .iterations(CAP);
                let x = explore(&prog, &cfg).expect("explores");
                let k = match x.matching(&prog) {
                    Some(found) => found.execution,
                    None => {
                        misses[i] += 1;
                        CAP
                    }
                };
                counts.push(k as f64);
            }
            med[i] = median(counts);
            sums[i] += med[i];
        }
        let best = med[1].min(med[2]);
        best_sum += best;
        if med[2] <= med[1] {
            fuzz_le_pct += 1;
        }
        println!(
            "{:<40} {:>9.1} {:>9.1} {:>9.1}   {:>8.2} {:>8.2}",
            prog.name,
            med[0],
            med[1],
            med[2],
            med[1] / med[0],
            med[2] / med[0]
        );
        rows.push(serde_json::json!({
            "scenario": prog.name, "random": med[0], "pct": med[1], "fuzz": med[2],
        }));
    }
    let best_ratio = best_sum / sums[0].max(1.0);
    let le_share = fuzz_le_pct as f64 / n.max(1) as f64;
    println!("\n{n} failing scenarios, {SEEDS} seeds each, at most {CAP} executions per seed");
    println!(
        "summed medians: random {:.0}, pct {:.0}, fuzz {:.0}; misses (seed runs without the failure): random {}, pct {}, fuzz {}",
        sums[0], sums[1], sums[2], misses[0], misses[1], misses[2]
    );
    println!(
        "portfolio best (per scenario the better of pct and fuzz) / random, summed medians: {best_ratio:.2} (target <= 0.20)"
    );
    println!(
        "fuzz <= pct on {fuzz_le_pct} of {n} scenarios ({:.0}%; target >= 80%)",
        le_share * 100.0
    );
    record(vec![
        (
            "engines_best_vs_random",
            fig(
                best_ratio,
                "summed median schedules to first failure, best engine / random",
                Some("<= 0.20"),
            ),
        ),
        (
            "engines_fuzz_le_pct_share",
            fig(
                le_share,
                "share of failing scenarios where fuzz needs <= pct's schedules",
                Some(">= 0.80"),
            ),
        ),
        ("engines_per_scenario", serde_json::Value::Array(rows)),
    ]);
}
