//! `hazard nightly [PATH...]`: a campaign over every scenario under one time budget, on every
//! core, with findings classified as new, known, regressed, fixed or flaky, resumable from
//! `--state`, and outputs a CI reads (summary JSON and Markdown, JUnit, SARIF, an HTML index).

use super::run::MinArgs;
use crate::progress::{Progress, State};
use anyhow::Context;
use harness::campaign::{run_campaign, CampaignConfig, Event, Shard, NIGHTLY_FORMAT};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files or directories of them.
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Wall time for the whole campaign, every resumed session together: seconds or a Go
    /// duration (`90`, `30m`, `1h`) [default: 10m, or none when --rounds is given].
    #[arg(long, env = "HAZARD_NIGHTLY_TIME", value_parser = campaign_time)]
    time: Option<Duration>,
    /// Workers [default: every core].
    #[arg(short = 'j', long = "jobs", env = "HAZARD_JOBS",
          value_parser = clap::value_parser!(u64).range(1..1025))]
    jobs: Option<u64>,
    /// Run only the i-th of n parts of the scenarios and corpus entries (1-based), split by a
    /// stable hash of each path: n CI jobs with --shard 1/n .. n/n cover each exactly once.
    #[arg(long)]
    shard: Option<Shard>,
    /// Stop after this many rounds (with no --time: a campaign whose result depends only on
    /// its inputs and seed).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: Option<u32>,
    /// Seed of every slice (each slice derives its own from it).
    #[arg(long, env = "HAZARD_SEED", default_value_t = 0)]
    seed: u64,
    /// Executions per engine per scenario per round (DFS's doubles each round).
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u64).range(1..))]
    slice: u64,
    /// Steps per execution before it counts as a livelock [default: the scenario's
    /// `explore.max_steps`, else 20000].
    #[arg(long, env = "HAZARD_MAX_STEPS")]
    max_steps: Option<u64>,
    /// Accepted findings (`hazard/baseline/v1`): reported as known, not new. A missing file is
    /// an empty baseline.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Rewrite --baseline with every finding of this campaign's scenarios that is new or
    /// known now (entries of other scenarios are kept).
    #[arg(long, requires = "baseline")]
    update_baseline: bool,
    /// Regression corpus to check and classify against [default: reports/corpus, when it
    /// exists].
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Check no regression corpus.
    #[arg(long, conflicts_with = "corpus")]
    no_corpus: bool,
    /// Keep the campaign's state here: a campaign stopped at any moment (SIGKILL included)
    /// resumes where it stopped when run again with the same directory.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Directory for the outputs (summary.json, summary.md, junit.xml, results.sarif,
    /// index.html) and the reports (in `reports/`).
    #[arg(long, default_value = "reports/nightly")]
    out: PathBuf,
    /// Typed JSON lines on stdout (`{"type": "error" | "finding" | "scenario" | "summary"}`).
    #[arg(long)]
    json: bool,
    /// No progress display.
    #[arg(long)]
    quiet: bool,
    /// Seconds between progress lines when stderr is not a terminal.
    #[arg(long, default_value = "30", value_parser = super::seconds)]
    heartbeat: Duration,
    /// Also run the libFuzzer `schedule` target on every `passes` scenario for this share of
    /// the time (0 < SHARE <= 1; 1: libFuzzer only), after the rounds; its crashes are
    /// classified and reported like every finding. Its corpora are kept in --state (else in
    /// --out) and grow from one campaign to the next.
    #[arg(long, value_name = "SHARE", num_args = 0..=1, default_missing_value = "0.25",
          value_parser = share)]
    libfuzzer: Option<f64>,
    /// Sanitizer of libFuzzer's build (as `hazard fuzz --sanitizer`).
    #[arg(long, value_enum, default_value = "auto", requires = "libfuzzer")]
    sanitizer: super::fuzz::Sanitizer,
    /// The cargo-fuzz project [default: `fuzz/` in the current directory or a parent, else
    /// the one hazard was built from].
    #[arg(long, requires = "libfuzzer")]
    fuzz_dir: Option<PathBuf>,
    #[command(flatten)]
    min: MinArgs,
}

