//! No secret in any log: `TF_LOG=trace` over a whole lifecycle (apply, plan,
//! refresh, import, destroy) and over every failure the gateway can answer
//! with (unknown key, bad signature, throttling), with the secret key given
//! in the provider block.
//!
//! The emulator does not keep the signatures it checks, so a small proxy of
//! the test's own stands between the provider and the emulator and records
//! every `x-ncp-apigw-signature-v2` value actually sent; none of them, and
//! not the secret, may appear in anything Terraform or the provider wrote.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use support::{ACCESS_KEY, CLUSTER, Emulator, SECRET_KEY, Workspace, terraform_clis};

const SIGNATURE_HEADER: &str = "x-ncp-apigw-signature-v2:";

/// An Object Storage secret, sent in a request body and kept in state.
const STORAGE_SECRET: &str = "object-storage-secret-4b1f9e";

/// A storage key resource, so that a secret of the resource's own goes
/// through plan, apply, state and the API too.
fn storage_key_config() -> String {
    format!(
        "resource \"ncloud_searchengine_storage_key\" \"key\" {{\n  service_group_instance_no = \"{CLUSTER}\"\n  \
         access_key_id             = \"AKID-SECRETS\"\n  secret_key                = \"{STORAGE_SECRET}\"\n}}\n"
    )
}

/// Forwards bytes to the emulator and keeps a copy of what the provider sent.
struct RecordingProxy {
    address: String,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl RecordingProxy {
    fn start(upstream: &str) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let address = listener.local_addr().expect("proxy address").to_string();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (upstream, record) = (upstream.to_owned(), Arc::clone(&sent));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                forward(client, server, Arc::clone(&record));
            }
        });
        RecordingProxy { address, sent }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every signature header value the provider sent so far.
    fn signatures(&self) -> Vec<String> {
        let sent = self.sent.lock().map(|s| s.clone()).unwrap_or_default();
        String::from_utf8_lossy(&sent)
            .lines()
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case(SIGNATURE_HEADER.trim_end_matches(':'))
                    .then(|| value.trim().to_owned())
            })
            .collect()
    }
}

fn forward(client: TcpStream, server: TcpStream, record: Arc<Mutex<Vec<u8>>>) {
    let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || pipe(client_reader, server, Some(record)));
    std::thread::spawn(move || pipe(server_reader, client, None));
}

