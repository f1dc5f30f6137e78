//! HTTPS for the reference platform: `--tls-cert/--tls-key` (PEM files), or
//! `--tls-self-signed DIR`, which generates a CA and a server certificate for localhost,
//! 127.0.0.1, ::1 and every `--tls-name` (plus a client certificate for mutual TLS) and
//! writes them into DIR, so a test or a user can point `stampede run --ca-cert` at the CA.
//! `--tls-client-ca FILE` requires clients to present a certificate signed by it.
//!
//! ALPN offers h2 and http/1.1; the connection is then served by the same hyper builder
//! as plain HTTP (which also takes HTTP/2 with prior knowledge, h2c).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use super::TargetError;

/// The TLS flags of `stampede serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key", conflicts_with = "tls_self_signed")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a generated CA and server certificate, written into DIR (ca.pem,
    /// server.pem, server-key.pem, client.pem, client-key.pem).
    #[arg(long, value_name = "DIR")]
    pub tls_self_signed: Option<PathBuf>,
    /// Another name (or IP address) the self-signed certificate is valid for; repeatable.
    #[arg(long, value_name = "NAME", requires = "tls_self_signed")]
    pub tls_name: Vec<String>,
    /// Require client certificates signed by the CA in FILE (PEM): mutual TLS.
    #[arg(long, value_name = "FILE")]
    pub tls_client_ca: Option<PathBuf>,
}

/// The files `--tls-self-signed` writes.
pub const CA_FILE: &str = "ca.pem";
pub const SERVER_CERT_FILE: &str = "server.pem";
pub const SERVER_KEY_FILE: &str = "server-key.pem";
pub const CLIENT_CERT_FILE: &str = "client.pem";
pub const CLIENT_KEY_FILE: &str = "client-key.pem";

fn tls_error(what: impl std::fmt::Display) -> TargetError {
    TargetError::Tls(what.to_string())
}

/// The acceptor for `args`, or `None` to serve plain HTTP.
pub fn acceptor(args: &TlsArgs) -> Result<Option<TlsAcceptor>, TargetError> {
    let (chain, key) = match (&args.tls_cert, &args.tls_key, &args.tls_self_signed) {
        (Some(cert), Some(key), _) => (read_chain(cert)?, read_key(key)?),
        (_, _, Some(dir)) => {
            self_signed(dir, &args.tls_name)?;
            (read_chain(&dir.join(SERVER_CERT_FILE))?, read_key(&dir.join(SERVER_KEY_FILE))?)
        }
        _ if args.tls_client_ca.is_some() => {
            return Err(tls_error(
                "--tls-client-ca needs HTTPS: add --tls-cert/--tls-key or --tls-self-signed",
            ));
        }
        _ => return Ok(None),
    };
    // The provider named, not the process default: the build has aws-lc-rs only.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("TLS versions: {e}")))?;
    let builder = match &args.tls_client_ca {
        None => builder.with_no_client_auth(),
        Some(file) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_chain(file)? {
                roots.add(cert).map_err(|e| tls_error(format!("--tls-client-ca {}: {e}", file.display())))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
                .build()
                .map_err(|e| tls_error(format!("--tls-client-ca {}: {e}", file.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| tls_error(format!("the certificate or key: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TargetError> {
    let what = |e: String| tls_error(format!("{}: {e} (expected PEM certificates)", path.display()));
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| what(format!("{e:?}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| what(format!("{e:?}")))?;
    if chain.is_empty() {
        return Err(what("no certificate in it".into()));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TargetError> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| tls_error(format!("{}: {e:?} (expected a PEM private key)", path.display())))
}

/// Generates the CA, server and client certificates into `dir` (created if needed).
pub fn self_signed(dir: &Path, names: &[String]) -> Result<(), TargetError> {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let generate = |e: rcgen::Error| tls_error(format!("cannot generate certificates: {e}"));
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(generate)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "stampede serve self-signed CA");
    ca.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(generate)?).map_err(generate)?;

    let mut sans = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    sans.extend(names.iter().cloned());
    let mut server = CertificateParams::new(sans).map_err(generate)?;
    server.distinguished_name.push(DnType::CommonName, "stampede serve");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().map_err(generate)?;
    let server_cert = server.signed_by(&server_key, &ca).map_err(generate)?;

    let mut client = CertificateParams::new(Vec::<String>::new()).map_err(generate)?;
    client.distinguished_name.push(DnType::CommonName, "stampede run");
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().map_err(generate)?;
    let client_cert = client.signed_by(&client_key, &ca).map_err(generate)?;

    std::fs::create_dir_all(dir).map_err(TargetError::io(format!("cannot create {}", dir.display())))?;
    for (file, text) in [
        (CA_FILE, ca.pem()),
        (SERVER_CERT_FILE, server_cert.pem()),
        (SERVER_KEY_FILE, server_key.serialize_pem()),
        (CLIENT_CERT_FILE, client_cert.pem()),
        (CLIENT_KEY_FILE, client_key.serialize_pem()),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(TargetError::io(format!("cannot write {}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_files_make_an_acceptor_and_a_half_configuration_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let args = TlsArgs {
            tls_self_signed: Some(dir.path().to_path_buf()),
            tls_name: vec!["api.made-up.test".into()],
            tls_client_ca: Some(dir.path().join(CA_FILE)),
            ..TlsArgs::default()
        };
        // The client CA file is written by the same call, before it is read.
        assert!(acceptor(&args).expect("valid").is_some());
        for file in [CA_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE, CLIENT_CERT_FILE, CLIENT_KEY_FILE] {
            assert!(dir.path().join(file).is_file(), "{file}");
        }
        assert!(acceptor(&TlsArgs::default()).expect("plain").is_none());
        let only_ca = TlsArgs { tls_client_ca: Some(dir.path().join(CA_FILE)), ..TlsArgs::default() };
        assert!(acceptor(&only_ca).is_err());
    }
}
