//! Snapshots: creating one without ever making two, and finding them in the
//! history.
//!
//! createSnapshot answers only `result: true`, with no identifier, and the
//! history keeps entries of snapshots deleted long ago, so a name in the
//! history proves nothing by itself. What the client relies on instead:
//!
//! - the history only grows, newest entry first, so the entries that appeared
//!   after a moment are the newest `totalCount_now - totalCount_then`: reading
//!   `totalCount` before the first send gives a [`HistoryMark`];
//! - the service refuses a second snapshot of a name that exists (an
//!   assumption: the real duplicate error is undocumented).
//!
//! So after a failure that may have come after the work was done (a lost
//! connection, a timeout, a 5xx), the client looks for an entry of that name
//! and bucket newer than the mark before it sends again, and a duplicate
//! refusal after such a failure is settled the same way.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::client::{Client, json_body};
use super::error::Error;
use super::model::{CreateSnapshotRequest, SnapshotHistoryEntry, SnapshotHistoryPage};
use super::request::{Effect, MAX_PAGE_SIZE, Request};
use super::response::{Response, decode, decode_confirmed};
use super::retry::{CallOptions, Interrupted, Retrier};

/// Pages read at most by one scan of the history: 10,000 entries. A scan that
/// needs more is stopped rather than left to run unbounded.
const MAX_SCAN_PAGES: u32 = 100;

/// The history's length at a moment: entries beyond it came later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryMark {
    /// getSnapshotHistory's `totalCount` when the mark was taken.
    pub total_count: i64,
}

/// A snapshot request the service accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedSnapshot {
    /// The id of the answer that confirmed it: createSnapshot's own, or that
    /// of the history read which found it after createSnapshot's was lost.
    pub request_id: String,
    /// The history's length just before the request; the snapshot's entry is
    /// newer (see [`Client::find_snapshot_since`]).
    pub mark: HistoryMark,
    /// The history entry, when that is how the snapshot was confirmed.
    pub entry: Option<SnapshotHistoryEntry>,
}

/// What a look at the history after the mark found.
enum Sighting {
    /// An entry with our name and bucket.
    Ours(Box<CreatedSnapshot>),
    /// An entry with our name and another bucket: someone else's snapshot.
    Others,
    /// Nothing of that name yet.
    Nothing,
}

/// How a history read copes with failure.
#[derive(Clone, Copy)]
enum Fetch<'a> {
    /// Retried under the caller's options.
    Retrying(&'a CallOptions),
    /// Tried once, within the options' deadline; used while polling, where
    /// the poll interval already spaces the attempts.
    Once(&'a CallOptions),
}

/// What the client looks for in the history after a lost answer: an entry of
/// this snapshot newer than the mark.
struct Lookout<'a> {
    no: &'a str,
    snapshot: &'a CreateSnapshotRequest,
    mark: HistoryMark,
    options: &'a CallOptions,
}

impl Client {
    /// Creates a snapshot (createSnapshot), making sure that a lost answer
    /// never leads to a second snapshot, an unseen one, or a false error.
    pub async fn create_snapshot(
        &self,
        no: &str,
        snapshot: &CreateSnapshotRequest,
        options: &CallOptions,
    ) -> Result<CreatedSnapshot, Error> {
        let mark = self.history_mark(no, options).await?.value;
        self.create_snapshot_after(no, snapshot, mark, options)
            .await
    }

    /// [`Client::create_snapshot`] with a mark the caller took just before,
    /// for a caller that must remember the mark even when the call fails
    /// with its outcome unknown, to settle it later.
    pub async fn create_snapshot_after(
        &self,
        no: &str,
        snapshot: &CreateSnapshotRequest,
        mark: HistoryMark,
        options: &CallOptions,
    ) -> Result<CreatedSnapshot, Error> {
        let target = self.target("snapshot", "createSnapshot", no, &[])?;
        let body = json_body(snapshot)?;
        let request = Request::post("createSnapshot", target, body, Effect::Create);
        let lookout = Lookout {
            no,
            snapshot,
            mark,
            options,
        };
        let mut retrier = Retrier::new(&self.retry, options);
        loop {
            let attempt = retrier.start_attempt()?;
            let timeout = self.request_time(options.deadline);
            let answer = self.attempt(&request, attempt, timeout, decode_confirmed);
            let failure = match answer.await {
                Ok(response) => return Ok(lookout.confirmed(response.request_id, None)),
                Err(failure) => failure,
            };
            if failure.is_already_exists() && retrier.outcome_unknown() {
                return self.settle_duplicate(&lookout, &retrier, failure).await;
            }
            if failure.is_ambiguous() {
                retrier.note_outcome_unknown();
                let window = self.retry.history_lag_window;
                let sighting = self
                    .watch_history(&lookout, &retrier, window, &failure)
                    .await?;
                if let Sighting::Ours(created) = sighting {
                    return Ok(*created);
                }
                tracing::debug!(
                    snapshot = %snapshot.snapshot_name,
                    "no new history entry within the lag window; sending createSnapshot again"
                );
            } else if !failure.is_transient() {
                return Err(failure);
            }
            retrier.back_off(failure).await?;
        }
    }

