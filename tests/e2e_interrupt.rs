//! Ctrl-C during an apply against a slow gateway, as a terminal sends it: a
//! SIGINT to Terraform's whole process group, the provider included. The
//! provider must survive it, stop waiting at once, finish and record every
//! createSnapshot already sent, and leave a state from which the next apply
//! converges with no duplicate and no orphan.

mod support;

use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{CLUSTER, Emulator, Workspace, terraform_clis};

/// Every API call takes this long, so an interrupt always finds calls in
/// flight; Terraform's 3 seconds must cover the longest of them.
const LATENCY_MS: &str = "1500";
/// How long Terraform may take to exit after Ctrl-C.
const EXIT_BUDGET: Duration = Duration::from_secs(3);
const SNAPSHOTS: usize = 4;

fn config() -> String {
    format!(
        "resource \"ncloud_searchengine_snapshot\" \"slow\" {{\n  count                     = {SNAPSHOTS}\n  \
         service_group_instance_no = \"{CLUSTER}\"\n  snapshot_name             = \"slow-${{count.index}}\"\n  \
         bucket_name               = \"ses-snapshots\"\n}}\n"
    )
}

#[test]
fn ctrl_c_ends_the_apply_quickly_and_the_next_apply_converges() {
    for terraform in terraform_clis() {
        // A third of the answers fail, so Ctrl-C finds backoffs and history
        // waits in progress as well as requests in flight.
        let fault = format!("rate=0.3,seed=5,latency-ms={LATENCY_MS}");
        let emulator = Emulator::start(&["--fault", &fault, "--history-delay-ms", "500"]);
        let workspace = Workspace::new(&terraform, &emulator);
        workspace.write_main(&config());
        let log = workspace.dir.join("provider.log");

        let mut apply = workspace.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        apply
            .env("TF_LOG_PROVIDER", "debug")
            .env("TF_LOG_PATH", &log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut child = apply.spawn().expect("start terraform apply");

        wait_for_create_in_flight(&emulator, &mut child);
        let interrupted = Instant::now();
        interrupt_group(&child);
        let status = wait_for_exit(&mut child, Duration::from_secs(60));
        let took = interrupted.elapsed();
        println!(
            "interrupt on Terraform {}: exited {:?} {:.2}s after SIGINT",
            terraform.version,
            status.code(),
            took.as_secs_f64()
        );
        assert!(
            took < EXIT_BUDGET,
            "Terraform {} took {took:?} to exit after Ctrl-C",
            terraform.version
        );

        let provider_log = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            provider_log.contains("stopping work in flight"),
            "StopProvider never reached the provider"
        );
        let sent = sent_creates(&emulator);
        let in_state = names_in_state(&workspace);
        println!(
            "interrupt on Terraform {}: {} createSnapshot sent before Terraform exited, \
             {} snapshots in state",
            terraform.version,
            sent.len(),
            in_state.len()
        );
        for name in &sent {
            assert!(
                in_state.contains(name),
                "Terraform {}: {name} was sent before the interrupt but is not in state \
                 ({in_state:?}); the provider did not finish it",
                terraform.version
            );
        }

        workspace.apply().success();
        let snapshots = emulator.snapshots(CLUSTER);
        let mut held: Vec<String> = snapshots.keys().cloned().collect();
        held.sort();
        let mut recorded = names_in_state(&workspace);
        recorded.sort();
        assert_eq!(held, recorded, "emulator and state differ");
        assert_eq!(held.len(), SNAPSHOTS);
        let attempts = &emulator.state()["clusters"][CLUSTER]["create_attempts"];
        for name in &held {
            assert_eq!(attempts[name], 1, "{name} was requested again");
        }
        assert_eq!(workspace.plan_exit_code(&[]).code, 0);
    }
}

/// Waits until the emulator has received a createSnapshot it has not yet
/// answered: the moment Ctrl-C must not lose.
fn wait_for_create_in_flight(emulator: &Emulator, child: &mut Child) {
    let give_up = Instant::now() + Duration::from_secs(120);
    loop {
        let in_flight = emulator
            .requests_to("createSnapshot")
            .iter()
            .any(|request| request["status"].is_null());
        if in_flight {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("terraform ended before any createSnapshot was sent: {status}");
        }
        assert!(Instant::now() < give_up, "no createSnapshot was ever sent");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGINT to the child's process group, as a terminal's Ctrl-C does.
fn interrupt_group(child: &Child) {
    let group = format!("-{}", child.id());
    let status = Command::new("kill")
        .args(["-s", "INT", "--", &group])
        .status();
    assert!(status.is_ok_and(|s| s.success()), "kill -INT {group}");
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let give_up = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("terraform did not exit within {limit:?} of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The names of every createSnapshot the emulator received.
fn sent_creates(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests_to("createSnapshot")
        .iter()
        .filter_map(|request| request["body"]["snapshotName"].as_str())
        .map(str::to_owned)
        .collect()
}

fn names_in_state(workspace: &Workspace) -> Vec<String> {
    let run = workspace.run(&["show", "-json"]);
    let state: Value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    state["values"]["root_module"]["resources"]
        .as_array()
        .map(|resources| {
            resources
                .iter()
                .filter_map(|r| r["values"]["snapshot_name"].as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
