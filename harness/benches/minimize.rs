//! Minimization on every failing shipped scenario: the first failing schedule the random
//! engine finds (seed 0) is minimized; prints time, steps and preemptions before and after,
//! and adds the medians to reports/bench.json: over all failing scenarios, and separately
//! for the catalog scenarios (near-minimal by design) and the incident reproductions
//! (`*.incident.json`: whole handlers with bystander goroutines). Asserts nothing about time.

mod common;

use common::{fig, median, record, scenario_files};
use harness::explore::{explore, EngineKind, ExploreConfig};
use harness::minimize::{minimize, MinimizeConfig, Proof};
use harness::scenario::{load_file, Expectation};
use std::sync::Arc;
use std::time::Instant;

/// One minimized scenario: whether it is an incident reproduction, time, steps and
/// preemptions before and after.
struct Row {
    incident: bool,
    ms: f64,
    steps: (u64, u64),
    preemptions: (usize, usize),
}

/// The figures of one group of rows.
struct Group {
    n: usize,
    median_ms: f64,
    median_ratio: f64,
    total_ratio: f64,
    median_steps: (f64, f64),
    median_preemptions: (f64, f64),
    total_preemptions: (usize, usize),
}

fn group<'a>(rows: impl Iterator<Item = &'a Row>) -> Group {
    let rows: Vec<&Row> = rows.collect();
    let ratios = rows
        .iter()
        .map(|r| r.steps.1 as f64 / r.steps.0.max(1) as f64)
        .collect();
    let before: u64 = rows.iter().map(|r| r.steps.0).sum();
    let after: u64 = rows.iter().map(|r| r.steps.1).sum();
    Group {
        n: rows.len(),
        median_ms: median(rows.iter().map(|r| r.ms).collect()),
        median_ratio: median(ratios),
        total_ratio: after as f64 / before.max(1) as f64,
        median_steps: (
            median(rows.iter().map(|r| r.steps.0 as f64).collect()),
            median(rows.iter().map(|r| r.steps.1 as f64).collect()),
        ),
        median_preemptions: (
            median(rows.iter().map(|r| r.preemptions.0 as f64).collect()),
            median(rows.iter().map(|r| r.preemptions.1 as f64).collect()),
        ),
        total_preemptions: (
            rows.iter().map(|r| r.preemptions.0).sum(),
            rows.iter().map(|r| r.preemptions.1).sum(),
        ),
    }
}

