//! Plan-time rules for the values the API takes, shared by the resources.
//! Each check returns every problem of a value at once, in words a user can
//! act on.

use crate::framework::{AttributePath, Diagnostics, Object};

/// Problems with a cluster number: digits only.
pub fn cluster_number(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.is_empty() {
        problems.push("it is empty".to_string());
    } else if !value.bytes().all(|b| b.is_ascii_digit()) {
        problems.push("it must contain digits only, such as \"1037000\"".to_string());
    } else if value.len() > 19 {
        problems.push("it is longer than any cluster number".to_string());
    }
    problems
}

/// Problems with a snapshot name of `min..=max` characters: lowercase
/// letters, digits and `-`, starting with a letter, ending with a letter or
/// digit, without `--`.
pub fn snapshot_name(value: &str, min: usize, max: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let length = value.chars().count();
    if length < min || length > max {
        problems.push(format!(
            "it must be {min} to {max} characters long, not {length}"
        ));
    }
    let bad: String = value
        .chars()
        .filter(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        .collect();
    if !bad.is_empty() {
        problems.push(format!(
            "it may contain only lowercase letters, digits and \"-\", not {bad:?}"
        ));
    }
    if value
        .chars()
        .next()
        .is_some_and(|c| !c.is_ascii_lowercase())
    {
        problems.push("it must start with a lowercase letter".to_string());
    }
    if value
        .chars()
        .last()
        .is_some_and(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        problems.push("it must end with a lowercase letter or a digit".to_string());
    }
    if value.contains("--") {
        problems.push("it must not contain \"--\"".to_string());
    }
    problems
}

/// Problems with an Object Storage bucket name: 3 to 63 characters of
/// lowercase letters, digits, `-` and `.`, starting and ending with a letter
/// or digit, no `..`, and not shaped like an IP address.
pub fn bucket_name(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let length = value.chars().count();
    if !(3..=63).contains(&length) {
        problems.push(format!("it must be 3 to 63 characters long, not {length}"));
    }
    let bad: String = value
        .chars()
        .filter(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
        .collect();
    if !bad.is_empty() {
        problems.push(format!(
            "it may contain only lowercase letters, digits, \"-\" and \".\", not {bad:?}"
        ));
    }
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ends_well = value.chars().next().is_some_and(alphanumeric)
        && value.chars().last().is_some_and(alphanumeric);
    if length > 0 && !ends_well {
        problems.push("it must start and end with a lowercase letter or a digit".to_string());
    }
    if value.contains("..") {
        problems.push("it must not contain \"..\"".to_string());
    }
    if value.parse::<std::net::Ipv4Addr>().is_ok() {
        problems.push("it must not be an IP address".to_string());
    }
    problems
}

/// Reports, at its path, every problem `check` finds in a string attribute
/// of `config`. Null and unknown values are left alone: an unknown one is
/// checked again once Terraform knows it.
pub fn attribute(
    config: &Object,
    attribute: &str,
    check: impl Fn(&str) -> Vec<String>,
    diagnostics: &mut Diagnostics,
) {
    let Some(value) = config.str(attribute) else {
        return;
    };
    let problems = check(value);
    if !problems.is_empty() {
        diagnostics.error_at(
            AttributePath::root(attribute),
            "Invalid Attribute Value",
            format!(
                "The {attribute} {value:?} cannot be used: {}.",
                join(&problems)
            ),
        );
    }
}

/// Joins problems into one sentence fragment: "a; b; and c".
pub fn join(problems: &[String]) -> String {
    match problems {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{}; and {last}", rest.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_numbers_are_digits() {
        assert!(cluster_number("1037000").is_empty());
        for bad in ["", "12a", "-1", " 1", "12345678901234567890"] {
            assert_eq!(cluster_number(bad).len(), 1, "{bad:?}");
        }
    }

    #[test]
    fn snapshot_names_follow_every_rule() {
        for good in ["abc", "snapshot-20250324", "a1-b2", &"a".repeat(30)] {
            assert!(snapshot_name(good, 3, 30).is_empty(), "{good}");
        }
        let cases: &[(&str, usize)] = &[
            ("ab", 1),
            (&"a".repeat(31), 1),
            ("Snap", 2),
            ("1abc", 1),
            ("abc-", 1),
            ("a--b", 1),
            ("a_b", 1),
            ("-A_", 3),
        ];
        for (bad, count) in cases {
            assert_eq!(
                snapshot_name(bad, 3, 30).len(),
                *count,
                "{bad}: {:?}",
                snapshot_name(bad, 3, 30)
            );
        }
        assert_eq!(snapshot_name("sixteen-chars-xx", 3, 15).len(), 1);
    }

    #[test]
    fn bucket_names_follow_object_storage_rules() {
        for good in ["bk.ses.snapshot", "ses-snapshots", "abc"] {
            assert!(bucket_name(good).is_empty(), "{good}");
        }
        for bad in ["ab", "Bucket", "-abc", "abc.", "a..b", "192.168.0.1", "a_b"] {
            assert!(!bucket_name(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn problems_read_as_one_sentence() {
        assert_eq!(join(&["a".into()]), "a");
        assert_eq!(join(&["a".into(), "b".into(), "c".into()]), "a; b; and c");
    }
}
