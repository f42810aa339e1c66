//! `hazard list`: every catalog id with its scenarios.

use harness::catalog::CATALOG;
use harness::scenario::load_file;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario directory to scan.
    #[arg(long, default_value = "scenarios")]
    dir: PathBuf,
    /// One JSON object per catalog id, one per line.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<u8> {
    let mut by_id: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut bad = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&a.dir) {
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            match load_file(&f) {
                Ok(p) => {
                    let id = p.catalog.clone().unwrap_or_else(|| "(none)".into());
                    let variant = p
                        .variant
                        .map(|v| format!("{v:?}").to_lowercase())
                        .unwrap_or_else(|| "-".into());
                    let name = f
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    by_id.entry(id).or_default().push((name, variant));
                }
                Err(e) => bad.push(e.to_string()),
            }
        }
    }
    // Whether the id has what it needs: a port, and a buggy/fixed pair (one scenario for
    // semantics that never fail).
    let status = |e: &harness::catalog::Entry| -> &'static str {
        let v = by_id.get(e.id);
        let has = |want: &str| v.is_some_and(|v| v.iter().any(|(_, var)| var == want));
        if !e.ported {
            "not ported"
        } else if !e.failure {
            if v.is_some_and(|v| !v.is_empty()) {
                "ok"
            } else {
                "no scenario"
            }
        } else {
            match (has("buggy"), has("fixed")) {
                (true, true) => "ok",
                (true, false) => "no fixed scenario",
                (false, true) => "no buggy scenario",
                (false, false) => "no scenarios",
            }
        }
    };
    if a.json {
        for e in CATALOG {
            let scenarios: Vec<_> = by_id
                .get(e.id)
                .map(|v| {
                    v.iter()
                        .map(|(f, var)| serde_json::json!({"file": f, "variant": var}))
                        .collect()
                })
                .unwrap_or_default();
            let line = serde_json::json!({
                "id": e.id, "section": e.section, "summary": e.summary,
                "ported": e.ported, "status": status(e), "scenarios": scenarios,
            });
            outln!("{line}");
        }
    } else {
        outln!(
            "{:<26} {:<9} {:<18} scenarios",
            "catalog id",
            "section",
            "status"
        );
        for e in CATALOG {
            let scen = by_id
                .get(e.id)
                .map(|v| {
                    v.iter()
                        .map(|(f, var)| format!("{f} ({var})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_else(|| "-".into());
            outln!("{:<26} {:<9} {:<18} {scen}", e.id, e.section, status(e));
        }
        let ported = CATALOG.iter().filter(|e| e.ported).count();
        let complete = CATALOG.iter().filter(|e| status(e) == "ok").count();
        outln!(
            "\n{ported} of {} catalog ids ported; {complete} with their scenarios",
            CATALOG.len()
        );
    }
    for b in &bad {
        errln!("hazard: skipped invalid scenario: {b}");
    }
    Ok(if bad.is_empty() {
        super::OK
    } else {
        super::INPUT
    })
}
