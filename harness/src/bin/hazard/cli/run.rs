//! `hazard run [PATH...]`: explore scenarios, write a report per finding, summarise.

use anyhow::Context;
use clap::ValueEnum;
use harness::explore::{explore, EngineKind, ExploreConfig, Finding};
use harness::minimize::{minimize, MinimizeConfig};
use harness::report::{
    build, build_minimized, fault_summary, render_table, write_fault_summary, write_report, Report,
    RunInfo,
};
use harness::scenario::{load_file, Expectation, FaultMode, Program};
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
    engine: Engine,
    /// Executions per scenario (split across a portfolio's engines) [default: the scenario's
    /// `explore.iterations`, else 10000].
    #[arg(long, env = "HAZARD_ITERATIONS")]
    iterations: Option<u64>,
    /// Wall-time budget per scenario, in seconds.
    #[arg(long, env = "HAZARD_TIME")]
    time: Option<f64>,
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
    faults: Option<Faults>,
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
    #[arg(long, env = "HAZARD_MIN_ITERATIONS", default_value_t = 100_000)]
    min_iterations: u64,
    /// Wall-time cap of minimization per finding, in seconds.
    #[arg(long, env = "HAZARD_MIN_TIME", default_value_t = 30.0)]
    min_time: f64,
    /// Minimize only the schedule, not the scenario.
    #[arg(long)]
    no_scenario_minimize: bool,
}

impl MinArgs {
    pub fn config(&self, max_steps: u64) -> anyhow::Result<Option<MinimizeConfig>> {
        if self.no_minimize {
            return Ok(None);
        }
        if !(self.min_time.is_finite() && self.min_time > 0.0) {
            anyhow::bail!(
                "--min-time must be a positive number of seconds, got {}",
                self.min_time
            );
        }
        Ok(Some(MinimizeConfig {
            iterations: self.min_iterations.max(1),
            time: Some(Duration::from_secs_f64(self.min_time)),
            max_steps,
            scenario: !self.no_scenario_minimize,
        }))
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Faults {
    Off,
    On,
    Explore,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Engine {
    Portfolio,
    Random,
    Pct,
    Dfs,
    Fuzz,
}

/// Expand directories into their `*.json` files (sorted); files stay as given.
fn scenario_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn config(a: &Args, prog: &Program) -> anyhow::Result<ExploreConfig> {
    let time = match a.time {
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(t) => anyhow::bail!("--time must be a positive number of seconds, got {t}"),
        None => None,
    };
    let engine = match a.engine {
        Engine::Portfolio => EngineKind::Portfolio,
        Engine::Random => EngineKind::Random,
        Engine::Pct => EngineKind::Pct,
        Engine::Dfs => EngineKind::Dfs,
        Engine::Fuzz => EngineKind::Fuzz,
    };
    let d = ExploreConfig::default();
    Ok(d.clone()
        .engine(engine)
        .iterations(
            a.iterations
                .or(prog.hints.iterations)
                .unwrap_or(d.iterations)
                .max(1),
        )
        .time(time)
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

struct Row {
    file: String,
    expect: String,
    result: String,
    met: bool,
    executions: u64,
    millis: u128,
    report: Option<PathBuf>,
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
                eprintln!(
                    "hazard: warning: {}: minimization failed ({e}); the report keeps the schedule as found",
                    file.display()
                );
                build(prog, finding, run)
            }
        },
    };
    if !report.replay_verified {
        eprintln!(
            "hazard: warning: {}: the finding {:?} did not replay identically (report kept, marked replay_verified: false)",
            file.display(),
            finding.signature.message
        );
    }
    report
}

/// The interleaving table, Go's message, who found it and the minimization line.
pub(crate) fn print_finding(report: &Report) {
    print!(
        "{}",
        render_table(
            &report.schedule.threads,
            &report.trace,
            Some(&report.failure.rendered)
        )
    );
    println!(
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
    if let (Some(found), Some(m)) = (&report.found, &report.minimized) {
        println!(
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
    let single = files.len() == 1;
    let mut rows = Vec::new();
    let mut input_errors = 0;
    for (i, file) in files.iter().enumerate() {
        if !single && !a.json {
            eprint!("[{}/{}] {} ... ", i + 1, files.len(), file.display());
        }
        let prog = match load_file(file) {
            Ok(p) => Arc::new(match a.faults {
                None => p,
                Some(Faults::Off) => p.with_fault_mode(FaultMode::Off),
                Some(Faults::On) => p.with_fault_mode(FaultMode::On),
                Some(Faults::Explore) => p.with_fault_mode(FaultMode::Explore),
            }),
            Err(e) => {
                if !single && !a.json {
                    eprintln!("invalid");
                }
                eprintln!("hazard: {e}");
                input_errors += 1;
                continue;
            }
        };
        let cfg = config(&a, &prog)?;
        let min_cfg = a.min.config(cfg.max_steps)?;
        let x = explore(&prog, &cfg)?;
        if !single && !a.json {
            eprintln!(
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
        let met = match &prog.expect {
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
                    println!("== {} ({})", prog.name, file.display());
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
                    println!("Reproduce with: hazard replay {}", shell_path(path));
                }
            }
            if !met {
                match &prog.expect {
                    Expectation::Fails(want) => println!(
                        "{}: expected failure not found ({want:?}); {}",
                        file.display(),
                        x.budget_note().unwrap_or_else(|| {
                            "every schedule within the bound was explored".into()
                        })
                    ),
                    Expectation::Passes => {
                        println!("{}: expected to pass, but failed", file.display())
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
                println!(
                    "== {} ({}): faults ({})",
                    prog.name,
                    file.display(),
                    s.faults.mode
                );
                for r in &s.faults.rules {
                    println!(
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
                "executions": x.executions(), "distinct_schedules": x.distinct_schedules(),
                "elapsed_ms": x.elapsed.as_millis() as u64, "dfs_exhausted": x.exhausted(),
                "findings": findings, "budget_note": if met { None } else { x.budget_note() },
                "faults": summary.as_ref().map(|s| &s.faults),
            });
            println!("{line}");
        }
        rows.push(Row {
            file: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            expect,
            result,
            met,
            executions: x.executions(),
            millis: x.elapsed.as_millis(),
            report: primary,
        });
    }

    let unmet = rows.iter().filter(|r| !r.met).count();
    if a.json {
        let line = serde_json::json!({"summary": {
            "scenarios": rows.len(), "met": rows.len() - unmet, "unmet": unmet, "input_errors": input_errors,
        }});
        println!("{line}");
    } else {
        println!();
        println!(
            "{:<40} {:<30} {:<24} {:>8} {:>8}  status",
            "scenario", "expect", "result", "execs", "time"
        );
        for r in &rows {
            println!(
                "{:<40} {:<30} {:<24} {:>8} {:>6}ms  {}{}",
                r.file,
                r.expect,
                r.result,
                r.executions,
                r.millis,
                if r.met { "ok" } else { "UNMET" },
                r.report
                    .as_ref()
                    .map(|p| format!("  {}", p.display()))
                    .unwrap_or_default()
            );
        }
        println!(
            "\n{} scenarios: {} met, {} unmet{}",
            rows.len(),
            rows.len() - unmet,
            unmet,
            if input_errors > 0 {
                format!(", {input_errors} invalid")
            } else {
                String::new()
            }
        );
    }
    Ok(if input_errors > 0 {
        super::INPUT
    } else if unmet > 0 {
        super::FINDING
    } else {
        super::OK
    })
}
