//! `make bench`: executions per second of hazard's random engine on the fixed
//! map-concurrent-writes scenario, against hand-written shuttle tests of the same workload,
//! measured side by side (interleaved rounds) in one run. Prints a table and writes
//! reports/bench.json. Asserts nothing about time.

mod common;

use common::{fig, median, record, root};
use harness::explore::{explore, EngineKind, ExploreConfig};
use shuttle::scheduler::RandomScheduler;
use shuttle::sync::Mutex;
use shuttle::{thread, Config, Runner};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

const EXECUTIONS: u64 = 20_000;
const ROUNDS: usize = 5;

fn shuttle_config() -> Config {
    let mut c = Config::new();
    c.silence_warnings = true;
    c.failure_persistence = shuttle::FailurePersistence::None;
    c
}

/// What a user would write by hand: two threads insert into a HashMap under a shuttle Mutex.
fn shuttle_plain(n: u64) -> f64 {
    let start = Instant::now();
    let runner = Runner::new(
        RandomScheduler::new_from_seed(1, n as usize),
        shuttle_config(),
    );
    runner.run(|| {
        let m = Arc::new(Mutex::new(HashMap::new()));
        let hs: Vec<_> = ["a", "b"]
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let m = Arc::clone(&m);
                thread::spawn(move || {
                    m.lock().unwrap().insert(k, i);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(m.lock().unwrap().len(), 2);
    });
    n as f64 / start.elapsed().as_secs_f64()
}

/// The same Go model written by hand: the map's `writing` flag with a scheduling point at each
/// of the port's steps (assign entry, entry check, toggle, exit check), under a shuttle Mutex.
fn shuttle_instrumented(n: u64) -> f64 {
    let start = Instant::now();
    let runner = Runner::new(
        RandomScheduler::new_from_seed(1, n as usize),
        shuttle_config(),
    );
    runner.run(|| {
        let m = Arc::new((
            Mutex::new(()),
            AtomicU8::new(0),
            std::sync::Mutex::new(HashMap::new()),
        ));
        let hs: Vec<_> = ["a", "b"]
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let m = Arc::clone(&m);
                thread::spawn(move || {
                    let (mu, writing, map) = &*m;
                    thread::yield_now();
                    let g = mu.lock().unwrap();
                    thread::yield_now(); // mapassign
                    thread::yield_now();
                    assert_eq!(writing.load(Ordering::Relaxed), 0, "concurrent map writes");
                    thread::yield_now();
                    writing.fetch_xor(1, Ordering::Relaxed);
                    thread::yield_now();
                    assert_ne!(writing.load(Ordering::Relaxed), 0, "concurrent map writes");
                    map.lock().unwrap().insert(k, i);
                    writing.fetch_xor(1, Ordering::Relaxed);
                    thread::yield_now();
                    drop(g);
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
    n as f64 / start.elapsed().as_secs_f64()
}

fn hazard(prog: &Arc<harness::scenario::Program>, n: u64) -> f64 {
    let cfg = ExploreConfig::default()
        .engine(EngineKind::Random)
        .iterations(n)
        .seed(1);
    let start = Instant::now();
    let x = explore(prog, &cfg).expect("explores");
    assert!(x.findings.is_empty(), "the fixed variant passes");
    assert_eq!(x.executions(), n);
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let file = root().join("scenarios/map-concurrent-writes.fixed.json");
    let prog = Arc::new(harness::scenario::load_file(&file).expect("the fixed scenario loads"));
    let (mut h, mut p, mut i) = (Vec::new(), Vec::new(), Vec::new());
    // Warm up, then interleave the three so machine noise hits all of them alike.
    hazard(&prog, 1000);
    shuttle_plain(1000);
    shuttle_instrumented(1000);
    for _ in 0..ROUNDS {
        h.push(hazard(&prog, EXECUTIONS));
        p.push(shuttle_plain(EXECUTIONS));
        i.push(shuttle_instrumented(EXECUTIONS));
    }
    let (h, p, i) = (median(h), median(p), median(i));
    let vs_instrumented = h / i;
    let vs_plain = h / p;
    println!("map-concurrent-writes.fixed: {EXECUTIONS} executions x {ROUNDS} rounds, median");
    println!("{:<44} {:>12}", "runner", "execs/s");
    println!(
        "{:<44} {:>12.0}",
        "hazard run --engine random (library path)", h
    );
    println!("{:<44} {:>12.0}", "shuttle, same model written by hand", i);
    println!("{:<44} {:>12.0}", "shuttle, plain HashMap under a Mutex", p);
    println!("ratio hazard / hand-written model: {vs_instrumented:.2} (target >= 0.8)");
    println!("ratio hazard / plain shuttle test: {vs_plain:.2}");

    record([
        ("hazard_execs_per_sec", fig(h, "executions/s", None)),
        (
            "shuttle_hand_model_execs_per_sec",
            fig(i, "executions/s", None),
        ),
        ("shuttle_plain_execs_per_sec", fig(p, "executions/s", None)),
        (
            "ratio_hazard_vs_shuttle_hand_model",
            fig(vs_instrumented, "ratio", Some(">= 0.8")),
        ),
        (
            "ratio_hazard_vs_shuttle_plain",
            fig(vs_plain, "ratio", None),
        ),
    ]);
}
