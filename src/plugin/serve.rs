//! Serving Terraform: bind, secure, announce, and run until told to stop.

use std::io::{self, Write as _};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Server;
use tonic::transport::server::{Connected, Router};

use super::handshake::{self, Handshake};
use super::listener::{Connection, Listener, PrivateDir};
use super::services::{Broker, Controller, Stdio};
use super::tls::{self, ServerIdentity};
use crate::framework::Provider;
use crate::framework::server::ProviderService;
use crate::proto::plugin::{grpc_broker_server, grpc_controller_server, grpc_stdio_server};
use crate::proto::tfplugin6::provider_server::ProviderServer;

/// Terraform accepts schemas up to 64 MiB; never be the side that refuses.
const MAX_MESSAGE_SIZE: usize = 256 << 20;
/// A client that has not finished its TLS handshake by then never will.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the plugin could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// No socket could be bound.
    #[error("cannot listen for Terraform: {0}")]
    Listen(#[source] io::Error),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The handshake line could not be written.
    #[error("cannot write the handshake line: {0}")]
    Announce(#[source] io::Error),
    /// Signal handling could not be installed.
    #[error("cannot handle signals: {0}")]
    Signals(#[source] io::Error),
}

/// Serves `provider` to the Terraform that started this process, until
/// Terraform calls Shutdown or the process gets SIGTERM. SIGINT is ignored:
/// a terminal's Ctrl-C reaches the whole process group, and Terraform stops
/// its providers itself once it has saved what the apply in flight did.
pub async fn serve_terraform(
    provider: Arc<dyn Provider>,
    handshake: Handshake,
) -> Result<(), ServeError> {
    let (listener, socket_dir) = bind(&handshake).await?;
    let shutdown = Arc::new(Notify::new());
    let (acceptor, certificate) = match &handshake.client_certificate {
        Some(pem) => {
            let identity = ServerIdentity::generate()?;
            let config = tls::server_config(&identity, pem)?;
            (
                Some(TlsAcceptor::from(Arc::new(config))),
                Some(identity.certificate_base64()),
            )
        }
        None => (None, None),
    };
    let router = router(provider, shutdown.clone()).await;
    let mut interrupts = signal(SignalKind::interrupt()).map_err(ServeError::Signals)?;
    let mut terminations = signal(SignalKind::terminate()).map_err(ServeError::Signals)?;

    let line = handshake::line(
        listener.network(),
        &listener.address(),
        certificate.as_deref(),
    );
    let incoming = incoming(Arc::new(listener), acceptor);
    announce(&line)?;
    tracing::debug!("serving Terraform");

    let server = router.serve_with_incoming(incoming);
    tokio::pin!(server);
    loop {
        tokio::select! {
            result = &mut server => return result.map_err(ServeError::from),
            _ = shutdown.notified() => break,
            _ = terminations.recv() => {
                tracing::debug!("terminated by signal");
                break;
            }
            _ = interrupts.recv() => tracing::debug!("ignoring interrupt; Terraform will stop the provider"),
        }
    }
    drop(socket_dir);
    Ok(())
}

/// Serves `provider` with no Terraform managing the process, in plaintext as
/// Terraform's reattach mode expects, and prints how to attach Terraform.
/// One process serves any number of Terraform commands; Ctrl-C ends it.
pub async fn serve_debug(
    provider: Arc<dyn Provider>,
    provider_address: &str,
) -> Result<(), ServeError> {
    let (listener, socket_dir) = Listener::unix(None).map_err(ServeError::Listen)?;
    let router = router(provider, Arc::new(Notify::new())).await;
    let reattach = serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": listener.network(), "String": listener.address()},
        }
    });
    let incoming = incoming(Arc::new(listener), None);
    announce(&format!(
        "Provider serving in debug mode. In another shell, run Terraform with:\n\n\
         \texport TF_REATTACH_PROVIDERS='{reattach}'\n\n\
         Press Ctrl-C to stop.\n"
    ))?;
    let mut interrupts = signal(SignalKind::interrupt()).map_err(ServeError::Signals)?;
    let mut terminations = signal(SignalKind::terminate()).map_err(ServeError::Signals)?;
    tokio::select! {
        result = router.serve_with_incoming(incoming) => result?,
        _ = interrupts.recv() => {}
        _ = terminations.recv() => {}
    }
    drop(socket_dir);
    Ok(())
}

/// A unix socket where possible, as go-plugin does; TCP on loopback
/// otherwise. The directory, when there is one, holds the socket.
async fn bind(handshake: &Handshake) -> Result<(Listener, Option<PrivateDir>), ServeError> {
    match Listener::unix(handshake.socket_dir.as_deref()) {
        Ok((listener, dir)) => Ok((listener, Some(dir))),
        Err(error) => {
            tracing::warn!(%error, "cannot bind a unix socket; falling back to TCP");
            let listener = Listener::tcp(handshake.min_port, handshake.max_port).await;
            Ok((listener.map_err(ServeError::Listen)?, None))
        }
    }
}

async fn router(provider: Arc<dyn Provider>, shutdown: Arc<Notify>) -> Router {
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let provider = ProviderServer::new(ProviderService::new(provider))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    Server::builder()
        .add_service(provider)
        .add_service(grpc_controller_server::GrpcControllerServer::new(
            Controller { shutdown },
        ))
        .add_service(grpc_stdio_server::GrpcStdioServer::new(Stdio))
        .add_service(grpc_broker_server::GrpcBrokerServer::new(Broker))
        .add_service(health_service)
}

/// Writes to stdout and flushes at once: Terraform waits for the line.
fn announce(text: &str) -> Result<(), ServeError> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(ServeError::Announce)
}

/// Accepts connections and, under TLS, completes each handshake in a task
/// of its own, so a stalled client holds up no one.
fn incoming(
    listener: Arc<Listener>,
    acceptor: Option<TlsAcceptor>,
) -> ReceiverStream<io::Result<PluginStream>> {
    let (sender, receiver) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let connection = match listener.accept().await {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let sender = sender.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let stream = match acceptor {
                    None => PluginStream::Plain(connection),
                    Some(acceptor) => match secure(acceptor, connection).await {
                        Some(stream) => PluginStream::Tls(Box::new(stream)),
                        None => return,
                    },
                };
                let _ = sender.send(Ok(stream)).await;
            });
        }
    });
    ReceiverStream::new(receiver)
}

async fn secure(acceptor: TlsAcceptor, connection: Connection) -> Option<TlsStream<Connection>> {
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(connection)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(error)) => {
            tracing::warn!(%error, "refused a connection that failed mutual TLS");
            None
        }
        Err(_) => {
            tracing::warn!("refused a connection that did not finish its TLS handshake");
            None
        }
    }
}

/// A connection to Terraform, with or without TLS.
pub enum PluginStream {
    Plain(Connection),
    Tls(Box<TlsStream<Connection>>),
}

impl Connected for PluginStream {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for PluginStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginStream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            PluginStream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for PluginStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            PluginStream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            PluginStream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginStream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            PluginStream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginStream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            PluginStream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
