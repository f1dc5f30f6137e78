//! The client's network edge: which targets may receive load ([`policy`]), how the HTTP
//! client reaches them ([`tls`], [`connect_to`], [`connector`], [`client`], [`sender`], [`h1`], [`message`],
//! [`wire`]) and what it saw on the wire
//! (connections opened, the protocol spoken), for the report.
//!
//! Ground floor: this module imports only std, crates and [`crate::units`]-level helpers,
//! never the stages above (cli, executor, report). The command line resolves its flags
//! into a [`NetConfig`]; the executor checks it and builds its client from it.

pub mod client;
pub mod connect_to;
pub mod connector;
pub mod h1;
pub mod message;
pub mod policy;
pub mod sender;
pub mod tls;
pub mod wire;

use std::net::SocketAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use connect_to::ConnectTo;
pub use connector::Wire;
pub use policy::{Destination, HostPattern, Policy, PolicyError, is_loopback};
pub use sender::{SendError, Sender};
pub use tls::TlsSettings;

/// Which HTTP version the client speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HttpVersion {
    /// HTTP/1.1 on http://; over TLS whatever ALPN chooses (h2 when the server offers it).
    #[default]
    Auto,
    /// HTTP/1.1 only (`--http1`), also over TLS.
    Http1,
    /// HTTP/2 only (`--http2`): prior knowledge (h2c) on http://, h2 by ALPN over TLS.
    Http2,
}

/// Everything about reaching a target, resolved from the command line (never from a
/// scenario or profile file).
#[derive(Debug, Clone, Default)]
pub struct NetConfig {
    pub policy: Policy,
    pub connect_to: Vec<ConnectTo>,
    pub tls: TlsSettings,
    pub version: HttpVersion,
}

/// How a run reached its target, as the report records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Transport {
    /// `http/1.1`, `h2` (over TLS, by ALPN or `--http2`) or `h2c` (`--http2` on plain HTTP).
    pub protocol: String,
    /// Whether the target was reached over TLS (https://).
    pub tls: bool,
    /// `--insecure`: certificates were not verified.
    pub insecure: bool,
    /// TCP connections the client opened during the run (setup included).
    pub connections_opened: u64,
}

impl Transport {
    /// `h2 over TLS, 4 connections opened`, with a warning under `--insecure`.
    pub fn label(&self) -> String {
        let over = if self.tls { " over TLS" } else { "" };
        let insecure =
            if self.insecure { " — INSECURE: certificates not verified (--insecure)" } else { "" };
        format!("{}{over}, {} connections opened{insecure}", self.protocol, self.connections_opened)
    }

    /// The transport of several processes' runs (segments, targets): connections summed,
    /// distinct protocols listed; `None` when any part has none.
    pub fn combine<'a>(parts: impl IntoIterator<Item = Option<&'a Transport>>) -> Option<Transport> {
        let parts: Option<Vec<&Transport>> = parts.into_iter().collect();
        let parts = parts?;
        let mut protocols: Vec<&str> = parts.iter().map(|t| t.protocol.as_str()).collect();
        protocols.sort_unstable();
        protocols.dedup();
        (!parts.is_empty()).then(|| Transport {
            protocol: protocols.join(", "),
            tls: parts.iter().any(|t| t.tls),
            insecure: parts.iter().any(|t| t.insecure),
            connections_opened: parts.iter().map(|t| t.connections_opened).sum(),
        })
    }
}

/// Why the client cannot be built or the target reached.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// `error` and its causes, `: `-separated (reqwest's own message names only the outer
/// layer, such as "error sending request").
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        let next = current.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = current.source();
    }
    text
}

/// The notice printed before the first request to a non-loopback target: where its
/// traffic goes and how much of it the plan expects. Resolves the name (the policy has
/// already allowed it), unless `--connect-to` maps it.
pub async fn announce(destination: &Destination, peak_per_s: f64, total_requests: f64) -> String {
    let addresses: Vec<SocketAddr> = match destination.mapped {
        Some(addr) => vec![addr],
        None => tokio::net::lookup_host((destination.host.as_str(), destination.port))
            .await
            .map(Iterator::collect)
            .unwrap_or_default(),
    };
    let addresses = if addresses.is_empty() {
        "(no address: the name does not resolve)".to_string()
    } else {
        addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    };
    format!(
        "remote target {}:{} → {addresses}{}; the plan expects a peak of {peak_per_s:.1} requests/s and {:.0} requests in all",
        destination.host,
        destination.port,
        if destination.mapped.is_some() { " (--connect-to)" } else { "" },
        total_requests
    )
}
