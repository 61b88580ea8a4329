//! Building a request: its target, once, and the headers that sign it.
//!
//! The gateway checks the signature against the path and query it received,
//! and no public source defines a canonical form for the query. So the target
//! is built once, as a string, and that same string is both sent and signed:
//! nothing downstream may reorder or re-encode it.

use std::time::{SystemTime, UNIX_EPOCH};

use super::credentials::Credentials;
use super::error::Error;
use super::signature;

/// The largest page the client asks for. The real limit is undocumented; the
/// emulator refuses more than 100, and so we assume the gateway does too.
pub const MAX_PAGE_SIZE: u32 = 100;

/// What repeating a request does, which decides how failures are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Changes nothing: repeat freely.
    Read,
    /// Sets a state; doing it twice is the same as once.
    Idempotent,
    /// Makes something new each time (createSnapshot): never repeat blindly.
    Create,
}

/// One API request, ready to be signed and sent any number of times.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The API's name for the call, for logs.
    pub call: &'static str,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path and query exactly as sent and signed.
    pub target: String,
    /// The JSON body, if any.
    pub body: Option<Vec<u8>>,
    /// What repeating it does.
    pub effect: Effect,
    /// Secrets in the body, to keep out of error messages.
    pub body_secrets: Vec<String>,
}

impl Request {
    /// A request without a body.
    pub fn get(call: &'static str, target: String, effect: Effect) -> Self {
        Self {
            call,
            method: "GET",
            target,
            body: None,
            effect,
            body_secrets: Vec::new(),
        }
    }

    /// A request with a JSON body.
    pub fn post(call: &'static str, target: String, body: Vec<u8>, effect: Effect) -> Self {
        Self {
            call,
            method: "POST",
            target,
            body: Some(body),
            effect,
            body_secrets: Vec::new(),
        }
    }
}

/// Builds `prefix/section/call/no` plus `?key=value&...` when there is a
/// query. Keys and values are percent-encoded here, once.
pub(crate) fn target(
    prefix: &str,
    section: &str,
    call: &str,
    no: &str,
    query: &[(&str, String)],
) -> String {
    let mut target = format!("{prefix}/{section}/{call}/{}", encode(no));
    for (index, (key, value)) in query.iter().enumerate() {
        target.push(if index == 0 { '?' } else { '&' });
        target.push_str(&encode(key));
        target.push('=');
        target.push_str(&encode(value));
    }
    target
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so the
/// result passes through any URL parser unchanged.
fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Checks a cluster number: the API types it as an integer, and it is put in
/// the path, so anything but digits is refused before sending.
pub(crate) fn check_instance_no(no: &str) -> Result<&str, Error> {
    let valid = !no.is_empty() && no.len() <= 20 && no.bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(no)
    } else {
        Err(Error::InvalidArgument {
            name: "service_group_instance_no",
            reason: format!("{no:?} is not a cluster number (digits only)"),
        })
    }
}

/// Checks a page request against the API's paging and our page-size limit.
pub(crate) fn check_page(page_no: u32, page_size: u32) -> Result<(), Error> {
    if page_no == 0 {
        return Err(Error::InvalidArgument {
            name: "page_no",
            reason: "pages are counted from 1".into(),
        });
    }
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(Error::InvalidArgument {
            name: "page_size",
            reason: format!("{page_size} is not between 1 and {MAX_PAGE_SIZE}"),
        });
    }
    Ok(())
}

/// The three authentication headers of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedHeaders {
    /// Milliseconds since the Unix epoch, as sent and signed.
    pub timestamp: String,
    /// The access key.
    pub access_key: String,
    /// The signature; a secret of its own until the request expires.
    pub signature: String,
}

impl SignedHeaders {
    /// The headers as name and value pairs.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            (signature::TIMESTAMP_HEADER, &self.timestamp),
            (signature::ACCESS_KEY_HEADER, &self.access_key),
            (signature::SIGNATURE_HEADER, &self.signature),
        ]
    }
}

