//! The emulated service's data and the rules that change it.
//!
//! Everything here is plain data and plain functions of it: no HTTP, no
//! locking, no files. The API layer parses a request, calls one operation
//! and turns its result or [`ServiceError`] into an answer; the persistence
//! layer saves [`ClusterData`] as it is.
//!
//! Where NAVER Cloud's behaviour is unknown (what a duplicate name does,
//! what the history says), the choice made here is marked as a guess.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ncloud::model::{
    Bucket, BucketList, ClusterInfo, CreateSnapshotRequest, SCHEDULE_ACTIVE, SCHEDULE_RELEASED,
    SchedulingHistoryEntry, SchedulingHistoryPage, SetSnapshotSchedulingRequest,
    SnapshotHistoryEntry, SnapshotHistoryPage, UpdateApiAuthenticationKeyRequest, service_code,
};

use super::clock::api_time;
use super::config::ClusterSpec;
use super::paging::PageRequest;
use super::validate;

/// The account number written in history entries; made up.
const MEMBER_NO: &str = "2800000";
/// What the history calls a snapshot made through createSnapshot (a guess).
const MANUAL_REQUEST: &str = "MANUAL";
/// How long every emulated snapshot takes, as the history writes it (a guess
/// at the format; fixed so that every read shows the same value).
const SNAPSHOT_DURATION: &str = "00:00:01";
/// The history's message for a snapshot that succeeded (a guess).
const SUCCESS_MESSAGE: &str = "Snapshot completed successfully.";
/// The history's message for a failed snapshot (a guess).
const FAILURE_MESSAGE: &str = "Snapshot failed. See the error log in the cluster's dashboards.";
/// When every bucket was created, 2024-01-01 UTC, as a Unix time in
/// milliseconds (the unit is a guess).
const BUCKET_CREATED_MS: i64 = 1_704_067_200_000;
/// Bytes each live snapshot is said to take in its bucket.
const SNAPSHOT_BYTES: i64 = 1 << 20;
/// When every cluster was created, as getClusterInfo shows it.
const CLUSTER_CREATED_MS: i64 = 1_704_067_200_000;
/// The status of a cluster nobody has changed.
pub const CLUSTER_RUNNING: &str = "running";
/// The statuses getClusterInfo documents for a cluster.
pub const CLUSTER_STATUSES: [&str; 6] = [
    "creating",
    "changing",
    "working",
    CLUSTER_RUNNING,
    "deleting",
    "return",
];

/// A refusal by the service itself (not the gateway), answered as HTTP 400
/// with the envelope's `code` set. NAVER Cloud documents none of these
/// bodies: the codes are [`service_code`]'s guesses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct ServiceError {
    /// One of [`service_code`].
    pub code: i64,
    /// A sentence saying what was wrong and what to do.
    pub message: String,
}

impl ServiceError {
    /// A parameter broke a rule.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: service_code::INVALID_PARAMETER,
            message: message.into(),
        }
    }

    fn cluster_not_found(no: &str) -> Self {
        Self {
            code: service_code::CLUSTER_NOT_FOUND,
            message: format!("No search engine cluster has serviceGroupInstanceNo {no}."),
        }
    }

    fn key_not_set(no: &str) -> Self {
        Self {
            code: service_code::STORAGE_KEY_NOT_SET,
            message: format!(
                "Cluster {no} has no Object Storage API authentication key. Set one with \
                 updateAPIAuthenticationKey before creating snapshots or schedules."
            ),
        }
    }

    fn bucket_not_found(no: &str, bucket: &str) -> Self {
        Self {
            code: service_code::BUCKET_NOT_FOUND,
            message: format!(
                "Bucket {bucket:?} is not among the buckets of cluster {no}; see getBucketList."
            ),
        }
    }
}

/// A snapshot that exists in the cluster's repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSnapshot {
    /// The bucket it was written to.
    pub bucket: String,
}

/// A history entry with the time it was made, which decides when it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// The emulator's clock when the entry was made.
    pub created_at_ms: i64,
    /// The entry as the API shows it.
    pub entry: SnapshotHistoryEntry,
}

