//! Scenario values: the small subset of Go values that scenarios move through maps and channels.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A Go value as scenarios write it: `null` (Go's `nil`), a bool, an integer or a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Value {
    /// `nil`, also the zero value of an element type declared `any`.
    Nil,
    /// A `bool`.
    Bool(bool),
    /// An `int` (64-bit).
    Int(i64),
    /// A `string`.
    Str(String),
    /// A reference to an object made at run time or held in a variable (a channel, a
    /// `*sync.Mutex`, a map, ...): its index among the execution's objects. Never written in
    /// a scenario file; reports show it as `&obj#<index>`.
    #[serde(serialize_with = "obj_ref")]
    Obj(u32),
}

fn obj_ref<S: serde::Serializer>(o: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("&obj#{o}"))
}

/// What a scenario may write where a value goes (error messages name the accepted types).
pub const VALUE_TYPES: &str = "a value (null, a boolean, an integer or a string)";

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(VALUE_TYPES)
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Nil)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Nil)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
                Ok(Value::Int(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Value, E> {
                i64::try_from(n).map(Value::Int).map_err(|_| {
                    E::invalid_value(
                        serde::de::Unexpected::Unsigned(n),
                        &"an integer that fits in 64 bits (Go's int)",
                    )
                })
            }
            fn visit_str<E>(self, s: &str) -> Result<Value, E> {
                Ok(Value::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Value, E> {
                Ok(Value::Str(s))
            }
        }
        d.deserialize_any(V)
    }
}

impl Value {
    /// Go's truthiness is strict (only `bool`), but scenario conditions accept any value:
    /// `nil`, `false`, `0` and `""` are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Str(s) => !s.is_empty(),
            Value::Obj(_) => true,
        }
    }

    /// The value as Go's `%v` would print it, strings quoted (`"a"`); used in traces.
    pub fn quoted(&self) -> String {
        match self {
            Value::Str(s) => format!("{s:?}"),
            other => other.to_string(),
        }
    }
}

/// Go's `%v`: `<nil>`, `true`, `42`, `text`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("<nil>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => f.write_str(s),
            Value::Obj(o) => write!(f, "&obj#{o}"),
        }
    }
}

/// The element type of a channel or the value type of a map: decides the zero value that a
/// receive from a closed channel or a read of a missing key returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ElemType {
    /// `int`: zero value `0`.
    #[default]
    Int,
    /// `string`: zero value `""`.
    String,
    /// `bool`: zero value `false`.
    Bool,
    /// `any` (an interface): zero value `nil`.
    Any,
    /// `chan T` (a channel of channels: its values are channels), zero value `nil`.
    Chan,
    /// `*sync.Mutex`, zero value `nil`.
    Mutex,
    /// `*sync.RWMutex`, zero value `nil`.
    Rwmutex,
    /// `*sync.WaitGroup`, zero value `nil`.
    Waitgroup,
    /// `map[K]V`, zero value `nil`.
    Map,
    /// `[]T`, zero value `nil`.
    Slice,
    /// `*T` for a struct type T, zero value `nil`: `[]*Worker`, `map[string]*Conn`, `chan
    /// *Request`. Which struct is what the scenario stores in it (`new` of one declaration).
    Struct,
}

impl ElemType {
    /// The object kind a value of this type refers to, for the reference types.
    pub fn object(self) -> Option<crate::base::ObjKind> {
        use crate::base::ObjKind as K;
        Some(match self {
            ElemType::Chan => K::Chan,
            ElemType::Mutex => K::Mutex,
            ElemType::Rwmutex => K::Rwmutex,
            ElemType::Waitgroup => K::Waitgroup,
            ElemType::Map => K::Map,
            ElemType::Slice => K::Slice,
            ElemType::Struct => K::Struct,
            _ => return None,
        })
    }
}

impl ElemType {
    /// The zero value of the type.
    pub fn zero(self) -> Value {
        match self {
            ElemType::Int => Value::Int(0),
            ElemType::String => Value::Str(String::new()),
            ElemType::Bool => Value::Bool(false),
            _ => Value::Nil,
        }
    }
}
