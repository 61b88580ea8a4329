//! The `tfplugin6.Provider` gRPC service over a [`Provider`].
//!
//! Every RPC follows one recipe: log the request, convert the wire types in,
//! call the provider, convert the answer out, log the diagnostics. A panic
//! below becomes an error diagnostic asking for a bug report, and the
//! process keeps serving.

mod convert;
mod unsupported;

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;
use tonic::{Request, Response, Status};
use tracing::Instrument as _;

use crate::framework::diagnostics::Diagnostics;
use crate::framework::planning;
use crate::framework::resource::{ApplyOutcome, ConfigureRequest, DataSource, Provider, Resource};
use crate::framework::schema::Schema;
use crate::framework::value::{Object, Type, Value};
use crate::proto::tfplugin6 as wire;
use convert::{capabilities_in, diagnostics_out, object_in, object_out, schema_out, value_in};

/// The service Terraform talks to.
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    resources: HashMap<&'static str, Typed<Arc<dyn Resource>>>,
    data_sources: HashMap<&'static str, Typed<Arc<dyn DataSource>>>,
}

/// A resource or data source with its schema, computed once.
struct Typed<T> {
    inner: T,
    schema: Schema,
    ty: Type,
}

impl<T> Typed<T> {
    fn new(inner: T, schema: Schema) -> Typed<T> {
        let ty = schema.value_type();
        Typed { inner, schema, ty }
    }
}

impl ProviderService {
    /// Serves `provider`.
    pub fn new(provider: Arc<dyn Provider>) -> ProviderService {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name(), Typed::new(r.clone(), r.schema())))
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name(), Typed::new(d.clone(), d.schema())))
            .collect();
        ProviderService {
            provider_schema: provider.schema(),
            provider,
            resources,
            data_sources,
        }
    }

    fn resource(&self, type_name: &str) -> Result<&Typed<Arc<dyn Resource>>, Diagnostics> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source(&self, type_name: &str) -> Result<&Typed<Arc<dyn DataSource>>, Diagnostics> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}

fn unknown_type(kind: &str, type_name: &str) -> Diagnostics {
    Diagnostics::from_error(
        "Unknown Type",
        format!(
            "This provider has no {kind} type {type_name:?}. Check the name in your \
             configuration, and that it uses source \"ncloud-rs/ncloud\"."
        ),
    )
}

/// A response that carries diagnostics, so a failure of any kind can be
/// answered in the RPC's own shape.
trait WithDiagnostics: Default {
    fn diagnostics_mut(&mut self) -> &mut Vec<wire::Diagnostic>;

    fn from_diagnostics(diagnostics: &Diagnostics) -> Self {
        let mut response = Self::default();
        *response.diagnostics_mut() = diagnostics_out(diagnostics);
        response
    }
}

macro_rules! with_diagnostics {
    ($($message:ident),* $(,)?) => {
        $(impl WithDiagnostics for wire::$message::Response {
            fn diagnostics_mut(&mut self) -> &mut Vec<wire::Diagnostic> {
                &mut self.diagnostics
            }
        })*
    };
}

with_diagnostics!(
    get_metadata,
    get_provider_schema,
    validate_provider_config,
    validate_resource_config,
    validate_data_resource_config,
    upgrade_resource_state,
    configure_provider,
    read_resource,
    plan_resource_change,
    apply_resource_change,
    import_resource_state,
    read_data_source,
    get_resource_identity_schemas,
    upgrade_resource_identity,
    move_resource_state,
    generate_resource_config,
    validate_ephemeral_resource_config,
    open_ephemeral_resource,
    renew_ephemeral_resource,
    close_ephemeral_resource,
    validate_list_resource_config,
    get_functions,
    validate_state_store,
    configure_state_store,
    get_states,
    delete_state,
    lock_state,
    unlock_state,
    plan_action,
    validate_action_config,
);

