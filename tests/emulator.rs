//! The emulator seen from outside: signed HTTP requests against an emulator
//! started in-process (and once against the real binary), checked the way
//! the provider and the end-to-end tests will use it.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};
use terraform_provider_ncloud::emulator::{
    ClusterSpec, Emulator, EmulatorConfig, FaultConfig, RunningEmulator,
};
use terraform_provider_ncloud::ncloud::model::service_code;
use terraform_provider_ncloud::ncloud::signature::{
    self, ACCESS_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

const ACCESS: &str = "ncloud-emulator-access-key";
const SECRET: &str = "ncloud-emulator-secret-key";
const NO: &str = "1037000";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// One request to send, and how to sign (or mis-sign) it.
#[derive(Clone)]
struct Call {
    method: &'static str,
    target: String,
    signed_target: Option<String>,
    timestamp: Option<i64>,
    access: String,
    secret: String,
    body: Option<String>,
    omit: Option<&'static str>,
}

impl Call {
    fn get(target: impl Into<String>) -> Self {
        Self {
            method: "GET",
            target: target.into(),
            signed_target: None,
            timestamp: None,
            access: ACCESS.into(),
            secret: SECRET.into(),
            body: None,
            omit: None,
        }
    }

    fn post(target: impl Into<String>, body: Value) -> Self {
        Self {
            method: "POST",
            body: Some(body.to_string()),
            ..Self::get(target)
        }
    }

    fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }
}

/// An answer: status, headers and the JSON body (`null` if none).
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn service_code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }

    fn gateway_code(&self) -> &str {
        self.body["error"]["errorCode"].as_str().unwrap_or("")
    }
}

struct Harness {
    emulator: RunningEmulator,
    http: reqwest::Client,
}

impl Harness {
    fn start(config: EmulatorConfig) -> Self {
        Self {
            emulator: Emulator::start(config).unwrap(),
            // A bound on every request, so that an emulator that never
            // answers fails a test instead of hanging it.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    fn default() -> Self {
        Self::start(EmulatorConfig::default())
    }

    async fn try_send(&self, call: Call) -> Result<Reply, reqwest::Error> {
        let timestamp = call.timestamp.unwrap_or_else(now_ms).to_string();
        let signed_target = call.signed_target.as_deref().unwrap_or(&call.target);
        let sig = signature::sign(
            &call.secret,
            call.method,
            signed_target,
            &timestamp,
            &call.access,
        );
        let method = reqwest::Method::from_bytes(call.method.as_bytes()).unwrap();
        let url = format!("{}{}", self.emulator.url(), call.target);
        let mut request = self.http.request(method, url);
        for (name, value) in [
            (TIMESTAMP_HEADER, timestamp.as_str()),
            (ACCESS_KEY_HEADER, call.access.as_str()),
            (SIGNATURE_HEADER, sig.as_str()),
        ] {
            if call.omit != Some(name) {
                request = request.header(name, value);
            }
        }
        if let Some(body) = call.body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    async fn send(&self, call: Call) -> Reply {
        self.try_send(call).await.unwrap()
    }

    async fn create(&self, name: &str, bucket: &str) -> Reply {
        let body = json!({"snapshotName": name, "bucketName": bucket});
        self.send(Call::post(
            format!("/api/v2/snapshot/createSnapshot/{NO}"),
            body,
        ))
        .await
    }

    async fn history(&self, query: &str) -> Reply {
        self.send(Call::get(format!(
            "/api/v2/snapshot/getSnapshotHistory/{NO}{query}"
        )))
        .await
    }

    async fn introspect(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.emulator.url());
        let response = self.http.request(method, url).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json_value().await)
    }

    async fn state(&self) -> Value {
        self.introspect(reqwest::Method::GET, "/__emulator/state")
            .await
            .1
    }

    async fn requests(&self) -> Value {
        self.introspect(reqwest::Method::GET, "/__emulator/requests")
            .await
            .1
    }
}

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        let bytes = self.bytes().await.unwrap();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["snapshotName"].as_str().unwrap().to_owned())
        .collect()
}

