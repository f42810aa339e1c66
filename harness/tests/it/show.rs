//! The human views of a report: hand-off links in traces, `hazard show` (table and HTML), and
//! the HTML page rendered by a real headless Chromium (lanes, console, screenshot).

use crate::helpers::{buggy_race_scenarios, hazard, prog, reports_in, scenarios, sigs, text};
use harness::explore::{explore, replay, EngineKind, ExploreConfig};
use harness::report::{build, render_html, trace_steps, write_report, Report, RunInfo, TraceStep};
use harness::scenario::{load_file, Program};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---- hand-off links ----

/// The trace of the one non-preemptive execution of `p` (a single top-level thread that
/// spawns the others, so bound 0 leaves no choice), which must fail as `p` expects.
fn forced_trace(p: &Arc<Program>) -> Vec<TraceStep> {
    let cfg = ExploreConfig::default()
        .engine(EngineKind::Dfs)
        .preemption_bound(0)
        .iterations(50);
    let x = explore(p, &cfg).expect("exploration runs");
    let f = x
        .matching(p)
        .unwrap_or_else(|| panic!("the scenario fails as expected; found {:?}", sigs(&x)));
    let out = replay(p, &f.schedule, cfg.max_steps, true).expect("the schedule replays");
    let trace = trace_steps(p, &out);
    // Whatever the scenario: a link names an earlier line of another thread.
    for (j, s) in trace.iter().enumerate() {
        if let Some(i) = s.from {
            let src = &trace[i as usize];
            assert!((i as usize) < j, "line {j} links forward to {i}");
            assert_ne!(src.thread, s.thread, "line {j} links within its thread");
        }
    }
    trace
}

/// The index of the only line of `thread` whose text starts with `text`.
#[track_caller]
fn line(trace: &[TraceStep], thread: &str, text: &str) -> usize {
    let hits: Vec<usize> = (0..trace.len())
        .filter(|&i| trace[i].thread == thread && trace[i].text.starts_with(text))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "one line of {thread} starting {text:?} in\n{}",
        show(trace)
    );
    hits[0]
}

fn show(trace: &[TraceStep]) -> String {
    trace
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{i:>3} {:<8} {:<45} from {:?}\n", s.thread, s.text, s.from))
        .collect()
}

#[track_caller]
fn assert_link(trace: &[TraceStep], to: usize, from: usize) {
    assert_eq!(
        trace[to].from,
        Some(from as u64),
        "line {to} ({:?}) links to line {from} ({:?}) in\n{}",
        trace[to].text,
        trace[from].text,
        show(trace)
    );
}

#[test]
fn handoffs_link_unlock_to_blocked_lock_send_to_recv_and_close_to_woken_receiver() {
    // main blocks in turn on ch, mu and done; each time the worker's line that lets it go on
    // is the link. The final assertion always fails, so the execution is a finding.
    let p = prog(json!({
        "objects": {
            "mu": { "kind": "mutex" }, "ch": { "kind": "chan" },
            "ack": { "kind": "chan" }, "done": { "kind": "chan" }
        },
        "threads": { "main": [
            { "op": "spawn", "thread": "worker", "body": [
                { "op": "lock", "obj": "mu" },
                { "op": "send", "obj": "ch", "value": 1 },
                { "op": "recv", "obj": "ack" },
                { "op": "unlock", "obj": "mu" },
                { "op": "recv", "obj": "ack" },
                { "op": "close", "obj": "done" }
            ] },
            { "op": "recv", "obj": "ch" },
            { "op": "send", "obj": "ack", "value": 0 },
            { "op": "lock", "obj": "mu" },
            { "op": "unlock", "obj": "mu" },
            { "op": "send", "obj": "ack", "value": 0 },
            { "op": "recv", "obj": "done" }
        ] },
        "expect": {
            "fails": { "kind": "assertion" },
            "final": [ { "obj": "done", "closed": false } ]
        }
    }));
    let t = forced_trace(&p);
    // Unbuffered send → the receive that got the value (main waited first).
    let send = line(&t, "worker", "ch <- 1");
    let recv = line(&t, "main", "<-ch -> 1, true (woken)");
    assert_link(&t, recv, send);
    // main's sends on ack wake the worker's receives.
    let acks: Vec<usize> = (0..t.len())
        .filter(|&i| t[i].thread == "main" && t[i].text.starts_with("ack <- 0"))
        .collect();
    let woken: Vec<usize> = (0..t.len())
        .filter(|&i| t[i].thread == "worker" && t[i].text.starts_with("<-ack -> 0, true"))
        .collect();
    assert_eq!((acks.len(), woken.len()), (2, 2), "{}", show(&t));
    assert_link(&t, woken[0], acks[0]);
    assert_link(&t, woken[1], acks[1]);
    // Unlock → the Lock it let through, with main blocked on it meanwhile.
    let blocked = line(&t, "main", "blocks [sync.Mutex.Lock]");
    let unlock = line(&t, "worker", "mu.Unlock()");
    let lock = line(&t, "main", "mu.Lock(): acquired");
    assert!(blocked < unlock && unlock < lock, "{}", show(&t));
    assert_link(&t, lock, unlock);
    // Close → the receiver it woke.
    let waits = line(&t, "main", "<-done: waits for a sender");
    let close = line(&t, "worker", "close(done)");
    let wake = line(&t, "main", "<-done -> 0, false (woken)");
    assert!(
        waits < close,
        "main waits on done before the close\n{}",
        show(&t)
    );
    assert_link(&t, wake, close);
    // Nothing else links: main's own unlock and the worker's first lock have no hand-off.
    assert_eq!(
        t.iter().filter(|s| s.from.is_some()).count(),
        5,
        "{}",
        show(&t)
    );
}

