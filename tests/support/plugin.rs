//! Starting the provider binary exactly as Terraform does, and talking to
//! it as strictly as Terraform does: mutual TLS with a fresh P-521
//! certificate marked as a CA, and the server's certificate pinned from the
//! handshake line.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use terraform_provider_ncloud::proto::plugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_ncloud::proto::tfplugin6::provider_client::ProviderClient;
use tonic::transport::{Channel, Endpoint, Uri};

use super::PROVIDER;

pub const COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client certificate as go-plugin makes one: ECDSA P-521, self-signed
/// with SHA-512, marked as a CA, for client and server authentication.
pub struct ClientIdentity {
    pub certificate: CertificateDer<'static>,
    pub key: PrivatePkcs8KeyDer<'static>,
    pub pem: String,
}

impl ClientIdentity {
    pub fn generate() -> ClientIdentity {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "HashiCorp");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyAgreement,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let certificate = params.self_signed(&key).expect("self-signed certificate");
        ClientIdentity {
            pem: certificate.pem(),
            certificate: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

/// The fields of the handshake line.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub line: String,
    pub network: String,
    pub address: String,
    pub certificate: Option<Vec<u8>>,
}

/// A provider process started as Terraform starts it.
pub struct Plugin {
    pub child: Child,
    pub announcement: Announcement,
}

impl Plugin {
    /// Starts the provider with the cookie, protocols `5,6`, and TLS when
    /// `client_pem` is given.
    pub fn start(client_pem: Option<&str>) -> Plugin {
        let mut command = Command::new(PROVIDER);
        command
            .env_clear()
            .env(COOKIE_KEY, COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(pem) = client_pem {
            command.env("PLUGIN_CLIENT_CERT", pem);
        }
        let mut child = command.spawn().expect("start the provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("handshake line");
        Plugin {
            child,
            announcement: parse(&line),
        }
    }

    /// The socket's directory.
    pub fn socket_dir(&self) -> PathBuf {
        PathBuf::from(&self.announcement.address)
            .parent()
            .expect("socket dir")
            .to_path_buf()
    }

    /// Sends a signal to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "kill -s {name}");
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Splits the handshake line; panics when it is not go-plugin's shape.
pub fn parse(line: &str) -> Announcement {
    assert!(
        line.ends_with('\n'),
        "the handshake line must end with a newline: {line:?}"
    );
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "six fields: {line:?}");
    assert_eq!(
        (fields[0], fields[1], fields[4]),
        ("1", "6", "grpc"),
        "{line:?}"
    );
    let certificate = (!fields[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .expect("certificate in raw base64")
    });
    Announcement {
        line: line.to_string(),
        network: fields[2].into(),
        address: fields[3].into(),
        certificate,
    }
}

/// Connects over the unix socket; with `tls`, pins the server certificate
/// and presents `client` (or nothing).
pub async fn connect(
    announcement: &Announcement,
    client: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let path = announcement.address.clone();
    let tls = announcement
        .certificate
        .clone()
        .map(|server| Arc::new(client_config(server, client)));
    let connector = tower::service_fn(move |_: Uri| {
        let (path, tls) = (path.clone(), tls.clone());
        async move {
            let stream = tokio::net::UnixStream::connect(path).await?;
            match tls {
                None => Ok::<_, std::io::Error>(TokioIo::new(Stream::Plain(stream))),
                Some(config) => {
                    let name = ServerName::try_from("localhost").expect("name");
                    let stream = tokio_rustls::TlsConnector::from(config)
                        .connect(name, stream)
                        .await?;
                    Ok(TokioIo::new(Stream::Tls(Box::new(stream))))
                }
            }
        }
    });
    Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await
}

/// A provider client with Terraform's message limits.
pub fn provider_client(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel).max_decoding_message_size(256 << 20)
}

/// A controller client.
pub fn controller_client(channel: Channel) -> GrpcControllerClient<Channel> {
    GrpcControllerClient::new(channel)
}

fn client_config(server: Vec<u8>, client: Option<&ClientIdentity>) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedServer {
        pinned: CertificateDer::from(server),
        algorithms: provider.signature_verification_algorithms,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::DEFAULT_VERSIONS)
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match client {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.certificate.clone()],
                PrivateKeyDer::Pkcs8(identity.key.clone_key()),
            )
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// Trusts exactly the certificate from the handshake line, as go-plugin's
/// client does, and checks the server's handshake signature.
#[derive(Debug)]
struct PinnedServer {
    pinned: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let named_localhost =
            matches!(server_name, ServerName::DnsName(name) if name.as_ref() == "localhost");
        if end_entity.as_ref() == self.pinned.as_ref() && named_localhost {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, certificate, signature, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A client-side stream with or without TLS.
enum Stream {
    Plain(tokio::net::UnixStream),
    Tls(Box<tokio_rustls::client::TlsStream<tokio::net::UnixStream>>),
}

impl tokio::io::AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
