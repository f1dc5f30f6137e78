//! The one HTTP client of a run, built from the resolved [`NetConfig`]: TLS roots and
//! identity, HTTP version choice, `--connect-to` overrides, and a connector layer that
//! counts the connections it opens (and how many negotiated h2), for the report.
//!
//! Every worker slot and the setup share this client, so they share its connection pool:
//! the number of connections is the platform's view of the load, not the slot count.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::Connection;

use super::policy::Destination;
use super::{HttpVersion, NetConfig, NetError, Transport};

/// What the client's connections did, counted as they open.
#[derive(Debug, Default)]
pub struct Wire {
    opened: AtomicU64,
    /// Connections whose TLS handshake chose h2 by ALPN.
    negotiated_h2: AtomicU64,
    /// Whether the client speaks h2 without negotiation (`--http2` on http://).
    prior_knowledge: bool,
}

impl Wire {
    /// Connections opened so far.
    pub fn opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// The protocol and connection count, for the report.
    pub fn transport(&self, https: bool, insecure: bool) -> Transport {
        let h2 = self.negotiated_h2.load(Ordering::Relaxed);
        let protocol = match (self.prior_knowledge, h2 > 0, https) {
            (true, _, false) => "h2c",
            (true, _, true) | (false, true, _) => "h2",
            (false, false, _) => "http/1.1",
        };
        Transport { protocol: protocol.to_string(), tls: https, insecure, connections_opened: self.opened() }
    }
}

/// Builds the client for `destination`; `timeout` bounds any request without its own.
/// Without `follow_redirects` a 3xx is the response (web forms answer with one).
pub fn build(
    config: &NetConfig,
    destination: &Destination,
    timeout: Duration,
    follow_redirects: bool,
) -> Result<(reqwest::Client, Arc<Wire>), NetError> {
    let client_error = |e: reqwest::Error| NetError::Client(super::error_chain(&e));
    let wire = Arc::new(Wire { prior_knowledge: config.version == HttpVersion::Http2, ..Wire::default() });
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
    Ok((builder.build().map_err(client_error)?, wire))
}

/// A tower layer on reqwest's connector: counts each connection it hands back.
#[derive(Clone)]
struct CountLayer {
    wire: Arc<Wire>,
}

impl<S> tower::Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Count<S> {
        Count { inner, wire: self.wire.clone() }
    }
}

#[derive(Clone)]
struct Count<S> {
    inner: S,
    wire: Arc<Wire>,
}

impl<S, R> tower::Service<R> for Count<S>
where
    S: tower::Service<R>,
    S::Response: Connection + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.inner.call(request);
        let wire = self.wire.clone();
        Box::pin(async move {
            let connection = connecting.await?;
            wire.opened.fetch_add(1, Ordering::Relaxed);
            if connection.connected().is_negotiated_h2() {
                wire.negotiated_h2.fetch_add(1, Ordering::Relaxed);
            }
            Ok(connection)
        })
    }
}
