//! `ncloud_searchengine_snapshot_schedule`: the one snapshot schedule a
//! Search Engine cluster can have, set with setSnapshotScheduling.
//!
//! The API has no call that reads the schedule in force: only the scheduling
//! history, newest first, whose newest entry says what was set last and
//! whether it still holds. So the resource reads that entry, takes a
//! released schedule as gone, and refuses to create over a schedule someone
//! set outside Terraform, which setSnapshotScheduling would silently replace.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::errors::api_error;
use super::validate;
use crate::framework::{
    ApplyOutcome, Attribute, AttributePath, Block, ClientCapabilities, Diagnostics, Object,
    PlanContext, ReadOutcome, Resource, Schema, Type, Value,
};
use crate::ncloud::model::{SCHEDULE_ACTIVE, SchedulingHistoryEntry, SetSnapshotSchedulingRequest};
use crate::ncloud::{CallOptions, Client};
use crate::provider::ProviderData;

/// The resource's type name.
pub const TYPE_NAME: &str = "ncloud_searchengine_snapshot_schedule";
/// How long one call, with its retries, may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The days setSnapshotScheduling takes.
const DAYS: [&str; 8] = [
    "Everyday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// The minutes past the hour a schedule may start at.
const MINUTES: [i64; 4] = [0, 15, 30, 45];
/// The longest name scheduled snapshots may be given; the service appends
/// a date to it.
const NAME_MAX: usize = 15;

/// The resource.
pub struct ScheduleResource {
    data: Arc<ProviderData>,
}

impl ScheduleResource {
    /// The resource, sharing the provider's configuration.
    pub fn new(data: Arc<ProviderData>) -> ScheduleResource {
        ScheduleResource { data }
    }
}

#[async_trait]
impl Resource for ScheduleResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "The snapshot schedule of a Search Engine Service cluster: the service takes a \
             snapshot into an Object Storage bucket on the given day and time. A cluster has at \
             most one schedule; destroying this resource releases it.",
        )
        .attribute(Attribute::computed("id", Type::String).keep_prior_value().describe(
            "The schedule's identifier in Terraform: the cluster number, the form terraform \
             import takes.",
        ))
        .attribute(Attribute::required("service_group_instance_no", Type::String).requires_replace().describe(
            "The number of the Search Engine cluster (its serviceGroupInstanceNo), digits only. \
             Changing it releases the schedule of the old cluster and sets one on the new.",
        ))
        .attribute(Attribute::required("snapshot_name", Type::String).describe(
            "The name the scheduled snapshots are given: 3 to 15 characters of lowercase letters, \
             digits and hyphens, starting with a letter, ending with a letter or digit, without \
             two hyphens in a row.",
        ))
        .attribute(Attribute::required("bucket_name", Type::String).describe(
            "The Object Storage bucket the scheduled snapshots are written to; it must be one of \
             the cluster's buckets.",
        ))
        .attribute(Attribute::required("day", Type::String).describe(
            "The day the snapshot is taken: Everyday, or one of Sunday, Monday, Tuesday, \
             Wednesday, Thursday, Friday and Saturday.",
        ))
        .attribute(Attribute::required("hour", Type::Number).describe(
            "The hour the snapshot is taken, 0 to 23.",
        ))
        .attribute(Attribute::required("minute", Type::Number).describe(
            "The minute past the hour the snapshot is taken: 0, 15, 30 or 45.",
        ))
        .attribute(Attribute::computed("set_up_date", Type::String).describe(
            "When the schedule was last set, as the scheduling history gives it.",
        ));
        Schema::new(block)
    }

    fn validate(
        &self,
        config: &Object,
        _capabilities: ClientCapabilities,
        diagnostics: &mut Diagnostics,
    ) {
        for (attribute, problems) in problems(config) {
            diagnostics.error_at(
                AttributePath::root(attribute),
                "Invalid Attribute Value",
                format!(
                    "The {attribute} {} cannot be used: {}.",
                    shown(config.get(attribute)),
                    validate::join(&problems)
                ),
            );
        }
    }

    fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        let id = plan
            .planned
            .str("service_group_instance_no")
            .map_or(Value::Unknown, |cluster| Value::from(cluster.to_string()));
        plan.planned.set("id", id);
    }

    async fn create(&self, planned: &Object, _config: &Object) -> ApplyOutcome {
        let (client, schedule) = match (self.data.client(), Schedule::of(planned)) {
            (Ok(client), Ok(schedule)) => (client, schedule),
            (Err(diagnostics), _) | (_, Err(diagnostics)) => return failure(diagnostics),
        };
        let options = self.data.call_options(CALL_TIMEOUT);
        let doing = format!(
            "setting the snapshot schedule of cluster {}",
            schedule.cluster
        );

        match newest_entry(client, &schedule.cluster, &options).await {
            Ok(Some(entry)) if is_active(&entry) => {
                return failure(already_scheduled(&schedule.cluster, &entry));
            }
            Ok(_) => {}
            Err(error) => return failure(api_error(&doing, &error)),
        }
        self.apply(client, planned, &schedule, &options, &doing)
            .await
    }

    async fn read(&self, state: &Object, private: &[u8]) -> ReadOutcome {
        let keep = |diagnostics| ReadOutcome {
            state: Some(state.clone()),
            private: private.to_vec(),
            diagnostics,
        };
        let (client, cluster) = match (self.data.client(), state.str("service_group_instance_no")) {
            (Ok(client), Some(cluster)) => (client, cluster),
            (Err(diagnostics), _) => return keep(diagnostics),
            (_, None) => {
                let mut diagnostics = Diagnostics::new();
                diagnostics.provider_bug("a snapshot schedule in state has no cluster number");
                return keep(diagnostics);
            }
        };
        let options = self.data.call_options(CALL_TIMEOUT);
        match newest_entry(client, cluster, &options).await {
            Ok(Some(entry)) if is_active(&entry) => {
                let mut refreshed = state.clone();
                fill_from_entry(&mut refreshed, &entry);
                ReadOutcome {
                    state: Some(refreshed),
                    private: Vec::new(),
                    diagnostics: Diagnostics::new(),
                }
            }
            // Released outside Terraform, or never recorded: the schedule is
            // gone, and the next plan sets it again.
            Ok(_) => ReadOutcome::default(),
            Err(error) => keep(api_error(
                &format!("reading the snapshot schedule of cluster {cluster}"),
                &error,
            )),
        }
    }

    async fn update(&self, _prior: &Object, planned: &Object, _config: &Object) -> ApplyOutcome {
        let (client, schedule) = match (self.data.client(), Schedule::of(planned)) {
            (Ok(client), Ok(schedule)) => (client, schedule),
            (Err(diagnostics), _) | (_, Err(diagnostics)) => return failure(diagnostics),
        };
        let options = self.data.call_options(CALL_TIMEOUT);
        let doing = format!(
            "changing the snapshot schedule of cluster {}",
            schedule.cluster
        );
        self.apply(client, planned, &schedule, &options, &doing)
            .await
    }

    async fn delete(&self, prior: &Object) -> Diagnostics {
        let Some(cluster) = prior.str("service_group_instance_no") else {
            let mut diagnostics = Diagnostics::new();
            diagnostics.provider_bug("a snapshot schedule in state has no cluster number");
            return diagnostics;
        };
        let client = match self.data.client() {
            Ok(client) => client,
            Err(diagnostics) => return diagnostics,
        };
        let options = self.data.call_options(CALL_TIMEOUT);
        // Nothing to release is success too: the schedule is gone either way.
        match client.release_snapshot_scheduling(cluster, &options).await {
            Ok(_) => Diagnostics::new(),
            Err(error) => api_error(
                &format!("releasing the snapshot schedule of cluster {cluster}"),
                &error,
            ),
        }
    }

    async fn import(&self, id: &str) -> Result<Object, Diagnostics> {
        let problems = validate::cluster_number(id);
        if !problems.is_empty() {
            return Err(Diagnostics::from_error(
                "Invalid Import ID",
                format!(
                    "The import id {id:?} is not a cluster number: {}. Write the number of the \
                     cluster whose schedule to import, such as \"1037000\".",
                    validate::join(&problems)
                ),
            ));
        }
        let client = self.data.client()?;
        let options = self.data.call_options(CALL_TIMEOUT);
        let entry = newest_entry(client, id, &options).await.map_err(|error| {
            api_error(
                &format!("importing the snapshot schedule of cluster {id}"),
                &error,
            )
        })?;
        let Some(entry) = entry.filter(is_active) else {
            return Err(Diagnostics::from_error(
                "Cannot Import Snapshot Schedule",
                format!(
                    "Cluster {id} has no snapshot schedule in force, so there is nothing to \
                     import. Check the cluster number, or let Terraform create the schedule."
                ),
            ));
        };
        let mut state = Object::default();
        state.set("id", id);
        state.set("service_group_instance_no", id);
        fill_from_entry(&mut state, &entry);
        Ok(state)
    }
}

