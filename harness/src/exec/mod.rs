//! One execution: the interpreter that runs a compiled scenario on each model thread (and the
//! virtual clock's task), the driver that sets an execution up and reads its outcome (the
//! final-state checks among its oracles), and the signature that names a failure. The search
//! over executions is `explore`'s.

pub(crate) mod driver;
pub(crate) mod interp;
mod signature;

pub use driver::ExecOutcome;
pub use signature::Signature;
