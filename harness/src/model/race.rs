//! Data races as Go's race detector defines them: two accesses to one memory location (a
//! shared variable, a struct field), at least one a write, that happens-before does not order
//! (<https://go.dev/ref/mem>).
//!
//! Happens-before is tracked with a vector clock per thread (FastTrack's representation: an
//! access remembers only its thread and that thread's own clock, its epoch). The clocks are
//! joined where the ports name a synchronizing event: every release→acquire edge of `sync`
//! carries a snapshot of the releasing thread's clock in its [`Point`](super::sync::Point), a
//! release key accumulates every release made on it (several `RUnlock`s before one `Lock`,
//! every `Done` before `Wait`), `go` gives the new goroutine its creator's clock, and atomics
//! and timers synchronize through keys of their own. Shuttle's own vector clocks cannot serve:
//! the ports block and wake raw tasks, and an unblock joins no clock.
//!
//! A thread's own component advances lazily: only when it accesses memory after a snapshot of
//! its clock was taken, so a run without shared memory pays one branch per step.

use crate::scenario::{ObjId, OpId};
use std::collections::HashMap;

/// A vector clock: component `t` is what is known of thread `t`'s progress (missing: 0).
pub(crate) type Clock = Vec<u32>;

fn join(into: &mut Clock, from: &[u32]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, &b) in into.iter_mut().zip(from) {
        *a = (*a).max(b);
    }
}

fn get(c: &[u32], t: usize) -> u32 {
    c.get(t).copied().unwrap_or(0)
}

/// A memory location the detector watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Loc {
    /// A struct's field, or a shared variable (a cell, field 0).
    Field(ObjId, usize),
    /// Element `i` of backing array `a` (a slice's element).
    Elem(usize, usize),
    /// A slice variable's header (what `s = append(s, x)` reads and writes).
    Header(ObjId),
    /// A map instance: Go's race annotations treat the whole map as one location (a read by
    /// every access and iteration step, a write by every assign, delete and clear).
    Map(usize),
}

/// One access to a memory location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Access {
    pub thread: usize,
    /// The thread's own clock component when it accessed (its epoch).
    pub epoch: u32,
    pub op: OpId,
    pub write: bool,
    pub step: u64,
    /// Its line of the step trace, when traced.
    pub line: Option<usize>,
    /// The writer held a read lock (an `RLock`) and no write lock at the time.
    pub under_rlock: bool,
    /// A write that stored a reference where nil was (a lazy initialization).
    pub was_nil: bool,
}

/// What a location remembers: its last write and the reads since (one per thread, the latest).
#[derive(Debug, Default)]
struct Shadow {
    write: Option<Access>,
    reads: Vec<Access>,
}

/// The first race of an execution: the earlier access, then the one that raced with it.
#[derive(Debug, Clone)]
pub(crate) struct Race {
    pub loc: Loc,
    /// How the racing access named the location (`results[1]`), where the location itself
    /// has no name of its own (an array element).
    pub name: Option<String>,
    pub prev: Access,
    pub now: Access,
}

/// Keys synchronizing through the race detector's annotations rather than a traced hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SyncKey {
    /// An atomic variable: every store/RMW releases, every access acquires.
    Atomic(ObjId),
    /// A timer slot: arming it (NewTimer, Reset, AfterFunc) happens before it fires.
    Timer(usize),
    /// A release an object accumulates (see [`RaceState::accumulate`]); slots 0-4 are
    /// `sync::Release`'s, 5 a context's Done() publication.
    Release(ObjId, usize),
    /// A pooled object (by backing array): Go's race annotations make a Put happen before
    /// the Get that returns the same object.
    Pool(usize),
    /// Slot `i` of a buffered channel: each send into it and receive from it acquires and
    /// releases it, so the k-th receive happens before the (k+C)-th send completes.
    Slot(ObjId, usize),
}

/// Per-execution happens-before and shadow-memory state.
#[derive(Debug, Default)]
pub(crate) struct RaceState {
    /// Whether the scenario accesses shared memory at all (otherwise nothing here runs).
    pub on: bool,
    clocks: Vec<Clock>,
    /// Per thread, the snapshot of its current clock in `snaps`, if one was taken.
    snap: Vec<Option<u32>>,
    /// Clock snapshots that release points refer to.
    snaps: Vec<Clock>,
    keys: HashMap<SyncKey, Clock>,
    shadow: HashMap<Loc, Shadow>,
    pub first: Option<Race>,
    /// Per buffered channel, the sends and receives so far (Go's `sendx`/`recvx`, unwrapped).
    slots: HashMap<ObjId, (usize, usize)>,
}

/// The snapshot index of a point when race detection is off.
pub(crate) const NO_CLOCK: u32 = u32::MAX;

