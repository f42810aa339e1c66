//! Command-line parsing (clap) and dispatch; one file per subcommand.

mod corpus;
mod fuzz;
mod list;
mod minimize;
mod nightly;
mod replay;
mod run;
mod schema;
mod show;

use clap::{Parser, Subcommand};

/// Exit code: every expectation met.
pub const OK: u8 = 0;
/// Exit code: a finding, or an unmet expectation.
pub const FINDING: u8 = 1;
/// Exit code: usage or input error.
pub const INPUT: u8 = 2;
/// Exit code: stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// The longest wall-time flag accepted: a week, far above any nightly budget.
const MAX_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// A wall-time flag in seconds (`--time 1.5`): positive, finite and at most [`MAX_SECONDS`],
/// so that no budget overflows a `Duration` or an `Instant`. clap names the flag on error.
pub fn seconds(s: &str) -> Result<std::time::Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(v > 0.0 && v <= MAX_SECONDS) {
        return Err(format!(
            "must be a number of seconds above 0 and at most {MAX_SECONDS} (a week), got {s}"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(v))
}

#[derive(Parser, Debug)]
#[command(
    name = "hazard",
    version,
    about = "Chaos-engineering fuzz harness for Go-style concurrency hazards"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Catalog ids, the scenarios that exercise them, and their variants.
    List(list::Args),
    /// Explore scenarios (files or directories) and write a report per finding.
    Run(run::Args),
    /// Replay a report's schedule against its embedded scenario.
    Replay(replay::Args),
    /// The regression corpus: check entries, promote reports.
    Corpus(corpus::Args),
    /// Minimize (again) the failure of a report: fewest preemptions, then steps, in the
    /// smallest scenario; rewrites the report.
    Minimize(minimize::Args),
    /// A nightly campaign: every scenario under one time budget on every core, findings
    /// classified new/known/regressed/fixed/flaky, resumable, with CI outputs.
    Nightly(nightly::Args),
    /// Run libFuzzer on a scenario and report its crash; `fuzz import CRASH` turns a crash
    /// file into a report.
    Fuzz(fuzz::Args),
    /// Print the JSON Schema of the scenario or report format.
    Schema(schema::Args),
    /// Show a report: a column per thread (or --html: a page with swimlanes and hand-offs).
    Show(show::Args),
}

pub fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    let code = match cli.command {
        Command::List(a) => list::run(a)?,
        Command::Run(a) => run::run(a)?,
        Command::Replay(a) => replay::run(a)?,
        Command::Minimize(a) => minimize::run(a)?,
        Command::Corpus(a) => corpus::run(a)?,
        Command::Fuzz(a) => fuzz::run(a)?,
        Command::Nightly(a) => nightly::run(a)?,
        Command::Schema(a) => schema::run(a)?,
        Command::Show(a) => show::run(a)?,
    };
    Ok(code)
}
