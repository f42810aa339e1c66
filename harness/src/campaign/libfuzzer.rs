//! `hazard nightly --libfuzzer`: a share of the campaign for the real libFuzzer `schedule`
//! target. Each `passes` scenario gets one libFuzzer process (`HAZARD_SCENARIO` names it,
//! every input byte is a scheduling decision) with a corpus of its own that grows from night
//! to night; a crash file it writes is decoded the way the target read it and becomes one of
//! the campaign's findings, classified and reported like those of the other engines.
//!
//! A `fails` scenario is left out: every failure of it is already known to the campaign, and
//! the target (looking for violations) never crashes on one.

use crate::scenario::Program;
use crate::targets::{
    reproduce_schedule, Goal, ReproduceError, Reproduced, ScheduleTarget, Source,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The engine name libFuzzer's findings carry.
pub const LIBFUZZER: &str = "libfuzzer";

/// How the campaign runs libFuzzer.
#[derive(Debug, Clone)]
pub struct LibFuzzer {
    /// The `schedule` target, built with libFuzzer (`scripts/fuzz-build schedule`, or
    /// `cargo fuzz build schedule`).
    pub binary: PathBuf,
    /// Share of the time budget, in (0, 1]: exploration by the other engines gets the rest
    /// first, libFuzzer the remainder (all of it when exploration ends early). Without a time
    /// budget each scenario gets as many libFuzzer executions as the four engines' slices of
    /// every round.
    pub share: f64,
    /// Where each scenario's libFuzzer corpus, crash files and last log are kept.
    pub dir: PathBuf,
}

/// How long one libFuzzer process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Limit {
    Secs(u64),
    Runs(u64),
}

impl Limit {
    pub(super) fn describe(self) -> String {
        match self {
            Limit::Secs(s) => format!("{s} s"),
            Limit::Runs(n) => format!("{n} runs"),
        }
    }
}

/// What one libFuzzer process did.
pub(super) struct Fuzzed {
    pub executions: u64,
    pub elapsed: Duration,
    /// The crash file it wrote, if any.
    pub crash: Option<PathBuf>,
    /// The crash decoded and run again: the failure, or why it could not be had.
    pub reproduced: Option<Result<Reproduced, ReproduceError>>,
    /// libFuzzer did not run to its end (it could not start, died without a crash file, or
    /// was stopped by the campaign's deadline or an interruption).
    pub error: Option<String>,
    pub interrupted: bool,
}

/// The directory of one scenario file's libFuzzer state: its stem and a hash of its path, so
/// two files of the same name in different directories keep apart.
fn work_dir(root: &Path, file: &str) -> PathBuf {
    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    root.join(format!("{safe}-{:08x}", super::stable_hash(file) as u32))
}

