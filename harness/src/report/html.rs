//! The HTML view of a report (`hazard show --html`): one self-contained page, inline CSS and
//! inline SVG, no script, no font, no network. One swimlane per thread, the steps in order top
//! to bottom, an arrow for each hand-off (`TraceStep::from`), preemptions and the failing step
//! marked, and Go's message as Go prints it.
//!
//! The geometry is computed here, in pixels, rather than measured in the browser: with no
//! script the page cannot fail to draw, and the arrows land where the rows are.

use super::table::{FAIL_MARK, PREEMPT_MARK};
use super::{HistoryInfo, HistoryOp, Report, TraceStep, View};
use std::fmt::Write;

/// Width of the step-number gutter.
const GUTTER: f64 = 56.0;
/// Height of the lane headers (thread names).
const HEAD: f64 = 40.0;
/// Height of one trace line.
const ROW: f64 = 26.0;
/// Pixels per character of the 12px monospace font (DejaVu Sans Mono and its kin), used only
/// to size lanes: a longer line is clipped with an ellipsis and shown whole on hover.
const CHAR: f64 = 7.3;
const LANE_MIN: f64 = 150.0;
const LANE_MAX: f64 = 440.0;
/// Inset of a step box inside its lane (the CSS of `.step` says the same): the gap between
/// lanes is where arrows bend; they start and end on the box edges.
const INSET: f64 = 12.0;

/// Escape text for an HTML text node or a quoted attribute value.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The lanes: the view's threads, then any thread the trace names that they do not (a report
/// edited by hand), so that every step has a lane.
fn lanes(view: &View<'_>) -> Vec<String> {
    let mut lanes: Vec<String> = view.threads.to_vec();
    let mut known: std::collections::HashSet<&str> =
        view.threads.iter().map(String::as_str).collect();
    for s in view.trace {
        if known.insert(s.thread.as_str()) {
            lanes.push(s.thread.clone());
        }
    }
    lanes
}

/// Whether the last line is the failure itself (not so for a final-state assertion).
fn failing_line(view: &View<'_>) -> Option<usize> {
    let last = view.trace.last()?;
    (last.text == view.rendered).then(|| view.trace.len() - 1)
}

fn step_text(s: &TraceStep) -> &str {
    s.text.lines().next().unwrap_or("")
}

