//! Compiling the map ops (and the map data structures, `len`/`cap` of every kind that has them).

use super::*;

impl Compiler<'_> {
    pub(super) fn c_set(
        &mut self,
        path: &str,
        obj: &str,
        key: &Operand,
        value: &Operand,
    ) -> R<StmtKind> {
        Ok({
            let m = self.obj(obj, path, "set", K::MAP_LIKE)?;
            let key = self.arg(key, &member(path, "key"))?;
            let value = self.arg(value, &member(path, "value"))?;
            if self.kind_of(m) == K::Map {
                StmtKind::MapSet { m, key, value }
            } else {
                StmtKind::DsMap {
                    m,
                    op: DsMapOp::Set { key, value },
                }
            }
        })
    }

    pub(super) fn c_get(
        &mut self,
        path: &str,
        obj: &str,
        key: &Option<Operand>,
        to: &Option<String>,
        into: &Option<String>,
        ok: &Option<String>,
    ) -> R<StmtKind> {
        Ok({
            let o = self.obj(
                obj,
                path,
                "get",
                &[
                    K::Map,
                    K::RwmutexMap,
                    K::ShardedMap,
                    K::SyncMap,
                    K::CowMap,
                    K::Pool,
                ],
            )?;
            if self.kind_of(o) == K::Pool {
                if key.is_some() || into.is_some() || ok.is_some() {
                    return Err(self.err(path, "a pool's get takes `to` (a slice object) only"));
                }
                let Some(to) = to else {
                    return Err(
                        self.err(path, "a pool's get needs `to`: the slice object it assigns")
                    );
                };
                StmtKind::PoolGet {
                    p: o,
                    to: Some(self.other(to, path, "to", &[K::Slice])?),
                    into: None,
                }
            } else {
                if to.is_some() {
                    return Err(self.err(
                        &member(path, "to"),
                        "`to` is for pools; a map's get sets `into` and `ok`",
                    ));
                }
                let Some(key) = key else {
                    return Err(self.err(path, "a map's get needs `key`"));
                };
                let key = self.arg(key, &member(path, "key"))?;
                let (into, ok) = (self.set_var(into), self.set_var(ok));
                if self.kind_of(o) == K::Map {
                    StmtKind::MapGet {
                        m: o,
                        key,
                        into,
                        ok,
                    }
                } else {
                    StmtKind::DsMap {
                        m: o,
                        op: DsMapOp::Get { key, into, ok },
                    }
                }
            }
        })
    }

    pub(super) fn c_delete(&mut self, path: &str, obj: &str, key: &Operand) -> R<StmtKind> {
        Ok({
            let m = self.obj(obj, path, "delete", K::MAP_LIKE)?;
            let key = self.arg(key, &member(path, "key"))?;
            if self.kind_of(m) == K::Map {
                StmtKind::MapDelete { m, key }
            } else {
                StmtKind::DsMap {
                    m,
                    op: DsMapOp::Delete { key },
                }
            }
        })
    }

    pub(super) fn c_clear(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok(StmtKind::MapClear {
            m: self.obj(obj, path, "clear", MAP)?,
        })
    }

    pub(super) fn c_range(
        &mut self,
        path: &str,
        d: usize,
        obj: &str,
        key: &Option<String>,
        value: &Option<String>,
        ops: &[Op],
    ) -> R<StmtKind> {
        let body = |c: &mut Self, ops: &[Op], field: &str| c.block(ops, &member(path, field), d);
        Ok({
            let kinds: Vec<K> = K::MAP_LIKE
                .iter()
                .copied()
                .chain([K::Chan, K::Slice])
                .collect();
            let m = self.obj(obj, path, "range", &kinds)?;
            if self.kind_of(m) == K::Slice {
                return Ok(StmtKind::SliceRange {
                    s: m,
                    key: self.set_var(key),
                    value: self.set_var(value),
                    body: body(self, ops, "body")?,
                });
            }
            if self.kind_of(m) == K::Chan {
                if key.is_some() {
                    return Err(self.err(
                        &member(path, "key"),
                        "a channel range gives one value (`for v := range ch`): name it `value`",
                    ));
                }
                return Ok(StmtKind::ChanRange {
                    ch: m,
                    value: self.set_var(value),
                    body: body(self, ops, "body")?,
                });
            }
            let (key, value) = (self.set_var(key), self.set_var(value));
            let body = body(self, ops, "body")?;
            if self.kind_of(m) == K::Map {
                StmtKind::MapRange {
                    m,
                    key,
                    value,
                    body,
                }
            } else {
                StmtKind::DsMap {
                    m,
                    op: DsMapOp::Range { key, value, body },
                }
            }
        })
    }

    pub(super) fn c_clone(&mut self, path: &str, obj: &str, to: &str) -> R<StmtKind> {
        Ok({
            let m = self.obj(obj, path, "clone", MAP)?;
            let to_path = member(path, "to");
            let to = match self.objs.get(to) {
                Some(&t) if self.decls[t].1.kind() == K::Map => t,
                Some(_) => return Err(self.err(&to_path, format!("`{to}` is not a map"))),
                None => return Err(self.err(&to_path, format!("unknown object `{to}`"))),
            };
            StmtKind::MapClone { m, to }
        })
    }

    pub(super) fn c_make(&mut self, path: &str, obj: &str) -> R<StmtKind> {
        Ok(StmtKind::MapMake {
            m: self.obj(obj, path, "make", MAP)?,
        })
    }

    pub(super) fn c_len(&mut self, path: &str, obj: &str, into: &str) -> R<StmtKind> {
        Ok({
            let o = self.obj(
                obj,
                path,
                "len",
                &[
                    K::Map,
                    K::Chan,
                    K::Slice,
                    K::RwmutexMap,
                    K::ShardedMap,
                    K::CowMap,
                ],
            )?;
            let into = self.set_var(&Some(into.to_string())).expect("some");
            match self.kind_of(o) {
                K::Map => StmtKind::MapLen { m: o, into },
                K::Chan => StmtKind::ChanLen { ch: o, into },
                K::Slice => StmtKind::SliceLen {
                    s: o,
                    into,
                    cap: false,
                },
                _ => StmtKind::DsMap {
                    m: o,
                    op: DsMapOp::Len { into },
                },
            }
        })
    }

    pub(super) fn c_cap(&mut self, path: &str, obj: &str, into: &str) -> R<StmtKind> {
        Ok(StmtKind::SliceLen {
            s: self.obj(obj, path, "cap", &[K::Slice])?,
            into: self.set_var(&Some(into.to_string())).expect("some"),
            cap: true,
        })
    }
}

impl Compiler<'_> {
    /// A `map` declaration.
    pub(super) fn d_map(&mut self, path: &str, nil: bool, entries: usize) -> R<Setup> {
        if nil && entries > 0 {
            return Err(self.err(&member(path, "entries"), "a nil map cannot have entries"));
        }
        Ok(Setup::None)
    }

    /// A `sharded-map` declaration: its shards are made at start.
    pub(super) fn d_sharded_map(&mut self, path: &str, shards: u32) -> R<Setup> {
        if shards == 0 || shards > 256 {
            return Err(self.err(
                &member(path, "shards"),
                format!("shards must be 1..=256 (got {shards})"),
            ));
        }
        Ok(Setup::Shards(shards))
    }
}
