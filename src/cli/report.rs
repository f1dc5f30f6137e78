//! `stampede report RUN_DIR`: re-render every file of a run directory from its
//! `report.json` (after upgrading stampede, or after the gate added verdicts).

use std::path::{Path, PathBuf};

use clap::Args;

use super::exit;
use crate::report::{FILE_NAME, Report, files};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Run directory (or the path of its report.json).
    pub path: PathBuf,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    let (dir, json) = locate(&args.path);
    let report = match Report::read(&json) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(exit::ERROR);
        }
    };
    match files::render_all(&report, &dir) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            Ok(exit::OK)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(exit::ERROR)
        }
    }
}

/// The run directory and its `report.json`, from either.
fn locate(path: &Path) -> (PathBuf, PathBuf) {
    if path.is_dir() {
        (path.to_path_buf(), path.join(FILE_NAME))
    } else {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        (if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir }, path.to_path_buf())
    }
}