impl ScheduleResource {
    /// Sets the schedule and records what the history then shows. The
    /// schedule is in force once the call succeeds, so a history that
    /// cannot be read only leaves set_up_date empty, with a warning.
    async fn apply(
        &self,
        client: &Client,
        planned: &Object,
        schedule: &Schedule,
        options: &CallOptions,
        doing: &str,
    ) -> ApplyOutcome {
        if let Err(error) = client
            .set_snapshot_scheduling(&schedule.cluster, &schedule.request, options)
            .await
        {
            return failure(api_error(doing, &error));
        }

        let mut state = planned.clone();
        let mut diagnostics = Diagnostics::new();
        let set_up_date = match newest_entry(client, &schedule.cluster, options).await {
            Ok(Some(entry)) => entry.snapshot_scheduling_config_set_up_date,
            Ok(None) => String::new(),
            Err(error) => {
                diagnostics.warning(
                    "Schedule History Not Read",
                    format!(
                        "The schedule of cluster {} is set, but its history could not be read \
                         afterwards, so set_up_date stays empty until the next refresh.\n\n\
                         Error: {error}",
                        schedule.cluster
                    ),
                );
                String::new()
            }
        };
        state.set("set_up_date", set_up_date);
        ApplyOutcome {
            state: Some(state),
            private: Vec::new(),
            diagnostics,
        }
    }
}

