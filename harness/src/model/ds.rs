//! Data structures ported on the primitives, usable as scenario objects.
//!
//! Maps — the mitigations of the map hazards, each safe under concurrent writers:
//! `rwmutex-map` (reads RLock, writes Lock, the map port inside), `sharded-map` (N of those, a
//! key hashed to one), `sync-map` (Go's `sync.Map`), `cow-map` (copy-on-write behind an atomic
//! pointer). Stacks — lock-free Treiber stacks over a node arena whose popped nodes are reused:
//! `treiber-stack` (CAS on the pointer alone: ABA), `stamped-stack` (pointer and version CASed
//! together), `epoch-stack` (a popped node is reused only after every thread that could hold
//! it has left its operation). Every atomic access and lock is a scheduling point.

use super::fault;
use super::map::{self, MapState};
use super::mutex::{self, MutexState};
use super::rwmutex::{self, RwMutexState};
use super::world::{Obj, ThreadCx, Unwind, World};
use super::{Value, WaitReason};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use crate::scenario::{ObjId, OpId};

/// `sharded-map`: the shards are `rwmutex-map` objects of their own.
#[derive(Debug, Clone, Default)]
pub(crate) struct ShardedMapState {
    pub shards: Vec<ObjId>,
}

/// `cow-map`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CowMapState {
    /// The published snapshot (what the atomic pointer points to); never mutated in place.
    pub snap: Rc<BTreeMap<Value, Value>>,
    pub mu: MutexState,
}

/// `sync.Map`'s `entry.p`: nil (deleted), expunged (deleted and absent from dirty), or a
/// pointer to a value (the id gives pointer identity for CAS).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EntryP {
    Nil,
    Expunged,
    Val(u64, Value),
}

/// `sync.Map`'s `readOnly`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadOnly {
    pub m: BTreeMap<Value, usize>,
    pub amended: bool,
}

/// `sync-map`, after Go's `sync.Map`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncMapState {
    pub read: Rc<ReadOnly>,
    pub mu: MutexState,
    pub dirty: Option<BTreeMap<Value, usize>>,
    pub misses: usize,
    /// Entries by id (the `*entry` pointers both maps share).
    pub entries: Vec<EntryP>,
    pub next_ptr: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StackKind {
    Treiber,
    Stamped,
    Epoch,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub val: Value,
    pub next: Option<usize>,
}

/// A Treiber stack over a node arena with a FIFO free list.
#[derive(Debug, Clone)]
pub(crate) struct StackState {
    pub kind: StackKind,
    /// The head pointer and its version (the version is compared only by `stamped-stack`).
    pub head: (Option<usize>, u64),
    pub nodes: Vec<Node>,
    pub free: VecDeque<usize>,
    /// Every value pushed, initial contents included, and every value popped (for
    /// `conserved`).
    pub pushed: Vec<Value>,
    pub popped: Vec<Value>,
    /// Epoch reclamation: the global epoch, the epoch each thread inside an op pinned, and
    /// retired nodes with the epoch they were retired in.
    pub epoch: u64,
    pub pinned: HashMap<usize, u64>,
    pub garbage: Vec<(usize, u64)>,
}

impl StackState {
    pub fn new(kind: StackKind, elems: &[Value]) -> StackState {
        let mut s = StackState {
            kind,
            head: (None, 0),
            nodes: Vec::new(),
            free: VecDeque::new(),
            pushed: elems.to_vec(),
            popped: Vec::new(),
            epoch: 0,
            pinned: HashMap::new(),
            garbage: Vec::new(),
        };
        for v in elems {
            s.nodes.push(Node {
                val: v.clone(),
                next: s.head.0,
            });
            s.head.0 = Some(s.nodes.len() - 1);
        }
        s
    }

    /// Contents, bottom first. A corrupted stack can hold a cycle: the walk stops at the
    /// arena's size.
    pub fn contents(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut p = self.head.0;
        while let Some(n) = p {
            if out.len() > self.nodes.len() {
                break;
            }
            out.push(self.nodes[n].val.clone());
            p = self.nodes[n].next;
        }
        out.reverse();
        out
    }

