//! `ncloud_searchengine_storage_key`: the Object Storage key a Search Engine
//! cluster writes its snapshots with, set by updateAPIAuthenticationKey.
//!
//! The API can set the key but never shows it again and cannot remove it.
//! So the resource trusts its state on refresh, and on destroy only forgets
//! the key, with a warning that it stays on the cluster.
//!
//! The secret can be given two ways: `secret_key`, kept (sensitive) in
//! state, or `secret_key_wo`, a write-only attribute that Terraform 1.11 and
//! later never store. A write-only value leaves no trace to compare, so
//! `secret_key_wo_version` says when to send it again.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::errors::api_error;
use super::validate;
use crate::framework::{
    ApplyOutcome, Attribute, AttributePath, Block, ClientCapabilities, Diagnostics, Object,
    PlanContext, ReadOutcome, Resource, Schema, Type, Value,
};
use crate::ncloud::model::UpdateApiAuthenticationKeyRequest;
use crate::provider::ProviderData;

/// The resource's type name.
pub const TYPE_NAME: &str = "ncloud_searchengine_storage_key";
/// How long setting the key, with retries, may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The first Terraform version that can handle write-only attributes.
const WRITE_ONLY_VERSION: &str = "1.11";

/// The resource.
pub struct StorageKeyResource {
    data: Arc<ProviderData>,
}

impl StorageKeyResource {
    /// The resource, sharing the provider's configuration.
    pub fn new(data: Arc<ProviderData>) -> StorageKeyResource {
        StorageKeyResource { data }
    }
}

