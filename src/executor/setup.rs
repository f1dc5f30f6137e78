//! Before the replay: check the target answers, and create the natives (accounts already
//! on the platform, and their posts) that newcomers follow and that react to them.
//!
//! In a segmented run (`--segment I/N`) each segment creates the natives it owns and logs
//! in as the others' (their handles and passwords are derived from the shared run id).
//!
//! Setup traffic is not part of the measured replay; it runs with bounded concurrency and
//! its own error count.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use std::sync::Arc;

use super::http::{self, Call, Payloads};
use crate::metrics::ErrorClass;
use crate::plan::Segment;
use crate::population::Population;
use crate::profile::Profile;
use crate::scenario::Action;
use crate::scenario::accounts::Accounts;

/// Concurrent requests during setup.
const SETUP_CONCURRENCY: usize = 16;

/// What setup did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetupSummary {
    pub natives: u32,
    pub posts: u32,
    pub errors: u32,
    /// Natives of other segments that could not be resolved before the start.
    pub unresolved: u32,
    pub elapsed: Duration,
}

/// Why the target cannot be replayed against.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the target at {url} does not answer: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the target at {url} failed the health check with a tls error: {why}")]
    Tls { url: String, why: String },
    #[error(
        "setting up natives failed: {failed} of {total} signups were refused by {url} (first status: {status})"
    )]
    Natives { url: String, failed: u32, total: u32, status: String },
    #[error("the profile has no `login` request: a segmented run cannot resolve other segments' natives")]
    NoLogin,
    #[error(
        "the profile has no `login` request: accounts from population.accounts or newcomer_accounts log in with it"
    )]
    NoLoginForAccounts,
}

/// Checks that the target answers its health request (or accepts a connection).
pub async fn preflight(
    client: &crate::net::Sender,
    base_url: &str,
    profile: &Profile,
    payloads: &Payloads,
    max_body_bytes: usize,
    timeout: Duration,
) -> Result<(), SetupError> {
    let unreachable = |reason: String| SetupError::Unreachable { url: base_url.to_string(), reason };
    match &profile.health {
        Some(request) => {
            let lookup = |_: &str| None;
            let call = Call {
                client,
                base_url,
                request,
                lookup: &lookup,
                payloads,
                body_size: 0,
                timeout,
                max_body_bytes,
            };
            let exchange = http::send(call).await;
            match (exchange.outcome, exchange.status) {
                (Ok(()), _) => Ok(()),
                (Err(class), Some(status)) => {
                    Err(unreachable(format!("health check answered {status} ({})", class.name())))
                }
                (Err(ErrorClass::Tls), None) => {
                    // Ask once more for the error itself: a TLS failure must say why.
                    let error = http::probe(client, base_url, timeout).await.err();
                    let why = error.as_deref().and_then(|e| crate::net::tls::explain(e));
                    let why = why.unwrap_or_else(|| "the handshake failed".to_string());
                    Err(SetupError::Tls { url: base_url.to_string(), why })
                }
                (Err(class), None) => Err(unreachable(format!("{} error", class.name()))),
            }
        }
        None => match http::probe(client, base_url, timeout).await {
            Ok(()) => Ok(()),
            Err(e) => match crate::net::tls::explain(&*e) {
                Some(why) => Err(SetupError::Tls { url: base_url.to_string(), why }),
                None => Err(unreachable(crate::net::error_chain(&*e))),
            },
        },
    }
}

/// Natives of a run: how many, and which of them this process creates.
#[derive(Debug, Clone)]
pub struct NativePlan {
    /// Natives of the whole run (all segments).
    pub count: u32,
    /// This process signs up (and posts for) the natives it owns; the others are created by
    /// other segments and resolved by logging in with their deterministic handles.
    pub segment: Segment,
    /// How long to keep retrying logins of natives another segment has not created yet.
    pub resolve_until: Instant,
    /// With several targets, the one replayed here: only its natives exist on it.
    pub target: Option<crate::scenario::TargetShare>,
    /// Pre-provisioned accounts (`population.accounts`): native `i` logs in as row `i`.
    pub accounts: Option<Arc<Accounts>>,
}

/// Whose credentials a setup signup or login sends for native `i`.
#[derive(Debug, Clone)]
enum Credentials {
    /// `{nonce}t{i}` and `pw-{handle}`, the same in every segment of a run.
    Derived(String),
    /// Row `i` of the accounts file; its extra columns too.
    Listed(Arc<Accounts>),
}

