//! Peak memory of the largest scenarios validation accepts: one scenario at each documented
//! limit (declared slice elements, initial map entries, as many ops as a scenario file may hold
//! over the most threads, nesting through calls), each explored for a few executions in a child process of its own, whose
//! peak resident set (VmHWM) is read from /proc. Prints the table and writes the figures to
//! reports/bench.json. Measures memory, not time.

mod common;

use common::{fig, record};
use harness::explore::{explore, ExploreConfig};
use harness::scenario::{
    load_value, MAX_ELEMS, MAX_ENTRIES, MAX_FRAMES, MAX_SCENARIO_BYTES, MAX_THREADS,
};
use serde_json::{json, Map, Value};
use std::process::Command;
use std::sync::Arc;

/// Executions per scenario: enough to reach the steady state of one execution's memory.
const EXECUTIONS: u64 = 4;

fn scenario(name: &str, objects: Value, threads: Value, procs: Value) -> Value {
    json!({
        "schema": "hazard/scenario/v1", "name": name, "objects": objects, "procs": procs,
        "threads": threads, "expect": { "passes": true }
    })
}

/// The largest accepted scenario along each limit.
fn largest() -> Vec<(&'static str, Value)> {
    let per_slice = 1_000_000u64;
    let slices: Map<String, Value> = (0..MAX_ELEMS / per_slice)
        .map(|i| {
            (
                format!("s{i}"),
                json!({ "kind": "slice", "cap": per_slice }),
            )
        })
        .collect();
    let entries: Map<String, Value> = (0..MAX_ENTRIES)
        .map(|i| (format!("k{i}"), json!(i)))
        .collect();
    // The most ops a scenario file can hold: every thread as long as the file's size limit
    // allows (`{"op":"yield"},` is 15 bytes).
    let per_thread = (MAX_SCENARIO_BYTES as usize - 4096) / 15 / MAX_THREADS as usize;
    let flat = Value::Array(vec![json!({ "op": "yield" }); per_thread]);
    let threads: Map<String, Value> = (0..MAX_THREADS)
        .map(|i| (format!("t{i}"), flat.clone()))
        .collect();
    // A chain of calls as deep as a thread may nest.
    let procs: Map<String, Value> = (0..MAX_FRAMES - 2)
        .map(|i| {
            let next = if i + 1 < MAX_FRAMES - 2 {
                json!([ { "op": "call", "proc": format!("p{}", i + 1) } ])
            } else {
                json!([ { "op": "yield" } ])
            };
            (format!("p{i}"), next)
        })
        .collect();
    vec![
        (
            "declared slice elements",
            scenario(
                "slices",
                Value::Object(slices),
                json!({ "t": [ { "op": "yield" } ] }),
                json!({}),
            ),
        ),
        (
            "initial map entries, ranged",
            scenario(
                "entries",
                json!({ "m": { "kind": "map", "entries": entries }, "other": { "kind": "map" } }),
                // A range over all of them (every step an explorer choice among the keys left),
                // beside a second thread so that every engine has decisions to make.
                json!({
                    "t": [ { "op": "range", "obj": "m", "key": "k", "body": [] } ],
                    "u": [ { "op": "set", "obj": "other", "key": "x", "value": 1 } ]
                }),
                json!({}),
            ),
        ),
        (
            "ops in a 4 MiB file",
            scenario("ops", json!({}), Value::Object(threads), json!({})),
        ),
        (
            "nesting through calls",
            scenario(
                "nesting",
                json!({}),
                json!({ "t": [ { "op": "call", "proc": "p0" } ] }),
                Value::Object(procs),
            ),
        ),
    ]
}

/// Peak resident set of this process so far, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        // One scenario, then report this process's peak.
        let which: usize = args[i + 1].parse().expect("scenario index");
        let (_, v) = largest().swap_remove(which);
        let prog =
            Arc::new(load_value(&v, "largest.json").expect("the largest scenarios are accepted"));
        let cfg = ExploreConfig::default()
            .iterations(EXECUTIONS)
            .max_steps(1 << 24);
        let x = explore(&prog, &cfg).expect("explores");
        assert!(
            x.findings.is_empty(),
            "{:?}",
            x.findings.first().map(|f| &f.signature)
        );
        println!("{} {}", peak_mib(), x.executions());
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    println!("{:<28} {:>10} {:>11}", "limit", "peak MiB", "executions");
    let mut figures = Vec::new();
    let mut worst: f64 = 0.0;
    for (i, (what, _)) in largest().iter().enumerate() {
        let out = Command::new(&exe)
            .args(["--child", &i.to_string()])
            .output()
            .expect("runs the child");
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut parts = text.split_whitespace();
        let mib: f64 = parts.next().and_then(|v| v.parse().ok()).expect("peak");
        let execs = parts.next().unwrap_or("?");
        println!("{what:<28} {mib:>10.1} {execs:>11}");
        worst = worst.max(mib);
        figures.push((
            format!("peak_rss_{}", what.replace(' ', "_")),
            fig(mib, "MiB", None),
        ));
    }
    println!("largest accepted scenario: peak {worst:.1} MiB");
    figures.push((
        "peak_rss_largest_accepted".to_string(),
        fig(worst, "MiB", Some("bounded")),
    ));
    record(figures);
}
