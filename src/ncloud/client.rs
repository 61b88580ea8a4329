//! The HTTP side: one connection pool, a signed request per attempt, retries
//! for the calls that may be repeated, and one debug line per request.
//!
//! createSnapshot is the exception to "just retry": it lives in
//! [`super::snapshot`], which decides what a lost answer means before sending
//! again.

use std::time::{Duration, SystemTime};

use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, DATE, HeaderMap, RETRY_AFTER};
use serde::Serialize;
use tokio::time::Instant;

use super::credentials::Credentials;
use super::endpoint::Endpoint;
use super::error::Error;
use super::model::{
    BucketList, ClusterInfo, SchedulingHistoryPage, SetSnapshotSchedulingRequest,
    SnapshotHistoryPage, UpdateApiAuthenticationKeyRequest,
};
use super::request::{self, Effect, Request, check_instance_no, check_page};
use super::response::{self, Answer, Response, Scrubber, decode, decode_confirmed};
use super::retry::{CallOptions, Retrier, RetryPolicy};

/// How long one request may take unless configured otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Opening a connection should never take long; a slow connect means the
/// host is unreachable, and failing early leaves time to retry.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a [`Client`] is made from.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where to send requests.
    pub endpoint: Endpoint,
    /// The key pair that signs them.
    pub credentials: Credentials,
    /// The longest one request may take; a call's deadline may cut it short.
    pub request_timeout: Duration,
    /// How calls are retried.
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// A configuration with the default timeout and retry policy.
    pub fn new(endpoint: Endpoint, credentials: Credentials) -> Self {
        Self {
            endpoint,
            credentials,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

/// What releaseSnapshotScheduling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// A schedule was in force and is released.
    Released,
    /// No schedule was in force; the call changed nothing.
    NothingToRelease,
}

/// A client of the Search Engine API. Cheap to clone: clones share one
/// connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Endpoint,
    credentials: Credentials,
    request_timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

/// How an answer's body becomes a result.
pub(crate) type Decoder<T> = fn(&Answer<'_>, &Scrubber, SystemTime) -> Result<Response<T>, Error>;

/// An answer as read off the wire, with the signature that asked for it.
struct Reply {
    status: u16,
    retry_after: Option<Duration>,
    date: Option<SystemTime>,
    body: Vec<u8>,
    signature: String,
}

impl Client {
    /// Builds a client; no request is made until a call.
    ///
    /// Proxies are taken from the usual environment variables (`HTTPS_PROXY`,
    /// `NO_PROXY`, ...). Redirects are not followed: the gateway does not
    /// send them, and following one would send the signed headers elsewhere.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "terraform-provider-ncloud/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(config.request_timeout.min(CONNECT_TIMEOUT))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| Error::Setup {
                cause: cause_chain(&error),
            })?;
        Ok(Self {
            http,
            endpoint: config.endpoint,
            credentials: config.credentials,
            request_timeout: config.request_timeout,
            retry: config.retry,
        })
    }

    /// Where this client sends requests.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// One page of getSnapshotHistory, newest entries first.
    pub async fn snapshot_history(
        &self,
        no: &str,
        page_no: u32,
        page_size: u32,
        options: &CallOptions,
    ) -> Result<Response<SnapshotHistoryPage>, Error> {
        let request = self.history_request(no, page_no, page_size)?;
        self.call(&request, options, decode).await
    }

    /// The buckets the cluster can write snapshots to (getBucketList).
    pub async fn bucket_list(
        &self,
        no: &str,
        options: &CallOptions,
    ) -> Result<Response<BucketList>, Error> {
        let target = self.target("snapshot", "getBucketList", no, &[])?;
        let request = Request::get("getBucketList", target, Effect::Read);
        self.call(&request, options, decode).await
    }

    /// Sets the Object Storage key the cluster writes snapshots with
    /// (updateAPIAuthenticationKey). Setting the same key twice is harmless,
    /// so failures on the way are retried.
    pub async fn update_api_authentication_key(
        &self,
        no: &str,
        key: &UpdateApiAuthenticationKeyRequest,
        options: &CallOptions,
    ) -> Result<Response<()>, Error> {
        let target = self.target("snapshot", "updateAPIAuthenticationKey", no, &[])?;
        let mut request = Request::post(
            "updateAPIAuthenticationKey",
            target,
            json_body(key)?,
            Effect::Idempotent,
        );
        request.body_secrets.push(key.secret_key.clone());
        self.call(&request, options, decode_confirmed).await
    }

    /// Sets the cluster's snapshot schedule (setSnapshotScheduling); setting
    /// the same schedule twice is harmless, so it is retried like a read.
    pub async fn set_snapshot_scheduling(
        &self,
        no: &str,
        schedule: &SetSnapshotSchedulingRequest,
        options: &CallOptions,
    ) -> Result<Response<()>, Error> {
        let target = self.target("snapshot", "setSnapshotScheduling", no, &[])?;
        let request = Request::post(
            "setSnapshotScheduling",
            target,
            json_body(schedule)?,
            Effect::Idempotent,
        );
        self.call(&request, options, decode_confirmed).await
    }

    /// Releases the cluster's snapshot schedule (releaseSnapshotScheduling,
    /// a GET). Finding no schedule counts as done: that is the state asked
    /// for, and it is what a repeat after a lost answer finds.
    pub async fn release_snapshot_scheduling(
        &self,
        no: &str,
        options: &CallOptions,
    ) -> Result<Response<Release>, Error> {
        let target = self.target("snapshot", "releaseSnapshotScheduling", no, &[])?;
        let request = Request::get("releaseSnapshotScheduling", target, Effect::Idempotent);
        match self.call(&request, options, decode_confirmed).await {
            Ok(response) => Ok(Response {
                value: Release::Released,
                request_id: response.request_id,
            }),
            Err(error) if error.is_schedule_not_found() => Ok(Response {
                value: Release::NothingToRelease,
                request_id: error.request_id().unwrap_or_default().to_owned(),
            }),
            Err(error) => Err(error),
        }
    }

    /// One page of getSnapshotSchedulingHistory.
    pub async fn snapshot_scheduling_history(
        &self,
        no: &str,
        page_no: u32,
        page_size: u32,
        options: &CallOptions,
    ) -> Result<Response<SchedulingHistoryPage>, Error> {
        check_page(page_no, page_size)?;
        let query = paging_query(page_no, page_size);
        let target = self.target("snapshot", "getSnapshotSchedulingHistory", no, &query)?;
        let request = Request::get("getSnapshotSchedulingHistory", target, Effect::Read);
        self.call(&request, options, decode).await
    }

    /// The cluster's details (getClusterInfo).
    pub async fn cluster_info(
        &self,
        no: &str,
        options: &CallOptions,
    ) -> Result<Response<ClusterInfo>, Error> {
        let target = self.target("cluster", "getClusterInfo", no, &[])?;
        let request = Request::get("getClusterInfo", target, Effect::Read);
        self.call(&request, options, decode).await
    }

    /// The getSnapshotHistory request for one page.
    pub(crate) fn history_request(
        &self,
        no: &str,
        page_no: u32,
        page_size: u32,
    ) -> Result<Request, Error> {
        check_page(page_no, page_size)?;
        let query = paging_query(page_no, page_size);
        let target = self.target("snapshot", "getSnapshotHistory", no, &query)?;
        Ok(Request::get("getSnapshotHistory", target, Effect::Read))
    }

    /// A request target under this client's prefix, the cluster number
    /// checked first.
    pub(crate) fn target(
        &self,
        section: &str,
        call: &str,
        no: &str,
        query: &[(&str, String)],
    ) -> Result<String, Error> {
        let no = check_instance_no(no)?;
        Ok(request::target(
            self.endpoint.prefix(),
            section,
            call,
            no,
            query,
        ))
    }

    /// Sends a request that may be repeated until it succeeds, fails for
    /// good, or the caller's deadline, stop signal or attempt limit ends it.
    pub(crate) async fn call<T>(
        &self,
        request: &Request,
        options: &CallOptions,
        decoder: Decoder<T>,
    ) -> Result<Response<T>, Error> {
        let mut retrier = Retrier::new(&self.retry, options);
        loop {
            let attempt = retrier.start_attempt()?;
            let timeout = self.request_timeout.min(retrier.time_left());
            let failure = match self.attempt(request, attempt, timeout, decoder).await {
                Ok(response) => return Ok(response),
                Err(failure) => failure,
            };
            if !failure.is_transient() {
                return Err(failure);
            }
            if request.effect != Effect::Read && failure.is_ambiguous() {
                retrier.note_outcome_unknown();
            }
            retrier.back_off(failure).await?;
        }
    }

    /// The time one request of a call may take now.
    pub(crate) fn request_time(&self, deadline: Instant) -> Duration {
        self.request_timeout
            .min(deadline.saturating_duration_since(Instant::now()))
    }

    /// Sends one signed request, reads the answer and logs the exchange.
    pub(crate) async fn attempt<T>(
        &self,
        request: &Request,
        attempt: u32,
        timeout: Duration,
        decoder: Decoder<T>,
    ) -> Result<Response<T>, Error> {
        let started = Instant::now();
        let (status, result) = match self.exchange(request, timeout).await {
            Ok(reply) => {
                let scrubber = self.scrubber(request, &reply.signature);
                let answer = Answer {
                    status: reply.status,
                    retry_after: reply.retry_after,
                    date: reply.date,
                    body: &reply.body,
                };
                let result = decoder(&answer, &scrubber, SystemTime::now());
                (Some(reply.status), result)
            }
            Err(error) => (None, Err(error)),
        };
        log_attempt(request, attempt, status, started.elapsed(), &result);
        result
    }

    /// Signs and sends one request and reads the whole answer.
    async fn exchange(&self, request: &Request, timeout: Duration) -> Result<Reply, Error> {
        let url = self.url(&request.target)?;
        let signed = request::sign(
            &self.credentials,
            request.method,
            &request.target,
            SystemTime::now(),
        );
        let method = match request.method {
            "POST" => reqwest::Method::POST,
            _ => reqwest::Method::GET,
        };
        let mut builder = self.http.request(method, url).timeout(timeout);
        for (name, value) in signed.pairs() {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let failed = |error: reqwest::Error| transport_error(request, timeout, &error);
        let response = builder.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let (retry_after, date) = read_headers(response.headers());
        let body = response.bytes().await.map_err(failed)?;
        Ok(Reply {
            status,
            retry_after,
            date,
            body: body.to_vec(),
            signature: signed.signature,
        })
    }

    /// The full URL of a target, checked to be sent exactly as it is signed.
    fn url(&self, target: &str) -> Result<Url, Error> {
        let text = format!("{}{target}", self.endpoint.origin());
        let invalid = |reason: String| Error::InvalidEndpoint {
            given: self.endpoint.origin().to_owned(),
            reason,
        };
        let url = Url::parse(&text).map_err(|error| invalid(error.to_string()))?;
        let sent = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        if sent != target {
            return Err(invalid(format!(
                "the path would be sent as {sent:?} but signed as {target:?}"
            )));
        }
        Ok(url)
    }

    fn scrubber(&self, request: &Request, signature: &str) -> Scrubber {
        let mut scrubber = Scrubber::default();
        scrubber.add(self.credentials.secret_key());
        scrubber.add(signature);
        for secret in &request.body_secrets {
            scrubber.add(secret);
        }
        scrubber
    }
}

