//! `ncloud_searchengine_snapshots`: the snapshot history of a cluster,
//! every page of it, newest first, optionally only one snapshot name.
//!
//! The history is a log of snapshot requests, not a list of the snapshots
//! that exist: a snapshot deleted through the cluster's own API stays in
//! it, and retention may drop old entries of snapshots that still exist.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{cluster_number_problem, missing_cluster_number};
use crate::framework::{
    Attribute, AttributePath, Block, DataSource, Diagnostics, Object, Schema, Type, Value,
};
use crate::ncloud::model::SnapshotHistoryEntry;
use crate::provider::ProviderData;
use crate::resources::errors::api_error;
use crate::resources::validate;

/// The data source's type name.
pub const TYPE_NAME: &str = "ncloud_searchengine_snapshots";
/// How long reading every page may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The fields of each entry, with their types and descriptions.
const ENTRY_FIELDS: [(&str, FieldType, &str); 9] = [
    ("snapshot_name", FieldType::Text, "The snapshot's name."),
    (
        "bucket_name",
        FieldType::Text,
        "The Object Storage bucket the snapshot went to.",
    ),
    ("cluster_name", FieldType::Text, "The cluster's name."),
    (
        "request_type",
        FieldType::Text,
        "The kind of request, for example a manual or a scheduled snapshot.",
    ),
    (
        "action_date",
        FieldType::Text,
        "When the snapshot was requested.",
    ),
    ("duration", FieldType::Text, "How long the snapshot took."),
    (
        "message",
        FieldType::Text,
        "The service's message about the snapshot.",
    ),
    (
        "has_error_log",
        FieldType::Flag,
        "Whether the snapshot failed; the error log is in the cluster's dashboards.",
    ),
    (
        "idx",
        FieldType::Whole,
        "The entry's position in the history.",
    ),
];

#[derive(Clone, Copy)]
enum FieldType {
    Text,
    Flag,
    Whole,
}

impl FieldType {
    fn ty(self) -> Type {
        match self {
            FieldType::Text => Type::String,
            FieldType::Flag => Type::Bool,
            FieldType::Whole => Type::Number,
        }
    }
}

/// The data source.
pub struct SnapshotsDataSource {
    data: Arc<ProviderData>,
}

impl SnapshotsDataSource {
    /// The data source, sharing the provider's configuration.
    pub fn new(data: Arc<ProviderData>) -> SnapshotsDataSource {
        SnapshotsDataSource { data }
    }
}

#[async_trait]
impl DataSource for SnapshotsDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let entry_fields = ENTRY_FIELDS
            .iter()
            .map(|(name, field, _)| (*name, field.ty()));
        let fields_described = ENTRY_FIELDS
            .iter()
            .map(|(name, _, text)| format!("`{name}`: {text}"))
            .collect::<Vec<_>>()
            .join(" ");
        let block = Block::new(
            "The snapshot history of a Search Engine Service cluster, newest first: one entry \
             per snapshot request, including failed snapshots and snapshots since deleted.",
        )
        .attribute(
            Attribute::computed("id", Type::String)
                .describe("The cluster number, and the snapshot name when filtered by one."),
        )
        .attribute(
            Attribute::required("service_group_instance_no", Type::String)
                .describe("The number of the Search Engine cluster, digits only."),
        )
        .attribute(Attribute::optional("snapshot_name", Type::String).describe(
            "Only entries of the snapshot of this name. Left out, every entry is listed.",
        ))
        .attribute(
            Attribute::computed("snapshots", Type::list(Type::object(entry_fields))).describe(
                &format!("The history entries, newest first. Each has: {fields_described}"),
            ),
        );
        Schema::new(block)
    }

    fn validate(&self, config: &Object, diagnostics: &mut Diagnostics) {
        cluster_number_problem(config, diagnostics);
        if let Some(name) = config.str("snapshot_name") {
            let problems = validate::snapshot_name(name, 3, 30);
            if !problems.is_empty() {
                diagnostics.error_at(
                    AttributePath::root("snapshot_name"),
                    "Invalid Attribute Value",
                    format!(
                        "The snapshot_name {name:?} cannot match any snapshot: {}.",
                        validate::join(&problems)
                    ),
                );
            }
        }
    }

    async fn read(&self, config: &Object) -> Result<Object, Diagnostics> {
        let cluster = config
            .str("service_group_instance_no")
            .ok_or_else(missing_cluster_number)?;
        let name = config.str("snapshot_name");
        let client = self.data.client()?;
        let options = self.data.call_options(READ_TIMEOUT);
        let history = client
            .snapshot_history_all(cluster, &options)
            .await
            .map_err(|error| {
                api_error(
                    &format!("reading the snapshot history of cluster {cluster}"),
                    &error,
                )
            })?
            .value;

        let entries = history
            .iter()
            .filter(|entry| name.is_none_or(|name| entry.snapshot_name == name))
            .map(entry_value)
            .collect();
        let mut state = config.clone();
        state.set(
            "id",
            match name {
                Some(name) => format!("{cluster}:{name}"),
                None => cluster.to_string(),
            },
        );
        state.set("snapshots", Value::List(entries));
        Ok(state)
    }
}