    /// Whether pushed == popped + contents, as multisets: nothing lost, nothing duplicated.
    pub fn conservation(&self) -> Result<(), String> {
        let mut count: BTreeMap<&Value, i64> = BTreeMap::new();
        for v in &self.pushed {
            *count.entry(v).or_default() += 1;
        }
        let contents = self.contents();
        for v in self.popped.iter().chain(contents.iter()) {
            *count.entry(v).or_default() -= 1;
        }
        let lost: Vec<String> = count
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(v, _)| v.quoted())
            .collect();
        let dup: Vec<String> = count
            .iter()
            .filter(|(_, &n)| n < 0)
            .map(|(v, _)| v.quoted())
            .collect();
        if lost.is_empty() && dup.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        if !lost.is_empty() {
            parts.push(format!("lost {}", lost.join(", ")));
        }
        if !dup.is_empty() {
            parts.push(format!("duplicated {}", dup.join(", ")));
        }
        Err(format!(
            "{} (pushed [{}], popped [{}], left [{}])",
            parts.join("; "),
            join(&self.pushed),
            join(&self.popped),
            join(&contents)
        ))
    }

    fn alloc(&mut self, v: Value) -> (usize, bool) {
        match self.free.pop_front() {
            Some(n) => {
                self.nodes[n].val = v;
                (n, true)
            }
            None => {
                self.nodes.push(Node { val: v, next: None });
                (self.nodes.len() - 1, false)
            }
        }
    }

    /// A node left the stack: free it now, or (epoch) once no thread can still hold it.
    fn retire(&mut self, n: usize) {
        match self.kind {
            StackKind::Treiber | StackKind::Stamped => self.free.push_back(n),
            StackKind::Epoch => self.garbage.push((n, self.epoch)),
        }
    }

    fn pin(&mut self, t: usize) {
        if self.kind != StackKind::Epoch {
            return;
        }
        // Advance when every pinned thread has seen the current epoch, then reclaim what was
        // retired two epochs ago: no pinned thread can still hold it.
        if self.pinned.values().all(|&e| e == self.epoch) {
            self.epoch += 1;
        }
        self.pinned.insert(t, self.epoch);
        let epoch = self.epoch;
        let (ready, keep): (Vec<_>, Vec<_>) =
            self.garbage.iter().partition(|&&(_, e)| e + 2 <= epoch);
        self.garbage = keep;
        self.free.extend(ready.into_iter().map(|(n, _)| n));
    }

    fn unpin(&mut self, t: usize) {
        self.pinned.remove(&t);
    }
}

fn join(v: &[Value]) -> String {
    v.iter().map(Value::quoted).collect::<Vec<_>>().join(", ")
}

