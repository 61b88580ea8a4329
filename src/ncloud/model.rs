//! Request and response bodies of the Search Engine snapshot API.
//!
//! These are the API's own shapes, shared by the client and the emulator.
//! Field names follow the API (camelCase on the wire). Where public material
//! only knows a field from the older v1 SDK, the type is lenient: identifiers
//! arrive as numbers or strings and are kept as strings, and fields that may be
//! absent default instead of failing the whole response.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The envelope every successful call answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// `0` on success; anything else is an error even with HTTP 200.
    #[serde(default)]
    pub code: i64,
    /// `SUCCESS` on success.
    #[serde(default)]
    pub message: String,
    /// The call's result; absent on some errors.
    pub result: Option<T>,
    /// The gateway's id of this request, for support tickets and logs.
    #[serde(default)]
    pub request_id: String,
}

/// The gateway's error body: `{"error":{"errorCode","message","details"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatewayErrorBody {
    /// The error itself.
    pub error: GatewayError,
}

/// One gateway error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayError {
    /// Documented as an integer, sent as a string: accept both.
    #[serde(deserialize_with = "string_or_number")]
    pub error_code: String,
    /// A short English title such as `Authentication Failed`.
    #[serde(default)]
    pub message: String,
    /// A longer explanation; often empty.
    #[serde(default)]
    pub details: String,
}

/// Body of createSnapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSnapshotRequest {
    /// 3-30 characters: lowercase letters, digits and `-`.
    pub snapshot_name: String,
    /// The Object Storage bucket that receives the snapshot.
    pub bucket_name: String,
}

/// Paging fields common to the history calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paging {
    /// The page returned, counted from 1.
    #[serde(default)]
    pub current_page: i64,
    /// Whether this is the first page.
    #[serde(default)]
    pub is_first: bool,
    /// Whether this is the last page.
    #[serde(default)]
    pub is_last: bool,
    /// Entries per page.
    #[serde(default)]
    pub page_size: i64,
    /// Entries across all pages.
    #[serde(default)]
    pub total_count: i64,
    /// Number of pages.
    #[serde(default)]
    pub total_page: i64,
}

/// One page of getSnapshotHistory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotHistoryPage {
    /// Where this page stands.
    #[serde(flatten)]
    pub paging: Paging,
    /// The entries, newest first.
    #[serde(default)]
    pub snapshot_history_response_list: Vec<SnapshotHistoryEntry>,
}

/// One entry of the snapshot history: a record of one snapshot request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotHistoryEntry {
    /// Position in the history.
    #[serde(default)]
    pub idx: i64,
    /// The account that made the request.
    #[serde(default, deserialize_with = "string_or_number")]
    pub member_no: String,
    /// The cluster's number.
    #[serde(default, deserialize_with = "string_or_number")]
    pub service_group_instance_no: String,
    /// The cluster's name.
    #[serde(default)]
    pub cluster_name: String,
    /// The snapshot's name; required, it is how entries are found.
    pub snapshot_name: String,
    /// The bucket the snapshot went to.
    #[serde(default)]
    pub bucket_name: String,
    /// What was requested, for example a manual or a scheduled snapshot.
    #[serde(default)]
    pub request_type: String,
    /// When the request was made.
    #[serde(default)]
    pub action_date: String,
    /// How long the snapshot took.
    #[serde(default)]
    pub duration: String,
    /// The service's message about the snapshot.
    #[serde(default)]
    pub message: String,
    /// Whether the snapshot failed; the log is in the cluster's dashboards.
    #[serde(default)]
    pub has_error_log: bool,
}

/// The result of getBucketList.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketList {
    /// The buckets the cluster can write snapshots to.
    #[serde(default)]
    pub bucket_list: Vec<Bucket>,
}

/// An Object Storage bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    /// The bucket's name.
    pub name: String,
    /// Bytes stored.
    #[serde(default, deserialize_with = "number_or_string")]
    pub bytes_used: i64,
    /// Objects stored.
    #[serde(default, deserialize_with = "number_or_string")]
    pub object_count: i64,
    /// Creation time, a Unix timestamp.
    #[serde(default, deserialize_with = "number_or_string")]
    pub creation_time: i64,
    /// `ENABLED` or `DISABLED`.
    #[serde(default)]
    pub bucket_protection_state: String,
}

