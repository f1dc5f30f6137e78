//! The actions a journey can take: the vocabulary shared by scenario files, thresholds,
//! profiles and reports. In a module of its own because the model, outage windows and the
//! threshold grammar all name actions.
//!
//! Twelve actions are built in; a profile may add its own (`search`), interned by
//! [`names`] so that an action stays `Copy`, one word, and named by a `&'static str`.

pub mod names;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use names::{Kind, NAME_EXPECTED, NameError};

/// An interned custom action name (see [`names`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomId(u16);

/// The actions a journey can take: the built-in ones and those a profile defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Signup,
    Login,
    UploadMedia,
    CreatePost,
    Follow,
    Comment,
    Like,
    ViewFeed,
    ViewPost,
    ViewUser,
    /// Join a live room and read its message stream for the step's `stay`.
    JoinRoom,
    /// Send a chat message to a room joined earlier in the journey.
    SendChat,
    /// An action a profile defines, e.g. `search`, or `ACTION/REQUEST` for one request of
    /// a multi-request action.
    Custom(CustomId),
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::Signup,
        Action::Login,
        Action::UploadMedia,
        Action::CreatePost,
        Action::Follow,
        Action::Comment,
        Action::Like,
        Action::ViewFeed,
        Action::ViewPost,
        Action::ViewUser,
        Action::JoinRoom,
        Action::SendChat,
    ];

    /// Positions in per-action arrays: the built-ins, then every custom name a process
    /// may intern.
    pub const SLOTS: usize = Self::ALL.len() + names::CAPACITY;

    /// The snake_case name used in files, thresholds and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Login => "login",
            Self::UploadMedia => "upload_media",
            Self::CreatePost => "create_post",
            Self::Follow => "follow",
            Self::Comment => "comment",
            Self::Like => "like",
            Self::ViewFeed => "view_feed",
            Self::ViewPost => "view_post",
            Self::ViewUser => "view_user",
            Self::JoinRoom => "join_room",
            Self::SendChat => "send_chat",
            Self::Custom(id) => names::get(id.0).0,
        }
    }

    /// The action called `name`: a built-in or a custom name interned earlier. Never
    /// interns (reports and merges read names without making actions of them).
    pub fn from_name(name: &str) -> Option<Self> {
        let builtin = Self::ALL.into_iter().find(|a| a.name() == name);
        builtin.or_else(|| names::lookup(name).map(|id| Self::Custom(CustomId(id))))
    }

    /// The action called `name`, interning a new custom name (a snake_case identifier).
    pub fn parse(name: &str) -> Result<Self, NameError> {
        Self::named(name, Kind::Action)
    }

    /// The `ACTION/REQUEST` entry of one request inside a multi-request action.
    pub fn part(action: Action, request: &str) -> Result<Self, NameError> {
        Self::named(&format!("{}/{request}", action.name()), Kind::Part)
    }

    fn named(name: &str, kind: Kind) -> Result<Self, NameError> {
        match Self::ALL.into_iter().find(|a| a.name() == name) {
            Some(action) if kind == Kind::Action => Ok(action),
            Some(_) => Err(NameError::Invalid(name.to_string())),
            None => names::intern(name, kind).map(|id| Self::Custom(CustomId(id))),
        }
    }

    /// Whether the action is one of the twelve built in.
    pub fn is_builtin(self) -> bool {
        !matches!(self, Self::Custom(_))
    }

    /// Whether this is one request inside a multi-request action (`ACTION/REQUEST`).
    pub fn is_part(self) -> bool {
        matches!(self, Self::Custom(id) if names::get(id.0).1 == Kind::Part)
    }

    /// Position in per-action arrays of [`Self::SLOTS`] entries.
    pub fn index(self) -> usize {
        match self {
            Self::Custom(id) => Self::ALL.len() + usize::from(id.0),
            builtin => Self::ALL.iter().position(|a| *a == builtin).unwrap_or_default(),
        }
    }

    /// The action at position `index` of per-action arrays, when it has been named.
    pub fn from_index(index: usize) -> Option<Self> {
        match index.checked_sub(Self::ALL.len()) {
            None => Self::ALL.get(index).copied(),
            Some(id) if id < names::count() => u16::try_from(id).ok().map(|id| Self::Custom(CustomId(id))),
            Some(_) => None,
        }
    }

    /// Order of actions in reports: the built-ins as listed, then custom ones by name, each
    /// action's parts right after it.
    pub fn report_order(name: &str) -> (usize, &str) {
        let base = name.split('/').next().unwrap_or(name);
        let builtin = Self::ALL.iter().position(|a| a.name() == base).unwrap_or(Self::ALL.len());
        (builtin, name)
    }

    /// Whether a built-in action needs a pick (an account or post) from the population;
    /// a custom action's pick is declared in the profile (`picks:`).
    pub fn has_pick(self) -> bool {
        matches!(self, Self::Follow | Self::Comment | Self::Like | Self::ViewPost | Self::ViewUser)
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Any snake_case name parses; whether the target's profile has it is checked when the
        // scenario is validated against that profile.
        let name = String::deserialize(deserializer)?;
        Action::parse(&name).map_err(|e| serde::de::Error::custom(format!("{e} (expected {NAME_EXPECTED})")))
    }
}

impl schemars::JsonSchema for Action {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Action".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z][a-z0-9_]{0,47}$",
            "description": "A built-in action (signup, login, upload_media, create_post, follow, comment, like, view_feed, view_post, view_user, join_room, send_chat) or one the target's profile defines.",
        })
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
