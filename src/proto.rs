//! Rust types and gRPC stubs generated from the `.proto` files in `proto/`.
//!
//! Only the plugin server and the framework layer should touch these types;
//! resources and data sources see the project's own types instead. The code
//! is generated into `OUT_DIR` by `build.rs`, so nothing here is edited by
//! hand.

/// Terraform plugin protocol 6.10, as in Terraform v1.15: the `Provider`
/// service and its messages.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services: controller (shutdown), stdio and broker.
#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use prost_types::FileDescriptorSet;
    use prost_types::field_descriptor_proto::Type;

    use super::tfplugin6;

    /// The descriptor set `build.rs` compiled, so tests can inspect the
    /// contract as parsed rather than as we meant to write it.
    const DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/proto_descriptor.bin"));

    /// Every RPC of the `Provider` service in protocol 6.10 as Terraform
    /// v1.15 has it. Terraform calls methods by name, so a misspelt or
    /// missing one fails only at run time.
    const PROVIDER_RPCS: &[&str] = &[
        "GetMetadata",
        "GetProviderSchema",
        "ValidateProviderConfig",
        "ValidateResourceConfig",
        "ValidateDataResourceConfig",
        "UpgradeResourceState",
        "GetResourceIdentitySchemas",
        "UpgradeResourceIdentity",
        "ConfigureProvider",
        "ReadResource",
        "PlanResourceChange",
        "ApplyResourceChange",
        "ImportResourceState",
        "MoveResourceState",
        "ReadDataSource",
        "GenerateResourceConfig",
        "ValidateEphemeralResourceConfig",
        "OpenEphemeralResource",
        "RenewEphemeralResource",
        "CloseEphemeralResource",
        "ListResource",
        "ValidateListResourceConfig",
        "GetFunctions",
        "CallFunction",
        "ValidateStateStoreConfig",
        "ConfigureStateStore",
        "ReadStateBytes",
        "WriteStateBytes",
        "LockState",
        "UnlockState",
        "GetStates",
        "DeleteState",
        "PlanAction",
        "InvokeAction",
        "ValidateActionConfig",
        "StopProvider",
    ];

    fn descriptor_set() -> FileDescriptorSet {
        FileDescriptorSet::decode(DESCRIPTOR_SET).expect("build.rs wrote a valid descriptor set")
    }

    /// Each method of `package.Service` as (name, client streams, server
    /// streams).
    fn methods(package: &str, service: &str) -> Vec<(String, bool, bool)> {
        let set = descriptor_set();
        let service = set
            .file
            .iter()
            .filter(|file| file.package() == package)
            .flat_map(|file| &file.service)
            .find(|candidate| candidate.name() == service)
            .unwrap_or_else(|| panic!("service {package}.{service} not compiled"));

        service
            .method
            .iter()
            .map(|method| {
                let name = method.name().to_string();
                (name, method.client_streaming(), method.server_streaming())
            })
            .collect()
    }

    /// Every field of the message at `path`, such as
    /// `["Schema", "Attribute"]`, as (name, number, type) in declaration
    /// order.
    fn fields(path: &[&str]) -> Vec<(String, i32, Type)> {
        let set = descriptor_set();
        let file = set
            .file
            .iter()
            .find(|file| file.package() == "tfplugin6")
            .expect("tfplugin6 compiled");
        let (first, rest) = path.split_first().expect("a non-empty path");
        let mut message = file.message_type.iter().find(|m| m.name() == *first);
        for name in rest {
            message = message.and_then(|m| m.nested_type.iter().find(|n| n.name() == *name));
        }
        let message = message.unwrap_or_else(|| panic!("message {path:?} not found"));
        message
            .field
            .iter()
            .map(|field| (field.name().to_string(), field.number(), field.r#type()))
            .collect()
    }

    /// The number and type of `field` in the message at `path`.
    fn field(path: &[&str], field: &str) -> (i32, Type) {
        fields(path)
            .into_iter()
            .find(|(name, _, _)| name == field)
            .map(|(_, number, kind)| (number, kind))
            .unwrap_or_else(|| panic!("field {field} not found in {path:?}"))
    }

    #[test]
    fn provider_service_has_exactly_the_protocol_6_10_rpcs() {
        let mut compiled: Vec<String> = methods("tfplugin6", "Provider")
            .into_iter()
            .map(|(name, _, _)| name)
            .collect();
        let mut expected: Vec<String> = PROVIDER_RPCS.iter().map(|s| s.to_string()).collect();
        compiled.sort();
        expected.sort();

        assert_eq!(compiled, expected);
    }

    #[test]
    fn only_the_chunked_and_event_rpcs_stream() {
        let streaming = [
            ("ListResource", false, true),
            ("ReadStateBytes", false, true),
            ("WriteStateBytes", true, false),
            ("InvokeAction", false, true),
        ];

        for (name, client, server) in methods("tfplugin6", "Provider") {
            let expected = streaming
                .iter()
                .find(|(streaming_name, _, _)| *streaming_name == name)
                .map_or((false, false), |&(_, c, s)| (c, s));
            assert_eq!((client, server), expected, "streaming flags of {name}");
        }
    }

    #[test]
    fn go_plugin_services_have_their_rpcs() {
        let cases = [
            ("GRPCController", ("Shutdown", false, false)),
            ("GRPCStdio", ("StreamStdio", false, true)),
            ("GRPCBroker", ("StartStream", true, true)),
        ];

        for (service, (name, client, server)) in cases {
            let expected = vec![(name.to_string(), client, server)];
            assert_eq!(methods("plugin", service), expected, "{service}");
        }
    }

    #[test]
    fn out_of_order_field_numbers_are_kept() {
        // Fields whose numbers break the obvious sequence; the kind of slip
        // a hand-written copy of the protocol is most likely to make.
        let cases: &[(&[&str], &str, i32, Type)] = &[
            (&["Schema", "Attribute"], "nested_type", 10, Type::Message),
            (&["Schema", "Attribute"], "write_only", 11, Type::Bool),
            (&["Schema", "Object"], "nesting", 3, Type::Enum),
            (
                &["ValidateProviderConfig", "Response"],
                "diagnostics",
                2,
                Type::Message,
            ),
            (
                &["GetProviderSchema", "Response"],
                "functions",
                7,
                Type::Message,
            ),
            (
                &["GetProviderSchema", "Response"],
                "action_schemas",
                11,
                Type::Message,
            ),
            (&["ListResource", "Event"], "diagnostic", 4, Type::Message),
            (&["StopProvider", "Response"], "Error", 1, Type::String),
        ];

        for &(path, name, number, kind) in cases {
            assert_eq!(field(path, name), (number, kind), "{path:?}.{name}");
        }
    }

    #[test]
    fn write_state_bytes_chunks_carry_their_target_in_meta() {
        // Before v1.15 every chunk repeated type_name and state_id under
        // numbers 1 and 3; a chunk in that layout would be misread now.
        let expected = [
            ("meta", 1, Type::Message),
            ("bytes", 2, Type::Bytes),
            ("total_length", 3, Type::Int64),
            ("range", 4, Type::Message),
        ]
        .map(|(name, number, kind)| (name.to_string(), number, kind));

        assert_eq!(fields(&["WriteStateBytes", "RequestChunk"]), expected);
    }

    #[test]
    fn state_store_lock_and_capability_fields() {
        let cases: &[(&[&str], &str, i32, Type)] = &[
            (&["LockState", "Request"], "operation", 3, Type::String),
            (&["LockState", "Response"], "lock_id", 1, Type::String),
            (&["LockState", "Response"], "diagnostics", 2, Type::Message),
            (&["UnlockState", "Request"], "lock_id", 3, Type::String),
            (
                &["UnlockState", "Response"],
                "diagnostics",
                1,
                Type::Message,
            ),
            (
                &["ConfigureStateStore", "Request"],
                "capabilities",
                3,
                Type::Message,
            ),
            (
                &["ConfigureStateStore", "Response"],
                "capabilities",
                2,
                Type::Message,
            ),
            (
                &["StateStoreServerCapabilities"],
                "chunk_size",
                1,
                Type::Int64,
            ),
        ];

        for &(path, name, number, kind) in cases {
            assert_eq!(field(path, name), (number, kind), "{path:?}.{name}");
        }
    }

    #[test]
    fn first_write_chunk_puts_meta_under_field_one() {
        let chunk = tfplugin6::write_state_bytes::RequestChunk {
            meta: Some(tfplugin6::RequestChunkMeta::default()),
            ..Default::default()
        };

        // Key byte: field 1, wire type 2 (length-delimited), then length 0.
        assert_eq!(chunk.encode_to_vec(), [(1 << 3) | 2, 0]);
    }

    #[test]
    fn get_provider_schema_response_round_trips() {
        let attribute = tfplugin6::schema::Attribute {
            name: "snapshot_name".to_string(),
            r#type: b"\"string\"".to_vec(),
            required: true,
            ..Default::default()
        };
        let schema = tfplugin6::Schema {
            version: 1,
            block: Some(tfplugin6::schema::Block {
                attributes: vec![attribute],
                ..Default::default()
            }),
        };
        let response = tfplugin6::get_provider_schema::Response {
            provider: Some(tfplugin6::Schema::default()),
            resource_schemas: [("ncloud_snapshot".to_string(), schema)].into(),
            diagnostics: vec![tfplugin6::Diagnostic {
                severity: tfplugin6::diagnostic::Severity::Warning.into(),
                summary: "Example Warning".to_string(),
                ..Default::default()
            }],
            server_capabilities: Some(tfplugin6::ServerCapabilities {
                plan_destroy: true,
                ..Default::default()
            }),
            ..Default::default()
        };

        let bytes = response.encode_to_vec();
        let decoded = tfplugin6::get_provider_schema::Response::decode(bytes.as_slice())
            .expect("a response we encoded decodes");

        assert_eq!(decoded, response);
    }

    #[test]
    fn nested_type_is_written_under_field_ten() {
        let attribute = tfplugin6::schema::Attribute {
            nested_type: Some(tfplugin6::schema::Object::default()),
            ..Default::default()
        };

        // Key byte: field 10, wire type 2 (length-delimited), then length 0.
        assert_eq!(attribute.encode_to_vec(), [(10 << 3) | 2, 0]);
    }

    /// A provider that implements nothing, relying on the generated stubs.
    struct Unimplemented;

    #[tonic::async_trait]
    impl tfplugin6::provider_server::Provider for Unimplemented {}

    #[tokio::test]
    async fn default_stubs_answer_unimplemented() {
        use tfplugin6::provider_server::Provider as _;

        let status = Unimplemented
            .stop_provider(tonic::Request::new(tfplugin6::stop_provider::Request {}))
            .await
            .expect_err("the stub refuses the call");

        assert_eq!(status.code(), tonic::Code::Unimplemented);

        // Both server and client sides must exist for the plugin and its
        // integration tests.
        let _server = tfplugin6::provider_server::ProviderServer::new(Unimplemented);
        let _client: Option<tfplugin6::provider_client::ProviderClient<tonic::transport::Channel>> =
            None;
    }
}
