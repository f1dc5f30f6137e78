//! One HTTP exchange: render a profile request with the journey's values, send it, read
//! the whole body, time it, classify failures and extract the values the profile keeps.
//!
//! Bodies are streamed and counted, never trusted: past the call's `max_body_bytes` the
//! request fails as `body_too_large` and the connection is dropped unread, and only a
//! request that extracts values keeps its body. Memory per slot is bounded whatever a
//! target sends (an endless chunked body once grew to 1.93 GB in a second).
//!
//! Service time runs from just before the request is handed to the client until the last
//! body byte has arrived: goose's own timing stops at the headers, which hides slow bodies.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;

use crate::metrics::ErrorClass;
use crate::net::Sender;
use crate::net::sender::Body;
use crate::net::wire::{self, WireError};
use crate::profile::Request;

pub use super::payloads::Payloads;

/// What a request produced.
#[derive(Debug)]
pub struct Exchange {
    pub service: Duration,
    pub outcome: Result<(), ErrorClass>,
    /// Extracted (name, raw JSON text) pairs, when the request succeeded.
    pub extracted: Vec<(String, String)>,
    pub status: Option<u16>,
}

/// Where a request goes and with what.
pub struct Call<'a> {
    pub client: &'a Sender,
    pub base_url: &'a str,
    pub request: &'a Request,
    pub lookup: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub payloads: &'a Payloads,
    pub body_size: usize,
    pub timeout: Duration,
    pub max_body_bytes: usize,
}

/// Renders `call` into a request ready for the wire.
pub async fn build(call: &Call<'_>) -> Result<http::Request<Body>, WireError> {
    let (mut request, body) = render(call)?;
    // Apart from `render`: its lookups borrow values that must not live across an await.
    *request.body_mut() = Body::new(body.finish().await);
    Ok(request)
}

fn render(call: &Call<'_>) -> Result<(http::Request<Body>, super::body::Rendered), WireError> {
    let request = call.request;
    // `{{now}}` is the request's own time, whatever the caller's values are.
    let lookup =
        |name: &str| if name == "now" { Some(crate::profile::template::now()) } else { (call.lookup)(name) };
    let lookup: &dyn Fn(&str) -> Option<String> = &lookup;
    // Parts without placeholders were built before the run for this base (see `prebuilt`).
    let prebuilt = (request.prebuilt.base == call.base_url).then_some(&request.prebuilt);
    let uri = match prebuilt.and_then(|p| p.uri.clone()) {
        Some(uri) => uri,
        None => {
            let path = request.path.render(lookup);
            // The base URL is parsed once (see `target_url`).
            let url = super::target_url::join(call.base_url, &path).map_err(|e| WireError::Url {
                url: format!("{}{path}", call.base_url),
                why: e.to_string(),
            })?;
            wire::uri(&url)?
        }
    };
    let mut built = wire::request_to(request.method.clone(), uri, Body::default());
    for (i, (name, value)) in request.headers.iter().enumerate() {
        match prebuilt.and_then(|p| p.headers.get(i)).and_then(Option::as_ref) {
            Some(fixed) => {
                built.headers_mut().append(name.clone(), fixed.clone());
            }
            None => wire::header(&mut built, name, value.render(lookup))?,
        }
    }
    if let Some(cookies) = crate::profile::cookies::header(&request.send_cookies, lookup) {
        wire::header(&mut built, &COOKIE, cookies)?;
    }
    let body =
        super::body::render(&request.body, lookup, call.payloads, call.body_size, call.client.reqwest());
    if let Some(content_type) = &body.content_type {
        built.headers_mut().entry(CONTENT_TYPE).or_insert_with(|| content_type.clone());
    }
    Ok((built, body))
}

/// Sends `call` and opens its response (for streams read as they come).
pub async fn open(call: &Call<'_>) -> Result<http::Response<Incoming>, ErrorClass> {
    let request = build(call).await.map_err(|_| ErrorClass::Other)?;
    call.client.send(request).await.map_err(|e| classify(&e))
}

