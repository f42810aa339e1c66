//! The checker against an independent brute force (every order of the operations that
//! respects real time, pending operations in or out) on random small histories of every
//! built-in specification, linearizable by construction and mutated.

use super::specs::{Spec, SpecKind, SPECS};
use super::*;
use proptest::prelude::*;
use serde_json::json;

fn op(
    thread: &str,
    name: &str,
    args: Vec<Value>,
    result: Option<Value>,
    call: u64,
    ret: Option<u64>,
) -> Operation {
    Operation {
        thread: thread.into(),
        op: name.into(),
        args,
        result,
        call,
        ret,
    }
}

/// Is there an order of `ops` that respects real time and the specification? Pending
/// operations may be left out. Tries every order, on the whole object (no per-key split, so
/// the split is tested too): only for small histories.
fn brute_force(spec: &Spec, ops: &[Operation]) -> bool {
    type Parts = std::collections::BTreeMap<String, super::specs::State>;
    fn precedes(a: &Operation, b: &Operation) -> bool {
        a.ret.is_some_and(|r| r < b.call)
    }
    fn go(spec: &Spec, ops: &[Operation], placed: &mut Vec<bool>, parts: Parts) -> bool {
        if ops
            .iter()
            .zip(placed.iter())
            .all(|(o, &p)| p || o.pending())
        {
            return true;
        }
        for i in 0..ops.len() {
            if placed[i] {
                continue;
            }
            // Everything that returned before i was called must be placed already.
            if (0..ops.len()).any(|j| !placed[j] && j != i && precedes(&ops[j], &ops[i])) {
                continue;
            }
            let key = spec.key(&ops[i].op, &ops[i].args);
            let part = parts
                .get(key.as_deref().unwrap_or(""))
                .cloned()
                .unwrap_or_else(|| spec.init(key.as_deref()));
            let Ok((out, next)) = spec.step(&part, &ops[i].op, &ops[i].args) else {
                continue;
            };
            if ops[i].result.as_ref().is_some_and(|r| !spec.same(&out, r)) {
                continue;
            }
            let mut parts = parts.clone();
            parts.insert(key.unwrap_or_default(), next);
            placed[i] = true;
            if go(spec, ops, placed, parts) {
                return true;
            }
            placed[i] = false;
        }
        false
    }
    go(spec, ops, &mut vec![false; ops.len()], Parts::new())
}

/// A specification for the random histories (an integer register, so that it adds).
fn spec_of(kind: SpecKind) -> Spec {
    match kind {
        SpecKind::Register => Spec::with_initial(kind, json!(0)),
        _ => Spec::new(kind),
    }
}

