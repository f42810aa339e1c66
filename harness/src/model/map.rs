//! `map` port: Go's best-effort, lock-free concurrent-misuse detection.
//!
//! A map has a `writing` flag that each write toggles. A writer checks it on entry (`!= 0` →
//! `fatal error: concurrent map writes`), toggles it, and on exit checks again (`== 0` → fatal)
//! and toggles back. Readers and iterators only *check* (`!= 0` → their own fatal message) and
//! never set it, so a writer cannot notice a concurrent reader. Reads, deletes and iteration of a
//! nil or empty map return before any check; but a write changes the entries (and the count)
//! while `writing` is still set, so a read that overlaps the first insert into an empty map
//! finds it non-empty and is flagged. `maps.Clone` checks any non-nil map, empty or not. Every
//! check is a scheduling point, and the entry check and the toggle are separate steps as in the
//! Go source (the key is hashed in between), so some interleavings of a real race are caught
//! and others slip through, as in Go.

use super::world::{ThreadCx, Unwind};
use super::{Failure, Value};
use crate::scenario::{ObjId, OpId};
use std::collections::{BTreeMap, BTreeSet};

/// The map an op works on, resolved from the variable at the op's first step and kept to its
/// end: a map variable assigned mid-op (`make`, `maps.Clone`) does not move the op.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MapRef {
    /// An instance in `World::maps`, held by a map variable.
    Inst(usize),
    /// The map inside an rwmutex-map object (never reassigned).
    Inner(ObjId),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct MapState {
    /// `m == nil`.
    pub nil: bool,
    /// Kept in key order; iteration order is an explorer decision ([`range`]), as random as Go's.
    pub entries: BTreeMap<Value, Value>,
    /// Go's `writing` flag (0 or 1), toggled by writers only.
    pub writing: u8,
    /// Keys inserted that were not present, in order: a range in progress reads the new ones
    /// from its position here instead of rescanning the map at every step.
    pub inserted: Vec<Value>,
}

impl MapState {
    pub fn new(nil: bool, entries: &indexmap::IndexMap<String, Value>) -> MapState {
        let entries = entries
            .iter()
            .map(|(k, v)| (Value::Str(k.clone()), v.clone()))
            .collect();
        MapState {
            nil,
            entries,
            ..MapState::default()
        }
    }
    fn empty(&self) -> bool {
        self.nil || self.entries.is_empty()
    }
}

/// The four steps of a write (assign, delete, clear): entry check; toggle; `mutate` (Go's
/// mapassign sets `writing`, then finds or makes the slot, so the entries and the count change
/// while the flag is set); exit check and toggle back.
fn write(
    cx: &ThreadCx,
    op: OpId,
    m: MapRef,
    what: &dyn Fn() -> String,
    mutate: impl FnOnce(&mut MapState),
) -> Result<(), Unwind> {
    {
        let mut w = cx.step(op)?;
        let flag = w.map_at(m).writing;
        w.note(cx.me, op, || format!("{}: check writing=={flag}", what()));
        if flag != 0 {
            return Err(cx.fatal(&mut w, Failure::ConcurrentMapWrites, op));
        }
    }
    {
        let mut w = cx.step(op)?;
        let map = w.map_at(m);
        map.writing ^= 1;
        let now = map.writing;
        w.note(cx.me, op, || format!("{}: writing^=1 (now {now})", what()));
    }
    {
        let mut w = cx.step(op)?;
        mutate(w.map_at(m));
        w.note(cx.me, op, || format!("{}: entries updated", what()));
    }
    let mut w = cx.step(op)?;
    if w.map_at(m).writing == 0 {
        w.note(cx.me, op, || {
            format!("{}: exit check sees writing==0", what())
        });
        return Err(cx.fatal(&mut w, Failure::ConcurrentMapWrites, op));
    }
    let map = w.map_at(m);
    map.writing ^= 1;
    w.note(cx.me, op, || format!("{}: done, writing^=1", what()));
    Ok(())
}

/// `m[key] = value`.
pub(crate) fn set(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    value: &Value,
) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(m);
    let what = || format!("{name}[{}] = {}", key.quoted(), value.quoted());
    let inst = {
        let mut w = cx.step(op)?;
        let inst = w.map_ref(m);
        if w.map_at(inst).nil {
            w.note(cx.me, op, || format!("{}: nil map", what()));
            return Err(cx.panic(Failure::NilMapWrite, op));
        }
        w.map_access(cx.me, op, m, inst, true);
        w.note(cx.me, op, || format!("{}: mapassign", what()));
        inst
    };
    write(cx, op, inst, &what, |map| {
        if map.entries.insert(key.clone(), value.clone()).is_none() {
            map.inserted.push(key.clone());
        }
    })
}

