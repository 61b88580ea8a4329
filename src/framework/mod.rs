//! Our protocol layer: the Terraform plugin protocol turned into plain Rust.
//!
//! Resources and data sources implement the traits in [`resource`] and see
//! only [`value`], [`schema`] and [`diagnostics`]; the gRPC server and the
//! wire encodings stay in here.

pub mod diagnostics;
pub mod json;
pub mod msgpack;
pub mod planning;
pub mod resource;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod value;

pub use diagnostics::{AttributePath, Diagnostic, Diagnostics, Severity};
pub use resource::{
    ApplyOutcome, ClientCapabilities, ConfigureRequest, DataSource, PlanContext, Provider,
    ReadOutcome, Resource,
};
pub use schema::{Attribute, Block, Nesting, Schema};
pub use value::{Number, Object, Type, Value};
