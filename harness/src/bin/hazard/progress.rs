//! Progress people can read: in a terminal a live bar (scenarios done of total, executions per
//! second, findings so far, time left), elsewhere (a pipe, CI) a plain line every few
//! seconds. A ticker thread reads the process-wide execution counter, so the display moves
//! during one long exploration too. Nothing is shown with `--json` or `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the ticker shows, updated by the command as it goes.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub total: usize,
    pub done: usize,
    /// What is running now (a scenario file, or `round 3`).
    pub current: String,
    pub findings: usize,
    /// The time budget, if any, from the start.
    pub budget: Option<Duration>,
}

pub struct Progress {
    state: Arc<Mutex<State>>,
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn line(s: &State, start: Instant, base: u64) -> String {
    let n = harness::explore::executions_so_far() - base;
    let t = start.elapsed();
    let rate = n as f64 / t.as_secs_f64().max(1e-3);
    let left = s
        .budget
        .map(|b| format!(", {}s left", b.saturating_sub(t).as_secs()))
        .unwrap_or_default();
    format!(
        "{n} executions ({rate:.0}/s), {} finding(s){left}{}",
        s.findings,
        if s.current.is_empty() {
            String::new()
        } else {
            format!("; {}", s.current)
        }
    )
}

impl Progress {
    /// Start the display (`shown`: neither `--json` nor `--quiet`); a heartbeat line every
    /// `every` when stderr is not a terminal.
    pub fn start(shown: bool, every: Duration, state: State) -> Progress {
        let state = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        if !shown {
            return Progress {
                state,
                bar: None,
                stop,
                thread: None,
            };
        }
        let start = Instant::now();
        let base = harness::explore::executions_so_far();
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len}  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        let thread = {
            let (state, stop, bar) = (Arc::clone(&state), Arc::clone(&stop), bar.clone());
            std::thread::spawn(move || {
                let mut last = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(200));
                    let s = state.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    match &bar {
                        Some(b) => {
                            b.set_length(s.total as u64);
                            b.set_position(s.done as u64);
                            b.set_message(line(&s, start, base));
                            b.tick();
                        }
                        None if last.elapsed() >= every => {
                            last = Instant::now();
                            errln!(
                                "hazard: {}/{} done, {}",
                                s.done,
                                s.total,
                                line(&s, start, base)
                            );
                        }
                        None => {}
                    }
                }
            })
        };
        Progress {
            state,
            bar,
            stop,
            thread: Some(thread),
        }
    }

    pub fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Whether a live bar is drawn (then other stderr lines go through [`Progress::say`]).
    pub fn live(&self) -> bool {
        self.bar.is_some()
    }

    /// A line on stderr that does not tear the bar.
    pub fn say(&self, text: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| errln!("{text}")),
            None => errln!("{text}"),
        }
    }

    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
