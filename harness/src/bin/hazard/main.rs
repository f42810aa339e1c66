//! `hazard`: explore Go-style concurrency scenarios, write and replay reports.
//!
//! Exit codes: 0 every scenario met its expectation (replay: the failure did not reproduce);
//! 1 a scenario failed its expectation (replay: the recorded failure reproduced);
//! 2 usage or input error.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::dispatch(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("hazard: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