impl RaceState {
    pub(crate) fn new(on: bool) -> RaceState {
        RaceState {
            on,
            ..RaceState::default()
        }
    }

    fn clock(&mut self, t: usize) -> &mut Clock {
        if self.clocks.len() <= t {
            self.clocks.resize_with(t + 1, Vec::new);
            self.snap.resize(t + 1, None);
        }
        &mut self.clocks[t]
    }

    /// A new thread starts: its own component is 1 (0 means "nothing of it is known").
    pub(crate) fn start(&mut self, t: usize, from: Option<u32>) {
        if !self.on {
            return;
        }
        let inherited = from.map(|s| self.snaps[s as usize].clone());
        let c = self.clock(t);
        c.clear();
        if let Some(i) = inherited {
            *c = i;
        }
        if c.len() <= t {
            c.resize(t + 1, 0);
        }
        c[t] = c[t].max(1);
        self.snap[t] = None;
    }

    /// A snapshot of thread `t`'s clock, for a point that may be acquired later.
    pub(crate) fn snapshot(&mut self, t: usize) -> u32 {
        if !self.on {
            return NO_CLOCK;
        }
        self.clock(t);
        if let Some(s) = self.snap[t] {
            return s;
        }
        let s = self.snaps.len() as u32;
        self.snaps.push(self.clocks[t].clone());
        self.snap[t] = Some(s);
        s
    }

    /// Thread `t` acquires snapshot `s`.
    pub(crate) fn acquire_snapshot(&mut self, t: usize, s: u32) {
        if !self.on || s == NO_CLOCK {
            return;
        }
        let from = std::mem::take(&mut self.snaps[s as usize]);
        join(self.clock(t), &from);
        self.snaps[s as usize] = from;
        self.snap[t] = None;
    }

    /// A release on `key` by the point whose snapshot is `s`: the key accumulates it. Returns
    /// the snapshot of everything released on the key so far, what an acquirer gets.
    pub(crate) fn accumulate(&mut self, key: SyncKey, s: u32) -> u32 {
        if !self.on || s == NO_CLOCK {
            return s;
        }
        let acc = self.keys.entry(key).or_default();
        join(acc, &self.snaps[s as usize]);
        let merged = acc.clone();
        self.snaps.push(merged);
        (self.snaps.len() - 1) as u32
    }

    /// Forget what `key` accumulated (a writer took every reader's release).
    pub(crate) fn reset_key(&mut self, key: SyncKey) {
        if self.on {
            self.keys.remove(&key);
        }
    }

    /// Thread `t` releases on `key` (atomics, timers): the key joins `t`'s clock.
    pub(crate) fn release(&mut self, key: SyncKey, t: usize) {
        if !self.on {
            return;
        }
        let s = self.snapshot(t);
        self.accumulate(key, s);
        // `accumulate` pushed a copy; the key holds the join.
        self.snaps.pop();
    }

    /// Thread `t` acquires everything released on `key`.
    pub(crate) fn acquire(&mut self, key: SyncKey, t: usize) {
        if !self.on {
            return;
        }
        if let Some(k) = self.keys.get(&key) {
            let k = k.clone();
            join(self.clock(t), &k);
            self.snap[t] = None;
        }
    }

    /// Thread `to` acquires thread `from`'s clock as it is now (`from` is blocked: a receiver
    /// an unbuffered send hands its value to, whose receive happens before the send completes).
    pub(crate) fn acquire_thread(&mut self, to: usize, from: usize) {
        if self.on {
            let s = self.snapshot(from);
            self.acquire_snapshot(to, s);
        }
    }

    /// Thread `t` sends into (`send`) or receives from a buffered channel of capacity `cap`:
    /// Go's race annotation on the buffer slot (`racenotify`), an acquire and a release.
    pub(crate) fn slot(&mut self, ch: ObjId, cap: usize, t: usize, send: bool) {
        if !self.on || cap == 0 {
            return;
        }
        let n = self.slots.entry(ch).or_default();
        let k = if send { &mut n.0 } else { &mut n.1 };
        let key = SyncKey::Slot(ch, *k % cap);
        *k += 1;
        self.acquire(key, t);
        self.release(key, t);
    }

    /// The epoch thread `t` accesses memory at: past every snapshot taken of its clock.
    fn epoch(&mut self, t: usize) -> u32 {
        self.clock(t);
        if self.snap[t].take().is_some() {
            self.clocks[t][t] += 1;
        }
        let c = &mut self.clocks[t];
        if c.len() <= t {
            c.resize(t + 1, 0);
        }
        c[t] = c[t].max(1);
        c[t]
    }

