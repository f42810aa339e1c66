//! The crate's layers point one way: a module uses only modules of lower layers. Read from the
//! sources (every `crate::<module>` path outside comments), so an upward edge fails here the
//! moment it is written.

use std::collections::BTreeMap;
use std::path::Path;

/// Lowest first; modules in one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    &["lin"],
    &["base", "catalog"],
    &["scenario"],
    &["rt"],
    &["model"],
    &["exec"],
    &["explore"],
    &["minimize"],
    &["report"],
    &["pipeline"],
    &["corpus", "targets"],
    &["campaign"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::<module>` a top-level module's files name, with one place each is named.
fn edges() -> BTreeMap<(String, String), String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "bin" || module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for (i, _) in code.match_indices("crate::") {
                    let name: String = code[i + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if name != module && layer(&name).is_some() {
                        out.entry((module.clone(), name))
                            .or_insert_with(|| format!("{}:{}", rel.display(), n + 1));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn modules_only_use_lower_layers() {
    let edges = edges();
    let mut up = Vec::new();
    for ((from, to), at) in &edges {
        let (Some(a), Some(b)) = (layer(from), layer(to)) else {
            panic!("module `{from}` or `{to}` has no layer: add it to LAYERS");
        };
        if b >= a {
            up.push(format!("{from} -> {to} ({at})"));
        }
    }
    assert!(
        up.is_empty(),
        "edges that do not point down:\n{}",
        up.join("\n")
    );
    // The test sees the real graph, not an empty one.
    assert!(
        edges.contains_key(&("model".to_string(), "rt".to_string())),
        "{edges:?}"
    );
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for e in std::fs::read_dir(src).unwrap() {
        let name = e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if ["bin", "lib"].contains(&name.as_str()) {
            continue;
        }
        assert!(layer(&name).is_some(), "src/{name} has no layer in LAYERS");
    }
}