/// Body of updateAPIAuthenticationKey: the Object Storage key of a cluster.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApiAuthenticationKeyRequest {
    /// The Object Storage access key id.
    pub access_key_id: String,
    /// The Object Storage secret key; never printed.
    pub secret_key: String,
}

impl fmt::Debug for UpdateApiAuthenticationKeyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateApiAuthenticationKeyRequest")
            .field("access_key_id", &self.access_key_id)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// Body of setSnapshotScheduling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetSnapshotSchedulingRequest {
    /// 3-15 characters, same rules as a snapshot name.
    pub snapshot_name: String,
    /// The bucket that receives the scheduled snapshots.
    pub bucket_name: String,
    /// `Everyday`, or `Sunday` to `Saturday`.
    pub scheduled_day: String,
    /// 0-23.
    pub scheduled_hour: i64,
    /// 0, 15, 30 or 45.
    pub scheduled_minute: i64,
}

/// One page of getSnapshotSchedulingHistory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchedulingHistoryPage {
    /// Where this page stands.
    #[serde(flatten)]
    pub paging: Paging,
    /// The entries, newest first.
    #[serde(default)]
    pub snapshot_scheduling_history_list: Vec<SchedulingHistoryEntry>,
}

/// One entry of the scheduling history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchedulingHistoryEntry {
    /// The bucket of the schedule.
    #[serde(default)]
    pub bucket_name: String,
    /// The name scheduled snapshots are given.
    #[serde(default)]
    pub snapshot_name: String,
    /// When the schedule was set.
    #[serde(default)]
    pub snapshot_scheduling_config_set_up_date: String,
    /// The day: `Everyday`, or `Sunday` to `Saturday`.
    #[serde(default)]
    pub snapshot_scheduling_set_up_day: String,
    /// The time of day, `HH:MM`.
    #[serde(default)]
    pub snapshot_scheduling_set_up_time: String,
    /// Whether the schedule is in force; see [`SCHEDULE_ACTIVE`].
    #[serde(default)]
    pub snapshot_scheduling_status: String,
}

/// Status of a schedule in force. The real values are not documented; this is
/// the emulator's choice, and the client treats anything else as released.
pub const SCHEDULE_ACTIVE: &str = "ACTIVE";
/// Status of a released schedule (a guess, like [`SCHEDULE_ACTIVE`]).
pub const SCHEDULE_RELEASED: &str = "RELEASED";

/// The result of getClusterInfo (the fields a user may want to look up).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    /// The cluster's number.
    #[serde(default, deserialize_with = "string_or_number")]
    pub service_group_instance_no: String,
    /// The cluster's name.
    #[serde(default)]
    pub cluster_name: String,
    /// `creating`, `changing`, `working`, `running`, `deleting` or `return`.
    #[serde(default)]
    pub cluster_status: String,
    /// When the cluster was created.
    #[serde(default)]
    pub create_date: String,
    /// The VPC the cluster lives in.
    #[serde(default, deserialize_with = "number_or_string")]
    pub vpc_no: i64,
    /// The engine product code.
    #[serde(default)]
    pub software_product_code: String,
    /// The engine and version, for example `OpenSearch 2.3`.
    #[serde(default)]
    pub search_engine_version_code: String,
    /// The engine's admin user name.
    #[serde(default)]
    pub search_engine_user_name: String,
    /// The engine's port.
    #[serde(default, deserialize_with = "number_or_string")]
    pub search_engine_port: i64,
    /// The dashboards' port.
    #[serde(default, deserialize_with = "number_or_string")]
    pub search_engine_dashboard_port: i64,
    /// Whether two manager nodes run.
    #[serde(default)]
    pub is_dual_manager: bool,
    /// Number of manager nodes.
    #[serde(default, deserialize_with = "number_or_string")]
    pub manager_node_count: i64,
    /// Number of data nodes.
    #[serde(default, deserialize_with = "number_or_string")]
    pub data_node_count: i64,
    /// Number of master-only nodes.
    #[serde(default, deserialize_with = "number_or_string")]
    pub master_node_count: i64,
}

