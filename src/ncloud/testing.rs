//! A scripted stand-in for the gateway, for the client's own tests.
//!
//! It checks every signature the way the gateway does, keeps a snapshot
//! history, refuses duplicate names, and answers each call either from a
//! script of steps (errors, lost answers, hidden entries) or, once the script
//! is used up, as a healthy service would. Two front ends share that logic:
//! an axum server, and a raw TCP one that can also close a connection
//! without answering, which no HTTP framework will do on purpose.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::client::{Client, ClientConfig};
use super::credentials::Credentials;
use super::endpoint::{Endpoint, Site};
use super::model::{
    Bucket, BucketList, ClusterInfo, CreateSnapshotRequest, Envelope, Paging,
    SchedulingHistoryPage, SnapshotHistoryEntry, SnapshotHistoryPage, service_code,
};
use super::retry::RetryPolicy;
use super::signature;

/// The test key pair; the secret must never show in an error.
pub(crate) const ACCESS_KEY: &str = "TESTACCESSKEY";
pub(crate) const SECRET_KEY: &str = "TESTSECRETKEY-must-not-leak";
/// Stands for the request id until the request's number is known.
const REQUEST_ID_SLOT: &str = "req-?";
/// The cluster every test talks to.
pub(crate) const NO: &str = "1037000";

/// Waits short enough for tests, long enough to tell apart.
pub(crate) fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_attempts: 6,
        history_poll_interval: Duration::from_millis(10),
        history_lag_window: Duration::from_millis(100),
    }
}

/// A canned HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Canned {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

impl Canned {
    /// The boolean success envelope.
    pub fn done() -> Self {
        Self::json(200, &envelope(true))
    }

    /// A gateway error body.
    pub fn gateway(status: u16, code: &str, message: &str) -> Self {
        let body =
            format!(r#"{{"error":{{"errorCode":"{code}","message":"{message}","details":""}}}}"#);
        Self::json(status, &body)
    }

    /// A service error envelope.
    pub fn service(status: u16, code: i64, message: &str) -> Self {
        let body = format!(r#"{{"code":{code},"message":"{message}","requestId":"err-{code}"}}"#);
        Self::json(status, &body)
    }

    /// A JSON body as given.
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.to_owned(),
            headers: vec![("content-type", "application/json".into())],
        }
    }

    /// A proxy's HTML error page.
    pub fn html(status: u16) -> Self {
        Self {
            status,
            body: "<html><body><h1>Bad Gateway</h1></body></html>".into(),
            headers: vec![("content-type", "text/html".into())],
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// What the server does with the next request of a call.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Answers this and changes nothing.
    Reply(Canned),
    /// Stores the snapshot, then answers this; the entry stays out of the
    /// history for the next `hidden_reads` history reads.
    StoreThenReply { reply: Canned, hidden_reads: u32 },
    /// Stores the snapshot, then answers success only after this long.
    StoreThenDelay(Duration),
    /// Reads the request and closes the connection (raw server only).
    Close,
    /// Answers as a working service would.
    Healthy,
    /// Adds history entries (and makes their names live) as if someone
    /// else had made them just now, then takes the inner step.
    Arrive(Vec<(String, String)>, Box<Step>),
    /// Stores the snapshot, then closes without answering (raw server only).
    StoreThenClose,
}

/// What the server does with a request.
enum Outcome {
    Answer(Canned),
    Close,
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub call: String,
    pub method: String,
    pub target: String,
    pub timestamp: String,
    pub signed: bool,
}

/// One history entry, oldest first in [`State::history`].
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub name: String,
    pub bucket: String,
    pub hidden_reads: u32,
}

/// Everything the server knows.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub history: Vec<Record>,
    pub live: BTreeSet<String>,
    pub scripts: HashMap<String, VecDeque<Step>>,
    pub seen: Vec<Seen>,
}

/// The server's state, shared with the test that drives it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shared(Arc<Mutex<State>>);

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues steps for a call, after any already queued.
    pub fn script(&self, call: &str, steps: impl IntoIterator<Item = Step>) {
        self.lock()
            .scripts
            .entry(call.to_owned())
            .or_default()
            .extend(steps);
    }

    /// Adds a history entry of a snapshot deleted long ago.
    pub fn seed_deleted(&self, name: &str, bucket: &str) {
        self.lock().history.push(Record {
            name: name.into(),
            bucket: bucket.into(),
            hidden_reads: 0,
        });
    }

    /// Requests received for a call.
    pub fn seen(&self, call: &str) -> Vec<Seen> {
        let state = self.lock();
        state
            .seen
            .iter()
            .filter(|seen| seen.call == call)
            .cloned()
            .collect()
    }

    /// History entries of a name.
    pub fn entries_named(&self, name: &str) -> usize {
        let state = self.lock();
        state
            .history
            .iter()
            .filter(|record| record.name == name)
            .count()
    }

    fn next_step(&self, call: &str) -> Option<Step> {
        self.lock().scripts.get_mut(call)?.pop_front()
    }

    /// Records a snapshot as made: live, and in the history.
    fn store(&self, body: &[u8], hidden_reads: u32) {
        let Ok(request) = serde_json::from_slice::<CreateSnapshotRequest>(body) else {
            return;
        };
        let mut state = self.lock();
        state.live.insert(request.snapshot_name.clone());
        state.history.push(Record {
            name: request.snapshot_name,
            bucket: request.bucket_name,
            hidden_reads,
        });
    }
}

