//! `hazard run [PATH...]`: explore scenarios, write a report per finding, summarise.

use anyhow::Context;
use harness::explore::{explore, EngineKind, ExploreConfig, Finding};
use harness::minimize::{minimize, MinimizeConfig};
use harness::model::Detects;
use harness::report::{
    build, build_minimized, check_out_dir, fault_summary, render_table, write_fault_summary,
    write_report, Report, RunInfo,
};
use harness::scenario::{load_file, ClockMode, Expectation, FaultMode, Program};
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
    /// Directory for reports.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// One JSON object per scenario, then a summary object.
    #[arg(long)]
    json: bool,
    /// No interleaving tables, only the summary.
    #[arg(long)]
    quiet: bool,
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
fn scenario_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Met,
    Unmet,
    /// The file did not load (an input error, reported with its place).
    Invalid,
    /// The run hit an internal error or could not write its output.
    Error,
    /// Ctrl-C or SIGTERM stopped its exploration before it settled.
    Interrupted,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Met => "ok",
            Status::Unmet => "UNMET",
            Status::Invalid => "INVALID",
            Status::Error => "ERROR",
            Status::Interrupted => "STOPPED",
        }
    }
}

struct Row {
    file: String,
    expect: String,
    result: String,
    status: Status,
    executions: u64,
    millis: u128,
    report: Option<PathBuf>,
    error: Option<String>,
}

impl Row {
    /// The row of a file that did not run to its verdict.
    fn broken(file: String, status: Status, error: String) -> Row {
        Row {
            file,
            expect: String::new(),
            result: match status {
                Status::Invalid => "invalid".into(),
                _ => "error".into(),
            },
            status,
            executions: 0,
            millis: 0,
            report: None,
            error: Some(error),
        }
    }
}

