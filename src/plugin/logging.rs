//! Logs in the form Terraform reads from a plugin's stderr: one hclog JSON
//! object per line, with `@level`, `@message`, `@module` and `@timestamp`,
//! and every field of the event and of the spans around it beside them.
//!
//! The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`, as Terraform
//! itself reads them; with neither set, Terraform drops provider logs, so
//! only errors are written.

use std::fmt;
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// The hclog module name of this provider's lines.
const MODULE: &str = "provider.terraform-provider-ncloud";

/// Installs the logger for the whole process. Calling it twice is harmless.
pub fn init() {
    let level = level_from_env(|name| std::env::var(name).ok());
    let layer = HclogLayer.with_filter(tracing_subscriber::filter::filter_fn(move |metadata| {
        let ours = metadata.target().starts_with(env!("CARGO_CRATE_NAME"));
        // Libraries log their own internals at debug and trace; only their
        // warnings and errors are of use to someone reading Terraform's log.
        let limit = if ours {
            level
        } else {
            level.min(LevelFilter::WARN)
        };
        limit >= *metadata.level()
    }));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// The level Terraform asked for; unknown names mean trace, as in Terraform.
pub fn level_from_env(var: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let setting = var("TF_LOG_PROVIDER")
        .filter(|v| !v.is_empty())
        .or_else(|| var("TF_LOG"));
    match setting.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => LevelFilter::ERROR,
        Some("off") => LevelFilter::OFF,
        Some("error") => LevelFilter::ERROR,
        Some("warn") => LevelFilter::WARN,
        Some("info") => LevelFilter::INFO,
        Some("debug") => LevelFilter::DEBUG,
        Some(_) => LevelFilter::TRACE,
    }
}

/// Writes each event as one hclog JSON line on stderr.
struct HclogLayer;

/// The fields of a span, kept until its events need them.
struct SpanFields(Map<String, Json>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = FieldVisitor::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        line.insert(
            "@level".into(),
            level_name(*event.metadata().level()).into(),
        );
        line.insert("@module".into(), MODULE.into());
        line.insert("@timestamp".into(), timestamp(SystemTime::now()).into());
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.0.clone());
                }
            }
        }
        let mut fields = FieldVisitor::default();
        event.record(&mut fields);
        let message = fields.message.take().unwrap_or_default();
        line.extend(fields.fields);
        line.insert("@message".into(), message.into());

        let mut text = Json::Object(line).to_string();
        text.push('\n');
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

#[derive(Default)]
struct FieldVisitor {
    message: Option<String>,
    fields: Map<String, Json>,
}

impl FieldVisitor {
    fn put(&mut self, field: &Field, value: Json) {
        if field.name() == "message" {
            self.message = Some(match value {
                Json::String(text) => text,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_string(), value);
        }
    }
}

impl Visit for FieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

/// Formats a time as hclog does: `2006-01-02T15:04:05.000000Z`, exactly
/// six fractional digits, in UTC.
pub fn timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = crate::calendar::civil_from_days((seconds / 86_400) as i64);
    let second_of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        since_epoch.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn timestamps_have_six_fraction_digits() {
        let cases = [
            (0, 0, "1970-01-01T00:00:00.000000Z"),
            (951_782_400, 5, "2000-02-29T00:00:00.000005Z"),
            (1_764_779_471, 123_456, "2025-12-03T16:31:11.123456Z"),
            (4_107_542_399, 999_999, "2100-02-28T23:59:59.999999Z"),
        ];
        for (seconds, micros, expected) in cases {
            let time = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_micros(micros);
            assert_eq!(timestamp(time), expected);
        }
    }

    #[test]
    fn level_follows_terraform_variables() {
        let cases: &[(Option<&str>, Option<&str>, LevelFilter)] = &[
            (None, None, LevelFilter::ERROR),
            (Some("DEBUG"), None, LevelFilter::DEBUG),
            (Some("trace"), Some("warn"), LevelFilter::WARN),
            (Some("info"), Some(""), LevelFilter::INFO),
            (Some("JSON"), None, LevelFilter::TRACE),
            (Some("off"), None, LevelFilter::OFF),
        ];
        for (tf_log, provider, expected) in cases {
            let level = level_from_env(|name| match name {
                "TF_LOG" => tf_log.map(String::from),
                "TF_LOG_PROVIDER" => provider.map(String::from),
                _ => None,
            });
            assert_eq!(
                level, *expected,
                "TF_LOG={tf_log:?} TF_LOG_PROVIDER={provider:?}"
            );
        }
    }
}
