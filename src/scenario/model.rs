//! The scenario file's typed model: exactly what a YAML file may say, nothing more.
//!
//! Every struct rejects unknown keys, and every field is documented because these docs
//! become the JSON Schema (`scenarios/scenario.schema.json`) that editors show while a
//! scenario is written.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::action::Action;
use super::distribution::{CountDist, DelayDist};
use super::outage::OutageSpec;
use super::targets::TargetSpec;
use crate::arrival::ArrivalsSpec;
use crate::units::Span;

/// A surge to replay: who arrives when, what they do, and what "good enough" means.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// Short identifier, used in report directory names (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// What the scenario models, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// Seed of every random choice: same file and seed → identical schedule and journeys.
    pub seed: u64,
    /// Where the figures come from; assumptions are listed as such.
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// The real-world span of the curve and how it is replayed.
    pub timeline: TimelineSpec,
    /// The signup curve of newcomers over the real-world span.
    pub arrivals: ArrivalsSpec,
    /// Users already on the platform before the surge, and how they react to newcomers.
    #[serde(default)]
    pub population: PopulationSpec,
    /// What newcomers do, as weighted journeys.
    pub journeys: Vec<JourneySpec>,
    /// Windows in which the target is down, slow or hanging (injected through its fault
    /// admin endpoint); each is also a phase.
    #[serde(default)]
    pub outages: Vec<OutageSpec>,
    /// Service-level thresholds, e.g. `create_post.response.p99 < 800ms during peak`.
    #[serde(default)]
    pub slo: Vec<String>,
    /// Target profile: how actions map to HTTP requests (default `reference`).
    #[serde(default = "default_target")]
    pub target: String,
    /// Several targets sharing the surge, each taking a weighted share of the newcomers and
    /// natives (e.g. servers of uneven size). Default: one target.
    #[serde(default)]
    pub targets: Vec<TargetSpec>,
}

fn default_target() -> String {
    "reference".to_string()
}

/// One source of a figure used in the scenario.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The figure as the source states it, e.g. ">700,000 new users in two days".
    pub figure: String,
    /// Who says so (publication, vendor) or `assumption`.
    pub source: String,
    /// Address of the source, when there is one.
    #[serde(default)]
    pub url: Option<String>,
    /// H (first party), M (vendor estimate or reputable rewrite), L (unclear), A (assumption).
    #[serde(default)]
    pub confidence: Option<String>,
}

/// The real-world span and the replay's compression and sampling.
///
/// Compression divides the span and multiplies rates (`compress: 3600` replays an hour in a
/// second); sampling thins arrivals (`sample: 0.01` replays 1 % of newcomers). Think times
/// stay in human seconds unless `think: compressed` says otherwise.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineSpec {
    /// Wall-clock start of the curve (RFC 3339, e.g. `2025-01-13T00:00:00-05:00`); needed
    /// for diurnal cycles and timestamped CSV series, shown in reports.
    #[serde(default)]
    pub start: Option<String>,
    /// Real-world span of the curve, e.g. `48h`.
    pub span: Span,
    /// Real time ÷ replay time (≥ 1). Exclusive with `replay_in`.
    #[serde(default)]
    pub compress: Option<f64>,
    /// Replay the whole span in this long (sets `compress = span / replay_in`).
    #[serde(default)]
    pub replay_in: Option<Span>,
    /// Fraction of newcomers replayed, 0 < f ≤ 1 (default 1).
    #[serde(default)]
    pub sample: Option<f64>,
    /// Whether think times are `human` (default: real seconds) or `compressed` like the curve.
    #[serde(default)]
    pub think: ThinkTime,
    /// Named windows of the real-world timeline (e.g. the peak hour), for phase-scoped
    /// thresholds and reports. The curve's named event windows are phases too.
    #[serde(default)]
    pub phases: Vec<PhaseSpec>,
}

/// How think times relate to the compressed clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ThinkTime {
    /// Think times are human seconds, whatever the compression.
    #[default]
    Human,
    /// Think times are divided by the compression factor, like the curve.
    Compressed,
}

/// A named window of the real-world timeline.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseSpec {
    /// Name used in thresholds (`... during peak`).
    pub name: String,
    /// Start, from the timeline start.
    pub start: Span,
    /// End, from the timeline start.
    pub end: Span,
}

