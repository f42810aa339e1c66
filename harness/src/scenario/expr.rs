//! Expressions as Go writes them (`i + 1`, `n < len(s)`, `ok && !done`): the parser, and the
//! static types Go's compiler would check, so that a comparison of an int with a string is a
//! validation error rather than a silent `false`.
//!
//! Grammar (Go's precedence): `||` < `&&` < `== != < <= > >=` < `+ -` < `* / %` < unary
//! `! -`; operands are integers, strings (`"..."` or Go's raw `` `...` ``), `true`, `false`,
//! `nil`, variables, `len(x)` / `cap(x)` and parentheses.

use super::program::{BinOp, Expr, ObjId, UnOp, VarId};
use crate::base::{ElemType, Value};
use std::fmt;

/// A static type, as far as the scenario says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Int,
    Bool,
    Str,
    /// The literal `nil`.
    Nil,
    /// Not known statically (an `any` element, a variable assigned values of several types):
    /// checked when the expression runs.
    Dyn,
    /// A reference to an object of this kind (a channel, a `*sync.Mutex`, a map, ...).
    Obj(crate::base::ObjKind),
}

impl Ty {
    pub fn of(v: &Value) -> Ty {
        match v {
            Value::Nil => Ty::Nil,
            Value::Bool(_) => Ty::Bool,
            Value::Int(_) => Ty::Int,
            Value::Str(_) => Ty::Str,
            Value::Obj(_) => Ty::Dyn,
        }
    }
    pub fn of_elem(e: ElemType) -> Ty {
        match e {
            ElemType::Int => Ty::Int,
            ElemType::String => Ty::Str,
            ElemType::Bool => Ty::Bool,
            e => e.object().map_or(Ty::Dyn, Ty::Obj),
        }
    }
    /// The type a variable has when assigned values of types `self` and `other`.
    pub fn join(self, other: Ty) -> Ty {
        if self == other {
            self
        } else {
            Ty::Dyn
        }
    }
    /// The zero value a variable of this type starts with (`var x int` is 0).
    pub fn zero(self) -> Value {
        match self {
            Ty::Int => Value::Int(0),
            Ty::Bool => Value::Bool(false),
            Ty::Str => Value::Str(String::new()),
            Ty::Nil | Ty::Dyn | Ty::Obj(_) => Value::Nil,
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Ty::Obj(k) = self {
            return write!(f, "{k}");
        }
        f.write_str(match self {
            Ty::Int => "int",
            Ty::Bool => "bool",
            Ty::Str => "string",
            Ty::Nil => "untyped nil",
            Ty::Dyn | Ty::Obj(_) => "any",
        })
    }
}

/// What a name in an expression is.
pub enum Name {
    Var(VarId),
    /// An object, as the argument of `len` or `cap`.
    Obj(ObjId),
    /// A value field of a struct (`w.count`).
    Field(ObjId, usize),
}

/// A parse error: the 1-based column in the expression text and what is wrong.
#[derive(Debug)]
pub struct ParseError {
    pub col: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(u64),
    Str(String),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    End,
}

const OPS: [&str; 17] = [
    "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")", ",",
];

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |col: usize, m: String| ParseError { col, message: m };
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let s: String = chars[start..i].iter().filter(|&&c| c != '_').collect();
            let n = s.parse::<u64>().map_err(|_| {
                err(
                    col,
                    format!("`{s}` is not a decimal integer that fits in 64 bits"),
                )
            })?;
            out.push((Tok::Int(n), col));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            // `w.count`: a selector is part of the name.
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '.'
                        && chars
                            .get(i + 1)
                            .is_some_and(|c| c.is_alphabetic() || *c == '_')))
            {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), col));
        } else if c == '`' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '`' {
                i += 1;
            }
            if i == chars.len() {
                return Err(err(col, "raw string not terminated".into()));
            }
            out.push((Tok::Str(chars[start..i].iter().collect()), col));
            i += 1;
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(err(col, "string literal not terminated".into())),
                    Some('"') => break,
                    Some('\\') => {
                        let e = chars.get(i + 1).copied();
                        s.push(match e {
                            Some('n') => '\n',
                            Some('t') => '\t',
                            Some('\\') => '\\',
                            Some('"') => '"',
                            _ => {
                                return Err(err(
                                    i + 1,
                                    "unknown escape (\\n, \\t, \\\\ and \\\" are known)".into(),
                                ))
                            }
                        });
                        i += 2;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            i += 1;
            out.push((Tok::Str(s), col));
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let Some(op) = OPS.iter().find(|op| rest.starts_with(*op)) else {
                return Err(err(col, format!("unexpected `{c}`")));
            };
            i += op.chars().count();
            out.push((
                match *op {
                    "(" => Tok::LParen,
                    ")" => Tok::RParen,
                    _ => Tok::Op(op),
                },
                col,
            ));
        }
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

