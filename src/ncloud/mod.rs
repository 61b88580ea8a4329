//! The NAVER Cloud Search Engine API client.
//!
//! Everything here speaks HTTP and the API's JSON, and nothing here knows of
//! Terraform: the resources translate between the two.
//!
//! A [`Client`] is built from an [`Endpoint`] (site, region and an optional
//! base URL override) and [`Credentials`]; every call takes [`CallOptions`]
//! (a deadline and a [`StopSignal`]) and answers a [`Response`] that keeps
//! the request id, or an [`Error`] to be asked what went wrong.

mod client;
mod credentials;
mod endpoint;
mod error;
pub mod model;
mod request;
pub(crate) mod response;
mod retry;
pub mod signature;
mod snapshot;
#[cfg(test)]
mod testing;

pub use client::{Client, ClientConfig, DEFAULT_REQUEST_TIMEOUT, Release};
pub use credentials::Credentials;
pub use endpoint::{Endpoint, SITES, Site, regions};
pub use error::{ALLOWED_CLOCK_SKEW, ApiCode, ClockSkew, Error, ErrorKind};
pub use request::MAX_PAGE_SIZE;
pub use response::Response;
pub use retry::{CallOptions, RetryPolicy, StopSignal};
pub use snapshot::{CreatedSnapshot, HistoryMark};
