//! When to try a request again, and how long to wait first.
//!
//! Waiting is exponential with jitter, so that many clients throttled at once
//! do not come back at once; a server's `Retry-After` is a floor. Every wait
//! is bounded by the caller's deadline (Terraform's timeouts) and ends at once
//! when the caller's [`StopSignal`] fires (Terraform's StopProvider). Which
//! failures are worth another attempt is decided per call by the client;
//! this module only counts and waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::time::Instant;

use super::error::Error;

/// How persistent the client is. The defaults suit a real gateway; tests use
/// milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait before a second attempt.
    pub initial_delay: Duration,
    /// The longest wait the backoff grows to (a `Retry-After` may ask more).
    pub max_delay: Duration,
    /// Requests sent for one call at most, the first included.
    pub max_attempts: u32,
    /// How often the snapshot history is read while looking for a snapshot
    /// whose create request had no clear answer.
    pub history_poll_interval: Duration,
    /// How long a new snapshot may take to show in the history before the
    /// client concludes that the request did not take effect.
    pub history_lag_window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_attempts: 8,
            history_poll_interval: Duration::from_secs(3),
            history_lag_window: Duration::from_secs(60),
        }
    }
}

/// A way to tell calls in flight to give up waiting. Clones share the signal.
#[derive(Debug, Clone)]
pub struct StopSignal {
    sender: Arc<watch::Sender<bool>>,
}

impl StopSignal {
    /// A signal not yet given.
    pub fn new() -> Self {
        Self {
            sender: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Gives the signal; every clone sees it, and it cannot be taken back.
    pub fn stop(&self) {
        self.sender.send_replace(true);
    }

    /// Whether the signal was given.
    pub fn is_stopped(&self) -> bool {
        *self.sender.borrow()
    }

    /// Completes once the signal is given (at once if it already was).
    pub async fn stopped(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives as long as `self`, so this cannot fail; if it ever
        // did, waiting forever would be wrong, so return either way.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }
}

impl Default for StopSignal {
    fn default() -> Self {
        Self::new()
    }
}

/// What every call is given: when to give up, and a way to be stopped.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// No request is started, and no wait runs, past this instant.
    pub deadline: Instant,
    /// Ends waits between attempts at once.
    pub stop: StopSignal,
}

impl CallOptions {
    /// Options with a deadline and a stop signal.
    pub fn new(deadline: Instant, stop: StopSignal) -> Self {
        Self { deadline, stop }
    }

    /// Options whose deadline is `timeout` from now, with a fresh signal.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self::new(Instant::now() + timeout, StopSignal::new())
    }
}

/// Why a wait ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interrupted {
    /// The stop signal was given.
    Stopped,
    /// The wait would end at or past the deadline, so it did not start.
    Deadline,
}

/// Sleeps for `delay` unless the deadline or the stop signal comes first.
pub(crate) async fn pause(delay: Duration, options: &CallOptions) -> Result<(), Interrupted> {
    if options.stop.is_stopped() {
        return Err(Interrupted::Stopped);
    }
    // A wait that ends at the deadline would leave no time for the attempt
    // it waits for.
    let wake = Instant::now() + delay;
    if wake >= options.deadline {
        return Err(Interrupted::Deadline);
    }
    tokio::select! {
        () = tokio::time::sleep_until(wake) => Ok(()),
        () = options.stop.stopped() => Err(Interrupted::Stopped),
    }
}

/// Exponential delays with "equal jitter": each wait is drawn from the upper
/// half of its step, so it grows steadily yet clients spread out.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    retries: u32,
    random: SplitMix64,
}

impl Backoff {
    /// A backoff with its own random sequence.
    pub fn new(policy: &RetryPolicy, seed: u64) -> Self {
        Self {
            initial: policy.initial_delay,
            max: policy.max_delay.max(policy.initial_delay),
            retries: 0,
            random: SplitMix64(seed),
        }
    }

    /// The wait before the next attempt: at least `retry_after`, if given.
    pub fn next_delay(&mut self, retry_after: Option<Duration>) -> Duration {
        let step = self
            .initial
            .saturating_mul(1 << self.retries.min(20))
            .min(self.max);
        self.retries = self.retries.saturating_add(1);
        let half = step / 2;
        let jittered = half + half.mul_f64(self.random.next_fraction());
        jittered.max(retry_after.unwrap_or(Duration::ZERO))
    }
}

