//! Threads of an execution: their states, how they are added, woken and finished, and the
//! counters the scheduler's quiescence checks read.
//!
//! Invariants (checked by `debug_assert!` wherever they change): `live` is the goroutines not
//! finished and `runnable` those neither blocked nor finished, each counting the goroutines
//! reserved by a `go` statement but not yet added; the clock and chaos tasks are never counted.

use super::failure::{Blocked, Failure, WaitReason};
use super::world::{Obj, Unwind, World};
use super::Value;
use crate::rt;
use crate::scenario::{Lifetime, ObjId, OpId, MAX_THREADS};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Runnable,
    Blocked(WaitReason),
    Finished,
}

/// What woke a blocked thread (Go's sudog result).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Wake {
    /// Try again (a mutex was released, a semaphore handed over).
    Retry,
    /// A receive completed; `case` is the select case when the thread was in a select.
    Received {
        case: Option<usize>,
        value: Value,
        ok: bool,
    },
    /// A send completed.
    Sent { case: Option<usize> },
    /// The channel was closed under a blocked sender: it panics.
    SendClosed { case: Option<usize> },
    /// The execution is over (failure or quiescence): unwind without running defers.
    Abort,
    /// An injected spurious wakeup: nothing changed; check the condition again.
    Spurious,
}

#[derive(Debug)]
pub(crate) struct ThreadState {
    /// Display name, unique in the execution (`worker`, `worker#2`).
    pub name: String,
    /// Static name from the scenario: the thread's role in a failure signature.
    pub role: String,
    /// Top-level threads are the ones `main` waits for: when one of them is blocked at
    /// quiescence the program is stuck (Go's global deadlock); spawned threads are `go f()`.
    pub top_level: bool,
    pub status: Status,
    pub wake: Option<Wake>,
    /// The op the thread is executing (for blocked-thread reports and failure signatures).
    pub op: OpId,
    /// The op that started it (`go`, a callback's setup); none for a top-level thread.
    pub created_by: Option<OpId>,
    /// The object it blocks on, if any.
    pub waits_on: Option<ObjId>,
    /// The virtual clock's task: not a goroutine, never counted in `live` or `runnable`.
    pub clock: bool,
    /// Spawned inside a `recover` scope of its spawner (which cannot catch its panics).
    pub guarded: bool,
    /// The timer its sleeps use.
    pub sleep_timer: Option<usize>,
    /// A `panic` or `kill` fault waiting for its site inside the current op.
    pub armed: Option<super::fault::Armed>,
}

/// A thread to start once the current atomic chunk is over (AfterFunc callbacks).
#[derive(Debug)]
pub(crate) struct SpawnReq {
    pub name: Arc<str>,
    pub body: crate::scenario::BlockId,
    pub locals: Vec<Value>,
    /// The op that set the callback up (the thread's op until it runs its first).
    pub op: OpId,
    /// Clock snapshots that happen before the goroutine starts (see `race`).
    pub from: Vec<u32>,
}

