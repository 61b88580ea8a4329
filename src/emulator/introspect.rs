//! `/__emulator/*`: what tests use to look inside the emulator and to set
//! the scene, outside the API prefix and without authentication.
//!
//! | Route | Does |
//! |---|---|
//! | `GET /__emulator/state` | clusters, snapshots, histories, counters |
//! | `GET /__emulator/requests` | the request log, secrets redacted |
//! | `POST /__emulator/reset` | forgets snapshots, histories, schedules, keys set through the API, logs and counters |
//! | `DELETE /__emulator/snapshots/{no}/{name}` | deletes a snapshot as the cluster's `_snapshot` API would |
//! | `POST /__emulator/history/{no}/clear` | empties a cluster's snapshot history, as retention would |
//! | `POST /__emulator/schedules/{no}/release` | releases a cluster's schedule, as the console would |
//! | `POST /__emulator/clusters/{no}/buckets/{name}` | gives one cluster another bucket |
//! | `POST /__emulator/clusters/{no}/status/{status}` | sets what getClusterInfo reports as the status |
//!
//! The JSON of `state` is a contract: end-to-end tests read it. Change its
//! shape only together with them. It never holds an Object Storage secret.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::ncloud::model::{
    SchedulingHistoryEntry, SetSnapshotSchedulingRequest, SnapshotHistoryEntry,
};

use super::app::App;
use super::journal::Counters;
use super::response;
use super::store::{Cluster, ServiceError};

/// The whole of `/__emulator/state`.
#[derive(Debug, Serialize)]
pub struct StateView {
    /// Clusters by number.
    pub clusters: BTreeMap<String, ClusterView>,
    /// Request counters.
    pub counters: Counters,
}

/// One cluster as `/__emulator/state` shows it.
#[derive(Debug, Serialize)]
pub struct ClusterView {
    /// The cluster's name.
    pub name: String,
    /// Whether an Object Storage key is set.
    pub key_set: bool,
    /// The Object Storage access key id set through the API, if any.
    pub access_key_id: Option<String>,
    /// What getClusterInfo reports: `running` unless set otherwise.
    pub status: String,
    /// The buckets snapshots may go to.
    pub buckets: Vec<String>,
    /// Live snapshots by name.
    pub snapshots: BTreeMap<String, SnapshotView>,
    /// createSnapshot calls per name, refused ones included; survives the
    /// snapshot's deletion.
    pub create_attempts: BTreeMap<String, u64>,
    /// The snapshot history as the API shows it, newest first, including
    /// entries the history delay still hides.
    pub history: Vec<SnapshotHistoryEntry>,
    /// The schedule in force.
    pub schedule: Option<SetSnapshotSchedulingRequest>,
    /// The scheduling history, newest first.
    pub scheduling_history: Vec<SchedulingHistoryEntry>,
}

/// A live snapshot.
#[derive(Debug, Serialize)]
pub struct SnapshotView {
    /// Its bucket.
    pub bucket: String,
    /// createSnapshot calls made for its name.
    pub create_attempts: u64,
}

impl ClusterView {
    fn of(cluster: &Cluster) -> Self {
        let data = &cluster.data;
        let snapshots = data
            .snapshots
            .iter()
            .map(|(name, snapshot)| {
                let view = SnapshotView {
                    bucket: snapshot.bucket.clone(),
                    create_attempts: data.create_attempts.get(name).copied().unwrap_or(0),
                };
                (name.clone(), view)
            })
            .collect();
        Self {
            name: cluster.spec.name.clone(),
            key_set: data.key_set,
            access_key_id: data.access_key_id.clone(),
            status: data.status.clone(),
            buckets: cluster.all_buckets().map(str::to_owned).collect(),
            snapshots,
            create_attempts: data.create_attempts.clone(),
            history: data.history.iter().rev().map(|r| r.entry.clone()).collect(),
            schedule: data.schedule.clone(),
            scheduling_history: data.scheduling_history.iter().rev().cloned().collect(),
        }
    }
}

