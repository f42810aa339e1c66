//! Objects of an execution: the port state of each, typed access by kind, and the per-kind
//! questions other parts ask (who holds a lock, who a waiter waits for, what a final-state
//! assertion reads, how a waiter leaves a queue).

use super::atomic::AtomicState;
use super::chan::ChanState;
use super::context::CtxId;
use super::ds::{CowMapState, ShardedMapState, StackState, SyncMapState};
use super::handle::HandleState;
use super::map::{MapRef, MapState};
use super::mutex::MutexState;
use super::once::OnceState;
use super::pool::PoolState;
use super::rwmutex::RwMutexState;
use super::slice::SliceHdr;
use super::threads::Status;
use super::time::TimerVar;
use super::waitgroup::WaitGroupState;
use super::world::World;
use super::WaitReason;
use crate::scenario::ObjId;
use std::collections::VecDeque;
use std::sync::Arc;

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
    pub fn once(&mut self, o: ObjId) -> &mut OnceState {
        match &mut self.objs[o] {
            Obj::Once(w) => w,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    /// The object's name, for trace text (a shared string: no allocation).
    pub fn obj_name(&self, o: ObjId) -> Arc<str> {
        Arc::clone(&self.names[o])
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
