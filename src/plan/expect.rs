//! What a replay is expected to do, computed from the scenario without traffic: requests per
//! action, their peak rates, and concurrent users by Little's law.
//!
//! Per newcomer, a step contributes `probability · E[repeat]` requests of its action. Natives'
//! reactions add `E[count]` requests per triggering request. Peak rates assume requests
//! follow the arrival curve (think times of seconds are negligible against a curve that
//! moves over hours). Concurrency is `L = λ · W`, with `W` a journey's expected duration:
//! the think times plus a nominal service time per request.

use std::collections::BTreeMap;

use serde::Serialize;

use super::rooms::{self, RoomExpectation};
use crate::scenario::{Action, JourneySpec, Scenario};

/// Service time assumed per request when estimating journey duration; a planning figure,
/// replaced by measured latencies in reports.
pub const NOMINAL_SERVICE_S: f64 = 0.02;

/// Expected requests and rates of one action.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActionExpectation {
    /// Expected requests per newcomer (reactions included, spread over newcomers).
    pub per_newcomer: f64,
    /// Expected requests at real scale over the whole span.
    pub real_requests: f64,
    /// Expected requests in the replay (sampled).
    pub requests: f64,
    /// Peak rate at real scale, requests per second.
    pub real_peak_per_s: f64,
    /// Peak rate on the replay clock, requests per second.
    pub peak_per_s: f64,
}

/// Journey-level expectations.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JourneyExpectation {
    pub name: String,
    /// Share of newcomers taking this journey.
    pub share: f64,
    /// Expected duration on the replay clock, seconds.
    pub duration_s: f64,
    /// Expected requests per newcomer on this journey.
    pub requests: f64,
}

/// Everything the planner expects, before drawing the schedule.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Expectations {
    pub actions: BTreeMap<String, ActionExpectation>,
    pub journeys: Vec<JourneyExpectation>,
    /// Mean journey duration over all newcomers, replay seconds.
    pub mean_journey_s: f64,
    /// Concurrent newcomers in a journey at the peak, real scale (human think times).
    pub real_peak_concurrency: f64,
    /// Concurrent newcomers at the replay's peak: what the executor's slots must hold.
    pub peak_concurrency: f64,
    /// Live rooms' expected occupancy (empty when no journey joins a room).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<RoomExpectation>,
}

/// Expected requests of each action for one journey (probability · E[repeat] per step,
/// times the share of newcomers inside the step's `during` window), and the same weighted
/// for the peak (a windowed step sees the highest rate of its window, not the curve's).
/// A `join_room` step's `messages` count as `send_chat` requests.
fn journey_requests(
    journey: &JourneySpec,
    scenario: &Scenario,
    peak_per_s: f64,
) -> (BTreeMap<Action, f64>, BTreeMap<Action, f64>) {
    let (mut requests, mut at_peak) = (BTreeMap::new(), BTreeMap::new());
    for step in &journey.steps {
        let during = step.during.as_deref();
        let times = step.probability.unwrap_or(1.0) * step.repeat.as_ref().map_or(1.0, |r| r.mean());
        let share = rooms::window_share(scenario, during);
        let peak_share = rooms::window_peak_share(scenario, during, peak_per_s);
        let mut add = |action: Action, n: f64| {
            *requests.entry(action).or_insert(0.0) += n * share;
            *at_peak.entry(action).or_insert(0.0) += n * peak_share;
        };
        add(step.action, times);
        if let Some(messages) = &step.messages {
            add(Action::SendChat, times * messages.mean());
        }
    }
    (requests, at_peak)
}

/// Expected duration of a journey in seconds, given a think-time scale.
fn journey_duration_s(journey: &JourneySpec, think_scale: f64) -> f64 {
    journey
        .steps
        .iter()
        .map(|step| {
            let times = step.probability.unwrap_or(1.0) * step.repeat.as_ref().map_or(1.0, |r| r.mean());
            let think = step.think.as_ref().map_or(0.0, |t| t.mean_s()) * think_scale;
            times * (think + NOMINAL_SERVICE_S)
        })
        .sum()
}

/// Expected time a journey's job stays open for its room stays, replay seconds: stays are
/// curve time, so compressed like the curve.
fn stays_s(journey: &JourneySpec, compress: f64) -> f64 {
    journey
        .steps
        .iter()
        .filter_map(|step| {
            let times = step.probability.unwrap_or(1.0) * step.repeat.as_ref().map_or(1.0, |r| r.mean());
            step.stay.as_ref().map(|stay| times * stay.mean_s() / compress)
        })
        .sum()
}

/// Computes expectations for `scenario`. `real_peak_per_s` is the curve's peak rate.
pub fn expect(scenario: &Scenario, real_peak_per_s: f64) -> Expectations {
    let journeys = &scenario.spec.journeys;
    let replay = scenario.replay;
    let total_weight: f64 = journeys.iter().map(|j| j.weight).sum();
    let mut per_newcomer: BTreeMap<Action, f64> = BTreeMap::new();
    let mut per_newcomer_at_peak: BTreeMap<Action, f64> = BTreeMap::new();
    let mut journey_rows = Vec::new();
    let mut mean_journey_s = 0.0;
    let mut mean_human_s = 0.0;
    for journey in journeys {
        let share = journey.weight / total_weight;
        let (requests, at_peak) = journey_requests(journey, scenario, real_peak_per_s);
        for (action, count) in &requests {
            *per_newcomer.entry(*action).or_insert(0.0) += share * count;
        }
        for (action, count) in &at_peak {
            *per_newcomer_at_peak.entry(*action).or_insert(0.0) += share * count;
        }
        // Slots are held through room stays: counted in full (an upper bound for windowed
        // joins), because undersized slots delay arrivals while oversized ones cost little.
        let duration_s =
            journey_duration_s(journey, replay.think_scale()) + stays_s(journey, replay.compress);
        mean_journey_s += share * duration_s;
        mean_human_s += share * journey_duration_s(journey, 1.0);
        journey_rows.push(JourneyExpectation {
            name: journey.name.clone(),
            share,
            duration_s,
            requests: requests.values().sum(),
        });
    }
    // Reactions: each triggering request causes E[count] reactions.
    for reaction in &scenario.spec.population.reactions {
        let triggers = per_newcomer.get(&reaction.on).copied().unwrap_or(0.0);
        *per_newcomer.entry(reaction.action).or_insert(0.0) += triggers * reaction.count.mean();
        let triggers = per_newcomer_at_peak.get(&reaction.on).copied().unwrap_or(0.0);
        *per_newcomer_at_peak.entry(reaction.action).or_insert(0.0) += triggers * reaction.count.mean();
    }

    let real_total = scenario.curve.total();
    let sample = replay.sample;
    let replay_peak_per_s = real_peak_per_s * replay.compress * sample;
    let actions = per_newcomer
        .into_iter()
        .map(|(action, per)| {
            let at_peak = per_newcomer_at_peak.get(&action).copied().unwrap_or(per);
            let expectation = ActionExpectation {
                per_newcomer: per,
                real_requests: per * real_total,
                requests: per * real_total * sample,
                real_peak_per_s: at_peak * real_peak_per_s,
                peak_per_s: at_peak * replay_peak_per_s,
            };
            (action.name().to_string(), expectation)
        })
        .collect();
    Expectations {
        actions,
        journeys: journey_rows,
        mean_journey_s,
        real_peak_concurrency: real_peak_per_s * mean_human_s,
        peak_concurrency: replay_peak_per_s * mean_journey_s,
        rooms: rooms::expect(scenario),
    }
}
