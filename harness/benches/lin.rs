//! `make bench`: the linearizability checker on histories made linearizable by construction
//! (4 threads, each operation's effect at a point between its call and its return): the
//! median time to check a 1,000-operation map history (target < 100 ms), and the largest FIFO
//! queue history size at which every one of 5 histories is checked within 1 s (doubling the
//! size until one takes longer).
//! Prints the figures and writes reports/bench.json. Asserts nothing about time.

mod common;

use common::{fig, median, record};
use harness::lin::{check, Model, Operation, Spec, SpecKind, Verdict, DEFAULT_BUDGET};
use serde_json::{json, Value};
use std::time::Instant;

const THREADS: usize = 4;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `n` operations from `make`, spread over 4 threads that interleave their call, effect and
/// return steps at random.
fn history(
    spec: &Spec,
    n: usize,
    seed: u64,
    make: impl Fn(&mut Rng) -> (&'static str, Vec<Value>),
) -> Vec<Operation> {
    let mut rng = Rng(seed | 1);
    let mut left = [n / THREADS; THREADS];
    let mut phase = [0u8; THREADS];
    let mut current = [usize::MAX; THREADS];
    let mut states = std::collections::BTreeMap::new();
    let mut h: Vec<Operation> = Vec::with_capacity(n);
    let mut tick = 0;
    while left.iter().any(|&l| l > 0) || phase.iter().any(|&p| p != 0) {
        let t = (rng.next() % THREADS as u64) as usize;
        if left[t] == 0 && phase[t] == 0 {
            continue;
        }
        tick += 1;
        match phase[t] {
            0 => {
                let (op, args) = make(&mut rng);
                h.push(Operation {
                    thread: format!("t{t}"),
                    op: op.into(),
                    args,
                    result: None,
                    call: tick,
                    ret: None,
                });
                current[t] = h.len() - 1;
                left[t] -= 1;
                phase[t] = 1;
            }
            1 => {
                let o = &h[current[t]];
                let key = spec.key(&o.op, &o.args);
                let state = states
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| spec.init(key.as_deref()));
                let (out, next) = spec.step(&state, &o.op, &o.args).expect("a known op");
                states.insert(key, next);
                h[current[t]].result = Some(out);
                phase[t] = 2;
            }
            _ => {
                h[current[t]].ret = Some(tick);
                phase[t] = 0;
            }
        }
    }
    h
}

fn timed(spec: &Spec, h: &[Operation]) -> (f64, Verdict) {
    let start = Instant::now();
    let v = check(spec, h, DEFAULT_BUDGET);
    (start.elapsed().as_secs_f64(), v)
}

fn main() {
    // A map of 10 keys: loads, stores and deletes.
    let map = Spec::new(SpecKind::Map);
    let map_op = |r: &mut Rng| {
        let k = json!(format!("k{}", r.next() % 10));
        match r.next() % 3 {
            0 => ("load", vec![k]),
            1 => ("store", vec![k, json!(r.next() % 100)]),
            _ => ("delete", vec![k]),
        }
    };
    let mut times = Vec::new();
    for seed in 1..=7 {
        let h = history(&map, 1000, seed, map_op);
        let (t, v) = timed(&map, &h);
        assert_eq!(v, Verdict::Linearizable, "a history made linearizable");
        times.push(t * 1000.0);
    }
    let map_ms = median(times);
    println!("linearizability: 1,000-op 4-thread map history checked in {map_ms:.2} ms (median of 7; target < 100 ms)");

    // A FIFO queue: pushes and pops, sizes doubling until a check takes over a second.
    let queue = Spec::new(SpecKind::Queue);
    let queue_op = |r: &mut Rng| {
        if r.next() % 2 == 0 {
            ("push", vec![json!(r.next() % 1000)])
        } else {
            ("pop", vec![])
        }
    };
    // Sizes double while every one of SEEDS histories is checked within a second: FIFO
    // queues are the hard case of this search (concurrent pushes leave the queue's order
    // open until pops settle it, and the memo keys on that order), so the time varies widely
    // with the history, and the figure is the size at which none of them took longer.
    const SEEDS: u64 = 5;
    let (mut n, mut largest, mut worst_at_largest) = (20, 0, 0.0);
    loop {
        let mut worst: f64 = 0.0;
        let mut ok = true;
        for seed in 1..=SEEDS {
            let h = history(&queue, n, seed, queue_op);
            let (t, v) = timed(&queue, &h);
            worst = worst.max(t);
            if t > 1.0 || v != Verdict::Linearizable {
                println!("linearizability: a {n}-op queue history (seed {seed}) took {t:.2} s ({}): the limit is below it",
                    if v == Verdict::Linearizable { "linearizable" } else { "no answer within the step budget" });
                ok = false;
                break;
            }
        }
        if !ok {
            break;
        }
        largest = n;
        worst_at_largest = worst;
        if n >= 1 << 16 {
            break;
        }
        n *= 2;
    }
    println!("linearizability: the largest 4-thread queue history size at which all {SEEDS} histories checked within 1 s: {largest} ops (slowest {:.0} ms)", worst_at_largest * 1000.0);
    record([
        ("lin_map_1000_ops_ms", fig(map_ms, "ms", Some("< 100 ms"))),
        (
            "lin_queue_ops_within_1s",
            fig(largest as f64, "operations", None),
        ),
    ]);
}
