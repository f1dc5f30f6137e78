//! Before the replay: check the target answers, and create the natives (accounts already
//! on the platform, and their posts) that newcomers follow and that react to them.
//!
//! Setup traffic is not part of the measured replay; it runs with bounded concurrency and
//! its own error count.

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::http::{self, Call, Payloads};
use crate::population::Population;
use crate::profile::Profile;
use crate::scenario::Action;

/// Concurrent requests during setup.
const SETUP_CONCURRENCY: usize = 16;

/// What setup did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetupSummary {
    pub natives: u32,
    pub posts: u32,
    pub errors: u32,
    pub elapsed: Duration,
}

/// Why the target cannot be replayed against.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the target at {url} does not answer: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "setting up natives failed: {failed} of {total} signups were refused by {url} (first status: {status})"
    )]
    Natives { url: String, failed: u32, total: u32, status: String },
}

/// Checks that the target answers its health request (or accepts a connection).
pub async fn preflight(
    client: &reqwest::Client,
    base_url: &str,
    profile: &Profile,
    payloads: &Payloads,
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
                timeout: Duration::from_secs(5),
            };
            let exchange = http::send(call).await;
            match (exchange.outcome, exchange.status) {
                (Ok(()), _) => Ok(()),
                (Err(class), Some(status)) => {
                    Err(unreachable(format!("health check answered {status} ({})", class.name())))
                }
                (Err(class), None) => Err(unreachable(format!("{} error", class.name()))),
            }
        }
        None => match client.get(base_url).timeout(Duration::from_secs(5)).send().await {
            Ok(_) => Ok(()),
            Err(e) => Err(unreachable(e.to_string())),
        },
    }
}

/// Creates `count` natives with `posts_each` posts each. Natives become accounts
/// `0..count` of the population, in order.
pub async fn natives(
    endpoint: &Endpoint<'_>,
    population: &Population,
    nonce: &str,
    count: u32,
    posts_each: impl Fn(u32) -> u32,
) -> Result<SetupSummary, SetupError> {
    let Endpoint { client, base_url, profile, payloads } = *endpoint;
    let started = Instant::now();
    let mut summary = SetupSummary::default();
    let (Some(signup), true) = (profile.request(Action::Signup), count > 0) else {
        return Ok(summary);
    };
    let names = &profile.user_record;
    // Signups in parallel batches; accounts are added in index order afterwards so that
    // native i is account i whatever order responses came in.
    let mut accounts: Vec<Option<Vec<String>>> = vec![None; count as usize];
    let mut first_status = String::from("none");
    for batch_start in (0..count).step_by(SETUP_CONCURRENCY) {
        let mut tasks = JoinSet::new();
        for i in batch_start..(batch_start + SETUP_CONCURRENCY as u32).min(count) {
            let (client, base_url, signup, payloads) =
                (client.clone(), base_url.to_string(), signup.clone(), payloads.clone());
            let handle = format!("{nonce}t{i}");
            tasks.spawn(async move {
                let lookup = |name: &str| match name {
                    "handle" => Some(format!("\"{handle}\"")),
                    "email" => Some(format!("\"{handle}@example.test\"")),
                    "password" => Some(format!("\"pw-{handle}\"")),
                    _ => None,
                };
                let call = Call {
                    client: &client,
                    base_url: &base_url,
                    request: &signup,
                    lookup: &lookup,
                    payloads: &payloads,
                    body_size: 0,
                    timeout: Duration::from_secs(30),
                };
                (i, http::send(call).await)
            });
        }
        while let Some(Ok((i, exchange))) = tasks.join_next().await {
            if exchange.outcome.is_ok() {
                let values = names
                    .iter()
                    .map(|n| {
                        exchange
                            .extracted
                            .iter()
                            .find(|(k, _)| k == n)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    })
                    .collect();
                accounts[i as usize] = Some(values);
            } else {
                if summary.errors == 0 {
                    first_status =
                        exchange.status.map_or_else(|| "no response".to_string(), |s| s.to_string());
                }
                summary.errors += 1;
            }
        }
    }
    if summary.errors == count {
        return Err(SetupError::Natives {
            url: base_url.to_string(),
            failed: count,
            total: count,
            status: first_status,
        });
    }
    let accounts: Vec<Vec<String>> = accounts.into_iter().flatten().collect();
    for values in &accounts {
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        population.add_user(&refs);
    }
    summary.natives = accounts.len() as u32;
    summary.posts = native_posts(endpoint, population, &accounts, &posts_each, &mut summary.errors).await;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Where setup requests go, and the run's payload material.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    pub client: &'a reqwest::Client,
    pub base_url: &'a str,
    pub profile: &'a Profile,
    pub payloads: &'a Payloads,
}

/// Creates the natives' posts; returns how many were created.
async fn native_posts(
    endpoint: &Endpoint<'_>,
    population: &Population,
    accounts: &[Vec<String>],
    posts_each: &impl Fn(u32) -> u32,
    errors: &mut u32,
) -> u32 {
    let Endpoint { client, base_url, profile, payloads } = *endpoint;
    let Some(create) = profile.request(Action::CreatePost) else { return 0 };
    let mut created = 0;
    let jobs: Vec<(u32, u32)> =
        (0..accounts.len() as u32).flat_map(|u| (0..posts_each(u)).map(move |p| (u, p))).collect();
    for batch in jobs.chunks(SETUP_CONCURRENCY) {
        let mut tasks = JoinSet::new();
        for &(user, _) in batch {
            let values = accounts[user as usize].clone();
            let (client, base_url, create, payloads, names) = (
                client.clone(),
                base_url.to_string(),
                create.clone(),
                payloads.clone(),
                profile.user_record.clone(),
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
                };
                (user, http::send(call).await)
            });
        }
        while let Some(Ok((user, exchange))) = tasks.join_next().await {
            if exchange.outcome.is_ok() {
                let fields: Vec<String> = profile
                    .post_fields
                    .iter()
                    .map(|f| {
                        exchange
                            .extracted
                            .iter()
                            .find(|(k, _)| k == f)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    })
                    .collect();
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
