//! `hazard replay REPORT`: run the recorded schedule against the embedded scenario.

use harness::explore::Signature;
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
    // Three outcomes: the recorded failure, another failure (a finding too, but the report no
    // longer describes it: the scenario or the harness changed), or none.
    let outcome = match (&r.outcome.signature, r.reproduced) {
        (Some(_), true) => "reproduced",
        (Some(_), false) => "different",
        (None, _) => "passed",
    };
    if a.json {
        let line = serde_json::json!({
            "report": file,
            "outcome": outcome,
            "reproduced": r.reproduced,
            "differs": r.outcome.signature.as_ref().map(|s| {
                differences(&report.failure.signature, s)
                    .into_iter()
                    .map(|(field, recorded, replayed)| {
                        serde_json::json!({ "field": field, "recorded": recorded, "replayed": replayed })
                    })
                    .collect::<Vec<_>>()
            }),
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
        (Some(sig), false) => {
            outln!("\na different failure: {} [{}]", sig.message, sig.id);
            for (field, recorded, replayed) in differences(&report.failure.signature, sig) {
                outln!("  {field}: {replayed} (recorded: {recorded})");
            }
        }
        (None, _) => outln!("\ndid not reproduce: the scenario passes under this schedule"),
    }
    Ok(code)
}

/// The signature fields that differ, as (field, recorded, replayed); `-` for none.
fn differences(recorded: &Signature, replayed: &Signature) -> Vec<(&'static str, String, String)> {
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    [
        ("id", recorded.id.clone(), replayed.id.clone()),
        ("kind", recorded.kind.to_string(), replayed.kind.to_string()),
        (
            "message",
            recorded.message.clone(),
            replayed.message.clone(),
        ),
        ("thread", opt(&recorded.thread), opt(&replayed.thread)),
        ("op", opt(&recorded.op), opt(&replayed.op)),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .collect()
}
