//! The emulated API gateway: what happens to a request before the service
//! sees it.
//!
//! Every request outside `/__emulator` goes through the same steps: log and
//! count it, wait the configured latency, find its route (404 if none),
//! check its signature (401), maybe inject a fault, and only then hand it to
//! [`api::dispatch`]. Routing comes before authentication because the
//! gateway must know the operation to know how to authenticate it; the
//! real order is not documented.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::Value;

use super::api;
use super::app::App;
use super::auth::{self, AuthFailure};
use super::faults::FaultKind;
use super::journal::LoggedRequest;
use super::response;
use super::routes::{self, Route};
use super::server::ConnectionKill;

/// The largest body read; the API's bodies are a few hundred bytes.
const BODY_LIMIT: usize = 1 << 20;

/// What the gateway decided before any fault or service call.
enum Verdict {
    /// No such route.
    NotFound,
    /// The signature check failed.
    Refused(AuthFailure),
    /// The body could not be read.
    TooLarge,
    /// On to the service.
    Pass(Route),
}

/// Handles one API request from start to finish.
pub async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = read_body(body).await;
    let route = routes::resolve(&parts.method, parts.uri.path());
    let endpoint = route.as_ref().map(|route| route.endpoint.name());
    let verdict = judge(&app, &parts, route, body.is_some());
    let entry = log_entry(&parts, endpoint, &verdict, body.as_ref());
    let ticket = app.journal().begin(entry);
    if matches!(verdict, Verdict::Refused(_)) {
        app.journal().count_auth_failure();
    }
    if !app.latency.is_zero() {
        tokio::time::sleep(app.latency).await;
    }

    let response = match verdict {
        Verdict::NotFound => response::not_found(),
        Verdict::Refused(failure) => response::unauthorized(&failure),
        Verdict::TooLarge => response::too_large(),
        Verdict::Pass(route) => {
            let body = body.unwrap_or_default();
            pass(&app, &route, &parts, &body).await
        }
    };
    let status = response.status().as_u16();
    app.journal().finish(ticket, status);
    tracing::debug!(method = %parts.method, path = parts.uri.path(), endpoint, status, "emulated call");
    response
}

async fn read_body(body: Body) -> Option<Bytes> {
    axum::body::to_bytes(body, BODY_LIMIT).await.ok()
}

fn judge(app: &App, parts: &Parts, route: Option<Route>, body_read: bool) -> Verdict {
    let Some(route) = route else {
        return Verdict::NotFound;
    };
    // The signature covers the target exactly as received, never a
    // re-encoded form, so a client that signs one string and sends another
    // fails here as it would for real.
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |target| target.as_str());
    let now = app.clock.now_ms();
    if let Err(failure) = auth::check(
        &app.credentials,
        parts.method.as_str(),
        target,
        &parts.headers,
        now,
    ) {
        return Verdict::Refused(failure);
    }
    if !body_read {
        return Verdict::TooLarge;
    }
    Verdict::Pass(route)
}

fn log_entry(
    parts: &Parts,
    endpoint: Option<&'static str>,
    verdict: &Verdict,
    body: Option<&Bytes>,
) -> LoggedRequest {
    LoggedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        endpoint,
        status: None,
        authenticated: matches!(verdict, Verdict::Pass(_) | Verdict::TooLarge),
        body: body.and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok()),
    }
}

/// Injects a fault if the plan says so, else answers normally.
async fn pass(app: &App, route: &Route, parts: &Parts, body: &[u8]) -> Response {
    let fault = app.faults().draw(route.endpoint.is_create());
    let Some(kind) = fault else {
        return api::dispatch(app, route, &parts.uri, body);
    };
    app.journal().count_fault(kind);
    match kind {
        FaultKind::CommitThenDrop => {
            // The answer is computed and thrown away: the change is made.
            let _lost = api::dispatch(app, route, &parts.uri, body);
            drop_connection(parts.extensions.get::<ConnectionKill>()).await
        }
        FaultKind::CommitThen504 => {
            let _lost = api::dispatch(app, route, &parts.uri, body);
            response::fault(kind)
        }
        FaultKind::Unavailable | FaultKind::Timeout | FaultKind::RateLimited => {
            response::fault(kind)
        }
    }
}

/// Asks the connection's task to close the socket, then waits to be dropped
/// with it, so that no answer is ever written. Served outside the
/// emulator's own accept loop there is no connection to close, and a 504
/// stands in for the lost answer.
async fn drop_connection(kill: Option<&ConnectionKill>) -> Response {
    match kill {
        Some(kill) => {
            kill.fire();
            std::future::pending::<Response>().await
        }
        None => response::fault(FaultKind::Timeout),
    }
}
