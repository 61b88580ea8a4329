//! The API client against the emulator: every call, every kind of error
//! the emulator can produce, retries through injected faults, and lost
//! answers to createSnapshot settled without a second snapshot.

use std::time::Duration;

use serde_json::Value;
use terraform_provider_ncloud::emulator::{
    ClusterSpec, Emulator, EmulatorConfig, FaultConfig, FaultKind, RunningEmulator,
};
use terraform_provider_ncloud::ncloud::model::{
    CreateSnapshotRequest, SetSnapshotSchedulingRequest, UpdateApiAuthenticationKeyRequest,
};
use terraform_provider_ncloud::ncloud::{
    CallOptions, Client, ClientConfig, Credentials, Endpoint, Release, RetryPolicy, Site,
};

const CLUSTER: &str = "1037000";
const BUCKET: &str = "ses-snapshots";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        max_attempts: 10,
        history_poll_interval: Duration::from_millis(20),
        history_lag_window: Duration::from_secs(2),
    }
}

fn client_for(url: &str, secret: &str, retry: RetryPolicy) -> Client {
    let endpoint = Endpoint::resolve(Site::Public, "KR", Some(url)).unwrap();
    let credentials = Credentials::new("ncloud-emulator-access-key", secret).unwrap();
    let mut config = ClientConfig::new(endpoint, credentials);
    config.retry = retry;
    Client::new(config).unwrap()
}

fn client(emulator: &RunningEmulator) -> Client {
    client_for(
        &emulator.url(),
        "ncloud-emulator-secret-key",
        fast_retries(),
    )
}

fn options() -> CallOptions {
    CallOptions::with_timeout(Duration::from_secs(60))
}

fn start(configure: impl FnOnce(&mut EmulatorConfig)) -> RunningEmulator {
    let mut config = EmulatorConfig::default();
    configure(&mut config);
    Emulator::start(config).unwrap()
}

async fn state(emulator: &RunningEmulator) -> Value {
    let url = format!("{}/__emulator/state", emulator.url());
    let body = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

fn snapshot(name: &str) -> CreateSnapshotRequest {
    CreateSnapshotRequest {
        snapshot_name: name.into(),
        bucket_name: BUCKET.into(),
    }
}

fn faults(rate: f64, seed: u64, kinds: &[FaultKind]) -> FaultConfig {
    FaultConfig {
        rate,
        seed,
        latency_ms: 0,
        kinds: kinds.to_vec(),
    }
}

#[tokio::test]
async fn every_call_works_and_keeps_its_request_id() {
    let emulator = start(|_| {});
    let client = client(&emulator);
    let o = options();

    let key = UpdateApiAuthenticationKeyRequest {
        access_key_id: "AK".into(),
        secret_key: "storage-secret".into(),
    };
    assert!(
        !client
            .update_api_authentication_key(CLUSTER, &key, &o)
            .await
            .unwrap()
            .request_id
            .is_empty()
    );

    let created = client
        .create_snapshot(CLUSTER, &snapshot("every-call"), &o)
        .await
        .unwrap();
    assert!(!created.request_id.is_empty());
    let page = client.snapshot_history(CLUSTER, 1, 10, &o).await.unwrap();
    assert_eq!(
        page.value.snapshot_history_response_list[0].snapshot_name,
        "every-call"
    );
    let found = client
        .find_latest_snapshot(CLUSTER, "every-call", &o)
        .await
        .unwrap()
        .value;
    assert_eq!(found.map(|e| e.bucket_name), Some(BUCKET.to_string()));
    let since = client
        .find_snapshot_since(CLUSTER, "every-call", created.mark, &o)
        .await
        .unwrap()
        .value;
    assert!(since.is_some());
    assert_eq!(
        client
            .snapshot_history_all(CLUSTER, &o)
            .await
            .unwrap()
            .value
            .len(),
        1
    );

    let buckets = client.bucket_list(CLUSTER, &o).await.unwrap().value;
    assert!(buckets.bucket_list.iter().any(|b| b.name == BUCKET));
    let cluster = client.cluster_info(CLUSTER, &o).await.unwrap().value;
    assert_eq!(cluster.service_group_instance_no, CLUSTER);

    let schedule = SetSnapshotSchedulingRequest {
        snapshot_name: "daily".into(),
        bucket_name: BUCKET.into(),
        scheduled_day: "Everyday".into(),
        scheduled_hour: 3,
        scheduled_minute: 30,
    };
    client
        .set_snapshot_scheduling(CLUSTER, &schedule, &o)
        .await
        .unwrap();
    let history = client
        .snapshot_scheduling_history(CLUSTER, 1, 10, &o)
        .await
        .unwrap()
        .value;
    assert_eq!(
        history.snapshot_scheduling_history_list[0].snapshot_name,
        "daily"
    );
    assert_eq!(
        client
            .release_snapshot_scheduling(CLUSTER, &o)
            .await
            .unwrap()
            .value,
        Release::Released
    );
    let again = client
        .release_snapshot_scheduling(CLUSTER, &o)
        .await
        .unwrap()
        .value;
    assert_eq!(
        again,
        Release::NothingToRelease,
        "a release with nothing to release counts as done"
    );
}

#[tokio::test]
async fn each_kind_of_refusal_is_recognised() {
    let emulator = start(|config| {
        config
            .clusters
            .push("2048000:nokey:nokey".parse::<ClusterSpec>().unwrap());
    });
    let client = client(&emulator);
    let o = options();

    let wrong = client_for(&emulator.url(), "not-the-secret", fast_retries());
    let error = wrong.cluster_info(CLUSTER, &o).await.unwrap_err();
    assert!(error.is_auth_failed(), "{error}");
    assert!(error.to_string().contains("401"), "{error}");
    assert!(!error.to_string().contains("not-the-secret"), "{error}");

    let error = client.cluster_info("999", &o).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");

    let error = client
        .create_snapshot("2048000", &snapshot("no-key"), &o)
        .await
        .unwrap_err();
    assert!(error.is_storage_key_missing(), "{error}");

    client
        .create_snapshot(CLUSTER, &snapshot("twice"), &o)
        .await
        .unwrap();
    let error = client
        .create_snapshot(CLUSTER, &snapshot("twice"), &o)
        .await
        .unwrap_err();
    assert!(error.is_already_exists(), "{error}");

    let bad_hour = SetSnapshotSchedulingRequest {
        snapshot_name: "daily".into(),
        bucket_name: BUCKET.into(),
        scheduled_day: "Everyday".into(),
        scheduled_hour: 25,
        scheduled_minute: 0,
    };
    let error = client
        .set_snapshot_scheduling(CLUSTER, &bad_hour, &o)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error}");
    assert!(
        error.request_id().is_some(),
        "service errors carry the request id: {error}"
    );
}

