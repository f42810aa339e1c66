//! `hazard`: explore Go-style concurrency scenarios, write and replay reports.
//!
//! Exit codes: 0 every scenario met its expectation (replay: the failure did not reproduce);
//! 1 a scenario failed its expectation (replay: the recorded failure reproduced);
//! 2 usage or input error.

#[macro_use]
mod out;
mod cli;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // Ctrl-C or SIGTERM: stop at the next execution, keep what was done (reports are written
    // whole, the summary covers what finished). A second one exits at once.
    let _ = ctrlc::set_handler(|| {
        if harness::explore::interrupted() {
            std::process::exit(cli::INTERRUPTED.into());
        }
        harness::explore::interrupt();
    });
    let code = match cli::dispatch(args) {
        Ok(code) => code,
        Err(err) => {
            errln!("hazard: error: {err:#}");
            cli::INPUT
        }
    };
    match out::finish() {
        // The reader went away (`hazard list | head`): what it read was all it wanted.
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(code),
        Some(e) => {
            errln!("hazard: error: writing to standard output: {e}");
            ExitCode::from(cli::INPUT)
        }
        None => ExitCode::from(code),
    }
}
