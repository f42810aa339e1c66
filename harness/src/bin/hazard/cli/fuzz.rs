//! `hazard fuzz SCENARIO`: run the real libFuzzer `schedule` target on one scenario for a
//! bounded time and turn its crash into a minimized, replay-verified report.
//! `hazard fuzz import CRASH`: the same for a crash file libFuzzer wrote elsewhere (a nightly
//! ClusterFuzzLite run, `make fuzz`).

use super::run::{print_finding, warn, MinArgs};
use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use harness::campaign::libfuzzer::{crash_file, executed_units};
use harness::explore::{EngineStats, Exploration, ExploreConfig, StopReason};
use harness::pipeline::write_finding;
use harness::report::RunInfo;
use harness::scenario::{load_file, Expectation};
use harness::targets::{
    reproduce_ops, reproduce_schedule, Goal, Reproduced, ScheduleTarget, Source, MAX_STEPS,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    import: Option<Sub>,
    /// The scenario file to fuzz.
    #[arg(required = true)]
    scenario: Option<PathBuf>,
    /// How long libFuzzer runs, in seconds.
    #[arg(long, default_value_t = 60)]
    time: u64,
    /// libFuzzer's seed (default: libFuzzer picks one and prints it).
    #[arg(long)]
    seed: Option<u64>,
    /// Sanitizer of the build: `auto` is AddressSanitizer when a nightly toolchain and cargo-fuzz
    /// are installed, otherwise none (stable Rust).
    #[arg(long, value_enum, default_value = "auto")]
    sanitizer: Sanitizer,
    /// The cargo-fuzz project (default: `fuzz/` in the current directory or a parent, else the
    /// one hazard was built from).
    #[arg(long)]
    fuzz_dir: Option<PathBuf>,
    /// Directory for reports.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    #[command(flatten)]
    min: MinArgs,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Turn a libFuzzer crash file into a minimized, replay-verified report.
    Import(ImportArgs),
}

