//! Scenarios generated from fuzzer bytes for the `ops` target, valid by construction: every op
//! names an object that exists and suits its kind, every read names a variable the op itself
//! sets, there are no loops. Bytes are read from the front only (`int_in_range`), so what is
//! left after generation is the schedule's decision bytes, and running out of bytes simply
//! gives the smallest choices.
//!
//! Ops may run in goroutines that the threads (and those goroutines) spawn, so threads spawn
//! concurrently, in any order, at depth up to two.
//!
//! Two families: *fixed* scenarios use only the fixed data structures (the four map
//! structures, the stamped and epoch stacks) and must never fail; *ports* scenarios mix the raw
//! ports (map, chan, mutex, rwmutex, waitgroup, once, atomic, slice, treiber stack, handle),
//! where Go's documented failures are expected and only a harness panic is a bug. Either may
//! carry up to two fault rules (panic, kill, preempt on ops its threads run), in mode
//! `explore`: the decision bytes also place the faults.

use crate::base::ObjKind as K;
use arbitrary::Unstructured;
use serde_json::{json, Map, Value};

/// A generated scenario.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The scenario, in the file format.
    pub source: Value,
    /// Only fixed data structures: any failure is a bug.
    pub fixed_only: bool,
    /// Bytes generation read; the rest are scheduling decisions.
    pub consumed: usize,
}

const FIXED: &[K] = &[
    K::RwmutexMap,
    K::ShardedMap,
    K::SyncMap,
    K::CowMap,
    K::StampedStack,
    K::EpochStack,
];

const PORTS: &[K] = &[
    K::Map,
    K::Chan,
    K::Mutex,
    K::Rwmutex,
    K::Waitgroup,
    K::Once,
    K::Atomic,
    K::Slice,
    K::TreiberStack,
    K::Handle,
];

const KEYS: &[&str] = &["a", "b", "c"];

fn pick<T: Copy>(u: &mut Unstructured<'_>, from: &[T]) -> T {
    from[u.int_in_range(0..=from.len() - 1).unwrap_or(0)]
}

fn range(u: &mut Unstructured<'_>, lo: i64, hi: i64) -> i64 {
    u.int_in_range(lo..=hi).unwrap_or(lo)
}

fn flip(u: &mut Unstructured<'_>) -> bool {
    range(u, 0, 1) == 1
}

fn decl(u: &mut Unstructured<'_>, kind: K) -> Value {
    match kind {
        K::ShardedMap => json!({ "kind": kind.as_str(), "shards": range(u, 1, 4) }),
        K::Map if flip(u) => json!({ "kind": kind.as_str(), "nil": true }),
        K::Chan => match range(u, 0, 3) {
            3 => json!({ "kind": kind.as_str(), "nil": true }),
            cap => json!({ "kind": kind.as_str(), "cap": cap }),
        },
        K::Slice => {
            let len = range(u, 0, 3);
            let cap = len + range(u, 0, 2);
            json!({ "kind": kind.as_str(), "len": len, "cap": cap })
        }
        K::StampedStack | K::EpochStack | K::TreiberStack => {
            let n = range(u, 0, 2);
            json!({ "kind": kind.as_str(), "elems": (1..=n).collect::<Vec<_>>() })
        }
        _ => json!({ "kind": kind.as_str() }),
    }
}

/// One op on object `obj` of `kind`; `tag` makes variable names unique.
fn op(u: &mut Unstructured<'_>, obj: &str, kind: K, tag: usize) -> Value {
    let key = pick(u, KEYS);
    let v = range(u, 0, 9);
    let into = format!("v{tag}");
    match kind {
        K::RwmutexMap | K::ShardedMap | K::CowMap | K::SyncMap | K::Map => {
            let n = if kind == K::Map { 7 } else { 5 };
            match range(u, 0, n) {
                0 | 1 => json!({ "op": "set", "obj": obj, "key": key, "value": v }),
                2 => json!({ "op": "get", "obj": obj, "key": key, "into": into }),
                3 => json!({ "op": "delete", "obj": obj, "key": key }),
                4 => json!({ "op": "range", "obj": obj, "key": into, "body": [] }),
                5 if kind != K::SyncMap => json!({ "op": "len", "obj": obj, "into": into }),
                6 => json!({ "op": "clear", "obj": obj }),
                7 => json!({ "op": "make", "obj": obj }),
                _ => json!({ "op": "get", "obj": obj, "key": key }),
            }
        }
        K::StampedStack | K::EpochStack | K::TreiberStack => match range(u, 0, 1) {
            0 => json!({ "op": "push", "obj": obj, "value": v }),
            _ => json!({ "op": "pop", "obj": obj, "into": into, "ok": format!("ok{tag}") }),
        },
        K::Chan => match range(u, 0, 3) {
            0 => json!({ "op": "send", "obj": obj, "value": v }),
            1 => json!({ "op": "recv", "obj": obj, "into": into, "ok": format!("ok{tag}") }),
            2 => json!({ "op": "close", "obj": obj }),
            _ => json!({ "op": "len", "obj": obj, "into": into }),
        },
        K::Mutex => match range(u, 0, 1) {
            0 => json!({ "op": "lock", "obj": obj }),
            _ => json!({ "op": "unlock", "obj": obj }),
        },
        K::Rwmutex => {
            let op = ["lock", "unlock", "rlock", "runlock"][range(u, 0, 3) as usize];
            json!({ "op": op, "obj": obj })
        }
        K::Waitgroup => match range(u, 0, 2) {
            0 => json!({ "op": "add", "obj": obj, "delta": range(u, -1, 2) }),
            1 => json!({ "op": "done", "obj": obj }),
            _ => json!({ "op": "wait", "obj": obj }),
        },
        K::Once => json!({ "op": "do", "obj": obj, "body": [] }),
        K::Atomic => match range(u, 0, 4) {
            0 => json!({ "op": "load", "obj": obj, "into": into }),
            1 => json!({ "op": "store", "obj": obj, "value": v }),
            2 => json!({ "op": "cas", "obj": obj, "old": range(u, 0, 2), "new": v }),
            3 => json!({ "op": "swap", "obj": obj, "value": v, "into": into }),
            _ => json!({ "op": "add", "obj": obj, "delta": range(u, -2, 2), "into": into }),
        },
        K::Slice => match range(u, 0, 4) {
            0 => json!({ "op": "append", "obj": obj, "values": [v] }),
            1 => json!({ "op": "index", "obj": obj, "index": range(u, -1, 4), "into": into }),
            2 => json!({ "op": "store", "obj": obj, "index": range(u, -1, 4), "value": v }),
            3 => json!({ "op": "len", "obj": obj, "into": into }),
            _ => json!({ "op": "cap", "obj": obj, "into": into }),
        },
        K::Handle => match range(u, 0, 1) {
            0 => json!({ "op": "use", "obj": obj, "into": into }),
            _ => json!({ "op": "close", "obj": obj, "into": into }),
        },
        _ => json!({ "op": "yield" }),
    }
}

