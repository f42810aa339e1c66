//! `hazard replay REPORT`: run the recorded schedule against the embedded scenario.

use harness::report::{read_report, render_table, rendered, trace_steps};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A report written by `hazard run`.
    report: PathBuf,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let file = a.report.display().to_string();
    let report = read_report(&a.report)?;
    let r = report.replay(&file)?;
    let failure = rendered(&r.outcome);
    let code = if r.outcome.failed.is_some() {
        super::FINDING
    } else {
        super::OK
    };
    if a.json {
        let line = serde_json::json!({
            "report": file,
            "reproduced": r.reproduced,
            "recorded": report.failure.signature,
            "replayed": r.outcome.signature,
            "steps": r.outcome.steps,
            "preemptions": r.outcome.preemptions,
        });
        outln!("{line}");
        return Ok(code);
    }
    let trace = trace_steps(&r.prog, &r.outcome);
    out!(
        "{}",
        render_table(&r.outcome.threads, &trace, failure.as_deref())
    );
    match (&r.outcome.signature, r.reproduced) {
        (Some(_), true) => outln!(
            "\nreproduced: {} [{}] in thread {}",
            report.failure.signature.message,
            report.failure.signature.id,
            report.failure.signature.thread.as_deref().unwrap_or("-")
        ),
        (Some(sig), false) => outln!(
            "\na different failure: {} [{}] (recorded: {} [{}])",
            sig.message,
            sig.id,
            report.failure.signature.message,
            report.failure.signature.id
        ),
        (None, _) => outln!("\ndid not reproduce: the scenario passes under this schedule"),
    }
    Ok(code)
}