/// What kind of task a new thread is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ThreadKind<'a> {
    /// A thread of the scenario's `threads`: `main` waits for it. `op` is its first op.
    TopLevel { role: &'a str, op: OpId },
    /// A goroutine (`go f()`, a callback) counted by [`World::reserve_thread`] when started.
    /// `op` is the op that started it.
    Go { role: &'a str, op: OpId },
    /// The virtual clock's task: not a goroutine, never live or runnable work.
    Clock,
    /// The task `cancel` and `close` faults act from: it never competes, and counts as
    /// finished from the start.
    Chaos,
}

impl World {
    /// Goroutines not finished (reserved ones included).
    pub fn live(&self) -> usize {
        self.live
    }

    /// Goroutines neither blocked nor finished (reserved ones included).
    pub fn runnable(&self) -> usize {
        self.runnable
    }

    /// The counters agree with the threads' states (see the module's invariants).
    #[inline]
    pub(crate) fn check_counts(&self) {
        debug_assert!(
            {
                let goroutines = || self.threads.iter().filter(|t| !t.clock);
                let reserved = self.reserved as usize;
                let live = goroutines()
                    .filter(|t| t.status != Status::Finished)
                    .count();
                let runnable = goroutines()
                    .filter(|t| t.status == Status::Runnable)
                    .count();
                live + reserved == self.live && runnable + reserved == self.runnable
            },
            "thread counters out of step: live {}, runnable {}, reserved {}",
            self.live,
            self.runnable,
            self.reserved
        );
    }

    /// A goroutine is being started (see `rt::spawn`): it counts as live and runnable from the
    /// `go` statement on, although it gets its index only once the spawn's scheduling point
    /// has passed. [`World::add_thread`] with [`ThreadKind::Go`] gives it its index.
    ///
    /// Validation bounds the threads a scenario declares ([`MAX_THREADS`], counting loops), but
    /// not those a `range` body or a re-armed callback starts: past the bound the execution
    /// stops with `limit` set, a bound of the harness rather than a Go failure.
    pub fn reserve_thread(&mut self) -> Result<(), Unwind> {
        // Threads registered, plus those reserved but not yet registered.
        let started = self.threads.len() as u64 + u64::from(self.reserved);
        if started >= MAX_THREADS {
            self.limit.get_or_insert_with(|| {
                format!("the scenario starts more than {MAX_THREADS} threads in one execution (a bound of the harness); a spawn inside a range over a large map, say: lower the number of entries")
            });
            self.tear_down();
            return Err(Unwind::Abort);
        }
        self.reserved += 1;
        self.live += 1;
        self.runnable += 1;
        self.check_counts();
        Ok(())
    }

    /// Add a thread and return its index (the task `rt::spawn` just made, in the same order).
    pub fn add_thread(&mut self, kind: ThreadKind<'_>) -> usize {
        let (role, op, top_level) = match kind {
            ThreadKind::TopLevel { role, op } => (role, op, true),
            ThreadKind::Go { role, op } => (role, op, false),
            ThreadKind::Clock => ("(clock)", OpId::MAX, false),
            ThreadKind::Chaos => ("chaos", OpId::MAX, false),
        };
        let same = self.threads.iter().filter(|t| t.role == role).count();
        let name = if same == 0 {
            role.to_string()
        } else {
            format!("{role}#{}", same + 1)
        };
        let t = self.threads.len();
        self.threads.push(ThreadState {
            name,
            role: role.to_string(),
            top_level,
            status: Status::Runnable,
            wake: None,
            op,
            created_by: (!top_level && op != OpId::MAX).then_some(op),
            waits_on: None,
            clock: false,
            guarded: false,
            sleep_timer: None,
            armed: None,
        });
        self.race.start(t, None);
        match kind {
            ThreadKind::TopLevel { .. } => {
                self.live += 1;
                self.runnable += 1;
            }
            // Counted since its `go` statement.
            ThreadKind::Go { .. } => {
                debug_assert!(self.reserved > 0, "a goroutine added without a reservation");
                self.reserved -= 1;
            }
            ThreadKind::Clock => {
                self.threads[t].clock = true;
                self.clock = Some(t);
            }
            ThreadKind::Chaos => {
                self.threads[t].status = Status::Finished;
                self.faults.chaos = Some(t);
            }
        }
        self.check_counts();
        t
    }

    /// Wake a blocked thread with `wake`.
    pub fn wake(&mut self, t: usize, wake: Wake) {
        let th = &mut self.threads[t];
        debug_assert!(
            matches!(th.status, Status::Blocked(_)),
            "waking a thread that is not blocked"
        );
        th.status = Status::Runnable;
        th.wake = Some(wake);
        th.waits_on = None;
        self.runnable += 1;
        self.check_counts();
        rt::unblock(t);
    }

    /// Nothing can run and nothing can wake anything: a global deadlock when a thread `main`
    /// waits for is among the blocked, a leak when only spawned threads are.
    pub fn quiesce(&mut self) {
        let blocked: Vec<usize> = (0..self.threads.len())
            .filter(|&t| matches!(self.threads[t].status, Status::Blocked(_)))
            .collect();
        self.fail_blocked(blocked);
    }

    /// Fail with the deadlock or leak of the `blocked` threads.
    fn fail_blocked(&mut self, blocked: Vec<usize>) {
        let diagnosed = super::diagnose::catalog_id(self, &blocked);
        let on_channel = super::diagnose::waits_on_channel(self, &blocked);
        let list = blocked
            .iter()
            .map(|&t| {
                let th = &self.threads[t];
                let Status::Blocked(reason) = th.status else {
                    unreachable!()
                };
                Blocked {
                    thread: th.name.clone(),
                    reason,
                    object: th.waits_on.map(|o| self.names[o].to_string()),
                    op: self.prog.op_path(th.op).to_string(),
                    holds: self
                        .holds(t)
                        .into_iter()
                        .map(|(o, how)| format!("{}{how}", self.names[o]))
                        .collect(),
                }
            })
            .collect::<Vec<_>>();
        let failure = if blocked.iter().any(|&t| self.threads[t].top_level) {
            // Go's dump lists main's goroutine first: it waits for the top-level threads
            // (unless one of them is the scenario's own `main`).
            let mut list = list;
            if !self
                .threads
                .iter()
                .any(|th| th.top_level && th.role == "main")
            {
                list.insert(
                    0,
                    Blocked {
                        thread: "main".into(),
                        reason: WaitReason::WaitGroupWait,
                        object: None,
                        op: "$.threads".into(),
                        holds: Vec::new(),
                    },
                );
            }
            Failure::Deadlock {
                id: diagnosed.unwrap_or("deadlock"),
                blocked: list,
            }
        } else {
            // A leak on a channel is chan-leak; on anything else, with no more specific id,
            // the harness's own `leak`.
            let abandoned = blocked.iter().any(|&t| {
                self.abandoned.iter().any(|&c| {
                    self.threads[t].waits_on == Some(c)
                        || matches!(&self.objs[c], Obj::Chan(ch)
                            if ch.recvq.iter().chain(ch.sendq.iter()).any(|x| x.thread == t))
                })
            });
            let fallback = match (on_channel, abandoned) {
                (true, true) => "timeout-leak",
                (true, false) => "chan-leak",
                _ => "leak",
            };
            Failure::Leak {
                id: diagnosed.unwrap_or(fallback),
                blocked: list,
            }
        };
        let first = blocked.first().copied();
        let op = first.map(|t| self.threads[t].op);
        self.fail(failure, first, op);
    }

    /// The thread finished (normally, by panic, or unwinding the teardown).
    pub fn finish_thread(&mut self, t: usize) {
        let th = &mut self.threads[t];
        debug_assert_eq!(th.status, Status::Runnable);
        th.status = Status::Finished;
        let top_level = th.top_level;
        self.live -= 1;
        self.runnable -= 1;
        self.check_counts();
        if top_level && !self.tearing_down && self.main_returned() {
            self.after_main = true;
        }
        if self.live == 0 {
            // main returns: the program exits even with timers pending.
            if self.clock.is_none() || self.clock_finished {
                rt::unblock_driver();
            } else {
                self.unpark_clock();
            }
        } else if self.runnable == 0 && !self.tearing_down && !self.timers_pending() {
            self.quiesce();
        } else if self.clock_ready() {
            self.unpark_clock();
        }
    }

    /// Whether thread `t` returning makes `main` return: it is the last top-level thread left
    /// and the program is not a long-lived process.
    pub fn ends_program(&self, t: usize) -> bool {
        self.prog.lifetime == Lifetime::Main
            && self.threads[t].top_level
            && self
                .threads
                .iter()
                .enumerate()
                .all(|(u, th)| u == t || !th.top_level || th.status == Status::Finished)
    }

    /// Whether `main` has returned: it waits for every top-level thread, and a Go program ends
    /// there (a long-lived process's `main` never returns).
    fn main_returned(&self) -> bool {
        self.prog.lifetime == Lifetime::Main
            && self
                .threads
                .iter()
                .all(|th| !th.top_level || th.status == Status::Finished)
    }
}