    /// After a duplicate refusal that followed a lost answer: the snapshot is
    /// ours if it shows in the history past the mark with our bucket before
    /// the deadline; otherwise the refusal stands.
    async fn settle_duplicate(
        &self,
        lookout: &Lookout<'_>,
        retrier: &Retrier<'_>,
        duplicate: Error,
    ) -> Result<CreatedSnapshot, Error> {
        let window = retrier.time_left();
        let sighting = self
            .watch_history(lookout, retrier, window, &duplicate)
            .await?;
        match sighting {
            Sighting::Ours(created) => Ok(*created),
            Sighting::Others | Sighting::Nothing => Err(duplicate),
        }
    }

    /// Reads the history every poll interval, for at most `window` and never
    /// past the deadline, until an entry of our name shows after the mark.
    /// Only the stop signal makes this fail; read errors just mean "not seen
    /// yet".
    async fn watch_history(
        &self,
        lookout: &Lookout<'_>,
        retrier: &Retrier<'_>,
        window: Duration,
        last: &Error,
    ) -> Result<Sighting, Error> {
        let until = Instant::now() + window;
        let interval = self.retry.history_poll_interval;
        loop {
            match self.sight(lookout).await {
                Ok(Sighting::Nothing) => {}
                Ok(sighting) => return Ok(sighting),
                Err(error) => {
                    tracing::debug!(%error, "history read failed while looking for a snapshot")
                }
            }
            if Instant::now() + interval > until {
                return Ok(Sighting::Nothing);
            }
            match retrier.pause(interval).await {
                Ok(()) => {}
                Err(Interrupted::Deadline) => return Ok(Sighting::Nothing),
                Err(why) => return Err(retrier.give_up(why, Some(last.clone()))),
            }
        }
    }

    /// One look at the entries newer than the mark.
    async fn sight(&self, lookout: &Lookout<'_>) -> Result<Sighting, Error> {
        let fetch = Fetch::Once(lookout.options);
        let since = self.entries_since(lookout.no, lookout.mark, fetch).await?;
        let (entries, request_id) = (since.value, since.request_id);
        let wanted = lookout.snapshot;
        let named = |entry: &&SnapshotHistoryEntry| entry.snapshot_name == wanted.snapshot_name;
        let ours = entries
            .iter()
            .filter(named)
            .find(|entry| entry.bucket_name == wanted.bucket_name);
        Ok(match ours {
            Some(entry) => {
                let created = lookout.confirmed(request_id, Some(entry.clone()));
                Sighting::Ours(Box::new(created))
            }
            None if entries.iter().any(|entry| named(&entry)) => Sighting::Others,
            None => Sighting::Nothing,
        })
    }

    /// The history's length now, to tell later entries from earlier ones.
    pub async fn history_mark(
        &self,
        no: &str,
        options: &CallOptions,
    ) -> Result<Response<HistoryMark>, Error> {
        let page = self.snapshot_history(no, 1, 1, options).await?;
        Ok(Response {
            value: HistoryMark {
                total_count: page.value.paging.total_count,
            },
            request_id: page.request_id,
        })
    }

    /// The newest entry of `name` that is newer than `mark`, if the history
    /// shows it yet: the caller's own snapshot after [`Client::create_snapshot`].
    pub async fn find_snapshot_since(
        &self,
        no: &str,
        name: &str,
        mark: HistoryMark,
        options: &CallOptions,
    ) -> Result<Response<Option<SnapshotHistoryEntry>>, Error> {
        let since = self
            .entries_since(no, mark, Fetch::Retrying(options))
            .await?;
        let found = since
            .value
            .into_iter()
            .find(|entry| entry.snapshot_name == name);
        Ok(Response {
            value: found,
            request_id: since.request_id,
        })
    }

