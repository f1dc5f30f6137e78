//! The log formats `stampede import access-log` reads, each line parsed into a [`Record`]
//! borrowed from the line (no allocation for text formats): nginx/Apache `combined` (and
//! plain common log format), AWS Application Load Balancer logs, and JSON lines with
//! configurable field names (in [`super::json`]).
//!
//! A line that does not parse is a [`BadLine`] with a fixed reason: it is counted and
//! reported by number, never fatal, and its content is never echoed (logs hold tokens).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// A log line's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// nginx/Apache combined (or common) log format.
    Combined,
    /// One JSON object per line; field names set by `--json-field`.
    Json,
    /// AWS Application Load Balancer access logs.
    Alb,
}

/// What the importer needs from one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// When the request was logged, microseconds since the Unix epoch.
    pub time_us: i64,
    pub method: &'a str,
    /// The path without its query string.
    pub path: &'a str,
    /// `None` when the log has none (an ALB request closed before a response: `-`).
    pub status: Option<u16>,
    /// Who sent it, hashed: the user/session field of a JSON log, or client address + user
    /// agent; `None` when the log carries no key.
    pub key: Option<u64>,
}

/// Why a line was not a request; a fixed text, never the line's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadLine(pub &'static str);

/// A stable hash of a user key (FNV-1a: the same in every run and build, unlike std's
/// hasher; 64 bits keep collisions negligible below billions of keys).
pub fn key_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        // A separator byte that UTF-8 text never holds keeps ("ab", "c") apart from ("a", "bc").
        for &byte in part.as_bytes().iter().chain(&[0xff]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Splits a space-separated line whose fields may be `"quoted"` (with `\"` escapes) or
/// `[bracketed]`; yields each field without its delimiters.
pub struct Fields<'a> {
    rest: &'a str,
}

impl<'a> Fields<'a> {
    pub fn new(line: &'a str) -> Self {
        Self { rest: line }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<&'a str, BadLine>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let (field, after) = match bytes[0] {
            b'"' => {
                let mut i = 1;
                loop {
                    match bytes.get(i) {
                        None => return Some(Err(BadLine("a quoted field is not closed"))),
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                (&rest[1..i], &rest[(i + 1).min(rest.len())..])
            }
            b'[' => match rest.find(']') {
                Some(end) => (&rest[1..end], &rest[end + 1..]),
                None => return Some(Err(BadLine("a [bracketed] field is not closed"))),
            },
            _ => {
                let end = rest.find(' ').unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        self.rest = after;
        Some(Ok(field))
    }
}

fn field<'a>(fields: &mut Fields<'a>, missing: &'static str) -> Result<&'a str, BadLine> {
    fields.next().unwrap_or(Err(BadLine(missing)))
}

/// `GET /path?query HTTP/1.1` → (method, path without query). The target may be an
/// absolute URL (ALB logs, proxies): its scheme and authority are dropped.
pub fn request_line(request: &str) -> Result<(&str, &str), BadLine> {
    let mut parts = request.split(' ');
    let method = parts.next().filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()));
    let (Some(method), Some(target)) = (method, parts.next()) else {
        return Err(BadLine("the request is not `METHOD PATH PROTOCOL`"));
    };
    path_of(target).map(|path| (method, path))
}

/// The path of a request target, without query string or fragment.
pub fn path_of(target: &str) -> Result<&str, BadLine> {
    let target = match target.find("://") {
        Some(scheme) => {
            let after = &target[scheme + 3..];
            after.find('/').map_or("/", |slash| &after[slash..])
        }
        None => target,
    };
    let path = target.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(BadLine("the request path does not start with `/`"));
    }
    Ok(path)
}

fn status(text: &str) -> Result<Option<u16>, BadLine> {
    if text == "-" {
        return Ok(None);
    }
    match text.parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Ok(Some(code)),
        _ => Err(BadLine("the status is not a number from 100 to 599")),
    }
}

/// `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`, Apache `%t`).
pub fn clf_time(text: &str) -> Result<i64, BadLine> {
    let format = format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, &format)
        .map(micros)
        .map_err(|_| BadLine("the time is not `dd/Mon/yyyy:HH:MM:SS +zzzz`"))
}

/// An RFC 3339 instant such as `2018-07-02T22:23:00.186641Z`.
pub fn rfc3339_time(text: &str) -> Result<i64, BadLine> {
    OffsetDateTime::parse(text, &Rfc3339).map(micros).map_err(|_| BadLine("the time is not RFC 3339"))
}

fn micros(instant: OffsetDateTime) -> i64 {
    // Years 0..=9999 (all `time` parses) stay far inside i64 microseconds.
    (instant.unix_timestamp_nanos() / 1_000) as i64
}

/// `HOST IDENT USER [TIME] "REQUEST" STATUS BYTES ["REFERER" "USER-AGENT"]`.
pub fn combined(line: &str, keyed: bool) -> Result<Record<'_>, BadLine> {
    let mut fields = Fields::new(line);
    let host = field(&mut fields, "the line is empty")?;
    let _ident = field(&mut fields, "the line ends after the client address")?;
    let _user = field(&mut fields, "the line ends after the ident field")?;
    let time_us = clf_time(field(&mut fields, "the line ends before the [time]")?)?;
    let (method, path) = request_line(field(&mut fields, "the line ends before the \"request\"")?)?;
    let status = status(field(&mut fields, "the line ends before the status")?)?;
    let _bytes = field(&mut fields, "the line ends before the size")?;
    let _referer = fields.next().transpose()?;
    let agent = fields.next().transpose()?.unwrap_or("");
    let key = keyed.then(|| key_hash(&[host, agent]));
    Ok(Record { time_us, method, path, status, key })
}

