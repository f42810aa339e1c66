//! `make bench`: how a nightly campaign scales with workers. The same campaign (every shipped
//! scenario, a fixed number of rounds, no time limit, no corpus, no minimization) runs at
//! `-j 1` and `-j 2`, alternating, and executions per second are compared side by side; the
//! two runs explore exactly the same slices (a round-capped campaign does not depend on -j).
//! Prints the figures and writes reports/bench.json. Asserts nothing about time.

mod common;

use common::{fig, median, record, root, scenario_files};
use harness::campaign::{run_campaign, CampaignConfig};
use std::time::Instant;

const ROUNDS: u32 = 4;
const PAIRS: usize = 3;

/// One campaign at `jobs` workers: (executions, seconds).
fn campaign(jobs: usize) -> (u64, f64) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let mut cfg = CampaignConfig::new(scenario_files(), out.path().to_path_buf());
    cfg.jobs = jobs;
    cfg.rounds = Some(ROUNDS);
    cfg.minimize = None;
    let start = Instant::now();
    let r = run_campaign(cfg, &mut |_| {}).expect("the campaign runs");
    (r.summary.totals.executions, start.elapsed().as_secs_f64())
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = root();
    let (mut one, mut two) = (Vec::new(), Vec::new());
    let mut executions = 0;
    for _ in 0..PAIRS {
        let (n1, s1) = campaign(1);
        let (n2, s2) = campaign(2);
        assert_eq!(
            n1, n2,
            "the same campaign ran different work at -j 1 and -j 2"
        );
        executions = n1;
        one.push(n1 as f64 / s1);
        two.push(n2 as f64 / s2);
    }
    let (r1, r2) = (median(one), median(two));
    let ratio = r2 / r1;
    println!(
        "campaign over {} scenarios, {ROUNDS} rounds: {executions} executions; -j 1: {r1:.0}/s, -j 2: {r2:.0}/s, ratio {ratio:.2} on {cores} cores (target >= 1.8 on 2 cores)",
        scenario_files().len()
    );
    record([
        ("campaign_execs_per_s_j1", fig(r1, "executions/s", None)),
        ("campaign_execs_per_s_j2", fig(r2, "executions/s", None)),
        (
            "campaign_scaling_j2_over_j1",
            fig(ratio, "x", Some(">= 1.8 on 2 cores (0.9 x cores)")),
        ),
    ]);
}
