//! What the emulator saw: a log of API requests and counters, for tests to
//! assert on (how many retries a create took, whether a request was signed).
//!
//! Secrets never enter the journal: an Object Storage `secretKey` in a body
//! is replaced before the body is stored, and signatures are not kept.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;
use serde_json::Value;

use super::faults::FaultKind;
use super::routes::Endpoint;

/// The log keeps this many requests, dropping the oldest, so that a long
/// soak run does not grow without bound.
const LOG_LIMIT: usize = 10_000;

/// One API request as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRequest {
    /// The HTTP method.
    pub method: String,
    /// The path, as received.
    pub path: String,
    /// The query, as received, without `?`; `null` when there is none.
    pub query: Option<String>,
    /// The API call, when the route is known.
    pub endpoint: Option<&'static str>,
    /// The status answered; `null` while in flight or when the connection
    /// was dropped without an answer.
    pub status: Option<u16>,
    /// Whether the request passed the signature check.
    pub authenticated: bool,
    /// The JSON body with secrets redacted; `null` when absent or not JSON.
    pub body: Option<Value>,
}

/// Request counts, in the shape `/__emulator/state` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counters {
    /// Every API request, known routes or not.
    pub requests: u64,
    /// Requests per API call, listing every call even at zero.
    pub requests_by_endpoint: BTreeMap<&'static str, u64>,
    /// Requests refused by the signature check.
    pub auth_failures: u64,
    /// Injected faults per kind, listing every kind even at zero.
    pub faults: BTreeMap<&'static str, u64>,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            requests: 0,
            requests_by_endpoint: Endpoint::ALL.iter().map(|e| (e.name(), 0)).collect(),
            auth_failures: 0,
            faults: FaultKind::ALL.iter().map(|k| (k.name(), 0)).collect(),
        }
    }
}

/// The log and the counters together.
#[derive(Debug, Default)]
pub struct Journal {
    log: VecDeque<LoggedRequest>,
    /// Sequence number of the oldest entry still in `log`.
    first_sequence: u64,
    counters: Counters,
}

/// Identifies a logged request, to record its status once answered.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl Journal {
    /// Logs a request and counts it; the status comes later with [`finish`].
    ///
    /// [`finish`]: Journal::finish
    pub fn begin(&mut self, mut request: LoggedRequest) -> Ticket {
        self.counters.requests += 1;
        if let Some(endpoint) = request.endpoint {
            *self
                .counters
                .requests_by_endpoint
                .entry(endpoint)
                .or_default() += 1;
        }
        if let Some(body) = request.body.as_mut() {
            redact_secrets(body);
        }
        self.log.push_back(request);
        if self.log.len() > LOG_LIMIT {
            self.log.pop_front();
            self.first_sequence += 1;
        }
        Ticket(self.first_sequence + self.log.len() as u64 - 1)
    }

    /// Records the status a request was answered with.
    pub fn finish(&mut self, ticket: Ticket, status: u16) {
        let Some(index) = ticket.0.checked_sub(self.first_sequence) else {
            return;
        };
        if let Some(entry) = usize::try_from(index)
            .ok()
            .and_then(|i| self.log.get_mut(i))
        {
            entry.status = Some(status);
        }
    }

    /// Counts a request refused by the signature check.
    pub fn count_auth_failure(&mut self) {
        self.counters.auth_failures += 1;
    }

    /// Counts an injected fault.
    pub fn count_fault(&mut self, kind: FaultKind) {
        *self.counters.faults.entry(kind.name()).or_default() += 1;
    }

    /// The requests logged, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.iter().cloned().collect()
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Forgets every request and zeroes the counters.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Replaces the value of every `secretKey`, at any depth.
fn redact_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "secretKey" {
                    *inner = Value::String("<redacted>".to_owned());
                } else {
                    redact_secrets(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(body: Option<Value>) -> LoggedRequest {
        LoggedRequest {
            method: "POST".into(),
            path: "/api/v2/snapshot/updateAPIAuthenticationKey/1".into(),
            query: None,
            endpoint: Some(Endpoint::UpdateApiAuthenticationKey.name()),
            status: None,
            authenticated: true,
            body,
        }
    }

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let mut journal = Journal::default();
        journal.begin(request(Some(json!({
            "accessKeyId": "AKID",
            "secretKey": "s3cr3t",
            "nested": [{"secretKey": 5}]
        }))));
        let logged = serde_json::to_string(&journal.requests()).unwrap();
        assert!(!logged.contains("s3cr3t"));
        assert!(logged.contains("AKID"));
        assert_eq!(logged.matches("<redacted>").count(), 2);
    }

    #[test]
    fn status_lands_on_the_right_entry() {
        let mut journal = Journal::default();
        let first = journal.begin(request(None));
        let second = journal.begin(request(None));
        journal.finish(second, 400);
        journal.finish(first, 200);
        let statuses: Vec<_> = journal.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![Some(200), Some(400)]);
    }

    #[test]
    fn log_is_bounded_and_late_finishes_are_ignored() {
        let mut journal = Journal::default();
        let oldest = journal.begin(request(None));
        for _ in 0..LOG_LIMIT {
            journal.begin(request(None));
        }
        journal.finish(oldest, 200);
        assert_eq!(journal.requests().len(), LOG_LIMIT);
        assert!(journal.requests().iter().all(|r| r.status.is_none()));
        assert_eq!(journal.counters().requests, LOG_LIMIT as u64 + 1);
    }

    #[test]
    fn counters_list_every_endpoint_and_fault() {
        let mut journal = Journal::default();
        journal.begin(request(None));
        journal.count_fault(FaultKind::CommitThenDrop);
        journal.count_auth_failure();
        let counters = journal.counters();
        assert_eq!(counters.requests_by_endpoint.len(), Endpoint::ALL.len());
        assert_eq!(
            counters.requests_by_endpoint["updateAPIAuthenticationKey"],
            1
        );
        assert_eq!(counters.requests_by_endpoint["createSnapshot"], 0);
        assert_eq!(counters.faults["drop"], 1);
        assert_eq!(counters.faults["503"], 0);
        assert_eq!(counters.auth_failures, 1);

        journal.clear();
        assert_eq!(journal.counters(), &Counters::default());
        assert!(journal.requests().is_empty());
    }
}
