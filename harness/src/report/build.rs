//! Building a report from a finding: the schedule replayed with tracing on (which verifies it), minimization recorded, the fault sections, the fault summary of a passing run.

use super::*;

fn stop_name(e: &EngineStats) -> &'static str {
    use crate::explore::StopReason::*;
    match e.stopped {
        Found => "found",
        Iterations => "iterations",
        Time => "time",
        Exhausted => "exhausted",
        Portfolio => "portfolio",
        Interrupted => "interrupted",
    }
}

/// Everything `build` needs about how the exploration ran.
pub struct RunInfo<'a> {
    pub config: &'a ExploreConfig,
    pub exploration: &'a Exploration,
}

/// Build the report of `finding` as found (no minimization): replays its schedule with
/// tracing on to verify it and to record the step trace.
pub fn build(prog: &Arc<Program>, finding: &Finding, run: &RunInfo<'_>) -> Report {
    build_from(prog, finding, &finding.schedule, run)
}

/// Build the report of `finding` after minimization (see [`Report::apply_minimized`]).
pub fn build_minimized(
    prog: &Arc<Program>,
    finding: &Finding,
    run: &RunInfo<'_>,
    m: &Minimized,
) -> Report {
    let mut report = build(prog, finding, run);
    report.apply_minimized(prog, m);
    report
}

impl Report {
    /// Record a minimization: the top-level schedule and trace become the minimized schedule
    /// of the original scenario (replayed here, which sets `replay_verified`), `found` keeps
    /// the schedule as first found, and `minimized` holds the reduced scenario with its own
    /// replayed interleaving.
    pub fn apply_minimized(&mut self, prog: &Arc<Program>, m: &Minimized) {
        let max_steps = self.exploration.budget.max_steps;
        if self.found.is_none() {
            let mut found = self.schedule.clone();
            found.preemptions = m.found.preemptions;
            self.found = Some(found);
        }
        match replay(prog, &m.original.schedule, max_steps, true) {
            Ok(out) => {
                self.replay_verified = out.signature.as_ref() == Some(&self.failure.signature);
                if self.replay_verified {
                    // Go's text for the interleaving the report now shows: a race's signature
                    // holds whichever access came first, its text says which one did here.
                    if let Some(r) = rendered(&out) {
                        self.failure.rendered = r;
                    }
                    self.failure.history = history(&out, prog);
                }
                self.trace = trace_steps(prog, &out);
                if let Some(f) = &mut self.faults {
                    f.injected = injected(prog, &out);
                }
                self.schedule = ScheduleInfo {
                    format: SCHEDULE_FORMAT.into(),
                    threads: out.threads.clone(),
                    decisions: m.original.schedule.encode(),
                    length: m.original.schedule.len(),
                    preemptions: out.preemptions,
                };
            }
            Err(_) => self.replay_verified = false,
        }
        self.minimized = Some(minimized_info(m, max_steps));
    }
}

/// The `minimized` section: replays the reduced scenario's schedule with tracing on.
pub fn minimized_info(m: &Minimized, max_steps: u64) -> MinimizedInfo {
    let out = replay(&m.prog, &m.reduced.schedule, max_steps, true);
    let (trace, threads, verified, rendered, faults) = match &out {
        Ok(o) => (
            trace_steps(&m.prog, o),
            o.threads.clone(),
            o.signature.as_ref() == Some(&m.signature),
            rendered(o).unwrap_or_default(),
            injected(&m.prog, o),
        ),
        Err(_) => (Vec::new(), Vec::new(), false, String::new(), Vec::new()),
    };
    let hist = out.as_ref().ok().and_then(|o| history(o, &m.prog));
    let (status, proof_bound) = match m.proof {
        Proof::Proven(b) => ("proven", b),
        Proof::BestEffort => ("best-effort", m.reduced.preemptions.checked_sub(1)),
    };
    MinimizedInfo {
        hash: m.hash.clone(),
        source: m.source.clone(),
        removed: m.removed.clone(),
        signature: m.signature.clone(),
        rendered,
        history: hist,
        schedule: ScheduleInfo {
            format: SCHEDULE_FORMAT.into(),
            threads,
            decisions: m.reduced.schedule.encode(),
            length: m.reduced.schedule.len(),
            preemptions: m.reduced.preemptions,
        },
        trace,
        steps: m.reduced.steps,
        minimality: Minimality {
            preemptions: m.reduced.preemptions,
            status: status.into(),
            proof_bound,
            executions: m.executions,
            elapsed_ms: m.elapsed.as_millis() as u64,
            budget: m.budget,
        },
        replay_verified: verified,
        faults,
    }
}

