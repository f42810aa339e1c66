//! Schedules to first failure: for every failing shipped scenario, how many executions the
//! random, pct and fuzz engines each need before the expected failure, median over 10 seeds,
//! all measured in this one run. Prints the table and the ratios to random, and writes them
//! to reports/bench.json. Counts executions, not time; then the one rate: libFuzzer's
//! executions per second on map-concurrent-writes.fixed (the `schedule` target built by
//! scripts/fuzz-build, which `make bench` runs first).

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
    let lf = libfuzzer_rate();
    record(vec![
        (
            "libfuzzer_execs_per_sec",
            fig(
                lf.unwrap_or(0.0),
                "executions/s, schedule target, map-concurrent-writes.fixed, 10 s",
                Some(">= 10000"),
            ),
        ),
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

/// Run the libFuzzer `schedule` binary on map-concurrent-writes.fixed for 10 s (it never
/// crashes there: the fixed variant passes) and read its executed-units count.
fn libfuzzer_rate() -> Option<f64> {
    let root = common::root();
    let triple = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .ok()?;
    let triple = String::from_utf8_lossy(&triple.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))?;
    let bin = root.join(format!("fuzz/target/{triple}/release/schedule"));
    if !bin.is_file() {
        println!(
            "libFuzzer: {} not built (run scripts/fuzz-build)",
            bin.display()
        );
        return None;
    }
    let corpus = tempfile_dir();
    let out = std::process::Command::new(&bin)
        .env(
            "HAZARD_SCENARIO",
            root.join("scenarios/map-concurrent-writes.fixed.json"),
        )
        .arg(&corpus)
        .args(["-max_total_time=10", "-print_final_stats=1", "-seed=1"])
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&corpus);
    let log = String::from_utf8_lossy(&out.stderr);
    let units: f64 = log.lines().find_map(|l| {
        l.strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    })?;
    // libFuzzer's own rate, from its last status line ("#N<TAB>DONE ... exec/s: R ...").
    let rate: f64 = log.lines().filter(|l| l.contains("DONE")).find_map(|l| {
        let after = l.split("exec/s:").nth(1)?;
        after.split_whitespace().next()?.parse().ok()
    })?;
    println!("libFuzzer schedule target on map-concurrent-writes.fixed: {units:.0} executions, {rate:.0}/s by libFuzzer's count (target >= 10000)");
    Some(rate)
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hazard-bench-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp corpus dir");
    d
}
