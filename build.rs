//! Generates the gRPC code for the Terraform plugin protocol and go-plugin's
//! own services from `proto/`.
//!
//! `protox` parses the files in pure Rust and carries the well-known types
//! such as `google/protobuf/timestamp.proto`, so no `protoc` has to be
//! installed. The generated modules land in `OUT_DIR` and are never edited
//! or committed.

use std::error::Error;
use std::path::PathBuf;

use protox::prost::Message as _;

const PROTO_DIR: &str = "proto";

const PROTO_FILES: &[&str] = &[
    "proto/tfplugin6.proto",
    "proto/grpc_controller.proto",
    "proto/grpc_stdio.proto",
    "proto/grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed={PROTO_DIR}");

    let descriptors = protox::compile(PROTO_FILES, [PROTO_DIR])?;

    // Kept beside the generated code so tests can check the compiled
    // contract, such as the full list of RPCs, against what Terraform sends.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("proto_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;

    // The provider serves these services; clients are generated too so that
    // integration tests can play Terraform's part. Default stubs answer
    // "unimplemented" for every RPC the provider leaves out.
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;

    Ok(())
}
