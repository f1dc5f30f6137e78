-- Schema of the reference platform. Applied at every start; statements are idempotent.
-- Counters that every read shows (likes, comments) are denormalised onto posts so a
-- timeline page costs one query, and so hot posts make writes contend as they do in life.

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    handle        TEXT    NOT NULL UNIQUE,
    email         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);

-- Only a hash of each bearer token is stored: a copied database file grants no sessions.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash    BLOB    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Media bytes live in files under <data>/media; the row records where and how big.
CREATE TABLE IF NOT EXISTS media (
    id            INTEGER PRIMARY KEY,
    owner_id      INTEGER NOT NULL REFERENCES users(id),
    content_type  TEXT    NOT NULL,
    bytes         INTEGER NOT NULL,
    file_name     TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS posts (
    id            INTEGER PRIMARY KEY,
    author_id     INTEGER NOT NULL REFERENCES users(id),
    text          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    like_count    INTEGER NOT NULL DEFAULT 0,
    comment_count INTEGER NOT NULL DEFAULT 0
);
-- Serves both a user's post count and the timeline's per-followee keyset scan.
CREATE INDEX IF NOT EXISTS posts_by_author ON posts(author_id, id);

CREATE TABLE IF NOT EXISTS post_media (
    post_id  INTEGER NOT NULL REFERENCES posts(id),
    position INTEGER NOT NULL,
    media_id INTEGER NOT NULL REFERENCES media(id),
    PRIMARY KEY (post_id, position)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS comments (
    id            INTEGER PRIMARY KEY,
    post_id       INTEGER NOT NULL REFERENCES posts(id),
    author_id     INTEGER NOT NULL REFERENCES users(id),
    text          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_by_post ON comments(post_id, id);

CREATE TABLE IF NOT EXISTS follows (
    follower_id   INTEGER NOT NULL REFERENCES users(id),
    followee_id   INTEGER NOT NULL REFERENCES users(id),
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
) WITHOUT ROWID;
-- For follower counts.
CREATE INDEX IF NOT EXISTS follows_by_followee ON follows(followee_id, follower_id);

CREATE TABLE IF NOT EXISTS likes (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (post_id, user_id)
) WITHOUT ROWID;

-- Live rooms: addressed by name, created by their first join. Membership is a row so a
-- join storm contends on the writer like signups do; the message stream itself is an
-- in-memory broadcast (see platform/live.rs), never read back from here.
CREATE TABLE IF NOT EXISTS rooms (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS room_members (
    room_id      INTEGER NOT NULL REFERENCES rooms(id),
    user_id      INTEGER NOT NULL REFERENCES users(id),
    joined_at_ms INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS room_messages (
    id            INTEGER PRIMARY KEY,
    room_id       INTEGER NOT NULL REFERENCES rooms(id),
    author_id     INTEGER NOT NULL REFERENCES users(id),
    text          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
