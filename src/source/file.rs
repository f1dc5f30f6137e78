//! Reading the files a user hands stampede (scenarios, profiles, CSV series), and resolving
//! the paths a scenario names.
//!
//! Scenario files arrive from pull requests and are run in CI, so reading one must not be a
//! way to exhaust memory or to print another file: only regular files are read (never a
//! FIFO, a device such as `/dev/zero`, or a directory), at most [`MAX_FILE_BYTES`] of them
//! whatever their metadata claims (`/proc` files report size 0), and a path written inside
//! a scenario stays inside the scenario's directory. Errors name the file and what was
//! expected, never its content.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::MAX_FILE_BYTES;

/// Why a file could not be read. Messages never quote the file's content.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a regular file")]
    NotRegular,
    #[error("the file is larger than the limit of {limit_mib} MiB")]
    TooLarge { limit_mib: u64 },
    #[error("the file is not UTF-8 text")]
    NotUtf8,
}

/// Reads `path` as UTF-8 text: a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path) -> Result<String, FileError> {
    read_text_within(path, MAX_FILE_BYTES)
}

/// Reads `path` as UTF-8 text: a regular file of at most `limit_bytes` (a browser recording
/// with its response bodies is larger than a scenario).
pub fn read_text_within(path: &Path, limit_bytes: u64) -> Result<String, FileError> {
    let too_large = || FileError::TooLarge { limit_mib: limit_bytes / (1024 * 1024) };
    // Checked before opening: opening a FIFO for reading blocks until a writer comes.
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(FileError::NotRegular);
    }
    if metadata.len() > limit_bytes {
        return Err(too_large());
    }
    // The size may lie (`/proc`, a file growing while read): the read itself is capped.
    let mut bytes = Vec::new();
    File::open(path)?.take(limit_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit_bytes {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotUtf8)
}

/// Resolves `written`, a path inside a scenario, against the scenario's directory
/// `base_dir`. Absolute paths, `..` and symbolic links leading out of the directory are
/// refused with the reason, so that a scenario cannot make stampede read (and report on)
/// files elsewhere; files given on the command line are not subject to this.
pub fn confined(base_dir: &Path, written: &str) -> Result<PathBuf, String> {
    let path = relative_inside(written)?;
    let joined = base_dir.join(path);
    // A symbolic link may still lead out; a missing file is reported when it is read.
    if let (Ok(real), Ok(base)) = (joined.canonicalize(), base_dir.canonicalize())
        && !real.starts_with(&base)
    {
        return Err(format!("the path `{written}` leads out of the scenario's directory"));
    }
    Ok(joined)
}

/// Checks the components of `written`, a path in a scenario: relative and without `..`.
pub fn relative_inside(written: &str) -> Result<&Path, String> {
    let path = Path::new(written);
    for component in path.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!("the path `{written}` leaves the scenario's directory (`..`)"));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("the path `{written}` is absolute"));
            }
        }
    }
    Ok(path)
}

/// What [`confined`] expects, for problems.
pub const CONFINED_EXPECTED: &str =
    "a path relative to the scenario's directory, inside it (or a file given on the command line)";

/// Whether `name` can name a directory of a run (`reports/<name>-…`, `targets/<name>/`):
/// a path-safe identifier of at most 64 characters starting with a letter or digit, so that
/// `.`, `..`, hidden names and flag-like `-x` cannot collapse or escape run directories.
pub fn is_path_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// What [`is_path_name`] accepts, for problems.
pub const PATH_NAME_EXPECTED: &str =
    "up to 64 letters, digits, `-`, `_` or `.`, starting with a letter or digit";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a.yaml");
        std::fs::write(&file, "name: x\n").expect("written");
        assert_eq!(read_text(&file).expect("readable"), "name: x\n");
        assert!(matches!(read_text(dir.path()), Err(FileError::NotRegular)));
        assert!(matches!(read_text(Path::new("/dev/zero")), Err(FileError::NotRegular)));
        let big = dir.path().join("big.csv");
        let handle = File::create(&big).expect("created");
        handle.set_len(MAX_FILE_BYTES + 1).expect("sparse file");
        assert!(matches!(read_text(&big), Err(FileError::TooLarge { limit_mib: 16 })));
        std::fs::write(&file, [0xff, 0xfe]).expect("written");
        assert!(matches!(read_text(&file), Err(FileError::NotUtf8)));
    }

    #[test]
    fn scenario_paths_stay_in_the_scenario_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(confined(dir.path(), "a/b.csv"), Ok(dir.path().join("a/b.csv")));
        assert!(confined(dir.path(), "/proc/self/environ").expect_err("absolute").contains("absolute"));
        assert!(confined(dir.path(), "a/../../x.csv").expect_err("parent").contains("`..`"));
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link.csv")).expect("symlink");
        assert!(confined(dir.path(), "link.csv").expect_err("link out").contains("leads out"));
    }
}