/// Signs `method target` as of `now`; each attempt calls this afresh so the
/// timestamp is never stale.
pub(crate) fn sign(
    credentials: &Credentials,
    method: &str,
    target: &str,
    now: SystemTime,
) -> SignedHeaders {
    let millis = now
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or_default();
    let timestamp = millis.to_string();
    let signature = signature::sign(
        credentials.secret_key(),
        method,
        target,
        &timestamp,
        credentials.access_key(),
    );
    SignedHeaders {
        timestamp,
        access_key: credentials.access_key().to_owned(),
        signature,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn targets_carry_the_prefix_and_the_query_exactly_once() {
        let cases = [
            (
                "/api/v2",
                "createSnapshot",
                "1037000",
                vec![],
                "/api/v2/snapshot/createSnapshot/1037000",
            ),
            (
                "/api/sgn-v2",
                "getSnapshotHistory",
                "7",
                vec![("pageNo", "2".to_owned()), ("pageSize", "100".to_owned())],
                "/api/sgn-v2/snapshot/getSnapshotHistory/7?pageNo=2&pageSize=100",
            ),
            (
                "/proxy/api/v2",
                "odd",
                "1",
                vec![("a b", "x&y=z/é".to_owned())],
                "/proxy/api/v2/snapshot/odd/1?a%20b=x%26y%3Dz%2F%C3%A9",
            ),
        ];
        for (prefix, call, no, query, expected) in cases {
            assert_eq!(target(prefix, "snapshot", call, no, &query), expected);
        }
    }

    #[test]
    fn the_signature_covers_exactly_the_target_sent() {
        let credentials = Credentials::new("EXAMPLEACCESSKEY", "EXAMPLESECRETKEY").unwrap();
        let at = UNIX_EPOCH + Duration::from_millis(1_742_780_000_000);
        // The same vectors as the signature module's, reached through the
        // target builder: one call without a query, one with.
        let cases = [
            (
                "POST",
                target("/api/v2", "snapshot", "createSnapshot", "1037000", &[]),
                "LaJZb8iYUBLnw/kSHMJHVSuVRfEBmTS3Md6I9toHHno=",
            ),
            (
                "GET",
                target(
                    "/api/v2",
                    "snapshot",
                    "getSnapshotHistory",
                    "1037000",
                    &[("pageNo", "1".into()), ("pageSize", "10".into())],
                ),
                "asFNhNR7Nw/MMBE5ryGo2fSXTJXyLazD0HycvsrB+jc=",
            ),
        ];
        for (method, target, expected) in cases {
            let headers = sign(&credentials, method, &target, at);
            assert_eq!(headers.timestamp, "1742780000000");
            assert_eq!(headers.access_key, "EXAMPLEACCESSKEY");
            assert_eq!(headers.signature, expected, "{method} {target}");
        }
    }

    #[test]
    fn a_later_attempt_gets_a_new_timestamp_and_signature() {
        let credentials = Credentials::new("AK", "SK").unwrap();
        let first = sign(
            &credentials,
            "GET",
            "/api/v2/x/1",
            UNIX_EPOCH + Duration::from_millis(1000),
        );
        let second = sign(
            &credentials,
            "GET",
            "/api/v2/x/1",
            UNIX_EPOCH + Duration::from_millis(1001),
        );
        assert_ne!(first.timestamp, second.timestamp);
        assert_ne!(first.signature, second.signature);
    }

    #[test]
    fn cluster_numbers_must_be_digits() {
        let cases = [
            ("1037000", true),
            ("0", true),
            ("", false),
            ("12a", false),
            ("1/../2", false),
            ("-1", false),
            (" 1", false),
            ("123456789012345678901", false),
        ];
        for (no, valid) in cases {
            assert_eq!(check_instance_no(no).is_ok(), valid, "{no:?}");
        }
    }

    #[test]
    fn pages_are_checked_before_sending() {
        let cases = [
            (1, 1, None),
            (3, 100, None),
            (0, 10, Some("page_no")),
            (1, 0, Some("page_size")),
            (1, 101, Some("not between 1 and 100")),
        ];
        for (page_no, page_size, problem) in cases {
            match (check_page(page_no, page_size), problem) {
                (Ok(()), None) => {}
                (Err(error), Some(problem)) => {
                    assert!(error.to_string().contains(problem), "{error}")
                }
                (result, _) => panic!("{page_no}/{page_size}: {result:?}"),
            }
        }
    }
}
