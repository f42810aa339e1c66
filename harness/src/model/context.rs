//! `context` port: Background, WithCancel, WithTimeout/WithDeadline on the virtual clock,
//! WithValue, Done/Err/Cause, AfterFunc.
//!
//! After Go's `cancelCtx`: cancelling closes Done and cancels every descendant with the same
//! error and cause; the first cancellation wins and later ones are no-ops. A child of a
//! cancelled parent is born cancelled with the parent's error (no panic: folklore says
//! otherwise); only a nil parent panics. A value context shares its parent's Done and Err.
//! `Background().Done()` is a nil channel: waiting on it blocks forever.

use super::chan::{close_now, ChanState};
use super::sync::Point;
use super::time::{fmt_duration, AfterFuncState, Fires, FuncSpec, TimerVar};
use super::world::{Obj, SpawnReq, ThreadCx, Unwind, World};
use super::{Failure, Value};
use crate::scenario::{ObjId, OpId};
use std::sync::Arc;

/// Index of a context node in `World::ctxs`.
pub(crate) type CtxId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CtxErr {
    Canceled,
    DeadlineExceeded,
}

impl CtxErr {
    pub fn text(self) -> &'static str {
        match self {
            CtxErr::Canceled => "context canceled",
            CtxErr::DeadlineExceeded => "context deadline exceeded",
        }
    }
}

#[derive(Debug)]
pub(crate) enum CtxKind {
    Background,
    /// `cancelCtx` (and `timerCtx`, with `timer`).
    Cancel {
        done: ObjId,
        err: Option<CtxErr>,
        cause: Option<Value>,
        children: Vec<CtxId>,
        afterfuncs: Vec<usize>,
        timer: Option<usize>,
    },
    Value {
        key: Value,
        value: Value,
    },
}

#[derive(Debug)]
pub(crate) struct CtxNode {
    pub parent: Option<CtxId>,
    pub deadline: Option<u64>,
    pub kind: CtxKind,
}

impl World {
    pub fn ctx_var(&mut self, o: ObjId) -> &mut Option<CtxId> {
        match &mut self.objs[o] {
            Obj::Context(c) => c,
            _ => unreachable!("validation checks object kinds"),
        }
    }

    pub fn background(&mut self) -> CtxId {
        self.ctxs.push(CtxNode {
            parent: None,
            deadline: None,
            kind: CtxKind::Background,
        });
        self.ctxs.len() - 1
    }

    /// The nearest cancelable context at or above `c`.
    fn cancelable(&self, mut c: CtxId) -> Option<CtxId> {
        loop {
            match &self.ctxs[c].kind {
                CtxKind::Cancel { .. } => return Some(c),
                CtxKind::Background => return None,
                CtxKind::Value { .. } => c = self.ctxs[c].parent?,
            }
        }
    }

    /// `ctx.Err()` and `context.Cause(ctx)`.
    pub fn ctx_err(&self, c: CtxId) -> (Option<CtxErr>, Option<Value>) {
        match self.cancelable(c).map(|c| &self.ctxs[c].kind) {
            Some(CtxKind::Cancel { err, cause, .. }) => (*err, cause.clone()),
            _ => (None, None),
        }
    }

    /// The channel `ctx.Done()` returns (the shared nil channel for Background).
    pub fn ctx_done(&mut self, c: CtxId) -> ObjId {
        match self.cancelable(c).map(|c| &self.ctxs[c].kind) {
            Some(CtxKind::Cancel { done, .. }) => *done,
            _ => self.nil_done(),
        }
    }

    /// `WithCancel(parent)` / `WithDeadline(parent, now + timeout)`: a new cancel context,
    /// cancelled at birth when the parent already is.
    pub fn derive(&mut self, parent: CtxId, name: &str, timeout: Option<i64>) -> CtxId {
        let mut c = ChanState::new(0, false);
        c.ctx_done = true;
        let done = self.new_obj(Arc::from(format!("{name}.Done()")), Obj::Chan(c));
        let inherited = self.ctxs[parent].deadline;
        let wanted = timeout.map(|ns| (self.now as i64).saturating_add(ns).max(0) as u64);
        // A deadline later than the parent's is just WithCancel (Go does the same).
        let own = match (wanted, inherited) {
            (Some(d), Some(p)) if p <= d => None,
            (w, _) => w,
        };
        self.ctxs.push(CtxNode {
            parent: Some(parent),
            deadline: own.or(inherited),
            kind: CtxKind::Cancel {
                done,
                err: None,
                cause: None,
                children: Vec::new(),
                afterfuncs: Vec::new(),
                timer: None,
            },
        });
        let id = self.ctxs.len() - 1;
        if let Some(p) = self.cancelable(parent) {
            let (err, cause) = self.ctx_err(p);
            if let Some(err) = err {
                // Born cancelled: its Done's receivers link to the parent's cancel.
                let pdone = self.ctx_done(p);
                let line = self.release_point(super::sync::Release::Close(pdone));
                self.cancel_ctx(id, err, cause, line);
                return id;
            }
            if let CtxKind::Cancel { children, .. } = &mut self.ctxs[p].kind {
                children.push(id);
            }
        }
        if let Some(d) = own {
            if d <= self.now {
                self.cancel_ctx(id, CtxErr::DeadlineExceeded, None, None);
            } else {
                let slot = self.new_timer(Fires::Deadline(id));
                self.arm(slot, (d - self.now) as i64);
                if let CtxKind::Cancel { timer, .. } = &mut self.ctxs[id].kind {
                    *timer = Some(slot);
                }
            }
        }
        id
    }