/// Render the page for `view`, one of `report`'s interleavings.
pub fn render_html(report: &Report, view: &View) -> String {
    let lanes = lanes(view);
    // Lanes by name once: the layout stays linear in the trace and the threads.
    let lane_index: std::collections::HashMap<&str, usize> = lanes
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let lane_of = |s: &TraceStep| lane_index.get(s.thread.as_str()).copied().unwrap_or(0);
    let failing = failing_line(view);

    // Lane geometry: as wide as its longest line (within bounds).
    let mut width = vec![0usize; lanes.len()];
    for (l, name) in lanes.iter().enumerate() {
        width[l] = name.chars().count();
    }
    for s in view.trace {
        let marks = 2 * (usize::from(s.preempt) + 1);
        let w = &mut width[lane_of(s)];
        *w = (*w).max(step_text(s).chars().count() + marks);
    }
    let lane_w: Vec<f64> = width
        .iter()
        .map(|&c| (c as f64 * CHAR + 2.0 * INSET + 14.0).clamp(LANE_MIN, LANE_MAX))
        .collect();
    let lane_x: Vec<f64> = lane_w
        .iter()
        .scan(GUTTER, |x, w| {
            let at = *x;
            *x += w;
            Some(at)
        })
        .collect();
    let total_w = GUTTER + lane_w.iter().sum::<f64>();
    let total_h = HEAD + ROW * view.trace.len() as f64 + 8.0;
    let row_y = |i: usize| HEAD + ROW * i as f64;

    let mut h = String::new();
    let scenario = &report.scenario;
    let sig = view.signature;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>hazard: {} — {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(&scenario.name),
        esc(&sig.message)
    );

    // Header: what failed, where, and which interleaving this is.
    let _ = writeln!(h, "<header>\n<h1>{}</h1>", esc(&scenario.name));
    let mut sub = vec![esc(&scenario.file)];
    if let Some(c) = &scenario.catalog {
        sub.push(format!("catalog <code>{}</code>", esc(c)));
    }
    if let Some(v) = &scenario.variant {
        sub.push(format!("variant {}", esc(v)));
    }
    let _ = writeln!(h, "<p class=\"sub\">{}</p>", sub.join(" · "));
    let _ = writeln!(h, "<dl class=\"facts\">");
    let _ = writeln!(
        h,
        "<dt>signature</dt><dd class=\"sig\"><code>{}</code> · {} · thread <code>{}</code> · op <code>{}</code></dd>",
        esc(&sig.id),
        esc(sig.kind.as_str()),
        esc(sig.thread.as_deref().unwrap_or("-")),
        esc(sig.op.as_deref().unwrap_or("-"))
    );
    let interleaving = if view.minimized {
        let how = report
            .minimized
            .as_ref()
            .map(|m| match m.minimality.status.as_str() {
                "proven" => " (fewest preemptions: proven)".to_string(),
                other => format!(" ({})", esc(other)),
            })
            .unwrap_or_default();
        format!("minimized{how}")
    } else if report.minimized.is_some() {
        "recorded (the report also has a minimized one)".to_string()
    } else {
        "recorded".to_string()
    };
    let _ = writeln!(
        h,
        "<dt>interleaving</dt><dd class=\"interleaving\">{interleaving}</dd>"
    );
    let _ = writeln!(
        h,
        "<dt>preemptions</dt><dd class=\"preemptions\">{}</dd>",
        view.preemptions
    );
    let _ = writeln!(
        h,
        "<dt>Go runtime</dt><dd>{}: {}</dd>",
        if report.failure.go_detects {
            "reports this interleaving"
        } else {
            "stays silent"
        },
        esc(&report.failure.go_detects_why)
    );
    if let Some(t) = &report.failure.go_tools {
        for (tool, verdict) in [
            ("go test -race", &t.race),
            ("goroutineleak profile", &t.leak_profile),
            ("go vet", &t.vet),
        ] {
            let word = match verdict.detects {
                crate::model::Detects::Yes => "reports it",
                crate::model::Detects::No => "does not report it",
                crate::model::Detects::Depends => "may report it",
            };
            let _ = writeln!(
                h,
                "<dt>{tool}</dt><dd class=\"go-tool\">{word}: {}</dd>",
                esc(&verdict.why)
            );
        }
    }
    let _ = writeln!(
        h,
        "<dt>found</dt><dd>by {} after {} execution{} (seed {})</dd>",
        esc(&report.exploration.found_by),
        report.exploration.executions,
        if report.exploration.executions == 1 {
            ""
        } else {
            "s"
        },
        report.exploration.seed
    );
    if !view.faults.is_empty() {
        let list: Vec<String> = view
            .faults
            .iter()
            .map(|f| {
                format!(
                    "<li>step {} · <code>{}</code> · #{} {} · <code>{}</code>: {}</li>",
                    f.step,
                    esc(&f.thread),
                    f.rule,
                    esc(&f.fault),
                    esc(&f.op),
                    esc(&f.effect)
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<dt>faults</dt><dd class=\"faults\"><ul>{}</ul></dd>",
            list.concat()
        );
    }
    let _ = writeln!(h, "</dl>\n</header>");

    // The swimlanes.
    let _ = writeln!(
        h,
        "<main class=\"scroll\">\n<div class=\"swim\" style=\"width:{total_w:.1}px;height:{total_h:.1}px\">"
    );
    for i in (1..view.trace.len()).step_by(2) {
        let _ = writeln!(h, "<div class=\"band\" style=\"top:{}px\"></div>", row_y(i));
    }
    let _ = writeln!(h, "<div class=\"gutter\" style=\"width:{GUTTER}px\">");
    let _ = writeln!(h, "<div class=\"gutter-head\">step</div>");
    for (i, s) in view.trace.iter().enumerate() {
        let _ = writeln!(
            h,
            "<div class=\"n{}\" style=\"top:{}px\">{}</div>",
            if s.preempt { " preempt" } else { "" },
            row_y(i),
            s.step
        );
    }
    let _ = writeln!(h, "</div>");
    let mut by_lane: Vec<Vec<usize>> = vec![Vec::new(); lanes.len()];
    for (i, s) in view.trace.iter().enumerate() {
        by_lane[lane_of(s)].push(i);
    }
    for (l, name) in lanes.iter().enumerate() {
        let _ = writeln!(
            h,
            "<section class=\"lane\" data-thread=\"{}\" style=\"left:{:.1}px;width:{:.1}px\">\n<div class=\"lane-head\" title=\"{}\">{}</div>",
            esc(name),
            lane_x[l],
            lane_w[l],
            esc(name),
            esc(name)
        );
        for &i in &by_lane[l] {
            let s = &view.trace[i];
            let mut class = String::from("step");
            let mut marks = String::new();
            if s.preempt {
                class.push_str(" preempt");
                marks.push_str(&format!("<span class=\"mark pre\">{PREEMPT_MARK}</span>"));
            }
            if failing == Some(i) || s.race {
                class.push_str(" fail");
                marks.push_str(&format!("<span class=\"mark fail\">{FAIL_MARK}</span>"));
            }
            let mut title = format!("step {} · {}\n{}", s.step, s.op, s.text);
            if let Some(src) = s.from.and_then(|f| view.trace.get(f as usize)) {
                class.push_str(" linked");
                title.push_str(&format!("\n← hand-off from {}: {}", src.thread, src.text));
            }
            let _ = writeln!(
                h,
                "<div class=\"{class}\" id=\"line-{i}\" style=\"top:{}px\" title=\"{}\">{marks}{}</div>",
                row_y(i),
                esc(&title),
                esc(step_text(s))
            );
        }
        let _ = writeln!(h, "</section>");
    }
    if view.trace.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"empty\" style=\"top:{HEAD}px\">no trace recorded for this interleaving</p>"
        );
    }

    // Hand-off arrows, drawn over the lanes.
    let _ = writeln!(
        h,
        "<svg class=\"arrows\" width=\"{total_w:.1}\" height=\"{total_h:.1}\" viewBox=\"0 0 {total_w:.1} {total_h:.1}\" aria-hidden=\"true\">\n\
         <defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" class=\"tip\"/></marker></defs>"
    );
    for (j, s) in view.trace.iter().enumerate() {
        let Some(i) = s.from.map(|f| f as usize) else {
            continue;
        };
        let Some(src) = view.trace.get(i).filter(|_| i < j) else {
            continue;
        };
        let (a, b) = (lane_of(src), lane_of(s));
        let (ys, yd) = (row_y(i) + ROW / 2.0, row_y(j) + ROW / 2.0);
        let (xs, xd) = if a < b {
            (lane_x[a] + lane_w[a] - INSET, lane_x[b] + INSET)
        } else {
            (lane_x[a] + INSET, lane_x[b] + lane_w[b] - INSET)
        };
        let dx = ((xd - xs).abs() / 2.0).min(60.0) * if xd >= xs { 1.0 } else { -1.0 };
        let _ = writeln!(
            h,
            "<path class=\"handoff\" data-from=\"{i}\" data-to=\"{j}\" d=\"M{xs:.1},{ys:.1} C{:.1},{ys:.1} {:.1},{yd:.1} {xd:.1},{yd:.1}\" marker-end=\"url(#head)\"/>",
            xs + dx,
            xd - dx
        );
    }
    // A data race: the edge that is missing, dashed, between its two accesses.
    let racing: Vec<usize> = (0..view.trace.len())
        .filter(|&i| view.trace[i].race)
        .collect();
    if let [i, j] = racing[..] {
        let (a, b) = (lane_of(&view.trace[i]), lane_of(&view.trace[j]));
        let (ys, yd) = (row_y(i) + ROW / 2.0, row_y(j) + ROW / 2.0);
        let (xs, xd) = if a < b {
            (lane_x[a] + lane_w[a] - INSET, lane_x[b] + INSET)
        } else if a > b {
            (lane_x[a] + INSET, lane_x[b] + lane_w[b] - INSET)
        } else {
            (lane_x[a] + lane_w[a] - INSET, lane_x[b] + lane_w[b] - INSET)
        };
        let bulge = if a == b { 40.0 } else { 0.0 };
        let _ = writeln!(
            h,
            "<path class=\"race\" data-from=\"{i}\" data-to=\"{j}\" d=\"M{xs:.1},{ys:.1} C{:.1},{ys:.1} {:.1},{yd:.1} {xd:.1},{yd:.1}\"/>",
            (xs + xd) / 2.0 + bulge,
            (xs + xd) / 2.0 + bulge
        );
    }
    let _ = writeln!(h, "</svg>\n</div>\n</main>");

    // Legend and Go's output.
    let _ = writeln!(h, "<section>\n<ul class=\"legend\">");
    let _ = writeln!(
        h,
        "<li><span class=\"mark pre\">{PREEMPT_MARK}</span> preemption: the explorer switched to this thread while the previous one could still run</li>"
    );
    let _ = writeln!(
        h,
        "<li><span class=\"mark fail\">{FAIL_MARK}</span> the failing step{}</li>",
        if view.trace.iter().any(|s| s.race) {
            "; for a data race, its two accesses, joined by a dashed line: the happens-before edge that is missing"
        } else {
            ""
        }
    );
    let _ = writeln!(
        h,
        "<li><svg width=\"34\" height=\"10\" aria-hidden=\"true\"><path d=\"M1,5 H26\" class=\"legend-line\"/><path d=\"M25,1 L33,5 L25,9 z\" class=\"tip\"/></svg> hand-off: this line synchronizes with the earlier line of another thread (an Unlock before a Lock, a send before its receive, a close before the receives it ends)</li>"
    );
    let _ = writeln!(h, "</ul>");
    if let Some(hist) = view.history {
        history_svg(&mut h, hist);
    }
    let _ = writeln!(
        h,
        "<h2>As Go prints it</h2>\n<pre class=\"go-msg\">{}</pre>\n</section>\n</body>\n</html>",
        esc(view.rendered)
    );
    h
}

