//! The linearizability oracle (`expect.linearizable`): histories recorded from the ports and
//! checked against their specifications, with no assertion written for them.

use crate::helpers::*;
use harness::explore::{EngineKind, ExploreConfig};
use harness::model::FailureKind;
use harness::scenario::load_str;
use serde_json::{json, Value};

const MESSAGE: &str =
    "the history of jobs is not linearizable: no order of its operations is a legal stack";

/// The ABA drain of `aba-treiber.linearizable.json` on each stack kind.
fn drain(kind: &str) -> Value {
    json!({
        "objects": { "jobs": { "kind": kind, "elems": [3, 2, 1] } },
        "threads": {
            "worker1": [
                { "op": "pop", "obj": "jobs" },
                { "op": "pop", "obj": "jobs" },
                { "op": "pop", "obj": "jobs" }
            ],
            "worker2": [
                { "op": "pop", "obj": "jobs" },
                { "op": "pop", "obj": "jobs" },
                { "op": "push", "obj": "jobs", "value": 4 }
            ]
        },
        "expect": { "passes": true, "linearizable": { "jobs": "stack" } }
    })
}

#[test]
fn the_aba_stack_is_not_linearizable_and_the_fixed_stacks_are() {
    let mut v = drain("treiber-stack");
    v["expect"] =
        json!({ "fails": { "kind": "linearizability" }, "linearizable": { "jobs": "stack" } });
    let f = find(&prog(v));
    assert_sig(
        &f.signature,
        "linearizability",
        FailureKind::Linearizability,
        MESSAGE,
        None,
    );
    // Exhaustive at the helpers' preemption bound (3, which covers bound 2): never a violation.
    for kind in ["stamped-stack", "epoch-stack"] {
        assert_never_fails(&prog(drain(kind)));
    }
}

#[test]
fn the_shipped_fixed_structures_are_linearizable_at_bound_2() {
    let dir = scenarios();
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => continue,
        };
        // Fault rules make schedules DFS does not enumerate: those scenarios are checked by
        // their own runs.
        if v["expect"]["linearizable"].is_null()
            || v["expect"]["passes"] != json!(true)
            || !v["faults"].is_null()
        {
            continue;
        }
        let p = std::sync::Arc::new(load_str(&text, &path.display().to_string()).unwrap());
        let x = harness::explore::explore(
            &p,
            &ExploreConfig::default()
                .engine(EngineKind::Dfs)
                .preemption_bound(2)
                .iterations(DFS_BUDGET),
        )
        .unwrap();
        assert!(x.findings.is_empty(), "{}: {:?}", path.display(), sigs(&x));
        assert!(x.exhausted(), "{}", path.display());
        checked += 1;
    }
    // Two stacks and the 12 fixed map structures without faults.
    assert!(checked >= 14, "{checked}");
}

