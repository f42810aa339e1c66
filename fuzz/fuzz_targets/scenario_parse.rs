#![no_main]
// The body is harness::targets::scenario_parse, which cargo test also runs over fuzz/corpus/scenario_parse/ and
// fuzz/regressions/scenario_parse/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::targets::scenario_parse(data));
