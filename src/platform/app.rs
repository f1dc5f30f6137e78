//! The application: shared state every handler sees ([`App`]) and the [`router`] that
//! wires routes, body limits, fault injection and JSON fallbacks together.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, on};

use super::auth::{PasswordHashing, SessionCache};
use super::config::Config;
use super::db::Db;
use super::error;
use super::fault::layer::{FaultState, inject};
use super::live::Live;
use super::routes::{Route, accounts, feed, graph, media, posts, rooms};
use super::{TargetError, admin};

/// Largest JSON body; posts and comments are short, so anything bigger is abuse.
pub const JSON_BODY_LIMIT_BYTES: usize = 64 * 1024;
/// Largest media upload.
pub const MEDIA_BODY_LIMIT_BYTES: usize = 5 * 1024 * 1024;

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
            hashing: PasswordHashing::new(config.hash_cost, config.parallel_hashes)
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

/// The complete HTTP application.
pub fn router(app: App) -> Router {
    let route =
        |router: Router<App>, route: Route, handler: MethodRouter<App>| router.route(route.path(), handler);
    let mut api = Router::new();
    for r in Route::ALL {
        let (method, _) = r.endpoint();
        let filter = match axum::routing::MethodFilter::try_from(method) {
            Ok(filter) => filter,
            Err(_) => continue,
        };
        let handler: MethodRouter<App> = match r {
            Route::Signup => on(filter, accounts::signup),
            Route::Login => on(filter, accounts::login),
            Route::ViewUser => on(filter, accounts::view_user),
            Route::UploadMedia => {
                on(filter, media::upload).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT_BYTES))
            }
            Route::ViewMedia => on(filter, media::download),
            Route::CreatePost => on(filter, posts::create),
            Route::ViewPost => on(filter, posts::view),
            Route::Comment => on(filter, posts::comment),
            Route::Like => on(filter, posts::like),
            Route::Follow => on(filter, graph::follow),
            Route::Unfollow => on(filter, graph::unfollow),
            Route::ViewFeed => on(filter, feed::timeline),
            Route::JoinRoom => on(filter, rooms::join),
            Route::LeaveRoom => on(filter, rooms::leave),
            Route::RoomEvents => on(filter, rooms::events),
            Route::SendChat => on(filter, rooms::send),
            Route::Health => on(filter, health),
        };
        api = route(api, r, handler);
    }
    api.route("/admin/faults", get(admin::get_faults).put(admin::put_faults))
        .fallback(error::unknown_route)
        .method_not_allowed_fallback(error::wrong_method)
        .layer(axum::middleware::from_fn_with_state(app.clone(), inject))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT_BYTES))
        // Outermost: the log sees every request, faults and refusals included.
        .layer(axum::middleware::from_fn_with_state(app.clone(), super::access_log::record))
        .with_state(app)
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}