/// AWS ALB: `TYPE TIME ELB CLIENT:PORT TARGET:PORT T1 T2 T3 ELB_STATUS TARGET_STATUS
/// RECEIVED SENT "REQUEST" "USER_AGENT" …` (the rest is ignored).
pub fn alb(line: &str, keyed: bool) -> Result<Record<'_>, BadLine> {
    let mut fields = Fields::new(line);
    let mut next = |missing| field(&mut fields, missing);
    let _kind = next("the line is empty")?;
    let time_us = rfc3339_time(next("the line ends before the time")?)?;
    let _elb = next("the line ends before the load balancer")?;
    let client = next("the line ends before the client address")?;
    for missing in ["the line ends before the target address", "the line ends before the timings"] {
        next(missing)?;
    }
    let (_, _) = (next("the line ends in the timings")?, next("the line ends in the timings")?);
    let status = status(next("the line ends before the status")?)?;
    for _ in 0..3 {
        next("the line ends before the \"request\"")?;
    }
    let (method, path) = request_line(next("the line ends before the \"request\"")?)?;
    let agent = fields.next().transpose()?.unwrap_or("");
    // The client's port changes per connection; the address and agent identify it.
    let address = client.rsplit_once(':').map_or(client, |(address, _)| address);
    let key = keyed.then(|| key_hash(&[address, agent]));
    Ok(Record { time_us, method, path, status, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX: &str = r#"203.0.113.7 - - [13/Jan/2025:05:00:01 +0000] "POST /api/signup HTTP/1.1" 201 312 "-" "Mozilla/5.0 (X11; Linux) \"quoted\"""#;

    #[test]
    fn parses_a_combined_line() {
        let record = combined(NGINX, true).expect("parses");
        assert_eq!((record.method, record.path, record.status), ("POST", "/api/signup", Some(201)));
        assert_eq!(record.time_us, 1_736_744_401_000_000);
        assert_eq!(record.key, Some(key_hash(&["203.0.113.7", r#"Mozilla/5.0 (X11; Linux) \"quoted\""#])));
        assert_eq!(combined(NGINX, false).map(|r| r.key), Ok(None));
    }

    #[test]
    fn common_log_format_and_offsets_and_queries() {
        let line =
            r#"::1 - frank [10/Oct/2000:13:55:36 -0700] "GET /api/timeline?limit=20 HTTP/1.0" 200 2326"#;
        let record = combined(line, true).expect("parses");
        assert_eq!((record.path, record.time_us), ("/api/timeline", 971_211_336_000_000));
    }

    #[test]
    fn bad_combined_lines_say_why() {
        let cases = [
            ("", "the line is empty"),
            (r#"1.2.3.4 - - [13/Jan/2025:05:00:01 +0000] "GET /"#, "a quoted field is not closed"),
            (
                r#"1.2.3.4 - - [13/Jan/2025 05:00:01] "GET / HTTP/1.1" 200 1"#,
                "the time is not `dd/Mon/yyyy:HH:MM:SS +zzzz`",
            ),
            (
                r#"1.2.3.4 - - [13/Jan/2025:05:00:01 +0000] "\x16\x03\x01" 400 0"#,
                "the request is not `METHOD PATH PROTOCOL`",
            ),
            (
                r#"1.2.3.4 - - [13/Jan/2025:05:00:01 +0000] "GET / HTTP/1.1" 2000 1"#,
                "the status is not a number from 100 to 599",
            ),
            (
                r#"1.2.3.4 - - [13/Jan/2025:05:00:01 +0000] "GET x HTTP/1.1" 200 1"#,
                "the request path does not start with `/`",
            ),
            ("1.2.3.4 - - [13/Jan/2025:05:00:01 +0000]", "the line ends before the \"request\""),
        ];
        for (line, reason) in cases {
            assert_eq!(combined(line, true), Err(BadLine(reason)), "{line}");
        }
    }

    #[test]
    fn parses_an_alb_line() {
        let line = r#"https 2025-01-13T05:00:02.186641Z app/my-lb/50dc6c495c0c9188 198.51.100.9:2817 10.0.0.1:80 0.000 0.001 0.000 201 201 34 366 "POST https://social.example.com:443/api/signup?x=1 HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "social.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2025-01-13T05:00:02.185000Z "forward" "-" "-" "10.0.0.1:80" "201" "-" "-" TID_1234"#;
        let record = alb(line, true).expect("parses");
        assert_eq!((record.method, record.path, record.status), ("POST", "/api/signup", Some(201)));
        assert_eq!(record.time_us, 1_736_744_402_186_641);
        assert_eq!(record.key, Some(key_hash(&["198.51.100.9", "curl/8.5.0"])));
        let closed = line.replacen(" 201 201 ", " - - ", 1);
        assert_eq!(alb(&closed, false).map(|r| r.status), Ok(None));
    }
}
