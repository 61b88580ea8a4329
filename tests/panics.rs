//! No panic reaches Terraform: a resource of the test's own panics in every
//! handler the framework calls, and each RPC still answers, with an error
//! diagnostic that asks for a bug report; the service keeps serving.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use terraform_provider_ncloud::framework::resource::{
    ApplyOutcome, ConfigureRequest, DataSource, Provider, ReadOutcome, Resource,
};
use terraform_provider_ncloud::framework::server::ProviderService;
use terraform_provider_ncloud::framework::{
    Attribute, Block, Diagnostics, Object, Schema, Type, Value, msgpack,
};
use terraform_provider_ncloud::proto::tfplugin6 as wire;
use terraform_provider_ncloud::proto::tfplugin6::provider_server::Provider as _;
use tonic::Request;

const TYPE_NAME: &str = "panicky_thing";

/// A resource whose every operation panics, counting how often it was run.
struct Panicky {
    calls: Arc<AtomicUsize>,
}

impl Panicky {
    fn boom(&self, what: &str) -> ! {
        self.calls.fetch_add(1, Ordering::SeqCst);
        panic!("{what} exploded on purpose")
    }
}

#[async_trait]
impl Resource for Panicky {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A resource that panics.")
                .attribute(Attribute::required("name", Type::String).describe("A name."))
                .attribute(Attribute::computed("id", Type::String).describe("The id.")),
        )
    }

    async fn create(&self, _planned: &Object, _config: &Object) -> ApplyOutcome {
        self.boom("create")
    }

    async fn read(&self, _state: &Object, _private: &[u8]) -> ReadOutcome {
        self.boom("read")
    }

    async fn update(&self, _prior: &Object, _planned: &Object, _config: &Object) -> ApplyOutcome {
        self.boom("update")
    }

    async fn delete(&self, _prior: &Object) -> Diagnostics {
        self.boom("delete")
    }

    async fn import(&self, _id: &str) -> Result<Object, Diagnostics> {
        self.boom("import")
    }
}

struct TestProvider {
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl Provider for TestProvider {
    fn type_name(&self) -> &'static str {
        "panicky"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block::new("A provider for the panic test."))
    }

    async fn configure(&self, _request: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }

    fn stop(&self) {}

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Panicky {
            calls: Arc::clone(&self.calls),
        })]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
}

fn object_type() -> Type {
    Type::object([("name", Type::String), ("id", Type::String)])
}

fn dynamic(id: Value) -> Option<wire::DynamicValue> {
    let mut object = Object::default();
    object.0.insert("name".into(), Value::String("x".into()));
    object.0.insert("id".into(), id);
    Some(wire::DynamicValue {
        msgpack: msgpack::encode(&object.into_value(), &object_type()),
        json: Vec::new(),
    })
}

/// Asserts the diagnostics are one error that names the panic and asks for
/// a report.
fn assert_reported(rpc: &str, diagnostics: &[wire::Diagnostic]) {
    assert_eq!(diagnostics.len(), 1, "{rpc}: {diagnostics:#?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(
        diagnostic.severity,
        wire::diagnostic::Severity::Error as i32,
        "{rpc}"
    );
    assert!(
        diagnostic.detail.contains("please report it")
            && diagnostic.detail.contains("exploded on purpose"),
        "{rpc}: {}",
        diagnostic.detail
    );
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_bug_report_and_the_service_keeps_serving() {
    // The planted panics are expected; any other one is printed as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.to_string().contains("exploded on purpose") {
            default_hook(info);
        }
    }));
    let calls = Arc::new(AtomicUsize::new(0));
    let service = ProviderService::new(Arc::new(TestProvider {
        calls: Arc::clone(&calls),
    }));

    let create = service
        .apply_resource_change(Request::new(wire::apply_resource_change::Request {
            type_name: TYPE_NAME.into(),
            prior_state: Some(wire::DynamicValue {
                msgpack: msgpack::encode(&Value::Null, &object_type()),
                json: Vec::new(),
            }),
            planned_state: dynamic(Value::Unknown),
            config: dynamic(Value::Null),
            ..Default::default()
        }))
        .await
        .expect("ApplyResourceChange answers");
    assert_reported("create", &create.into_inner().diagnostics);

    let read = service
        .read_resource(Request::new(wire::read_resource::Request {
            type_name: TYPE_NAME.into(),
            current_state: dynamic(Value::String("x".into())),
            ..Default::default()
        }))
        .await
        .expect("ReadResource answers");
    assert_reported("read", &read.into_inner().diagnostics);

    let import = service
        .import_resource_state(Request::new(wire::import_resource_state::Request {
            type_name: TYPE_NAME.into(),
            id: "x".into(),
            ..Default::default()
        }))
        .await
        .expect("ImportResourceState answers");
    assert_reported("import", &import.into_inner().diagnostics);
    assert_eq!(calls.load(Ordering::SeqCst), 3, "every handler ran");

    // The service still answers, and answers right.
    let schema = service
        .get_provider_schema(Request::new(wire::get_provider_schema::Request {}))
        .await
        .expect("GetProviderSchema answers after panics")
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    assert!(schema.resource_schemas.contains_key(TYPE_NAME));
}