/// Runs one RPC: logs it, turns a panic into a diagnostic, and answers.
async fn serve<T: WithDiagnostics>(
    rpc: &'static str,
    type_name: &str,
    work: impl Future<Output = T>,
) -> Result<Response<T>, Status> {
    let span = tracing::info_span!("rpc", tf_rpc = rpc, tf_resource_type = type_name);
    async move {
        tracing::trace!("received request");
        let mut response = match AssertUnwindSafe(work).catch_unwind().await {
            Ok(response) => response,
            Err(panic) => {
                let message = panic_message(panic.as_ref());
                tracing::error!(panic = %message, "request handler panicked");
                let mut diagnostics = Diagnostics::new();
                diagnostics.provider_bug(format!("{rpc} panicked: {message}"));
                T::from_diagnostics(&diagnostics)
            }
        };
        let errors = response.diagnostics_mut().len();
        tracing::trace!(diagnostics = errors, "served request");
        Ok(Response::new(response))
    }
    .instrument(span)
    .await
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Turns `Result<Response, Diagnostics>` into the response.
fn settle<T: WithDiagnostics>(result: Result<T, Diagnostics>) -> T {
    result.unwrap_or_else(|diagnostics| T::from_diagnostics(&diagnostics))
}

/// What this server offers beyond the protocol's minimum.
///
/// Every schema is built once in [`ProviderService::new`] and no RPC depends
/// on GetProviderSchema having been called, so Terraform 1.6 and later may
/// skip that call in the provider processes after its first, using the
/// schema it has cached.
fn server_capabilities() -> wire::ServerCapabilities {
    wire::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: true,
        ..Default::default()
    }
}

