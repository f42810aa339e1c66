//! Schedule minimization for one scenario: ddmin over deviations, preemption-bounded search,
//! then a local search for fewer steps (see the module docs of `minimize`).

use super::{Budget, MinSchedule, MinimizeError, Proof};
use crate::explore::{run_guided, search_dfs, Decision, GuidedRun, PointKey, Schedule, Signature};
use crate::scenario::Program;
use std::collections::HashMap;
use std::sync::Arc;

/// Most candidate executions the steps phase tries.
const STEP_TRIES: u64 = 2_000;

type Devs = HashMap<PointKey, Decision>;

/// A guided run that reproduces the failure, and the deviations that produced it.
struct Cand {
    devs: Devs,
    run: GuidedRun,
}

impl Cand {
    /// Faults the run injected: never more than the best so far, so that minimization does
    /// not trade a preemption or a step for a fault (faults are chosen at `choice` points).
    fn faults(&self) -> usize {
        self.run.outcome.faults.len()
    }
    fn min(&self) -> MinSchedule {
        MinSchedule {
            schedule: self.run.schedule.clone(),
            preemptions: self.run.preemptions,
            steps: self.run.outcome.steps,
        }
    }
}

struct Ctx<'a> {
    prog: &'a Arc<Program>,
    target: &'a Signature,
    max_steps: u64,
    budget: &'a mut Budget,
}

impl Ctx<'_> {
    /// Run with `devs`; the run if it reproduces the target.
    fn try_devs(&mut self, devs: Devs) -> Result<Option<Cand>, MinimizeError> {
        if self.budget.left() == 0 {
            return Ok(None);
        }
        self.budget.spend(1);
        let run = run_guided(self.prog, Vec::new(), devs.clone(), self.max_steps, false)?;
        Ok((run.outcome.signature.as_ref() == Some(self.target)).then_some(Cand { devs, run }))
    }

    /// Follow `schedule` strictly and keep the deviations it makes from the default policy.
    fn adopt(&mut self, schedule: &Schedule) -> Result<Cand, MinimizeError> {
        self.budget.spend(1);
        let run = run_guided(
            self.prog,
            schedule.decisions.clone(),
            Devs::new(),
            self.max_steps,
            false,
        )?;
        if run.outcome.signature.as_ref() != Some(self.target) {
            return Err(MinimizeError::NotReproduced(match &run.outcome.signature {
                Some(s) => format!("it fails with {} [{}] instead", s.message, s.id),
                None => "it passes".into(),
            }));
        }
        let devs = run
            .points
            .iter()
            .filter(|p| p.taken != p.default)
            .map(|p| (p.key, p.taken))
            .collect();
        Ok(Cand { devs, run })
    }
}

/// ddmin (complements, then single removals) over `items`, with `fixed` always applied.
/// `best` is replaced by every accepted run.
fn ddmin(
    cx: &mut Ctx<'_>,
    mut items: Vec<(PointKey, Decision)>,
    fixed: &[(PointKey, Decision)],
    best: &mut Cand,
) -> Result<Vec<(PointKey, Decision)>, MinimizeError> {
    let build = |part: &[(PointKey, Decision)]| -> Devs {
        fixed.iter().chain(part.iter()).copied().collect()
    };
    let mut n = 2usize;
    while items.len() >= 2 && cx.budget.left() > 0 {
        let chunk = items.len().div_ceil(n);
        let parts = n;
        let mut reduced = false;
        for i in 0..parts {
            let lo = (i * chunk).min(items.len());
            let hi = ((i + 1) * chunk).min(items.len());
            if lo == hi {
                continue;
            }
            let rest: Vec<_> = items[..lo].iter().chain(&items[hi..]).copied().collect();
            if let Some(c) = cx.try_devs(build(&rest))? {
                if c.run.preemptions <= best.run.preemptions && c.faults() <= best.faults() {
                    *best = c;
                    items = rest;
                    n = (n - 1).max(2);
                    reduced = true;
                    break;
                }
            }
        }
        if !reduced {
            if n >= items.len() {
                break;
            }
            n = (2 * n).min(items.len());
        }
    }
    // One at a time, so the result is 1-minimal.
    let mut i = 0;
    while i < items.len() && cx.budget.left() > 0 {
        let rest: Vec<_> = items
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, d)| *d)
            .collect();
        match cx.try_devs(build(&rest))? {
            Some(c) if c.run.preemptions <= best.run.preemptions && c.faults() <= best.faults() => {
                *best = c;
                items = rest;
            }
            _ => i += 1,
        }
    }
    Ok(items)
}

