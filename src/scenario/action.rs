//! The actions a journey can take: the vocabulary shared by scenario files, thresholds,
//! profiles and reports. In a file of its own because the model, outage windows and the
//! threshold grammar all name actions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The actions a journey can take. New platforms add variants here and in profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
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
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the action needs a pick (an account or post) from the population.
    pub fn has_pick(self) -> bool {
        matches!(self, Self::Follow | Self::Comment | Self::Like | Self::ViewPost | Self::ViewUser)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
