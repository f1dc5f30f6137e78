//! `stampede profile from-har`: a profile skeleton from a browser recording (HAR 1.2).
//!
//! The data flow, one file per stage: [`model`] reads the HAR (size-limited, `file:line:
//! column` when malformed) → [`filter`] keeps the main origin's dynamic requests and counts
//! what it leaves out ([`multipart`] reads the bodies a script sent) → [`request`] turns
//! each into a template ([`credentials`] replaces what the user typed, [`sources`] finds
//! where each value sent came from) and [`csrf`] writes the CSRF tokens as the cookie they
//! echo → [`assemble`] groups the requests into actions ([`shape`]: ids generalised,
//! [`posts`]: which create posts) and gives every value from a response its placeholder →
//! [`naming`] names the actions → [`emit`] writes YAML.
//!
//! The output is a skeleton: what the recording shows is written, what it cannot show
//! (which journeys use which action, a field's meaning) is listed in the file's header.

pub mod assemble;
pub mod credentials;
pub mod csrf;
pub mod emit;
pub mod filter;
pub mod generated;
pub mod model;
pub mod multipart;
pub mod naming;
pub mod posts;
pub mod request;
pub mod shape;
pub mod sources;

use std::path::{Path, PathBuf};

pub use filter::Dropped;

/// Why no profile could be made. Messages name the file and what was expected, and never
/// quote the recording (it holds passwords and tokens).
#[derive(Debug, thiserror::Error)]
pub enum HarError {
    #[error("{}: {reason} (expected a HAR file)", file.display())]
    Read { file: PathBuf, reason: String },
    #[error("{}:{line}:{column}: {what} (expected a HAR 1.2 JSON file, e.g. a browser's \"Save all as HAR\")", file.display())]
    Malformed { file: PathBuf, line: usize, column: usize, what: String },
    #[error("{}: {entries} entries (expected at most {})", file.display(), model::MAX_ENTRIES)]
    TooManyEntries { file: PathBuf, entries: usize },
    #[error("--origin {0:?}: not an origin (expected http://HOST[:PORT] or https://HOST[:PORT])")]
    BadOrigin(String),
    #[error("{}: no answered http(s) request (expected a recording of a web application)", file.display())]
    NoOrigin { file: PathBuf },
    #[error(
        "{}: no request to {origin} is left once static assets, OPTIONS preflights, other hosts and \
         unanswered requests are left out ({} of them; expected API or page requests to {origin}, \
         or --origin naming the platform's origin)",
        file.display(), dropped.total()
    )]
    Nothing { file: PathBuf, origin: String, dropped: Dropped },
}

/// What the user chose.
#[derive(Debug, Clone)]
pub struct Options {
    /// The platform's origin; default: the recording's first answered request's.
    pub origin: Option<String>,
    /// The profile's `name:`.
    pub name: String,
}

/// A generated profile and what it was made from.
#[derive(Debug)]
pub struct Output {
    pub yaml: String,
    pub origin: String,
    /// Requests made into actions.
    pub requests: usize,
    pub dropped: Dropped,
    /// The actions' names, in recording order.
    pub actions: Vec<String>,
}

/// Reads the HAR at `path` and writes a profile for `options.origin`.
pub fn generate(path: &Path, options: &Options) -> Result<Output, HarError> {
    let har = model::load(path)?;
    let origin = match &options.origin {
        Some(given) => filter::origin_of(given)
            .filter(|o| given.trim_end_matches('/') == o)
            .ok_or_else(|| HarError::BadOrigin(given.clone()))?,
        None => filter::main_origin(&har).ok_or_else(|| HarError::NoOrigin { file: path.to_path_buf() })?,
    };
    let (exchanges, dropped) = filter::keep(har, &origin);
    if exchanges.is_empty() {
        return Err(HarError::Nothing { file: path.to_path_buf(), origin, dropped });
    }
    let generated = assemble::assemble(&exchanges);
    let file =
        path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    let from = emit::Origin { file: &file, origin: &origin, requests: exchanges.len(), dropped: &dropped };
    let yaml = emit::render(&generated, &options.name, &from);
    Ok(Output {
        yaml,
        origin,
        requests: exchanges.len(),
        dropped,
        actions: generated.actions.iter().map(|a| a.name.clone()).collect(),
    })
}

#[cfg(test)]
mod tests;
