//! The HTTP server: routes, the `Date` header, and an accept loop of our own.
//!
//! `axum::serve` would do for everything but one fault: "commit then drop"
//! must close a connection without writing any answer, which a handler
//! cannot do by itself. So each connection is served by hyper directly, and
//! its task also waits on a [`ConnectionKill`] that the handler can fire;
//! when it fires, the task drops the connection (and the pending handler),
//! which closes the socket with nothing written.
//!
//! hyper writes its own `Date` header unless told not to; it is told not to,
//! so that the header always comes from the emulator's shifted clock.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{delete, get, post};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;

use super::app::App;
use super::gateway;
use super::introspect;

/// Lets a handler close its own connection without answering.
#[derive(Debug, Clone, Default)]
pub struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Asks the connection's task to drop the connection.
    pub fn fire(&self) {
        // `notify_one` keeps the signal if the task is not waiting yet.
        self.0.notify_one();
    }

    async fn fired(&self) {
        self.0.notified().await;
    }
}

/// All routes: introspection under `/__emulator`, the gateway for the rest.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/__emulator/state", get(introspect::state))
        .route("/__emulator/requests", get(introspect::requests))
        .route("/__emulator/reset", post(introspect::reset))
        .route(
            "/__emulator/snapshots/{no}/{name}",
            delete(introspect::delete_snapshot),
        )
        .route(
            "/__emulator/history/{no}/clear",
            post(introspect::clear_history),
        )
        .route(
            "/__emulator/schedules/{no}/release",
            post(introspect::release_schedule),
        )
        .route(
            "/__emulator/clusters/{no}/buckets/{name}",
            post(introspect::add_bucket),
        )
        .route(
            "/__emulator/clusters/{no}/status/{status}",
            post(introspect::set_status),
        )
        .fallback(gateway::handle)
        .layer(middleware::map_response_with_state(
            app.clone(),
            date_header,
        ))
        .with_state(app)
}

async fn date_header(State(app): State<Arc<App>>, mut response: Response) -> Response {
    if let Ok(date) = HeaderValue::from_str(&app.clock.http_date()) {
        response.headers_mut().insert(header::DATE, date);
    }
    response
}

/// Accepts connections until `shutdown` fires or is dropped. Connections
/// still open then are dropped with the task set.
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(error) => {
                    // Usually out of file descriptors: wait rather than spin.
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let kill = ConnectionKill::default();
    let tower = TowerToHyperService::new(router);
    let handler_kill = kill.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handler_kill.clone());
        hyper::service::Service::call(&tower, request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.auto_date_header(false);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = kill.fired() => {}
    }
}
