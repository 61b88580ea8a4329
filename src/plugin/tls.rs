//! Mutual TLS as go-plugin's AutoMTLS expects it, done strictly.
//!
//! Terraform makes a fresh ECDSA P-521 certificate for each plugin process
//! and hands it over in `PLUGIN_CLIENT_CERT`. Only a client presenting
//! exactly that certificate, and proving it holds its key, gets in. Stock
//! verifiers cannot do this: the certificate is marked as a CA, which webpki
//! refuses for a client, and ring cannot check P-521 signatures, so we pin
//! the bytes and check the handshake signature with aws-lc-rs ourselves.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rustls::DigitallySignedStruct;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DistinguishedName, ServerConfig, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` held no PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCertificate(String),
    /// The server certificate could not be made.
    #[error("cannot generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("cannot configure TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The server's certificate and key, made fresh in every process and kept
/// in memory only.
pub struct ServerIdentity {
    pub certificate: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// Makes an ECDSA P-256 certificate for `localhost`, the name go-plugin's
    /// client verifies. P-256 keys are quick to make, which matters because
    /// Terraform starts a provider process for every phase of a command.
    pub fn generate() -> Result<ServerIdentity, TlsError> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
            KeyUsagePurpose,
        };

        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "terraform-provider-ncloud");
        // The client trusts this certificate as its only root, so it is
        // marked as a CA with the usages go-plugin gives its own.
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyAgreement,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let certificate = params.self_signed(&key)?;
        Ok(ServerIdentity {
            certificate: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// The certificate as the handshake line carries it: standard base64
    /// without padding, as Go's `RawStdEncoding` reads it.
    pub fn certificate_base64(&self) -> String {
        STANDARD_NO_PAD.encode(self.certificate.as_ref())
    }
}

/// The rustls configuration for a plugin serving Terraform: TLS 1.2 or 1.3,
/// ALPN `h2` (newer gRPC clients require it), and only the client whose
/// certificate is `client_pem`.
pub fn server_config(
    identity: &ServerIdentity,
    client_pem: &str,
) -> Result<ServerConfig, TlsError> {
    let pinned = CertificateDer::from_pem_slice(client_pem.as_bytes())
        .map_err(|error| TlsError::ClientCertificate(error.to_string()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedClientVerifier::new(pinned, &provider);
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::DEFAULT_VERSIONS)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![identity.certificate.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts exactly one client certificate, byte for byte, and checks that
/// the client signed the handshake with its key.
#[derive(Debug)]
pub struct PinnedClientVerifier {
    pinned: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientVerifier {
    /// A verifier for `pinned`, checking signatures with `provider`'s
    /// algorithms (aws-lc-rs, which has P-521).
    pub fn new(pinned: CertificateDer<'static>, provider: &CryptoProvider) -> PinnedClientVerifier {
        PinnedClientVerifier {
            pinned,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // The pin is the whole trust decision: chains, CA flags and expiry
        // say nothing more about a certificate made for this very process.
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_identity_is_fresh_and_encoded_without_padding() {
        let first = ServerIdentity::generate().unwrap();
        let second = ServerIdentity::generate().unwrap();
        assert_ne!(first.certificate, second.certificate);
        let text = first.certificate_base64();
        assert!(!text.contains('=') && !text.contains('\n'));
        assert_eq!(
            STANDARD_NO_PAD.decode(&text).unwrap(),
            first.certificate.as_ref()
        );
    }

    #[test]
    fn verifier_accepts_only_the_pinned_certificate_and_offers_p521() {
        let pinned = ServerIdentity::generate().unwrap().certificate;
        let other = ServerIdentity::generate().unwrap().certificate;
        let verifier = PinnedClientVerifier::new(
            pinned.clone(),
            &rustls::crypto::aws_lc_rs::default_provider(),
        );
        let now = UnixTime::now();
        assert!(verifier.verify_client_cert(&pinned, &[], now).is_ok());
        assert!(verifier.verify_client_cert(&other, &[], now).is_err());
        assert!(verifier.client_auth_mandatory());
        assert!(
            verifier
                .supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }

    #[test]
    fn client_certificate_must_be_pem() {
        let identity = ServerIdentity::generate().unwrap();
        assert!(matches!(
            server_config(&identity, "not pem"),
            Err(TlsError::ClientCertificate(_))
        ));
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::engine::general_purpose::STANDARD.encode(identity.certificate.as_ref())
        );
        let config = server_config(&identity, &pem).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
    }
}
