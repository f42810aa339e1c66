//! The campaign's state directory (`--state DIR`): an append-only journal of finished work,
//! one JSON record per line, each line written whole and synced before the work counts as
//! done. A campaign killed at any moment (SIGKILL included) loses at most the slices it was
//! running; a torn last line is ignored on resume.

use super::CampaignError;
use crate::explore::Signature;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Version of the journal format (the first record of every journal).
pub const STATE_FORMAT: &str = "hazard/nightly-state/v1";

/// A failure a slice found, enough to rebuild it by replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub signature: Signature,
    /// The schedule, encoded as reports encode it.
    pub schedule: String,
    pub execution: u64,
}

/// One record of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// The campaign's identity: a resume must use the same seed and slice.
    Start {
        format: String,
        seed: u64,
        slice: u64,
        /// The harness version that began it.
        #[serde(default)]
        harness: String,
    },
    /// One engine's slice of one scenario in one round. `complete` is false when the time
    /// budget or an interruption cut it short: its findings count, the slice runs again.
    Slice {
        file: String,
        /// The scenario's hash: a changed file's slices do not carry over.
        #[serde(default)]
        hash: String,
        /// The session's wall time when it was journaled (a resumed session goes on from it).
        #[serde(default)]
        at_ms: u64,
        engine: String,
        round: u32,
        complete: bool,
        executions: u64,
        distinct: u64,
        /// Why it stopped: `found`, `iterations`, `time`, `exhausted`, `interrupted`.
        stopped: String,
        elapsed_ms: u64,
        /// Per fault rule: executions, injections, ended, failed.
        #[serde(default)]
        faults: Vec<[u64; 4]>,
        #[serde(default)]
        findings: Vec<Found>,
    },
    /// One libFuzzer process on one scenario (`--libfuzzer`). `complete` is false when an
    /// interruption cut it short: its finding counts, the scenario is fuzzed again.
    Fuzzed {
        file: String,
        hash: String,
        at_ms: u64,
        /// Its limit, in words (`30 s`, `1000 runs`).
        limit: String,
        complete: bool,
        executions: u64,
        elapsed_ms: u64,
        /// The crash file it wrote, if any.
        #[serde(default)]
        crash: Option<String>,
        /// The crash's failure, as it ran again.
        #[serde(default)]
        finding: Option<Found>,
        /// Why the run was not clean (it could not start, or its crash did not run again).
        #[serde(default)]
        error: Option<String>,
    },
    /// A finding was classified and, if it needed one, its report written.
    Reported {
        file: String,
        #[serde(default)]
        hash: String,
        signature: Signature,
        class: super::Class,
        why: String,
        #[serde(default)]
        report: Option<String>,
        #[serde(default)]
        html: Option<String>,
        #[serde(default)]
        replay_verified: Option<bool>,
        #[serde(default)]
        preemptions: Option<usize>,
    },
    /// A regression-corpus entry was checked.
    Corpus {
        entry: String,
        ok: bool,
        unreadable: bool,
        expect: String,
        scenario: String,
        signature: Option<Signature>,
        detail: String,
    },
    /// A baseline finding not seen by exploration was searched for.
    Confirmed {
        scenario: String,
        signature: Signature,
        found: bool,
        executions: u64,
    },
    /// Wall time this session has spent so far, and the next round (after each round).
    Clock { elapsed_ms: u64, round: u32 },
    /// A process took the campaign up again from this journal.
    Resume {},
    /// A session ended, after `elapsed_ms` (not written when it was killed).
    End { elapsed_ms: u64, stopped: String },
}

/// An open journal.
pub struct Journal {
    path: Option<PathBuf>,
    file: Option<File>,
    /// Records appended by this process.
    appended: u64,
    /// `HAZARD_NIGHTLY_CRASH_AFTER=N`: abort the process (no unwinding, no flush, like a kill)
    /// right after the N-th record this process appends, so tests can crash a campaign at an
    /// exact point and check that it resumes.
    crash_after: Option<u64>,
}

impl Journal {
    /// No state directory: nothing is kept.
    pub fn none() -> Journal {
        Journal {
            path: None,
            file: None,
            appended: 0,
            crash_after: None,
        }
    }

    /// Open (creating) `dir/journal.jsonl` and read back what it holds. A last line cut short
    /// by a kill is dropped (and truncated away, so new records start on a line of their own).
    pub fn open(dir: &Path) -> Result<(Journal, Vec<Record>), CampaignError> {
        std::fs::create_dir_all(dir).map_err(|e| CampaignError::io(dir, e))?;
        let path = dir.join("journal.jsonl");
        let text = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(CampaignError::io(&path, e)),
        };
        let mut records = Vec::new();
        let mut good = 0usize;
        let mut at = 0usize;
        for (n, line) in text.split(|&b| b == b'\n').enumerate() {
            let end = at + line.len();
            let whole = end < text.len(); // followed by a newline
            if line.is_empty() {
                at = end + 1;
                continue;
            }
            // The torn tail of a killed write has no newline: drop it.
            if !whole {
                break;
            }
            match serde_json::from_slice::<Record>(line) {
                Ok(r) => {
                    records.push(r);
                    good = end + 1;
                }
                Err(e) => {
                    return Err(CampaignError::Input {
                        file: path.display().to_string(),
                        message: format!(
                            "line {}: not a journal record ({e}); the state directory is \
                             damaged: remove it to start the campaign afresh",
                            n + 1
                        ),
                    })
                }
            }
            at = end + 1;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| CampaignError::io(&path, e))?;
        if good < text.len() {
            file.set_len(good as u64)
                .map_err(|e| CampaignError::io(&path, e))?;
        }
        Ok((
            Journal {
                path: Some(path),
                file: Some(file),
                appended: 0,
                crash_after: std::env::var("HAZARD_NIGHTLY_CRASH_AFTER")
                    .ok()
                    .and_then(|v| v.parse().ok()),
            },
            records,
        ))
    }

    /// Append one record and sync it: once this returns, the work it records is kept.
    pub fn append(&mut self, r: &Record) -> Result<(), CampaignError> {
        let (Some(f), Some(path)) = (&mut self.file, &self.path) else {
            return Ok(());
        };
        let mut line = serde_json::to_string(r).expect("a record serializes");
        line.push('\n');
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|e| CampaignError::io(path, e))?;
        self.appended += 1;
        if self.crash_after == Some(self.appended) {
            std::process::abort();
        }
        Ok(())
    }
}
