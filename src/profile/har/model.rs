//! The parts of a HAR 1.2 file (a browser's "Save all as HAR") that a profile is made
//! from, read with serde, and the read itself: size-limited, with `file:line:column` on a
//! malformed file.
//!
//! Fields the generator does not use are ignored, and every field it does use but a
//! browser may leave out has a default, so recordings from Chromium, Firefox and
//! Playwright all load. Response bodies are kept only as text (a base64 body is an image
//! or a download, which a profile never reads).

use std::path::Path;

use serde::Deserialize;

use super::HarError;

/// Bytes of a HAR file: recordings carry response bodies, so more than a scenario.
pub const MAX_HAR_BYTES: u64 = 64 * 1024 * 1024;
/// Entries read from one recording; a profile is made from a few dozen.
pub const MAX_ENTRIES: usize = 20_000;

#[derive(Debug, Deserialize)]
pub struct Har {
    pub log: Log,
}

#[derive(Debug, Deserialize)]
pub struct Log {
    #[serde(default)]
    pub pages: Vec<Page>,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Page {
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    pub request: Request,
    pub response: Response,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub post_data: Option<PostData>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub params: Vec<Param>,
}

/// A form field of a recorded body (`application/x-www-form-urlencoded` or multipart).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Param {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Response {
    /// 0 when the browser got no answer (blocked, aborted).
    pub status: i64,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub cookies: Vec<Cookie>,
    #[serde(default)]
    pub content: Content,
}

#[derive(Debug, Deserialize)]
pub struct Cookie {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
}

impl Content {
    /// The body as text: as recorded, or decoded when a text body was stored in base64
    /// (Chromium does so for some pages); binary bodies (images, downloads) give `None`.
    pub fn text(&self) -> Option<String> {
        let text = self.text.as_deref()?;
        if !self.encoding.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("base64")) {
            return Some(text.to_string());
        }
        let mime = self.mime_type.to_ascii_lowercase();
        let textual = ["text/", "json", "xml", "javascript"].iter().any(|m| mime.contains(m));
        if !textual {
            return None;
        }
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).ok()?;
        String::from_utf8(bytes).ok()
    }
}

/// Reads and parses the HAR file at `path`.
pub fn load(path: &Path) -> Result<Har, HarError> {
    let text = crate::source::file::read_text_within(path, MAX_HAR_BYTES)
        .map_err(|e| HarError::Read { file: path.to_path_buf(), reason: e.to_string() })?;
    parse(path, &text)
}

/// Parses HAR `text` (named `file` in errors).
pub fn parse(file: &Path, text: &str) -> Result<Har, HarError> {
    let har: Har = serde_json::from_str(text).map_err(|e| HarError::Malformed {
        file: file.to_path_buf(),
        line: e.line(),
        column: e.column(),
        // serde_json's messages name the field or token, never quote the document.
        what: strip_position(&e.to_string()),
    })?;
    if har.log.entries.len() > MAX_ENTRIES {
        return Err(HarError::TooManyEntries { file: file.to_path_buf(), entries: har.log.entries.len() });
    }
    Ok(har)
}

/// serde_json ends its messages with " at line L column C", which the error says first.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// The value of the first header named `name` (case-insensitive).
pub fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_files_are_placed_at_their_line_and_column() {
        let text = "{\"log\": {\"entries\": [\n  {\"request\": 3}\n]}}";
        let err = parse(Path::new("x.har"), text).expect_err("malformed");
        let HarError::Malformed { line, column, what, .. } = &err else { panic!("{err}") };
        assert_eq!((*line, *column), (2, 15));
        assert!(what.contains("invalid type"), "{what}");
        assert!(err.to_string().starts_with("x.har:2:15: "), "{err}");
        let err = parse(Path::new("x.har"), "{\"log\": {}}").expect_err("no entries");
        assert!(err.to_string().contains("missing field `entries`"), "{err}");
    }

    #[test]
    fn base64_bodies_are_not_text() {
        let content = Content {
            mime_type: "image/png".into(),
            text: Some("iVBO".into()),
            encoding: Some("base64".into()),
        };
        assert_eq!(content.text(), None);
        let page = Content {
            mime_type: "text/html".into(),
            text: Some("PGI+".into()),
            encoding: Some("base64".into()),
        };
        assert_eq!(page.text().as_deref(), Some("<b>"));
    }
}
