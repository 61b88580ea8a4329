//! `ncloud_searchengine_snapshot`: one snapshot of a Search Engine cluster,
//! taken with the signed createSnapshot call.
//!
//! The API has no call to read or delete one snapshot: only the cluster's
//! snapshot history, a log of requests. So the resource reads itself from
//! the history, keeps its state when the history no longer shows it (that
//! proves nothing), and on destroy forgets the snapshot with a warning that
//! says how to delete it through the cluster's own `_snapshot` API.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::errors::api_error;
use super::validate;
use crate::framework::timeouts;
use crate::framework::{
    ApplyOutcome, Attribute, Block, ClientCapabilities, Diagnostics, Nesting, Object, PlanContext,
    ReadOutcome, Resource, Schema, Type, Value,
};
use crate::ncloud::model::{CreateSnapshotRequest, SnapshotHistoryEntry};
use crate::ncloud::{CallOptions, Client, HistoryMark};
use crate::provider::ProviderData;

/// The resource's type name.
pub const TYPE_NAME: &str = "ncloud_searchengine_snapshot";
/// How long a create may wait for the history to show the snapshot.
pub const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// How long a refresh or an import may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The first pause between looks at the history while waiting; it grows.
const FIRST_POLL: Duration = Duration::from_millis(200);
/// The longest pause between looks at the history.
const MAX_POLL: Duration = Duration::from_secs(5);

/// The attributes filled from the history, with their descriptions.
const HISTORY_ATTRIBUTES: [(&str, &str); 5] = [
    (
        "cluster_name",
        "The cluster's name, as the snapshot history gives it.",
    ),
    (
        "request_type",
        "The kind of request the history records, for example a manual snapshot.",
    ),
    (
        "action_date",
        "When the snapshot request was made, as the history gives it.",
    ),
    (
        "duration",
        "How long the snapshot took, as the history gives it.",
    ),
    ("message", "The service's message about the snapshot."),
];

/// The resource.
pub struct SnapshotResource {
    data: Arc<ProviderData>,
}

impl SnapshotResource {
    /// The resource, sharing the provider's configuration.
    pub fn new(data: Arc<ProviderData>) -> SnapshotResource {
        SnapshotResource { data }
    }
}

/// What the private state records when a create was sent but its outcome
/// was not confirmed before Terraform stopped the provider: the history's
/// length before the request, so the next refresh can tell whether it
/// took effect.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    unconfirmed_after: i64,
}

impl Pending {
    fn encode(mark: HistoryMark) -> Vec<u8> {
        serde_json::to_vec(&Pending {
            unconfirmed_after: mark.total_count,
        })
        .unwrap_or_default()
    }

    fn decode(private: &[u8]) -> Option<HistoryMark> {
        let pending: Pending = serde_json::from_slice(private).ok()?;
        Some(HistoryMark {
            total_count: pending.unconfirmed_after,
        })
    }
}

/// The three arguments that identify a snapshot.
struct Snapshot<'a> {
    cluster: &'a str,
    name: &'a str,
    bucket: &'a str,
}

impl<'a> Snapshot<'a> {
    fn of(object: &'a Object) -> Result<Snapshot<'a>, Diagnostics> {
        match (
            object.str("service_group_instance_no"),
            object.str("snapshot_name"),
            object.str("bucket_name"),
        ) {
            (Some(cluster), Some(name), Some(bucket)) => Ok(Snapshot {
                cluster,
                name,
                bucket,
            }),
            _ => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.provider_bug("a snapshot's identifying arguments were not all known");
                Err(diagnostics)
            }
        }
    }

    fn describe(&self) -> String {
        format!("snapshot {:?} of cluster {}", self.name, self.cluster)
    }
}

