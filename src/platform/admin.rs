//! `GET/PUT /admin/faults`: read and replace the faults in force while the server runs.
//!
//! Guarded by the token from `--admin-token` / `STAMPEDE_ADMIN_TOKEN`; without one the
//! endpoint answers 404, as if it did not exist, so an exposed server cannot be slowed
//! down by strangers. Stall windows can be written relative to now (`start_in_ms`) —
//! what a test wants — or to server start (`start_ms`), the clock of `--fault-stall`.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::app::App;
use super::error::{ApiError, ApiJson};
use super::fault::capacity::Capacity;
use super::fault::{ErrorRate, Faults, Latency, Scope, Stall};

/// The JSON form of the faults, both directions.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsBody {
    #[serde(default)]
    pub latency: BTreeMap<Scope, Latency>,
    #[serde(default)]
    pub error_rate: BTreeMap<Scope, ErrorRate>,
    #[serde(default)]
    pub stalls: Vec<StallBody>,
    /// `--fault-capacity`: per route (or `all`), `RATE,QUEUE`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<Scope, Capacity>,
    /// Only in answers: time since server start, to read `start_ms` against.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub uptime_ms: Option<u64>,
}

/// One stall window. On input give `duration_ms` and exactly one of `start_in_ms`
/// (from now) or `start_ms` (from server start); answers carry both.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StallBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
    /// Negative in answers when the window has already begun.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_in_ms: Option<i64>,
    pub duration_ms: u64,
}

/// `GET /admin/faults`.
pub async fn get_faults(State(app): State<App>, headers: HeaderMap) -> Result<Json<FaultsBody>, ApiError> {
    authorize(&app, &headers)?;
    Ok(Json(describe(&app.faults.current(), app.faults.since_start())))
}

/// `PUT /admin/faults`: replaces every fault; an empty object `{}` turns them all off.
pub async fn put_faults(
    State(app): State<App>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<FaultsBody>,
) -> Result<Json<FaultsBody>, ApiError> {
    authorize(&app, &headers)?;
    let now = app.faults.since_start();
    let stalls = body.stalls.iter().map(|stall| resolve(stall, now)).collect::<Result<Vec<_>, _>>()?;
    let faults =
        Faults { latency: body.latency, error_rate: body.error_rate, stalls, capacity: body.capacity };
    tracing::info!(?faults, "faults replaced through the admin endpoint");
    app.faults.replace(faults.clone());
    Ok(Json(describe(&faults, now)))
}

fn authorize(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = app.admin_token.as_deref() else {
        return Err(ApiError::not_found("route"));
    };
    let given =
        super::auth::bearer_of(headers).ok_or(ApiError::Unauthorized("missing admin bearer token"))?;
    if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("wrong admin token"))
    }
}

/// Compares without an early exit, so response time does not reveal a token prefix.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn resolve(stall: &StallBody, now: Duration) -> Result<Stall, ApiError> {
    let start = match (stall.start_ms, stall.start_in_ms) {
        (Some(at), None) => Duration::from_millis(at),
        (None, Some(offset)) if offset >= 0 => now + Duration::from_millis(offset.unsigned_abs()),
        (None, Some(_)) => {
            return Err(ApiError::unprocessable("start_in_ms must be >= 0"));
        }
        _ => {
            return Err(ApiError::unprocessable("each stall needs exactly one of start_ms or start_in_ms"));
        }
    };
    Ok(Stall { start, duration: Duration::from_millis(stall.duration_ms) })
}

fn describe(faults: &Faults, now: Duration) -> FaultsBody {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    FaultsBody {
        latency: faults.latency.clone(),
        error_rate: faults.error_rate.clone(),
        stalls: faults
            .stalls
            .iter()
            .map(|stall| StallBody {
                start_ms: Some(ms(stall.start)),
                start_in_ms: Some(ms(stall.start) as i64 - ms(now) as i64),
                duration_ms: ms(stall.duration),
            })
            .collect(),
        capacity: faults.capacity.clone(),
        uptime_ms: Some(ms(now)),
    }
}
