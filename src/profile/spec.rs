//! The target profile file: how each scenario action becomes an HTTP request on one
//! platform, and what to keep from the responses.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::extract::ExtractSpec;

/// A target profile.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// Profile name, shown in reports.
    pub name: String,
    /// What the profile targets.
    #[serde(default)]
    pub description: String,
    /// A request that answers when the platform is up; checked before the replay starts.
    #[serde(default)]
    pub health: Option<RequestSpec>,
    /// Headers sent with every action that is not `anonymous`, e.g. the bearer token.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Environment variables header values may read as `{{env.NAME}}` (an API key or a
    /// token for a gateway in front of the platform); only these are read, each must be
    /// set before a run, and the values are never logged nor written to reports.
    #[serde(default)]
    pub env: Vec<String>,
    /// Extracted fields stored per user, usable as `{{target_user.NAME}}` (e.g. `user_id`).
    #[serde(default)]
    pub user_fields: Vec<String>,
    /// Extracted fields stored per post, usable as `{{target_post.NAME}}` (e.g. `post_id`).
    #[serde(default)]
    pub post_fields: Vec<String>,
    /// One entry per supported action; an action left out is unsupported and its steps are
    /// skipped (and listed as such in reports), never faked. Names beyond the built-in
    /// actions define custom actions (e.g. `search`), at most 64, snake_case, 48 characters.
    pub actions: BTreeMap<String, RequestSpec>,
    /// Actions the platform cannot serve, with the reason shown in reports.
    #[serde(default)]
    pub unsupported: BTreeMap<String, String>,
    /// Path of a fault admin endpoint speaking the reference platform's `PUT /admin/faults`
    /// JSON (route names = action names), e.g. `/admin/faults`. With it, a scenario's
    /// `outages` are injected into the target; without it they are reported as not injected.
    #[serde(default)]
    pub fault_admin: Option<String>,
    /// How a room member reads and leaves a live room, for `join_room`.
    #[serde(default)]
    pub rooms: Option<RoomsSpec>,
    /// Whether the client follows redirects (default true). With `false` a 3xx is the
    /// answer, as web forms need (`success: [302]`, the new id in `Location`).
    #[serde(default = "yes")]
    pub follow_redirects: bool,
}

fn yes() -> bool {
    true
}

/// The requests around a live room's message stream (`{{room}}` is the room's name).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomsSpec {
    /// The member's message stream: a request answered with `text/event-stream`, read for
    /// the member's stay. Each event whose data carries a chat message's text counts as a
    /// delivery; an event named `lagged` with data `{"missed": n}` counts missed messages.
    pub events: RequestSpec,
    /// Sent when the stay ends (optional: some platforms only drop the stream).
    #[serde(default)]
    pub leave: Option<RequestSpec>,
}

/// One HTTP request, or (for an action) several: `sequence` or `parallel`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// A custom action's effect on the population: `user` (its success adds the journey's
    /// account, like signup) or `post` (adds a post, like create_post).
    #[serde(default)]
    pub creates: Option<Role>,
    /// What a custom action acts on, picked like follow/view_user (`user`) or like
    /// view_post (`post`), with the step's `pick` rule.
    #[serde(default)]
    pub picks: Option<Role>,
    /// Requests sent one after the other as one action (later ones may use the values
    /// earlier ones extract); each has a `name`, reported as `ACTION/NAME`.
    #[serde(default)]
    pub sequence: Vec<RequestSpec>,
    /// Requests sent at once as one action (e.g. opening the app); each has a `name`.
    #[serde(default)]
    pub parallel: Vec<RequestSpec>,
    /// The name of a request inside `sequence` or `parallel` (snake_case).
    #[serde(default)]
    pub name: Option<String>,
    /// HTTP method (GET, POST, PUT, PATCH, DELETE).
    #[serde(default)]
    pub method: String,
    /// Path and query, with placeholders, e.g. `/api/posts/{{target_post.post_id}}/comments`.
    #[serde(default)]
    pub path: String,
    /// Do not send the profile's default headers (for signup and login).
    #[serde(default)]
    pub anonymous: bool,
    /// Extra headers for this request (placeholders allowed).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body; strings may hold placeholders.
    #[serde(default)]
    pub json: Option<serde_json::Value>,
    /// A generated body instead of JSON: `image` (PNG-signed bytes of the step's
    /// `image_bytes`) or `text` (the step's `text_len` characters).
    #[serde(default)]
    pub body: Option<GeneratedBody>,
    /// Content type of a generated body (default `image/png` or `text/plain`).
    #[serde(default)]
    pub content_type: Option<String>,
    /// A form body (`application/x-www-form-urlencoded`): field → template.
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    /// A `multipart/form-data` body: text fields and generated files.
    #[serde(default)]
    pub multipart: Option<Vec<PartSpec>>,
    /// A GraphQL request: POSTed as JSON `{query, variables}`.
    #[serde(default)]
    pub graphql: Option<GraphqlSpec>,
    /// A JSON pointer whose presence in a successful response marks it failed (`bad_body`),
    /// e.g. `/errors` for GraphQL, which answers 200 to a bad query.
    #[serde(default)]
    pub fail_if: Option<String>,
    /// Cookies to keep from this response's `Set-Cookie` (by name): stored with the
    /// account and sent back in a `Cookie` header on its later requests (not anonymous ones).
    #[serde(default)]
    pub cookies: Vec<String>,
    /// Statuses that count as success (default: any 2xx).
    #[serde(default)]
    pub success: Vec<u16>,
    /// Values to keep from the response: name → a JSON pointer into a JSON body (e.g.
    /// `token: /token`), or `{ header: NAME, regex: RE }` (either or both; a regex keeps
    /// its first capture group, over the header or, without `header`, over the body).
    #[serde(default)]
    pub extract: BTreeMap<String, ExtractSpec>,
}

/// What a custom action creates or picks in the population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Post,
}

/// Kinds of generated request bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GeneratedBody {
    Image,
    Text,
}

/// One part of a multipart body: a text `value` (placeholders allowed) or a generated
/// `file` (the step's `image_bytes` or `text_len`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartSpec {
    /// The form field name.
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub file: Option<GeneratedBody>,
    /// File name sent with a generated file (default `upload.png` or `upload.txt`).
    #[serde(default)]
    pub file_name: Option<String>,
    /// Content type of a generated file (default `image/png` or `text/plain`).
    #[serde(default)]
    pub content_type: Option<String>,
}

/// A GraphQL operation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphqlSpec {
    /// The query or mutation text, sent as is.
    pub query: String,
    /// Variables; strings may hold placeholders.
    #[serde(default)]
    pub variables: Option<serde_json::Value>,
}
