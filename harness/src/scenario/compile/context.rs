//! Compiling the context ops.

use super::*;

impl Compiler<'_> {
    pub(super) fn c_with_cancel(&mut self, path: &str, obj: &str, parent: &str) -> R<StmtKind> {
        Ok(StmtKind::WithCancel {
            ctx: self.obj(obj, path, "with_cancel", &[K::Context])?,
            parent: self.other(parent, path, "parent", &[K::Context])?,
            timeout: None,
        })
    }

    pub(super) fn c_with_timeout(
        &mut self,
        path: &str,
        obj: &str,
        parent: &str,
        after: &str,
    ) -> R<StmtKind> {
        Ok({
            self.uses_time = true;
            StmtKind::WithCancel {
                ctx: self.obj(obj, path, "with_timeout", &[K::Context])?,
                parent: self.other(parent, path, "parent", &[K::Context])?,
                timeout: Some(self.dur(after, &member(path, "after"))?),
            }
        })
    }

    pub(super) fn c_with_value(
        &mut self,
        path: &str,
        obj: &str,
        parent: &str,
        key: &Value,
        value: &Value,
    ) -> R<StmtKind> {
        Ok(StmtKind::WithValue {
            ctx: self.obj(obj, path, "with_value", &[K::Context])?,
            parent: self.other(parent, path, "parent", &[K::Context])?,
            key: key.clone(),
            value: value.clone(),
        })
    }

    pub(super) fn c_cancel(
        &mut self,
        path: &str,
        obj: &str,
        cause: &Option<String>,
    ) -> R<StmtKind> {
        Ok(StmtKind::Cancel {
            ctx: self.obj(obj, path, "cancel", &[K::Context])?,
            cause: cause.clone(),
        })
    }

    pub(super) fn c_err(&mut self, path: &str, obj: &str, into: &str) -> R<StmtKind> {
        Ok(StmtKind::CtxErr {
            ctx: self.obj(obj, path, "err", &[K::Context])?,
            into: self.set_var(&Some(into.to_string())).expect("some"),
            cause: false,
        })
    }

    pub(super) fn c_cause(&mut self, path: &str, obj: &str, into: &str) -> R<StmtKind> {
        Ok(StmtKind::CtxErr {
            ctx: self.obj(obj, path, "cause", &[K::Context])?,
            into: self.set_var(&Some(into.to_string())).expect("some"),
            cause: true,
        })
    }

    pub(super) fn c_value(
        &mut self,
        path: &str,
        obj: &str,
        key: &Value,
        into: &str,
    ) -> R<StmtKind> {
        Ok(StmtKind::CtxValue {
            ctx: self.obj(obj, path, "value", &[K::Context])?,
            key: key.clone(),
            into: self.set_var(&Some(into.to_string())).expect("some"),
        })
    }
}

impl Compiler<'_> {
    /// A `context` declaration: `Background()`, nil, or derived from a `parent` declared before
    /// it (with a timeout or deadline).
    pub(super) fn d_context(
        &mut self,
        path: &str,
        nil: bool,
        parent: Option<&str>,
        timeout: Option<&str>,
        deadline: Option<&str>,
    ) -> R<Setup> {
        if nil && (parent.is_some() || timeout.is_some() || deadline.is_some()) {
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
        // At start `now` is 0, so a deadline is a timeout.
        let mut ns = None;
        for (field, d) in [("timeout", timeout), ("deadline", deadline)] {
            if let Some(d) = d {
                ns = Some(self.dur(d, &member(path, field))?);
                self.uses_time = true;
            }
        }
        let mut parent_id = None;
        if let Some(p) = parent {
            let ppath = member(path, "parent");
            match self.objs.get(p).map(|&i| (i, self.decls[i].1)) {
                Some((_, ObjectDecl::Context { nil: true, .. })) => {
                    return Err(self.err(&ppath, format!("`{p}` is a nil context: deriving from it panics at start; use a `with_cancel` op to model that")));
                }
                Some((i, ObjectDecl::Context { .. })) => parent_id = Some(i),
                Some((_, other)) => {
                    return Err(self.err(
                        &ppath,
                        format!("`{p}` is {}, not a context", other.kind().a()),
                    ));
                }
                None => {
                    return Err(self.err(
                        &ppath,
                        format!("unknown context `{p}` (a parent is declared before its children)"),
                    ));
                }
            }
        }
        Ok(match nil {
            true => Setup::None,
            false => Setup::Context {
                parent: parent_id,
                timeout: ns,
            },
        })
    }
}