/// A running test server; it stops when dropped.
pub(crate) struct TestServer {
    pub shared: Shared,
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Serves with axum on a free local port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shared = Shared::default();
        let app = Router::new()
            .fallback(axum_handler)
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            shared,
            address,
            task,
        }
    }

    /// Serves over raw TCP, one request per connection, so that a step can
    /// close a connection after reading the request.
    pub async fn start_raw() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shared = Shared::default();
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(raw_connection(stream, serving.clone()));
            }
        });
        Self {
            shared,
            address,
            task,
        }
    }

    /// The base URL to give as the endpoint override.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// A client of this server with the given policy.
    pub fn client(&self, policy: RetryPolicy) -> Client {
        self.client_with_timeout(policy, Duration::from_secs(5))
    }

    /// A client of this server with a request timeout.
    pub fn client_with_timeout(&self, policy: RetryPolicy, timeout: Duration) -> Client {
        let endpoint = Endpoint::resolve(Site::Public, "KR", Some(&self.url())).unwrap();
        let credentials = Credentials::new(ACCESS_KEY, SECRET_KEY).unwrap();
        let mut config = ClientConfig::new(endpoint, credentials);
        config.retry = policy;
        config.request_timeout = timeout;
        Client::new(config).unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn axum_handler(
    AxumState(shared): AxumState<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let target = uri
        .path_and_query()
        .map(|target| target.as_str().to_owned())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or_default().to_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let canned = match handle(&shared, method.as_str(), &target, &headers, &body).await {
        Outcome::Answer(canned) => canned,
        Outcome::Close => Canned::json(500, r#"{"test":"close needs the raw server"}"#),
    };
    let mut response = axum::response::Response::builder().status(canned.status);
    for (name, value) in &canned.headers {
        response = response.header(*name, value);
    }
    response.body(Body::from(canned.body)).unwrap()
}

async fn raw_connection(mut stream: TcpStream, shared: Shared) {
    let Some((method, target, headers, body)) = read_request(&mut stream).await else {
        return;
    };
    match handle(&shared, &method, &target, &headers, &body).await {
        Outcome::Close => drop(stream),
        Outcome::Answer(canned) => {
            let mut head = format!(
                "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                canned.status,
                canned.body.len()
            );
            for (name, value) in &canned.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(canned.body.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

type RawRequest = (String, String, Vec<(String, String)>, Vec<u8>);

/// Reads one HTTP/1.1 request with a content-length body.
async fn read_request(stream: &mut TcpStream) -> Option<RawRequest> {
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = header(&headers, "content-length").parse().unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some((method, target, headers, body))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
        .unwrap_or_default()
}

/// The call's name: the path segment before the cluster number.
fn call_name(target: &str) -> String {
    let path = target.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .len()
        .checked_sub(2)
        .and_then(|at| segments.get(at))
        .map(|call| (*call).to_owned())
        .unwrap_or_default()
}

async fn handle(
    shared: &Shared,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Outcome {
    let call = call_name(target);
    let timestamp = header(headers, signature::TIMESTAMP_HEADER).to_owned();
    let signed = header(headers, signature::ACCESS_KEY_HEADER) == ACCESS_KEY
        && signature::verify(
            SECRET_KEY,
            method,
            target,
            &timestamp,
            ACCESS_KEY,
            header(headers, signature::SIGNATURE_HEADER),
        );
    shared.lock().seen.push(Seen {
        call: call.clone(),
        method: method.to_owned(),
        target: target.to_owned(),
        timestamp,
        signed,
    });
    if !signed {
        return Outcome::Answer(Canned::gateway(401, "200", "Authentication Failed"));
    }
    let outcome = match shared.next_step(&call) {
        Some(step) => take_step(shared, step, &call, target, body).await,
        None => Outcome::Answer(healthy(shared, &call, target, body)),
    };
    number_request(shared, outcome)
}

/// Gives a success envelope the request's number as its id (`req-3` for
/// the third request), so tests can tell which answer a result came from.
fn number_request(shared: &Shared, outcome: Outcome) -> Outcome {
    let Outcome::Answer(mut canned) = outcome else {
        return outcome;
    };
    let number = shared.lock().seen.len();
    let slot = format!(r#""requestId":"{REQUEST_ID_SLOT}""#);
    canned.body = canned
        .body
        .replace(&slot, &format!(r#""requestId":"req-{number}""#));
    Outcome::Answer(canned)
}

async fn take_step(shared: &Shared, step: Step, call: &str, target: &str, body: &[u8]) -> Outcome {
    match step {
        Step::Reply(canned) => Outcome::Answer(canned),
        Step::StoreThenReply {
            reply,
            hidden_reads,
        } => {
            shared.store(body, hidden_reads);
            Outcome::Answer(reply)
        }
        Step::StoreThenDelay(delay) => {
            shared.store(body, 0);
            tokio::time::sleep(delay).await;
            Outcome::Answer(Canned::done())
        }
        Step::Close => Outcome::Close,
        Step::StoreThenClose => {
            shared.store(body, 0);
            Outcome::Close
        }
        Step::Healthy => Outcome::Answer(healthy(shared, call, target, body)),
        Step::Arrive(arrivals, then) => {
            for (name, bucket) in arrivals {
                shared.seed_deleted(&name, &bucket);
                shared.lock().live.insert(name);
            }
            Box::pin(take_step(shared, *then, call, target, body)).await
        }
    }
}

/// What a working service answers.
fn healthy(shared: &Shared, call: &str, target: &str, body: &[u8]) -> Canned {
    match call {
        "createSnapshot" => create(shared, body),
        "getSnapshotHistory" => history(shared, target),
        "getBucketList" => Canned::json(
            200,
            &envelope(BucketList {
                bucket_list: vec![Bucket {
                    name: "snapshots".into(),
                    ..Bucket::default()
                }],
            }),
        ),
        "getClusterInfo" => Canned::json(
            200,
            &envelope(ClusterInfo {
                service_group_instance_no: NO.into(),
                cluster_status: "running".into(),
                ..ClusterInfo::default()
            }),
        ),
        "getSnapshotSchedulingHistory" => {
            Canned::json(200, &envelope(SchedulingHistoryPage::default()))
        }
        _ => Canned::done(),
    }
}

fn create(shared: &Shared, body: &[u8]) -> Canned {
    let Ok(request) = serde_json::from_slice::<CreateSnapshotRequest>(body) else {
        return Canned::service(400, service_code::INVALID_PARAMETER, "bad body");
    };
    if shared.lock().live.contains(&request.snapshot_name) {
        return Canned::service(
            400,
            service_code::SNAPSHOT_ALREADY_EXISTS,
            "snapshot name already exists",
        );
    }
    shared.store(body, 0);
    Canned::done()
}

fn history(shared: &Shared, target: &str) -> Canned {
    let query = target.split_once('?').map(|(_, query)| query).unwrap_or("");
    let number = |key: &str, default: usize| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == key)
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(default)
    };
    let (page_no, page_size) = (number("pageNo", 1).max(1), number("pageSize", 10));
    if page_size == 0 || page_size > 100 {
        return Canned::service(400, service_code::INVALID_PARAMETER, "pageSize over 100");
    }
    let visible = visible_newest_first(shared);
    let total = visible.len();
    let list: Vec<SnapshotHistoryEntry> = visible
        .into_iter()
        .skip((page_no - 1) * page_size)
        .take(page_size)
        .collect();
    let total_page = total.div_ceil(page_size);
    let page = SnapshotHistoryPage {
        paging: Paging {
            current_page: page_no as i64,
            is_first: page_no == 1,
            is_last: page_no >= total_page,
            page_size: page_size as i64,
            total_count: total as i64,
            total_page: total_page as i64,
        },
        snapshot_history_response_list: list,
    };
    Canned::json(200, &envelope(page))
}

/// The entries a history read shows, each hidden one a read closer to view.
fn visible_newest_first(shared: &Shared) -> Vec<SnapshotHistoryEntry> {
    let mut state = shared.lock();
    let mut visible = Vec::new();
    for (index, record) in state.history.iter_mut().enumerate() {
        if record.hidden_reads > 0 {
            record.hidden_reads -= 1;
            continue;
        }
        visible.push(SnapshotHistoryEntry {
            idx: index as i64 + 1,
            service_group_instance_no: NO.into(),
            snapshot_name: record.name.clone(),
            bucket_name: record.bucket.clone(),
            ..SnapshotHistoryEntry::default()
        });
    }
    visible.reverse();
    visible
}

fn envelope(result: impl Serialize) -> String {
    let envelope = Envelope {
        code: 0,
        message: "SUCCESS".into(),
        result: Some(result),
        request_id: REQUEST_ID_SLOT.into(),
    };
    serde_json::to_string(&envelope).unwrap()
}
