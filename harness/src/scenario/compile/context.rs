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
