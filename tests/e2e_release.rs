//! The release as users get it: `scripts/release.sh` makes the files, a
//! private filesystem mirror serves the zip, `terraform init` installs it
//! with no network and records it in the lock file, and the installed
//! binary applies against the emulator, logging at the levels `TF_LOG` and
//! `TF_LOG_PROVIDER` ask for. On every Terraform CLI the tests use.
//!
//! To keep `make test` fast the release packages the debug binary cargo
//! built for the tests (`PROVIDER_BINARY`), at Cargo.toml's version, which
//! is the version that binary reports. `make release` builds the optimised
//! binary the same script packages; only that build step is not run here.

mod support;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{ACCESS_KEY, BUCKET, CLUSTER, Emulator, PROVIDER, Run, SECRET_KEY, terraform_clis};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const NAME: &str = "terraform-provider-ncloud";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/release.sh")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `scripts/release.sh --out <out>` on the test binary.
fn release(out: &Path, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new("bash");
    command
        .arg(script())
        .arg("--out")
        .arg(out)
        .env("PROVIDER_BINARY", PROVIDER)
        .env_remove("GPG_FINGERPRINT")
        .env_remove("VERSION")
        .env_remove("RELEASE_TOOLS")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run scripts/release.sh");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn file_names() -> (String, String, String) {
    (
        format!("{NAME}_{VERSION}_linux_amd64.zip"),
        format!("{NAME}_{VERSION}_SHA256SUMS"),
        format!("{NAME}_{VERSION}_manifest.json"),
    )
}

/// The entries of a zip file as (name, unix mode, sha256), read with
/// Python's zipfile, which every machine running these tests has.
fn zip_entries(zip: &Path) -> Vec<(String, u32, String)> {
    let program = "import hashlib, json, sys, zipfile\n\
                   z = zipfile.ZipFile(sys.argv[1])\n\
                   print(json.dumps([[i.filename, i.external_attr >> 16, \
                   hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))";
    let output = Command::new("python3")
        .args(["-c", program])
        .arg(zip)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries: Vec<(String, u32, String)> =
        serde_json::from_slice(&output.stdout).expect("zip listing");
    entries
}

