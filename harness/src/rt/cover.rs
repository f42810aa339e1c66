//! Interleaving coverage: while a byte-driven execution runs, every step is keyed by the op
//! that ran just before it, the op itself and whether the two were on different threads;
//! blocking is keyed by its op. The ports call [`cover_step`] and [`cover_block`] at their
//! scheduling points; the fuzz engine (`explore::fuzz`) reads the counters.

use std::cell::{Cell, RefCell};

/// Counters in the interleaving-coverage map.
pub const COVERAGE_SIZE: usize = 1 << 14;

thread_local! {
    static COVER_ON: Cell<bool> = const { Cell::new(false) };
    static LAST_STEP: Cell<(u32, u32)> = const { Cell::new((u32::MAX, u32::MAX)) };
    static COVERAGE: RefCell<Coverage> = const { RefCell::new(Coverage { map: Vec::new(), touched: Vec::new() }) };
}

/// The hit counters of one execution, and which of them are non-zero (an execution touches a
/// few dozen, so only those are cleared and read).
struct Coverage {
    map: Vec<u8>,
    touched: Vec<u32>,
}

fn mix(a: u64, b: u64) -> usize {
    // splitmix64's finalizer: cheap and spreads nearby op ids over the whole map.
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_add(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) as usize) & (COVERAGE_SIZE - 1)
}

fn bump(k: usize) {
    COVERAGE.with(|c| {
        let c = &mut *c.borrow_mut();
        if c.map[k] == 0 {
            c.touched.push(k as u32);
        }
        c.map[k] = c.map[k].saturating_add(1);
    });
}

/// Model thread `me` takes a step of op `op` (called from the world's scheduling point).
#[inline]
pub(crate) fn cover_step(me: usize, op: usize) {
    if !COVER_ON.with(|c| c.get()) {
        return;
    }
    let (last_t, last_op) = LAST_STEP.with(|l| l.replace((me as u32, op as u32)));
    let switched = last_t != me as u32;
    bump(mix(
        ((last_op as u64) << 1) | switched as u64,
        (op as u64) << 1,
    ));
}

/// Model thread `me` blocks at op `op`.
#[inline]
pub(crate) fn cover_block(me: usize, op: usize) {
    if !COVER_ON.with(|c| c.get()) {
        return;
    }
    let last_op = LAST_STEP.with(|l| l.get().1);
    bump(mix(
        ((op as u64) << 1) | 1,
        ((last_op as u64) << 32) | me as u64,
    ));
}

/// Start recording coverage for one execution on this OS thread (clears the map).
pub(crate) fn coverage_start() {
    COVERAGE.with(|c| {
        let c = &mut *c.borrow_mut();
        c.map.resize(COVERAGE_SIZE, 0);
        for &k in &c.touched {
            c.map[k as usize] = 0;
        }
        c.touched.clear();
    });
    LAST_STEP.with(|l| l.set((u32::MAX, u32::MAX)));
    COVER_ON.with(|c| c.set(true));
}

/// Stop recording and hand `f` the counters hit, as (index, count).
pub(crate) fn coverage_finish<R>(f: impl FnOnce(&mut dyn Iterator<Item = (usize, u8)>) -> R) -> R {
    COVER_ON.with(|c| c.set(false));
    COVERAGE.with(|c| {
        let c = &*c.borrow();
        f(&mut c.touched.iter().map(|&k| (k as usize, c.map[k as usize])))
    })
}
