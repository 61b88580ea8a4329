//! Entry points for the fuzz targets in `fuzz/` and the property tests in
//! `tests/properties.rs`: each takes arbitrary bytes, feeds them to one
//! parser of untrusted input, and returns what the parser made of them.
//! Nothing here is part of the provider's interface.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::framework::value::Type;
use crate::framework::{json, msgpack};
use crate::ncloud::model::{BucketList, ClusterInfo, SnapshotHistoryPage};
use crate::ncloud::response::{Answer, Scrubber, decode, decode_confirmed};
use crate::plugin::handshake;

/// The types the value decoders are tried with: the first input byte picks
/// one, the rest is the encoded value.
pub fn value_types() -> Vec<Type> {
    let snapshot = Type::object([
        ("id", Type::String),
        ("snapshot_name", Type::String),
        ("has_error_log", Type::Bool),
        ("timeouts", Type::object([("create", Type::String)])),
    ]);
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
        Type::set(Type::Number),
        Type::map(Type::Bool),
        Type::list(Type::list(Type::Dynamic)),
        Type::Tuple(vec![Type::String, Type::Dynamic]),
        snapshot.clone(),
        Type::map(snapshot),
    ]
}

fn split_type(data: &[u8]) -> (Type, &[u8]) {
    let types = value_types();
    let (first, rest) = data.split_first().unwrap_or((&0, &[]));
    (types[usize::from(*first) % types.len()].clone(), rest)
}

/// `framework::msgpack::decode`; a value it accepts must encode and decode
/// back to itself.
pub fn msgpack_value(data: &[u8]) -> bool {
    let (ty, bytes) = split_type(data);
    let Ok(value) = msgpack::decode(bytes, &ty) else {
        return false;
    };
    let again = msgpack::decode(&msgpack::encode(&value, &ty), &ty);
    assert!(
        again.as_ref().is_ok_and(|again| again.same(&value)),
        "msgpack round trip changed {value:?} into {again:?}"
    );
    true
}

/// `framework::json::decode`, the decoder of state JSON.
pub fn json_state(data: &[u8]) -> bool {
    let (ty, bytes) = split_type(data);
    json::decode(bytes, &ty).is_ok()
}

/// The API response decoders over one answer: the first two bytes are the
/// status, the rest the body. Returns each decoder's error message, if any.
pub fn api_response(data: &[u8]) -> Vec<Option<String>> {
    let status = match data {
        [high, low, ..] => 100 + u16::from_be_bytes([*high, *low]) % 500,
        _ => 200,
    };
    let body = data.get(2..).unwrap_or_default();
    api_answer(status, body)
}

/// The API response decoders over a status and a body.
pub fn api_answer(status: u16, body: &[u8]) -> Vec<Option<String>> {
    let answer = Answer {
        status,
        retry_after: Some(Duration::from_secs(1)),
        date: Some(SystemTime::UNIX_EPOCH),
        body,
    };
    let scrubber = Scrubber::default();
    let now = SystemTime::now();
    let message = |result: Result<(), crate::ncloud::Error>| result.err().map(|e| e.to_string());
    vec![
        message(decode::<SnapshotHistoryPage>(&answer, &scrubber, now).map(drop)),
        message(decode::<ClusterInfo>(&answer, &scrubber, now).map(drop)),
        message(decode::<BucketList>(&answer, &scrubber, now).map(drop)),
        message(decode_confirmed(&answer, &scrubber, now).map(drop)),
    ]
}

/// The handshake variables Terraform sets, in the order the input's lines
/// give their values; a missing line leaves the variable unset.
const HANDSHAKE_VARIABLES: [&str; 7] = [
    handshake::MAGIC_COOKIE_KEY,
    "PLUGIN_PROTOCOL_VERSIONS",
    "PLUGIN_CLIENT_CERT",
    "PLUGIN_MIN_PORT",
    "PLUGIN_MAX_PORT",
    "PLUGIN_UNIX_SOCKET_DIR",
    "TF_REATTACH_PROVIDERS",
];

/// `plugin::handshake::from_env` over values taken from the input's lines;
/// a line `=cookie` stands for the right magic cookie, so that the rest of
/// the checks are reached.
pub fn handshake_env(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let values: Vec<String> = text
        .split('\n')
        .map(|line| match line {
            "=cookie" => handshake::MAGIC_COOKIE_VALUE.to_owned(),
            other => other.to_owned(),
        })
        .collect();
    let var = |name: &str| {
        let index = HANDSHAKE_VARIABLES.iter().position(|n| *n == name)?;
        values.get(index).cloned()
    };
    handshake::from_env(var).is_ok()
}

/// The emulator's request handling, socket aside: the input is a request
/// line, header lines and a body, as on the wire. When the first byte is
/// odd the request is signed with the emulator's own key, so that the
/// input reaches the API's parsing past the signature check. Returns the
/// status answered.
pub fn emulator_request(data: &[u8]) -> u16 {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()
    });
    let Some(runtime) = runtime else { return 0 };
    let Some(request) = http_request(data) else {
        return 0;
    };
    let Some(router) = crate::emulator::router_for_fuzzing() else {
        return 0;
    };
    runtime.block_on(async move {
        use tower::ServiceExt as _;
        match router.oneshot(request).await {
            Ok(response) => response.status().as_u16(),
            Err(never) => match never {},
        }
    })
}

fn http_request(data: &[u8]) -> Option<axum::http::Request<axum::body::Body>> {
    let sign = data.first().is_some_and(|byte| byte % 2 == 1);
    let text = String::from_utf8_lossy(data.get(1..).unwrap_or_default()).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default();
    let target = request_line.next().unwrap_or("/");
    let mut builder = axum::http::Request::builder().method(method).uri(target);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            builder = builder.header(name.trim(), value.trim());
        }
    }
    if sign {
        let config = crate::emulator::EmulatorConfig::default();
        let timestamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|t| t.as_millis().to_string())
            .unwrap_or_default();
        let signature = crate::ncloud::signature::sign(
            &config.secret_key,
            method,
            target,
            &timestamp,
            &config.access_key,
        );
        builder = builder
            .header(crate::ncloud::signature::TIMESTAMP_HEADER, timestamp)
            .header(
                crate::ncloud::signature::ACCESS_KEY_HEADER,
                config.access_key,
            )
            .header(crate::ncloud::signature::SIGNATURE_HEADER, signature);
    }
    builder.body(axum::body::Body::from(body.to_owned())).ok()
}
