//! A small in-process fuzzer that runs on the stable toolchain.
//!
//! Each target feeds bytes to one parser of untrusted input through
//! `terraform_provider_ncloud::fuzzing`. Inputs start from a few valid seeds
//! and are mutated at random (bit flips, byte edits, cuts, splices, tokens
//! of the format); a panic is a crash: the input is written to
//! `fuzz/artifacts/<target>/` and the run fails. There is no coverage
//! feedback, so this finds shallow bugs fast and deep ones slowly; see the
//! README's Reliability section.
//!
//! `cargo test --test fuzz` runs a short smoke pass; `make fuzz` runs
//! `cargo test --test fuzz -- --seconds N [--seed S] [target...]`.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use terraform_provider_ncloud::fuzzing;

/// One parser under test, its seeds and the tokens its format is made of.
struct Target {
    name: &'static str,
    run: fn(&[u8]),
    seeds: Vec<Vec<u8>>,
    tokens: &'static [&'static [u8]],
}

fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "msgpack_value",
            run: |data| {
                fuzzing::msgpack_value(data);
            },
            seeds: vec![
                b"\x00\xa4name".to_vec(),
                b"\x01\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00".to_vec(),
                b"\x03\x92\xc4\x08\"string\"\xa1x".to_vec(),
                b"\x04\x92\xa1a\xa1b".to_vec(),
                b"\x09\x84\xa2id\xa1x\xa4snapshot_name\xa1y\xadhas_error_log\xc2\xa8timeouts\x81\xa6create\xa320m".to_vec(),
                b"\x01\xd4\x00\x00".to_vec(),
            ],
            tokens: &[
                b"\xc0", b"\xc2", b"\xc3", b"\xd4\x00\x00", b"\xcb", b"\x90", b"\x80", b"\xdc\xff\xff",
                b"\xdd\xff\xff\xff\xff", b"\xa1", b"\xd9\xff", b"\xc4\x08", b"\"dynamic\"",
            ],
        },
        Target {
            name: "json_state",
            run: |data| {
                fuzzing::json_state(data);
            },
            seeds: vec![
                b"\x09{\"id\":\"1037000:a\",\"snapshot_name\":\"a\",\"has_error_log\":false,\"timeouts\":{\"create\":\"20m\"}}".to_vec(),
                b"\x05[1,2.5,-3e10]".to_vec(),
                b"\x03{\"value\":\"x\",\"type\":\"string\"}".to_vec(),
                b"\x0b[\"a\",{\"value\":[1],\"type\":[\"list\",\"number\"]}]".to_vec(),
            ],
            tokens: &[
                b"null", b"true", b"{", b"}", b"[", b"]", b"\"", b":", b",", b"1e999", b"-0",
                b"\"\\u0000\"", b"\"\\ud800\"", b"9007199254740993",
            ],
        },
        Target {
            name: "api_response",
            run: |data| {
                fuzzing::api_response(data);
            },
            seeds: vec![
                b"\x00\x64{\"code\":0,\"message\":\"ok\",\"requestId\":\"r-1\",\"result\":{\"totalCount\":1,\"snapshotHistoryList\":[{\"snapshotName\":\"a\",\"bucketName\":\"b\"}]}}".to_vec(),
                b"\x00\x64{\"code\":0,\"requestId\":\"r-2\",\"result\":true}".to_vec(),
                b"\x01\x93{\"error\":{\"errorCode\":\"200\",\"message\":\"Authentication Failed\",\"details\":\"Expired timestamp.\"}}".to_vec(),
                b"\x01\x2c{\"code\":11001,\"message\":\"already exists\",\"requestId\":\"r-3\"}".to_vec(),
                b"\x01\x92<html><body>502 Bad Gateway</body></html>".to_vec(),
            ],
            tokens: &[
                b"{\"code\":", b"\"result\":", b"\"requestId\":", b"\"error\":", b"null", b"true",
                b"false", b"[]", b"{}", b"\"", b"<html>",
            ],
        },
        Target {
            name: "handshake_env",
            run: |data| {
                fuzzing::handshake_env(data);
            },
            seeds: vec![
                b"=cookie\n5,6\n\n10000\n25000\n/tmp\n".to_vec(),
                b"=cookie\n6\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n1\n2\n".to_vec(),
                b"=cookie\n4\n".to_vec(),
            ],
            tokens: &[b"=cookie", b"\n", b"6", b",", b"65535", b"-1", b"99999999999"],
        },
        Target {
            name: "emulator_request",
            run: |data| {
                fuzzing::emulator_request(data);
            },
            seeds: vec![
                b"\x01GET /api/v2/snapshot/getSnapshotHistory/1037000?pageNo=1&pageSize=10 HTTP/1.1\r\n\r\n".to_vec(),
                b"\x01POST /api/v2/snapshot/createSnapshot/1037000 HTTP/1.1\r\ncontent-type: application/json\r\n\r\n{\"snapshotName\":\"fuzz\",\"bucketName\":\"ses-snapshots\"}".to_vec(),
                b"\x01POST /api/v2/snapshot/setSnapshotScheduling/1037000 HTTP/1.1\r\n\r\n{\"snapshotName\":\"s\",\"bucketName\":\"ses-snapshots\",\"scheduledDay\":\"Everyday\",\"scheduledHour\":3,\"scheduledMinute\":0}".to_vec(),
                b"\x00GET /api/sgn-v2/cluster/getClusterInfo/1037000 HTTP/1.1\r\nx-ncp-apigw-timestamp: 1\r\n\r\n".to_vec(),
            ],
            tokens: &[
                b"GET", b"POST", b"/api/v2/", b"/api/jpn-v2/", b"snapshot/", b"?pageNo=", b"&pageSize=",
                b"%2F", b"%00", b"..", b"\r\n", b":", b"{", b"}", b"\"", b"1037000",
            ],
        },
    ]
}

