//! `ncloud_searchengine_snapshot` end to end: the real Terraform CLIs, the
//! real provider binary over mutual TLS, and the emulator in place of NAVER
//! Cloud. Every test runs on every Terraform version available.

mod support;

use serde_json::{Value, json};
use support::{BUCKET, CLUSTER, Emulator, SECRET_KEY, Workspace, terraform_clis};

const ADDRESS: &str = "ncloud_searchengine_snapshot.s";

fn snapshot_config(name: &str) -> String {
    format!(
        "resource \"ncloud_searchengine_snapshot\" \"s\" {{\n  service_group_instance_no = \"{CLUSTER}\"\n  \
         snapshot_name             = \"{name}\"\n  bucket_name               = \"{BUCKET}\"\n}}\n"
    )
}

/// Applies one snapshot and returns the workspace and its emulator.
fn applied(
    terraform: &support::Terraform,
    name: &str,
    emulator_args: &[&str],
) -> (Workspace, Emulator) {
    let emulator = Emulator::start(emulator_args);
    let workspace = Workspace::new(terraform, &emulator);
    workspace.write_main(&snapshot_config(name));
    workspace.apply().success();
    (workspace, emulator)
}

fn without(mut values: Value, ignored: &[&str]) -> Value {
    if let Some(object) = values.as_object_mut() {
        for name in ignored {
            object.remove(*name);
        }
    }
    values
}

/// The error diagnostics of `terraform validate -json`, with their lines.
fn validation_errors(workspace: &Workspace) -> Vec<(i64, String)> {
    let run = workspace.run(&["validate", "-json", "-no-color"]);
    let report: Value = serde_json::from_str(&run.stdout).expect("validate -json");
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut errors: Vec<(i64, String)> = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let line = d["range"]["start"]["line"].as_i64().unwrap_or(0);
            (line, format!("{}: {}", d["summary"], d["detail"]))
        })
        .collect();
    errors.sort();
    errors
}

/// Terraform skips the resources of a provider whose block failed
/// validation, so the bad region and the bad arguments are shown in two
/// runs: first the region, then, with the region fixed, all three
/// arguments at once. Neither run may call the API.
#[test]
fn validate_reports_every_problem_at_its_attribute_without_api_calls() {
    let resource = "resource \"ncloud_searchengine_snapshot\" \"s\" {\n  \
                    service_group_instance_no = \"cluster-1\"\n  snapshot_name             = \"Bad--Name\"\n  \
                    bucket_name               = \"B\"\n}\n";
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let workspace = Workspace::new(&terraform, &emulator);

        workspace.write_main(&format!(
            "provider \"ncloud\" {{\n  region = \"SG\"\n}}\n\n{resource}"
        ));
        let errors = validation_errors(&workspace);
        assert_eq!(
            errors.len(),
            1,
            "Terraform {}: {errors:#?}",
            terraform.version
        );
        // main.tf: the terraform block takes lines 1-7, the provider block 9-11.
        assert_eq!(errors[0].0, 10);
        assert!(errors[0].1.contains("SGN"), "{errors:?}");

        workspace.write_main(&format!(
            "provider \"ncloud\" {{\n  region = \"SGN\"\n}}\n\n{resource}"
        ));
        let errors = validation_errors(&workspace);
        let lines: Vec<i64> = errors.iter().map(|(line, _)| *line).collect();
        assert_eq!(
            lines,
            [14, 15, 16],
            "Terraform {}: {errors:#?}",
            terraform.version
        );
        assert!(errors[0].1.contains("digits only"), "{errors:?}");
        assert!(errors[1].1.contains("--"), "{errors:?}");
        assert!(errors[2].1.contains("lowercase"), "{errors:?}");

        assert_eq!(
            emulator.state()["counters"]["requests"],
            0,
            "validate must not call the API"
        );
    }
}

#[test]
fn apply_creates_one_signed_snapshot_and_records_every_attribute() {
    for terraform in terraform_clis() {
        let (workspace, emulator) = applied(&terraform, "apply-test", &[]);
        assert!(emulator.snapshots(CLUSTER).contains_key("apply-test"));
        let creates = emulator.requests_to("createSnapshot");
        assert_eq!(creates.len(), 1, "{creates:#?}");
        assert_eq!(creates[0]["authenticated"], true);
        assert_eq!(
            creates[0]["body"],
            json!({"snapshotName": "apply-test", "bucketName": BUCKET})
        );

        let values = workspace.resource_values(ADDRESS);
        assert_eq!(values["id"], format!("{CLUSTER}:apply-test"));
        for attribute in [
            "request_id",
            "cluster_name",
            "request_type",
            "action_date",
            "duration",
            "message",
        ] {
            let value = values[attribute].as_str().unwrap_or_default();
            assert!(
                !value.is_empty(),
                "{attribute} is empty on Terraform {}: {values:#}",
                terraform.version
            );
        }
        assert_eq!(values["has_error_log"], false);
    }
}