/// The next data of `body`: `None` at its end (trailers are skipped).
pub async fn chunk(body: &mut Incoming) -> Result<Option<Bytes>, hyper::Error> {
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// A GET of `url` answered (any status) within `timeout`, or the error why not.
pub async fn probe(
    client: &Sender,
    url: &str,
    timeout: Duration,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url = url::Url::parse(url)?;
    let request = wire::request(http::Method::GET, &url, Body::default())?;
    tokio::time::timeout(timeout, client.send(request)).await??;
    Ok(())
}

/// A response's status, the values its headers carry (`None` when a rule misses) and its
/// body (`None` when larger than allowed).
type Answer = (u16, Option<(Vec<u8>, Option<Vec<(String, String)>>)>);

/// Sends `call` and waits at most its timeout for the whole response.
pub async fn send(call: Call<'_>) -> Exchange {
    let request = call.request;
    let built = build(&call).await;
    let started = Instant::now();
    let result = match built {
        Err(_) => Err(ErrorClass::Other),
        Ok(built) => {
            tokio::time::timeout(call.timeout, answer(&call, built)).await.unwrap_or(Err(ErrorClass::Timeout))
        }
    };
    let service = started.elapsed();
    let failed = |class, status| Exchange { service, outcome: Err(class), extracted: Vec::new(), status };
    match result {
        Err(class) => failed(class, None),
        Ok((status, None)) => failed(ErrorClass::BodyTooLarge, Some(status)),
        Ok((status, Some((body, cookies)))) => {
            if !request.is_success(status) {
                let class = match status {
                    400..=499 => ErrorClass::Status4xx,
                    500..=599 => ErrorClass::Status5xx,
                    _ => ErrorClass::Other,
                };
                return failed(class, Some(status));
            }
            let failed_rule = request.fail_if.as_deref().is_some_and(|pointer| carries(&body, pointer));
            match (super::extract::from_body(&request.extract, &body), cookies, failed_rule) {
                (Some(mut extracted), Some(cookies), false) => {
                    extracted.extend(cookies);
                    Exchange { service, outcome: Ok(()), extracted, status: Some(status) }
                }
                _ => failed(ErrorClass::BadBody, Some(status)),
            }
        }
    }
}

/// The exchange itself: sent, headers read, body read under the cap.
async fn answer(call: &Call<'_>, built: http::Request<Body>) -> Result<Answer, ErrorClass> {
    let request = call.request;
    let response = call.client.send(built).await.map_err(|e| classify(&e))?;
    let status = response.status().as_u16();
    let kept = crate::profile::cookies::keep(&request.keep_cookies, response.headers());
    let from_headers = super::extract::from_headers(&request.extract, response.headers());
    // Both or neither: a missing header fails like a missing cookie.
    let cookies = kept.zip(from_headers).map(|(mut cookies, values)| {
        cookies.extend(values);
        cookies
    });
    let body = read_capped(response, call.max_body_bytes, request.reads_body()).await;
    Ok((status, body.map_err(|e| classify(&e))?.map(|body| (body, cookies))))
}

/// Reads `response`'s body frame by frame, keeping it only when `keep`; `None` once it is
/// larger than `max_bytes` (announced or counted), with the rest left unread (dropping an
/// unfinished body closes its connection instead of returning it to the pool).
async fn read_capped(
    response: http::Response<Incoming>,
    max_bytes: usize,
    keep: bool,
) -> Result<Option<Vec<u8>>, hyper::Error> {
    let announced = response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max_bytes as u64) {
        return Ok(None);
    }
    // The head holds the connection's lease (see `net::h1`): dropped after the body is
    // read, it returns a connection that can take the next request at once.
    let (head, mut incoming) = response.into_parts();
    let (mut body, mut seen) = (Vec::new(), 0usize);
    while let Some(data) = chunk(&mut incoming).await? {
        seen = seen.saturating_add(data.len());
        if seen > max_bytes {
            return Ok(None);
        }
        if keep {
            body.extend_from_slice(&data);
        }
    }
    drop(head);
    Ok(Some(body))
}