/// A tiny, well-mixed generator (SplitMix64); jitter needs no more.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    fn next_fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A seed that differs between calls and processes.
pub(crate) fn fresh_seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() as u64)
        .unwrap_or_default();
    nanos
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0xA24B_AED4_963E_E407)
        ^ u64::from(std::process::id())
}

/// The bookkeeping of one call's attempts: counts them, waits between them,
/// and turns running out of attempts, time or patience into an error.
#[derive(Debug)]
pub(crate) struct Retrier<'a> {
    options: &'a CallOptions,
    max_attempts: u32,
    backoff: Backoff,
    started: Instant,
    attempts: u32,
    outcome_unknown: bool,
    last: Option<Error>,
}

impl<'a> Retrier<'a> {
    /// Starts counting a call.
    pub fn new(policy: &RetryPolicy, options: &'a CallOptions) -> Self {
        Self {
            options,
            max_attempts: policy.max_attempts.max(1),
            backoff: Backoff::new(policy, fresh_seed()),
            started: Instant::now(),
            attempts: 0,
            outcome_unknown: false,
            last: None,
        }
    }

    /// Counts the next attempt and returns its number (from 1), or the error
    /// that ends the call if the caller stopped or the deadline passed.
    pub fn start_attempt(&mut self) -> Result<u32, Error> {
        if self.options.stop.is_stopped() {
            return Err(self.give_up(Interrupted::Stopped, None));
        }
        if self.time_left().is_zero() {
            let last = self.last.take();
            return Err(self.give_up(Interrupted::Deadline, last));
        }
        self.attempts += 1;
        Ok(self.attempts)
    }

    /// Time until the deadline; requests must not run longer.
    pub fn time_left(&self) -> Duration {
        self.options
            .deadline
            .saturating_duration_since(Instant::now())
    }

    /// Remembers that a request was sent and its outcome is not known, so
    /// that a final error says so.
    pub fn note_outcome_unknown(&mut self) {
        self.outcome_unknown = true;
    }

    /// Whether an attempt so far may have taken effect unseen.
    pub fn outcome_unknown(&self) -> bool {
        self.outcome_unknown
    }

    /// Waits before trying again after `failure`, or returns the error that
    /// ends the call: attempts used up, deadline too close, or stopped.
    pub async fn back_off(&mut self, failure: Error) -> Result<(), Error> {
        if self.attempts >= self.max_attempts {
            return Err(Error::RetriesExhausted {
                attempts: self.attempts,
                outcome_unknown: self.outcome_unknown,
                last: Box::new(failure),
            });
        }
        let delay = self.backoff.next_delay(failure.retry_after());
        match pause(delay, self.options).await {
            Ok(()) => {
                self.last = Some(failure);
                Ok(())
            }
            Err(why) => Err(self.give_up(why, Some(failure))),
        }
    }

    /// Sleeps `delay` without counting an attempt (history polling), or
    /// returns why it could not.
    pub async fn pause(&self, delay: Duration) -> Result<(), Interrupted> {
        pause(delay, self.options).await
    }

