//! Guided executions: a default policy plus a sparse set of deviations from it, the
//! representation schedule minimization works on.
//!
//! The default policy never preempts: it keeps running the thread that ran last while that
//! thread can run, otherwise it runs the lowest-numbered thread that can; at a choice it takes
//! option 0. A deviation overrides the policy at one decision point, named by *where the last
//! thread stands* (that thread and how many times it had been scheduled) rather than by the
//! decision's index. Dropping one deviation therefore leaves the others pointing at the same
//! places in their threads, which is what makes delta debugging over deviations work: a
//! preemption "after writer1's 3rd scheduling point, run writer2" keeps its meaning when an
//! earlier, unrelated preemption is removed.
//!
//! A guided run records every real decision point it passed (its key, what was taken, what the
//! policy would have taken, whether it preempted), so a strict schedule can be turned into
//! deviations by replaying it once in `follow` mode.

use super::schedule::Decision;
use crate::rt::Strategy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Where a decision point is: the thread that ran last (none before the first step) and how
/// many times it had been scheduled; `choice` tells a choice among options from a thread
/// decision at the same place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointKey {
    pub last: Option<u32>,
    pub scheduled: u64,
    pub choice: bool,
}

/// One real decision point of a guided run.
#[derive(Debug, Clone)]
pub struct Point {
    pub key: PointKey,
    pub taken: Decision,
    /// What the default policy takes here.
    pub default: Decision,
    /// The thread that ran last could still run, and another was taken.
    pub preemptive: bool,
    /// Threads that could run (thread decisions); empty at a choice, whose options are
    /// `0..arity` (a range over a large map has as many as the map has keys).
    pub options: Vec<u32>,
    /// Options at a choice; 0 at a thread decision.
    pub arity: u32,
}

/// The strategy: follow `script` strictly while it lasts (if given), then deviations, then the
/// default policy. Never diverges: a deviation that does not fit its point is ignored.
pub(crate) struct Guided {
    script: Vec<Decision>,
    devs: HashMap<PointKey, Decision>,
    pos: usize,
    scheduled: Vec<u64>,
    last: Option<u32>,
    points: Vec<Point>,
    out: Arc<Mutex<Vec<Point>>>,
    ran: bool,
}

impl Guided {
    pub(crate) fn new(
        script: Vec<Decision>,
        devs: HashMap<PointKey, Decision>,
        out: Arc<Mutex<Vec<Point>>>,
    ) -> Guided {
        Guided {
            script,
            devs,
            pos: 0,
            scheduled: Vec::new(),
            last: None,
            points: Vec::new(),
            out,
            ran: false,
        }
    }

    fn ran(&mut self, t: u32) {
        let i = t as usize;
        if self.scheduled.len() <= i {
            self.scheduled.resize(i + 1, 0);
        }
        self.scheduled[i] += 1;
        self.last = Some(t);
    }

    fn key(&self, choice: bool) -> PointKey {
        PointKey {
            last: self.last,
            scheduled: self.last.map(|t| self.scheduled[t as usize]).unwrap_or(0),
            choice,
        }
    }

    fn scripted(&mut self) -> Option<Decision> {
        let d = self.script.get(self.pos).copied();
        if d.is_some() {
            self.pos += 1;
        }
        d
    }
}

impl Strategy for Guided {
    fn begin(&mut self) -> bool {
        !std::mem::replace(&mut self.ran, true)
    }

    fn thread(&mut self, runnable: &[u32], _current: Option<u32>) -> Option<u32> {
        let key = self.key(false);
        let cur = self.last.filter(|c| runnable.contains(c));
        let default = cur.unwrap_or(runnable[0]);
        let pick = |d: Option<Decision>| match d {
            Some(Decision::Thread(t)) if runnable.contains(&t) => Some(t),
            _ => None,
        };
        let scripted = self.scripted();
        let taken = pick(scripted)
            .or_else(|| pick(self.devs.get(&key).copied()))
            .unwrap_or(default);
        self.points.push(Point {
            key,
            taken: Decision::Thread(taken),
            default: Decision::Thread(default),
            preemptive: cur.is_some_and(|c| c != taken),
            options: runnable.to_vec(),
            arity: 0,
        });
        self.ran(taken);
        Some(taken)
    }

    fn choice(&mut self, arity: u32) -> Option<u32> {
        let key = self.key(true);
        let pick = |d: Option<Decision>| match d {
            Some(Decision::Choice(k)) if k < arity => Some(k),
            _ => None,
        };
        let scripted = self.scripted();
        let taken = pick(scripted)
            .or_else(|| pick(self.devs.get(&key).copied()))
            .unwrap_or(0);
        self.points.push(Point {
            key,
            taken: Decision::Choice(taken),
            default: Decision::Choice(0),
            preemptive: false,
            options: Vec::new(),
            arity,
        });
        Some(taken)
    }

    fn forced(&mut self, t: u32) {
        self.ran(t);
    }

    fn end(&mut self) -> Option<String> {
        *self.out.lock().unwrap_or_else(|e| e.into_inner()) = std::mem::take(&mut self.points);
        None
    }
}
