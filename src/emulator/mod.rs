//! A local stand-in for NAVER Cloud's Search Engine snapshot API.
//!
//! The building blocks come first: configuration, the clock, the gateway's
//! signature check, seeded faults, and the documented validation rules.

mod auth;
mod clock;
pub mod config;
pub mod faults;
mod paging;
mod validate;

pub use config::{ClusterSpec, ConfigError, EmulatorConfig, FaultConfig};
pub use faults::FaultKind;