/// The report of one finding, minimized unless `min_cfg` is `None` (a minimization error is
/// a warning: the report keeps the schedule as found). Warns when it did not replay.
pub(crate) fn finding_report(
    prog: &Arc<Program>,
    finding: &Finding,
    run: &RunInfo<'_>,
    min_cfg: Option<&MinimizeConfig>,
    file: &Path,
) -> Report {
    let report = match min_cfg {
        None => build(prog, finding, run),
        Some(mc) => match minimize(prog, &finding.signature, &finding.schedule, mc) {
            Ok(m) => build_minimized(prog, finding, run, &m),
            Err(e) => {
                errln!(
                    "hazard: warning: {}: minimization failed ({e}); the report keeps the schedule as found",
                    file.display()
                );
                build(prog, finding, run)
            }
        },
    };
    if !report.replay_verified {
        errln!(
            "hazard: warning: {}: the finding {:?} did not replay identically (report kept, marked replay_verified: false)",
            file.display(),
            finding.signature.message
        );
    }
    report
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
        "\n{} [{}], found by {} after {} executions; Go {} this interleaving.",
        report.failure.signature.message,
        report.failure.signature.id,
        report.exploration.found_by,
        report.exploration.executions,
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

fn shell_path(p: &Path) -> String {
    p.display().to_string()
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let files = scenario_files(&a.paths)?;
    if files.is_empty() {
        anyhow::bail!("no scenario files in {:?}", a.paths);
    }
    // An unusable --out is found before anything is explored, not after the first finding.
    check_out_dir(&a.out).with_context(|| format!("--out {}", a.out.display()))?;
    let single = files.len() == 1;
    let mut rows = Vec::new();
    for (i, file) in files.iter().enumerate() {
        if harness::explore::interrupted() {
            break;
        }
        if !single && !a.json {
            err!("[{}/{}] {} ... ", i + 1, files.len(), file.display());
        }
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prog = match load_file(file) {
            Ok(p) => {
                let p = match a.faults {
                    None => p,
                    Some(mode) => p.with_fault_mode(mode),
                };
                Arc::new(match a.clock {
                    None => p,
                    Some(clock) => p.with_clock(clock),
                })
            }
            Err(e) => {
                if !single && !a.json {
                    errln!("invalid");
                }
                errln!("hazard: {e}");
                rows.push(Row::broken(name, Status::Invalid, e.to_string()));
                continue;
            }
        };
        // One scenario's trouble (an internal error, a report that cannot be written) is its
        // own row: every other file still runs and the summary is still written.
        match run_one(&a, file, &prog, single) {
            Ok(row) => rows.push(row),
            Err(e) => {
                let msg = format!("{e:#}");
                if !single && !a.json {
                    errln!("error");
                }
                errln!("hazard: error: {}: {msg}", file.display());
                if a.json {
                    outln!(
                        "{}",
                        serde_json::json!({
                            "scenario": prog.name, "file": shell_path(file), "status": "error",
                            "met": false, "error": msg,
                        })
                    );
                }
                rows.push(Row::broken(name, Status::Error, msg));
            }
        }
    }
    let code = summarize(&a, &rows);
    if harness::explore::interrupted() {
        errln!(
            "hazard: interrupted: {} of {} scenario files ran (the summary covers them)",
            rows.len(),
            files.len()
        );
        return Ok(super::INTERRUPTED);
    }
    Ok(code)
}

/// Explore one loaded scenario, write its reports, print its finding; its summary row.
fn run_one(a: &Args, file: &Path, prog: &Arc<Program>, single: bool) -> anyhow::Result<Row> {
    let prog = Arc::clone(prog);
    let cfg = config(a, &prog)?;
    let min_cfg = a.min.config(cfg.max_steps);
    let x = explore(&prog, &cfg)?;
    if let Some(limit) = &x.limit {
        anyhow::bail!("{limit}");
    }
    if !single && !a.json {
        errln!(
            "{} executions, {} ms",
            x.executions(),
            x.elapsed.as_millis()
        );
    }
    let run = RunInfo {
        config: &cfg,
        exploration: &x,
    };
    let matching = x.matching(&prog).map(|f| f.signature.clone());
    // An exploration that ran nothing shows nothing: it meets no expectation.
    let explored = x.executions() > 0;
    let stopped = x
        .engines
        .iter()
        .any(|e| e.stopped == harness::explore::StopReason::Interrupted);
    let met = explored
        && match &prog.expect {
            Expectation::Passes => x.findings.is_empty(),
            Expectation::Fails(_) => matching.is_some(),
        };
    let mut written = Vec::new();
    let mut primary = None;
    for finding in &x.findings {
        let report = finding_report(&prog, finding, &run, min_cfg.as_ref(), file);
        let path = write_report(&a.out, &report)?;
        let is_primary = matching.as_ref().is_none_or(|m| *m == finding.signature);
        if is_primary && primary.is_none() {
            primary = Some(path.clone());
            if !a.json && !a.quiet && (single || !met) {
                outln!("== {} ({})", prog.name, file.display());
                print_finding(&report);
            }
        }
        let min = report.minimized.as_ref().map(|m| {
            serde_json::json!({
                "preemptions": m.minimality.preemptions, "status": m.minimality.status,
                "steps": m.steps, "removed": m.removed.len(),
            })
        });
        written.push((finding, path, report.replay_verified, min));
    }
    if !a.json {
        for (_, path, _, _) in &written {
            if single || !met || Some(path) == primary.as_ref() {
                outln!("Reproduce with: hazard replay {}", shell_path(path));
            }
        }
        if !explored {
            outln!(
                "{}: the budget allowed no execution; raise --time or --iterations",
                file.display()
            );
        } else if !met {
            match &prog.expect {
                Expectation::Fails(want) => outln!(
                    "{}: expected failure not found ({want:?}); {}",
                    file.display(),
                    x.budget_note().unwrap_or_else(|| {
                        "every schedule within the bound was explored".into()
                    })
                ),
                Expectation::Passes => {
                    outln!("{}: expected to pass, but failed", file.display())
                }
            }
        }
    }
    // A run with fault rules that found nothing still reports what each rule did.
    let summary = if x.findings.is_empty() {
        fault_summary(&prog, &cfg, &x)
    } else {
        None
    };
    if let Some(s) = &summary {
        let path = write_fault_summary(&a.out, s)?;
        if !a.json && !a.quiet && single {
            outln!(
                "== {} ({}): faults ({})",
                prog.name,
                file.display(),
                s.faults.mode
            );
            for r in &s.faults.rules {
                outln!(
                    "  {} {}: injected in {} of {} executions ({} injections{}), expectations {}",
                    r.path,
                    r.fault,
                    r.executions,
                    s.executions,
                    r.injections,
                    if r.ended_by_fault > 0 {
                        format!(", {} ended by the injected panic", r.ended_by_fault)
                    } else {
                        String::new()
                    },
                    if r.held { "held" } else { "broken" }
                );
            }
        }
        primary.get_or_insert(path);
    }
    let expect = match &prog.expect {
        Expectation::Passes => "passes".to_string(),
        Expectation::Fails(w) => format!("fails {}", w.id.clone().unwrap_or_default()),
    };
    let result = match (&prog.expect, x.findings.first()) {
        (Expectation::Fails(_), _) if matching.is_some() => "found".to_string(),
        (_, Some(f)) => format!("failed: {}", f.signature.id),
        (_, None) if stopped => "interrupted".to_string(),
        (_, None) if !explored => "nothing explored".to_string(),
        (_, None) if x.exhausted() => "passed (dfs exhausted)".to_string(),
        (_, None) => "passed".to_string(),
    };
    if a.json {
        let findings: Vec<_> = written
            .iter()
            .map(|(f, p, v, m)| {
                serde_json::json!({
                    "signature": f.signature, "report": shell_path(p), "replay_verified": v,
                    "engine": f.engine, "execution": f.execution, "minimized": m,
                })
            })
            .collect();
        let line = serde_json::json!({
            "scenario": prog.name, "file": shell_path(file), "expect": expect, "met": met,
            "status": match (met, stopped) {
                (true, _) => "met",
                (false, true) => "interrupted",
                (false, false) => "unmet",
            },
            "executions": x.executions(), "distinct_schedules": x.distinct_schedules(),
            "elapsed_ms": x.elapsed.as_millis() as u64, "dfs_exhausted": x.exhausted(),
            "findings": findings, "budget_note": if met { None } else { x.budget_note() },
            "faults": summary.as_ref().map(|s| &s.faults),
        });
        outln!("{line}");
    }
    Ok(Row {
        file: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        expect,
        result,
        executions: x.executions(),
        millis: x.elapsed.as_millis(),
        report: primary,
        status: match (met, stopped) {
            (true, _) => Status::Met,
            (false, true) => Status::Interrupted,
            (false, false) => Status::Unmet,
        },
        error: None,
    })
}

/// The summary table (or JSON line) of every row; the exit code.
fn summarize(a: &Args, rows: &[Row]) -> u8 {
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let (met, unmet, invalid, errors, stopped) = (
        count(Status::Met),
        count(Status::Unmet),
        count(Status::Invalid),
        count(Status::Error),
        count(Status::Interrupted),
    );
    if a.json {
        let line = serde_json::json!({"summary": {
            "scenarios": rows.len(), "met": met, "unmet": unmet, "input_errors": invalid,
            "errors": errors, "interrupted": stopped,
        }});
        outln!("{line}");
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
        for r in rows {
            outln!(
                "{:<40} {:<30} {:<24} {:>8} {:>6}ms  {}{}",
                r.file,
                r.expect,
                r.result,
                r.executions,
                r.millis,
                r.status.label(),
                r.report
                    .as_ref()
                    .map(|p| format!("  {}", p.display()))
                    .or_else(|| r.error.as_ref().map(|e| format!("  {}", one_line(e))))
                    .unwrap_or_default()
            );
        }
        let mut tail = String::new();
        if invalid > 0 {
            tail += &format!(", {invalid} invalid");
        }
        if errors > 0 {
            tail += &format!(", {errors} errors");
        }
        if stopped > 0 {
            tail += &format!(", {stopped} interrupted");
        }
        outln!("\n{} scenarios: {met} met, {unmet} unmet{tail}", rows.len());
    }
    if invalid + errors + stopped > 0 {
        super::INPUT
    } else if unmet > 0 {
        super::FINDING
    } else {
        super::OK
    }
}

/// The first line of a message, for a table cell.
fn one_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
