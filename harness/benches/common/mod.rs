//! Helpers shared by the benches: medians and the reports/bench.json figures file.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Shipped scenario files, sorted.
pub fn scenario_files() -> Vec<PathBuf> {
    harness::base::files_in(&root().join("scenarios"), "json").expect("scenarios/")
}

/// One figure: a value rounded to two decimals, its unit and the target it is held to.
pub fn fig(value: f64, unit: &str, target: Option<&str>) -> serde_json::Value {
    serde_json::json!({"value": (value * 100.0).round() / 100.0, "unit": unit, "target": target})
}

/// Merge `figures` into reports/bench.json (other benches' figures stay).
pub fn record<K: Into<String>>(figures: impl IntoIterator<Item = (K, serde_json::Value)>) {
    let out = root().join("reports/bench.json");
    let mut all: serde_json::Map<String, serde_json::Value> = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    for (k, v) in figures {
        all.insert(k.into(), v);
    }
    std::fs::create_dir_all(out.parent().unwrap()).ok();
    std::fs::write(&out, serde_json::to_string_pretty(&all).unwrap() + "\n")
        .expect("writes reports/bench.json");
    println!("wrote {}", out.display());
}
