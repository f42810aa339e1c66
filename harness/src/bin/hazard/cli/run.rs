//! `hazard run [PATH...]`: explore scenarios, write a report per finding, summarise.

use anyhow::Context;
use harness::explore::{EngineKind, ExploreConfig};
use harness::minimize::MinimizeConfig;
use harness::model::Detects;
use harness::pipeline::{explore_scenario, report_exploration, Warning};
use harness::report::{check_out_dir, render_table, Report, RunStatus, ScenarioLine, Totals};
use harness::scenario::{load_file, ClockMode, Expectation, FaultMode, Program, RaceMode};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files or directories of them.
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Exploration engine.
    #[arg(long, value_enum, env = "HAZARD_ENGINE", default_value = "portfolio")]
    engine: EngineKind,
    /// Executions per scenario (split across a portfolio's engines) [default: the scenario's
    /// `explore.iterations`, else 10000].
    #[arg(long, env = "HAZARD_ITERATIONS", value_parser = clap::value_parser!(u64).range(1..))]
    iterations: Option<u64>,
    /// Wall-time budget per scenario, in seconds.
    #[arg(long, env = "HAZARD_TIME", value_parser = super::seconds)]
    time: Option<Duration>,
    /// Seed of the random, pct and fuzz engines.
    #[arg(long, env = "HAZARD_SEED", default_value_t = 0)]
    seed: u64,
    /// PCT bug depth.
    #[arg(long, env = "HAZARD_PCT_DEPTH", default_value_t = 3)]
    pct_depth: usize,
    /// DFS preemption bound.
    #[arg(long, env = "HAZARD_PREEMPTION_BOUND", default_value_t = 2)]
    preemption_bound: usize,
    /// Steps per execution before it counts as a livelock [default: the scenario's
    /// `explore.max_steps`, else 20000].
    #[arg(long, env = "HAZARD_MAX_STEPS")]
    max_steps: Option<u64>,
    /// How the scenarios' fault rules are used: `off`, `on` (each rule fires where it matches,
    /// or with its probability `p`), or `explore` (the engines choose whether and where each
    /// fires) [default: the scenario's `explore.faults`, else on].
    #[arg(long, value_enum, env = "HAZARD_FAULTS")]
    faults: Option<FaultMode>,
    /// How virtual time passes: `go` (Go's own time: it advances only when every goroutine is
    /// blocked or asleep) or `adversarial` (an overloaded machine: a pending timer may fire
    /// while goroutines could still run) [default: the scenario's `explore.clock`, else go].
    #[arg(long, value_enum, env = "HAZARD_CLOCK")]
    clock: Option<ClockMode>,
    /// Data-race detection on shared variables and struct fields: `on` or `off` (faster; the
    /// accesses stay scheduling points) [default: the scenario's `explore.races`, else on].
    #[arg(long, value_enum, env = "HAZARD_RACES")]
    races: Option<RaceMode>,
    /// Directory for reports.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// One JSON object per scenario, then a summary object.
    #[arg(long)]
    json: bool,
    /// No interleaving tables, only the summary.
    #[arg(long)]
    quiet: bool,
    /// Seconds between progress lines on stderr when it is not a terminal (in a terminal: a
    /// live bar).
    #[arg(long, default_value = "30", value_parser = super::seconds)]
    heartbeat: Duration,
    #[command(flatten)]
    min: MinArgs,
}

/// Minimization budget flags (shared with `hazard minimize`).
#[derive(clap::Args, Debug, Clone)]
pub struct MinArgs {
    /// Write findings as found, without minimizing them.
    #[arg(long)]
    no_minimize: bool,
    /// Executions minimization may run per finding.
    #[arg(long, env = "HAZARD_MIN_ITERATIONS", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    min_iterations: u64,
    /// Wall-time cap of minimization per finding, in seconds.
    #[arg(long, env = "HAZARD_MIN_TIME", default_value = "30", value_parser = super::seconds)]
    min_time: Duration,
    /// Minimize only the schedule, not the scenario.
    #[arg(long)]
    no_scenario_minimize: bool,
}

impl MinArgs {
    pub fn config(&self, max_steps: u64) -> Option<MinimizeConfig> {
        (!self.no_minimize).then_some(MinimizeConfig {
            iterations: self.min_iterations,
            time: Some(self.min_time),
            max_steps,
            scenario: !self.no_scenario_minimize,
        })
    }
}

