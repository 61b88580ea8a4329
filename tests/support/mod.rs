//! Shared helpers of the integration tests: the real Terraform CLIs, the
//! real emulator binary, and a working directory per test with a CLI
//! configuration that points Terraform at the provider under test.

#![allow(dead_code)]

pub mod plugin;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The provider binary cargo built for these tests.
pub const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ncloud");
/// The emulator binary cargo built for these tests.
pub const EMULATOR: &str = env!("CARGO_BIN_EXE_ncloud-emulator");
/// The emulator's default credentials.
pub const ACCESS_KEY: &str = "ncloud-emulator-access-key";
pub const SECRET_KEY: &str = "ncloud-emulator-secret-key";
/// The emulator's default cluster and bucket.
pub const CLUSTER: &str = "1037000";
pub const BUCKET: &str = "ses-snapshots";

/// One Terraform CLI.
#[derive(Debug, Clone)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: String,
}

impl Terraform {
    /// Whether this CLI is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        let mut parts = self
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (have_major, have_minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (have_major, have_minor) >= (major, minor)
    }
}

/// Every Terraform CLI the end-to-end tests must run against: the list in
/// `NCLOUD_TEST_TERRAFORM_CLIS` (set by `make test`), or else Terraform
/// 1.0.3 in `.tools/` and the one on PATH. A missing CLI fails the test:
/// skipping would hide that nothing was tested.
pub fn terraform_clis() -> Vec<Terraform> {
    let listed = std::env::var("NCLOUD_TEST_TERRAFORM_CLIS").unwrap_or_default();
    let mut paths: Vec<PathBuf> = listed
        .split(':')
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        paths.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/terraform-1.0.3/terraform"));
        paths.push(PathBuf::from("terraform"));
    }
    let clis: Vec<Terraform> = paths.into_iter().map(probe).collect();
    assert!(
        clis.len() >= 2,
        "the end-to-end tests need Terraform 1.0.3 and a modern Terraform"
    );
    clis
}

fn probe(path: PathBuf) -> Terraform {
    let output = Command::new(&path)
        .args(["version", "-json"])
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run Terraform at {}: {error}; run `make tools` first",
                path.display()
            )
        });
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{} did not print its version as JSON", path.display()));
    let version = json["terraform_version"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    eprintln!("using Terraform {version} at {}", path.display());
    Terraform { path, version }
}

/// A running emulator, stopped when dropped.
pub struct Emulator {
    child: Child,
    pub address: String,
}

