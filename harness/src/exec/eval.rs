//! Evaluating expressions with Go's integer semantics: 64-bit two's complement arithmetic that
//! wraps, division truncating toward zero, a division by zero a run-time panic.

use crate::model::world::{FieldVal, World};
use crate::model::Value;
use crate::scenario::OpId;
use crate::scenario::{BinOp, Expr, UnOp};

pub(crate) enum EvalError {
    /// Go's `runtime error: integer divide by zero` panic.
    DivideByZero,
    /// A field read through a nil struct pointer.
    NilDereference,
    /// A value whose type validation could not know (an `any`) is not what the operator takes.
    Type(String),
}

/// The value of `e`, reading variables from `locals` and objects (`len`, `cap`) from `w`, as
/// thread `at.0` in op `at.1` (memory it reads is an access the race detector sees).
pub(crate) fn eval(
    e: &Expr,
    locals: &[Value],
    w: &mut World,
    at: (usize, OpId),
) -> Result<Value, EvalError> {
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        // A shared variable: its cell's value.
        Expr::Var(v) => match w.cell_in(*v, &locals[*v]) {
            Some(o) => w.cell_read(at.0, at.1, o),
            None => locals[*v].clone(),
        },
        Expr::ObjLen { obj, .. } if *obj == World::NIL_PTR => {
            return Err(EvalError::NilDereference)
        }
        Expr::ObjLen { obj, cap } => Value::Int(w.len_of(*obj, *cap)),
        Expr::ObjRef(o) if *o == World::NIL_PTR => Value::Nil,
        Expr::ObjRef(o) => Value::Obj(*o as u32),
        Expr::Field { base, field } => match w.mem_read(at.0, at.1, (*base, *field)) {
            Some(FieldVal::Val(v)) => v,
            Some(FieldVal::Obj(Some(o))) => Value::Obj(o as u32),
            Some(FieldVal::Obj(None)) => Value::Nil,
            None => return Err(EvalError::NilDereference),
        },
        Expr::StrLen(a) => match eval(a, locals, w, at)? {
            // Go's len of a string counts bytes.
            Value::Str(s) => Value::Int(s.len() as i64),
            // len(ch) of a variable holding a channel, slice or map.
            Value::Obj(o) => Value::Int(w.len_of(o as usize, false)),
            // len of a nil channel, map or slice.
            Value::Nil => Value::Int(0),
            v => return Err(type_error("len", &v)),
        },
        Expr::Unary(op, a) => match (op, eval(a, locals, w, at)?) {
            (UnOp::Not, Value::Bool(b)) => Value::Bool(!b),
            (UnOp::Neg, Value::Int(n)) => Value::Int(n.wrapping_neg()),
            (op, v) => return Err(type_error(op.symbol(), &v)),
        },
        Expr::Binary(op, a, b) => {
            // `&&` and `||` evaluate their right side only when needed, as in Go.
            if matches!(op, BinOp::And | BinOp::Or) {
                let left = boolean(op.symbol(), eval(a, locals, w, at)?)?;
                if left == (*op == BinOp::Or) {
                    return Ok(Value::Bool(left));
                }
                return Ok(Value::Bool(boolean(op.symbol(), eval(b, locals, w, at)?)?));
            }
            let (x, y) = (eval(a, locals, w, at)?, eval(b, locals, w, at)?);
            binary(*op, x, y)?
        }
    })
}

fn boolean(op: &str, v: Value) -> Result<bool, EvalError> {
    match v {
        Value::Bool(b) => Ok(b),
        v => Err(type_error(op, &v)),
    }
}

fn type_error(op: &str, v: &Value) -> EvalError {
    let ty = match v {
        Value::Nil => "nil",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Str(_) => "string",
        Value::Obj(_) => "reference",
    };
    EvalError::Type(format!(
        "operator {op} not defined on {} (a {ty})",
        v.quoted()
    ))
}

fn binary(op: BinOp, x: Value, y: Value) -> Result<Value, EvalError> {
    use Value::{Bool, Int, Str};
    Ok(match (op, &x, &y) {
        // Interface comparison: values of different dynamic types are unequal.
        (BinOp::Eq, _, _) => Bool(x == y),
        (BinOp::Ne, _, _) => Bool(x != y),
        (BinOp::Add, Int(a), Int(b)) => Int(a.wrapping_add(*b)),
        (BinOp::Add, Str(a), Str(b)) => Str(format!("{a}{b}")),
        (BinOp::Sub, Int(a), Int(b)) => Int(a.wrapping_sub(*b)),
        (BinOp::Mul, Int(a), Int(b)) => Int(a.wrapping_mul(*b)),
        (BinOp::Div | BinOp::Rem, Int(_), Int(0)) => return Err(EvalError::DivideByZero),
        // MinInt64 / -1 wraps to MinInt64 in Go, without a panic.
        (BinOp::Div, Int(a), Int(b)) => Int(a.wrapping_div(*b)),
        (BinOp::Rem, Int(a), Int(b)) => Int(a.wrapping_rem(*b)),
        (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, Int(a), Int(b)) => {
            Bool(compare(op, a.cmp(b)))
        }
        (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, Str(a), Str(b)) => {
            Bool(compare(op, a.cmp(b)))
        }
        _ => {
            return Err(EvalError::Type(format!(
                "invalid operation: {} {} {} (mismatched types at run time)",
                x.quoted(),
                op.symbol(),
                y.quoted()
            )))
        }
    })
}

fn compare(op: BinOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        BinOp::Lt => o == Less,
        BinOp::Le => o != Greater,
        BinOp::Gt => o == Greater,
        _ => o != Less,
    }
}
