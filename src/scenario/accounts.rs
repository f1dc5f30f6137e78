//! Test accounts: `population.accounts: FILE.csv` lists accounts already provisioned on the
//! target (columns `handle`, `password`, then any extra columns, which become user fields
//! of the same name). Natives log in as them instead of signing up, for platforms that
//! guard signup with captchas, email verification or SSO.
//!
//! Credentials stay in memory only: `Debug` shows counts, problems name rows and columns,
//! never a value. The file is confined to the scenario's directory and read with the size
//! limit of [`crate::source::file`], so the rows held are bounded by it.

use std::path::Path;

use crate::source::problem::{DocPath, Findings};

/// Accounts read from a CSV file, in file order.
#[derive(Clone)]
pub struct Accounts {
    /// Extra columns' names, after `handle` and `password`.
    pub extra_columns: Vec<String>,
    /// Per row: handle, password, then the extra columns' values.
    rows: Vec<Vec<String>>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: they are credentials.
        f.debug_struct("Accounts")
            .field("rows", &self.rows.len())
            .field("extra_columns", &self.extra_columns)
            .finish()
    }
}

impl Accounts {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`'s value for `name`: `handle`, `password` or an extra column.
    pub fn value(&self, i: usize, name: &str) -> Option<&str> {
        let column = match name {
            "handle" => 0,
            "password" => 1,
            _ => 2 + self.extra_columns.iter().position(|c| c == name)?,
        };
        self.rows.get(i)?.get(column).map(String::as_str)
    }

    /// Parses CSV `text` with a header row; the error says where, never what.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
        let header: Vec<String> = match reader.headers() {
            Ok(header) => header.iter().map(str::to_string).collect(),
            Err(e) => return Err(format!("the header row cannot be read ({})", where_(&e))),
        };
        if header.first().map(String::as_str) != Some("handle")
            || header.get(1).map(String::as_str) != Some("password")
        {
            return Err(format!("the header row is `{}`", header.join(",")));
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("row {} cannot be read ({})", i + 1, where_(&e)))?;
            if record.get(0).is_none_or(str::is_empty) || record.get(1).is_none_or(str::is_empty) {
                return Err(format!("row {} has an empty handle or password", i + 1));
            }
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(Self { extra_columns: header[2..].to_vec(), rows })
    }
}

/// Where a CSV error happened and what kind it is, without the data it saw.
fn where_(error: &csv::Error) -> String {
    let line = error.position().map_or(String::new(), |p| format!("line {}: ", p.line()));
    let kind = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8".to_string(),
        _ => "malformed CSV".to_string(),
    };
    format!("{line}{kind}")
}

/// Reads the accounts file `written` (relative to `base_dir`, inside it); problems go to
/// `at` in the scenario.
pub fn load(base_dir: &Path, written: &str, at: &DocPath, findings: &mut Findings) -> Option<Accounts> {
    let expected = "a CSV file with a header row `handle,password[,extra columns]` and one account per row";
    let path = match crate::source::file::confined(base_dir, written) {
        Ok(path) => path,
        Err(reason) => {
            findings.add(at, reason, crate::source::file::CONFINED_EXPECTED);
            return None;
        }
    };
    let text = match crate::source::file::read_text(&path) {
        Ok(text) => text,
        Err(e) => {
            findings.add(at, format!("cannot read the accounts file `{written}`: {e}"), expected);
            return None;
        }
    };
    match Accounts::parse(&text) {
        Ok(accounts) => Some(accounts),
        Err(why) => {
            findings.add(at, format!("the accounts file `{written}`: {why}"), expected);
            None
        }
    }
}

/// A file with fewer accounts than the replay needs is a problem naming both counts.
pub fn check_count(accounts: &Accounts, needed: u64, who: &str, at: &DocPath, findings: &mut Findings) {
    findings.check(
        accounts.len() as u64 >= needed,
        at,
        || {
            format!(
                "the accounts file holds {} accounts, but the replay needs {needed} {who}",
                accounts.len()
            )
        },
        &format!("at least {needed} rows, or a smaller `sample`"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_credentials_and_extra_columns_without_showing_them() {
        let accounts = Accounts::parse("handle,password,user_id\nana,s3cret-ana,11\nbo, s3cret-bo ,12\n")
            .expect("parses");
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts.value(1, "password"), Some("s3cret-bo"));
        assert_eq!(accounts.value(0, "user_id"), Some("11"));
        assert_eq!(accounts.value(0, "nope"), None);
        assert!(!format!("{accounts:?}").contains("s3cret"));
    }

    #[test]
    fn bad_files_say_where_and_never_what() {
        let header = Accounts::parse("user,pass\na,b\n").expect_err("wrong header");
        assert!(header.contains("header row"), "{header}");
        let short = Accounts::parse("handle,password\nana,s3cret,extra\n").expect_err("ragged");
        assert!(short.contains("3 fields where the header has 2") && !short.contains("s3cret"), "{short}");
        let empty = Accounts::parse("handle,password\nana,\n").expect_err("empty password");
        assert!(empty.contains("row 1"), "{empty}");
    }
}
