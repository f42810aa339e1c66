//! `hazard schema scenario|report|summary|run|baseline`.

use clap::ValueEnum;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which format.
    #[arg(value_enum)]
    what: Which,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Which {
    Scenario,
    Report,
    /// `summary.json` of `hazard nightly`.
    Summary,
    /// The lines of `hazard run --json`.
    Run,
    /// The baseline file of `hazard nightly --baseline`.
    Baseline,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let schema = match a.what {
        Which::Scenario => harness::scenario::json_schema(),
        Which::Report => harness::report::json_schema(),
        Which::Summary => harness::campaign::summary_schema(),
        Which::Run => harness::report::summary_json_schema(),
        Which::Baseline => harness::campaign::baseline_schema(),
    };
    outln!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(super::OK)
}