/// A linearizability violation's history: one row per thread, each operation a bar from its
/// call to its return (a pending one runs to the end, dashed); the operations of the longest
/// legal order are numbered in that order, and the one no order explains is drawn red.
fn history_svg(h: &mut String, hist: &HistoryInfo) {
    const LEFT: f64 = 110.0;
    const ROW_H: f64 = 34.0;
    const BAR_H: f64 = 20.0;
    const TICK_W: f64 = 14.0;
    const CHAR_W: f64 = 7.0;
    let mut threads: Vec<&str> = Vec::new();
    for o in &hist.ops {
        if !threads.contains(&o.thread.as_str()) {
            threads.push(&o.thread);
        }
    }
    let label = |i: usize, o: &HistoryOp| {
        let args: Vec<String> = o.args.iter().map(|a| a.to_string()).collect();
        let res = match o.ret {
            Some(_) => format!(" → {}", o.result),
            None => " (pending)".to_string(),
        };
        let rank = hist
            .order
            .iter()
            .position(|&k| k == i)
            .map(|k| format!("{}. ", k + 1))
            .unwrap_or_default();
        format!("{rank}{}({}){res}", o.op, args.join(", "))
    };
    // Ticks laid out left to right, each bar at least as wide as its label: a tick is placed
    // after the one before it and after the call of every operation returning there, plus
    // that operation's label.
    let last = hist
        .ops
        .iter()
        .map(|o| o.ret.unwrap_or(o.call))
        .max()
        .unwrap_or(0)
        + 1;
    let mut xs = vec![LEFT; last as usize + 1];
    for t in 1..=last as usize {
        let mut x = xs[t - 1] + TICK_W;
        for (i, o) in hist.ops.iter().enumerate() {
            let end = o.ret.unwrap_or(last) as usize;
            if end == t {
                let need = label(i, o).chars().count() as f64 * CHAR_W + 12.0;
                x = x.max(xs[o.call as usize] + need);
            }
        }
        xs[t] = x;
    }
    let x = |t: u64| xs[t as usize];
    let width = x(last) + 20.0;
    let height = 28.0 + ROW_H * threads.len() as f64;
    let _ = writeln!(
        h,
        "<h2>History of {} ({}{})</h2>",
        esc(&hist.object),
        esc(&hist.spec),
        hist.key
            .as_ref()
            .map(|k| format!(", key {}", esc(k)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        h,
        "<p>Each bar runs from an operation's call to its return. No order of the operations keeps every one that returned before another was called ahead of it and gives each the result it returned: the numbered bars are the longest legal order found, and after them nothing explains the red one{}.</p>",
        hist.expected
            .as_ref()
            .map(|e| format!(" (the {} gives {} there)", esc(&hist.spec), esc(&e.to_string())))
            .unwrap_or_default()
    );
    let _ = writeln!(
        h,
        "<div class=\"history-wrap\"><svg class=\"history\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"history of {}\">",
        esc(&hist.object)
    );
    for (r, t) in threads.iter().enumerate() {
        let y = 20.0 + ROW_H * r as f64;
        let _ = writeln!(
            h,
            "<text class=\"hist-thread\" x=\"8\" y=\"{:.1}\">{}</text>",
            y + BAR_H * 0.7,
            esc(t)
        );
    }
    for (i, o) in hist.ops.iter().enumerate() {
        let r = threads.iter().position(|t| *t == o.thread).unwrap_or(0);
        let y = 20.0 + ROW_H * r as f64;
        let (x0, x1) = (x(o.call), x(o.ret.unwrap_or(last)));
        let w = (x1 - x0).max(6.0);
        let class = if i == hist.stuck {
            "hist-op stuck"
        } else if o.ret.is_none() {
            "hist-op pending"
        } else {
            "hist-op"
        };
        let rank = hist.order.iter().position(|&k| k == i);
        let _ = writeln!(
            h,
            "<g class=\"{class}\" data-op=\"{i}\"{}><title>{}: {} (at {})</title><rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR_H}\" rx=\"4\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            rank.map(|k| format!(" data-order=\"{}\"", k + 1)).unwrap_or_default(),
            esc(&o.thread),
            esc(&label(i, o)),
            esc(&o.at),
            x0 + 4.0,
            y + BAR_H * 0.7,
            esc(&label(i, o))
        );
    }
    let _ = writeln!(h, "</svg></div>");
}

