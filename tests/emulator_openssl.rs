//! A request signed by hand with `openssl dgst -sha256 -hmac`, exactly as
//! NAVER Cloud's documentation describes, is accepted by the emulator
//! binary; the same signature over another target is refused. This checks
//! the emulator's gateway against an implementation that is not ours.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use support::{ACCESS_KEY, Emulator, SECRET_KEY};

/// `printf '%s' MESSAGE | openssl dgst -sha256 -hmac SECRET -binary | base64`
fn openssl_signature(message: &str) -> String {
    let mut openssl = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", SECRET_KEY, "-binary"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("this test needs the openssl command line tool");
    openssl
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    let digest = openssl.wait_with_output().unwrap().stdout;
    assert_eq!(digest.len(), 32, "openssl printed no SHA-256 HMAC");
    let mut base64 = Command::new("base64")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    base64.stdin.take().unwrap().write_all(&digest).unwrap();
    String::from_utf8(base64.wait_with_output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string()
}

fn get(emulator: &Emulator, target: &str, timestamp: &str, signature: &str) -> String {
    let mut stream = TcpStream::connect(&emulator.address).unwrap();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nx-ncp-apigw-timestamp: {timestamp}\r\n\
         x-ncp-iam-access-key: {ACCESS_KEY}\r\nx-ncp-apigw-signature-v2: {signature}\r\n\
         Connection: close\r\n\r\n",
        emulator.address
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn a_request_signed_with_openssl_is_accepted() {
    let emulator = Emulator::start(&[]);
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let target = "/api/v2/snapshot/getSnapshotHistory/1037000?pageNo=1&pageSize=10";
    let signature = openssl_signature(&format!("GET {target}\n{timestamp}\n{ACCESS_KEY}"));

    let response = get(&emulator, target, &timestamp, &signature);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"code\":0"), "{response}");

    let other = "/api/v2/snapshot/getSnapshotHistory/1037000?pageNo=2&pageSize=10";
    let response = get(&emulator, other, &timestamp, &signature);
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "a signature covers the query: {response}"
    );
}