fn entry_value(entry: &SnapshotHistoryEntry) -> Value {
    let values: [Value; 9] = [
        entry.snapshot_name.clone().into(),
        entry.bucket_name.clone().into(),
        entry.cluster_name.clone().into(),
        entry.request_type.clone().into(),
        entry.action_date.clone().into(),
        entry.duration.clone().into(),
        entry.message.clone().into(),
        entry.has_error_log.into(),
        entry.idx.into(),
    ];
    let mut object = Object::default();
    for ((name, _, _), value) in ENTRY_FIELDS.iter().zip(values) {
        object.set(name, value);
    }
    object.into_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(pairs: &[(&str, Value)]) -> Vec<String> {
        let mut config = Object::default();
        for (name, value) in pairs {
            config.set(name, value.clone());
        }
        let mut diagnostics = Diagnostics::new();
        SnapshotsDataSource::new(Arc::new(ProviderData::for_tests()))
            .validate(&config, &mut diagnostics);
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

    /// A configuration and the attributes validation should fault.
    type Case<'a> = (&'a [(&'a str, Value)], &'a [&'a str]);

    #[test]
    fn validation_checks_each_argument_and_skips_unknowns() {
        let cases: &[Case] = &[
            (&[("service_group_instance_no", "1037000".into())], &[]),
            (
                &[
                    ("service_group_instance_no", "1037000".into()),
                    ("snapshot_name", "daily".into()),
                ],
                &[],
            ),
            (
                &[
                    ("service_group_instance_no", "no".into()),
                    ("snapshot_name", "Daily".into()),
                ],
                &["service_group_instance_no", "snapshot_name"],
            ),
            (
                &[
                    ("service_group_instance_no", Value::Unknown),
                    ("snapshot_name", Value::Unknown),
                ],
                &[],
            ),
        ];
        for (pairs, expected) in cases {
            assert_eq!(problems(pairs), *expected, "{pairs:?}");
        }
    }

    #[test]
    fn every_entry_field_is_in_the_schema_type_and_the_value() {
        let schema = SnapshotsDataSource::new(Arc::new(ProviderData::for_tests())).schema();
        let Some(attribute) = schema.block.find("snapshots") else {
            panic!("no snapshots attribute")
        };
        let Type::List(element) = &attribute.ty else {
            panic!("snapshots is not a list")
        };
        let Type::Object(fields) = element.as_ref() else {
            panic!("entries are not objects")
        };
        let Value::Object(value) = entry_value(&SnapshotHistoryEntry {
            snapshot_name: "daily".into(),
            idx: 7,
            has_error_log: true,
            ..Default::default()
        }) else {
            panic!("an entry is not an object")
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            value.keys().collect::<Vec<_>>()
        );
        assert_eq!(value["idx"], Value::from(7));
        assert_eq!(value["has_error_log"], Value::from(true));
    }
}