#[async_trait]
impl Resource for StorageKeyResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let block = Block::new(
            "The Object Storage key a Search Engine Service cluster uses to write snapshots to \
             its buckets. The API cannot read the key back or remove it: destroying this \
             resource leaves the key on the cluster.",
        )
        .attribute(Attribute::computed("id", Type::String).keep_prior_value().describe(
            "The key's identifier in Terraform: the cluster number.",
        ))
        .attribute(Attribute::required("service_group_instance_no", Type::String).requires_replace().describe(
            "The number of the Search Engine cluster (its serviceGroupInstanceNo), digits only. \
             Changing it sets the key on the new cluster.",
        ))
        .attribute(Attribute::required("access_key_id", Type::String).describe(
            "The Object Storage access key id. Changing it sets the new key in place.",
        ))
        .attribute(Attribute::optional("secret_key", Type::String).sensitive().describe(
            "The Object Storage secret key, kept in state marked sensitive. Set this or \
             secret_key_wo, not both.",
        ))
        .attribute(Attribute::optional("secret_key_wo", Type::String).write_only().describe(
            "The Object Storage secret key as a write-only value, never stored in plan or state; \
             needs Terraform 1.11 or later. Set this or secret_key, not both. Terraform cannot \
             see a change of it: change secret_key_wo_version to send it again.",
        ))
        .attribute(Attribute::optional("secret_key_wo_version", Type::Number).describe(
            "Any number; changing it sends secret_key_wo to the cluster again. Only used with \
             secret_key_wo.",
        ));
        Schema::new(block)
    }

    fn validate(
        &self,
        config: &Object,
        capabilities: ClientCapabilities,
        diagnostics: &mut Diagnostics,
    ) {
        for (attribute, summary, detail) in problems(config, capabilities) {
            diagnostics.error_at(AttributePath::root(attribute), summary, detail);
        }
    }

    fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        let id = plan
            .planned
            .str("service_group_instance_no")
            .map_or(Value::Unknown, |cluster| Value::from(cluster.to_string()));
        plan.planned.set("id", id);
    }

    async fn create(&self, planned: &Object, config: &Object) -> ApplyOutcome {
        self.send(planned, config, "setting").await
    }

    async fn read(&self, state: &Object, private: &[u8]) -> ReadOutcome {
        // No call reads the key back: what was set is what state says.
        ReadOutcome {
            state: Some(state.clone()),
            private: private.to_vec(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn update(&self, _prior: &Object, planned: &Object, config: &Object) -> ApplyOutcome {
        self.send(planned, config, "changing").await
    }

    async fn delete(&self, prior: &Object) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        diagnostics.warning(
            "Storage Key Left On Cluster",
            format!(
                "The Search Engine API cannot remove an Object Storage key, so the key {} of \
                 cluster {} was only removed from Terraform's state; the cluster keeps using it \
                 for snapshots. To stop that, deactivate the key in the NAVER Cloud console \
                 (My Page, API authentication key management), or give the cluster another key.",
                prior.str("access_key_id").unwrap_or("(unknown)"),
                prior
                    .str("service_group_instance_no")
                    .unwrap_or("(unknown)"),
            ),
        );
        diagnostics
    }

    async fn import(&self, _id: &str) -> Result<Object, Diagnostics> {
        Err(Diagnostics::from_error(
            "Storage Key Cannot Be Imported",
            "The Search Engine API never shows a cluster's Object Storage key, so there is \
             nothing to import it from. Declare the resource with the key instead: applying it \
             sets the same key again, which changes nothing on the cluster.",
        ))
    }
}

impl StorageKeyResource {
    /// Sends the key: the write-only secret from the configuration when
    /// given (it is never in the plan), otherwise the planned secret_key.
    async fn send(&self, planned: &Object, config: &Object, verb: &str) -> ApplyOutcome {
        let failure = |diagnostics| ApplyOutcome {
            state: None,
            private: Vec::new(),
            diagnostics,
        };
        let known = (
            planned.str("service_group_instance_no"),
            planned.str("access_key_id"),
            config.str("secret_key_wo").or(planned.str("secret_key")),
        );
        let (Some(cluster), Some(access_key_id), Some(secret)) = known else {
            let mut diagnostics = Diagnostics::new();
            diagnostics
                .provider_bug("a storage key's cluster, access key id or secret was unknown");
            return failure(diagnostics);
        };
        let client = match self.data.client() {
            Ok(client) => client,
            Err(diagnostics) => return failure(diagnostics),
        };
        let request = UpdateApiAuthenticationKeyRequest {
            access_key_id: access_key_id.to_string(),
            secret_key: secret.to_string(),
        };
        let options = self.data.call_options(CALL_TIMEOUT);

        match client
            .update_api_authentication_key(cluster, &request, &options)
            .await
        {
            Ok(_) => ApplyOutcome {
                state: Some(planned.clone()),
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            },
            Err(error) => failure(api_error(
                &format!("{verb} the Object Storage key of cluster {cluster}"),
                &error,
            )),
        }
    }
}

/// Every problem of a configuration: attribute, summary and detail.
fn problems(
    config: &Object,
    capabilities: ClientCapabilities,
) -> Vec<(&'static str, &'static str, String)> {
    let mut found = Vec::new();
    if let Some(cluster) = config.str("service_group_instance_no") {
        let problems = validate::cluster_number(cluster);
        if !problems.is_empty() {
            found.push((
                "service_group_instance_no",
                "Invalid Attribute Value",
                format!(
                    "The service_group_instance_no {cluster:?} cannot be used: {}.",
                    validate::join(&problems)
                ),
            ));
        }
    }
    if config
        .str("access_key_id")
        .is_some_and(|id| id.trim().is_empty())
    {
        found.push((
            "access_key_id",
            "Invalid Attribute Value",
            "The access_key_id is empty. Set it to the Object Storage access key id.".to_string(),
        ));
    }

    // Unknown counts as set: it will hold a value by apply time.
    let stored = !config.get("secret_key").is_null();
    let write_only = !config.get("secret_key_wo").is_null();
    let versioned = !config.get("secret_key_wo_version").is_null();
    if write_only && !capabilities.write_only_attributes_allowed {
        found.push((
            "secret_key_wo",
            "Write-Only Attribute Not Supported",
            format!(
                "secret_key_wo is a write-only attribute, and this Terraform cannot handle those: \
                 Terraform {WRITE_ONLY_VERSION} or later is needed. Upgrade Terraform, or set the \
                 secret as secret_key instead, which is kept in state marked sensitive."
            ),
        ));
    }
    match (stored, write_only) {
        (true, true) => found.push((
            "secret_key_wo",
            "Conflicting Secret Key",
            "Both secret_key and secret_key_wo are set. Set exactly one: secret_key_wo keeps the \
             secret out of state (Terraform 1.11 and later), secret_key keeps it in state marked \
             sensitive."
                .to_string(),
        )),
        (false, false) => found.push((
            "secret_key",
            "Missing Secret Key",
            "Neither secret_key nor secret_key_wo is set. Set exactly one: secret_key_wo keeps \
             the secret out of state (Terraform 1.11 and later), secret_key keeps it in state \
             marked sensitive."
                .to_string(),
        )),
        _ => {}
    }
    if versioned && !write_only {
        found.push((
            "secret_key_wo_version",
            "Version Without Write-Only Secret",
            "secret_key_wo_version only says when to send secret_key_wo again, and \
             secret_key_wo is not set. Remove secret_key_wo_version, or move the secret to \
             secret_key_wo."
                .to_string(),
        ));
    }
    for attribute in ["secret_key", "secret_key_wo"] {
        if config.str(attribute).is_some_and(|s| s.trim().is_empty()) {
            found.push((
                attribute,
                "Invalid Attribute Value",
                format!("The {attribute} is empty. Set it to the Object Storage secret key."),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRITE_ONLY: ClientCapabilities = ClientCapabilities {
        write_only_attributes_allowed: true,
    };
    const OLD_TERRAFORM: ClientCapabilities = ClientCapabilities {
        write_only_attributes_allowed: false,
    };

    fn config(pairs: &[(&str, Value)]) -> Object {
        let mut object = Object::default();
        object.set("service_group_instance_no", "1037000");
        object.set("access_key_id", "AKIDEXAMPLE");
        for (name, value) in pairs {
            object.set(name, value.clone());
        }
        object
    }

    fn found(object: &Object, capabilities: ClientCapabilities) -> Vec<(&str, &str)> {
        problems(object, capabilities)
            .into_iter()
            .map(|(attribute, summary, _)| (attribute, summary))
            .collect()
    }

    /// A name, the arguments besides the cluster and key id, what the
    /// running Terraform can do, and the problems expected.
    type Case = (
        &'static str,
        Vec<(&'static str, Value)>,
        ClientCapabilities,
        Vec<(&'static str, &'static str)>,
    );

    #[test]
    fn secret_rules_hold_on_every_terraform() {
        let cases: Vec<Case> = vec![
            (
                "stored secret",
                vec![("secret_key", "s".into())],
                OLD_TERRAFORM,
                vec![],
            ),
            (
                "write-only on 1.11",
                vec![
                    ("secret_key_wo", "s".into()),
                    ("secret_key_wo_version", 1.into()),
                ],
                WRITE_ONLY,
                vec![],
            ),
            (
                "write-only on an old Terraform",
                vec![("secret_key_wo", "s".into())],
                OLD_TERRAFORM,
                vec![("secret_key_wo", "Write-Only Attribute Not Supported")],
            ),
            (
                "both",
                vec![("secret_key", "s".into()), ("secret_key_wo", "s".into())],
                WRITE_ONLY,
                vec![("secret_key_wo", "Conflicting Secret Key")],
            ),
            (
                "neither",
                vec![],
                WRITE_ONLY,
                vec![("secret_key", "Missing Secret Key")],
            ),
            (
                "version alone",
                vec![
                    ("secret_key", "s".into()),
                    ("secret_key_wo_version", 2.into()),
                ],
                WRITE_ONLY,
                vec![("secret_key_wo_version", "Version Without Write-Only Secret")],
            ),
            (
                "unknown secret counts as set",
                vec![("secret_key", Value::Unknown)],
                OLD_TERRAFORM,
                vec![],
            ),
            (
                "empty secret",
                vec![("secret_key", "".into())],
                OLD_TERRAFORM,
                vec![("secret_key", "Invalid Attribute Value")],
            ),
        ];
        for (name, pairs, capabilities, expected) in cases {
            assert_eq!(found(&config(&pairs), capabilities), expected, "{name}");
        }
    }

    #[test]
    fn the_old_terraform_message_names_the_version_and_the_alternative() {
        let problems = problems(&config(&[("secret_key_wo", "s".into())]), OLD_TERRAFORM);
        let detail = &problems[0].2;
        assert!(
            detail.contains("1.11") && detail.contains("secret_key instead"),
            "{detail}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut object = config(&[("secret_key_wo", "s".into())]);
        object.set("service_group_instance_no", "abc");
        object.set("access_key_id", " ");
        let attributes: Vec<&str> = found(&object, OLD_TERRAFORM)
            .into_iter()
            .map(|(attribute, _)| attribute)
            .collect();
        assert_eq!(
            attributes,
            [
                "service_group_instance_no",
                "access_key_id",
                "secret_key_wo"
            ]
        );
    }
}