/// What changes in a cluster: all of it is saved in the state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterData {
    /// Whether an Object Storage key is set.
    pub key_set: bool,
    /// The Object Storage access key id, once set through the API. The
    /// secret is never kept.
    pub access_key_id: Option<String>,
    /// Live snapshots by name.
    pub snapshots: BTreeMap<String, LiveSnapshot>,
    /// createSnapshot calls per name, refused ones included.
    pub create_attempts: BTreeMap<String, u64>,
    /// Snapshot history, oldest first.
    pub history: Vec<HistoryRecord>,
    /// The `idx` the next history entry gets.
    pub next_idx: i64,
    /// The schedule in force.
    pub schedule: Option<SetSnapshotSchedulingRequest>,
    /// Scheduling history, oldest first.
    pub scheduling_history: Vec<SchedulingHistoryEntry>,
    /// Buckets added to this cluster alone, after the configured ones;
    /// absent from state files written before they existed.
    #[serde(default)]
    pub extra_buckets: Vec<String>,
    /// What getClusterInfo reports as the cluster's status.
    #[serde(default = "running")]
    pub status: String,
}

fn running() -> String {
    CLUSTER_RUNNING.to_owned()
}

impl ClusterData {
    /// A cluster with nothing done to it yet.
    pub fn fresh(key_set: bool) -> Self {
        Self {
            key_set,
            access_key_id: None,
            snapshots: BTreeMap::new(),
            create_attempts: BTreeMap::new(),
            history: Vec::new(),
            next_idx: 1,
            schedule: None,
            scheduling_history: Vec::new(),
            extra_buckets: Vec::new(),
            status: running(),
        }
    }
}

/// One cluster: its configuration and its data.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Number, name and initial key state, as configured.
    pub spec: ClusterSpec,
    /// The buckets it may write to.
    pub buckets: Vec<String>,
    /// What has been done to it.
    pub data: ClusterData,
}

/// Settings that shape answers but never change while running.
#[derive(Debug, Clone, Default)]
pub struct StoreSettings {
    /// How long a history entry stays invisible.
    pub history_delay_ms: u64,
    /// Names whose snapshots fail.
    pub fail_snapshots: BTreeSet<String>,
}

/// All clusters and their data.
#[derive(Debug, Clone)]
pub struct Store {
    clusters: BTreeMap<String, Cluster>,
    settings: StoreSettings,
}

impl Store {
    /// A store holding `specs`, each with `buckets`.
    pub fn new(specs: &[ClusterSpec], buckets: &[String], settings: StoreSettings) -> Self {
        let clusters = specs
            .iter()
            .map(|spec| {
                let cluster = Cluster {
                    spec: spec.clone(),
                    buckets: buckets.to_vec(),
                    data: ClusterData::fresh(spec.key_set),
                };
                (spec.no.clone(), cluster)
            })
            .collect();
        Self { clusters, settings }
    }

    /// Every cluster, by number.
    pub fn clusters(&self) -> impl Iterator<Item = (&String, &Cluster)> {
        self.clusters.iter()
    }

    /// The data of every cluster, for saving.
    pub fn saved_data(&self) -> BTreeMap<String, ClusterData> {
        self.clusters
            .iter()
            .map(|(no, cluster)| (no.clone(), cluster.data.clone()))
            .collect()
    }

    /// Puts back saved data. Clusters that are no longer configured are
    /// ignored: the configuration decides which clusters exist.
    pub fn restore(&mut self, saved: BTreeMap<String, ClusterData>) {
        for (no, data) in saved {
            if let Some(cluster) = self.clusters.get_mut(&no) {
                cluster.data = data;
            }
        }
    }

    /// Forgets everything done to the clusters: each is as configured again,
    /// including whether it has an Object Storage key.
    pub fn reset(&mut self) {
        for cluster in self.clusters.values_mut() {
            cluster.data = ClusterData::fresh(cluster.spec.key_set);
        }
    }

    fn cluster(&self, no: &str) -> Result<&Cluster, ServiceError> {
        self.clusters
            .get(no)
            .ok_or_else(|| ServiceError::cluster_not_found(no))
    }