/// SplitMix64: enough randomness to mutate with.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            0
        } else {
            (self.next() % bound as u64) as usize
        }
    }
}

const MAX_INPUT: usize = 4096;

/// One to eight random edits of `input`.
fn mutate(input: &mut Vec<u8>, target: &Target, corpus: &[Vec<u8>], random: &mut Random) {
    for _ in 0..=random.below(8) {
        let at = random.below(input.len() + 1);
        match random.below(8) {
            0 if !input.is_empty() => {
                let i = random.below(input.len());
                input[i] ^= 1 << random.below(8);
            }
            1 if !input.is_empty() => {
                let i = random.below(input.len());
                input[i] = random.next() as u8;
            }
            2 => input.insert(at, random.next() as u8),
            3 if !input.is_empty() => {
                let end = (at + 1 + random.below(16)).min(input.len());
                input.drain(at.min(end)..end);
            }
            4 => {
                let token = target.tokens[random.below(target.tokens.len())];
                input.splice(at..at, token.iter().copied());
            }
            5 => input.truncate(at),
            6 => {
                let other = &corpus[random.below(corpus.len())];
                let from = random.below(other.len());
                input.splice(at..at, other[from..].iter().copied());
            }
            _ => {
                let special = [0x00, 0xff, 0x7f, 0x80, b'0', b'"', b'\\'];
                input.insert(at, special[random.below(special.len())]);
            }
        }
    }
    input.truncate(MAX_INPUT);
}

/// What a run of one target did.
struct Outcome {
    executions: u64,
    corpus: usize,
}

/// Runs `target` until `budget` ends or `max_executions` are done; panics
/// are saved and end the program with a failure.
fn fuzz(target: &Target, budget: Duration, max_executions: u64, seed: u64) -> Outcome {
    let mut random = Random(seed ^ target.name.len() as u64);
    let mut corpus = target.seeds.clone();
    let started = Instant::now();
    let mut executions = 0u64;
    while started.elapsed() < budget && executions < max_executions {
        let mut input = corpus[random.below(corpus.len())].clone();
        if executions >= target.seeds.len() as u64 {
            mutate(&mut input, target, &corpus, &mut random);
        }
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
        executions += 1;
        if let Err(panic) = result {
            let path = save_crash(target.name, &input);
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            eprintln!(
                "fuzz {}: CRASH after {executions} executions: {message}; input saved to {}",
                target.name,
                path.display()
            );
            std::process::exit(1);
        }
        // Without coverage, keep a small share of mutants as new starting
        // points, so that edits accumulate past the first layer of checks.
        if random.below(64) == 0 && corpus.len() < 512 {
            corpus.push(input);
        }
    }
    Outcome {
        executions,
        corpus: corpus.len(),
    }
}

fn save_crash(target: &str, input: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/artifacts")
        .join(target);
    let _ = std::fs::create_dir_all(&dir);
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
    });
    let path = dir.join(format!("crash-{hash:016x}"));
    let _ = std::fs::write(&path, input);
    path
}

/// `--seconds N`, `--seed S` and target names; anything else (the flags
/// cargo's test runner passes) is ignored. Without `--seconds`, a smoke
/// pass of a few thousand executions per target.
fn main() {
    let mut seconds = None;
    let mut seed = 0x5eed_u64;
    let mut chosen = Vec::new();
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--seconds" => seconds = arguments.next().and_then(|s| s.parse::<u64>().ok()),
            "--seed" => {
                seed = arguments
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(seed)
            }
            name if !name.starts_with('-') => chosen.push(name.to_owned()),
            _ => {}
        }
    }
    let (budget, max_executions) = match seconds {
        Some(seconds) => (Duration::from_secs(seconds), u64::MAX),
        None => (Duration::from_secs(60), 20_000),
    };
    // Expected panics are caught and reported above; the default hook would
    // print each one as if the run were failing.
    std::panic::set_hook(Box::new(|_| {}));
    let selected: Vec<Target> = targets()
        .into_iter()
        .filter(|t| chosen.is_empty() || chosen.iter().any(|c| c == t.name))
        .collect();
    assert!(!selected.is_empty(), "no such target: {chosen:?}");
    for target in &selected {
        let started = Instant::now();
        let outcome = fuzz(target, budget, max_executions, seed);
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "fuzz {}: {} executions in {elapsed:.1}s ({:.0}/s), corpus {}, no crash",
            target.name,
            outcome.executions,
            outcome.executions as f64 / elapsed.max(1e-9),
            outcome.corpus
        );
    }
}