/// Expand directories into their `*.json` files (sorted); files stay as given.
pub(crate) fn scenario_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(
                harness::base::files_in(p, "json")
                    .with_context(|| format!("reading {}", p.display()))?,
            );
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn config(a: &Args, prog: &Program) -> anyhow::Result<ExploreConfig> {
    let engine = a.engine;
    let d = ExploreConfig::default();
    Ok(d.clone()
        .engine(engine)
        .iterations(
            a.iterations
                .or(prog.hints.iterations)
                .unwrap_or(d.iterations),
        )
        .time(a.time)
        .seed(a.seed)
        .pct_depth(a.pct_depth.max(1))
        .preemption_bound(a.preemption_bound)
        .max_steps(
            a.max_steps
                .or(prog.hints.max_steps)
                .unwrap_or(d.max_steps)
                .max(10),
        ))
}

/// Print the warnings of a finding's report, naming the scenario file.
pub(crate) fn warn(file: &str, warnings: &[Warning]) {
    for w in warnings {
        errln!("hazard: warning: {file}: {w}");
    }
}

/// The interleaving table, Go's message, who found it and the minimization line.
pub(crate) fn print_finding(report: &Report) {
    out!(
        "{}",
        render_table(
            &report.schedule.threads,
            &report.trace,
            Some(&report.failure.rendered)
        )
    );
    outln!(
        "\n{} [{}], found by {} after {} execution{}; Go's runtime {} this interleaving.",
        report.failure.signature.message,
        report.failure.signature.id,
        report.exploration.found_by,
        report.exploration.executions,
        if report.exploration.executions == 1 {
            ""
        } else {
            "s"
        },
        if report.failure.go_detects {
            "reports"
        } else {
            "stays silent on"
        },
    );
    if let Some(t) = &report.failure.go_tools {
        let word = |d: Detects| match d {
            Detects::Yes => "yes",
            Detects::No => "no",
            Detects::Depends => "depends",
        };
        outln!(
            "Go tools: runtime {}, -race {}, goroutineleak profile {}, go vet {} (the report says why).",
            word(t.runtime.detects),
            word(t.race.detects),
            word(t.leak_profile.detects),
            word(t.vet.detects)
        );
    }
    if report.exploration.clock == ClockMode::Adversarial {
        outln!(
            "Found under the adversarial clock (timers may fire while goroutines could still run, as on an overloaded machine); run with --clock go to see whether Go's own time shows it."
        );
    }
    if let (Some(found), Some(m)) = (&report.found, &report.minimized) {
        outln!(
            "Minimized: {} -> {} preemptions, {} -> {} decisions in this scenario; {} preemptions ({}) and {} steps with {} part(s) of the scenario removed.",
            found.preemptions,
            report.schedule.preemptions,
            found.length,
            report.schedule.length,
            m.minimality.preemptions,
            m.minimality.status,
            m.steps,
            m.removed.len(),
        );
    }
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let files = scenario_files(&a.paths)?;
    if files.is_empty() {
        anyhow::bail!("no scenario files in {:?}", a.paths);
    }
    // An unusable --out is found before anything is explored, not after the first finding.
    check_out_dir(&a.out).with_context(|| format!("--out {}", a.out.display()))?;
    let single = files.len() == 1;
    let progress = crate::progress::Progress::start(
        !a.json,
        a.heartbeat,
        crate::progress::State {
            total: files.len(),
            budget: a.time.map(|t| t * files.len() as u32),
            ..Default::default()
        },
    );
    // With a live bar, the bar names the file being explored; otherwise a line per file.
    let per_file = !single && !a.json && !progress.live();
    let mut lines = Vec::new();
    for (i, file) in files.iter().enumerate() {
        if harness::explore::interrupted() {
            break;
        }
        progress.update(|s| {
            s.done = i;
            s.current = file.display().to_string();
        });
        if per_file {
            err!("[{}/{}] {} ... ", i + 1, files.len(), file.display());
        }
        let shown = file.display().to_string();
        let line = match load_file(file) {
            Ok(p) => {
                let p = match a.faults {
                    None => p,
                    Some(mode) => p.with_fault_mode(mode),
                };
                let p = match a.clock {
                    None => p,
                    Some(clock) => p.with_clock(clock),
                };
                let prog = Arc::new(match a.races {
                    None => p,
                    Some(mode) => p.with_races(mode),
                });
                // One scenario's trouble (an internal error, a report that cannot be written)
                // is its own line: every other file still runs and the summary is written.
                run_one(&a, &shown, &prog, single, per_file).unwrap_or_else(|e| {
                    let msg = format!("{e:#}");
                    if per_file {
                        errln!("error");
                    }
                    errln!("hazard: error: {shown}: {msg}");
                    ScenarioLine::broken(&prog.name, &shown, RunStatus::Error, msg)
                })
            }
            Err(e) => {
                if per_file {
                    errln!("invalid");
                }
                progress.say(&format!("hazard: {e}"));
                ScenarioLine::broken("", &shown, RunStatus::Invalid, e.to_string())
            }
        };
        if a.json {
            for f in line.finding_lines() {
                outln!("{}", serde_json::to_string(&f)?);
            }
            outln!("{}", serde_json::to_string(&line)?);
        }
        progress.update(|s| {
            s.done = i + 1;
            s.findings += line.findings.len();
        });
        lines.push(line);
    }
    progress.finish();
    let code = summarize(&a, &lines)?;
    if harness::explore::interrupted() {
        errln!(
            "hazard: interrupted: {} of {} scenario files ran (the summary covers them)",
            lines.len(),
            files.len()
        );
        return Ok(super::INTERRUPTED);
    }
    Ok(code)
}

