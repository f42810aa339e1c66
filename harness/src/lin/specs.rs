//! The built-in sequential specifications, over JSON values: register, counter, set, map,
//! FIFO queue, LIFO stack, deque. Operation names follow the structures that use them (Go's
//! `sync.Map` and `atomic` names, and the usual container names), so one specification
//! serves several structures.

use super::Model;
use serde_json::{json, Value};
use std::collections::VecDeque;

/// Which sequential object a specification describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecKind {
    /// One value: `read`/`load`/`get` → the value; `write`/`store`/`set`(v) → null;
    /// `swap`(v) → the old value; `cas`/`compare_and_swap`(old, new) → whether it swapped;
    /// on an integer, `add_and_get`(n) → the new value, `get_and_add`/`fetch_add`(n) → the
    /// old one.
    Register,
    /// An integer from 0: `add`(n), `inc`, `dec` → null; `get`/`load`/`read` → the value;
    /// `add_and_get`(n) → the new value; `get_and_add`/`fetch_add`(n) → the old one.
    Counter,
    /// `add`/`insert`(x) → whether x was new; `remove`/`delete`(x) → whether it was there;
    /// `contains`/`has`(x) → whether it is there. Checked per element.
    Set,
    /// Keys to values, checked per key: `store`/`set`/`put`(k, v) → null; `load`/`get`(k) →
    /// the value or null; `delete`(k) → null; `load_or_store`(k, v) → [value, loaded];
    /// `load_and_delete`(k) → [value, loaded]; `swap`(k, v) → [previous, loaded];
    /// `compare_and_swap`(k, old, new) and `compare_and_delete`(k, old) → whether they did.
    Map,
    /// First in, first out: `push`/`enqueue`/`send`/`push_back`(v) → null;
    /// `pop`/`dequeue`/`recv`/`pop_front` → the oldest value, or null when empty.
    Queue,
    /// Last in, first out: `push`(v) → null; `pop` → the newest value, or null when empty.
    Stack,
    /// `push_front`/`push_back`(v) → null; `pop_front`/`pop_back` → the value, or null.
    Deque,
}

/// Every built-in specification by the name `expect.linearizable` gives it.
pub const SPECS: &[(&str, SpecKind)] = &[
    ("register", SpecKind::Register),
    ("counter", SpecKind::Counter),
    ("set", SpecKind::Set),
    ("map", SpecKind::Map),
    ("queue", SpecKind::Queue),
    ("stack", SpecKind::Stack),
    ("deque", SpecKind::Deque),
];

