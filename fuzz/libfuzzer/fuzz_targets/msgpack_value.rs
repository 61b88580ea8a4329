//! libFuzzer target: `fuzzing::msgpack_value` on arbitrary bytes; a panic is a crash.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = terraform_provider_ncloud::fuzzing::msgpack_value(data);
});