#[derive(clap::Args, Debug)]
struct ImportArgs {
    /// The crash file (e.g. fuzz/artifacts/schedule/crash-...).
    crash: PathBuf,
    /// The scenario the crash was fuzzed with (`HAZARD_SCENARIO`); without it the first byte
    /// picks a shipped scenario, as in the nightly runs.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// The target that wrote the crash [default: the crash file's directory name if it names
    /// one, else schedule].
    #[arg(long, value_enum)]
    target: Option<Target>,
    /// Directory for reports.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    #[command(flatten)]
    min: MinArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Schedule,
    Ops,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sanitizer {
    Auto,
    None,
    Address,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    if let Some(Sub::Import(i)) = a.import {
        return import(i);
    }
    let file = a.scenario.clone().context("a scenario file is required")?;
    fuzz(&a, &file)
}

/// What a crash file is, and the report it becomes. Returns the exit code.
fn import(a: ImportArgs) -> anyhow::Result<u8> {
    let data = std::fs::read(&a.crash)
        .with_context(|| format!("cannot read crash file {}", a.crash.display()))?;
    let target = a.target.unwrap_or_else(|| {
        let dir = a.crash.parent().and_then(|p| p.file_name());
        match dir.and_then(|d| d.to_str()) {
            Some("ops") => Target::Ops,
            _ => Target::Schedule,
        }
    });
    let repro = match target {
        Target::Ops => reproduce_ops(&data),
        Target::Schedule => {
            let source = match &a.scenario {
                Some(f) => Source::One(Arc::new(load_file(f)?)),
                None => Source::Shipped,
            };
            let t = ScheduleTarget {
                source,
                goal: Goal::Violation,
            };
            reproduce_schedule(&t, &data)
        }
    }
    .with_context(|| format!("{}", a.crash.display()))?;
    write(&repro, &a.out, &a.min, &a.crash, 1, Duration::ZERO)
}

/// Minimize, verify and write the report of a reproduced crash; print it like `hazard run`.
fn write(
    r: &Reproduced,
    out: &Path,
    min: &MinArgs,
    origin: &Path,
    executions: u64,
    elapsed: Duration,
) -> anyhow::Result<u8> {
    let max_steps = r.prog.hints.max_steps.unwrap_or(MAX_STEPS);
    let cfg = ExploreConfig::default().max_steps(max_steps);
    let x = Exploration {
        engines: vec![EngineStats {
            engine: "libfuzzer",
            executions,
            distinct_schedules: 1,
            stopped: StopReason::Found,
        }],
        findings: vec![r.finding.clone()],
        elapsed,
        faults: Vec::new(),
        limit: None,
    };
    let run = RunInfo {
        config: &cfg,
        exploration: &x,
    };
    let min_cfg = min.config(max_steps);
    let written = write_finding(&r.prog, &r.finding, &run, min_cfg.as_ref(), out)?;
    warn(&origin.display().to_string(), &written.warnings);
    let (report, path) = (&written.report, &written.path);
    outln!("== {} ({})", r.prog.name, origin.display());
    print_finding(report);
    outln!("Reproduce with: hazard replay {}", path.display());
    if !report.replay_verified {
        bail!(
            "the imported failure did not replay identically; report kept at {}",
            path.display()
        );
    }
    Ok(if r.expected {
        super::OK
    } else {
        super::FINDING
    })
}

/// The cargo-fuzz project directory.
fn fuzz_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(d) = given {
        if d.join("Cargo.toml").is_file() {
            return Ok(d.to_path_buf());
        }
        bail!(
            "{} is not a cargo-fuzz project (no Cargo.toml)",
            d.display()
        );
    }
    let cwd = std::env::current_dir()?;
    for dir in cwd.ancestors() {
        let d = dir.join("fuzz");
        if d.join("fuzz_targets").is_dir() && d.join("Cargo.toml").is_file() {
            return Ok(d);
        }
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    if built.join("Cargo.toml").is_file() {
        return Ok(built);
    }
    bail!("no fuzz/ project found from the current directory; pass --fuzz-dir")
}

fn works(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The libFuzzer `schedule` target, built: with cargo-fuzz when it is installed (nightly and
/// AddressSanitizer under `auto` when a nightly toolchain is there too), else with
/// scripts/fuzz-build (stable, the same flags as `cargo fuzz build -s none`). Returns the
/// project root, the binary, and whether it has AddressSanitizer.
pub fn schedule_binary(
    fuzz_dir_arg: Option<&Path>,
    sanitizer: Sanitizer,
) -> anyhow::Result<(PathBuf, PathBuf, bool)> {
    let fdir = fuzz_dir(fuzz_dir_arg)?;
    let root = fdir
        .parent()
        .context("the fuzz directory has no parent")?
        .to_path_buf();
    let cargo_fuzz = works(Command::new("cargo").args(["fuzz", "--version"]));
    let nightly = works(Command::new("cargo").args(["+nightly", "--version"]));
    let asan = match sanitizer {
        Sanitizer::Auto => cargo_fuzz && nightly,
        Sanitizer::Address => {
            if !(cargo_fuzz && nightly) {
                bail!("--sanitizer address needs cargo-fuzz and a nightly toolchain (`cargo install cargo-fuzz`, `rustup toolchain install nightly`)");
            }
            true
        }
        Sanitizer::None => false,
    };
    let status = if cargo_fuzz {
        let mut c = Command::new("cargo");
        if asan {
            c.arg("+nightly");
        }
        // No compare tracing, as scripts/fuzz-build (which says why): with `-s none` this is
        // the build it makes.
        c.args(["fuzz", "build", "--fuzz-dir"])
            .arg(&fdir)
            .args(["-s", if asan { "address" } else { "none" }])
            .args(["--no-trace-compares", "schedule"])
            .current_dir(&root)
            .stdout(std::process::Stdio::null())
            .status()
            .context("cannot run cargo fuzz build")?
    } else {
        errln!("hazard: cargo-fuzz is not installed; building with scripts/fuzz-build (stable, no sanitizer)");
        Command::new(root.join("scripts/fuzz-build"))
            .arg("schedule")
            .current_dir(&root)
            .stdout(std::process::Stdio::null())
            .status()
            .context("cannot run scripts/fuzz-build")?
    };
    if !status.success() {
        bail!("building the libFuzzer schedule target failed");
    }
    let triple = host_triple()?;
    let bin = fdir.join(format!("target/{triple}/release/schedule"));
    if !bin.is_file() {
        bail!("the build left no target at {}", bin.display());
    }
    Ok((root, bin, asan))
}

fn fuzz(a: &Args, file: &Path) -> anyhow::Result<u8> {
    let prog = Arc::new(load_file(file)?);
    if a.time == 0 {
        bail!("--time must be at least 1 second");
    }
    let (root, bin, asan) = schedule_binary(a.fuzz_dir.as_deref(), a.sanitizer)?;
    let work = root
        .join("target/hazard-fuzz")
        .join(prog.name.replace(['/', '\\'], "_"));
    let (corpus, artifacts) = (work.join("corpus"), work.join("artifacts"));
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&artifacts)?;
    let abs = std::fs::canonicalize(file)?;
    let goal = match prog.expect {
        Expectation::Fails(_) => "expected",
        Expectation::Passes => "violation",
    };
    let mut cmd = Command::new(&bin);
    cmd.arg(&corpus)
        .arg(format!("-max_total_time={}", a.time))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1");
    if let Some(s) = a.seed {
        cmd.arg(format!("-seed={s}"));
    }
    cmd.env("HAZARD_SCENARIO", &abs)
        .env("HAZARD_FUZZ_GOAL", goal)
        .current_dir(&root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    errln!(
        "hazard: libFuzzer on {} for {} s ({}; crash = {})",
        prog.name,
        a.time,
        if asan {
            "AddressSanitizer"
        } else {
            "no sanitizer"
        },
        if goal == "expected" {
            "the expected failure"
        } else {
            "any failure"
        }
    );
    let started = SystemTime::now();
    let clock = Instant::now();
    let output = cmd.output().context("cannot start libFuzzer")?;
    let elapsed = clock.elapsed();
    let log = String::from_utf8_lossy(&output.stderr);
    let runs = executed_units(&log);
    let crash = match crash_file(&log).filter(|p| p.is_file()) {
        Some(c) => Some(c),
        None => newest_crash(&artifacts, started)?,
    };
    let Some(crash) = crash else {
        if !output.status.success() {
            errln!("{}", tail(&log, 30));
            bail!("libFuzzer failed without writing a crash file (see its output above)");
        }
        let rate = runs.map(|r| r as f64 / elapsed.as_secs_f64().max(1e-3));
        let stats = match (runs, rate) {
            (Some(r), Some(x)) => format!("{r} executions, {x:.0}/s"),
            _ => "executions unknown".into(),
        };
        return Ok(match prog.expect {
            Expectation::Fails(_) => {
                outln!(
                    "{}: expected failure not found in {} s of libFuzzer ({stats}); raise --time",
                    file.display(),
                    a.time
                );
                super::FINDING
            }
            Expectation::Passes => {
                outln!(
                    "{}: no failure in {} s of libFuzzer ({stats})",
                    file.display(),
                    a.time
                );
                super::OK
            }
        });
    };
    let data = std::fs::read(&crash)?;
    let t = ScheduleTarget {
        source: Source::One(Arc::clone(&prog)),
        goal: Goal::Violation,
    };
    let repro = reproduce_schedule(&t, &data).with_context(|| format!("{}", crash.display()))?;
    errln!("hazard: libFuzzer crash {}", crash.display());
    write(&repro, &a.out, &a.min, file, runs.unwrap_or(1), elapsed)
}

fn host_triple() -> anyhow::Result<String> {
    let out = Command::new("rustc").arg("-vV").output()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .context("rustc -vV printed no host triple")
}

fn newest_crash(dir: &Path, since: SystemTime) -> anyhow::Result<Option<PathBuf>> {
    let mut best: Option<(SystemTime, PathBuf)> = None;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name();
        if !name.to_string_lossy().starts_with("crash-") {
            continue;
        }
        let m = e.metadata()?.modified()?;
        if m >= since && best.as_ref().is_none_or(|(t, _)| m > *t) {
            best = Some((m, e.path()));
        }
    }
    Ok(best.map(|(_, p)| p))
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