#[test]
fn handoffs_link_buffered_values_in_order_and_done_to_wait() {
    let p = prog(json!({
        "objects": { "q": { "kind": "chan", "cap": 2 }, "wg": { "kind": "waitgroup" } },
        "threads": { "main": [
            { "op": "add", "obj": "wg", "delta": 1 },
            { "op": "spawn", "thread": "worker", "body": [
                { "op": "recv", "obj": "q" },
                { "op": "recv", "obj": "q" },
                { "op": "done", "obj": "wg" }
            ] },
            { "op": "send", "obj": "q", "value": 1 },
            { "op": "send", "obj": "q", "value": 2 },
            { "op": "wait", "obj": "wg" }
        ] },
        "expect": {
            "fails": { "kind": "assertion" },
            "final": [ { "obj": "q", "len": 9 } ]
        }
    }));
    let t = forced_trace(&p);
    let (s1, s2) = (line(&t, "main", "q <- 1"), line(&t, "main", "q <- 2"));
    let (r1, r2) = (
        line(&t, "worker", "<-q -> 1, true"),
        line(&t, "worker", "<-q -> 2, true"),
    );
    assert_link(&t, r1, s1);
    assert_link(&t, r2, s2);
    let zero = line(&t, "worker", "counter 0: releases 1 waiter(s)");
    let ret = line(&t, "main", "woken, returns");
    assert_link(&t, ret, zero);
}

#[test]
fn report_trace_links_the_close_to_the_sender_it_woke_the_same_way_each_time() {
    // The links are part of the trace: two reports of one finding carry the same ones.
    let p = Arc::new(load_file(&scenarios().join("chan-send-closed-blocked.json")).unwrap());
    let (a, b) = (forced_report(&p), forced_report(&p));
    assert_eq!(a.trace, b.trace);
    let close = a
        .trace
        .iter()
        .position(|s| s.text.starts_with("close(results)"))
        .expect("the close is traced");
    let woken = a
        .trace
        .iter()
        .position(|s| s.text == "results closed while sending")
        .expect("the blocked sender wakes");
    assert_eq!(a.trace[woken].from, Some(close as u64));
}

// ---- reports and the CLI ----

/// Explore `p` with the portfolio and build the report of the expected finding.
fn forced_report(p: &Arc<Program>) -> Report {
    let cfg = ExploreConfig::default().iterations(3000);
    let x = explore(p, &cfg).expect("exploration runs");
    let f = x.matching(p).expect("the scenario fails as it expects");
    let r = build(
        p,
        f,
        &RunInfo {
            config: &cfg,
            exploration: &x,
        },
    );
    assert!(r.replay_verified);
    r
}

