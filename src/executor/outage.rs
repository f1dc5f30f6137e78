//! Injecting the scenario's outage windows into the target while the replay runs.
//!
//! The target must speak the reference platform's fault admin API (`GET`/`PUT` of the whole
//! fault set as JSON, route names = action names; the profile's `fault_admin` path) and
//! stampede must hold its admin token. The faults the target had before the run are read
//! first and kept: at every window boundary the target gets those plus the windows active
//! from then on, and after the run (finished, interrupted or failed) exactly those again.
//!
//! Nothing here is measured: the windows only change what the target does. A window that
//! cannot be injected is reported as such — the run still replays, and its report says
//! the outage did not happen.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::context::Context;
use crate::profile::Profile;
use crate::scenario::{OutageSpec, Scenario};

/// Timeout of one admin request.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(5);

/// One outage window on both clocks and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutageRecord {
    pub name: String,
    /// The effect in words, e.g. `signup: refused (100%)`.
    pub effect: String,
    /// Window on the replay clock, seconds.
    pub start_s: f64,
    pub end_s: f64,
    /// Window on the curve's real-world clock, seconds.
    pub real_start_s: f64,
    pub real_end_s: f64,
    /// Whether the target took the faults at the window's start.
    pub injected: bool,
    /// When it was applied, or why not.
    pub note: String,
}

/// `window` on the replay clock, seconds.
fn replay_window(window: &OutageSpec, compress: f64) -> (f64, f64) {
    (window.start.secs() / compress, window.end.secs() / compress)
}

/// The admin endpoint and what it held before the run.
#[derive(Debug)]
struct Admin {
    url: String,
    token: String,
    /// The target's own faults, restored after every window.
    baseline: Map<String, Value>,
}

/// The outage windows of a run and the means to inject them.
#[derive(Debug)]
pub struct Injector {
    client: reqwest::Client,
    admin: Option<Admin>,
    windows: Vec<OutageSpec>,
    compress: f64,
    records: Mutex<Vec<OutageRecord>>,
}

impl Injector {
    /// Reads the target's current faults; windows stay uninjected (with the reason) when
    /// the profile has no fault endpoint, no token was given, or the endpoint refuses.
    pub async fn prepare(
        client: &reqwest::Client,
        base_url: &str,
        profile: &Profile,
        token: Option<&str>,
        scenario: &Scenario,
        only_target: Option<usize>,
    ) -> Injector {
        let compress = scenario.replay.compress;
        // With several targets, this process injects the windows of its own target only.
        let mine = |o: &OutageSpec| match only_target.and_then(|k| scenario.spec.targets.get(k)) {
            Some(target) => o.targets.is_empty() || o.targets.contains(&target.name),
            None => true,
        };
        let windows: Vec<OutageSpec> = scenario.spec.outages.iter().filter(|o| mine(o)).cloned().collect();
        let admin = match (windows.is_empty(), &profile.fault_admin, token) {
            (true, _, _) => Err(String::new()),
            (false, None, _) => Err(format!("profile `{}` has no fault admin endpoint", profile.name)),
            (false, Some(_), None) => {
                Err("no admin token for the target (--admin-token or STAMPEDE_ADMIN_TOKEN)".into())
            }
            (false, Some(path), Some(token)) => {
                let url = format!("{base_url}{path}");
                read_faults(client, &url, token).await.map(|baseline| Admin {
                    url,
                    token: token.to_string(),
                    baseline,
                })
            }
        };
        let note = admin.as_ref().err().cloned().unwrap_or_default();
        let records = windows
            .iter()
            .map(|w| OutageRecord {
                name: w.name.clone(),
                effect: w.effect(),
                start_s: replay_window(w, compress).0,
                end_s: replay_window(w, compress).1,
                real_start_s: w.start.secs(),
                real_end_s: w.end.secs(),
                injected: false,
                note: if note.is_empty() { "the run ended before the window".into() } else { note.clone() },
            })
            .collect();
        if !note.is_empty() {
            tracing::warn!("outage windows will not be injected: {note}");
        }
        Injector {
            client: client.clone(),
            admin: admin.ok(),
            windows,
            compress,
            records: Mutex::new(records),
        }
    }

