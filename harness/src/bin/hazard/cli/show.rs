//! `hazard show REPORT`: the human view of a report, from the report alone (nothing is
//! replayed): the minimized interleaving when the report has one, else the recorded one.

use harness::report::{read_report, render_html, render_table};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A report written by `hazard run`.
    report: PathBuf,
    /// Show the recorded interleaving, not the minimized one.
    #[arg(long)]
    original: bool,
    /// Print a self-contained HTML page (swimlanes, hand-off arrows) instead of the table.
    #[arg(long)]
    html: bool,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let report = read_report(&a.report)?;
    let view = report.view(a.original);
    if a.html {
        out!("{}", render_html(&report, &view));
        return Ok(super::OK);
    }
    let sig = view.signature;
    outln!(
        "scenario:     {} ({})",
        report.scenario.name,
        report.scenario.file
    );
    outln!(
        "signature:    {} [{}] in thread {} at {}",
        sig.id,
        sig.kind,
        sig.thread.as_deref().unwrap_or("-"),
        sig.op.as_deref().unwrap_or("-")
    );
    outln!("preemptions:  {}", view.preemptions);
    let which = match (view.minimized, report.minimized.is_some()) {
        (true, _) => "minimized (--original shows the recorded one)",
        (false, true) => "recorded (without --original: the minimized one)",
        (false, false) => "recorded (the report has no minimized one)",
    };
    outln!("interleaving: {which}");
    outln!();
    out!(
        "{}",
        render_table(view.threads, view.trace, Some(view.rendered))
    );
    if !view.faults.is_empty() {
        outln!("\nfaults injected:");
        for f in view.faults {
            outln!(
                "  step {:>3}  {:<10} #{} {:<16} {}: {}",
                f.step,
                f.thread,
                f.rule,
                f.fault,
                f.op,
                f.effect
            );
        }
    }
    Ok(super::OK)
}