/// The specification called `name`, if there is one.
pub fn spec_named(name: &str) -> Option<SpecKind> {
    SPECS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

impl SpecKind {
    pub fn name(self) -> &'static str {
        SPECS
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// A built-in specification with the object's contents before the history: for a register
/// its value, a counter its number, a set or a sequence an array (sequences in the order the
/// values were added), a map an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub kind: SpecKind,
    pub initial: Value,
}

impl Spec {
    pub fn new(kind: SpecKind) -> Spec {
        Spec {
            kind,
            initial: Value::Null,
        }
    }
    pub fn with_initial(kind: SpecKind, initial: Value) -> Spec {
        Spec { kind, initial }
    }
}

/// A value as the states hold it: its JSON text (hashable, and equal exactly when the values
/// are).
fn text(v: &Value) -> String {
    v.to_string()
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

/// The state of a built-in specification (of one key's part, for those checked per key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum State {
    /// A register's value, or the value at one map key (`None`: absent).
    Cell(Option<String>),
    Int(i64),
    /// Whether one element is in a set.
    Member(bool),
    Seq(VecDeque<String>),
}

fn arg(args: &[Value], i: usize, op: &str) -> Result<Value, String> {
    args.get(i)
        .cloned()
        .ok_or_else(|| format!("`{op}` takes at least {} argument(s)", i + 1))
}

fn int(v: &Value, op: &str) -> Result<i64, String> {
    v.as_i64()
        .ok_or_else(|| format!("`{op}` takes an integer, got {v}"))
}

impl Model for Spec {
    type State = State;

    fn init(&self, key: Option<&str>) -> State {
        match self.kind {
            SpecKind::Register => State::Cell(Some(text(&self.initial))),
            SpecKind::Counter => State::Int(self.initial.as_i64().unwrap_or(0)),
            SpecKind::Set => {
                let there = key.is_some_and(|k| {
                    self.initial
                        .as_array()
                        .is_some_and(|a| a.iter().any(|v| text(v) == k))
                });
                State::Member(there)
            }
            SpecKind::Map => State::Cell(key.and_then(|k| {
                self.initial
                    .as_object()
                    .and_then(|m| m.get(&key_text_to_map_key(k)).map(text))
            })),
            SpecKind::Queue | SpecKind::Stack | SpecKind::Deque => State::Seq(
                self.initial
                    .as_array()
                    .map(|a| a.iter().map(text).collect())
                    .unwrap_or_default(),
            ),
        }
    }

    fn key(&self, _op: &str, args: &[Value]) -> Option<String> {
        match self.kind {
            // Every operation of these names its element or key first.
            SpecKind::Set | SpecKind::Map => args.first().map(text),
            _ => None,
        }
    }

    fn step(&self, state: &State, op: &str, args: &[Value]) -> Result<(Value, State), String> {
        let unknown = || {
            format!(
                "the {} specification has no operation `{op}`",
                self.kind.name()
            )
        };
        match (self.kind, state) {
            (SpecKind::Register, State::Cell(cur)) => {
                let now = cur.as_deref().map(parse).unwrap_or(Value::Null);
                match op {
                    "read" | "load" | "get" => Ok((now, state.clone())),
                    "write" | "store" | "set" => {
                        let v = arg(args, 0, op)?;
                        Ok((Value::Null, State::Cell(Some(text(&v)))))
                    }
                    "swap" => {
                        let v = arg(args, 0, op)?;
                        Ok((now, State::Cell(Some(text(&v)))))
                    }
                    "cas" | "compare_and_swap" => {
                        let (old, new) = (arg(args, 0, op)?, arg(args, 1, op)?);
                        if now == old {
                            Ok((json!(true), State::Cell(Some(text(&new)))))
                        } else {
                            Ok((json!(false), state.clone()))
                        }
                    }
                    // An integer register also adds (Go's atomic.Int64).
                    "add_and_get" | "get_and_add" | "fetch_add" => {
                        let d = int(&arg(args, 0, op)?, op)?;
                        let n = int(&now, op)?;
                        let sum = json!(n.wrapping_add(d));
                        let out = if op == "add_and_get" {
                            sum.clone()
                        } else {
                            now
                        };
                        Ok((out, State::Cell(Some(text(&sum)))))
                    }
                    _ => Err(unknown()),
                }
            }
            (SpecKind::Counter, State::Int(n)) => {
                let n = *n;
                match op {
                    "get" | "load" | "read" => Ok((json!(n), state.clone())),
                    "inc" => Ok((Value::Null, State::Int(n.wrapping_add(1)))),
                    "dec" => Ok((Value::Null, State::Int(n.wrapping_sub(1)))),
                    "add" => {
                        let d = int(&arg(args, 0, op)?, op)?;
                        Ok((Value::Null, State::Int(n.wrapping_add(d))))
                    }
                    "add_and_get" => {
                        let d = int(&arg(args, 0, op)?, op)?;
                        Ok((json!(n.wrapping_add(d)), State::Int(n.wrapping_add(d))))
                    }
                    "get_and_add" | "fetch_add" => {
                        let d = int(&arg(args, 0, op)?, op)?;
                        Ok((json!(n), State::Int(n.wrapping_add(d))))
                    }
                    _ => Err(unknown()),
                }
            }
            (SpecKind::Set, State::Member(there)) => {
                let there = *there;
                arg(args, 0, op)?;
                match op {
                    "add" | "insert" => Ok((json!(!there), State::Member(true))),
                    "remove" | "delete" => Ok((json!(there), State::Member(false))),
                    "contains" | "has" => Ok((json!(there), state.clone())),
                    _ => Err(unknown()),
                }
            }
            (SpecKind::Map, State::Cell(cur)) => {
                arg(args, 0, op)?;
                let now = cur.as_deref().map(parse);
                let shown = now.clone().unwrap_or(Value::Null);
                let loaded = now.is_some();
                match op {
                    "load" | "get" => Ok((shown, state.clone())),
                    "store" | "set" | "put" => {
                        let v = arg(args, 1, op)?;
                        Ok((Value::Null, State::Cell(Some(text(&v)))))
                    }
                    "delete" | "remove" => Ok((Value::Null, State::Cell(None))),
                    "load_or_store" => {
                        let v = arg(args, 1, op)?;
                        if loaded {
                            Ok((json!([shown, true]), state.clone()))
                        } else {
                            Ok((json!([v, false]), State::Cell(Some(text(&v)))))
                        }
                    }
                    "load_and_delete" => Ok((json!([shown, loaded]), State::Cell(None))),
                    "swap" => {
                        let v = arg(args, 1, op)?;
                        Ok((json!([shown, loaded]), State::Cell(Some(text(&v)))))
                    }
                    "compare_and_swap" => {
                        let (old, new) = (arg(args, 1, op)?, arg(args, 2, op)?);
                        if loaded && shown == old {
                            Ok((json!(true), State::Cell(Some(text(&new)))))
                        } else {
                            Ok((json!(false), state.clone()))
                        }
                    }
                    "compare_and_delete" => {
                        let old = arg(args, 1, op)?;
                        if loaded && shown == old {
                            Ok((json!(true), State::Cell(None)))
                        } else {
                            Ok((json!(false), state.clone()))
                        }
                    }
                    _ => Err(unknown()),
                }
            }
            (SpecKind::Queue | SpecKind::Stack | SpecKind::Deque, State::Seq(q)) => {
                let mut q = q.clone();
                // Where each operation puts and takes: the back is where values arrive.
                let put_back = |q: &mut VecDeque<String>| -> Result<Value, String> {
                    q.push_back(text(&arg(args, 0, op)?));
                    Ok(Value::Null)
                };
                let out = match (self.kind, op) {
                    (SpecKind::Queue, "push" | "enqueue" | "send" | "push_back")
                    | (SpecKind::Stack, "push")
                    | (SpecKind::Deque, "push_back") => put_back(&mut q)?,
                    (SpecKind::Deque, "push_front") => {
                        q.push_front(text(&arg(args, 0, op)?));
                        Value::Null
                    }
                    (SpecKind::Queue, "pop" | "dequeue" | "recv" | "pop_front")
                    | (SpecKind::Deque, "pop_front") => {
                        q.pop_front().map(|s| parse(&s)).unwrap_or(Value::Null)
                    }
                    (SpecKind::Stack, "pop") | (SpecKind::Deque, "pop_back") => {
                        q.pop_back().map(|s| parse(&s)).unwrap_or(Value::Null)
                    }
                    _ => return Err(unknown()),
                };
                Ok((out, State::Seq(q)))
            }
            _ => Err(unknown()),
        }
    }
}

/// A map key as the states name it (its JSON text) back to an object key of `initial`:
/// string keys are quoted in their text.
fn key_text_to_map_key(k: &str) -> String {
    match parse(k) {
        Value::String(s) => s,
        _ => k.to_string(),
    }
}
