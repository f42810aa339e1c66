//! The static bounds of a scenario: no recursion through `call`, nesting depth, and how many ops and threads a thread can run, counting loops.

use super::*;

impl Compiler<'_> {
    pub(super) fn check_recursion(&self, f: &ScenarioFile) -> R<()> {
        let n = f.procs.len();
        let mut edges: Vec<Vec<(usize, &str)>> = vec![Vec::new(); n];
        for (from, to, path) in &self.calls {
            if let Some(from) = from {
                edges[*from].push((*to, path));
            }
        }
        // Depth-first search for a back edge; the error names the call that closes the cycle.
        fn visit<'p>(
            v: usize,
            edges: &[Vec<(usize, &'p str)>],
            state: &mut [u8],
            stack: &mut Vec<usize>,
        ) -> Option<(Vec<usize>, &'p str)> {
            state[v] = 1;
            stack.push(v);
            for &(w, path) in &edges[v] {
                if state[w] == 1 {
                    let start = stack.iter().position(|&x| x == w).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(w);
                    return Some((cycle, path));
                }
                if state[w] == 0 {
                    if let Some(found) = visit(w, edges, state, stack) {
                        return Some(found);
                    }
                }
            }
            stack.pop();
            state[v] = 2;
            None
        }
        let mut state = vec![0u8; n];
        for v in 0..n {
            if state[v] == 0 {
                if let Some((cycle, path)) = visit(v, &edges, &mut state, &mut Vec::new()) {
                    let names: Vec<&str> = cycle
                        .iter()
                        .map(|&i| self.procs.get_index(i).map(|(k, _)| *k).unwrap_or("?"))
                        .collect();
                    return Err(self.err(
                        path,
                        format!("recursion through `call`: {} (procs must not call themselves, directly or not)", names.join(" -> ")),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Check that a thread starting with block `b` (at `path`) nests at most [`MAX_FRAMES`]
    /// deep, and so do the goroutines and callbacks it starts (each on a stack of its own).
    pub(super) fn check_frames(
        &self,
        b: BlockId,
        path: &str,
        memo: &mut HashMap<BlockId, usize>,
    ) -> R<()> {
        let n = self.frames(b, memo)?;
        if n > MAX_FRAMES {
            return Err(self.err(
                path,
                format!("bodies and calls nest {n} deep here (limit {MAX_FRAMES}): flatten a chain of procs"),
            ));
        }
        Ok(())
    }

    /// How deep one run of block `b` nests: 1 + the deepest body inside it, through calls. The
    /// call graph has no cycles (checked first), and procs are at most [`MAX_PROCS`], which
    /// bounds this recursion.
    pub(super) fn frames(&self, b: BlockId, memo: &mut HashMap<BlockId, usize>) -> R<usize> {
        if let Some(&n) = memo.get(&b) {
            return Ok(n);
        }
        let mut deepest = 0;
        for s in &self.blocks[b] {
            for (body, thread) in s.kind.bodies() {
                let inner = if thread.is_some() {
                    // A goroutine or callback: a stack of its own.
                    self.check_frames(body, &self.op_paths[s.id], memo)?;
                    0
                } else {
                    self.frames(body, memo)?
                };
                deepest = deepest.max(inner);
            }
        }
        memo.insert(b, deepest + 1);
        Ok(deepest + 1)
    }

    /// (most ops one run of the block executes, most threads it spawns), counting loops.
    pub(super) fn bounds(
        &self,
        b: BlockId,
        memo: &mut HashMap<BlockId, (u64, u64)>,
    ) -> R<(u64, u64)> {
        if let Some(&v) = memo.get(&b) {
            return Ok(v);
        }
        let mut cost: u64 = 0;
        let mut threads: u64 = 0;
        for s in &self.blocks[b] {
            let (c, t) = match &s.kind {
                // A count known only at run time: the body once here; threads it starts past
                // the bound stop the run (`World::reserve_thread`).
                StmtKind::Repeat {
                    times: Count::Expr(_),
                    body,
                    ..
                } => self.bounds(*body, memo)?,
                StmtKind::Repeat {
                    times: Count::Lit(times),
                    body,
                    ..
                } => {
                    let (c, t) = self.bounds(*body, memo)?;
                    let c = c.saturating_mul(*times);
                    if c > MAX_OPS_PER_THREAD {
                        return Err(self.err(
                            &self.op_paths[s.id],
                            format!("this loop runs up to {c} ops (limit {MAX_OPS_PER_THREAD})"),
                        ));
                    }
                    (c, t.saturating_mul(*times))
                }
                StmtKind::Spawn { body, .. }
                | StmtKind::TimerAfterFunc { body, .. }
                | StmtKind::CtxAfterFunc { body, .. } => {
                    let (_, t) = self.bounds(*body, memo)?;
                    (1, t.saturating_add(1))
                }
                // A Reset of an AfterFunc timer runs f once more.
                StmtKind::TimerReset { t, .. } if self.func_timers.contains(t) => (0, 1),
                StmtKind::DsMap {
                    op: DsMapOp::Range { body, .. },
                    ..
                } => self.bounds(*body, memo)?,
                StmtKind::If {
                    then, otherwise, ..
                } => {
                    let (c1, t1) = self.bounds(*then, memo)?;
                    let (c2, t2) = self.bounds(*otherwise, memo)?;
                    (c1.max(c2), t1.max(t2))
                }
                StmtKind::Select { cases, default } => {
                    let mut best = (0, 0);
                    for body in cases.iter().map(|c| c.body).chain(*default) {
                        let (c, t) = self.bounds(body, memo)?;
                        best = (best.0.max(c), best.1.max(t));
                    }
                    best
                }
                StmtKind::MapRange { body, .. }
                | StmtKind::OnceDo { body, .. }
                | StmtKind::Call { body, .. }
                | StmtKind::Defer { body }
                | StmtKind::Recover { body, .. } => self.bounds(*body, memo)?,
                _ => (0, 0),
            };
            cost = cost.saturating_add(1).saturating_add(c);
            threads = threads.saturating_add(t);
        }
        memo.insert(b, (cost, threads));
        Ok((cost, threads))
    }

    /// Most ops one run of block `b` executes, counting loops and the bodies of the goroutines
    /// and callbacks it starts; `None` when it has a loop with no static bound (`for`, `range`
    /// over a channel). A range over a map or slice counts as [`Compiler::range_bound`]
    /// iterations, each a step.
    pub(super) fn total_ops(
        &self,
        b: BlockId,
        memo: &mut HashMap<BlockId, Option<u64>>,
    ) -> Option<u64> {
        if let Some(&v) = memo.get(&b) {
            return v;
        }
        let mut total: u64 = 0;
        for s in &self.blocks[b] {
            let times = match &s.kind {
                StmtKind::For { .. }
                | StmtKind::ChanRange { .. }
                | StmtKind::Repeat {
                    times: Count::Expr(_),
                    ..
                } => {
                    memo.insert(b, None);
                    return None;
                }
                StmtKind::Repeat {
                    times: Count::Lit(times),
                    ..
                } => *times,
                StmtKind::MapRange { .. }
                | StmtKind::SliceRange { .. }
                | StmtKind::DsMap {
                    op: DsMapOp::Range { .. },
                    ..
                } => {
                    // Each iteration is a step of its own.
                    total = total.saturating_add(self.range_bound());
                    self.range_bound()
                }
                _ => 1,
            };
            let mut inner: u64 = 0;
            for (body, _) in s.kind.bodies() {
                let Some(c) = self.total_ops(body, memo) else {
                    memo.insert(b, None);
                    return None;
                };
                inner = inner.saturating_add(c);
            }
            total = total
                .saturating_add(1)
                .saturating_add(inner.saturating_mul(times));
        }
        memo.insert(b, Some(total));
        Some(total)
    }
}

impl Compiler<'_> {
    /// Iterations a range over a map or slice is counted as: the declared entries and
    /// elements of every object, plus room for what the ops add.
    fn range_bound(&self) -> u64 {
        let declared: u64 = self
            .decls
            .iter()
            .map(|(_, d)| match d {
                ObjectDecl::Map { entries, .. } => entries.len() as u64,
                ObjectDecl::Slice {
                    elems, len, cap, ..
                } => (elems.len() as u64)
                    .max(len.unwrap_or(0))
                    .max(cap.unwrap_or(0)),
                _ => 0,
            })
            .sum();
        declared.saturating_add(1024)
    }
}