#[tonic::async_trait]
impl wire::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<wire::get_metadata::Request>,
    ) -> Result<Response<wire::get_metadata::Response>, Status> {
        serve("GetMetadata", "", async {
            wire::get_metadata::Response {
                server_capabilities: Some(server_capabilities()),
                resources: self
                    .resources
                    .keys()
                    .map(|name| wire::get_metadata::ResourceMetadata {
                        type_name: name.to_string(),
                    })
                    .collect(),
                data_sources: self
                    .data_sources
                    .keys()
                    .map(|name| wire::get_metadata::DataSourceMetadata {
                        type_name: name.to_string(),
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .await
    }

    async fn get_provider_schema(
        &self,
        _request: Request<wire::get_provider_schema::Request>,
    ) -> Result<Response<wire::get_provider_schema::Response>, Status> {
        serve("GetProviderSchema", "", async {
            wire::get_provider_schema::Response {
                provider: Some(schema_out(&self.provider_schema)),
                resource_schemas: self
                    .resources
                    .iter()
                    .map(|(name, r)| (name.to_string(), schema_out(&r.schema)))
                    .collect(),
                data_source_schemas: self
                    .data_sources
                    .iter()
                    .map(|(name, d)| (name.to_string(), schema_out(&d.schema)))
                    .collect(),
                server_capabilities: Some(server_capabilities()),
                ..Default::default()
            }
        })
        .await
    }

    async fn validate_provider_config(
        &self,
        request: Request<wire::validate_provider_config::Request>,
    ) -> Result<Response<wire::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        serve("ValidateProviderConfig", "", async {
            let ty = self.provider_schema.value_type();
            let mut diagnostics = Diagnostics::new();
            match object_in(request.config.as_ref(), &ty) {
                Ok(config) => self
                    .provider
                    .validate(&config.unwrap_or_default(), &mut diagnostics),
                Err(error) => diagnostics.extend(error),
            }
            wire::validate_provider_config::Response::from_diagnostics(&diagnostics)
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<wire::validate_resource_config::Request>,
    ) -> Result<Response<wire::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        serve(
            "ValidateResourceConfig",
            &request.type_name.clone(),
            async {
                let mut diagnostics = Diagnostics::new();
                let checked = self.resource(&request.type_name).and_then(|resource| {
                    let config =
                        object_in(request.config.as_ref(), &resource.ty)?.unwrap_or_default();
                    let capabilities = capabilities_in(request.client_capabilities.as_ref());
                    resource
                        .inner
                        .validate(&config, capabilities, &mut diagnostics);
                    Ok(())
                });
                if let Err(error) = checked {
                    diagnostics.extend(error);
                }
                wire::validate_resource_config::Response::from_diagnostics(&diagnostics)
            },
        )
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<wire::validate_data_resource_config::Request>,
    ) -> Result<Response<wire::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        serve(
            "ValidateDataResourceConfig",
            &request.type_name.clone(),
            async {
                let mut diagnostics = Diagnostics::new();
                let checked = self.data_source(&request.type_name).and_then(|source| {
                    let config =
                        object_in(request.config.as_ref(), &source.ty)?.unwrap_or_default();
                    source.inner.validate(&config, &mut diagnostics);
                    Ok(())
                });
                if let Err(error) = checked {
                    diagnostics.extend(error);
                }
                wire::validate_data_resource_config::Response::from_diagnostics(&diagnostics)
            },
        )
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<wire::upgrade_resource_state::Request>,
    ) -> Result<Response<wire::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        serve("UpgradeResourceState", &request.type_name.clone(), async {
            settle(self.upgrade(request))
        })
        .await
    }

    async fn configure_provider(
        &self,
        request: Request<wire::configure_provider::Request>,
    ) -> Result<Response<wire::configure_provider::Response>, Status> {
        let request = request.into_inner();
        serve("ConfigureProvider", "", async {
            let ty = self.provider_schema.value_type();
            let diagnostics = match object_in(request.config.as_ref(), &ty) {
                Ok(config) => {
                    let config = config.unwrap_or_default();
                    let terraform_version = request.terraform_version;
                    self.provider
                        .configure(ConfigureRequest {
                            config,
                            terraform_version,
                        })
                        .await
                }
                Err(error) => error,
            };
            wire::configure_provider::Response::from_diagnostics(&diagnostics)
        })
        .await
    }

    async fn read_resource(
        &self,
        request: Request<wire::read_resource::Request>,
    ) -> Result<Response<wire::read_resource::Response>, Status> {
        let request = request.into_inner();
        serve("ReadResource", &request.type_name.clone(), async {
            let result = self.read(request).await;
            settle(result)
        })
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<wire::plan_resource_change::Request>,
    ) -> Result<Response<wire::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        serve("PlanResourceChange", &request.type_name.clone(), async {
            settle(self.plan(request))
        })
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<wire::apply_resource_change::Request>,
    ) -> Result<Response<wire::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        serve("ApplyResourceChange", &request.type_name.clone(), async {
            let result = self.apply(request).await;
            settle(result)
        })
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<wire::import_resource_state::Request>,
    ) -> Result<Response<wire::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        serve("ImportResourceState", &request.type_name.clone(), async {
            let result = self.import(request).await;
            settle(result)
        })
        .await
    }

    async fn read_data_source(
        &self,
        request: Request<wire::read_data_source::Request>,
    ) -> Result<Response<wire::read_data_source::Response>, Status> {
        let request = request.into_inner();
        serve("ReadDataSource", &request.type_name.clone(), async {
            let result = self.read_data(request).await;
            settle(result)
        })
        .await
    }

    async fn stop_provider(
        &self,
        _request: Request<wire::stop_provider::Request>,
    ) -> Result<Response<wire::stop_provider::Response>, Status> {
        tracing::debug!(tf_rpc = "StopProvider", "stopping work in flight");
        self.provider.stop();
        Ok(Response::new(wire::stop_provider::Response {
            error: String::new(),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<wire::get_resource_identity_schemas::Request>,
    ) -> Result<Response<wire::get_resource_identity_schemas::Response>, Status> {
        // Terraform asks every provider; no identity schemas is a fine answer.
        serve("GetResourceIdentitySchemas", "", async {
            Default::default()
        })
        .await
    }

    async fn get_functions(
        &self,
        _request: Request<wire::get_functions::Request>,
    ) -> Result<Response<wire::get_functions::Response>, Status> {
        serve("GetFunctions", "", async { Default::default() }).await
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<wire::upgrade_resource_identity::Request>,
    ) -> Result<Response<wire::upgrade_resource_identity::Response>, Status> {
        not_offered(
            "UpgradeResourceIdentity",
            &request.get_ref().type_name,
            "resource identities",
        )
        .await
    }

    async fn move_resource_state(
        &self,
        request: Request<wire::move_resource_state::Request>,
    ) -> Result<Response<wire::move_resource_state::Response>, Status> {
        let type_name = request.get_ref().target_type_name.clone();
        not_offered(
            "MoveResourceState",
            &type_name,
            "moves between resource types",
        )
        .await
    }

    async fn generate_resource_config(
        &self,
        request: Request<wire::generate_resource_config::Request>,
    ) -> Result<Response<wire::generate_resource_config::Response>, Status> {
        not_offered(
            "GenerateResourceConfig",
            &request.get_ref().type_name,
            "configuration generation",
        )
        .await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<wire::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<wire::validate_ephemeral_resource_config::Response>, Status> {
        let type_name = request.get_ref().type_name.clone();
        not_offered(
            "ValidateEphemeralResourceConfig",
            &type_name,
            "ephemeral resources",
        )
        .await
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<wire::open_ephemeral_resource::Request>,
    ) -> Result<Response<wire::open_ephemeral_resource::Response>, Status> {
        not_offered(
            "OpenEphemeralResource",
            &request.get_ref().type_name,
            "ephemeral resources",
        )
        .await
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<wire::renew_ephemeral_resource::Request>,
    ) -> Result<Response<wire::renew_ephemeral_resource::Response>, Status> {
        not_offered(
            "RenewEphemeralResource",
            &request.get_ref().type_name,
            "ephemeral resources",
        )
        .await
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<wire::close_ephemeral_resource::Request>,
    ) -> Result<Response<wire::close_ephemeral_resource::Response>, Status> {
        not_offered(
            "CloseEphemeralResource",
            &request.get_ref().type_name,
            "ephemeral resources",
        )
        .await
    }

    async fn list_resource(
        &self,
        _request: Request<wire::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<wire::list_resource::Event>>, Status> {
        Ok(Response::new(unsupported::list_resource()))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<wire::validate_list_resource_config::Request>,
    ) -> Result<Response<wire::validate_list_resource_config::Response>, Status> {
        let type_name = request.get_ref().type_name.clone();
        not_offered("ValidateListResourceConfig", &type_name, "list resources").await
    }

    async fn call_function(
        &self,
        request: Request<wire::call_function::Request>,
    ) -> Result<Response<wire::call_function::Response>, Status> {
        Ok(Response::new(unsupported::call_function(
            &request.get_ref().name,
        )))
    }

    async fn validate_state_store_config(
        &self,
        request: Request<wire::validate_state_store::Request>,
    ) -> Result<Response<wire::validate_state_store::Response>, Status> {
        not_offered(
            "ValidateStateStoreConfig",
            &request.get_ref().type_name,
            "state stores",
        )
        .await
    }

    async fn configure_state_store(
        &self,
        request: Request<wire::configure_state_store::Request>,
    ) -> Result<Response<wire::configure_state_store::Response>, Status> {
        not_offered(
            "ConfigureStateStore",
            &request.get_ref().type_name,
            "state stores",
        )
        .await
    }

    async fn read_state_bytes(
        &self,
        _request: Request<wire::read_state_bytes::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<wire::read_state_bytes::Response>>, Status> {
        Ok(Response::new(unsupported::read_state_bytes()))
    }

    async fn write_state_bytes(
        &self,
        _request: Request<tonic::Streaming<wire::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<wire::write_state_bytes::Response>, Status> {
        let diagnostics = convert::diagnostics_out(&unsupported::not_offered("state stores"));
        Ok(Response::new(wire::write_state_bytes::Response {
            diagnostics,
        }))
    }

    async fn lock_state(
        &self,
        request: Request<wire::lock_state::Request>,
    ) -> Result<Response<wire::lock_state::Response>, Status> {
        not_offered("LockState", &request.get_ref().type_name, "state stores").await
    }

    async fn unlock_state(
        &self,
        request: Request<wire::unlock_state::Request>,
    ) -> Result<Response<wire::unlock_state::Response>, Status> {
        not_offered("UnlockState", &request.get_ref().type_name, "state stores").await
    }

    async fn get_states(
        &self,
        request: Request<wire::get_states::Request>,
    ) -> Result<Response<wire::get_states::Response>, Status> {
        not_offered("GetStates", &request.get_ref().type_name, "state stores").await
    }

    async fn delete_state(
        &self,
        request: Request<wire::delete_state::Request>,
    ) -> Result<Response<wire::delete_state::Response>, Status> {
        not_offered("DeleteState", &request.get_ref().type_name, "state stores").await
    }

    async fn plan_action(
        &self,
        request: Request<wire::plan_action::Request>,
    ) -> Result<Response<wire::plan_action::Response>, Status> {
        not_offered("PlanAction", &request.get_ref().action_type, "actions").await
    }

    async fn invoke_action(
        &self,
        _request: Request<wire::invoke_action::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<wire::invoke_action::Event>>, Status> {
        Ok(Response::new(unsupported::invoke_action()))
    }

    async fn validate_action_config(
        &self,
        request: Request<wire::validate_action_config::Request>,
    ) -> Result<Response<wire::validate_action_config::Response>, Status> {
        not_offered(
            "ValidateActionConfig",
            &request.get_ref().type_name,
            "actions",
        )
        .await
    }
}

/// Answers an RPC of a feature this provider does not offer.
async fn not_offered<T: WithDiagnostics>(
    rpc: &'static str,
    type_name: &str,
    feature: &str,
) -> Result<Response<T>, Status> {
    serve(rpc, type_name, async {
        T::from_diagnostics(&unsupported::not_offered(feature))
    })
    .await
}

impl ProviderService {
    fn upgrade(
        &self,
        request: wire::upgrade_resource_state::Request,
    ) -> Result<wire::upgrade_resource_state::Response, Diagnostics> {
        let resource = self.resource(&request.type_name)?;
        let raw = request.raw_state.unwrap_or_default();
        if raw.json.is_empty() && !raw.flatmap.is_empty() {
            return Err(Diagnostics::from_error(
                "Unsupported State Format",
                "This state was written in the flat-map format of Terraform 0.11 and older, \
                 which this provider never wrote. Remove the resource from state and import it.",
            ));
        }
        let dynamic = wire::DynamicValue {
            msgpack: Vec::new(),
            json: raw.json,
        };
        let value = value_in(Some(&dynamic), &resource.ty)?;
        let upgraded = resource.inner.upgrade(request.version, value)?;
        let upgraded = match upgraded {
            Value::Object(fields) => resource.schema.block.complete(Object(fields)).into_value(),
            other => other,
        };
        Ok(wire::upgrade_resource_state::Response {
            upgraded_state: Some(convert::value_out(&upgraded, &resource.ty)),
            diagnostics: Vec::new(),
        })
    }

    async fn read(
        &self,
        request: wire::read_resource::Request,
    ) -> Result<wire::read_resource::Response, Diagnostics> {
        let resource = self.resource(&request.type_name)?;
        let Some(state) = object_in(request.current_state.as_ref(), &resource.ty)? else {
            return Ok(wire::read_resource::Response {
                new_state: Some(object_out(None, &resource.ty)),
                ..Default::default()
            });
        };
        let outcome = resource.inner.read(&state, &request.private).await;
        let new_state = outcome
            .state
            .map(|state| finish_state(&resource.schema, state, outcome.diagnostics.has_errors()));
        Ok(wire::read_resource::Response {
            new_state: Some(object_out(new_state, &resource.ty)),
            private: outcome.private,
            diagnostics: diagnostics_out(&outcome.diagnostics),
            ..Default::default()
        })
    }

    fn plan(
        &self,
        request: wire::plan_resource_change::Request,
    ) -> Result<wire::plan_resource_change::Response, Diagnostics> {
        let resource = self.resource(&request.type_name)?;
        let prior = object_in(request.prior_state.as_ref(), &resource.ty)?;
        let proposed = object_in(request.proposed_new_state.as_ref(), &resource.ty)?;
        let config = object_in(request.config.as_ref(), &resource.ty)?;
        let plan = planning::plan(
            resource.inner.as_ref(),
            &resource.schema,
            prior.as_ref(),
            proposed,
            config.as_ref(),
        );
        Ok(wire::plan_resource_change::Response {
            planned_state: Some(object_out(plan.planned, &resource.ty)),
            requires_replace: plan
                .requires_replace
                .iter()
                .map(convert::path_out)
                .collect(),
            planned_private: request.prior_private,
            diagnostics: diagnostics_out(&plan.diagnostics),
            ..Default::default()
        })
    }

    async fn apply(
        &self,
        request: wire::apply_resource_change::Request,
    ) -> Result<wire::apply_resource_change::Response, Diagnostics> {
        let resource = self.resource(&request.type_name)?;
        let prior = object_in(request.prior_state.as_ref(), &resource.ty)?;
        let planned = object_in(request.planned_state.as_ref(), &resource.ty)?;
        let config = object_in(request.config.as_ref(), &resource.ty)?.unwrap_or_default();
        let outcome = match (&prior, &planned) {
            (Some(prior), None) => {
                let diagnostics = resource.inner.delete(prior).await;
                // A failed delete leaves the object in place, and in state.
                let state = diagnostics.has_errors().then(|| prior.clone());
                ApplyOutcome {
                    state,
                    private: request.planned_private,
                    diagnostics,
                }
            }
            (None, Some(planned)) => resource.inner.create(planned, &config).await,
            (Some(prior), Some(planned)) => resource.inner.update(prior, planned, &config).await,
            (None, None) => ApplyOutcome::default(),
        };
        let outcome = checked_outcome(&resource.schema, planned.as_ref(), outcome);
        Ok(wire::apply_resource_change::Response {
            new_state: Some(object_out(outcome.state, &resource.ty)),
            private: outcome.private,
            diagnostics: diagnostics_out(&outcome.diagnostics),
            ..Default::default()
        })
    }

    async fn import(
        &self,
        request: wire::import_resource_state::Request,
    ) -> Result<wire::import_resource_state::Response, Diagnostics> {
        let resource = self.resource(&request.type_name)?;
        let state = resource.inner.import(&request.id).await?;
        let state = finish_state(&resource.schema, state, false);
        Ok(wire::import_resource_state::Response {
            imported_resources: vec![wire::import_resource_state::ImportedResource {
                type_name: request.type_name,
                state: Some(object_out(Some(state), &resource.ty)),
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    async fn read_data(
        &self,
        request: wire::read_data_source::Request,
    ) -> Result<wire::read_data_source::Response, Diagnostics> {
        let source = self.data_source(&request.type_name)?;
        let config = object_in(request.config.as_ref(), &source.ty)?.unwrap_or_default();
        let state = source.inner.read(&config).await?;
        let state = finish_state(&source.schema, state, true);
        Ok(wire::read_data_source::Response {
            state: Some(object_out(Some(state), &source.ty)),
            ..Default::default()
        })
    }
}

/// Gives a state every attribute in its required form, without write-only
/// values, and, when `clear_unknowns`, without unknowns.
fn finish_state(schema: &Schema, state: Object, clear_unknowns: bool) -> Object {
    let mut state = schema.block.complete(state);
    schema.block.clear_write_only(&mut state);
    if clear_unknowns {
        state = Object::from_value(state.into_value().unknowns_to_null()).unwrap_or_default();
    }
    state
}

/// Checks what a create or update returned against the plan, as Terraform
/// will: a mismatch is reported as our bug, not as Terraform's riddle.
fn checked_outcome(
    schema: &Schema,
    planned: Option<&Object>,
    outcome: ApplyOutcome,
) -> ApplyOutcome {
    let ApplyOutcome {
        state,
        private,
        mut diagnostics,
    } = outcome;
    let failed = diagnostics.has_errors();
    let state = state.map(|state| finish_state(schema, state, failed));
    if let (Some(planned), Some(state), false) = (planned, &state, failed)
        && let Err(mismatch) = planning::check_applied(planned, state)
    {
        diagnostics.provider_bug(mismatch);
    }
    if planned.is_some() && state.is_none() && !failed {
        diagnostics.provider_bug("apply returned no state and no error");
    }
    ApplyOutcome {
        state,
        private,
        diagnostics,
    }
}
