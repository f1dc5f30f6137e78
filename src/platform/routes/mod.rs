//! The HTTP surface: the route table (one name per method + path, shared with the fault
//! layer and the later executor profile) and the handlers, one file per area.

pub mod accounts;
pub mod feed;
pub mod graph;
pub mod graphql;
pub mod media;
pub mod posts;
pub mod rooms;
pub mod search;
pub mod session;
pub mod web;

use std::fmt;
use std::str::FromStr;

use axum::http::Method;

/// Every API route by the name fault flags and reports use (`--fault-latency like=...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    Signup,
    Login,
    UploadMedia,
    ViewMedia,
    CreatePost,
    Comment,
    Follow,
    Unfollow,
    Like,
    ViewFeed,
    ViewPost,
    ViewUser,
    JoinRoom,
    LeaveRoom,
    RoomEvents,
    SendChat,
    Search,
    Health,
}

impl Route {
    pub const ALL: [Route; 18] = [
        Route::Signup,
        Route::Login,
        Route::UploadMedia,
        Route::ViewMedia,
        Route::CreatePost,
        Route::Comment,
        Route::Follow,
        Route::Unfollow,
        Route::Like,
        Route::ViewFeed,
        Route::ViewPost,
        Route::ViewUser,
        Route::JoinRoom,
        Route::LeaveRoom,
        Route::RoomEvents,
        Route::SendChat,
        Route::Search,
        Route::Health,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Route::Signup => "signup",
            Route::Login => "login",
            Route::UploadMedia => "upload_media",
            Route::ViewMedia => "view_media",
            Route::CreatePost => "create_post",
            Route::Comment => "comment",
            Route::Follow => "follow",
            Route::Unfollow => "unfollow",
            Route::Like => "like",
            Route::ViewFeed => "view_feed",
            Route::ViewPost => "view_post",
            Route::ViewUser => "view_user",
            Route::JoinRoom => "join_room",
            Route::LeaveRoom => "leave_room",
            Route::RoomEvents => "room_events",
            Route::SendChat => "send_chat",
            Route::Search => "search",
            Route::Health => "health",
        }
    }

    /// The method and axum path pattern the route is registered under.
    pub fn endpoint(self) -> (Method, &'static str) {
        match self {
            Route::Signup => (Method::POST, "/api/signup"),
            Route::Login => (Method::POST, "/api/login"),
            Route::UploadMedia => (Method::POST, "/api/media"),
            Route::ViewMedia => (Method::GET, "/api/media/{id}"),
            Route::CreatePost => (Method::POST, "/api/posts"),
            Route::Comment => (Method::POST, "/api/posts/{id}/comments"),
            Route::Follow => (Method::POST, "/api/users/{id}/follow"),
            Route::Unfollow => (Method::DELETE, "/api/users/{id}/follow"),
            Route::Like => (Method::POST, "/api/posts/{id}/like"),
            Route::ViewFeed => (Method::GET, "/api/timeline"),
            Route::ViewPost => (Method::GET, "/api/posts/{id}"),
            Route::ViewUser => (Method::GET, "/api/users/{id}"),
            Route::JoinRoom => (Method::POST, "/api/rooms/{name}/join"),
            Route::LeaveRoom => (Method::POST, "/api/rooms/{name}/leave"),
            Route::RoomEvents => (Method::GET, "/api/rooms/{name}/events"),
            Route::SendChat => (Method::POST, "/api/rooms/{name}/messages"),
            Route::Search => (Method::GET, "/api/search"),
            Route::Health => (Method::GET, "/health"),
        }
    }

    pub fn path(self) -> &'static str {
        self.endpoint().1
    }

    /// The route a matched request belongs to (`path` is the pattern, not the URI).
    pub fn of(method: &Method, path: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| {
            let (m, p) = route.endpoint();
            m == method && p == path
        })
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Route {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Route::ALL.into_iter().find(|route| route.name() == name).ok_or_else(|| {
            let names: Vec<_> = Route::ALL.iter().map(|r| r.name()).collect();
            format!("unknown route `{name}` (expected all, {})", names.join(", "))
        })
    }
}

/// Checks a user-supplied text field: trimmed non-empty and at most `max_chars` chars.
pub fn check_text(field: &str, text: &str, max_chars: usize) -> Result<(), super::error::ApiError> {
    if text.trim().is_empty() {
        return Err(super::error::ApiError::unprocessable(format!("{field} must not be empty")));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(super::error::ApiError::unprocessable(format!(
            "{field} is {chars} characters long; the limit is {max_chars}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_endpoints_round_trip() {
        for route in Route::ALL {
            assert_eq!(route.name().parse::<Route>(), Ok(route));
            let (method, path) = route.endpoint();
            assert_eq!(Route::of(&method, path), Some(route));
        }
        assert_eq!(Route::of(&Method::PUT, "/api/posts"), None);
        assert!("likes".parse::<Route>().expect_err("must be rejected").contains("view_feed"));
    }
}
