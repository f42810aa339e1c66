//! `slice` port: headers over shared backing arrays, `append` with Go's growth policy, and
//! index/slice expressions with Go's exact bounds messages.
//!
//! A slice object is a variable holding a header (array, offset, len, cap). `append` writes in
//! place when `len + n <= cap`, so two appends to one base with spare capacity write the same
//! element; otherwise it allocates a new array (growth as Go's `growslice`: double below 256
//! elements, then about 1.25x plus 192, rounded up to a malloc size class), and headers taken
//! before keep pointing at the old one. Appending reads the variable and stores it back in two
//! steps, so two threads appending to one shared variable lose updates, as Go's unsynchronized
//! read-modify-write does (no runtime detection).

use super::world::{Obj, ThreadCx, Unwind, World};
use super::{ElemType, Failure, Value};
use crate::scenario::{ObjId, ObjectDecl, OpId, MAX_ELEMS};

/// A slice value: `arr` is `None` for a nil slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SliceHdr {
    pub arr: Option<usize>,
    pub off: usize,
    pub len: usize,
    pub cap: usize,
}

/// Go's malloc size classes (bytes), for capacity rounding.
const SIZE_CLASSES: &[usize] = &[
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320,
    352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792,
    2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
    10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672,
    32768,
];
const MAX_SMALL_SIZE: usize = 32768;
const MALLOC_HEADER: usize = 8;
const PAGE: usize = 8192;

/// Go's name of the element type (`[]int`, `[]interface {}`), for type assertion panics.
pub(crate) fn go_name(t: ElemType) -> &'static str {
    match t {
        ElemType::Int => "int",
        ElemType::String => "string",
        ElemType::Bool => "bool",
        ElemType::Any => "interface {}",
        ElemType::Chan => "chan",
        ElemType::Mutex => "*sync.Mutex",
        ElemType::Rwmutex => "*sync.RWMutex",
        ElemType::Waitgroup => "*sync.WaitGroup",
        ElemType::Map => "map",
        ElemType::Slice => "[]",
        ElemType::Struct => "*struct",
    }
}

/// Size in bytes and whether the element holds pointers (64-bit Go).
fn elem_layout(t: ElemType) -> (usize, bool) {
    match t {
        ElemType::Int => (8, false),
        ElemType::Bool => (1, false),
        ElemType::String | ElemType::Any => (16, true),
        // Pointers, channels and maps are one word; a slice header three.
        ElemType::Chan
        | ElemType::Mutex
        | ElemType::Rwmutex
        | ElemType::Waitgroup
        | ElemType::Map
        | ElemType::Struct => (8, true),
        ElemType::Slice => (24, true),
    }
}

/// `runtime.roundupsize`: the size the allocator really hands out for `size` bytes.
fn roundupsize(size: usize, noscan: bool) -> usize {
    let mut req = size;
    if req <= MAX_SMALL_SIZE - MALLOC_HEADER {
        // Objects with pointers above 512 bytes carry an 8-byte malloc header (Go 1.22+).
        if !noscan && req > 512 {
            req += MALLOC_HEADER;
        }
        let class = SIZE_CLASSES
            .iter()
            .copied()
            .find(|&c| c >= req)
            .unwrap_or(MAX_SMALL_SIZE);
        return class - (req - size);
    }
    req.div_ceil(PAGE) * PAGE
}

/// The capacity `append` gives a slice of capacity `old_cap` that must hold `new_len`
/// elements (`runtime.nextslicecap`, then size-class rounding as in `growslice`).
pub fn grow_cap(old_cap: usize, new_len: usize, elem: ElemType) -> usize {
    let double = old_cap + old_cap;
    let mut newcap = if new_len > double {
        new_len
    } else if old_cap < 256 {
        double
    } else {
        let mut c = old_cap;
        while c < new_len {
            c += (c + 3 * 256) >> 2;
        }
        c
    };
    if newcap == 0 {
        newcap = new_len;
    }
    let (size, ptrs) = elem_layout(elem);
    roundupsize(newcap * size, !ptrs) / size
}

