//! go-plugin's handshake: the environment Terraform sets for its plugins,
//! and the one line the plugin answers with on stdout.

use std::fmt;

/// The variable Terraform sets to prove that it started the plugin.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Its value, the same for every Terraform release.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's core protocol version, the first field of the line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The plugin protocol this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// What Terraform asked of the plugin through the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handshake {
    /// Terraform's client certificate, PEM; absent when TLS is switched off.
    pub client_certificate: Option<String>,
    /// The port range for a TCP listener.
    pub min_port: u16,
    pub max_port: u16,
    /// Where to put the socket, when Terraform says.
    pub socket_dir: Option<String>,
}

/// Why the plugin cannot serve the process that started it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// No cookie: a person ran the binary.
    NotStartedByTerraform,
    /// Terraform offered only protocols this provider does not speak.
    UnsupportedProtocol { offered: String },
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::NotStartedByTerraform => write!(
                f,
                "terraform-provider-ncloud is a Terraform plugin: Terraform starts it, and it \
                 does nothing when run by hand.\n\n\
                 To use it, require it in your configuration and run Terraform:\n\n\
                 \x20 terraform {{\n\
                 \x20   required_providers {{\n\
                 \x20     ncloud = {{ source = \"ncloud-rs/ncloud\" }}\n\
                 \x20   }}\n\
                 \x20 }}\n\n\
                 Then `terraform init` and `terraform apply`. To debug the provider, run it \
                 with --debug and follow what it prints; --version prints its version."
            ),
            HandshakeError::UnsupportedProtocol { offered } => write!(
                f,
                "terraform-provider-ncloud speaks Terraform plugin protocol {PROTOCOL_VERSION}, \
                 but the Terraform that started it offered only {offered:?}. Protocol \
                 {PROTOCOL_VERSION} needs Terraform v1.0.0 or later; upgrade Terraform."
            ),
        }
    }
}

impl std::error::Error for HandshakeError {}

/// Reads the handshake from the environment, through `var` so tests need
/// not change the process's own.
pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Handshake, HandshakeError> {
    if var(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotStartedByTerraform);
    }
    let offered = var("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
    let speaks_ours = offered
        .split(',')
        .any(|v| v.trim().parse() == Ok(PROTOCOL_VERSION));
    if !speaks_ours {
        return Err(HandshakeError::UnsupportedProtocol { offered });
    }
    let port = |name: &str, default: u16| {
        var(name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default)
    };
    Ok(Handshake {
        client_certificate: var("PLUGIN_CLIENT_CERT").filter(|pem| !pem.trim().is_empty()),
        min_port: port("PLUGIN_MIN_PORT", 10_000),
        max_port: port("PLUGIN_MAX_PORT", 25_000),
        socket_dir: var("PLUGIN_UNIX_SOCKET_DIR").filter(|dir| !dir.is_empty()),
    })
}

/// The line Terraform waits for: `1|6|NETWORK|ADDRESS|grpc|CERT`, the
/// certificate field empty when TLS is off.
pub fn line(network: &str, address: &str, certificate_base64: Option<&str>) -> String {
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{network}|{address}|grpc|{}\n",
        certificate_base64.unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_what_terraform_sets() {
        let handshake = from_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_MIN_PORT", "11000"),
            ("PLUGIN_CLIENT_CERT", "-----BEGIN CERTIFICATE-----\n..."),
        ]))
        .unwrap();
        assert_eq!(handshake.min_port, 11_000);
        assert_eq!(handshake.max_port, 25_000);
        assert!(handshake.client_certificate.is_some());
    }

    #[test]
    fn refuses_what_it_cannot_serve() {
        let cases = [
            (vec![], HandshakeError::NotStartedByTerraform),
            (
                vec![(MAGIC_COOKIE_KEY, "wrong")],
                HandshakeError::NotStartedByTerraform,
            ),
            (
                vec![
                    (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                    ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
                ],
                HandshakeError::UnsupportedProtocol {
                    offered: "4,5".into(),
                },
            ),
            (
                vec![(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)],
                HandshakeError::UnsupportedProtocol {
                    offered: String::new(),
                },
            ),
        ];
        for (pairs, expected) in cases {
            assert_eq!(from_env(env(&pairs)), Err(expected));
        }
    }

    #[test]
    fn explanations_say_what_to_do() {
        let text = HandshakeError::NotStartedByTerraform.to_string();
        assert!(text.contains("ncloud-rs/ncloud") && text.contains("--debug"));
        let text = HandshakeError::UnsupportedProtocol {
            offered: "5".into(),
        }
        .to_string();
        assert!(text.contains("v1.0.0"));
    }

    #[test]
    fn handshake_line_has_six_fields() {
        assert_eq!(
            line("unix", "/tmp/x/p.sock", Some("MIIB")),
            "1|6|unix|/tmp/x/p.sock|grpc|MIIB\n"
        );
        assert_eq!(line("tcp", "127.0.0.1:10001", None).split('|').count(), 6);
    }
}
