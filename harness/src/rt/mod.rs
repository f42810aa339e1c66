//! The one place that touches shuttle: the `Scheduler` adapter that records decisions, and the
//! task primitives (scheduling point, block, wake, spawn) the ports are built on.
//!
//! Task ids: the driver that sets up an execution is shuttle task 0, and model thread `i` is task
//! `i + 1` (shuttle numbers tasks in spawn order; [`spawn`] keeps the two in step). The driver never competes
//! in a real decision: it spawns the threads while holding them blocked, releases them and blocks
//! until the last one finishes.
//!
//! Teardown: once an execution's outcome is known, every thread unwinds at its next scheduling
//! point, so each execution finishes normally and shuttle can reuse its stacks. Decisions taken
//! during that unwinding are fixed (lowest task first) and not recorded.

use crate::base::Decision;
use shuttle::scheduler::{
    PctScheduler, RandomScheduler, Schedule as ShuttleSchedule, Scheduler, Task, TaskId,
};
use shuttle_engine::runtime::execution::{Execution, ExecutionState};
use shuttle_engine::runtime::thread::continuation::{ContinuationPool, CONTINUATION_POOL};
use shuttle_engine::runtime::thread::switch;
use std::cell::Cell;
use std::panic::Location;

pub(crate) mod cover;

/// shuttle's configuration type, for the runners kept between inputs.
pub(crate) type Config = shuttle::Config;

/// shuttle's random scheduler, seeded.
pub(crate) fn random_picker(seed: u64) -> Picker {
    Picker::Shuttle(Box::new(
        shuttle::scheduler::RandomScheduler::new_from_seed(seed, usize::MAX),
    ))
}

/// shuttle's PCT scheduler with bug depth `depth`, seeded.
pub(crate) fn pct_picker(seed: u64, depth: usize) -> Picker {
    Picker::Pct(
        Box::new(shuttle::scheduler::PctScheduler::new_from_seed(
            seed,
            depth.max(1),
            usize::MAX,
        )),
        seed,
    )
}

pub(crate) fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic with a non-text payload".into())
}

/// Run `body` under shuttle, executions decided by `picker` and steered by `control`, which is
/// handed back afterwards; a panic of the harness comes back as its text.
pub(crate) fn run<C: Control + 'static>(
    picker: Picker,
    control: C,
    body: impl Fn() + Send + Sync + 'static,
) -> Result<C, String> {
    // The runner runs on this thread and owns its scheduler: the control is lent to it.
    let lent = std::rc::Rc::new(std::cell::RefCell::new(control));
    let runner = shuttle::Runner::new(
        Adapter::new(picker, Lent(std::rc::Rc::clone(&lent))),
        shuttle_config(),
    );
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runner.run(body);
    }))
    .map_err(panic_text)?;
    // The runner (and the adapter holding the other reference) is gone once `run` returns.
    std::rc::Rc::try_unwrap(lent)
        .map(std::cell::RefCell::into_inner)
        .map_err(|_| "the scheduler outlived its run".to_string())
}

/// A control lent to a runner that owns its scheduler, so [`run`] can hand it back.
struct Lent<C>(std::rc::Rc<std::cell::RefCell<C>>);

impl<C: Control> Control for Lent<C> {
    fn execution_ended(&mut self, run: Recorded) -> bool {
        self.0.borrow_mut().execution_ended(run)
    }
    fn may_start(&mut self) -> bool {
        self.0.borrow_mut().may_start()
    }
}

/// Stack of every model thread. Interpreter recursion is bounded by the scenario's nesting
/// limit (`scenario::MAX_FRAMES`); measured per level: about 1.5 KiB in release builds and
/// about 20 KiB unoptimised, so the limit fits either with room to spare. The stack is reserved,
/// not committed: only the pages a thread touches cost memory.
pub(crate) const STACK_SIZE: usize = 8 << 20;

thread_local! {
    static TEARDOWN: Cell<bool> = const { Cell::new(false) };
    static ARITY: Cell<usize> = const { Cell::new(0) };
    /// Task a preemption switched to, until it takes its step (a thread that has just started
    /// passes one more scheduling point before its first step).
    static PREEMPTED: Cell<Option<TaskId>> = const { Cell::new(None) };
    /// Probability of a non-zero option at the next choice (a fault decision), for shuttle's
    /// schedulers; hazard's own strategies choose as at any other choice.
    static BIAS: Cell<Option<f64>> = const { Cell::new(None) };
    /// Task the next thread decision must not pick while another can run (a `preempt` fault).
    static AWAY: Cell<Option<TaskId>> = const { Cell::new(None) };
}

