//! `hazard minimize REPORT`: minimize (again) the failure a report records, from the schedule
//! as first found, and rewrite the report.

use harness::minimize::MinimizeConfig;
use harness::pipeline::reminimize;
use harness::report::{read_report, write_report_to};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A report written by `hazard run`.
    report: PathBuf,
    /// Where to write the minimized report [default: over REPORT].
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Executions minimization may run.
    #[arg(long, env = "HAZARD_MIN_ITERATIONS", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    iterations: u64,
    /// Wall-time cap, in seconds.
    #[arg(long, env = "HAZARD_MIN_TIME", default_value = "30", value_parser = super::seconds)]
    time: Duration,
    /// Minimize only the schedule, not the scenario.
    #[arg(long)]
    no_scenario: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let file = a.report.display().to_string();
    let mut report = read_report(&a.report)?;
    let cfg = MinimizeConfig {
        iterations: a.iterations,
        time: Some(a.time),
        scenario: !a.no_scenario,
        ..MinimizeConfig::default()
    };
    let m = reminimize(&mut report, &file, &cfg)?;
    let out = a.output.unwrap_or(a.report);
    write_report_to(&out, &report)?;
    let min = report.minimized.as_ref();
    if a.json {
        let line = serde_json::json!({
            "report": out.display().to_string(),
            "found": { "preemptions": m.found.preemptions, "steps": m.found.steps },
            "original": { "preemptions": m.original.preemptions, "steps": m.original.steps },
            "minimized": {
                "preemptions": m.reduced.preemptions, "steps": m.reduced.steps,
                "status": min.map(|m| m.minimality.status.clone()),
                "removed": m.removed,
            },
            "executions": m.executions, "elapsed_ms": m.elapsed.as_millis() as u64,
            "replay_verified": report.replay_verified && min.is_some_and(|m| m.replay_verified),
        });
        outln!("{line}");
    } else {
        outln!(
            "{}: {} [{}]",
            out.display(),
            report.failure.signature.message,
            report.failure.signature.id
        );
        outln!(
            "  as found:          {} preemptions, {} steps",
            m.found.preemptions,
            m.found.steps
        );
        outln!(
            "  same scenario:     {} preemptions, {} steps",
            m.original.preemptions,
            m.original.steps
        );
        outln!(
            "  reduced scenario:  {} preemptions ({}), {} steps; removed {}",
            m.reduced.preemptions,
            min.map(|m| m.minimality.status.as_str()).unwrap_or("-"),
            m.reduced.steps,
            if m.removed.is_empty() {
                "nothing".to_string()
            } else {
                m.removed.join(", ")
            }
        );
        outln!(
            "  {} executions, {} ms; show it with: hazard show {}",
            m.executions,
            m.elapsed.as_millis(),
            out.display()
        );
    }
    Ok(super::OK)
}