#[async_trait]
impl Resource for SnapshotResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let mut block = Block::new(
            "A snapshot of a Search Engine Service cluster, written to an Object Storage bucket. \
             The API can create snapshots but not delete them: destroying this resource only \
             removes it from Terraform's state.",
        )
        .attribute(Attribute::computed("id", Type::String).keep_prior_value().describe(
            "The snapshot's identifier in Terraform: service_group_instance_no and snapshot_name \
             joined by a colon, the form terraform import takes.",
        ))
        .attribute(Attribute::required("service_group_instance_no", Type::String).requires_replace().describe(
            "The number of the Search Engine cluster (its serviceGroupInstanceNo), digits only. \
             Changing it creates a new snapshot.",
        ))
        .attribute(Attribute::required("snapshot_name", Type::String).requires_replace().describe(
            "The snapshot's name: 3 to 30 characters of lowercase letters, digits and hyphens, \
             starting with a letter, ending with a letter or digit, without two hyphens in a row. \
             Changing it creates a new snapshot.",
        ))
        .attribute(Attribute::required("bucket_name", Type::String).requires_replace().describe(
            "The Object Storage bucket the snapshot is written to; it must be one of the \
             cluster's buckets. Changing it creates a new snapshot.",
        ))
        .attribute(Attribute::computed("request_id", Type::String).keep_prior_value().describe(
            "The id of the createSnapshot request, for NAVER Cloud support. Unknown after an \
             import, since the API does not keep it.",
        ));
        for (name, description) in HISTORY_ATTRIBUTES {
            block = block.attribute(
                Attribute::computed(name, Type::String)
                    .keep_prior_value()
                    .describe(description),
            );
        }
        block = block
            .attribute(
                Attribute::computed("has_error_log", Type::Bool)
                    .keep_prior_value()
                    .describe(
                        "Whether the service logged an error for the snapshot; the log is in the \
                 cluster's OpenSearch Dashboards or Kibana.",
                    ),
            )
            .block(
                timeouts::BLOCK,
                Nesting::Single,
                timeouts::block(&[("create", DEFAULT_CREATE_TIMEOUT)]),
            );
        Schema::new(block)
    }

    fn validate(
        &self,
        config: &Object,
        _capabilities: ClientCapabilities,
        diagnostics: &mut Diagnostics,
    ) {
        let snapshot_name = |name: &str| validate::snapshot_name(name, 3, 30);
        validate::attribute(
            config,
            "service_group_instance_no",
            validate::cluster_number,
            diagnostics,
        );
        validate::attribute(config, "snapshot_name", snapshot_name, diagnostics);
        validate::attribute(config, "bucket_name", validate::bucket_name, diagnostics);
        timeouts::validate(config, diagnostics);
    }

    fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        let id = match (
            plan.planned.str("service_group_instance_no"),
            plan.planned.str("snapshot_name"),
        ) {
            (Some(cluster), Some(name)) => Value::from(format!("{cluster}:{name}")),
            _ => Value::Unknown,
        };
        plan.planned.set("id", id);
    }

    async fn create(&self, planned: &Object, _config: &Object) -> ApplyOutcome {
        let (client, snapshot) = match (self.data.client(), Snapshot::of(planned)) {
            (Ok(client), Ok(snapshot)) => (client, snapshot),
            (Err(diagnostics), _) | (_, Err(diagnostics)) => return failure(diagnostics),
        };
        let timeout = timeouts::get(planned, "create", DEFAULT_CREATE_TIMEOUT);
        let deadline = Instant::now() + timeout;
        let options = CallOptions::new(deadline, self.data.stop_signal().clone());
        let request = CreateSnapshotRequest {
            snapshot_name: snapshot.name.to_string(),
            bucket_name: snapshot.bucket.to_string(),
        };
        let doing = format!("creating {}", snapshot.describe());

        let mark = match client.history_mark(snapshot.cluster, &options).await {
            Ok(mark) => mark.value,
            Err(error) => return failure(api_error(&doing, &error)),
        };
        let created = match client
            .create_snapshot_after(snapshot.cluster, &request, mark, &options)
            .await
        {
            Ok(created) => created,
            Err(error) if error.is_outcome_unknown() => {
                return unconfirmed(planned, mark, &doing, &error);
            }
            Err(error) if error.is_already_exists() => return failure(duplicate(&snapshot)),
            Err(error) => return failure(api_error(&doing, &error)),
        };

        let mut state = planned.clone();
        state.set("request_id", created.request_id.clone());
        let mut diagnostics = Diagnostics::new();
        let entry = match created.entry.clone() {
            Some(entry) => Some(entry),
            None => {
                self.wait_for_history(client, &snapshot, mark, deadline, &mut diagnostics)
                    .await
            }
        };
        fill_from_history(&mut state, entry.as_ref());
        if let Some(entry) = entry.filter(|entry| entry.has_error_log) {
            diagnostics.extend(failed_snapshot(&snapshot, &entry));
        }
        ApplyOutcome {
            state: Some(state),
            private: Vec::new(),
            diagnostics,
        }
    }

    async fn read(&self, state: &Object, private: &[u8]) -> ReadOutcome {
        let keep = |diagnostics| ReadOutcome {
            state: Some(state.clone()),
            private: private.to_vec(),
            diagnostics,
        };
        let (client, snapshot) = match (self.data.client(), Snapshot::of(state)) {
            (Ok(client), Ok(snapshot)) => (client, snapshot),
            (Err(diagnostics), _) | (_, Err(diagnostics)) => return keep(diagnostics),
        };
        let options = self.data.call_options(READ_TIMEOUT);
        if let Some(mark) = Pending::decode(private) {
            return self
                .read_unconfirmed(client, state, &snapshot, mark, &options)
                .await;
        }
        let found = self
            .data
            .history(snapshot.cluster)
            .find(client, snapshot.name, &options)
            .await;
        match found {
            Ok(Some(entry)) => {
                let mut refreshed = state.clone();
                fill_from_history(&mut refreshed, Some(&entry));
                if !entry.bucket_name.is_empty() {
                    refreshed.set("bucket_name", entry.bucket_name.clone());
                }
                ReadOutcome {
                    state: Some(refreshed),
                    private: Vec::new(),
                    diagnostics: Diagnostics::new(),
                }
            }
            Ok(None) => keep(not_in_history(&snapshot)),
            Err(error) => keep(api_error(
                &format!("reading {}", snapshot.describe()),
                &error,
            )),
        }
    }

    async fn update(&self, _prior: &Object, planned: &Object, _config: &Object) -> ApplyOutcome {
        // Every argument replaces the snapshot; only the timeouts block can
        // change in place, and it lives in state alone.
        ApplyOutcome {
            state: Some(planned.clone()),
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn delete(&self, prior: &Object) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if let Ok(snapshot) = Snapshot::of(prior) {
            diagnostics.warning(
                "Snapshot Not Deleted",
                format!(
                    "The Search Engine API cannot delete snapshots, so {} was only removed from \
                     Terraform's state; it stays in bucket {:?}. To delete it, use the cluster's \
                     own snapshot API from OpenSearch Dashboards or Kibana: list the repositories \
                     with `GET _snapshot`, then `DELETE _snapshot/<repository>/{}`.",
                    snapshot.describe(),
                    snapshot.bucket,
                    snapshot.name
                ),
            );
        }
        diagnostics
    }

    async fn import(&self, id: &str) -> Result<Object, Diagnostics> {
        let (cluster, name) = parse_import_id(id)?;
        let client = self.data.client()?;
        let options = self.data.call_options(READ_TIMEOUT);
        let doing = format!("importing snapshot {name:?} of cluster {cluster}");
        let entry = self
            .data
            .history(cluster)
            .find(client, name, &options)
            .await;
        let entry = entry.map_err(|error| api_error(&doing, &error))?;
        let Some(entry) = entry else {
            return Err(Diagnostics::from_error(
                "Cannot Import Snapshot",
                format!(
                    "The snapshot history of cluster {cluster} has no snapshot named {name:?}, so \
                     there is nothing to import. Check the cluster number and the name."
                ),
            ));
        };
        let mut state = Object::default();
        state.set("id", format!("{cluster}:{name}"));
        state.set("service_group_instance_no", cluster);
        state.set("snapshot_name", name);
        state.set("bucket_name", entry.bucket_name.clone());
        fill_from_history(&mut state, Some(&entry));
        Ok(state)
    }
}

