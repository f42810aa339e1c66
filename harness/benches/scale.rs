//! `make bench`: executions per second as a scenario grows from 16 to 64 to 256 threads (a
//! worker pool: each worker locks a mutex, bumps a counter, unlocks, calls `wg.Done()`; main
//! waits), for hazard's random engine and for the same workload written by hand as a shuttle
//! test, measured side by side (interleaved rounds) in one run. Prints a table and writes the
//! figures to reports/bench.json. Asserts nothing about time.

mod common;

use common::{fig, median, record};
use harness::explore::{explore, EngineKind, ExploreConfig};
use harness::scenario::{load_value, Program};
use shuttle::scheduler::RandomScheduler;
use shuttle::sync::Mutex;
use shuttle::{thread, Config, Runner};
use std::sync::Arc;
use std::time::Instant;

const SIZES: [u64; 3] = [16, 64, 256];
/// Worker-executions per measurement (executions × threads), so every size takes about as long.
const WORK: u64 = 64_000;
const ROUNDS: usize = 3;

fn pool(n: u64) -> Arc<Program> {
    let v = serde_json::json!({
        "schema": "hazard/scenario/v1", "name": format!("pool-{n}"),
        "objects": {
            "wg": { "kind": "waitgroup" }, "mu": { "kind": "mutex" },
            "count": { "kind": "atomic", "value": 0 }
        },
        "threads": { "main": [
            { "op": "add", "obj": "wg", "delta": n },
            { "op": "repeat", "times": n, "body": [ { "op": "spawn", "thread": "worker", "body": [
                { "op": "lock", "obj": "mu" },
                { "op": "add", "obj": "count", "delta": 1 },
                { "op": "unlock", "obj": "mu" },
                { "op": "done", "obj": "wg" }
            ] } ] },
            { "op": "wait", "obj": "wg" }
        ] },
        "expect": { "passes": true, "final": [ { "obj": "count", "holds": n } ] }
    });
    Arc::new(load_value(&v, "pool.json").expect("the pool scenario loads"))
}

fn hazard(prog: &Arc<Program>, execs: u64) -> f64 {
    let cfg = ExploreConfig::default()
        .engine(EngineKind::Random)
        .iterations(execs)
        .seed(1);
    let start = Instant::now();
    let x = explore(prog, &cfg).expect("explores");
    assert!(x.findings.is_empty(), "the pool passes");
    assert!(x.limit.is_none(), "{:?}", x.limit);
    assert_eq!(x.executions(), execs);
    execs as f64 / start.elapsed().as_secs_f64()
}

/// The same pool by hand: shuttle threads, a shuttle Mutex around the counter, joined by main.
fn shuttle_pool(n: u64, execs: u64) -> f64 {
    let mut c = Config::new();
    c.silence_warnings = true;
    c.failure_persistence = shuttle::FailurePersistence::None;
    let start = Instant::now();
    Runner::new(RandomScheduler::new_from_seed(1, execs as usize), c).run(move || {
        let count = Arc::new(Mutex::new(0u64));
        let hs: Vec<_> = (0..n)
            .map(|_| {
                let count = Arc::clone(&count);
                thread::spawn(move || *count.lock().unwrap() += 1)
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(*count.lock().unwrap(), n);
    });
    execs as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let progs: Vec<_> = SIZES.iter().map(|&n| (n, pool(n))).collect();
    let mut h = vec![Vec::new(); SIZES.len()];
    let mut s = vec![Vec::new(); SIZES.len()];
    // Warm up, then interleave hazard and shuttle so machine noise hits both alike.
    for (n, p) in &progs {
        hazard(p, 8);
        shuttle_pool(*n, 8);
    }
    for _ in 0..ROUNDS {
        for (i, (n, p)) in progs.iter().enumerate() {
            let execs = WORK / n;
            h[i].push(hazard(p, execs));
            s[i].push(shuttle_pool(*n, execs));
        }
    }
    println!("worker pool (lock, add, unlock, Done per worker), {ROUNDS} rounds, median");
    println!(
        "{:>8} {:>14} {:>14} {:>18} {:>10}",
        "threads", "hazard ex/s", "shuttle ex/s", "hazard thread-ex/s", "h/shuttle"
    );
    let mut figures = Vec::new();
    for (i, n) in SIZES.iter().enumerate() {
        let (hz, sh) = (median(h[i].clone()), median(s[i].clone()));
        println!(
            "{n:>8} {hz:>14.0} {sh:>14.0} {:>18.0} {:>10.2}",
            hz * *n as f64,
            hz / sh
        );
        figures.push((
            format!("scale_{n}_threads_execs_per_sec"),
            fig(hz, "executions/s", None),
        ));
        figures.push((
            format!("scale_{n}_threads_vs_shuttle"),
            fig(hz / sh, "ratio", None),
        ));
    }
    let first = median(h[0].clone()) * SIZES[0] as f64;
    let last = median(h[SIZES.len() - 1].clone()) * SIZES[SIZES.len() - 1] as f64;
    println!(
        "thread-executions/s at {} threads vs {}: {:.2} (1.0: cost grows linearly with threads)",
        SIZES[SIZES.len() - 1],
        SIZES[0],
        last / first
    );
    figures.push((
        "scale_256_vs_16_per_thread".to_string(),
        fig(last / first, "ratio", None),
    ));
    record(figures);
}