fn paging_query(page_no: u32, page_size: u32) -> [(&'static str, String); 2] {
    [
        ("pageNo", page_no.to_string()),
        ("pageSize", page_size.to_string()),
    ]
}

pub(crate) fn json_body(value: &impl Serialize) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|error| Error::InvalidArgument {
        name: "body",
        reason: error.to_string(),
    })
}

fn read_headers(headers: &HeaderMap) -> (Option<Duration>, Option<SystemTime>) {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    let now = SystemTime::now();
    let retry_after = text(RETRY_AFTER).and_then(|value| response::parse_retry_after(value, now));
    let date = text(DATE).and_then(|value| httpdate::parse_http_date(value).ok());
    (retry_after, date)
}

/// Classifies a failure of the HTTP stack by whether the request may have
/// reached the server, which is what the retry decisions need.
fn transport_error(request: &Request, timeout: Duration, error: &reqwest::Error) -> Error {
    let path = request.target.clone();
    let method = request.method;
    if error.is_builder() {
        Error::InvalidArgument {
            name: "request",
            reason: cause_chain(error),
        }
    } else if error.is_connect() {
        Error::Transport {
            method,
            path,
            sent: false,
            cause: cause_chain(error),
        }
    } else if error.is_timeout() {
        Error::Timeout {
            method,
            path,
            after: timeout,
        }
    } else {
        Error::Transport {
            method,
            path,
            sent: true,
            cause: cause_chain(error),
        }
    }
}

