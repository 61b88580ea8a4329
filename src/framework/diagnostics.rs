//! Diagnostics: how every problem reaches the user.
//!
//! A summary is a few words in Title Case without a period; the detail says
//! what failed and how to fix it, in sentences; an attribute path points
//! Terraform at the line of configuration at fault.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One step into a value: an attribute, a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Attribute(String),
    Key(String),
    Index(i64),
}

/// Where in a configuration a problem is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// A top-level attribute.
    pub fn root(name: &str) -> AttributePath {
        AttributePath(vec![PathStep::Attribute(name.to_string())])
    }

    /// An attribute inside this one.
    pub fn attribute(mut self, name: &str) -> AttributePath {
        self.0.push(PathStep::Attribute(name.to_string()));
        self
    }

    /// An element of a list inside this one.
    pub fn index(mut self, index: i64) -> AttributePath {
        self.0.push(PathStep::Index(index));
        self
    }

    /// An element of a map inside this one.
    pub fn key(mut self, key: &str) -> AttributePath {
        self.0.push(PathStep::Key(key.to_string()));
        self
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if position == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// One problem or warning for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub attribute: Option<AttributePath>,
}

/// The diagnostics of one request, in the order they were found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Diagnostics holding one error.
    pub fn from_error(summary: &str, detail: impl Into<String>) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        diagnostics.error(summary, detail);
        diagnostics
    }

    /// Adds an error about the whole request.
    pub fn error(&mut self, summary: &str, detail: impl Into<String>) {
        self.push(Severity::Error, summary, detail.into(), None);
    }

    /// Adds an error about one attribute.
    pub fn error_at(&mut self, path: AttributePath, summary: &str, detail: impl Into<String>) {
        self.push(Severity::Error, summary, detail.into(), Some(path));
    }

    /// Adds a warning about the whole request.
    pub fn warning(&mut self, summary: &str, detail: impl Into<String>) {
        self.push(Severity::Warning, summary, detail.into(), None);
    }

    /// Adds a warning about one attribute.
    pub fn warning_at(&mut self, path: AttributePath, summary: &str, detail: impl Into<String>) {
        self.push(Severity::Warning, summary, detail.into(), Some(path));
    }

    /// Reports a bug of this provider, asking the user to report it.
    pub fn provider_bug(&mut self, detail: impl fmt::Display) {
        self.error(
            "Provider Bug",
            format!(
                "The ncloud-rs/ncloud provider hit an internal error. This is a bug in the \
                 provider; please report it with the command you ran and this message.\n\n{detail}"
            ),
        );
    }

    fn push(
        &mut self,
        severity: Severity,
        summary: &str,
        detail: String,
        attribute: Option<AttributePath>,
    ) {
        self.0.push(Diagnostic {
            severity,
            summary: summary.to_string(),
            detail,
            attribute,
        });
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Appends all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether there are no diagnostics.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the diagnostics.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_terraform_addresses() {
        let cases = [
            (AttributePath::root("name"), "name"),
            (
                AttributePath::root("timeouts").attribute("create"),
                "timeouts.create",
            ),
            (
                AttributePath::root("list").index(2).attribute("x"),
                "list[2].x",
            ),
            (AttributePath::root("tags").key("env"), "tags[\"env\"]"),
        ];
        for (path, text) in cases {
            assert_eq!(path.to_string(), text);
        }
    }

    #[test]
    fn errors_and_warnings_are_told_apart() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.warning("Careful", "detail");
        assert!(!diagnostics.has_errors());
        diagnostics.error_at(AttributePath::root("a"), "Wrong", "detail");
        assert!(diagnostics.has_errors());
        assert_eq!(diagnostics.0[1].attribute, Some(AttributePath::root("a")));
    }

    #[test]
    fn provider_bugs_ask_for_a_report() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.provider_bug("state was not an object");
        assert!(diagnostics.0[0].detail.contains("please report it"));
        assert!(diagnostics.0[0].detail.contains("state was not an object"));
    }
}
