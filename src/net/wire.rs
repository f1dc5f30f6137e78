//! Requests for the [`super::Sender`] built from parts parsed before the run: the URL the
//! executor joined from the run's base (see `executor::target_url`) becomes hyper's `Uri`
//! with its scheme and authority taken from this thread's cache, so only the path and
//! query are copied per request; headers are the profile's compiled names with rendered
//! values. A path or header value without placeholders skips even that: the executor
//! builds it once before the run (its `prebuilt` module) and hands the `Uri` to
//! [`request_to`].
//!
//! A value that is no valid header, or a URL hyper cannot carry, fails this request alone
//! (a [`WireError`]), as reqwest did when it sent such a request.

use std::cell::RefCell;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Method, Request, Uri};
use url::{Position, Url};

use super::sender::Body;

thread_local! {
    /// The latest origin (`scheme://host:port`) seen on this thread and its parsed parts:
    /// a run sends to one target, so one entry nearly always hits.
    static ORIGIN: RefCell<Option<(String, Scheme, Authority)>> = const { RefCell::new(None) };
}

/// Why a request cannot be put on the wire.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the URL {url} cannot be sent: {why}")]
    Url { url: String, why: String },
    #[error("the value of header {name} is not a valid header value")]
    Header { name: HeaderName },
}

/// A request for `url` with `body` and no headers yet.
pub fn request(method: Method, url: &Url, body: Body) -> Result<Request<Body>, WireError> {
    Ok(request_to(method, uri(url)?, body))
}

/// A request for `uri` (one built before, see [`uri`]) with `body` and no headers yet.
pub fn request_to(method: Method, uri: Uri, body: Body) -> Request<Body> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    request
}

/// Adds header `name: value` to `request`, without copying `value`.
pub fn header(request: &mut Request<Body>, name: &HeaderName, value: String) -> Result<(), WireError> {
    let value = HeaderValue::from_maybe_shared(Bytes::from(value))
        .map_err(|_| WireError::Header { name: name.clone() })?;
    request.headers_mut().append(name.clone(), value);
    Ok(())
}

/// hyper's form of `url` (its user info, if any, is not sent).
pub fn uri(url: &Url) -> Result<Uri, WireError> {
    let bad = |why: String| WireError::Url { url: url.to_string(), why };
    let (scheme, authority) = origin(url).map_err(|e| bad(e.to_string()))?;
    let path_and_query = PathAndQuery::try_from(&url[Position::BeforePath..Position::AfterQuery])
        .map_err(|e| bad(e.to_string()))?;
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(scheme);
    parts.authority = Some(authority);
    parts.path_and_query = Some(path_and_query);
    Uri::from_parts(parts).map_err(|e| bad(e.to_string()))
}

/// `url`'s scheme and authority, parsed once per origin and thread.
fn origin(url: &Url) -> Result<(Scheme, Authority), http::Error> {
    let text = &url[..Position::BeforePath];
    ORIGIN.with(|cell| {
        let mut cached = cell.borrow_mut();
        if let Some((origin, scheme, authority)) = cached.as_ref()
            && origin == text
        {
            return Ok((scheme.clone(), authority.clone()));
        }
        let scheme = Scheme::try_from(url.scheme())?;
        let authority = Authority::try_from(&url[Position::BeforeHost..Position::AfterPort])?;
        *cached = Some((text.to_string(), scheme.clone(), authority.clone()));
        Ok((scheme, authority))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_match_the_url_text_without_user_info() {
        for text in [
            "http://127.0.0.1:8080/users/7?x=1",
            "https://example.test/",
            "http://[::1]:9000/a%20b",
            "http://xn--bcher-kva.example/search?q=cat%20photo",
            "http://127.0.0.1:8080/other",
        ] {
            let url = Url::parse(text).expect("url");
            // Twice: the first call fills this thread's cache, the second hits it.
            for _ in 0..2 {
                assert_eq!(uri(&url).expect("uri").to_string(), url.as_str(), "{text}");
            }
        }
        let with_user = Url::parse("http://ana:secret@127.0.0.1:81/x").expect("url");
        assert_eq!(uri(&with_user).expect("uri").to_string(), "http://127.0.0.1:81/x");
    }

    #[test]
    fn bad_header_values_fail_the_request_alone() {
        let url = Url::parse("http://127.0.0.1:81/").expect("url");
        let mut request = super::request(Method::GET, &url, Body::default()).expect("request");
        let name = HeaderName::from_static("x-name");
        assert!(header(&mut request, &name, "fine".into()).is_ok());
        assert!(matches!(header(&mut request, &name, "bad\nvalue".into()), Err(WireError::Header { .. })));
        assert_eq!(request.headers()["x-name"], "fine");
    }
}
