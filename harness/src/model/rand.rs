//! math/rand: `rand.Intn(n)` as a choice of the explorer. A real program's random numbers are
//! one more input the interleaving does not control; here every outcome is an option the
//! engines explore, recorded in the schedule like the pick of a ready `select` case.

use super::failure::Failure;
use super::world::{ThreadCx, Unwind};
use super::Value;
use crate::rt;
use crate::scenario::OpId;

/// `into = rand.Intn(n)`: a scheduling point (Go may preempt at any call), then the value.
pub(crate) fn intn(cx: &ThreadCx, op: OpId, n: i64, into: &str) -> Result<i64, Unwind> {
    let mut w = cx.step(op)?;
    if n <= 0 {
        // math/rand's own check (rand.go: `if n <= 0 { panic("invalid argument to Intn") }`).
        w.note(cx.me, op, || {
            format!("{into} = rand.Intn({n}): invalid argument")
        });
        return Err(cx.panic(
            Failure::UserPanic(Value::Str("invalid argument to Intn".into())),
            op,
        ));
    }
    let options = usize::try_from(n).unwrap_or(usize::MAX);
    let v = rt::choose(options) as i64;
    w.note(cx.me, op, || format!("{into} = rand.Intn({n}) -> {v}"));
    Ok(v)
}
