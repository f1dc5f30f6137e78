//! `stampede profile from-har`: flags → [`crate::profile::har::Options`], then the profile
//! written to `--out` (or stdout) and a summary on stderr. Exit 0 with a profile, 2 on an
//! unreadable or malformed recording, or one with nothing to replay.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::exit;
use crate::profile::har;

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Make a profile skeleton from a browser recording (HAR 1.2, e.g. devtools' "Save all
    /// as HAR"): one action per distinct request, credentials and values from earlier
    /// responses replaced by placeholders, extraction rules where a request reuses one.
    FromHar(FromHarArgs),
}

#[derive(Debug, Args)]
pub struct FromHarArgs {
    /// The recording (`.har`, JSON, at most 64 MiB).
    pub file: PathBuf,
    /// Where to write the profile (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The profile's name (default: the file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// The platform's origin, e.g. `https://staging.example.com` (default: the origin of the
    /// recording's first answered request). Requests to other origins are left out.
    #[arg(long, value_name = "URL")]
    pub origin: Option<String>,
}

pub fn run(args: &ProfileArgs) -> anyhow::Result<u8> {
    let ProfileCommand::FromHar(args) = &args.command;
    let stem = args.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = args.name.clone().unwrap_or(stem);
    if !crate::source::file::is_path_name(&name) {
        eprintln!(
            "error: --name {name:?}: not a profile name (expected {})",
            crate::source::file::PATH_NAME_EXPECTED
        );
        return Ok(exit::ERROR);
    }
    let options = har::Options { origin: args.origin.clone(), name };
    let output = match har::generate(&args.file, &options) {
        Ok(output) => output,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::ERROR);
        }
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &output.yaml).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{}", output.yaml),
    }
    let d = &output.dropped;
    eprintln!(
        "from-har: {} requests to {} became {} actions: {}",
        output.requests,
        output.origin,
        output.actions.len(),
        output.actions.join(", ")
    );
    eprintln!(
        "from-har: left out {} requests: {} static assets, {} OPTIONS preflights, {} to other hosts, {} unanswered",
        d.total(),
        d.static_assets,
        d.preflights,
        d.third_party,
        d.unanswered
    );
    if let Some(path) = &args.out {
        eprintln!(
            "from-har: wrote {}; finish it by hand (see its header), then `stampede validate --profile`",
            path.display()
        );
    }
    Ok(exit::OK)
}
