//! `stampede import access-log`: a platform's own access log → a scenario that replays its
//! surge. The log is streamed once (plain or gzipped, bounded lines, bounded tables), so
//! memory does not grow with its size; bad lines are counted, never fatal.
//!
//! - [`source`]: files, gzip, bounded line reading.
//! - [`format`]: combined and ALB lines → [`format::Record`]; [`json`]: JSON lines.
//! - [`rules`]: `--signup` and `--map` (method + path glob → action).
//! - [`tally`]: signups per bin (the newcomer curve), requests per action, unmapped paths.
//! - [`journey`]: sessions per user key, step order, the log-normal fit of think times.
//! - [`write`]: the scenario and its CSV series, checked by loading them back.
//! - [`summary`]: what the import found, for people.
//!
//! It depends on the ground floor and [`crate::scenario`] only (to check what it writes).

pub mod format;
pub mod journey;
pub mod json;
pub mod rules;
pub mod source;
pub mod summary;
pub mod tally;
pub mod write;

use std::path::PathBuf;

use format::{Format, Record};
use journey::{Sessions, Who};
use json::JsonFields;
use rules::{Class, Rules};
use source::{Line, LineReader};
use tally::Tally;

/// Why an import produced no scenario.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Source(#[from] source::SourceError),
    #[error(transparent)]
    TooManyBins(#[from] tally::TooManyBins),
    #[error(
        "no request matched the signup rule `{rule}` in {lines} lines ({requests} requests parsed, {bad} bad lines) (expected signups: check --signup and --format)"
    )]
    NoSignups { rule: String, lines: u64, requests: u64, bad: u64 },
    #[error("{context}: {source}")]
    Write { context: String, source: std::io::Error },
    #[error("the written scenario does not load (a bug in the importer):\n{0}")]
    Invalid(String),
}

/// A validated import request (the CLI's flags, resolved).
#[derive(Debug, Clone)]
pub struct Config {
    pub files: Vec<PathBuf>,
    pub format: Format,
    pub json_fields: JsonFields,
    /// Whether to infer journeys from a user key (JSON key field, or address + agent).
    pub keyed: bool,
    /// The `--signup` rule as written, for messages.
    pub signup_rule: String,
    pub rules: Rules,
    /// Width of a curve bin, microseconds (> 0).
    pub bin_us: i64,
    /// Start of the first bin, microseconds since the epoch; `None`: the first request's
    /// time rounded down to a whole bin.
    pub origin_us: Option<i64>,
    /// A pause longer than this ends a session, microseconds.
    pub session_idle_us: i64,
    pub max_sessions: usize,
    pub out: PathBuf,
    /// Scenario name (also the files' stem).
    pub name: String,
}

/// What an import read and wrote.
#[derive(Debug)]
pub struct Imported {
    pub tally: Tally,
    pub sessions: Option<Sessions>,
    /// Time of the first bin's start, microseconds since the epoch.
    pub origin_us: i64,
    pub files: write::Written,
}

/// Reads every file, then writes the scenario (see the module doc).
pub fn import(config: Config) -> Result<Imported, ImportError> {
    let mut pass = Pass {
        tally: Tally::default(),
        sessions: config.keyed.then(|| Sessions::new(config.max_sessions, config.session_idle_us)),
        origin_us: config.origin_us,
        rules: config.rules.clone(),
        bin_us: config.bin_us,
    };
    for path in &config.files {
        let mut reader = LineReader::open(path)?;
        let name = path.display().to_string();
        while let Some((number, line)) = reader.next_line()? {
            pass.tally.lines += 1;
            let text = match line {
                Line::Text(text) if text.trim().is_empty() => continue,
                Line::Text(text) => text,
                Line::TooLong => {
                    pass.tally.bad(&name, number, "the line is longer than 64 KiB");
                    continue;
                }
                Line::NotText => {
                    pass.tally.bad(&name, number, "the line is not UTF-8 text");
                    continue;
                }
            };
            let parsed = match config.format {
                Format::Combined => format::combined(text, config.keyed).map(|r| pass.count(&r)),
                Format::Alb => format::alb(text, config.keyed).map(|r| pass.count(&r)),
                Format::Json => json::parse_object(text).and_then(|object| {
                    json::record(&object, &config.json_fields, config.keyed).map(|r| pass.count(&r))
                }),
            };
            match parsed {
                Ok(counted) => counted?,
                Err(bad) => pass.tally.bad(&name, number, bad.0),
            }
        }
    }
    let Pass { tally, sessions, origin_us, .. } = pass;
    if tally.signups == 0 {
        return Err(ImportError::NoSignups {
            rule: config.signup_rule.clone(),
            lines: tally.lines,
            requests: tally.requests,
            bad: tally.bad_lines,
        });
    }
    let origin_us = origin_us.unwrap_or_default();
    let files = write::write(&config, &tally, sessions.as_ref(), origin_us)?;
    Ok(Imported { tally, sessions, origin_us, files })
}

/// The state of one pass over the logs.
struct Pass {
    tally: Tally,
    sessions: Option<Sessions>,
    /// Fixed by `--origin` or by the first request.
    origin_us: Option<i64>,
    rules: Rules,
    bin_us: i64,
}

impl Pass {
    /// Files one parsed request.
    fn count(&mut self, record: &Record<'_>) -> Result<(), tally::TooManyBins> {
        let tally = &mut self.tally;
        let bin_us = self.bin_us;
        let origin = *self.origin_us.get_or_insert_with(|| record.time_us.div_euclid(bin_us) * bin_us);
        let offset_us = record.time_us - origin;
        if offset_us < 0 {
            tally.before_origin += 1;
            return Ok(());
        }
        tally.requests += 1;
        let action = match self.rules.classify(record.method, record.path) {
            Class::Unmapped => {
                tally.unmapped(record.method, record.path);
                return Ok(());
            }
            Class::Signup => None,
            Class::Action(action) => Some(action),
        };
        let who = match (self.sessions.as_mut(), record.key) {
            (Some(sessions), Some(key)) => {
                let before = sessions.existing_sessions;
                let who = sessions.observe(key, record.time_us, action);
                if sessions.existing_sessions > before {
                    tally.bin(offset_us, bin_us)?.sessions += 1;
                }
                who
            }
            // Without a key every request is a newcomer's: nothing tells them apart.
            _ => Who::Newcomer,
        };
        match action {
            None => {
                tally.bin(offset_us, bin_us)?.signups += 1;
                tally.signups += 1;
                if record.status.is_some_and(|s| s >= 400) {
                    tally.failed_signups += 1;
                }
            }
            Some(action) => {
                tally.action(action, who);
                tally.note_order(action);
            }
        }
        Ok(())
    }
}
