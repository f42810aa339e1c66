//! Reading a report back: its embedded scenario checked against its hash, its parts checked against each other, its schedule replayed.

use super::*;

/// What replaying a report did.
#[derive(Debug)]
pub struct Replayed {
    pub prog: Arc<Program>,
    pub outcome: ExecOutcome,
    /// The replay failed with the recorded signature.
    pub reproduced: bool,
}

impl Report {
    /// What serde cannot check: the parts of a report agree with each other and with this
    /// harness. A report edited by hand, or assembled from two, is refused with the field
    /// named rather than replayed or shown under the wrong header.
    pub(crate) fn integrity(&self, file: &str) -> Result<(), ReportError> {
        let format = |message: String| ReportError::Format {
            file: file.to_string(),
            message,
        };
        let mut schedules = vec![("schedule", &self.schedule)];
        if let Some(f) = &self.found {
            schedules.push(("found", f));
        }
        if let Some(m) = &self.minimized {
            schedules.push(("minimized.schedule", &m.schedule));
        }
        for (field, s) in schedules {
            if s.format != SCHEDULE_FORMAT {
                return Err(format(format!(
                    "{field}.format is `{}`, this harness reads `{SCHEDULE_FORMAT}`",
                    s.format
                )));
            }
        }
        if self.exploration.budget.max_steps == 0 {
            return Err(format(
                "exploration.budget.max_steps is 0: no execution can take a step (at least 1)"
                    .into(),
            ));
        }
        let Some(m) = &self.minimized else {
            return Ok(());
        };
        // An edited scenario is reported as such (by its hash) before anything compares it.
        check_hash(&self.scenario.source, &self.scenario.hash, file, "scenario")?;
        check_hash(&m.source, &m.hash, file, "minimized")?;
        // Assertion messages end with the assertion's path, renumbered by minimization.
        let text = |s: &Signature| match s.kind {
            FailureKind::Assertion => s
                .message
                .rsplit_once(" ($.")
                .map_or(s.message.clone(), |(m, _)| m.to_string()),
            _ => s.message.clone(),
        };
        let (a, b) = (&m.signature, &self.failure.signature);
        if (&a.id, a.kind, text(a)) != (&b.id, b.kind, text(b)) {
            return Err(format(format!(
                "minimized.signature is `{}` ({}), but the report's failure is `{}` ({}): \
                 the minimized section belongs to another report",
                a.message, a.id, b.message, b.id
            )));
        }
        let name = |v: &serde_json::Value| v.get("name").cloned();
        if name(&m.source) != name(&self.scenario.source) {
            return Err(format(format!(
                "minimized.source is scenario {}, but the report's scenario is {}: \
                 the minimized section belongs to another report",
                name(&m.source).unwrap_or_default(),
                name(&self.scenario.source).unwrap_or_default()
            )));
        }
        for r in &m.removed {
            // `<path>` or `<path>: <old> -> <new>` (a reduced count), paths of the original.
            let path = match r.rsplit_once(": ") {
                Some((p, change)) if change.contains(" -> ") => p,
                _ => r.as_str(),
            };
            if crate::scenario::pointer(&self.scenario.source, path).is_none() {
                return Err(format(format!(
                    "minimized.removed names `{path}`, which the report's scenario does not \
                     have: the minimized section belongs to another report"
                )));
            }
        }
        Ok(())
    }

    /// The embedded scenario, checked against its recorded hash and compiled.
    pub fn program(&self, file: &str) -> Result<Arc<Program>, ReportError> {
        embedded(&self.scenario.source, &self.scenario.hash, file, "scenario")
    }

    /// The schedule as first found (the top-level one when the report was never minimized).
    pub fn found_schedule(&self, file: &str) -> Result<Schedule, ReportError> {
        let text = match &self.found {
            Some(f) => &f.decisions,
            None => &self.schedule.decisions,
        };
        Schedule::decode(text).map_err(|source| ReportError::Schedule {
            file: file.into(),
            source,
        })
    }

