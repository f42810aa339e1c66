//! Fault injection at run time: the scenario's rules, evaluated in order before each op of a
//! thread (a scheduling point follows at once); the first rule that fires there wins.
//!
//! Whether a rule fires is decided in one of three ways. In mode `on`, a rule without `p`
//! fires at the first `times` places it matches, with no decision to record. Otherwise the
//! engine decides, as one more choice of the schedule (option 0 is "no fault"): shuttle's
//! random and PCT schedulers take option 1 with probability `p` from their seeded random
//! source, DFS enumerates both, the fuzz engine and libFuzzer take it when their bytes say so.
//! Because every such decision is in the schedule, a replay injects the same faults at the
//! same steps. Mode `explore` makes every rule a decision, so fault placement is searched like
//! an interleaving, and schedule minimization drops the faults a failure does not need.

use super::world::{Obj, PanicVal, Status, ThreadCx, Unwind, Wake, World};
use super::{Failure, WaitReason};
use crate::rt;
use crate::scenario::{FaultAction, FaultMode, FaultSpec, OpId, Program, StmtKind};

/// Probability that a matching place gets the fault, for random and PCT engines in mode
/// `explore` when the rule gives no `p`: one place in `sites + 1` (the ops the rule matches,
/// plus "nowhere"), so that placements spread over the execution instead of piling up at the
/// first match.
fn explore_p(spec: &FaultSpec) -> f64 {
    1.0 / (spec.sites as f64 + 1.0)
}

/// One fault injected into an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Injection {
    /// Index of the rule in `faults`.
    pub rule: usize,
    /// Scheduling step it happened at.
    pub step: u64,
    /// Thread it hit (index; the chaos thread for `cancel` and `close`).
    pub thread: usize,
    pub op: OpId,
    /// What it did, for people.
    pub effect: String,
}

/// An injection armed for a site inside the op (a data structure's method, Once's f).
#[derive(Debug, Clone)]
pub(crate) struct Armed {
    pub rule: usize,
    pub op: OpId,
}

/// A timer skew decided before an op that starts a timer; applied by the first timer that op
/// (same thread) starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingSkew {
    pub rule: usize,
    pub thread: usize,
    pub op: OpId,
    pub ns: i64,
}

/// The fault state of one execution.
#[derive(Debug, Default)]
pub(crate) struct FaultRun {
    /// Injections per rule so far.
    pub fired: Vec<u32>,
    pub log: Vec<Injection>,
    pub skew: Option<PendingSkew>,
    /// The chaos thread's index (`cancel` and `close` act from it).
    pub chaos: Option<usize>,
    /// The execution ended by an injected panic nobody recovered: the fault itself, not a
    /// finding.
    pub ended_by: Option<usize>,
}

impl FaultRun {
    pub fn new(prog: &Program) -> FaultRun {
        FaultRun {
            fired: vec![0; prog.faults.len()],
            ..Default::default()
        }
    }
}

/// Whether rule `i` may fire now: budget left, step reached, thread and op filters.
fn applies(w: &World, i: usize, spec: &FaultSpec, me: usize, op: OpId) -> bool {
    w.faults.fired[i] < spec.times
        && w.steps >= spec.step
        && spec
            .thread
            .as_ref()
            .is_none_or(|t| *t == w.threads[me].role)
        && spec.matches_op(op, &w.prog.op_meta[op])
}

/// The engine's (or the rule's) verdict at one place: `None` is "no fault", else the option
/// taken among `options` (at least one).
fn decide(mode: FaultMode, spec: &FaultSpec, options: usize) -> Option<usize> {
    let certain = mode == FaultMode::On && spec.p.is_none();
    if certain {
        return Some(if options > 1 { rt::choose(options) } else { 0 });
    }
    let p = spec.p.unwrap_or_else(|| explore_p(spec));
    match rt::choose_fault(options + 1, p) {
        0 => None,
        k => Some(k - 1),
    }
}