/// The messages of an error and its sources, without the URL (it is in the
/// error already) and without repeats.
fn cause_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(error);
    while let Some(error) = current {
        let text = error.to_string();
        let text = match text.split_once(" for url (") {
            Some((head, _)) => head.to_owned(),
            None => text,
        };
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.join(": ")
}

fn log_attempt<T>(
    request: &Request,
    attempt: u32,
    status: Option<u16>,
    elapsed: Duration,
    result: &Result<Response<T>, Error>,
) {
    let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(response) => tracing::debug!(
            call = request.call,
            method = request.method,
            path = %request.target,
            status,
            request_id = %response.request_id,
            attempt,
            duration_ms,
            "ncloud api call"
        ),
        Err(error) => tracing::debug!(
            call = request.call,
            method = request.method,
            path = %request.target,
            status,
            request_id = error.request_id(),
            attempt,
            duration_ms,
            error = %error,
            "ncloud api call failed"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ncloud::endpoint::Site;
    use crate::ncloud::model::service_code;
    use crate::ncloud::testing::{
        ACCESS_KEY, Canned, NO, SECRET_KEY, Step, TestServer, fast_policy,
    };

    fn options(seconds: u64) -> CallOptions {
        CallOptions::with_timeout(Duration::from_secs(seconds))
    }

    fn schedule() -> SetSnapshotSchedulingRequest {
        SetSnapshotSchedulingRequest {
            snapshot_name: "daily".into(),
            bucket_name: "snapshots".into(),
            scheduled_day: "Everyday".into(),
            scheduled_hour: 3,
            scheduled_minute: 30,
        }
    }

    #[test]
    fn building_a_client_makes_no_request() {
        // Nothing listens on port 1; building must still succeed at once.
        let endpoint = Endpoint::resolve(Site::Public, "KR", Some("http://127.0.0.1:1")).unwrap();
        let credentials = Credentials::new(ACCESS_KEY, SECRET_KEY).unwrap();
        let client = Client::new(ClientConfig::new(endpoint, credentials)).unwrap();
        assert_eq!(client.endpoint().prefix(), "/api/v2");
        assert!(!format!("{client:?}").contains(SECRET_KEY));
    }

    #[tokio::test]
    async fn every_call_sends_its_method_and_target_and_is_signed() {
        let server = TestServer::start().await;
        let client = server.client(fast_policy());
        let options = options(10);
        let key = UpdateApiAuthenticationKeyRequest {
            access_key_id: "OBJECTKEY".into(),
            secret_key: "OBJECTSECRET".into(),
        };
        client.snapshot_history(NO, 2, 50, &options).await.unwrap();
        client.bucket_list(NO, &options).await.unwrap();
        client
            .update_api_authentication_key(NO, &key, &options)
            .await
            .unwrap();
        client
            .set_snapshot_scheduling(NO, &schedule(), &options)
            .await
            .unwrap();
        client
            .release_snapshot_scheduling(NO, &options)
            .await
            .unwrap();
        client
            .snapshot_scheduling_history(NO, 1, 100, &options)
            .await
            .unwrap();
        let cluster = client.cluster_info(NO, &options).await.unwrap();
        assert_eq!(cluster.value.cluster_status, "running");
        assert_eq!(cluster.request_id, "req-7");

        let expected = [
            (
                "GET",
                "/api/v2/snapshot/getSnapshotHistory/1037000?pageNo=2&pageSize=50",
            ),
            ("GET", "/api/v2/snapshot/getBucketList/1037000"),
            (
                "POST",
                "/api/v2/snapshot/updateAPIAuthenticationKey/1037000",
            ),
            ("POST", "/api/v2/snapshot/setSnapshotScheduling/1037000"),
            ("GET", "/api/v2/snapshot/releaseSnapshotScheduling/1037000"),
            (
                "GET",
                "/api/v2/snapshot/getSnapshotSchedulingHistory/1037000?pageNo=1&pageSize=100",
            ),
            ("GET", "/api/v2/cluster/getClusterInfo/1037000"),
        ];
        let seen = server.shared.lock().seen.clone();
        assert_eq!(seen.len(), expected.len());
        for (request, (method, target)) in seen.iter().zip(expected) {
            assert_eq!(
                (request.method.as_str(), request.target.as_str()),
                (method, target)
            );
            assert!(request.signed, "{target}");
        }
    }

    #[tokio::test]
    async fn bad_arguments_are_refused_before_sending() {
        let server = TestServer::start().await;
        let client = server.client(fast_policy());
        let options = options(10);
        let errors = [
            client.bucket_list("12/../34", &options).await.unwrap_err(),
            client
                .snapshot_history(NO, 1, 101, &options)
                .await
                .unwrap_err(),
            client
                .snapshot_scheduling_history(NO, 0, 10, &options)
                .await
                .unwrap_err(),
            client.cluster_info("", &options).await.unwrap_err(),
        ];
        for error in errors {
            assert!(matches!(error, Error::InvalidArgument { .. }), "{error}");
        }
        assert!(server.shared.lock().seen.is_empty());
    }

    #[tokio::test]
    async fn reads_retry_on_server_errors_then_succeed() {
        let server = TestServer::start().await;
        let failures = [
            Canned::gateway(503, "500", "Endpoint Error"),
            Canned::gateway(500, "900", "Unexpected Error"),
            Canned::html(502),
            Canned::gateway(429, "420", "Rate Limited"),
        ];
        server
            .shared
            .script("getBucketList", failures.map(Step::Reply));
        let client = server.client(fast_policy());

        let buckets = client.bucket_list(NO, &options(10)).await.unwrap();

        assert_eq!(buckets.value.bucket_list[0].name, "snapshots");
        let seen = server.shared.seen("getBucketList");
        assert_eq!(seen.len(), 5);
        assert!(seen.iter().all(|request| request.signed));
    }

    #[tokio::test]
    async fn reads_give_up_at_the_deadline_with_a_clear_error() {
        let server = TestServer::start().await;
        let unavailable = Step::Reply(Canned::gateway(503, "500", "Endpoint Error"));
        server
            .shared
            .script("getClusterInfo", vec![unavailable; 1000]);
        let mut policy = fast_policy();
        policy.max_attempts = 1000;
        let client = server.client(policy);
        let options = CallOptions::with_timeout(Duration::from_millis(300));
        let started = Instant::now();

        let error = client.cluster_info(NO, &options).await.unwrap_err();

        assert!(
            error.is_deadline_exceeded() && error.is_server_error(),
            "{error}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        let message = error.to_string();
        for part in [
            "deadline exceeded after",
            "http 503",
            "gateway error 500",
            "Endpoint Error",
        ] {
            assert!(message.contains(part), "{message} lacks {part}");
        }
        assert!(!error.is_outcome_unknown(), "a read changes nothing");
    }

    #[tokio::test]
    async fn reads_give_up_after_the_attempt_limit() {
        let server = TestServer::start().await;
        let unavailable = Step::Reply(Canned::gateway(503, "500", "Endpoint Error"));
        server.shared.script("getBucketList", vec![unavailable; 10]);
        let client = server.client(fast_policy());

        let error = client.bucket_list(NO, &options(10)).await.unwrap_err();

        assert!(
            matches!(error, Error::RetriesExhausted { attempts: 6, .. }),
            "{error}"
        );
        assert_eq!(server.shared.seen("getBucketList").len(), 6);
    }

    #[tokio::test]
    async fn failures_that_repeating_cannot_fix_are_not_repeated() {
        type Check = fn(&Error) -> bool;
        let cases: [(Canned, Check); 4] = [
            (
                Canned::gateway(401, "210", "Permission Denied"),
                Error::is_permission_denied,
            ),
            (
                Canned::gateway(404, "300", "Not Found Exception"),
                Error::is_not_found,
            ),
            (
                Canned::service(400, service_code::CLUSTER_NOT_FOUND, "no cluster"),
                Error::is_not_found,
            ),
            (
                Canned::json(200, r#"{"code":0,"result":[1,2]}"#),
                Error::is_bad_response,
            ),
        ];
        for (canned, check) in cases {
            let server = TestServer::start().await;
            server
                .shared
                .script("getClusterInfo", [Step::Reply(canned)]);
            let client = server.client(fast_policy());
            let error = client.cluster_info(NO, &options(10)).await.unwrap_err();
            assert!(check(&error), "{error}");
            assert_eq!(server.shared.seen("getClusterInfo").len(), 1, "{error}");
        }
    }

    #[tokio::test]
    async fn a_non_zero_code_with_http_200_is_an_error() {
        let server = TestServer::start().await;
        let canned = Canned::service(200, service_code::STORAGE_KEY_NOT_SET, "no storage key");
        server.shared.script("getBucketList", [Step::Reply(canned)]);
        let client = server.client(fast_policy());

        let error = client.bucket_list(NO, &options(10)).await.unwrap_err();

        assert!(error.is_storage_key_missing(), "{error}");
        assert_eq!(error.request_id(), Some("err-41200"));
    }

    #[tokio::test]
    async fn stop_ends_a_long_retry_after_wait_at_once() {
        let server = TestServer::start().await;
        let slow_down =
            Canned::gateway(429, "410", "Throttle Limited").with_header("retry-after", "3600");
        server
            .shared
            .script("getBucketList", [Step::Reply(slow_down)]);
        let client = server.client(fast_policy());
        let options = options(7200);
        let stop = options.stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            stop.stop();
        });
        let started = Instant::now();

        let error = client.bucket_list(NO, &options).await.unwrap_err();

        assert!(error.is_stopped() && error.is_throttled(), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(server.shared.seen("getBucketList").len(), 1);
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_deadline_ends_the_call_at_once() {
        let server = TestServer::start().await;
        let slow_down =
            Canned::gateway(429, "410", "Throttle Limited").with_header("retry-after", "120");
        server
            .shared
            .script("getBucketList", [Step::Reply(slow_down)]);
        let client = server.client(fast_policy());
        let started = Instant::now();

        let error = client.bucket_list(NO, &options(60)).await.unwrap_err();

        assert!(
            error.is_deadline_exceeded() && error.is_throttled(),
            "{error}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_short_retry_after_is_waited_out() {
        let server = TestServer::start().await;
        let slow_down =
            Canned::gateway(429, "410", "Throttle Limited").with_header("retry-after", "1");
        server
            .shared
            .script("getBucketList", [Step::Reply(slow_down)]);
        let client = server.client(fast_policy());
        let started = Instant::now();

        client.bucket_list(NO, &options(10)).await.unwrap();

        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(server.shared.seen("getBucketList").len(), 2);
    }

    #[tokio::test]
    async fn releasing_a_schedule_that_is_not_there_counts_as_done() {
        let cases = [
            (Canned::done(), Ok(Release::Released)),
            (
                Canned::service(400, service_code::SCHEDULE_NOT_FOUND, "schedule not found"),
                Ok(Release::NothingToRelease),
            ),
            (
                Canned::service(400, 1, "no snapshot schedule exists: not found"),
                Ok(Release::NothingToRelease),
            ),
            (
                Canned::service(400, service_code::CLUSTER_NOT_FOUND, "cluster not found"),
                Err(()),
            ),
        ];
        for (canned, expected) in cases {
            let server = TestServer::start().await;
            server
                .shared
                .script("releaseSnapshotScheduling", [Step::Reply(canned)]);
            let client = server.client(fast_policy());
            let result = client.release_snapshot_scheduling(NO, &options(10)).await;
            match (result, expected) {
                (Ok(response), Ok(release)) => assert_eq!(response.value, release),
                (Err(error), Err(())) => assert!(error.is_not_found(), "{error}"),
                (result, expected) => panic!("{result:?}, expected {expected:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_release_whose_answer_was_lost_is_done_when_repeated() {
        let server = TestServer::start().await;
        let steps = [
            Step::Reply(Canned::gateway(504, "510", "Endpoint Timeout")),
            Step::Reply(Canned::service(
                400,
                service_code::SCHEDULE_NOT_FOUND,
                "none",
            )),
        ];
        server.shared.script("releaseSnapshotScheduling", steps);
        let client = server.client(fast_policy());

        let response = client
            .release_snapshot_scheduling(NO, &options(10))
            .await
            .unwrap();

        assert_eq!(response.value, Release::NothingToRelease);
        assert_eq!(response.request_id, "err-40402");
    }

    #[tokio::test]
    async fn idempotent_writes_retry_and_say_when_the_outcome_is_unknown() {
        let server = TestServer::start().await;
        let lost = Step::Reply(Canned::gateway(504, "510", "Endpoint Timeout"));
        server
            .shared
            .script("setSnapshotScheduling", vec![lost; 10]);
        let client = server.client(fast_policy());

        let error = client
            .set_snapshot_scheduling(NO, &schedule(), &options(10))
            .await
            .unwrap_err();

        assert_eq!(server.shared.seen("setSnapshotScheduling").len(), 6);
        assert!(error.is_outcome_unknown() && error.is_timeout(), "{error}");
    }

    #[tokio::test]
    async fn an_auth_failure_from_a_distant_clock_says_so() {
        let server = TestServer::start().await;
        let an_hour_ago = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(3600));
        let refused =
            Canned::gateway(401, "200", "Authentication Failed").with_header("date", &an_hour_ago);
        server
            .shared
            .script("getBucketList", [Step::Reply(refused)]);
        let client = server.client(fast_policy());

        let error = client.bucket_list(NO, &options(10)).await.unwrap_err();

        assert!(error.is_auth_failed() && error.is_clock_skew(), "{error}");
        let message = error.to_string();
        assert!(
            message.contains("clock is 1h 0m ahead of the gateway's"),
            "{message}"
        );
        assert!(message.contains("within 5 minutes"), "{message}");
        assert_eq!(server.shared.seen("getBucketList").len(), 1);
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_and_never_shown() {
        let server = TestServer::start().await;
        let endpoint = Endpoint::resolve(Site::Public, "KR", Some(&server.url())).unwrap();
        let credentials = Credentials::new(ACCESS_KEY, "WRONG-SECRET-VALUE").unwrap();
        let mut config = ClientConfig::new(endpoint, credentials);
        config.retry = fast_policy();
        let client = Client::new(config).unwrap();

        let error = client.bucket_list(NO, &options(10)).await.unwrap_err();

        assert!(error.is_auth_failed() && !error.is_clock_skew(), "{error}");
        let message = format!("{error} {error:?}");
        assert!(!message.contains("WRONG-SECRET-VALUE"), "{message}");
        assert!(!message.contains(SECRET_KEY), "{message}");
    }

    #[tokio::test]
    async fn an_echoed_storage_secret_is_scrubbed_from_the_error() {
        let server = TestServer::start().await;
        let echo = Canned::json(400, r#"{"unexpected":"secretKey=OBJECTSECRET rejected"}"#);
        server
            .shared
            .script("updateAPIAuthenticationKey", [Step::Reply(echo)]);
        let client = server.client(fast_policy());
        let key = UpdateApiAuthenticationKeyRequest {
            access_key_id: "OBJECTKEY".into(),
            secret_key: "OBJECTSECRET".into(),
        };

        let error = client
            .update_api_authentication_key(NO, &key, &options(10))
            .await
            .unwrap_err();

        let message = format!("{error} {error:?}");
        assert!(error.is_bad_response(), "{message}");
        assert!(!message.contains("OBJECTSECRET"), "{message}");
        assert!(message.contains("<redacted>"), "{message}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_transport_error_that_was_not_sent() {
        // Bind then drop, so the port is very likely closed.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let endpoint = Endpoint::resolve(Site::Public, "KR", Some(&url)).unwrap();
        let credentials = Credentials::new(ACCESS_KEY, SECRET_KEY).unwrap();
        let mut config = ClientConfig::new(endpoint, credentials);
        config.retry = fast_policy();
        let client = Client::new(config).unwrap();

        let error = client.bucket_list(NO, &options(10)).await.unwrap_err();

        assert!(error.is_transport(), "{error}");
        assert!(matches!(
            error.last_failure(),
            Error::Transport { sent: false, .. }
        ));
        assert!(
            error
                .to_string()
                .contains("failed before the request was sent"),
            "{error}"
        );
    }
}