#[tokio::test]
async fn clock_skew_is_reported_with_its_size() {
    let emulator = start(|config| config.clock_offset_ms = 10 * 60 * 1000);
    let error = client(&emulator)
        .cluster_info(CLUSTER, &options())
        .await
        .unwrap_err();
    assert!(error.is_clock_skew(), "{error}");
    let text = error.to_string();
    // The Date header has one-second resolution: about ten minutes.
    assert!(text.contains("9m 5") || text.contains("10m"), "{text}");
    assert!(text.contains("behind"), "{text}");
    assert!(text.contains("5 minutes"), "{text}");
}

#[tokio::test]
async fn persistent_failures_end_as_the_right_kind() {
    for (kind, check) in [
        (FaultKind::Unavailable, "server"),
        (FaultKind::Timeout, "server"),
        (FaultKind::RateLimited, "throttled"),
    ] {
        let emulator = start(|config| config.faults = faults(1.0, 1, &[kind]));
        let retry = RetryPolicy {
            max_attempts: 2,
            ..fast_retries()
        };
        let client = client_for(&emulator.url(), "ncloud-emulator-secret-key", retry);
        let error = client.bucket_list(CLUSTER, &options()).await.unwrap_err();
        let recognised = match check {
            "server" => error.is_server_error(),
            _ => error.is_throttled(),
        };
        assert!(recognised, "{kind:?}: {error}");
        let attempts =
            state(&emulator).await["counters"]["requests_by_endpoint"]["getBucketList"].as_i64();
        assert_eq!(attempts, Some(2), "{kind:?} was retried up to the limit");
    }
}

#[tokio::test]
async fn slow_answers_time_out_and_closed_ports_are_transport_errors() {
    let emulator = start(|config| config.faults.latency_ms = 2_000);
    let endpoint = Endpoint::resolve(Site::Public, "KR", Some(&emulator.url())).unwrap();
    let credentials =
        Credentials::new("ncloud-emulator-access-key", "ncloud-emulator-secret-key").unwrap();
    let mut config = ClientConfig::new(endpoint, credentials);
    config.request_timeout = Duration::from_millis(200);
    config.retry = RetryPolicy {
        max_attempts: 1,
        ..fast_retries()
    };
    let error = Client::new(config)
        .unwrap()
        .cluster_info(CLUSTER, &options())
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let retry = RetryPolicy {
        max_attempts: 1,
        ..fast_retries()
    };
    let error = client_for(&url, "x", retry)
        .cluster_info(CLUSTER, &options())
        .await
        .unwrap_err();
    assert!(error.is_transport(), "{error}");
}

#[tokio::test]
async fn lost_answers_to_create_make_exactly_one_snapshot() {
    for kind in [FaultKind::CommitThenDrop, FaultKind::CommitThen504] {
        let emulator = start(|config| config.faults = faults(1.0, 3, &[kind]));
        let client = client(&emulator);
        let created = client
            .create_snapshot(CLUSTER, &snapshot("lost-answer"), &options())
            .await;
        let created = created.unwrap_or_else(|error| panic!("{kind:?}: {error}"));
        assert!(
            created.entry.is_some(),
            "{kind:?}: confirmed from the history"
        );
        let state = state(&emulator).await;
        let cluster = &state["clusters"][CLUSTER];
        assert_eq!(
            cluster["snapshots"].as_object().unwrap().len(),
            1,
            "{kind:?}"
        );
        assert_eq!(
            cluster["create_attempts"]["lost-answer"], 1,
            "{kind:?}: never sent twice"
        );
    }
}

#[tokio::test]
async fn a_fault_storm_still_makes_every_snapshot_once() {
    let emulator = start(|config| config.faults = faults(0.3, 42, &FaultKind::ALL));
    let client = client(&emulator);
    let names: Vec<String> = (0..12).map(|i| format!("storm-{i}")).collect();
    for name in &names {
        let created = client
            .create_snapshot(CLUSTER, &snapshot(name), &options())
            .await;
        created.unwrap_or_else(|error| panic!("{name}: {error}"));
    }
    let state = state(&emulator).await;
    let snapshots = state["clusters"][CLUSTER]["snapshots"].as_object().unwrap();
    assert_eq!(snapshots.len(), names.len());
    let faults = &state["counters"]["faults"];
    let injected: i64 = ["503", "504", "429", "drop", "commit_504"]
        .iter()
        .filter_map(|k| faults[k].as_i64())
        .sum();
    assert!(injected > 0, "the storm injected no fault: {faults}");
    eprintln!(
        "{} snapshots through {injected} injected faults: {faults}",
        names.len()
    );
}