    /// The error for a call that ends now, for `why`, after `last`.
    pub fn give_up(&self, why: Interrupted, last: Option<Error>) -> Error {
        let last = last.map(Box::new);
        match why {
            Interrupted::Stopped => Error::Stopped {
                attempts: self.attempts,
                outcome_unknown: self.outcome_unknown,
                last,
            },
            Interrupted::Deadline => Error::DeadlineExceeded {
                attempts: self.attempts,
                elapsed: self.started.elapsed(),
                outcome_unknown: self.outcome_unknown,
                last,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(initial_ms: u64, max_ms: u64, attempts: u32) -> RetryPolicy {
        RetryPolicy {
            initial_delay: Duration::from_millis(initial_ms),
            max_delay: Duration::from_millis(max_ms),
            max_attempts: attempts,
            ..RetryPolicy::default()
        }
    }

    fn server_error() -> Error {
        Error::Timeout {
            method: "GET",
            path: "/api/v2/x".into(),
            after: Duration::from_secs(1),
        }
    }

    #[test]
    fn delays_grow_within_their_step_and_stop_at_the_maximum() {
        let mut backoff = Backoff::new(&policy(100, 1000, 10), 7);
        let steps = [100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000];
        for step in steps {
            let delay = backoff.next_delay(None);
            let step = Duration::from_millis(step);
            assert!(delay >= step / 2 && delay <= step, "{delay:?} for {step:?}");
        }
    }

    #[test]
    fn jitter_varies_between_waits_and_seeds_but_repeats_for_one_seed() {
        let sequence = |seed| {
            let mut backoff = Backoff::new(&policy(1000, 1000, 10), seed);
            (0..8).map(|_| backoff.next_delay(None)).collect::<Vec<_>>()
        };
        let first = sequence(1);
        assert_eq!(first, sequence(1));
        assert_ne!(first, sequence(2));
        let mut distinct = first.clone();
        distinct.dedup();
        assert!(distinct.len() > 4, "{first:?}");
    }

    #[test]
    fn retry_after_sets_a_floor_even_above_the_maximum() {
        let mut backoff = Backoff::new(&policy(10, 100, 10), 3);
        let cases = [
            (Some(Duration::from_secs(30)), Duration::from_secs(30)),
            (Some(Duration::ZERO), Duration::from_millis(10)),
            (None, Duration::from_millis(10)),
        ];
        for (retry_after, at_least) in cases {
            let delay = backoff.next_delay(retry_after);
            assert!(delay >= at_least, "{delay:?} < {at_least:?}");
            assert!(delay <= at_least.max(Duration::from_millis(100)));
        }
    }

    #[test]
    fn fresh_seeds_differ() {
        assert_ne!(fresh_seed(), fresh_seed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_does_not_start() {
        let options = CallOptions::with_timeout(Duration::from_secs(10));
        let before = Instant::now();
        let result = pause(Duration::from_secs(11), &options).await;
        assert_eq!(result, Err(Interrupted::Deadline));
        assert_eq!(before.elapsed(), Duration::ZERO);
        assert_eq!(pause(Duration::from_secs(9), &options).await, Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn stop_ends_a_long_wait_at_once() {
        let options = CallOptions::with_timeout(Duration::from_secs(7200));
        let stop = options.stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stop.stop();
        });
        let before = Instant::now();
        let result = pause(Duration::from_secs(3600), &options).await;
        assert_eq!(result, Err(Interrupted::Stopped));
        assert!(before.elapsed() < Duration::from_millis(100));
        assert!(options.stop.is_stopped());
        // Once given, the signal stays: later waits end before they start.
        assert_eq!(
            pause(Duration::from_millis(1), &options).await,
            Err(Interrupted::Stopped)
        );
        options.stop.stopped().await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_retrier_gives_up_after_its_attempts() {
        let options = CallOptions::with_timeout(Duration::from_secs(60));
        let mut retrier = Retrier::new(&policy(10, 10, 3), &options);
        for expected in 1..=3 {
            assert_eq!(retrier.start_attempt().unwrap(), expected);
            let ended = retrier.back_off(server_error()).await;
            assert_eq!(ended.is_err(), expected == 3);
            if let Err(error) = ended {
                assert!(matches!(error, Error::RetriesExhausted { attempts: 3, .. }));
                assert!(error.is_timeout(), "{error}");
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_retrier_reports_the_deadline_with_the_last_failure() {
        let options = CallOptions::with_timeout(Duration::from_millis(100));
        let started = Instant::now();
        let mut retrier = Retrier::new(&policy(10, 10, 1000), &options);
        // Timers round up to the millisecond, so the deadline may pass during
        // a wait that was meant to end just before it: either way ends the
        // call with the failure that was being retried.
        let error = loop {
            if let Err(error) = retrier.start_attempt() {
                break error;
            }
            if let Err(error) = retrier.back_off(server_error()).await {
                break error;
            }
        };
        assert!(
            error.is_deadline_exceeded() && error.is_timeout(),
            "{error}"
        );
        assert!(started.elapsed() <= Duration::from_millis(100));
        // Waits of 5 to 10ms fit 10 to 20 times into 100ms.
        let Error::DeadlineExceeded { attempts, .. } = error else {
            panic!("{error}");
        };
        assert!((10..=21).contains(&attempts), "{attempts}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_retrier_refuses_to_start_once_stopped() {
        let options = CallOptions::with_timeout(Duration::from_secs(60));
        options.stop.stop();
        let mut retrier = Retrier::new(&policy(10, 10, 3), &options);
        let error = retrier.start_attempt().unwrap_err();
        assert!(error.is_stopped(), "{error}");
    }
}
