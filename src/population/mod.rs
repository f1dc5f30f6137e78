//! The simulated population a replay builds up: accounts (natives and newcomers) with the
//! fields the profile extracts (ids, tokens), posts, and the follow graph's in-degrees.
//!
//! Compact on purpose — an unsampled RedNote replay creates 700,000 accounts. Strings live
//! in one byte arena; a user costs a 16-byte record plus its field bytes (an id and a
//! token: ~50 bytes) plus 4 bytes per follow it receives.
//!
//! Picks are O(1):
//! - **preferential** (accounts): one ticket per follow received; drawing uniformly from
//!   `users ∪ tickets` picks an account with probability ∝ followers + 1.
//! - **popular** (posts): a Zipf-distributed rank into a self-organising list where each
//!   engagement swaps the post one place towards the front (the transpose heuristic), so
//!   ranks track popularity without sorting.
//! - **recent**: uniform among the newest 100; **uniform**: any.

use std::sync::Mutex;

use rand::Rng;
use rand_distr::{Distribution, Zipf};

use crate::scenario::PickRule;

/// How many of the newest items `recent` draws from.
const RECENT_WINDOW: usize = 100;

/// A reference to an account in the population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserRef(pub u32);

/// A reference to a post in the population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostRef(pub u32);

/// Offsets of a record's fields in the arena: `fields` consecutive length-prefixed strings.
#[derive(Debug, Clone, Copy)]
struct Record {
    offset: u32,
    len: u32,
}

#[derive(Debug, Default)]
struct Inner {
    arena: Vec<u8>,
    users: Vec<Record>,
    /// One entry per follow received: the followed account's index.
    tickets: Vec<u32>,
    posts: Vec<Record>,
    /// Author of each post.
    authors: Vec<u32>,
    /// Posts ordered by (approximate) popularity; `rank_of[post]` is its index here.
    ranked: Vec<u32>,
    rank_of: Vec<u32>,
}

/// The shared population store.
#[derive(Debug, Default)]
pub struct Population {
    inner: Mutex<Inner>,
}

impl Inner {
    /// Appends field values (raw JSON texts) and returns their record.
    fn store(&mut self, fields: &[&str]) -> Record {
        let offset = self.arena.len() as u32;
        for field in fields {
            // Fields longer than u16::MAX are cut: ids and tokens are far shorter.
            let bytes = &field.as_bytes()[..field.len().min(u16::MAX as usize)];
            self.arena.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            self.arena.extend_from_slice(bytes);
        }
        Record { offset, len: self.arena.len() as u32 - offset }
    }

    fn load(&self, record: Record) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = record.offset as usize;
        let end = at + record.len as usize;
        while at + 2 <= end {
            let len = u16::from_le_bytes([self.arena[at], self.arena[at + 1]]) as usize;
            at += 2;
            out.push(String::from_utf8_lossy(&self.arena[at..(at + len).min(end)]).into_owned());
            at += len;
        }
        out
    }
}

impl Population {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the arena inconsistent in a way that
        // matters to a load test; keep going with the data.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds an account with its field values (in the profile's `user_fields` order,
    /// then the token).
    pub fn add_user(&self, fields: &[&str]) -> UserRef {
        let mut inner = self.lock();
        let record = inner.store(fields);
        inner.users.push(record);
        UserRef(inner.users.len() as u32 - 1)
    }

    /// Adds a post by `author` with its field values (the profile's `post_fields`).
    pub fn add_post(&self, author: UserRef, fields: &[&str]) -> PostRef {
        let mut inner = self.lock();
        let record = inner.store(fields);
        inner.posts.push(record);
        inner.authors.push(author.0);
        let index = inner.posts.len() as u32 - 1;
        let rank = inner.ranked.len() as u32;
        inner.ranked.push(index);
        inner.rank_of.push(rank);
        PostRef(index)
    }

    /// Records that `user` gained a follower.
    pub fn followed(&self, user: UserRef) {
        self.lock().tickets.push(user.0);
    }

    /// Records an engagement (like, comment) with `post`: it moves one rank up.
    pub fn engaged(&self, post: PostRef) {
        let mut inner = self.lock();
        let Some(&rank) = inner.rank_of.get(post.0 as usize) else { return };
        if rank == 0 {
            return;
        }
        let ahead = inner.ranked[rank as usize - 1];
        inner.ranked.swap(rank as usize - 1, rank as usize);
        inner.rank_of[post.0 as usize] = rank - 1;
        inner.rank_of[ahead as usize] = rank;
    }

    pub fn user_fields(&self, user: UserRef) -> Vec<String> {
        let inner = self.lock();
        inner.users.get(user.0 as usize).map(|r| inner.load(*r)).unwrap_or_default()
    }

    pub fn post_fields(&self, post: PostRef) -> Vec<String> {
        let inner = self.lock();
        inner.posts.get(post.0 as usize).map(|r| inner.load(*r)).unwrap_or_default()
    }

    pub fn post_author(&self, post: PostRef) -> Option<UserRef> {
        self.lock().authors.get(post.0 as usize).map(|&a| UserRef(a))
    }

    pub fn user_count(&self) -> usize {
        self.lock().users.len()
    }

    pub fn post_count(&self) -> usize {
        self.lock().posts.len()
    }

    /// Followers recorded for `user` (counts tickets; O(n), for tests and reports).
    pub fn followers(&self, user: UserRef) -> usize {
        self.lock().tickets.iter().filter(|&&t| t == user.0).count()
    }

    /// Bytes the store's data occupies, for the memory figure in reports. Vectors reserve
    /// up to twice this while they grow; the untouched part of a large reservation is not
    /// resident, so this is close to what the store adds to RSS.
    pub fn heap_bytes(&self) -> usize {
        let inner = self.lock();
        inner.arena.len()
            + (inner.users.len() + inner.posts.len()) * std::mem::size_of::<Record>()
            + (inner.tickets.len() + inner.authors.len() + inner.ranked.len() + inner.rank_of.len()) * 4
    }

