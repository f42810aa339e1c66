//! The terminal view of a trace: one column per thread, one row per step.

use super::TraceStep;

/// The width the whole table aims at: a column may take its share of it, so two threads get
/// wide columns and many threads narrow ones. Longer lines are clipped with `…` (the report
/// keeps them whole).
const TABLE_WIDTH: usize = 120;
/// Bounds of a column's width.
const MIN_WIDTH: usize = 12;
const MAX_WIDTH: usize = 56;
const MIN_SHARE: usize = 24;
/// Beyond this many threads a column each would not fit a terminal (and the table would grow
/// with the square of the threads): the steps are listed one per line, thread named.
const MAX_COLUMNS: usize = 12;

/// Marks a line the explorer reached by preempting another thread.
pub const PREEMPT_MARK: &str = "⇢";
/// Marks the failing line.
pub const FAIL_MARK: &str = "✗";

fn clip(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        format!("{s:<w$}")
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('…');
        t
    }
}

/// Whether the last line of `trace` is the failure itself: the ports note Go's message as
/// the failing thread's last line, but a final-state assertion fails after every thread ended.
fn failing_line(trace: &[TraceStep], failure: Option<&str>) -> Option<usize> {
    let f = failure?;
    let last = trace.last()?;
    (last.text == f).then(|| trace.len() - 1)
}

/// The text of line `i` in its cell: marks first, then the first line of the text (a deadlock's
/// goroutine list is printed under the table, not in a cell).
fn cell(step: &TraceStep, failing: bool) -> String {
    let mut s = String::new();
    if step.preempt {
        s.push_str(PREEMPT_MARK);
        s.push(' ');
    }
    if failing {
        s.push_str(FAIL_MARK);
        s.push(' ');
    }
    s.push_str(step.text.lines().next().unwrap_or(""));
    s
}

/// Render `trace` with a column per name in `threads`. `failure`, when given, is Go's message:
/// the failing line is marked `✗` and the message printed last, as Go prints it. Lines reached
/// by a preemption are marked `⇢`; a legend under the table explains the marks used.
pub fn render_table(threads: &[String], trace: &[TraceStep], failure: Option<&str>) -> String {
    let failing = failing_line(trace, failure);
    if threads.len() > MAX_COLUMNS {
        return render_list(threads, trace, failure, failing);
    }
    // Columns by name once, so that the whole layout is linear in the trace and the threads.
    let index: std::collections::HashMap<&str, usize> = threads
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let cols: Vec<usize> = trace
        .iter()
        .map(|s| index.get(s.thread.as_str()).copied().unwrap_or(0))
        .collect();
    let cells: Vec<String> = trace
        .iter()
        .enumerate()
        .map(|(i, s)| cell(s, Some(i) == failing || s.race))
        .collect();
    // Each column as wide as its widest line, up to its share of the table.
    let share = (TABLE_WIDTH.saturating_sub(7) / threads.len().max(1))
        .saturating_sub(2)
        .clamp(MIN_SHARE, MAX_WIDTH);
    let mut widths: Vec<usize> = threads.iter().map(|t| t.chars().count()).collect();
    for (&c, text) in cols.iter().zip(&cells) {
        if let Some(w) = widths.get_mut(c) {
            *w = (*w).max(text.chars().count());
        }
    }
    for w in &mut widths {
        *w = (*w).clamp(MIN_WIDTH, share);
    }
    let mut out = String::new();
    let mut header = format!("{:>5}  ", "step");
    for (t, w) in threads.iter().zip(&widths) {
        header.push_str(&clip(t, *w));
        header.push_str("  ");
    }
    let header = header.trim_end();
    out.push_str(header);
    out.push('\n');
    out.push_str(&"-".repeat(header.chars().count()));
    out.push('\n');
    for ((step, text), &col) in trace.iter().zip(&cells).zip(&cols) {
        let mut line = format!("{:>5}  ", step.step);
        for w in &widths[..col.min(widths.len())] {
            line.push_str(&" ".repeat(w + 2));
        }
        line.push_str(&clip(text, widths.get(col).copied().unwrap_or(share)));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    finish(out, trace, failure)
}

/// The same content for many threads: one line per step, `step  thread  text`.
fn render_list(
    threads: &[String],
    trace: &[TraceStep],
    failure: Option<&str>,
    failing: Option<usize>,
) -> String {
    let name_w = threads
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(MIN_WIDTH, MAX_WIDTH);
    let mut out = format!(
        "{} threads, one line per step\n{:>5}  {}  text\n",
        threads.len(),
        "step",
        clip("thread", name_w)
    );
    for (i, step) in trace.iter().enumerate() {
        let line = format!(
            "{:>5}  {}  {}",
            step.step,
            clip(&step.thread, name_w),
            cell(step, Some(i) == failing || step.race)
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    finish(out, trace, failure)
}

/// The legend under the steps, then Go's message.
fn finish(mut out: String, trace: &[TraceStep], failure: Option<&str>) -> String {
    let legend = legend(trace, failure);
    if !legend.is_empty() {
        out.push('\n');
        out.push_str(&legend);
    }
    if let Some(f) = failure {
        out.push('\n');
        out.push_str(f);
        out.push('\n');
    }
    out
}

/// The legend of the marks `trace` uses (empty when it uses none).
fn legend(trace: &[TraceStep], failure: Option<&str>) -> String {
    let mut out = String::new();
    if trace.iter().any(|s| s.preempt) {
        out.push_str(&format!(
            "{PREEMPT_MARK} preemption: the explorer switched to this thread while the previous one could still run\n"
        ));
    }
    if failing_line(trace, failure).is_some() {
        out.push_str(&format!("{FAIL_MARK} the failing step\n"));
    }
    if trace.iter().any(|s| s.race) {
        out.push_str(&format!(
            "{FAIL_MARK} the two accesses of the data race: no happens-before edge orders them\n"
        ));
    }
    out
}
