//! `hazard corpus check [DIR]` and `hazard corpus add REPORT...`: the regression corpus.

use harness::corpus::{add, check};
use harness::minimize::MinimizeConfig;
use harness::report::CorpusExpect;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Replay every entry: exit 0 only if each reproduces its recorded failure (or, for
    /// entries recorded as fixed, no bounded interleaving produces it); 1 if one regressed;
    /// 2 if one is unreadable or corrupt.
    Check {
        /// The corpus directory.
        #[arg(default_value = "reports/corpus")]
        dir: PathBuf,
        /// One JSON object per entry, then a summary object.
        #[arg(long)]
        json: bool,
    },
    /// Promote reports into the corpus (minimized first if they were not).
    Add {
        /// Reports written by `hazard run`.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// The corpus directory.
        #[arg(long, default_value = "reports/corpus")]
        dir: PathBuf,
        /// The bug is fixed: the entry must pass from now on.
        #[arg(long)]
        fixed: bool,
    },
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    match a.command {
        Sub::Check { dir, json } => {
            let results = check(&dir)?;
            if results.is_empty() {
                anyhow::bail!("{}: no corpus entries (*.json)", dir.display());
            }
            let failed = results.iter().filter(|r| !r.ok).count();
            for r in &results {
                if json {
                    let line = serde_json::json!({
                        "entry": r.file.display().to_string(), "ok": r.ok, "detail": r.detail,
                    });
                    outln!("{line}");
                } else {
                    outln!(
                        "{:<6} {}  {}",
                        if r.ok {
                            "ok"
                        } else if r.unreadable {
                            "BROKEN"
                        } else {
                            "FAILED"
                        },
                        r.file.display(),
                        r.detail
                    );
                }
            }
            if json {
                let line = serde_json::json!({"summary": {
                    "entries": results.len(), "ok": results.len() - failed, "failed": failed,
                }});
                outln!("{line}");
            } else {
                outln!(
                    "\n{} entries: {} ok, {} failed",
                    results.len(),
                    results.len() - failed,
                    failed
                );
            }
            // A corrupt or unreadable entry is an input error, told apart from a regression.
            Ok(if results.iter().any(|r| r.unreadable) {
                super::INPUT
            } else if failed > 0 {
                super::FINDING
            } else {
                super::OK
            })
        }
        Sub::Add {
            reports,
            dir,
            fixed,
        } => {
            let expect = if fixed {
                CorpusExpect::Passes
            } else {
                CorpusExpect::Reproduces
            };
            for r in &reports {
                // `hazard run` writes a fault summary beside the findings of a directory;
                // only findings belong in the corpus.
                if r.to_string_lossy().ends_with(".faults.json") {
                    outln!("skipped {} (a fault summary, not a finding)", r.display());
                    continue;
                }
                let path = add(r, &dir, expect, &MinimizeConfig::default())?;
                outln!("added {} as {}", r.display(), path.display());
            }
            Ok(super::OK)
        }
    }
}
