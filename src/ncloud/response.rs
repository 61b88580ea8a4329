//! Turning an HTTP answer into a typed result or an [`Error`].
//!
//! This is pure: it sees a status, two headers and the body bytes, so every
//! shape of answer can be tested without a server. Whatever the body holds
//! (the envelope, a gateway error, a proxy's HTML page, nothing, half a JSON
//! document) the result is a value or an error, never a panic.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::{ALLOWED_CLOCK_SKEW, ApiCode, ClockSkew, Error, ErrorKind};
use super::model::{Envelope, GatewayErrorBody};

/// A successful call's result and the id the gateway gave the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The envelope's `result`.
    pub value: T,
    /// The envelope's `requestId`; empty if the service sent none.
    pub request_id: String,
}

/// What [`decode`] needs of an HTTP answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, already read.
    pub retry_after: Option<Duration>,
    /// The `Date` header, already read.
    pub date: Option<SystemTime>,
    /// The body.
    pub body: &'a [u8],
}

/// Strings that must never appear in an error: the secret key, the request's
/// signature, a storage secret sent in the body.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scrubber {
    secrets: Vec<String>,
}

const REDACTED: &str = "<redacted>";

impl Scrubber {
    /// Adds a secret; empty strings are ignored, they would match everywhere.
    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.secrets.push(secret.to_owned());
        }
    }

    /// Replaces every secret in `text`.
    pub fn scrub(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), REDACTED)
        })
    }
}

/// How much of an unreadable body an error quotes.
const EXCERPT_CHARS: usize = 160;

/// Reads an answer: the envelope's `result` on success, an error otherwise.
pub(crate) fn decode<T: DeserializeOwned>(
    answer: &Answer<'_>,
    scrubber: &Scrubber,
    now: SystemTime,
) -> Result<Response<T>, Error> {
    if !(200..300).contains(&answer.status) {
        return Err(decode_failure(answer, scrubber, now));
    }
    match serde_json::from_slice::<Envelope<T>>(answer.body) {
        Err(error) => Err(bad_response(answer, scrubber, &why_unreadable(&error))),
        Ok(envelope) if envelope.code != 0 => Err(service_error(
            answer,
            scrubber,
            envelope.code,
            &envelope.message,
            &envelope.request_id,
        )),
        Ok(Envelope {
            result: Some(value),
            request_id,
            ..
        }) => Ok(Response { value, request_id }),
        Ok(_) => Err(gateway_error(answer, scrubber, now)
            .unwrap_or_else(|| bad_response(answer, scrubber, "the answer has no result"))),
    }
}

/// Reads the answer of a call whose `result` is a boolean: `true` is done,
/// and `false` without an error code is refused rather than taken as done.
pub(crate) fn decode_confirmed(
    answer: &Answer<'_>,
    scrubber: &Scrubber,
    now: SystemTime,
) -> Result<Response<()>, Error> {
    let response = decode::<bool>(answer, scrubber, now)?;
    if response.value {
        Ok(Response {
            value: (),
            request_id: response.request_id,
        })
    } else {
        Err(bad_response(
            answer,
            scrubber,
            "the service answered false without an error code",
        ))
    }
}

/// The error an answer with a failure status describes.
fn decode_failure(answer: &Answer<'_>, scrubber: &Scrubber, now: SystemTime) -> Error {
    if let Some(error) = gateway_error(answer, scrubber, now) {
        return error;
    }
    match serde_json::from_slice::<ServiceErrorBody>(answer.body) {
        Ok(body) if body.code != 0 => {
            service_error(answer, scrubber, body.code, &body.message, &body.request_id)
        }
        Ok(_) => bad_response(answer, scrubber, "an error status with a success code"),
        Err(error) => bad_response(answer, scrubber, &why_unreadable(&error)),
    }
}

/// The service's error envelope: like [`Envelope`], but `code` is required so
/// that an unrelated JSON document does not pass for one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceErrorBody {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    request_id: String,
}