impl SnapshotResource {
    /// Looks at the history until the snapshot's entry appears, the deadline
    /// passes or Terraform asks to stop; the last two leave a warning, as the
    /// snapshot itself was accepted and is kept in state.
    async fn wait_for_history(
        &self,
        client: &Client,
        snapshot: &Snapshot<'_>,
        mark: HistoryMark,
        deadline: Instant,
        diagnostics: &mut Diagnostics,
    ) -> Option<SnapshotHistoryEntry> {
        let stop = self.data.stop_signal();
        let options = CallOptions::new(deadline, stop.clone());
        let mut pause = FIRST_POLL;
        loop {
            match client
                .find_snapshot_since(snapshot.cluster, snapshot.name, mark, &options)
                .await
            {
                Ok(found) if found.value.is_some() => return found.value,
                Ok(_) => {}
                Err(error) if error.is_stopped() || error.is_deadline_exceeded() => break,
                Err(error) => {
                    diagnostics.extend(as_warning(api_error(
                        &format!("waiting for {}", snapshot.describe()),
                        &error,
                    )));
                    return None;
                }
            }
            let now = Instant::now();
            if now + pause > deadline {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = stop.stopped() => break,
            }
            pause = (pause * 3 / 2).min(MAX_POLL);
        }
        diagnostics.warning(
            "Snapshot History Not Updated Yet",
            format!(
                "The service accepted {}, but its snapshot history did not show it before {}. \
                 The snapshot is recorded in state; the next refresh fills in its details.",
                snapshot.describe(),
                if stop.is_stopped() {
                    "Terraform stopped the provider"
                } else {
                    "the create timeout"
                }
            ),
        );
        None
    }