/// Record an injection; returns its trace line (traced executions only), which what the fault
/// sets off (a close, a cancel) links to.
fn log(w: &mut World, rule: usize, thread: usize, op: OpId, effect: String) -> super::sync::Point {
    let step = w.steps;
    let kind = w.prog.faults[rule].kind.name();
    let line = w.note(thread, op, || format!("[fault #{rule} {kind}] {effect}"));
    w.faults.log.push(Injection {
        rule,
        step,
        thread,
        op,
        effect,
    });
    line
}

/// The chaos thread `cancel` and `close` act from (the driver starts one when such rules exist).
fn chaos(w: &World) -> usize {
    w.faults
        .chaos
        .expect("a chaos thread runs with cancel and close rules")
}

/// Where a `panic` or `kill` rule strikes in op `kind`.
enum PanicSite {
    /// At the op's scheduling point, before it takes effect.
    Before,
    /// Inside the op: a data structure's method, Once's f (see [`site`]).
    Inside,
    /// In the callback the op sets up, when it starts (see [`callback_start`]).
    Callback,
}

fn panic_site(kind: &StmtKind) -> PanicSite {
    use crate::scenario::DsMapOp;
    match kind {
        StmtKind::DsMap {
            op: DsMapOp::Set { .. } | DsMapOp::Delete { .. } | DsMapOp::Get { .. },
            ..
        }
        | StmtKind::OnceDo { .. } => PanicSite::Inside,
        StmtKind::TimerAfterFunc { .. } | StmtKind::CtxAfterFunc { .. } => PanicSite::Callback,
        _ => PanicSite::Before,
    }
}

/// The unwinding a `panic` or `kill` injection starts.
fn unwind(w: &World, rule: usize, me: usize, op: OpId) -> Unwind {
    match &w.prog.faults[rule].action {
        FaultAction::Panic(v) => Unwind::Panic(PanicVal {
            failure: Failure::UserPanic(v.clone()),
            thread: me,
            op,
            injected: Some(rule),
        }),
        _ => Unwind::Exit,
    }
}

fn strike_text(w: &World, rule: usize, where_: &str) -> String {
    match &w.prog.faults[rule].action {
        FaultAction::Panic(v) => format!("panic({}) {where_}", v.quoted()),
        _ => format!("runtime.Goexit() {where_}: deferred calls run"),
    }
}