/// Most operators and nesting levels one expression may have: evaluation recurses over the
/// tree on a thread's bounded stack, and a real condition is far smaller.
pub const MAX_EXPR_NODES: usize = 64;

/// Parse `text`, resolving each name through `resolve(name, in_len)` (`in_len`: the argument
/// of `len`/`cap`, where an object may be named).
pub fn parse(
    text: &str,
    resolve: &mut dyn FnMut(&str, bool) -> Result<Name, String>,
) -> Result<Expr, ParseError> {
    if text.chars().count() > 16 * MAX_EXPR_NODES {
        return Err(ParseError {
            col: 1,
            message: format!(
                "longer than {} characters (limit): split it with `let`",
                16 * MAX_EXPR_NODES
            ),
        });
    }
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        at: 0,
        resolve,
        nodes: 0,
    };
    let e = p.binary(0)?;
    match p.peek() {
        Tok::End => Ok(e),
        t => Err(p.error(format!("unexpected {}", show(t)))),
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Int(n) => format!("`{n}`"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::End => "end of expression".into(),
    }
}

struct Parser<'r> {
    toks: Vec<(Tok, usize)>,
    at: usize,
    resolve: &'r mut dyn FnMut(&str, bool) -> Result<Name, String>,
    /// Operators and parentheses so far.
    nodes: usize,
}

