//! Compiling the slice ops.

use super::*;

impl Compiler<'_> {
    pub(super) fn c_append(
        &mut self,
        path: &str,
        obj: &str,
        values: &[Operand],
        to: &Option<String>,
    ) -> R<StmtKind> {
        Ok({
            let s = self.obj(obj, path, "append", &[K::Slice])?;
            let to = match to {
                Some(t) => self.other(t, path, "to", &[K::Slice])?,
                None => s,
            };
            let values = values
                .iter()
                .enumerate()
                .map(|(i, v)| self.arg(v, &format!("{}[{i}]", member(path, "values"))))
                .collect::<R<Vec<_>>>()?;
            StmtKind::Append { s, values, to }
        })
    }

    pub(super) fn c_index(
        &mut self,
        path: &str,
        obj: &str,
        index: &Operand,
        into: &str,
    ) -> R<StmtKind> {
        Ok(StmtKind::Index {
            s: self.obj(obj, path, "index", &[K::Slice])?,
            index: self.int_arg(index, &member(path, "index"))?,
            into: self.set_var(&Some(into.to_string())).expect("some"),
        })
    }

    pub(super) fn c_store(
        &mut self,
        path: &str,
        obj: &str,
        index: &Option<Operand>,
        value: &Operand,
    ) -> R<StmtKind> {
        Ok({
            let o = self.obj(obj, path, "store", &[K::Slice, K::Atomic])?;
            let value = self.arg(value, &member(path, "value"))?;
            match (self.kind_of(o), index) {
                (K::Slice, Some(i)) => StmtKind::SliceStore {
                    s: o,
                    index: self.int_arg(i, &member(path, "index"))?,
                    value,
                },
                (K::Slice, None) => {
                    return Err(self.err(path, "storing into a slice needs `index`"))
                }
                (_, Some(_)) => {
                    return Err(self.err(&member(path, "index"), "an atomic cell has no index"))
                }
                (_, None) => StmtKind::AtomicStore { a: o, value },
            }
        })
    }

    pub(super) fn c_slice(
        &mut self,
        path: &str,
        obj: &str,
        low: &Option<Operand>,
        high: &Option<Operand>,
        max: &Option<Operand>,
        to: &str,
    ) -> R<StmtKind> {
        let mut bound = |b: &Option<Operand>, field: &str| -> R<Option<Arg>> {
            b.as_ref()
                .map(|o| self.int_arg(o, &member(path, field)))
                .transpose()
        };
        let (low, high, max) = (bound(low, "low")?, bound(high, "high")?, bound(max, "max")?);
        Ok({
            if max.is_some() && high.is_none() {
                return Err(self.err(
                    &member(path, "max"),
                    "middle index required in 3-index slice",
                ));
            }
            StmtKind::Reslice {
                s: self.obj(obj, path, "slice", &[K::Slice])?,
                low,
                high,
                max,
                to: self.other(to, path, "to", &[K::Slice])?,
            }
        })
    }
}

impl Compiler<'_> {
    /// A `slice` declaration: `elems`, then zero values up to `len`, capacity `cap`.
    pub(super) fn d_slice(
        &mut self,
        path: &str,
        nil: bool,
        elems: usize,
        len: Option<u64>,
        cap: Option<u64>,
    ) -> R<Setup> {
        if nil && (elems > 0 || len.is_some() || cap.is_some()) {
            return Err(self.err(path, "a nil slice has no elements, length or capacity"));
        }
        let l = len.unwrap_or(elems as u64);
        if l < elems as u64 {
            return Err(self.err(
                &member(path, "len"),
                format!("len {l} is less than the {elems} elems given"),
            ));
        }
        if let Some(c) = cap {
            if c < l {
                return Err(self.err(
                    &member(path, "cap"),
                    format!("len larger than cap in make: len {l}, cap {c}"),
                ));
            }
        }
        if cap.unwrap_or(l) > MAX_CAP {
            return Err(self.err(path, format!("capacity above {MAX_CAP}")));
        }
        Ok(Setup::None)
    }
}
