//! A request's URL from the run's base URL and a rendered path, without parsing the base
//! again for every request.
//!
//! Parsing `base + path` whole was the largest single cost of building a request (the
//! host part runs IDNA processing: ~6,000 instructions of ~115,000 per request measured
//! with callgrind). The base is parsed once per thread and kept; each request clones it and
//! sets only its path and query, which the `url` crate encodes exactly as a whole parse
//! would. Anything unusual (a path not starting with `/`, a fragment, a base with a query)
//! takes the whole parse, so the result is always what `Url::parse(base + path)` gives.

use std::cell::RefCell;

use reqwest::Url;

thread_local! {
    /// The latest base URL parsed on this thread: runs use one target (an A/B run two,
    /// each on its own client tasks), so one entry nearly always hits.
    static BASE: RefCell<Option<(String, Url)>> = const { RefCell::new(None) };
}

/// `base` (no trailing slash) followed by `path`, as `Url::parse(&format!("{base}{path}"))`.
pub fn join(base: &str, path: &str) -> Result<Url, url::ParseError> {
    let whole = || Url::parse(&format!("{base}{path}"));
    if !path.starts_with('/') || path.contains('#') {
        return whole();
    }
    let Some(mut url) = parsed_base(base) else { return whole() };
    if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
        return whole();
    }
    let (path_part, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let prefix = url.path().trim_end_matches('/');
    if prefix.is_empty() {
        url.set_path(path_part);
    } else {
        url.set_path(&format!("{prefix}{path_part}"));
    }
    url.set_query(query);
    Ok(url)
}

/// The parsed `base`, from this thread's cache when it is the same text.
fn parsed_base(base: &str) -> Option<Url> {
    BASE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if let Some((text, url)) = cached.as_ref()
            && text == base
        {
            return Some(url.clone());
        }
        let url = Url::parse(base).ok()?;
        *cached = Some((base.to_string(), url.clone()));
        Some(url)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_urls_are_exactly_what_a_whole_parse_gives() {
        let bases = [
            "http://127.0.0.1:8080",
            "https://example.test",
            "http://[::1]:9000",
            "http://host.test/api",
            "http://host.test/api/v1",
            "http://Bücher.example",
            "http://host.test/?q=1",
        ];
        let paths = [
            "/",
            "/health",
            "/users/7/follow",
            "/search?q=cat photo&limit=20",
            "/a b/ä?x=ü&y=%41",
            "/a/../b/./c",
            "//double",
            "/x?",
            "/x?a=1?b=2",
            "/frag#part",
            "",
            "relative",
            "?only=query",
            "/%zz/%20",
            "/emoji/😺",
            "/back\\slash",
        ];
        for base in bases {
            for path in paths {
                let expected = Url::parse(&format!("{base}{path}"));
                // Twice: the first call fills this thread's cache, the second hits it.
                for _ in 0..2 {
                    assert_eq!(join(base, path), expected, "{base} + {path}");
                }
            }
        }
    }

    #[test]
    fn a_bad_base_fails_like_a_whole_parse() {
        assert_eq!(join("not a url", "/x"), Url::parse("not a url/x"));
        assert_eq!(join("http://", "/x"), Url::parse("http:///x"));
    }
}
