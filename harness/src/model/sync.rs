//! Synchronizing events: every release→acquire edge of Go's memory model that the ports
//! perform, recorded in every execution, traced or not. An Unlock happens before the next
//! Lock, a send before the receive that gets its value (and the k-th receive on a channel of
//! capacity C before the (k+C)-th send completes), a close before the receives it ends, `Done`
//! before `Wait` returns, f before `Once.Do` returns, a cancel before `<-ctx.Done()`, a timer
//! firing before the receive of its tick.
//!
//! A port names the release ([`World::released`], [`World::buffered`], [`World::woken_by`])
//! and, on the acquiring side, passes what it acquired from to [`World::note_from`], which
//! calls [`World::acquired`]: the one place every edge passes, the hook a happens-before
//! analysis joins its clocks at. The step trace draws the same edges as hand-off arrows.

use super::race::SyncKey;
use super::world::World;
use crate::scenario::ObjId;
use std::collections::VecDeque;

/// One side of a synchronizing event: the thread, the step it took, and its line of the step
/// trace when the execution is traced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Point {
    pub thread: usize,
    pub step: u64,
    pub line: Option<usize>,
    /// The snapshot of the thread's vector clock at this point (see `race`), what acquiring
    /// the point joins; [`super::race::NO_CLOCK`] when races are not tracked.
    pub clock: u32,
}

/// A kind of release an object keeps the latest of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Release {
    /// A mutex's Unlock (also an RWMutex's writer Unlock, a Once's or a map's inner mutex).
    Unlock(ObjId),
    /// An RWMutex's RUnlock since the last writer got the lock.
    RUnlock(ObjId),
    /// A WaitGroup counter reaching 0.
    WaitGroupZero(ObjId),
    /// A Once's f returning (or panicking): `done` set.
    OnceDone(ObjId),
    /// A channel's close.
    Close(ObjId),
}

impl Release {
    fn slot(self) -> (ObjId, usize) {
        match self {
            Release::Unlock(o) => (o, 0),
            Release::RUnlock(o) => (o, 1),
            Release::WaitGroupZero(o) => (o, 2),
            Release::OnceDone(o) => (o, 3),
            Release::Close(o) => (o, 4),
        }
    }
}

/// The releases waiting to be acquired, and the count of edges so far.
#[derive(Debug, Default)]
pub(crate) struct SyncState {
    /// The latest release of each kind, per object (indexed by `ObjId`, grown on demand).
    released: Vec<[Option<Point>; 5]>,
    /// Per channel, the sends whose values are buffered, oldest first. Invariant: its last
    /// `buf.len()` entries are the buffer's values (timers clear a buffer wholesale without
    /// telling; values are only ever added at the back).
    sent: Vec<VecDeque<Point>>,
    /// Per woken thread, the op that woke it, until its wake-up takes it.
    woke: Vec<Option<Point>>,
    /// Per thread, the op on which it last blocked (a blocked sender's offer).
    blocked: Vec<Option<Point>>,
    /// Edges between two threads recorded so far.
    edges: u64,
}

thread_local! {
    /// Tables of a finished execution, emptied, for the next one on this OS thread: an
    /// execution takes a few microseconds, and allocating them anew each time showed.
    static SPARE: std::cell::RefCell<Option<SyncState>> = const { std::cell::RefCell::new(None) };
}

impl SyncState {
    /// Empty tables, reusing the last finished execution's allocations on this thread.
    pub(crate) fn fresh() -> SyncState {
        SPARE.with(|s| s.borrow_mut().take()).unwrap_or_default()
    }

    /// Empty the tables and keep them for the next execution on this thread.
    pub(crate) fn recycle(mut self) {
        self.released.clear();
        self.sent.clear();
        self.woke.clear();
        self.blocked.clear();
        self.edges = 0;
        // `try_with`: a world dropped while the thread exits has nowhere to put them.
        let _ = SPARE.try_with(|s| *s.borrow_mut() = Some(self));
    }
}

