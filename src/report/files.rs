//! A run directory's files, all rendered from one [`Report`]:
//!
//! | file            | for whom                                                    |
//! |-----------------|-------------------------------------------------------------|
//! | `report.json`   | machines: the versioned source of every other file          |
//! | `report.html`   | people: charts and tables, self-contained                   |
//! | `summary.md`    | CI job summaries and pull-request comments                  |
//! | `junit.xml`     | CI test reports: one case per verdict                       |
//! | `intervals.hlog`| HdrHistogram tools: one tag per action and kind, per interval |
//!
//! `stampede run` calls [`write_all`]; `stampede report DIR` calls [`render_all`] to
//! rewrite everything but `report.json` (e.g. after upgrading stampede).

use std::path::{Path, PathBuf};

use super::hlog::HlogExportError;
use super::model::Report;

/// `report.html`.
pub const HTML: &str = "report.html";
/// `summary.md`.
pub const MARKDOWN: &str = "summary.md";
/// `junit.xml`.
pub const JUNIT: &str = "junit.xml";
/// The interval log: tags `<action>.response`, `<action>.service`, `lateness` and
/// `journey/<name>.response`, values in µs.
pub const HLOG: &str = "intervals.hlog";

/// Why a run directory could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot render {path}: {source}")]
    Hlog { path: PathBuf, source: HlogExportError },
}

/// Writes `report.json` and every file rendered from it into `dir` (created if needed);
/// returns the paths written.
pub fn write_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let json = dir.join(super::FILE_NAME);
    report.write(dir).map_err(|source| WriteError::Io { path: json.clone(), source })?;
    let mut written = vec![json];
    written.extend(render_all(report, dir)?);
    Ok(written)
}

/// Writes every file rendered from the report (all but `report.json`) into `dir`.
///
/// Every file is attempted even if one fails, so a broken histogram in the log does not
/// cost the HTML; the first error is returned.
pub fn render_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io { path: dir.to_path_buf(), source })?;
    let mut written = Vec::new();
    let mut first_error = None;
    let texts =
        [(HTML, report.render_html()), (MARKDOWN, report.render_markdown()), (JUNIT, report.render_junit())];
    for (name, text) in texts {
        let path = dir.join(name);
        match std::fs::write(&path, text) {
            Ok(()) => written.push(path),
            Err(source) => {
                first_error.get_or_insert(WriteError::Io { path, source });
            }
        }
    }
    let path = dir.join(HLOG);
    let mut log = Vec::new();
    match report.write_hlog(&mut log) {
        Ok(()) => match std::fs::write(&path, log) {
            Ok(()) => written.push(path),
            Err(source) => {
                first_error.get_or_insert(WriteError::Io { path, source });
            }
        },
        Err(source) => {
            first_error.get_or_insert(WriteError::Hlog { path, source });
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(written),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn writes_every_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let run = dir.path().join("run");
        let written = write_all(&fixture::report(), &run).expect("writes");
        let names: Vec<_> = written.iter().filter_map(|p| p.file_name()?.to_str()).collect();
        assert_eq!(names, ["report.json", HTML, MARKDOWN, JUNIT, HLOG]);
        let log = std::fs::read_to_string(run.join(HLOG)).expect("reads");
        assert!(log.contains("#[StartTime: ") && log.contains("Tag=create_post.service,"));
    }

    #[test]
    fn a_bad_histogram_costs_only_the_log() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut report = fixture::report();
        report.run.started_at = "not a time".into();
        let err = render_all(&report, dir.path()).expect_err("hlog fails");
        assert!(matches!(err, WriteError::Hlog { .. }));
        assert!(dir.path().join(HTML).exists());
        assert!(dir.path().join(JUNIT).exists());
    }
}