/// Iterative context bounding below `best`'s preemption count.
fn bounded_search(cx: &mut Ctx<'_>, best: &mut Cand) -> Result<Proof, MinimizeError> {
    let k = best.run.preemptions;
    for b in 0..k {
        let left = cx.budget.left();
        if left == 0 {
            return Ok(Proof::BestEffort);
        }
        let want = cx.target.clone();
        let r = search_dfs(
            cx.prog,
            b,
            left,
            cx.budget.deadline(),
            cx.max_steps,
            move |s| s == Some(&want),
        )?;
        cx.budget.spend(r.executions);
        if let Some(found) = r.found {
            let c = cx.adopt(&found)?;
            if c.faults() > best.faults() {
                // Fewer preemptions only by injecting more faults: keep the fewer faults, and
                // the preemption count is not proven minimal.
                return Ok(Proof::BestEffort);
            }
            *best = c;
            return Ok(Proof::Proven(b.checked_sub(1)));
        }
        if !r.exhausted {
            return Ok(Proof::BestEffort);
        }
    }
    Ok(Proof::Proven(k.checked_sub(1)))
}

/// Fewer steps at no more preemptions: other picks at non-preemptive decisions, and dropping
/// deviations.
fn fewer_steps(cx: &mut Ctx<'_>, best: &mut Cand) -> Result<(), MinimizeError> {
    let mut tries = 0u64;
    let better = |c: &Cand, best: &Cand| {
        c.run.preemptions <= best.run.preemptions
            && c.faults() <= best.faults()
            && c.run.outcome.steps < best.run.outcome.steps
    };
    'improve: loop {
        // Moves are listed as (decision point, new pick or `None` to drop a deviation) and
        // each candidate is built only when it is tried: a long run has many points, and a
        // deviation map per point would not fit in memory.
        let mut moves: Vec<(PointKey, Option<Decision>)> = Vec::new();
        for p in &best.run.points {
            if p.preemptive || p.key.choice {
                continue;
            }
            for &alt in &p.options {
                if Decision::Thread(alt) != p.taken {
                    moves.push((p.key, Some(Decision::Thread(alt))));
                }
            }
        }
        moves.extend(best.devs.keys().map(|&k| (k, None)));
        for (key, pick) in moves {
            if tries >= STEP_TRIES || cx.budget.left() == 0 {
                break 'improve;
            }
            tries += 1;
            let mut devs = best.devs.clone();
            match pick {
                Some(d) => devs.insert(key, d),
                None => devs.remove(&key),
            };
            if let Some(c) = cx.try_devs(devs)? {
                if better(&c, best) {
                    *best = c;
                    continue 'improve;
                }
            }
        }
        break;
    }
    Ok(())
}

/// Minimize `schedule` (which must produce `target`): returns the schedule as found, the
/// minimized one, and whether its preemption count is proven minimal.
pub(crate) fn minimize_schedule(
    prog: &Arc<Program>,
    target: &Signature,
    schedule: &Schedule,
    max_steps: u64,
    budget: &mut Budget,
) -> Result<(MinSchedule, MinSchedule, Proof), MinimizeError> {
    let mut cx = Ctx {
        prog,
        target,
        max_steps,
        budget,
    };
    let mut best = cx.adopt(schedule)?;
    let found = best.min();
    let (pre, non): (Vec<_>, Vec<_>) = best
        .run
        .points
        .iter()
        .filter(|p| p.taken != p.default)
        .partition(|p| p.preemptive);
    let pre: Vec<_> = pre.iter().map(|p| (p.key, p.taken)).collect();
    let non: Vec<_> = non.iter().map(|p| (p.key, p.taken)).collect();
    let pre = ddmin(&mut cx, pre, &non, &mut best)?;
    ddmin(&mut cx, non, &pre, &mut best)?;
    let proof = bounded_search(&mut cx, &mut best)?;
    fewer_steps(&mut cx, &mut best)?;
    Ok((found, best.min(), proof))
}
