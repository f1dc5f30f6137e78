//! The run's load path: HTTP/1.1 to plain-http origins on our own pool of hyper
//! connections ([`super::h1`]), everything else (TLS, HTTP/2) on hyper-util's pooled
//! client over the run's [`Connector`], with redirects followed by tower-http when the
//! profile asks for it (a redirect may change lanes). Requests arrive already built (see
//! [`super::wire`]); the response comes back with its body unread, so the caller reads it
//! frame by frame under its own size cap and timeout.
//!
//! reqwest's layers over hyper cost about half of the instructions of each request
//! (callgrind), hence hyper directly. reqwest remains for calls off the load path (the
//! outage injector's admin requests), built from the same settings.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{ACCEPT, HeaderValue, USER_AGENT};
use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower::ServiceExt as _;
use tower_http::follow_redirect::FollowRedirect;
use tower_http::follow_redirect::policy::{Action, And, Attempt, FilterCredentials, Policy, PolicyExt as _};

use super::connect_to::ConnectTo;
use super::connector::Connector;
use super::h1;
pub use super::message::{Body, SendError};
use super::{HttpVersion, NetConfig};

/// Redirects followed at most, as browsers and reqwest do.
const MAX_REDIRECTS: u8 = 10;

type Pooled = Client<Connector, Body>;

/// Sends the run's requests; cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct Sender {
    inner: Inner,
    fallback: reqwest::Client,
}

#[derive(Clone)]
enum Inner {
    /// A 3xx is the response (web forms answer with one).
    Direct(Lanes),
    Following(FollowRedirect<Lanes, And<Hops, FilterCredentials>>),
}

/// Where a request goes by its URI: plain http to our HTTP/1.1 pool (unless the run
/// speaks h2c), the rest to hyper-util's client.
#[derive(Clone)]
struct Lanes {
    /// `None` with `--http2` (h2c by prior knowledge needs hyper-util's h2 client).
    h1: Option<Arc<h1::Pool>>,
    pooled: Pooled,
}

impl Lanes {
    async fn send(&self, request: Request<Body>) -> Result<Response<Incoming>, SendError> {
        match &self.h1 {
            Some(pool) if request.uri().scheme() == Some(&http::uri::Scheme::HTTP) => {
                pool.send(request).await
            }
            _ => self.pooled.request(request).await.map_err(SendError::Pooled),
        }
    }
}

impl tower::Service<Request<Body>> for Lanes {
    type Response = Response<Incoming>;
    type Error = SendError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Incoming>, SendError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        // Both lanes take requests at any time (they open connections as needed).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let lanes = self.clone();
        Box::pin(async move { lanes.send(request).await })
    }
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.inner {
            Inner::Direct(_) => "Sender(no redirects)",
            Inner::Following(_) => "Sender(following redirects)",
        })
    }
}

impl Sender {
    /// The sender of a run over `connector`; `fallback` serves calls off the load path;
    /// `connect_timeout` bounds opening a pooled HTTP/1.1 connection.
    pub fn new(
        config: &NetConfig,
        connector: Connector,
        follow_redirects: bool,
        fallback: reqwest::Client,
        connect_timeout: std::time::Duration,
    ) -> Self {
        let mut builder = Client::builder(TokioExecutor::new());
        // Idle connections close after 90 s (hyper-util's default, needs a timer).
        builder.pool_timer(TokioTimer::new()).timer(TokioTimer::new());
        if config.version == HttpVersion::Http2 {
            builder.http2_only(true);
        }
        let h1 =
            (config.version != HttpVersion::Http2).then(|| h1::Pool::new(connector.clone(), connect_timeout));
        let lanes = Lanes { h1, pooled: builder.build(connector) };
        let inner = if follow_redirects {
            let hops = Hops {
                left: MAX_REDIRECTS,
                allowed: Arc::new((config.policy.clone(), config.connect_to.clone())),
            };
            let policy = hops.and::<_, Body, SendError>(FilterCredentials::new());
            Inner::Following(FollowRedirect::with_policy(lanes, policy))
        } else {
            Inner::Direct(lanes)
        };
        Self { inner, fallback }
    }

    /// Sends `request`, resolving once the response headers arrived.
    pub async fn send(&self, mut request: Request<Body>) -> Result<Response<Incoming>, SendError> {
        let headers = request.headers_mut();
        headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(concat!("stampede/", env!("CARGO_PKG_VERSION"))));
        headers.entry(ACCEPT).or_insert(HeaderValue::from_static("*/*"));
        match &self.inner {
            Inner::Direct(lanes) => lanes.send(request).await,
            Inner::Following(service) => service.clone().oneshot(request).await,
        }
    }

    /// reqwest, for requests off the load path, with the same TLS and `--connect-to`.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.fallback
    }
}

/// Which redirects are followed: at most [`MAX_REDIRECTS`], and only to the same origin or
/// to a host the run may send load to (loopback, `--allow-host`), so a redirect cannot
/// carry load somewhere the operator did not allow.
#[derive(Clone)]
struct Hops {
    left: u8,
    allowed: Arc<(super::Policy, Vec<ConnectTo>)>,
}

impl<E> Policy<Body, E> for Hops {
    fn redirect(&mut self, attempt: &Attempt<'_>) -> Result<Action, E> {
        Ok(if self.follows(attempt.previous(), attempt.location()) { Action::Follow } else { Action::Stop })
    }

    fn clone_body(&self, body: &Body) -> Option<Body> {
        Some(body.clone())
    }
}

impl Hops {
    /// Whether a redirect from `from` to `to` is followed (counting it when it is).
    fn follows(&mut self, from: &Uri, to: &Uri) -> bool {
        let (policy, connect_to) = &*self.allowed;
        let allowed = same_origin(from, to) || policy.check(&to.to_string(), connect_to).is_ok();
        if self.left == 0 || !allowed {
            return false;
        }
        self.left -= 1;
        true
    }
}

fn same_origin(a: &Uri, b: &Uri) -> bool {
    a.scheme() == b.scheme() && a.authority() == b.authority()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_where_load_may_go_and_stop_after_ten() {
        let hops =
            || Hops { left: MAX_REDIRECTS, allowed: Arc::new((super::super::Policy::default(), Vec::new())) };
        let attempt = |from: &str, to: &str, hops: &mut Hops| {
            let (from, to): (Uri, Uri) = (from.parse().expect("uri"), to.parse().expect("uri"));
            hops.follows(&from, &to)
        };
        let mut h = hops();
        assert!(attempt("http://example.test/a", "http://example.test/b", &mut h), "same origin");
        assert!(attempt("http://example.test/a", "http://127.0.0.1:81/", &mut h), "loopback");
        assert!(!attempt("http://127.0.0.1/a", "http://example.test/b", &mut h), "not allowlisted");
        let mut h = hops();
        let followed = (0..20).filter(|_| attempt("http://127.0.0.1/", "http://127.0.0.1/x", &mut h)).count();
        assert_eq!(followed, usize::from(MAX_REDIRECTS));
    }
}