fn date_header_ms(headers: &HeaderMap) -> i64 {
    let text = headers["date"].to_str().unwrap();
    let time = httpdate::parse_http_date(text).unwrap();
    time.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

// ---------------------------------------------------------------- signature

#[tokio::test]
async fn signed_request_is_accepted_under_every_region_prefix() {
    let harness = Harness::default();
    for prefix in ["v2", "sgn-v2", "jpn-v2", "krs-v2"] {
        let reply = harness
            .send(Call::get(format!(
                "/api/{prefix}/snapshot/getBucketList/{NO}"
            )))
            .await;
        assert_eq!(reply.status, 200, "{prefix}: {:?}", reply.body);
        assert_eq!(reply.body["code"], 0);
        assert_eq!(reply.body["message"], "SUCCESS");
        assert_eq!(
            reply.body["result"]["bucketList"][0]["name"],
            "ses-snapshots"
        );
        let request_id = reply.body["requestId"].as_str().unwrap();
        assert_eq!(request_id.len(), 36, "{request_id}");
    }
}

#[tokio::test]
async fn badly_signed_requests_are_refused_as_the_gateway_does() {
    let harness = Harness::default();
    let target = format!("/api/v2/snapshot/getSnapshotHistory/{NO}?pageNo=1&pageSize=10");
    let good = Call::get(target.clone());
    let cases: Vec<(&str, Call, &str)> = vec![
        (
            "wrong secret",
            Call {
                secret: "not-the-secret".into(),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "wrong access key",
            Call {
                access: "someone-else".into(),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "tampered path",
            Call {
                signed_target: Some(target.replace("/api/v2/", "/api/sgn-v2/")),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "tampered query",
            Call {
                signed_target: Some(target.replace("pageNo=1", "pageNo=2")),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "query left out of the signature",
            Call {
                signed_target: Some(format!("/api/v2/snapshot/getSnapshotHistory/{NO}")),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "no timestamp",
            Call {
                omit: Some(TIMESTAMP_HEADER),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "no access key",
            Call {
                omit: Some(ACCESS_KEY_HEADER),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "no signature",
            Call {
                omit: Some(SIGNATURE_HEADER),
                ..good.clone()
            },
            "Invalid authentication information.",
        ),
        (
            "six minutes late",
            Call {
                timestamp: Some(now_ms() - 6 * 60_000),
                ..good.clone()
            },
            "Expired timestamp.",
        ),
        (
            "six minutes early",
            Call {
                timestamp: Some(now_ms() + 6 * 60_000),
                ..good.clone()
            },
            "Expired timestamp.",
        ),
    ];
    let count = cases.len();
    for (what, call, details) in cases {
        let reply = harness.send(call).await;
        assert_eq!(reply.status, 401, "{what}");
        assert_eq!(
            reply.body,
            json!({"error": {"errorCode": "200", "message": "Authentication Failed",
                             "details": details}}),
            "{what}"
        );
        assert!(
            reply.headers.contains_key("x-emulator-auth-failure"),
            "{what}"
        );
    }

    let state = harness.state().await;
    assert_eq!(state["counters"]["auth_failures"], count);
    let log = harness.requests().await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|entry| entry["authenticated"] == false && entry["status"] == 401)
    );

    assert_eq!(harness.send(good).await.status, 200, "the good call itself");
}

#[tokio::test]
async fn clock_offset_moves_the_timestamp_window_and_the_date_header() {
    let ahead_ms = 10 * 60_000;
    let harness = Harness::start(EmulatorConfig {
        clock_offset_ms: ahead_ms,
        ..EmulatorConfig::default()
    });
    let target = format!("/api/v2/snapshot/getBucketList/{NO}");

    let on_our_clock = harness.send(Call::get(target.clone())).await;
    assert_eq!(on_our_clock.status, 401);
    assert_eq!(on_our_clock.body["error"]["details"], "Expired timestamp.");
    let shown = date_header_ms(&on_our_clock.headers);
    let expected = now_ms() + ahead_ms;
    assert!(
        (shown - expected).abs() < 3_000,
        "Date {shown}, expected {expected}"
    );

    let on_its_clock = harness
        .send(Call {
            timestamp: Some(now_ms() + ahead_ms),
            ..Call::get(target)
        })
        .await;
    assert_eq!(on_its_clock.status, 200);
}

#[tokio::test]
async fn every_answer_carries_a_current_date_header() {
    let harness = Harness::default();
    let api = harness
        .send(Call::get(format!("/api/v2/snapshot/getBucketList/{NO}")))
        .await;
    let not_found = harness.send(Call::get("/nowhere")).await;
    for reply in [api, not_found] {
        assert!((date_header_ms(&reply.headers) - now_ms()).abs() < 3_000);
        assert_eq!(reply.headers.get_all("date").iter().count(), 1);
    }
}

#[tokio::test]
async fn unknown_routes_get_the_gateways_not_found() {
    let harness = Harness::default();
    let calls = [
        Call::get(format!("/api/v2/snapshot/deleteSnapshot/{NO}")),
        Call::get(format!("/api/v2/snapshot/createSnapshot/{NO}")),
        Call::post(
            format!("/api/v2/snapshot/releaseSnapshotScheduling/{NO}"),
            json!({}),
        ),
        Call::get(format!("/api/v1/snapshot/getBucketList/{NO}")),
        Call::get("/"),
    ];
    for call in calls {
        let target = call.target.clone();
        let reply = harness.send(call).await;
        assert_eq!(reply.status, 404, "{target}");
        assert_eq!(reply.gateway_code(), "300", "{target}");
        assert_eq!(reply.body["error"]["message"], "Not Found Exception");
    }
    let state = harness.state().await;
    assert_eq!(state["counters"]["requests"], 5);
    assert_eq!(
        state["counters"]["requests_by_endpoint"]["createSnapshot"],
        0
    );
}

// ------------------------------------------------------------- the calls

#[tokio::test]
async fn create_snapshot_records_it_and_refuses_bad_input() {
    let harness = Harness::start(EmulatorConfig {
        buckets: vec!["ses-snapshots".into(), "archive".into()],
        ..EmulatorConfig::default()
    });
    let created = harness.create("nightly-1", "archive").await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.body["result"], true);

    let path = format!("/api/v2/snapshot/createSnapshot/{NO}");
    let cases: Vec<(&str, Call, i64)> = vec![
        (
            "upper case",
            Call::post(
                &path,
                json!({"snapshotName": "Nightly", "bucketName": "archive"}),
            ),
            service_code::INVALID_PARAMETER,
        ),
        (
            "too long",
            Call::post(
                &path,
                json!({"snapshotName": "a".repeat(31), "bucketName": "archive"}),
            ),
            service_code::INVALID_PARAMETER,
        ),
        (
            "double dash",
            Call::post(
                &path,
                json!({"snapshotName": "a--b", "bucketName": "archive"}),
            ),
            service_code::INVALID_PARAMETER,
        ),
        (
            "missing bucket",
            Call::post(&path, json!({"snapshotName": "fine"})),
            service_code::INVALID_PARAMETER,
        ),
        (
            "number as name",
            Call::post(&path, json!({"snapshotName": 7, "bucketName": "archive"})),
            service_code::INVALID_PARAMETER,
        ),
        (
            "not JSON",
            Call::post(&path, json!(null)).raw_body("{snapshotName: nope"),
            service_code::INVALID_PARAMETER,
        ),
        (
            "empty body",
            Call::post(&path, json!(null)).raw_body(""),
            service_code::INVALID_PARAMETER,
        ),
        (
            "unknown bucket",
            Call::post(
                &path,
                json!({"snapshotName": "fine", "bucketName": "other"}),
            ),
            service_code::BUCKET_NOT_FOUND,
        ),
        (
            "unknown cluster",
            Call::post(
                "/api/v2/snapshot/createSnapshot/999",
                json!({"snapshotName": "fine", "bucketName": "archive"}),
            ),
            service_code::CLUSTER_NOT_FOUND,
        ),
    ];
    for (what, call, code) in cases {
        let reply = harness.send(call).await;
        assert_eq!(reply.status, 400, "{what}");
        assert_eq!(reply.service_code(), code, "{what}: {:?}", reply.body);
        assert!(
            !reply.body["message"].as_str().unwrap().is_empty(),
            "{what}"
        );
        assert!(reply.body["requestId"].is_string(), "{what}");
    }

    let state = harness.state().await;
    let cluster = &state["clusters"][NO];
    assert_eq!(
        cluster["snapshots"],
        json!({"nightly-1": {"bucket": "archive", "create_attempts": 1}})
    );
    assert_eq!(cluster["history"].as_array().unwrap().len(), 1);
    assert_eq!(
        state["counters"]["requests_by_endpoint"]["createSnapshot"],
        10
    );
}

#[tokio::test]
async fn duplicate_name_is_refused_until_deleted_through_the_cluster() {
    let harness = Harness::default();
    assert_eq!(harness.create("weekly", "ses-snapshots").await.status, 200);
    let again = harness.create("weekly", "ses-snapshots").await;
    assert_eq!(again.status, 400);
    assert_eq!(again.service_code(), service_code::SNAPSHOT_ALREADY_EXISTS);

    let delete = reqwest::Method::DELETE;
    let path = format!("/__emulator/snapshots/{NO}/weekly");
    assert_eq!(harness.introspect(delete.clone(), &path).await.0, 200);
    assert_eq!(harness.introspect(delete.clone(), &path).await.0, 404);
    let missing_cluster = harness
        .introspect(delete, "/__emulator/snapshots/1/weekly")
        .await;
    assert_eq!(missing_cluster.0, 404);

    assert_eq!(harness.create("weekly", "ses-snapshots").await.status, 200);
    let state = harness.state().await;
    let cluster = &state["clusters"][NO];
    assert_eq!(cluster["create_attempts"]["weekly"], 3);
    assert_eq!(cluster["snapshots"]["weekly"]["create_attempts"], 3);
    let idxs: Vec<i64> = cluster["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["idx"].as_i64().unwrap())
        .collect();
    assert_eq!(
        idxs,
        vec![2, 1],
        "the deleted snapshot keeps its history entry"
    );
}

#[tokio::test]
async fn history_pages_newest_first() {
    let harness = Harness::default();
    for n in 1..=25 {
        assert_eq!(
            harness
                .create(&format!("snap-{n:02}"), "ses-snapshots")
                .await
                .status,
            200
        );
    }

    let first = harness.history("?pageNo=1&pageSize=10").await;
    let page = &first.body["result"];
    assert_eq!(page["totalCount"], 25);
    assert_eq!(page["totalPage"], 3);
    assert_eq!(
        (page["isFirst"].clone(), page["isLast"].clone()),
        (json!(true), json!(false))
    );
    let list = &page["snapshotHistoryResponseList"];
    assert_eq!(names(list).first().map(String::as_str), Some("snap-25"));
    assert_eq!(names(list).last().map(String::as_str), Some("snap-16"));
    assert_eq!(list[0]["idx"], 25);

    let last = harness.history("?pageNo=3&pageSize=10").await;
    let page = &last.body["result"];
    assert_eq!(page["currentPage"], 3);
    assert_eq!(
        (page["isFirst"].clone(), page["isLast"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(
        names(&page["snapshotHistoryResponseList"]),
        ["snap-05", "snap-04", "snap-03", "snap-02", "snap-01"]
    );

    let defaults = harness.history("").await;
    assert_eq!(defaults.body["result"]["pageSize"], 10);
    assert_eq!(defaults.body["result"]["currentPage"], 1);
    let all = harness.history("?pageSize=100").await;
    assert_eq!(
        names(&all.body["result"]["snapshotHistoryResponseList"]).len(),
        25
    );

    for query in [
        "?pageSize=0",
        "?pageSize=101",
        "?pageNo=0",
        "?pageSize=many",
    ] {
        let reply = harness.history(query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(
            reply.service_code(),
            service_code::INVALID_PARAMETER,
            "{query}"
        );
    }

    let entry = &defaults.body["result"]["snapshotHistoryResponseList"][0];
    for field in [
        "idx",
        "memberNo",
        "serviceGroupInstanceNo",
        "clusterName",
        "snapshotName",
        "bucketName",
        "requestType",
        "actionDate",
        "duration",
        "message",
        "hasErrorLog",
    ] {
        assert!(!entry[field].is_null(), "history entry lacks {field}");
    }
    let again = harness.history("").await;
    assert_eq!(
        again.body["result"], defaults.body["result"],
        "history must be stable"
    );
}

#[tokio::test]
async fn history_shows_an_entry_only_after_the_delay() {
    let harness = Harness::start(EmulatorConfig {
        history_delay_ms: 1_000,
        ..EmulatorConfig::default()
    });
    let started = Instant::now();
    assert_eq!(harness.create("lagging", "ses-snapshots").await.status, 200);

    let early = harness.history("").await;
    assert!(
        started.elapsed() < Duration::from_millis(1_000),
        "machine too slow to test"
    );
    assert_eq!(early.body["result"]["totalCount"], 0);
    assert_eq!(
        names(&early.body["result"]["snapshotHistoryResponseList"]).len(),
        0
    );
    let state = harness.state().await;
    assert_eq!(names(&state["clusters"][NO]["history"]), ["lagging"]);

    tokio::time::sleep(Duration::from_millis(1_050)).await;
    let late = harness.history("").await;
    assert_eq!(late.body["result"]["totalCount"], 1);
    assert_eq!(
        names(&late.body["result"]["snapshotHistoryResponseList"]),
        ["lagging"]
    );
}

#[tokio::test]
async fn failing_snapshot_names_report_an_error_log() {
    let harness = Harness::start(EmulatorConfig {
        fail_snapshots: vec!["doomed".into()],
        ..EmulatorConfig::default()
    });
    assert_eq!(harness.create("doomed", "ses-snapshots").await.status, 200);
    assert_eq!(harness.create("healthy", "ses-snapshots").await.status, 200);
    let reply = harness.history("").await;
    let list = reply.body["result"]["snapshotHistoryResponseList"]
        .as_array()
        .unwrap()
        .clone();
    let by_name = |name: &str| {
        list.iter()
            .find(|e| e["snapshotName"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("doomed")["hasErrorLog"], true);
    assert_eq!(by_name("healthy")["hasErrorLog"], false);
    assert_ne!(by_name("doomed")["message"], by_name("healthy")["message"]);
}

#[tokio::test]
async fn cleared_history_loses_the_entry_but_not_the_snapshot() {
    let harness = Harness::default();
    assert_eq!(
        harness.create("retained", "ses-snapshots").await.status,
        200
    );
    let (status, _) = harness
        .introspect(
            reqwest::Method::POST,
            &format!("/__emulator/history/{NO}/clear"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(harness.history("").await.body["result"]["totalCount"], 0);
    let state = harness.state().await;
    assert!(state["clusters"][NO]["snapshots"]["retained"].is_object());
    let unknown = harness
        .introspect(reqwest::Method::POST, "/__emulator/history/1/clear")
        .await;
    assert_eq!(unknown.0, 404);
}

#[tokio::test]
async fn bucket_list_shows_configured_buckets_and_usage() {
    let harness = Harness::start(EmulatorConfig {
        buckets: vec!["ses-snapshots".into(), "cold".into()],
        ..EmulatorConfig::default()
    });
    assert_eq!(harness.create("in-cold", "cold").await.status, 200);
    let reply = harness
        .send(Call::get(format!("/api/v2/snapshot/getBucketList/{NO}")))
        .await;
    let buckets = reply.body["result"]["bucketList"]
        .as_array()
        .unwrap()
        .clone();
    let bucket_names: Vec<&str> = buckets
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(bucket_names, ["ses-snapshots", "cold"]);
    assert_eq!(buckets[1]["objectCount"], 1);
    assert_eq!(buckets[0]["objectCount"], 0);
    for field in ["bytesUsed", "creationTime", "bucketProtectionState"] {
        assert!(!buckets[0][field].is_null(), "bucket lacks {field}");
    }
}

#[tokio::test]
async fn cluster_without_storage_key_refuses_until_one_is_set() {
    let harness = Harness::start(EmulatorConfig {
        clusters: vec![ClusterSpec {
            no: NO.into(),
            name: "bare".into(),
            key_set: false,
        }],
        ..EmulatorConfig::default()
    });
    let refused = harness.create("first", "ses-snapshots").await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.service_code(), service_code::STORAGE_KEY_NOT_SET);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("updateAPIAuthenticationKey")
    );
    let schedule = json!({"snapshotName": "auto", "bucketName": "ses-snapshots",
                          "scheduledDay": "Everyday", "scheduledHour": 1, "scheduledMinute": 0});
    let set_path = format!("/api/v2/snapshot/setSnapshotScheduling/{NO}");
    let refused = harness.send(Call::post(&set_path, schedule.clone())).await;
    assert_eq!(refused.service_code(), service_code::STORAGE_KEY_NOT_SET);

    let key_path = format!("/api/v2/snapshot/updateAPIAuthenticationKey/{NO}");
    for body in [
        json!({"accessKeyId": "", "secretKey": "s"}),
        json!({"accessKeyId": "AKID"}),
        json!({"accessKeyId": "AKID", "secretKey": 12}),
    ] {
        let reply = harness.send(Call::post(&key_path, body.clone())).await;
        assert_eq!(
            reply.service_code(),
            service_code::INVALID_PARAMETER,
            "{body}"
        );
    }
    let secret = "obj-storage-secret-value";
    let set = harness
        .send(Call::post(
            &key_path,
            json!({"accessKeyId": "AKID", "secretKey": secret}),
        ))
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);

    assert_eq!(harness.create("first", "ses-snapshots").await.status, 200);
    assert_eq!(
        harness.send(Call::post(&set_path, schedule)).await.status,
        200
    );
    let state = harness.state().await;
    assert_eq!(state["clusters"][NO]["key_set"], true);
    assert_eq!(state["clusters"][NO]["access_key_id"], "AKID");
    let requests = harness.requests().await;
    for text in [state.to_string(), requests.to_string()] {
        assert!(!text.contains(secret), "the Object Storage secret leaked");
    }
    assert!(requests.to_string().contains("<redacted>"));
}

#[tokio::test]
async fn schedules_are_set_listed_and_released() {
    let harness = Harness::default();
    let set_path = format!("/api/v2/snapshot/setSnapshotScheduling/{NO}");
    let release = Call::get(format!("/api/v2/snapshot/releaseSnapshotScheduling/{NO}"));
    let history = Call::get(format!(
        "/api/v2/snapshot/getSnapshotSchedulingHistory/{NO}?pageNo=1&pageSize=10"
    ));
    let schedule = |name: &str, day: &str, hour: i64, minute: i64| {
        json!({"snapshotName": name, "bucketName": "ses-snapshots",
               "scheduledDay": day, "scheduledHour": hour, "scheduledMinute": minute})
    };

    let none = harness.send(release.clone()).await;
    assert_eq!(none.service_code(), service_code::SCHEDULE_NOT_FOUND);

    for bad in [
        schedule("sixteen-chars-xx", "Monday", 1, 0),
        schedule("daily", "Someday", 1, 0),
        schedule("daily", "Monday", 24, 0),
        schedule("daily", "Monday", 1, 20),
        json!({"snapshotName": "daily", "bucketName": "ses-snapshots",
               "scheduledDay": "Monday", "scheduledHour": "one", "scheduledMinute": 0}),
    ] {
        let reply = harness.send(Call::post(&set_path, bad.clone())).await;
        assert_eq!(
            reply.service_code(),
            service_code::INVALID_PARAMETER,
            "{bad}"
        );
    }

    let set = harness
        .send(Call::post(&set_path, schedule("daily", "Everyday", 4, 45)))
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let state = harness.state().await;
    assert_eq!(
        state["clusters"][NO]["schedule"],
        schedule("daily", "Everyday", 4, 45)
    );
    assert_eq!(harness.send(release.clone()).await.status, 200);
    assert_eq!(
        harness.send(release).await.service_code(),
        service_code::SCHEDULE_NOT_FOUND
    );

    let reply = harness.send(history).await;
    let list = &reply.body["result"]["snapshotSchedulingHistoryList"];
    assert_eq!(reply.body["result"]["totalCount"], 2);
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["snapshotSchedulingStatus"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["RELEASED", "ACTIVE"]);
    assert_eq!(list[0]["snapshotSchedulingSetUpTime"], "04:45");
    assert_eq!(list[0]["snapshotSchedulingSetUpDay"], "Everyday");
    assert_eq!(list[0]["snapshotName"], "daily");
    assert!(harness.state().await["clusters"][NO]["schedule"].is_null());
}

#[tokio::test]
async fn cluster_info_answers_for_known_clusters_only() {
    let harness = Harness::start(EmulatorConfig {
        clusters: vec!["1037000:logs".parse().unwrap(), "42".parse().unwrap()],
        ..EmulatorConfig::default()
    });
    let info = harness
        .send(Call::get("/api/jpn-v2/cluster/getClusterInfo/1037000"))
        .await;
    assert_eq!(info.status, 200);
    let result = &info.body["result"];
    assert_eq!(result["clusterName"], "logs");
    assert_eq!(result["clusterStatus"], "running");
    assert_eq!(result["serviceGroupInstanceNo"], "1037000");
    assert!(result["searchEnginePort"].is_i64() && result["vpcNo"].is_i64());

    let other = harness
        .send(Call::get("/api/v2/cluster/getClusterInfo/42"))
        .await;
    assert_eq!(other.body["result"]["clusterName"], "cluster-42");
    let unknown = harness
        .send(Call::get("/api/v2/cluster/getClusterInfo/7"))
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.service_code(), service_code::CLUSTER_NOT_FOUND);
    for path in [
        "/api/v2/snapshot/getBucketList/7",
        "/api/v2/snapshot/getSnapshotHistory/7",
        "/api/v2/snapshot/releaseSnapshotScheduling/7",
    ] {
        let reply = harness.send(Call::get(path)).await;
        assert_eq!(
            reply.service_code(),
            service_code::CLUSTER_NOT_FOUND,
            "{path}"
        );
    }
}

// ---------------------------------------------------- introspection, state

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn state_json_keeps_the_shape_tests_depend_on() {
    let harness = Harness::default();
    assert_eq!(harness.create("shaped", "ses-snapshots").await.status, 200);
    let state = harness.state().await;
    assert_eq!(keys(&state), ["clusters", "counters"]);
    assert_eq!(
        keys(&state["clusters"][NO]),
        [
            "access_key_id",
            "buckets",
            "create_attempts",
            "history",
            "key_set",
            "name",
            "schedule",
            "scheduling_history",
            "snapshots",
            "status"
        ]
    );
    assert_eq!(state["clusters"][NO]["status"], "running");
    assert_eq!(
        keys(&state["clusters"][NO]["snapshots"]["shaped"]),
        ["bucket", "create_attempts"]
    );
    assert_eq!(
        keys(&state["counters"]),
        [
            "auth_failures",
            "faults",
            "requests",
            "requests_by_endpoint"
        ]
    );
    assert_eq!(
        keys(&state["counters"]["faults"]),
        ["429", "503", "504", "commit_504", "drop"]
    );
    assert_eq!(
        state["counters"]["requests_by_endpoint"]["createSnapshot"],
        1
    );

    let log = harness.requests().await;
    assert_eq!(
        keys(&log[0]),
        [
            "authenticated",
            "body",
            "endpoint",
            "method",
            "path",
            "query",
            "status"
        ]
    );
    assert_eq!(log[0]["body"]["snapshotName"], "shaped");
}

#[tokio::test]
async fn reset_forgets_everything_but_the_configuration() {
    let harness = Harness::default();
    assert_eq!(
        harness.create("gone-soon", "ses-snapshots").await.status,
        200
    );
    let (status, _) = harness
        .introspect(reqwest::Method::POST, "/__emulator/reset")
        .await;
    assert_eq!(status, 200);

    let state = harness.state().await;
    let cluster = &state["clusters"][NO];
    assert_eq!(cluster["name"], "local-search");
    assert_eq!(cluster["key_set"], true);
    assert_eq!(cluster["buckets"], json!(["ses-snapshots"]));
    assert_eq!(cluster["snapshots"], json!({}));
    assert_eq!(cluster["create_attempts"], json!({}));
    assert_eq!(cluster["history"], json!([]));
    assert_eq!(state["counters"]["requests"], 0);
    assert_eq!(harness.requests().await, json!([]));

    assert_eq!(
        harness.create("gone-soon", "ses-snapshots").await.status,
        200
    );
    assert_eq!(
        harness.history("").await.body["result"]["snapshotHistoryResponseList"][0]["idx"],
        1
    );
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig {
        state_file: Some(dir.path().join("state.json")),
        ..EmulatorConfig::default()
    };
    let first = Harness::start(config.clone());
    assert_eq!(first.create("kept", "ses-snapshots").await.status, 200);
    let before = first.state().await;
    drop(first);

    let second = Harness::start(config);
    let after = second.state().await;
    assert_eq!(after["clusters"], before["clusters"]);
    let again = second.create("kept", "ses-snapshots").await;
    assert_eq!(again.service_code(), service_code::SNAPSHOT_ALREADY_EXISTS);
    assert_eq!(
        names(&second.history("").await.body["result"]["snapshotHistoryResponseList"]),
        ["kept"]
    );
}

// ------------------------------------------------------------------ faults

fn with_faults(spec: &str) -> EmulatorConfig {
    EmulatorConfig {
        faults: spec.parse::<FaultConfig>().unwrap(),
        ..EmulatorConfig::default()
    }
}

async fn statuses_of_bucket_lists(harness: &Harness, count: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        let reply = harness
            .send(Call::get(format!("/api/v2/snapshot/getBucketList/{NO}")))
            .await;
        statuses.push(reply.status);
    }
    statuses
}

#[tokio::test]
async fn faults_from_one_seed_repeat_and_are_counted() {
    let first = Harness::start(with_faults("rate=0.5,seed=1234"));
    let second = Harness::start(with_faults("rate=0.5,seed=1234"));
    let other = Harness::start(with_faults("rate=0.5,seed=4321"));
    let a = statuses_of_bucket_lists(&first, 30).await;
    let b = statuses_of_bucket_lists(&second, 30).await;
    let c = statuses_of_bucket_lists(&other, 30).await;
    assert_eq!(a, b, "same seed, same faults");
    assert_ne!(a, c, "another seed, other faults");

    let failed = a.iter().filter(|status| **status != 200).count();
    assert!((1..30).contains(&failed), "{a:?}");
    assert!(a.iter().all(|s| [200, 503, 504, 429].contains(s)), "{a:?}");
    let counters = &first.state().await["counters"]["faults"];
    for (status, name) in [(503, "503"), (504, "504"), (429, "429")] {
        let seen = a.iter().filter(|s| **s == status).count();
        assert_eq!(counters[name], seen, "{name}");
    }

    let (status, _) = first
        .introspect(reqwest::Method::POST, "/__emulator/reset")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        statuses_of_bucket_lists(&first, 30).await,
        a,
        "reset replays the seed"
    );
}

#[tokio::test]
async fn rate_limit_fault_says_when_to_retry() {
    let harness = Harness::start(with_faults("rate=1,kinds=429"));
    let reply = harness
        .send(Call::get(format!("/api/v2/snapshot/getBucketList/{NO}")))
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.gateway_code(), "420");
    assert_eq!(reply.headers[RETRY_AFTER], "1");
}

#[tokio::test]
async fn failures_before_processing_change_nothing() {
    let harness = Harness::start(with_faults("rate=1,kinds=503+504"));
    let reply = harness.create("never", "ses-snapshots").await;
    assert!([503, 504].contains(&reply.status), "{reply:?}");
    let expected_code = if reply.status == 503 { "500" } else { "510" };
    assert_eq!(reply.gateway_code(), expected_code);
    let state = harness.state().await;
    assert_eq!(state["clusters"][NO]["snapshots"], json!({}));
    assert_eq!(state["clusters"][NO]["create_attempts"], json!({}));
}

#[tokio::test]
async fn commit_then_504_stores_the_snapshot() {
    let harness = Harness::start(with_faults("rate=1,kinds=commit_504"));
    let reply = harness.create("stored", "ses-snapshots").await;
    assert_eq!(reply.status, 504);
    assert_eq!(reply.gateway_code(), "510");
    let state = harness.state().await;
    assert!(state["clusters"][NO]["snapshots"]["stored"].is_object());
    assert_eq!(state["counters"]["faults"]["commit_504"], 1);
    // Other calls are never hit by a committing fault.
    let list = harness
        .send(Call::get(format!("/api/v2/snapshot/getBucketList/{NO}")))
        .await;
    assert_eq!(list.status, 200);
}

#[tokio::test]
async fn commit_then_drop_stores_the_snapshot_and_closes_without_answer() {
    let harness = Harness::start(with_faults("rate=1,kinds=drop"));
    let body = json!({"snapshotName": "orphan", "bucketName": "ses-snapshots"});
    let outcome = harness
        .try_send(Call::post(
            format!("/api/v2/snapshot/createSnapshot/{NO}"),
            body,
        ))
        .await;
    let error = outcome.expect_err("the connection should close without an answer");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");

    let state = harness.state().await;
    let cluster = &state["clusters"][NO];
    assert_eq!(cluster["snapshots"]["orphan"]["create_attempts"], 1);
    assert_eq!(names(&cluster["history"]), ["orphan"]);
    assert_eq!(state["counters"]["faults"]["drop"], 1);
    let log = harness.requests().await;
    assert_eq!(log[0]["endpoint"], "createSnapshot");
    assert!(log[0]["status"].is_null(), "{log}");
}

#[tokio::test]
async fn latency_delays_every_api_request() {
    let harness = Harness::start(with_faults("latency-ms=150"));
    let started = Instant::now();
    let reply = harness
        .send(Call::get(format!("/api/v2/snapshot/getBucketList/{NO}")))
        .await;
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

// --------------------------------------------------------- the real binary

/// Kills the child on drop, so a failed assertion leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_its_address_and_serves_signed_requests() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_ncloud-emulator"))
            .args(["--cluster", "555:from-cli", "--bucket", "extra"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let first_line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let url = first_line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();

    let target = "/api/v2/snapshot/getBucketList/555";
    let timestamp = now_ms().to_string();
    let sig = signature::sign(SECRET, "GET", target, &timestamp, ACCESS);
    let reply = reqwest::Client::new()
        .get(format!("{url}{target}"))
        .header(TIMESTAMP_HEADER, &timestamp)
        .header(ACCESS_KEY_HEADER, ACCESS)
        .header(SIGNATURE_HEADER, sig)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let body = reply.json_value().await;
    let names: Vec<&str> = body["result"]["bucketList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ses-snapshots", "extra"]);

    let help = Command::new(env!("CARGO_BIN_EXE_ncloud-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "ncloud-emulator-access-key",
        "127.0.0.1:0",
        "--fault",
        "Examples",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}