/// Whether a JSON `body` has a value at `pointer` (a `fail_if` rule: GraphQL's `/errors`).
fn carries(body: &[u8], pointer: &str) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|json| json.pointer(pointer).is_some())
}

/// Maps a client error to its class by its cause chain: TLS failures (which the client
/// reports as connect errors) first, then connections never made, then resets.
pub fn classify(error: &(dyn std::error::Error + 'static)) -> ErrorClass {
    if crate::net::tls::failure(error).is_some() {
        return ErrorClass::Tls;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.downcast_ref::<crate::net::SendError>().is_some_and(crate::net::SendError::is_connect) {
            return ErrorClass::Connect;
        }
        if cause.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_timeout) {
            return ErrorClass::Timeout;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
            if matches!(io.kind(), ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof) {
                return ErrorClass::Reset;
            }
        }
        let text = cause.to_string();
        if text.contains("connection closed") || text.contains("reset") {
            return ErrorClass::Reset;
        }
        source = cause.source();
    }
    ErrorClass::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_if_pointers_find_graphql_errors() {
        assert!(carries(br#"{"errors": [{"message": "no field"}]}"#, "/errors"));
        assert!(!carries(br#"{"data": {"feed": []}}"#, "/errors"));
        assert!(!carries(b"not json", "/errors"));
    }

    #[test]
    fn generated_images_start_with_a_png_signature() {
        let payloads = Payloads::new(1);
        let image = payloads.image(1000);
        assert_eq!(image.len(), 1000);
        assert_eq!(&image[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(payloads.text(12).len(), 12);
    }

    /// A TLS server on loopback with a certificate no root vouches for; it serves
    /// handshakes (failing ones too) until the test ends.
    async fn untrusted_tls_server() -> std::net::SocketAddr {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("cert");
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move { drop(acceptor.accept(stream).await) });
            }
        });
        addr
    }

    /// A server that answers anything with plain HTTP, whatever the client speaks.
    async fn plain_http_server() -> std::net::SocketAddr {
        use tokio::io::AsyncWriteExt as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
            }
        });
        addr
    }

    /// The run's sender for a loopback target, without redirects.
    fn sender() -> Sender {
        let config = crate::net::NetConfig::default();
        let destination = config.policy.check("https://127.0.0.1/", &[]).expect("loopback");
        crate::net::client::build(&config, &destination, Duration::from_secs(20), false).expect("sender").0
    }

    async fn failure(sender: &Sender, url: &str) -> crate::net::SendError {
        let url = url::Url::parse(url).expect("url");
        let request = wire::request(http::Method::GET, &url, Body::default()).expect("request");
        sender.send(request).await.expect_err("fails")
    }

    #[tokio::test]
    async fn handshake_failures_are_the_tls_class() {
        let sender = sender();
        let untrusted = untrusted_tls_server().await;
        let error = failure(&sender, &format!("https://{untrusted}/")).await;
        assert!(error.is_connect(), "hyper calls it a connect error: {error:?}");
        assert_eq!(classify(&error), ErrorClass::Tls, "{error:?}");
        let why = crate::net::tls::explain(&error).expect("explained");
        assert!(why.starts_with("certificate signed by unknown authority"), "{why}");

        let plain = plain_http_server().await;
        let error = failure(&sender, &format!("https://{plain}/")).await;
        assert_eq!(classify(&error), ErrorClass::Tls, "{error:?}");
        let why = crate::net::tls::explain(&error).expect("explained");
        assert!(why.contains("does not speak TLS"), "{why}");

        // Nothing listening: a connect error, not TLS.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let error = failure(&sender, &format!("https://127.0.0.1:{port}/")).await;
        assert_eq!(classify(&error), ErrorClass::Connect, "{error:?}");
    }
}