    pub fn with_value(&mut self, parent: CtxId, key: Value, value: Value) -> CtxId {
        let deadline = self.ctxs[parent].deadline;
        self.ctxs.push(CtxNode {
            parent: Some(parent),
            deadline,
            kind: CtxKind::Value { key, value },
        });
        self.ctxs.len() - 1
    }

    /// Cancel `c` and its descendants; a no-op when already cancelled (the first cause wins).
    /// `line` is the trace line of the cancel, which the receives on Done link to.
    pub fn cancel_ctx(
        &mut self,
        c: CtxId,
        why: CtxErr,
        why_cause: Option<Value>,
        line: Option<Point>,
    ) {
        let CtxKind::Cancel {
            done,
            err,
            cause,
            children,
            afterfuncs,
            timer,
        } = &mut self.ctxs[c].kind
        else {
            return;
        };
        if err.is_some() {
            return;
        }
        *err = Some(why);
        let cause_v = why_cause.unwrap_or_else(|| Value::Str(why.text().into()));
        *cause = Some(cause_v.clone());
        let done = *done;
        let children = std::mem::take(children);
        let afterfuncs = std::mem::take(afterfuncs);
        let timer = timer.take();
        if let Some(slot) = timer {
            self.disarm(slot);
        }
        close_now(self, done, &Value::Nil, line);
        for child in children {
            self.cancel_ctx(child, why, Some(cause_v.clone()), line);
        }
        for a in afterfuncs {
            let from = match line {
                Some(p) => p.clock,
                None => self.race.snapshot(self.current),
            };
            self.start_afterfunc(a, from);
        }
    }

    /// Start AfterFunc `a`'s f as a goroutine, started by the cancel whose clock snapshot is
    /// `from` (registration happened before it too: both went through the context's mutex).
    fn start_afterfunc(&mut self, a: usize, from: u32) {
        let af = &mut self.afterfuncs[a];
        if af.settled {
            return;
        }
        af.settled = true;
        let f = af.f.clone();
        self.spawns.push(SpawnReq {
            name: f.thread,
            body: f.body,
            locals: f.locals,
            op: f.op,
            from: vec![from, f.clock],
        });
    }

    /// Whether `c` has a cancel function of its own and is not cancelled yet.
    pub fn ctx_cancellable(&self, c: CtxId) -> bool {
        matches!(self.ctxs[c].kind, CtxKind::Cancel { err: None, .. })
    }

    /// The context a variable holds, or Go's nil-interface method call panic.
    fn ctx_of(&mut self, o: ObjId) -> Result<CtxId, Failure> {
        self.ctx_var(o).ok_or(Failure::NilDereference)
    }
}

/// `obj, cancel = context.WithCancel(parent)` / `WithTimeout(parent, ns)`.
pub(crate) fn with_cancel(
    cx: &ThreadCx,
    op: OpId,
    ctx: ObjId,
    parent: ObjId,
    timeout: Option<i64>,
) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let (name, pname) = (w.obj_name(ctx), w.obj_name(parent));
    let call = match timeout {
        Some(ns) => format!("context.WithTimeout({pname}, {})", fmt_duration(ns)),
        None => format!("context.WithCancel({pname})"),
    };
    let Some(p) = *w.ctx_var(parent) else {
        w.note(cx.me, op, || format!("{name} = {call}: nil parent"));
        return Err(cx.panic(Failure::NilParentContext, op));
    };
    let c = w.derive(p, &name, timeout);
    *w.ctx_var(ctx) = Some(c);
    let born = w.ctx_err(c).0;
    w.note(cx.me, op, || match born {
        Some(e) => format!("{name} = {call}: born cancelled ({})", e.text()),
        None => format!("{name} = {call}"),
    });
    Ok(())
}

