//! The `ops` target's *language* family: scenarios written with the constructs of the
//! language rather than single port ops — `for` loops with `break`, `if`/`else` on
//! expressions, `select`, `range` over a channel, procs with parameters and results,
//! channels made at run time, struct fields assigned under their mutex, `sync.Cond`,
//! `rand`, goroutines started in loops. Valid by construction like [`super::gen`]; Go's
//! documented failures (a deadlock, a panic, a leak, a livelock) are expected outcomes, and
//! only a harness panic or an internal error is a bug.
//!
//! Inputs select this family with the prefix [`PREFIX`], so the bytes of the original
//! families keep their meaning (the fuzz corpus stays valid) while this one grows.

use arbitrary::Unstructured;
use serde_json::{json, Map, Value};

/// The first bytes of an input of this family.
pub const PREFIX: &[u8] = b"\xffL";
/// The prefix of version 2, which adds statements (collections of structs, computed indices,
/// cond fields, a map of structs filled lazily) and leaves version 1's inputs their meaning.
pub const PREFIX_V2: &[u8] = b"\xffM";
/// The prefix of version 3 (version 2's statements, and shared memory: a package-level `g`
/// and a `shared` variable `c` that goroutines capture, every access under the mutex `gmu`
/// that nothing else touches). A data race on `g` or `c` is then a false race: a bug.
pub const PREFIX_V3: &[u8] = b"\xffN";

/// Most statements in one body, and the nesting depth of bodies.
const MAX_BODY: i64 = 4;
const MAX_DEPTH: usize = 3;

struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    /// Makes loop counters and goroutine names unique.
    tag: usize,
    /// Version 2's statements too.
    v2: bool,
    /// Version 3's statements too (shared memory under `gmu`).
    v3: bool,
}

/// Where a statement is written: which int variables it may read and assign, and whether a
/// `break` has a loop to leave.
#[derive(Clone, Copy)]
struct Scope<'s> {
    vars: &'s [&'static str],
    in_loop: bool,
    /// In a proc body: no goroutine bodies (they would need the thread's variables).
    in_proc: bool,
    depth: usize,
}