const CSS: &str = r#".history-wrap { overflow-x: auto; background: #fff; border: 1px solid #d9dde3; border-radius: 6px; padding: 4px; }
.hist-thread { font: 12px ui-monospace, monospace; fill: #1d2330; }
.hist-op rect { fill: #dce7f7; stroke: #4a6fa5; }
.hist-op text { font: 11px ui-monospace, monospace; fill: #1d2330; }
.hist-op.pending rect { fill: #f1f2f4; stroke-dasharray: 4 3; }
.hist-op.stuck rect { fill: #f8d7d5; stroke: #c0392b; stroke-width: 2; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f6f7f9; }
body > header, body > section { padding: 14px 24px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 16px 0 6px; }
.sub { color: #5b6475; margin: 0 0 10px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dt { color: #5b6475; }
dd { margin: 0; }
code, pre, .swim { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.scroll { display: block; overflow-x: auto; padding: 4px 24px 8px; }
.swim { position: relative; font-size: 12px; background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; box-sizing: content-box; }
.band { position: absolute; left: 0; right: 0; height: 26px; background: #f5f7fa; }
.gutter { position: absolute; left: 0; top: 0; bottom: 0; color: #8a93a3; text-align: right; }
.gutter-head { height: 40px; line-height: 40px; padding-right: 10px; font-weight: 600; color: #5b6475; }
.gutter .n, .gutter .n.preempt { position: absolute; right: 10px; height: 26px; line-height: 26px; }
.gutter .n.preempt { color: #b5620b; font-weight: 600; }
.lane { position: absolute; top: 0; bottom: 0; border-left: 1px solid #e1e5eb; }
.lane-head { height: 39px; line-height: 39px; text-align: center; font-weight: 600; border-bottom: 1px solid #d5d9e0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 0 6px; }
.step { position: absolute; left: 12px; right: 12px; height: 22px; margin-top: 2px; line-height: 22px; padding: 0 7px; box-sizing: border-box; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; border-radius: 4px; background: #eaf0fb; color: #1d2a44; }
.step.linked { background: #e3edff; }
.step.preempt { box-shadow: inset 3px 0 0 #e8912d; }
.step.fail { background: #fde3e1; color: #8d1111; font-weight: 600; box-shadow: inset 0 0 0 1px #e5534b; }
.step.fail.preempt { box-shadow: inset 3px 0 0 #e8912d, inset 0 0 0 1px #e5534b; }
.mark { display: inline-block; margin-right: 5px; font-weight: 700; }
.mark.pre { color: #c66a00; }
.mark.fail { color: #d22d22; }
.arrows { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; }
.handoff { fill: none; stroke: #2f6fdf; stroke-width: 1.6; opacity: 0.8; }
.tip { fill: #2f6fdf; }
.race { fill: none; stroke: #d22d22; stroke-width: 1.6; stroke-dasharray: 5 4; }
.legend-line { stroke: #2f6fdf; stroke-width: 1.6; }
.legend { list-style: none; padding: 0; margin: 0; color: #3b4352; }
.legend li { margin: 2px 0; }
.empty { position: absolute; left: 70px; color: #8a93a3; }
.go-msg { background: #1d2330; color: #f3f4f6; padding: 12px 14px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; margin: 0; }
"#;