fn build_from(
    prog: &Arc<Program>,
    finding: &Finding,
    schedule: &Schedule,
    run: &RunInfo<'_>,
) -> Report {
    let verified = replay(prog, schedule, run.config.max_steps, true);
    let (trace, replay_verified, preempt, threads) = match &verified {
        Ok(out) => (
            trace_steps(prog, out),
            out.signature.as_ref() == Some(&finding.signature),
            out.preemptions,
            out.threads.clone(),
        ),
        Err(_) => (Vec::new(), false, 0, finding.threads.clone()),
    };
    let failure = &finding.failed.failure;
    let (go_detects, why) = failure.go_detects();
    let mut tools = failure.go_tools(prog);
    if prog.clock == ClockMode::Adversarial {
        tools.runtime.why.push_str(
            " (found under the adversarial clock: timers fired while goroutines could still run, as on an overloaded machine; Go's own time may never show it)",
        );
    }
    let x = run.exploration;
    let (harness, scenario, budget, engines) = build_head(prog, run.config, x);
    Report {
        schema: REPORT_SCHEMA.into(),
        harness,
        scenario,
        exploration: ExplorationInfo {
            // One engine (libFuzzer's import included) names itself; several are the portfolio.
            engine: match run.exploration.engines.as_slice() {
                [one] => one.engine.into(),
                _ => run.config.engine.name().into(),
            },
            found_by: finding.engine.into(),
            found_at_execution: finding.execution,
            seed: run.config.seed,
            budget,
            executions: x.executions(),
            distinct_schedules: x.distinct_schedules(),
            elapsed_ms: x.elapsed.as_millis() as u64,
            clock: prog.clock,
            engines,
        },
        failure: FailureInfo {
            signature: finding.signature.clone(),
            rendered: failure.render(),
            go_detects,
            go_detects_why: why.into(),
            go_tools: Some(tools),
            blocked: failure.blocked().to_vec(),
            history: history_of(failure, prog),
            expected: match &prog.expect {
                crate::scenario::Expectation::Fails(want) => finding.signature.matches(want),
                crate::scenario::Expectation::Passes => false,
            },
        },
        schedule: ScheduleInfo {
            format: SCHEDULE_FORMAT.into(),
            threads,
            decisions: schedule.encode(),
            length: schedule.len(),
            preemptions: preempt,
        },
        trace,
        replay_verified,
        found: None,
        minimized: None,
        corpus: None,
        faults: faults_info(prog, x, verified.as_ref().ok()),
    }
}

/// The summary of an exploration with fault rules that found nothing.
pub fn fault_summary(
    prog: &Arc<Program>,
    cfg: &ExploreConfig,
    x: &Exploration,
) -> Option<FaultSummary> {
    let faults = faults_info(prog, x, None)?;
    let r = build_head(prog, cfg, x);
    Some(FaultSummary {
        schema: FAULT_SUMMARY_SCHEMA.into(),
        harness: r.0,
        scenario: r.1,
        engine: match x.engines.as_slice() {
            [one] => one.engine.into(),
            _ => cfg.engine.name().into(),
        },
        seed: cfg.seed,
        budget: r.2,
        executions: x.executions(),
        distinct_schedules: x.distinct_schedules(),
        elapsed_ms: x.elapsed.as_millis() as u64,
        engines: r.3,
        expectations_held: match &prog.expect {
            crate::scenario::Expectation::Passes => x.findings.is_empty(),
            crate::scenario::Expectation::Fails(_) => x.matching(prog).is_some(),
        },
        faults,
    })
}