/// Evaluate the rules before thread `cx.me` runs op `op` (of kind `kind`). Runs the fault that
/// fires, if any: a `panic` or `kill` before the op unwinds from here.
pub(crate) fn before_op(cx: &ThreadCx, op: OpId, kind: &StmtKind) -> Result<(), Unwind> {
    let me = cx.me;
    let mut w = cx.world.borrow_mut();
    let prog = std::sync::Arc::clone(&w.prog);
    if w.tearing_down {
        return Ok(());
    }
    if w.faults.skew.is_some_and(|s| s.thread == me) {
        w.faults.skew = None;
    }
    for (i, spec) in prog.faults.iter().enumerate() {
        match &spec.action {
            FaultAction::SpuriousWakeup => {
                if w.faults.fired[i] >= spec.times || w.steps < spec.step {
                    continue;
                }
                let Some(o) = spec.obj else { continue };
                let Some(t) = spurious_waiter(&w, spec, o) else {
                    continue;
                };
                drop(w);
                let fire = decide(prog.fault_mode, spec, 1).is_some();
                w = cx.world.borrow_mut();
                let is_cond = matches!(w.objs[o], Obj::Cond(_));
                if !fire || !(is_cond || w.unqueue(t, o)) {
                    continue;
                }
                w.faults.fired[i] += 1;
                let name = w.obj_name(o);
                let top = w.threads[t].op;
                log(
                    &mut w,
                    i,
                    t,
                    top,
                    if is_cond {
                        format!("woken while waiting on {name} by a Broadcast the scenario does not make (as one for another condition on {name} would; Go's Cond never wakes a waiter by itself)")
                    } else {
                        format!("woken while waiting on {name} without its condition; the runtime checks again")
                    },
                );
                if is_cond {
                    super::cond::stray_broadcast(&mut w, o);
                } else {
                    w.wake(t, Wake::Spurious);
                }
                return Ok(());
            }
            _ => {
                if !applies(&w, i, spec, me, op) {
                    continue;
                }
            }
        }
        let site = panic_site(kind);
        match &spec.action {
            FaultAction::Panic(_) | FaultAction::Kill if matches!(site, PanicSite::Callback) => {
                continue
            }
            FaultAction::ClockSkew { .. } if !kind.starts_timer() => continue,
            FaultAction::Cancel(c) if !cancellable(&mut w, *c) => continue,
            FaultAction::Close(ch) if !closable(&mut w, *ch) => continue,
            _ => {}
        }
        let options = match &spec.action {
            FaultAction::ClockSkew { early, late } => skews(*early, *late).len(),
            _ => 1,
        };
        drop(w);
        let verdict = decide(prog.fault_mode, spec, options);
        w = cx.world.borrow_mut();
        let Some(option) = verdict else { continue };
        if let (FaultAction::Panic(_) | FaultAction::Kill, PanicSite::Inside) =
            (&spec.action, &site)
        {
            // Counted when it strikes: the op may never reach the site (Once's f when the
            // Once is done), and meanwhile another thread may take the rule's turn.
            w.threads[me].armed = Some(Armed { rule: i, op });
            return Ok(());
        }
        w.faults.fired[i] += 1;
        match &spec.action {
            FaultAction::Panic(_) | FaultAction::Kill => match site {
                PanicSite::Inside => unreachable!("armed above"),
                _ => {
                    drop(w);
                    let mut w = cx.step(op)?;
                    let text = strike_text(&w, i, "before the op");
                    log(&mut w, i, me, op, text);
                    return Err(unwind(&w, i, me, op));
                }
            },
            FaultAction::Preempt => {
                let others =
                    w.runnable() > 1 || w.clock.is_some_and(|c| !w.clock_parked && c != me);
                let text = if others {
                    "switched away from before the op".to_string()
                } else {
                    "no other thread could run: no switch".to_string()
                };
                log(&mut w, i, me, op, text);
                rt::switch_away(me);
                return Ok(());
            }
            FaultAction::Delay(ns) => {
                let ns = *ns;
                let text = format!(
                    "sleeps {} (virtual) before the op",
                    super::time::fmt_duration(ns)
                );
                log(&mut w, i, me, op, text);
                drop(w);
                return super::time::sleep(cx, op, ns);
            }
            FaultAction::Cancel(c) => {
                let name = w.obj_name(*c);
                let id = (*w.ctx_var(*c)).expect("checked cancellable");
                let effect = format!("cancel() of {name}: Done closed");
                let from = chaos(&w);
                let line = log(&mut w, i, from, op, effect);
                w.cancel_ctx(id, super::context::CtxErr::Canceled, None, Some(line));
                return Ok(());
            }
            FaultAction::Close(ch) => {
                let name = w.obj_name(*ch);
                let (nr, ns) = {
                    let c = w.chan(*ch);
                    (c.recvq.len(), c.sendq.len())
                };
                let effect = format!("close({name}): wakes {nr} receiver(s), {ns} sender(s)");
                let from = chaos(&w);
                let line = log(&mut w, i, from, op, effect);
                let zero = w.zero(*ch);
                super::chan::close_now(&mut w, *ch, &zero, Some(line));
                return Ok(());
            }
            FaultAction::ClockSkew { early, late } => {
                let ns = skews(*early, *late)[option];
                w.faults.skew = Some(PendingSkew {
                    rule: i,
                    thread: me,
                    op,
                    ns,
                });
                return Ok(());
            }
            FaultAction::SpuriousWakeup => unreachable!("handled above"),
        }
    }
    Ok(())
}

