//! go-plugin, the way Terraform runs providers: the handshake, strict
//! mutual TLS, the socket, the controller and the process lifecycle.

pub mod handshake;
pub mod listener;
pub mod logging;
pub mod serve;
pub mod services;
pub mod tls;

pub use handshake::{Handshake, HandshakeError};
pub use serve::{ServeError, serve_debug, serve_terraform};