fn pipe(mut from: TcpStream, mut to: TcpStream, record: Option<Arc<Mutex<Vec<u8>>>>) {
    let mut buffer = [0u8; 8192];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0 {
            break;
        }
        if let Some(record) = &record
            && let Ok(mut sent) = record.lock()
        {
            sent.extend_from_slice(&buffer[..read]);
        }
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

const SNAPSHOT: &str = "variable \"create_timeout\" {\n  default = \"20m\"\n}\n\n\
                        resource \"ncloud_searchengine_snapshot\" \"s\" {\n  \
                        service_group_instance_no = \"1037000\"\n  snapshot_name             = \"secretive\"\n  \
                        bucket_name               = \"ses-snapshots\"\n\n  \
                        timeouts {\n    create = var.create_timeout\n  }\n}\n";

/// The provider block takes both keys from variables, so the secret travels
/// through the configuration (ConfigureProvider), not only the environment.
fn configure(workspace: &mut Workspace, proxy: &RecordingProxy, access: &str, secret: &str) {
    workspace.unset_env("NCLOUD_ACCESS_KEY");
    workspace.unset_env("NCLOUD_SECRET_KEY");
    workspace.set_env("NCLOUD_SEARCHENGINE_ENDPOINT", &proxy.url());
    workspace.set_env("TF_VAR_access_key", access);
    workspace.set_env("TF_VAR_secret_key", secret);
    workspace.set_env("TF_LOG", "trace");
    workspace.write_main(&format!(
        "variable \"access_key\" {{}}\nvariable \"secret_key\" {{\n  sensitive = true\n}}\n\n\
         provider \"ncloud\" {{\n  access_key = var.access_key\n  secret_key = var.secret_key\n}}\n\n{SNAPSHOT}"
    ));
}

fn assert_nothing_leaked(logs: &str, secrets: &[&str], signatures: &[String], what: &str) {
    for secret in secrets {
        assert!(
            !logs.contains(secret),
            "{what}: the secret key reached the log"
        );
    }
    for signature in signatures {
        assert!(
            !logs.contains(signature.as_str()),
            "{what}: the signature {signature} reached the log"
        );
    }
    assert!(
        !logs.to_ascii_lowercase().contains(SIGNATURE_HEADER),
        "{what}: a signature header reached the log"
    );
}

#[test]
fn trace_logs_of_a_whole_lifecycle_and_every_failure_hold_no_secret_or_signature() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let proxy = RecordingProxy::start(&emulator.address);
        let mut logs = String::new();

        let mut workspace = Workspace::new(&terraform, &emulator);
        configure(&mut workspace, &proxy, ACCESS_KEY, SECRET_KEY);
        workspace.write("storage.tf", &storage_key_config());
        logs += &workspace.apply().success().all();
        logs += &workspace.plan_exit_code(&[]).all();
        logs += &workspace
            .run(&["apply", "-refresh-only", "-auto-approve", "-input=false"])
            .success()
            .all();
        let mut imported = Workspace::new(&terraform, &emulator);
        configure(&mut imported, &proxy, ACCESS_KEY, SECRET_KEY);
        let id = format!("{CLUSTER}:secretive");
        logs += &imported
            .run(&["import", "-no-color", "ncloud_searchengine_snapshot.s", &id])
            .success()
            .all();
        logs += &workspace.destroy().success().all();

        let wrong_secret = "a-wrong-secret-key-7d41c0";
        for (access, secret, what) in [
            ("unknown-access-key", SECRET_KEY, "unknown key"),
            (ACCESS_KEY, wrong_secret, "bad signature"),
        ] {
            let mut failing = Workspace::new(&terraform, &emulator);
            configure(&mut failing, &proxy, access, secret);
            let run = failing.apply();
            assert_ne!(run.code, 0, "{what}");
            assert!(run.all().contains("Authentication Failed"), "{what}");
            logs += &run.all();
        }

        let throttling = Emulator::start(&["--fault", "rate=1,seed=3,latency-ms=0,kinds=429"]);
        let throttled_proxy = RecordingProxy::start(&throttling.address);
        let mut throttled = Workspace::new(&terraform, &throttling);
        configure(&mut throttled, &throttled_proxy, ACCESS_KEY, SECRET_KEY);
        // A short create timeout ends the retries of a gateway that never
        // stops throttling, so the error comes in seconds.
        throttled.set_env("TF_VAR_create_timeout", "4s");
        let run = throttled.apply();
        assert_ne!(run.code, 0, "throttling");
        assert!(run.all().contains("429"), "{}", run.all());
        logs += &run.all();

        let mut signatures = proxy.signatures();
        signatures.extend(throttled_proxy.signatures());
        assert!(
            signatures.len() > 10 && signatures.iter().all(|s| s.len() == 44),
            "the proxy must see the signatures it checks for: {signatures:?}"
        );
        assert!(
            logs.contains("ncloud api call") && logs.contains("ConfigureProvider"),
            "the provider's trace lines must be in the log to be checked"
        );
        assert_nothing_leaked(
            &logs,
            &[SECRET_KEY, wrong_secret, STORAGE_SECRET],
            &signatures,
            &terraform.version,
        );
        println!(
            "secrets on Terraform {}: {} bytes of trace log, {} signatures sent, none logged",
            terraform.version,
            logs.len(),
            signatures.len()
        );
    }
}

#[test]
fn the_secret_key_is_sensitive_in_the_schema_and_hidden_in_plans() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let proxy = RecordingProxy::start(&emulator.address);
        let mut workspace = Workspace::new(&terraform, &emulator);
        configure(&mut workspace, &proxy, ACCESS_KEY, SECRET_KEY);
        workspace.run(&["init", "-no-color"]);
        let run = workspace.run(&["providers", "schema", "-json"]).success();
        let schema: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
        let providers = schema["provider_schemas"].as_object().cloned();
        let provider = providers
            .and_then(|all| {
                all.into_iter()
                    .find(|(name, _)| name.ends_with("ncloud-rs/ncloud"))
            })
            .map(|(_, schema)| schema)
            .expect("our provider's schema");
        let secret = &provider["provider"]["block"]["attributes"]["secret_key"];
        assert_eq!(secret["sensitive"], true, "{secret}");
        let resources = &provider["resource_schemas"];
        let stored = &resources["ncloud_searchengine_storage_key"]["block"]["attributes"];
        assert_eq!(stored["secret_key"]["sensitive"], true, "{stored}");

        workspace.write("storage.tf", &storage_key_config());
        let plan = workspace.plan_exit_code(&[]);
        assert_eq!(plan.code, 2, "{}", plan.all());
        let output = plan.all();
        assert!(!output.contains(SECRET_KEY) && !output.contains(STORAGE_SECRET));
        let secret_line = output
            .lines()
            .find(|line| line.trim_start().starts_with("+ secret_key "))
            .unwrap_or_else(|| panic!("no secret_key in the plan: {output}"));
        assert!(secret_line.contains("(sensitive value)"), "{secret_line}");
    }
}
