//! Standard output and error that never panic. `println!` panics when stdout is a closed pipe
//! (`hazard run | head`) or a full device; then the work (reports) must go on and the process
//! exit quietly (a closed pipe) or with 2 and a message (any other write error). The first
//! stdout error is kept for `main`; later stdout writes are skipped.
//!
//! Everything hazard prints passes through here, and much of it comes from files it did not
//! write (scenario names, thread names, values, report text): control characters other than
//! newline and tab are printed as `\u{..}` escapes, so that an ANSI or OSC sequence in a
//! scenario never reaches the terminal as one.

use std::fmt;
use std::io::{self, Write};
use std::sync::Mutex;

static STDOUT_ERROR: Mutex<Option<io::Error>> = Mutex::new(None);

pub fn stdout(args: fmt::Arguments<'_>) {
    let mut failed = STDOUT_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_some() {
        return;
    }
    if let Err(e) = io::stdout()
        .lock()
        .write_all(terminal_safe(args).as_bytes())
    {
        *failed = Some(e);
    }
}

/// Errors on stderr have nowhere to be reported: they are dropped.
pub fn stderr(args: fmt::Arguments<'_>) {
    let _ = io::stderr()
        .lock()
        .write_all(terminal_safe(args).as_bytes());
}

/// The text with every control character but newline and tab escaped.
pub fn terminal_safe(args: fmt::Arguments<'_>) -> String {
    let text = match args.as_str() {
        Some(s) => s.to_string(),
        None => args.to_string(),
    };
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Flush stdout and take the first error writing it, if any.
pub fn finish() -> Option<io::Error> {
    stdout(format_args!(""));
    let mut failed = STDOUT_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_none() {
        if let Err(e) = io::stdout().lock().flush() {
            *failed = Some(e);
        }
    }
    failed.take()
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics.
macro_rules! outln {
    () => { $crate::out::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => { $crate::out::stderr(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::out::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}
