//! A campaign's outputs, every one made from the [`Summary`] and written atomically:
//! `summary.json`, `summary.md` (a CI job summary), `junit.xml`, `results.sarif` and
//! `index.html`.

use super::{CampaignError, Class, FindingEntry, ScenarioStatus, Summary};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where a campaign's outputs were written.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub summary_json: PathBuf,
    pub summary_md: PathBuf,
    pub junit: PathBuf,
    pub sarif: PathBuf,
    pub index: PathBuf,
}

/// Write every output of `summary` into `dir`.
pub fn write_outputs(dir: &Path, summary: &Summary) -> Result<Outputs, CampaignError> {
    let o = Outputs {
        summary_json: dir.join("summary.json"),
        summary_md: dir.join("summary.md"),
        junit: dir.join("junit.xml"),
        sarif: dir.join("results.sarif"),
        index: dir.join("index.html"),
    };
    let put = |p: &Path, text: String| {
        crate::base::write_atomic(p, text.as_bytes()).map_err(|e| CampaignError::io(p, e))
    };
    let mut json = serde_json::to_string_pretty(summary).expect("a summary serializes");
    json.push('\n');
    put(&o.summary_json, json)?;
    put(&o.summary_md, markdown(summary))?;
    put(&o.junit, junit(summary)?)?;
    // Through serde-sarif's types (generated from the 2.1.0 schema): what is written is what
    // that model holds.
    let typed: serde_sarif::sarif::Sarif =
        serde_json::from_value(sarif(summary)).map_err(|e| CampaignError::Input {
            file: o.sarif.display().to_string(),
            message: format!("SARIF does not fit the 2.1.0 model: {e}"),
        })?;
    let mut sarif = serde_json::to_string_pretty(&typed).expect("SARIF serializes");
    sarif.push('\n');
    put(&o.sarif, sarif)?;
    put(&o.index, index_html(summary, dir))?;
    Ok(o)
}

/// libFuzzer's share of a campaign, in one sentence.
pub fn libfuzzer_line(l: &super::LibFuzzerTotals) -> String {
    format!(
        "libFuzzer ({:.0}% of the time): {} run(s) on {} scenario(s), {} executions in {:.0} s, {} crash(es), {} error(s).",
        l.share * 100.0,
        l.runs,
        l.scenarios,
        l.executions,
        l.elapsed_ms as f64 / 1000.0,
        l.crashes,
        l.errors.len()
    )
}

fn sig_line(f: &FindingEntry) -> String {
    format!("{} [{}]", f.signature.message, f.signature.id)
}