/// A fault decision among `n` options, option 0 being "no fault": shuttle's schedulers take a
/// non-zero option with probability `p` (uniformly among them). Recorded like any choice.
pub(crate) fn choose_fault(n: usize, p: f64) -> usize {
    if n <= 1 {
        return 0;
    }
    BIAS.with(|b| b.set(Some(p)));
    choose(n)
}

/// Make the next thread decision switch away from model thread `t` if another can run.
pub(crate) fn switch_away(t: usize) {
    AWAY.with(|a| a.set(Some(TaskId::from(t + 1))));
}

/// Whether model thread `t` was switched to by a preemption and has not taken a step since.
pub(crate) fn take_preempted(t: usize) -> bool {
    PREEMPTED.with(|p| {
        let hit = p.get() == Some(TaskId::from(t + 1));
        if hit {
            p.set(None);
        }
        hit
    })
}

/// A scheduling point: the explorer may run another thread before this one continues.
#[inline]
pub(crate) fn yield_now() {
    switch();
}

/// Block the current task until [`unblock`] and switch away.
pub(crate) fn block_current() {
    ExecutionState::with(|s| s.current_mut().block(false));
    switch();
}

fn task_unblock(task: usize) {
    ExecutionState::with(|s| s.get_mut(TaskId::from(task)).unblock());
}

/// Make model thread `t` runnable again.
pub(crate) fn unblock(t: usize) {
    task_unblock(t + 1);
}

/// Wake the driver (the last model thread finished).
pub(crate) fn unblock_driver() {
    task_unblock(0);
}

/// Hold model thread `t` (just spawned by the driver) until [`unblock`].
pub(crate) fn hold(t: usize) {
    ExecutionState::with(|s| s.get_mut(TaskId::from(t + 1)).block(false));
}

/// Spawn a model thread running `f`, detached (nothing joins it), and return its index.
///
/// shuttle's spawn is a scheduling point *before* the new task gets its id, so other threads
/// may spawn in between. The caller therefore registers the thread in the `World` only after
/// this returns (there is no scheduling point in between): the `World`'s thread order is then
/// shuttle's task order whoever spawns, in any order. The new task cannot start before that.
#[track_caller]
pub(crate) fn spawn(name: &str, f: Box<dyn FnOnce()>) -> usize {
    let id = ExecutionState::spawn_thread(
        f,
        STACK_SIZE,
        Some(name.to_string()),
        None,
        Location::caller(),
    );
    ExecutionState::with(|s| s.get_mut(id).detach());
    usize::from(id) - 1
}

/// The model thread running now (see the task numbering above).
pub(crate) fn current() -> usize {
    ExecutionState::with(|s| usize::from(s.current().id())) - 1
}

/// A new execution starts on this OS thread: nothing the previous one left in the per-thread
/// decision state (a preemption whose target never took its step, say, when it was the clock
/// and it parked) may leak into this one, or two replays of one schedule could differ.
pub(crate) fn begin_execution() {
    TEARDOWN.with(|c| c.set(false));
    ARITY.with(|c| c.set(0));
    PREEMPTED.with(|c| c.set(None));
    BIAS.with(|c| c.set(None));
    AWAY.with(|c| c.set(None));
}

/// Enter or leave the teardown of the current execution.
pub(crate) fn set_teardown(on: bool) {
    TEARDOWN.with(|c| c.set(on));
}

/// An explorer decision among `n` options (which ready select case runs). Recorded in the
/// schedule when `n > 1`.
pub(crate) fn choose(n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    ARITY.with(|a| a.set(n));
    let k = ExecutionState::next_u64() as usize;
    k.min(n - 1)
}

/// A strategy of hazard's own (DFS with a preemption bound, replay, fuzz bytes).
pub(crate) trait Strategy: Send {
    /// A new execution starts; false when there is nothing left to explore.
    fn begin(&mut self) -> bool;
    /// Pick among `runnable` model threads (at least two); `current` is the thread that ran
    /// last. `None` stops the execution (a replay that diverged).
    fn thread(&mut self, runnable: &[u32], current: Option<u32>) -> Option<u32>;
    /// Pick an option in `0..arity` (`arity >= 2`); `None` stops the execution.
    fn choice(&mut self, arity: u32) -> Option<u32>;
    /// A fault decision (option 0 is "no fault"); by default like any choice.
    fn fault_choice(&mut self, arity: u32) -> Option<u32> {
        self.choice(arity)
    }
    /// The execution ended: an error if the strategy could not follow it (replay divergence).
    fn end(&mut self) -> Option<String> {
        None
    }
    /// Model thread `t` runs next with no decision (it was the only one that could run).
    fn forced(&mut self, _t: u32) {}
}

