//! What the human views render of a report.

use super::*;

/// What the human views (`hazard show`) render of a report: the minimized interleaving when
/// there is one, else the recorded one.
pub struct View<'a> {
    pub threads: &'a [String],
    pub trace: &'a [TraceStep],
    pub signature: &'a Signature,
    /// As Go prints it.
    pub rendered: &'a str,
    pub preemptions: usize,
    /// Whether this is the minimized scenario's interleaving.
    pub minimized: bool,
    /// The faults injected in this interleaving.
    pub faults: &'a [InjectedFault],
    /// A linearizability violation's history.
    pub history: Option<&'a HistoryInfo>,
}

impl Report {
    /// The minimized interleaving if present, else the recorded one; `original` forces the
    /// recorded one.
    pub fn view(&self, original: bool) -> View<'_> {
        match (&self.minimized, original) {
            (Some(m), false) => View {
                threads: &m.schedule.threads,
                trace: &m.trace,
                signature: &m.signature,
                rendered: &m.rendered,
                preemptions: m.schedule.preemptions,
                minimized: true,
                faults: &m.faults,
                history: m.history.as_ref(),
            },
            _ => View {
                threads: &self.schedule.threads,
                trace: &self.trace,
                signature: &self.failure.signature,
                rendered: &self.failure.rendered,
                preemptions: self.schedule.preemptions,
                minimized: false,
                faults: self.faults.as_ref().map_or(&[], |f| &f.injected),
                history: self.failure.history.as_ref(),
            },
        }
    }
}
