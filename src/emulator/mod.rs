//! A local stand-in for NAVER Cloud's Search Engine snapshot API.
//!
//! It lets anyone run the provider, its examples and its tests without a
//! NAVER Cloud account: the same routes under every region prefix, the
//! gateway's signature check, the documented validation rules, and the
//! failures a real deployment meets (503, 504, 429, an answer lost after a
//! snapshot was made), injected from a seed so that a run can be replayed.
//!
//! Where NAVER Cloud does not document an answer (service error bodies,
//! history messages, date formats), the emulator's choice is a guess and
//! says so where it is made.
//!
//! Layers, from the socket inwards: `server` accepts connections, `gateway`
//! logs, authenticates (`auth`) and injects faults ([`faults`]), `api` reads
//! each call and calls `store`, which holds the data and the rules.
//! `introspect` serves `/__emulator/*` for tests; its module documentation
//! lists the routes, and `persist` keeps state across restarts.
//!
//! ```no_run
//! use terraform_provider_ncloud::emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default()).unwrap();
//! println!("API at {}/api/v2", emulator.url());
//! // Dropping `emulator` shuts it down.
//! ```

mod api;
mod app;
mod auth;
mod clock;
pub mod config;
pub mod faults;
mod gateway;
mod introspect;
mod journal;
mod paging;
mod persist;
mod response;
mod routes;
mod server;
mod store;
mod validate;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

pub use config::{ClusterSpec, ConfigError, EmulatorConfig, FaultConfig};
pub use faults::FaultKind;
pub use persist::PersistError;

/// Starts emulators.
#[derive(Debug)]
pub struct Emulator;

/// The emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The configuration contradicts itself.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The state file exists but cannot be read.
    #[error(transparent)]
    State(#[from] PersistError),
    /// The listening address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// The runtime or its thread could not be set up.
    #[error("cannot start the server: {0}")]
    Runtime(#[source] std::io::Error),
}

impl Emulator {
    /// Starts an emulator on its own thread and runtime, so that it serves
    /// whatever the caller does (blocking on a Terraform process included),
    /// and returns once it is listening.
    pub fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
        check(&config)?;
        let app = Arc::new(app::App::new(&config)?);
        let listener = bind(config.listen)?;
        let address = listener.local_addr().map_err(EmulatorError::Runtime)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(EmulatorError::Runtime)?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(EmulatorError::Runtime)?
        };

        let (shutdown, shutdown_signal) = oneshot::channel();
        let router = server::router(app);
        let thread = std::thread::Builder::new()
            .name("ncloud-emulator".to_owned())
            .spawn(move || runtime.block_on(server::serve(listener, router, shutdown_signal)))
            .map_err(EmulatorError::Runtime)?;
        Ok(RunningEmulator {
            address,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

/// The emulator's routes over one shared state of the default
/// configuration, with no socket: the fuzz targets send requests through it.
#[doc(hidden)]
pub fn router_for_fuzzing() -> Option<axum::Router> {
    static ROUTER: std::sync::OnceLock<Option<axum::Router>> = std::sync::OnceLock::new();
    ROUTER
        .get_or_init(|| {
            let app = app::App::new(&EmulatorConfig::default()).ok()?;
            Some(server::router(Arc::new(app)))
        })
        .clone()
}

fn check(config: &EmulatorConfig) -> Result<(), EmulatorError> {
    if config.access_key.is_empty() || config.secret_key.is_empty() {
        return Err(EmulatorError::Config(
            "the access key and the secret key must not be empty".to_owned(),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(repeated) = config.clusters.iter().find(|spec| !seen.insert(&spec.no)) {
        return Err(EmulatorError::Config(format!(
            "cluster {} is configured twice",
            repeated.no
        )));
    }
    Ok(())
}

fn bind(address: SocketAddr) -> Result<std::net::TcpListener, EmulatorError> {
    let bind_error = |source| EmulatorError::Bind { address, source };
    let listener = std::net::TcpListener::bind(address).map_err(bind_error)?;
    listener.set_nonblocking(true).map_err(bind_error)?;
    Ok(listener)
}

/// A running emulator; dropping it shuts it down and closes its connections.
#[derive(Debug)]
pub struct RunningEmulator {
    address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its base URL, `http://127.0.0.1:PORT`, without a trailing slash; the
    /// API is under `/api/v2` (or any region prefix) below it.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may be gone already; then there is nothing to stop.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has been reported there already.
            let _ = thread.join();
        }
    }
}