/// One line of Markdown text: no table breakers, no raw HTML.
fn md(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

/// `summary.md`: what needs a human first (new, regressed, flaky), with the command that
/// replays each; then the counts and the rest.
pub fn markdown(s: &Summary) -> String {
    let t = &s.totals;
    let mut m = String::new();
    let _ = writeln!(m, "# hazard nightly\n");
    let _ = writeln!(
        m,
        "{} scenarios ({} met, {} unmet, {} invalid, {} errors), {} executions in {:.0} s over {} round(s), {} worker(s){}; stopped: {}.\n",
        t.scenarios,
        t.met,
        t.unmet,
        t.invalid,
        t.errors,
        t.executions,
        s.elapsed_ms as f64 / 1000.0,
        s.rounds,
        s.jobs,
        s.shard.as_ref().map(|x| format!(", shard {x}")).unwrap_or_default(),
        s.stopped,
    );
    let _ = writeln!(
        m,
        "| new | regressed | flaky | fixed | known | corpus entries failed |\n|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} of {} |\n",
        t.new, t.regressed, t.flaky, t.fixed, t.known, t.corpus_failed, t.corpus_entries
    );
    if let Some(l) = &s.libfuzzer {
        let _ = writeln!(m, "{}\n", libfuzzer_line(l));
        for e in &l.errors {
            let _ = writeln!(m, "- libFuzzer on {}: {}", md(&e.file), md(&e.error));
        }
        if !l.errors.is_empty() {
            let _ = writeln!(m);
        }
    }
    let urgent: Vec<&FindingEntry> = s
        .findings
        .iter()
        .filter(|f| matches!(f.class, Class::New | Class::Regressed | Class::Flaky))
        .collect();
    if urgent.is_empty() {
        let _ = writeln!(m, "Nothing new or regressed.\n");
    } else {
        let _ = writeln!(m, "## Needs a look\n");
        for f in urgent {
            let _ = writeln!(
                m,
                "- **{}** `{}` ({}): {}",
                f.class.label(),
                md(&f.scenario),
                md(&f.file),
                md(&sig_line(f))
            );
            let _ = writeln!(m, "  - {}", md(&f.why));
            if let Some(r) = &f.replay {
                let _ = writeln!(m, "  - `{}`", r.replace('`', "'"));
            }
        }
        let _ = writeln!(m);
    }
    let rest: Vec<&FindingEntry> = s
        .findings
        .iter()
        .filter(|f| matches!(f.class, Class::Fixed | Class::Known))
        .collect();
    if !rest.is_empty() {
        let _ = writeln!(
            m,
            "## Fixed and known\n\n| class | scenario | finding | why |\n|---|---|---|---|"
        );
        for f in rest {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                f.class.label(),
                md(&f.scenario),
                md(&sig_line(f)),
                md(&f.why)
            );
        }
        let _ = writeln!(m);
    }
    let troubled: Vec<_> = s
        .scenarios
        .iter()
        .filter(|x| x.status != ScenarioStatus::Met)
        .collect();
    if !troubled.is_empty() {
        let _ = writeln!(
            m,
            "## Scenarios not met\n\n| file | expect | status | executions | note |\n|---|---|---|---|---|"
        );
        for x in troubled {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} |",
                md(&x.file),
                md(&x.expect),
                format!("{:?}", x.status).to_lowercase(),
                x.executions,
                md(x.error.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(m);
    }
    m
}

/// JUnit XML: a test case per scenario (a failure for an unmet expectation or a new or
/// regressed finding, an error for a file that did not load or run), and one per corpus entry.
pub fn junit(s: &Summary) -> Result<String, CampaignError> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("hazard nightly");
    let mut suite = TestSuite::new("scenarios");
    for x in &s.scenarios {
        let mine: Vec<&FindingEntry> = s.findings.iter().filter(|f| f.file == x.file).collect();
        let failing: Vec<&&FindingEntry> = mine.iter().filter(|f| f.class.fails()).collect();
        let status = match x.status {
            ScenarioStatus::Invalid | ScenarioStatus::Error => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                st.set_message(x.error.clone().unwrap_or_default());
                st.set_type(format!("{:?}", x.status).to_lowercase());
                st
            }
            _ if !failing.is_empty() => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(
                    failing
                        .iter()
                        .map(|f| format!("{}: {}", f.class.label(), sig_line(f)))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                st.set_type(failing[0].class.label());
                st.set_description(
                    failing
                        .iter()
                        .map(|f| {
                            format!(
                                "{} {}\n  {}\n  {}",
                                f.class.label(),
                                sig_line(f),
                                f.why,
                                f.replay.clone().unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                st
            }
            ScenarioStatus::Unmet if x.expect.starts_with("fails") => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(format!(
                    "expected failure not found in {} executions ({})",
                    x.executions, x.expect
                ));
                st.set_type("unmet");
                st
            }
            _ => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(x.file.clone(), status);
        case.set_classname(if x.scenario.is_empty() {
            "scenarios".to_string()
        } else {
            x.scenario.clone()
        });
        case.set_time(std::time::Duration::from_millis(x.elapsed_ms));
        let notes: Vec<String> = mine
            .iter()
            .filter(|f| !f.class.fails())
            .map(|f| format!("{}: {} ({})", f.class.label(), sig_line(f), f.why))
            .collect();
        if !notes.is_empty() {
            case.set_system_out(notes.join("\n"));
        }
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    if !s.corpus.is_empty() {
        let mut corpus = TestSuite::new("corpus");
        for c in &s.corpus {
            let status = if c.ok {
                TestCaseStatus::success()
            } else {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(c.detail.clone());
                st.set_type(if c.expect == "passes" {
                    "regressed"
                } else {
                    "corpus"
                });
                st
            };
            let mut case = TestCase::new(c.file.clone(), status);
            case.set_classname("corpus");
            corpus.add_test_case(case);
        }
        report.add_test_suite(corpus);
    }
    report.to_string().map_err(|e| CampaignError::Input {
        file: "junit.xml".into(),
        message: e.to_string(),
    })
}

/// SARIF 2.1.0: one result per new or regressed finding, at the failing op's line and column
/// in the scenario file, with the command that replays it.
pub fn sarif(s: &Summary) -> serde_json::Value {
    use serde_json::json;
    let mut rules: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for f in s.findings.iter().filter(|f| f.class.fails()) {
        if !rules.contains(&f.signature.id) {
            rules.push(f.signature.id.clone());
        }
        let mut region = json!({ "startLine": 1, "startColumn": 1 });
        if let Some(p) = &f.place {
            region = json!({ "startLine": p.line.max(1), "startColumn": p.column.max(1) });
        }
        let text = format!(
            "{} {}: {}. {}{}",
            f.class.label(),
            f.signature.kind,
            f.signature.message,
            f.why,
            f.replay
                .as_ref()
                .map(|r| format!(". Replay: {r}"))
                .unwrap_or_default()
        );
        results.push(json!({
            "ruleId": f.signature.id,
            "ruleIndex": rules.iter().position(|r| *r == f.signature.id).unwrap_or(0),
            "level": "error",
            "message": { "text": text },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": f.file.replace('\\', "/") },
                    "region": region
                },
                "logicalLocations": f.place.as_ref().map(|p| vec![json!({ "fullyQualifiedName": p.path })]).unwrap_or_default()
            }],
            "partialFingerprints": { "hazardSignature/v1": f.signature.short_hash() },
            "properties": {
                "class": f.class.label(),
                "scenario": f.scenario,
                "report": f.report,
                "replay": f.replay
            }
        }));
    }
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|id| {
            json!({
                "id": id,
                "shortDescription": { "text": format!("hazard catalog id {id}") }
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "hazard",
                "version": s.harness,
                "rules": rules
            } },
            "results": results
        }]
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `index.html`: a self-contained page listing the findings, linking each report's HTML view
/// (relative to `dir`, so the directory can be moved or uploaded whole).
pub fn index_html(s: &Summary, dir: &Path) -> String {
    let rel = |p: &str| {
        let path = Path::new(p);
        path.strip_prefix(dir)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| p.to_string())
    };
    let t = &s.totals;
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hazard nightly</title>\n<style>body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.new,.regressed{{color:#b00;font-weight:bold}}.flaky{{color:#a60}}.fixed{{color:#070}}code{{font-size:12px}}</style></head><body>"
    );
    let _ = writeln!(
        h,
        "<h1>hazard nightly</h1>\n<p id=\"totals\">{} scenarios, {} executions, {} round(s), stopped: {}. New {}, regressed {}, flaky {}, fixed {}, known {}.</p>",
        t.scenarios,
        t.executions,
        s.rounds,
        esc(&s.stopped),
        t.new,
        t.regressed,
        t.flaky,
        t.fixed,
        t.known
    );
    let _ = writeln!(
        h,
        "<table id=\"findings\"><tr><th>class</th><th>scenario</th><th>finding</th><th>why</th><th>report</th></tr>"
    );
    for f in &s.findings {
        let link = match (&f.html, &f.report) {
            (Some(html), _) => format!("<a href=\"{}\">view</a>", esc(&rel(html))),
            (None, Some(r)) => format!("<code>{}</code>", esc(r)),
            _ => String::new(),
        };
        let _ = writeln!(
            h,
            "<tr class=\"finding\"><td class=\"{c}\">{c}</td><td>{}</td><td>{}</td><td>{}</td><td>{link}</td></tr>",
            esc(&f.scenario),
            esc(&sig_line(f)),
            esc(&f.why),
            c = f.class.label()
        );
    }
    let _ = writeln!(h, "</table>\n</body></html>");
    h
}
