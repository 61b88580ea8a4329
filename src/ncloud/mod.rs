//! The NAVER Cloud Search Engine API client.
//!
//! Everything here speaks HTTP and the API's JSON, and nothing here knows of
//! Terraform: the resources translate between the two.

mod client;
mod credentials;
mod endpoint;
mod error;
pub mod model;
mod request;
mod response;
mod retry;
pub mod signature;
#[cfg(test)]
mod testing;

pub use credentials::Credentials;
pub use endpoint::{Endpoint, SITES, Site, regions};
pub use error::{ALLOWED_CLOCK_SKEW, ApiCode, ClockSkew, Error, ErrorKind};
pub use response::Response;
pub use retry::{CallOptions, RetryPolicy, StopSignal};
pub use client::{Client, ClientConfig, DEFAULT_REQUEST_TIMEOUT, Release};
pub use request::MAX_PAGE_SIZE;
