//! Objects of an execution: the port state of each, typed access by kind, and everything else
//! that differs per kind: how a declared object starts, what a final-state assertion reads,
//! who holds a lock or waits for whom, how a waiter leaves a queue. A new kind is a new `Obj`
//! variant, and the compiler lists every match here that must handle it.

use super::atomic::AtomicState;
use super::chan::ChanState;
use super::cond::CondState;
use super::context::CtxId;
use super::ds::{CowMapState, ShardedMapState, StackKind, StackState, SyncMapState};
use super::failure::Failure;
use super::handle::HandleState;
use super::map::{MapRef, MapState};
use super::mutex::MutexState;
use super::once::OnceState;
use super::pool::PoolState;
use super::rwmutex::RwMutexState;
use super::slice::SliceHdr;
use super::threads::Status;
use super::time::{start_chan_timer, TimerVar};
use super::waitgroup::WaitGroupState;
use super::world::World;
use super::Value;
use super::WaitReason;
use crate::scenario::{AssertSpec, ObjId, ObjectDecl, Setup};
use std::collections::VecDeque;
use std::sync::Arc;

/// A struct field: the object it names (`None`: nil), or its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldVal {
    Obj(Option<ObjId>),
    Val(Value),
}

/// One object's port state.
#[derive(Debug)]
pub(crate) enum Obj {
    /// A map variable: which instance in `World::maps` it holds now. Assigning the variable
    /// (`make`, `maps.Clone`) points it at a new instance; an op already under way keeps the
    /// instance it loaded, as a Go `mapassign` keeps its `*hmap`.
    Map(usize),
    Chan(ChanState),
    Mutex(MutexState),
    RwMutex(RwMutexState),
    WaitGroup(WaitGroupState),
    Once(OnceState),
    Cond(CondState),
    /// A struct: its fields, objects (by id) and values.
    Struct(Vec<FieldVal>),
    Timer(TimerVar),
    /// A context variable: `None` is a nil context.
    Context(Option<CtxId>),
    Slice(SliceHdr),
    Atomic(AtomicState),
    Pool(PoolState),
    Handle(HandleState),
    /// `rwmutex-map`: a map behind an RWMutex.
    RwMap(RwMutexState, MapState),
    ShardedMap(ShardedMapState),
    SyncMap(SyncMapState),
    CowMap(CowMapState),
    Stack(StackState),
}

impl Obj {
    /// The RWMutex of an `rwmutex` or an `rwmutex-map`.
    pub fn as_rwmutex(&self) -> Option<&RwMutexState> {
        match self {
            Obj::RwMutex(rw) | Obj::RwMap(rw, _) => Some(rw),
            _ => None,
        }
    }

    /// Whether a Mutex or RWMutex is held (an RWMutex by a writer or any reader); `None` for
    /// other kinds.
    pub fn locked(&self) -> Option<bool> {
        match self {
            Obj::Mutex(m) => Some(m.locked),
            Obj::RwMutex(r) => Some(r.w.locked || r.reader_count != 0),
            _ => None,
        }
    }
}

impl World {
    /// Create an object while running (not declared by the scenario).
    pub fn new_obj(&mut self, name: Arc<str>, obj: Obj) -> ObjId {
        self.objs.push(obj);
        self.names.push(name);
        self.objs.len() - 1
    }

    /// A new object made at run time (`new`), named after its variable and how many that
    /// variable has held (`done#2`).
    pub fn make_object(&mut self, spec: &crate::scenario::ObjSpec) -> ObjId {
        let obj = self.declared(&spec.decl);
        let n = 1 + self
            .made
            .keys()
            .filter(|&&o| self.names[o].split('#').next() == Some(&*spec.name))
            .count();
        let name = format!("{}#{n}", spec.name);
        let o = self.new_obj(Arc::from(name.as_str()), obj);
        self.made.insert(o, spec.zero.clone());
        if let ObjectDecl::Struct { fields } = &spec.decl {
            let f = self.struct_fields(&name, fields);
            self.objs[o] = Obj::Struct(f);
        }
        o
    }

