//! The data sources, one file each.

pub mod buckets;
pub mod cluster;
pub mod snapshots;

use std::sync::Arc;

use crate::framework::{DataSource, Diagnostics, Object};
use crate::provider::ProviderData;
use crate::resources::validate;

/// Every data source the provider offers.
pub fn all(data: &Arc<ProviderData>) -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(snapshots::SnapshotsDataSource::new(data.clone())),
        Arc::new(buckets::BucketsDataSource::new(data.clone())),
        Arc::new(cluster::ClusterDataSource::new(data.clone())),
    ]
}

/// Checks `service_group_instance_no`, which every data source takes.
fn cluster_number_problem(config: &Object, diagnostics: &mut Diagnostics) {
    validate::attribute(
        config,
        "service_group_instance_no",
        validate::cluster_number,
        diagnostics,
    );
}

/// Terraform reads a data source only once its configuration is known, and
/// the cluster number is required: its absence is a bug.
fn missing_cluster_number() -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    diagnostics.provider_bug("a data source was read without its cluster number");
    diagnostics
}
