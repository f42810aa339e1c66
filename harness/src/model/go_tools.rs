//! Which of Go's own tools would have caught a failure, one verdict per tool, each with its
//! reason. The facts are Go 1.27.3's, checked on the real toolchain (`make go-check`,
//! harness/tests/go/README.md): the runtime's panics and fatal errors, the race detector
//! (`go test -race`), the `goroutineleak` profile (runtime/pprof, on by default since Go 1.27)
//! and `go vet`.

use super::{Failure, FailureKind, WaitReason};
use crate::scenario::{Program, StmtKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether a tool reports the failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Detects {
    /// In this interleaving, always.
    Yes,
    /// Never.
    No,
    /// Under a condition the scenario does not settle (said in `why`).
    Depends,
}

/// One tool's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    pub detects: Detects,
    pub why: String,
}

/// The verdict of each Go tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoTools {
    /// The Go runtime: a panic or fatal error that kills the process.
    pub runtime: Verdict,
    /// The race detector, `go test -race` / `go build -race`.
    pub race: Verdict,
    /// The `goroutineleak` profile (`pprof.Lookup("goroutineleak")`).
    pub leak_profile: Verdict,
    /// `go vet` (lostcancel, copylocks, ...).
    pub vet: Verdict,
}

fn v(detects: Detects, why: impl Into<String>) -> Verdict {
    Verdict {
        detects,
        why: why.into(),
    }
}

use Detects::{Depends, No, Yes};

impl Failure {
    /// One verdict per Go tool for this failure in `prog`.
    pub fn go_tools(&self, prog: &Program) -> GoTools {
        let f = match self {
            Failure::PanicChain { last, .. } => last,
            Failure::PanicOtherThread(inner) => inner,
            f => f,
        };
        let (detects, why) = self.go_detects();
        GoTools {
            runtime: v(if detects { Yes } else { No }, why),
            race: race(f),
            leak_profile: leak_profile(self),
            vet: vet(self, prog),
        }
    }
}

fn race(f: &Failure) -> Verdict {
    match f {
        Failure::ConcurrentMapWrites | Failure::ConcurrentMapReadWrite | Failure::ConcurrentMapIterWrite => v(
            Yes,
            "map accesses are instrumented, and two accesses that overlap are never ordered by synchronization: WARNING: DATA RACE",
        ),
        Failure::ConcurrentMapCloneWrite => v(
            No,
            "maps.Clone (runtime.mapclone) is not instrumented: only the runtime's own check sees this",
        ),
        Failure::WaitGroupAddDuringWait | Failure::WaitGroupReused => v(
            Yes,
            "sync.WaitGroup annotates Add against Wait: an Add racing a Wait is reported (on wg.sema)",
        ),
        Failure::SendOnClosedChannel => v(
            Depends,
            "reported when the close and the send are not ordered by synchronization (the channel's race annotations); a send after a close it synchronizes with is only the runtime's panic",
        ),
        Failure::CloseOfClosedChannel => v(
            No,
            "close checks whether the channel is closed before its race annotation: a second close is the runtime's panic only",
        ),
        Failure::Deadlock { .. } => v(
            No,
            "a -race binary does not report a global deadlock: it hangs instead",
        ),
        Failure::Bounds(_) | Failure::Assertion { .. } | Failure::Linearizability(_) => v(
            Depends,
            "reported when the accesses behind it are unsynchronized plain memory (a slice header or element, a variable) in the run that -race watches; hazard watches that memory (shared variables, struct fields, slices) and reports such a race as a finding of its own, in the runs where nothing else fails",
        ),
        Failure::NilDereference | Failure::NilParentContext | Failure::TimerUninit(_) => v(
            Depends,
            "reported when the nil or zero value read here is a variable or field another goroutine sets without synchronization, and the run executes both accesses (a run that panics on the first read has only one); where the value is a shared variable or struct field hazard reports that race of its own",
        ),
        Failure::Race { .. } => v(
            Yes,
            "both accesses ran in this interleaving with no happens-before edge between them: a -race run that executes them so reports WARNING: DATA RACE (it sees only the interleavings a run takes, and remembers a bounded number of recent accesses per location)",
        ),
        Failure::Leak { .. } => v(No, "a goroutine blocked forever is not a data race"),
        Failure::Livelock { .. } => v(No, "goroutines that never finish are not a data race"),
        _ => v(
            No,
            "a misuse the runtime or a library panics on, not a data race",
        ),
    }
}

/// Wait reasons the `goroutineleak` profile reports (checked on Go 1.27.3: every blocking
/// primitive, when the object waited on is unreachable; not sleeps or timers).
fn profiled(r: WaitReason) -> bool {
    !matches!(r, WaitReason::Sleep)
}

fn leak_profile(f: &Failure) -> Verdict {
    match f {
        Failure::Leak { blocked, .. } => {
            let seen: Vec<&str> = blocked
                .iter()
                .filter(|b| profiled(b.reason))
                .map(|b| b.thread.as_str())
                .collect();
            if seen.is_empty() {
                return v(
                    No,
                    "the profile does not report goroutines that sleep or wait on a timer",
                );
            }
            let mutex = blocked.iter().any(|b| b.reason == WaitReason::MutexLock);
            v(
                Depends,
                format!(
                    "the goroutineleak profile (Go 1.27) reports {} when nothing still running can reach what it waits on (it finds leaks through the GC; a channel or lock kept in a global or a long-lived struct hides them); the process goes on either way{}",
                    seen.join(", "),
                    if mutex {
                        ". For sync.Mutex waits HAZARDS.md says the profile does not report them; Go 1.27.3 did in every probe with the mutex inside a heap struct, and only sometimes for a lone 8-byte new(sync.Mutex)"
                    } else {
                        ""
                    }
                ),
            )
        }
        Failure::Deadlock { .. } => v(
            No,
            "the runtime kills the process with the global deadlock first: no profile is written",
        ),
        Failure::Livelock { .. } => v(No, "the goroutines keep running: none is blocked"),
        _ => match f.kind() {
            FailureKind::Panic | FailureKind::Fatal => v(No, "not a leak: the process dies of it"),
            _ => v(No, "not a leak"),
        },
    }
}

fn vet(f: &Failure, prog: &Program) -> Verdict {
    if f.catalog_id() == "ctx-never-cancelled" {
        // lostcancel: a WithCancel/WithTimeout whose cancel function is never called.
        let stmts = || prog.blocks.iter().flatten().map(|s| &s.kind);
        let lost: Vec<&str> = stmts()
            .filter_map(|k| match k {
                StmtKind::WithCancel { ctx, .. } => Some(*ctx),
                _ => None,
            })
            .filter(|&c| !stmts().any(|k| matches!(k, StmtKind::Cancel { ctx, .. } if *ctx == c)))
            .map(|c| &*prog.objects[c].name)
            .collect();
        if !lost.is_empty() {
            return v(
                Yes,
                format!(
                    "lostcancel: the cancel function of {} is never called",
                    lost.join(", ")
                ),
            );
        }
    }
    v(
        No,
        "nothing go vet checks (lostcancel, copylocks, ...) is behind this failure",
    )
}