    /// A struct's fields, its object fields made (`w.mu`, named after the struct).
    pub fn struct_fields(
        &mut self,
        name: &str,
        fields: &indexmap::IndexMap<String, crate::scenario::FieldDecl>,
    ) -> Vec<FieldVal> {
        fields
            .iter()
            .map(|(fname, f)| match f {
                crate::scenario::FieldDecl::Val(v) => FieldVal::Val(v.clone()),
                crate::scenario::FieldDecl::Obj(decl) => {
                    let fullname = format!("{name}.{fname}");
                    let obj = match decl {
                        // A struct inside a struct: its own fields too.
                        ObjectDecl::Struct { fields } => {
                            Obj::Struct(self.struct_fields(&fullname, fields))
                        }
                        _ => self.declared(decl),
                    };
                    let o = self.new_obj(Arc::from(fullname), obj);
                    if let ObjectDecl::Chan { elem, .. } = decl {
                        self.made.insert(o, elem.zero());
                    } else if let ObjectDecl::Map { value_type, .. } = decl {
                        self.made.insert(o, value_type.zero());
                    }
                    FieldVal::Obj(Some(o))
                }
            })
            .collect()
    }

    /// Field `i` of struct `o` (`None`: `o` is not a struct, a nil pointer).
    pub fn field(&self, o: ObjId, i: usize) -> Option<FieldVal> {
        match self.objs.get(o) {
            Some(Obj::Struct(f)) => f.get(i).cloned(),
            _ => None,
        }
    }

    /// Set field `i` of struct `o`: an object field to what `v` refers to (nil for `null`),
    /// a value field to `v`.
    pub fn set_field(&mut self, o: ObjId, i: usize, v: Value) {
        if let Obj::Struct(f) = &mut self.objs[o] {
            if let Some(slot) = f.get_mut(i) {
                *slot = match (&*slot, v) {
                    (FieldVal::Obj(_), Value::Obj(x)) => FieldVal::Obj(Some(x as usize)),
                    (FieldVal::Obj(_), _) => FieldVal::Obj(None),
                    (FieldVal::Val(_), v) => FieldVal::Val(v),
                };
            }
        }
    }

    /// The declaration struct `o` was made from, when it is a declared or `new` struct.
    fn struct_decl(&self, o: ObjId) -> Option<&ObjectDecl> {
        self.prog.objects.get(o).map(|s| &s.decl).or_else(|| {
            let name = self.names.get(o)?;
            self.prog
                .new_objs
                .iter()
                .find(|s| name.split('#').next() == Some(&*s.name))
                .map(|s| &s.decl)
        })
    }