/// Checks one release directory: the zip, the manifest and the sums.
fn check_release_files(out: &Path) {
    let (zip, sums, manifest) = file_names();
    let binary = std::fs::read(PROVIDER).expect("read provider binary");
    let entries = zip_entries(&out.join(&zip));
    assert_eq!(
        entries,
        vec![(format!("{NAME}_v{VERSION}"), 0o100755, sha256_hex(&binary))],
        "the zip must hold only the executable binary under its versioned name"
    );

    let manifest_text = std::fs::read_to_string(out.join(&manifest)).expect("manifest");
    let manifest_json: Value = serde_json::from_str(&manifest_text).expect("manifest JSON");
    assert_eq!(
        manifest_json,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    let sums_text = std::fs::read_to_string(out.join(&sums)).expect("SHA256SUMS");
    let mut listed: Vec<(String, String)> = sums_text
        .lines()
        .map(|line| {
            let (sum, name) = line.split_once("  ").expect("\"<sum>  <name>\" lines");
            (name.to_string(), sum.to_string())
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = [&manifest, &zip]
        .iter()
        .map(|name| {
            let bytes = std::fs::read(out.join(name)).expect("release file");
            (name.to_string(), sha256_hex(&bytes))
        })
        .collect();
    expected.sort();
    assert_eq!(
        listed, expected,
        "SHA256SUMS must list the zip and the manifest"
    );
}

#[test]
fn release_writes_the_zip_sums_and_manifest_with_zip_or_with_python() {
    for tools in ["default", "python"] {
        let out = tempfile::tempdir().expect("temp dir");
        let run = release(out.path(), &[("RELEASE_TOOLS", tools)]);
        assert_eq!(run.code, 0, "{}", run.all());
        check_release_files(out.path());
        let (_, sums, _) = file_names();
        assert!(
            !out.path().join(format!("{sums}.sig")).exists(),
            "no signature without a key"
        );
        assert!(run.all().contains("UNSIGNED"), "{}", run.all());
    }
}

#[test]
fn release_refuses_a_binary_that_reports_another_version() {
    let out = tempfile::tempdir().expect("temp dir");
    let run = release(out.path(), &[("VERSION", "99.1.2")]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains("not \"terraform-provider-ncloud v99.1.2\""),
        "{}",
        run.all()
    );
    assert!(
        !out.path()
            .join(format!("{NAME}_99.1.2_linux_amd64.zip"))
            .exists()
    );

    let run = release(out.path(), &[("VERSION", "not-a-version")]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("not a semantic version"),
        "{}",
        run.all()
    );
}

/// A GPG home of its own, with one new signing key, removed with its agent.
struct Gpg {
    home: tempfile::TempDir,
    fingerprint: String,
}

impl Gpg {
    fn new() -> Gpg {
        let home = tempfile::Builder::new()
            .prefix("gpg")
            .tempdir_in("/tmp")
            .expect("gpg home");
        let run = |arguments: &[&str]| {
            let output = Command::new("gpg")
                .env("GNUPGHOME", home.path())
                .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
                .args(arguments)
                .output()
                .expect("gpg must be installed to test signed releases");
            assert!(
                output.status.success(),
                "gpg {arguments:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8_lossy(&output.stdout).into_owned()
        };
        run(&[
            "--quick-generate-key",
            "ncloud-rs release test <release-test@example.invalid>",
            "ed25519",
            "sign",
            "never",
        ]);
        let listing = run(&["--with-colons", "--list-secret-keys"]);
        let fingerprint = listing
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_string())
            .expect("a fingerprint");
        Gpg { home, fingerprint }
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

#[test]
fn release_signs_the_sums_when_a_key_is_configured() {
    let gpg = Gpg::new();
    let out = tempfile::tempdir().expect("temp dir");
    let home = gpg.home.path().to_str().expect("utf-8 path");
    let run = release(
        out.path(),
        &[("GPG_FINGERPRINT", &gpg.fingerprint), ("GNUPGHOME", home)],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    check_release_files(out.path());

    let (_, sums, _) = file_names();
    let signature = out.path().join(format!("{sums}.sig"));
    let bytes = std::fs::read(&signature).expect("the signature file");
    assert!(
        !bytes.starts_with(b"-----BEGIN"),
        "the Registry wants a binary signature, not an armored one"
    );
    let verify = Command::new("gpg")
        .env("GNUPGHOME", home)
        .args(["--batch", "--status-fd", "1", "--verify"])
        .arg(&signature)
        .arg(out.path().join(&sums))
        .output()
        .expect("gpg --verify");
    let status = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && status.contains(&format!("VALIDSIG {}", gpg.fingerprint)),
        "{status}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// A working directory whose CLI configuration installs providers only from
/// a filesystem mirror holding the release zip: no `direct`, no network.
struct MirrorWorkspace {
    root: tempfile::TempDir,
    terraform: support::Terraform,
    endpoint: String,
}

impl MirrorWorkspace {
    fn new(terraform: &support::Terraform, emulator: &Emulator) -> MirrorWorkspace {
        let root = tempfile::tempdir().expect("temp dir");
        let out = root.path().join("release");
        release(&out, &[]).success();

        let namespace = root
            .path()
            .join("mirror/registry.terraform.io/ncloud-rs/ncloud");
        std::fs::create_dir_all(&namespace).expect("mirror dirs");
        let (zip, _, _) = file_names();
        std::fs::copy(out.join(&zip), namespace.join(&zip)).expect("copy the zip");
        std::fs::write(
            root.path().join("terraform.rc"),
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    \
                 include = [\"registry.terraform.io/ncloud-rs/ncloud\"]\n  }}\n}}\n",
                root.path().join("mirror").display()
            ),
        )
        .expect("CLI config");
        std::fs::create_dir_all(root.path().join("work")).expect("work dir");
        MirrorWorkspace {
            root,
            terraform: terraform.clone(),
            endpoint: emulator.url(),
        }
    }

    fn dir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    fn run(&self, arguments: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(&self.terraform.path);
        command
            .args(arguments)
            .current_dir(self.dir())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.root.path())
            .env("TF_CLI_CONFIG_FILE", self.root.path().join("terraform.rc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NCLOUD_ACCESS_KEY", ACCESS_KEY)
            .env("NCLOUD_SECRET_KEY", SECRET_KEY)
            .env("NCLOUD_SEARCHENGINE_ENDPOINT", &self.endpoint)
            .stdin(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("run terraform");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Terraform's `h1:` hash of a package: SHA-256 over the lines
/// "<sha256 of file>  <name>\n" of its files in name order, in base64. The
/// release zip holds one file, the binary.
fn h1_hash_of_release() -> String {
    let binary = std::fs::read(PROVIDER).expect("read provider binary");
    let line = format!("{}  {NAME}_v{VERSION}\n", sha256_hex(&binary));
    let sum = Sha256::digest(line.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(sum)
    )
}

fn snapshot_config(name: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    ncloud = {{\n      source  = \"ncloud-rs/ncloud\"\n      \
         version = \"{VERSION}\"\n    }}\n  }}\n}}\n\n\
         resource \"ncloud_searchengine_snapshot\" \"released\" {{\n  \
         service_group_instance_no = \"{CLUSTER}\"\n  snapshot_name             = \"{name}\"\n  \
         bucket_name               = \"{BUCKET}\"\n}}\n"
    )
}

#[test]
fn the_release_installs_from_a_filesystem_mirror_locks_and_applies() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let workspace = MirrorWorkspace::new(&terraform, &emulator);
        std::fs::write(workspace.dir().join("main.tf"), snapshot_config("released"))
            .expect("main.tf");

        let init = workspace.run(&["init", "-input=false", "-no-color"], &[]);
        assert_eq!(
            init.code,
            0,
            "terraform {} init:\n{}",
            terraform.version,
            init.all()
        );

        let lock = std::fs::read_to_string(workspace.dir().join(".terraform.lock.hcl"))
            .expect("terraform init writes .terraform.lock.hcl");
        assert!(
            lock.contains("provider \"registry.terraform.io/ncloud-rs/ncloud\"")
                && lock.contains(&format!("version     = \"{VERSION}\""))
                && lock.contains(&format!("\"{}\"", h1_hash_of_release())),
            "terraform {}: the lock file does not name the release:\n{lock}",
            terraform.version
        );

        let installed = workspace.dir().join(format!(
            ".terraform/providers/registry.terraform.io/ncloud-rs/ncloud/{VERSION}/linux_amd64/{NAME}_v{VERSION}"
        ));
        let version = Command::new(&installed)
            .arg("--version")
            .output()
            .expect("run the installed provider");
        assert_eq!(
            String::from_utf8_lossy(&version.stdout).trim(),
            format!("{NAME} v{VERSION}")
        );

        let apply = workspace.run(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[],
        );
        assert_eq!(
            apply.code,
            0,
            "terraform {} apply:\n{}",
            terraform.version,
            apply.all()
        );
        assert!(emulator.snapshots(CLUSTER).contains_key("released"));
        assert_eq!(emulator.requests_to("createSnapshot").len(), 1);
    }
}

/// The provider's own debug lines: "provider configured" from every
/// configure, "ncloud api call" from every API request.
const PROVIDER_DEBUG_LINES: [&str; 2] = ["provider configured", "ncloud api call"];
/// A debug line of Terraform itself, present whenever TF_LOG is debug.
const CORE_DEBUG_LINE: &str = "[DEBUG] ";

#[test]
fn tf_log_provider_sets_the_level_of_the_provider_lines_alone() {
    for terraform in terraform_clis() {
        let emulator = Emulator::start(&[]);
        let workspace = MirrorWorkspace::new(&terraform, &emulator);
        std::fs::write(workspace.dir().join("main.tf"), snapshot_config("logged"))
            .expect("main.tf");
        workspace
            .run(&["init", "-input=false", "-no-color"], &[])
            .success();
        workspace
            .run(
                &["apply", "-auto-approve", "-input=false", "-no-color"],
                &[],
            )
            .success();

        // A plan refreshes the snapshot, so it configures and calls the API.
        let plan = |env: &[(&str, &str)]| {
            let run = workspace.run(&["plan", "-input=false", "-no-color"], env);
            assert_eq!(run.code, 0, "{}", run.all());
            run.stderr
        };
        let ours = |log: &str| {
            log.lines()
                .filter(|l| l.contains("provider.terraform-provider-ncloud"))
                .filter(|l| PROVIDER_DEBUG_LINES.iter().any(|m| l.contains(m)))
                .count()
        };

        for quiet in ["off", "error"] {
            let log = plan(&[("TF_LOG", "debug"), ("TF_LOG_PROVIDER", quiet)]);
            assert!(
                log.contains(CORE_DEBUG_LINE),
                "terraform {}: TF_LOG=debug wrote no log at all",
                terraform.version
            );
            assert_eq!(
                ours(&log),
                0,
                "terraform {}: TF_LOG_PROVIDER={quiet} let provider debug lines through:\n{log}",
                terraform.version
            );
        }

        let log = plan(&[("TF_LOG_PROVIDER", "debug")]);
        for message in PROVIDER_DEBUG_LINES {
            assert!(
                log.lines()
                    .any(|l| l.contains("[DEBUG] provider.terraform-provider-ncloud")
                        && l.contains(message)),
                "terraform {}: TF_LOG_PROVIDER=debug did not show {message:?}:\n{log}",
                terraform.version
            );
        }
        assert!(!log.contains(SECRET_KEY), "the secret key reached the log");
    }
}

#[test]
fn version_flag_prints_the_version() {
    let output = Command::new(PROVIDER)
        .arg("--version")
        .output()
        .expect("run the provider");
    assert!(output.status.success());
    let mut text = String::new();
    output
        .stdout
        .as_slice()
        .read_to_string(&mut text)
        .expect("utf-8");
    assert_eq!(text, format!("{NAME} v{VERSION}\n"));
}

/// The provider's own stderr, which Terraform filters before it reaches
/// Terraform's log, so that the test above cannot tell the provider's
/// filtering from Terraform's. In debug mode the provider writes to its own
/// terminal: there the level must follow `TF_LOG_PROVIDER`, then `TF_LOG`.
#[test]
fn in_debug_mode_the_provider_itself_follows_tf_log_provider() {
    use std::io::{BufRead, BufReader};
    let cases: [(&[(&str, &str)], bool); 4] = [
        (&[("TF_LOG", "debug"), ("TF_LOG_PROVIDER", "off")], false),
        (&[("TF_LOG", "debug"), ("TF_LOG_PROVIDER", "error")], false),
        (&[("TF_LOG_PROVIDER", "debug")], true),
        (&[("TF_LOG", "debug")], true),
    ];
    let terraform = terraform_clis().remove(0);
    for (env, debug_expected) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let stderr = std::fs::File::create(dir.path().join("provider.log")).expect("log file");
        let mut provider = Command::new(PROVIDER);
        provider
            .arg("--debug")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdout(Stdio::piped())
            .stderr(stderr);
        for (name, value) in env {
            provider.env(name, value);
        }
        let mut provider = provider.spawn().expect("start the provider in debug mode");
        let mut reader = BufReader::new(provider.stdout.take().expect("stdout"));
        let mut reattach = None;
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(rest) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS='") {
                reattach = Some(rest.trim_end_matches('\'').to_string());
                break;
            }
            line.clear();
        }
        let reattach = reattach.expect("the TF_REATTACH_PROVIDERS line");

        std::fs::write(dir.path().join("main.tf"), snapshot_config("debug-mode")).expect("main.tf");
        std::fs::write(dir.path().join("terraform.rc"), "").expect("CLI config");
        let plan = Command::new(&terraform.path)
            .args(["plan", "-input=false", "-no-color"])
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("TF_CLI_CONFIG_FILE", dir.path().join("terraform.rc"))
            .env("TF_REATTACH_PROVIDERS", &reattach)
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .expect("run terraform plan");
        let _ = provider.kill();
        let _ = provider.wait();
        assert!(
            plan.status.success(),
            "{}",
            String::from_utf8_lossy(&plan.stderr)
        );

        let log = std::fs::read_to_string(dir.path().join("provider.log")).expect("read log");
        let debug_lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("\"@level\":\"debug\""))
            .collect();
        let configured = debug_lines
            .iter()
            .any(|l| l.contains("provider configured"));
        assert_eq!(
            configured,
            debug_expected,
            "{env:?}: provider configured at debug {}:\n{log}",
            if debug_expected { "missing" } else { "written" }
        );
        if !debug_expected {
            assert!(
                debug_lines.is_empty(),
                "{env:?} let debug lines through:\n{log}"
            );
        }
    }
}
