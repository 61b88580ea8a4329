//! `ncloud_searchengine_buckets`: the Object Storage buckets a cluster can
//! write snapshots to (getBucketList), to check or pick a `bucket_name`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{cluster_number_problem, missing_cluster_number};
use crate::framework::{Attribute, Block, DataSource, Diagnostics, Object, Schema, Type, Value};
use crate::ncloud::model::Bucket;
use crate::provider::ProviderData;
use crate::resources::errors::api_error;

/// The data source's type name.
pub const TYPE_NAME: &str = "ncloud_searchengine_buckets";
/// How long the call, with retries, may take.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The fields of each bucket, with descriptions; all but `name` and
/// `protection_state` are numbers.
const BUCKET_FIELDS: [(&str, &str); 5] = [
    ("name", "The bucket's name, the value bucket_name takes."),
    ("bytes_used", "Bytes stored in the bucket."),
    ("object_count", "Objects stored in the bucket."),
    (
        "creation_time",
        "When the bucket was created, as the API gives it: a Unix timestamp.",
    ),
    (
        "protection_state",
        "Whether the bucket is protected from deletion: ENABLED or DISABLED.",
    ),
];

/// The data source.
pub struct BucketsDataSource {
    data: Arc<ProviderData>,
}

impl BucketsDataSource {
    /// The data source, sharing the provider's configuration.
    pub fn new(data: Arc<ProviderData>) -> BucketsDataSource {
        BucketsDataSource { data }
    }
}

fn field_type(name: &str) -> Type {
    match name {
        "name" | "protection_state" => Type::String,
        _ => Type::Number,
    }
}

#[async_trait]
impl DataSource for BucketsDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let fields = BUCKET_FIELDS
            .iter()
            .map(|(name, _)| (*name, field_type(name)));
        let described = BUCKET_FIELDS
            .iter()
            .map(|(name, text)| format!("`{name}`: {text}"))
            .collect::<Vec<_>>()
            .join(" ");
        let block = Block::new(
            "The Object Storage buckets a Search Engine Service cluster can write snapshots to.",
        )
        .attribute(Attribute::computed("id", Type::String).describe("The cluster number."))
        .attribute(
            Attribute::required("service_group_instance_no", Type::String)
                .describe("The number of the Search Engine cluster, digits only."),
        )
        .attribute(
            Attribute::computed("buckets", Type::list(Type::object(fields))).describe(&format!(
                "The buckets, as the API lists them. Each has: {described}"
            )),
        );
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
        let list = client
            .bucket_list(cluster, &options)
            .await
            .map_err(|error| {
                api_error(&format!("listing the buckets of cluster {cluster}"), &error)
            })?
            .value;

        let mut state = config.clone();
        state.set("id", cluster);
        state.set(
            "buckets",
            Value::List(list.bucket_list.iter().map(bucket_value).collect()),
        );
        Ok(state)
    }
}

fn bucket_value(bucket: &Bucket) -> Value {
    let values: [Value; 5] = [
        bucket.name.clone().into(),
        bucket.bytes_used.into(),
        bucket.object_count.into(),
        bucket.creation_time.into(),
        bucket.bucket_protection_state.clone().into(),
    ];
    let mut object = Object::default();
    for ((name, _), value) in BUCKET_FIELDS.iter().zip(values) {
        object.set(name, value);
    }
    object.into_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_checks_the_cluster_number_and_skips_unknowns() {
        let cases: &[(Value, usize)] = &[
            ("1037000".into(), 0),
            ("cluster".into(), 1),
            ("".into(), 1),
            (Value::Unknown, 0),
        ];
        for (cluster, count) in cases {
            let mut config = Object::default();
            config.set("service_group_instance_no", cluster.clone());
            let mut diagnostics = Diagnostics::new();
            BucketsDataSource::new(Arc::new(ProviderData::for_tests()))
                .validate(&config, &mut diagnostics);
            assert_eq!(diagnostics.iter().count(), *count, "{cluster:?}");
        }
    }

    #[test]
    fn a_bucket_value_matches_the_schema_type() {
        let schema = BucketsDataSource::new(Arc::new(ProviderData::for_tests())).schema();
        let Some(Type::List(element)) = schema.block.find("buckets").map(|a| a.ty.clone()) else {
            panic!("buckets is not a list")
        };
        let Type::Object(fields) = *element else {
            panic!("a bucket is not an object")
        };
        let Value::Object(value) = bucket_value(&Bucket {
            name: "ses-snapshots".into(),
            bytes_used: 2048,
            object_count: 2,
            creation_time: 1_704_067_200_000,
            bucket_protection_state: "DISABLED".into(),
        }) else {
            panic!("not an object")
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            value.keys().collect::<Vec<_>>()
        );
        assert_eq!(value["bytes_used"], Value::from(2048));
        assert_eq!(value["protection_state"], Value::from("DISABLED"));
    }
}