/// `v[i]`, growing `v` to hold it.
fn at<T: Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

impl World {
    /// The point the next [`World::note`] of `thread` in this step gets: a waker that notes its
    /// own line right after the hand-off passes this.
    #[inline]
    pub fn next_point(&mut self, thread: usize) -> Point {
        Point {
            thread,
            step: self.steps,
            line: self.trace.as_ref().map(Vec::len),
            clock: self.race.snapshot(thread),
        }
    }

    /// Thread `to` acquired what `from` released: `from` happens before what `to` does next.
    /// Every edge between two threads passes here; program order within a thread needs none.
    #[inline]
    pub fn acquired(&mut self, from: Point, to: usize) {
        if from.thread != to {
            self.sync.edges += 1;
            self.race.acquire_snapshot(to, from.clock);
        }
    }

    /// Synchronizing edges between threads so far in this execution.
    pub fn sync_edges(&self) -> u64 {
        self.sync.edges
    }

    /// Remember `p` as the latest release of `key`.
    #[inline]
    pub fn released(&mut self, key: Release, p: Point) {
        let (o, k) = key.slot();
        // An acquirer gets every release made on the key, not only the latest: the readers'
        // RUnlocks before a Lock, every Done before Wait (Go's race annotations merge them).
        let clock = self.race.accumulate(SyncKey::Release(o, k), p.clock);
        at(&mut self.sync.released, o)[k] = Some(Point { clock, ..p });
    }

    /// A release on `key` that no trace arrow shows: a `Done` that leaves the counter above 0
    /// still happens before the `Wait` that returns.
    #[inline]
    pub fn merge_release(&mut self, key: Release, p: Point) {
        let (o, k) = key.slot();
        self.race.accumulate(SyncKey::Release(o, k), p.clock);
    }

    /// The latest release of `key`.
    #[inline]
    pub fn release_point(&self, key: Release) -> Option<Point> {
        let (o, k) = key.slot();
        self.sync.released.get(o).and_then(|r| r[k])
    }

    /// The latest release of `key`, forgotten (a release that enables one acquisition only).
    #[inline]
    pub fn take_release(&mut self, key: Release) -> Option<Point> {
        let (o, k) = key.slot();
        self.race.reset_key(SyncKey::Release(o, k));
        self.sync.released.get_mut(o).and_then(|r| r[k].take())
    }

    /// Thread `t` is woken by the op at `p` (`None`: by nothing a thread did).
    #[inline]
    pub fn woken_by(&mut self, t: usize, p: Option<Point>) {
        *at(&mut self.sync.woke, t) = p;
    }

    /// What woke thread `t` (taken: its wake-up uses it once).
    #[inline]
    pub fn take_woken(&mut self, t: usize) -> Option<Point> {
        self.sync.woke.get_mut(t).and_then(Option::take)
    }

    /// Thread `t` blocked at `p`.
    #[inline]
    pub fn blocked_at(&mut self, t: usize, p: Point) {
        *at(&mut self.sync.blocked, t) = Some(p);
    }

    /// Where thread `t` last blocked.
    #[inline]
    pub fn blocked_point(&self, t: usize) -> Option<Point> {
        self.sync.blocked.get(t).copied().flatten()
    }

    /// A value sent at `p` went to the back of `ch`'s buffer.
    #[inline]
    pub fn buffered(&mut self, ch: ObjId, p: Point) {
        at(&mut self.sync.sent, ch).push_back(p);
    }

    /// The send of the value at the head of `ch`'s buffer, which held `len` values before this
    /// receive took the head.
    #[inline]
    pub fn unbuffered(&mut self, ch: ObjId, len: usize) -> Option<Point> {
        let q = self.sync.sent.get_mut(ch)?;
        if q.len() < len {
            // The head was there from the start (declared contents): no send made it.
            return None;
        }
        q.drain(..q.len() - len);
        q.pop_front()
    }
}
