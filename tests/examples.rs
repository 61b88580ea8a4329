//! Every example under `examples/`, found by walking the folder, as a user
//! would copy it: formatted as `terraform fmt` writes it, valid for
//! `terraform validate` on every Terraform CLI the tests run against, and,
//! where a module carries `terraform test` files, passing them against the
//! API emulator.
//!
//! The examples are copied, whole tree at once so that relative module
//! sources still resolve, into a temporary directory; the provider comes
//! from the build under test through `dev_overrides`. An example without a
//! `terraform` block, such as a lone resource, gets a `versions.tf` naming
//! the provider's source, as the user's own configuration would.
//! `dev_overrides` makes `terraform init` unnecessary for the provider, and
//! offline it would fail looking the provider up in the registry; examples
//! that call modules get `terraform get`, which installs local modules only.

mod support;

use std::path::{Path, PathBuf};

use support::{Emulator, Run, Terraform, Workspace, required_providers, terraform_clis};
use terraform_provider_ncloud::framework::Provider;
use terraform_provider_ncloud::provider::NcloudProvider;

fn examples_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The example directories: every directory holding a `.tf` file, relative
/// to `examples/`, in a stable order.
fn example_dirs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(root, root, &mut found);
    found.sort();
    found
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
    let mut has_tf = false;
    for entry in std::fs::read_dir(dir).expect("read an examples directory") {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            // A user's leftovers of `terraform init` are no example.
            if name != ".terraform" {
                walk(root, &path, found);
            }
        } else if name.ends_with(".tf") {
            has_tf = true;
        }
    }
    if has_tf {
        found.push(dir.strip_prefix(root).expect("below root").to_path_buf());
    }
}

fn tf_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .expect("read example")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "tf"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read .tf file");
            (path, text)
        })
        .collect();
    files.sort();
    files
}

/// Whether any file of the example has a top-level block of that type.
fn has_block(dir: &Path, block: &str) -> bool {
    let opening = format!("{block} ");
    tf_files(dir).iter().any(|(_, text)| {
        text.lines()
            .any(|line| line.starts_with(&opening) && line.trim_end().ends_with('{'))
    })
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for entry in std::fs::read_dir(from).expect("read for copy") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != ".terraform") {
                copy_tree(&path, &target);
            }
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}

