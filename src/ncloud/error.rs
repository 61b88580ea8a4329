//! The one error type of the client, and the questions callers ask of it.
//!
//! Callers decide what to do by asking predicates (`is_not_found`,
//! `is_throttled`, ...) rather than matching on codes, because the service's
//! own codes are undocumented and the client also recognises situations by
//! their message text. Every message names the HTTP status, the error code and
//! the request id when they are known, and never a secret key or a signature:
//! text that comes from the server is scrubbed before it is kept.

use std::fmt;
use std::time::Duration;

use super::model::service_code;

/// What kind of failure the API reported, whatever its wire shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The key, signature or timestamp was refused.
    AuthFailed,
    /// The key is valid but not allowed to make this call.
    PermissionDenied,
    /// The cluster, bucket, schedule or route does not exist.
    NotFound,
    /// Too many requests: the gateway's quota or rate limit.
    Throttled,
    /// The gateway or the service failed, or did not answer in time.
    ServerError,
    /// A snapshot of that name exists already.
    AlreadyExists,
    /// The cluster has no Object Storage key to write snapshots with.
    StorageKeyMissing,
    /// The request broke one of the API's rules.
    InvalidRequest,
    /// Anything the client does not recognise.
    Other,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::AuthFailed => "authentication failed",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::Throttled => "throttled",
            ErrorKind::ServerError => "server error",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::StorageKeyMissing => "object storage key not set",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Other => "request failed",
        }
    }

    /// The kind an HTTP status suggests when the body says nothing better.
    pub(crate) fn from_status(status: u16) -> Self {
        match status {
            400 => ErrorKind::InvalidRequest,
            401 => ErrorKind::AuthFailed,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::Throttled,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::Other,
        }
    }

    /// The kind of a gateway `errorCode`, from the gateway's documented table.
    pub(crate) fn from_gateway_code(code: &str, status: u16) -> Self {
        match code.trim() {
            "200" => ErrorKind::AuthFailed,
            "210" | "230" => ErrorKind::PermissionDenied,
            "300" => ErrorKind::NotFound,
            "400" | "410" | "420" => ErrorKind::Throttled,
            "500" | "510" | "520" | "530" | "900" => ErrorKind::ServerError,
            "100" | "430" => ErrorKind::InvalidRequest,
            _ => ErrorKind::from_status(status),
        }
    }

    /// The kind of a service envelope `code`, falling back on its message.
    pub(crate) fn from_service_code(code: i64, message: &str, status: u16) -> Self {
        match code {
            service_code::INVALID_PARAMETER => ErrorKind::InvalidRequest,
            service_code::CLUSTER_NOT_FOUND
            | service_code::BUCKET_NOT_FOUND
            | service_code::SCHEDULE_NOT_FOUND => ErrorKind::NotFound,
            service_code::SNAPSHOT_ALREADY_EXISTS => ErrorKind::AlreadyExists,
            service_code::STORAGE_KEY_NOT_SET => ErrorKind::StorageKeyMissing,
            _ => Self::from_message(message).unwrap_or_else(|| Self::from_status(status)),
        }
    }

    // The real service's codes are unknown, so its English messages are the
    // next best evidence. These phrases are guesses; they are kept narrow so
    // that an unrelated message is not misread.
    fn from_message(message: &str) -> Option<Self> {
        let text = message.to_lowercase();
        if text.contains("already exist") {
            Some(ErrorKind::AlreadyExists)
        } else if text.contains("key")
            && ["not set", "not registered", "missing"]
                .iter()
                .any(|phrase| text.contains(phrase))
        {
            Some(ErrorKind::StorageKeyMissing)
        } else if ["not found", "does not exist", "doesn't exist"]
            .iter()
            .any(|phrase| text.contains(phrase))
        {
            Some(ErrorKind::NotFound)
        } else {
            None
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The code an error body carried, and who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiCode {
    /// The gateway's `errorCode`, for example `200` or `510`.
    Gateway(String),
    /// The service's envelope `code`; see [`service_code`].
    Service(i64),
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiCode::Gateway(code) => write!(f, "gateway error {code}"),
            ApiCode::Service(code) => write!(f, "service error {code}"),
        }
    }
}