/// `hazard run` on `aba-treiber.linearizable.json`: its directory, report path and report.
fn aba_report() -> (tempfile::TempDir, std::path::PathBuf, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenarios().join("aba-treiber.linearizable.json");
    let o = hazard(
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            tmp.path().to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let report = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a report");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (tmp, report, r)
}

#[test]
fn a_report_of_a_violation_carries_the_history_and_replays() {
    let (tmp, report, r) = aba_report();
    let rendered = r["failure"]["rendered"].as_str().unwrap();
    assert!(rendered.contains("longest legal order:"), "{rendered}");
    assert!(
        rendered.contains("then no order explains: worker"),
        "{rendered}"
    );
    let replay = hazard(&["replay", report.to_str().unwrap()], tmp.path());
    assert!(text(&replay).0.contains(MESSAGE), "{}", text(&replay).0);
}

fn load_error(expect: Value, objects: Value) -> String {
    let v = json!({
        "schema": "hazard/scenario/v1",
        "name": "bad",
        "objects": objects,
        "threads": { "t": [ { "op": "pop", "obj": "jobs" } ] },
        "expect": expect
    });
    let text = serde_json::to_string_pretty(&v).unwrap();
    match load_str(&text, "bad.json") {
        Ok(_) => panic!("loaded: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_linearizable_entries_are_refused_with_their_place() {
    let stack = json!({ "jobs": { "kind": "treiber-stack" }, "ch": { "kind": "chan" } });
    let cases = [
        (
            json!({ "jobz": "stack" }),
            "unknown object `jobz`",
            "did you mean `jobs`",
        ),
        (
            json!({ "jobs": "stak" }),
            "unknown specification `stak`",
            "register, counter",
        ),
        (
            json!({ "jobs": "queue" }),
            "a queue specification does not describe `jobs`",
            "it takes: stack",
        ),
        (
            json!({ "ch": "queue" }),
            "linearizability is checked on stacks, maps and atomics",
            "`ch`",
        ),
    ];
    for (lin, want, also) in cases {
        let e = load_error(
            json!({ "passes": true, "linearizable": lin }),
            stack.clone(),
        );
        assert!(e.contains(want) && e.contains(also), "{e}");
        assert!(e.contains("$.expect.linearizable."), "{e}");
        assert!(e.contains("bad.json:"), "{e}");
    }
    // A specification name that is not a string.
    let e = load_error(
        json!({ "passes": true, "linearizable": { "jobs": 3 } }),
        stack,
    );
    assert!(e.contains("linearizable"), "{e}");
}

#[test]
fn atomics_are_registers_and_counters() {
    // Each atomic op is linearizable by itself, whatever the program around it does.
    let ops = |spec: &str, swap: bool| {
        let mut b = vec![json!({ "op": "add", "obj": "n", "delta": 3 })];
        if swap {
            b.push(json!({ "op": "swap", "obj": "n", "value": 7, "into": "y" }));
        }
        prog(json!({
            "objects": { "n": { "kind": "atomic" } },
            "threads": {
                "a": [ { "op": "add", "obj": "n", "delta": 2 }, { "op": "load", "obj": "n", "into": "x" } ],
                "b": b
            },
            "expect": { "passes": true, "linearizable": { "n": spec } }
        }))
    };
    assert_never_fails(&ops("register", true));
    assert_never_fails(&ops("counter", false));
    // A counter only adds and loads: a swap on it is refused before anything runs...
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("counter.json");
    let counter = |b: Value| {
        json!({
            "schema": "hazard/scenario/v1",
            "name": "counter",
            "objects": { "n": { "kind": "atomic" } },
            "threads": { "a": [ { "op": "add", "obj": "n", "delta": 2 } ], "b": b },
            "expect": { "passes": true, "linearizable": { "n": "counter" } }
        })
    };
    // Write `v` and run it with the CLI.
    let run = |v: Value| {
        std::fs::write(&file, v.to_string()).unwrap();
        hazard(
            &[
                "run",
                file.to_str().unwrap(),
                "--out",
                tmp.path().to_str().unwrap(),
            ],
            tmp.path(),
        )
    };
    let swap = json!([ { "op": "swap", "obj": "n", "value": 7, "into": "y" } ]);
    let o = run(counter(swap));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).0);
    assert!(
        text(&o)
            .1
            .contains("$.threads.b[0]: `n` is checked as a counter"),
        "{}",
        text(&o).1
    );
    // ... and one reached through a variable ends the run with an error saying why: no
    // answer is neither a finding nor a pass.
    let via = json!([
        { "op": "let", "var": "c", "expr": "n" },
        { "op": "swap", "obj": "c", "value": 7, "into": "y" }
    ]);
    let p =
        std::sync::Arc::new(load_str(&counter(via.clone()).to_string(), "counter.json").unwrap());
    let x = harness::explore::explore(&p, &ExploreConfig::default()).unwrap();
    assert!(x.findings.is_empty());
    let limit = x.limit.expect("an undecided history is an error");
    assert!(
        limit.contains("linearizability check of n could not decide")
            && limit.contains("no operation `swap`"),
        "{limit}"
    );
    let o = run(counter(via));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).0);
}

/// The report's HTML view draws the history in a real browser: a bar per operation, the
/// legal order numbered, the operation no order explains in red.
#[test]
fn the_html_view_draws_the_history_in_a_browser() {
    let (tmp, report, r) = aba_report();
    // The structured history, of the minimized execution the page shows.
    let hist = &r["minimized"]["history"];
    assert_eq!(hist["object"], "jobs");
    assert_eq!(hist["spec"], "stack");
    let ops = hist["ops"].as_array().unwrap().len();
    let order = hist["order"].as_array().unwrap().len();
    assert!(ops >= 2 && order < ops, "{hist}");
    let html = hazard(&["show", "--html", report.to_str().unwrap()], tmp.path());
    let page = tmp.path().join("page.html");
    std::fs::write(&page, &html.stdout).unwrap();
    let (dom, _) = crate::show::chromium(&page, &["--dump-dom"]);
    assert!(dom.contains("History of jobs (stack)"), "{dom}");
    assert_eq!(dom.matches("class=\"hist-op").count(), ops, "{dom}");
    assert_eq!(dom.matches("class=\"hist-op stuck\"").count(), 1);
    assert_eq!(dom.matches("data-order=").count(), order);
    // The stuck bar names the op no order explains.
    let stuck = hist["stuck"].as_u64().unwrap() as usize;
    let at = hist["ops"][stuck]["at"].as_str().unwrap();
    assert!(dom.contains(&format!("(at {at})")), "{dom}");
}
