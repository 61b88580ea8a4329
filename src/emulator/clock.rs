//! The emulator's own clock, and the date formats it writes.
//!
//! The clock is the system clock shifted by `--clock-offset-ms`, so a test can
//! put the emulator minutes ahead of the client and see the gateway's
//! timestamp check fail. Everything that reads the time (the signature's
//! freshness, the `Date` header, history dates) reads it here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds in a day, for the calendar arithmetic below.
const DAY_MS: i64 = 86_400_000;
/// Korea Standard Time, UTC+9, in which NAVER Cloud writes its dates.
const KST_OFFSET_MS: i64 = 9 * 3_600_000;

/// The system clock, shifted by a fixed offset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    offset_ms: i64,
}

impl Clock {
    /// A clock `offset_ms` ahead of the system clock (behind if negative).
    pub fn new(offset_ms: i64) -> Self {
        Self { offset_ms }
    }

    /// The time now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        let system = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            // A clock before 1970 is broken; zero keeps the arithmetic sane.
            Err(_) => 0,
        };
        system.saturating_add(self.offset_ms)
    }

    /// The time now, as an HTTP `Date` header value.
    pub fn http_date(&self) -> String {
        let millis = u64::try_from(self.now_ms()).unwrap_or(0);
        httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(millis))
    }
}

/// Writes `millis` as `2025-03-24T10:00:00+0900`.
///
/// The real API's date format is not documented for the snapshot calls; this
/// is the form other NAVER Cloud APIs use, so it is a guess.
pub fn api_time(millis: i64) -> String {
    let local = millis.saturating_add(KST_OFFSET_MS);
    let days = local.div_euclid(DAY_MS);
    let seconds_of_day = local.rem_euclid(DAY_MS) / 1000;
    let (year, month, day) = crate::calendar::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+0900",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_time_writes_korean_local_time() {
        // Checked with `TZ=Asia/Seoul date -d @SECONDS +%FT%T%z`.
        let cases = [
            (0, "1970-01-01T09:00:00+0900"),
            (1_742_780_000_000, "2025-03-24T10:33:20+0900"),
            (951_782_400_000, "2000-02-29T09:00:00+0900"),
            (1_709_218_799_000, "2024-02-29T23:59:59+0900"),
            (1_709_218_800_000, "2024-03-01T00:00:00+0900"),
        ];
        for (millis, expected) in cases {
            assert_eq!(api_time(millis), expected, "{millis}");
        }
    }

    #[test]
    fn offset_shifts_the_clock() {
        let plain = Clock::new(0).now_ms();
        let ahead = Clock::new(3_600_000).now_ms();
        let shift = ahead - plain;
        assert!((3_599_000..=3_601_000).contains(&shift), "{shift}");
    }

    #[test]
    fn http_date_is_parseable_and_current() {
        let clock = Clock::new(-86_400_000);
        let parsed = httpdate::parse_http_date(&clock.http_date()).unwrap();
        let shown = parsed.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
        assert!((clock.now_ms() - shown).abs() < 2_000);
    }
}
