//! Unit tests of profile loading: the built-in profiles and line:column problems.

use super::*;

#[test]
fn the_reference_profile_loads_and_covers_every_action() {
    let profile = load("reference", Origin::CommandLine { scenario_dir: Path::new(".") })
        .expect("built-in profile is valid");
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
fn the_bluesky_profile_writes_records_reads_them_back_and_declares_appview_reads_unsupported() {
    let profile = load("bluesky-pds", Origin::CommandLine { scenario_dir: Path::new(".") })
        .expect("built-in profile is valid");
    let supported: Vec<&str> =
        Action::ALL.into_iter().filter(|a| profile.request(*a).is_some()).map(Action::name).collect();
    assert_eq!(
        supported,
        [
            "signup",
            "login",
            "upload_media",
            "create_post",
            "follow",
            "comment",
            "like",
            "view_post",
            "view_user"
        ]
    );
    assert!(profile.unsupported_reason(Action::ViewFeed).is_some_and(|r| r.contains("AppView")));
    for action in [Action::JoinRoom, Action::SendChat] {
        assert!(profile.unsupported_reason(action).is_some_and(|r| r.contains("no live chat")), "{action}");
    }
    assert_eq!(profile.user_fields, ["did"]);
    assert_eq!(profile.post_fields, ["uri", "cid", "repo", "rkey"]);
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
    let text = "name: broken\nactions:\n  signup:\n    method: FETCH\n    path: api/signup\n  Dance:\n    method: GET\n    path: /x\n  like:\n    method: POST\n    path: /p/{{target_post.nope}}\n";
    let problems = parse(Path::new("p.yaml"), text).expect_err("invalid").0;
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(lines.iter().any(|l| l.starts_with("p.yaml:4:13: unsupported method `FETCH`")), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("p.yaml:5:11: path `api/signup` does not start")),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("p.yaml:6:3: `Dance` is not an action name")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("unknown placeholder `{{target_post.nope}}`")), "{lines:#?}");
}

#[test]
fn unsupported_actions_have_a_reason() {
    let text = "name: p\nactions: {}\nunsupported: { view_feed: needs an AppView }\n";
    let profile = parse(Path::new("p.yaml"), text).expect("valid");
    assert_eq!(profile.unsupported_reason(Action::ViewFeed).as_deref(), Some("needs an AppView"));
    assert!(profile.unsupported_reason(Action::Like).is_some_and(|r| r.contains("no request")));
}

#[test]
fn header_values_with_line_breaks_or_nul_are_refused() {
    for value in ["\"a\\r\\nX-Injected: 1\"", "\"a\\nb\"", "\"a\\0b\""] {
        let text = format!(
            "name: p\nheaders: {{ X-Ok: fine }}\nactions:\n  signup:\n    method: POST\n    path: /s\n    headers: {{ X-Bad: {value} }}\n"
        );
        let problems = parse(Path::new("p.yaml"), &text).expect_err("invalid").0;
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(lines[0].starts_with("p.yaml:7:"), "{lines:#?}");
        assert!(lines[0].contains("header `X-Bad` holds a CR, LF or NUL"), "{lines:#?}");
    }
}

#[test]
fn a_profile_that_is_not_a_mapping_is_refused_without_quoting_it() {
    let problems = parse(Path::new(".env"), "API_KEY=hunter2 SECRET=swordfish\n").expect_err("not a map").0;
    let text = Problems(problems).to_string();
    assert!(text.contains("the profile is not a YAML mapping"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn a_scenario_target_stays_in_the_scenario_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("s.yaml");
    let origin = Origin::Scenario { scenario_dir: dir.path(), scenario: &scenario };
    for target in ["/proc/self/environ", "../p.yaml"] {
        let text = load(target, origin).expect_err("refused").to_string();
        assert!(text.starts_with(&format!("{}: target: the path", scenario.display())), "{text}");
    }
    std::fs::write(dir.path().join("p.yaml"), "name: p\nactions: {}\n").expect("written");
    assert!(load("p.yaml", origin).is_ok());
}
