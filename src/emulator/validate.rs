//! The documented rules for request fields.
//!
//! Each check returns a sentence naming the field and the rule, so that the
//! emulator's INVALID_PARAMETER answers tell the user what to change. The
//! rules are the documented ones; the wording is the emulator's own.

/// The longest snapshot name createSnapshot accepts.
pub const SNAPSHOT_NAME_MAX: usize = 30;
/// The longest snapshot name setSnapshotScheduling accepts.
pub const SCHEDULE_NAME_MAX: usize = 15;
/// The largest page the history calls serve.
pub const PAGE_SIZE_MAX: i64 = 100;

const DAYS: [&str; 8] = [
    "Everyday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Checks a snapshot name: 3 to `max` characters of lowercase letters, digits
/// and `-`, starting with a letter, ending with a letter or digit, no `--`.
pub fn snapshot_name(name: &str, max: usize) -> Result<(), String> {
    let length = name.chars().count();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let starts_well = name.starts_with(|c: char| c.is_ascii_lowercase());
    let ends_well = name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
    let valid = (3..=max).contains(&length)
        && name.chars().all(allowed)
        && starts_well
        && ends_well
        && !name.contains("--");
    if valid {
        Ok(())
    } else {
        Err(format!(
            "snapshotName {name:?} is invalid: it must be 3 to {max} characters of lowercase \
             letters, digits and '-', start with a letter, end with a letter or digit, and not \
             contain '--'"
        ))
    }
}

/// Checks a bucket name is given; whether the cluster has it is checked later.
pub fn bucket_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("bucketName is required".to_owned())
    } else {
        Ok(())
    }
}

/// Checks `scheduledDay`: `Everyday` or a day from `Sunday` to `Saturday`.
pub fn scheduled_day(day: &str) -> Result<(), String> {
    if DAYS.contains(&day) {
        Ok(())
    } else {
        Err(format!(
            "scheduledDay {day:?} is invalid: it must be one of {}",
            DAYS.join(", ")
        ))
    }
}

/// Checks `scheduledHour`: 0 to 23.
pub fn scheduled_hour(hour: i64) -> Result<(), String> {
    if (0..=23).contains(&hour) {
        Ok(())
    } else {
        Err(format!(
            "scheduledHour {hour} is invalid: it must be from 0 to 23"
        ))
    }
}

/// Checks `scheduledMinute`: 0, 15, 30 or 45.
pub fn scheduled_minute(minute: i64) -> Result<(), String> {
    if [0, 15, 30, 45].contains(&minute) {
        Ok(())
    } else {
        Err(format!(
            "scheduledMinute {minute} is invalid: it must be 0, 15, 30 or 45"
        ))
    }
}

/// Collects the problems of several checks, so that one answer names them all.
pub fn all(checks: impl IntoIterator<Item = Result<(), String>>) -> Result<(), String> {
    let problems: Vec<String> = checks.into_iter().filter_map(Result::err).collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_follow_the_documented_rules() {
        let cases = [
            ("abc", true),
            ("snapshot-20250324", true),
            ("a1-b2-c3", true),
            (&"a".repeat(30), true),
            ("ab", false),
            (&"a".repeat(31), false),
            ("1abc", false),
            ("-abc", false),
            ("abc-", false),
            ("ab--c", false),
            ("Abc", false),
            ("ab_c", false),
            ("ab.c", false),
            ("abé", false),
            ("", false),
        ];
        for (name, valid) in cases {
            assert_eq!(
                snapshot_name(name, SNAPSHOT_NAME_MAX).is_ok(),
                valid,
                "{name:?}"
            );
        }
    }

    #[test]
    fn schedule_names_are_shorter() {
        assert!(snapshot_name(&"a".repeat(15), SCHEDULE_NAME_MAX).is_ok());
        assert!(snapshot_name(&"a".repeat(16), SCHEDULE_NAME_MAX).is_err());
    }

    #[test]
    fn schedule_fields_follow_the_documented_rules() {
        for day in DAYS {
            assert!(scheduled_day(day).is_ok(), "{day}");
        }
        for day in ["everyday", "Sun", "", "Holiday"] {
            assert!(scheduled_day(day).is_err(), "{day}");
        }
        assert!((0..=23).all(|hour| scheduled_hour(hour).is_ok()));
        assert!(scheduled_hour(24).is_err() && scheduled_hour(-1).is_err());
        for minute in 0..60 {
            assert_eq!(
                scheduled_minute(minute).is_ok(),
                minute % 15 == 0,
                "{minute}"
            );
        }
        assert!(scheduled_minute(60).is_err());
    }

    #[test]
    fn all_reports_every_problem() {
        let message = all([scheduled_hour(30), Ok(()), scheduled_minute(7)]).unwrap_err();
        assert!(message.contains("scheduledHour") && message.contains("scheduledMinute"));
        assert!(all([Ok(()), bucket_name("b")]).is_ok());
        assert!(bucket_name("  ").is_err());
    }
}
