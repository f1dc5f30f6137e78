//! Storage: one SQLite database in WAL mode under the data directory, reached through one
//! writer connection and a small pool of read-only connections.
//!
//! WAL lets readers run while a write commits, so reads (timelines, profiles) scale with
//! the pool while writes (signups, posts, likes) queue on the single writer — the honest
//! shape of SQLite under a surge, without a global lock around everything. All SQLite
//! calls are blocking, so [`Db::read`] and [`Db::write`] run them on tokio's blocking pool.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

use super::error::ApiError;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "stampede.sqlite3";
/// How long a connection waits on a lock before reporting busy. Only checkpoints and the
/// writer itself contend, so this is generous rather than tuned.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const SCHEMA: &str = include_str!("schema.sql");

/// Why the database could not be opened or closed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("cannot close database: {0}")]
    Close(rusqlite::Error),
}

/// Shared handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` once [`Db::close`] ran, so late requests get 503 instead of a closed handle.
    writer: Mutex<Option<Connection>>,
    /// Read-only connections; a request takes the first free one.
    readers: Vec<Mutex<Option<Connection>>>,
    /// Where the next reader search starts, spreading waits when all are busy.
    next_reader: AtomicUsize,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("readers", &self.inner.readers.len()).finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database in `dir` with `readers` read connections.
    pub fn open(dir: &Path, readers: usize) -> Result<Self, DbError> {
        let path = dir.join(DB_FILE);
        let open_err = |source| DbError::Open { path: path.clone(), source };
        let writer = Connection::open(&path).map_err(open_err)?;
        // journal_mode returns a row, so it is read with query_row rather than execute.
        writer.query_row("PRAGMA journal_mode = WAL", [], |row| row.get::<_, String>(0)).map_err(open_err)?;
        configure(&writer).map_err(open_err)?;
        writer.execute_batch(SCHEMA).map_err(open_err)?;

        let mut pool = Vec::with_capacity(readers.max(1));
        for _ in 0..readers.max(1) {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let reader = Connection::open_with_flags(&path, flags).map_err(open_err)?;
            configure(&reader).map_err(open_err)?;
            pool.push(Mutex::new(Some(reader)));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(Some(writer)),
                readers: pool,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    /// Runs `work` on a read-only connection, on the blocking pool.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let guard = inner.reader();
            let conn = guard.as_ref().ok_or(CLOSED)?;
            work(conn)
        })
        .await?
    }

    /// Runs `work` on the writer connection, on the blocking pool. Writes are serialised
    /// by the writer's mutex; keep CPU-heavy work (password hashing) out of `work`.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut guard = lock(&inner.writer);
            let conn = guard.as_mut().ok_or(CLOSED)?;
            work(conn)
        })
        .await?
    }

    /// Checkpoints the WAL into the main file and closes every connection. Requests that
    /// arrive afterwards get 503.
    pub fn close(&self) -> Result<(), DbError> {
        for reader in &self.inner.readers {
            if let Some(conn) = lock(reader).take() {
                conn.close().map_err(|(_, e)| DbError::Close(e))?;
            }
        }
        if let Some(conn) = lock(&self.inner.writer).take() {
            // TRUNCATE leaves an empty -wal file, so the data directory is self-contained.
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(DbError::Close)?;
            conn.close().map_err(|(_, e)| DbError::Close(e))?;
        }
        Ok(())
    }
}

const CLOSED: ApiError = ApiError::Unavailable("database is closed");

impl Inner {
    /// The first free reader, or a wait on one chosen round-robin when all are busy.
    fn reader(&self) -> MutexGuard<'_, Option<Connection>> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        for i in 0..n {
            if let Ok(guard) = self.readers[(start + i) % n].try_lock() {
                return guard;
            }
        }
        lock(&self.readers[start % n])
    }
}

/// Locks a mutex, recovering from poisoning: a panicking request must not take the
/// database down for everyone after it (the connection itself stays valid).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose
    // the last transactions, an acceptable trade for a load-test target.
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Milliseconds since the Unix epoch, the timestamp stored in every row.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Whether `error` is a UNIQUE/PRIMARY KEY violation (a duplicate handle, say).
pub fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// Whether a row with `id` exists in `table` (a fixed, trusted table name).
pub fn exists(conn: &Connection, table: &'static str, id: i64) -> Result<bool, ApiError> {
    let sql = format!("SELECT EXISTS(SELECT 1 FROM {table} WHERE id = ?1)");
    Ok(conn.prepare_cached(&sql)?.query_row([id], |row| row.get(0))?)
}