/// A schedule as setSnapshotScheduling takes it, with its cluster.
struct Schedule {
    cluster: String,
    request: SetSnapshotSchedulingRequest,
}

impl Schedule {
    fn of(object: &Object) -> Result<Schedule, Diagnostics> {
        let known = (
            object.str("service_group_instance_no"),
            object.str("snapshot_name"),
            object.str("bucket_name"),
            object.str("day"),
            object.i64("hour"),
            object.i64("minute"),
        );
        let (Some(cluster), Some(name), Some(bucket), Some(day), Some(hour), Some(minute)) = known
        else {
            let mut diagnostics = Diagnostics::new();
            diagnostics.provider_bug("a snapshot schedule's arguments were not all known");
            return Err(diagnostics);
        };
        Ok(Schedule {
            cluster: cluster.to_string(),
            request: SetSnapshotSchedulingRequest {
                snapshot_name: name.to_string(),
                bucket_name: bucket.to_string(),
                scheduled_day: day.to_string(),
                scheduled_hour: hour,
                scheduled_minute: minute,
            },
        })
    }
}

/// A check of a string argument, giving every problem it finds.
type TextCheck = fn(&str) -> Vec<String>;
/// A check of a number argument, giving every problem it finds.
type NumberCheck = fn(&Value) -> Vec<String>;

