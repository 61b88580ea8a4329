//! The managed resources, one file each.

pub mod errors;
pub mod history;
pub mod schedule;
pub mod snapshot;
pub mod storage_key;
pub mod validate;

use std::sync::Arc;

use crate::framework::Resource;
use crate::provider::ProviderData;

/// Every resource the provider offers.
pub fn all(data: &Arc<ProviderData>) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(snapshot::SnapshotResource::new(data.clone())),
        Arc::new(schedule::ScheduleResource::new(data.clone())),
        Arc::new(storage_key::StorageKeyResource::new(data.clone())),
    ]
}
