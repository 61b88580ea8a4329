//! The API gateway's signature, version 2.
//!
//! The gateway authenticates a request by an HMAC-SHA256 over the method, the
//! request target (path and query, exactly as sent), the timestamp and the
//! access key. Client and emulator both sign with [`sign`], so the emulator
//! checks requests the way the gateway does.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header carrying the request time, in milliseconds since the Unix epoch.
pub const TIMESTAMP_HEADER: &str = "x-ncp-apigw-timestamp";
/// Header carrying the access key that identifies the signer.
pub const ACCESS_KEY_HEADER: &str = "x-ncp-iam-access-key";
/// Header carrying the signature itself.
pub const SIGNATURE_HEADER: &str = "x-ncp-apigw-signature-v2";

/// The text that is signed: `METHOD TARGET\nTIMESTAMP\nACCESS_KEY`.
pub fn string_to_sign(method: &str, target: &str, timestamp: &str, access_key: &str) -> String {
    format!("{method} {target}\n{timestamp}\n{access_key}")
}

/// Signs a request: standard base64, with padding, of the HMAC-SHA256 of
/// [`string_to_sign`] keyed by the secret key.
pub fn sign(
    secret_key: &str,
    method: &str,
    target: &str,
    timestamp: &str,
    access_key: &str,
) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("hmac takes keys of any length"));
    mac.update(string_to_sign(method, target, timestamp, access_key).as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a signature in constant time, as the gateway would.
pub fn verify(
    secret_key: &str,
    method: &str,
    target: &str,
    timestamp: &str,
    access_key: &str,
    signature: &str,
) -> bool {
    let Ok(given) = STANDARD.decode(signature) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .unwrap_or_else(|_| unreachable!("hmac takes keys of any length"));
    mac.update(string_to_sign(method, target, timestamp, access_key).as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed outside this code with
    // `printf '%s' "$MESSAGE" | openssl dgst -sha256 -hmac EXAMPLESECRETKEY -binary | base64`.
    const ACCESS: &str = "EXAMPLEACCESSKEY";
    const SECRET: &str = "EXAMPLESECRETKEY";
    const TIME: &str = "1742780000000";

    #[test]
    fn signs_the_documented_examples() {
        let cases = [
            (
                "POST",
                "/api/v2/snapshot/createSnapshot/1037000",
                "LaJZb8iYUBLnw/kSHMJHVSuVRfEBmTS3Md6I9toHHno=",
            ),
            (
                "GET",
                "/api/v2/snapshot/getSnapshotHistory/1037000?pageNo=1&pageSize=10",
                "asFNhNR7Nw/MMBE5ryGo2fSXTJXyLazD0HycvsrB+jc=",
            ),
        ];
        for (method, target, expected) in cases {
            assert_eq!(
                sign(SECRET, method, target, TIME, ACCESS),
                expected,
                "{method} {target}"
            );
            assert!(verify(SECRET, method, target, TIME, ACCESS, expected));
        }
    }

    #[test]
    fn verify_rejects_any_change() {
        let target = "/api/v2/snapshot/getBucketList/1";
        let good = sign(SECRET, "GET", target, TIME, ACCESS);
        assert!(!verify(SECRET, "POST", target, TIME, ACCESS, &good));
        assert!(!verify(
            SECRET,
            "GET",
            "/api/v2/snapshot/getBucketList/2",
            TIME,
            ACCESS,
            &good
        ));
        assert!(!verify(
            SECRET,
            "GET",
            target,
            "1742780000001",
            ACCESS,
            &good
        ));
        assert!(!verify("other", "GET", target, TIME, ACCESS, &good));
        assert!(!verify(SECRET, "GET", target, TIME, ACCESS, "not base64!"));
    }
}