fn shipped_report(name: &str) -> Report {
    let p = Arc::new(load_file(&scenarios().join(name)).expect("shipped scenario loads"));
    forced_report(&p)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn show_prints_a_column_per_thread_marks_and_go_message_last() {
    let report = shipped_report("map-concurrent-writes.json");
    let tmp = tempfile::tempdir().unwrap();
    let path = write_report(tmp.path(), &report).unwrap();
    let o = hazard(&["show", path.to_str().unwrap()], Path::new("."));
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{:?}", o.stderr);
    assert!(out.contains("scenario:     map-concurrent-writes"), "{out}");
    assert!(
        out.contains("signature:    map-concurrent-writes [fatal]"),
        "{out}"
    );
    assert!(
        out.contains(&format!("preemptions:  {}", report.schedule.preemptions)),
        "{out}"
    );
    assert!(out.contains("interleaving: recorded"), "{out}");

    let lines: Vec<&str> = out.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.trim_start().starts_with("step"))
        .expect("a table header");
    // One column per thread, in the schedule's order.
    let names: Vec<&str> = lines[head].split_whitespace().skip(1).collect();
    assert_eq!(names, report.schedule.threads, "{out}");
    let rows = &lines[head + 2..head + 2 + report.trace.len()];
    for (row, step) in rows.iter().zip(&report.trace) {
        // Each line sits in its thread's column.
        let col = report
            .schedule
            .threads
            .iter()
            .position(|t| *t == step.thread)
            .unwrap();
        let at = row.chars().count()
            - row
                .trim_start_matches(|c: char| c == ' ' || c.is_ascii_digit())
                .chars()
                .count();
        let starts: Vec<usize> = report
            .schedule
            .threads
            .iter()
            .map(|t| lines[head].find(t.as_str()).unwrap())
            .collect();
        assert_eq!(at, starts[col], "line {row:?} in column of {}", step.thread);
        assert_eq!(
            row.contains('⇢'),
            step.preempt,
            "preemption mark of {row:?}"
        );
    }
    let preempts = report.trace.iter().filter(|s| s.preempt).count();
    assert!(preempts > 0, "this finding needs a preemption");
    assert_eq!(
        out.matches('⇢').count(),
        preempts + 1,
        "marks and legend: {out}"
    );
    // The failing line is the last one, marked.
    let last = rows.last().unwrap();
    assert!(
        last.contains("✗ fatal error: concurrent map writes"),
        "{out}"
    );
    assert_eq!(out.matches("✗ ").count(), 2, "mark and legend: {out}");
    // Go's message last, exactly.
    assert!(
        out.ends_with("\n\nfatal error: concurrent map writes\n"),
        "{out}"
    );
}

#[test]
fn show_prefers_the_minimized_interleaving_and_original_forces_the_recorded_one() {
    let report = shipped_report("chan-send-closed-blocked.json");
    // A report as minimization leaves it: same finding, a (here: relabelled) shorter trace.
    let mut v = serde_json::to_value(&report).unwrap();
    let mut short = report.trace.clone();
    short.drain(..short.len() - 2);
    for s in &mut short {
        s.from = None;
    }
    short[0].text = "MINIMIZED results closed while sending".into();
    v["minimized"] = json!({
        "hash": report.scenario.hash, "source": report.scenario.source, "removed": [],
        "signature": report.failure.signature, "rendered": report.failure.rendered,
        "schedule": report.schedule, "trace": short, "steps": 2,
        "minimality": { "preemptions": 0, "status": "proven", "executions": 1,
                        "elapsed_ms": 0, "budget": 1 },
        "replay_verified": true
    });
    let minimized: Report = serde_json::from_value(v).expect("a report with a minimized part");
    let tmp = tempfile::tempdir().unwrap();
    let path = write_report(tmp.path(), &minimized).unwrap();
    let p = path.to_str().unwrap();

    let min = stdout(&hazard(&["show", p], Path::new(".")));
    assert!(min.contains("interleaving: minimized"), "{min}");
    assert!(min.contains("MINIMIZED"), "{min}");
    assert!(min.ends_with("\npanic: send on closed channel\n"), "{min}");
    let orig = stdout(&hazard(&["show", "--original", p], Path::new(".")));
    assert!(orig.contains("interleaving: recorded"), "{orig}");
    assert!(!orig.contains("MINIMIZED"), "{orig}");
    assert!(orig.contains("close(results)"), "{orig}");

    let html = stdout(&hazard(&["show", "--html", p], Path::new(".")));
    assert!(
        html.contains("MINIMIZED") && html.contains(">minimized"),
        "{html}"
    );
    let html = stdout(&hazard(
        &["show", "--html", "--original", p],
        Path::new("."),
    ));
    assert!(!html.contains("MINIMIZED"), "{html}");
}

