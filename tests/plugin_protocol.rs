//! The provider binary as Terraform meets it: the handshake, strict mutual
//! TLS, the lifecycle signals, and every RPC of protocol 6.10 answered.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::plugin::{
    COOKIE, COOKIE_KEY, ClientIdentity, Plugin, connect, controller_client, provider_client,
};
use terraform_provider_ncloud::framework::{Object, Type, Value, msgpack};
use terraform_provider_ncloud::proto::plugin::Empty;
use terraform_provider_ncloud::proto::tfplugin6 as wire;

fn snapshot_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("service_group_instance_no", Type::String),
        ("snapshot_name", Type::String),
        ("bucket_name", Type::String),
        ("request_id", Type::String),
        ("cluster_name", Type::String),
        ("request_type", Type::String),
        ("action_date", Type::String),
        ("duration", Type::String),
        ("message", Type::String),
        ("has_error_log", Type::Bool),
        ("timeouts", Type::object([("create", Type::String)])),
    ])
}

fn config_value(pairs: &[(&str, Value)]) -> wire::DynamicValue {
    let mut object = Object::default();
    for (name, value) in pairs {
        object.set(name, value.clone());
    }
    wire::DynamicValue {
        msgpack: msgpack::encode(&object.into_value(), &snapshot_type()),
        json: Vec::new(),
    }
}

