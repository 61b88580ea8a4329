//! The state one running emulator shares between its connections.
//!
//! Locks are plain `std` mutexes held for a few microseconds and never across
//! an `await`. A poisoned lock (a panic elsewhere while holding it) is taken
//! over rather than turned into a second panic: the data is still coherent,
//! because every change under a lock is a single step.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::auth::Credentials;
use super::clock::Clock;
use super::config::EmulatorConfig;
use super::faults::FaultPlan;
use super::journal::Journal;
use super::persist::{self, PersistError};
use super::response::RequestIds;
use super::store::{Store, StoreSettings};

/// Everything the handlers need.
#[derive(Debug)]
pub struct App {
    /// The API key pair requests must be signed with.
    pub credentials: Credentials,
    /// The emulator's clock.
    pub clock: Clock,
    /// Delay added to every API request.
    pub latency: Duration,
    /// Source of `requestId`s.
    pub request_ids: RequestIds,
    store: Mutex<Store>,
    journal: Mutex<Journal>,
    faults: Mutex<FaultPlan>,
    state_file: Option<PathBuf>,
}

impl App {
    /// Builds the shared state, restoring the state file if there is one.
    pub fn new(config: &EmulatorConfig) -> Result<Self, PersistError> {
        let settings = StoreSettings {
            history_delay_ms: config.history_delay_ms,
            fail_snapshots: config
                .fail_snapshots
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>(),
        };
        let mut store = Store::new(&config.clusters, &config.buckets, settings);
        if let Some(path) = &config.state_file
            && let Some(saved) = persist::load(path)?
        {
            store.restore(saved);
        }
        let clock = Clock::new(config.clock_offset_ms);
        let faults = &config.faults;
        Ok(Self {
            credentials: Credentials {
                access_key: config.access_key.clone(),
                secret_key: config.secret_key.clone(),
            },
            clock,
            latency: Duration::from_millis(faults.latency_ms),
            request_ids: RequestIds::new(clock.now_ms().unsigned_abs()),
            store: Mutex::new(store),
            journal: Mutex::new(Journal::default()),
            faults: Mutex::new(FaultPlan::new(
                faults.rate,
                faults.seed,
                faults.kinds.clone(),
            )),
            state_file: config.state_file.clone(),
        })
    }

    /// The store, for reading.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The request log and counters.
    pub fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The fault generator.
    pub fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `change` on the store, then saves the state file (if any) under
    /// the same lock, so the file always follows the order of changes. The
    /// file is written whatever `change` returned: refused calls still
    /// count attempts.
    pub fn change<T>(&self, change: impl FnOnce(&mut Store) -> T) -> Result<T, PersistError> {
        let mut store = self.store();
        let outcome = change(&mut store);
        if let Some(path) = &self.state_file {
            persist::save(path, store.saved_data())?;
        }
        Ok(outcome)
    }
}
