#![no_main]
// The body is harness::targets::ops, which cargo test also runs over fuzz/corpus/ops/ and
// fuzz/regressions/ops/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::targets::ops(data));