/// `delete(m, key)`: a no-op without any check on a nil or empty map.
pub(crate) fn delete(cx: &ThreadCx, op: OpId, m: ObjId, key: &Value) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(m);
    let what = || format!("delete({name}, {})", key.quoted());
    let inst = {
        let mut w = cx.step(op)?;
        let inst = w.map_ref(m);
        w.map_access(cx.me, op, m, inst, true);
        if w.map_at(inst).empty() {
            w.note(cx.me, op, || format!("{}: empty, no check", what()));
            return Ok(());
        }
        inst
    };
    write(cx, op, inst, &what, |map| {
        map.entries.remove(key);
    })
}

/// `clear(m)`: a no-op without any check on a nil or empty map.
pub(crate) fn clear(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<(), Unwind> {
    let name = cx.world.borrow().obj_name(m);
    let what = || format!("clear({name})");
    let inst = {
        let mut w = cx.step(op)?;
        let inst = w.map_ref(m);
        w.map_access(cx.me, op, m, inst, true);
        if w.map_at(inst).empty() {
            w.note(cx.me, op, || format!("{}: empty, no check", what()));
            return Ok(());
        }
        inst
    };
    write(cx, op, inst, &what, |map| map.entries.clear())
}

/// `v, ok := m[key]`: reads of a nil or empty map return the zero value before the check.
pub(crate) fn get(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    key: &Value,
    zero: Value,
) -> Result<(Value, bool), Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(m);
    let inst = w.map_ref(m);
    w.map_access(cx.me, op, m, inst, false);
    if w.map(m).empty() {
        w.note(cx.me, op, || {
            format!(
                "{name}[{}] -> {} (empty, no check)",
                key.quoted(),
                zero.quoted()
            )
        });
        return Ok((zero, false));
    }
    if w.map(m).writing != 0 {
        w.note(cx.me, op, || {
            format!("{name}[{}]: check sees writing==1", key.quoted())
        });
        return Err(cx.fatal(&mut w, Failure::ConcurrentMapReadWrite, op));
    }
    let got = w.map(m).entries.get(key).cloned();
    let (v, ok) = match got {
        Some(v) => (v, true),
        None => (zero, false),
    };
    w.note(cx.me, op, || {
        format!("{name}[{}] -> {}, {ok}", key.quoted(), v.quoted())
    });
    Ok((v, ok))
}

/// `len(m)`: reads the count field, no check.
pub(crate) fn len(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<i64, Unwind> {
    let mut w = cx.step(op)?;
    let inst = w.map_ref(m);
    w.map_access(cx.me, op, m, inst, false);
    let n = w.map(m).entries.len() as i64;
    let name = w.obj_name(m);
    w.note(cx.me, op, || format!("len({name}) -> {n}"));
    Ok(n)
}

/// `m = make(map[K]V)`: assigns a fresh empty map to the variable (not a map write).
pub(crate) fn make(cx: &ThreadCx, op: OpId, m: ObjId) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    w.assign_map(m, MapState::default());
    let name = w.obj_name(m);
    w.note(cx.me, op, || format!("{name} = make(map)"));
    Ok(())
}

/// `to = maps.Clone(m)`: checks the flag once, unless `m` is nil (Go's mapclone has no
/// emptiness check: an empty map being filled is flagged too).
pub(crate) fn clone(cx: &ThreadCx, op: OpId, m: ObjId, to: ObjId) -> Result<(), Unwind> {
    let mut w = cx.step(op)?;
    let (src_name, dst_name) = (w.obj_name(m), w.obj_name(to));
    let src = w.map(m);
    let copy = if src.nil {
        MapState {
            nil: true,
            ..MapState::default()
        }
    } else if src.writing != 0 {
        w.note(cx.me, op, || {
            format!("{dst_name} = maps.Clone({src_name}): check sees writing==1")
        });
        return Err(cx.fatal(&mut w, Failure::ConcurrentMapCloneWrite, op));
    } else {
        MapState {
            entries: src.entries.clone(),
            ..MapState::default()
        }
    };
    let n = copy.entries.len();
    w.assign_map(to, copy);
    w.note(cx.me, op, || {
        format!("{dst_name} = maps.Clone({src_name}) ({n} entries)")
    });
    Ok(())
}

