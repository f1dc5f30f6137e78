//! How the load path's client opens a connection: TCP by hyper-util's `HttpConnector`
//! (to the `--connect-to` address when an entry maps the URL's host and port), TLS by
//! hyper-rustls with the run's rustls configuration (see [`super::tls::client_config`]),
//! HTTP/2 chosen by ALPN, and each connection counted in the run's [`Wire`] (for the report).
//!
//! The `--connect-to` rewrite happens under the TLS layer on purpose: the TLS server name
//! (SNI) and the Host header stay the URL's host while the packets go to the mapped address.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use http::Uri;
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::{Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::connect_to::{self, ConnectTo};
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
    /// Counts from zero; `prior_knowledge` when the client speaks h2 without negotiation.
    pub fn new(prior_knowledge: bool) -> Self {
        Self { prior_knowledge, ..Self::default() }
    }

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

/// The connector of the run's pooled client.
pub type Connector = Count<HttpsConnector<Mapped>>;

/// A connection it hands back.
pub type Stream = MaybeHttpsStream<TokioIo<TcpStream>>;

/// Builds the connector for `config`, counting into `wire`.
pub fn build(config: &NetConfig, wire: Arc<Wire>) -> Result<Connector, NetError> {
    let mut tcp = HttpConnector::new();
    // The TLS layer above decides the scheme; Nagle's delay would add ~40 ms to small
    // requests written in two parts (reqwest sets the same).
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let mapped = Mapped { inner: tcp, entries: config.connect_to.clone().into() };
    let tls = super::tls::client_config(&config.tls)?;
    let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
    // ALPN offers what the client may speak; hyper-util reads the server's choice back.
    let https = match config.version {
        HttpVersion::Auto => builder.enable_all_versions().wrap_connector(mapped),
        HttpVersion::Http1 => builder.enable_http1().wrap_connector(mapped),
        HttpVersion::Http2 => builder.enable_http2().wrap_connector(mapped),
    };
    Ok(Count::new(https, wire))
}

/// TCP connections that go where `--connect-to` says, else where the URL says.
#[derive(Clone)]
pub struct Mapped {
    inner: HttpConnector,
    entries: Arc<[ConnectTo]>,
}

impl tower::Service<Uri> for Mapped {
    type Response = TokioIo<TcpStream>;
    type Error = <HttpConnector as tower::Service<Uri>>::Error;
    type Future = <HttpConnector as tower::Service<Uri>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let uri = mapped_uri(&self.entries, &uri).unwrap_or(uri);
        self.inner.call(uri)
    }
}

/// `uri` with its authority replaced by the address an entry maps it to, if one does.
fn mapped_uri(entries: &[ConnectTo], uri: &Uri) -> Option<Uri> {
    if entries.is_empty() {
        return None;
    }
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let default_port = if uri.scheme() == Some(&http::uri::Scheme::HTTPS) { 443 } else { 80 };
    let to = connect_to::lookup(entries, &host, uri.port_u16().unwrap_or(default_port))?;
    let mut parts = uri.clone().into_parts();
    parts.authority = Some(to.to_string().parse().ok()?);
    Uri::from_parts(parts).ok()
}

/// A connector that counts each connection it hands back (and those that chose h2).
#[derive(Clone)]
pub struct Count<S> {
    inner: S,
    wire: Arc<Wire>,
}

impl<S> Count<S> {
    pub fn new(inner: S, wire: Arc<Wire>) -> Self {
        Self { inner, wire }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_hosts_go_to_their_address_and_others_stay() {
        let entries: Vec<ConnectTo> = vec![
            "api.made-up.test:443:127.0.0.1:8443".parse().expect("valid"),
            "[2001:db8::1]:80:[::1]:8080".parse().expect("valid"),
        ];
        let uri = |text: &str| text.parse::<Uri>().expect("uri");
        let mapped = mapped_uri(&entries, &uri("https://API.made-up.test/x?y=1")).expect("mapped");
        assert_eq!(mapped, uri("https://127.0.0.1:8443/x?y=1"));
        let v6 = mapped_uri(&entries, &uri("http://[2001:db8::1]/")).expect("mapped");
        assert_eq!(v6, uri("http://[::1]:8080/"));
        assert_eq!(mapped_uri(&entries, &uri("http://api.made-up.test/")), None, "port 80 is not mapped");
        assert_eq!(mapped_uri(&[], &uri("https://api.made-up.test/")), None);
    }
}
