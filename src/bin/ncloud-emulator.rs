//! `ncloud-emulator`: the local NAVER Cloud Search Engine snapshot API, as a
//! program. A thin command-line wrapper over [`emulator::Emulator`]; all
//! behaviour lives in the library so that tests can run it in-process.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use terraform_provider_ncloud::emulator::{
    self, ClusterSpec, Emulator, EmulatorConfig, FaultConfig, config,
};

const ABOUT: &str = "A local emulator of the NAVER Cloud Search Engine snapshot API.";

const LONG_ABOUT: &str = "\
A local emulator of the NAVER Cloud Search Engine Service (SES) snapshot API.

It serves the seven snapshot calls and getClusterInfo under every region prefix
(/api/v2, /api/sgn-v2, /api/jpn-v2, ...), checks the API gateway's v2 signature
like NAVER Cloud does, and keeps snapshots, histories and schedules in memory
(or in a file with --state). Point the provider at it to run examples and tests
without a NAVER Cloud account.

The first line on standard output is `listening on http://ADDRESS`. Stop it with
Ctrl-C. Answers that NAVER Cloud does not document (service error bodies,
history messages) are the emulator's guesses.";

const AFTER_HELP: &str = "\
Examples:
  Start with the defaults (one cluster 1037000 `local-search`, bucket
  `ses-snapshots`, the default key pair) on a fixed port:
    ncloud-emulator --listen 127.0.0.1:8990

  Two clusters, the second without an Object Storage key, state kept on disk:
    ncloud-emulator --cluster 1037000:logs --cluster 2048000:metrics:nokey \\
        --state ./emulator-state.json

  Flaky gateway: 20% of calls fail, 150 ms latency, the same failures each run:
    ncloud-emulator --fault rate=0.2,seed=42,latency-ms=150

Signing requests:
  Sign with access key `ncloud-emulator-access-key` and secret key
  `ncloud-emulator-secret-key` unless --access-key/--secret-key say otherwise.

For tests (no signature needed):
  GET    /__emulator/state                   clusters, snapshots, counters
  GET    /__emulator/requests                request log, secrets redacted
  POST   /__emulator/reset                   forget everything done so far
  DELETE /__emulator/snapshots/NO/NAME       delete a snapshot (frees the name)
  POST   /__emulator/history/NO/clear        empty a cluster's snapshot history";

/// Command-line options; each maps onto one field of [`EmulatorConfig`].
#[derive(Debug, Parser)]
#[command(name = "ncloud-emulator", version, about = ABOUT, long_about = LONG_ABOUT)]
#[command(after_long_help = AFTER_HELP)]
struct Options {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// API access key that requests must be signed with.
    #[arg(long, value_name = "KEY", default_value = config::DEFAULT_ACCESS_KEY)]
    access_key: String,

    /// API secret key that requests must be signed with.
    #[arg(long, value_name = "KEY", default_value = config::DEFAULT_SECRET_KEY)]
    secret_key: String,

    /// A cluster, as NO[:NAME[:nokey]] (repeatable). NAME defaults to
    /// cluster-NO; `nokey` starts it without an Object Storage key. Without
    /// any --cluster: 1037000:local-search.
    #[arg(long = "cluster", value_name = "NO[:NAME[:nokey]]")]
    clusters: Vec<ClusterSpec>,

    /// Adds a bucket to every cluster, besides `ses-snapshots` (repeatable).
    #[arg(long = "bucket", value_name = "NAME")]
    buckets: Vec<String>,

    /// Milliseconds before a new snapshot shows in getSnapshotHistory.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    history_delay_ms: u64,

    /// Snapshots of this name are recorded as failed (repeatable).
    #[arg(long = "fail-snapshot", value_name = "NAME")]
    fail_snapshots: Vec<String>,

    /// Keep state in this file across restarts (written after every change).
    #[arg(long = "state", value_name = "FILE")]
    state_file: Option<PathBuf>,

    /// Latency and injected faults, as rate=R,seed=S,latency-ms=L; optionally
    /// kinds=503+504+429+drop+commit_504 to choose the faults.
    #[arg(long, value_name = "SPEC")]
    fault: Option<FaultConfig>,

    /// Shift the emulator's clock by this many milliseconds (may be negative).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    clock_offset_ms: i64,
}

impl Options {
    fn into_config(self) -> EmulatorConfig {
        let defaults = EmulatorConfig::default();
        let clusters = if self.clusters.is_empty() {
            defaults.clusters
        } else {
            self.clusters
        };
        let mut buckets = defaults.buckets;
        buckets.extend(
            self.buckets
                .into_iter()
                .filter(|b| b != config::DEFAULT_BUCKET),
        );
        EmulatorConfig {
            listen: self.listen,
            access_key: self.access_key,
            secret_key: self.secret_key,
            clusters,
            buckets,
            history_delay_ms: self.history_delay_ms,
            fail_snapshots: self.fail_snapshots,
            state_file: self.state_file,
            faults: self.fault.unwrap_or_default(),
            clock_offset_ms: self.clock_offset_ms,
        }
    }
}

fn main() -> anyhow::Result<()> {
    let config = Options::parse().into_config();
    let running: emulator::RunningEmulator =
        Emulator::start(config).context("the emulator could not start")?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", running.url()).context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    drop(stdout);

    wait_for_stop_signal()?;
    drop(running);
    Ok(())
}

/// Blocks until Ctrl-C or, on Unix, SIGTERM.
fn wait_for_stop_signal() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot wait for signals")?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut terminate =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .context("cannot listen for SIGTERM")?;
            tokio::select! {
                result = tokio::signal::ctrl_c() => result.context("cannot listen for Ctrl-C"),
                _ = terminate.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .context("cannot listen for Ctrl-C")
        }
    })
}
