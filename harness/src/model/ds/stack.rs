//! The lock-free stacks over a node arena whose popped nodes are reused: `treiber-stack`
//! (CAS on the pointer alone: ABA), `stamped-stack` (pointer and version CASed together),
//! `epoch-stack` (a node is reused only once no thread that could hold it is inside an
//! operation).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StackKind {
    Treiber,
    Stamped,
    Epoch,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub val: Value,
    pub next: Option<usize>,
}

/// A Treiber stack over a node arena with a FIFO free list.
#[derive(Debug, Clone)]
pub(crate) struct StackState {
    pub kind: StackKind,
    /// The head pointer and its version (the version is compared only by `stamped-stack`).
    pub head: (Option<usize>, u64),
    pub nodes: Vec<Node>,
    pub free: VecDeque<usize>,
    /// Every value pushed, initial contents included, and every value popped (for
    /// `conserved`).
    pub pushed: Vec<Value>,
    pub popped: Vec<Value>,
    /// Epoch reclamation: the global epoch, the epoch each thread inside an op pinned, and
    /// retired nodes with the epoch they were retired in.
    pub epoch: u64,
    pub pinned: HashMap<usize, u64>,
    pub garbage: Vec<(usize, u64)>,
}

impl StackState {
    pub fn new(kind: StackKind, elems: &[Value]) -> StackState {
        let mut s = StackState {
            kind,
            head: (None, 0),
            nodes: Vec::new(),
            free: VecDeque::new(),
            pushed: elems.to_vec(),
            popped: Vec::new(),
            epoch: 0,
            pinned: HashMap::new(),
            garbage: Vec::new(),
        };
        for v in elems {
            s.nodes.push(Node {
                val: v.clone(),
                next: s.head.0,
            });
            s.head.0 = Some(s.nodes.len() - 1);
        }
        s
    }

    /// Contents, bottom first. A corrupted stack can hold a cycle: the walk stops at the
    /// arena's size.
    pub fn contents(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut p = self.head.0;
        while let Some(n) = p {
            if out.len() > self.nodes.len() {
                break;
            }
            out.push(self.nodes[n].val.clone());
            p = self.nodes[n].next;
        }
        out.reverse();
        out
    }

    /// Whether pushed == popped + contents, as multisets: nothing lost, nothing duplicated.
    pub fn conservation(&self) -> Result<(), String> {
        let mut count: BTreeMap<&Value, i64> = BTreeMap::new();
        for v in &self.pushed {
            *count.entry(v).or_default() += 1;
        }
        let contents = self.contents();
        for v in self.popped.iter().chain(contents.iter()) {
            *count.entry(v).or_default() -= 1;
        }
        let lost: Vec<String> = count
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(v, _)| v.quoted())
            .collect();
        let dup: Vec<String> = count
            .iter()
            .filter(|(_, &n)| n < 0)
            .map(|(v, _)| v.quoted())
            .collect();
        if lost.is_empty() && dup.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        if !lost.is_empty() {
            parts.push(format!("lost {}", lost.join(", ")));
        }
        if !dup.is_empty() {
            parts.push(format!("duplicated {}", dup.join(", ")));
        }
        Err(format!(
            "{} (pushed [{}], popped [{}], left [{}])",
            parts.join("; "),
            join(&self.pushed),
            join(&self.popped),
            join(&contents)
        ))
    }

    fn alloc(&mut self, v: Value) -> (usize, bool) {
        match self.free.pop_front() {
            Some(n) => {
                self.nodes[n].val = v;
                (n, true)
            }
            None => {
                self.nodes.push(Node { val: v, next: None });
                (self.nodes.len() - 1, false)
            }
        }
    }

    /// A node left the stack: free it now, or (epoch) once no thread can still hold it.
    fn retire(&mut self, n: usize) {
        match self.kind {
            StackKind::Treiber | StackKind::Stamped => self.free.push_back(n),
            StackKind::Epoch => self.garbage.push((n, self.epoch)),
        }
    }

    fn pin(&mut self, t: usize) {
        if self.kind != StackKind::Epoch {
            return;
        }
        // Advance when every pinned thread has seen the current epoch, then reclaim what was
        // retired two epochs ago: no pinned thread can still hold it.
        if self.pinned.values().all(|&e| e == self.epoch) {
            self.epoch += 1;
        }
        self.pinned.insert(t, self.epoch);
        let epoch = self.epoch;
        let (ready, keep): (Vec<_>, Vec<_>) =
            self.garbage.iter().partition(|&&(_, e)| e + 2 <= epoch);
        self.garbage = keep;
        self.free.extend(ready.into_iter().map(|(n, _)| n));
    }

    fn unpin(&mut self, t: usize) {
        self.pinned.remove(&t);
    }
}

