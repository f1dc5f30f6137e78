//! Problems found in a user's file, each pinned to `file:line:column`.
//!
//! Loading and validation never stop at the first problem: they collect [`Problem`]s with a
//! *path* into the document (`journeys[0].steps[2].probability`), and the loader resolves
//! paths to positions at the end through the YAML [`super::yaml::Positions`] index. Pure
//! modules (arrival curves, plans) therefore report problems without knowing about YAML.

use std::fmt;
use std::path::{Path, PathBuf};

use super::MAX_PROBLEMS_SHOWN;

/// A path into a document: keys and list indices from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DocPath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl DocPath {
    pub fn root() -> Self {
        Self::default()
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.into()));
        path
    }

    /// This path extended by a list index.
    pub fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The parent path, or `None` at the root.
    pub fn parent(&self) -> Option<Self> {
        let (_, rest) = self.0.split_last()?;
        Some(Self(rest.to_vec()))
    }
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong with a value, before it is placed in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub path: DocPath,
    /// What is wrong, e.g. "probability 1.5 is above 1".
    pub message: String,
    /// What was expected instead, e.g. "a number between 0 and 1".
    pub expected: String,
    /// Whether the problem is the key itself (an unknown name) rather than its value.
    pub at_key: bool,
}

/// Collects findings while walking a model, so that every problem is reported at once.
#[derive(Debug, Default)]
pub struct Findings(Vec<Finding>);

impl Findings {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: &DocPath, message: impl Into<String>, expected: impl Into<String>) {
        self.0.push(Finding {
            path: path.clone(),
            message: message.into(),
            expected: expected.into(),
            at_key: false,
        });
    }

    /// Adds a finding about the key that ends `path` (e.g. an unknown name), placed at the key.
    pub fn add_at_key(&mut self, path: &DocPath, message: impl Into<String>, expected: impl Into<String>) {
        self.0.push(Finding {
            path: path.clone(),
            message: message.into(),
            expected: expected.into(),
            at_key: true,
        });
    }

    /// Adds a finding when `ok` is false; returns `ok` so callers can skip dependent checks.
    pub fn check(
        &mut self,
        ok: bool,
        path: &DocPath,
        message: impl FnOnce() -> String,
        expected: &str,
    ) -> bool {
        if !ok {
            self.add(path, message(), expected);
        }
        ok
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn into_vec(self) -> Vec<Finding> {
        self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.0.iter()
    }
}

/// A finding placed in a file: what `stampede validate` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the file as a whole (e.g. unreadable).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    pub message: String,
    pub expected: String,
}

impl Problem {
    pub fn whole_file(file: &Path, message: impl Into<String>, expected: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": {}", self.message)?;
        if !self.expected.is_empty() {
            write!(f, " (expected {})", self.expected)?;
        }
        Ok(())
    }
}

/// Every problem found in one or more files; the error type of loading.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    /// The first [`MAX_PROBLEMS_SHOWN`] problems, then how many more there are: a file with
    /// a million bad rows is one screen, not two million lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().take(MAX_PROBLEMS_SHOWN).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        let more = self.0.len().saturating_sub(MAX_PROBLEMS_SHOWN);
        if more > 0 {
            write!(f, "\n… and {more} more")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_the_document() {
        let path = DocPath::root().key("journeys").index(0).key("steps").index(2).key("probability");
        assert_eq!(path.to_string(), "journeys[0].steps[2].probability");
        assert_eq!(path.parent().map(|p| p.to_string()).as_deref(), Some("journeys[0].steps[2]"));
    }

    #[test]
    fn problem_output_is_capped() {
        let problems =
            Problems((0..120).map(|i| Problem::whole_file(Path::new("f"), format!("p{i}"), "")).collect());
        let text = problems.to_string();
        assert_eq!(text.lines().count(), MAX_PROBLEMS_SHOWN + 1);
        assert!(text.ends_with("… and 70 more"), "{text}");
    }

    #[test]
    fn problems_print_file_line_column_message_and_expectation() {
        let problem = Problem {
            file: "s.yaml".into(),
            line: 3,
            column: 7,
            message: "probability 1.5 is above 1".into(),
            expected: "a number between 0 and 1".into(),
        };
        assert_eq!(
            problem.to_string(),
            "s.yaml:3:7: probability 1.5 is above 1 (expected a number between 0 and 1)"
        );
    }
}
