//! A Terraform provider for the NAVER Cloud Platform Search Engine Service.
//!
//! The crate is layered: [`plugin`] speaks go-plugin (handshake, mutual TLS,
//! lifecycle), [`framework`] turns tfplugin6 messages into plain Rust types,
//! [`resources`] and [`data_sources`] hold the Terraform logic, and [`ncloud`]
//! is the HTTP client for the NAVER Cloud API, which knows nothing of
//! Terraform. [`emulator`] is a local stand-in for that API.

#![deny(clippy::print_stdout)]

pub mod calendar;
pub mod data_sources;
pub mod emulator;
pub mod framework;
#[doc(hidden)]
pub mod fuzzing;
pub mod ncloud;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod resources;
