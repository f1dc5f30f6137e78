//! Multipart bodies a recorder kept only as text. Chromium and Playwright record a
//! `multipart/form-data` body sent by a script (`fetch` or `XMLHttpRequest` with a
//! `FormData`, as Spirit's bookmark and like buttons do) as `postData.text` without
//! `params`; this parses that text into the form fields the rest of the generator reads.
//!
//! Parsed by `multer` (the parser axum's `Multipart` uses, already a dependency through
//! it). It is async over a stream of chunks; here the whole body is one chunk in memory,
//! so `futures_executor::block_on` drives it without a runtime: every poll is ready.

use std::convert::Infallible;

use bytes::Bytes;

use super::model::Param;

/// The fields of the multipart body `text` sent with content type `mime` (which names
/// the boundary), in order: text fields with their value, files with their file name and
/// content type. Empty when `mime` names no boundary or the body does not parse (a
/// recorder may cut a long body short): the request is then kept without a body template.
pub fn parse(mime: &str, text: &str) -> Vec<Param> {
    let Ok(boundary) = multer::parse_boundary(mime) else {
        return Vec::new();
    };
    let body = Bytes::from(text.to_string());
    let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    futures_executor::block_on(async {
        let mut params = Vec::new();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return params,
                Err(_) => return Vec::new(),
            };
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().map(str::to_string);
            let content_type = field.content_type().map(ToString::to_string);
            if file_name.is_some() {
                // A file's bytes are never templated (a replay generates its own).
                params.push(Param { name, value: None, file_name, content_type });
                continue;
            }
            match field.text().await {
                Ok(value) => params.push(Param { name, value: Some(value), file_name, content_type }),
                Err(_) => return Vec::new(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIME: &str = "multipart/form-data; boundary=----WebKitFormBoundaryHMvNwpncPii52hjh";

    fn body(parts: &[&str]) -> String {
        let mut out = String::new();
        for part in parts {
            out.push_str("------WebKitFormBoundaryHMvNwpncPii52hjh\r\n");
            out.push_str(part);
            out.push_str("\r\n");
        }
        out.push_str("------WebKitFormBoundaryHMvNwpncPii52hjh--\r\n");
        out
    }

    #[test]
    fn text_fields_and_files_are_read_in_order() {
        let text = body(&[
            "Content-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\nQb7OzYG1",
            "Content-Disposition: form-data; name=\"comment_number\"\r\n\r\n1",
            "Content-Disposition: form-data; name=\"image\"; filename=\"cat.png\"\r\nContent-Type: image/png\r\n\r\n\u{89}PNG",
            "Content-Disposition: form-data; name=\"note\"\r\n\r\ntwo\r\nlines",
        ]);
        let params = parse(MIME, &text);
        type Field<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let fields: Vec<Field> = params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_deref(), p.file_name.as_deref(), p.content_type.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("csrfmiddlewaretoken", Some("Qb7OzYG1"), None, None),
                ("comment_number", Some("1"), None, None),
                ("image", None, Some("cat.png"), Some("image/png")),
                ("note", Some("two\r\nlines"), None, None),
            ]
        );
    }

    #[test]
    fn bodies_without_a_boundary_or_cut_short_give_no_fields() {
        let text = body(&["Content-Disposition: form-data; name=\"a\"\r\n\r\n1"]);
        assert!(parse("multipart/form-data", &text).is_empty(), "no boundary");
        assert!(parse(MIME, &text[..text.len() - 30]).is_empty(), "cut short");
        assert_eq!(parse(MIME, &text).len(), 1);
    }
}