/// `GET /__emulator/state`
pub async fn state(State(app): State<Arc<App>>) -> Json<StateView> {
    let clusters = app
        .store()
        .clusters()
        .map(|(no, cluster)| (no.clone(), ClusterView::of(cluster)))
        .collect();
    let counters = app.journal().counters().clone();
    Json(StateView { clusters, counters })
}

/// `GET /__emulator/requests`
pub async fn requests(State(app): State<Arc<App>>) -> Response {
    Json(app.journal().requests()).into_response()
}

/// `POST /__emulator/reset`: the fault sequence restarts from its seed too,
/// so a reset emulator injects the same faults as a fresh one.
pub async fn reset(State(app): State<Arc<App>>) -> Response {
    if let Err(error) = app.change(|store| store.reset()) {
        return response::unexpected(&error.to_string());
    }
    app.journal().clear();
    app.faults().restart();
    Json(json!({ "reset": true })).into_response()
}

/// `DELETE /__emulator/snapshots/{no}/{name}`: 404 if there is no such
/// cluster or live snapshot.
pub async fn delete_snapshot(
    State(app): State<Arc<App>>,
    Path((no, name)): Path<(String, String)>,
) -> Response {
    match app.change(|store| store.delete_snapshot(&no, &name)) {
        Ok(Ok(true)) => Json(json!({ "deleted": true })).into_response(),
        Ok(Ok(false)) => missing(format!("cluster {no} has no live snapshot {name:?}")),
        Ok(Err(error)) => missing_cluster(error),
        Err(error) => response::unexpected(&error.to_string()),
    }
}

/// `POST /__emulator/history/{no}/clear`: 404 if there is no such cluster.
pub async fn clear_history(State(app): State<Arc<App>>, Path(no): Path<String>) -> Response {
    match app.change(|store| store.clear_history(&no)) {
        Ok(Ok(())) => Json(json!({ "cleared": true })).into_response(),
        Ok(Err(error)) => missing_cluster(error),
        Err(error) => response::unexpected(&error.to_string()),
    }
}

/// `POST /__emulator/schedules/{no}/release`: releases the schedule in
/// force as someone in the console would, so tests can show drift; 404 if
/// there is no such cluster or no schedule in force.
pub async fn release_schedule(State(app): State<Arc<App>>, Path(no): Path<String>) -> Response {
    let now_ms = app.clock.now_ms();
    match app.change(|store| store.release_schedule(&no, now_ms)) {
        Ok(Ok(())) => Json(json!({ "released": true })).into_response(),
        Ok(Err(error)) => missing(error.message),
        Err(error) => response::unexpected(&error.to_string()),
    }
}

/// `POST /__emulator/clusters/{no}/buckets/{name}`: 404 if there is no
/// such cluster, 400 if the name is no bucket name.
pub async fn add_bucket(
    State(app): State<Arc<App>>,
    Path((no, name)): Path<(String, String)>,
) -> Response {
    match app.change(|store| store.add_bucket(&no, &name)) {
        Ok(Ok(added)) => Json(json!({ "added": added })).into_response(),
        Ok(Err(error)) => refused(error),
        Err(error) => response::unexpected(&error.to_string()),
    }
}

/// `POST /__emulator/clusters/{no}/status/{status}`: 404 if there is no
/// such cluster, 400 if the status is not one getClusterInfo documents.
pub async fn set_status(
    State(app): State<Arc<App>>,
    Path((no, status)): Path<(String, String)>,
) -> Response {
    match app.change(|store| store.set_status(&no, &status)) {
        Ok(Ok(())) => Json(json!({ "status": status })).into_response(),
        Ok(Err(error)) => refused(error),
        Err(error) => response::unexpected(&error.to_string()),
    }
}

/// A refusal of an introspection request: 404 for an unknown cluster, 400
/// for a bad value.
fn refused(error: ServiceError) -> Response {
    if error.code == crate::ncloud::model::service_code::INVALID_PARAMETER {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": error.message })),
        )
            .into_response()
    } else {
        missing(error.message)
    }
}

fn missing_cluster(error: ServiceError) -> Response {
    missing(error.message)
}

fn missing(message: String) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": message }))).into_response()
}
