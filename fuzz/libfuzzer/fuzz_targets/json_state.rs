//! libFuzzer target: `fuzzing::json_state` on arbitrary bytes; a panic is a crash.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = terraform_provider_ncloud::fuzzing::json_state(data);
});