#[test]
fn show_rejects_what_is_not_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("x.json");
    std::fs::write(&f, "{}").unwrap();
    let o = hazard(&["show", f.to_str().unwrap()], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a hazard/report/v1 report"));
}

// ---- the HTML page ----

/// A scenario whose names try to break out of the page.
fn hostile_report() -> Report {
    let p = prog(json!({
        "name": "</title><script>alert('name')</script>",
        "objects": { "c<i>&\"'": { "kind": "chan" } },
        "threads": {
            "<img src=x onerror=alert(1)>": [ { "op": "close", "obj": "c<i>&\"'" } ],
            "b</pre>": [ { "op": "close", "obj": "c<i>&\"'" } ]
        },
        "expect": { "fails": { "message": "close of closed channel" } }
    }));
    forced_report(&p)
}

#[test]
fn html_is_self_contained_and_escapes_scenario_text() {
    let report = shipped_report("chan-send-closed.json");
    let html = render_html(&report, &report.view(false));
    for bad in [
        "<script",
        "http:",
        "https:",
        "src=",
        "@import",
        "@font-face",
    ] {
        assert!(!html.contains(bad), "{bad} in the page:\n{html}");
    }
    // `url(` only for the arrowhead marker, an element of the page.
    assert_eq!(
        html.matches("url(").count(),
        html.matches("url(#head)").count()
    );
    // The only link is the empty favicon that keeps browsers from asking for one.
    assert_eq!(html.matches("href=").count(), 1, "{html}");
    assert!(html.contains("<link rel=\"icon\" href=\"data:,\">"));

    let report = hostile_report();
    let html = render_html(&report, &report.view(false));
    assert!(!html.contains("<img"), "{html}");
    assert_eq!(html.matches("<script").count(), 0, "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;/title&gt;&lt;script&gt;alert(&#39;name&#39;)"),
        "{html}"
    );
    assert!(html.contains("c&lt;i&gt;&amp;&quot;&#39;"), "{html}");
}

/// The `class` of each step box in a page, by trace line (boxes are grouped by lane).
fn step_classes(dom: &str) -> Vec<String> {
    let mut steps: Vec<(usize, String)> = dom
        .split("<div class=\"step")
        .skip(1)
        .map(|rest| {
            let class = rest.split('"').next().unwrap_or("").to_string();
            let id = rest
                .split("id=\"line-")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|n| n.parse().ok())
                .expect("a step box has its line as id");
            (id, class)
        })
        .collect();
    steps.sort();
    assert!(steps.iter().enumerate().all(|(i, (id, _))| i == *id));
    steps.into_iter().map(|(_, c)| c).collect()
}

/// `target/hazard-artifacts/`: pages and screenshots the browser test keeps for people.
fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp is in target/")
        .join("hazard-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// Run headless Chromium on `page` with `args`; its stdout and stderr. Fails (not skips) when
/// Chromium is missing: the browser test is part of the suite.
pub(crate) fn chromium(page: &Path, args: &[&str]) -> (String, String) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the HTML view is tested in a real browser. Run scripts/ensure-chromium (as root; `make test` runs it) and test again."
    );
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes while waiting, so a chatty browser cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (o, e) = (out_t.join().unwrap(), err_t.join().unwrap());
            assert!(status.success(), "chromium failed ({status}):\n{e}");
            return (o, e);
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Console messages in Chromium's log. This Chromium logs every console level as `INFO`, so
/// any message counts: the page runs no script, and anything it says is a fault.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("CONSOLE")).collect()
}