fn gateway_error(answer: &Answer<'_>, scrubber: &Scrubber, now: SystemTime) -> Option<Error> {
    let body: GatewayErrorBody = serde_json::from_slice(answer.body).ok()?;
    let error = body.error;
    let kind = ErrorKind::from_gateway_code(&error.error_code, answer.status);
    let message = [error.message.as_str(), error.details.as_str()]
        .into_iter()
        .map(server_text)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    let clock_skew = match kind {
        ErrorKind::AuthFailed => answer.date.and_then(|date| clock_skew(now, date)),
        _ => None,
    };
    Some(Error::Api {
        kind,
        status: answer.status,
        code: ApiCode::Gateway(scrubber.scrub(error.error_code.trim())),
        message: scrubber.scrub(&message),
        request_id: None,
        retry_after: answer.retry_after,
        clock_skew,
    })
}

fn service_error(
    answer: &Answer<'_>,
    scrubber: &Scrubber,
    code: i64,
    message: &str,
    request_id: &str,
) -> Error {
    Error::Api {
        kind: ErrorKind::from_service_code(code, message, answer.status),
        status: answer.status,
        code: ApiCode::Service(code),
        message: scrubber.scrub(server_text(message)),
        request_id: non_empty(scrubber.scrub(request_id)),
        retry_after: answer.retry_after,
        clock_skew: None,
    }
}

fn bad_response(answer: &Answer<'_>, scrubber: &Scrubber, reason: &str) -> Error {
    Error::BadResponse {
        kind: ErrorKind::from_status(answer.status),
        status: answer.status,
        reason: scrubber.scrub(reason),
        excerpt: excerpt(answer.body, scrubber),
        request_id: loose_request_id(answer.body).map(|id| scrubber.scrub(&id)),
        retry_after: answer.retry_after,
    }
}

/// A request id from a body that is JSON but not the expected shape.
fn loose_request_id(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = value.get("requestId")?.as_str()?;
    non_empty(id.chars().take(64).collect())
}

/// A server's sentence as part of our message: trimmed, and without a final
/// period, which would end our message in the middle.
fn server_text(text: &str) -> &str {
    text.trim().trim_end_matches('.')
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn why_unreadable(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Eof if error.line() == 1 && error.column() == 0 => "the body is empty".into(),
        Category::Eof => "the body is truncated json".into(),
        Category::Syntax | Category::Io => "the body is not json".into(),
        Category::Data => format!("the json does not have the expected shape ({error})"),
    }
}

/// The start of a body, secrets removed, on one line, at most
/// [`EXCERPT_CHARS`] characters.
fn excerpt(body: &[u8], scrubber: &Scrubber) -> String {
    // Scrub before cutting, or a cut could leave half a secret behind.
    let text = scrubber.scrub(&String::from_utf8_lossy(body));
    let one_line = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(|c: char| c.is_control(), "?");
    let mut chars = one_line.chars();
    let mut kept: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        kept.push_str("...");
    }
    kept
}

/// The clock difference, when it exceeds what the gateway allows.
pub(crate) fn clock_skew(local: SystemTime, gateway: SystemTime) -> Option<ClockSkew> {
    let (local_is_ahead, offset) = match local.duration_since(gateway) {
        Ok(ahead) => (true, ahead),
        Err(behind) => (false, behind.duration()),
    };
    (offset > ALLOWED_CLOCK_SKEW).then_some(ClockSkew {
        local_is_ahead,
        offset,
    })
}