/// Operations a specification takes, by a number, with small arguments.
fn make_op(kind: SpecKind, which: u8, a: u8, b: u8) -> (&'static str, Vec<Value>) {
    let (x, y) = (json!(a % 3), json!(b % 3));
    let pick = |names: &[(&'static str, usize)]| {
        let (n, arity) = names[which as usize % names.len()];
        let args = [x.clone(), y.clone(), json!((a as u16 + b as u16) % 3)];
        (n, args[..arity].to_vec())
    };
    match kind {
        SpecKind::Register => pick(&[
            ("read", 0),
            ("write", 1),
            ("swap", 1),
            ("cas", 2),
            ("add_and_get", 1),
        ]),
        SpecKind::Counter => pick(&[
            ("get", 0),
            ("inc", 0),
            ("add", 1),
            ("fetch_add", 1),
            ("add_and_get", 1),
        ]),
        SpecKind::Set => pick(&[("add", 1), ("remove", 1), ("contains", 1)]),
        SpecKind::Map => pick(&[
            ("load", 1),
            ("store", 2),
            ("delete", 1),
            ("load_or_store", 2),
            ("load_and_delete", 1),
            ("swap", 2),
            ("compare_and_swap", 3),
            ("compare_and_delete", 2),
        ]),
        SpecKind::Queue => pick(&[("push", 1), ("pop", 0)]),
        SpecKind::Stack => pick(&[("push", 1), ("pop", 0)]),
        SpecKind::Deque => pick(&[
            ("push_front", 1),
            ("push_back", 1),
            ("pop_front", 0),
            ("pop_back", 0),
        ]),
    }
}

/// A history made by running threads against the specification with each operation's
/// effect at a point between its call and its return, as `schedule` interleaves the three
/// steps: linearizable by construction. A thread told to stop leaves its operation pending.
fn simulate(
    spec: &Spec,
    plan: &[(u8, u8, u8, u8)],
    schedule: &[u8],
    threads: u8,
) -> Vec<Operation> {
    let threads = threads.max(1) as usize;
    let mut queues: Vec<Vec<(&'static str, Vec<Value>)>> = vec![Vec::new(); threads];
    for &(t, w, a, b) in plan {
        queues[t as usize % threads].push(make_op(spec.kind, w, a, b));
    }
    // Per thread: next operation, and its phase (0 call, 1 effect, 2 return), and the
    // history index of the operation in flight.
    let mut at = vec![(0usize, 0u8, usize::MAX); threads];
    let mut stopped = vec![false; threads];
    let mut state = std::collections::BTreeMap::<String, super::specs::State>::new();
    let mut history: Vec<Operation> = Vec::new();
    let mut clock = 0u64;
    let mut step = 0;
    loop {
        let live: Vec<usize> = (0..threads)
            .filter(|&t| !stopped[t] && at[t].0 < queues[t].len())
            .collect();
        if live.is_empty() {
            break;
        }
        let d = schedule.get(step).copied().unwrap_or(0);
        step += 1;
        // A decision of 255 stops the chosen thread where it is (its operation stays pending).
        let t = live[d as usize % live.len()];
        if d == 255 {
            stopped[t] = true;
            continue;
        }
        clock += 1;
        let (k, phase, h) = at[t];
        let (name, args) = queues[t][k].clone();
        match phase {
            0 => {
                history.push(op(&format!("t{t}"), name, args, None, clock, None));
                at[t] = (k, 1, history.len() - 1);
            }
            1 => {
                let key = spec.key(name, &args).unwrap_or_default();
                let part = state
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| spec.init(spec.key(name, &args).as_deref()));
                let (out, next) = spec.step(&part, name, &args).unwrap();
                state.insert(key, next);
                history[h].result = Some(out);
                at[t] = (k, 2, h);
            }
            _ => {
                history[h].ret = Some(clock);
                at[t] = (k + 1, 0, usize::MAX);
            }
        }
    }
    // A stopped thread's operation never returned: it has no result either.
    for o in &mut history {
        if o.ret.is_none() {
            o.result = None;
        }
    }
    history
}

fn verdict(spec: &Spec, h: &[Operation]) -> Verdict {
    check(spec, h, DEFAULT_BUDGET)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Histories made linearizable are found linearizable, and the brute force agrees.
    #[test]
    fn made_linearizable_is_linearizable(
        spec in 0..SPECS.len(),
        threads in 1u8..4,
        plan in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 0..8),
        schedule in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let spec = spec_of(SPECS[spec].1);
        let h = simulate(&spec, &plan, &schedule, threads);
        prop_assert!(brute_force(&spec, &h));
        prop_assert_eq!(verdict(&spec, &h), Verdict::Linearizable, "{:#?}", h);
    }

    /// With one result changed the history may or may not be linearizable: the checker
    /// says what the brute force says, and a violation names operations of the history.
    #[test]
    fn mutated_histories_agree_with_brute_force(
        spec in 0..SPECS.len(),
        threads in 1u8..4,
        plan in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 1..8),
        schedule in prop::collection::vec(any::<u8>(), 0..40),
        victim in any::<u8>(),
        value in 0u8..5,
    ) {
        let spec = spec_of(SPECS[spec].1);
        let mut h = simulate(&spec, &plan, &schedule, threads);
        let done: Vec<usize> = (0..h.len()).filter(|&i| !h[i].pending()).collect();
        prop_assume!(!done.is_empty());
        let i = done[victim as usize % done.len()];
        h[i].result = Some(match value {
            0 => Value::Null,
            1 => json!(true),
            2 => json!(false),
            v => json!(v - 3),
        });
        let truth = brute_force(&spec, &h);
        match verdict(&spec, &h) {
            Verdict::Linearizable => prop_assert!(truth, "checker: linearizable; brute force: not\n{:#?}", h),
            Verdict::Violation(v) => {
                prop_assert!(!truth, "checker: violation; brute force: linearizable\n{:#?}\n{:?}", h, v);
                prop_assert!(v.ops.contains(&v.stuck));
                prop_assert!(v.order.iter().all(|o| v.ops.contains(o)));
                prop_assert!(!h[v.stuck].pending());
            }
            Verdict::Unknown(why) => prop_assert!(false, "unknown: {}", why),
        }
    }
}

#[test]
fn a_stack_that_hands_out_a_value_twice_is_not_linearizable() {
    // The ABA stack's outcome: 3 pushed once, popped by two threads.
    let spec = Spec::with_initial(SpecKind::Stack, json!([3, 2, 1]));
    let h = vec![
        op("w1", "pop", vec![], Some(json!(1)), 1, Some(10)),
        op("w2", "pop", vec![], Some(json!(1)), 2, Some(3)),
        op("w2", "pop", vec![], Some(json!(2)), 4, Some(5)),
        op("w2", "push", vec![json!(4)], Some(Value::Null), 6, Some(7)),
    ];
    let Verdict::Violation(v) = verdict(&spec, &h) else {
        panic!("not found")
    };
    assert_eq!(v.ops, vec![0, 1, 2, 3]);
    // w2's pops and push come in order; w1's pop of 1 can go nowhere after them.
    assert!(v.stuck == 0 || v.stuck == 1, "{v:?}");
    // The same without the second 1: fine.
    let mut ok = h.clone();
    ok[0].result = Some(json!(4));
    assert_eq!(verdict(&spec, &ok), Verdict::Linearizable);
}