/// Waits for the process to exit, at most `limit`.
fn exits_within(plugin: &mut Plugin, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if plugin.child.try_wait().ok().flatten().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[tokio::test]
async fn terraform_certificate_gets_schema_and_validation_over_mtls() {
    let client = ClientIdentity::generate();
    let plugin = Plugin::start(Some(&client.pem));
    let announcement = &plugin.announcement;
    assert_eq!(announcement.network, "unix");
    assert!(
        announcement.certificate.is_some(),
        "TLS is on, so the line carries the certificate"
    );

    let channel = connect(announcement, Some(&client))
        .await
        .expect("connect with Terraform's certificate");
    let mut provider = provider_client(channel);
    let schema = provider
        .get_provider_schema(wire::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    assert!(schema.provider.is_some());
    let snapshot = &schema.resource_schemas["ncloud_searchengine_snapshot"];
    for attribute in &snapshot.block.as_ref().unwrap().attributes {
        assert!(
            !attribute.description.is_empty(),
            "{} has no description",
            attribute.name
        );
    }

    let bad = config_value(&[
        ("service_group_instance_no", "12x".into()),
        ("snapshot_name", "No".into()),
        ("bucket_name", Value::Unknown),
    ]);
    let request = wire::validate_resource_config::Request {
        type_name: "ncloud_searchengine_snapshot".into(),
        config: Some(bad),
        client_capabilities: None,
    };
    let diagnostics = provider
        .validate_resource_config(request)
        .await
        .unwrap()
        .into_inner()
        .diagnostics;
    let paths: Vec<String> = diagnostics
        .iter()
        .map(|d| match &d.attribute.as_ref().unwrap().steps[0].selector {
            Some(wire::attribute_path::step::Selector::AttributeName(name)) => name.clone(),
            other => panic!("unexpected step {other:?}"),
        })
        .collect();
    assert_eq!(
        paths,
        ["service_group_instance_no", "snapshot_name"],
        "unknown bucket_name is not checked yet"
    );
}

/// Under TLS 1.3 a refused client learns of it only after its side of the
/// handshake, so the proof is that no RPC succeeds. Terraform's own client
/// must still be answered afterwards: a server that refused everyone would
/// pass the first half alone.
async fn no_rpc_succeeds(
    plugin: &Plugin,
    client: Option<&ClientIdentity>,
    terraform: &ClientIdentity,
) {
    if let Ok(channel) = connect(&plugin.announcement, client).await {
        let result = provider_client(channel)
            .get_provider_schema(wire::get_provider_schema::Request {})
            .await;
        assert!(
            result.is_err(),
            "an RPC succeeded without Terraform's certificate"
        );
    }
    let channel = connect(&plugin.announcement, Some(terraform))
        .await
        .expect("Terraform's client connects after the refusal");
    let answer = provider_client(channel)
        .get_metadata(wire::get_metadata::Request {})
        .await;
    assert!(answer.is_ok(), "Terraform's client was refused: {answer:?}");
}

#[tokio::test]
async fn a_client_without_a_certificate_gets_no_rpc_answered() {
    let terraform = ClientIdentity::generate();
    let plugin = Plugin::start(Some(&terraform.pem));
    no_rpc_succeeds(&plugin, None, &terraform).await;
}

#[tokio::test]
async fn a_client_with_another_certificate_gets_no_rpc_answered() {
    let terraform = ClientIdentity::generate();
    let intruder = ClientIdentity::generate();
    let plugin = Plugin::start(Some(&terraform.pem));
    no_rpc_succeeds(&plugin, Some(&intruder), &terraform).await;
}

#[tokio::test]
async fn without_a_client_certificate_it_serves_plaintext() {
    let plugin = Plugin::start(None);
    assert!(
        plugin.announcement.line.ends_with("|grpc|\n"),
        "{:?}",
        plugin.announcement.line
    );
    let channel = connect(&plugin.announcement, None).await.unwrap();
    let metadata = provider_client(channel)
        .get_metadata(wire::get_metadata::Request {})
        .await
        .unwrap();
    let metadata = metadata.into_inner();
    let mut resources: Vec<&str> = metadata
        .resources
        .iter()
        .map(|r| r.type_name.as_str())
        .collect();
    resources.sort_unstable();
    assert_eq!(
        resources,
        [
            "ncloud_searchengine_snapshot",
            "ncloud_searchengine_snapshot_schedule",
            "ncloud_searchengine_storage_key"
        ]
    );
    assert_eq!(metadata.data_sources.len(), 3);
}

#[test]
fn run_by_hand_it_explains_itself_and_exits_1() {
    let output = Command::new(support::PROVIDER)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Terraform plugin") && stderr.contains("ncloud-rs/ncloud"),
        "{stderr}"
    );
}

#[test]
fn without_protocol_6_it_names_the_terraform_versions_it_needs() {
    let output = Command::new(support::PROVIDER)
        .env_clear()
        .env(COOKIE_KEY, COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("protocol 6") && stderr.contains("v1.0.0"),
        "{stderr}"
    );
}

#[tokio::test]
async fn sigint_is_ignored_while_terraform_manages_the_process() {
    let client = ClientIdentity::generate();
    let mut plugin = Plugin::start(Some(&client.pem));
    plugin.signal("INT");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        plugin.child.try_wait().unwrap().is_none(),
        "the provider died on SIGINT"
    );
    let channel = connect(&plugin.announcement, Some(&client)).await.unwrap();
    assert!(
        provider_client(channel)
            .get_metadata(wire::get_metadata::Request {})
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn shutdown_ends_the_process_within_a_second_and_removes_the_socket() {
    let client = ClientIdentity::generate();
    let mut plugin = Plugin::start(Some(&client.pem));
    let dir = plugin.socket_dir();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700,
        "the socket directory must be private"
    );
    let channel = connect(&plugin.announcement, Some(&client)).await.unwrap();
    let started = Instant::now();
    controller_client(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown answered");
    assert!(
        exits_within(&mut plugin, Duration::from_secs(1)),
        "still running after Shutdown"
    );
    eprintln!("exited {:?} after Shutdown", started.elapsed());
    assert_eq!(plugin.child.wait().unwrap().code(), Some(0));
    assert!(!dir.exists(), "the socket directory outlived the process");
}

#[tokio::test]
async fn sigterm_ends_the_process_and_removes_the_socket() {
    let client = ClientIdentity::generate();
    let mut plugin = Plugin::start(Some(&client.pem));
    let dir = plugin.socket_dir();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    plugin.signal("TERM");
    assert!(exits_within(&mut plugin, Duration::from_secs(2)));
    assert!(!dir.exists());
}

#[tokio::test]
async fn every_rpc_of_the_protocol_answers_without_unimplemented() {
    let client = ClientIdentity::generate();
    let plugin = Plugin::start(Some(&client.pem));
    let channel = connect(&plugin.announcement, Some(&client)).await.unwrap();
    let mut p = provider_client(channel);
    let mut outcomes: Vec<(&str, Result<(), tonic::Status>)> = Vec::new();
    macro_rules! call {
        ($name:literal, $method:ident, $request:expr) => {
            outcomes.push(($name, p.$method($request).await.map(|_| ())));
        };
    }
    call!("GetMetadata", get_metadata, wire::get_metadata::Request {});
    call!(
        "GetProviderSchema",
        get_provider_schema,
        wire::get_provider_schema::Request {}
    );
    call!(
        "ValidateProviderConfig",
        validate_provider_config,
        wire::validate_provider_config::Request::default()
    );
    call!(
        "ValidateResourceConfig",
        validate_resource_config,
        wire::validate_resource_config::Request::default()
    );
    call!(
        "ValidateDataResourceConfig",
        validate_data_resource_config,
        wire::validate_data_resource_config::Request::default()
    );
    call!(
        "UpgradeResourceState",
        upgrade_resource_state,
        wire::upgrade_resource_state::Request::default()
    );
    call!(
        "GetResourceIdentitySchemas",
        get_resource_identity_schemas,
        wire::get_resource_identity_schemas::Request {}
    );
    call!(
        "UpgradeResourceIdentity",
        upgrade_resource_identity,
        wire::upgrade_resource_identity::Request::default()
    );
    call!(
        "ConfigureProvider",
        configure_provider,
        wire::configure_provider::Request::default()
    );
    call!(
        "ReadResource",
        read_resource,
        wire::read_resource::Request::default()
    );
    call!(
        "PlanResourceChange",
        plan_resource_change,
        wire::plan_resource_change::Request::default()
    );
    call!(
        "ApplyResourceChange",
        apply_resource_change,
        wire::apply_resource_change::Request::default()
    );
    call!(
        "ImportResourceState",
        import_resource_state,
        wire::import_resource_state::Request::default()
    );
    call!(
        "MoveResourceState",
        move_resource_state,
        wire::move_resource_state::Request::default()
    );
    call!(
        "ReadDataSource",
        read_data_source,
        wire::read_data_source::Request::default()
    );
    call!(
        "GenerateResourceConfig",
        generate_resource_config,
        wire::generate_resource_config::Request::default()
    );
    call!(
        "ValidateEphemeralResourceConfig",
        validate_ephemeral_resource_config,
        wire::validate_ephemeral_resource_config::Request::default()
    );
    call!(
        "OpenEphemeralResource",
        open_ephemeral_resource,
        wire::open_ephemeral_resource::Request::default()
    );
    call!(
        "RenewEphemeralResource",
        renew_ephemeral_resource,
        wire::renew_ephemeral_resource::Request::default()
    );
    call!(
        "CloseEphemeralResource",
        close_ephemeral_resource,
        wire::close_ephemeral_resource::Request::default()
    );
    call!(
        "ListResource",
        list_resource,
        wire::list_resource::Request::default()
    );
    call!(
        "ValidateListResourceConfig",
        validate_list_resource_config,
        wire::validate_list_resource_config::Request::default()
    );
    call!(
        "GetFunctions",
        get_functions,
        wire::get_functions::Request {}
    );
    call!(
        "CallFunction",
        call_function,
        wire::call_function::Request::default()
    );
    call!(
        "ValidateStateStoreConfig",
        validate_state_store_config,
        wire::validate_state_store::Request::default()
    );
    call!(
        "ConfigureStateStore",
        configure_state_store,
        wire::configure_state_store::Request::default()
    );
    call!(
        "ReadStateBytes",
        read_state_bytes,
        wire::read_state_bytes::Request::default()
    );
    call!(
        "WriteStateBytes",
        write_state_bytes,
        tokio_stream::iter(vec![wire::write_state_bytes::RequestChunk::default()])
    );
    call!(
        "LockState",
        lock_state,
        wire::lock_state::Request::default()
    );
    call!(
        "UnlockState",
        unlock_state,
        wire::unlock_state::Request::default()
    );
    call!(
        "GetStates",
        get_states,
        wire::get_states::Request::default()
    );
    call!(
        "DeleteState",
        delete_state,
        wire::delete_state::Request::default()
    );
    call!(
        "PlanAction",
        plan_action,
        wire::plan_action::Request::default()
    );
    call!(
        "InvokeAction",
        invoke_action,
        wire::invoke_action::Request::default()
    );
    call!(
        "ValidateActionConfig",
        validate_action_config,
        wire::validate_action_config::Request::default()
    );
    call!(
        "StopProvider",
        stop_provider,
        wire::stop_provider::Request {}
    );
    assert_eq!(outcomes.len(), 36, "every RPC of protocol 6.10");
    for (name, outcome) in outcomes {
        if let Err(status) = outcome {
            panic!("{name} answered with a gRPC error instead of a diagnostic: {status}");
        }
    }
}

#[tokio::test]
async fn health_reports_the_plugin_service_serving() {
    let client = ClientIdentity::generate();
    let plugin = Plugin::start(Some(&client.pem));
    let channel = connect(&plugin.announcement, Some(&client)).await.unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let request = tonic_health::pb::HealthCheckRequest {
        service: "plugin".into(),
    };
    let status = health.check(request).await.unwrap().into_inner().status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

/// Terraform 1.6 and later skip GetProviderSchema in every provider process
/// after the first when the server says it may; this process never gets it.
#[tokio::test]
async fn a_process_that_never_gets_the_schema_still_validates_and_plans() {
    let client = ClientIdentity::generate();
    let plugin = Plugin::start(Some(&client.pem));
    let channel = connect(&plugin.announcement, Some(&client)).await.unwrap();
    let mut provider = provider_client(channel);
    let metadata = provider
        .get_metadata(wire::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        metadata
            .server_capabilities
            .unwrap()
            .get_provider_schema_optional
    );

    let bad = config_value(&[
        ("service_group_instance_no", "12x".into()),
        ("snapshot_name", "nightly".into()),
        ("bucket_name", "ses-snapshots".into()),
    ]);
    let validated = provider
        .validate_resource_config(wire::validate_resource_config::Request {
            type_name: "ncloud_searchengine_snapshot".into(),
            config: Some(bad),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(validated.diagnostics.len(), 1, "{validated:?}");

    let config = config_value(&[
        ("service_group_instance_no", "1037000".into()),
        ("snapshot_name", "nightly".into()),
        ("bucket_name", "ses-snapshots".into()),
    ]);
    let planned = provider
        .plan_resource_change(wire::plan_resource_change::Request {
            type_name: "ncloud_searchengine_snapshot".into(),
            prior_state: Some(wire::DynamicValue {
                msgpack: msgpack::encode(&Value::Null, &snapshot_type()),
                json: Vec::new(),
            }),
            proposed_new_state: Some(config.clone()),
            config: Some(config),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
    let planned_state = planned.planned_state.unwrap().msgpack;
    let Value::Object(state) = msgpack::decode(&planned_state, &snapshot_type()).unwrap() else {
        panic!("the planned state is not an object");
    };
    assert_eq!(state["id"], Value::from("1037000:nightly"));
}