    /// The newest entry of `name` in the whole history, reading pages of 100
    /// and stopping at the first match; the request id is the last page's.
    pub async fn find_latest_snapshot(
        &self,
        no: &str,
        name: &str,
        options: &CallOptions,
    ) -> Result<Response<Option<SnapshotHistoryEntry>>, Error> {
        let mut request_id = String::new();
        for page_no in 1..=MAX_SCAN_PAGES {
            let response = self
                .history_page(no, page_no, Fetch::Retrying(options))
                .await?;
            request_id = response.request_id;
            let page = response.value;
            let list = page.snapshot_history_response_list;
            if let Some(entry) = list.iter().find(|entry| entry.snapshot_name == name) {
                let value = Some(entry.clone());
                return Ok(Response { value, request_id });
            }
            if list.is_empty() || page.paging.is_last {
                break;
            }
        }
        Ok(Response {
            value: None,
            request_id,
        })
    }

    /// The whole history, newest first, as it stood when the first page was
    /// read: entries added while paging are left out rather than read twice.
    /// The request id is the first page's.
    pub async fn snapshot_history_all(
        &self,
        no: &str,
        options: &CallOptions,
    ) -> Result<Response<Vec<SnapshotHistoryEntry>>, Error> {
        let fetch = Fetch::Retrying(options);
        let first = self.history_page(no, 1, fetch).await?;
        let total = first.value.paging.total_count;
        let mut last_page = first.value.paging.is_last;
        let mut entries = first.value.snapshot_history_response_list;
        let mut page_no = 1;
        while !last_page && to_i64(entries.len()) < total && page_no < MAX_SCAN_PAGES {
            page_no += 1;
            let page = self.history_page(no, page_no, fetch).await?.value;
            last_page = page.paging.is_last || page.snapshot_history_response_list.is_empty();
            take_unseen(&mut entries, page, page_no, total);
        }
        Ok(Response {
            value: entries,
            request_id: first.request_id,
        })
    }

    /// The entries newer than `mark`, newest first, with the request id of
    /// the first page read. Each page is judged by its own `totalCount`, so
    /// entries added while reading shift the window instead of letting older
    /// entries in.
    async fn entries_since(
        &self,
        no: &str,
        mark: HistoryMark,
        fetch: Fetch<'_>,
    ) -> Result<Response<Vec<SnapshotHistoryEntry>>, Error> {
        let mut entries = Vec::new();
        let mut request_id = None;
        for page_no in 1..=MAX_SCAN_PAGES {
            let response = self.history_page(no, page_no, fetch).await?;
            request_id.get_or_insert(response.request_id);
            let page = response.value;
            let newer = page.paging.total_count - mark.total_count;
            let first_position = i64::from(page_no - 1) * i64::from(MAX_PAGE_SIZE);
            let list = page.snapshot_history_response_list;
            let done = list.is_empty() || page.paging.is_last;
            for (index, entry) in list.into_iter().enumerate() {
                if first_position + to_i64(index) < newer {
                    entries.push(entry);
                }
            }
            if done || first_position + i64::from(MAX_PAGE_SIZE) >= newer {
                break;
            }
        }
        Ok(Response {
            value: entries,
            request_id: request_id.unwrap_or_default(),
        })
    }

    /// One page of up to 100 history entries.
    async fn history_page(
        &self,
        no: &str,
        page_no: u32,
        fetch: Fetch<'_>,
    ) -> Result<Response<SnapshotHistoryPage>, Error> {
        let request = self.history_request(no, page_no, MAX_PAGE_SIZE)?;
        match fetch {
            Fetch::Retrying(options) => self.call(&request, options, decode).await,
            Fetch::Once(options) => {
                let timeout = self.request_time(options.deadline);
                self.attempt(&request, 1, timeout, decode).await
            }
        }
    }
}

impl Lookout<'_> {
    /// The result of a create confirmed by `request_id`.
    fn confirmed(
        &self,
        request_id: String,
        entry: Option<SnapshotHistoryEntry>,
    ) -> CreatedSnapshot {
        CreatedSnapshot {
            request_id,
            mark: self.mark,
            entry,
        }
    }
}