impl Emulator {
    /// Starts the emulator binary with extra arguments.
    pub fn start(arguments: &[&str]) -> Emulator {
        let mut child = Command::new(EMULATOR)
            .args(["--listen", "127.0.0.1:0"])
            .args(arguments)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start ncloud-emulator");
        let stdout = child.stdout.take().expect("emulator stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("emulator's first line");
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line from the emulator: {line:?}"))
            .to_string();
        Emulator { child, address }
    }

    /// The base URL for the provider's `endpoint`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `GET /__emulator/state`.
    pub fn state(&self) -> Value {
        self.request("GET", "/__emulator/state")
    }

    /// `GET /__emulator/requests`.
    pub fn requests(&self) -> Vec<Value> {
        self.request("GET", "/__emulator/requests")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Requests to one API call, such as `createSnapshot`.
    pub fn requests_to(&self, endpoint: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["endpoint"] == endpoint)
            .collect()
    }

    /// The live snapshots of a cluster, by name.
    pub fn snapshots(&self, cluster: &str) -> serde_json::Map<String, Value> {
        self.state()["clusters"][cluster]["snapshots"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    /// Sends a request to the emulator's introspection routes.
    pub fn request(&self, method: &str, path: &str) -> Value {
        let mut stream = TcpStream::connect(&self.address).expect("connect to the emulator");
        stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.address
        );
        stream
            .write_all(request.as_bytes())
            .expect("send to the emulator");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read from the emulator");
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(
            head.starts_with("HTTP/1.1 2"),
            "{method} {path} failed: {head}"
        );
        serde_json::from_str(body.trim()).unwrap_or(Value::Null)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory holding the provider binary under the name Terraform looks
/// for, shared by the workspaces of one test.
fn plugin_dir(root: &Path) -> PathBuf {
    let dir = root.join("plugins");
    std::fs::create_dir_all(&dir).expect("plugin dir");
    let link = dir.join("terraform-provider-ncloud");
    if !link.exists() {
        std::os::unix::fs::symlink(PROVIDER, &link).expect("link the provider binary");
    }
    dir
}

/// A Terraform working directory with its own CLI configuration, using the
/// provider under test through `dev_overrides`.
pub struct Workspace {
    _root: tempfile::TempDir,
    pub dir: PathBuf,
    pub terraform: Terraform,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
}

/// What a Terraform command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Both streams, for messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics with the output unless the command succeeded.
    pub fn success(self) -> Run {
        assert_eq!(self.code, 0, "terraform failed:\n{}", self.all());
        self
    }
}

impl Workspace {
    /// A workspace for `terraform` whose provider talks to `emulator` with
    /// the emulator's credentials, given through the environment.
    pub fn new(terraform: &Terraform, emulator: &Emulator) -> Workspace {
        let root = tempfile::tempdir().expect("temporary directory");
        let dir = root.path().join("work");
        std::fs::create_dir_all(&dir).expect("work dir");
        let plugins = plugin_dir(root.path());
        let cli_config = root.path().join("terraform.rc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"ncloud-rs/ncloud\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                plugins.display()
            ),
        )
        .expect("CLI config");
        let env = vec![
            ("NCLOUD_ACCESS_KEY".to_string(), ACCESS_KEY.to_string()),
            ("NCLOUD_SECRET_KEY".to_string(), SECRET_KEY.to_string()),
            ("NCLOUD_SEARCHENGINE_ENDPOINT".to_string(), emulator.url()),
        ];
        Workspace {
            _root: root,
            dir,
            terraform: terraform.clone(),
            cli_config,
            env,
        }
    }

    /// Sets (or overrides) an environment variable for every command.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    /// Removes an environment variable for every command.
    pub fn unset_env(&mut self, name: &str) {
        self.env.retain(|(n, _)| n != name);
    }

    /// Writes `main.tf` with the provider requirement prepended.
    pub fn write_main(&self, body: &str) {
        self.write("main.tf", &format!("{}\n{body}", required_providers()));
    }

    /// Writes a file into the working directory.
    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.dir.join(name), content).expect("write configuration");
    }

    /// Runs Terraform with arguments.
    pub fn run(&self, arguments: &[&str]) -> Run {
        self.run_with(arguments, &[])
    }

    /// Runs Terraform with arguments and extra environment.
    pub fn run_with(&self, arguments: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let mut command = self.command(arguments);
        for (name, value) in extra_env {
            command.env(name, value);
        }
        let output: Output = command.output().expect("run terraform");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The command, ready to run or to spawn.
    pub fn command(&self, arguments: &[&str]) -> Command {
        let mut command = Command::new(&self.terraform.path);
        command
            .args(arguments)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.parent().unwrap_or(&self.dir))
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .stdin(Stdio::null());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// `terraform apply -auto-approve`.
    pub fn apply(&self) -> Run {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform destroy -auto-approve`.
    pub fn destroy(&self) -> Run {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// Exit code of `terraform plan -detailed-exitcode` with extra flags.
    pub fn plan_exit_code(&self, flags: &[&str]) -> Run {
        let mut arguments = vec!["plan", "-detailed-exitcode", "-input=false", "-no-color"];
        arguments.extend_from_slice(flags);
        self.run(&arguments)
    }

    /// `terraform show -json`, parsed.
    pub fn show_json(&self) -> Value {
        let run = self.run(&["show", "-json"]).success();
        serde_json::from_str(&run.stdout).expect("show -json output")
    }

    /// The attribute values of a resource in state, by address.
    pub fn resource_values(&self, address: &str) -> Value {
        let state = self.show_json();
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} is not in state: {state}"))
    }

    /// The number of resources in state.
    pub fn resource_count(&self) -> usize {
        let state = self.show_json();
        state["values"]["root_module"]["resources"]
            .as_array()
            .map_or(0, Vec::len)
    }
}

/// The `terraform` block every test configuration starts with.
pub fn required_providers() -> &'static str {
    "terraform {\n  required_providers {\n    ncloud = {\n      source = \"ncloud-rs/ncloud\"\n    }\n  }\n}\n"
}
