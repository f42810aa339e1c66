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