/// Every problem of every known argument, by attribute.
fn problems(config: &Object) -> Vec<(&'static str, Vec<String>)> {
    let mut found = Vec::new();
    let text_checks: [(&str, TextCheck); 4] = [
        ("service_group_instance_no", validate::cluster_number),
        ("snapshot_name", |name| {
            validate::snapshot_name(name, 3, NAME_MAX)
        }),
        ("bucket_name", validate::bucket_name),
        ("day", day_problems),
    ];
    for (attribute, check) in text_checks {
        if let Some(value) = config.str(attribute) {
            found.push((attribute, check(value)));
        }
    }
    let number_checks: [(&str, NumberCheck); 2] =
        [("hour", hour_problems), ("minute", minute_problems)];
    for (attribute, check) in number_checks {
        let value = config.get(attribute);
        if value.is_wholly_known() && !value.is_null() {
            found.push((attribute, check(value)));
        }
    }
    found.retain(|(_, problems)| !problems.is_empty());
    found
}

fn day_problems(day: &str) -> Vec<String> {
    if DAYS.contains(&day) {
        return Vec::new();
    }
    let hint = DAYS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(day))
        .map(|known| format!(" (write {known:?}, with that capitalisation)"))
        .unwrap_or_default();
    vec![format!(
        "it must be one of {}{hint}",
        DAYS.map(|d| format!("{d:?}")).join(", ")
    )]
}

fn hour_problems(hour: &Value) -> Vec<String> {
    match hour.as_i64() {
        Some(hour) if (0..=23).contains(&hour) => Vec::new(),
        _ => vec!["it must be a whole number from 0 to 23".to_string()],
    }
}

fn minute_problems(minute: &Value) -> Vec<String> {
    match minute.as_i64() {
        Some(minute) if MINUTES.contains(&minute) => Vec::new(),
        _ => vec!["it must be 0, 15, 30 or 45".to_string()],
    }
}

/// A value as a user wrote it, for messages.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        Value::Number(number) => number.to_string(),
        other => format!("{other:?}"),
    }
}

/// The newest entry of the scheduling history, which says what is in force.
async fn newest_entry(
    client: &Client,
    cluster: &str,
    options: &CallOptions,
) -> Result<Option<SchedulingHistoryEntry>, crate::ncloud::Error> {
    let page = client
        .snapshot_scheduling_history(cluster, 1, 1, options)
        .await?;
    Ok(page
        .value
        .snapshot_scheduling_history_list
        .into_iter()
        .next())
}

fn is_active(entry: &SchedulingHistoryEntry) -> bool {
    entry.snapshot_scheduling_status == SCHEDULE_ACTIVE
}

/// Copies a history entry into a state. A time the history writes in an
/// unexpected shape leaves hour and minute as they were rather than failing
/// the refresh.
fn fill_from_entry(state: &mut Object, entry: &SchedulingHistoryEntry) {
    state.set("snapshot_name", entry.snapshot_name.clone());
    state.set("bucket_name", entry.bucket_name.clone());
    state.set("day", entry.snapshot_scheduling_set_up_day.clone());
    if let Some((hour, minute)) = parse_time(&entry.snapshot_scheduling_set_up_time) {
        state.set("hour", hour);
        state.set("minute", minute);
    }
    state.set(
        "set_up_date",
        entry.snapshot_scheduling_config_set_up_date.clone(),
    );
}

/// Reads the history's `HH:MM`.
fn parse_time(time: &str) -> Option<(i64, i64)> {
    let (hour, minute) = time.trim().split_once(':')?;
    Some((hour.parse().ok()?, minute.parse().ok()?))
}

/// A create that made nothing.
fn failure(diagnostics: Diagnostics) -> ApplyOutcome {
    ApplyOutcome {
        state: None,
        private: Vec::new(),
        diagnostics,
    }
}