impl World {
    pub fn slice(&mut self, o: ObjId) -> &mut SliceHdr {
        match &mut self.objs[o] {
            Obj::Slice(s) => s,
            _ => unreachable!("validation checks object kinds"),
        }
    }

    /// A new backing array of `cap` zero values. Past the harness's memory bound
    /// ([`MAX_ELEMS`] elements in one execution) the execution stops with `limit` set: a bound
    /// of the harness, not a Go failure.
    pub fn new_array(&mut self, cap: usize, zero: &Value) -> Result<usize, Unwind> {
        let total = self.elems_allocated.saturating_add(cap);
        if total as u64 > MAX_ELEMS {
            self.limit.get_or_insert_with(|| {
                format!("the scenario allocates more than {MAX_ELEMS} slice elements in one execution (a bound of the harness: a run must fit in memory); lower a capacity, a loop count or the values appended")
            });
            self.tear_down();
            return Err(Unwind::Abort);
        }
        self.elems_allocated = total;
        self.arrays.push(vec![zero.clone(); cap]);
        Ok(self.arrays.len() - 1)
    }

    /// The elements a header covers.
    pub fn elems(&self, h: &SliceHdr) -> Vec<Value> {
        match h.arr {
            Some(a) => self.arrays[a][h.off..h.off + h.len].to_vec(),
            None => Vec::new(),
        }
    }

    pub fn elem_type(&self, o: ObjId) -> ElemType {
        match self.prog.objects.get(o).map(|s| &s.decl) {
            Some(ObjectDecl::Slice { elem, .. }) => *elem,
            _ => ElemType::Int,
        }
    }
}

/// `runtime error: index out of range [i] with length n`.
fn index_error(i: i64, len: usize) -> Failure {
    Failure::Bounds(if i < 0 {
        format!("index out of range [{i}]")
    } else {
        format!("index out of range [{i}] with length {len}")
    })
}

/// The bounds check of `s[low:high]` / `s[low:high:max]`, in the order Go's compiled code
/// makes them (a negative operand fails the check an oversized one would, with Go's
/// negative-operand text).
pub fn slice_bounds(
    len: usize,
    cap: usize,
    low: Option<i64>,
    high: Option<i64>,
    max: Option<i64>,
) -> Result<(usize, usize, usize), String> {
    let (len, cap_u) = (len as i64, cap);
    let cap = cap as i64;
    let low_v = low.unwrap_or(0);
    match max {
        None => {
            let high_v = high.unwrap_or(len);
            if high_v < 0 {
                return Err(format!("slice bounds out of range [:{high_v}]"));
            }
            if high_v > cap {
                return Err(format!(
                    "slice bounds out of range [:{high_v}] with capacity {cap}"
                ));
            }
            if low_v < 0 {
                return Err(format!("slice bounds out of range [{low_v}:]"));
            }
            if low_v > high_v {
                return Err(format!("slice bounds out of range [{low_v}:{high_v}]"));
            }
            Ok((low_v as usize, high_v as usize, cap_u))
        }
        Some(max_v) => {
            let high_v = high.unwrap_or(len);
            if max_v < 0 {
                return Err(format!("slice bounds out of range [::{max_v}]"));
            }
            if max_v > cap {
                return Err(format!(
                    "slice bounds out of range [::{max_v}] with capacity {cap}"
                ));
            }
            if high_v < 0 {
                return Err(format!("slice bounds out of range [:{high_v}:]"));
            }
            if high_v > max_v {
                return Err(format!("slice bounds out of range [:{high_v}:{max_v}]"));
            }
            if low_v < 0 {
                return Err(format!("slice bounds out of range [{low_v}::]"));
            }
            if low_v > high_v {
                return Err(format!("slice bounds out of range [{low_v}:{high_v}:]"));
            }
            Ok((low_v as usize, high_v as usize, max_v as usize))
        }
    }
}

fn fmt_hdr(h: &SliceHdr) -> String {
    match h.arr {
        None => "nil".into(),
        Some(a) => format!("len={} cap={} array#{a}+{}", h.len, h.cap, h.off),
    }
}

