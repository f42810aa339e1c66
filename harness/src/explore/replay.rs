//! Replay of a recorded schedule. Strict: every real decision must match the record, and the
//! record must be used up, otherwise the replay reports where it diverged.

use super::schedule::{Decision, Schedule};
use crate::rt::Strategy;

pub(crate) struct Replay {
    decisions: Vec<Decision>,
    pos: usize,
    ran: bool,
    error: Option<String>,
}

impl Replay {
    pub(crate) fn new(schedule: &Schedule) -> Replay {
        Replay {
            decisions: schedule.decisions.clone(),
            pos: 0,
            ran: false,
            error: None,
        }
    }

    fn diverge(&mut self, message: String) -> Option<u32> {
        if self.error.is_none() {
            self.error = Some(message);
        }
        None
    }
}

fn show(d: &Decision) -> String {
    match d {
        Decision::Thread(t) => format!("thread {t}"),
        Decision::Choice(k) => format!("option {k}"),
    }
}

impl Strategy for Replay {
    fn begin(&mut self) -> bool {
        if self.ran {
            return false;
        }
        self.ran = true;
        true
    }

    fn thread(&mut self, runnable: &[u32], _current: Option<u32>) -> Option<u32> {
        let at = self.pos + 1;
        match self.decisions.get(self.pos) {
            Some(Decision::Thread(t)) if runnable.contains(t) => {
                self.pos += 1;
                Some(*t)
            }
            Some(d) => {
                let d = show(d);
                self.diverge(format!("decision {at}: the schedule says {d}, but the threads that can run are {runnable:?}"))
            }
            None => self.diverge(format!(
                "decision {at}: the schedule ended, but the execution goes on (threads {runnable:?} can run)"
            )),
        }
    }

    fn choice(&mut self, arity: u32) -> Option<u32> {
        let at = self.pos + 1;
        match self.decisions.get(self.pos) {
            Some(Decision::Choice(k)) if *k < arity => {
                self.pos += 1;
                Some(*k)
            }
            Some(d) => {
                let d = show(d);
                self.diverge(format!("decision {at}: the schedule says {d}, but the execution chooses among {arity} options"))
            }
            None => self.diverge(format!(
                "decision {at}: the schedule ended at a choice among {arity} options"
            )),
        }
    }

    fn end(&mut self) -> Option<String> {
        if self.error.is_none() && self.pos < self.decisions.len() {
            let left = self.decisions.len() - self.pos;
            self.error = Some(format!(
                "the execution ended with {left} decision(s) of the schedule unused"
            ));
        }
        self.error.take()
    }
}