impl Gen<'_, '_> {
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.range(0, from.len() as i64 - 1) as usize]
    }
    fn next_tag(&mut self) -> usize {
        self.tag += 1;
        self.tag
    }

    /// An int expression over `vars`: literals, variables, `+ - * / %` (a zero divisor is
    /// Go's run-time panic, an expected outcome).
    fn expr(&mut self, vars: &[&str], depth: usize) -> String {
        match self.range(0, if depth >= 2 { 1 } else { 3 }) {
            0 => self.range(0, 9).to_string(),
            1 => self.pick(vars).to_string(),
            _ => {
                let op = self.pick(&["+", "-", "*", "/", "%"]);
                let (a, b) = (self.expr(vars, depth + 1), self.expr(vars, depth + 1));
                format!("({a} {op} {b})")
            }
        }
    }

    /// A boolean expression: comparisons joined by `&&`, `||`, `!`.
    fn cond(&mut self, vars: &[&str], depth: usize) -> String {
        match self.range(0, if depth >= 1 { 0 } else { 2 }) {
            0 => {
                let op = self.pick(&["<", "<=", "==", "!=", ">", ">="]);
                let (a, b) = (self.expr(vars, 1), self.expr(vars, 1));
                format!("{a} {op} {b}")
            }
            1 => {
                let op = self.pick(&["&&", "||"]);
                let (a, b) = (self.cond(vars, depth + 1), self.cond(vars, depth + 1));
                format!("({a}) {op} ({b})")
            }
            _ => format!("!({})", self.cond(vars, depth + 1)),
        }
    }

    fn body(&mut self, sc: Scope<'_>) -> Vec<Value> {
        if sc.depth >= MAX_DEPTH {
            return Vec::new();
        }
        let n = self.range(0, MAX_BODY);
        (0..n).map(|_| self.stmt(sc)).collect()
    }

    fn inner(sc: Scope<'_>) -> Scope<'_> {
        Scope {
            depth: sc.depth + 1,
            ..sc
        }
    }

    fn stmt(&mut self, sc: Scope<'_>) -> Value {
        let v = self.pick(sc.vars);
        let deeper = Self::inner(sc);
        let last = match (self.v2, self.v3) {
            (_, true) => 28,
            (true, false) => 25,
            _ => 21,
        };
        match self.range(0, last) {
            0 => json!({ "op": "let", "var": v, "expr": self.expr(sc.vars, 0) }),
            1 => {
                let cond = self.cond(sc.vars, 0);
                json!({ "op": "if", "cond": cond, "then": self.body(deeper), "else": self.body(deeper) })
            }
            2 => {
                // A counted `for`: the counter is the loop's own, so the body cannot make it
                // endless; `break` may leave it early.
                let i = format!("i{}", self.next_tag());
                let k = self.range(0, 3);
                let mut body = self.body(Scope {
                    in_loop: true,
                    ..deeper
                });
                body.push(json!({ "op": "let", "var": i, "expr": format!("{i} + 1") }));
                json!({ "op": "do_block", "body": [
                    { "op": "let", "var": i, "value": 0 },
                    { "op": "for", "cond": format!("{i} < {k}"), "body": body }
                ] })
            }
            3 => {
                let times = self.range(1, 3);
                json!({ "op": "repeat", "times": times, "body": self.body(Scope { in_loop: true, ..deeper }) })
            }
            4 if sc.in_loop => {
                let cond = self.cond(sc.vars, 0);
                let exit = self.pick(&["break", "continue"]);
                json!({ "op": "if", "cond": cond, "then": [ { "op": exit } ] })
            }
            5 => {
                let mut cases = vec![
                    json!({ "case": "recv", "obj": "ch", "into": v, "body": self.body(deeper) }),
                ];
                if self.range(0, 1) == 1 {
                    let e = self.expr(sc.vars, 0);
                    cases.push(json!({ "case": "send", "obj": "ch", "value": { "expr": e } }));
                }
                match self.range(0, 3) {
                    0 => cases.push(json!({ "case": "default" })),
                    1 => cases.push(json!({ "case": "recv", "obj": "s.done" })),
                    2 => cases.push(json!({ "case": "after", "after": "10ms" })),
                    _ => {}
                }
                json!({ "op": "select", "cases": cases })
            }
            6 => json!({ "op": "send", "obj": "ch", "value": { "expr": self.expr(sc.vars, 0) } }),
            7 => json!({ "op": "recv", "obj": "ch", "into": v }),
            8 => json!({ "op": "close", "obj": self.pick(&["ch", "s.done"]) }),
            9 => {
                // sync.Cond, used as Go's documentation says (Wait in a loop under L) or not.
                let call = self.pick(&["wait", "signal", "broadcast"]);
                let cond = self.cond(sc.vars, 0);
                match self.range(0, 2) {
                    0 => json!({ "op": "do_block", "body": [
                        { "op": "lock", "obj": "mu" },
                        { "op": "for", "cond": cond, "body": [ { "op": "wait", "obj": "cv" } ] },
                        { "op": "unlock", "obj": "mu" }
                    ] }),
                    1 => json!({ "op": "do_block", "body": [
                        { "op": "lock", "obj": "mu" },
                        { "op": call, "obj": "cv" },
                        { "op": "unlock", "obj": "mu" }
                    ] }),
                    _ => json!({ "op": call, "obj": "cv" }),
                }
            }
            10 => {
                let e = self.expr(&["s.n"], 0);
                json!({ "op": "do_block", "body": [
                    { "op": "lock", "obj": "s.mu" },
                    { "op": "assign", "obj": "s.n", "value": { "expr": e } },
                    { "op": "unlock", "obj": "s.mu" }
                ] })
            }
            11 => json!({ "op": "let", "var": v, "expr": "s.n" }),
            12 => {
                // A channel made here, handed to a goroutine that answers on it once.
                let t = self.next_tag();
                let c = format!("c{t}");
                let cap = self.range(0, 1);
                let e = self.expr(sc.vars, 0);
                let mut ops = vec![
                    json!({ "op": "new", "into": c, "object": { "kind": "chan", "cap": cap } }),
                ];
                if !sc.in_proc {
                    ops.push(
                        json!({ "op": "spawn", "thread": format!("reply{t}"), "body": [
                        { "op": "send", "obj": c, "value": { "expr": e } }
                    ] }),
                    );
                }
                ops.push(match self.range(0, 2) {
                    0 => json!({ "op": "recv", "obj": c, "into": v }),
                    1 => json!({ "op": "select", "cases": [
                        { "case": "recv", "obj": c, "into": v },
                        { "case": "after", "after": "5ms" }
                    ] }),
                    _ => json!({ "op": "assign", "obj": "s.done", "value": { "var": c } }),
                });
                json!({ "op": "do_block", "body": ops })
            }
            13 => json!({ "op": "assign", "obj": "s.done", "value": null }),
            14 if !sc.in_proc => {
                let e = self.expr(sc.vars, 0);
                json!({ "op": "call", "proc": "work", "args": [ { "expr": e } ], "into": [ v ] })
            }
            15 if !sc.in_proc => {
                let t = self.next_tag();
                let body = self.body(Scope {
                    in_loop: false,
                    ..deeper
                });
                let mut gbody =
                    vec![json!({ "op": "defer", "body": [ { "op": "done", "obj": "wg" } ] })];
                gbody.extend(body);
                json!({ "op": "do_block", "body": [
                    { "op": "add", "obj": "wg", "delta": 1 },
                    { "op": "spawn", "thread": format!("g{t}"), "body": gbody }
                ] })
            }
            16 => json!({ "op": "rand", "n": self.range(1, 3), "into": v }),
            17 => {
                let key = self.pick(&["a", "b"]);
                if self.range(0, 1) == 0 {
                    json!({ "op": "set", "obj": "m", "key": key, "value": { "expr": self.expr(sc.vars, 0) } })
                } else {
                    json!({ "op": "get", "obj": "m", "key": key, "into": v })
                }
            }
            18 => json!({ "op": self.pick(&["done", "wait"]), "obj": "wg" }),
            19 => {
                let cond = self.cond(&["x"], 0);
                json!({ "op": "range", "obj": "ch", "value": "x", "body": [
                    { "op": "if", "cond": cond, "then": [ { "op": "break" } ] }
                ] })
            }
            20 => json!({ "op": "lock", "obj": "mu" }),
            22 if !sc.in_proc => {
                // `workers := []*Worker{}`, one goroutine per worker, then every worker's
                // done channel through the slice.
                let t = self.next_tag();
                let (ws, w) = (format!("ws{t}"), format!("w{t}"));
                let k = self.range(1, 3);
                json!({ "op": "do_block", "body": [
                    { "op": "new", "into": ws, "object": { "kind": "slice", "elem": "struct" } },
                    { "op": "repeat", "times": k, "body": [
                        { "op": "new", "into": w, "object": { "kind": "struct", "fields": WORKER.clone() } },
                        { "op": "append", "obj": ws, "values": [ { "var": w } ], "to": ws },
                        { "op": "spawn", "thread": format!("worker{t}"), "body": [
                            { "op": "lock", "obj": format!("{w}.mu") },
                            { "op": "assign", "obj": format!("{w}.n"), "value": { "expr": format!("{w}.n + 1") } },
                            { "op": "unlock", "obj": format!("{w}.mu") },
                            { "op": "close", "obj": format!("{w}.done") }
                        ] }
                    ] },
                    { "op": "range", "obj": ws, "value": w, "body": [
                        { "op": "recv", "obj": format!("{w}.done") }
                    ] }
                ] })
            }
            23 => {
                // A computed index (out of range is Go's panic, an expected outcome).
                let e = self.expr(sc.vars, 0);
                if self.range(0, 1) == 0 {
                    json!({ "op": "index", "obj": "sl", "index": { "expr": format!("{e} % 4") }, "into": v })
                } else {
                    let x = self.expr(sc.vars, 0);
                    json!({ "op": "store", "obj": "sl", "index": { "expr": format!("{e} % 4") }, "value": { "expr": x } })
                }
            }
            24 => {
                // The struct's own cond, with its sibling mutex as L.
                let call = self.pick(&["signal", "broadcast"]);
                let cond = self.cond(&["s.n"], 0);
                if self.range(0, 1) == 0 {
                    json!({ "op": "do_block", "body": [
                        { "op": "lock", "obj": "s.mu" },
                        { "op": "for", "cond": cond, "body": [ { "op": "wait", "obj": "s.cv" } ] },
                        { "op": "unlock", "obj": "s.mu" }
                    ] })
                } else {
                    json!({ "op": "do_block", "body": [
                        { "op": "lock", "obj": "s.mu" },
                        { "op": "assign", "obj": "s.n", "value": { "expr": "s.n + 1" } },
                        { "op": call, "obj": "s.cv" },
                        { "op": "unlock", "obj": "s.mu" }
                    ] })
                }
            }
            25 => {
                // `map[string]*Worker` filled lazily under mu (or not: Go's map checks).
                let t = self.next_tag();
                let c = format!("c{t}");
                let key = self.pick(&["a", "b"]);
                let guarded = self.range(0, 1) == 0;
                let mut ops = Vec::new();
                if guarded {
                    ops.push(json!({ "op": "lock", "obj": "mu" }));
                }
                ops.push(json!({ "op": "get", "obj": "reg", "key": key, "into": c, "ok": format!("ok{t}") }));
                ops.push(json!({ "op": "if", "cond": format!("!ok{t}"), "then": [
                    { "op": "new", "into": c, "object": { "kind": "struct", "fields": WORKER.clone() } },
                    { "op": "set", "obj": "reg", "key": key, "value": { "var": c } }
                ] }));
                if guarded {
                    ops.push(json!({ "op": "unlock", "obj": "mu" }));
                }
                ops.push(json!({ "op": "lock", "obj": format!("{c}.mu") }));
                ops.push(json!({ "op": "assign", "obj": format!("{c}.n"), "value": { "expr": format!("{c}.n + 1") } }));
                ops.push(json!({ "op": "unlock", "obj": format!("{c}.mu") }));
                json!({ "op": "do_block", "body": ops })
            }
            26 => {
                // g += e under gmu; e is computed first, so a panic in it holds no lock.
                let t = format!("e{}", self.next_tag());
                let e = self.expr(sc.vars, 0);
                json!({ "op": "do_block", "body": [
                    { "op": "let", "var": t, "expr": e },
                    { "op": "lock", "obj": "gmu" },
                    { "op": "let", "var": "g", "expr": format!("g + {t}") },
                    { "op": "unlock", "obj": "gmu" }
                ] })
            }
            27 => {
                let from = if sc.in_proc {
                    "g"
                } else {
                    self.pick(&["g", "c"])
                };
                json!({ "op": "do_block", "body": [
                    { "op": "lock", "obj": "gmu" },
                    { "op": "let", "var": v, "expr": from },
                    { "op": "unlock", "obj": "gmu" }
                ] })
            }
            28 if !sc.in_proc => {
                // A goroutine bumping the captured `c` (and `g`) under gmu.
                let t = self.next_tag();
                json!({ "op": "spawn", "thread": format!("bump{t}"), "body": [
                    { "op": "lock", "obj": "gmu" },
                    { "op": "let", "var": "c", "expr": "c + 1" },
                    { "op": "let", "var": "g", "expr": "g + c" },
                    { "op": "unlock", "obj": "gmu" }
                ] })
            }
            _ => json!({ "op": "unlock", "obj": "mu" }),
        }
    }
}

