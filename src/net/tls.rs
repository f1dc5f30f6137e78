//! Client TLS: the certificates a run trusts and presents, read from PEM files before
//! anything connects, and the explanation of a failed handshake in words a user can act
//! on ("certificate signed by unknown authority: pass --ca-cert").
//!
//! Verification uses the system's roots (rustls-platform-verifier, as reqwest did) plus
//! every `--ca-cert`; `--insecure` turns it off and is recorded in the report. The server
//! name sent (SNI) and checked is the URL's host, also under `--connect-to`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// What the client trusts and presents.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// Extra trusted roots from `--ca-cert`, DER.
    pub roots: Vec<Vec<u8>>,
    /// `--client-cert` followed by `--client-key`, PEM, for mutual TLS.
    pub identity_pem: Option<Vec<u8>>,
    /// `--insecure`: certificates are not verified at all.
    pub insecure: bool,
}

/// A certificate or key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{flag} {}: {why}", path.display())]
    File { flag: &'static str, path: PathBuf, why: String },
    #[error("--client-cert and --client-key go together: {0} is missing")]
    HalfIdentity(&'static str),
}

impl TlsSettings {
    /// Reads `--ca-cert` files (each holding one or more PEM certificates) and the client
    /// identity, checking that each file holds what its flag says.
    pub fn load(
        ca_certs: &[PathBuf],
        client_cert: Option<&Path>,
        client_key: Option<&Path>,
        insecure: bool,
    ) -> Result<Self, TlsError> {
        let mut roots = Vec::new();
        for path in ca_certs {
            roots.extend(certificates("--ca-cert", path)?.into_iter().map(|c| c.to_vec()));
        }
        let identity_pem = match (client_cert, client_key) {
            (None, None) => None,
            (Some(_), None) => return Err(TlsError::HalfIdentity("--client-key")),
            (None, Some(_)) => return Err(TlsError::HalfIdentity("--client-cert")),
            (Some(cert), Some(key)) => {
                certificates("--client-cert", cert)?;
                let file =
                    |why: String| TlsError::File { flag: "--client-key", path: key.to_path_buf(), why };
                PrivateKeyDer::from_pem_file(key).map_err(|e| file(pem_why(&e, "a PEM private key")))?;
                let mut pem = read("--client-cert", cert)?;
                pem.push(b'\n');
                pem.extend(read("--client-key", key)?);
                Some(pem)
            }
        };
        Ok(Self { roots, identity_pem, insecure })
    }
}

/// The client's rustls configuration for `settings` (ALPN is the connector's to set).
pub fn client_config(settings: &TlsSettings) -> Result<rustls::ClientConfig, super::NetError> {
    let failed = |why: String| super::NetError::Client(format!("TLS: {why}"));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| failed(e.to_string()))?
        .dangerous();
    let builder = if settings.insecure {
        builder.with_custom_certificate_verifier(Arc::new(NoVerifier(provider)))
    } else {
        let roots = settings.roots.iter().map(|der| CertificateDer::from(der.clone()));
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
            .map_err(|e| failed(e.to_string()))?;
        builder.with_custom_certificate_verifier(Arc::new(verifier))
    };
    match &settings.identity_pem {
        None => Ok(builder.with_no_client_auth()),
        Some(pem) => {
            // Both parts were checked when the files were read (`load`).
            let certs = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| failed(format!("--client-cert: {e:?}")))?;
            let key =
                PrivateKeyDer::from_pem_slice(pem).map_err(|e| failed(format!("--client-key: {e:?}")))?;
            builder.with_client_auth_cert(certs, key).map_err(|e| failed(format!("--client-cert: {e}")))
        }
    }
}

/// `--insecure`: any certificate passes; signatures are still checked to be well formed
/// by the provider's algorithms so the handshake itself stays sound.
#[derive(Debug)]
struct NoVerifier(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn read(flag: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::File { flag, path: path.to_path_buf(), why: e.to_string() })
}

