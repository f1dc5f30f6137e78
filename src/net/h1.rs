//! The load path's HTTP/1.1 exchanges with plain-http origins: hyper's connection-level
//! client under a pool of our own, instead of hyper-util's legacy client.
//!
//! Why: per request, the legacy client hashed its pool key twice (SipHash), built and moved
//! a connect future it did not use, and spawned a task to wait for the connection to be
//! ready again (callgrind, tests/bench/generator.sh). A run sends to one or two origins,
//! so the pool here is a short list of origins, each with a stack of idle connections.
//!
//! A connection goes back to its stack when the exchange that borrowed it is done with
//! the response: the [`Lease`] rides in the response's extensions and is dropped by the
//! caller once the body is read (see `executor::http`). A lease dropped while the
//! connection is still busy (a body left unread, a redirect's answer) waits for it on a
//! task of its own, as hyper-util always did, and a connection that closed meanwhile is
//! simply dropped. A request that a reused connection refused before sending (the server
//! closed it while idle) is sent again on another one, as hyper-util does; a fresh
//! connection's failure is the request's.
//!
//! TLS origins and HTTP/2 stay with hyper-util (see [`super::sender`]).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::header::{HOST, HeaderValue};
use http::uri::Authority;
use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use tower::ServiceExt as _;

use super::connector::Connector;
use super::message::{Body, SendError};

/// Idle connections kept per origin at most; more are closed when they come back. A run
/// never has more requests in flight than worker slots, so this only bounds a pathology.
const MAX_IDLE_PER_ORIGIN: usize = 16_384;

/// Origins pooled at most: a run's target, and the few hosts its redirects may reach.
/// Further origins (a target redirecting to ever new loopback ports) get a connection per
/// request, so the list stays short and its scan cheap whatever a target answers.
const MAX_ORIGINS: usize = 32;

/// Plain-http HTTP/1.1 connections, pooled per origin.
pub struct Pool {
    connector: Connector,
    origins: Mutex<Vec<Origin>>,
}

/// One origin's connections and the Host header its requests carry.
struct Origin {
    authority: Authority,
    host: HeaderValue,
    idle: Vec<SendRequest<Body>>,
}

impl Pool {
    pub fn new(connector: Connector) -> Arc<Self> {
        Arc::new(Self { connector, origins: Mutex::new(Vec::new()) })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Origin>> {
        // Pushes and pops only: a panic while holding it leaves valid stacks.
        self.origins.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `request` (an absolute `http://` URI) and resolves once its response headers
    /// arrived; the response carries the connection's [`Lease`].
    pub async fn send(self: &Arc<Self>, mut request: Request<Body>) -> Result<Response<Incoming>, SendError> {
        let uri = request.uri().clone();
        let authority = uri.authority().cloned().ok_or(SendError::NoAuthority)?;
        let host = self.host(&authority);
        request.headers_mut().entry(HOST).or_insert(host);
        // HTTP/1.1 sends the path and query (origin form); the connection knows the rest.
        *request.uri_mut() = uri.path_and_query().cloned().map_or_else(Uri::default, Uri::from);
        loop {
            let (mut sender, reused) = match self.checkout(&authority).await {
                Some(sender) => (sender, true),
                None => (self.connect(&uri).await?, false),
            };
            match sender.try_send_request(request).await {
                Ok(mut response) => {
                    let lease = Lease::new(sender, self.clone(), authority);
                    response.extensions_mut().insert(lease);
                    return Ok(response);
                }
                Err(mut failed) => match failed.take_message() {
                    // Refused unsent by a connection that sat idle: the server closed it.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(SendError::Exchange(failed.into_error())),
                },
            }
        }
    }

    /// The Host header of `authority`'s requests (as hyper-util writes it: the port only
    /// when it is not 80), made once per origin.
    fn host(&self, authority: &Authority) -> HeaderValue {
        let mut origins = self.lock();
        if let Some(origin) = origins.iter().find(|o| o.authority == *authority) {
            return origin.host.clone();
        }
        let text = match authority.port_u16() {
            Some(80) | None => authority.host().to_string(),
            Some(port) => format!("{}:{port}", authority.host()),
        };
        // An `Authority` holds only characters a header value accepts.
        let host = HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static(""));
        if origins.len() < MAX_ORIGINS {
            origins.push(Origin { authority: authority.clone(), host: host.clone(), idle: Vec::new() });
        }
        host
    }

    /// The most recently used idle connection of `authority` that is still open.
    async fn checkout(&self, authority: &Authority) -> Option<SendRequest<Body>> {
        loop {
            let mut sender = {
                let mut origins = self.lock();
                origins.iter_mut().find(|o| o.authority == *authority)?.idle.pop()?
            };
            // Idle ones were ready when they came back; one that closed since fails here.
            if sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
    }

    /// Opens a connection for `uri` and starts its task.
    async fn connect(&self, uri: &Uri) -> Result<SendRequest<Body>, SendError> {
        let io = self.connector.clone().oneshot(uri.clone()).await.map_err(SendError::Connect)?;
        let (sender, connection) = http1::Builder::new().handshake(io).await.map_err(SendError::Exchange)?;
        // Ends by itself when the connection closes or the sender and all bodies are gone.
        tokio::spawn(connection);
        Ok(sender)
    }

    /// Takes `sender` back once it can send again.
    fn put(&self, authority: &Authority, sender: SendRequest<Body>) {
        let mut origins = self.lock();
        if let Some(origin) = origins.iter_mut().find(|o| o.authority == *authority)
            && origin.idle.len() < MAX_IDLE_PER_ORIGIN
        {
            origin.idle.push(sender);
        }
    }
}

/// A pooled connection lent to one exchange; dropping it gives the connection back.
/// Cloneable because response extensions must be: the last clone gives it back.
#[derive(Clone)]
pub struct Lease {
    /// Held for its drop, which gives the connection back.
    _lent: Arc<Lent>,
}

struct Lent {
    /// Taken once, by the drop.
    sender: Option<SendRequest<Body>>,
    pool: Arc<Pool>,
    authority: Authority,
}

impl Lease {
    fn new(sender: SendRequest<Body>, pool: Arc<Pool>, authority: Authority) -> Self {
        Self { _lent: Arc::new(Lent { sender: Some(sender), pool, authority }) }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(mut sender) = self.sender.take() else { return };
        if sender.is_closed() {
            return;
        }
        if sender.is_ready() {
            self.pool.put(&self.authority, sender);
            return;
        }
        // Still busy (its body unread or just ending): back once it is ready, unless it
        // closes first. Outside a runtime (never on the load path) it is dropped instead.
        let (pool, authority) = (self.pool.clone(), self.authority.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if sender.ready().await.is_ok() {
                    pool.put(&authority, sender);
                }
            });
        }
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("h1::Pool")
    }
}

#[cfg(test)]
#[path = "h1_tests.rs"]
mod tests;

/// For tests: the idle connections of `authority`.
#[cfg(test)]
impl Pool {
    fn idle(&self, authority: &str) -> usize {
        let origins = self.lock();
        origins.iter().find(|o| o.authority == authority).map_or(0, |o| o.idle.len())
    }
}