fn main() {
    let files = scenario_files();
    println!(
        "{:<36} {:>8} {:>13} {:>13} {:>8} {:>7}",
        "scenario (random, seed 0)", "min ms", "steps", "preemptions", "ratio", "proof"
    );
    let (mut times, mut ratios, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    let mut measured = Vec::new();
    let (mut steps_before, mut steps_after) = (Vec::new(), Vec::new());
    let mut proven = 0;
    for f in &files {
        let prog = Arc::new(load_file(f).expect("shipped scenarios load"));
        let incident = f
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with(".incident.json"));
        if !matches!(prog.expect, Expectation::Fails(_)) {
            continue;
        }
        let cfg = ExploreConfig::default()
            .engine(EngineKind::Random)
            .seed(0)
            .iterations(20_000);
        let x = explore(&prog, &cfg).expect("explores");
        let Some(found) = x.matching(&prog) else {
            println!("{:<36} not found by random", prog.name);
            continue;
        };
        let t = Instant::now();
        let m = minimize(
            &prog,
            &found.signature,
            &found.schedule,
            &MinimizeConfig::default(),
        )
        .expect("minimizes");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let ratio = m.reduced.steps as f64 / m.found.steps.max(1) as f64;
        let proof = match m.proof {
            Proof::Proven(_) => {
                proven += 1;
                "proven"
            }
            Proof::BestEffort => "best",
        };
        println!(
            "{:<36} {:>8.1} {:>5} -> {:<5} {:>5} -> {:<5} {:>8.2} {:>7}",
            prog.name,
            ms,
            m.found.steps,
            m.reduced.steps,
            m.found.preemptions,
            m.reduced.preemptions,
            ratio,
            proof
        );
        times.push(ms);
        ratios.push(ratio);
        steps_before.push(m.found.steps as f64);
        steps_after.push(m.reduced.steps as f64);
        measured.push(Row {
            incident,
            ms,
            steps: (m.found.steps, m.reduced.steps),
            preemptions: (m.found.preemptions, m.reduced.preemptions),
        });
        rows.push(serde_json::json!({
            "scenario": prog.name, "group": if incident { "incident" } else { "catalog" },
            "ms": (ms * 10.0).round() / 10.0,
            "steps": [m.found.steps, m.reduced.steps],
            "preemptions": [m.found.preemptions, m.reduced.preemptions],
            "proof": proof, "executions": m.executions,
        }));
    }
    let n = times.len();
    let (t_med, r_med) = (median(times.clone()), median(ratios.clone()));
    let t_max = times.iter().cloned().fold(0.0, f64::max);
    let total_ratio = steps_after.iter().sum::<f64>() / steps_before.iter().sum::<f64>().max(1.0);
    println!("\n{n} failing scenarios; {proven} with minimality proven");
    println!(
        "median minimization time: {t_med:.1} ms (max {t_max:.1} ms; target median <= 2000 ms)"
    );
    println!(
        "median minimized/first-failing steps: {r_med:.2}; all scenarios together: {total_ratio:.2} (target <= 0.25)"
    );
    println!(
        "median steps: first failing {:.0}, minimized {:.0}",
        median(steps_before),
        median(steps_after)
    );
    let catalog = group(measured.iter().filter(|r| !r.incident));
    let incident = group(measured.iter().filter(|r| r.incident));
    for (name, g) in [("catalog", &catalog), ("incident", &incident)] {
        println!(
            "\n{name} scenarios ({}): median minimization time {:.1} ms; minimized/first-failing steps: median {:.2}, summed {:.2} (target <= 0.25)",
            g.n, g.median_ms, g.median_ratio, g.total_ratio
        );
        println!(
            "  median steps {:.0} -> {:.0}; preemptions: median {:.1} -> {:.1}, summed {} -> {}",
            g.median_steps.0,
            g.median_steps.1,
            g.median_preemptions.0,
            g.median_preemptions.1,
            g.total_preemptions.0,
            g.total_preemptions.1
        );
    }

    let mut figures = serde_json::Map::new();
    figures.insert(
        "minimize_median_ms".into(),
        fig(t_med, "ms", Some("<= 2000")),
    );
    figures.insert("minimize_max_ms".into(), fig(t_max, "ms", None));
    figures.insert(
        "minimize_median_steps_ratio".into(),
        fig(r_med, "minimized / first failing steps", Some("<= 0.25")),
    );
    figures.insert(
        "minimize_total_steps_ratio".into(),
        fig(
            total_ratio,
            "minimized / first failing steps, summed",
            Some("<= 0.25"),
        ),
    );
    figures.insert(
        "minimize_proven".into(),
        fig(proven as f64, "scenarios", None),
    );
    for (name, g) in [("catalog", &catalog), ("incident", &incident)] {
        let what = format!("{name} scenarios");
        figures.insert(
            format!("minimize_{name}_scenarios"),
            fig(g.n as f64, &what, None),
        );
        figures.insert(
            format!("minimize_{name}_median_ms"),
            fig(g.median_ms, "ms", Some("<= 2000")),
        );
        figures.insert(
            format!("minimize_{name}_median_steps_ratio"),
            fig(
                g.median_ratio,
                "minimized / first failing steps",
                Some("<= 0.25"),
            ),
        );
        figures.insert(
            format!("minimize_{name}_total_steps_ratio"),
            fig(
                g.total_ratio,
                "minimized / first failing steps, summed",
                Some("<= 0.25"),
            ),
        );
        figures.insert(
            format!("minimize_{name}_preemptions"),
            serde_json::json!({
                "median": [g.median_preemptions.0, g.median_preemptions.1],
                "total": [g.total_preemptions.0, g.total_preemptions.1],
                "unit": "preemptions, first failing -> minimized",
            }),
        );
    }
    figures.insert(
        "minimize_per_scenario".into(),
        serde_json::Value::Array(rows),
    );
    record(figures);
}