/// How far this machine's clock is from the gateway's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    /// Whether this machine's clock is ahead of the gateway's.
    pub local_is_ahead: bool,
    /// The size of the difference.
    pub offset: Duration,
}

/// The largest clock difference the gateway accepts in a request timestamp.
pub const ALLOWED_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

impl fmt::Display for ClockSkew {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let direction = if self.local_is_ahead {
            "ahead of"
        } else {
            "behind"
        };
        write!(
            f,
            "this machine's clock is {} {direction} the gateway's, and the gateway \
             accepts a request only within 5 minutes of its own time: set the clock \
             right (for example with ntp) and try again",
            human_duration(self.offset)
        )
    }
}

/// Everything that can go wrong in a call, and in setting up the client.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The gateway or the service answered with an error body it described.
    #[error("{}", describe_api(*.kind, *.status, .code, .message, .request_id.as_deref(), .clock_skew.as_ref()))]
    Api {
        /// What the error means.
        kind: ErrorKind,
        /// The HTTP status.
        status: u16,
        /// The gateway's or the service's code.
        code: ApiCode,
        /// The server's message and details, scrubbed of secrets.
        message: String,
        /// The request id, when the body had one.
        request_id: Option<String>,
        /// How long the server asked the client to wait before trying again.
        retry_after: Option<Duration>,
        /// Set on an authentication failure when the clocks disagree.
        clock_skew: Option<ClockSkew>,
    },

    /// The answer was not the API's JSON, or not the shape expected.
    #[error("bad response: http {status}{}: {reason}{}", request_suffix(.request_id.as_deref()), body_suffix(.excerpt))]
    BadResponse {
        /// What the status suggests.
        kind: ErrorKind,
        /// The HTTP status.
        status: u16,
        /// What was wrong with the body.
        reason: String,
        /// The start of the body, scrubbed of secrets and truncated.
        excerpt: String,
        /// The request id, when one could be read.
        request_id: Option<String>,
        /// How long the server asked the client to wait before trying again.
        retry_after: Option<Duration>,
    },

    /// One request got no answer in time.
    #[error("timed out after {}: {method} {path}", human_duration(*.after))]
    Timeout {
        /// The HTTP method.
        method: &'static str,
        /// The request target (path and query).
        path: String,
        /// How long the client waited.
        after: Duration,
    },

    /// The connection failed or broke.
    #[error("connection {}: {method} {path}: {cause}", if *.sent { "lost after the request was sent" } else { "failed before the request was sent" })]
    Transport {
        /// The HTTP method.
        method: &'static str,
        /// The request target (path and query).
        path: String,
        /// Whether the request may have reached the server.
        sent: bool,
        /// What the HTTP stack reported.
        cause: String,
    },

    /// The caller's deadline passed before the call could succeed.
    #[error("deadline exceeded after {} in {}{}{}", attempts_text(*.attempts), human_duration(*.elapsed), unknown_suffix(*.outcome_unknown), last_suffix(.last.as_deref()))]
    DeadlineExceeded {
        /// Requests sent.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// Whether an earlier request may have taken effect.
        outcome_unknown: bool,
        /// The failure that was being retried.
        last: Option<Box<Error>>,
    },

    /// The caller asked the client to stop.
    #[error("stopped after {}{}{}", attempts_text(*.attempts), unknown_suffix(*.outcome_unknown), last_suffix(.last.as_deref()))]
    Stopped {
        /// Requests sent.
        attempts: u32,
        /// Whether an earlier request may have taken effect.
        outcome_unknown: bool,
        /// The failure that was being retried, if any.
        last: Option<Box<Error>>,
    },

    /// Every attempt the retry policy allows failed.
    #[error("gave up after {}{}; last error: {last}", attempts_text(*.attempts), unknown_suffix(*.outcome_unknown))]
    RetriesExhausted {
        /// Requests sent.
        attempts: u32,
        /// Whether an earlier request may have taken effect.
        outcome_unknown: bool,
        /// The last failure.
        last: Box<Error>,
    },

    /// An argument cannot be sent as it is.
    #[error("invalid {name}: {reason}")]
    InvalidArgument {
        /// The argument, in the API's words.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The site is not one of NAVER Cloud's.
    #[error("unknown site {given:?}: valid sites are {valid}")]
    UnknownSite {
        /// What was given.
        given: String,
        /// The valid sites, comma separated.
        valid: String,
    },

    /// The region does not exist on that site.
    #[error("unknown region {given:?} for site {site}: valid regions are {valid}{}", hint_suffix(*.hint))]
    UnknownRegion {
        /// What was given.
        given: String,
        /// The site it was looked up in.
        site: &'static str,
        /// The valid regions of the site, comma separated.
        valid: String,
        /// The region probably meant.
        hint: Option<&'static str>,
    },

    /// The endpoint override is not a usable base URL.
    #[error("invalid endpoint {given:?}: {reason}")]
    InvalidEndpoint {
        /// What was given (hidden when it held a password).
        given: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The access key or secret key cannot be used.
    #[error("invalid credentials: {reason}")]
    InvalidCredentials {
        /// What is wrong, never the key itself.
        reason: String,
    },

    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot set up the http client: {cause}")]
    Setup {
        /// What the HTTP stack reported.
        cause: String,
    },
}

impl Error {
    /// The key, signature or timestamp was refused (gateway code 200).
    pub fn is_auth_failed(&self) -> bool {
        self.kind() == Some(ErrorKind::AuthFailed)
    }

    /// The key may not make this call (gateway code 210).
    pub fn is_permission_denied(&self) -> bool {
        self.kind() == Some(ErrorKind::PermissionDenied)
    }

    /// The cluster, bucket, schedule or route does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind() == Some(ErrorKind::NotFound)
    }

    /// The gateway's quota or rate limit was hit (HTTP 429).
    pub fn is_throttled(&self) -> bool {
        self.kind() == Some(ErrorKind::Throttled)
    }

    /// The server answered with a 5xx status.
    pub fn is_server_error(&self) -> bool {
        self.status().is_some_and(|status| status >= 500)
    }

    /// A request timed out, here or at the gateway (HTTP 504).
    pub fn is_timeout(&self) -> bool {
        match self.last_failure() {
            Error::Timeout { .. } => true,
            Error::Api { code, .. } if *code == ApiCode::Gateway("510".into()) => true,
            other => other.status() == Some(504),
        }
    }

    /// The connection failed or broke.
    pub fn is_transport(&self) -> bool {
        matches!(self.last_failure(), Error::Transport { .. })
    }

    /// The answer could not be understood.
    pub fn is_bad_response(&self) -> bool {
        matches!(self.last_failure(), Error::BadResponse { .. })
    }

    /// A snapshot of that name exists already.
    pub fn is_already_exists(&self) -> bool {
        self.kind() == Some(ErrorKind::AlreadyExists)
    }

    /// The cluster has no Object Storage key (set it with
    /// updateAPIAuthenticationKey).
    pub fn is_storage_key_missing(&self) -> bool {
        self.kind() == Some(ErrorKind::StorageKeyMissing)
    }

    /// Authentication failed and this machine's clock is off.
    pub fn is_clock_skew(&self) -> bool {
        matches!(
            self.last_failure(),
            Error::Api {
                clock_skew: Some(_),
                ..
            }
        )
    }

    /// The caller's stop signal ended the call.
    pub fn is_stopped(&self) -> bool {
        matches!(self, Error::Stopped { .. })
    }

    /// The caller's deadline ended the call.
    pub fn is_deadline_exceeded(&self) -> bool {
        matches!(self, Error::DeadlineExceeded { .. })
    }

    /// Whether an earlier attempt may have taken effect even though the call
    /// failed (a create whose answer was lost).
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::DeadlineExceeded {
                outcome_unknown, ..
            }
            | Error::Stopped {
                outcome_unknown, ..
            }
            | Error::RetriesExhausted {
                outcome_unknown, ..
            } => *outcome_unknown,
            _ => false,
        }
    }

    /// The HTTP status of the (last) answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self.last_failure() {
            Error::Api { status, .. } | Error::BadResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request id of the (last) answer, if it carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self.last_failure() {
            Error::Api { request_id, .. } | Error::BadResponse { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// What the (last) answer meant, if there was one.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self.last_failure() {
            Error::Api { kind, .. } | Error::BadResponse { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } | Error::BadResponse { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The failure under a retry wrapper (deadline, stop, exhaustion), so the
    /// predicates describe what actually went wrong.
    pub fn last_failure(&self) -> &Error {
        match self {
            Error::DeadlineExceeded {
                last: Some(last), ..
            }
            | Error::Stopped {
                last: Some(last), ..
            }
            | Error::RetriesExhausted { last, .. } => last.last_failure(),
            other => other,
        }
    }

    /// Whether repeating the same request can help: nothing was done, or
    /// the failure was on the way and may pass.
    pub(crate) fn is_transient(&self) -> bool {
        self.is_throttled() || self.is_server_error() || self.is_timeout() || self.is_transport()
    }

    /// Whether the request may have taken effect although it failed: it was
    /// sent, and the answer was lost or is a server failure that may have
    /// come after the work was done.
    pub(crate) fn is_ambiguous(&self) -> bool {
        match self {
            Error::Transport { sent, .. } => *sent,
            Error::Timeout { .. } => true,
            other => other.is_server_error(),
        }
    }

    /// releaseSnapshotScheduling found no schedule in force.
    pub(crate) fn is_schedule_not_found(&self) -> bool {
        match self {
            Error::Api {
                code: ApiCode::Service(code),
                ..
            } if *code == service_code::SCHEDULE_NOT_FOUND => true,
            Error::Api {
                kind: ErrorKind::NotFound,
                code: ApiCode::Service(_),
                message,
                ..
            } => message.to_lowercase().contains("schedul"),
            _ => false,
        }
    }
}

fn describe_api(
    kind: ErrorKind,
    status: u16,
    code: &ApiCode,
    message: &str,
    request_id: Option<&str>,
    clock_skew: Option<&ClockSkew>,
) -> String {
    let mut text = format!(
        "{kind}: http {status}, {code}{}",
        request_suffix(request_id)
    );
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
    if let Some(skew) = clock_skew {
        text.push_str("; ");
        text.push_str(&skew.to_string());
    }
    text
}

fn request_suffix(request_id: Option<&str>) -> String {
    match request_id {
        Some(id) if !id.is_empty() => format!(", request id {id}"),
        _ => String::new(),
    }
}

fn body_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        "; the body is empty".to_owned()
    } else {
        format!("; body: `{excerpt}`")
    }
}