    /// The kind of object field `i` of struct `o` (none for a value field).
    pub fn field_kind(&self, o: ObjId, i: usize) -> Option<crate::base::ObjKind> {
        match self.struct_decl(o) {
            Some(ObjectDecl::Struct { fields }) => match fields.get_index(i) {
                Some((_, crate::scenario::FieldDecl::Obj(d))) => Some(d.kind()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The name of field `i` of struct `o`, as declared.
    pub fn field_name(&self, o: ObjId, i: usize) -> String {
        let decl = self.struct_decl(o);
        match decl {
            Some(ObjectDecl::Struct { fields }) => fields
                .get_index(i)
                .map_or_else(|| format!("field{i}"), |(k, _)| k.clone()),
            _ => format!("field{i}"),
        }
    }

    /// The zero value of object `o`'s elements (what a receive from it when closed, or a read
    /// of a missing key, returns).
    pub fn zero(&self, o: ObjId) -> Value {
        match self.prog.objects.get(o) {
            Some(spec) => spec.zero.clone(),
            None => self.made.get(&o).cloned().unwrap_or(Value::Nil),
        }
    }

    /// The object a nil pointer (to a struct, a mutex, ...) stands for where an expression
    /// reads it as a value (`c == nil`, `x := c`): it compares equal to nil, and reading a
    /// field through it is the nil dereference.
    pub const NIL_PTR: ObjId = usize::MAX;

    /// The object a variable holding `nil` stands for: the nil channel, a nil map or slice.
    /// Other kinds are pointers: using one through nil is Go's nil dereference.
    pub fn nil_object(&mut self, kind: crate::base::ObjKind) -> Result<ObjId, Failure> {
        use crate::base::ObjKind as K;
        if kind == K::Chan {
            return Ok(self.nil_chan());
        }
        if let Some(&(_, o)) = self.nil_objs.iter().find(|(k, _)| *k == kind) {
            return Ok(o);
        }
        let obj = match kind {
            K::Map => {
                self.maps.push(MapState::new(true, &Default::default()));
                Obj::Map(self.maps.len() - 1)
            }
            K::Slice => Obj::Slice(SliceHdr::default()),
            _ => return Err(Failure::NilDereference),
        };
        let o = self.new_obj(Arc::from("nil"), obj);
        self.nil_objs.push((kind, o));
        Ok(o)
    }

    /// The shared nil channel.
    pub fn nil_chan(&mut self) -> ObjId {
        if let Some(c) = self.nil_chan {
            return c;
        }
        let c = self.new_obj(Arc::from("nil"), Obj::Chan(ChanState::new(0, true)));
        self.nil_chan = Some(c);
        c
    }

    /// `obj == nil` for a map, chan, slice or context variable.
    pub fn is_nil(&self, o: ObjId) -> bool {
        match &self.objs[o] {
            Obj::Map(i) => self.maps[*i].nil,
            Obj::Chan(c) => c.nil,
            Obj::Slice(s) => s.arr.is_none(),
            Obj::Context(c) => c.is_none(),
            _ => false,
        }
    }

    /// The nil channel a background context's `Done()` returns.
    pub fn nil_done(&mut self) -> ObjId {
        if let Some(c) = self.nil_done {
            return c;
        }
        let mut ch = ChanState::new(0, true);
        ch.ctx_done = true;
        let c = self.new_obj(Arc::from("context.Background().Done()"), Obj::Chan(ch));
        self.nil_done = Some(c);
        c
    }

    /// The map instance `o` holds now.
    pub fn map_ref(&self, o: ObjId) -> MapRef {
        match &self.objs[o] {
            Obj::Map(i) => MapRef::Inst(*i),
            Obj::RwMap(..) => MapRef::Inner(o),
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn map_at(&mut self, r: MapRef) -> &mut MapState {
        match r {
            MapRef::Inst(i) => &mut self.maps[i],
            MapRef::Inner(o) => match &mut self.objs[o] {
                Obj::RwMap(_, m) => m,
                _ => unreachable!("MapRef::Inner names an rwmutex-map"),
            },
        }
    }
    /// Point map variable `o` at a new instance (`make`, `maps.Clone`).
    pub fn assign_map(&mut self, o: ObjId, m: MapState) {
        self.maps.push(m);
        let i = self.maps.len() - 1;
        match &mut self.objs[o] {
            Obj::Map(cur) => *cur = i,
            _ => unreachable!("validation: only map variables are assigned"),
        }
    }
    pub fn map(&mut self, o: ObjId) -> &mut MapState {
        let r = self.map_ref(o);
        self.map_at(r)
    }
    pub fn chan(&mut self, o: ObjId) -> &mut ChanState {
        match &mut self.objs[o] {
            Obj::Chan(c) => c,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn mutex(&mut self, o: ObjId) -> &mut MutexState {
        match &mut self.objs[o] {
            Obj::Mutex(m) => m,
            Obj::Once(once) => &mut once.m,
            Obj::RwMutex(rw) | Obj::RwMap(rw, _) => &mut rw.w,
            Obj::CowMap(c) => &mut c.mu,
            Obj::SyncMap(s) => &mut s.mu,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn rwmutex(&mut self, o: ObjId) -> &mut RwMutexState {
        match &mut self.objs[o] {
            Obj::RwMutex(m) | Obj::RwMap(m, _) => m,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn waitgroup(&mut self, o: ObjId) -> &mut WaitGroupState {
        match &mut self.objs[o] {
            Obj::WaitGroup(w) => w,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn cond(&mut self, o: ObjId) -> &mut CondState {
        match &mut self.objs[o] {
            Obj::Cond(c) => c,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    pub fn once(&mut self, o: ObjId) -> &mut OnceState {
        match &mut self.objs[o] {
            Obj::Once(w) => w,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    /// `len(o)` or `cap(o)` of a map, channel or slice variable (validation checks the kind).
    pub fn len_of(&mut self, o: ObjId, cap: bool) -> i64 {
        let n = match &self.objs[o] {
            Obj::Slice(h) => {
                if cap {
                    h.cap
                } else {
                    h.len
                }
            }
            Obj::Chan(c) => {
                if cap {
                    c.cap
                } else {
                    c.buf.len()
                }
            }
            Obj::Map(_) => self.map(o).entries.len(),
            _ => unreachable!("validation checks object kinds"),
        };
        n as i64
    }
    /// The object's name, for trace text (a shared string: no allocation).
    pub fn obj_name(&self, o: ObjId) -> Arc<str> {
        match self.names.get(o) {
            Some(n) => Arc::clone(n),
            None => Arc::from("nil"),
        }
    }

    /// The threads holding what `t` waits for, when `t` waits for a lock: the holder of a
    /// mutex (or of an RWMutex's writer mutex), or the readers a pending writer waits out.
    pub fn holders(&self, t: usize) -> Vec<usize> {
        let th = &self.threads[t];
        let (Some(o), Status::Blocked(reason)) = (th.waits_on, th.status) else {
            return Vec::new();
        };
        let obj = &self.objs[o];
        match (obj, obj.as_rwmutex(), reason) {
            (Obj::Mutex(m), _, WaitReason::MutexLock) => m.holder.into_iter().collect(),
            (Obj::Once(once), _, WaitReason::MutexLock) => once.m.holder.into_iter().collect(),
            // Queued on the writer mutex: another writer holds it. Otherwise it holds the
            // writer mutex itself and waits for the readers to leave.
            (_, Some(rw), WaitReason::RWMutexLock) if rw.w.waiters.contains(&t) => {
                rw.w.holder.into_iter().collect()
            }
            (_, Some(rw), WaitReason::RWMutexLock) => rw.readers.clone(),
            // A reader queued behind a pending writer waits for that writer.
            (_, Some(rw), WaitReason::RWMutexRLock) => rw.w.holder.into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The locks `t` holds, each with how: `""` (a Mutex, or an RWMutex write-locked),
    /// `" (read)"`, or `" (write pending)"`: a writer that has taken the RWMutex's writer
    /// mutex and waits for the readers to leave (new readers already wait behind it).
    pub fn holds(&self, t: usize) -> Vec<(ObjId, &'static str)> {
        let mut out = Vec::new();
        for (o, obj) in self.objs.iter().enumerate() {
            if let Obj::Mutex(m) = obj {
                if m.locked && m.holder == Some(t) {
                    out.push((o, ""));
                }
            } else if let Some(rw) = obj.as_rwmutex() {
                if rw.w.locked && rw.w.holder == Some(t) {
                    // Not queued on the writer mutex (that is a second Lock of its own).
                    let th = &self.threads[t];
                    let pending = th.status == Status::Blocked(WaitReason::RWMutexLock)
                        && th.waits_on == Some(o)
                        && !rw.w.waiters.contains(&t);
                    out.push((o, if pending { " (write pending)" } else { "" }));
                } else if rw.readers.contains(&t) {
                    out.push((o, " (read)"));
                }
            }
        }
        out
    }

    /// Take thread `t` off the wait queues of `o` (the object it is blocked on).
    pub fn unqueue(&mut self, t: usize, o: ObjId) -> bool {
        fn rm(q: &mut VecDeque<usize>, t: usize) -> bool {
            match q.iter().position(|&x| x == t) {
                Some(i) => {
                    q.remove(i);
                    true
                }
                None => false,
            }
        }
        match &mut self.objs[o] {
            Obj::Mutex(m) => rm(&mut m.waiters, t),
            Obj::Once(once) => rm(&mut once.m.waiters, t),
            Obj::RwMutex(r) => {
                rm(&mut r.w.waiters, t)
                    || rm(&mut r.reader_sem.waiters, t)
                    || rm(&mut r.writer_sem.waiters, t)
            }
            Obj::WaitGroup(g) => rm(&mut g.sema.waiters, t),
            // A select: off the queues of every channel it waits on.
            Obj::Chan(_) => {
                for obj in &mut self.objs {
                    if let Obj::Chan(c) = obj {
                        c.recvq.retain(|x| x.thread != t);
                        c.sendq.retain(|x| x.thread != t);
                    }
                }
                true
            }
            _ => false,
        }
    }
}

/// Construction, start-up and final state, per kind.
impl World {
    /// A declared object's initial state (objects it creates come in [`World::setup`]).
    pub(super) fn declared(&mut self, decl: &ObjectDecl) -> Obj {
        let w = self;
        match decl {
            ObjectDecl::Timer { .. } => Obj::Timer(TimerVar::Uninit),
            ObjectDecl::Context { .. } => Obj::Context(None),
            ObjectDecl::Slice {
                nil,
                elems,
                len,
                cap,
                elem,
            } => {
                if *nil {
                    return Obj::Slice(SliceHdr::default());
                }
                let len = len
                    .map(|l| l as usize)
                    .unwrap_or(elems.len())
                    .max(elems.len());
                let cap = cap.map(|c| c as usize).unwrap_or(len).max(len);
                let a = w.new_array(cap, &elem.zero()).unwrap_or_else(|_| {
                    unreachable!("declared capacities are bounded at validation")
                });
                for (i, v) in elems.iter().enumerate() {
                    w.arrays[a][i] = v.clone();
                }
                Obj::Slice(SliceHdr {
                    arr: Some(a),
                    off: 0,
                    len,
                    cap,
                })
            }
            ObjectDecl::Atomic { value } => Obj::Atomic(AtomicState {
                value: value.clone(),
            }),
            ObjectDecl::Pool { .. } => Obj::Pool(PoolState::default()),
            ObjectDecl::Handle {} => Obj::Handle(HandleState::default()),
            ObjectDecl::RwmutexMap { .. } => Obj::RwMap(Default::default(), Default::default()),
            // Shards are objects of their own, created in `setup`.
            ObjectDecl::ShardedMap { .. } => Obj::ShardedMap(Default::default()),
            ObjectDecl::SyncMap {} => Obj::SyncMap(SyncMapState::default()),
            ObjectDecl::CowMap { .. } => Obj::CowMap(CowMapState::default()),
            ObjectDecl::TreiberStack { elems } => {
                Obj::Stack(StackState::new(StackKind::Treiber, elems))
            }
            ObjectDecl::StampedStack { elems } => {
                Obj::Stack(StackState::new(StackKind::Stamped, elems))
            }
            ObjectDecl::EpochStack { elems } => {
                Obj::Stack(StackState::new(StackKind::Epoch, elems))
            }
            ObjectDecl::Map { nil, entries, .. } => {
                w.maps.push(MapState::new(*nil, entries));
                Obj::Map(w.maps.len() - 1)
            }
            ObjectDecl::Chan { cap, nil, .. } => Obj::Chan(ChanState::new(*cap, *nil)),
            ObjectDecl::Mutex {} => Obj::Mutex(MutexState::default()),
            ObjectDecl::Rwmutex {} => Obj::RwMutex(RwMutexState::default()),
            ObjectDecl::Waitgroup {} => Obj::WaitGroup(WaitGroupState::default()),
            ObjectDecl::Once {} => Obj::Once(OnceState::default()),
            ObjectDecl::Cond { .. } => Obj::Cond(CondState::default()),
            // Its fields come once it has its id (`World::struct_fields`).
            ObjectDecl::Struct { .. } => Obj::Struct(Vec::new()),
        }
    }

    /// The start-up work of declared object `o`, once every declared object has its id: the
    /// objects it creates, the timers it starts.
    pub(super) fn setup(&mut self, o: ObjId) {
        let w = self;
        match w.prog.objects[o].setup {
            Setup::None => {}
            Setup::Timer { ns } => start_chan_timer(w, o, ns),
            Setup::Context { parent, timeout } => {
                let c: CtxId = match parent {
                    None => w.background(),
                    Some(p) => {
                        let pc = w.ctx_var(p).expect("validated: the parent is not nil");
                        let name = w.obj_name(o);
                        w.derive(pc, &name, timeout)
                    }
                };
                *w.ctx_var(o) = Some(c);
            }
            Setup::Shards(n) => w.make_shards(o, n),
        }
    }

    /// A final-state assertion (`expect.final`); `Some(failure)` when it does not hold.
    pub fn check_final(&self, a: &AssertSpec) -> Option<Failure> {
        let w = self;
        // What a reassigned declared object names at the end.
        let mut target = match w.slots.get(&a.obj) {
            Some(Some(o)) => *o,
            _ => a.obj,
        };
        let name = if a.fields.is_empty() {
            w.obj_name(a.obj).to_string()
        } else {
            a.name.clone()
        };
        // A field (`g.wg`): what it holds when the run ends.
        for &i in &a.fields {
            match w.field(target, i) {
                Some(FieldVal::Obj(Some(x))) => target = x,
                _ => {
                    return Some(Failure::Assertion {
                        id: a.assertion.id.clone().unwrap_or_else(|| "assertion".into()),
                        message: format!("final state: {name} is nil ({})", a.path),
                    })
                }
            }
        }
        let spec = &a.assertion;
        let mut problems = Vec::new();
        let not = |b: bool| if b { "" } else { "not " };
        let len_is = |problems: &mut Vec<String>, n: usize| {
            if let Some(want) = spec.len {
                if n as u64 != want {
                    problems.push(format!("len({name}) is {n}, expected {want}"));
                }
            }
        };
        let elems_are = |problems: &mut Vec<String>, got: &[Value]| {
            if let Some(want) = &spec.elems {
                if got != want.as_slice() {
                    let show =
                        |v: &[Value]| v.iter().map(Value::quoted).collect::<Vec<_>>().join(", ");
                    problems.push(format!(
                        "{name} holds [{}], expected [{}]",
                        show(got),
                        show(want)
                    ));
                }
            }
        };
        match &w.objs[target] {
            Obj::Map(_)
            | Obj::RwMap(..)
            | Obj::ShardedMap(_)
            | Obj::SyncMap(_)
            | Obj::CowMap(_) => {
                let entries = w.map_contents(target);
                len_is(&mut problems, entries.len());
                if let Some(k) = &spec.key {
                    match (entries.get(k), &spec.value) {
                        (Some(v), _) if spec.absent => problems.push(format!(
                            "{name}[{}] is {}, expected absent",
                            k.quoted(),
                            v.quoted()
                        )),
                        (Some(v), Some(want)) if v != want => problems.push(format!(
                            "{name}[{}] is {}, expected {}",
                            k.quoted(),
                            v.quoted(),
                            want.quoted()
                        )),
                        (None, Some(want)) => problems.push(format!(
                            "{name}[{}] is absent, expected {}",
                            k.quoted(),
                            want.quoted()
                        )),
                        _ => {}
                    }
                }
            }
            Obj::Chan(c) => {
                len_is(&mut problems, c.buf.len());
                if let Some(closed) = spec.closed {
                    if c.closed != closed {
                        problems.push(format!(
                            "{name} is {}closed, expected {}closed",
                            not(c.closed),
                            not(closed)
                        ));
                    }
                }
            }
            obj @ (Obj::Mutex(_) | Obj::RwMutex(_)) => {
                let locked = obj.locked().unwrap_or(false);
                if let Some(want) = spec.locked {
                    if locked != want {
                        problems.push(format!(
                            "{name} is {}locked, expected {}locked",
                            not(locked),
                            not(want)
                        ));
                    }
                }
            }
            Obj::WaitGroup(g) => {
                if let Some(want) = spec.count {
                    if g.v as i64 != want {
                        problems.push(format!("{name} counter is {}, expected {want}", g.v));
                    }
                }
            }
            Obj::Slice(h) => {
                let h = *h;
                let got = w.elems(&h);
                len_is(&mut problems, h.len);
                if let Some(want) = spec.cap {
                    if h.cap as u64 != want {
                        problems.push(format!("cap({name}) is {}, expected {want}", h.cap));
                    }
                }
                elems_are(&mut problems, &got);
            }
            Obj::Stack(s) => {
                let got = s.contents();
                len_is(&mut problems, got.len());
                elems_are(&mut problems, &got);
                if spec.conserved == Some(true) {
                    if let Err(why) = s.conservation() {
                        problems.push(format!("{name}: {why}"));
                    }
                }
            }
            Obj::Atomic(c) => {
                if let Some(want) = &spec.holds {
                    if c.value != *want {
                        problems.push(format!(
                            "{name} holds {}, expected {}",
                            c.value.quoted(),
                            want.quoted()
                        ));
                    }
                }
            }
            Obj::Context(c) => {
                let cancelled = c.is_some_and(|c| w.ctx_err(c).0.is_some());
                if let Some(want) = spec.cancelled {
                    if cancelled != want {
                        problems.push(format!(
                            "{name} is {}cancelled, expected {}cancelled",
                            not(cancelled),
                            not(want)
                        ));
                    }
                }
            }
            Obj::Handle(h) => {
                if let Some(want) = spec.closed {
                    if h.closed != want {
                        problems.push(format!(
                            "{name} is {}closed, expected {}closed",
                            not(h.closed),
                            not(want)
                        ));
                    }
                }
            }
            Obj::Once(_) | Obj::Cond(_) | Obj::Struct(_) | Obj::Timer(_) | Obj::Pool(_) => {}
        }
        if problems.is_empty() {
            return None;
        }
        Some(Failure::Assertion {
            id: spec.id.clone().unwrap_or_else(|| "assertion".into()),
            message: format!("final state: {} ({})", problems.join("; "), a.path),
        })
    }
}
