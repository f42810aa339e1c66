//! Byte-driven executions: libFuzzer's bytes (or any bytes) decide one execution at a time,
//! with one shuttle scheduler and one pool of task stacks kept between inputs.

use super::fuzz::{InputUse, Job, NextJob, Served};
use super::run::{body, lock, Slot, Steer, Steered};
use super::schedule::Schedule;
use super::InternalError;
use crate::exec::driver::ExecOutcome;
use crate::rt::cover::coverage_finish;
use crate::rt::{self, run_kept, shuttle_config, Adapter, Picker, Recorded, StackPool};
use crate::scenario::Program;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// One execution decided by fuzzer bytes (see [`super::fuzz`]).
#[derive(Debug)]
pub struct BytesRun {
    pub outcome: ExecOutcome,
    /// The real decisions the bytes made, in hazard's schedule format (replays strictly).
    pub schedule: Schedule,
    pub input: InputUse,
}

/// Run `prog` once with its decisions taken from `data`. `coverage` keeps the interleaving
/// coverage map in the result. (A fresh [`ByteRunner`]; keep one for many inputs.)
pub fn run_bytes(
    prog: &Arc<Program>,
    data: &[u8],
    max_steps: u64,
    coverage: bool,
) -> Result<BytesRun, InternalError> {
    ByteRunner::new().run(prog, data, max_steps, coverage)
}

type Served_ = Result<BytesRun, InternalError>;

/// Byte-driven executions with one shuttle scheduler and one pool of task stacks kept between
/// inputs, on the caller's thread: what libFuzzer's targets call once per input. The same
/// decisions and outcome as [`run_bytes`], without setting up a runner per input (most of
/// which is allocating stacks) and without handing each input to a thread of its own (two
/// wake-ups per input, and a wait for a core when the machine is busy). Not `Send`: the
/// stacks belong to this thread.
pub struct ByteRunner {
    /// `None` once an execution panicked (a harness bug): the runner is gone.
    state: Option<ByteState>,
}

struct ByteState {
    pool: StackPool,
    adapter: Rc<RefCell<Adapter<Steered<Serve>>>>,
    config: rt::Config,
    next: NextJob,
    pending: Slot,
    result: Arc<Mutex<Option<Served_>>>,
}

/// Hands each byte-driven execution's result to the caller waiting in [`ByteRunner::run`].
struct Serve {
    next: NextJob,
    input: Arc<Mutex<InputUse>>,
    result: Arc<Mutex<Option<Served_>>>,
    /// An execution was started (see [`Served`]: `new_execution` is also called between them).
    running: bool,
}

impl Steer for Serve {
    fn may_start(&mut self) -> bool {
        self.running = lock(&self.next).is_some();
        self.running
    }
    fn ended(&mut self, outcome: Option<ExecOutcome>, run: Recorded) -> bool {
        if !std::mem::take(&mut self.running) {
            return true;
        }
        let result = match outcome {
            Some(mut outcome) => {
                outcome.preemptions = run.preemptions;
                Ok(BytesRun {
                    outcome,
                    schedule: Schedule {
                        decisions: run.decisions,
                    },
                    input: std::mem::take(&mut *lock(&self.input)),
                })
            }
            None => Err(InternalError(
                "a byte-driven execution stopped before it finished".into(),
            )),
        };
        *lock(&self.result) = Some(result);
        true
    }
}

impl Default for ByteRunner {
    fn default() -> Self {
        Self::new()
    }
}

impl ByteRunner {
    pub fn new() -> ByteRunner {
        let next: NextJob = Arc::new(Mutex::new(None));
        let pending = Slot::default();
        let input = Arc::new(Mutex::new(InputUse::default()));
        let result = Arc::new(Mutex::new(None));
        let strategy = Served {
            next: Arc::clone(&next),
            input: Arc::clone(&input),
            dec: Default::default(),
            keep: false,
            running: false,
        };
        let ctl = Steered {
            slot: Arc::clone(&pending),
            steer: Serve {
                next: Arc::clone(&next),
                input,
                result: Arc::clone(&result),
                running: false,
            },
        };
        ByteRunner {
            state: Some(ByteState {
                pool: StackPool::new(),
                adapter: Rc::new(RefCell::new(Adapter::new(
                    Picker::Own(Box::new(strategy)),
                    ctl,
                ))),
                config: shuttle_config(),
                next,
                pending,
                result,
            }),
        }
    }

    /// Run `prog` once with its decisions from `data` (see [`run_bytes`]). After an internal
    /// error the runner is gone; make a new one.
    pub fn run(
        &mut self,
        prog: &Arc<Program>,
        data: &[u8],
        max_steps: u64,
        coverage: bool,
    ) -> Result<BytesRun, InternalError> {
        let st = self
            .state
            .as_ref()
            .ok_or_else(|| InternalError("the byte runner stopped after an error".into()))?;
        *lock(&st.next) = Some(Job {
            data: data.to_vec(),
            coverage,
        });
        // The next `new_execution` hands this one's record to `Serve` and starts nothing: no
        // job is waiting then.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let body = body(prog, max_steps, false, &st.pending);
            run_kept(&st.pool, &st.adapter, &st.config, body)
        }));
        let result = match ran {
            Ok(_) => lock(&st.result).take().unwrap_or_else(|| {
                Err(InternalError(
                    "a byte-driven execution did not start".into(),
                ))
            }),
            Err(p) => {
                // Coverage is per OS thread: stop recording what this thread runs next.
                coverage_finish(|_| ());
                Err(InternalError(rt::panic_text(p)))
            }
        };
        if result.is_err() {
            self.state = None;
        }
        result
    }
}
