//! The terminal view of a trace: one column per thread, one row per step.

use super::TraceStep;

const WIDTH: usize = 38;

fn clip(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        format!("{s:<w$}")
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('…');
        t
    }
}

/// Render `trace` with a column per name in `threads`. `failure`, when given, is printed under
/// the table as Go would print it.
pub fn render_table(threads: &[String], trace: &[TraceStep], failure: Option<&str>) -> String {
    let mut out = String::new();
    let mut header = format!("{:>5}  ", "step");
    for t in threads {
        header.push_str(&clip(t, WIDTH));
        header.push_str("  ");
    }
    out.push_str(header.trim_end());
    out.push('\n');
    out.push_str(&"-".repeat(header.trim_end().chars().count()));
    out.push('\n');
    for (i, step) in trace.iter().enumerate() {
        let col = threads.iter().position(|t| *t == step.thread).unwrap_or(0);
        let last = i + 1 == trace.len() && failure.is_some();
        let mut line = format!("{:>5}  ", step.step);
        for _ in 0..col {
            line.push_str(&" ".repeat(WIDTH + 2));
        }
        let text = if last {
            format!("✗ {}", step.text)
        } else {
            step.text.clone()
        };
        line.push_str(&clip(&text, WIDTH));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if let Some(f) = failure {
        out.push('\n');
        out.push_str(f);
        out.push('\n');
    }
    out
}