    fn cluster_mut(&mut self, no: &str) -> Result<&mut Cluster, ServiceError> {
        self.clusters
            .get_mut(no)
            .ok_or_else(|| ServiceError::cluster_not_found(no))
    }

    /// Fails with CLUSTER_NOT_FOUND unless cluster `no` exists.
    pub fn require_cluster(&self, no: &str) -> Result<(), ServiceError> {
        self.cluster(no).map(|_| ())
    }

    /// Counts a createSnapshot call for `name`, whatever its outcome.
    pub fn count_create_attempt(&mut self, no: &str, name: &str) -> Result<(), ServiceError> {
        let cluster = self.cluster_mut(no)?;
        *cluster
            .data
            .create_attempts
            .entry(name.to_owned())
            .or_default() += 1;
        Ok(())
    }

    /// createSnapshot: records a live snapshot and its history entry.
    ///
    /// A live snapshot of the same name is refused (a guess: the real
    /// service's answer to a duplicate is unknown). A snapshot named in
    /// `--fail-snapshot` is still recorded, as a failed snapshot stays in an
    /// OpenSearch repository; only its history says it failed.
    pub fn create_snapshot(
        &mut self,
        no: &str,
        request: &CreateSnapshotRequest,
        now_ms: i64,
    ) -> Result<(), ServiceError> {
        let name = &request.snapshot_name;
        let bucket = &request.bucket_name;
        validate::all([
            validate::snapshot_name(name, validate::SNAPSHOT_NAME_MAX),
            validate::bucket_name(bucket),
        ])
        .map_err(ServiceError::invalid)?;

        let failed = self.settings.fail_snapshots.contains(name);
        let cluster = self.cluster_mut(no)?;
        cluster.require_key()?;
        cluster.require_bucket(bucket)?;
        if cluster.data.snapshots.contains_key(name) {
            return Err(ServiceError {
                code: service_code::SNAPSHOT_ALREADY_EXISTS,
                message: format!("A snapshot named {name:?} already exists on cluster {no}."),
            });
        }

        cluster.data.snapshots.insert(
            name.clone(),
            LiveSnapshot {
                bucket: bucket.clone(),
            },
        );
        cluster.append_history(name, bucket, failed, now_ms);
        Ok(())
    }

    /// getSnapshotHistory: the visible entries, newest first.
    pub fn history_page(
        &self,
        no: &str,
        page: PageRequest,
        now_ms: i64,
    ) -> Result<SnapshotHistoryPage, ServiceError> {
        let cluster = self.cluster(no)?;
        let delay = i64::try_from(self.settings.history_delay_ms).unwrap_or(i64::MAX);
        let visible: Vec<SnapshotHistoryEntry> = cluster
            .data
            .history
            .iter()
            .rev()
            .filter(|record| record.created_at_ms.saturating_add(delay) <= now_ms)
            .map(|record| record.entry.clone())
            .collect();
        let (paging, entries) = page.cut(&visible);
        Ok(SnapshotHistoryPage {
            paging,
            snapshot_history_response_list: entries,
        })
    }

    /// getBucketList: the cluster's buckets; usage follows its live snapshots.
    pub fn bucket_list(&self, no: &str) -> Result<BucketList, ServiceError> {
        let cluster = self.cluster(no)?;
        let bucket_list = cluster
            .all_buckets()
            .map(|name| {
                let count = cluster
                    .data
                    .snapshots
                    .values()
                    .filter(|snapshot| snapshot.bucket == name)
                    .count() as i64;
                Bucket {
                    name: name.to_owned(),
                    bytes_used: count * SNAPSHOT_BYTES,
                    object_count: count,
                    creation_time: BUCKET_CREATED_MS,
                    bucket_protection_state: "DISABLED".to_owned(),
                }
            })
            .collect();
        Ok(BucketList { bucket_list })
    }