    /// Settles a create whose outcome was unknown: the snapshot exists when
    /// an entry newer than the mark shows it, and otherwise was never made.
    async fn read_unconfirmed(
        &self,
        client: &Client,
        state: &Object,
        snapshot: &Snapshot<'_>,
        mark: HistoryMark,
        options: &CallOptions,
    ) -> ReadOutcome {
        match client
            .find_snapshot_since(snapshot.cluster, snapshot.name, mark, options)
            .await
            .map(|r| r.value)
        {
            Ok(Some(entry)) => {
                let mut refreshed = state.clone();
                fill_from_history(&mut refreshed, Some(&entry));
                ReadOutcome {
                    state: Some(refreshed),
                    private: Vec::new(),
                    diagnostics: Diagnostics::new(),
                }
            }
            Ok(None) => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.warning(
                    "Snapshot Was Not Created",
                    format!(
                        "An earlier apply was stopped before the service confirmed {}, and the \
                         snapshot history does not show it, so it was not created. Terraform \
                         will plan to create it again.",
                        snapshot.describe()
                    ),
                );
                ReadOutcome {
                    state: None,
                    private: Vec::new(),
                    diagnostics,
                }
            }
            Err(error) => ReadOutcome {
                state: Some(state.clone()),
                private: Pending::encode(mark),
                diagnostics: api_error(&format!("reading {}", snapshot.describe()), &error),
            },
        }
    }
}

/// A create that made nothing.
fn failure(diagnostics: Diagnostics) -> ApplyOutcome {
    ApplyOutcome {
        state: None,
        private: Vec::new(),
        diagnostics,
    }
}

/// A create that was sent but not confirmed when the provider had to stop:
/// kept in state with the mark, so the next refresh can settle it, rather
/// than lost or repeated.
fn unconfirmed(
    planned: &Object,
    mark: HistoryMark,
    doing: &str,
    error: &crate::ncloud::Error,
) -> ApplyOutcome {
    let mut state = planned.clone();
    fill_from_history(&mut state, None);
    state.set("request_id", Value::Null);
    let mut diagnostics = Diagnostics::new();
    diagnostics.warning(
        "Snapshot Not Confirmed",
        format!(
            "The request was sent while {doing}, but the provider had to stop before the service \
             confirmed it ({error}). The snapshot is kept in state as unconfirmed; the next plan \
             or apply checks the snapshot history and creates it again only if it was not made."
        ),
    );
    ApplyOutcome {
        state: Some(state),
        private: Pending::encode(mark),
        diagnostics,
    }
}

fn fill_from_history(state: &mut Object, entry: Option<&SnapshotHistoryEntry>) {
    let text = |value: &str| Value::from(value.to_string());
    let values = match entry {
        Some(entry) => [
            text(&entry.cluster_name),
            text(&entry.request_type),
            text(&entry.action_date),
            text(&entry.duration),
            text(&entry.message),
        ],
        None => Default::default(),
    };
    for ((name, _), value) in HISTORY_ATTRIBUTES.iter().zip(values) {
        state.set(name, value);
    }
    state.set("has_error_log", entry.map(|entry| entry.has_error_log));
}

fn duplicate(snapshot: &Snapshot<'_>) -> Diagnostics {
    Diagnostics::from_error(
        "Snapshot Name Already Taken",
        format!(
            "Cluster {cluster} already has a snapshot named {name:?}, so the service refused to \
             create another. Choose another snapshot_name, or bring the existing snapshot under \
             Terraform's management:\n\n  terraform import {TYPE_NAME}.<name> {cluster}:{name}\n\n\
             or, with Terraform 1.5 and later, an import block:\n\n  import {{\n    to = \
             {TYPE_NAME}.<name>\n    id = \"{cluster}:{name}\"\n  }}",
            cluster = snapshot.cluster,
            name = snapshot.name,
        ),
    )
}

