//! Reading access logs: plain or gzipped files, streamed line by line with a bounded line
//! length, so memory never grows with the log (or with one hostile line).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

/// Longest line kept: real access-log lines are well under 8 KiB; a longer one is counted
/// as bad and skipped without being buffered.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The two bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A log file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct SourceError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// One line of a log: its number (from 1) and text, or why it was unusable.
#[derive(Debug, PartialEq)]
pub enum Line<'a> {
    Text(&'a str),
    /// Longer than [`MAX_LINE_BYTES`]; only the number is kept.
    TooLong,
    /// Not UTF-8.
    NotText,
}

/// Streams one file's lines; gzip is recognised by its magic bytes, not by the name
/// (rotated logs are often `access.log.2.gz`, sometimes gzipped without the suffix).
pub struct LineReader {
    path: PathBuf,
    reader: Box<dyn BufRead>,
    buffer: Vec<u8>,
    /// The number of the line last returned, from 1.
    pub line_number: u64,
}

impl std::fmt::Debug for LineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineReader").field("path", &self.path).field("line", &self.line_number).finish()
    }
}

impl LineReader {
    /// Opens `path` (`-` is standard input).
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let error = |source| SourceError { path: path.to_path_buf(), source };
        let raw: Box<dyn Read> = if path == Path::new("-") {
            Box::new(std::io::stdin())
        } else {
            Box::new(File::open(path).map_err(error)?)
        };
        Self::from_reader(path, raw).map_err(error)
    }

    /// Reads from any byte source (tests, standard input).
    pub fn from_reader(path: &Path, raw: Box<dyn Read>) -> std::io::Result<Self> {
        let mut buffered = BufReader::with_capacity(256 * 1024, raw);
        let gzipped = buffered.fill_buf()?.starts_with(&GZIP_MAGIC);
        let reader: Box<dyn BufRead> = if gzipped {
            // Multi-member: `cat a.gz b.gz` and pigz output are several gzip members.
            Box::new(BufReader::with_capacity(256 * 1024, MultiGzDecoder::new(buffered)))
        } else {
            Box::new(buffered)
        };
        Ok(Self { path: path.to_path_buf(), reader, buffer: Vec::with_capacity(4096), line_number: 0 })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next line's number and text without its end (`\n` or `\r\n`), `None` at the
    /// end of the file.
    pub fn next_line(&mut self) -> Result<Option<(u64, Line<'_>)>, SourceError> {
        self.buffer.clear();
        let mut too_long = false;
        let mut read_any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(SourceError { path: self.path.clone(), source }),
            };
            if chunk.is_empty() {
                break;
            }
            read_any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(end) => (end, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                if self.buffer.len() + take > MAX_LINE_BYTES {
                    too_long = true;
                    self.buffer.clear();
                } else {
                    self.buffer.extend_from_slice(&chunk[..take]);
                }
            }
            self.reader.consume(take + usize::from(done));
            if done {
                break;
            }
        }
        if !read_any {
            return Ok(None);
        }
        self.line_number += 1;
        if too_long {
            return Ok(Some((self.line_number, Line::TooLong)));
        }
        if self.buffer.last() == Some(&b'\r') {
            self.buffer.pop();
        }
        let line = match std::str::from_utf8(&self.buffer) {
            Ok(text) => Line::Text(text),
            Err(_) => Line::NotText,
        };
        Ok(Some((self.line_number, line)))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn lines(bytes: Vec<u8>) -> Vec<String> {
        let mut reader =
            LineReader::from_reader(Path::new("t"), Box::new(std::io::Cursor::new(bytes))).expect("opens");
        let mut out = Vec::new();
        while let Some((_, line)) = reader.next_line().expect("reads") {
            out.push(match line {
                Line::Text(t) => t.to_string(),
                Line::TooLong => "<long>".to_string(),
                Line::NotText => "<binary>".to_string(),
            });
        }
        out
    }

    #[test]
    fn splits_lines_and_strips_crlf() {
        assert_eq!(lines(b"a\r\nb\n\nc".to_vec()), ["a", "b", "", "c"]);
        assert_eq!(lines(b"a\n".to_vec()), ["a"]);
        assert!(lines(Vec::new()).is_empty());
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_not_buffered() {
        let mut bytes = vec![b'x'; MAX_LINE_BYTES * 3];
        bytes.extend_from_slice(b"\nnext\n\xff\xfe\n");
        assert_eq!(lines(bytes), ["<long>", "next", "<binary>"]);
        let exact = vec![b'y'; MAX_LINE_BYTES];
        assert_eq!(lines(exact).len(), 1);
    }

    #[test]
    fn reads_concatenated_gzip_members() {
        let gz = |text: &str| {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(text.as_bytes()).expect("compresses");
            encoder.finish().expect("finishes")
        };
        let mut bytes = gz("one\ntwo\n");
        bytes.extend(gz("three\n"));
        assert_eq!(lines(bytes), ["one", "two", "three"]);
    }
}