/// Who decides: one of shuttle's schedulers, or a strategy of hazard's own.
pub(crate) enum Picker {
    Shuttle(Box<dyn Scheduler + Send>),
    /// shuttle's PCT, with the seed for its stand-in (see [`Adapter::new_execution`]).
    Pct(Box<PctScheduler>, u64),
    Own(Box<dyn Strategy>),
}

/// What the adapter reports to its engine between executions.
pub(crate) trait Control {
    /// The previous execution ended with these decisions (and the strategy's complaint, if any).
    /// Return false to stop exploring.
    fn execution_ended(&mut self, run: Recorded) -> bool;
    /// Whether another execution may start (budget, stop flags).
    fn may_start(&mut self) -> bool;
}

/// What the adapter recorded of one execution.
pub(crate) struct Recorded {
    pub decisions: Vec<Decision>,
    /// Switches away from a thread that could still run.
    pub preemptions: usize,
    /// The strategy could not follow the execution (replay divergence).
    pub divergence: Option<String>,
}

/// The `Scheduler` shuttle runs: delegates to the picker, records real decisions.
pub(crate) struct Adapter<C: Control> {
    picker: Picker,
    control: C,
    decisions: Vec<Decision>,
    preemptions: usize,
    /// Some execution so far had a real thread decision.
    any_thread_decision: bool,
    started: bool,
    /// The picker gave up on this execution (a divergent replay): stop it.
    stopped: bool,
}

impl<C: Control> Adapter<C> {
    pub(crate) fn new(picker: Picker, control: C) -> Self {
        Adapter {
            picker,
            control,
            decisions: Vec::new(),
            preemptions: 0,
            any_thread_decision: false,
            started: false,
            stopped: false,
        }
    }
}

impl<C: Control> std::fmt::Debug for Adapter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapter")
            .field("decisions", &self.decisions.len())
            .finish()
    }
}

impl<C: Control> Drop for Adapter<C> {
    fn drop(&mut self) {
        // shuttle's RandomScheduler prints its own replay seed when dropped mid-run; hazard's
        // schedule is the record, so the inner scheduler is not dropped (a few bytes leak).
        if let Picker::Shuttle(s) =
            std::mem::replace(&mut self.picker, Picker::Own(Box::new(Nothing)))
        {
            std::mem::forget(s);
        }
    }
}

struct Nothing;
impl Strategy for Nothing {
    fn begin(&mut self) -> bool {
        false
    }
    fn thread(&mut self, _: &[u32], _: Option<u32>) -> Option<u32> {
        None
    }
    fn choice(&mut self, _: u32) -> Option<u32> {
        None
    }
}

