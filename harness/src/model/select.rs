//! `select` port: which ready case runs is an explorer decision.
//!
//! Go polls the cases in a random order and takes the first that can proceed; a send case on a
//! closed channel "can proceed" by panicking. So among the actionable cases (ready receives, ready
//! sends, and sends on closed channels) each is equally likely to win: the port lets the explorer
//! choose one, recorded in the schedule. Nil-channel cases are never ready. With no actionable
//! case, `default` runs if present; otherwise the thread waits on every channel at once and the
//! first channel event that completes a case wakes it.

use super::chan::{try_recv, try_send, Received, TrySend, Waiter};
use super::sync::Release;
use super::world::{ThreadCx, Unwind, Wake};
use super::{Failure, Value, WaitReason};
use crate::rt;
use crate::scenario::{ObjId, OpId};

/// One communication case of a `select`.
#[derive(Debug, Clone)]
pub(crate) enum SelCase {
    Recv {
        ch: ObjId,
        zero: Value,
    },
    Send {
        ch: ObjId,
        value: Value,
    },
    /// `<-time.After(ns)`.
    After {
        ns: i64,
    },
}

/// Which case ran.
#[derive(Debug)]
pub(crate) enum Selected {
    /// Case `index`; for a receive, the value and `ok`.
    Case {
        index: usize,
        value: Value,
        ok: bool,
    },
    Default,
}

/// The select took timer case `index`: its other channels are abandoned by this caller.
fn abandon(w: &mut super::world::World, cases: &[SelCase], index: usize) {
    for (i, c) in cases.iter().enumerate() {
        if let (false, SelCase::Recv { ch, .. } | SelCase::Send { ch, .. }) = (i == index, c) {
            if !w.abandoned.contains(ch) {
                w.abandoned.push(*ch);
            }
        }
    }
}

