//! libFuzzer target: `fuzzing::handshake_env` on arbitrary bytes; a panic is a crash.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = terraform_provider_ncloud::fuzzing::handshake_env(data);
});
