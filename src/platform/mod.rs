//! The reference platform behind `stampede serve`: a small social network (accounts,
//! posts with media, comments, likes, follows, a timeline) on axum and SQLite, with the
//! costs a surge meets — CPU-bound password hashing, contended writes, fan-out reads,
//! uploads — plus fault injection to check the load tester's honesty.
//!
//! Map, in request order:
//!
//! - [`config`]: `ServeArgs` (flags) → [`Config`].
//! - [`app`]: the shared state handlers see; [`router`] wires routes to it, [`fault`]
//!   middleware first on each route.
//! - [`auth`]: argon2id hashing, bearer tokens, the `AuthUser` extractor.
//! - [`routes`]: the route table and handlers (accounts, media, posts, graph, feed, rooms).
//! - [`live`]: rooms' bounded broadcast channels behind the event streams.
//! - [`db`]: SQLite in WAL mode, one writer, a pool of readers.
//! - [`error`]: `ApiError` → `{"error": "..."}` with a 4xx/5xx status.
//! - [`admin`]: `GET/PUT /admin/faults`.
//! - [`access_log`]: `--access-log`, one line per request, written off the request path.
//!
//! [`serve`] runs the server on a bound listener until a shutdown future completes, so
//! tests (and `stampede run`) start it in-process on port 0.

pub mod access_log;
pub mod admin;
pub mod app;
pub mod argon;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod fault;
pub mod live;
pub mod router;
pub mod routes;
pub mod tls;

use std::future::Future;
use std::io::Write;

use tokio::net::TcpListener;

pub use app::App;
pub use config::{Config, HashCost, Secret, ServeArgs};
pub use router::router;

/// Errors of the reference platform (not of single requests: those are `ApiError`s).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("invalid password hashing parameters: {0}")]
    Hashing(String),
    #[error("TLS: {0}")]
    Tls(String),
}

impl TargetError {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}

/// Opens the platform described by `config` and serves it on `listener` until
/// `shutdown` completes; then lets in-flight requests finish and closes the database.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TargetError> {
    let app = App::open(&config)?;
    run(listener, app, None, shutdown).await
}

/// Serves an already opened [`App`]; see [`serve`].
pub async fn run(
    listener: TcpListener,
    app: App,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TargetError> {
    let db = app.db.clone();
    let live = app.live.clone();
    let access_log = app.access_log.clone();
    // Room streams never end by themselves: close them when shutdown starts, or the
    // graceful shutdown would wait for members forever.
    let shutdown = async move {
        shutdown.await;
        live.close();
    };
    let served = accept_loop(listener, router(app), tls, shutdown).await;
    if let Some(log) = access_log {
        log.close();
    }
    // Close even after a server error, so the WAL is checkpointed either way.
    let closed = db.close();
    served?;
    closed?;
    tracing::info!("stopped: database closed");
    Ok(())
}

/// How long a client may take to send a request's headers: a connection that sends half a
/// request and stops is closed instead of held forever (hyper applies its timeout only
/// with a timer, which `axum::serve` does not give it).
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a client may take to complete a TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Accepts connections until `shutdown`, serving each with hyper (HTTP/1.1 with a
/// header-read timeout, or HTTP/2; over TLS when `tls` is given), then waits for open
/// connections to finish.
async fn accept_loop(
    listener: TcpListener,
    router: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TargetError> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        // The client's address, for the access log (what `into_make_service_with_connect_info` gives).
        let service = tower::ServiceExt::map_request(
            router.clone(),
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                request
            },
        );
        let service = hyper_util::service::TowerToHyperService::new(service);
        let Some(acceptor) = &tls else {
            let connection =
                builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, "connection ended with an error");
                }
            });
            continue;
        };
        // The handshake runs in the connection's task, so a slow client holds up no one.
        let (acceptor, builder, watcher) = (acceptor.clone(), builder.clone(), graceful.watcher());
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(error)) => return tracing::debug!(%error, "TLS handshake failed"),
                Err(_) => return tracing::debug!("TLS handshake timed out"),
            };
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// Runs `stampede serve` until SIGINT/SIGTERM.
pub async fn serve_command(args: ServeArgs) -> Result<(), TargetError> {
    init_logging();
    // Held until the server stops: dropping it deletes the temporary data directory.
    let (temp_dir, data_dir) = match &args.data {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(TargetError::io(format!("cannot create {}", dir.display())))?;
            (None, dir.clone())
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("stampede-serve-")
                .tempdir()
                .map_err(TargetError::io("cannot create a temporary data directory"))?;
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    };
    let config = Config::from_args(&args, data_dir);
    let tls = tls::acceptor(&args.tls)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let app = App::open(&config)?;
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(TargetError::io(format!("cannot listen on {}", args.listen)))?;
    let addr = listener.local_addr().map_err(TargetError::io("cannot read the bound address"))?;
    // The first stdout line is the contract with scripts and tests: print it only once
    // the database is open and the socket accepts, and flush it past any pipe buffer.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {scheme}://{addr}")
        .and_then(|()| stdout.flush())
        .map_err(TargetError::io("cannot write to stdout"))?;
    drop(stdout);
    tracing::info!(data = %config.data_dir.display(), hash_cost = ?config.hash_cost, "serving");
    if !config.faults.is_empty() {
        tracing::warn!(faults = ?config.faults, "fault injection is on");
    }
    run(listener, app, tls, shutdown_signal()).await?;
    drop(temp_dir);
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Handlers never log request
/// bodies or headers, so passwords and tokens stay out of the log.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second subscriber (tests, `stampede run`) is not an error.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