/// Replace each `do_block` pseudo-op by its body, in place: a generated statement may be
/// several ops in a row.
fn flatten(ops: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for mut op in ops {
        if op["op"] == "do_block" {
            let body = op["body"].take();
            out.extend(flatten(body.as_array().cloned().unwrap_or_default()));
            continue;
        }
        if let Value::Object(m) = &mut op {
            for field in ["body", "then", "else"] {
                if let Some(Value::Array(b)) = m.get_mut(field) {
                    *b = flatten(std::mem::take(b));
                }
            }
            if let Some(Value::Array(cases)) = m.get_mut("cases") {
                for c in cases {
                    if let Some(Value::Array(b)) = c.get_mut("body") {
                        *b = flatten(std::mem::take(b));
                    }
                }
            }
        }
        out.push(op);
    }
    out
}

/// The fields of version 2's worker structs (one declaration, so one Go type).
static WORKER: std::sync::LazyLock<Value> = std::sync::LazyLock::new(
    || json!({ "mu": { "kind": "mutex" }, "done": { "kind": "chan" }, "n": 0 }),
);

/// A scenario of this family from `data` (after [`PREFIX`], [`PREFIX_V2`] or [`PREFIX_V3`]:
/// `version` 1, 2 or 3), and the bytes it read.
pub fn generate(data: &[u8], version: u8) -> (Value, usize) {
    let (v2, v3) = (version >= 2, version >= 3);
    let mut u = Unstructured::new(data);
    let mut g = Gen {
        u: &mut u,
        tag: 0,
        v2,
        v3,
    };
    let cap = g.range(0, 2);
    let proc_sc = Scope {
        vars: &["x", "r"],
        in_loop: false,
        in_proc: true,
        depth: 1,
    };
    let mut work = vec![json!({ "op": "let", "var": "r", "expr": "x" })];
    work.extend(g.body(proc_sc));
    if g.range(0, 1) == 1 {
        let e = g.expr(&["x", "r"], 0);
        work.push(json!({ "op": "return", "values": [ { "expr": e } ] }));
    }
    let mut threads = Map::new();
    for t in 0..g.range(1, 3) {
        let sc = Scope {
            vars: &["a", "b"],
            in_loop: false,
            in_proc: false,
            depth: 0,
        };
        let a = g.range(0, 3);
        let mut body = vec![
            json!({ "op": "let", "var": "a", "value": a }),
            json!({ "op": "let", "var": "b", "value": t }),
        ];
        if v3 {
            body.push(json!({ "op": "let", "var": "c", "value": 0, "shared": true }));
        }
        body.extend(g.body(sc));
        threads.insert(format!("t{t}"), Value::Array(flatten(body)));
    }
    let mut source = json!({
        "schema": "hazard/scenario/v1",
        "name": "ops-language",
        "objects": {
            "mu": { "kind": "mutex" },
            "cv": { "kind": "cond", "locker": "mu" },
            "ch": { "kind": "chan", "cap": cap },
            "wg": { "kind": "waitgroup" },
            "m": { "kind": "map", "value_type": "int" },
            "s": { "kind": "struct", "fields": {
                "mu": { "kind": "mutex" },
                "done": { "kind": "chan" },
                "n": 0
            } }
        },
        "procs": { "work": { "params": ["x"], "results": ["r"], "body": flatten(work) } },
        "threads": threads,
        "expect": { "passes": true },
        "explore": { "max_steps": 2000 }
    });
    if v2 {
        let objs = &mut source["objects"];
        objs["sl"] = json!({ "kind": "slice", "elems": [1, 2, 3] });
        objs["reg"] = json!({ "kind": "map", "value_type": "struct" });
        objs["s"]["fields"]["cv"] = json!({ "kind": "cond", "locker": "mu" });
    }
    if v3 {
        source["objects"]["gmu"] = json!({ "kind": "mutex" });
        source["vars"] = json!({ "g": 0 });
    }
    let consumed = data.len() - u.len();
    (source, consumed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::fuzz::Rng;

    /// How many of 3000 random inputs of a version give a scenario containing each text.
    fn census(version: u8, seed: u64, texts: &[&'static str]) -> Vec<(&'static str, usize)> {
        let mut rng = Rng::new(seed);
        let mut seen = vec![0; texts.len()];
        for _ in 0..3000 {
            let n = 1 + rng.below(300);
            let data: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            let (source, consumed) = generate(&data, version);
            assert!(consumed <= data.len());
            if let Err(e) = crate::scenario::load_value(&source, "ops") {
                panic!("{e}\n{}", serde_json::to_string_pretty(&source).unwrap());
            }
            let text = source.to_string();
            for (i, t) in texts.iter().enumerate() {
                seen[i] += usize::from(text.contains(t));
            }
        }
        texts.iter().copied().zip(seen).collect()
    }

    /// Valid by construction: thousands of random inputs of each version all load, and they
    /// use the constructs the family exists for.
    #[test]
    fn every_generated_scenario_loads_and_uses_the_language() {
        let ops = [
            r#""op":"for""#,
            r#""op":"select""#,
            r#""op":"range""#,
            r#""op":"call""#,
            r#""op":"spawn""#,
            r#""op":"new""#,
            r#""op":"assign""#,
            r#""op":"wait""#,
            r#""op":"rand""#,
            r#""op":"break""#,
            r#""op":"continue""#,
        ];
        for (text, n) in census(1, 11, &ops) {
            assert!(n > 50, "v1: {text} in {n} of 3000");
        }
        let v2 = [
            r#""elem":"struct""#,
            r#""obj":"sl""#,
            r#""obj":"s.cv""#,
            r#""obj":"reg""#,
        ];
        for (text, n) in census(2, 13, &v2) {
            assert!(n > 50, "v2: {text} in {n} of 3000");
        }
        for (text, n) in census(1, 11, &v2) {
            assert_eq!(n, 0, "v1 generates {text}");
        }
        let v3 = [
            r#""obj":"gmu""#,
            r#""expr":"g + c""#,
            r#""shared":true"#,
            r#""expr":"c""#,
        ];
        for (text, n) in census(3, 17, &v3) {
            assert!(n > 50, "v3: {text} in {n} of 3000");
        }
        for (text, n) in census(2, 13, &v3) {
            assert_eq!(n, 0, "v2 generates {text}");
        }
    }

    /// Through the `ops` target: generated, run with the rest as decisions, and never a
    /// harness failure.
    #[test]
    fn generated_scenarios_run_without_a_harness_failure() {
        let mut rng = Rng::new(12);
        for prefix in [PREFIX, PREFIX_V2, PREFIX_V3] {
            for _ in 0..300 {
                let n = 1 + rng.below(300);
                let mut data = prefix.to_vec();
                data.extend((0..n).map(|_| rng.next() as u8));
                if let Err(v) = crate::targets::ops_check(&data) {
                    panic!("{v}");
                }
            }
        }
    }
}