#[test]
fn after_apply_every_plan_is_empty_and_refresh_changes_nothing() {
    for terraform in terraform_clis() {
        let (workspace, _emulator) = applied(&terraform, "no-drift", &[]);
        for flags in [&[][..], &["-refresh=false"][..], &["-refresh-only"][..]] {
            let run = workspace.plan_exit_code(flags);
            assert_eq!(
                run.code,
                0,
                "plan {flags:?} on Terraform {}:\n{}",
                terraform.version,
                run.all()
            );
        }
        let before = workspace.show_json();
        workspace
            .run(&["apply", "-refresh-only", "-auto-approve", "-input=false"])
            .success();
        let after = workspace.show_json();
        assert_eq!(
            before["values"], after["values"],
            "a refresh changed the state"
        );
    }
}

#[test]
fn import_by_id_gives_the_same_state_and_a_missing_snapshot_fails_clearly() {
    for terraform in terraform_clis() {
        let (original, emulator) = applied(&terraform, "import-me", &[]);
        let expected = without(
            original.resource_values(ADDRESS),
            &["request_id", "timeouts"],
        );

        let fresh = Workspace::new(&terraform, &emulator);
        fresh.write_main(&snapshot_config("import-me"));
        fresh
            .run(&[
                "import",
                "-no-color",
                ADDRESS,
                &format!("{CLUSTER}:import-me"),
            ])
            .success();
        let imported = fresh.resource_values(ADDRESS);
        assert_eq!(
            without(imported.clone(), &["request_id", "timeouts"]),
            expected
        );
        assert!(
            imported["request_id"].is_null(),
            "the API cannot give request_id back"
        );
        assert_eq!(
            fresh.plan_exit_code(&[]).code,
            0,
            "plan after import must be empty"
        );

        let missing = Workspace::new(&terraform, &emulator);
        missing.write_main(&snapshot_config("never-made"));
        let run = missing.run(&[
            "import",
            "-no-color",
            ADDRESS,
            &format!("{CLUSTER}:never-made"),
        ]);
        assert_ne!(run.code, 0);
        assert!(
            run.all().contains("Cannot Import Snapshot"),
            "{}",
            run.all()
        );
        let run = missing.run(&["import", "-no-color", ADDRESS, "not-an-id"]);
        assert!(run.all().contains("Invalid Import ID"), "{}", run.all());
    }
}

#[test]
fn import_blocks_and_generated_config_work_on_terraform_1_5_and_later() {
    for terraform in terraform_clis().into_iter().filter(|t| t.at_least(1, 5)) {
        let (original, emulator) = applied(&terraform, "import-block", &[]);
        let expected = without(
            original.resource_values(ADDRESS),
            &["request_id", "timeouts"],
        );

        let with_block = Workspace::new(&terraform, &emulator);
        with_block.write_main(&format!(
            "import {{\n  to = {ADDRESS}\n  id = \"{CLUSTER}:import-block\"\n}}\n\n{}",
            snapshot_config("import-block")
        ));
        with_block.apply().success();
        assert_eq!(
            without(
                with_block.resource_values(ADDRESS),
                &["request_id", "timeouts"]
            ),
            expected
        );

        let generating = Workspace::new(&terraform, &emulator);
        generating.write_main(&format!(
            "import {{\n  to = {ADDRESS}\n  id = \"{CLUSTER}:import-block\"\n}}\n"
        ));
        generating
            .run(&[
                "plan",
                "-no-color",
                "-input=false",
                "-generate-config-out=generated.tf",
            ])
            .success();
        let generated = std::fs::read_to_string(generating.dir.join("generated.tf")).unwrap();
        assert!(
            generated.contains("snapshot_name") && generated.contains("import-block"),
            "{generated}"
        );
        generating.apply().success();
        assert_eq!(
            without(
                generating.resource_values(ADDRESS),
                &["request_id", "timeouts"]
            ),
            expected
        );
    }
}