impl Credentials {
    fn lookup(&self, i: u32, name: &str) -> Option<String> {
        let text = |s: &str| Some(serde_json::Value::String(s.to_string()).to_string());
        match self {
            Self::Derived(nonce) => match name {
                "handle" => text(&format!("{nonce}t{i}")),
                "email" => text(&format!("{nonce}t{i}@example.test")),
                "password" => text(&format!("pw-{nonce}t{i}")),
                _ => None,
            },
            Self::Listed(accounts) => accounts.value(i as usize, name).and_then(text),
        }
    }
}

impl NativePlan {
    /// Whether native `i` lives on this process's target.
    fn on_target(&self, i: u32) -> bool {
        self.target.as_ref().is_none_or(|t| t.owns_native(u64::from(i)))
    }
}

/// Pause between rounds of logins for natives other segments have not created yet.
const RESOLVE_PAUSE: Duration = Duration::from_millis(250);

/// Creates this segment's natives (with `posts_each` posts each) and resolves the other
/// segments' natives by logging in as them, so native `i` is account `i` of the population
/// in every segment (a native that could not be created or resolved is left out).
///
/// Handles are `{nonce}t{i}` and passwords `pw-{handle}`, so every segment of a run (same
/// nonce) knows every native's credentials without talking to the others.
pub async fn natives(
    endpoint: &Endpoint<'_>,
    population: &Population,
    nonce: &str,
    natives: NativePlan,
    posts_each: impl Fn(u32) -> u32,
) -> Result<SetupSummary, SetupError> {
    let Endpoint { base_url, profile, .. } = *endpoint;
    let started = Instant::now();
    let mut summary = SetupSummary::default();
    let count = natives.count;
    // Listed accounts exist already: every segment logs in as all of its target's natives.
    let (credentials, action) = match &natives.accounts {
        Some(_) if count > 0 && profile.request(Action::Login).is_none() => {
            return Err(SetupError::NoLoginForAccounts);
        }
        Some(listed) => (Credentials::Listed(listed.clone()), Action::Login),
        None => (Credentials::Derived(nonce.to_string()), Action::Signup),
    };
    let listed = natives.accounts.is_some();
    let (Some(request), true) = (profile.request(action), count > 0) else {
        return Ok(summary);
    };
    let own: Vec<u32> = (0..count)
        .filter(|&i| natives.on_target(i) && (listed || natives.segment.owns(u64::from(i))))
        .collect();
    let mut accounts: Vec<Option<Vec<String>>> = vec![None; count as usize];
    let mut first_status = String::from("none");
    for (i, result) in account_calls(endpoint, request, &credentials, &own).await {
        match result {
            Ok(values) => accounts[i as usize] = Some(values),
            Err(status) => {
                if summary.errors == 0 {
                    first_status = status;
                }
                summary.errors += 1;
            }
        }
    }
    if !own.is_empty() && summary.errors == own.len() as u32 {
        let total = own.len() as u32;
        return Err(SetupError::Natives {
            url: base_url.to_string(),
            failed: total,
            total,
            status: first_status,
        });
    }
    if !natives.segment.is_whole() && !listed {
        let foreign: Vec<u32> =
            (0..count).filter(|&i| natives.on_target(i) && !natives.segment.owns(u64::from(i))).collect();
        summary.unresolved =
            resolve_foreign(endpoint, nonce, foreign, natives.resolve_until, &mut accounts).await?;
    }
    let mut kept = Vec::new();
    for (i, values) in accounts.into_iter().enumerate() {
        if let Some(values) = values {
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            population.add_user(&refs);
            kept.push((i as u32, values));
        }
    }
    summary.natives = kept.len() as u32;
    // Only the natives this segment created post: together the segments create each
    // native's posts exactly once.
    let posters: Vec<(u32, u32, Vec<String>)> = (kept.into_iter().enumerate())
        .filter(|(_, (i, _))| natives.segment.owns(u64::from(*i)))
        .map(|(position, (i, values))| (position as u32, posts_each(i), values))
        .collect();
    summary.posts = native_posts(endpoint, population, &posters, &mut summary.errors).await;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Logs in as the natives other segments create, in rounds until all are resolved or
/// `until` passes; returns how many stayed unresolved.
async fn resolve_foreign(
    endpoint: &Endpoint<'_>,
    nonce: &str,
    mut pending: Vec<u32>,
    until: Instant,
    accounts: &mut [Option<Vec<String>>],
) -> Result<u32, SetupError> {
    let Some(login) = endpoint.profile.request(Action::Login) else {
        return Err(SetupError::NoLogin);
    };
    while !pending.is_empty() {
        let mut missing = Vec::new();
        let credentials = Credentials::Derived(nonce.to_string());
        for (i, result) in account_calls(endpoint, login, &credentials, &pending).await {
            match result {
                Ok(values) => accounts[i as usize] = Some(values),
                Err(_) => missing.push(i),
            }
        }
        missing.sort_unstable();
        pending = missing;
        if pending.is_empty() || Instant::now() + RESOLVE_PAUSE >= until {
            break;
        }
        tokio::time::sleep(RESOLVE_PAUSE).await;
    }
    if !pending.is_empty() {
        tracing::warn!(unresolved = pending.len(), "natives of other segments were not found in time");
    }
    Ok(pending.len() as u32)
}

/// Sends `request` (signup or login) for natives `numbers` in parallel batches; returns each
/// native's user record (an extracted value, else the accounts file's column of that name),
/// or the status that refused it.
async fn account_calls(
    endpoint: &Endpoint<'_>,
    request: &crate::profile::Request,
    credentials: &Credentials,
    numbers: &[u32],
) -> Vec<(u32, Result<Vec<String>, String>)> {
    let Endpoint { client, base_url, profile, payloads, max_body_bytes } = *endpoint;
    let names = &profile.user_record;
    let mut out = Vec::with_capacity(numbers.len());
    for batch in numbers.chunks(SETUP_CONCURRENCY) {
        let mut tasks = JoinSet::new();
        for &i in batch {
            let (client, base_url, request, payloads, credentials) = (
                client.clone(),
                base_url.to_string(),
                request.clone(),
                payloads.clone(),
                credentials.clone(),
            );
            tasks.spawn(async move {
                let lookup = |name: &str| credentials.lookup(i, name);
                let call = Call {
                    client: &client,
                    base_url: &base_url,
                    request: &request,
                    lookup: &lookup,
                    payloads: &payloads,
                    body_size: 0,
                    timeout: Duration::from_secs(30),
                    max_body_bytes,
                };
                (i, http::send(call).await)
            });
        }
        while let Some(Ok((i, exchange))) = tasks.join_next().await {
            let result = if exchange.outcome.is_ok() {
                let value = |n: &String| match extracted(&exchange.extracted, n) {
                    found if found.is_empty() => credentials.lookup(i, n).unwrap_or_default(),
                    found => found,
                };
                Ok(names.iter().map(value).collect())
            } else {
                Err(exchange.status.map_or_else(|| "no response".to_string(), |s| s.to_string()))
            };
            out.push((i, result));
        }
    }
    out
}

/// The extracted value `name`, or empty.
fn extracted(values: &[(String, String)], name: &str) -> String {
    values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Where setup requests go, and the run's payload material.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    pub client: &'a crate::net::Sender,
    pub base_url: &'a str,
    pub profile: &'a Profile,
    pub payloads: &'a Payloads,
    /// Responses larger than this fail (`--max-body`), so setup memory stays bounded too.
    pub max_body_bytes: usize,
}

/// Creates the natives' posts: `(population position, posts, user record)` per native;
/// returns how many were created.
async fn native_posts(
    endpoint: &Endpoint<'_>,
    population: &Population,
    posters: &[(u32, u32, Vec<String>)],
    errors: &mut u32,
) -> u32 {
    let Endpoint { client, base_url, profile, payloads, max_body_bytes } = *endpoint;
    let Some(create) = profile.request(Action::CreatePost) else { return 0 };
    let mut created = 0;
    let jobs: Vec<(u32, &Vec<String>)> =
        posters.iter().flat_map(|(user, posts, values)| (0..*posts).map(move |_| (*user, values))).collect();
    for batch in jobs.chunks(SETUP_CONCURRENCY) {
        let mut tasks = JoinSet::new();
        for &(user, values) in batch {
            let (client, base_url, create, payloads, names, values) = (
                client.clone(),
                base_url.to_string(),
                create.clone(),
                payloads.clone(),
                profile.user_record.clone(),
                values.clone(),
            );
            tasks.spawn(async move {
                let lookup = |name: &str| match name {
                    "text" => Some("\"hello from a native\"".to_string()),
                    _ => names.iter().position(|n| n == name).map(|i| values[i].clone()),
                };
                let call = Call {
                    client: &client,
                    base_url: &base_url,
                    request: &create,
                    lookup: &lookup,
                    payloads: &payloads,
                    body_size: 0,
                    timeout: Duration::from_secs(30),
                    max_body_bytes,
                };
                (user, http::send(call).await)
            });
        }
        while let Some(Ok((user, exchange))) = tasks.join_next().await {
            if exchange.outcome.is_ok() {
                let fields: Vec<String> =
                    profile.post_fields.iter().map(|f| extracted(&exchange.extracted, f)).collect();
                let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                population.add_post(crate::population::UserRef(user), &refs);
                created += 1;
            } else {
                *errors += 1;
            }
        }
    }
    created
}
