//! Depth-first search over real decisions with a preemption bound (iterative context bounding).
//!
//! A preemption is a switch away from a thread that could still run. With bound `b`, only
//! schedules with at most `b` preemptions are explored; within that bound the search is
//! exhaustive, so a fixed variant that passes an exhausted DFS has no failing schedule with
//! `b` or fewer preemptions.

use crate::rt::Strategy;

struct Level {
    /// Options at this decision, in the order they are tried; the first is the non-preempting one.
    options: Options,
    idx: usize,
}

/// A decision's options: the threads that may run (at most the scenario's threads), or a
/// choice's arity, kept as a count (a range over a large map chooses among its keys: a list
/// per level would make memory quadratic in the map's size).
enum Options {
    Threads(Vec<u32>),
    Count(u32),
}

impl Options {
    fn len(&self) -> usize {
        match self {
            Options::Threads(v) => v.len(),
            Options::Count(n) => *n as usize,
        }
    }
    fn get(&self, i: usize) -> u32 {
        match self {
            Options::Threads(v) => v[i],
            Options::Count(_) => i as u32,
        }
    }
}

pub(crate) struct Dfs {
    bound: usize,
    levels: Vec<Level>,
    depth: usize,
    preemptions: usize,
    started: bool,
}

impl Dfs {
    pub(crate) fn new(bound: usize) -> Dfs {
        Dfs {
            bound,
            levels: Vec::new(),
            depth: 0,
            preemptions: 0,
            started: false,
        }
    }

    fn pick(&mut self, make: impl FnOnce(usize) -> Options) -> u32 {
        if self.depth == self.levels.len() {
            let options = make(self.preemptions);
            self.levels.push(Level { options, idx: 0 });
        }
        let level = &self.levels[self.depth];
        self.depth += 1;
        level.options.get(level.idx.min(level.options.len() - 1))
    }
}

impl Strategy for Dfs {
    fn begin(&mut self) -> bool {
        if self.started {
            // Backtrack: advance the deepest level that has an untried option.
            loop {
                match self.levels.last_mut() {
                    Some(l) if l.idx + 1 < l.options.len() => {
                        l.idx += 1;
                        break;
                    }
                    Some(_) => {
                        self.levels.pop();
                    }
                    None => return false,
                }
            }
        }
        self.started = true;
        self.depth = 0;
        self.preemptions = 0;
        true
    }

    fn thread(&mut self, runnable: &[u32], current: Option<u32>) -> Option<u32> {
        let cur = current.filter(|c| runnable.contains(c));
        let bound = self.bound;
        let chosen = self.pick(|preemptions| match cur {
            Some(c) => {
                let mut opts = vec![c];
                if preemptions < bound {
                    opts.extend(runnable.iter().copied().filter(|&t| t != c));
                }
                Options::Threads(opts)
            }
            None => Options::Threads(runnable.to_vec()),
        });
        if cur.is_some_and(|c| c != chosen) {
            self.preemptions += 1;
        }
        Some(chosen)
    }

    fn choice(&mut self, arity: u32) -> Option<u32> {
        Some(self.pick(|_| Options::Count(arity)))
    }
}