    /// Applies each window at its replay time until the last one ends or the run stops.
    pub async fn run(self: Arc<Self>, ctx: Arc<Context>) {
        let Some(admin) = &self.admin else { return };
        // (replay seconds, the window starting there); ends carry `None`. Coinciding
        // boundaries are applied one after the other, which only repeats a PUT.
        let mut events: Vec<(f64, Option<usize>)> = (self.windows.iter().enumerate())
            .flat_map(|(i, w)| {
                let (start_s, end_s) = replay_window(w, self.compress);
                [(start_s, Some(i)), (end_s, None)]
            })
            .collect();
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (at_s, starting) in events {
            let deadline = ctx.t0 + crate::units::duration_from_secs(at_s);
            if !super::primitives::sleep_until(&ctx, deadline).await {
                return;
            }
            let outcome = write_faults(&self.client, admin, &self.faults_at(admin, at_s)).await;
            if let Err(why) = &outcome {
                tracing::warn!("outage boundary at {at_s:.3}s not applied: {why}");
            }
            let Some(i) = starting else { continue };
            let applied_at = ctx.replay_clock(Instant::now()).as_secs_f64();
            let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(record) = records.get_mut(i) {
                record.injected = outcome.is_ok();
                record.note = match outcome {
                    Ok(()) => format!("applied at {applied_at:.3}s on the replay clock"),
                    Err(why) => why,
                };
            }
        }
    }

    /// Puts the target's own faults back; a failure is logged (the run's data is intact).
    pub async fn lift(&self) {
        let Some(admin) = &self.admin else { return };
        if let Err(why) = write_faults(&self.client, admin, &Value::Object(admin.baseline.clone())).await {
            tracing::warn!("could not lift the outage faults: {why}");
        }
    }

    /// What became of every window.
    pub fn records(&self) -> Vec<OutageRecord> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The baseline plus every window active from `at_s` (replay seconds) on.
    fn faults_at(&self, admin: &Admin, at_s: f64) -> Value {
        let mut body = admin.baseline.clone();
        for window in &self.windows {
            let (start_s, end_s) = replay_window(window, self.compress);
            if !(start_s <= at_s && at_s < end_s) {
                continue;
            }
            let scopes: Vec<String> = if window.actions.is_empty() {
                vec!["all".to_string()]
            } else {
                window.actions.iter().map(|a| a.name().to_string()).collect()
            };
            let refused = window.refused_fraction();
            for scope in &scopes {
                if refused > 0.0 {
                    insert(&mut body, "error_rate", scope, json!(refused));
                }
                if let Some(latency) = window.latency_fault() {
                    insert(&mut body, "latency", scope, json!(latency));
                }
            }
            if window.stall {
                let duration_ms = ((end_s - at_s) * 1000.0).ceil() as u64;
                let stalls = body.entry("stalls").or_insert_with(|| json!([]));
                if let Value::Array(stalls) = stalls {
                    stalls.push(json!({ "start_in_ms": 0, "duration_ms": duration_ms }));
                }
            }
        }
        Value::Object(body)
    }
}

/// Sets `body[key][scope] = value`, creating the object under `key` if needed.
fn insert(body: &mut Map<String, Value>, key: &str, scope: &str, value: Value) {
    let slot = body.entry(key).or_insert_with(|| json!({}));
    match slot {
        Value::Object(map) => {
            map.insert(scope.to_string(), value);
        }
        other => *other = json!({ scope: value }),
    }
}

/// `GET` of the fault set, reduced to what a `PUT` accepts.
async fn read_faults(client: &reqwest::Client, url: &str, token: &str) -> Result<Map<String, Value>, String> {
    let response = client
        .get(url)
        .bearer_auth(token)
        .timeout(ADMIN_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("cannot read the target's faults at {url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the fault admin endpoint {url} answered {status}"));
    }
    let Ok(Value::Object(mut faults)) = response.json::<Value>().await else {
        return Err(format!("the fault admin endpoint {url} did not answer a JSON object"));
    };
    faults.remove("uptime_ms");
    // Stalls come with both clocks; a PUT takes exactly one: keep the server-start one.
    if let Some(Value::Array(stalls)) = faults.get_mut("stalls") {
        for stall in stalls.iter_mut().filter_map(Value::as_object_mut) {
            stall.remove("start_in_ms");
        }
    }
    Ok(faults)
}

async fn write_faults(client: &reqwest::Client, admin: &Admin, body: &Value) -> Result<(), String> {
    let response = client
        .put(&admin.url)
        .bearer_auth(&admin.token)
        .json(body)
        .timeout(ADMIN_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("cannot set the target's faults: {e}"))?;
    match response.status() {
        status if status.is_success() => Ok(()),
        status => Err(format!("the fault admin endpoint answered {status}")),
    }
}
