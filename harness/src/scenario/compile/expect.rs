//! Compiling `expect`: the expected failure or pass, and the final-state assertions, each checked against its object's kind.

use super::*;
use crate::scenario::error::did_you_mean;

impl Compiler<'_> {
    pub(super) fn expect(&self, f: &ScenarioFile) -> R<(Expectation, Vec<AssertSpec>)> {
        let e = &f.expect;
        let expectation = match (&e.fails, e.passes) {
            (Some(_), Some(_)) => {
                return Err(self.err("$.expect", "give either `fails` or `passes`, not both"))
            }
            (None, None) => {
                return Err(self.err(
                    "$.expect",
                    "give one of `fails` (buggy variant) or `passes: true` (fixed variant)",
                ))
            }
            (None, Some(false)) => {
                return Err(self.err(
                    "$.expect.passes",
                    "`passes` must be true; to expect a failure use `fails`",
                ))
            }
            (None, Some(true)) => Expectation::Passes,
            (Some(fails), None) => {
                if let Some(id) = &fails.id {
                    if !catalog::is_known(id) {
                        return Err(self.err(
                            "$.expect.fails.id",
                            format!("unknown catalog id `{id}` (see `hazard list`)"),
                        ));
                    }
                }
                if let Some(t) = &fails.thread {
                    let roles = thread_roles(f.threads.keys().map(String::as_str), &self.blocks);
                    if !roles.contains(&t.as_str()) {
                        return Err(self.err(
                            "$.expect.fails.thread",
                            format!("no thread is named `{t}` (threads: {})", roles.join(", ")),
                        ));
                    }
                }
                Expectation::Fails(fails.clone())
            }
        };
        let mut asserts = Vec::new();
        for (i, a) in e.final_state.iter().enumerate() {
            let path = format!("$.expect.final[{i}]");
            let field = member(&path, "obj");
            // `g.wg`: a field of a declared struct, followed from it when the run ends.
            let mut parts = a.obj.split('.');
            let root = parts.next().unwrap_or_default();
            let Some(&obj) = self.objs.get(root) else {
                return Err(self.err(&field, format!("unknown object `{}`", a.obj)));
            };
            let (mut at, mut fields) = (obj, Vec::new());
            for f in parts {
                let Some((i, _)) = self.field_of(at, f) else {
                    return Err(self.err(&field, format!("unknown object `{}`", a.obj)));
                };
                let Some(&next) = self.field_objs.get(&(at, i)) else {
                    return Err(self.err(
                        &field,
                        format!(
                            "`{}` is a value field: assert on it in the scenario's ops",
                            a.obj
                        ),
                    ));
                };
                fields.push(i);
                at = next;
            }
            let kind = self.decls[at].1.kind();
            let given: Vec<&str> = [
                ("len", a.len.is_some()),
                ("key", a.key.is_some()),
                ("value", a.value.is_some()),
                ("absent", a.absent),
                ("closed", a.closed.is_some()),
                ("locked", a.locked.is_some()),
                ("count", a.count.is_some()),
                ("elems", a.elems.is_some()),
                ("cap", a.cap.is_some()),
                ("conserved", a.conserved.is_some()),
                ("holds", a.holds.is_some()),
                ("cancelled", a.cancelled.is_some()),
            ]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
            let allowed = kind.final_fields();
            if given.is_empty() {
                return Err(self.err(
                    &path,
                    format!(
                        "the assertion on `{}` checks nothing (a {kind} allows: {})",
                        a.obj,
                        allowed.join(", ")
                    ),
                ));
            }
            if let Some(bad) = given.iter().find(|g| !allowed.contains(g)) {
                return Err(self.err(
                    &member(&path, bad),
                    format!("`{bad}` does not apply to `{}`, {}", a.obj, kind.a()),
                ));
            }
            if (a.value.is_some() || a.absent) && a.key.is_none() {
                return Err(self.err(&path, "`value` and `absent` need a `key`"));
            }
            if a.key.is_some() && a.value.is_none() && !a.absent {
                return Err(self.err(&path, "a `key` needs `value` or `absent: true`"));
            }
            if let Some(id) = &a.id {
                if !catalog::is_known(id) {
                    return Err(
                        self.err(&member(&path, "id"), format!("unknown catalog id `{id}`"))
                    );
                }
            }
            asserts.push(AssertSpec {
                obj,
                fields,
                name: a.obj.clone(),
                assertion: a.clone(),
                path,
            });
        }
        Ok((expectation, asserts))
    }

    /// `expect.linearizable`: each object a static stack, map or atomic, each specification
    /// one that describes it, with the object's initial contents.
    pub(super) fn linearizable(&self, f: &ScenarioFile) -> R<Vec<LinSpec>> {
        use crate::lin::{spec_named, Spec, SpecKind, SPECS};
        let mut out = Vec::new();
        for (name, spec) in &f.expect.linearizable {
            let path = member("$.expect.linearizable", name);
            let Some(&obj) = self.objs.get(name.as_str()) else {
                let known: Vec<&str> = self.objs.keys().copied().collect();
                return Err(self.err(
                    &path,
                    format!(
                        "unknown object `{name}`{}",
                        did_you_mean(name, known.iter().copied())
                    ),
                ));
            };
            let Some(kind) = spec_named(spec) else {
                let names: Vec<&str> = SPECS.iter().map(|(n, _)| *n).collect();
                return Err(self.err(
                    &path,
                    format!(
                        "unknown specification `{spec}` (specifications: {})",
                        names.join(", ")
                    ),
                ));
            };
            let decl = &self.decls[obj].1;
            let json = |v: &Value| serde_json::to_value(v).unwrap_or_default();
            let (fits, initial): (&[SpecKind], serde_json::Value) = match decl {
                ObjectDecl::TreiberStack { elems }
                | ObjectDecl::StampedStack { elems }
                | ObjectDecl::EpochStack { elems } => (
                    &[SpecKind::Stack],
                    serde_json::Value::Array(elems.iter().map(json).collect()),
                ),
                ObjectDecl::Map { entries, .. } => (
                    &[SpecKind::Map],
                    serde_json::Value::Object(
                        entries.iter().map(|(k, v)| (k.clone(), json(v))).collect(),
                    ),
                ),
                ObjectDecl::RwmutexMap { .. }
                | ObjectDecl::ShardedMap { .. }
                | ObjectDecl::SyncMap {}
                | ObjectDecl::CowMap { .. } => (&[SpecKind::Map], serde_json::json!({})),
                ObjectDecl::Atomic { value } => {
                    (&[SpecKind::Register, SpecKind::Counter], json(value))
                }
                other => {
                    return Err(self.err(
                        &path,
                        format!(
                        "`{name}` is {}: linearizability is checked on stacks, maps and atomics",
                        other.kind().a()
                    ),
                    ))
                }
            };
            if !fits.contains(&kind) {
                let names: Vec<&str> = fits.iter().map(|k| k.name()).collect();
                return Err(self.err(
                    &path,
                    format!(
                        "a {spec} specification does not describe `{name}`, {} (it takes: {})",
                        decl.kind().a(),
                        names.join(", ")
                    ),
                ));
            }
            // A counter only adds and reads: an op on it that stores is refused here, before
            // anything runs (one reached through a variable is caught by the check at run time).
            if kind == SpecKind::Counter {
                for st in self.blocks.iter().flatten() {
                    let what = match &st.kind {
                        StmtKind::AtomicStore { a, .. } if *a == obj => "store",
                        StmtKind::AtomicCas { a, .. } if *a == obj => "cas",
                        StmtKind::AtomicSwap { a, .. } if *a == obj => "swap",
                        _ => continue,
                    };
                    return Err(self.err(
                        &self.op_paths[st.id],
                        format!(
                            "`{name}` is checked as a counter (`expect.linearizable`), which only adds and loads: `{what}` needs the register specification"
                        ),
                    ));
                }
            }
            out.push(LinSpec {
                obj,
                name: name.clone(),
                spec: Spec::with_initial(kind, initial),
            });
        }
        out.sort_by_key(|l| l.obj);
        Ok(out)
    }
}
