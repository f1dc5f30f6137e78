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

use reqwest::Client;

use crate::metrics::ErrorClass;
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
    pub client: &'a Client,
    pub base_url: &'a str,
    pub request: &'a Request,
    pub lookup: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub payloads: &'a Payloads,
    pub body_size: usize,
    pub timeout: Duration,
    pub max_body_bytes: usize,
}

/// Renders `call` into a request, without a timeout (the caller decides how long).
pub fn build(call: &Call<'_>) -> reqwest::RequestBuilder {
    let request = call.request;
    // `{{now}}` is the request's own time, whatever the caller's values are.
    let lookup =
        |name: &str| if name == "now" { Some(crate::profile::template::now()) } else { (call.lookup)(name) };
    let lookup: &dyn Fn(&str) -> Option<String> = &lookup;
    let path = request.path.render(lookup);
    let mut builder = call.client.request(request.method.clone(), format!("{}{}", call.base_url, path));
    for (name, value) in &request.headers {
        builder = builder.header(name, value.render(lookup));
    }
    if let Some(cookies) = crate::profile::cookies::header(&request.send_cookies, lookup) {
        builder = builder.header(reqwest::header::COOKIE, cookies);
    }
    super::body::attach(builder, &request.body, lookup, call.payloads, call.body_size)
}

/// Sends `call` and waits at most its timeout for the whole response.
pub async fn send(call: Call<'_>) -> Exchange {
    let request = call.request;
    let builder = build(&call).timeout(call.timeout);
    let started = Instant::now();
    let keep = request.reads_body();
    let result = async {
        let response = builder.send().await?;
        let status = response.status().as_u16();
        let kept = crate::profile::cookies::keep(&request.keep_cookies, response.headers());
        let from_headers = super::extract::from_headers(&request.extract, response.headers());
        // Both or neither: a missing header fails like a missing cookie.
        let cookies = kept.zip(from_headers).map(|(mut cookies, values)| {
            cookies.extend(values);
            cookies
        });
        let body = read_capped(response, call.max_body_bytes, keep).await?;
        Ok::<_, reqwest::Error>((status, body.map(|body| (body, cookies))))
    }
    .await;
    let service = started.elapsed();
    match result {
        Err(error) => {
            Exchange { service, outcome: Err(classify(&error)), extracted: Vec::new(), status: None }
        }
        Ok((status, None)) => Exchange {
            service,
            outcome: Err(ErrorClass::BodyTooLarge),
            extracted: Vec::new(),
            status: Some(status),
        },
        Ok((status, Some((body, cookies)))) => {
            if !request.is_success(status) {
                let class = match status {
                    400..=499 => ErrorClass::Status4xx,
                    500..=599 => ErrorClass::Status5xx,
                    _ => ErrorClass::Other,
                };
                return Exchange {
                    service,
                    outcome: Err(class),
                    extracted: Vec::new(),
                    status: Some(status),
                };
            }
            let failed = request.fail_if.as_deref().is_some_and(|pointer| carries(&body, pointer));
            match (super::extract::from_body(&request.extract, &body), cookies, failed) {
                (Some(mut extracted), Some(cookies), false) => {
                    extracted.extend(cookies);
                    Exchange { service, outcome: Ok(()), extracted, status: Some(status) }
                }
                _ => Exchange {
                    service,
                    outcome: Err(ErrorClass::BadBody),
                    extracted: Vec::new(),
                    status: Some(status),
                },
            }
        }
    }
}

/// Reads `response`'s body chunk by chunk, keeping it only when `keep`; `None` once it
/// is larger than `max_bytes` (announced or counted), with the rest left unread.
async fn read_capped(
    mut response: reqwest::Response,
    max_bytes: usize,
    keep: bool,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > max_bytes as u64) {
        return Ok(None);
    }
    let (mut body, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = response.chunk().await? {
        seen = seen.saturating_add(chunk.len());
        if seen > max_bytes {
            return Ok(None);
        }
        if keep {
            body.extend_from_slice(&chunk);
        }
    }
    Ok(Some(body))
}

/// Whether a JSON `body` has a value at `pointer` (a `fail_if` rule: GraphQL's `/errors`).
fn carries(body: &[u8], pointer: &str) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|json| json.pointer(pointer).is_some())
}

/// Maps a client error to its class: the cause chain tells TLS failures (which reqwest
/// reports as connect errors) and resets from other I/O errors.
pub fn classify(error: &reqwest::Error) -> ErrorClass {
    if error.is_timeout() {
        return ErrorClass::Timeout;
    }
    if crate::net::tls::failure(error).is_some() {
        return ErrorClass::Tls;
    }
    if error.is_connect() {
        return ErrorClass::Connect;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
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

    #[tokio::test]
    async fn handshake_failures_from_reqwest_are_the_tls_class() {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
        let untrusted = untrusted_tls_server().await;
        let error = client.get(format!("https://{untrusted}/")).send().await.expect_err("untrusted");
        assert!(error.is_connect(), "reqwest calls it a connect error: {error:?}");
        assert_eq!(classify(&error), ErrorClass::Tls, "{error:?}");
        let why = crate::net::tls::explain(&error).expect("explained");
        assert!(why.starts_with("certificate signed by unknown authority"), "{why}");

        let plain = plain_http_server().await;
        let error = client.get(format!("https://{plain}/")).send().await.expect_err("not TLS");
        assert_eq!(classify(&error), ErrorClass::Tls, "{error:?}");
        let why = crate::net::tls::explain(&error).expect("explained");
        assert!(why.contains("does not speak TLS"), "{why}");

        // Nothing listening: a connect error, not TLS.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let error = client.get(format!("https://127.0.0.1:{port}/")).send().await.expect_err("refused");
        assert_eq!(classify(&error), ErrorClass::Connect, "{error:?}");
    }
}