#[test]
fn changing_the_name_replaces_the_snapshot_and_warns_for_the_old_one() {
    for terraform in terraform_clis() {
        let (workspace, emulator) = applied(&terraform, "first-name", &[]);
        workspace.write_main(&snapshot_config("second-name"));
        workspace
            .run(&["plan", "-out=replace.plan", "-input=false", "-no-color"])
            .success();
        let plan: Value = serde_json::from_str(
            &workspace
                .run(&["show", "-json", "replace.plan"])
                .success()
                .stdout,
        )
        .unwrap();
        let actions = &plan["resource_changes"][0]["change"]["actions"];
        assert_eq!(
            actions,
            &json!(["delete", "create"]),
            "Terraform {}",
            terraform.version
        );

        let run = workspace
            .run(&[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "replace.plan",
            ])
            .success();
        assert!(run.all().contains("Snapshot Not Deleted"), "{}", run.all());
        assert_eq!(
            workspace.resource_values(ADDRESS)["snapshot_name"],
            "second-name"
        );
        assert!(emulator.snapshots(CLUSTER).contains_key("second-name"));
    }
}

#[test]
fn a_failed_snapshot_is_reported_and_left_tainted() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&["--fail-snapshot", "doomed"]);
        let workspace = Workspace::new(&terraform, &emulator);
        workspace.write_main(&snapshot_config("doomed"));
        let run = workspace.apply();
        assert_ne!(run.code, 0);
        assert!(
            run.all().contains("Snapshot Failed") && run.all().contains("Dashboards"),
            "{}",
            run.all()
        );
        let plan = workspace.run(&["plan", "-no-color", "-input=false"]);
        assert!(
            plan.all().contains("tainted"),
            "Terraform {}:\n{}",
            terraform.version,
            plan.all()
        );
    }
}

#[test]
fn a_snapshot_gone_from_history_keeps_its_state_with_a_warning_and_destroys() {
    for terraform in terraform_clis() {
        let (workspace, emulator) = applied(&terraform, "vanishing", &[]);
        emulator.request(
            "DELETE",
            &format!("/__emulator/snapshots/{CLUSTER}/vanishing"),
        );
        emulator.request("POST", &format!("/__emulator/history/{CLUSTER}/clear"));
        let run = workspace.plan_exit_code(&[]);
        assert_eq!(run.code, 0, "{}", run.all());
        assert!(
            run.all().contains("Snapshot Not In History"),
            "{}",
            run.all()
        );
        workspace.destroy().success();
        assert_eq!(workspace.resource_count(), 0);
    }
}

#[test]
fn destroy_forgets_with_a_warning_and_a_deleted_name_can_be_made_again() {
    for terraform in terraform_clis() {
        let (workspace, emulator) = applied(&terraform, "again", &[]);
        let run = workspace.destroy().success();
        assert!(
            run.all().contains("Snapshot Not Deleted") && run.all().contains(BUCKET),
            "{}",
            run.all()
        );
        assert_eq!(workspace.resource_count(), 0);
        assert!(
            emulator.snapshots(CLUSTER).contains_key("again"),
            "the API cannot delete it"
        );

        emulator.request("DELETE", &format!("/__emulator/snapshots/{CLUSTER}/again"));
        workspace.apply().success();
        let values = workspace.resource_values(ADDRESS);
        let history = emulator.state()["clusters"][CLUSTER]["history"]
            .as_array()
            .cloned()
            .unwrap();
        assert_eq!(
            history
                .iter()
                .filter(|e| e["snapshotName"] == "again")
                .count(),
            2
        );
        assert_eq!(
            values["action_date"], history[0]["actionDate"],
            "state shows the new snapshot, not the old"
        );
    }
}

#[test]
fn a_wrong_secret_fails_with_an_authentication_message_and_never_shows_the_secret() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let mut workspace = Workspace::new(&terraform, &emulator);
        let wrong = "wrong-secret-value-0123456789";
        workspace.set_env("NCLOUD_SECRET_KEY", wrong);
        workspace.write_main(&snapshot_config("auth-test"));
        let run = workspace.run_with(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG", "trace")],
        );
        assert_ne!(run.code, 0);
        let output = run.all();
        assert!(output.contains("Authentication Failed"), "{output}");
        assert!(
            output.contains("NCLOUD_SECRET_KEY") && output.contains("secret_key"),
            "{output}"
        );
        assert!(
            !output.contains(wrong),
            "the secret leaked into Terraform's output"
        );
        assert!(
            emulator.state()["counters"]["auth_failures"]
                .as_i64()
                .unwrap_or(0)
                > 0
        );
    }
}

