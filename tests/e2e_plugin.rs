//! The plugin as the real Terraform CLIs see it: schemas with descriptions
//! through `dev_overrides`, and the `--debug` mode through
//! `TF_REATTACH_PROVIDERS`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use support::{Emulator, Workspace, terraform_clis};

/// Every attribute and block of a schema block from `providers schema
/// -json`, with its description, as `path: description`.
fn descriptions(block: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    if let Some(attributes) = block["attributes"].as_object() {
        for (name, attribute) in attributes {
            let text = attribute["description"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            out.push((format!("{prefix}{name}"), text));
        }
    }
    if let Some(blocks) = block["block_types"].as_object() {
        for (name, nested) in blocks {
            let text = nested["block"]["description"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            out.push((format!("{prefix}{name}"), text));
            descriptions(&nested["block"], &format!("{prefix}{name}."), out);
        }
    }
}

fn check_schema_json(output: &str, version: &str) {
    let json: Value = serde_json::from_str(output).expect("providers schema -json");
    let provider = &json["provider_schemas"]["registry.terraform.io/ncloud-rs/ncloud"];
    assert!(provider.is_object(), "Terraform {version}: {json}");
    let mut all = Vec::new();
    descriptions(&provider["provider"]["block"], "provider.", &mut all);
    for kind in ["resource_schemas", "data_source_schemas"] {
        for (name, schema) in provider[kind].as_object().into_iter().flatten() {
            descriptions(&schema["block"], &format!("{name}."), &mut all);
        }
    }
    assert!(
        all.iter()
            .any(|(path, _)| path == "ncloud_searchengine_snapshot.snapshot_name")
    );
    for (path, text) in &all {
        assert!(
            !text.is_empty(),
            "Terraform {version}: {path} has no description"
        );
    }
    let secret = &provider["provider"]["block"]["attributes"]["secret_key"];
    assert_eq!(secret["sensitive"], true, "Terraform {version}");
    eprintln!(
        "Terraform {version}: {} described attributes and blocks",
        all.len()
    );
}

#[test]
fn providers_schema_json_shows_every_schema_with_descriptions() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let workspace = Workspace::new(&terraform, &emulator);
        workspace.write_main("");
        let run = workspace.run(&["providers", "schema", "-json"]).success();
        check_schema_json(&run.stdout, &terraform.version);
    }
}

/// The provider in `--debug` mode, killed when dropped.
struct DebugProvider {
    child: Child,
    reattach: String,
}

impl DebugProvider {
    fn start() -> DebugProvider {
        let mut child = Command::new(support::PROVIDER)
            .arg("--debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the provider in debug mode");
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        while reader.read_line(&mut line).expect("read") > 0 {
            if let Some(rest) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS='") {
                let reattach = rest.trim_end_matches('\'').to_string();
                return DebugProvider { child, reattach };
            }
            line.clear();
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the debug provider printed no TF_REATTACH_PROVIDERS line");
    }
}

impl Drop for DebugProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn debug_mode_serves_validate_and_schema_to_several_commands() {
    let provider = DebugProvider::start();
    let reattach: Value = serde_json::from_str(&provider.reattach).expect("reattach JSON");
    let entry = &reattach["registry.terraform.io/ncloud-rs/ncloud"];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "unix");

    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let mut workspace = Workspace::new(&terraform, &emulator);
        workspace.set_env("TF_REATTACH_PROVIDERS", &provider.reattach);
        workspace.write_main(
            "resource \"ncloud_searchengine_snapshot\" \"s\" {\n  service_group_instance_no = \"1\"\n  \
             snapshot_name             = \"x\"\n  bucket_name               = \"ses-snapshots\"\n}\n",
        );
        let run = workspace.run(&["validate", "-no-color"]);
        assert_ne!(run.code, 0, "the too-short name must be refused");
        assert!(run.all().contains("3 to 30 characters"), "{}", run.all());
        let run = workspace.run(&["providers", "schema", "-json"]).success();
        check_schema_json(&run.stdout, &terraform.version);
    }
    let mut provider = provider;
    assert!(
        provider.child.try_wait().unwrap().is_none(),
        "one process serves every command"
    );
}
