//! The `stampede` binary: parse the command line and hand over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors, matching stampede's "error" code.
    let cli = stampede::cli::Cli::parse();
    stampede::cli::run(cli)
}