pub(super) fn join(v: &[Value]) -> String {
    v.iter().map(Value::quoted).collect::<Vec<_>>().join(", ")
}

/// `s.Push(v)`.
pub(crate) fn push(cx: &ThreadCx, op: OpId, o: ObjId, v: Value) -> Result<(), Unwind> {
    let me = cx.me;
    let n = {
        let mut w = cx.step(op)?;
        let name = w.obj_name(o);
        let s = w.stack(o);
        s.pin(me);
        let (n, reused) = s.alloc(v.clone());
        w.note(me, op, || {
            format!(
                "{name}.Push({}): node#{n}{}",
                v.quoted(),
                if reused { " (reused)" } else { "" }
            )
        });
        n
    };
    let r = (|| loop {
        let old = {
            let mut w = cx.step(op)?;
            let s = w.stack(o);
            let head = s.head;
            s.nodes[n].next = head.0;
            let name = w.obj_name(o);
            w.note(me, op, || format!("{name}.Push: head -> {}", fmt_ptr(head)));
            head
        };
        if cas_head(cx, op, o, old, Some(n))? {
            cx.world.borrow_mut().stack(o).pushed.push(v.clone());
            return Ok(());
        }
    })();
    unpin(cx, o);
    r
}

/// `v, ok := s.Pop()`.
pub(crate) fn pop(cx: &ThreadCx, op: OpId, o: ObjId) -> Result<(Value, bool), Unwind> {
    let me = cx.me;
    {
        let mut w = cx.step(op)?;
        w.stack(o).pin(me);
    }
    let r = (|| loop {
        let old = {
            let mut w = cx.step(op)?;
            let head = w.stack(o).head;
            let name = w.obj_name(o);
            w.note(me, op, || format!("{name}.Pop: head -> {}", fmt_ptr(head)));
            head
        };
        let Some(h) = old.0 else {
            return Ok((Value::Nil, false));
        };
        let next = {
            let mut w = cx.step(op)?;
            let next = w.stack(o).nodes[h].next;
            let name = w.obj_name(o);
            w.note(me, op, || {
                format!("{name}.Pop: node#{h}.next -> {}", fmt_ptr((next, 0)))
            });
            next
        };
        if cas_head(cx, op, o, old, next)? {
            let mut w = cx.world.borrow_mut();
            let s = w.stack(o);
            let v = s.nodes[h].val.clone();
            s.retire(h);
            s.popped.push(v.clone());
            let name = w.obj_name(o);
            w.note(me, op, || {
                format!("{name}.Pop() -> {} (node#{h} retired)", v.quoted())
            });
            return Ok((v, true));
        }
    })();
    unpin(cx, o);
    r
}

/// Leave the operation (epoch reclamation: the thread holds no node any more).
pub(super) fn unpin(cx: &ThreadCx, o: ObjId) {
    cx.world.borrow_mut().stack(o).unpin(cx.me);
}

pub(super) fn fmt_ptr(p: (Option<usize>, u64)) -> String {
    match p.0 {
        Some(n) => format!("node#{n} (v{})", p.1),
        None => format!("nil (v{})", p.1),
    }
}

/// CAS the head from `old` to `new`: the stamped stack compares the version too.
pub(super) fn cas_head(
    cx: &ThreadCx,
    op: OpId,
    o: ObjId,
    old: (Option<usize>, u64),
    new: Option<usize>,
) -> Result<bool, Unwind> {
    let mut w = cx.step(op)?;
    let s = w.stack(o);
    let ok = match s.kind {
        StackKind::Stamped => s.head == old,
        StackKind::Treiber | StackKind::Epoch => s.head.0 == old.0,
    };
    if ok {
        s.head = (new, s.head.1 + 1);
    }
    let name = w.obj_name(o);
    w.note(cx.me, op, || {
        format!(
            "{name}: CAS(head, {}, {}) -> {ok}",
            fmt_ptr(old),
            fmt_ptr((new, old.1 + 1))
        )
    });
    Ok(ok)
}
