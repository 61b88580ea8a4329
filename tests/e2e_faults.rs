//! A large apply against a gateway that fails a fifth of its answers: the
//! real Terraform CLI, the real provider and the emulator injecting 503,
//! 504, 429 with `Retry-After`, and createSnapshot answers lost after the
//! snapshot was made. One apply must converge with every snapshot made
//! exactly once, and the state must equal the emulator's records.
//!
//! The test prints what it met: faults per kind (the emulator's counters)
//! and the retries the provider made (its own debug lines).

mod support;

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;
use support::{Emulator, Terraform, Workspace, terraform_clis};

const CLUSTERS: [&str; 2] = ["1037000", "2048000"];
const SNAPSHOTS: usize = 100;
const SEEDS: [u64; 3] = [11, 2026, 90417];

/// The Object Storage secret the storage key resource sends.
const STORAGE_SECRET: &str = "object-storage-secret-of-the-fault-test";

/// 100 snapshots on two clusters, a storage key on the first and a
/// schedule on the second, all in one apply.
fn config() -> String {
    format!(
        "locals {{\n  snapshots = {{ for i in range({SNAPSHOTS}) : \"faulty-${{i}}\" => \
         (i % 2 == 0 ? \"{first}\" : \"{second}\") }}\n}}\n\n\
         resource \"ncloud_searchengine_snapshot\" \"many\" {{\n  for_each                  = local.snapshots\n  \
         service_group_instance_no = each.value\n  snapshot_name             = each.key\n  \
         bucket_name               = \"ses-snapshots\"\n}}\n\n\
         resource \"ncloud_searchengine_storage_key\" \"key\" {{\n  service_group_instance_no = \"{first}\"\n  \
         access_key_id             = \"AKID-FAULTS\"\n  secret_key                = \"{STORAGE_SECRET}\"\n}}\n\n\
         resource \"ncloud_searchengine_snapshot_schedule\" \"daily\" {{\n  service_group_instance_no = \"{second}\"\n  \
         snapshot_name             = \"nightly\"\n  bucket_name               = \"ses-snapshots\"\n  \
         day                       = \"Everyday\"\n  hour                      = 3\n  minute                    = 30\n}}\n",
        first = CLUSTERS[0],
        second = CLUSTERS[1]
    )
}

/// What one seeded run met and did.
struct Figures {
    seed: u64,
    faults: BTreeMap<String, u64>,
    requests: u64,
    retries: usize,
    settled_creates: u64,
    seconds: f64,
}

