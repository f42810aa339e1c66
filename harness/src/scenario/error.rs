//! Scenario errors: every one names the file, the JSON path and the line:column.

use std::fmt;

/// Where in a scenario file something is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// JSON path, e.g. `$.threads.writer1[0].obj`.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// A scenario that cannot be loaded: unreadable, not JSON, or not a valid v1 scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, as given.
    pub file: String,
    /// Where, when the error is about a place in the file.
    pub location: Option<Location>,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, l.line, l.col, l.path, self.message
            ),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The known name closest to a misspelt `name`, when it is close enough to be what was meant:
/// at most one edit for names up to 4 characters, one per 3 characters beyond that.
pub(crate) fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    known
        .into_iter()
        .filter(|k| *k != name)
        .map(|k| (edits(name, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, k)| (*d, *k))
        .map(|(_, k)| k)
}

/// Edit distance (insertions, deletions, substitutions, and swaps of two neighbours: `recv` for
/// `rcev` is one edit), by characters.
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Rows i-2, i-1 and i of the table.
    let mut prev2: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, row);
    }
    prev[b.len()]
}

/// `; did you mean `x`?` when a known name is close to `name`, else nothing.
pub(crate) fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, known)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_name_within_reach_is_suggested() {
        let ops = ["send", "recv", "set", "select", "sleep", "rlock", "lock"];
        assert_eq!(closest("sned", ops), Some("send"));
        assert_eq!(closest("rcev", ops), Some("recv"));
        assert_eq!(closest("sleeep", ops), Some("sleep"));
        assert_eq!(closest("frobnicate", ops), None);
        assert_eq!(
            closest("send", ops),
            None,
            "an exact name needs no suggestion"
        );
        assert_eq!(closest("ino", ["obj", "into", "ok"]), Some("into"));
        assert_eq!(closest("x", ["y"]), Some("y"));
        assert_eq!(closest("ab", ["xy"]), None);
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("", "abc"), 3);
    }
}