/// libFuzzer's executions: `stat::number_of_executed_units` (printed at exit and on a crash
/// with `-print_final_stats=1`), else its "Done N runs" line, else the largest `#N` of its
/// status lines.
pub fn executed_units(log: &str) -> Option<u64> {
    let stat = log.lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    });
    let done = || {
        log.lines().rev().find_map(|l| {
            l.trim()
                .strip_prefix("Done ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
    };
    let status = || {
        log.lines()
            .filter_map(|l| {
                l.strip_prefix('#')
                    .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .max()
    };
    stat.or_else(done).or_else(status)
}

/// The crash file libFuzzer names in its log ("Test unit written to PATH").
pub fn crash_file(log: &str) -> Option<PathBuf> {
    log.lines().rev().find_map(|l| {
        let (_, path) = l.split_once("Test unit written to ")?;
        let path = path.trim();
        let name = Path::new(path).file_name()?.to_string_lossy().into_owned();
        name.starts_with("crash-").then(|| PathBuf::from(path))
    })
}

/// Run libFuzzer on `file` within `limit`, stopping it at `hard_stop` or on an interruption.
pub(super) fn fuzz_one(
    lf: &LibFuzzer,
    file: &str,
    prog: &Arc<Program>,
    limit: Limit,
    seed: u64,
    hard_stop: Option<Instant>,
) -> Fuzzed {
    let started = Instant::now();
    let failed = |error: String| Fuzzed {
        executions: 0,
        elapsed: started.elapsed(),
        crash: None,
        reproduced: None,
        error: Some(error),
        interrupted: false,
    };
    let work = work_dir(&lf.dir, file);
    let (corpus, artifacts) = (work.join("corpus"), work.join("artifacts"));
    for d in [&corpus, &artifacts] {
        if let Err(e) = std::fs::create_dir_all(d) {
            return failed(format!("cannot create {}: {e}", d.display()));
        }
    }
    let abs = match std::fs::canonicalize(file) {
        Ok(p) => p,
        Err(e) => return failed(format!("{file}: {e}")),
    };
    let log_path = work.join("libfuzzer.log");
    let log = match std::fs::File::create(&log_path) {
        Ok(f) => f,
        Err(e) => return failed(format!("cannot create {}: {e}", log_path.display())),
    };
    let mut cmd = Command::new(&lf.binary);
    cmd.arg(&corpus)
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        // libFuzzer's seed 0 means "pick one": keep it away from 0.
        .arg(format!("-seed={}", (seed % u32::MAX as u64) + 1));
    match limit {
        Limit::Secs(s) => cmd.arg(format!("-max_total_time={}", s.max(1))),
        Limit::Runs(n) => cmd.arg(format!("-runs={}", n.max(1))),
    };
    cmd.env("HAZARD_SCENARIO", &abs)
        .env("HAZARD_FUZZ_GOAL", "violation")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot start {}: {e}", lf.binary.display())),
    };
    // libFuzzer keeps to -max_total_time; the hard stop (the campaign's deadline, with a
    // little grace) covers a process that does not, and an interruption stops it at once.
    let mut interrupted = false;
    let mut overran = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) => {}
            Err(_) => break None,
        }
        if crate::explore::interrupted() {
            interrupted = true;
        } else if hard_stop.is_some_and(|d| Instant::now() >= d) {
            overran = true;
        }
        if interrupted || overran {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // A Ctrl-C in a terminal reaches libFuzzer too, which may exit before the loop above
    // sees the interruption.
    let interrupted = interrupted || crate::explore::interrupted();
    let elapsed = started.elapsed();
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let executions = executed_units(&text).unwrap_or(0);
    let mut crash = crash_file(&text);
    let mut unreadable = None;
    let reproduced = match crash.as_ref().map(std::fs::read) {
        Some(Ok(data)) => {
            let t = ScheduleTarget {
                source: Source::One(Arc::clone(prog)),
                goal: Goal::Violation,
            };
            Some(reproduce_schedule(&t, &data))
        }
        Some(Err(e)) => {
            unreadable = crash.take().map(|c| format!("{}: {e}", c.display()));
            None
        }
        None => None,
    };
    let error = match (&crash, status) {
        _ if unreadable.is_some() => unreadable,
        (Some(_), _) => None,
        (None, Some(st)) if st.success() => None,
        _ if interrupted => None,
        _ if overran => Some(format!(
            "stopped at the campaign's deadline after {:.0} s",
            elapsed.as_secs_f64()
        )),
        (None, st) => {
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(5)..].join("\n");
            Some(format!(
                "libFuzzer exited ({}) without a crash file; log {}:\n{tail}",
                st.map_or("killed".to_string(), |s| s.to_string()),
                log_path.display()
            ))
        }
    };
    Fuzzed {
        executions,
        elapsed,
        crash,
        reproduced,
        error,
        interrupted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executions_from_each_kind_of_log() {
        let stats = "#2\tINITED\n#900\tpulse\nstat::number_of_executed_units: 1234\nstat::peak_rss_mb: 40\n";
        assert_eq!(executed_units(stats), Some(1234));
        assert_eq!(
            executed_units("#2 INITED\nDone 77 runs in 1 second(s)\n"),
            Some(77)
        );
        assert_eq!(
            executed_units("#2\tINITED cov: 3\n#16\tNEW cov: 9\n#8\tpulse\n"),
            Some(16)
        );
        assert_eq!(executed_units("INFO: Seed: 1\n"), None);
    }

    #[test]
    fn the_crash_file_is_the_one_the_log_names() {
        let log = "==1== ERROR: libFuzzer: deadly signal\nartifact_prefix='/tmp/a/'; Test unit written to /tmp/a/crash-0f1e\nBase64: AA==\n";
        assert_eq!(crash_file(log), Some(PathBuf::from("/tmp/a/crash-0f1e")));
        // Other artifacts (a slow unit, a leak) are not crashes of the target.
        assert_eq!(
            crash_file("Test unit written to /tmp/a/slow-unit-12\n"),
            None
        );
        assert_eq!(crash_file("Done 5 runs\n"), None);
    }

    #[test]
    fn work_dirs_keep_same_named_files_apart() {
        let root = Path::new("/s");
        let a = work_dir(root, "scenarios/a/x.json");
        let b = work_dir(root, "scenarios/b/x.json");
        assert_ne!(a, b);
        assert!(a.file_name().unwrap().to_string_lossy().starts_with("x-"));
        assert_eq!(a, work_dir(root, "scenarios/a/x.json"));
        assert!(work_dir(root, "we ird/ü?.json")
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("_"));
    }
}
