//! `stampede import access-log`: flags → a validated [`crate::import::Config`], then the
//! import and its summary. Exit 0 with a scenario written, 2 on bad flags, unreadable
//! files or a log without signups.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::exit;
use crate::import::format::Format;
use crate::import::json::JsonFields;
use crate::units::Span;

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: Source,
}

#[derive(Debug, Subcommand)]
pub enum Source {
    /// Turn access logs (nginx combined, JSON lines, AWS ALB; plain or gzipped) into a
    /// scenario: the signup curve as a CSV series, the other requests as journey steps.
    AccessLog(AccessLogArgs),
}

/// Whose requests are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Key {
    /// JSON logs: the `key` field (`--json-field key=NAME`); combined and ALB logs: client
    /// address + user agent.
    Auto,
    /// No journeys: every request counts as a newcomer's.
    None,
}

#[derive(Debug, Args)]
pub struct AccessLogArgs {
    /// Log files (`-` for standard input); gzip is detected by content.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Line format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The requests that are signups: METHOD PATH-GLOB.
    #[arg(long, default_value = "POST /api/signup", value_name = "RULE")]
    pub signup: String,
    /// METHOD PATH-GLOB=ACTION, e.g. `GET /api/feed*=view_feed` (`*` in one path segment,
    /// `**` across, METHOD `*` for any). Repeatable; the first match wins.
    #[arg(long = "map", value_name = "RULE")]
    pub maps: Vec<String>,
    /// Width of a curve bin, e.g. `1m` (1 ms to 1 d).
    #[arg(long, default_value = "1m", value_name = "D")]
    pub bin: Span,
    /// Start of the first bin (RFC 3339); earlier requests are left out. Default: the
    /// first request's time rounded down to a whole bin.
    #[arg(long, value_name = "TIME")]
    pub origin: Option<String>,
    /// Output directory for NAME.yaml and NAME.csv.
    #[arg(long, default_value = "imported", value_name = "DIR")]
    pub out: PathBuf,
    /// Scenario name (and file stem): lower-case letters, digits, `-`, `_`.
    #[arg(long, default_value = "imported")]
    pub name: String,
    /// Field names of JSON logs: NAME=FIELD with NAME time, method, path, request, status
    /// or key. Repeatable.
    #[arg(long = "json-field", value_name = "NAME=FIELD")]
    pub json_fields: Vec<String>,
    /// How requests are attributed to users for journey inference.
    #[arg(long, value_enum, default_value = "auto")]
    pub key: Key,
    /// A user's pause longer than this ends their session.
    #[arg(long, default_value = "30m", value_name = "D")]
    pub session_idle: Span,
    /// Sessions open at once (1 to 10,000,000); beyond it the idlest is closed and counted.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_sessions: usize,
}

/// Sessions open at once at most: ~100 bytes each, so 1 GB.
const MAX_SESSIONS: usize = 10_000_000;

/// The flags, checked: every number in range, every rule compiled.
fn resolve(args: &AccessLogArgs) -> Result<crate::import::Config, String> {
    let bin_s = args.bin.secs();
    if !(0.001..=86_400.0).contains(&bin_s) {
        return Err(format!("--bin {}: out of range (expected a duration from 1ms to 1d)", args.bin));
    }
    let idle_s = args.session_idle.secs();
    if !(0.001..=30.0 * 86_400.0).contains(&idle_s) {
        return Err(format!(
            "--session-idle {}: out of range (expected a duration from 1ms to 30d)",
            args.session_idle
        ));
    }
    if !(1..=MAX_SESSIONS).contains(&args.max_sessions) {
        return Err(format!(
            "--max-sessions {}: out of range (expected 1 to {MAX_SESSIONS})",
            args.max_sessions
        ));
    }
    let name_ok = !args.name.is_empty()
        && args.name.len() <= 100
        && args.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !name_ok {
        return Err(format!(
            "--name {:?}: not a file stem (expected lower-case letters, digits, `-`, `_`)",
            args.name
        ));
    }
    let origin_us = match &args.origin {
        None => None,
        Some(text) => Some(crate::import::format::rfc3339_time(text).map_err(|_| {
            format!("--origin {text:?}: not a time (expected RFC 3339, e.g. 2025-01-13T05:00:00Z)")
        })?),
    };
    let mut json_fields = JsonFields::default();
    for setting in &args.json_fields {
        json_fields.set(setting).map_err(|e| e.to_string())?;
    }
    let rules = crate::import::rules::Rules::new(&args.signup, &args.maps).map_err(|e| e.to_string())?;
    Ok(crate::import::Config {
        files: args.files.clone(),
        format: args.format,
        json_fields,
        keyed: args.key == Key::Auto,
        signup_rule: args.signup.clone(),
        rules,
        bin_us: (bin_s * 1e6).round() as i64,
        origin_us,
        session_idle_us: (idle_s * 1e6).round() as i64,
        max_sessions: args.max_sessions,
        out: args.out.clone(),
        name: args.name.clone(),
    })
}

pub fn run(args: &ImportArgs) -> anyhow::Result<u8> {
    let Source::AccessLog(args) = &args.source;
    let config = match resolve(args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(exit::ERROR);
        }
    };
    match crate::import::import(config) {
        Ok(imported) => {
            print!("{}", crate::import::summary::render(&imported));
            Ok(exit::OK)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(exit::ERROR)
        }
    }
}