/// The PEM certificates in `path`: at least one, every block well formed.
fn certificates(flag: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let file = |why: String| TlsError::File { flag, path: path.to_path_buf(), why };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file(pem_why(&e, "PEM certificates")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file(pem_why(&e, "PEM certificates")))?;
    if certs.is_empty() {
        return Err(file("no certificate in it (expected -----BEGIN CERTIFICATE----- blocks)".into()));
    }
    Ok(certs)
}

fn pem_why(error: &rustls_pki_types::pem::Error, expected: &str) -> String {
    match error {
        rustls_pki_types::pem::Error::Io(io) => io.to_string(),
        rustls_pki_types::pem::Error::NoItemsFound => format!("nothing in it (expected {expected})"),
        other => format!("{other:?} (expected {expected})"),
    }
}

/// Why a request failed in TLS, when it did: the handshake or certificate error found in
/// `error`'s cause chain, explained with the flag that addresses it.
pub fn explain(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    failure(error).map(describe)
}

/// The TLS error in `error`'s cause chain, when the request failed in the handshake (the
/// `tls` error class): clients report those as connect errors, so look before they do.
pub fn failure<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(tls) = rustls_in(current) {
            return Some(tls);
        }
        cause = current.source();
    }
    None
}

/// The rustls error `error` is or carries. `io::Error` hides its payload from `source()`,
/// and a failed handshake reaches the client as one io::Error inside another
/// (`Custom { Other, Custom { InvalidData, rustls::Error } }`): look inside, level by level.
fn rustls_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner: &(dyn std::error::Error + 'static) = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_in(inner)
}

fn describe(error: &rustls::Error) -> String {
    use rustls::{AlertDescription as Alert, CertificateError as Cert, Error as E};
    match error {
        E::InvalidCertificate(Cert::UnknownIssuer) => {
            "certificate signed by unknown authority: pass --ca-cert FILE with the CA that signed it \
             (or --insecure to skip verification)"
                .into()
        }
        E::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. }) => {
            "certificate is not valid for the target's host name: use a name it was issued for \
             (--connect-to NAME:PORT:ADDR:PORT sends that name to another address)"
                .into()
        }
        E::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => {
            "certificate has expired".into()
        }
        E::InvalidCertificate(Cert::NotValidYet | Cert::NotValidYetContext { .. }) => {
            "certificate is not valid yet (check the clocks)".into()
        }
        E::InvalidCertificate(other) => format!("invalid certificate: {other:?}"),
        E::AlertReceived(Alert::CertificateRequired | Alert::HandshakeFailure) => {
            "the server requires a client certificate: pass --client-cert FILE --client-key FILE".into()
        }
        E::AlertReceived(Alert::UnknownCA | Alert::BadCertificate | Alert::CertificateUnknown) => {
            "the server refused the client certificate (--client-cert): not signed by a CA it trusts".into()
        }
        E::InvalidMessage(_) => {
            "the server does not speak TLS on that port (is the target an http:// URL?)".into()
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_authorities_are_explained_through_io_errors() {
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, inner);
        let why = explain(&io).expect("found inside the io::Error");
        assert!(why.starts_with("certificate signed by unknown authority: pass --ca-cert"), "{why}");
        // As reqwest 0.13 hands it over: one io::Error inside another.
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let nested = std::io::Error::other(std::io::Error::new(std::io::ErrorKind::InvalidData, inner));
        let why = explain(&nested).expect("found inside the nested io::Errors");
        assert!(why.starts_with("certificate signed by unknown authority"), "{why}");
        assert!(explain(&std::io::Error::other("connection refused")).is_none());
    }

    #[test]
    fn files_must_hold_what_their_flag_says() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not pem at all\n").expect("write");
        let error = TlsSettings::load(std::slice::from_ref(&empty), None, None, false).expect_err("no cert");
        assert!(
            error.to_string().contains("--ca-cert") && error.to_string().contains("no certificate"),
            "{error}"
        );
        let missing = dir.path().join("missing.pem");
        assert!(TlsSettings::load(&[missing], None, None, false).is_err());
        let half = TlsSettings::load(&[], Some(&empty), None, false).expect_err("half");
        assert!(half.to_string().contains("--client-key"), "{half}");
    }
}