/// Start `for k, v := range m`: the keys to visit, or `None` for a nil or empty map (no check).
/// Iteration goes on over the instance it started on, whatever the variable is assigned later.
pub(crate) fn range_start(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
) -> Result<Option<(MapRef, Vec<Value>)>, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(m);
    let inst = w.map_ref(m);
    w.map_access(cx.me, op, m, inst, false);
    if w.map_at(inst).empty() {
        w.note(cx.me, op, || format!("range {name}: empty, no check"));
        return Ok(None);
    }
    let keys: Vec<Value> = w.map_at(inst).entries.keys().cloned().collect();
    w.note(cx.me, op, || {
        format!("range {name}: start ({} keys)", keys.len())
    });
    Ok(Some((inst, keys)))
}

/// `for k, v := range m { body }`. Go's order is random and a key added during the loop may or
/// may not be produced: before each `mapiternext` the explorer picks which key comes next among
/// the keys not yet produced (those present at the start, then any added since), and once the
/// starting keys are used up, whether the loop ends instead of producing an added one. A key
/// deleted since the start is skipped, as in Go.
pub(crate) fn range(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    mut body: impl FnMut(Value, Value) -> Result<(), Unwind>,
) -> Result<(), Unwind> {
    let Some((inst, mut left)) = range_start(cx, op, m)? else {
        return Ok(());
    };
    // Keys seen so far (the starting ones, and added ones once found), and where the map's
    // insertion log was read up to: each step costs the keys added since, not the whole map.
    let mut known: BTreeSet<Value> = left.iter().cloned().collect();
    let mut log = cx.world.borrow_mut().map_at(inst).inserted.len();
    let mut added: Vec<Value> = Vec::new();
    loop {
        {
            let mut w = cx.world.borrow_mut();
            let map = w.map_at(inst);
            for k in &map.inserted[log..] {
                if known.insert(k.clone()) {
                    added.push(k.clone());
                }
            }
            log = map.inserted.len();
            added.retain(|k| map.entries.contains_key(k));
        }
        if left.is_empty() && added.is_empty() {
            break;
        }
        // Options: each starting key left, each added key, and (only once the starting keys
        // are used up) the end of the loop. Which key an option index names is fixed by the
        // schedule so far, so `swap_remove` keeps replay exact.
        let end = usize::from(left.is_empty());
        let i = crate::rt::choose(left.len() + added.len() + end);
        let key = if i < left.len() {
            left.swap_remove(i)
        } else if i < left.len() + added.len() {
            added.swap_remove(i - left.len())
        } else {
            break;
        };
        match range_next(cx, op, m, inst, Some(&key))? {
            IterStep::Entry(k, v) => body(k, v)?,
            IterStep::Skipped => {}
            IterStep::End => break,
        }
    }
    range_next(cx, op, m, inst, None).map(|_| ())
}

/// What one `mapiternext` call produced.
pub(crate) enum IterStep {
    Entry(Value, Value),
    /// The key was deleted since the iteration started: Go does not produce it.
    Skipped,
    End,
}

/// One `mapiternext` call: checks the flag, then yields the entry for `key` if it is still
/// there (entries deleted during the iteration are not produced, as in Go). `key == None` is the
/// final call that ends the iteration, which checks too.
pub(crate) fn range_next(
    cx: &ThreadCx,
    op: OpId,
    m: ObjId,
    inst: MapRef,
    key: Option<&Value>,
) -> Result<IterStep, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(m);
    w.map_access(cx.me, op, m, inst, false);
    if w.map_at(inst).writing != 0 {
        w.note(cx.me, op, || {
            format!("range {name}: next, check sees writing==1")
        });
        return Err(cx.fatal(&mut w, Failure::ConcurrentMapIterWrite, op));
    }
    let Some(key) = key else {
        w.note(cx.me, op, || format!("range {name}: end"));
        return Ok(IterStep::End);
    };
    let got = w.map_at(inst).entries.get(key).cloned();
    match got {
        Some(v) => {
            w.note(cx.me, op, || {
                format!("range {name}: {} -> {}", key.quoted(), v.quoted())
            });
            Ok(IterStep::Entry(key.clone(), v))
        }
        None => {
            w.note(cx.me, op, || {
                format!("range {name}: {} deleted, skipped", key.quoted())
            });
            Ok(IterStep::Skipped)
        }
    }
}