/// A thread a `spurious-wakeup` rule on `o` can wake: blocked on it (for a channel, in a
/// `select` with a case on it; a plain send or receive is woken only when it completes).
fn spurious_waiter(w: &World, spec: &FaultSpec, o: crate::scenario::ObjId) -> Option<usize> {
    (0..w.threads.len()).find(|&t| {
        let role = spec.thread.as_ref().is_none_or(|r| *r == w.threads[t].role);
        role && match (w.threads[t].status, &w.objs[o]) {
            (Status::Blocked(WaitReason::Select), Obj::Chan(c)) => c
                .recvq
                .iter()
                .chain(c.sendq.iter())
                .any(|x| x.thread == t && x.case.is_some()),
            (Status::Blocked(_), Obj::Chan(_)) => false,
            (Status::Blocked(_), _) => w.threads[t].waits_on == Some(o),
            _ => false,
        }
    })
}

/// The op is over: a `panic` or `kill` armed for a site it never reached (Once's f when the
/// Once was done) was not injected.
pub(crate) fn lapse(cx: &ThreadCx) {
    cx.world.borrow_mut().threads[cx.me].armed = None;
}

/// The skews a clock-skew rule offers, in ns (negative: earlier).
fn skews(early: i64, late: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if early > 0 {
        v.push(-early);
    }
    if late > 0 {
        v.push(late);
    }
    v
}

/// A site inside an op (a data structure's method where Go's code can panic, the start of
/// Once's f): the armed `panic` or `kill` strikes here.
pub(crate) fn site(cx: &ThreadCx, where_: &str) -> Result<(), Unwind> {
    let me = cx.me;
    let mut w = cx.world.borrow_mut();
    let Some(a) = w.threads[me].armed.take() else {
        return Ok(());
    };
    // Another thread's injection of the same rule used up its `times` meanwhile.
    if w.faults.fired[a.rule] >= w.prog.faults[a.rule].times {
        return Ok(());
    }
    w.faults.fired[a.rule] += 1;
    let text = strike_text(&w, a.rule, where_);
    log(&mut w, a.rule, me, a.op, text);
    Err(unwind(&w, a.rule, me, a.op))
}

/// A callback thread (AfterFunc's f) starts: `panic` and `kill` rules on the op that set it up
/// strike here.
pub(crate) fn callback_start(cx: &ThreadCx, op: OpId) -> Result<(), Unwind> {
    let me = cx.me;
    let (prog, cands) = {
        let w = cx.world.borrow();
        let prog = std::sync::Arc::clone(&w.prog);
        if !prog.faults_on() || w.tearing_down {
            return Ok(());
        }
        let cands: Vec<usize> = (0..prog.faults.len())
            .filter(|&i| {
                let spec = &prog.faults[i];
                matches!(spec.action, FaultAction::Panic(_) | FaultAction::Kill)
                    && applies(&w, i, spec, me, op)
            })
            .collect();
        (prog, cands)
    };
    for i in cands {
        if decide(prog.fault_mode, &prog.faults[i], 1).is_none() {
            continue;
        }
        let mut w = cx.step(op)?;
        w.faults.fired[i] += 1;
        let text = strike_text(&w, i, "as the callback starts");
        log(&mut w, i, me, op, text);
        return Err(unwind(&w, i, me, op));
    }
    Ok(())
}

/// Apply a pending clock skew to a timer op `thread` starts now: the new delay.
pub(crate) fn skew_timer(w: &mut World, ns: i64) -> i64 {
    let Some(s) = w.faults.skew else { return ns };
    if s.thread != w.current {
        return ns;
    }
    w.faults.skew = None;
    let skewed = (ns + s.ns).max(0);
    let f = super::time::fmt_duration;
    let effect = if s.ns < 0 {
        format!(
            "the timer fires {} early: after {} instead of {}",
            f(-s.ns),
            f(skewed),
            f(ns)
        )
    } else {
        format!(
            "the timer fires {} late: after {} instead of {}",
            f(s.ns),
            f(skewed),
            f(ns)
        )
    };
    log(w, s.rule, s.thread, s.op, effect);
    skewed
}

fn cancellable(w: &mut World, o: crate::scenario::ObjId) -> bool {
    match *w.ctx_var(o) {
        Some(c) => w.ctx_cancellable(c),
        None => false,
    }
}

fn closable(w: &mut World, ch: crate::scenario::ObjId) -> bool {
    let c = w.chan(ch);
    !c.nil && !c.closed
}
