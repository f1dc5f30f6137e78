//! The application's state: what every handler sees ([`App`]), opened from the config.
//! The router that wires handlers to it sits in `router.rs`.

use std::path::PathBuf;
use std::sync::Arc;

use super::TargetError;
use super::auth::{PasswordHashing, SessionCache, SessionStore};
use super::config::Config;
use super::db::Db;
use super::fault::layer::FaultState;
use super::live::Live;

/// State shared by all handlers; cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub hashing: PasswordHashing,
    /// Token digests already resolved, so authentication rarely touches the database.
    pub sessions: Arc<SessionCache>,
    pub faults: Arc<FaultState>,
    /// `None` disables the admin endpoint.
    pub admin_token: Option<Arc<str>>,
    /// Where uploaded media files are written (`<data>/media`).
    pub media_dir: PathBuf,
    /// Live rooms' message channels.
    pub live: Arc<Live>,
    /// `--access-log`: `None` logs nothing.
    pub access_log: Option<Arc<super::access_log::AccessLog>>,
}

impl App {
    /// Opens the database and media directory under `config.data_dir`.
    pub fn open(config: &Config) -> Result<Self, TargetError> {
        let media_dir = config.data_dir.join("media");
        std::fs::create_dir_all(&media_dir).map_err(|source| TargetError::Io {
            context: format!("cannot create {}", media_dir.display()),
            source,
        })?;
        Ok(Self {
            db: Db::open(&config.data_dir, config.readers)?,
            hashing: PasswordHashing::new(config.hash_cost.params(), config.parallel_hashes)
                .map_err(|e| TargetError::Hashing(e.to_string()))?,
            sessions: Arc::default(),
            faults: Arc::new(FaultState::new(config.faults.clone())),
            admin_token: config.admin_token.as_ref().map(|s| Arc::from(s.0.as_str())),
            media_dir,
            live: Arc::new(Live::new()),
            access_log: match &config.access_log {
                Some((path, format)) => {
                    Some(super::access_log::AccessLog::open(path, *format).map_err(|source| {
                        TargetError::Io {
                            context: format!("cannot open the access log {}", path.display()),
                            source,
                        }
                    })?)
                }
                None => None,
            },
        })
    }
}

impl SessionStore for App {
    fn sessions(&self) -> &SessionCache {
        &self.sessions
    }

    fn db(&self) -> &Db {
        &self.db
    }
}