/// Generate a scenario from the front of `data`. `None` for the empty input.
pub fn generate(data: &[u8]) -> Option<Generated> {
    if data.is_empty() {
        return None;
    }
    for (prefix, version) in [
        (super::lang::PREFIX, 1),
        (super::lang::PREFIX_V2, 2),
        (super::lang::PREFIX_V3, 3),
    ] {
        if let Some(rest) = data.strip_prefix(prefix) {
            let (source, consumed) = super::lang::generate(rest, version);
            return Some(Generated {
                source,
                fixed_only: false,
                consumed: prefix.len() + consumed,
            });
        }
    }
    let mut u = Unstructured::new(data);
    let fixed_only = flip(&mut u);
    let kinds = if fixed_only { FIXED } else { PORTS };
    let mut objects = Map::new();
    let mut objs = Vec::new();
    for i in 0..range(&mut u, 1, 3) {
        let kind = pick(&mut u, kinds);
        let name = format!("o{i}");
        objects.insert(name.clone(), decl(&mut u, kind));
        objs.push((name, kind));
    }
    let mut threads = Map::new();
    let mut tag = 0;
    for t in 0..range(&mut u, 1, 3) {
        let mut body = Vec::new();
        for _ in 0..range(&mut u, 1, 5) {
            let (name, kind) = &objs[range(&mut u, 0, objs.len() as i64 - 1) as usize];
            let mut v = op(&mut u, name, *kind, tag);
            tag += 1;
            // Goroutines started by several threads, at any depth: `go` wraps the op in a
            // spawned thread (itself possibly spawned).
            for _ in 0..range(&mut u, 0, 3).saturating_sub(1) {
                v = json!({ "op": "spawn", "thread": format!("g{t}"), "body": [v] });
            }
            body.push(v);
        }
        threads.insert(format!("t{t}"), Value::Array(body));
    }
    // Up to two fault rules on ops the threads run, searched by the decision bytes: a fixed
    // structure must also survive a panic or a kill inside its methods and a forced switch.
    let mut faults = Vec::new();
    for _ in 0..range(&mut u, 0, 2) {
        let t = range(&mut u, 0, threads.len() as i64 - 1);
        let mut thread = format!("t{t}");
        let ops = threads[&format!("t{t}")]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let Some(mut opv) = ops.get(range(&mut u, 0, ops.len() as i64 - 1) as usize) else {
            continue;
        };
        while opv["op"] == "spawn" {
            opv = &opv["body"][0];
            thread = format!("g{t}");
        }
        let kind = pick(&mut u, &["panic", "kill", "preempt"]);
        faults.push(json!({ "fault": kind, "thread": thread, "op": opv["op"] }));
    }
    let mut source = json!({
        "schema": "hazard/scenario/v1",
        "name": if fixed_only { "ops-fixed" } else { "ops-ports" },
        "objects": objects,
        "threads": threads,
        "expect": { "passes": true },
    });
    if !faults.is_empty() {
        source["faults"] = Value::Array(faults);
        source["explore"] = json!({ "faults": "explore" });
    }
    Some(Generated {
        source,
        fixed_only,
        consumed: data.len() - u.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::fuzz::Rng;

    /// Valid by construction: thousands of random inputs all load, and many spawn goroutines
    /// from several threads.
    #[test]
    fn every_generated_scenario_loads() {
        let mut rng = Rng::new(7);
        let mut families = [0, 0];
        let mut several_spawners = 0;
        for _ in 0..3000 {
            let n = 1 + rng.below(200);
            let data: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            let g = generate(&data).expect("non-empty input");
            families[g.fixed_only as usize] += 1;
            if let Err(e) = crate::scenario::load_value(&g.source, "ops") {
                panic!("{e}\n{}", serde_json::to_string_pretty(&g.source).unwrap());
            }
            assert!(g.consumed <= data.len());
            let spawners = g.source["threads"]
                .as_object()
                .unwrap()
                .values()
                .filter(|ops| ops.to_string().contains(r#""op":"spawn""#))
                .count();
            several_spawners += usize::from(spawners >= 2);
        }
        assert!(families[0] > 1000 && families[1] > 1000, "{families:?}");
        assert!(
            several_spawners > 300,
            "{several_spawners} of 3000 spawn from two threads or more"
        );
    }
}
