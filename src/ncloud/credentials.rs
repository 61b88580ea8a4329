//! The API key pair that signs every request.
//!
//! The secret key only ever leaves this type as an HMAC key: neither `Debug`
//! nor `Display` shows it, so a credential can be logged or put in an error
//! by mistake without leaking.

use std::fmt;

use super::error::Error;

/// An access key and its secret key, as issued by NAVER Cloud's IAM.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key: String,
    secret_key: String,
}

impl Credentials {
    /// Checks and keeps a key pair.
    ///
    /// The access key travels in a header, so it must be printable ASCII
    /// without spaces; both keys must be present.
    pub fn new(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Result<Self, Error> {
        let access_key = access_key.into();
        let secret_key = secret_key.into();
        if access_key.is_empty() {
            return Err(invalid("the access key is empty"));
        }
        if !access_key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "the access key has a space or a character that is not printable ascii",
            ));
        }
        if secret_key.is_empty() {
            return Err(invalid("the secret key is empty"));
        }
        Ok(Self {
            access_key,
            secret_key,
        })
    }

    /// The access key, which is not secret: it is sent in every request.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The secret key, for signing and for scrubbing it out of error text.
    pub(crate) fn secret_key(&self) -> &str {
        &self.secret_key
    }
}

fn invalid(reason: &str) -> Error {
    Error::InvalidCredentials {
        reason: reason.to_owned(),
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "access key {}", self.access_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let credentials = Credentials::new("AKEXAMPLE", "s3cr3t-value").unwrap();
        for text in [format!("{credentials:?}"), credentials.to_string()] {
            assert!(!text.contains("s3cr3t-value"), "{text}");
            assert!(text.contains("AKEXAMPLE"), "{text}");
        }
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        let cases = [
            ("", "secret", "access key is empty"),
            ("AK EXAMPLE", "secret", "not printable"),
            ("AK\nX", "secret", "not printable"),
            ("AKEXAMPLE", "", "secret key is empty"),
        ];
        for (access, secret, expected) in cases {
            let error = Credentials::new(access, secret).unwrap_err();
            assert!(error.to_string().contains(expected), "{access:?}: {error}");
        }
    }
}