impl<C: Control> Scheduler for Adapter<C> {
    fn new_execution(&mut self) -> Option<ShuttleSchedule> {
        if self.started {
            let divergence = match &mut self.picker {
                Picker::Own(s) => s.end(),
                Picker::Shuttle(_) | Picker::Pct(..) => None,
            };
            let run = Recorded {
                decisions: std::mem::take(&mut self.decisions),
                preemptions: std::mem::take(&mut self.preemptions),
                divergence,
            };
            if !self.control.execution_ended(run) {
                return None;
            }
        }
        // shuttle's PCT counts only steps where two or more tasks can run, and asserts on its
        // second execution if the first had none. With no thread decision there is nothing to
        // prioritise and PCT degenerates to its random data source: the random scheduler with
        // the same seed is that, without the assert.
        if self.started && !self.any_thread_decision {
            if let Picker::Pct(_, seed) = &self.picker {
                let random = RandomScheduler::new_from_seed(*seed, usize::MAX);
                if let Picker::Pct(old, _) =
                    std::mem::replace(&mut self.picker, Picker::Shuttle(Box::new(random)))
                {
                    std::mem::forget(old);
                }
            }
        }
        self.started = true;
        self.stopped = false;
        set_teardown(false);
        if !self.control.may_start() {
            return None;
        }
        match &mut self.picker {
            Picker::Shuttle(s) => s.new_execution(),
            Picker::Pct(s, _) => s.new_execution(),
            Picker::Own(s) => s.begin().then(|| ShuttleSchedule::new(0)),
        }
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if self.stopped {
            return None;
        }
        if TEARDOWN.with(|t| t.get()) {
            AWAY.with(|a| a.set(None));
            return Some(runnable[0].id());
        }
        // A `preempt` fault: the thread that asked steps aside when another can run. The
        // decision is then among the others, and the switch is the fault's, not a preemption
        // of the explorer's.
        let away = AWAY.with(|a| a.take());
        let kept: Vec<&Task>;
        let runnable: &[&Task] = match away {
            Some(a) if runnable.len() >= 2 && runnable.iter().any(|t| t.id() == a) => {
                kept = runnable.iter().copied().filter(|t| t.id() != a).collect();
                &kept
            }
            _ => runnable,
        };
        let chosen = match &mut self.picker {
            Picker::Shuttle(s) => s.next_task(runnable, current, is_yielding)?,
            Picker::Pct(s, _) => s.next_task(runnable, current, is_yielding)?,
            Picker::Own(s) if runnable.len() == 1 => {
                let only = runnable[0].id();
                if let Some(t) = usize::from(only).checked_sub(1) {
                    s.forced(t as u32);
                }
                return Some(only);
            }
            Picker::Own(s) => {
                let threads: Vec<u32> = runnable
                    .iter()
                    .filter_map(|t| usize::from(t.id()).checked_sub(1))
                    .map(|t| t as u32)
                    .collect();
                let current = current
                    .and_then(|c| usize::from(c).checked_sub(1))
                    .map(|c| c as u32);
                match s.thread(&threads, current) {
                    Some(t) => TaskId::from(t as usize + 1),
                    None => {
                        self.stopped = true;
                        return None;
                    }
                }
            }
        };
        if PREEMPTED.with(|p| p.get().is_some_and(|t| t != chosen)) {
            PREEMPTED.with(|p| p.set(None));
        }
        if runnable.len() >= 2 {
            self.any_thread_decision = true;
            if let Some(t) = usize::from(chosen).checked_sub(1) {
                self.decisions.push(Decision::Thread(t as u32));
            }
            if current.is_some_and(|c| c != chosen && runnable.iter().any(|t| t.id() == c)) {
                self.preemptions += 1;
                PREEMPTED.with(|p| p.set(Some(chosen)));
            }
        }
        Some(chosen)
    }

    fn next_u64(&mut self) -> u64 {
        let arity = ARITY.with(|a| a.replace(0)).max(2) as u32;
        let bias = BIAS.with(|b| b.take());
        let pick = |u: u64| match bias {
            // The top 53 bits as a fraction in [0, 1) against p; the low bits pick the option.
            Some(p) if ((u >> 11) as f64) / ((1u64 << 53) as f64) >= p => 0,
            Some(_) => 1 + (u % (arity as u64 - 1)) as u32,
            None => (u % arity as u64) as u32,
        };
        let k = match &mut self.picker {
            Picker::Shuttle(s) => Some(pick(s.next_u64())),
            Picker::Pct(s, _) => Some(pick(s.next_u64())),
            Picker::Own(s) if bias.is_some() => s.fault_choice(arity),
            Picker::Own(s) => s.choice(arity),
        };
        match k {
            Some(k) => {
                self.decisions.push(Decision::Choice(k));
                k as u64
            }
            None => {
                // The next scheduling point stops the execution.
                self.stopped = true;
                0
            }
        }
    }
}

/// The task stacks of executions run with [`run_kept`], kept between them.
pub(crate) type StackPool = ContinuationPool;

/// One execution of `body` under `adapter`, reusing `pool`'s stacks and the adapter between
/// calls: what shuttle's `Runner::run` does for one execution, without setting a runner up
/// each time. Afterwards the adapter is asked for the next execution, which hands its record
/// of this one to its `Control` (and starts nothing when the control says so).
pub(crate) fn run_kept<C: Control + 'static>(
    pool: &StackPool,
    adapter: &std::rc::Rc<std::cell::RefCell<Adapter<C>>>,
    config: &shuttle::Config,
    body: impl Fn() + Send + Sync + 'static,
) -> Option<ShuttleSchedule> {
    CONTINUATION_POOL.set(pool, || {
        let schedule = adapter.borrow_mut().new_execution()?;
        let scheduler: std::rc::Rc<std::cell::RefCell<dyn Scheduler>> = adapter.clone();
        Execution::new(scheduler, schedule).run(config, body, Location::caller());
        adapter.borrow_mut().new_execution()
    })
}

/// Shuttle configuration for hazard's executions: hazard bounds steps and reports failures
/// itself, so shuttle's own step bound and failure printing are off.
pub(crate) fn shuttle_config() -> shuttle::Config {
    let mut config = shuttle::Config::new();
    config.stack_size = STACK_SIZE;
    config.failure_persistence = shuttle::FailurePersistence::None;
    config.max_steps = shuttle::MaxSteps::None;
    config.silence_warnings = true;
    config
}