fn attempts_text(attempts: u32) -> String {
    match attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    }
}

fn unknown_suffix(outcome_unknown: bool) -> &'static str {
    if outcome_unknown {
        "; an earlier request may have taken effect, so check before trying again"
    } else {
        ""
    }
}

fn last_suffix(last: Option<&Error>) -> String {
    last.map(|error| format!("; last error: {error}"))
        .unwrap_or_default()
}

fn hint_suffix(hint: Option<&str>) -> String {
    hint.map(|region| format!(" (did you mean {region}?)"))
        .unwrap_or_default()
}

/// A duration as people read it: `750ms`, `12.5s`, `7m 12s`, `2h 3m`.
pub(crate) fn human_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => format!("{}ms", duration.as_millis()),
        1..60 => format!("{:.1}s", duration.as_secs_f64()),
        60..3600 => format!("{}m {}s", seconds / 60, seconds % 60),
        _ => format!("{}h {}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(kind: ErrorKind, status: u16, code: ApiCode) -> Error {
        Error::Api {
            kind,
            status,
            code,
            message: "m".into(),
            request_id: Some("req-1".into()),
            retry_after: None,
            clock_skew: None,
        }
    }

    #[test]
    fn gateway_codes_map_to_their_documented_kinds() {
        let cases = [
            ("200", 401, ErrorKind::AuthFailed),
            ("210", 401, ErrorKind::PermissionDenied),
            ("300", 404, ErrorKind::NotFound),
            ("400", 429, ErrorKind::Throttled),
            ("410", 429, ErrorKind::Throttled),
            ("420", 429, ErrorKind::Throttled),
            ("500", 503, ErrorKind::ServerError),
            ("510", 504, ErrorKind::ServerError),
            ("900", 500, ErrorKind::ServerError),
            ("100", 400, ErrorKind::InvalidRequest),
            ("999", 418, ErrorKind::Other),
            ("999", 404, ErrorKind::NotFound),
        ];
        for (code, status, kind) in cases {
            assert_eq!(ErrorKind::from_gateway_code(code, status), kind, "{code}");
        }
    }

    #[test]
    fn service_codes_and_messages_map_to_kinds() {
        let cases = [
            (
                service_code::CLUSTER_NOT_FOUND,
                "",
                400,
                ErrorKind::NotFound,
            ),
            (service_code::BUCKET_NOT_FOUND, "", 400, ErrorKind::NotFound),
            (
                service_code::SCHEDULE_NOT_FOUND,
                "",
                400,
                ErrorKind::NotFound,
            ),
            (
                service_code::SNAPSHOT_ALREADY_EXISTS,
                "",
                400,
                ErrorKind::AlreadyExists,
            ),
            (
                service_code::STORAGE_KEY_NOT_SET,
                "",
                400,
                ErrorKind::StorageKeyMissing,
            ),
            (
                service_code::INVALID_PARAMETER,
                "",
                400,
                ErrorKind::InvalidRequest,
            ),
            (
                1,
                "Snapshot name already exists",
                400,
                ErrorKind::AlreadyExists,
            ),
            (1, "cluster does not exist", 400, ErrorKind::NotFound),
            (1, "API key is not set", 400, ErrorKind::StorageKeyMissing),
            (1, "busy", 503, ErrorKind::ServerError),
            (1, "busy", 400, ErrorKind::InvalidRequest),
        ];
        for (code, message, status, kind) in cases {
            assert_eq!(
                ErrorKind::from_service_code(code, message, status),
                kind,
                "{code} {message}"
            );
        }
    }

    #[test]
    fn wrappers_answer_predicates_for_the_last_failure() {
        let last = api(ErrorKind::ServerError, 503, ApiCode::Gateway("500".into()));
        let wrapped = Error::DeadlineExceeded {
            attempts: 3,
            elapsed: Duration::from_millis(1500),
            outcome_unknown: false,
            last: Some(Box::new(last)),
        };
        assert!(wrapped.is_deadline_exceeded());
        assert!(wrapped.is_server_error());
        assert_eq!(wrapped.status(), Some(503));
        assert_eq!(wrapped.request_id(), Some("req-1"));
        assert!(!wrapped.is_stopped());
        let message = wrapped.to_string();
        assert!(
            message.starts_with("deadline exceeded after 3 attempts in 1.5s; last error: server error: http 503, gateway error 500, request id req-1"),
            "{message}"
        );
    }

    #[test]
    fn gateway_timeout_counts_as_a_timeout_and_a_server_error() {
        let error = api(ErrorKind::ServerError, 504, ApiCode::Gateway("510".into()));
        assert!(error.is_timeout() && error.is_server_error() && error.is_ambiguous());
        let throttled = api(ErrorKind::Throttled, 429, ApiCode::Gateway("410".into()));
        assert!(throttled.is_transient() && !throttled.is_ambiguous());
    }

    #[test]
    fn connection_errors_are_ambiguous_only_once_sent() {
        let transport = |sent| Error::Transport {
            method: "POST",
            path: "/api/v2/x".into(),
            sent,
            cause: "connection reset".into(),
        };
        assert!(transport(true).is_ambiguous());
        assert!(!transport(false).is_ambiguous());
        assert!(transport(false).is_transient() && transport(false).is_transport());
        assert!(
            transport(true)
                .to_string()
                .starts_with("connection lost after the request was sent: POST /api/v2/x")
        );
    }

    #[test]
    fn messages_are_lowercase_without_a_final_period() {
        let errors = [
            api(ErrorKind::NotFound, 400, ApiCode::Service(40400)),
            Error::Timeout {
                method: "GET",
                path: "/p".into(),
                after: Duration::from_secs(30),
            },
            Error::Stopped {
                attempts: 1,
                outcome_unknown: true,
                last: None,
            },
            Error::InvalidArgument {
                name: "page_size",
                reason: "must be 1 to 100".into(),
            },
        ];
        for error in errors {
            let message = error.to_string();
            assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
            assert!(!message.ends_with('.'), "{message}");
        }
    }

    #[test]
    fn durations_read_naturally() {
        let cases = [
            (Duration::from_millis(250), "250ms"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_secs(432), "7m 12s"),
            (Duration::from_secs(7380), "2h 3m"),
        ];
        for (duration, expected) in cases {
            assert_eq!(human_duration(duration), expected);
        }
    }
}
