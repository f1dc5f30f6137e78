//! Which recorded requests become actions: those to the recording's main origin (or the
//! one given), minus static assets, `OPTIONS` preflights and requests that got no answer.
//! What is left out is counted by reason, for the summary on stderr.

use url::Url;

use super::model::{self, Entry, Har};

/// Response bodies kept as text per exchange: extraction reads HTML pages and JSON
/// answers, never megabytes.
pub const MAX_BODY_CHARS: usize = 1024 * 1024;

/// One kept request and its answer, in recording order.
#[derive(Debug)]
pub struct Exchange {
    pub method: String,
    /// Path and query as recorded, e.g. `/api/timeline?limit=20`.
    pub target: String,
    pub headers: Vec<model::Header>,
    pub mime: String,
    /// The body as text (JSON, form, GraphQL) when it has one.
    pub body_text: Option<String>,
    /// Form fields (form-urlencoded or multipart) as the browser recorded them.
    pub params: Vec<model::Param>,
    pub status: u16,
    pub response_headers: Vec<model::Header>,
    /// Cookies the response set (`Set-Cookie`), name and value.
    pub set_cookies: Vec<(String, String)>,
    pub response_mime: String,
    pub response_text: Option<String>,
}

/// Entries left out, by reason.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub static_assets: usize,
    pub preflights: usize,
    pub third_party: usize,
    pub unanswered: usize,
}

impl Dropped {
    pub fn total(&self) -> usize {
        self.static_assets + self.preflights + self.third_party + self.unanswered
    }
}

/// The origin of the recording: the first answered request's, which is the page the user
/// opened (later ones include fonts, analytics and CDNs).
pub fn main_origin(har: &Har) -> Option<String> {
    har.log.entries.iter().filter(|e| e.response.status > 0).find_map(|e| origin_of(&e.request.url))
}

/// `scheme://host[:port]` of `url`, for http(s) URLs.
pub fn origin_of(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// The exchanges with `origin`, and what was left out.
pub fn keep(har: Har, origin: &str) -> (Vec<Exchange>, Dropped) {
    let mut dropped = Dropped::default();
    let mut kept = Vec::new();
    for entry in har.log.entries {
        let Ok(url) = Url::parse(&entry.request.url) else {
            dropped.third_party += 1;
            continue;
        };
        if url.origin().ascii_serialization() != origin {
            dropped.third_party += 1;
        } else if entry.request.method.eq_ignore_ascii_case("OPTIONS") {
            dropped.preflights += 1;
        } else if !(100..=599).contains(&entry.response.status) {
            dropped.unanswered += 1;
        } else if is_static(&entry, url.path()) {
            dropped.static_assets += 1;
        } else {
            kept.push(exchange(entry, &url));
        }
    }
    (kept, dropped)
}

const STATIC_EXTENSIONS: &[&str] = &[
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "woff",
    "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "wav", "ogg",
];

/// A static asset: a GET for an image, style sheet, script, font or media file, by the
/// answer's MIME type or the path's extension. Uploads (a POST of an image) are not.
fn is_static(entry: &Entry, path: &str) -> bool {
    if !entry.request.method.eq_ignore_ascii_case("GET") {
        return false;
    }
    let mime = entry.response.content.mime_type.to_ascii_lowercase();
    let by_mime = ["image/", "font/", "text/css", "javascript", "video/", "audio/", "application/font"]
        .iter()
        .any(|m| mime.contains(m));
    let extension = path.rsplit('/').next().and_then(|last| last.rsplit_once('.')).map(|(_, ext)| ext);
    by_mime || extension.is_some_and(|ext| STATIC_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

fn exchange(entry: Entry, url: &Url) -> Exchange {
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let (mime, body_text, mut params) = match entry.request.post_data {
        Some(data) => (data.mime_type, data.text, data.params),
        None => (String::new(), None, Vec::new()),
    };
    // A script's multipart body is recorded as text only (the boundary in `mime` is
    // case-sensitive: parsed before the type is lower-cased).
    if params.is_empty()
        && mime.to_ascii_lowercase().starts_with("multipart/form-data")
        && let Some(text) = &body_text
    {
        params = super::multipart::parse(&mime, text);
    }
    let response = entry.response;
    let mut set_cookies: Vec<(String, String)> =
        response.cookies.into_iter().map(|c| (c.name, c.value)).collect();
    // Some recorders leave `cookies` empty and keep only the header.
    for header in response.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("set-cookie")) {
        for line in header.value.lines() {
            if let Ok(cookie) = cookie::Cookie::parse(line.to_string())
                && !set_cookies.iter().any(|(name, _)| name == cookie.name())
            {
                set_cookies.push((cookie.name().to_string(), cookie.value().to_string()));
            }
        }
    }
    let response_text = response.content.text().map(|t| t.chars().take(MAX_BODY_CHARS).collect::<String>());
    Exchange {
        method: entry.request.method.to_ascii_uppercase(),
        target,
        headers: entry.request.headers,
        mime: mime.to_ascii_lowercase(),
        body_text,
        params,
        status: u16::try_from(response.status).unwrap_or(0),
        response_headers: response.headers,
        set_cookies,
        response_mime: response.content.mime_type.to_ascii_lowercase(),
        response_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn har(entries: &[(&str, &str, i64, &str)]) -> Har {
        let entries: Vec<String> = entries
            .iter()
            .map(|(method, url, status, mime)| {
                format!(
                    r#"{{"request": {{"method": "{method}", "url": "{url}", "headers": []}},
                        "response": {{"status": {status}, "content": {{"mimeType": "{mime}"}}}}}}"#
                )
            })
            .collect();
        let text = format!(r#"{{"log": {{"entries": [{}]}}}}"#, entries.join(","));
        model::parse(std::path::Path::new("t.har"), &text).expect("valid")
    }

    #[test]
    fn only_the_main_origins_answered_dynamic_requests_are_kept() {
        let har = har(&[
            ("GET", "http://127.0.0.1:8080/health", 200, "application/json"),
            ("GET", "http://127.0.0.1:8080/app.js", 200, "text/plain"),
            ("GET", "http://127.0.0.1:8080/logo", 200, "image/png"),
            ("OPTIONS", "http://127.0.0.1:8080/api/posts", 204, ""),
            ("GET", "https://fonts.example.com/a.woff2", 200, "font/woff2"),
            ("POST", "http://127.0.0.1:8080/api/media", 201, "application/json"),
            ("GET", "http://127.0.0.1:8080/api/timeline?limit=20", 0, ""),
            ("GET", "http://127.0.0.1:8080/api/timeline?limit=20", 200, "application/json"),
        ]);
        let origin = main_origin(&har).expect("an origin");
        assert_eq!(origin, "http://127.0.0.1:8080");
        let (kept, dropped) = keep(har, &origin);
        let targets: Vec<&str> = kept.iter().map(|e| e.target.as_str()).collect();
        assert_eq!(targets, ["/health", "/api/media", "/api/timeline?limit=20"]);
        assert_eq!(dropped, Dropped { static_assets: 2, preflights: 1, third_party: 1, unanswered: 1 });
    }
}