pub(crate) fn select(
    cx: &ThreadCx,
    op: OpId,
    cases: &[SelCase],
    has_default: bool,
) -> Result<Selected, Unwind> {
    let mut w = cx.step(op)?;
    // Evaluate the channel operands first, as Go does: a timer's or context's channel, and a
    // new timer for each `time.After`.
    let mut resolved = Vec::with_capacity(cases.len());
    for (i, case) in cases.iter().enumerate() {
        resolved.push(match case {
            SelCase::Recv { ch, zero } => match w.resolve_chan(*ch) {
                Ok(ch) => SelCase::Recv {
                    ch,
                    zero: zero.clone(),
                },
                Err(f) => return Err(cx.panic(f, op)),
            },
            SelCase::Send { .. } => case.clone(),
            SelCase::After { ns } => SelCase::Recv {
                ch: w.after_site(cx.me, op, i, *ns),
                zero: Value::Int(0),
            },
        });
    }
    let cases = &resolved[..];
    // Polled once, and again after a spurious wakeup (an injected fault).
    loop {
        let actionable: Vec<usize> = (0..cases.len())
            .filter(|&i| match &cases[i] {
                SelCase::Recv { ch, .. } => {
                    let c = w.chan(*ch);
                    !c.nil && (!c.sendq.is_empty() || !c.buf.is_empty() || c.closed)
                }
                SelCase::Send { ch, .. } => {
                    let c = w.chan(*ch);
                    !c.nil && (c.closed || !c.recvq.is_empty() || c.buf.len() < c.cap)
                }
                SelCase::After { .. } => unreachable!("resolved above"),
            })
            .collect();

        if !actionable.is_empty() {
            let index = actionable[rt::choose(actionable.len())];
            return match &cases[index] {
                SelCase::Recv { ch, zero } => {
                    let line = w.next_point(cx.me);
                    let Received { value, ok, from } =
                        try_recv(&mut w, *ch, zero, line).expect("an actionable receive proceeds");
                    if w.chan(*ch).timer {
                        abandon(&mut w, cases, index);
                    }
                    let name = w.obj_name(*ch);
                    w.note_from(cx.me, op, from, || {
                        format!("select case {index}: <-{name} -> {}, {ok}", value.quoted())
                    });
                    Ok(Selected::Case { index, value, ok })
                }
                SelCase::Send { ch, value } => {
                    let name = w.obj_name(*ch);
                    let line = w.next_point(cx.me);
                    match try_send(&mut w, *ch, value, line) {
                        TrySend::Done => {
                            w.note(cx.me, op, || {
                                format!("select case {index}: {name} <- {}", value.quoted())
                            });
                            Ok(Selected::Case {
                                index,
                                value: Value::Nil,
                                ok: true,
                            })
                        }
                        TrySend::Closed => {
                            let from = w.release_point(Release::Close(*ch));
                            w.note_from(cx.me, op, from, || {
                                format!("select case {index}: {name} is closed")
                            });
                            Err(cx.panic(Failure::SendOnClosedChannel, op))
                        }
                        TrySend::WouldBlock => unreachable!("an actionable send proceeds"),
                    }
                }
                SelCase::After { .. } => unreachable!("resolved above"),
            };
        }
        if has_default {
            w.note(cx.me, op, || "select: default".to_string());
            return Ok(Selected::Default);
        }

        let me = cx.me;
        let mut any = false;
        for (i, case) in cases.iter().enumerate() {
            match case {
                SelCase::Recv { ch, .. } if !w.chan(*ch).nil => {
                    any = true;
                    w.chan(*ch).recvq.push_back(Waiter {
                        thread: me,
                        case: Some(i),
                        value: Value::Nil,
                    });
                }
                SelCase::Send { ch, value } if !w.chan(*ch).nil => {
                    any = true;
                    w.chan(*ch).sendq.push_back(Waiter {
                        thread: me,
                        case: Some(i),
                        value: value.clone(),
                    });
                }
                _ => {}
            }
        }
        // As Go's dump shows it: the compiler turns a one-case select into the plain channel
        // operation, and selectgo drops nil channels, so a select whose every case is a nil
        // channel waits with no cases at all.
        let reason = match cases {
            [SelCase::Recv { ch, .. }] if w.chan(*ch).nil => WaitReason::ChanReceiveNil,
            [SelCase::Recv { .. }] => WaitReason::ChanReceive,
            [SelCase::Send { ch, .. }] if w.chan(*ch).nil => WaitReason::ChanSendNil,
            [SelCase::Send { .. }] => WaitReason::ChanSend,
            _ if !any => WaitReason::SelectNoCases,
            _ => WaitReason::Select,
        };
        let single = if any {
            None
        } else {
            cases.first().map(|c| match c {
                SelCase::Recv { ch, .. } | SelCase::Send { ch, .. } => *ch,
                SelCase::After { .. } => unreachable!("resolved above"),
            })
        };
        let wake = cx.block(w, op, reason, single)?;
        if wake == Wake::Spurious {
            // An injected spurious wakeup took it off every queue: poll the cases again (the
            // `time.After` timers stay as they are) and wait again if none can proceed.
            w = cx.world.borrow_mut();
            continue;
        }
        return match wake {
            Wake::Received {
                case: Some(index),
                value,
                ok,
            } => {
                let mut w = cx.world.borrow_mut();
                if let SelCase::Recv { ch, .. } = &cases[index] {
                    if w.chan(*ch).timer {
                        abandon(&mut w, cases, index);
                    }
                }
                let from = w.take_woken(me);
                w.note_from(me, op, from, || {
                    format!("select case {index} -> {}, {ok} (woken)", value.quoted())
                });
                Ok(Selected::Case { index, value, ok })
            }
            Wake::Sent { case: Some(index) } => {
                let mut w = cx.world.borrow_mut();
                let from = w.take_woken(me);
                w.note_from(me, op, from, || {
                    format!("select case {index}: sent (woken)")
                });
                Ok(Selected::Case {
                    index,
                    value: Value::Nil,
                    ok: true,
                })
            }
            Wake::SendClosed { case: Some(index) } => {
                let mut w = cx.world.borrow_mut();
                let from = w.take_woken(me);
                w.note_from(me, op, from, || {
                    format!("select case {index}: channel closed (woken)")
                });
                drop(w);
                Err(cx.panic(Failure::SendOnClosedChannel, op))
            }
            other => unreachable!("a select is woken by one of its cases, not {other:?}"),
        };
    }
}