/// `to = append(s, values...)`: read `s`, then write and store.
pub(crate) fn append(
    cx: &ThreadCx,
    op: OpId,
    s: ObjId,
    values: &[Value],
    to: ObjId,
) -> Result<(), Unwind> {
    let me = cx.me;
    let (name, to_name) = {
        let w = cx.world.borrow();
        (w.obj_name(s), w.obj_name(to))
    };
    let h = {
        let mut w = cx.step(op)?;
        let h = *w.slice(s);
        w.header_access(me, op, s, false);
        w.note(me, op, || {
            format!("append({name}, ..): reads {name} ({})", fmt_hdr(&h))
        });
        h
    };
    let mut w = cx.step(op)?;
    let n = values.len();
    let new_len = h.len + n;
    let in_place = h.arr.filter(|_| new_len <= h.cap);
    let (hdr, grew) = if let Some(a) = in_place {
        for (i, v) in values.iter().enumerate() {
            w.elem_access(me, op, s, &h, h.len + i, true);
            w.arrays[a][h.off + h.len + i] = v.clone();
        }
        (SliceHdr { len: new_len, ..h }, false)
    } else if n == 0 {
        (h, false)
    } else {
        let elem = w.elem_type(s);
        let cap = grow_cap(h.cap, new_len, elem);
        let zero = elem.zero();
        let a = w.new_array(cap, &zero)?;
        // growslice copies the old elements: a read of each.
        for i in 0..h.len {
            w.elem_access(me, op, s, &h, i, false);
        }
        let old = w.elems(&h);
        for (i, v) in old.into_iter().chain(values.iter().cloned()).enumerate() {
            w.arrays[a][i] = v;
        }
        (
            SliceHdr {
                arr: Some(a),
                off: 0,
                len: new_len,
                cap,
            },
            true,
        )
    };
    w.header_access(me, op, to, true);
    *w.slice(to) = hdr;
    let vals = values
        .iter()
        .map(Value::quoted)
        .collect::<Vec<_>>()
        .join(", ");
    w.note(me, op, || {
        format!(
            "{to_name} = append({name}, {vals}): {} ({})",
            if grew { "new array" } else { "in place" },
            fmt_hdr(&hdr)
        )
    });
    Ok(())
}

/// `s[i]`.
pub(crate) fn index(cx: &ThreadCx, op: OpId, s: ObjId, i: i64) -> Result<Value, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(s);
    let h = *w.slice(s);
    if i < 0 || i as usize >= h.len {
        w.note(cx.me, op, || {
            format!("{name}[{i}]: out of range (len {})", h.len)
        });
        return Err(cx.panic(index_error(i, h.len), op));
    }
    w.header_access(cx.me, op, s, false);
    w.elem_access(cx.me, op, s, &h, i as usize, false);
    let v = w.arrays[h.arr.expect("len > 0")][h.off + i as usize].clone();
    w.note(cx.me, op, || format!("{name}[{i}] -> {}", v.quoted()));
    Ok(v)
}

/// `for i, v := range s`: the header is read once (Go evaluates the range expression once, so
/// appends during the loop neither extend it nor move it to a new array), then each iteration
/// is a scheduling point that, when `v` is wanted, reads element i through that header.
pub(crate) fn range(
    cx: &ThreadCx,
    op: OpId,
    s: ObjId,
    read: bool,
    mut body: impl FnMut(i64, Option<Value>) -> Result<(), Unwind>,
) -> Result<(), Unwind> {
    let (h, name) = {
        let mut w = cx.step(op)?;
        let (h, name) = (*w.slice(s), w.obj_name(s));
        w.header_access(cx.me, op, s, false);
        w.note(cx.me, op, || format!("range {name} (len {})", h.len));
        (h, name)
    };
    for i in 0..h.len {
        let v = {
            let mut w = cx.step(op)?;
            let v = match (read, h.arr) {
                (true, Some(a)) => {
                    w.elem_access(cx.me, op, s, &h, i, false);
                    Some(w.arrays[a][h.off + i].clone())
                }
                _ => None,
            };
            w.note(cx.me, op, || match &v {
                Some(v) => format!("range {name}: [{i}] -> {}", v.quoted()),
                None => format!("range {name}: {i}"),
            });
            v
        };
        body(i as i64, v)?;
    }
    Ok(())
}

