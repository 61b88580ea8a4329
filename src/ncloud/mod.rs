//! The NAVER Cloud Search Engine API client.
//!
//! Everything here speaks HTTP and the API's JSON, and nothing here knows of
//! Terraform: the resources translate between the two.

pub mod model;
pub mod signature;