/// The natives: users present before the surge.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    /// How many natives exist at real scale (sampled like arrivals when replayed); they are
    /// created before the replay starts and are the accounts newcomers follow first.
    #[serde(default)]
    pub natives: u64,
    /// Posts each native has before the surge (targets for likes and comments).
    #[serde(default)]
    pub posts_per_native: Option<CountDist>,
    /// How natives react to what newcomers do.
    #[serde(default)]
    pub reactions: Vec<ReactionSpec>,
    /// Pre-provisioned accounts for the natives: a CSV file (header `handle,password`, extra
    /// columns become user fields of that name), relative to the scenario. Natives then log
    /// in with the profile's `login` instead of signing up; the file needs a row per
    /// replayed native.
    #[serde(default)]
    pub accounts: Option<String>,
    /// Pre-provisioned accounts for the newcomers, same format: newcomer `i` (arrival `i`)
    /// logs in as row `i` with the profile's `login` where its journey would sign up; the
    /// file needs a row per planned newcomer.
    #[serde(default)]
    pub newcomer_accounts: Option<String>,
}

/// Natives reacting to newcomers' actions, e.g. commenting on their first posts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactionSpec {
    /// The newcomer action that triggers reactions (e.g. `create_post`).
    pub on: Action,
    /// What natives do in response (e.g. `comment`, `like`).
    pub action: Action,
    /// Reactions per trigger; heavy-tailed in reality (a few posts got thousands).
    pub count: CountDist,
    /// Delay of each reaction after its trigger, in real-world (curve) time: it is
    /// compressed like the arrival curve because it is a population-level dynamic.
    pub delay: DelayDist,
}

/// A named, weighted sequence of steps one newcomer follows.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JourneySpec {
    /// Name shown in reports.
    pub name: String,
    /// Relative weight among journeys (> 0); weights need not sum to 1.
    pub weight: f64,
    /// Steps in order. A failed step ends the journey; a step skipped by its probability
    /// does not.
    pub steps: Vec<StepSpec>,
    /// Whether a newcomer turned away at the first step (signup refused, e.g. during an
    /// outage) comes back later and starts over. Default: never.
    #[serde(default)]
    pub retry: Option<RetrySpec>,
}

/// Coming back after being turned away at the door.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Further attempts at most (1..=10).
    pub attempts: u32,
    /// Delay before each attempt, in curve time (compressed like the arrivals: people
    /// retrying after an outage are a population-level backlog, not a think time).
    pub after: DelayDist,
}

/// One step: an action, how often, after how long, on what.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// What the newcomer does.
    pub action: Action,
    /// Probability that the step happens at all (default 1).
    #[serde(default)]
    pub probability: Option<f64>,
    /// How many times it repeats (default once).
    #[serde(default)]
    pub repeat: Option<CountDist>,
    /// Think time before each repetition (default none).
    #[serde(default)]
    pub think: Option<DelayDist>,
    /// How the target (account or post) is chosen, for actions that have one.
    #[serde(default)]
    pub pick: Option<PickRule>,
    /// Sizes of what is sent.
    #[serde(default)]
    pub payload: Option<PayloadSpec>,
    /// Only newcomers arriving inside this phase take the step (a `timeline.phases` name or
    /// a curve event window), e.g. the evening a live room filled up; others skip it.
    #[serde(default)]
    pub during: Option<String>,
    /// `join_room`: the room's name (3–30 of `A-Z a-z 0-9 _ -`, default `lobby`).
    /// `send_chat`: the joined room to write to (default the latest joined).
    #[serde(default)]
    pub room: Option<String>,
    /// `join_room` (required): time spent in the room, in real-world (curve) time, compressed
    /// like the arrival curve and reaction delays: a room's crowd is a population-level
    /// dynamic, so replayed membership is real membership × sample. While in the room the
    /// journey goes on with its next steps; it ends once the stay is over.
    #[serde(default)]
    pub stay: Option<DelayDist>,
    /// `join_room`: chat messages the member sends during its stay, each at a uniformly
    /// random moment of it (default none: a listener).
    #[serde(default)]
    pub messages: Option<CountDist>,
}

/// The room a `join_room` step enters when it names none.
pub const DEFAULT_ROOM: &str = "lobby";

/// How a step's pick (the account or post it acts on) is drawn from the population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(rename = "Pick")]
pub enum PickRule {
    /// Accounts in proportion to their followers + 1 (preferential attachment).
    Preferential,
    /// Posts by popularity rank with Zipf exponent `exponent` (0.7–1.0 for web objects).
    Popular { exponent: f64 },
    /// The most recent accounts or posts.
    Recent,
    /// Uniformly at random.
    Uniform,
}

/// Sizes of what a step sends.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PayloadSpec {
    /// Bytes of an uploaded image.
    #[serde(default)]
    pub image_bytes: Option<CountDist>,
    /// Characters of text (posts, comments).
    #[serde(default)]
    pub text_len: Option<CountDist>,
}
