//! Initial state of the objects a scenario declares beyond the sync primitives: first each
//! object's own state ([`object`]), then, once every declared object has its id, the setup
//! that creates objects of its own or starts timers ([`setup`]).

use super::atomic::AtomicState;
use super::context::CtxId;
use super::ds::{CowMapState, StackKind, StackState, SyncMapState};
use super::handle::HandleState;
use super::pool::PoolState;
use super::slice::SliceHdr;
use super::time::{start_chan_timer, TimerVar};
use super::world::{Obj, World};
use crate::scenario::{ObjId, ObjectDecl, Setup};

pub(crate) fn object(w: &mut World, _o: ObjId, decl: &ObjectDecl) -> Obj {
    match decl {
        ObjectDecl::Timer { .. } => Obj::Timer(TimerVar::Uninit),
        ObjectDecl::Context { .. } => Obj::Context(None),
        ObjectDecl::Slice {
            nil,
            elems,
            len,
            cap,
            elem,
        } => {
            if *nil {
                return Obj::Slice(SliceHdr::default());
            }
            let len = len
                .map(|l| l as usize)
                .unwrap_or(elems.len())
                .max(elems.len());
            let cap = cap.map(|c| c as usize).unwrap_or(len).max(len);
            let a = w
                .new_array(cap, &elem.zero())
                .unwrap_or_else(|_| unreachable!("declared capacities are bounded at validation"));
            for (i, v) in elems.iter().enumerate() {
                w.arrays[a][i] = v.clone();
            }
            Obj::Slice(SliceHdr {
                arr: Some(a),
                off: 0,
                len,
                cap,
            })
        }
        ObjectDecl::Atomic { value } => Obj::Atomic(AtomicState {
            value: value.clone(),
        }),
        ObjectDecl::Pool { .. } => Obj::Pool(PoolState::default()),
        ObjectDecl::Handle {} => Obj::Handle(HandleState::default()),
        ObjectDecl::RwmutexMap { .. } => Obj::RwMap(Default::default(), Default::default()),
        // Shards are objects of their own, created in `setup`.
        ObjectDecl::ShardedMap { .. } => Obj::ShardedMap(Default::default()),
        ObjectDecl::SyncMap {} => Obj::SyncMap(SyncMapState::default()),
        ObjectDecl::CowMap { .. } => Obj::CowMap(CowMapState::default()),
        ObjectDecl::TreiberStack { elems } => {
            Obj::Stack(StackState::new(StackKind::Treiber, elems))
        }
        ObjectDecl::StampedStack { elems } => {
            Obj::Stack(StackState::new(StackKind::Stamped, elems))
        }
        ObjectDecl::EpochStack { elems } => Obj::Stack(StackState::new(StackKind::Epoch, elems)),
        ObjectDecl::Map { .. }
        | ObjectDecl::Chan { .. }
        | ObjectDecl::Mutex {}
        | ObjectDecl::Rwmutex {}
        | ObjectDecl::Waitgroup {}
        | ObjectDecl::Once {} => unreachable!("built by World::new"),
    }
}

pub(crate) fn setup(w: &mut World, o: ObjId) {
    match w.prog.objects[o].setup {
        Setup::None => {}
        Setup::Timer { ns } => start_chan_timer(w, o, ns),
        Setup::Context { parent, timeout } => {
            let c: CtxId = match parent {
                None => w.background(),
                Some(p) => {
                    let pc = w.ctx_var(p).expect("validated: the parent is not nil");
                    let name = w.obj_name(o);
                    w.derive(pc, &name, timeout)
                }
            };
            *w.ctx_var(o) = Some(c);
        }
        Setup::Shards(n) => w.make_shards(o, n),
    }
}