    /// Record an access; the first race of the execution is kept in `first` (and `true`
    /// returned when this access is the one that found it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn access(
        &mut self,
        t: usize,
        op: OpId,
        loc: Loc,
        write: bool,
        step: u64,
        line: Option<usize>,
        under_rlock: bool,
        was_nil: bool,
    ) -> bool {
        if !self.on {
            return false;
        }
        let epoch = self.epoch(t);
        let now = Access {
            thread: t,
            epoch,
            op,
            write,
            step,
            line,
            under_rlock,
            was_nil,
        };
        let me = &self.clocks[t];
        let ordered = |a: &Access| a.thread == t || a.epoch <= get(me, a.thread);
        let sh = self.shadow.entry(loc).or_default();
        let mut raced = None;
        if let Some(w) = sh.write.filter(|w| !ordered(w)) {
            raced = Some(w);
        }
        if write && raced.is_none() {
            raced = sh.reads.iter().find(|r| !ordered(r)).copied();
        }
        if write {
            sh.write = Some(now);
            sh.reads.clear();
        } else if let Some(r) = sh.reads.iter_mut().find(|r| r.thread == t) {
            *r = now;
        } else {
            sh.reads.push(now);
        }
        if let (Some(prev), None) = (raced, &self.first) {
            self.first = Some(Race {
                loc,
                name: None,
                prev,
                now,
            });
            return true;
        }
        false
    }
}

use super::world::{FieldVal, Obj, World};
use crate::base::Value;

impl World {
    /// A shared variable's memory: a cell (a one-field struct) named after the variable.
    pub fn new_cell(&mut self, name: &str, var: usize, v: Value) -> ObjId {
        let o = self.new_obj(
            std::sync::Arc::from(name),
            Obj::Struct(vec![FieldVal::Val(v)]),
        );
        self.cells.insert(o, var);
        o
    }

    /// The variable whose memory `o` is, if `o` is a cell.
    pub fn cell_var(&self, o: ObjId) -> Option<usize> {
        self.cells.get(&o).copied()
    }

    /// The cell a frame's slot for variable `var` points at, when `var` is shared and its
    /// memory exists in that frame (`slot` holds the cell's reference).
    pub fn cell_in(&self, var: usize, slot: &Value) -> Option<ObjId> {
        match *slot {
            Value::Obj(o) if self.prog.shared[var] && self.cell_var(o as usize) == Some(var) => {
                Some(o as usize)
            }
            _ => None,
        }
    }

    /// Read cell `o`'s value as thread `t` in op `op` (an access the detector checks).
    pub fn cell_read(&mut self, t: usize, op: OpId, o: ObjId) -> Value {
        match self.mem_read(t, op, (o, 0)) {
            Some(FieldVal::Val(v)) => v,
            _ => Value::Nil,
        }
    }

    /// Read field `loc.1` of `loc.0` (a cell's value or a struct field) as thread `t` in op
    /// `op`.
    pub fn mem_read(&mut self, t: usize, op: OpId, loc: (ObjId, usize)) -> Option<FieldVal> {
        let v = self.field(loc.0, loc.1);
        if self.race.on && v.is_some() {
            self.access(t, op, Loc::Field(loc.0, loc.1), false, false);
        }
        v
    }

    /// Write `v` to field `loc.1` of `loc.0` as thread `t` in op `op`.
    pub fn mem_write(&mut self, t: usize, op: OpId, loc: (ObjId, usize), v: Value) {
        if self.race.on {
            let was_nil = matches!(
                self.field(loc.0, loc.1),
                Some(FieldVal::Obj(None) | FieldVal::Val(Value::Nil))
            ) && matches!(v, Value::Obj(_));
            self.access(t, op, Loc::Field(loc.0, loc.1), true, was_nil);
        }
        self.set_field(loc.0, loc.1, v);
    }

    /// An access to `loc` the race detector checks (the caller moves the data itself).
    /// Returns whether it found the execution's first race.
    pub fn access(&mut self, t: usize, op: OpId, loc: Loc, write: bool, was_nil: bool) -> bool {
        if !self.race.on {
            return false;
        }
        let under_rlock = write && {
            let holds = self.holds(t);
            holds.iter().any(|(_, how)| *how == " (read)")
                && !holds.iter().any(|(_, how)| how.is_empty())
        };
        let (step, line) = (self.steps, self.trace.as_ref().map(Vec::len));
        self.race
            .access(t, op, loc, write, step, line, under_rlock, was_nil)
    }

    /// Thread `t` reads (or writes) element `i` of slice `s` (header `h`) in op `op`.
    pub fn elem_access(
        &mut self,
        t: usize,
        op: OpId,
        s: ObjId,
        h: &super::slice::SliceHdr,
        i: usize,
        write: bool,
    ) {
        let Some(a) = h.arr.filter(|_| self.race.on) else {
            return;
        };
        if self.access(t, op, Loc::Elem(a, h.off + i), write, false) {
            let name = format!("{}[{i}]", static_name(&self.names[s]));
            if let Some(r) = self.race.first.as_mut() {
                r.name = Some(name);
            }
        }
    }

