//! The gateway's authentication check, done the way the gateway does it.
//!
//! A request must carry the three `x-ncp-*` headers, a timestamp within five
//! minutes of the gateway's clock, a known access key, and a signature over
//! the method and the request target exactly as received. Checking the raw
//! target (never a re-encoded one) is the point: a client that signs one
//! string and sends another must fail here as it would against NAVER Cloud.

use axum::http::HeaderMap;

use crate::ncloud::signature::{self, ACCESS_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// How far a request's timestamp may be from the gateway's clock.
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;

/// The API key pair the emulator accepts.
#[derive(Clone)]
pub struct Credentials {
    /// The access key, sent in clear in every request.
    pub access_key: String,
    /// The secret key, never sent: it keys the signature.
    pub secret_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    /// A required header is absent or not text.
    #[error("header {0} is missing or not text")]
    MissingHeader(&'static str),
    /// The timestamp header is not a number of milliseconds.
    #[error("the timestamp is not a number of milliseconds")]
    MalformedTimestamp,
    /// The timestamp is more than five minutes from the emulator's clock.
    #[error("the timestamp is {skew_ms} ms away from the emulator's clock")]
    ExpiredTimestamp {
        /// Request time minus emulator time.
        skew_ms: i64,
    },
    /// The access key is not the configured one.
    #[error("the access key is unknown")]
    UnknownAccessKey,
    /// The signature does not match the request.
    #[error("the signature does not match the method, target, timestamp and access key")]
    BadSignature,
}

impl AuthFailure {
    /// The `details` text of the gateway's 401 body. Only "Invalid
    /// authentication information." has been seen in public, in a third-party
    /// fixture, and "Expired timestamp." comes from a third-party list of
    /// gateway messages: both are guesses at the live text.
    pub fn gateway_details(&self) -> &'static str {
        match self {
            AuthFailure::ExpiredTimestamp { .. } => "Expired timestamp.",
            _ => "Invalid authentication information.",
        }
    }
}

/// Checks one request. `target` is the path and query exactly as received.
pub fn check(
    credentials: &Credentials,
    method: &str,
    target: &str,
    headers: &HeaderMap,
    now_ms: i64,
) -> Result<(), AuthFailure> {
    let timestamp = header(headers, TIMESTAMP_HEADER)?;
    let access_key = header(headers, ACCESS_KEY_HEADER)?;
    let given_signature = header(headers, SIGNATURE_HEADER)?;

    check_freshness(timestamp, now_ms)?;
    if access_key != credentials.access_key {
        return Err(AuthFailure::UnknownAccessKey);
    }
    let valid = signature::verify(
        &credentials.secret_key,
        method,
        target,
        timestamp,
        access_key,
        given_signature,
    );
    if valid {
        Ok(())
    } else {
        Err(AuthFailure::BadSignature)
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, AuthFailure> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty())
        .ok_or(AuthFailure::MissingHeader(name))
}

fn check_freshness(timestamp: &str, now_ms: i64) -> Result<(), AuthFailure> {
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| AuthFailure::MalformedTimestamp)?;
    let skew_ms = sent.saturating_sub(now_ms);
    if skew_ms.saturating_abs() > MAX_SKEW_MS {
        return Err(AuthFailure::ExpiredTimestamp { skew_ms });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const NOW: i64 = 1_742_780_000_000;
    const TARGET: &str = "/api/v2/snapshot/getSnapshotHistory/1037000?pageNo=1&pageSize=10";

    fn credentials() -> Credentials {
        Credentials {
            access_key: "EXAMPLEACCESSKEY".into(),
            secret_key: "EXAMPLESECRETKEY".into(),
        }
    }

    fn signed_headers(secret: &str, access: &str, target: &str, time: i64) -> HeaderMap {
        let time = time.to_string();
        let mut headers = HeaderMap::new();
        let sig = signature::sign(secret, "GET", target, &time, access);
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from_str(&time).unwrap());
        headers.insert(ACCESS_KEY_HEADER, HeaderValue::from_str(access).unwrap());
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&sig).unwrap());
        headers
    }

    fn run(headers: &HeaderMap, target: &str) -> Result<(), AuthFailure> {
        check(&credentials(), "GET", target, headers, NOW)
    }

    #[test]
    fn accepts_the_documented_example() {
        // The API document's worked example, signed outside this code.
        let mut headers = signed_headers("x", "EXAMPLEACCESSKEY", TARGET, NOW);
        headers.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_static("asFNhNR7Nw/MMBE5ryGo2fSXTJXyLazD0HycvsrB+jc="),
        );
        assert_eq!(run(&headers, TARGET), Ok(()));
    }

    #[test]
    fn refuses_each_kind_of_bad_request() {
        let good = || signed_headers("EXAMPLESECRETKEY", "EXAMPLEACCESSKEY", TARGET, NOW);
        let skewed = |ms| signed_headers("EXAMPLESECRETKEY", "EXAMPLEACCESSKEY", TARGET, NOW + ms);
        let without = |name| {
            let mut headers = good();
            headers.remove(name);
            headers
        };
        let mut garbled_time = good();
        garbled_time.insert(TIMESTAMP_HEADER, HeaderValue::from_static("soon"));

        let cases: Vec<(HeaderMap, &str, AuthFailure)> = vec![
            (
                signed_headers("wrong", "EXAMPLEACCESSKEY", TARGET, NOW),
                TARGET,
                AuthFailure::BadSignature,
            ),
            (
                signed_headers("EXAMPLESECRETKEY", "OTHER", TARGET, NOW),
                TARGET,
                AuthFailure::UnknownAccessKey,
            ),
            (
                good(),
                "/api/v2/snapshot/getSnapshotHistory/1037000",
                AuthFailure::BadSignature,
            ),
            (
                good(),
                "/api/v2/snapshot/getSnapshotHistory/1037000?pageNo=2&pageSize=10",
                AuthFailure::BadSignature,
            ),
            (
                without(TIMESTAMP_HEADER),
                TARGET,
                AuthFailure::MissingHeader(TIMESTAMP_HEADER),
            ),
            (
                without(ACCESS_KEY_HEADER),
                TARGET,
                AuthFailure::MissingHeader(ACCESS_KEY_HEADER),
            ),
            (
                without(SIGNATURE_HEADER),
                TARGET,
                AuthFailure::MissingHeader(SIGNATURE_HEADER),
            ),
            (garbled_time, TARGET, AuthFailure::MalformedTimestamp),
            (
                skewed(MAX_SKEW_MS + 1),
                TARGET,
                AuthFailure::ExpiredTimestamp {
                    skew_ms: MAX_SKEW_MS + 1,
                },
            ),
            (
                skewed(-MAX_SKEW_MS - 1),
                TARGET,
                AuthFailure::ExpiredTimestamp {
                    skew_ms: -MAX_SKEW_MS - 1,
                },
            ),
        ];
        for (headers, target, expected) in cases {
            assert_eq!(run(&headers, target), Err(expected.clone()), "{expected}");
        }
    }

    #[test]
    fn tolerates_skew_up_to_five_minutes() {
        for skew in [MAX_SKEW_MS, -MAX_SKEW_MS, 0] {
            let headers =
                signed_headers("EXAMPLESECRETKEY", "EXAMPLEACCESSKEY", TARGET, NOW + skew);
            assert_eq!(run(&headers, TARGET), Ok(()), "{skew}");
        }
    }

    #[test]
    fn details_name_expiry_apart() {
        assert_eq!(
            AuthFailure::ExpiredTimestamp { skew_ms: 1 }.gateway_details(),
            "Expired timestamp."
        );
        assert_eq!(
            AuthFailure::BadSignature.gateway_details(),
            "Invalid authentication information."
        );
    }
}