#[test]
fn a_map_is_checked_key_by_key_and_the_bad_key_is_named() {
    let spec = Spec::new(SpecKind::Map);
    let h = vec![
        op(
            "a",
            "store",
            vec![json!("x"), json!(1)],
            Some(Value::Null),
            1,
            Some(2),
        ),
        op("b", "load", vec![json!("x")], Some(json!(1)), 3, Some(4)),
        op(
            "a",
            "store",
            vec![json!("y"), json!(5)],
            Some(Value::Null),
            5,
            Some(6),
        ),
        // y was stored before this load began: it cannot miss it.
        op("b", "load", vec![json!("y")], Some(Value::Null), 7, Some(8)),
    ];
    let Verdict::Violation(v) = verdict(&spec, &h) else {
        panic!("not found")
    };
    assert_eq!(v.key.as_deref(), Some("\"y\""));
    assert_eq!(v.ops, vec![2, 3]);
    assert_eq!(v.stuck, 3);
    assert_eq!(v.expected, Some(json!(5)));
}

#[test]
fn pending_operations_may_or_may_not_have_happened() {
    let spec = Spec::new(SpecKind::Queue);
    // A push that never returned explains a pop of its value, or nothing at all.
    let push = op("p", "push", vec![json!(7)], None, 1, None);
    let popped = op("c", "pop", vec![], Some(json!(7)), 2, Some(3));
    let empty = op("c", "pop", vec![], Some(Value::Null), 2, Some(3));
    assert_eq!(
        verdict(&spec, &[push.clone(), popped]),
        Verdict::Linearizable
    );
    assert_eq!(
        verdict(&spec, &[push.clone(), empty]),
        Verdict::Linearizable
    );
    // But not a value nobody pushed.
    let ghost = op("c", "pop", vec![], Some(json!(8)), 2, Some(3));
    assert!(matches!(
        verdict(&spec, &[push, ghost]),
        Verdict::Violation(_)
    ));
}

#[test]
fn an_operation_the_spec_does_not_know_is_unknown_not_a_violation() {
    let spec = Spec::new(SpecKind::Stack);
    let h = [op("a", "peek", vec![], Some(json!(1)), 1, Some(2))];
    match verdict(&spec, &h) {
        Verdict::Unknown(why) => assert!(why.contains("no operation `peek`"), "{why}"),
        v => panic!("{v:?}"),
    }
}

#[test]
fn the_budget_gives_unknown() {
    // Many overlapping pushes and a pop no order explains: the search needs many steps.
    let spec = Spec::new(SpecKind::Queue);
    let mut h: Vec<Operation> = (0..6)
        .map(|i| {
            op(
                &format!("t{i}"),
                "push",
                vec![json!(i)],
                Some(Value::Null),
                i,
                Some(100),
            )
        })
        .collect();
    h.push(op("c", "pop", vec![], Some(json!(99)), 101, Some(102)));
    assert!(matches!(check(&spec, &h, 50), Verdict::Unknown(_)));
    assert!(matches!(
        check(&spec, &h, DEFAULT_BUDGET),
        Verdict::Violation(_)
    ));
}

/// The mutated histories above are not all one way: both answers come up often, for every
/// specification (else the agreement would prove little).
#[test]
fn mutations_give_both_answers() {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for &(name, kind) in SPECS {
        let spec = spec_of(kind);
        let (mut yes, mut no) = (0, 0);
        for _ in 0..400 {
            let plan: Vec<(u8, u8, u8, u8)> = (0..1 + next() % 6)
                .map(|_| {
                    let r = next();
                    (r as u8, (r >> 8) as u8, (r >> 16) as u8, (r >> 24) as u8)
                })
                .collect();
            let schedule: Vec<u8> = (0..30).map(|_| (next() % 254) as u8).collect();
            let mut h = simulate(&spec, &plan, &schedule, 1 + (next() % 3) as u8);
            let done: Vec<usize> = (0..h.len()).filter(|&i| !h[i].pending()).collect();
            if done.is_empty() {
                continue;
            }
            let i = done[(next() % done.len() as u64) as usize];
            let pool = [
                Value::Null,
                json!(true),
                json!(false),
                json!(0),
                json!(1),
                json!(2),
            ];
            h[i].result = Some(pool[(next() % pool.len() as u64) as usize].clone());
            match verdict(&spec, &h) {
                Verdict::Linearizable => yes += 1,
                Verdict::Violation(_) => no += 1,
                Verdict::Unknown(w) => panic!("{w}"),
            }
        }
        assert!(
            yes >= 40 && no >= 40,
            "{name}: {yes} linearizable, {no} not"
        );
    }
}
