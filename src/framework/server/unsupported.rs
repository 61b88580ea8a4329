//! Answers for the protocol's features this provider does not offer:
//! functions, ephemeral, list and identity-based resources, state stores,
//! actions and moves. Terraform calls these only for types a provider
//! declares, and we declare none; should one arrive anyway, it gets a
//! diagnostic that says so, never a bare "unimplemented".

use tonic::codegen::BoxStream;

use crate::framework::diagnostics::Diagnostics;
use crate::proto::tfplugin6 as wire;

use super::convert::diagnostics_out;

/// The diagnostic for a feature this provider does not offer.
pub fn not_offered(feature: &str) -> Diagnostics {
    Diagnostics::from_error(
        "Feature Not Offered",
        format!(
            "The ncloud-rs/ncloud provider offers no {feature}. Check the configuration for a \
             block that names this provider's types in a role they do not have."
        ),
    )
}

/// A one-item stream, for the streaming RPCs.
pub fn once<T: Send + 'static>(item: T) -> BoxStream<T> {
    Box::pin(futures_util::stream::iter([Ok(item)]))
}

/// The answer to ListResource.
pub fn list_resource() -> BoxStream<wire::list_resource::Event> {
    let diagnostic = diagnostics_out(&not_offered("list resources"));
    once(wire::list_resource::Event {
        diagnostic,
        ..Default::default()
    })
}

/// The answer to ReadStateBytes.
pub fn read_state_bytes() -> BoxStream<wire::read_state_bytes::Response> {
    let diagnostics = diagnostics_out(&not_offered("state stores"));
    once(wire::read_state_bytes::Response {
        diagnostics,
        ..Default::default()
    })
}

/// The answer to InvokeAction.
pub fn invoke_action() -> BoxStream<wire::invoke_action::Event> {
    use wire::invoke_action::event::{Completed, Type};
    let diagnostics = diagnostics_out(&not_offered("actions"));
    once(wire::invoke_action::Event {
        r#type: Some(Type::Completed(Completed { diagnostics })),
    })
}

/// The answer to CallFunction, whose errors have their own shape.
pub fn call_function(name: &str) -> wire::call_function::Response {
    wire::call_function::Response {
        result: None,
        error: Some(wire::FunctionError {
            text: format!("the ncloud-rs/ncloud provider offers no function {name:?}"),
            function_argument: None,
        }),
    }
}
