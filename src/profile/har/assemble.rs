//! From recorded exchanges to a profile's content: requests grouped into actions (method
//! and path with ids generalised), the roles the recording shows (who signs up, what
//! creates the posts others act on), and each value from a response given its
//! placeholder: an extract on the action that answered it, `{{target_post.F}}` where a
//! later action acts on a created post, `{{token}}` for a bearer token.

use std::collections::{BTreeMap, BTreeSet};

use super::credentials;
use super::csrf;
use super::filter::Exchange;
use super::generated::{Action, Generated};
use super::posts::{self, creates_user};
use super::request::{Draft, Templater, Use};
use super::shape;
use super::sources::{How, Responses, Source};
use crate::profile::spec::Role;

/// Last path words of a health check (sent as the profile's `health`, not an action).
const HEALTH_WORDS: &[&str] = &["health", "healthz", "livez", "readyz", "ping"];

/// Groups `exchanges` into actions and resolves every placeholder.
pub fn assemble(exchanges: &[Exchange]) -> Generated {
    let responses = Responses::new(exchanges);
    let secrets = credentials::secrets(exchanges);
    let mut sources = Vec::new();
    let mut actions: Vec<Action> = Vec::new();
    let mut action_of = Vec::with_capacity(exchanges.len());
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let (mut uses, mut bearer) = (Vec::with_capacity(exchanges.len()), BTreeSet::new());
    let mut fixed_csrf = None;
    for index in 0..exchanges.len() {
        let mut draft = Templater { responses: &responses, secrets: &secrets, sources: &mut sources }
            .draft(exchanges, index);
        if let Some(csrf::Rewrite::Fixed(cookie)) = csrf::apply(&mut draft, &exchanges[index]) {
            fixed_csrf = Some(cookie);
        }
        uses.push(draft.uses.clone());
        bearer.extend((draft.headers.iter()).filter(|(name, _)| name == "authorization").filter_map(
            |(_, value)| value.strip_prefix("Bearer {{@")?.strip_suffix("}}")?.parse::<usize>().ok(),
        ));
        let shape = shape_of(&draft);
        let graphql = match &draft.body {
            super::request::BodyDraft::Graphql { query, .. } => super::naming::operation(query),
            _ => String::new(),
        };
        let next = actions.len();
        let at = *keys.entry(format!("{shape} {graphql}")).or_insert(next);
        if at == next {
            let status = exchanges[index].status;
            actions.push(Action {
                name: String::new(),
                builtin: false,
                shape,
                occurrences: 0,
                draft,
                status,
                creates: None,
                picks: None,
                anonymous: false,
                extract: Vec::new(),
                cookies: Vec::new(),
            });
        }
        actions[at].occurrences += 1;
        action_of.push(at);
    }
    let health = actions.iter().position(|a| {
        let word = a.shape.rsplit('/').find(|s| !s.is_empty()).unwrap_or("");
        a.draft.method == "GET" && (200..300).contains(&a.status) && HEALTH_WORDS.contains(&word)
    });
    let mut generated = Generated {
        health: None,
        authorization: None,
        env: Vec::new(),
        user_fields: Vec::new(),
        post_fields: Vec::new(),
        follow_redirects: !exchanges.iter().any(|e| (300..400).contains(&e.status)),
        actions: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(cookie) = fixed_csrf {
        generated.notes.push(format!(
            "signing up and logging in send their own CSRF pair (a fixed `{cookie}` cookie and the same\n  \
             value in the form), which a double-submit check such as Django's accepts"
        ));
    }
    let creators = posts::creators(
        &actions,
        &posts::Uses { action_of: &action_of, sources: &sources, uses: &uses },
        health,
    );
    let recorded =
        Recorded { exchanges, action_of: &action_of, sources: &sources, uses: &uses, bearer: &bearer };
    resolve(&mut actions, &recorded, &creators, health, &mut generated);
    // Another post creator adds posts only if it extracts every post field, as create_post does.
    for &a in creators.iter().skip(1) {
        let extracts = |field: &String| actions[a].extract.iter().any(|(n, _)| n == field);
        if generated.post_fields.iter().all(extracts) {
            actions[a].creates = Some(Role::Post);
        }
    }
    let post_creator = creators.first().copied();
    align_accounts(&mut actions, &responses);
    keep_cookies(&mut actions, &action_of, exchanges, health);
    authorization(&mut actions, &mut generated);
    if let Some(h) = health {
        generated.health = Some(actions[h].clone());
    }
    let mut post_creator = post_creator;
    let mut kept = Vec::new();
    for (i, action) in actions.into_iter().enumerate() {
        if Some(i) == health {
            continue;
        }
        if post_creator == Some(i) {
            post_creator = Some(kept.len());
        }
        kept.push(action);
    }
    super::naming::assign(&mut kept, post_creator);
    generated.actions = kept;
    generated
}

/// `METHOD /path/{id}`: the path without its query, ids and values from responses
/// generalised.
fn shape_of(draft: &Draft) -> String {
    let path = draft.path.split('?').next().unwrap_or("");
    let generalised = shape::generalise(path, &|segment| segment.contains("{{"));
    format!("{} {generalised}", draft.method)
}

/// What every recorded request sent, for [`resolve`]: the uses of response values (of
/// each occurrence, not only the templates: a login's token is used after it) and the
/// sources used as bearer tokens.
struct Recorded<'a> {
    exchanges: &'a [Exchange],
    action_of: &'a [usize],
    sources: &'a [Source],
    uses: &'a [Vec<Use>],
    bearer: &'a BTreeSet<usize>,
}