/// A JSON value that is a string or a number, read as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Text(String),
    Int(i64),
    Float(f64),
    Flag(bool),
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Option::<Loose>::deserialize(deserializer)? {
        None => String::new(),
        Some(Loose::Text(text)) => text,
        Some(Loose::Int(n)) => n.to_string(),
        Some(Loose::Float(n)) => n.to_string(),
        Some(Loose::Flag(b)) => b.to_string(),
    })
}

fn number_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::de::Error as _;
    match Option::<Loose>::deserialize(deserializer)? {
        None => Ok(0),
        Some(Loose::Int(n)) => Ok(n),
        Some(Loose::Float(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(n as i64),
        Some(Loose::Text(text)) if text.trim().is_empty() => Ok(0),
        Some(Loose::Text(text)) => text
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("expected a whole number, found {text:?}"))),
        Some(other) => Err(D::Error::custom(match other {
            Loose::Flag(_) => "expected a whole number, found a boolean",
            _ => "expected a whole number, found a fraction",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_error_code_may_be_a_string_or_a_number() {
        for body in [
            r#"{"error":{"errorCode":"200","message":"Authentication Failed","details":"x"}}"#,
            r#"{"error":{"errorCode":200,"message":"Authentication Failed"}}"#,
        ] {
            let parsed: GatewayErrorBody = serde_json::from_str(body).unwrap();
            assert_eq!(parsed.error.error_code, "200");
        }
    }

    #[test]
    fn history_page_reads_paging_and_lenient_fields() {
        let body = r#"{"code":0,"message":"SUCCESS","requestId":"r-1","result":{
            "currentPage":1,"isFirst":true,"isLast":true,"pageSize":10,"totalCount":1,
            "totalPage":1,"snapshotHistoryResponseList":[{"idx":3,"memberNo":42,
            "serviceGroupInstanceNo":1037000,"snapshotName":"daily","bucketName":"b"}]}}"#;
        let parsed: Envelope<SnapshotHistoryPage> = serde_json::from_str(body).unwrap();
        let page = parsed.result.unwrap();
        assert_eq!(page.paging.total_count, 1);
        let entry = &page.snapshot_history_response_list[0];
        assert_eq!(entry.service_group_instance_no, "1037000");
        assert_eq!(entry.member_no, "42");
        assert!(!entry.has_error_log);
        assert_eq!(parsed.request_id, "r-1");
    }

    #[test]
    fn history_entry_without_a_name_is_rejected() {
        let entry = serde_json::from_str::<SnapshotHistoryEntry>(r#"{"idx":1}"#);
        assert!(entry.is_err());
    }

    #[test]
    fn numbers_accept_strings_and_reject_nonsense() {
        let bucket: Bucket =
            serde_json::from_str(r#"{"name":"b","bytesUsed":"12","objectCount":3}"#).unwrap();
        assert_eq!((bucket.bytes_used, bucket.object_count), (12, 3));
        assert!(serde_json::from_str::<Bucket>(r#"{"name":"b","bytesUsed":"lots"}"#).is_err());
        assert!(serde_json::from_str::<Bucket>(r#"{"name":"b","bytesUsed":true}"#).is_err());
    }

    #[test]
    fn storage_key_debug_hides_the_secret() {
        let request = UpdateApiAuthenticationKeyRequest {
            access_key_id: "AK".into(),
            secret_key: "very-secret".into(),
        };
        assert!(!format!("{request:?}").contains("very-secret"));
    }
}

/// Codes of the service's own errors, sent in the envelope's `code` with HTTP
/// 400. NAVER Cloud documents none of them: these are the emulator's guesses,
/// and the client also recognises the situations by their message text.
pub mod service_code {
    /// A parameter broke a documented rule (name length, day, hour, minute).
    pub const INVALID_PARAMETER: i64 = 40000;
    /// No cluster has that number.
    pub const CLUSTER_NOT_FOUND: i64 = 40400;
    /// The bucket is not among the cluster's buckets.
    pub const BUCKET_NOT_FOUND: i64 = 40401;
    /// releaseSnapshotScheduling found no schedule in force.
    pub const SCHEDULE_NOT_FOUND: i64 = 40402;
    /// A snapshot of that name already exists on the cluster.
    pub const SNAPSHOT_ALREADY_EXISTS: i64 = 40900;
    /// The cluster has no Object Storage key (updateAPIAuthenticationKey).
    pub const STORAGE_KEY_NOT_SET: i64 = 41200;
}
