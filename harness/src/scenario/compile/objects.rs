//! Compiling the `objects`: declarations checked against their limits, and what each needs when an execution starts.

use super::*;

impl Compiler<'_> {
    /// Validate an object declaration of the kinds beyond the sync primitives.
    pub(super) fn decl(&mut self, path: &str, decl: &ObjectDecl) -> R<()> {
        match decl {
            ObjectDecl::Timer { after: Some(a) } => {
                self.dur(a, &member(path, "after"))?;
                self.uses_time = true;
            }
            ObjectDecl::Context {
                nil,
                parent,
                timeout,
                deadline,
            } => {
                if *nil && (parent.is_some() || timeout.is_some() || deadline.is_some()) {
                    return Err(self.err(path, "a nil context has no parent, timeout or deadline"));
                }
                if timeout.is_some() && deadline.is_some() {
                    return Err(self.err(path, "give `timeout` or `deadline`, not both"));
                }
                if parent.is_none() && (timeout.is_some() || deadline.is_some()) {
                    return Err(self.err(
                        path,
                        "a timeout or deadline needs a `parent` (a background context has neither)",
                    ));
                }
                for (field, d) in [("timeout", timeout), ("deadline", deadline)] {
                    if let Some(d) = d {
                        self.dur(d, &member(path, field))?;
                        self.uses_time = true;
                    }
                }
                if let Some(p) = parent {
                    let ppath = member(path, "parent");
                    match self.objs.get(p.as_str()).map(|&i| self.decls[i].1) {
                        Some(ObjectDecl::Context { nil: true, .. }) => {
                            return Err(self.err(&ppath, format!("`{p}` is a nil context: deriving from it panics at start; use a `with_cancel` op to model that")));
                        }
                        Some(ObjectDecl::Context { .. }) => {}
                        Some(other) => {
                            return Err(self.err(
                                &ppath,
                                format!("`{p}` is a {}, not a context", other.kind()),
                            ));
                        }
                        None => {
                            return Err(self.err(&ppath, format!("unknown context `{p}` (a parent is declared before its children)")));
                        }
                    }
                }
            }
            ObjectDecl::Slice {
                nil,
                elems,
                len,
                cap,
                ..
            } => {
                if *nil && (!elems.is_empty() || len.is_some() || cap.is_some()) {
                    return Err(self.err(path, "a nil slice has no elements, length or capacity"));
                }
                let l = len.unwrap_or(elems.len() as u64);
                if l < elems.len() as u64 {
                    return Err(self.err(
                        &member(path, "len"),
                        format!("len {l} is less than the {} elems given", elems.len()),
                    ));
                }
                if let Some(c) = cap {
                    if *c < l {
                        return Err(self.err(
                            &member(path, "cap"),
                            format!("len larger than cap in make: len {l}, cap {c}"),
                        ));
                    }
                }
                if cap.unwrap_or(l) > MAX_CAP {
                    return Err(self.err(path, format!("capacity above {MAX_CAP}")));
                }
            }
            ObjectDecl::Pool { new: Some(n) } if n.cap > MAX_CAP => {
                return Err(self.err(
                    &member(&member(path, "new"), "cap"),
                    format!("capacity above {MAX_CAP}"),
                ));
            }
            ObjectDecl::ShardedMap { shards, .. } if *shards == 0 || *shards > 256 => {
                return Err(self.err(
                    &member(path, "shards"),
                    format!("shards must be 1..=256 (got {shards})"),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// The start-up work of a declared object (validated by `decl`).
    pub(super) fn setup(&self, path: &str, decl: &ObjectDecl) -> R<Setup> {
        Ok(match decl {
            ObjectDecl::Timer { after: Some(a) } => Setup::Timer {
                ns: self.dur(a, &member(path, "after"))?,
            },
            ObjectDecl::Context {
                nil: false,
                parent,
                timeout,
                deadline,
            } => {
                // At start `now` is 0, so a deadline is a timeout.
                let ns = match (timeout, deadline) {
                    (Some(d), _) => Some(self.dur(d, &member(path, "timeout"))?),
                    (None, Some(d)) => Some(self.dur(d, &member(path, "deadline"))?),
                    (None, None) => None,
                };
                Setup::Context {
                    parent: parent
                        .as_ref()
                        .and_then(|p| self.objs.get(p.as_str()).copied()),
                    timeout: ns,
                }
            }
            ObjectDecl::ShardedMap { shards, .. } => Setup::Shards(*shards),
            _ => Setup::None,
        })
    }
}
