//! Command-line surface: clap types and dispatch to the library.
//!
//! Arguments are handled in two stages, as in ripgrep: clap parses raw flags here, and each
//! command resolves them against the scenario into a validated configuration before anything
//! runs. Exit codes: 0 success, 1 a failed verdict (gate), 2 an error (bad input, I/O).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Replays viral signup surges, time-compressed, against a platform.
#[derive(Debug, Parser)]
#[command(name = "stampede", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the reference platform (an embedded social network on SQLite).
    Serve(crate::target::ServeArgs),
}

/// Process exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const ERROR: u8 = 2;
}

/// Parses nothing: runs an already-parsed command and maps its outcome to an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Serve(args) => serve(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn serve(args: crate::target::ServeArgs) -> anyhow::Result<u8> {
    runtime()?.block_on(crate::target::serve_command(args))?;
    Ok(exit::OK)
}
