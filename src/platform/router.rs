//! The HTTP application: the router that wires routes, body limits, fault injection, the
//! access log and JSON fallbacks to the shared [`App`] state.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, on, post};

use super::admin;
use super::app::App;
use super::error;
use super::fault::layer::inject;
use super::routes::{Route, accounts, feed, graph, graphql, media, posts, rooms, search, session, web};

/// Largest JSON body; posts and comments are short, so anything bigger is abuse.
pub const JSON_BODY_LIMIT_BYTES: usize = 64 * 1024;
/// Largest media upload.
pub const MEDIA_BODY_LIMIT_BYTES: usize = 5 * 1024 * 1024;

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
            Route::Search => on(filter, search::search),
            Route::Health => on(filter, health),
        };
        api = route(api, r, handler);
    }
    // Outside the route table (no fault names): the cookie session, the form upload and
    // GraphQL are alternative front doors to the routes above.
    let api = api
        .route("/api/session", post(session::login))
        .route(
            "/api/media/form",
            post(media::upload_form).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT_BYTES)),
        )
        .route("/graphql", post(graphql::execute))
        // The HTML forms of a server-rendered platform (CSRF, 302 redirects).
        .route("/web/login", get(web::login_page).post(web::login))
        .route("/web/posts", post(web::create_post));
    api.route("/admin/faults", get(admin::get_faults).put(admin::put_faults))
        .fallback(error::unknown_route)
        .method_not_allowed_fallback(error::wrong_method)
        .layer(axum::middleware::from_fn_with_state(app.faults.clone(), inject))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT_BYTES))
        // Outermost: the log sees every request, faults and refusals included.
        .layer(axum::middleware::from_fn_with_state(app.access_log.clone(), super::access_log::record))
        .with_state(app)
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}
