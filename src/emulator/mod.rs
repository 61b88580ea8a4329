//! A local stand-in for NAVER Cloud's Search Engine snapshot API.
//!
//! The building blocks: configuration, the clock, the gateway's signature
//! check, seeded faults, the documented validation rules, and the store that
//! holds clusters, snapshots and schedules (saved by `persist`).

mod auth;
mod clock;
pub mod config;
pub mod faults;
mod paging;
mod persist;
mod store;
mod validate;

pub use config::{ClusterSpec, ConfigError, EmulatorConfig, FaultConfig};
pub use faults::FaultKind;