/// `s[i] = v`: reads the header (and checks the bounds), then writes through it; a write
/// racing with a reallocating append can land in the old array, as in Go.
pub(crate) fn store(cx: &ThreadCx, op: OpId, s: ObjId, i: i64, v: &Value) -> Result<(), Unwind> {
    let h = {
        let mut w = cx.step(op)?;
        let name = w.obj_name(s);
        let h = *w.slice(s);
        w.header_access(cx.me, op, s, false);
        if i < 0 || i as usize >= h.len {
            w.note(cx.me, op, || {
                format!("{name}[{i}] = ..: out of range (len {})", h.len)
            });
            return Err(cx.panic(index_error(i, h.len), op));
        }
        w.note(cx.me, op, || {
            format!("{name}[{i}] = ..: reads {name} ({})", fmt_hdr(&h))
        });
        h
    };
    let mut w = cx.step(op)?;
    let name = w.obj_name(s);
    let a = h.arr.expect("len > 0");
    w.elem_access(cx.me, op, s, &h, i as usize, true);
    w.arrays[a][h.off + i as usize] = v.clone();
    w.note(cx.me, op, || {
        format!(
            "{name}[{i}] = {} (array#{a}+{})",
            v.quoted(),
            h.off + i as usize
        )
    });
    Ok(())
}

/// `to = s[low:high]` / `s[low:high:max]`.
pub(crate) fn reslice(
    cx: &ThreadCx,
    op: OpId,
    s: ObjId,
    low: Option<i64>,
    high: Option<i64>,
    max: Option<i64>,
    to: ObjId,
) -> Result<(), Unwind> {
    // Read the operand, then store the result: `q = q[1:]` is a read-modify-write.
    let h = {
        let mut w = cx.step(op)?;
        let name = w.obj_name(s);
        let h = *w.slice(s);
        w.header_access(cx.me, op, s, false);
        w.note(cx.me, op, || format!("reads {name} ({})", fmt_hdr(&h)));
        h
    };
    let mut w = cx.step(op)?;
    let (name, to_name) = (w.obj_name(s), w.obj_name(to));
    let expr = {
        let f = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
        match max {
            Some(m) => format!("{name}[{}:{}:{m}]", f(low), f(high)),
            None => format!("{name}[{}:{}]", f(low), f(high)),
        }
    };
    match slice_bounds(h.len, h.cap, low, high, max) {
        Err(msg) => {
            w.note(cx.me, op, || format!("{to_name} = {expr}: out of range"));
            Err(cx.panic(Failure::Bounds(msg), op))
        }
        Ok((l, hi, m)) => {
            let hdr = match h.arr {
                None => SliceHdr::default(),
                Some(a) => SliceHdr {
                    arr: Some(a),
                    off: h.off + l,
                    len: hi - l,
                    cap: m - l,
                },
            };
            w.header_access(cx.me, op, to, true);
            *w.slice(to) = hdr;
            w.note(cx.me, op, || {
                format!("{to_name} = {expr} ({})", fmt_hdr(&hdr))
            });
            Ok(())
        }
    }
}

/// `len(s)` or `cap(s)`.
pub(crate) fn len(cx: &ThreadCx, op: OpId, s: ObjId, cap: bool) -> Result<i64, Unwind> {
    let mut w = cx.step(op)?;
    let name = w.obj_name(s);
    let h = *w.slice(s);
    w.header_access(cx.me, op, s, false);
    let n = if cap { h.cap } else { h.len } as i64;
    let f = if cap { "cap" } else { "len" };
    w.note(cx.me, op, || format!("{f}({name}) -> {n}"));
    Ok(n)
}