#[test]
fn one_apply_converges_through_faults_with_every_snapshot_made_once() {
    // The newest CLI only: the protocol paths are the same on every version,
    // and three seeds on each CLI would take too long for `make test`. The
    // seeds run side by side, each with its own emulator and workspace: an
    // apply mostly waits (latency, backoff, history delay), so running them
    // at once keeps the test near one apply's time without shortening any
    // wait of the provider's.
    let terraform = terraform_clis().pop().expect("a Terraform CLI");
    let terraform = &terraform;
    let figures: Vec<Figures> = std::thread::scope(|scope| {
        let runs: Vec<_> = SEEDS
            .map(|seed| scope.spawn(move || apply_with_faults(terraform, seed)))
            .into_iter()
            .collect();
        runs.into_iter()
            .map(|run| run.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    for f in &figures {
        println!(
            "faults seed={}: met {:?} in {} requests; {} retries; {} creates sent more \
             than once and settled; apply took {:.1}s",
            f.seed, f.faults, f.requests, f.retries, f.settled_creates, f.seconds
        );
    }
    let total: u64 = figures.iter().flat_map(|f| f.faults.values()).sum();
    let lost: u64 = figures
        .iter()
        .map(|f| f.faults["drop"] + f.faults["commit_504"])
        .sum();
    assert!(total > 0 && lost > 0, "the faults must be met to be tested");
}

fn apply_with_faults(terraform: &Terraform, seed: u64) -> Figures {
    let fault = format!("rate=0.2,seed={seed},latency-ms=20");
    let emulator = Emulator::start(&[
        "--cluster",
        "1037000:alpha",
        "--cluster",
        "2048000:beta",
        "--fault",
        &fault,
        "--history-delay-ms",
        "400",
    ]);
    let workspace = Workspace::new(terraform, &emulator);
    workspace.write_main(&config());
    let log = workspace.dir.join("provider.log");
    let log_path = log.to_string_lossy().into_owned();
    let started = Instant::now();
    let run = workspace.run_with(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[("TF_LOG_PROVIDER", "debug"), ("TF_LOG_PATH", &log_path)],
    );
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(run.code, 0, "seed {seed}:\n{}", run.all());
    assert!(
        !run.all().contains("SNAPSHOT_ALREADY_EXISTS") && !run.all().contains("already exists"),
        "seed {seed}: a duplicate surfaced:\n{}",
        run.all()
    );

    assert!(
        !run.all().contains(STORAGE_SECRET),
        "seed {seed}: the storage secret was shown"
    );
    let emulated = emulator.state();
    let settled_creates = check_every_snapshot_made_once(&emulated, seed);
    assert_state_matches_emulator(&workspace, &emulated, seed);
    let plan = workspace.plan_exit_code(&[]);
    assert_eq!(plan.code, 0, "seed {seed}: second plan:\n{}", plan.all());

    let faults = emulated["counters"]["faults"]
        .as_object()
        .map(|kinds| {
            kinds
                .iter()
                .map(|(kind, count)| (kind.clone(), count.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let provider_log = std::fs::read_to_string(&log).unwrap_or_default();
    Figures {
        seed,
        faults,
        requests: emulated["counters"]["requests"].as_u64().unwrap_or(0),
        retries: retries_in(&provider_log),
        settled_creates,
        seconds,
    }
}

/// Checks that each cluster holds exactly its 50 snapshots and that a name
/// was sent more than once only after a lost answer; returns how many were.
fn check_every_snapshot_made_once(emulated: &Value, seed: u64) -> u64 {
    let mut sent_again = 0;
    for (parity, cluster) in CLUSTERS.iter().enumerate() {
        let records = &emulated["clusters"][cluster];
        let mut names: Vec<&String> = records["snapshots"]
            .as_object()
            .map(|s| s.keys().collect())
            .unwrap_or_default();
        names.sort();
        let mut expected: Vec<String> = (parity..SNAPSHOTS)
            .step_by(2)
            .map(|i| format!("faulty-{i}"))
            .collect();
        expected.sort();
        assert_eq!(names, expected.iter().collect::<Vec<_>>(), "seed {seed}");

        let history = records["history"].as_array().cloned().unwrap_or_default();
        for name in &expected {
            let entries = history.iter().filter(|e| e["snapshotName"] == *name);
            assert_eq!(entries.count(), 1, "seed {seed}: {name} made twice");
            let attempts = records["create_attempts"][name].as_u64().unwrap_or(0);
            assert!(attempts >= 1, "seed {seed}: {name} never requested");
            sent_again += u64::from(attempts > 1);
        }
    }
    sent_again
}

/// Every resource in state names a snapshot the emulator holds, with the
/// history's own details.
fn assert_state_matches_emulator(workspace: &Workspace, emulated: &Value, seed: u64) {
    let state = workspace.show_json();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(resources.len(), SNAPSHOTS + 2, "seed {seed}");
    let first = &emulated["clusters"][CLUSTERS[0]];
    assert_eq!(
        (&first["key_set"], &first["access_key_id"]),
        (&Value::Bool(true), &Value::from("AKID-FAULTS")),
        "seed {seed}: storage key"
    );
    let schedule = &emulated["clusters"][CLUSTERS[1]]["schedule"];
    assert_eq!(
        (&schedule["scheduledHour"], &schedule["scheduledMinute"]),
        (&Value::from(3), &Value::from(30)),
        "seed {seed}: schedule {schedule}"
    );
    let snapshots = resources
        .into_iter()
        .filter(|r| r["type"] == "ncloud_searchengine_snapshot");
    for resource in snapshots {
        let values = &resource["values"];
        let cluster = values["service_group_instance_no"].as_str().unwrap_or("");
        let name = values["snapshot_name"].as_str().unwrap_or("");
        let history = emulated["clusters"][cluster]["history"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let entry = history
            .iter()
            .find(|e| e["snapshotName"] == name)
            .unwrap_or_else(|| panic!("seed {seed}: {cluster}:{name} is in state only"));
        assert_eq!(values["id"], format!("{cluster}:{name}"));
        assert_eq!(values["action_date"], entry["actionDate"], "{name}");
        assert_eq!(values["cluster_name"], entry["clusterName"], "{name}");
        assert_eq!(values["request_type"], entry["requestType"], "{name}");
    }
}

/// Requests the provider sent again after a failure: its debug lines for
/// API calls whose attempt number is above one.
fn retries_in(log: &str) -> usize {
    log.lines()
        .filter(|line| line.contains("ncloud api call"))
        .filter(|line| {
            line.split_whitespace()
                .filter_map(|field| field.strip_prefix("attempt="))
                .any(|n| n.parse::<u32>().is_ok_and(|n| n > 1))
        })
        .count()
}

/// The offset a skew message gives, in seconds, from "clock is 9m 59s ...".
fn reported_offset_seconds(output: &str) -> Option<u64> {
    let after = output.split("this machine's clock is ").nth(1)?;
    let mut words = after.split_whitespace();
    let minutes = words.next()?.strip_suffix('m')?.parse::<u64>().ok()?;
    let seconds = words.next()?.strip_suffix('s')?.parse::<u64>().ok()?;
    Some(minutes * 60 + seconds)
}

#[test]
fn a_clock_off_by_more_than_five_minutes_is_named_with_its_offset() {
    let terraform = terraform_clis().pop().expect("a Terraform CLI");
    // The emulator's clock is shifted; seen from this machine, its own clock
    // is off by the opposite amount.
    let cases = [("600000", 600, "behind"), ("-420000", 420, "ahead of")];
    for (offset_ms, seconds, direction) in cases {
        let emulator = Emulator::start(&["--clock-offset-ms", offset_ms]);
        let workspace = Workspace::new(&terraform, &emulator);
        workspace.write_main(&format!(
            "resource \"ncloud_searchengine_snapshot\" \"s\" {{\n  service_group_instance_no = \"{}\"\n  \
             snapshot_name             = \"skewed\"\n  bucket_name               = \"ses-snapshots\"\n}}\n",
            support::CLUSTER
        ));
        let run = workspace.apply();
        assert_ne!(run.code, 0);
        let output = run.all().replace('\n', " ");
        let reported = reported_offset_seconds(&output)
            .unwrap_or_else(|| panic!("no clock offset in the error: {output}"));
        println!("clock offset {offset_ms}ms: the error says {reported}s {direction}");
        // The Date header has whole seconds, and the request took a moment.
        assert!(
            reported.abs_diff(seconds) <= 2,
            "{reported}s for {seconds}s: {output}"
        );
        assert!(
            output.contains(&format!("s {direction} the gateway's")),
            "{output}"
        );
        assert!(output.contains("within 5 minutes"), "{output}");
        assert!(emulator.snapshots(support::CLUSTER).is_empty());
    }

    // Within the gateway's allowance the same apply works.
    let emulator = Emulator::start(&["--clock-offset-ms", "240000"]);
    let workspace = Workspace::new(&terraform, &emulator);
    workspace.write_main(&format!(
        "resource \"ncloud_searchengine_snapshot\" \"s\" {{\n  service_group_instance_no = \"{}\"\n  \
         snapshot_name             = \"on-time\"\n  bucket_name               = \"ses-snapshots\"\n}}\n",
        support::CLUSTER
    ));
    workspace.apply().success();
}

/// A server that answers every request with one fixed answer, as a proxy
/// or a broken gateway in front of the API might.
struct ScriptedServer {
    address: String,
}

impl ScriptedServer {
    fn start(status: &str, content_type: &str, body: &'static str) -> ScriptedServer {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        );
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = [0u8; 8192];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        ScriptedServer { address }
    }
}

#[test]
fn malformed_api_answers_become_diagnostics_with_status_and_request_id() {
    let terraform = terraform_clis().pop().expect("a Terraform CLI");
    let cases: [(&str, &str, &'static str, &[&str]); 4] = [
        (
            "502 Bad Gateway",
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
            &["http 502", "not json", "502 Bad Gateway"],
        ),
        (
            "200 OK",
            "application/json",
            r#"{"code":0,"requestId":"req-cut-1","result":{"totalCount":3,"snapshotHis"#,
            &["http 200", "truncated json"],
        ),
        (
            "200 OK",
            "application/json",
            r#"{"code":0,"message":"ok","requestId":"req-missing-2"}"#,
            &["http 200", "request id req-missing-2", "no result"],
        ),
        (
            "200 OK",
            "application/json",
            r#"{"code":0,"requestId":"req-type-3","result":{"totalCount":"three","snapshotHistoryList":{}}}"#,
            &["http 200", "request id req-type-3", "expected shape"],
        ),
    ];
    let emulator = Emulator::start(&[]);
    for (status, content_type, body, expected) in cases {
        let server = ScriptedServer::start(status, content_type, body);
        let mut workspace = Workspace::new(&terraform, &emulator);
        workspace.set_env(
            "NCLOUD_SEARCHENGINE_ENDPOINT",
            &format!("http://{}", server.address),
        );
        // A bad gateway is retried; a short create timeout ends the retries.
        workspace.write_main(&format!(
            "resource \"ncloud_searchengine_snapshot\" \"s\" {{\n  service_group_instance_no = \"{}\"\n  \
             snapshot_name             = \"malformed\"\n  bucket_name               = \"ses-snapshots\"\n\n  \
             timeouts {{\n    create = \"4s\"\n  }}\n}}\n",
            support::CLUSTER
        ));
        let run = workspace.apply();
        assert_ne!(run.code, 0, "{status}: {}", run.all());
        let output = run.all().replace('\n', " ");
        assert!(output.contains("Error: "), "{output}");
        for part in expected {
            assert!(
                output.contains(part),
                "{status} {body}: no {part:?} in {output}"
            );
        }
        assert!(!output.contains("panicked"), "{output}");
    }
}
