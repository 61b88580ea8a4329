//! The bodies the emulator answers with: the success envelope, the service's
//! own refusals, and the gateway's errors.
//!
//! Gateway errors follow NAVER Cloud's documented table and the bodies seen
//! in public (`{"error":{"errorCode":"500","message":"Endpoint Error",...}}`).
//! The service's refusals are not documented anywhere: they reuse the
//! success envelope with a non-zero `code` and HTTP 400, which is a guess.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::ncloud::model::{Envelope, GatewayError, GatewayErrorBody};

use super::auth::AuthFailure;
use super::faults::{FaultKind, SplitMix64};
use super::store::ServiceError;

/// The header naming why authentication failed. The gateway sends no such
/// thing; it is there so that a developer whose signature is refused can see
/// why without reading the emulator's code. Clients must not rely on it.
pub const AUTH_REASON_HEADER: &str = "x-emulator-auth-failure";

/// Makes the `requestId` of each answer: unique, UUID-shaped, not secret.
#[derive(Debug)]
pub struct RequestIds {
    seed: u64,
    counter: AtomicU64,
}

impl RequestIds {
    /// A source whose ids differ from run to run by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    /// The next id, as `8-4-4-4-12` hexadecimal digits.
    pub fn next(&self) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut mixer = SplitMix64::new(self.seed ^ count.rotate_left(32));
        let high = mixer.next_u64();
        let low = mixer.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        )
    }
}

/// HTTP 200 with the success envelope around `result`.
pub fn success<T: Serialize>(result: T, request_id: String) -> Response {
    let envelope = Envelope {
        code: 0,
        message: "SUCCESS".to_owned(),
        result: Some(result),
        request_id,
    };
    (StatusCode::OK, Json(envelope)).into_response()
}

/// HTTP 400 with the envelope carrying the service's code and message.
pub fn service_error(error: ServiceError, request_id: String) -> Response {
    let envelope: Envelope<()> = Envelope {
        code: error.code,
        message: error.message,
        result: None,
        request_id,
    };
    (StatusCode::BAD_REQUEST, Json(envelope)).into_response()
}

/// HTTP 401, the gateway's "Authentication Failed".
pub fn unauthorized(failure: &AuthFailure) -> Response {
    let mut response = gateway_error(
        StatusCode::UNAUTHORIZED,
        "200",
        "Authentication Failed",
        failure.gateway_details(),
    );
    if let Ok(reason) = HeaderValue::from_str(&failure.to_string()) {
        response.headers_mut().insert(AUTH_REASON_HEADER, reason);
    }
    response
}

/// HTTP 404, the gateway's answer to a route it does not know. The
/// `details` text is a guess.
pub fn not_found() -> Response {
    gateway_error(
        StatusCode::NOT_FOUND,
        "300",
        "Not Found Exception",
        "The requested API does not exist.",
    )
}

/// HTTP 413, for a body over the emulator's limit.
pub fn too_large() -> Response {
    gateway_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "430",
        "Request Entity Too Large",
        "",
    )
}

/// HTTP 500, the gateway's catch-all, for a failure of the emulator itself.
pub fn unexpected(details: &str) -> Response {
    gateway_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "900",
        "Unexpected Error",
        details,
    )
}

/// The gateway's answer for an injected fault that answers at all.
pub fn fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::Unavailable => {
            gateway_error(StatusCode::SERVICE_UNAVAILABLE, "500", "Endpoint Error", "")
        }
        FaultKind::Timeout | FaultKind::CommitThen504 | FaultKind::CommitThenDrop => {
            gateway_error(StatusCode::GATEWAY_TIMEOUT, "510", "Endpoint Timeout", "")
        }
        FaultKind::RateLimited => {
            let mut response =
                gateway_error(StatusCode::TOO_MANY_REQUESTS, "420", "Rate Limited", "");
            // Whether the real gateway sends Retry-After is not known; the
            // emulator does, so that clients that honour it are exercised.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

fn gateway_error(status: StatusCode, code: &str, message: &str, details: &str) -> Response {
    let body = GatewayErrorBody {
        error: GatewayError {
            error_code: code.to_owned(),
            message: message.to_owned(),
            details: details.to_owned(),
        },
    };
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_shaped_and_distinct() {
        let ids = RequestIds::new(42);
        let many: Vec<String> = (0..1_000).map(|_| ids.next()).collect();
        for id in &many {
            let lengths: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(lengths, vec![8, 4, 4, 4, 12], "{id}");
            assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        }
        let distinct: std::collections::HashSet<_> = many.iter().collect();
        assert_eq!(distinct.len(), many.len());
    }

    #[test]
    fn faults_answer_with_the_documented_status_and_code() {
        let cases = [
            (FaultKind::Unavailable, 503),
            (FaultKind::Timeout, 504),
            (FaultKind::CommitThen504, 504),
            (FaultKind::RateLimited, 429),
        ];
        for (kind, status) in cases {
            assert_eq!(fault(kind).status().as_u16(), status, "{kind:?}");
        }
        let limited = fault(FaultKind::RateLimited);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "1");
    }
}
