//! Checks of a journey's room steps (`join_room`, `send_chat`) and of room names, part of
//! a scenario's semantic checks (`validate`).

use super::limits;
use super::model::{Action, DEFAULT_ROOM, StepSpec};
use crate::source::problem::{DocPath, Findings};

/// Room names: the reference platform's rule, so a scenario cannot name an unusable room.
pub fn valid_room_name(name: &str) -> bool {
    (3..=30).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Checks a step's room fields: `stay`/`messages` only on `join_room` (which needs a
/// positive `stay`), and `send_chat` only into a room joined by an earlier step.
pub(super) fn room_step<'a>(
    step: &'a StepSpec,
    joined: &mut Vec<&'a str>,
    at: &DocPath,
    findings: &mut Findings,
) {
    let room = step.room.as_deref();
    if let Some(name) = room {
        findings.check(
            valid_room_name(name),
            &at.key("room"),
            || format!("`{name}` cannot name a room"),
            "3 to 30 characters of A-Z, a-z, 0-9, _ or -",
        );
        findings.check(
            matches!(step.action, Action::JoinRoom | Action::SendChat),
            &at.key("room"),
            || format!("`{}` does not use a room", step.action),
            "room only on join_room and send_chat",
        );
    }
    for (field, set) in [("stay", step.stay.is_some()), ("messages", step.messages.is_some())] {
        findings.check(
            !set || step.action == Action::JoinRoom,
            &at.key(field),
            || format!("`{field}` is only for join_room, not `{}`", step.action),
            "remove it, or make the step a join_room",
        );
    }
    match step.action {
        Action::JoinRoom => {
            joined.push(room.unwrap_or(DEFAULT_ROOM));
            match &step.stay {
                Some(stay) => {
                    stay.validate(&at.key("stay"), findings);
                    findings.check(
                        stay.mean_s() > 0.0,
                        &at.key("stay"),
                        || "the stay is zero: the member would leave as it joins".into(),
                        "a stay with a positive mean, e.g. `{ exponential: { mean: 30m } }`",
                    );
                }
                None => findings.add(
                    &at.key("action"),
                    "join_room needs a `stay`",
                    "a `stay:` distribution, e.g. `{ exponential: { mean: 30m } }` (curve time)",
                ),
            }
            if let Some(messages) = &step.messages {
                messages.validate_within(
                    &at.key("messages"),
                    limits::MAX_MESSAGES,
                    "messages per stay",
                    findings,
                );
            }
        }
        Action::SendChat => {
            let ok = match room {
                Some(name) => joined.contains(&name),
                None => !joined.is_empty(),
            };
            findings.check(
                ok,
                &at.key("action"),
                || match room {
                    Some(name) => format!("send_chat into `{name}`, which no earlier step joins"),
                    None => "send_chat without a join_room earlier in the journey".to_string(),
                },
                "a join_room step before it (in the same journey)",
            );
        }
        _ => {}
    }
}
