//! From recordings to profile text: the committed browser recording of the reference
//! platform, and small hand-made HARs for each rule (credentials, ids, extraction, roles).

use std::path::{Path, PathBuf};

use super::{Options, generate};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/har").join(name)
}

fn options() -> Options {
    Options { origin: None, name: "t".into() }
}

/// One entry: method, URL, request headers, request body (mime, text), status, response
/// headers, response body (mime, text).
struct E<'a> {
    method: &'a str,
    url: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: Option<(&'a str, &'a str)>,
    status: u16,
    response_headers: &'a [(&'a str, &'a str)],
    response: (&'a str, &'a str),
}

fn har(entries: &[E<'_>]) -> String {
    let headers = |list: &[(&str, &str)]| -> serde_json::Value {
        list.iter().map(|(n, v)| serde_json::json!({"name": n, "value": v})).collect()
    };
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let mut request =
                serde_json::json!({"method": e.method, "url": e.url, "headers": headers(e.headers)});
            if let Some((mime, text)) = e.body {
                request["postData"] = serde_json::json!({"mimeType": mime, "text": text});
            }
            serde_json::json!({
                "request": request,
                "response": {"status": e.status, "headers": headers(e.response_headers),
                             "content": {"mimeType": e.response.0, "text": e.response.1}},
            })
        })
        .collect();
    serde_json::json!({"log": {"version": "1.2", "entries": entries}}).to_string()
}