/// The parts every report shares: harness, scenario, budget, engines.
fn build_head(
    prog: &Program,
    cfg: &ExploreConfig,
    x: &Exploration,
) -> (HarnessInfo, ScenarioInfo, Budget, Vec<EngineInfo>) {
    (
        HarnessInfo {
            name: "hazard".into(),
            version: crate::VERSION.into(),
            shuttle: crate::SHUTTLE_VERSION.into(),
        },
        ScenarioInfo {
            name: prog.name.clone(),
            file: prog.file.clone(),
            catalog: prog.catalog.clone(),
            variant: prog.variant.map(|v| format!("{v:?}").to_lowercase()),
            hash: prog.hash.clone(),
            source: prog.source.clone(),
        },
        Budget {
            iterations: cfg.iterations,
            time_secs: cfg.time.map(|t| t.as_secs_f64()),
            max_steps: cfg.max_steps,
            pct_depth: cfg.pct_depth,
            preemption_bound: cfg.preemption_bound,
        },
        x.engines
            .iter()
            .map(|e| EngineInfo {
                engine: e.engine.into(),
                executions: e.executions,
                distinct_schedules: e.distinct_schedules,
                stopped: stop_name(e).into(),
            })
            .collect(),
    )
}

/// The trace of a traced execution, with thread names and op paths.
pub fn trace_steps(prog: &Program, out: &ExecOutcome) -> Vec<TraceStep> {
    let mut marked = std::collections::HashSet::new();
    let race_lines: Vec<usize> = match out.failed.as_ref().map(|f| &f.failure) {
        Some(crate::model::Failure::Race { accesses, .. }) => {
            accesses.iter().filter_map(|a| a.line).collect()
        }
        _ => Vec::new(),
    };
    out.trace_events()
        .iter()
        .enumerate()
        .map(|(i, e)| TraceStep {
            race: race_lines.contains(&i),
            step: e.step,
            thread: out.threads.get(e.thread).cloned().unwrap_or_default(),
            op: prog.op_path(e.op).to_string(),
            text: e.text.clone(),
            // The first line of a step reached by preemption carries the mark.
            preempt: out.preempt_steps.binary_search(&e.step).is_ok() && marked.insert(e.step),
            from: e.from.map(|i| i as u64),
        })
        .collect()
}

/// The faults an execution injected, for a report.
pub fn injected(prog: &Program, out: &ExecOutcome) -> Vec<InjectedFault> {
    out.faults
        .iter()
        .map(|f| InjectedFault {
            rule: f.rule,
            fault: prog
                .faults
                .get(f.rule)
                .map(|r| r.kind.name())
                .unwrap_or("?")
                .into(),
            step: f.step,
            thread: out.threads.get(f.thread).cloned().unwrap_or_default(),
            op: prog.op_path(f.op).to_string(),
            effect: f.effect.clone(),
        })
        .collect()
}

/// The `faults` section: `out` is the reported execution (none for a passing run).
pub fn faults_info(
    prog: &Program,
    x: &Exploration,
    out: Option<&ExecOutcome>,
) -> Option<FaultsInfo> {
    if !prog.faults_on() {
        return None;
    }
    let rules = prog
        .faults
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let s = x.faults.get(i).cloned().unwrap_or_default();
            RuleSummary {
                rule: i,
                fault: r.kind.name().into(),
                path: r.rule_path.clone(),
                executions: s.executions,
                injections: s.injections,
                ended_by_fault: s.ended,
                failed: s.failed,
                held: s.failed == 0,
            }
        })
        .collect();
    Some(FaultsInfo {
        mode: prog.fault_mode.name().into(),
        injected: out.map(|o| injected(prog, o)).unwrap_or_default(),
        rules,
    })
}