    /// Thread `t` reads (or writes) map `m` (the instance `inst` it holds) in op `op`; a nil
    /// map is no access (Go annotates only a non-nil map), and an rwmutex-map's inner map is
    /// its own business.
    pub fn map_access(
        &mut self,
        t: usize,
        op: OpId,
        m: ObjId,
        inst: super::map::MapRef,
        write: bool,
    ) {
        let super::map::MapRef::Inst(i) = inst else {
            return;
        };
        if !self.race.on || self.maps[i].nil {
            return;
        }
        if self.access(t, op, Loc::Map(i), write, false) {
            let name = static_name(&self.names[m]);
            if let Some(r) = self.race.first.as_mut() {
                r.name = Some(name);
            }
        }
    }

    /// Thread `t` reads (or writes) slice variable `s`'s header in op `op`: a declared slice
    /// or a struct's slice field. A slice `new` made is held by goroutines' own variables
    /// (copied, not shared), so its header is not watched; its elements are.
    pub fn header_access(&mut self, t: usize, op: OpId, s: ObjId, write: bool) {
        if self.race.on && (s < self.prog.objects.len() || self.names[s].contains('.')) {
            self.access(t, op, Loc::Header(s), write, false);
        }
    }
}

impl World {
    /// The scenario's name for location `loc`: a variable's (`count`), or a struct field's
    /// through the struct's declared name (`w.state`; `r#2.n` is `r.n`).
    fn loc_name(&self, r: &Race) -> String {
        match r.loc {
            Loc::Field(o, f) => match self.cell_var(o) {
                Some(var) => self.prog.vars[var].clone(),
                None => format!("{}.{}", static_name(&self.names[o]), self.field_name(o, f)),
            },
            Loc::Header(o) => static_name(&self.names[o]),
            Loc::Elem(a, i) => r.name.clone().unwrap_or_else(|| format!("array#{a}[{i}]")),
            Loc::Map(i) => r.name.clone().unwrap_or_else(|| format!("map#{i}")),
        }
    }

    /// The catalog id of a race: which of Go's common shapes it has.
    fn race_id(&self, r: &Race) -> &'static str {
        let (o, f) = match r.loc {
            Loc::Field(o, f) => (o, f),
            Loc::Elem(..) => return "race-slice-elem",
            Loc::Map(_) => return "race-map",
            // A slice variable: a struct's field, or a variable of its own.
            Loc::Header(o) if self.names[o].contains('.') => return "race-field",
            Loc::Header(_) => return "race-var",
        };
        let lazy = r.prev.was_nil || r.now.was_nil;
        if let Some(var) = self.cell_var(o) {
            return if lazy {
                "race-lazy-init"
            } else if self.prog.globals.iter().any(|(v, _)| *v == var) {
                "race-var"
            } else {
                "race-capture"
            };
        }
        let chan_field = match self.field(o, f) {
            Some(FieldVal::Obj(Some(x))) => matches!(self.objs[x], Obj::Chan(_)),
            Some(FieldVal::Obj(None)) => self.field_kind(o, f) == Some(crate::base::ObjKind::Chan),
            _ => false,
        };
        if chan_field {
            "race-chan-field"
        } else if lazy {
            "race-lazy-init"
        } else if [r.prev, r.now].iter().any(|a| a.write && a.under_rlock) {
            "race-field-rlock"
        } else {
            "race-field"
        }
    }

    /// The execution's first data race as a failure, at the later access.
    pub(crate) fn race_failure(&self) -> Option<super::Failed> {
        let r = self.race.first.as_ref()?;
        let side = |a: &Access| {
            let t = &self.threads[a.thread];
            crate::base::RaceAccess {
                write: a.write,
                op: self.prog.op_path(a.op).to_string(),
                thread: t.name.clone(),
                role: t.role.clone(),
                goroutine: a.thread + 2,
                created_at: t.created_by.map(|op| self.prog.op_path(op).to_string()),
                line: a.line,
            }
        };
        Some(super::Failed {
            failure: super::Failure::Race {
                id: self.race_id(r),
                var: self.loc_name(r),
                accesses: Box::new([side(&r.prev), side(&r.now)]),
            },
            thread: Some(r.now.thread),
            op: Some(r.now.op),
        })
    }
}

/// An object's name as the scenario declares it: `r#2.n` is `r.n`.
fn static_name(name: &str) -> String {
    name.split('.')
        .map(|p| p.split('#').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join(".")
}