fn generate_text(entries: &[E<'_>]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.har");
    std::fs::write(&path, har(entries)).expect("written");
    generate(&path, &options()).expect("a profile").yaml
}

#[test]
fn the_reference_recording_becomes_a_profile_that_loads() {
    let output = generate(&fixture("reference.har"), &options()).expect("a profile");
    assert_eq!(
        output.actions,
        [
            "signup",
            "upload_media",
            "create_post",
            "view_post",
            "follow",
            "view_user",
            "comment",
            "like",
            "view_feed",
            "get_api_search",
            "login"
        ]
    );
    assert_eq!((output.requests, output.dropped.total()), (14, 0));
    let yaml = &output.yaml;
    let profile =
        crate::profile::parse(Path::new("generated.yaml"), yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(profile.user_fields, ["user_id"]);
    assert_eq!(profile.post_fields, ["post_id"]);
    for expected in [
        "authorization: \"Bearer {{token}}\"",
        "path: \"/api/posts/{{target_post.post_id}}/comments\"",
        "path: \"/api/users/{{target_user.user_id}}/follow\"",
        "json: { \"media_ids\": [\"{{media_id}}\"], \"text\": \"{{text}}\" }",
        "json: { \"email\": \"{{email}}\", \"handle\": \"{{handle}}\", \"password\": \"{{password}}\" }",
    ] {
        assert!(yaml.contains(expected), "{expected}\n{yaml}");
    }
    // No recorded credential or token is left in the profile.
    let recording = std::fs::read_to_string(fixture("reference.har")).expect("fixture");
    for secret in ["newcomer-pass-5678", "friend-pass-1234", "rin_newcomer", "rin@example.test"] {
        assert!(recording.contains(secret) && !yaml.contains(secret), "{secret}");
    }
}

const HTML: &str = "text/html; charset=utf-8";

/// A Django-style site: a CSRF cookie and hidden input, a form login answered 302 with a
/// session cookie, a form POST answered 302 with the new topic's id in `Location`.
fn django() -> Vec<E<'static>> {
    let cookies = &[("Cookie", "csrftoken=Ck1234567890abcdefXYZ; sessionid=Sess0123456789abcdef")];
    vec![
        E {
            method: "GET",
            url: "http://127.0.0.1:8000/accounts/login/",
            headers: &[("User-Agent", "Chromium")],
            body: None,
            status: 200,
            response_headers: &[("Set-Cookie", "csrftoken=Ck1234567890abcdefXYZ; Path=/")],
            response: (
                HTML,
                r#"<form><input type="hidden" name="csrfmiddlewaretoken" value="Mw98765432109876abcdEF">"#,
            ),
        },
        E {
            method: "POST",
            url: "http://127.0.0.1:8000/accounts/login/",
            headers: &[("Cookie", "csrftoken=Ck1234567890abcdefXYZ")],
            body: Some((
                "application/x-www-form-urlencoded",
                "csrfmiddlewaretoken=Mw98765432109876abcdEF&login=rin&password=secret-pass-1",
            )),
            status: 302,
            response_headers: &[
                ("Location", "/"),
                ("Set-Cookie", "sessionid=Sess0123456789abcdef; HttpOnly"),
            ],
            response: (HTML, ""),
        },
        E {
            method: "GET",
            url: "http://127.0.0.1:8000/topic/publish/",
            headers: cookies,
            body: None,
            status: 200,
            response_headers: &[],
            response: (
                HTML,
                r#"<input type="hidden" name="csrfmiddlewaretoken" value="Tk55556666777788889999aa">"#,
            ),
        },
        E {
            method: "POST",
            url: "http://127.0.0.1:8000/topic/publish/",
            headers: cookies,
            body: Some((
                "application/x-www-form-urlencoded",
                "csrfmiddlewaretoken=Tk55556666777788889999aa&title=My+first+topic+here&comment=hi&category=2",
            )),
            status: 302,
            response_headers: &[("Location", "/topic/17/my-first-topic-here/")],
            response: (HTML, ""),
        },
        E {
            method: "GET",
            url: "http://127.0.0.1:8000/topic/17/my-first-topic-here/",
            headers: cookies,
            body: None,
            status: 200,
            response_headers: &[],
            response: (HTML, "<h1>My first topic here</h1>"),
        },
        E {
            method: "POST",
            url: "http://127.0.0.1:8000/comment/17/publish/",
            headers: &[
                ("Cookie", "csrftoken=Ck1234567890abcdefXYZ; sessionid=Sess0123456789abcdef"),
                ("X-CSRFToken", "Ck1234567890abcdefXYZ"),
            ],
            body: Some(("application/x-www-form-urlencoded", "comment=Nice+one+there")),
            status: 302,
            response_headers: &[("Location", "/comment/5/find/")],
            response: (HTML, ""),
        },
        E {
            method: "GET",
            url: "https://cdn.example.com/spirit.css",
            headers: &[],
            body: None,
            status: 200,
            response_headers: &[],
            response: ("text/css", ""),
        },
    ]
}

#[test]
fn django_forms_become_cookies_regex_extracts_and_redirect_answers() {
    let yaml = generate_text(&django());
    for expected in [
        "follow_redirects: false",
        "post_fields: [topic_id, topic_slug]",
        "  login:    # POST /accounts/login/, recorded once",
        "form: { \"csrfmiddlewaretoken\": \"{{csrfmiddlewaretoken}}\", \"login\": \"{{handle}}\", \"password\": \"{{password}}\" }",
        "cookies: [csrftoken]",
        "cookies: [sessionid]",
        "success: [302]",
        "csrfmiddlewaretoken: { regex: \"name=\\\"csrfmiddlewaretoken\\\" value=\\\"([^\\\"]+)\" }",
        "  create_post:    # POST /topic/publish/, recorded once",
        "\"title\": \"{{text}}\"",
        "\"category\": \"2\"",
        "topic_id: { header: \"location\", regex: \"/topic/(\\\\d+)\" }",
        "topic_slug: { header: \"location\", regex: \"/topic/\\\\d+/([^/]+)\" }",
        "  view_post:    # GET /topic/{id}/{id}/, recorded once",
        "path: \"/topic/{{target_post.topic_id}}/{{target_post.topic_slug}}/\"",
        "  comment:    # POST /comment/{id}/publish/, recorded once",
        "path: \"/comment/{{target_post.topic_id}}/publish/\"",
        "headers: { \"x-csrftoken\": \"{{cookie.csrftoken}}\" }",
        // Typed text, so a POST to /comment/… is the built-in comment (a bookmark is not).
        "form: { \"comment\": \"{{text}}\" }",
    ] {
        assert!(yaml.contains(expected), "{expected}\n{yaml}");
    }
    // The first page is fetched before any cookie exists; later requests send theirs.
    assert!(yaml.contains("path: \"/accounts/login/\"\n    anonymous: true"), "{yaml}");
    assert_eq!(yaml.matches("anonymous: true").count(), 1, "{yaml}");
    assert!(!yaml.contains("Sess0123456789abcdef") && !yaml.contains("secret-pass-1"), "{yaml}");
}

/// A request like `E` with a form or JSON body answered by a redirect or JSON.
fn post<'a>(
    url: &'a str,
    body: (&'a str, &'a str),
    status: u16,
    location: &'a [(&'a str, &'a str)],
    answer: &'a str,
) -> E<'a> {
    let cookies = &[("Cookie", "csrftoken=Ck1234567890abcdefXYZ; sessionid=Sess0123456789abcdef")];
    E {
        method: "POST",
        url,
        headers: cookies,
        body: Some(body),
        status,
        response_headers: location,
        response: ("application/json", answer),
    }
}

