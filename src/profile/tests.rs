//! Unit tests of profile loading: the built-in profiles and line:column problems.

use super::*;

#[test]
fn the_reference_profile_loads_and_covers_every_action() {
    let profile = load("reference", Path::new(".")).expect("built-in profile is valid");
    for action in Action::ALL {
        assert!(profile.request(action).is_some(), "{action}");
    }
    let signup = profile.request(Action::Signup).expect("signup");
    assert!(signup.headers.is_empty(), "signup is anonymous");
    assert!(signup.is_success(201) && !signup.is_success(200));
    let follow = profile.request(Action::Follow).expect("follow");
    assert_eq!(follow.headers.len(), 1, "inherits the bearer header");
    let events = profile.room_events.as_ref().expect("rooms have a stream");
    assert_eq!(
        events.path.render(&|n: &str| (n == "room").then(|| "\"lobby\"".to_string())),
        "/api/rooms/lobby/events"
    );
    assert!(profile.room_leave.is_some());
}

#[test]
fn a_join_without_a_stream_is_refused() {
    let text = "name: p\nactions:\n  join_room: { method: POST, path: \"/r/{{room}}\" }\n";
    let problems = parse(Path::new("p.yaml"), text).expect_err("no stream").0;
    assert!(problems.iter().any(|p| p.to_string().contains("join_room has no stream")), "{problems:?}");
}

#[test]
fn the_bluesky_profile_writes_records_and_declares_appview_reads_unsupported() {
    let profile = load("bluesky-pds", Path::new(".")).expect("built-in profile is valid");
    let supported: Vec<&str> =
        Action::ALL.into_iter().filter(|a| profile.request(*a).is_some()).map(Action::name).collect();
    assert_eq!(supported, ["signup", "login", "upload_media", "create_post", "follow", "comment", "like"]);
    for action in [Action::ViewFeed, Action::ViewPost, Action::ViewUser] {
        assert!(profile.unsupported_reason(action).is_some_and(|r| r.contains("AppView")), "{action}");
    }
    for action in [Action::JoinRoom, Action::SendChat] {
        assert!(profile.unsupported_reason(action).is_some_and(|r| r.contains("no live chat")), "{action}");
    }
    assert_eq!(profile.user_fields, ["did"]);
    assert_eq!(profile.post_fields, ["uri", "cid"]);
    let upload = profile.request(Action::UploadMedia).expect("upload_media");
    assert!(
        matches!(&upload.body, Body::Generated { kind: GeneratedBody::Image, content_type } if content_type == "image/png")
    );
    // A native's post has no blob: the images embed is left out rather than sent empty.
    let post = profile.request(Action::CreatePost).expect("create_post");
    let Body::Json(body) = &post.body else { panic!("a JSON body") };
    let lookup = |name: &str| match name {
        "did" => Some("\"did:plc:abc\"".to_string()),
        "now" => Some(template::now()),
        _ => None,
    };
    let rendered = body.render(&lookup).expect("object");
    assert_eq!(rendered["repo"], "did:plc:abc");
    assert!(rendered["record"].get("embed").is_none(), "{rendered}");
}

#[test]
fn extracting_a_built_in_placeholder_is_refused() {
    let text =
        "name: p\nactions:\n  signup:\n    method: POST\n    path: /s\n    extract: { handle: /handle }\n";
    let problems = parse(Path::new("p.yaml"), text).expect_err("invalid").0;
    assert!(
        problems.iter().any(|p| p.to_string().contains("`handle` is a built-in placeholder")),
        "{problems:?}"
    );
}

#[test]
fn broken_profiles_fail_with_line_and_column() {
    let text = "name: broken\nactions:\n  signup:\n    method: FETCH\n    path: api/signup\n  dance:\n    method: GET\n    path: /x\n  like:\n    method: POST\n    path: /p/{{target_post.nope}}\n";
    let problems = parse(Path::new("p.yaml"), text).expect_err("invalid").0;
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(lines.iter().any(|l| l.starts_with("p.yaml:4:13: unsupported method `FETCH`")), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("p.yaml:5:11: path `api/signup` does not start")),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("p.yaml:6:3: unknown action `dance`")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("unknown placeholder `{{target_post.nope}}`")), "{lines:#?}");
}

#[test]
fn unsupported_actions_have_a_reason() {
    let text = "name: p\nactions: {}\nunsupported: { view_feed: needs an AppView }\n";
    let profile = parse(Path::new("p.yaml"), text).expect("valid");
    assert_eq!(profile.unsupported_reason(Action::ViewFeed).as_deref(), Some("needs an AppView"));
    assert!(profile.unsupported_reason(Action::Like).is_some_and(|r| r.contains("no request")));
}
