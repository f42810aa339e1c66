//! One execution: the interpreter that runs a compiled scenario on each model thread (and the
//! virtual clock's task), the driver that sets an execution up and reads its outcome, the
//! oracles that judge it (`oracle`: the final-state checks are the first), and the signature
//! that names a failure. The search over executions is `explore`'s.

pub(crate) mod driver;
mod eval;
pub(crate) mod interp;
pub(crate) mod oracle;
mod signature;
pub(crate) mod tasks;

pub use driver::ExecOutcome;
pub use signature::Signature;
