//! What the load path's exchanges carry and how they fail, shared by both lanes of the
//! [`super::sender`] (hyper-util's client and [`super::h1`]).

/// A request body: whole bytes (generated payloads are slices of one shared buffer), so a
/// 307/308 redirect can send it again.
pub type Body = http_body_util::Full<bytes::Bytes>;

/// Why an exchange failed before its response headers arrived; its `source()` chain holds
/// hyper's, the I/O and the TLS errors that tell what happened.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// From hyper-util's client (TLS and HTTP/2).
    #[error("error sending request")]
    Pooled(#[source] hyper_util::client::legacy::Error),
    /// No connection could be opened (refused, unreachable).
    #[error("error sending request: could not connect")]
    Connect(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The connection failed during the exchange.
    #[error("error sending request")]
    Exchange(#[source] hyper::Error),
    #[error("error sending request: the URL has no host")]
    NoAuthority,
    /// Waiting for a connection when the runtime shut down.
    #[error("error sending request: shutting down")]
    ShuttingDown,
}

impl SendError {
    /// Whether no connection could be opened (refused, unreachable, TLS handshake).
    pub fn is_connect(&self) -> bool {
        match self {
            SendError::Pooled(e) => e.is_connect(),
            SendError::Connect(_) => true,
            SendError::Exchange(_) | SendError::NoAuthority | SendError::ShuttingDown => false,
        }
    }
}