fn get(url: &str) -> E<'_> {
    let cookies = &[("Cookie", "csrftoken=Ck1234567890abcdefXYZ; sessionid=Sess0123456789abcdef")];
    E {
        method: "GET",
        url,
        headers: cookies,
        body: None,
        status: 200,
        response_headers: &[],
        response: (HTML, "<p>"),
    }
}

#[test]
fn a_second_way_of_making_what_view_post_opens_creates_posts() {
    const FORM: &str = "application/x-www-form-urlencoded";
    let mut entries = django();
    entries.extend([
        // A private topic: made by another form, opened like the first.
        post(
            "http://127.0.0.1:8000/topic/private/publish/",
            (FORM, "title=Secret+plans+here&comment=psst+now"),
            302,
            &[("Location", "/topic/18/secret-plans-here/")],
            "",
        ),
        get("http://127.0.0.1:8000/topic/18/secret-plans-here/"),
        // The comment's id is opened too, but the comment acts on a topic: not a post.
        get("http://127.0.0.1:8000/comment/5/find/"),
        // A room's id is used in later paths, but never by what opens posts.
        post(
            "http://127.0.0.1:8000/api/rooms",
            ("application/json", r#"{"name":"lobby"}"#),
            201,
            &[],
            r#"{"id":4242}"#,
        ),
        post("http://127.0.0.1:8000/api/rooms/4242/join", ("application/json", "{}"), 200, &[], "{}"),
    ]);
    let yaml = generate_text(&entries);
    let private =
        "  post_topic_private_publish:    # POST /topic/private/publish/, recorded once\n    creates: post\n";
    assert!(yaml.contains(private), "{yaml}");
    assert_eq!(yaml.matches("creates:").count(), 1, "only the private topic: {yaml}");
    // Its posts carry the same fields as create_post's, so view_post can open either.
    assert!(yaml.contains("post_fields: [topic_id, topic_slug]"), "{yaml}");
    assert_eq!(yaml.matches("topic_id: { header: \"location\"").count(), 2, "{yaml}");
    assert!(yaml.contains("  create_post:    # POST /topic/publish/"), "{yaml}");
    assert!(yaml.contains("  view_post:    # GET /topic/{id}/{id}/, recorded 2×"), "{yaml}");
    crate::profile::parse(Path::new("t.yaml"), &yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
}

#[test]
fn recordings_with_nothing_to_replay_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("static.har");
    let only_static = django().into_iter().filter(|e| e.url.contains("cdn.")).collect::<Vec<_>>();
    std::fs::write(&path, har(&only_static)).expect("written");
    let err = generate(&path, &Options { origin: Some("http://127.0.0.1:8000".into()), name: "t".into() })
        .expect_err("nothing left");
    let message = err.to_string();
    assert!(
        message.contains("no request to http://127.0.0.1:8000 is left") && message.contains("(1 of them;"),
        "{message}"
    );
    let err = generate(&path, &Options { origin: Some("ftp://x/y".into()), name: "t".into() })
        .expect_err("bad origin");
    assert!(err.to_string().starts_with("--origin \"ftp://x/y\": not an origin"), "{err}");
    let output = generate(&path, &options()).expect_err("static only");
    assert!(output.to_string().contains("static assets"), "{output}");
}

/// Every CSRF token and session id spirit.har holds: cookies set, form fields sent (form
/// bodies and the multipart bodies of the page's scripts).
fn spirit_tokens() -> Vec<String> {
    let text = std::fs::read_to_string(fixture("spirit.har")).expect("fixture");
    let mut tokens = Vec::new();
    let patterns = [
        r"(?:csrftoken|sessionid)=([A-Za-z0-9]{16,})",
        r"csrfmiddlewaretoken=([A-Za-z0-9]{16,})",
        r#"name=\\"csrfmiddlewaretoken\\"\\r\\n\\r\\n([A-Za-z0-9]{16,})"#,
        r#""value": ?"([A-Za-z0-9]{32,})""#,
    ];
    for pattern in patterns {
        let regex = regex::Regex::new(pattern).expect("a valid regex");
        tokens.extend(regex.captures_iter(&text).map(|c| c[1].to_string()));
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

#[test]
fn the_spirit_skeleton_is_the_committed_fixture_without_recorded_tokens() {
    let output = generate(&fixture("spirit.har"), &Options { origin: None, name: "spirit".into() })
        .expect("a profile");
    let expected = std::fs::read_to_string(fixture("spirit.generated.yaml")).expect("fixture");
    // To regenerate: stampede profile from-har tests/fixtures/har/spirit.har --out tests/fixtures/har/spirit.generated.yaml
    assert!(
        output.yaml == expected,
        "from-har's output differs from spirit.generated.yaml:\n{}",
        output.yaml
    );
    let tokens = spirit_tokens();
    // Two logins' cookies and the masked tokens of each page: the test would pass vacuously without them.
    assert!(tokens.len() >= 10, "{tokens:?}");
    for token in &tokens {
        assert!(!expected.contains(token.as_str()), "a recorded token is left: {token}");
    }
    crate::profile::parse(Path::new("spirit.generated.yaml"), &expected).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn the_spirit_skeleton_takes_csrf_from_the_session_and_names_the_comment() {
    let yaml = std::fs::read_to_string(fixture("spirit.generated.yaml")).expect("fixture");
    // The lines of one action's body (indented by four), without the indent.
    let action = |name: &str| {
        let head = format!("  {name}:");
        let mut lines = yaml.lines().skip_while(|l| !l.starts_with(&head));
        assert!(lines.next().is_some(), "no {name}:\n{yaml}");
        let body: Vec<&str> = lines.take_while(|l| l.starts_with("    ")).map(|l| &l[4..]).collect();
        body.join("\n")
    };
    let login = action("login");
    assert!(login.contains("anonymous: true"), "{login}");
    assert!(
        login.contains("headers: { \"cookie\": \"csrftoken=StampedeReplayCsrfStampedeReplay\" }"),
        "{login}"
    );
    assert!(login.contains("\"csrfmiddlewaretoken\": \"StampedeReplayCsrfStampedeReplay\""), "{login}");
    assert!(login.contains("\"username\": \"{{handle}}\", \"password\": \"{{password}}\""), "{login}");
    // Django rotates the token on login: the login keeps the cookie later forms echo.
    assert!(login.contains("cookies: [csrftoken, sessionid]"), "{login}");
    let create_post = action("create_post");
    assert!(create_post.contains("\"csrfmiddlewaretoken\": \"{{cookie.csrftoken}}\""), "{create_post}");
    let comment = action("comment");
    assert!(comment.contains("path: \"/comment/{{target_post.topic_id}}/publish/\""), "{comment}");
    assert!(comment.contains("\"comment\": \"{{text}}\""), "{comment}");
    // The bookmark button's script posts multipart: parsed, its token the cookie's, not a comment.
    let bookmark = action("post_comment_bookmark_create");
    assert!(bookmark.contains("picks: post"), "{bookmark}");
    assert!(
        bookmark.contains("{ name: \"csrfmiddlewaretoken\", value: \"{{cookie.csrftoken}}\" }"),
        "{bookmark}"
    );
    // Nothing reads a page's masked token any more.
    assert!(!yaml.contains("csrfmiddlewaretoken: {"), "{yaml}");
}
