//! Integration tests, one binary: fidelity of the ports, malformed scenarios, reports and CLI.

mod cli;
mod fidelity;
mod helpers;
mod malformed;
