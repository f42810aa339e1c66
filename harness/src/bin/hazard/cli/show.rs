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
    // The op path is the one in the scenario file; a minimized scenario that dropped parts
    // numbers its ops differently, so its path is given as such.
    let sig = &report.failure.signature;
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
    let reduced = report
        .minimized
        .as_ref()
        .filter(|m| view.minimized && !m.removed.is_empty());
    if let Some(m) = reduced {
        outln!(
            "minimized:    {} part(s) of the scenario removed; the failing op is {} there",
            m.removed.len(),
            view.signature.op.as_deref().unwrap_or("-")
        );
    }
    outln!("preemptions:  {}", view.preemptions);
    let which = match (view.minimized, report.minimized.is_some()) {
        (true, _) if reduced.is_some() => {
            "minimized, of the minimized scenario (--original shows the recorded one, of the file)"
        }
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