/// Adds the entries of a later page that the first page's view of the
/// history had not reached yet. Entries added since the first page push the
/// older ones down, so as many are skipped as were added: each original is
/// taken once, and no newcomer.
fn take_unseen(
    entries: &mut Vec<SnapshotHistoryEntry>,
    page: SnapshotHistoryPage,
    page_no: u32,
    total: i64,
) {
    let added = (page.paging.total_count - total).max(0);
    let first_position = i64::from(page_no - 1) * i64::from(MAX_PAGE_SIZE) - added;
    for (index, entry) in page.snapshot_history_response_list.into_iter().enumerate() {
        let position = first_position + to_i64(index);
        if position >= to_i64(entries.len()) && position < total {
            entries.push(entry);
        }
    }
}

fn to_i64(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ncloud::model::service_code;
    use crate::ncloud::testing::{Canned, NO, Step, TestServer, fast_policy};

    const NAME: &str = "nightly";
    const BUCKET: &str = "snapshots";

    fn nightly() -> CreateSnapshotRequest {
        CreateSnapshotRequest {
            snapshot_name: NAME.into(),
            bucket_name: BUCKET.into(),
        }
    }

    fn options(seconds: u64) -> CallOptions {
        CallOptions::with_timeout(Duration::from_secs(seconds))
    }

    fn posts(server: &TestServer) -> usize {
        server.shared.seen("createSnapshot").len()
    }

    #[tokio::test]
    async fn a_throttled_create_is_sent_again_and_makes_one_snapshot() {
        let server = TestServer::start().await;
        let throttled =
            Canned::gateway(429, "410", "Throttle Limited").with_header("retry-after", "0");
        server
            .shared
            .script("createSnapshot", [Step::Reply(throttled)]);
        let client = server.client(fast_policy());

        let created = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap();

        assert_eq!(posts(&server), 2);
        assert_eq!(server.shared.entries_named(NAME), 1);
        assert_eq!(created.mark, HistoryMark { total_count: 0 });
        assert!(created.entry.is_none(), "confirmed by the answer itself");
        assert_eq!(created.request_id, "req-3", "the second POST's answer");
        // Each attempt was signed afresh, and the server accepted both.
        let seen = server.shared.seen("createSnapshot");
        assert!(seen.iter().all(|request| request.signed));
        assert_ne!(seen[0].timestamp, seen[1].timestamp);
    }

    #[tokio::test]
    async fn a_503_after_the_snapshot_was_made_is_success_without_a_second_post() {
        let server = TestServer::start().await;
        server.shared.seed_deleted(NAME, BUCKET);
        let step = Step::StoreThenReply {
            reply: Canned::gateway(503, "500", "Endpoint Error"),
            hidden_reads: 0,
        };
        server.shared.script("createSnapshot", [step]);
        let client = server.client(fast_policy());

        let created = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap();

        assert_eq!(posts(&server), 1);
        assert_eq!(server.shared.entries_named(NAME), 2);
        assert_eq!(created.mark, HistoryMark { total_count: 1 });
        assert_eq!(
            created.request_id, "req-3",
            "the history read after the POST"
        );
        let entry = created.entry.expect("confirmed from the history");
        assert_eq!((entry.snapshot_name.as_str(), entry.idx), (NAME, 2));
    }

    #[tokio::test]
    async fn a_504_before_the_snapshot_was_made_is_sent_exactly_once_more() {
        let server = TestServer::start().await;
        // An old entry of the same name must not pass for the new snapshot.
        server.shared.seed_deleted(NAME, BUCKET);
        let timeout = Canned::gateway(504, "510", "Endpoint Timeout");
        server
            .shared
            .script("createSnapshot", [Step::Reply(timeout)]);
        let client = server.client(fast_policy());

        let created = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap();

        assert_eq!(posts(&server), 2);
        assert_eq!(server.shared.entries_named(NAME), 2);
        assert!(created.entry.is_none(), "confirmed by the second answer");
    }

    #[tokio::test]
    async fn a_duplicate_after_a_lost_answer_is_success_once_the_history_shows_ours() {
        let server = TestServer::start().await;
        // Made, answered 503, and slow to show: the lag window (about ten
        // reads) passes, the client sends again, and is refused as a
        // duplicate before the entry shows.
        let step = Step::StoreThenReply {
            reply: Canned::gateway(503, "500", "Endpoint Error"),
            hidden_reads: 25,
        };
        server.shared.script("createSnapshot", [step]);
        let client = server.client(fast_policy());

        let created = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap();

        assert_eq!(posts(&server), 2);
        assert_eq!(server.shared.entries_named(NAME), 1);
        assert_eq!(created.entry.unwrap().bucket_name, BUCKET);
    }

    #[tokio::test]
    async fn a_duplicate_on_the_first_attempt_is_the_duplicate_error() {
        let server = TestServer::start().await;
        server.shared.lock().live.insert(NAME.into());
        let client = server.client(fast_policy());
        let started = Instant::now();

        let error = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap_err();

        assert!(error.is_already_exists(), "{error}");
        assert!(!error.is_deadline_exceeded(), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "it did not wait"
        );
        assert_eq!(posts(&server), 1);
        let message = error.to_string();
        assert!(message.contains("http 400"), "{message}");
        assert!(message.contains(&format!(
            "service error {}",
            service_code::SNAPSHOT_ALREADY_EXISTS
        )));
    }

    #[tokio::test]
    async fn a_duplicate_after_a_lost_answer_that_never_shows_is_the_duplicate_error() {
        let server = TestServer::start().await;
        // Someone else's snapshot of that name exists but is not in this
        // history; our first attempt got a 504 and did nothing.
        server.shared.lock().live.insert(NAME.into());
        let timeout = Canned::gateway(504, "510", "Endpoint Timeout");
        server
            .shared
            .script("createSnapshot", [Step::Reply(timeout)]);
        let client = server.client(fast_policy());

        let options = CallOptions::with_timeout(Duration::from_millis(600));
        let error = client
            .create_snapshot(NO, &nightly(), &options)
            .await
            .unwrap_err();

        assert!(error.is_already_exists(), "{error}");
        assert_eq!(posts(&server), 2);
        // It kept looking until less than a poll interval was left.
        let poll = fast_policy().history_poll_interval;
        assert!(
            Instant::now() + poll >= options.deadline,
            "it gave up early"
        );
    }

    #[tokio::test]
    async fn a_duplicate_whose_new_entry_has_another_bucket_is_refused_at_once() {
        let server = TestServer::start().await;
        // While our answer is lost, someone else makes the name elsewhere.
        let others = vec![(NAME.to_owned(), "other-bucket".to_owned())];
        let timeout = Canned::gateway(504, "510", "Endpoint Timeout");
        let step = Step::Arrive(others, Box::new(Step::Reply(timeout)));
        server.shared.script("createSnapshot", [step]);
        let client = server.client(fast_policy());
        let started = Instant::now();

        let error = client
            .create_snapshot(NO, &nightly(), &options(30))
            .await
            .unwrap_err();

        assert!(error.is_already_exists(), "{error}");
        assert_eq!(posts(&server), 2);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no wait for the deadline"
        );
    }

    #[tokio::test]
    async fn a_connection_closed_after_the_request_was_read_makes_no_duplicate() {
        let server = TestServer::start_raw().await;
        server.shared.seed_deleted(NAME, BUCKET);
        server
            .shared
            .script("createSnapshot", [Step::StoreThenClose]);
        let client = server.client(fast_policy());

        let created = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap();

        assert_eq!(posts(&server), 1);
        assert_eq!(server.shared.entries_named(NAME), 2);
        assert!(created.entry.is_some());
    }

    #[tokio::test]
    async fn a_connection_closed_before_anything_was_made_is_sent_again_once() {
        let server = TestServer::start_raw().await;
        server.shared.script("createSnapshot", [Step::Close]);
        let client = server.client(fast_policy());

        let created = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap();

        assert_eq!(posts(&server), 2);
        assert_eq!(server.shared.entries_named(NAME), 1);
        assert!(created.entry.is_none());
    }

    #[tokio::test]
    async fn a_create_that_times_out_after_the_work_is_found_in_the_history() {
        let server = TestServer::start().await;
        let slow = Step::StoreThenDelay(Duration::from_secs(3));
        server.shared.script("createSnapshot", [slow]);
        let client = server.client_with_timeout(fast_policy(), Duration::from_millis(300));

        let created = client
            .create_snapshot(NO, &nightly(), &options(10))
            .await
            .unwrap();

        assert_eq!(posts(&server), 1);
        assert_eq!(created.entry.unwrap().snapshot_name, NAME);
    }

    #[tokio::test]
    async fn stopping_while_looking_for_a_lost_create_says_the_outcome_is_unknown() {
        let server = TestServer::start().await;
        let step = Step::StoreThenReply {
            reply: Canned::gateway(503, "500", "Endpoint Error"),
            hidden_reads: 1000,
        };
        server.shared.script("createSnapshot", [step]);
        let mut policy = fast_policy();
        policy.history_lag_window = Duration::from_secs(60);
        let client = server.client(policy);
        let options = options(60);
        let stop = options.stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            stop.stop();
        });

        let error = client
            .create_snapshot(NO, &nightly(), &options)
            .await
            .unwrap_err();

        assert!(error.is_stopped() && error.is_outcome_unknown(), "{error}");
        assert!(error.is_server_error(), "the last failure is kept: {error}");
        assert_eq!(posts(&server), 1);
        assert!(
            error.to_string().contains("may have taken effect"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn find_snapshot_since_sees_only_entries_after_the_mark() {
        let server = TestServer::start().await;
        server.shared.seed_deleted(NAME, BUCKET);
        let client = server.client(fast_policy());
        let options = options(10);
        let mark = client.history_mark(NO, &options).await.unwrap().value;
        assert_eq!(mark.total_count, 1);

        let before = client
            .find_snapshot_since(NO, NAME, mark, &options)
            .await
            .unwrap()
            .value;
        assert!(before.is_none(), "the old entry predates the mark");

        let created = client
            .create_snapshot(NO, &nightly(), &options)
            .await
            .unwrap();
        assert_eq!(created.mark, mark);
        let after = client
            .find_snapshot_since(NO, NAME, mark, &options)
            .await
            .unwrap();
        assert_eq!(after.value.map(|entry| entry.idx), Some(2));
        assert_eq!(after.request_id, "req-5");
    }

    #[tokio::test]
    async fn history_all_reads_every_page_newest_first() {
        let server = TestServer::start().await;
        for index in 0..250 {
            server
                .shared
                .seed_deleted(&format!("snap-{index:03}"), BUCKET);
        }
        let client = server.client(fast_policy());

        let all = client
            .snapshot_history_all(NO, &options(10))
            .await
            .unwrap()
            .value;

        let names: Vec<String> = all
            .iter()
            .map(|entry| entry.snapshot_name.clone())
            .collect();
        let expected: Vec<String> = (0..250)
            .rev()
            .map(|index| format!("snap-{index:03}"))
            .collect();
        assert_eq!(names, expected);
        let pages = server.shared.seen("getSnapshotHistory");
        assert_eq!(pages.len(), 3);
        assert!(
            pages
                .iter()
                .all(|page| page.target.ends_with("pageSize=100"))
        );
    }

    #[tokio::test]
    async fn find_latest_snapshot_stops_at_the_first_match() {
        let server = TestServer::start().await;
        for index in 0..250 {
            server
                .shared
                .seed_deleted(&format!("snap-{index:03}"), BUCKET);
        }
        server.shared.seed_deleted("snap-010", "newer-bucket");
        let client = server.client(fast_policy());
        let cases = [
            ("snap-010", Some("newer-bucket"), 1),
            ("snap-151", Some(BUCKET), 1),
            ("snap-150", Some(BUCKET), 2),
            ("snap-000", Some(BUCKET), 3),
            ("missing", None, 3),
        ];
        for (name, bucket, pages_read) in cases {
            let before = server.shared.seen("getSnapshotHistory").len();
            let found = client
                .find_latest_snapshot(NO, name, &options(10))
                .await
                .unwrap()
                .value;
            let read = server.shared.seen("getSnapshotHistory").len() - before;
            assert_eq!(
                found.map(|entry| entry.bucket_name).as_deref(),
                bucket,
                "{name}"
            );
            assert_eq!(read, pages_read, "{name}");
        }
    }

    #[tokio::test]
    async fn history_all_takes_each_entry_once_when_entries_arrive_while_paging() {
        let server = TestServer::start().await;
        for index in 0..150 {
            server
                .shared
                .seed_deleted(&format!("snap-{index:03}"), BUCKET);
        }
        let late = (0..3).map(|index| (format!("late-{index}"), BUCKET.to_owned()));
        let arrive = Step::Arrive(late.collect(), Box::new(Step::Healthy));
        server
            .shared
            .script("getSnapshotHistory", [Step::Healthy, arrive]);
        let client = server.client(fast_policy());

        let all = client
            .snapshot_history_all(NO, &options(10))
            .await
            .unwrap()
            .value;

        let names: Vec<String> = all
            .iter()
            .map(|entry| entry.snapshot_name.clone())
            .collect();
        let expected: Vec<String> = (0..150)
            .rev()
            .map(|index| format!("snap-{index:03}"))
            .collect();
        assert_eq!(names, expected);
    }
}