#[track_caller]
fn load_in_chromium(name: &str, report: &Report) -> String {
    let page = artifacts().join(format!("{name}.html"));
    std::fs::write(&page, render_html(report, &report.view(false))).unwrap();
    let (dom, log) = chromium(&page, &["--dump-dom"]);
    let console = console_lines(&log);
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    assert!(dom.contains("</html>"), "the page loads:\n{dom}\n{log}");
    dom
}

#[test]
fn html_renders_in_chromium_one_lane_per_thread_no_console_message() {
    let report = shipped_report("chan-send-closed.json");
    let dom = load_in_chromium("show-chan-send-closed", &report);
    let threads = &report.schedule.threads;
    assert_eq!(
        dom.matches("<section class=\"lane\"").count(),
        threads.len(),
        "{dom}"
    );
    for t in threads {
        assert!(
            dom.contains(&format!("data-thread=\"{t}\"")),
            "lane of {t}: {dom}"
        );
    }
    let classes = step_classes(&dom);
    assert_eq!(classes.len(), report.trace.len(), "{dom}");
    let fail: Vec<usize> = (0..classes.len())
        .filter(|&i| classes[i].contains("fail"))
        .collect();
    assert_eq!(fail, [report.trace.len() - 1], "the last step fails: {dom}");
    let links = report.trace.iter().filter(|s| s.from.is_some()).count();
    assert!(
        links > 0,
        "the send on the closed channel links to the close"
    );
    assert_eq!(
        dom.matches("<path class=\"handoff\"").count(),
        links,
        "{dom}"
    );
    let preempt: Vec<bool> = classes.iter().map(|c| c.contains("preempt")).collect();
    let want: Vec<bool> = report.trace.iter().map(|s| s.preempt).collect();
    assert_eq!(preempt, want, "preemption marks: {dom}");
    assert!(want.contains(&true), "this finding needs a preemption");
    assert!(dom.contains("<pre class=\"go-msg\">panic: send on closed channel</pre>"));

    // A screenshot for people to look at.
    let shot = artifacts().join("show-chan-send-closed.png");
    let _ = std::fs::remove_file(&shot);
    let page = artifacts().join("show-chan-send-closed.html");
    let (_, log) = chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
            "--hide-scrollbars",
        ],
    );
    assert!(console_lines(&log).is_empty(), "{log}");
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "a screenshot with content at {}",
        shot.display()
    );
}

#[test]
fn html_with_hostile_names_renders_them_as_text_in_chromium() {
    let report = hostile_report();
    let dom = load_in_chromium("show-hostile-names", &report);
    assert_eq!(dom.matches("<section class=\"lane\"").count(), 2, "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    assert!(!dom.contains("<script"), "{dom}");
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "{dom}");
    // The second close links to the first.
    assert_eq!(dom.matches("<path class=\"handoff\"").count(), 1, "{dom}");
    let v: Value = serde_json::to_value(&report).unwrap();
    assert_eq!(v["failure"]["rendered"], "panic: close of closed channel");
}

#[test]
fn chromium_console_check_sees_script_errors() {
    // The control for the checks above: were console messages no longer logged (a Chromium
    // upgrade, a changed flag), a page with errors would pass them silently.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("control.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">\
         <title>control</title></head><body>\
         <script>console.error('hazard-control'); notAFunction();</script></body></html>",
    )
    .unwrap();
    let (_, log) = chromium(&page, &["--dump-dom"]);
    let console = console_lines(&log);
    assert!(
        console.iter().any(|l| l.contains("hazard-control")),
        "{log}"
    );
    assert!(
        console
            .iter()
            .any(|l| l.contains("Uncaught ReferenceError")),
        "{log}"
    );
}

/// When minimization dropped parts of the scenario, `show` still locates the failure in the
/// user's file, and names the op's path in the minimized scenario as such.
#[test]
fn show_locates_the_failure_in_the_file_when_the_scenario_was_reduced() {
    let file = scenarios().join("map-read-write.cilium-2179.incident.json");
    let tmp = tempfile::tempdir().unwrap();
    let out = hazard(
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            tmp.path().to_str().unwrap(),
        ],
        Path::new("."),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let report = reports_in(tmp.path()).pop().expect("a report");
    let shown = stdout(&hazard(&["show", report.to_str().unwrap()], Path::new(".")));
    let r: Report = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let m = r.minimized.as_ref().expect("minimized");
    assert!(!m.removed.is_empty());
    let (orig, reduced) = (
        r.failure.signature.op.clone().unwrap(),
        m.signature.op.clone().unwrap(),
    );
    assert_ne!(orig, reduced, "the reduction renumbered the failing op");
    assert!(shown.contains(&format!(" at {orig}\n")), "{shown}");
    assert!(
        shown.contains(&format!(
            "minimized:    {} part(s) of the scenario removed; the failing op is {reduced} there",
            m.removed.len()
        )),
        "{shown}"
    );
    assert!(
        shown.contains("interleaving: minimized, of the minimized scenario"),
        "{shown}"
    );
}