/// Runs Terraform in a directory below the workspace's.
fn run_in(workspace: &Workspace, dir: &Path, arguments: &[&str]) -> Run {
    let output = workspace
        .command(arguments)
        .current_dir(dir)
        .output()
        .expect("run terraform");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A workspace holding a copy of every example.
fn examples_workspace(terraform: &Terraform, emulator: &Emulator) -> Workspace {
    let workspace = Workspace::new(terraform, emulator);
    copy_tree(&examples_root(), &workspace.dir);
    workspace
}

#[test]
fn the_examples_are_found_by_walking_the_folder() {
    let dirs = example_dirs(&examples_root());
    for expected in [
        "quickstart",
        "provider",
        "resources/ncloud_searchengine_snapshot",
        "modules/snapshot-set",
        "modules/snapshot-set/examples/nightly",
    ] {
        assert!(
            dirs.contains(&PathBuf::from(expected)),
            "{expected} not found among {dirs:?}"
        );
    }
}

#[test]
fn every_example_is_formatted_and_valid_on_every_terraform() {
    let emulator = Emulator::start(&[]);
    let mut failures = Vec::new();
    for terraform in terraform_clis() {
        let workspace = examples_workspace(&terraform, &emulator);
        let format = run_in(
            &workspace,
            &workspace.dir,
            &["fmt", "-check", "-diff", "-recursive", "-no-color"],
        );
        if format.code != 0 {
            failures.push(format!(
                "terraform {}: fmt -check found unformatted files:\n{}",
                terraform.version,
                format.all()
            ));
        }
        for example in example_dirs(&workspace.dir) {
            let dir = workspace.dir.join(&example);
            if !has_block(&dir, "terraform") {
                std::fs::write(dir.join("versions.tf"), required_providers())
                    .expect("write versions.tf");
            }
            if has_block(&dir, "module") {
                let get = run_in(&workspace, &dir, &["get", "-no-color"]);
                if get.code != 0 {
                    failures.push(format!(
                        "terraform {} get in {}:\n{}",
                        terraform.version,
                        example.display(),
                        get.all()
                    ));
                    continue;
                }
            }
            let validate = run_in(&workspace, &dir, &["validate", "-no-color"]);
            if validate.code != 0 || !validate.stdout.contains("The configuration is valid") {
                failures.push(format!(
                    "terraform {} validate in {}:\n{}",
                    terraform.version,
                    example.display(),
                    validate.all()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The Registry shows, on each page, the example of the same name: every
/// resource and data source must have one.
#[test]
fn every_resource_and_data_source_has_an_example() {
    let provider = NcloudProvider::new();
    let root = examples_root();
    let mut missing = Vec::new();
    let resources = provider
        .resources()
        .into_iter()
        .map(|r| ("resources", r.type_name()));
    let data_sources = provider
        .data_sources()
        .into_iter()
        .map(|d| ("data-sources", d.type_name()));
    for (folder, type_name) in resources.chain(data_sources) {
        let dir = root.join(folder).join(type_name);
        if !dir.is_dir() {
            missing.push(format!("examples/{folder}/{type_name}/"));
        } else if tf_files(&dir).is_empty() {
            missing.push(format!("a .tf file in examples/{folder}/{type_name}/"));
        }
    }
    assert!(missing.is_empty(), "missing examples: {missing:?}");
}

/// `import.sh` is what the Registry shows under Import: it must name its
/// own resource type and be a shell script that parses.
#[test]
fn every_import_example_names_its_resource_and_parses() {
    let root = examples_root().join("resources");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("examples/resources") {
        let dir = entry.expect("entry").path();
        let script = dir.join("import.sh");
        if !script.exists() {
            continue;
        }
        let type_name = dir.file_name().and_then(|n| n.to_str()).expect("name");
        let text = std::fs::read_to_string(&script).expect("import.sh");
        assert!(
            text.contains(&format!("terraform import {type_name}.")),
            "{} does not import a {type_name}",
            script.display()
        );
        let parse = std::process::Command::new("bash")
            .arg("-n")
            .arg(&script)
            .status()
            .expect("bash");
        assert!(parse.success(), "{} does not parse", script.display());
        checked += 1;
    }
    assert!(checked >= 1, "no import.sh found under examples/resources");
}

/// The modules' own `terraform test` files, on every CLI that has the
/// command (1.6 and later; in 1.0 `terraform test` was an unrelated
/// experiment). Each must report at least one run passed and none failed,
/// and the emulator must have been asked for snapshots: a test that ran
/// nothing against the API proves nothing.
#[test]
fn module_tests_pass_against_the_emulator() {
    let modern: Vec<Terraform> = terraform_clis()
        .into_iter()
        .filter(|t| t.at_least(1, 6))
        .collect();
    assert!(
        !modern.is_empty(),
        "terraform test needs Terraform 1.6 or newer"
    );
    let module_dirs: Vec<PathBuf> = example_dirs(&examples_root())
        .into_iter()
        .filter(|dir| has_tftest(&examples_root().join(dir).join("tests")))
        .collect();
    assert!(!module_dirs.is_empty(), "no example has tests/*.tftest.hcl");
    for terraform in &modern {
        for module in &module_dirs {
            let emulator = Emulator::start(&[]);
            let workspace = examples_workspace(terraform, &emulator);
            let dir = workspace.dir.join(module);
            if has_block(&dir, "module") {
                run_in(&workspace, &dir, &["get", "-no-color"]).success();
            }
            let run = run_in(&workspace, &dir, &["test", "-no-color"]);
            let passed = passed_count(&run.stdout);
            let expected = run_blocks(&dir.join("tests"));
            assert!(
                run.code == 0 && passed.is_some_and(|n| n >= 1 && n == expected),
                "terraform {} test in {} did not pass all of its {expected} runs:\n{}",
                terraform.version,
                module.display(),
                run.all()
            );
            assert!(
                !emulator.requests_to("createSnapshot").is_empty(),
                "terraform test in {} never reached the emulator",
                module.display()
            );
        }
    }
}

/// How many `run` blocks the test files in a directory hold: each must
/// be counted as passed.
fn run_blocks(dir: &Path) -> u32 {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("tests directory") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().ends_with(".tftest.hcl") {
            let text = std::fs::read_to_string(&path).expect("test file");
            count += text.lines().filter(|l| l.starts_with("run \"")).count() as u32;
        }
    }
    count
}

fn has_tftest(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".tftest.hcl"))
    })
}

/// N from the summary line "Success! N passed, 0 failed." (or "Failure!
/// ..."), only when nothing failed.
fn passed_count(output: &str) -> Option<u32> {
    let line = output.lines().find(|l| l.contains(" passed, "))?;
    let (before, after) = line.split_once(" passed, ")?;
    let passed = before.rsplit(' ').next()?.parse().ok()?;
    after.starts_with("0 failed").then_some(passed)
}

#[test]
fn the_summary_line_is_read_only_when_nothing_failed() {
    let cases = [
        ("Success! 2 passed, 0 failed.", Some(2)),
        ("Success! 0 passed, 0 failed.", Some(0)),
        ("Failure! 1 passed, 1 failed.", None),
        ("Failure! 0 passed, 0 failed, 2 skipped.", Some(0)),
        ("no summary at all", None),
    ];
    for (line, expected) in cases {
        assert_eq!(passed_count(line), expected, "{line}");
    }
}