/// `obj = context.WithValue(parent, key, value)`.
pub(crate) fn with_value(
    cx: &ThreadCx,
    op: OpId,
    ctx: ObjId,
    parent: ObjId,
    key: &Value,
    value: &Value,
) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let (name, pname) = (w.obj_name(ctx), w.obj_name(parent));
    let Some(p) = *w.ctx_var(parent) else {
        w.note(cx.me, op, || {
            format!("{name} = context.WithValue({pname}, ..): nil parent")
        });
        return Err(cx.panic(Failure::NilParentContext, op));
    };
    if *key == Value::Nil {
        w.note(cx.me, op, || {
            format!("{name} = context.WithValue({pname}, nil, ..)")
        });
        return Err(cx.panic(Failure::UserPanic(Value::Str("nil key".into())), op));
    }
    let c = w.with_value(p, key.clone(), value.clone());
    *w.ctx_var(ctx) = Some(c);
    w.note(cx.me, op, || {
        format!(
            "{name} = context.WithValue({pname}, {}, {})",
            key.quoted(),
            value.quoted()
        )
    });
    Ok(())
}

/// The cancel function returned with `obj`.
pub(crate) fn cancel(
    cx: &ThreadCx,
    op: OpId,
    ctx: ObjId,
    cause: Option<&str>,
) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(ctx);
    let c = match w.ctx_of(ctx) {
        Ok(c) => c,
        Err(f) => return Err(cx.panic(f, op)),
    };
    let before = w.ctx_err(c).0;
    let line = w.note(cx.me, op, || match before {
        Some(e) => format!(
            "cancel() of {name}: already cancelled ({}), no-op",
            e.text()
        ),
        None => format!("cancel() of {name}: Done closed"),
    });
    w.cancel_ctx(
        c,
        CtxErr::Canceled,
        cause.map(|s| Value::Str(s.to_string())),
        Some(line),
    );
    Ok(())
}

/// `obj.Err()`, or `context.Cause(obj)` with `cause`.
pub(crate) fn err(cx: &ThreadCx, op: OpId, ctx: ObjId, cause: bool) -> Result<Value, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(ctx);
    let c = match w.ctx_of(ctx) {
        Ok(c) => c,
        Err(f) => return Err(cx.panic(f, op)),
    };
    let (e, why) = w.ctx_err(c);
    let v = if cause {
        why.unwrap_or(Value::Nil)
    } else {
        e.map(|e| Value::Str(e.text().into())).unwrap_or(Value::Nil)
    };
    let call = if cause {
        format!("context.Cause({name})")
    } else {
        format!("{name}.Err()")
    };
    // Go 1.27's Err loads the error atomically and then waits on Done, and Cause takes the
    // context's mutex: either way a cancel they see happens before they return.
    let from = match e {
        Some(_) => {
            let done = w.ctx_done(c);
            w.release_point(super::sync::Release::Close(done))
        }
        None => None,
    };
    w.note_from(cx.me, op, from, || format!("{call} -> {}", v.quoted()));
    Ok(v)
}

/// `obj.Value(key)`.
pub(crate) fn value(cx: &ThreadCx, op: OpId, ctx: ObjId, key: &Value) -> Result<Value, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(ctx);
    let mut c = match w.ctx_of(ctx) {
        Ok(c) => Some(c),
        Err(f) => return Err(cx.panic(f, op)),
    };
    let mut found = Value::Nil;
    while let Some(id) = c {
        if let CtxKind::Value { key: k, value } = &w.ctxs[id].kind {
            if k == key {
                found = value.clone();
                break;
            }
        }
        c = w.ctxs[id].parent;
    }
    w.note(cx.me, op, || {
        format!("{name}.Value({}) -> {}", key.quoted(), found.quoted())
    });
    Ok(found)
}

/// `stop := context.AfterFunc(ctx, f)`, `stop` kept in `h`: f starts in its own thread when
/// ctx is cancelled, at once if it already is.
pub(crate) fn after_func(
    cx: &ThreadCx,
    op: OpId,
    h: ObjId,
    ctx: ObjId,
    f: FuncSpec,
) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(ctx);
    let c = match w.ctx_of(ctx) {
        Ok(c) => c,
        Err(e) => return Err(cx.panic(e, op)),
    };
    let thread = Arc::clone(&f.thread);
    w.afterfuncs.push(AfterFuncState { f, settled: false });
    let a = w.afterfuncs.len() - 1;
    *w.timer_var(h) = TimerVar::CtxStop(a);
    let target = w.cancelable(c);
    let cancelled = w.ctx_err(c).0.is_some();
    if cancelled {
        let now = w.race.snapshot(cx.me);
        w.start_afterfunc(a, now);
    } else if let Some(t) = target {
        if let CtxKind::Cancel { afterfuncs, .. } = &mut w.ctxs[t].kind {
            afterfuncs.push(a);
        }
    }
    w.note(cx.me, op, || {
        if cancelled {
            format!("context.AfterFunc({name}, {thread}): already cancelled, starts f")
        } else {
            format!("context.AfterFunc({name}, {thread})")
        }
    });
    Ok(())
}