/// A data race: both accesses marked in the terminal table and the page, joined on the page
/// by the dashed line of the missing edge; the race detector's report printed last.
#[test]
fn a_race_marks_both_accesses_in_the_table_and_the_page() {
    let report = shipped_report("race-chan-field.json");
    let racing: Vec<usize> = (0..report.trace.len())
        .filter(|&i| report.trace[i].race)
        .collect();
    assert_eq!(racing.len(), 2, "{:?}", report.trace);
    let threads: Vec<&str> = racing
        .iter()
        .map(|&i| report.trace[i].thread.as_str())
        .collect();
    assert_eq!(threads, ["watcher", "stopper"]);
    assert_eq!(report.trace[racing[1]].text, "w.events = <nil>");

    let tmp = tempfile::tempdir().unwrap();
    let path = write_report(tmp.path(), &report).unwrap();
    let o = hazard(&["show", path.to_str().unwrap()], Path::new("."));
    let out = stdout(&o);
    assert_eq!(
        out.matches("✗ ").count(),
        3,
        "two marks and the legend:\n{out}"
    );
    assert!(out.contains("✗ w.events = <nil>"), "{out}");
    assert!(out.contains("the two accesses of the data race"), "{out}");
    assert!(
        out.trim_end().ends_with("=================="),
        "Go's report last:\n{out}"
    );
    assert!(
        out.contains("WARNING: DATA RACE\nWrite at w.events by goroutine"),
        "{out}"
    );

    let dom = load_in_chromium("show-race-chan-field", &report);
    let classes = step_classes(&dom);
    let fail: Vec<usize> = (0..classes.len())
        .filter(|&i| classes[i].contains("fail"))
        .collect();
    assert_eq!(fail, racing, "{dom}");
    assert_eq!(
        dom.matches("<path class=\"race\"").count(),
        1,
        "the missing edge: {dom}"
    );
    assert!(dom.contains(&format!(
        "data-from=\"{}\" data-to=\"{}\"",
        racing[0], racing[1]
    )));
}

/// A race's report, recorded and minimized interleaving alike: Go's text names the access the
/// shown trace has last as the racing one and the other as `Previous`, whichever order the
/// exploration first met them in.
#[test]
fn a_race_report_tells_its_accesses_in_the_order_its_trace_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let files = buggy_race_scenarios();
    assert!(files.len() >= 8, "{files:?}");
    for f in &files {
        let out = tmp.path().join(f.file_stem().unwrap());
        let o = hazard(
            &[
                "run",
                f.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
        let report = harness::report::read_report(&reports_in(&out)[0]).unwrap();
        for original in [true, false] {
            let view = report.view(original);
            let racing: Vec<&TraceStep> = view.trace.iter().filter(|s| s.race).collect();
            assert_eq!(racing.len(), 2, "{}: {:?}", f.display(), view.trace);
            let (first, last) = (racing[0], racing[1]);
            let lines: Vec<&str> = view.rendered.lines().collect();
            // `Read at x by goroutine N:` then the op, ..., `Previous write at ...:` then its op.
            let now_op = lines[3].trim().split(' ').next().unwrap();
            let prev_i = lines
                .iter()
                .position(|l| l.starts_with("Previous "))
                .unwrap();
            let prev_op = lines[prev_i + 1].trim().split(' ').next().unwrap();
            assert_eq!(
                now_op,
                last.op,
                "{} ({original}): {}",
                f.display(),
                view.rendered
            );
            assert_eq!(
                prev_op,
                first.op,
                "{} ({original}): {}",
                f.display(),
                view.rendered
            );
        }
    }
}