/// Binary operators by precedence level, lowest first.
const LEVELS: [&[(&str, BinOp)]; 5] = [
    &[("||", BinOp::Or)],
    &[("&&", BinOp::And)],
    &[
        ("==", BinOp::Eq),
        ("!=", BinOp::Ne),
        ("<", BinOp::Lt),
        ("<=", BinOp::Le),
        (">", BinOp::Gt),
        (">=", BinOp::Ge),
    ],
    &[("+", BinOp::Add), ("-", BinOp::Sub)],
    &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)],
];

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.at].0
    }
    fn col(&self) -> usize {
        self.toks[self.at].1
    }
    fn error(&self, message: String) -> ParseError {
        ParseError {
            col: self.col(),
            message,
        }
    }
    /// One more operator or nesting level, within [`MAX_EXPR_NODES`].
    fn node(&mut self) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_EXPR_NODES {
            return Err(self.error(format!(
                "more than {MAX_EXPR_NODES} operators and parentheses (limit): split it with `let`"
            )));
        }
        Ok(())
    }
    fn next(&mut self) -> Tok {
        let t = self.toks[self.at].0.clone();
        if t != Tok::End {
            self.at += 1;
        }
        t
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ParseError> {
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match self.peek() {
                Tok::Op(o) => LEVELS[level].iter().find(|(s, _)| s == o).map(|x| x.1),
                _ => None,
            };
            let Some(op) = op else { return Ok(left) };
            self.node()?;
            self.next();
            let right = self.binary(level + 1)?;
            // Comparisons do not chain in Go (`a < b < c` compares a bool with an int).
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Tok::Op("!" | "-") | Tok::LParen => self.node()?,
            _ => {}
        }
        match self.peek() {
            Tok::Op("!") => {
                self.next();
                Ok(Expr::Unary(UnOp::Not, Box::new(self.unary()?)))
            }
            Tok::Op("-") => {
                self.next();
                // `-9223372036854775808`, the smallest int, is a literal: negate it as one.
                if let Tok::Int(n) = self.peek() {
                    let n = *n;
                    if n <= 1 << 63 {
                        self.next();
                        return Ok(Expr::Lit(Value::Int((n as i64).wrapping_neg())));
                    }
                }
                Ok(Expr::Unary(UnOp::Neg, Box::new(self.unary()?)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let col = self.col();
        match self.next() {
            Tok::Int(n) => match i64::try_from(n) {
                Ok(n) => Ok(Expr::Lit(Value::Int(n))),
                Err(_) => Err(ParseError {
                    col,
                    message: format!(
                        "cannot use {n} (untyped int constant) as int value (overflows)"
                    ),
                }),
            },
            Tok::Str(s) => Ok(Expr::Lit(Value::Str(s))),
            Tok::LParen => {
                let e = self.binary(0)?;
                match self.next() {
                    Tok::RParen => Ok(e),
                    t => Err(ParseError {
                        col: self.toks[self.at.saturating_sub(1)].1,
                        message: format!("expected `)`, found {}", show(&t)),
                    }),
                }
            }
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Lit(Value::Bool(true))),
                "false" => Ok(Expr::Lit(Value::Bool(false))),
                "nil" => Ok(Expr::Lit(Value::Nil)),
                "len" | "cap" if self.peek() == &Tok::LParen => {
                    self.next();
                    let cap = name == "cap";
                    let arg = if let Tok::Ident(n) = self.peek().clone() {
                        // A bare name: an object or a variable.
                        let acol = self.col();
                        if matches!(self.toks[self.at + 1].0, Tok::RParen) {
                            self.next();
                            match (self.resolve)(&n, true).map_err(|m| ParseError {
                                col: acol,
                                message: m,
                            })? {
                                Name::Obj(obj) => {
                                    self.next();
                                    return Ok(Expr::ObjLen { obj, cap });
                                }
                                Name::Var(v) => Expr::Var(v),
                                Name::Field(base, field) => Expr::Field { base, field },
                            }
                        } else {
                            self.binary(0)?
                        }
                    } else {
                        self.binary(0)?
                    };
                    match self.next() {
                        Tok::RParen => {}
                        t => {
                            return Err(ParseError {
                                col: self.toks[self.at.saturating_sub(1)].1,
                                message: format!("expected `)`, found {}", show(&t)),
                            })
                        }
                    }
                    if cap {
                        return Err(ParseError {
                            col,
                            message: "cap of a value: cap applies to a slice or channel object"
                                .into(),
                        });
                    }
                    Ok(Expr::StrLen(Box::new(arg)))
                }
                _ => match (self.resolve)(&name, false)
                    .map_err(|m| ParseError { col, message: m })?
                {
                    Name::Var(v) => Ok(Expr::Var(v)),
                    Name::Obj(o) => Ok(Expr::ObjRef(o)),
                    Name::Field(base, field) => Ok(Expr::Field { base, field }),
                },
            },
            t => Err(ParseError {
                col,
                message: format!("expected an operand, found {}", show(&t)),
            }),
        }
    }
}

/// What type checking needs to know about names.
pub struct Env<'a> {
    pub var_ty: &'a dyn Fn(VarId) -> Ty,
    pub obj_kind: &'a dyn Fn(ObjId) -> crate::base::ObjKind,
    /// A struct's value field: its name and type.
    pub field: &'a dyn Fn(ObjId, usize) -> (String, Ty),
    pub var_name: &'a dyn Fn(VarId) -> String,
    pub obj_name: &'a dyn Fn(ObjId) -> String,
}