    /// updateAPIAuthenticationKey: marks the key set; keeps only the id.
    pub fn set_storage_key(
        &mut self,
        no: &str,
        request: &UpdateApiAuthenticationKeyRequest,
    ) -> Result<(), ServiceError> {
        self.require_cluster(no)?;
        let mut problems = Vec::new();
        if request.access_key_id.trim().is_empty() {
            problems.push(Err("accessKeyId is required".to_owned()));
        }
        if request.secret_key.trim().is_empty() {
            problems.push(Err("secretKey is required".to_owned()));
        }
        validate::all(problems).map_err(ServiceError::invalid)?;

        let cluster = self.cluster_mut(no)?;
        cluster.data.key_set = true;
        cluster.data.access_key_id = Some(request.access_key_id.clone());
        Ok(())
    }

    /// setSnapshotScheduling: puts a schedule in force, replacing any other
    /// (a guess: what the real service does with a second schedule is
    /// unknown), and records it in the scheduling history.
    pub fn set_schedule(
        &mut self,
        no: &str,
        request: &SetSnapshotSchedulingRequest,
        now_ms: i64,
    ) -> Result<(), ServiceError> {
        self.require_cluster(no)?;
        validate::all([
            validate::snapshot_name(&request.snapshot_name, validate::SCHEDULE_NAME_MAX),
            validate::bucket_name(&request.bucket_name),
            validate::scheduled_day(&request.scheduled_day),
            validate::scheduled_hour(request.scheduled_hour),
            validate::scheduled_minute(request.scheduled_minute),
        ])
        .map_err(ServiceError::invalid)?;

        let cluster = self.cluster_mut(no)?;
        cluster.require_key()?;
        cluster.require_bucket(&request.bucket_name)?;
        cluster.data.schedule = Some(request.clone());
        cluster.append_scheduling(request, SCHEDULE_ACTIVE, now_ms);
        Ok(())
    }

    /// releaseSnapshotScheduling: ends the schedule in force, if any.
    pub fn release_schedule(&mut self, no: &str, now_ms: i64) -> Result<(), ServiceError> {
        let cluster = self.cluster_mut(no)?;
        let Some(schedule) = cluster.data.schedule.take() else {
            return Err(ServiceError {
                code: service_code::SCHEDULE_NOT_FOUND,
                message: format!("Cluster {no} has no snapshot schedule to release."),
            });
        };
        cluster.append_scheduling(&schedule, SCHEDULE_RELEASED, now_ms);
        Ok(())
    }

    /// getSnapshotSchedulingHistory: newest first.
    pub fn scheduling_page(
        &self,
        no: &str,
        page: PageRequest,
    ) -> Result<SchedulingHistoryPage, ServiceError> {
        let cluster = self.cluster(no)?;
        let newest_first: Vec<SchedulingHistoryEntry> = cluster
            .data
            .scheduling_history
            .iter()
            .rev()
            .cloned()
            .collect();
        let (paging, entries) = page.cut(&newest_first);
        Ok(SchedulingHistoryPage {
            paging,
            snapshot_scheduling_history_list: entries,
        })
    }

    /// getClusterInfo. Everything but the number and name is made up, in the
    /// shape the documentation shows.
    pub fn cluster_info(&self, no: &str) -> Result<ClusterInfo, ServiceError> {
        let cluster = self.cluster(no)?;
        Ok(ClusterInfo {
            service_group_instance_no: no.to_owned(),
            cluster_name: cluster.spec.name.clone(),
            cluster_status: cluster.data.status.clone(),
            create_date: api_time(CLUSTER_CREATED_MS),
            vpc_no: 10_000,
            software_product_code: "SW.VOPST.OS.LNX64.ROCKY.0810.OPNSRCH.B050".to_owned(),
            search_engine_version_code: "OpenSearch 2.11".to_owned(),
            search_engine_user_name: "admin".to_owned(),
            search_engine_port: 9200,
            search_engine_dashboard_port: 5601,
            is_dual_manager: false,
            manager_node_count: 1,
            data_node_count: 3,
            master_node_count: 0,
        })
    }

