//! What a provider, a resource and a data source implement.
//!
//! They see only this crate's schema, value and diagnostic types; the gRPC
//! server in [`super::server`] translates the wire to these calls and checks
//! their answers against the rules Terraform enforces.

use std::sync::Arc;

use async_trait::async_trait;

use super::diagnostics::{AttributePath, Diagnostics};
use super::schema::Schema;
use super::value::{Object, Value};

/// What the running Terraform said it can handle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// Write-only attributes (Terraform 1.11 and later).
    pub write_only_attributes_allowed: bool,
}

/// The provider block's configuration and who sent it.
#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    pub config: Object,
    /// Such as `1.11.4`.
    pub terraform_version: String,
}

/// A provider: its configuration, and the resources and data sources it
/// offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's type name, the prefix of every resource type.
    fn type_name(&self) -> &'static str;

    /// The schema of the provider block.
    fn schema(&self) -> Schema;

    /// Checks the provider block without any network access.
    fn validate(&self, _config: &Object, _diagnostics: &mut Diagnostics) {}

    /// Takes the configuration for the API calls to come. Must not call the
    /// API: a plan of new resources needs neither credentials nor network.
    async fn configure(&self, request: ConfigureRequest) -> Diagnostics;

    /// Terraform asks to stop: end every wait at once.
    fn stop(&self);

    /// The resources offered.
    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    /// The data sources offered.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
}

/// A plan in the making, handed to [`Resource::modify_plan`] after the
/// framework has applied the usual rules.
#[derive(Debug)]
pub struct PlanContext<'a> {
    /// The state before, absent when the object is to be created.
    pub prior: Option<&'a Object>,
    /// The configuration as written.
    pub config: &'a Object,
    /// The plan so far; the resource may fill in values it can know now.
    pub planned: Object,
    /// Attributes whose change replaces the object.
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

/// The outcome of a create or update.
#[derive(Debug, Default)]
pub struct ApplyOutcome {
    /// The new state; with errors, what is known of an object that exists
    /// (Terraform then marks it tainted), or `None` when nothing was made.
    pub state: Option<Object>,
    /// Bytes for the resource alone, kept in state.
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// The outcome of a read.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// The current state, or `None` when the object is gone.
    pub state: Option<Object>,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// A managed resource.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The full type name, such as `ncloud_searchengine_snapshot`.
    fn type_name(&self) -> &'static str;

    /// The resource's schema.
    fn schema(&self) -> Schema;

    /// Checks a configuration without any network access, reporting every
    /// problem at once. Unknown values are skipped: they are checked again
    /// once known.
    fn validate(
        &self,
        _config: &Object,
        _capabilities: ClientCapabilities,
        _diagnostics: &mut Diagnostics,
    ) {
    }

    /// Adjusts a plan the framework made.
    fn modify_plan(&self, _plan: &mut PlanContext<'_>) {}

    /// Creates the object.
    async fn create(&self, planned: &Object, config: &Object) -> ApplyOutcome;

    /// Reads the object as it is now.
    async fn read(&self, state: &Object, private: &[u8]) -> ReadOutcome;

    /// Updates the object in place.
    async fn update(&self, prior: &Object, planned: &Object, config: &Object) -> ApplyOutcome;

    /// Deletes the object.
    async fn delete(&self, prior: &Object) -> Diagnostics;

    /// Turns an import id into a state holding at least what identifies the
    /// object; Terraform reads the rest right after.
    async fn import(&self, id: &str) -> Result<Object, Diagnostics>;

    /// Brings a state stored by an older schema version up to date. The
    /// default accepts only the current version.
    fn upgrade(&self, version: i64, state: Value) -> Result<Value, Diagnostics> {
        let current = self.schema().version;
        if version == current {
            return Ok(state);
        }
        Err(Diagnostics::from_error(
            "Unsupported State Version",
            format!(
                "The state of this {} was written with schema version {version}, but this \
                 version of the provider knows version {current} only. Use the provider version \
                 that wrote the state, or the newest one.",
                self.type_name()
            ),
        ))
    }
}

/// A data source.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// The full type name, such as `ncloud_searchengine_buckets`.
    fn type_name(&self) -> &'static str;

    /// The data source's schema.
    fn schema(&self) -> Schema;

    /// Checks a configuration without any network access.
    fn validate(&self, _config: &Object, _diagnostics: &mut Diagnostics) {}

    /// Reads the data.
    async fn read(&self, config: &Object) -> Result<Object, Diagnostics>;
}