impl Env<'_> {
    /// `e` as Go source (nested operations parenthesized).
    pub fn render(&self, e: &Expr) -> String {
        let inner = |x: &Expr| match x {
            Expr::Binary(..) => format!("({})", self.render(x)),
            _ => self.render(x),
        };
        match e {
            Expr::Lit(v) => v.quoted(),
            Expr::Var(v) => (self.var_name)(*v),
            Expr::StrLen(a) => format!("len({})", self.render(a)),
            Expr::ObjRef(o) => (self.obj_name)(*o),
            Expr::Field { base, field } => {
                format!(
                    "{}.{}",
                    (self.obj_name)(*base),
                    (self.field)(*base, *field).0
                )
            }
            Expr::ObjLen { obj, cap } => {
                format!(
                    "{}({})",
                    if *cap { "cap" } else { "len" },
                    (self.obj_name)(*obj)
                )
            }
            Expr::Unary(op, a) => format!("{}{}", op.symbol(), inner(a)),
            Expr::Binary(op, a, b) => format!("{} {} {}", inner(a), op.symbol(), inner(b)),
        }
    }

    /// The static type of `e`, or Go's complaint about it.
    pub fn type_of(&self, e: &Expr) -> Result<Ty, String> {
        Ok(match e {
            Expr::Lit(v) => Ty::of(v),
            Expr::Var(v) => (self.var_ty)(*v),
            Expr::ObjLen { .. } => Ty::Int,
            Expr::ObjRef(o) => Ty::Obj((self.obj_kind)(*o)),
            Expr::Field { base, field } => (self.field)(*base, *field).1,
            Expr::StrLen(a) => match self.type_of(a)? {
                Ty::Str | Ty::Dyn => Ty::Int,
                Ty::Obj(
                    crate::base::ObjKind::Chan
                    | crate::base::ObjKind::Slice
                    | crate::base::ObjKind::Map,
                ) => Ty::Int,
                t => {
                    return Err(format!(
                        "invalid argument: {} (a value of type {t}) for built-in len",
                        self.render(a)
                    ))
                }
            },
            Expr::Unary(op, a) => {
                let t = self.type_of(a)?;
                let want = match op {
                    UnOp::Not => Ty::Bool,
                    UnOp::Neg => Ty::Int,
                };
                if t != want && t != Ty::Dyn {
                    return Err(format!(
                        "invalid operation: operator {} not defined on {} (a value of type {t})",
                        op.symbol(),
                        self.render(a)
                    ));
                }
                want
            }
            Expr::Binary(op, a, b) => {
                let (ta, tb) = (self.type_of(a)?, self.type_of(b)?);
                let common = match (ta, tb) {
                    // A channel, pointer or map compared with nil, as Go allows.
                    (Ty::Obj(_), Ty::Nil) | (Ty::Nil, Ty::Obj(_))
                        if matches!(op, BinOp::Eq | BinOp::Ne) =>
                    {
                        Ty::Nil
                    }
                    (x, y) if x == y => x,
                    // `x == nil` with x an `any`: an interface compared with nil.
                    (Ty::Dyn, _) => tb,
                    (_, Ty::Dyn) => ta,
                    _ => {
                        return Err(format!(
                            "invalid operation: {} (mismatched types {ta} and {tb})",
                            self.render(e)
                        ))
                    }
                };
                let not_defined = |t: Ty| {
                    Err(format!(
                        "invalid operation: operator {} not defined on {} (a value of type {t})",
                        op.symbol(),
                        self.render(a)
                    ))
                };
                match op {
                    BinOp::Add => match common {
                        Ty::Int | Ty::Str | Ty::Dyn => common,
                        t => return not_defined(t),
                    },
                    BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => match common {
                        Ty::Int | Ty::Dyn => Ty::Int,
                        t => return not_defined(t),
                    },
                    BinOp::Eq | BinOp::Ne => {
                        if (ta, tb) == (Ty::Nil, Ty::Nil) {
                            return Err(format!(
                                "invalid operation: {} (operator {} not defined on nil)",
                                self.render(e),
                                op.symbol()
                            ));
                        }
                        Ty::Bool
                    }
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match common {
                        Ty::Int | Ty::Str | Ty::Dyn => Ty::Bool,
                        t => return not_defined(t),
                    },
                    BinOp::And | BinOp::Or => match common {
                        Ty::Bool | Ty::Dyn => Ty::Bool,
                        t => return not_defined(t),
                    },
                }
            }
        })
    }
}