fn failed_snapshot(snapshot: &Snapshot<'_>, entry: &SnapshotHistoryEntry) -> Diagnostics {
    Diagnostics::from_error(
        "Snapshot Failed",
        format!(
            "The service reports that {} failed: {}. The error log is in the cluster's OpenSearch \
             Dashboards or Kibana. The snapshot stays in state marked tainted, so the next apply \
             replaces it; its name stays taken until you delete the failed snapshot through the \
             cluster's _snapshot API.",
            snapshot.describe(),
            if entry.message.is_empty() {
                "no message given"
            } else {
                &entry.message
            }
        ),
    )
}

fn not_in_history(snapshot: &Snapshot<'_>) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    diagnostics.warning(
        "Snapshot Not In History",
        format!(
            "The snapshot history of cluster {} no longer shows {:?}. The API cannot tell whether \
             the snapshot still exists, so it is kept in state unchanged. If it was deleted, \
             remove it with `terraform state rm`.",
            snapshot.cluster, snapshot.name
        ),
    );
    diagnostics
}

fn as_warning(mut diagnostics: Diagnostics) -> Diagnostics {
    for diagnostic in &mut diagnostics.0 {
        diagnostic.severity = crate::framework::Severity::Warning;
    }
    diagnostics
}

/// Splits an import id `<service_group_instance_no>:<snapshot_name>`.
fn parse_import_id(id: &str) -> Result<(&str, &str), Diagnostics> {
    let invalid = |why: String| {
        Diagnostics::from_error(
            "Invalid Import ID",
            format!(
                "The import id {id:?} {why}. Write it as the cluster number and the snapshot name \
                 joined by a colon, such as \"1037000:daily-snapshot\"."
            ),
        )
    };
    let Some((cluster, name)) = id.split_once(':') else {
        return Err(invalid("has no colon".into()));
    };
    let mut problems = validate::cluster_number(cluster)
        .into_iter()
        .map(|p| format!("its cluster number is wrong: {p}"))
        .collect::<Vec<_>>();
    problems.extend(
        validate::snapshot_name(name, 3, 30)
            .into_iter()
            .map(|p| format!("its snapshot name is wrong: {p}")),
    );
    if problems.is_empty() {
        Ok((cluster, name))
    } else {
        Err(invalid(format!(
            "is malformed: {}",
            validate::join(&problems)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Object {
        let mut object = Object::default();
        for (name, value) in pairs {
            object.set(name, *value);
        }
        object
    }

    fn resource() -> SnapshotResource {
        SnapshotResource::new(Arc::new(ProviderData::for_tests()))
    }

    #[test]
    fn validation_reports_every_problem_with_its_path() {
        let mut diagnostics = Diagnostics::new();
        let bad = config(&[
            ("service_group_instance_no", "abc"),
            ("snapshot_name", "Bad_Name"),
            ("bucket_name", "B"),
        ]);
        resource().validate(&bad, ClientCapabilities::default(), &mut diagnostics);
        let paths: Vec<String> = diagnostics
            .iter()
            .map(|d| d.attribute.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(
            paths,
            ["service_group_instance_no", "snapshot_name", "bucket_name"]
        );
    }

    #[test]
    fn unknown_values_are_left_for_later() {
        let mut unknowns = config(&[("snapshot_name", "ok-name")]);
        unknowns.set("service_group_instance_no", Value::Unknown);
        unknowns.set("bucket_name", Value::Unknown);
        let mut diagnostics = Diagnostics::new();
        resource().validate(&unknowns, ClientCapabilities::default(), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }

    #[test]
    fn import_ids_are_checked() {
        assert_eq!(
            parse_import_id("1037000:daily").unwrap(),
            ("1037000", "daily")
        );
        for bad in [
            "1037000",
            "abc:daily",
            "1037000:Daily",
            ":",
            "1037000:daily:x",
        ] {
            let error = parse_import_id(bad).unwrap_err();
            assert_eq!(error.0[0].summary, "Invalid Import ID", "{bad}");
            assert!(error.0[0].detail.contains("1037000:daily-snapshot"));
        }
    }

    #[test]
    fn pending_marks_round_trip_and_ignore_other_bytes() {
        let mark = HistoryMark { total_count: 41 };
        assert_eq!(Pending::decode(&Pending::encode(mark)), Some(mark));
        assert_eq!(Pending::decode(b""), None);
        assert_eq!(Pending::decode(b"{}"), None);
    }

    #[test]
    fn duplicate_names_give_the_import_command() {
        let detail = &duplicate(&Snapshot {
            cluster: "7",
            name: "daily",
            bucket: "b",
        })
        .0[0]
            .detail;
        assert!(detail.contains("terraform import ncloud_searchengine_snapshot.<name> 7:daily"));
        assert!(detail.contains("id = \"7:daily\""));
    }
}
