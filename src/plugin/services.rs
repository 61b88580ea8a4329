//! go-plugin's own services beside the provider: the controller that stops
//! the process, and the stdio and broker streams a provider does not use.

use std::sync::Arc;

use tokio::sync::Notify;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::plugin::{ConnInfo, Empty, StdioData};
use crate::proto::plugin::{grpc_broker_server, grpc_controller_server, grpc_stdio_server};

/// Answers Terraform's Shutdown and then tells the server to stop.
pub struct Controller {
    pub shutdown: Arc<Notify>,
}

#[tonic::async_trait]
impl grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("shutdown requested");
        let shutdown = self.shutdown.clone();
        // Stop only after the reply is on its way: go-plugin waits up to two
        // seconds for the exit, but kills at once if the reply fails.
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            shutdown.notify_one();
        });
        Ok(Response::new(Empty {}))
    }
}

/// Our stderr reaches Terraform through its pipe already, so the stdio
/// stream ends at once; go-plugin takes the end of the stream quietly.
pub struct Stdio;

#[tonic::async_trait]
impl grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<StdioData>>, Status> {
        Ok(Response::new(Box::pin(futures_util::stream::empty())))
    }
}

/// Providers never broker extra connections; the stream ends at once.
pub struct Broker;

#[tonic::async_trait]
impl grpc_broker_server::GrpcBroker for Broker {
    async fn start_stream(
        &self,
        _request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<BoxStream<ConnInfo>>, Status> {
        Ok(Response::new(Box::pin(futures_util::stream::empty())))
    }
}
