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
//! A request that finds no idle connection waits for one, and a new connection is opened
//! for it only when the connections already being opened are fewer than the requests
//! waiting: whichever comes first serves it, a connection given back or one just opened
//! (which then serves the next waiter, or waits idle). Why: opening one connection per
//! request that finds none (as before) fed on itself: a hiccup bunched requests, each
//! opened a connection, which cost the thread more and bunched the next ones, up to 1,680
//! connections for 100,000 requests at 10,000/s against nginx, and a start lateness p99
//! of 16 ms instead of 0.8 ms (tests/bench/generator.sh). hyper-util races a waiter
//! against a connect the same way. Openings run on tasks of their own, bounded by the
//! connect timeout, so a request that gives up waiting leaves its opening to the next.
//!
//! TLS origins and HTTP/2 stay with hyper-util (see [`super::sender`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::header::{HOST, HeaderValue};
use http::uri::Authority;
use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use tokio::sync::oneshot;
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
    /// Longest an opening may take (TCP connect and handshake), so a waiter always gets
    /// an answer: the target's silence is bounded by it.
    connect_timeout: Duration,
    origins: Mutex<Vec<Origin>>,
}

/// One origin's connections and the Host header its requests carry.
struct Origin {
    authority: Authority,
    host: HeaderValue,
    idle: Vec<SendRequest<Body>>,
    /// Requests waiting for a connection, oldest first; some may have given up (their
    /// receiver dropped), and are skipped when a connection is handed out.
    waiters: VecDeque<oneshot::Sender<Handed>>,
    /// Connections being opened. At least as many as `waiters` whenever any waits: each
    /// ends by serving one waiter (or the idle stack), as does each connection given back.
    opening: usize,
}

/// Where a request finds its connection.
enum Next {
    Idle(SendRequest<Body>),
    Wait(oneshot::Receiver<Handed>),
    Unpooled,
}

/// What a waiting request is handed: a connection (true when it was given back by another
/// exchange, false when just opened), or why its opening failed.
type Handed = Result<(SendRequest<Body>, bool), SendError>;

impl Pool {
    pub fn new(connector: Connector, connect_timeout: Duration) -> Arc<Self> {
        Arc::new(Self { connector, connect_timeout, origins: Mutex::new(Vec::new()) })
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
            let (mut sender, reused) = self.acquire(&authority, &uri).await?;
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
            origins.push(Origin {
                authority: authority.clone(),
                host: host.clone(),
                idle: Vec::new(),
                waiters: VecDeque::new(),
                opening: 0,
            });
        }
        host
    }

    /// A connection to `authority`: the most recently used idle one that is still open, or
    /// the first one given back or opened after this request started waiting.
    async fn acquire(
        self: &Arc<Self>,
        authority: &Authority,
        uri: &Uri,
    ) -> Result<(SendRequest<Body>, bool), SendError> {
        loop {
            let next = {
                let mut origins = self.lock();
                match origins.iter_mut().find(|o| o.authority == *authority) {
                    // Beyond the pooled origins: a connection of its own.
                    None => Next::Unpooled,
                    Some(origin) => match origin.idle.pop() {
                        Some(sender) => Next::Idle(sender),
                        None => {
                            let (tx, rx) = oneshot::channel();
                            origin.waiters.push_back(tx);
                            if origin.opening < origin.waiters.len() {
                                origin.opening += 1;
                                tokio::spawn(self.clone().open(authority.clone(), uri.clone()));
                            }
                            Next::Wait(rx)
                        }
                    },
                }
            };
            match next {
                Next::Unpooled => return Ok((self.connect(uri).await?, false)),
                // Idle ones were ready when they came back; one that closed since fails here.
                Next::Idle(mut sender) => {
                    if sender.ready().await.is_ok() {
                        return Ok((sender, true));
                    }
                }
                // An opening always answers a waiter or passes its turn on; the waiter's
                // sender is dropped unanswered only when the runtime shuts down.
                Next::Wait(rx) => return rx.await.unwrap_or(Err(SendError::ShuttingDown)),
            }
        }
    }

    /// Opens a connection for `authority`'s waiters (on a task of its own) and hands it,
    /// or the reason it failed, to the first still waiting.
    async fn open(self: Arc<Self>, authority: Authority, uri: Uri) {
        let opened = match tokio::time::timeout(self.connect_timeout, self.connect(&uri)).await {
            Ok(opened) => opened.map(|sender| (sender, false)),
            Err(_) => {
                Err(SendError::Connect(format!("no connection within {:?}", self.connect_timeout).into()))
            }
        };
        let mut origins = self.lock();
        let Some(origin) = origins.iter_mut().find(|o| o.authority == authority) else { return };
        origin.opening = origin.opening.saturating_sub(1);
        hand(origin, opened);
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
        if let Some(origin) = origins.iter_mut().find(|o| o.authority == *authority) {
            hand(origin, Ok((sender, true)));
        }
    }
}

/// Hands `handed` to `origin`'s oldest request still waiting; when none is, a connection
/// goes idle (up to [`MAX_IDLE_PER_ORIGIN`]) and a failed opening's error is dropped.
fn hand(origin: &mut Origin, mut handed: Handed) {
    while let Some(waiter) = origin.waiters.pop_front() {
        match waiter.send(handed) {
            Ok(()) => return,
            // That request gave up waiting (timed out, stopped): the next one's turn.
            Err(back) => handed = back,
        }
    }
    if let Ok((sender, _)) = handed
        && origin.idle.len() < MAX_IDLE_PER_ORIGIN
    {
        origin.idle.push(sender);
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
