//! `ncloud_searchengine_cluster`: a Search Engine cluster's details
//! (getClusterInfo), to check a cluster number or wire its ports and VPC
//! into other resources.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{cluster_number_problem, missing_cluster_number};
use crate::framework::{Attribute, Block, DataSource, Diagnostics, Object, Schema, Type, Value};
use crate::ncloud::model::ClusterInfo;
use crate::provider::ProviderData;
use crate::resources::errors::api_error;

/// The data source's type name.
pub const TYPE_NAME: &str = "ncloud_searchengine_cluster";
/// How long the call, with retries, may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The computed attributes, their types and descriptions.
const FIELDS: [(&str, FieldType, &str); 13] = [
    ("cluster_name", FieldType::Text, "The cluster's name."),
    (
        "cluster_status",
        FieldType::Text,
        "The cluster's status, such as running, creating, changing or deleting.",
    ),
    (
        "create_date",
        FieldType::Text,
        "When the cluster was created.",
    ),
    (
        "vpc_no",
        FieldType::Whole,
        "The number of the VPC the cluster is in.",
    ),
    (
        "software_product_code",
        FieldType::Text,
        "The product code of the engine image.",
    ),
    (
        "search_engine_version_code",
        FieldType::Text,
        "The engine and its version, such as OpenSearch 2.11.",
    ),
    (
        "search_engine_user_name",
        FieldType::Text,
        "The engine's administrator user name.",
    ),
    ("search_engine_port", FieldType::Whole, "The engine's port."),
    (
        "search_engine_dashboard_port",
        FieldType::Whole,
        "The port of OpenSearch Dashboards or Kibana.",
    ),
    (
        "is_dual_manager",
        FieldType::Flag,
        "Whether the cluster runs two manager nodes.",
    ),
    (
        "manager_node_count",
        FieldType::Whole,
        "How many manager nodes run.",
    ),
    (
        "data_node_count",
        FieldType::Whole,
        "How many data nodes run.",
    ),
    (
        "master_node_count",
        FieldType::Whole,
        "How many dedicated master nodes run.",
    ),
];

#[derive(Clone, Copy)]
enum FieldType {
    Text,
    Flag,
    Whole,
}

/// The data source.
pub struct ClusterDataSource {
    data: Arc<ProviderData>,
}

impl ClusterDataSource {
    /// The data source, sharing the provider's configuration.
    pub fn new(data: Arc<ProviderData>) -> ClusterDataSource {
        ClusterDataSource { data }
    }
}

#[async_trait]
impl DataSource for ClusterDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let mut block = Block::new("The details of a Search Engine Service cluster.")
            .attribute(Attribute::computed("id", Type::String).describe("The cluster number."))
            .attribute(
                Attribute::required("service_group_instance_no", Type::String)
                    .describe("The number of the Search Engine cluster, digits only."),
            );
        for (name, field, text) in FIELDS {
            let ty = match field {
                FieldType::Text => Type::String,
                FieldType::Flag => Type::Bool,
                FieldType::Whole => Type::Number,
            };
            block = block.attribute(Attribute::computed(name, ty).describe(text));
        }
        Schema::new(block)
    }

    fn validate(&self, config: &Object, diagnostics: &mut Diagnostics) {
        cluster_number_problem(config, diagnostics);
    }

    async fn read(&self, config: &Object) -> Result<Object, Diagnostics> {
        let cluster = config
            .str("service_group_instance_no")
            .ok_or_else(missing_cluster_number)?;
        let client = self.data.client()?;
        let options = self.data.call_options(READ_TIMEOUT);
        let info = match client.cluster_info(cluster, &options).await {
            Ok(info) => info.value,
            Err(error) if error.is_not_found() => return Err(no_such_cluster(cluster, &error)),
            Err(error) => {
                return Err(api_error(&format!("reading cluster {cluster}"), &error));
            }
        };

        let mut state = config.clone();
        state.set("id", cluster);
        for ((name, _, _), value) in FIELDS.iter().zip(values(&info)) {
            state.set(name, value);
        }
        Ok(state)
    }
}

/// The attribute values, in the order of [`FIELDS`].
fn values(info: &ClusterInfo) -> [Value; 13] {
    [
        info.cluster_name.clone().into(),
        info.cluster_status.clone().into(),
        info.create_date.clone().into(),
        info.vpc_no.into(),
        info.software_product_code.clone().into(),
        info.search_engine_version_code.clone().into(),
        info.search_engine_user_name.clone().into(),
        info.search_engine_port.into(),
        info.search_engine_dashboard_port.into(),
        info.is_dual_manager.into(),
        info.manager_node_count.into(),
        info.data_node_count.into(),
        info.master_node_count.into(),
    ]
}

fn no_such_cluster(cluster: &str, error: &crate::ncloud::Error) -> Diagnostics {
    Diagnostics::from_error(
        "Cluster Not Found",
        format!(
            "No Search Engine cluster has the number {cluster} in the configured region. Check \
             service_group_instance_no (the cluster's serviceGroupInstanceNo, shown in the \
             console) and the provider's region.\n\nError: {error}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_checks_the_cluster_number_and_skips_unknowns() {
        let cases: &[(Value, usize)] = &[
            ("1037000".into(), 0),
            ("12a".into(), 1),
            ("99999999999999999999".into(), 1),
            (Value::Unknown, 0),
        ];
        for (cluster, count) in cases {
            let mut config = Object::default();
            config.set("service_group_instance_no", cluster.clone());
            let mut diagnostics = Diagnostics::new();
            ClusterDataSource::new(Arc::new(ProviderData::for_tests()))
                .validate(&config, &mut diagnostics);
            assert_eq!(diagnostics.iter().count(), *count, "{cluster:?}");
        }
    }

    #[test]
    fn every_value_has_the_type_its_attribute_declares() {
        let info = ClusterInfo {
            cluster_name: "logs".into(),
            vpc_no: 10,
            is_dual_manager: true,
            ..Default::default()
        };
        let schema = ClusterDataSource::new(Arc::new(ProviderData::for_tests())).schema();
        for ((name, _, _), value) in FIELDS.iter().zip(values(&info)) {
            let ty = &schema.block.find(name).map(|a| a.ty.clone());
            let matches = matches!(
                (ty, &value),
                (Some(Type::String), Value::String(_))
                    | (Some(Type::Number), Value::Number(_))
                    | (Some(Type::Bool), Value::Bool(_))
            );
            assert!(matches, "{name}: {ty:?} and {value:?}");
        }
    }
}