    /// Replay this report's schedule against its embedded scenario, with tracing.
    pub fn replay(&self, file: &str) -> Result<Replayed, ReportError> {
        let prog = self.program(file)?;
        let schedule =
            Schedule::decode(&self.schedule.decisions).map_err(|source| ReportError::Schedule {
                file: file.into(),
                source,
            })?;
        let max_steps = self.exploration.budget.max_steps;
        let outcome =
            replay(&prog, &schedule, max_steps, true).map_err(|source| ReportError::Replay {
                file: file.into(),
                source,
            })?;
        let reproduced = outcome.signature.as_ref() == Some(&self.failure.signature);
        Ok(Replayed {
            prog,
            outcome,
            reproduced,
        })
    }
}

/// A scenario embedded in a report (`part`: `scenario` or `minimized`), checked against its
/// recorded hash, then compiled.
fn embedded(
    source: &serde_json::Value,
    hash: &str,
    file: &str,
    part: &str,
) -> Result<Arc<Program>, ReportError> {
    check_hash(source, hash, file, part)?;
    Ok(Arc::new(
        load_value(source, &format!("{file}#{part}")).map_err(ReportError::Scenario)?,
    ))
}

/// An embedded scenario (`part`: `scenario` or `minimized`) must hash to what was recorded.
fn check_hash(
    source: &serde_json::Value,
    hash: &str,
    file: &str,
    part: &str,
) -> Result<(), ReportError> {
    let actual = crate::scenario::hash_source(source);
    if actual == hash {
        return Ok(());
    }
    Err(ReportError::Hash {
        file: match part {
            "scenario" => file.to_string(),
            _ => format!("{file}#{part}"),
        },
        recorded: hash.to_string(),
        actual,
    })
}

/// The failure of an execution, rendered as Go prints it.
pub fn rendered(out: &ExecOutcome) -> Option<String> {
    out.failed.as_ref().map(|f| Failure::render(&f.failure))
}

/// The history of a linearizability violation, for the report.
pub fn history_of(failure: &Failure, prog: &Program) -> Option<HistoryInfo> {
    let Failure::Linearizability(l) = failure else {
        return None;
    };
    Some(HistoryInfo {
        object: l.obj.clone(),
        spec: l.spec.to_string(),
        ops: l
            .history
            .iter()
            .zip(&l.ops)
            .map(|(o, &at)| HistoryOp {
                thread: o.thread.clone(),
                op: o.op.clone(),
                args: o.args.clone(),
                result: o.result.clone().unwrap_or_default(),
                call: o.call,
                ret: o.ret,
                at: prog.op_path(at).to_string(),
            })
            .collect(),
        key: l.violation.key.clone(),
        order: l.violation.order.clone(),
        stuck: l.violation.stuck,
        expected: l.violation.expected.clone(),
    })
}

/// The history of an execution's linearizability violation, if that is how it failed.
pub fn history(out: &ExecOutcome, prog: &Program) -> Option<HistoryInfo> {
    out.failed
        .as_ref()
        .and_then(|f| history_of(&f.failure, prog))
}

impl Report {
    /// Replay the minimized section's schedule against its reduced scenario, with tracing;
    /// `None` when the report has no minimized section.
    pub fn replay_minimized(&self, file: &str) -> Result<Option<Replayed>, ReportError> {
        let Some(m) = &self.minimized else {
            return Ok(None);
        };
        let prog = embedded(&m.source, &m.hash, file, "minimized")?;
        let schedule =
            Schedule::decode(&m.schedule.decisions).map_err(|source| ReportError::Schedule {
                file: file.into(),
                source,
            })?;
        let outcome = replay(&prog, &schedule, self.exploration.budget.max_steps, true).map_err(
            |source| ReportError::Replay {
                file: file.into(),
                source,
            },
        )?;
        let reproduced = outcome.signature.as_ref() == Some(&m.signature);
        Ok(Some(Replayed {
            prog,
            outcome,
            reproduced,
        }))
    }
}
