//! Integration tests, one binary: fidelity of the ports, malformed scenarios, reports and CLI.

mod fidelity;
mod malformed;