fn fnv(key: &Value) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.to_string().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl World {
    pub fn stack(&mut self, o: ObjId) -> &mut StackState {
        match &mut self.objs[o] {
            Obj::Stack(s) => s,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    fn cow(&mut self, o: ObjId) -> &mut CowMapState {
        match &mut self.objs[o] {
            Obj::CowMap(c) => c,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    fn syncmap(&mut self, o: ObjId) -> &mut SyncMapState {
        match &mut self.objs[o] {
            Obj::SyncMap(s) => s,
            _ => unreachable!("validation checks object kinds"),
        }
    }
    fn shard(&mut self, o: ObjId, key: &Value) -> ObjId {
        match &self.objs[o] {
            Obj::ShardedMap(s) => s.shards[(fnv(key) % s.shards.len() as u64) as usize],
            _ => unreachable!("validation checks object kinds"),
        }
    }

    /// Create the shards of a sharded map.
    pub fn make_shards(&mut self, o: ObjId, n: u32) {
        let name = self.obj_name(o);
        let shards = (0..n)
            .map(|i| {
                self.new_obj(
                    Arc::from(format!("{name}.shard[{i}]")),
                    Obj::RwMap(RwMutexState::default(), MapState::default()),
                )
            })
            .collect();
        self.objs[o] = Obj::ShardedMap(ShardedMapState { shards });
    }

    /// The logical contents of a map data structure (final-state assertions).
    pub fn map_contents(&self, o: ObjId) -> BTreeMap<Value, Value> {
        match &self.objs[o] {
            Obj::Map(i) => self.maps[*i].entries.clone(),
            Obj::RwMap(_, m) => m.entries.clone(),
            Obj::ShardedMap(s) => s
                .shards
                .iter()
                .flat_map(|&sh| self.map_contents(sh))
                .collect(),
            Obj::CowMap(c) => (*c.snap).clone(),
            Obj::SyncMap(s) => {
                let keys = match &s.dirty {
                    Some(d) => d.clone(),
                    None => s.read.m.clone(),
                };
                keys.into_iter()
                    .filter_map(|(k, e)| match &s.entries[e] {
                        EntryP::Val(_, v) => Some((k, v.clone())),
                        _ => None,
                    })
                    .collect()
            }
            _ => BTreeMap::new(),
        }
    }
}

/// Where an injected panic strikes in a method that holds its lock through `defer Unlock()`:
/// at the map access (hashing the key can panic in Go), so the deferred unlock runs.
const HELD: &str = "in the method at the map access, with the lock held (the deferred Unlock runs)";
/// Where it strikes in sync.Map's methods: hashing the key on the read map, before any lock
/// (sync.Map's locked sections unlock without defer, but nothing in them can panic).
const COW_SITE: &str =
    "in the method while changing the copy, with mu held (the deferred Unlock runs)";
const SYNC_SITE: &str = "in the method while hashing the key, before any lock";

type Body<'a> = &'a mut dyn FnMut(Value, Value) -> Result<(), Unwind>;

/// Unlock on the way out of a locked section, also when a panic unwinds (Go's deferred
/// Unlock); an abort unwinds without running anything.
fn unlock_after<T>(
    cx: &ThreadCx,
    op: OpId,
    r: Result<T, Unwind>,
    unlock: impl FnOnce(&ThreadCx, OpId) -> Result<(), Unwind>,
) -> Result<T, Unwind> {
    match r {
        Err(Unwind::Abort) => Err(Unwind::Abort),
        Err(p) => {
            unlock(cx, op)?;
            Err(p)
        }
        Ok(v) => {
            unlock(cx, op)?;
            Ok(v)
        }
    }
}

fn rw_get(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    zero: Value,
) -> Result<(Value, bool), Unwind> {
    rwmutex::rlock(cx, op, m)?;
    let r = fault::site(cx, HELD).and_then(|()| map::get(cx, op, m, key, zero));
    unlock_after(cx, op, r, |cx, op| rwmutex::runlock(cx, op, m))
}

fn rw_write(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    f: impl FnOnce(&ThreadCx) -> Result<(), Unwind>,
) -> Result<(), Unwind> {
    rwmutex::lock(cx, op, m)?;
    let r = fault::site(cx, HELD).and_then(|()| f(cx));
    unlock_after(cx, op, r, |cx, op| rwmutex::unlock(cx, op, m))
}

fn rw_range(cx: &ThreadCx, op: OpId, m: ObjId, body: Body) -> Result<(), Unwind> {
    rwmutex::rlock(cx, op, m)?;
    let r = map::range(cx, op, m, body);
    unlock_after(cx, op, r, |cx, op| rwmutex::runlock(cx, op, m))
}

/// Which map data structure an object is.
enum MapKind {
    RwMutex,
    Sharded,
    Cow,
    Sync,
}

fn map_kind(cx: &ThreadCx, m: ObjId) -> MapKind {
    match &cx.world.borrow().objs[m] {
        Obj::RwMap(..) => MapKind::RwMutex,
        Obj::ShardedMap(_) => MapKind::Sharded,
        Obj::CowMap(_) => MapKind::Cow,
        Obj::SyncMap(_) => MapKind::Sync,
        _ => unreachable!("validation checks object kinds"),
    }
}

/// The result of a lookup, traced: `(value, true)` or `(zero, false)`.
fn loaded(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    got: Option<Value>,
    zero: Value,
) -> (Value, bool) {
    let mut w = cx.world.borrow_mut();
    let name = w.obj_name(m);
    let (v, ok) = match got {
        Some(v) => (v, true),
        None => (zero, false),
    };
    w.note(cx.me, op, || {
        format!("{name}.Load({}) -> {}, {ok}", key.quoted(), v.quoted())
    });
    (v, ok)
}

/// `m.Store(key, value)` / `m[key] = value`.
pub(crate) fn map_set(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    value: &Value,
) -> Result<(), Unwind> {
    match map_kind(cx, m) {
        MapKind::RwMutex => rw_write(cx, op, m, |cx| map::set(cx, op, m, key, value)),
        MapKind::Sharded => {
            let s = cx.world.borrow_mut().shard(m, key);
            rw_write(cx, op, s, |cx| map::set(cx, op, s, key, value))
        }
        MapKind::Cow => cow_write(cx, op, m, |snap| {
            snap.insert(key.clone(), value.clone());
        }),
        MapKind::Sync => sync_store(cx, op, m, key, value),
    }
}

/// `m.Delete(key)`.
pub(crate) fn map_delete(cx: &ThreadCx, op: OpId, m: ObjId, key: &Value) -> Result<(), Unwind> {
    match map_kind(cx, m) {
        MapKind::RwMutex => rw_write(cx, op, m, |cx| map::delete(cx, op, m, key)),
        MapKind::Sharded => {
            let s = cx.world.borrow_mut().shard(m, key);
            rw_write(cx, op, s, |cx| map::delete(cx, op, s, key))
        }
        MapKind::Cow => cow_write(cx, op, m, |snap| {
            snap.remove(key);
        }),
        MapKind::Sync => sync_delete(cx, op, m, key),
    }
}

/// `v, ok := m.Load(key)`.
pub(crate) fn map_get(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    zero: Value,
) -> Result<(Value, bool), Unwind> {
    match map_kind(cx, m) {
        MapKind::RwMutex => rw_get(cx, op, m, key, zero),
        MapKind::Sharded => {
            let s = cx.world.borrow_mut().shard(m, key);
            rw_get(cx, op, s, key, zero)
        }
        MapKind::Cow => {
            let snap = cow_load(cx, op, m)?;
            fault::site(
                cx,
                "in the method while hashing the key, after loading the snapshot",
            )?;
            Ok(loaded(cx, op, m, key, snap.get(key).cloned(), zero))
        }
        MapKind::Sync => sync_load(cx, op, m, key, zero),
    }
}

/// `len`: under the read lock(s); a cow map's snapshot length.
pub(crate) fn map_len(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<i64, Unwind> {
    let shards = match &cx.world.borrow().objs[m] {
        Obj::RwMap(..) => vec![m],
        Obj::ShardedMap(s) => s.shards.clone(),
        Obj::CowMap(_) => Vec::new(),
        _ => unreachable!("validation rejects len of a sync.Map"),
    };
    if shards.is_empty() {
        return Ok(cow_load(cx, op, m)?.len() as i64);
    }
    let mut n = 0;
    for s in shards {
        rwmutex::rlock(cx, op, s)?;
        let r = map::len(cx, op, s);
        n += unlock_after(cx, op, r, |cx, op| rwmutex::runlock(cx, op, s))?;
    }
    Ok(n)
}

/// `m.Range(f)` / `for k, v := range m` under the read lock.
pub(crate) fn map_range(cx: &ThreadCx, op: OpId, m: ObjId, body: Body) -> Result<(), Unwind> {
    match map_kind(cx, m) {
        MapKind::RwMutex => rw_range(cx, op, m, body),
        MapKind::Sharded => {
            let shards = match &cx.world.borrow().objs[m] {
                Obj::ShardedMap(s) => s.shards.clone(),
                _ => unreachable!(),
            };
            for s in shards {
                rw_range(cx, op, s, body)?;
            }
            Ok(())
        }
        MapKind::Cow => {
            let snap = cow_load(cx, op, m)?;
            for (k, v) in snap.iter() {
                body(k.clone(), v.clone())?;
            }
            Ok(())
        }
        MapKind::Sync => sync_range(cx, op, m, body),
    }
}

// ---- cow-map ----

fn cow_load(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<Rc<BTreeMap<Value, Value>>, Unwind> {
    let mut w = cx.step(op)?;
    let snap = Rc::clone(&w.cow(m).snap);
    let name = w.obj_name(m);
    w.note(cx.me, op, || {
        format!("{name}: p.Load() ({} entries)", snap.len())
    });
    Ok(snap)
}

fn cow_write(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    f: impl FnOnce(&mut BTreeMap<Value, Value>),
) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(m);
    mutex::lock(cx, op, m, WaitReason::MutexLock, &|| {
        format!("{name}.mu.Lock()")
    })?;
    let old = cow_load(cx, op, m)?;
    // Writers hold mu through `defer mu.Unlock()`; a panic while changing the copy (hashing
    // the key) leaves the published snapshot as it was.
    if let Err(e) = fault::site(cx, COW_SITE) {
        let mut w = cx.step(op)?;
        let line = w.note(cx.me, op, || format!("{name}.mu.Unlock() (deferred)"));
        mutex::release(&mut w, m, line);
        return Err(e);
    }
    let mut copy = (*old).clone();
    f(&mut copy);
    let mut w = cx.step(op)?;
    let n = copy.len();
    w.cow(m).snap = Rc::new(copy);
    w.note(cx.me, op, || format!("{name}: p.Store(copy) ({n} entries)"));
    let line = w.note(cx.me, op, || format!("{name}.mu.Unlock()"));
    mutex::release(&mut w, m, line);
    Ok(())
}

// ---- sync-map ----

fn sync_read(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<Rc<ReadOnly>, Unwind> {
    let mut w = cx.step(op)?;
    let r = Rc::clone(&w.syncmap(m).read);
    let name = w.obj_name(m);
    w.note(cx.me, op, || {
        format!(
            "{name}: loadReadOnly() ({} keys, amended={})",
            r.m.len(),
            r.amended
        )
    });
    Ok(r)
}

fn sync_lock(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(m);
    mutex::lock(cx, op, m, WaitReason::MutexLock, &|| {
        format!("{name}.mu.Lock()")
    })
}

fn sync_unlock(w: &mut World, me: usize, op: OpId, m: ObjId) {
    let name = w.obj_name(m);
    let line = w.note(me, op, || format!("{name}.mu.Unlock()"));
    mutex::release(w, m, line);
}

/// `missLocked`: promote dirty to read once the misses reach its size.
fn miss_locked(s: &mut SyncMapState) {
    s.misses += 1;
    let dirty_len = s.dirty.as_ref().map_or(0, |d| d.len());
    if s.misses < dirty_len {
        return;
    }
    let m = s.dirty.take().unwrap_or_default();
    s.read = Rc::new(ReadOnly { m, amended: false });
    s.misses = 0;
}

fn entry_load(cx: &ThreadCx, op: OpId, m: ObjId, e: usize) -> Result<EntryP, Unwind> {
    let mut w = cx.step(op)?;
    Ok(w.syncmap(m).entries[e].clone())
}

fn entry_cas(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    e: usize,
    old: &EntryP,
    new: EntryP,
) -> Result<bool, Unwind> {
    let mut w = cx.step(op)?;
    let s = w.syncmap(m);
    let ok = s.entries[e] == *old;
    if ok {
        s.entries[e] = new;
    }
    Ok(ok)
}

fn sync_load(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    zero: Value,
) -> Result<(Value, bool), Unwind> {
    fault::site(cx, SYNC_SITE)?;
    let read = sync_read(cx, op, m)?;
    let mut e = read.m.get(key).copied();
    if e.is_none() && read.amended {
        sync_lock(cx, op, m)?;
        let mut w = cx.step(op)?;
        let s = w.syncmap(m);
        let read = Rc::clone(&s.read);
        e = read.m.get(key).copied();
        if e.is_none() && read.amended {
            e = s.dirty.as_ref().and_then(|d| d.get(key).copied());
            miss_locked(s);
        }
        sync_unlock(&mut w, cx.me, op, m);
    }
    let got = match e {
        Some(e) => match entry_load(cx, op, m, e)? {
            EntryP::Val(_, v) => Some(v),
            _ => None,
        },
        None => None,
    };
    Ok(loaded(cx, op, m, key, got, zero))
}

fn sync_store(cx: &ThreadCx, op: OpId, m: ObjId, key: &Value, value: &Value) -> Result<(), Unwind> {
    fault::site(cx, SYNC_SITE)?;
    let read = sync_read(cx, op, m)?;
    let ptr = {
        let mut w = cx.world.borrow_mut();
        let s = w.syncmap(m);
        s.next_ptr += 1;
        s.next_ptr
    };
    let new = EntryP::Val(ptr, value.clone());
    // Fast path: `trySwap` on an entry the read map has, unless it is expunged.
    if let Some(&e) = read.m.get(key) {
        loop {
            let p = entry_load(cx, op, m, e)?;
            if p == EntryP::Expunged {
                break;
            }
            if entry_cas(cx, op, m, e, &p, new.clone())? {
                let mut w = cx.world.borrow_mut();
                let name = w.obj_name(m);
                w.note(cx.me, op, || {
                    format!(
                        "{name}.Store({}, {}): swapped in read",
                        key.quoted(),
                        value.quoted()
                    )
                });
                return Ok(());
            }
        }
    }
    sync_lock(cx, op, m)?;
    let mut w = cx.step(op)?;
    let s = w.syncmap(m);
    let read = Rc::clone(&s.read);
    let how;
    if let Some(&e) = read.m.get(key) {
        if s.entries[e] == EntryP::Expunged {
            s.entries[e] = EntryP::Nil;
            s.dirty
                .get_or_insert_with(BTreeMap::new)
                .insert(key.clone(), e);
        }
        s.entries[e] = new;
        how = "read entry";
    } else if let Some(e) = s.dirty.as_ref().and_then(|d| d.get(key).copied()) {
        s.entries[e] = new;
        how = "dirty entry";
    } else {
        if !read.amended {
            // dirtyLocked: copy the read map's live entries, expunging the deleted ones.
            if s.dirty.is_none() {
                let mut d = BTreeMap::new();
                for (k, &e) in &read.m {
                    if s.entries[e] == EntryP::Nil {
                        s.entries[e] = EntryP::Expunged;
                    }
                    if s.entries[e] != EntryP::Expunged {
                        d.insert(k.clone(), e);
                    }
                }
                s.dirty = Some(d);
            }
            s.read = Rc::new(ReadOnly {
                m: read.m.clone(),
                amended: true,
            });
        }
        s.entries.push(new);
        let e = s.entries.len() - 1;
        s.dirty
            .get_or_insert_with(BTreeMap::new)
            .insert(key.clone(), e);
        how = "new dirty entry";
    }
    let name = w.obj_name(m);
    w.note(cx.me, op, || {
        format!("{name}.Store({}, {}): {how}", key.quoted(), value.quoted())
    });
    sync_unlock(&mut w, cx.me, op, m);
    Ok(())
}

fn sync_delete(cx: &ThreadCx, op: OpId, m: ObjId, key: &Value) -> Result<(), Unwind> {
    fault::site(cx, SYNC_SITE)?;
    let read = sync_read(cx, op, m)?;
    let mut e = read.m.get(key).copied();
    if e.is_none() && read.amended {
        sync_lock(cx, op, m)?;
        let mut w = cx.step(op)?;
        let s = w.syncmap(m);
        let read = Rc::clone(&s.read);
        e = read.m.get(key).copied();
        if e.is_none() && read.amended {
            e = s.dirty.as_ref().and_then(|d| d.get(key).copied());
            if let Some(d) = s.dirty.as_mut() {
                d.remove(key);
            }
            miss_locked(s);
        }
        sync_unlock(&mut w, cx.me, op, m);
    }
    if let Some(e) = e {
        loop {
            let p = entry_load(cx, op, m, e)?;
            if matches!(p, EntryP::Nil | EntryP::Expunged) {
                break;
            }
            if entry_cas(cx, op, m, e, &p, EntryP::Nil)? {
                break;
            }
        }
    }
    let mut w = cx.world.borrow_mut();
    let name = w.obj_name(m);
    w.note(cx.me, op, || format!("{name}.Delete({})", key.quoted()));
    Ok(())
}

fn sync_range(cx: &ThreadCx, op: OpId, m: ObjId, body: Body) -> Result<(), Unwind> {
    let mut read = sync_read(cx, op, m)?;
    if read.amended {
        sync_lock(cx, op, m)?;
        let mut w = cx.step(op)?;
        let s = w.syncmap(m);
        read = Rc::clone(&s.read);
        if read.amended {
            let promoted = Rc::new(ReadOnly {
                m: s.dirty.take().unwrap_or_default(),
                amended: false,
            });
            s.read = Rc::clone(&promoted);
            s.misses = 0;
            read = promoted;
        }
        sync_unlock(&mut w, cx.me, op, m);
    }
    for (k, &e) in read.m.iter() {
        if let EntryP::Val(_, v) = entry_load(cx, op, m, e)? {
            body(k.clone(), v)?;
        }
    }
    Ok(())
}

// ---- stacks ----

/// `s.Push(v)`.
pub(crate) fn push(cx: &ThreadCx, op: OpId, o: ObjId, v: Value) -> Result<(), Unwind> {
    let me = cx.me;
    let n = {
        let mut w = cx.step(op)?;
        let name = w.obj_name(o);
        let s = w.stack(o);
        s.pin(me);
        let (n, reused) = s.alloc(v.clone());
        w.note(me, op, || {
            format!(
                "{name}.Push({}): node#{n}{}",
                v.quoted(),
                if reused { " (reused)" } else { "" }
            )
        });
        n
    };
    let r = (|| loop {
        let old = {
            let mut w = cx.step(op)?;
            let s = w.stack(o);
            let head = s.head;
            s.nodes[n].next = head.0;
            let name = w.obj_name(o);
            w.note(me, op, || format!("{name}.Push: head -> {}", fmt_ptr(head)));
            head
        };
        if cas_head(cx, op, o, old, Some(n))? {
            cx.world.borrow_mut().stack(o).pushed.push(v.clone());
            return Ok(());
        }
    })();
    unpin(cx, o);
    r
}

/// `v, ok := s.Pop()`.
pub(crate) fn pop(cx: &ThreadCx, op: OpId, o: ObjId) -> Result<(Value, bool), Unwind> {
    let me = cx.me;
    {
        let mut w = cx.step(op)?;
        w.stack(o).pin(me);
    }
    let r = (|| loop {
        let old = {
            let mut w = cx.step(op)?;
            let head = w.stack(o).head;
            let name = w.obj_name(o);
            w.note(me, op, || format!("{name}.Pop: head -> {}", fmt_ptr(head)));
            head
        };
        let Some(h) = old.0 else {
            return Ok((Value::Nil, false));
        };
        let next = {
            let mut w = cx.step(op)?;
            let next = w.stack(o).nodes[h].next;
            let name = w.obj_name(o);
            w.note(me, op, || {
                format!("{name}.Pop: node#{h}.next -> {}", fmt_ptr((next, 0)))
            });
            next
        };
        if cas_head(cx, op, o, old, next)? {
            let mut w = cx.world.borrow_mut();
            let s = w.stack(o);
            let v = s.nodes[h].val.clone();
            s.retire(h);
            s.popped.push(v.clone());
            let name = w.obj_name(o);
            w.note(me, op, || {
                format!("{name}.Pop() -> {} (node#{h} retired)", v.quoted())
            });
            return Ok((v, true));
        }
    })();
    unpin(cx, o);
    r
}

/// Leave the operation (epoch reclamation: the thread holds no node any more).
fn unpin(cx: &ThreadCx, o: ObjId) {
    cx.world.borrow_mut().stack(o).unpin(cx.me);
}

fn fmt_ptr(p: (Option<usize>, u64)) -> String {
    match p.0 {
        Some(n) => format!("node#{n} (v{})", p.1),
        None => format!("nil (v{})", p.1),
    }
}

/// CAS the head from `old` to `new`: the stamped stack compares the version too.
fn cas_head(
    cx: &ThreadCx,
    op: OpId,
    o: ObjId,
    old: (Option<usize>, u64),
    new: Option<usize>,
) -> Result<bool, Unwind> {
    let mut w = cx.step(op)?;
    let s = w.stack(o);
    let ok = match s.kind {
        StackKind::Stamped => s.head == old,
        StackKind::Treiber | StackKind::Epoch => s.head.0 == old.0,
    };
    if ok {
        s.head = (new, s.head.1 + 1);
    }
    let name = w.obj_name(o);
    w.note(cx.me, op, || {
        format!(
            "{name}: CAS(head, {}, {}) -> {ok}",
            fmt_ptr(old),
            fmt_ptr((new, old.1 + 1))
        )
    });
    Ok(ok)
}
