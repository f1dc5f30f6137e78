//! Helpers shared by the end-to-end tests.

use std::path::PathBuf;
use std::process::Command;

/// The built `stampede` binary under test.
pub fn stampede() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stampede"))
}

/// The repository root, for paths such as `scenarios/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
