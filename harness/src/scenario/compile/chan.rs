//! Compiling the channel ops: send, receive, close, select.

use super::*;

impl Compiler<'_> {
    pub(super) fn c_send(&mut self, path: &str, obj: &str, value: &Operand) -> R<StmtKind> {
        Ok(StmtKind::Send {
            ch: self.obj(obj, path, "send", CHAN)?,
            value: self.arg(value, &member(path, "value"))?,
        })
    }

    pub(super) fn c_recv(
        &mut self,
        path: &str,
        obj: &str,
        into: &Option<String>,
        ok: &Option<String>,
    ) -> R<StmtKind> {
        Ok(StmtKind::Recv {
            ch: self.obj(obj, path, "recv", RECV)?,
            into: self.set_var(into),
            ok: self.set_var(ok),
        })
    }

    pub(super) fn c_close(&mut self, path: &str, obj: &str, into: &Option<String>) -> R<StmtKind> {
        Ok({
            let o = self.obj(obj, path, "close", &[K::Chan, K::Handle])?;
            if self.kind_of(o) == K::Handle {
                StmtKind::HandleClose {
                    h: o,
                    into: self.set_var(into),
                }
            } else {
                if into.is_some() {
                    return Err(
                        self.err(&member(path, "into"), "closing a channel returns nothing")
                    );
                }
                StmtKind::Close { ch: o }
            }
        })
    }

    pub(super) fn c_select(&mut self, path: &str, d: usize, cases: &[Case]) -> R<StmtKind> {
        Ok({
            let mut specs = Vec::new();
            let mut default = None;
            for (i, case) in cases.iter().enumerate() {
                let cpath = format!("{}[{i}]", member(path, "cases"));
                match case {
                    Case::Recv {
                        obj,
                        into,
                        ok,
                        body: ops,
                    } => {
                        let ch = self.obj(obj, &cpath, "recv", RECV)?;
                        let op = CaseOp::Recv {
                            ch,
                            into: self.set_var(into),
                            ok: self.set_var(ok),
                        };
                        specs.push(CaseSpec {
                            op,
                            body: self.block(ops, &member(&cpath, "body"), d)?,
                        });
                    }
                    Case::Send {
                        obj,
                        value,
                        body: ops,
                    } => {
                        let ch = self.obj(obj, &cpath, "send", CHAN)?;
                        let op = CaseOp::Send {
                            ch,
                            value: self.arg(value, &member(&cpath, "value"))?,
                        };
                        specs.push(CaseSpec {
                            op,
                            body: self.block(ops, &member(&cpath, "body"), d)?,
                        });
                    }
                    Case::After { after, body: ops } => {
                        let ns = self.dur(after, &member(&cpath, "after"))?;
                        self.uses_time = true;
                        specs.push(CaseSpec {
                            op: CaseOp::After { ns },
                            body: self.block(ops, &member(&cpath, "body"), d)?,
                        });
                    }
                    Case::Default { body: ops } => {
                        if default.is_some() {
                            return Err(self.err(&cpath, "a select has at most one default case"));
                        }
                        default = Some(self.block(ops, &member(&cpath, "body"), d)?);
                    }
                }
            }
            StmtKind::Select {
                cases: specs,
                default,
            }
        })
    }
}

impl Compiler<'_> {
    /// A `chan` declaration.
    pub(super) fn d_chan(&mut self, path: &str, nil: bool, cap: u32) -> R<Setup> {
        if nil && cap != 0 {
            return Err(self.err(&member(path, "cap"), "a nil channel has no capacity"));
        }
        Ok(Setup::None)
    }
}
