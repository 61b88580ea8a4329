//! Rust types and gRPC stubs generated from the `.proto` files in `proto/`.
//!
//! Only the plugin server and the framework layer should touch these types;
//! resources and data sources see the project's own types instead. The code
//! is generated into `OUT_DIR` by `build.rs`, so nothing here is edited by
//! hand.

/// Terraform plugin protocol 6.10: the `Provider` service and its messages.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services: controller (shutdown), stdio and broker.
#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}

