//! hazard's own schedule format, `hazard-schedule/v1`: the decisions of one execution, run-length
//! encoded. Shuttle's hex schedules change between shuttle versions and panic on bad input, so
//! they are never the format of record.
//!
//! Only real decisions are recorded: a thread choice when two or more threads could run, and a
//! choice among two or more options (which ready `select` case runs). Forced steps are not, so a
//! schedule stays short and survives changes that do not touch the race.
//!
//! Text form: space-separated tokens. `T` is "run thread T" (thread index in the report's
//! `threads` list); `cK` is "take option K". `xN` repeats a token N times:
//!
//! ```text
//! 0x3 1 c1 0x2      thread 0 three times, thread 1, option 1, thread 0 twice
//! ```

use std::fmt;

/// The version tag stored beside every schedule.
pub const SCHEDULE_FORMAT: &str = "hazard-schedule/v1";

/// Most decisions a decoded schedule may hold (a corrupted repeat count must not exhaust memory).
pub const MAX_DECISIONS: usize = 10_000_000;

/// One recorded decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Run this thread (index in spawn order).
    Thread(u32),
    /// Take this option of a choice among several.
    Choice(u32),
}

/// The decisions of one execution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    pub decisions: Vec<Decision>,
}

/// A schedule text that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    /// 1-based index of the bad token.
    pub token: usize,
    pub message: String,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schedule token {}: {}", self.token, self.message)
    }
}

impl std::error::Error for ScheduleError {}

impl Schedule {
    /// Decode the text form. Total: any input gives a schedule or an error, never a panic.
    pub fn decode(text: &str) -> Result<Schedule, ScheduleError> {
        let mut decisions = Vec::new();
        for (i, tok) in text.split_ascii_whitespace().enumerate() {
            let err = |message: String| ScheduleError {
                token: i + 1,
                message,
            };
            let (head, count) = match tok.split_once('x') {
                Some((h, n)) => {
                    let n: usize = n
                        .parse()
                        .map_err(|_| err(format!("bad repeat count in `{tok}`")))?;
                    if n == 0 {
                        return Err(err(format!("repeat count 0 in `{tok}`")));
                    }
                    (h, n)
                }
                None => (tok, 1),
            };
            let decision = if let Some(k) = head.strip_prefix('c') {
                Decision::Choice(k.parse().map_err(|_| err(format!("bad choice `{tok}`")))?)
            } else {
                Decision::Thread(
                    head.parse()
                        .map_err(|_| err(format!("bad thread index `{tok}`")))?,
                )
            };
            if decisions.len().saturating_add(count) > MAX_DECISIONS {
                return Err(err(format!("more than {MAX_DECISIONS} decisions")));
            }
            decisions.extend(std::iter::repeat_n(decision, count));
        }
        Ok(Schedule { decisions })
    }

    /// Encode as text, run-length encoded.
    pub fn encode(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < self.decisions.len() {
            let d = self.decisions[i];
            let mut n = 1;
            while i + n < self.decisions.len() && self.decisions[i + n] == d {
                n += 1;
            }
            let head = match d {
                Decision::Thread(t) => t.to_string(),
                Decision::Choice(k) => format!("c{k}"),
            };
            out.push(if n == 1 { head } else { format!("{head}x{n}") });
            i += n;
        }
        out.join(" ")
    }

    pub fn len(&self) -> usize {
        self.decisions.len()
    }
    pub fn is_empty(&self) -> bool {
        self.decisions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = Schedule {
            decisions: vec![
                Decision::Thread(0),
                Decision::Thread(0),
                Decision::Thread(0),
                Decision::Thread(1),
                Decision::Choice(1),
                Decision::Thread(0),
                Decision::Thread(0),
            ],
        };
        assert_eq!(s.encode(), "0x3 1 c1 0x2");
        assert_eq!(Schedule::decode(&s.encode()).unwrap(), s);
        assert_eq!(Schedule::decode("").unwrap(), Schedule::default());
    }

    #[test]
    fn bad_text_is_an_error() {
        for bad in [
            "a",
            "0x",
            "0x0",
            "c",
            "cx2",
            "1 2 -3",
            "0x99999999999",
            "0x18446744073709551616",
        ] {
            let e = Schedule::decode(bad).unwrap_err();
            assert!(e.token >= 1, "{bad}: {e}");
        }
    }
}
