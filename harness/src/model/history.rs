//! Histories of the objects a scenario's `expect.linearizable` names: every operation a thread
//! performs on one is recorded as an invocation and a response with its arguments and
//! result, for the linearizability oracle ([`crate::lin`]).
//!
//! Time is a counter of the log's own events. Under shuttle one thread runs at a time and
//! each event is taken as its thread gets to it, so an operation whose response has a
//! smaller tick than another's invocation really did finish before the other began.

use crate::base::Value;
use crate::lin::Operation;
use crate::scenario::{ObjId, OpId};

/// One recorded operation and the op of the scenario that performed it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub op: Operation,
    pub at: OpId,
}

/// The histories of one execution.
#[derive(Debug, Default)]
pub(crate) struct LinLog {
    /// The watched objects, each with its history's index.
    watch: Vec<(ObjId, usize)>,
    pub histories: Vec<Vec<Recorded>>,
    tick: u64,
}

/// An operation in flight: (history, index in it).
pub(crate) type Pending = Option<(usize, usize)>;

fn json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

impl LinLog {
    /// A log of the objects `watched` (in the program's order).
    pub fn new(watched: impl IntoIterator<Item = ObjId>) -> LinLog {
        let watch: Vec<(ObjId, usize)> = watched
            .into_iter()
            .enumerate()
            .map(|(i, o)| (o, i))
            .collect();
        LinLog {
            histories: vec![Vec::new(); watch.len()],
            watch,
            tick: 0,
        }
    }

    /// Thread `thread` invokes `name(args)` on `o`; nothing when `o` is not watched.
    pub fn call(
        &mut self,
        o: ObjId,
        thread: &str,
        name: &str,
        args: &[&Value],
        at: OpId,
    ) -> Pending {
        let &(_, h) = self.watch.iter().find(|(w, _)| *w == o)?;
        self.tick += 1;
        let hist = &mut self.histories[h];
        hist.push(Recorded {
            op: Operation {
                thread: thread.to_string(),
                op: name.to_string(),
                args: args.iter().map(|a| json(a)).collect(),
                result: None,
                call: self.tick,
                ret: None,
            },
            at,
        });
        Some((h, hist.len() - 1))
    }

    /// The operation `p` returned `result`. One that never gets here (its thread panicked,
    /// was killed, or blocked for good) stays pending.
    pub fn ret(&mut self, p: Pending, result: &Value) {
        let Some((h, i)) = p else {
            return;
        };
        self.tick += 1;
        let r = &mut self.histories[h][i].op;
        r.result = Some(json(result));
        r.ret = Some(self.tick);
    }

    /// Whether anything is watched (the interpreter skips the log otherwise).
    pub fn active(&self) -> bool {
        !self.watch.is_empty()
    }
}
