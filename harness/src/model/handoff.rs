//! Hand-off links of the step trace: which earlier line of another thread a line synchronizes
//! with (Go's memory model: an Unlock before the next Lock, a send before the receive that gets
//! its value, a close before the receives it ends, `Done` before `Wait` returns, f before
//! `Once.Do` returns, a cancel before `<-ctx.Done()`, a timer firing before the receive of its
//! tick). The views draw them as arrows between lanes.
//!
//! Kept only while tracing: with `World::trace` `None` every method here returns at once and
//! the maps stay empty (and unallocated), so explorations pay nothing.

use super::world::World;
use crate::scenario::ObjId;
use std::collections::{HashMap, VecDeque};

/// A kind of release an object keeps the latest line of.
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

/// Trace lines waiting to be linked; indices into `World::trace`.
#[derive(Debug, Default)]
pub(crate) struct Handoffs {
    /// The latest release of each kind per object: what the next acquisition links to.
    released: HashMap<Release, usize>,
    /// Per channel, the lines of the sends whose values are buffered, oldest first.
    /// Invariant: its last `buf.len()` entries are the buffer's values (timers clear a buffer
    /// wholesale without telling; values are only ever added at the back).
    sent: HashMap<ObjId, VecDeque<usize>>,
    /// Per woken thread, the line of the op that woke it, until its wake-up line takes it.
    woke: HashMap<usize, usize>,
    /// Per thread, the line on which it last blocked (a blocked sender's offer).
    blocked: HashMap<usize, usize>,
}

impl World {
    /// The index the next trace line gets (`None` when not tracing): a waker that notes its
    /// own line right after the hand-off passes this.
    #[inline]
    pub fn next_line(&self) -> Option<usize> {
        self.trace.as_ref().map(Vec::len)
    }

    /// Remember `line` as the latest release of `key`.
    #[inline]
    pub fn released(&mut self, key: Release, line: Option<usize>) {
        if let Some(l) = line {
            self.links.released.insert(key, l);
        }
    }

    /// The latest release of `key`, if traced.
    #[inline]
    pub fn release_line(&self, key: Release) -> Option<usize> {
        self.trace.as_ref()?; // untraced: nothing is kept
        self.links.released.get(&key).copied()
    }

    /// The latest release of `key`, forgotten (a release that enables one acquisition only).
    #[inline]
    pub fn take_release(&mut self, key: Release) -> Option<usize> {
        self.trace.as_ref()?; // untraced: nothing is kept
        self.links.released.remove(&key)
    }

    /// Thread `t` is woken by the op noted on `line`.
    #[inline]
    pub fn woken_by(&mut self, t: usize, line: Option<usize>) {
        if let Some(l) = line {
            self.links.woke.insert(t, l);
        }
    }

    /// The line that woke thread `t` (taken: its wake-up line uses it once).
    #[inline]
    pub fn take_woken(&mut self, t: usize) -> Option<usize> {
        self.trace.as_ref()?; // untraced: nothing is kept
        self.links.woke.remove(&t)
    }

    /// Thread `t` blocked on `line`.
    #[inline]
    pub fn blocked_on_line(&mut self, t: usize, line: Option<usize>) {
        if let Some(l) = line {
            self.links.blocked.insert(t, l);
        }
    }

    /// The line on which thread `t` last blocked.
    #[inline]
    pub fn blocked_line(&self, t: usize) -> Option<usize> {
        self.trace.as_ref()?; // untraced: nothing is kept
        self.links.blocked.get(&t).copied()
    }

    /// A value sent on `line` went to the back of `ch`'s buffer.
    #[inline]
    pub fn buffered(&mut self, ch: ObjId, line: Option<usize>) {
        if let Some(l) = line {
            self.links.sent.entry(ch).or_default().push_back(l);
        }
    }

    /// The send line of the value at the head of `ch`'s buffer, which held `len` values before
    /// this receive took the head.
    #[inline]
    pub fn unbuffered(&mut self, ch: ObjId, len: usize) -> Option<usize> {
        self.trace.as_ref()?; // untraced: nothing is kept
        let q = self.links.sent.get_mut(&ch)?;
        if q.len() < len {
            // The head was put there before tracing knew of it: no line.
            return None;
        }
        q.drain(..q.len() - len);
        q.pop_front()
    }
}
