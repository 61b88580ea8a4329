//! The eight API calls, once a request has passed the gateway.
//!
//! Each call follows one recipe: read the body or the query, call one store
//! operation, and wrap its result in the envelope. Bodies that are not JSON
//! or have fields of the wrong type are the service's INVALID_PARAMETER,
//! never a panic and never the gateway's 400.

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ncloud::model::{
    BucketList, ClusterInfo, CreateSnapshotRequest, SchedulingHistoryPage,
    SetSnapshotSchedulingRequest, SnapshotHistoryPage, UpdateApiAuthenticationKeyRequest,
};

use super::app::App;
use super::paging::PageRequest;
use super::persist::PersistError;
use super::response;
use super::routes::{Endpoint, Route};
use super::store::{ServiceError, Store};

/// Why a call did not succeed.
enum Refusal {
    /// The service refused it.
    Service(ServiceError),
    /// The emulator could not save its state.
    Save(PersistError),
}

impl From<ServiceError> for Refusal {
    fn from(error: ServiceError) -> Self {
        Refusal::Service(error)
    }
}

impl From<PersistError> for Refusal {
    fn from(error: PersistError) -> Self {
        Refusal::Save(error)
    }
}

/// What a call answers with, kept typed so that the JSON keeps the model's
/// field order.
#[derive(Serialize)]
#[serde(untagged)]
enum Answer {
    /// The boolean calls' `result: true`.
    Done(bool),
    /// getSnapshotHistory.
    SnapshotHistory(SnapshotHistoryPage),
    /// getBucketList.
    Buckets(BucketList),
    /// getSnapshotSchedulingHistory.
    SchedulingHistory(SchedulingHistoryPage),
    /// getClusterInfo.
    Cluster(ClusterInfo),
}

type Outcome = Result<Answer, Refusal>;

/// Answers one authenticated request.
pub fn dispatch(app: &App, route: &Route, uri: &Uri, body: &[u8]) -> Response {
    let request_id = app.request_ids.next();
    let no = route.cluster_no.as_str();
    let outcome = match route.endpoint {
        Endpoint::CreateSnapshot => create_snapshot(app, no, body),
        Endpoint::GetSnapshotHistory => snapshot_history(app, no, uri),
        Endpoint::GetBucketList => read(app, |store| store.bucket_list(no).map(Answer::Buckets)),
        Endpoint::UpdateApiAuthenticationKey => update_storage_key(app, no, body),
        Endpoint::SetSnapshotScheduling => set_schedule(app, no, body),
        Endpoint::ReleaseSnapshotScheduling => release_schedule(app, no),
        Endpoint::GetSnapshotSchedulingHistory => scheduling_history(app, no, uri),
        Endpoint::GetClusterInfo => read(app, |store| store.cluster_info(no).map(Answer::Cluster)),
    };
    match outcome {
        Ok(result) => response::success(result, request_id),
        Err(Refusal::Service(error)) => response::service_error(error, request_id),
        Err(Refusal::Save(error)) => response::unexpected(&error.to_string()),
    }
}

fn create_snapshot(app: &App, no: &str, body: &[u8]) -> Outcome {
    let now = app.clock.now_ms();
    app.change(|store| {
        store.require_cluster(no)?;
        let value = json_body(body)?;
        // Count the attempt before any rule is checked: tests use the count
        // to see how often a client retried, refused tries included.
        if let Some(name) = value.get("snapshotName").and_then(Value::as_str) {
            store.count_create_attempt(no, name)?;
        }
        let request: CreateSnapshotRequest = typed(value)?;
        store.create_snapshot(no, &request, now)
    })??;
    Ok(Answer::Done(true))
}

fn update_storage_key(app: &App, no: &str, body: &[u8]) -> Outcome {
    app.change(|store| {
        store.require_cluster(no)?;
        let request: UpdateApiAuthenticationKeyRequest = typed(json_body(body)?)?;
        store.set_storage_key(no, &request)
    })??;
    Ok(Answer::Done(true))
}

fn set_schedule(app: &App, no: &str, body: &[u8]) -> Outcome {
    let now = app.clock.now_ms();
    app.change(|store| {
        store.require_cluster(no)?;
        let request: SetSnapshotSchedulingRequest = typed(json_body(body)?)?;
        store.set_schedule(no, &request, now)
    })??;
    Ok(Answer::Done(true))
}

fn release_schedule(app: &App, no: &str) -> Outcome {
    let now = app.clock.now_ms();
    app.change(|store| store.release_schedule(no, now))??;
    Ok(Answer::Done(true))
}

fn snapshot_history(app: &App, no: &str, uri: &Uri) -> Outcome {
    let now = app.clock.now_ms();
    read(app, |store| {
        store.require_cluster(no)?;
        store
            .history_page(no, page_request(uri)?, now)
            .map(Answer::SnapshotHistory)
    })
}

fn scheduling_history(app: &App, no: &str, uri: &Uri) -> Outcome {
    read(app, |store| {
        store.require_cluster(no)?;
        store
            .scheduling_page(no, page_request(uri)?)
            .map(Answer::SchedulingHistory)
    })
}

/// Runs a read-only operation under the store's lock.
fn read(app: &App, operation: impl FnOnce(&Store) -> Result<Answer, ServiceError>) -> Outcome {
    Ok(operation(&app.store())?)
}

fn page_request(uri: &Uri) -> Result<PageRequest, ServiceError> {
    let Query(query) = Query::<HashMap<String, String>>::try_from_uri(uri)
        .map_err(|_| ServiceError::invalid("the query string cannot be read"))?;
    PageRequest::from_query(&query).map_err(ServiceError::invalid)
}

fn json_body(body: &[u8]) -> Result<Value, ServiceError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ServiceError::invalid("a JSON request body is required"));
    }
    serde_json::from_slice(body)
        .map_err(|error| ServiceError::invalid(format!("the request body is not JSON: {error}")))
}

fn typed<T: DeserializeOwned>(value: Value) -> Result<T, ServiceError> {
    serde_json::from_value(value).map_err(|error| {
        ServiceError::invalid(format!(
            "the request body has a missing or mistyped field: {error}"
        ))
    })
}
