//! The parts of a profile's requests that are the same for every request to the run's
//! target, built once before the run: the whole URI of a path without placeholders, and
//! the value of each header without placeholders.
//!
//! Joining a fixed path to the base, copying it into hyper's `Uri` and validating a fixed
//! header value for every request was work repeated per request (see tests/bench/generator.sh
//! for its cost). A part is prebuilt from exactly what the per-request code would build (the
//! same join, the same `Uri`, the same header value), and a part that would fail (a URL
//! hyper cannot carry, a header value that is not one) is left to be built per request,
//! where it fails that request alone as before.

use http::header::HeaderValue;

use crate::net::wire;
use crate::profile::{Prebuilt, Profile, Request, Template};

/// Prebuilds the fixed parts of every request of `profile` for the target `base_url`
/// (without a trailing slash, as calls carry it).
pub fn bind(profile: &mut Profile, base_url: &str) {
    for request in profile.requests_mut() {
        request.prebuilt = prebuild(request, base_url);
    }
}

fn prebuild(request: &Request, base_url: &str) -> Prebuilt {
    let uri = fixed(&request.path)
        .and_then(|path| super::target_url::join(base_url, &path).ok())
        .and_then(|url| wire::uri(&url).ok());
    let headers = (request.headers.iter())
        .map(|(_, value)| fixed(value).and_then(|text| HeaderValue::try_from(text).ok()))
        .collect();
    Prebuilt { base: base_url.to_string(), uri, headers }
}

/// The text of `template` when it has no placeholders (bound secrets are fixed text).
fn fixed(template: &Template) -> Option<String> {
    template.vars().next().is_none().then(|| template.render(&|_| None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let yaml = "name: t\nheaders: { x-app: stampede, x-user: '{{handle}}' }\n\
                    actions:\n  view_feed: { method: GET, path: '/feed?limit=20' }\n\
                    \x20 view_post: { method: GET, path: '/posts/{{seq}}' }\n\
                    \x20 view_user: { method: GET, path: '/a b/ä' }\n";
        let mut profile = crate::profile::parse(std::path::Path::new("t.yaml"), yaml).expect("valid profile");
        // A control character the profile check lets through but a header value refuses.
        let bad = Template::compile("bad\u{1}value").expect("template");
        for request in profile.requests_mut() {
            request.headers.push((http::header::HeaderName::from_static("x-bad"), bad.clone()));
        }
        profile
    }

    fn request(profile: &Profile, action: crate::scenario::Action) -> &Request {
        profile.request(action).expect("defined")
    }

    #[test]
    fn fixed_paths_and_headers_are_built_as_a_request_would_build_them() {
        use crate::scenario::Action::{ViewFeed, ViewPost, ViewUser};
        let mut profile = profile();
        bind(&mut profile, "http://127.0.0.1:8080/api");
        let feed = &request(&profile, ViewFeed).prebuilt;
        assert_eq!(feed.base, "http://127.0.0.1:8080/api");
        let uri = feed.uri.as_ref().expect("fixed path");
        assert_eq!(uri.to_string(), "http://127.0.0.1:8080/api/feed?limit=20");
        // Percent-encoded by the same join a request uses.
        let user = &request(&profile, ViewUser).prebuilt;
        assert_eq!(user.uri.as_ref().expect("fixed").to_string(), "http://127.0.0.1:8080/api/a%20b/%C3%A4");
        // A templated path stays per request.
        assert!(request(&profile, ViewPost).prebuilt.uri.is_none());
        for action in [ViewFeed, ViewPost, ViewUser] {
            let request = request(&profile, action);
            assert_eq!(request.prebuilt.headers.len(), request.headers.len());
            for ((name, _), value) in request.headers.iter().zip(&request.prebuilt.headers) {
                match name.as_str() {
                    "x-app" => assert_eq!(value.as_ref().expect("fixed"), "stampede"),
                    "x-user" => assert!(value.is_none(), "templated"),
                    // Not a valid header value: left to fail its request alone.
                    "x-bad" => assert!(value.is_none()),
                    other => panic!("unexpected header {other}"),
                }
            }
        }
    }

    #[test]
    fn a_base_that_does_not_parse_leaves_every_uri_per_request() {
        let mut profile = profile();
        bind(&mut profile, "not a url");
        assert!(profile.requests_mut().all(|r| r.prebuilt.uri.is_none()));
    }
}