/// Explore one loaded scenario, write its reports, print its finding; its summary line.
fn run_one(
    a: &Args,
    file: &str,
    prog: &Arc<Program>,
    single: bool,
    per_file: bool,
) -> anyhow::Result<ScenarioLine> {
    let cfg = config(a, prog)?;
    let min_cfg = a.min.config(cfg.max_steps);
    let x = explore_scenario(prog, &cfg)?;
    if per_file {
        errln!(
            "{} executions, {} ms",
            x.executions(),
            x.elapsed.as_millis()
        );
    }
    let r = report_exploration(prog, file, &cfg, x, min_cfg.as_ref(), &a.out)?;
    for rep in &r.reported {
        warn(file, &rep.warnings);
    }
    let met = r.line.met;
    if !a.json {
        if let Some(p) = r.primary {
            if !a.quiet && (single || !met) {
                outln!("== {} ({file})", prog.name);
                print_finding(&r.reported[p].report);
            }
        }
        for (i, rep) in r.reported.iter().enumerate() {
            if single || !met || Some(i) == r.primary {
                outln!("Reproduce with: hazard replay {}", rep.path.display());
            }
        }
        if r.exploration.executions() == 0 {
            outln!("{file}: the budget allowed no execution; raise --time or --iterations");
        } else if !met {
            match &prog.expect {
                Expectation::Fails(want) => outln!(
                    "{file}: expected failure not found ({want:?}); {}",
                    r.exploration.budget_note().unwrap_or_else(|| {
                        "every schedule within the bound was explored".into()
                    })
                ),
                Expectation::Passes => outln!("{file}: expected to pass, but failed"),
            }
        }
    }
    // A run with fault rules that found nothing still reports what each rule did.
    if let Some((s, _)) = &r.fault_summary {
        if !a.json && !a.quiet && single {
            outln!("== {} ({file}): faults ({})", prog.name, s.faults.mode);
            for rule in &s.faults.rules {
                outln!(
                    "  {} {}: injected in {} of {} executions ({} injections{}), expectations {}",
                    rule.path,
                    rule.fault,
                    rule.executions,
                    s.executions,
                    rule.injections,
                    if rule.ended_by_fault > 0 {
                        format!(", {} ended by the injected panic", rule.ended_by_fault)
                    } else {
                        String::new()
                    },
                    if rule.held { "held" } else { "broken" }
                );
            }
        }
    }
    Ok(r.line)
}

/// The summary table (or JSON line) of every scenario's line; the exit code.
fn summarize(a: &Args, lines: &[ScenarioLine]) -> anyhow::Result<u8> {
    let t = Totals::of(lines);
    if a.json {
        outln!("{}", serde_json::to_string(&t.clone().line())?);
    } else {
        outln!();
        outln!(
            "{:<40} {:<30} {:<24} {:>8} {:>8}  status",
            "scenario",
            "expect",
            "result",
            "execs",
            "time"
        );
        for l in lines {
            let name = Path::new(&l.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            outln!(
                "{:<40} {:<30} {:<24} {:>8} {:>6}ms  {}{}",
                name,
                l.expect,
                l.result,
                l.executions,
                l.elapsed_ms,
                l.status.label(),
                l.report
                    .as_ref()
                    .map(|p| format!("  {p}"))
                    .or_else(|| l.error.as_ref().map(|e| format!("  {}", one_line(e))))
                    .unwrap_or_default()
            );
        }
        let mut tail = String::new();
        if t.input_errors > 0 {
            tail += &format!(", {} invalid", t.input_errors);
        }
        if t.errors > 0 {
            tail += &format!(", {} errors", t.errors);
        }
        if t.interrupted > 0 {
            tail += &format!(", {} interrupted", t.interrupted);
        }
        outln!(
            "\n{} scenarios: {} met, {} unmet{tail}",
            t.scenarios,
            t.met,
            t.unmet
        );
    }
    Ok(if t.input_errors + t.errors + t.interrupted > 0 {
        super::INPUT
    } else if t.unmet > 0 {
        super::FINDING
    } else {
        super::OK
    })
}

/// The first line of a message, for a table cell.
fn one_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