fn already_scheduled(cluster: &str, entry: &SchedulingHistoryEntry) -> Diagnostics {
    Diagnostics::from_error(
        "Snapshot Schedule Already Set",
        format!(
            "Cluster {cluster} already has a snapshot schedule ({} at {}, snapshots named {:?} \
             into bucket {:?}), set outside this configuration. A cluster has one schedule, and \
             setting another would silently replace it, so nothing was changed. Bring the \
             existing schedule under Terraform's management, then change it here:\n\n  \
             terraform import {TYPE_NAME}.<name> {cluster}\n\nor, with Terraform 1.5 and later, \
             an import block:\n\n  import {{\n    to = {TYPE_NAME}.<name>\n    id = \
             \"{cluster}\"\n  }}\n\nOr release the schedule in the console first.",
            entry.snapshot_scheduling_set_up_day,
            entry.snapshot_scheduling_set_up_time,
            entry.snapshot_name,
            entry.bucket_name,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Object {
        let mut object = Object::default();
        for (name, value) in pairs {
            object.set(name, value.clone());
        }
        object
    }

    fn valid() -> Vec<(&'static str, Value)> {
        vec![
            ("service_group_instance_no", "1037000".into()),
            ("snapshot_name", "nightly".into()),
            ("bucket_name", "ses-snapshots".into()),
            ("day", "Everyday".into()),
            ("hour", 3.into()),
            ("minute", 30.into()),
        ]
    }

    fn paths(object: &Object) -> Vec<String> {
        let mut diagnostics = Diagnostics::new();
        ScheduleResource::new(Arc::new(ProviderData::for_tests())).validate(
            object,
            ClientCapabilities::default(),
            &mut diagnostics,
        );
        diagnostics
            .iter()
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn each_bad_value_is_reported_at_its_attribute() {
        let cases: &[(&str, Value)] = &[
            ("service_group_instance_no", "cluster-1".into()),
            ("snapshot_name", "sixteen-chars-xx".into()),
            ("snapshot_name", "Nightly".into()),
            ("bucket_name", "B".into()),
            ("day", "everyday".into()),
            ("day", "Weekdays".into()),
            ("hour", 24.into()),
            ("hour", (-1).into()),
            ("minute", 10.into()),
            ("minute", 60.into()),
        ];
        for (attribute, bad) in cases {
            let mut object = config(&valid());
            object.set(attribute, bad.clone());
            assert_eq!(paths(&object), [*attribute], "{attribute} = {bad:?}");
        }
    }

    #[test]
    fn good_values_pass_and_every_problem_is_reported_at_once() {
        assert!(paths(&config(&valid())).is_empty());
        for day in DAYS {
            let mut object = config(&valid());
            object.set("day", day);
            assert!(paths(&object).is_empty(), "{day}");
        }
        let all_bad = config(&[
            ("service_group_instance_no", "x".into()),
            ("snapshot_name", "a".into()),
            ("bucket_name", "B".into()),
            ("day", "Funday".into()),
            ("hour", 99.into()),
            ("minute", 1.into()),
        ]);
        assert_eq!(paths(&all_bad).len(), 6);
    }

    #[test]
    fn unknown_values_are_left_for_later() {
        let mut object = config(&valid());
        for attribute in ["service_group_instance_no", "day", "hour", "minute"] {
            object.set(attribute, Value::Unknown);
        }
        assert!(paths(&object).is_empty());
    }

    #[test]
    fn a_wrongly_capitalised_day_gets_the_right_spelling() {
        let problems = day_problems("monday");
        assert!(problems[0].contains("write \"Monday\""), "{problems:?}");
    }

    #[test]
    fn history_times_are_read_and_odd_ones_ignored() {
        assert_eq!(parse_time("03:30"), Some((3, 30)));
        assert_eq!(parse_time("23:45"), Some((23, 45)));
        for odd in ["", "3", "aa:bb", "03-30"] {
            assert_eq!(parse_time(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn an_existing_schedule_gives_the_import_command() {
        let entry = SchedulingHistoryEntry {
            snapshot_name: "console".into(),
            bucket_name: "ses-snapshots".into(),
            snapshot_scheduling_set_up_day: "Monday".into(),
            snapshot_scheduling_set_up_time: "01:15".into(),
            snapshot_scheduling_status: SCHEDULE_ACTIVE.into(),
            ..Default::default()
        };
        let detail = &already_scheduled("1037000", &entry).0[0].detail;
        assert!(
            detail
                .contains("terraform import ncloud_searchengine_snapshot_schedule.<name> 1037000")
        );
        assert!(detail.contains("Monday at 01:15"));
    }
}