/// Reads `Retry-After`: whole seconds, or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ncloud::model::{BucketList, service_code};

    const SECRET: &str = "SECRETKEY-0123456789";
    const SIGNATURE: &str = "LaJZb8iYUBLnw/kSHMJHVSuVRfEBmTS3Md6I9toHHno=";

    fn scrubber() -> Scrubber {
        let mut scrubber = Scrubber::default();
        scrubber.add(SECRET);
        scrubber.add(SIGNATURE);
        scrubber
    }

    fn answer(status: u16, body: &str) -> Answer<'_> {
        Answer {
            status,
            retry_after: None,
            date: None,
            body: body.as_bytes(),
        }
    }

    fn decode_bool(answer: &Answer<'_>) -> Result<Response<bool>, Error> {
        decode(answer, &scrubber(), SystemTime::now())
    }

    fn gateway_body(code: &str, message: &str, details: &str) -> String {
        format!(
            r#"{{"error":{{"errorCode":"{code}","message":"{message}","details":"{details}"}}}}"#
        )
    }

    #[test]
    fn a_success_envelope_gives_its_result_and_request_id() {
        let body = r#"{"code":0,"message":"SUCCESS","result":true,"requestId":"r-9"}"#;
        let response = decode_bool(&answer(200, body)).unwrap();
        assert_eq!(
            response,
            Response {
                value: true,
                request_id: "r-9".into()
            }
        );

        let body = r#"{"code":0,"result":{"bucketList":[{"name":"b"}]},"requestId":"r-8"}"#;
        let buckets: Response<BucketList> =
            decode(&answer(200, body), &scrubber(), SystemTime::now()).unwrap();
        assert_eq!(buckets.value.bucket_list[0].name, "b");
    }

    #[test]
    fn a_boolean_call_must_answer_true() {
        let done = r#"{"code":0,"message":"SUCCESS","result":true,"requestId":"r-1"}"#;
        let reply = decode_confirmed(&answer(200, done), &scrubber(), SystemTime::now());
        assert_eq!(reply.unwrap().request_id, "r-1");

        let refused = r#"{"code":0,"message":"SUCCESS","result":false,"requestId":"r-2"}"#;
        let error =
            decode_confirmed(&answer(200, refused), &scrubber(), SystemTime::now()).unwrap_err();
        assert!(error.is_bad_response(), "{error}");
        assert_eq!(error.request_id(), Some("r-2"));
        assert!(error.to_string().contains("answered false"), "{error}");
    }

    #[test]
    fn gateway_bodies_give_their_kind_status_and_code() {
        type Check = fn(&Error) -> bool;
        let cases: [(u16, &str, &str, Check); 7] = [
            (401, "200", "Authentication Failed", Error::is_auth_failed),
            (401, "210", "Permission Denied", Error::is_permission_denied),
            (404, "300", "Not Found Exception", Error::is_not_found),
            (429, "410", "Throttle Limited", Error::is_throttled),
            (503, "500", "Endpoint Error", Error::is_server_error),
            (504, "510", "Endpoint Timeout", Error::is_timeout),
            (500, "900", "Unexpected Error", Error::is_server_error),
        ];
        for (status, code, title, check) in cases {
            let body = gateway_body(code, title, "Some details.");
            let error = decode_bool(&answer(status, &body)).unwrap_err();
            assert!(check(&error), "{status}/{code}: {error}");
            assert_eq!(error.status(), Some(status));
            let message = error.to_string();
            for part in [
                format!("http {status}"),
                format!("gateway error {code}"),
                title.to_owned(),
                "Some details".to_owned(),
            ] {
                assert!(message.contains(&part), "{message} lacks {part}");
            }
            assert!(!message.ends_with('.'), "{message}");
            assert!(!error.is_bad_response(), "{message}");
        }
    }

    #[test]
    fn service_envelopes_are_errors_even_with_http_200() {
        type Check = fn(&Error) -> bool;
        let cases: [(u16, i64, &str, Check); 6] = [
            (
                400,
                service_code::CLUSTER_NOT_FOUND,
                "cluster not found",
                Error::is_not_found,
            ),
            (
                400,
                service_code::SNAPSHOT_ALREADY_EXISTS,
                "duplicate",
                Error::is_already_exists,
            ),
            (
                400,
                service_code::STORAGE_KEY_NOT_SET,
                "no key",
                Error::is_storage_key_missing,
            ),
            (200, 77, "snapshot already exists", Error::is_already_exists),
            (200, 77, "anything", |error| {
                error.kind() == Some(ErrorKind::Other)
            }),
            (503, 77, "busy", Error::is_server_error),
        ];
        for (status, code, message, check) in cases {
            let body =
                format!(r#"{{"code":{code},"message":"{message}","requestId":"rq-{code}"}}"#);
            let error = decode_bool(&answer(status, &body)).unwrap_err();
            assert!(check(&error), "{error}");
            assert_eq!(error.request_id(), Some(format!("rq-{code}").as_str()));
            let text = error.to_string();
            assert!(text.contains(&format!("service error {code}")), "{text}");
            assert!(text.contains(&format!("http {status}")), "{text}");
            assert!(text.contains(&format!("request id rq-{code}")), "{text}");
        }
    }

    #[test]
    fn unreadable_bodies_are_bad_responses_with_status_and_excerpt() {
        let long_html = format!("<html><body>{}</body></html>", "x".repeat(500));
        let cases = [
            (502, long_html.as_str(), "not json", "<html><body>xxx"),
            (200, "", "the body is empty", ""),
            (503, "", "the body is empty", ""),
            (200, r#"{"code":0,"result":tr"#, "truncated", r#"{"code":0"#),
            (
                200,
                r#"{"code":"zero","result":true}"#,
                "expected shape",
                "zero",
            ),
            (200, r#"{"code":0,"result":"yes"}"#, "expected shape", "yes"),
            (200, r#"{"code":0,"requestId":"r-1"}"#, "no result", "r-1"),
            (500, r#"{"code":0,"message":"ok"}"#, "success code", "ok"),
            (500, r#"["unexpected"]"#, "expected shape", "unexpected"),
        ];
        for (status, body, reason, quoted) in cases {
            let error = decode_bool(&answer(status, body)).unwrap_err();
            let message = error.to_string();
            assert!(error.is_bad_response(), "{message}");
            assert_eq!(error.status(), Some(status));
            assert!(message.contains(&format!("http {status}")), "{message}");
            assert!(message.contains(reason), "{message}");
            assert!(message.contains(quoted), "{message}");
            assert!(message.len() < 400, "excerpt not truncated: {message}");
        }
    }

    #[test]
    fn a_bad_response_keeps_the_kind_its_status_implies() {
        let error = decode_bool(&answer(429, "<html>slow down</html>")).unwrap_err();
        assert!(error.is_throttled() && error.is_bad_response());
        let error = decode_bool(&answer(502, "Bad Gateway")).unwrap_err();
        assert!(error.is_server_error() && error.is_ambiguous());
    }

    #[test]
    fn no_message_carries_the_secret_or_the_signature() {
        let echo = format!("echo: secret={SECRET} x-ncp-apigw-signature-v2: {SIGNATURE}");
        let bodies = [
            gateway_body("200", &echo, &echo),
            format!(r#"{{"code":5,"message":"{echo}","requestId":"{SECRET}"}}"#),
            format!("<html>{echo}</html>"),
            format!(r#"{{"code":0,"result":"{SECRET}"}}"#),
            format!("{}{SECRET}", "y".repeat(150)),
        ];
        for body in &bodies {
            for status in [200, 401, 502] {
                let message = decode_bool(&answer(status, body)).unwrap_err().to_string();
                assert!(!message.contains(SECRET), "{message}");
                assert!(!message.contains(SIGNATURE), "{message}");
                assert!(!message.contains(&SECRET[..12]), "{message}");
            }
        }
    }

    #[test]
    fn an_auth_failure_with_a_distant_date_reports_clock_skew() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_742_780_000);
        let body = gateway_body(
            "200",
            "Authentication Failed",
            "Invalid authentication information.",
        );
        let cases = [
            (now - Duration::from_secs(432), true, "7m 12s ahead of"),
            (now + Duration::from_secs(3 * 3600), true, "3h 0m behind"),
            (now - Duration::from_secs(299), false, ""),
            (now + Duration::from_secs(60), false, ""),
        ];
        for (date, skewed, phrase) in cases {
            let reply = Answer {
                date: Some(date),
                ..answer(401, &body)
            };
            let error = decode::<bool>(&reply, &scrubber(), now).unwrap_err();
            assert!(error.is_auth_failed());
            assert_eq!(error.is_clock_skew(), skewed, "{error}");
            let message = error.to_string();
            assert!(message.contains(phrase), "{message}");
            assert_eq!(message.contains("within 5 minutes"), skewed, "{message}");
        }
        let denied = gateway_body("210", "Permission Denied", "");
        let reply = Answer {
            date: Some(now - Duration::from_secs(3600)),
            ..answer(401, &denied)
        };
        assert!(
            !decode::<bool>(&reply, &scrubber(), now)
                .unwrap_err()
                .is_clock_skew()
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_742_780_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        let cases = [
            ("120", Some(Duration::from_secs(120))),
            (" 0 ", Some(Duration::ZERO)),
            (later.as_str(), Some(Duration::from_secs(90))),
            (earlier.as_str(), Some(Duration::ZERO)),
            ("soon", None),
            ("-5", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now), expected, "{value}");
        }
    }

    #[test]
    fn retry_after_is_kept_on_the_error() {
        let body = gateway_body("410", "Throttle Limited", "");
        let reply = Answer {
            retry_after: Some(Duration::from_secs(7)),
            ..answer(429, &body)
        };
        let error = decode_bool(&reply).unwrap_err();
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    }
}
