//! API errors as diagnostics: a summary of a few words, then what failed,
//! what to do, and the client's own message, which carries the HTTP status,
//! the error code and the request id.

use crate::framework::Diagnostics;
use crate::ncloud::Error;
use crate::provider::env;

/// A diagnostic for a failed API call made while `doing` something, such as
/// "creating snapshot daily of cluster 1037000".
pub fn api_error(doing: &str, error: &Error) -> Diagnostics {
    let (summary, advice) = advice(error);
    Diagnostics::from_error(
        summary,
        format!("The API call failed while {doing}. {advice}\n\nError: {error}"),
    )
}

fn advice(error: &Error) -> (&'static str, String) {
    if error.is_clock_skew() {
        return (
            "Clock Out Of Sync",
            "Set this machine's clock right, then try again.".into(),
        );
    }
    if error.is_auth_failed() {
        return (
            "Authentication Failed",
            format!(
                "NAVER Cloud refused the credentials. Check access_key and secret_key in the \
                 provider block, or the environment variables {} and {}.",
                env::ACCESS_KEY,
                env::SECRET_KEY
            ),
        );
    }
    if error.is_permission_denied() {
        return (
            "Permission Denied",
            "The credentials are valid but may not make this call. Check the sub-account's \
             policies and that the account subscribes to the Search Engine Service."
                .into(),
        );
    }
    if error.is_storage_key_missing() {
        return (
            "Object Storage Key Not Set",
            "The cluster has no Object Storage key to write snapshots with. Give it one with the \
             ncloud_searchengine_storage_key resource (or in the console), then try again."
                .into(),
        );
    }
    if error.is_not_found() {
        return (
            "Not Found",
            "Check service_group_instance_no: it must be the number of an existing Search \
             Engine cluster in the configured region."
                .into(),
        );
    }
    if error.is_stopped() {
        return (
            "Interrupted",
            "Terraform asked the provider to stop before the call finished.".into(),
        );
    }
    if error.is_deadline_exceeded() || error.is_timeout() {
        return (
            "API Timed Out",
            "The API did not answer in time, even with retries. Try again later, or allow more \
             time in the resource's timeouts block."
                .into(),
        );
    }
    if error.is_throttled() || error.is_server_error() || error.is_transport() {
        return (
            "API Unavailable",
            "The API kept failing after retries. Try again later; if it persists, check NAVER \
             Cloud's status and any proxy between this machine and the API."
                .into(),
        );
    }
    if error.is_bad_response() {
        return (
            "Unexpected API Response",
            "The API answered with something other than its usual JSON, which often means a \
             proxy or gateway answered instead. Check the endpoint setting and any proxy."
                .into(),
        );
    }
    ("API Error", "The API refused the request.".into())
}