/// Gives each use of a response value its placeholder, adding the extracts, the user and
/// post fields and the actions' `picks`.
fn resolve(
    actions: &mut [Action],
    recorded: &Recorded<'_>,
    post_creators: &[usize],
    health: Option<usize>,
    generated: &mut Generated,
) {
    let (action_of, sources) = (recorded.action_of, recorded.sources);
    let mut names: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for (e, uses) in recorded.uses.iter().enumerate() {
        let b = action_of[e];
        let template = actions[b].draft.exchange == e;
        // The account a request acts as: the last one signed up or logged in before it.
        let me = (0..e).rev().find(|&x| creates_user(&actions[action_of[x]]));
        let mut replacements = Vec::new();
        for u in uses {
            let source = &sources[u.source];
            let a = action_of[source.exchange];
            if Some(a) == health || a == b {
                replacements.push((u.source, u.value.clone()));
                continue;
            }
            // Posts' fields share names, whichever action created the post.
            let group = if creates_user(&actions[a]) {
                "user".to_string()
            } else if post_creators.contains(&a) {
                "post".to_string()
            } else {
                a.to_string()
            };
            let field = (names.entry((group, format!("{:?}", source.how))))
                .or_insert_with(|| {
                    let wanted = if recorded.bearer.contains(&u.source) {
                        "token".into()
                    } else {
                        field_name(source, &actions[a], recorded.exchanges)
                    };
                    shape::unique(&wanted, &mut taken)
                })
                .clone();
            let placeholder = if let How::Cookie(cookie) = &source.how {
                push_new(&mut actions[a].cookies, cookie.clone());
                format!("cookie.{cookie}")
            } else {
                if !actions[a].extract.iter().any(|(n, _)| *n == field) {
                    actions[a].extract.push((field.clone(), source.how.clone()));
                }
                let picks = actions[b].picks;
                if !template {
                    field
                } else if creates_user(&actions[a])
                    && u.in_path
                    && me != Some(source.exchange)
                    && picks.is_none()
                {
                    actions[b].picks = Some(Role::User);
                    push_new(&mut generated.user_fields, field.clone());
                    format!("target_user.{field}")
                } else if post_creators.contains(&a) && picks.is_none_or(|p| p == Role::Post) {
                    actions[b].picks = Some(Role::Post);
                    push_new(&mut generated.post_fields, field.clone());
                    format!("target_post.{field}")
                } else {
                    field
                }
            };
            replacements.push((u.source, format!("{{{{{placeholder}}}}}")));
        }
        for (source, with) in replacements.into_iter().filter(|_| template) {
            actions[b].draft.replace(&format!("{{{{@{source}}}}}"), &with);
        }
    }
}

/// The name of a value read from `action`'s answer: `post_id` for the `/id` of `POST
/// /api/posts`, `token` for a `/token`, `topic_id` for `/topic/(\d+)` in a `Location`.
fn field_name(source: &Source, action: &Action, exchanges: &[Exchange]) -> String {
    let resource = if creates_user(action) {
        "user".to_string()
    } else {
        let target = exchanges[source.exchange].target.split('?').next().unwrap_or("").to_string();
        target
            .rsplit('/')
            .find(|s| !s.is_empty() && !shape::is_id(s))
            .map(shape::resource)
            .unwrap_or_default()
    };
    let with_id =
        |word: &str| if word.is_empty() { "value".to_string() } else { format!("{}_id", shape::snake(word)) };
    let name = match &source.how {
        How::Pointer(pointer) => {
            let last = pointer.rsplit('/').find(|s| s.parse::<usize>().is_err()).unwrap_or("");
            if last.is_empty() || last == "id" { with_id(&resource) } else { shape::snake(last) }
        }
        How::Header { regex: Some(regex), .. } | How::Text(regex) => {
            let field = regex.split("name=\"").nth(1).and_then(|r| r.split('"').next());
            let word = super::sources::regex_word(regex);
            match field {
                Some(field) => shape::snake(field),
                None if regex.ends_with(r"(\d+)") => with_id(&word),
                None => format!("{}_slug", if word.is_empty() { "value" } else { &word }),
            }
        }
        How::Header { name, regex: None } => shape::snake(name),
        How::Cookie(name) => name.clone(),
    };
    // A name the executor provides would be replaced by the extract.
    if crate::profile::BUILT_IN_VARS.contains(&name.as_str()) { format!("account_{name}") } else { name }
}

