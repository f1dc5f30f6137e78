//! Who is calling: password hashing (argon2id at a chosen cost), bearer tokens, and the
//! [`AuthUser`] extractor that resolves a token to a user id on every request.
//!
//! Hashing is the deliberately expensive part of a signup surge. It runs on the blocking
//! pool, never under a database lock, and behind a semaphore sized to the CPU count:
//! without it, a burst of signups at the `high` cost (64 MiB each) would start hundreds
//! of blocking threads and exhaust memory instead of queueing, which is not what a real
//! platform's auth service does. Tokens are random; only their BLAKE2b digest is stored
//! and cached, so neither the database nor the logs ever hold a usable token.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use argon2::Params;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use blake2::{Blake2b, Digest, digest::consts::U32};
use rusqlite::OptionalExtension;
use tokio::sync::Semaphore;

use super::argon::{self, Blocks};
use super::db::Db;
use super::error::ApiError;

/// Digest of a bearer token, the key of the `sessions` table and of the cache.
pub type TokenHash = [u8; 32];

/// Argon2id hashing at one cost, with bounded parallelism.
#[derive(Debug, Clone)]
pub struct PasswordHashing {
    params: Params,
    /// One permit per concurrent hash; see the module doc.
    permits: Arc<Semaphore>,
    /// A hash of a random password at the same cost, verified against when a login names
    /// an unknown handle so that such logins cost the same CPU as real ones.
    decoy: Arc<str>,
    /// argon2's memory, one buffer per permit, kept between hashes (see `argon`).
    blocks: Arc<Blocks>,
}

impl PasswordHashing {
    /// Hashing with argon2id's `(memory KiB, iterations, lanes)`, as `HashCost::params`
    /// gives them.
    pub fn new((m_kib, t, p): (u32, u32, u32), parallel_hashes: usize) -> Result<Self, argon2::Error> {
        let params = Params::new(m_kib, t, p, None)?;
        let permits = parallel_hashes.max(1);
        let blocks = Arc::new(Blocks::new(permits));
        let decoy = argon::hash(&blocks, &params, &random_token())
            .map_err(|_| argon2::Error::AlgorithmInvalid)?
            .into();
        Ok(Self { params, permits: Arc::new(Semaphore::new(permits)), decoy, blocks })
    }

    /// Hashes `password` into a PHC string (`$argon2id$v=19$m=...`).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _permit = self.permit().await?;
        let (params, blocks) = (self.params.clone(), Arc::clone(&self.blocks));
        tokio::task::spawn_blocking(move || argon::hash(&blocks, &params, &password)).await?
    }

    /// Checks `password` against a stored PHC string; `None` verifies against the decoy
    /// and always fails.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let _permit = self.permit().await?;
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy.to_string());
        let blocks = Arc::clone(&self.blocks);
        // The parameters come from the stored hash, so old accounts keep verifying after
        // the server restarts with another --hash-cost.
        let matches =
            tokio::task::spawn_blocking(move || argon::verify(&blocks, &password, &stored)).await??;
        Ok(known && matches)
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.permits.acquire().await.map_err(|_| ApiError::Unavailable("shutting down"))
    }
}

/// A fresh bearer token: 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The digest stored for `token`.
pub fn token_hash(token: &str) -> TokenHash {
    Blake2b::<U32>::digest(token.as_bytes()).into()
}

/// Creates a session for `user_id` and returns its token. Runs inside a write closure.
pub fn create_session(conn: &rusqlite::Connection, user_id: i64) -> Result<String, ApiError> {
    let token = random_token();
    conn.prepare_cached("INSERT INTO sessions (token_hash, user_id, created_at_ms) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![token_hash(&token).as_slice(), user_id, super::db::now_ms()])?;
    Ok(token)
}

/// Token digest → user id for sessions seen since start. Sessions are never revoked,
/// so entries never go stale; the map grows with the number of sessions, which a
/// load test bounds.
#[derive(Debug, Default)]
pub struct SessionCache {
    users: RwLock<HashMap<TokenHash, i64>>,
}

impl SessionCache {
    fn get(&self, hash: &TokenHash) -> Option<i64> {
        self.users.read().unwrap_or_else(|p| p.into_inner()).get(hash).copied()
    }

    pub fn insert(&self, hash: TokenHash, user_id: i64) {
        self.users.write().unwrap_or_else(|p| p.into_inner()).insert(hash, user_id);
    }
}

/// The authenticated caller, from `Authorization: Bearer <token>` or the session cookie.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub i64);

/// What resolving a token needs from the application's state (the app implements it), so
/// that this file does not depend on the state that holds its session cache.
pub trait SessionStore {
    fn sessions(&self) -> &SessionCache;
    fn db(&self) -> &Db;
}

impl<S: SessionStore + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &S) -> Result<Self, ApiError> {
        // A bearer token, or the cookie of a form login (`POST /api/session`).
        let token = bearer_token(parts).or_else(|| session_cookie(&parts.headers)).ok_or(
            ApiError::Unauthorized("missing or malformed Authorization: Bearer token or session cookie"),
        )?;
        let hash = token_hash(token);
        if let Some(user_id) = app.sessions().get(&hash) {
            return Ok(Self(user_id));
        }
        let user_id = app
            .db()
            .read(move |conn| {
                Ok(conn
                    .prepare_cached("SELECT user_id FROM sessions WHERE token_hash = ?1")?
                    .query_row([hash.as_slice()], |row| row.get::<_, i64>(0))
                    .optional()?)
            })
            .await?
            .ok_or(ApiError::Unauthorized("unknown token"))?;
        app.sessions().insert(hash, user_id);
        Ok(Self(user_id))
    }
}

/// The token of an `Authorization: Bearer <token>` header, if well-formed.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    bearer_of(&parts.headers)
}

/// The token of `headers`' `Authorization: Bearer <token>`, if well-formed; the scheme is
/// case-insensitive (RFC 9110 §11.1), for user routes and the admin endpoint alike.
pub fn bearer_of(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The session cookie's name (set by `POST /api/session`).
pub const SESSION_COOKIE: &str = "sid";

/// The session token of a request's `Cookie: sid=…`, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append("cookie", "theme=dark; sid=tok123".parse().expect("header"));
        assert_eq!(session_cookie(&headers), Some("tok123"));
        let mut empty = axum::http::HeaderMap::new();
        empty.append("cookie", "sid=".parse().expect("header"));
        assert_eq!(session_cookie(&empty), None);
    }

    #[tokio::test]
    async fn hash_then_verify_round_trips() {
        let hashing = PasswordHashing::new(crate::platform::config::HashCost::Low.params(), 1)
            .expect("low cost is valid");
        let stored = hashing.hash("correct horse".into()).await.expect("hashing works");
        assert!(stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(hashing.verify("correct horse".into(), Some(stored.clone())).await.expect("hashing works"));
        assert!(!hashing.verify("wrong".into(), Some(stored)).await.expect("hashing works"));
        assert!(!hashing.verify("anything".into(), None).await.expect("hashing works"));
    }

    #[test]
    fn tokens_are_distinct_and_hash_stably() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