    /// Picks an account other than `exclude`, or `None` if there is none.
    pub fn pick_user<R: Rng + ?Sized>(
        &self,
        pick: &PickRule,
        exclude: Option<UserRef>,
        rng: &mut R,
    ) -> Option<UserRef> {
        let inner = self.lock();
        let n = inner.users.len();
        // A few redraws avoid the excluded account without biasing large populations.
        for _ in 0..8 {
            if n == 0 {
                return None;
            }
            let index = match pick {
                PickRule::Preferential | PickRule::Popular { .. } => {
                    let draw = rng.random_range(0..n + inner.tickets.len());
                    if draw < n { draw as u32 } else { inner.tickets[draw - n] }
                }
                PickRule::Recent => (n - 1 - rng.random_range(0..n.min(RECENT_WINDOW))) as u32,
                PickRule::Uniform => rng.random_range(0..n) as u32,
            };
            if Some(UserRef(index)) != exclude {
                return Some(UserRef(index));
            }
        }
        None
    }

    /// Picks a post, or `None` if there are none yet.
    pub fn pick_post<R: Rng + ?Sized>(&self, pick: &PickRule, rng: &mut R) -> Option<PostRef> {
        let inner = self.lock();
        let n = inner.posts.len();
        if n == 0 {
            return None;
        }
        let index = match pick {
            PickRule::Popular { exponent } => {
                let rank = Zipf::new(n as f64, *exponent).map_or(1.0, |z| z.sample(rng)) as usize;
                inner.ranked[rank.clamp(1, n) - 1]
            }
            PickRule::Preferential => {
                // Posts by authors' popularity: draw an author preferentially, then one of
                // the newest posts overall as a cheap stand-in when the author has none.
                let rank = Zipf::new(n as f64, 1.0).map_or(1.0, |z| z.sample(rng)) as usize;
                inner.ranked[rank.clamp(1, n) - 1]
            }
            PickRule::Recent => (n - 1 - rng.random_range(0..n.min(RECENT_WINDOW))) as u32,
            PickRule::Uniform => rng.random_range(0..n) as u32,
        };
        Some(PostRef(index))
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn fields_round_trip_through_the_arena() {
        let population = Population::new();
        let ana = population.add_user(&["17", "\"tok-ana\""]);
        let post = population.add_post(ana, &["99"]);
        assert_eq!(population.user_fields(ana), ["17", "\"tok-ana\""]);
        assert_eq!(population.post_fields(post), ["99"]);
        assert_eq!(population.post_author(post), Some(ana));
    }

    #[test]
    fn preferential_picks_favour_followed_accounts() {
        let population = Population::new();
        let users: Vec<UserRef> = (0..10).map(|i| population.add_user(&[&i.to_string()])).collect();
        for _ in 0..90 {
            population.followed(users[0]);
        }
        // users[0] has 90 followers: weight 91 of 100 (10 users + 90 tickets).
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws = 20_000;
        let hits = (0..draws)
            .filter(|_| population.pick_user(&PickRule::Preferential, None, &mut rng) == Some(users[0]))
            .count();
        let share = hits as f64 / draws as f64;
        // Binomial standard error at p = 0.91 with 20,000 draws is 0.002; allow 5 of them.
        assert!((share - 0.91).abs() < 0.01, "{share}");
        assert_ne!(population.pick_user(&PickRule::Uniform, Some(users[3]), &mut rng), Some(users[3]));
    }

    #[test]
    fn engagement_moves_posts_towards_the_front() {
        let population = Population::new();
        let author = population.add_user(&["1"]);
        let posts: Vec<PostRef> = (0..5).map(|i| population.add_post(author, &[&i.to_string()])).collect();
        for _ in 0..10 {
            population.engaged(posts[4]);
        }
        // Rank 1 of a Zipf with a steep exponent is almost always drawn.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let top = population.pick_post(&PickRule::Popular { exponent: 20.0 }, &mut rng);
        assert_eq!(top, Some(posts[4]));
    }

    #[test]
    fn memory_per_user_stays_under_100_bytes() {
        let population = Population::new();
        let token = "\"0123456789abcdef0123456789abcdef0123456789a\"";
        for i in 0..100_000u32 {
            let user = population.add_user(&[&(i + 1_000_000).to_string(), token]);
            population.followed(user);
        }
        let per_user = population.heap_bytes() as f64 / 100_000.0;
        assert!(per_user < 100.0, "{per_user} bytes per user");
    }

    /// The figure for the issue note: an unsampled RedNote population (700,000 newcomers,
    /// ~3 follows received each, 16% with a post). `cargo test --release --lib
    /// population_footprint -- --ignored --nocapture`
    #[test]
    #[ignore = "prints a figure; not a check"]
    fn population_footprint_700k() {
        let population = Population::new();
        let token = "\"Xk2vQ0y8Hq3n5RtW1zLmA7bC9dEfGhIjKlMnOpQrStU\"";
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for i in 0..700_000u32 {
            let user = population.add_user(&[&(i + 1_000_000).to_string(), token]);
            if i % 100 < 16 {
                population.add_post(user, &[&(i + 5_000_000).to_string()]);
            }
            for _ in 0..3 {
                if let Some(target) = population.pick_user(&PickRule::Preferential, Some(user), &mut rng) {
                    population.followed(target);
                }
            }
        }
        let bytes = population.heap_bytes();
        println!(
            "700,000 users, {} posts: {} bytes, {:.1} bytes per user",
            population.post_count(),
            bytes,
            bytes as f64 / 700_000.0
        );
    }
}