/// `--libfuzzer`'s share: a number in (0, 1].
fn share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        _ => Err(format!(
            "a share of the time in (0, 1], like 0.25; got {s:?}"
        )),
    }
}

/// `--time`: seconds (`90`, `1.5`) or a Go duration (`30m`, `1h30m`).
fn campaign_time(s: &str) -> Result<Duration, String> {
    if s.trim().parse::<f64>().is_ok() {
        return super::seconds(s);
    }
    let ns = harness::base::parse_duration(s.trim())?;
    if ns <= 0 {
        return Err(format!("must be above 0, got {s}"));
    }
    super::seconds(&format!("{}", ns as f64 / 1e9))
}

fn json_line(kind: &str, value: impl serde::Serialize) {
    let mut v = serde_json::to_value(value).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        let mut typed = serde_json::Map::new();
        typed.insert("type".into(), kind.into());
        typed.insert("format".into(), NIGHTLY_FORMAT.into());
        typed.extend(std::mem::take(o));
        v = serde_json::Value::Object(typed);
    }
    outln!("{}", serde_json::to_string(&v).unwrap_or_default());
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    // As `hazard run` lists them: a path that is missing is an invalid scenario, reported
    // with the others while the campaign goes on.
    let all = super::run::scenario_files(&a.paths)?;
    if all.is_empty() {
        anyhow::bail!("no scenario files in {:?}", a.paths);
    }
    let shown = |p: &PathBuf| p.display().to_string();
    let take = |p: &PathBuf| a.shard.is_none_or(|s| s.takes(&shown(p)));
    let scenario_files: Vec<PathBuf> = all.iter().filter(|p| take(p)).cloned().collect();
    let corpus_dir = match (&a.corpus, a.no_corpus) {
        (_, true) => None,
        (Some(d), false) => Some(d.clone()),
        (None, false) => Some(PathBuf::from("reports/corpus")).filter(|d| d.is_dir()),
    };
    let corpus = match &corpus_dir {
        Some(d) => harness::corpus::entries(d)
            .with_context(|| format!("--corpus {}", d.display()))?
            .into_iter()
            .filter(|p| take(p))
            .collect(),
        None => Vec::new(),
    };
    harness::report::check_out_dir(&a.out.join("reports"))
        .with_context(|| format!("--out {}", a.out.display()))?;
    let jobs = a
        .jobs
        .map(|j| j as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let libfuzzer = match a.libfuzzer {
        Some(share) => {
            let (_, binary, asan) =
                super::fuzz::schedule_binary(a.fuzz_dir.as_deref(), a.sanitizer)?;
            if !a.quiet && !a.json {
                errln!(
                    "hazard: libFuzzer gets {:.0}% of the campaign ({})",
                    share * 100.0,
                    if asan {
                        "AddressSanitizer"
                    } else {
                        "no sanitizer"
                    }
                );
            }
            let dir = a.state.as_ref().unwrap_or(&a.out).join("libfuzzer");
            Some(harness::campaign::LibFuzzer {
                binary: std::fs::canonicalize(&binary).unwrap_or(binary),
                share,
                dir,
            })
        }
        None => None,
    };
    let time = match (a.time, a.rounds) {
        (Some(t), _) => Some(t),
        (None, Some(_)) => None,
        (None, None) => Some(Duration::from_secs(600)),
    };
    let cfg = CampaignConfig {
        files: scenario_files,
        corpus,
        shard: a.shard,
        jobs,
        time,
        rounds: a.rounds,
        seed: a.seed,
        slice: a.slice,
        max_steps: a.max_steps,
        minimize: a.min.config(0),
        baseline: a.baseline.clone(),
        update_baseline: a.update_baseline,
        state: a.state.clone(),
        out: a.out.clone(),
        libfuzzer,
    };
    if cfg.files.is_empty() && cfg.corpus.is_empty() {
        errln!(
            "hazard nightly: shard {} of {} files holds none of them",
            a.shard.map(|s| s.to_string()).unwrap_or_default(),
            all.len()
        );
    }
    let display = Progress::start(
        !a.quiet && !a.json,
        a.heartbeat,
        State {
            total: cfg.files.len(),
            budget: time,
            ..Default::default()
        },
    );
    let json = a.json;
    let result = run_campaign(cfg, &mut |e| match e {
        Event::Invalid { file, error } => {
            if json {
                json_line("error", serde_json::json!({ "file": file, "error": error }));
            } else {
                display.say(&format!("hazard: {error}"));
            }
        }
        Event::Progress(p) => display.update(|s| {
            s.total = p.scenarios;
            s.done = p.settled;
            s.findings = p.findings;
            s.current = if p.libfuzzer {
                "libFuzzer".to_string()
            } else {
                format!("round {}", p.round + 1)
            };
        }),
        Event::Found {
            file,
            signature,
            engine,
            class,
        } => {
            if !json && class.fails() {
                display.say(&format!(
                    "found ({}): {} [{}] in {file} by {engine}; its report is written when exploration ends",
                    class.label(),
                    signature.message,
                    signature.id
                ));
            }
        }
        Event::Finding(f) => {
            if json {
                json_line("finding", f);
            } else if f.class.fails() || f.class == harness::campaign::Class::Flaky {
                display.say(&format!(
                    "{}: {} [{}] in {}{}",
                    f.class.label(),
                    f.signature.message,
                    f.signature.id,
                    f.file,
                    f.replay
                        .as_ref()
                        .map(|r| format!("\n  {r}"))
                        .unwrap_or_default()
                ));
            }
        }
        Event::Scenario(s) => {
            if json {
                json_line("scenario", s);
            }
        }
    });
    display.finish();
    let result = result?;
    let s = &result.summary;
    let t = &s.totals;
    if json {
        json_line(
            "summary",
            serde_json::json!({
                "totals": t,
                "stopped": s.stopped,
                "rounds": s.rounds,
                "elapsed_ms": s.elapsed_ms,
                "summary": result.outputs.summary_json,
            }),
        );
    } else {
        outln!(
            "{} scenarios ({} met, {} unmet, {} invalid, {} errors), {} executions, {} round(s), stopped: {}",
            t.scenarios, t.met, t.unmet, t.invalid, t.errors, t.executions, s.rounds, s.stopped
        );
        outln!(
            "findings: {} new, {} regressed, {} flaky, {} fixed, {} known; corpus: {} of {} entries failed",
            t.new, t.regressed, t.flaky, t.fixed, t.known, t.corpus_failed, t.corpus_entries
        );
        if let Some(l) = &s.libfuzzer {
            outln!("{}", harness::campaign::outputs::libfuzzer_line(l));
            for e in &l.errors {
                outln!("  libFuzzer on {}: {}", e.file, e.error);
            }
        }
        for f in s.findings.iter().filter(|f| f.class.fails()) {
            outln!(
                "  {} {} [{}] ({})",
                f.class.label(),
                f.signature.message,
                f.signature.id,
                f.file
            );
            if let Some(r) = &f.replay {
                outln!("    {r}");
            }
        }
        outln!(
            "outputs: {} (and summary.md, junit.xml, results.sarif, index.html)",
            result.outputs.summary_json.display()
        );
    }
    Ok(if s.interrupted {
        if let Some(dir) = &a.state {
            errln!(
                "hazard: interrupted; run the same command again to resume from {}",
                dir.display()
            );
        }
        super::INTERRUPTED
    } else if t.invalid + t.errors > 0 {
        super::INPUT
    } else if result.failing() {
        super::FINDING
    } else {
        super::OK
    })
}
