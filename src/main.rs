//! `terraform-provider-ncloud`: started by Terraform, it serves the plugin
//! protocol; run by hand, it explains itself.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_ncloud::plugin::{self, logging};
use terraform_provider_ncloud::provider::{ADDRESS, NcloudProvider};

const USAGE: &str = "\
terraform-provider-ncloud: a Terraform provider for NAVER Cloud Search Engine snapshots

Terraform starts this program; it is not meant to be run by hand.

Usage:
  terraform-provider-ncloud            serve Terraform (only when Terraform starts it)
  terraform-provider-ncloud --debug    serve in debug mode and print TF_REATTACH_PROVIDERS
  terraform-provider-ncloud --version  print the version
  terraform-provider-ncloud --help     print this help
";

/// The version this binary was released as. `scripts/release.sh` sets
/// TERRAFORM_PROVIDER_NCLOUD_VERSION when it builds a version other than
/// Cargo.toml's, so a binary never claims a version it was not released as.
const VERSION: &str = match option_env!("TERRAFORM_PROVIDER_NCLOUD_VERSION") {
    Some(version) => version,
    None => env!("CARGO_PKG_VERSION"),
};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => serve(false),
        ["--debug"] | ["-debug"] => serve(true),
        ["--version"] | ["-version"] | ["version"] => {
            println!("terraform-provider-ncloud v{VERSION}");
            ExitCode::SUCCESS
        }
        ["--help"] | ["-help"] | ["-h"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("error: unexpected arguments {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn serve(debug: bool) -> ExitCode {
    // Checked before anything else so that a person running the binary by
    // hand gets the explanation at once, not a hang.
    let handshake = if debug {
        None
    } else {
        match plugin::handshake::from_env(|name| std::env::var(name).ok()) {
            Ok(handshake) => Some(handshake),
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::from(1);
            }
        }
    };
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    let provider = Arc::new(NcloudProvider::new());
    let result = runtime.block_on(async {
        match handshake {
            Some(handshake) => plugin::serve_terraform(provider, handshake).await,
            None => plugin::serve_debug(provider, ADDRESS).await,
        }
    });
    // Background tasks (an accept loop, a request in flight after Shutdown)
    // must not hold the exit up: Terraform waits for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "provider stopped");
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}
