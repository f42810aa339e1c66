//! Integration tests, one binary: fidelity of the ports, malformed scenarios, reports and CLI.

mod cli;
mod cond;
mod corpus;
mod datastructs;
mod expr;
mod faults;
mod fidelity;
mod format;
mod fuzz;
mod helpers;
mod lang;
mod layers;
mod lin;
mod malformed;
mod minimize;
mod nightly;
mod objects;
mod pipeline;
mod races;
mod show;
mod slices;
mod soundness;
mod time_ctx;
