//! Bad input never panics: property tests over every parser of input the
//! provider does not control (Terraform's msgpack and state JSON, the API's
//! answers, the handshake environment) and the emulator's request handling.
//! Case counts are bounded so that `make test` stays quick; `make fuzz`
//! runs the same entry points for longer.

use proptest::prelude::*;
use terraform_provider_ncloud::fuzzing;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any msgpack document, nested a few levels.
fn msgpack_document() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(rmpv::Value::Nil),
        any::<bool>().prop_map(rmpv::Value::from),
        any::<i64>().prop_map(rmpv::Value::from),
        any::<u64>().prop_map(rmpv::Value::from),
        any::<f64>().prop_map(rmpv::Value::from),
        ".{0,12}".prop_map(rmpv::Value::from),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(rmpv::Value::from),
        (any::<i8>(), proptest::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(tag, data)| rmpv::Value::Ext(tag, data)),
    ];
    let tree = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(rmpv::Value::Array),
            proptest::collection::vec((inner.clone(), inner), 0..6).prop_map(rmpv::Value::Map),
        ]
    });
    (any::<u8>(), tree).prop_map(|(ty, value)| {
        let mut bytes = vec![ty];
        let _ = rmpv::encode::write_value(&mut bytes, &value);
        bytes
    })
}

/// Any JSON document, nested a few levels.
fn json_document() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    let tree = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    });
    (any::<u8>(), tree).prop_map(|(ty, value)| {
        let mut bytes = vec![ty];
        bytes.extend(value.to_string().into_bytes());
        bytes
    })
}

/// Answers a proxy or a broken gateway might give: HTML, nothing, cut
/// JSON, the envelope with fields missing or of the wrong type.
fn malformed_body() -> impl Strategy<Value = (Vec<u8>, Option<String>)> {
    let request_id = "[a-z0-9-]{4,20}";
    prop_oneof![
        Just((b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(), None)),
        Just((Vec::new(), None)),
        (request_id, 1usize..60).prop_map(|(id, cut)| {
            let full = format!(
                r#"{{"code":0,"message":"ok","requestId":"{id}","result":{{"totalCount":1,"snapshotHistoryList":[]}}}}"#
            );
            (full.as_bytes()[..cut.min(full.len() - 1)].to_vec(), None)
        }),
        request_id.prop_map(|id| {
            let body = format!(r#"{{"code":0,"requestId":"{id}"}}"#);
            (body.into_bytes(), Some(id))
        }),
        (request_id, prop_oneof![".{0,12}".prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from)])
            .prop_map(|(id, result)| {
                // A result of the wrong type for every call.
                let body = format!(r#"{{"code":0,"requestId":"{id}","result":{result}}}"#);
                (body.into_bytes(), Some(id))
            }),
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(|bytes| (bytes, None)),
    ]
}

/// Requests as on the wire, around the API's own routes.
fn http_request() -> impl Strategy<Value = Vec<u8>> {
    let method = prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        Just("PUT".to_owned()),
        "[A-Z]{1,7}"
    ];
    let call = prop_oneof![
        Just("snapshot/createSnapshot".to_owned()),
        Just("snapshot/getSnapshotHistory".to_owned()),
        Just("snapshot/setSnapshotScheduling".to_owned()),
        Just("snapshot/updateAPIAuthenticationKey".to_owned()),
        Just("snapshot/releaseSnapshotScheduling".to_owned()),
        Just("cluster/getClusterInfo".to_owned()),
        "[a-zA-Z/%.]{0,30}",
    ];
    let no = prop_oneof![Just("1037000".to_owned()), "[0-9a-z%./]{0,12}"];
    let query = prop_oneof![
        Just(String::new()),
        "\\?pageNo=[0-9-]{0,4}&pageSize=[0-9a-z]{0,5}",
    ];
    let body = prop_oneof![
        json_document(),
        proptest::collection::vec(any::<u8>(), 0..64)
    ];
    (any::<u8>(), method, call, no, query, body).prop_map(|(sign, method, call, no, query, body)| {
        let mut bytes = vec![sign];
        bytes.extend(
            format!("{method} /api/v2/{call}/{no}{query} HTTP/1.1\r\ncontent-type: application/json\r\n\r\n")
                .into_bytes(),
        );
        bytes.extend(body.get(1..).unwrap_or_default());
        bytes
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn msgpack_decoding_never_panics_and_round_trips(bytes in msgpack_document()) {
        fuzzing::msgpack_value(&bytes);
    }

    #[test]
    fn msgpack_decoding_of_raw_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        fuzzing::msgpack_value(&bytes);
    }

    #[test]
    fn state_json_decoding_never_panics(bytes in json_document()) {
        fuzzing::json_state(&bytes);
    }

    #[test]
    fn a_malformed_api_answer_is_an_error_naming_its_status_and_request_id(
        status in 100u16..600,
        (body, request_id) in malformed_body(),
    ) {
        for message in fuzzing::api_answer(status, &body) {
            let message = message.unwrap_or_else(|| panic!("accepted {:?}", String::from_utf8_lossy(&body)));
            prop_assert!(message.contains(&format!("http {status}")), "{}", message);
            if let Some(id) = &request_id {
                // Named as the request id, not only quoted in the body's excerpt.
                prop_assert!(message.contains(&format!("request id {id}")), "{}", message);
            }
        }
    }

    #[test]
    fn api_decoding_of_raw_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        fuzzing::api_response(&bytes);
    }

    #[test]
    fn handshake_environment_never_panics(
        lines in proptest::collection::vec(
            prop_oneof![Just("=cookie".to_owned()), "[0-9,]{0,8}", ".{0,40}"],
            0..8,
        )
    ) {
        fuzzing::handshake_env(lines.join("\n").as_bytes());
    }

    #[test]
    fn the_emulator_answers_any_request_without_a_server_error(bytes in http_request()) {
        let status = fuzzing::emulator_request(&bytes);
        prop_assert!(status == 0 || (200..500).contains(&status), "status {}", status);
    }
}