/// Signup and login answer with the same account fields: what one extracts (the token, the
/// user id) the other does too, where its answer has it, so both kinds of journeys carry them.
fn align_accounts(actions: &mut [Action], responses: &Responses<'_>) {
    let accounts: Vec<usize> = (0..actions.len()).filter(|&a| creates_user(&actions[a])).collect();
    let wanted: Vec<(String, How)> = accounts.iter().flat_map(|&a| actions[a].extract.clone()).collect();
    for &a in &accounts {
        for (name, how) in &wanted {
            let How::Pointer(pointer) = how else { continue };
            let action = &mut actions[a];
            if !action.extract.iter().any(|(n, _)| n == name)
                && responses.has_pointer(action.draft.exchange, pointer)
            {
                action.extract.push((name.clone(), how.clone()));
            }
        }
    }
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Cookies a request sent are kept by the action whose answer gave them the value sent
/// (Django sets `csrftoken` on the login page and again, rotated, on the login: the login
/// keeps it); a value no answer carried, by the first answer that set the name.
fn keep_cookies(actions: &mut [Action], action_of: &[usize], exchanges: &[Exchange], health: Option<usize>) {
    let sent: Vec<(usize, String)> = (actions.iter())
        .flat_map(|a| a.draft.sent_cookies.iter().map(|c| (a.draft.exchange, c.clone())))
        .collect();
    for (exchange, cookie) in sent {
        let value = super::model::header(&exchanges[exchange].headers, "cookie").and_then(|header| {
            let sent =
                ::cookie::Cookie::split_parse(header.to_string()).flatten().find(|c| c.name() == cookie);
            sent.map(|c| c.value().to_string())
        });
        let sets = |e: usize, same_value: bool| {
            exchanges[e]
                .set_cookies
                .iter()
                .any(|(n, v)| *n == cookie && (!same_value || Some(v) == value.as_ref()))
        };
        let setter =
            (0..exchange).find(|&e| sets(e, true)).or_else(|| (0..exchange).find(|&e| sets(e, false)));
        if let Some(setter) = setter.map(|e| action_of[e]).filter(|a| Some(*a) != health) {
            push_new(&mut actions[setter].cookies, cookie);
        }
    }
}

/// A bearer token from a response becomes the profile's `authorization` header; requests
/// sent without it and without a kept cookie become `anonymous`.
fn authorization(actions: &mut [Action], generated: &mut Generated) {
    let token = "Bearer {{token}}";
    let mut literal = false;
    for action in actions.iter_mut() {
        for (_, value) in action.draft.headers.iter_mut().filter(|(n, _)| n == "authorization") {
            if value.starts_with("Bearer ") && !value.contains("{{") {
                *value = "Bearer {{env.STAMPEDE_TOKEN}}".into();
                literal = true;
            }
        }
    }
    if literal {
        generated.env.push("STAMPEDE_TOKEN".into());
        generated
            .notes
            .push("a bearer token that no recorded response carried is read from $STAMPEDE_TOKEN".into());
    }
    let uses_token =
        actions.iter().any(|a| a.draft.headers.iter().any(|(n, v)| n == "authorization" && v == token));
    if uses_token {
        generated.authorization = Some(token.into());
    }
    let kept: BTreeSet<String> = actions.iter().flat_map(|a| a.cookies.clone()).collect();
    let defaults = uses_token || !kept.is_empty();
    for action in actions.iter_mut() {
        let authorized = action.draft.headers.iter().any(|(n, v)| n == "authorization" && v == token)
            || action.draft.sent_cookies.iter().any(|c| kept.contains(c));
        action.anonymous = defaults && !authorized;
        if uses_token {
            action.draft.headers.retain(|(n, v)| !(n == "authorization" && v == token));
        }
    }
}
