//! The `timeouts` block users know from other providers:
//! `timeouts { create = "20m" }`, in Go's duration syntax.

use std::time::Duration;

use super::diagnostics::{AttributePath, Diagnostics};
use super::schema::{Attribute, Block};
use super::value::{Object, Type};

/// The name of the block.
pub const BLOCK: &str = "timeouts";

/// The block's schema, with one attribute per operation and its default.
pub fn block(operations: &[(&str, Duration)]) -> Block {
    let mut block = Block::new("How long operations may take before Terraform gives up waiting.");
    for (operation, default) in operations {
        let text = format!(
            "How long to wait for {operation} to finish, as a duration such as \"30s\", \"20m\" \
             or \"1h30m\". Defaults to {}.",
            format_duration(*default)
        );
        block = block.attribute(Attribute::optional(operation, Type::String).describe(&text));
    }
    block
}

/// Checks every duration set in the block.
pub fn validate(config: &Object, diagnostics: &mut Diagnostics) {
    let Some(timeouts) = config.object(BLOCK) else {
        return;
    };
    for (name, value) in &timeouts.0 {
        let Some(text) = value.as_str() else { continue };
        if let Err(reason) = parse_duration(text) {
            diagnostics.error_at(
                AttributePath::root(BLOCK).attribute(name),
                "Invalid Duration",
                format!(
                    "The {name} timeout {text:?} is not a duration: {reason}. Write it as a number \
                     followed by a unit, such as \"90s\", \"20m\" or \"1h30m\"."
                ),
            );
        }
    }
}

/// The timeout of an operation in a planned object, or its default.
pub fn get(object: &Object, operation: &str, default: Duration) -> Duration {
    object
        .object(BLOCK)
        .and_then(|timeouts| {
            timeouts
                .str(operation)
                .and_then(|text| parse_duration(text).ok())
        })
        .unwrap_or(default)
}

/// Parses Go's duration syntax: one or more numbers, each with a unit of
/// `ns`, `us`, `µs`, `ms`, `s`, `m` or `h`, such as `1h30m` or `1.5s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("it is empty".into());
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        let number: f64 = number
            .parse()
            .map_err(|_| format!("{number:?} is not a number"))?;
        let unit_length = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_length);
        let seconds = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err("a unit is missing".into()),
            other => return Err(format!("{other:?} is not a unit")),
        };
        total += number * seconds;
        rest = after;
    }
    Duration::try_from_secs_f64(total).map_err(|_| "it is too long".to_string())
}

/// Formats a whole number of seconds as Go would, such as `20m` or `1h30m`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || text.is_empty() {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        let cases = [
            ("20m", 1200.0),
            ("1h30m", 5400.0),
            ("1.5s", 1.5),
            ("90s", 90.0),
            ("500ms", 0.5),
            ("0", 0.0),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs_f64(seconds)),
                "{text}"
            );
        }
        for bad in ["", "10", "m", "5 minutes", "1x", "-5m", "1e400h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format_duration(Duration::from_secs(1200)), "20m");
        assert_eq!(format_duration(Duration::from_secs(5430)), "1h30m30s");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn invalid_durations_point_at_the_attribute() {
        let mut timeouts = Object::default();
        timeouts.set("create", "soon");
        let mut config = Object::default();
        config.set(BLOCK, timeouts.into_value());
        let mut diagnostics = Diagnostics::new();
        validate(&config, &mut diagnostics);
        assert_eq!(diagnostics.0.len(), 1);
        assert_eq!(
            diagnostics.0[0].attribute.as_ref().unwrap().to_string(),
            "timeouts.create"
        );
    }
}