#[test]
fn trace_logs_carry_the_provider_lines_at_their_levels_and_no_secret() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let workspace = Workspace::new(&terraform, &emulator);
        workspace.write_main(&snapshot_config("logged"));
        let run = workspace.run_with(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG", "trace")],
        );
        assert_eq!(run.code, 0, "{}", run.all());
        let log = run.stderr;
        for level in ["TRACE", "DEBUG"] {
            let marker = format!("[{level}] provider.terraform-provider-ncloud");
            assert!(
                log.contains(&marker),
                "no {marker} line on Terraform {}",
                terraform.version
            );
        }
        assert!(log.contains("ApplyResourceChange"), "RPC names are logged");
        assert!(log.contains("createSnapshot"), "API calls are logged");
        assert!(!log.contains(SECRET_KEY), "the secret key reached the log");
        assert!(
            !log.contains("x-ncp-apigw-signature-v2:"),
            "a signature header reached the log"
        );
    }
}

#[test]
fn twenty_snapshots_on_two_clusters_are_each_created_once() {
    for terraform in terraform_clis() {
        let emulator =
            Emulator::start(&["--cluster", "1037000:alpha", "--cluster", "2048000:beta"]);
        let workspace = Workspace::new(&terraform, &emulator);
        workspace.write_main(
            "locals {\n  snapshots = { for i in range(20) : \"many-${i}\" => (i % 2 == 0 ? \"1037000\" : \"2048000\") }\n}\n\n\
             resource \"ncloud_searchengine_snapshot\" \"many\" {\n  for_each                  = local.snapshots\n  \
             service_group_instance_no = each.value\n  snapshot_name             = each.key\n  \
             bucket_name               = \"ses-snapshots\"\n}\n",
        );
        workspace.apply().success();
        let state = emulator.state();
        for (cluster, parity) in [("1037000", 0), ("2048000", 1)] {
            let snapshots = state["clusters"][cluster]["snapshots"].as_object().unwrap();
            assert_eq!(snapshots.len(), 10, "{cluster}");
            for i in (parity..20).step_by(2) {
                let attempts = &state["clusters"][cluster]["create_attempts"][format!("many-{i}")];
                assert_eq!(attempts, 1, "many-{i} on {cluster}");
            }
        }
        assert_eq!(workspace.resource_count(), 20);
        assert_eq!(workspace.plan_exit_code(&[]).code, 0);
    }
}

#[test]
fn works_under_another_local_name_beside_the_official_provider() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let workspace = Workspace::new(&terraform, &emulator);
        workspace.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    ncloudrs = {{\n      source = \"ncloud-rs/ncloud\"\n    }}\n  }}\n}}\n\n\
                 provider \"ncloudrs\" {{\n  support_vpc = true\n}}\n\n\
                 resource \"ncloud_searchengine_snapshot\" \"s\" {{\n  provider                  = ncloudrs\n  \
                 service_group_instance_no = \"{CLUSTER}\"\n  snapshot_name             = \"local-name\"\n  \
                 bucket_name               = \"{BUCKET}\"\n}}\n"
            ),
        );
        workspace.apply().success();
        assert!(emulator.snapshots(CLUSTER).contains_key("local-name"));
        assert_eq!(workspace.plan_exit_code(&[]).code, 0);
    }
}

#[test]
fn debug_mode_serves_plan_and_apply_through_reattach() {
    use std::io::{BufRead, BufReader};
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let mut provider = std::process::Command::new(support::PROVIDER)
            .arg("--debug")
            .env("NCLOUD_ACCESS_KEY", support::ACCESS_KEY)
            .env("NCLOUD_SECRET_KEY", SECRET_KEY)
            .env("NCLOUD_SEARCHENGINE_ENDPOINT", emulator.url())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(provider.stdout.take().unwrap());
        let mut reattach = None;
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 {
            if let Some(rest) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS='") {
                reattach = Some(rest.trim_end_matches('\'').to_string());
                break;
            }
            line.clear();
        }
        let reattach = reattach.expect("the debug line");
        let mut workspace = Workspace::new(&terraform, &emulator);
        workspace.set_env("TF_REATTACH_PROVIDERS", &reattach);
        // The provider's own environment matters here, not Terraform's.
        workspace.unset_env("NCLOUD_SEARCHENGINE_ENDPOINT");
        workspace.write_main(&snapshot_config("debugged"));
        assert_eq!(workspace.plan_exit_code(&[]).code, 2);
        workspace.apply().success();
        assert!(emulator.snapshots(CLUSTER).contains_key("debugged"));
        assert!(
            provider.try_wait().unwrap().is_none(),
            "one process serves every command"
        );
        let _ = provider.kill();
        let _ = provider.wait();
    }
}
