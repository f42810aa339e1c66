#![no_main]
// The body is harness::targets::schedule, which cargo test also runs over fuzz/corpus/schedule/ and
// fuzz/regressions/schedule/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::targets::schedule(data));
