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

mod cow;
mod stack;
mod sync_map;

pub(crate) use cow::*;
pub(crate) use stack::*;
pub(crate) use sync_map::*;

/// `sharded-map`: the shards are `rwmutex-map` objects of their own.
#[derive(Debug, Clone, Default)]
pub(crate) struct ShardedMapState {
    pub shards: Vec<ObjId>,
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
