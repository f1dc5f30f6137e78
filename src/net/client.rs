//! The one HTTP client of a run, built from the resolved [`NetConfig`]: TLS roots and
//! identity, HTTP version choice, `--connect-to` overrides, and connectors that count the
//! connections they open (and how many negotiated h2), for the report.
//!
//! Every worker slot and the setup share this client, so they share its connection pool:
//! the number of connections is the platform's view of the load, not the slot count.

use std::sync::Arc;
use std::time::Duration;

use super::connector::{Count, Wire};
use super::policy::Destination;
use super::sender::Sender;
use super::{HttpVersion, NetConfig, NetError};

/// Builds the client for `destination`; `timeout` bounds any reqwest request without its
/// own. Without `follow_redirects` a 3xx is the response (web forms answer with one).
pub fn build(
    config: &NetConfig,
    destination: &Destination,
    timeout: Duration,
    follow_redirects: bool,
) -> Result<(Sender, Arc<Wire>), NetError> {
    let wire = Arc::new(Wire::new(config.version == HttpVersion::Http2));
    let connector = super::connector::build(config, wire.clone())?;
    let fallback = fallback(config, destination, timeout, follow_redirects, &wire)?;
    Ok((Sender::new(config, connector, follow_redirects, fallback, timeout), wire))
}

/// reqwest with the same settings, for the calls off the load path.
fn fallback(
    config: &NetConfig,
    destination: &Destination,
    timeout: Duration,
    follow_redirects: bool,
    wire: &Arc<Wire>,
) -> Result<reqwest::Client, NetError> {
    let client_error = |e: reqwest::Error| NetError::Client(super::error_chain(&e));
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("stampede/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connector_layer(CountLayer { wire: wire.clone() });
    if !follow_redirects {
        builder = builder.redirect(reqwest::redirect::Policy::none());
    }
    builder = match config.version {
        HttpVersion::Auto => builder,
        HttpVersion::Http1 => builder.http1_only(),
        HttpVersion::Http2 => builder.http2_prior_knowledge(),
    };
    let tls = &config.tls;
    if !tls.roots.is_empty() {
        let roots = tls.roots.iter().map(|der| reqwest::Certificate::from_der(der));
        builder = builder.tls_certs_merge(roots.collect::<Result<Vec<_>, _>>().map_err(client_error)?);
    }
    if let Some(pem) = &tls.identity_pem {
        builder = builder.identity(reqwest::Identity::from_pem(pem).map_err(client_error)?);
    }
    if tls.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(addr) = destination.mapped {
        builder = builder.resolve(&destination.host, addr);
    }
    builder.build().map_err(client_error)
}

/// Counts reqwest's connections in the run's [`Wire`] too.
#[derive(Clone)]
struct CountLayer {
    wire: Arc<Wire>,
}

impl<S> tower::Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Count<S> {
        Count::new(inner, self.wire.clone())
    }
}