    /// Stands for deleting a snapshot through the cluster's own `_snapshot`
    /// API: the name is free again, the history keeps its entry. Returns
    /// whether such a snapshot existed.
    pub fn delete_snapshot(&mut self, no: &str, name: &str) -> Result<bool, ServiceError> {
        let cluster = self.cluster_mut(no)?;
        Ok(cluster.data.snapshots.remove(name).is_some())
    }

    /// Gives one cluster another bucket, as creating a bucket in the
    /// console would. Returns whether the bucket is new to the cluster.
    pub fn add_bucket(&mut self, no: &str, bucket: &str) -> Result<bool, ServiceError> {
        validate::all([validate::bucket_name(bucket)]).map_err(ServiceError::invalid)?;
        let cluster = self.cluster_mut(no)?;
        if cluster.all_buckets().any(|known| known == bucket) {
            return Ok(false);
        }
        cluster.data.extra_buckets.push(bucket.to_owned());
        Ok(true)
    }

    /// Sets what getClusterInfo reports as the cluster's status, to stand
    /// for a cluster being changed or deleted in the console.
    pub fn set_status(&mut self, no: &str, status: &str) -> Result<(), ServiceError> {
        if !CLUSTER_STATUSES.contains(&status) {
            return Err(ServiceError::invalid(format!(
                "A cluster status is one of {}, not {status:?}.",
                CLUSTER_STATUSES.join(", ")
            )));
        }
        self.cluster_mut(no)?.data.status = status.to_owned();
        Ok(())
    }

    /// Empties a cluster's snapshot history, as retention would; the next
    /// entry still gets a new `idx`.
    pub fn clear_history(&mut self, no: &str) -> Result<(), ServiceError> {
        let cluster = self.cluster_mut(no)?;
        cluster.data.history.clear();
        Ok(())
    }
}

impl Cluster {
    fn require_key(&self) -> Result<(), ServiceError> {
        if self.data.key_set {
            Ok(())
        } else {
            Err(ServiceError::key_not_set(&self.spec.no))
        }
    }

    /// The configured buckets, then those added to this cluster alone.
    pub fn all_buckets(&self) -> impl Iterator<Item = &str> {
        self.buckets
            .iter()
            .chain(&self.data.extra_buckets)
            .map(String::as_str)
    }

    fn require_bucket(&self, bucket: &str) -> Result<(), ServiceError> {
        if self.all_buckets().any(|known| known == bucket) {
            Ok(())
        } else {
            Err(ServiceError::bucket_not_found(&self.spec.no, bucket))
        }
    }

    fn append_history(&mut self, name: &str, bucket: &str, failed: bool, now_ms: i64) {
        let idx = self.data.next_idx;
        self.data.next_idx += 1;
        let message = if failed {
            FAILURE_MESSAGE
        } else {
            SUCCESS_MESSAGE
        };
        let entry = SnapshotHistoryEntry {
            idx,
            member_no: MEMBER_NO.to_owned(),
            service_group_instance_no: self.spec.no.clone(),
            cluster_name: self.spec.name.clone(),
            snapshot_name: name.to_owned(),
            bucket_name: bucket.to_owned(),
            request_type: MANUAL_REQUEST.to_owned(),
            action_date: api_time(now_ms),
            duration: SNAPSHOT_DURATION.to_owned(),
            message: message.to_owned(),
            has_error_log: failed,
        };
        self.data.history.push(HistoryRecord {
            created_at_ms: now_ms,
            entry,
        });
    }

    fn append_scheduling(
        &mut self,
        schedule: &SetSnapshotSchedulingRequest,
        status: &str,
        now_ms: i64,
    ) {
        self.data.scheduling_history.push(SchedulingHistoryEntry {
            bucket_name: schedule.bucket_name.clone(),
            snapshot_name: schedule.snapshot_name.clone(),
            snapshot_scheduling_config_set_up_date: api_time(now_ms),
            snapshot_scheduling_set_up_day: schedule.scheduled_day.clone(),
            snapshot_scheduling_set_up_time: format!(
                "{:02}:{:02}",
                schedule.scheduled_hour, schedule.scheduled_minute
            ),
            snapshot_scheduling_status: status.to_owned(),
        });
    }
}

#[cfg(test)]
mod tests;
