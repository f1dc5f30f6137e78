//! The platform's access log (`stampede serve --access-log FILE`): one line per request in
//! nginx's `combined` format or as JSON, so a replay leaves a log that `stampede import
//! access-log` turns back into a scenario, as a user's own nginx logs would be.
//!
//! Handlers never wait for the disk: the middleware formats the line and hands it to a
//! writer thread through a bounded channel; a full channel drops the line (counted and
//! reported when the server stops) rather than stall requests. The writer buffers and
//! flushes whenever the channel runs dry, and for good on [`AccessLog::close`].
//!
//! The time logged is when the request arrived (its arrival is what an import replays);
//! the user key of JSON lines is a short hash of the bearer token — of the one a signup
//! returns, too — never the token itself.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::auth::{TokenHash, bearer_of, token_hash};

/// Lines waiting for the writer at most (a few MB): enough for bursts of any replay.
const QUEUE_LINES: usize = 65_536;

/// Line format of the access log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AccessLogFormat {
    /// nginx/Apache combined log format.
    #[default]
    Combined,
    /// One JSON object per line: time, client, method, path, status, bytes, duration_ms,
    /// user (a token hash) and user_agent.
    Json,
}

/// The user a response belongs to, set by handlers that create a session (signup), so
/// the log can key the signup like the requests that follow it.
#[derive(Debug, Clone)]
pub struct UserKey(pub String);

/// A short, stable key for a token: 16 hex digits of its hash.
pub fn user_key(hash: &TokenHash) -> UserKey {
    UserKey(hash[..8].iter().map(|b| format!("{b:02x}")).collect())
}

enum Message {
    Line(String),
    Close,
}

/// A running access log.
#[derive(Debug)]
pub struct AccessLog {
    format: AccessLogFormat,
    sender: SyncSender<Message>,
    writer: Mutex<Option<std::thread::JoinHandle<std::io::Result<()>>>>,
    dropped: AtomicU64,
    path: PathBuf,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Line(_) => "Line",
            Message::Close => "Close",
        })
    }
}

impl AccessLog {
    /// Opens `path` for appending and starts the writer thread.
    pub fn open(path: &Path, format: AccessLogFormat) -> std::io::Result<Arc<Self>> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (sender, receiver) = sync_channel(QUEUE_LINES);
        let writer = std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_lines(file, receiver))?;
        Ok(Arc::new(Self {
            format,
            sender,
            writer: Mutex::new(Some(writer)),
            dropped: AtomicU64::new(0),
            path: path.to_path_buf(),
        }))
    }

    fn send(&self, line: String) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            self.sender.try_send(Message::Line(line))
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes every queued line, flushes and stops the writer; later lines are dropped.
    pub fn close(&self) {
        let _ = self.sender.send(Message::Close);
        let handle = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(handle) = handle {
            match handle.join() {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, path = %self.path.display(), "access log write failed")
                }
                Err(_) => tracing::warn!("the access log writer panicked"),
            }
        }
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(dropped, "access log lines dropped: the writer fell behind");
        }
    }
}

fn write_lines(file: File, receiver: Receiver<Message>) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    while let Ok(message) = receiver.recv() {
        let mut next = Some(message);
        // Drain what is queued, then flush: a quiet server's log is never stale.
        while let Some(message) = next {
            match message {
                Message::Line(line) => out.write_all(line.as_bytes())?,
                Message::Close => return out.flush(),
            }
            next = receiver.try_recv().ok();
        }
        out.flush()?;
    }
    out.flush()
}

/// Middleware: logs every request once its response head is ready.
pub async fn record(State(log): State<Option<Arc<AccessLog>>>, request: Request, next: Next) -> Response {
    let Some(log) = log else {
        return next.run(request).await;
    };
    let arrived = OffsetDateTime::now_utc();
    let started = std::time::Instant::now();
    let method = request.method().as_str().to_owned();
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let version = format!("{:?}", request.version());
    let agent = request
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or("-".to_owned(), |c| c.0.ip().to_string());
    let mut user = bearer_of(request.headers()).map(|token| user_key(&token_hash(token)));
    let response = next.run(request).await;
    if let Some(key) = response.extensions().get::<UserKey>() {
        user = Some(key.clone());
    }
    let status = response.status().as_u16();
    let bytes = response
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(0);
    let line = match log.format {
        AccessLogFormat::Combined => {
            let time = arrived
                .format(format_description!(
                    "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
                ))
                .unwrap_or_default();
            format!(
                "{client} - - [{time}] \"{method} {target} {version}\" {status} {bytes} \"-\" \"{}\"\n",
                escape(&agent)
            )
        }
        AccessLogFormat::Json => {
            let object = serde_json::json!({
                "time": arrived.format(&Rfc3339).unwrap_or_default(),
                "client": client,
                "method": method,
                "path": target,
                "status": status,
                "bytes": bytes,
                "duration_ms": started.elapsed().as_secs_f64() * 1e3,
                "user": user.map(|u| u.0),
                "user_agent": agent,
            });
            object.to_string() + "\n"
        }
    };
    log.send(line);
    response
}

/// nginx's escaping inside quoted fields: `"`, `\` and non-printable bytes as `\xHH`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte == b'"' || byte == b'\\' || !(0x20..0x7f).contains(&byte) {
            out.push_str(&format!("\\x{byte:02X}"));
        } else {
            out.push(char::from(byte));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_nginx() {
        assert_eq!(escape("curl/8 \"x\" \\ é"), "curl/8 \\x22x\\x22 \\x5C \\xC3\\xA9");
    }

    #[test]
    fn close_writes_every_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("access.log");
        let log = AccessLog::open(&path, AccessLogFormat::Combined).expect("opens");
        for i in 0..1000 {
            log.send(format!("line {i}\n"));
        }
        log.close();
        log.send("after close\n".into());
        let text = std::fs::read_to_string(&path).expect("written");
        assert_eq!(text.lines().count(), 1000);
        assert_eq!(text.lines().last(), Some("line 999"));
    }
}
