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
}

/// Expected requests of each action for one journey (probability · E[repeat] per step).
fn journey_requests(journey: &JourneySpec) -> BTreeMap<Action, f64> {
    let mut requests = BTreeMap::new();
    for step in &journey.steps {
        let times = step.probability.unwrap_or(1.0) * step.repeat.as_ref().map_or(1.0, |r| r.mean());
        *requests.entry(step.action).or_insert(0.0) += times;
    }
    requests
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

/// Computes expectations for `scenario`. `real_peak_per_s` is the curve's peak rate.
pub fn expect(scenario: &Scenario, real_peak_per_s: f64) -> Expectations {
    let journeys = &scenario.spec.journeys;
    let replay = scenario.replay;
    let total_weight: f64 = journeys.iter().map(|j| j.weight).sum();
    let mut per_newcomer: BTreeMap<Action, f64> = BTreeMap::new();
    let mut journey_rows = Vec::new();
    let mut mean_journey_s = 0.0;
    let mut mean_human_s = 0.0;
    for journey in journeys {
        let share = journey.weight / total_weight;
        let requests = journey_requests(journey);
        for (action, count) in &requests {
            *per_newcomer.entry(*action).or_insert(0.0) += share * count;
        }
        let duration_s = journey_duration_s(journey, replay.think_scale());
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
    }

    let real_total = scenario.curve.total();
    let sample = replay.sample;
    let replay_peak_per_s = real_peak_per_s * replay.compress * sample;
    let actions = per_newcomer
        .into_iter()
        .map(|(action, per)| {
            let expectation = ActionExpectation {
                per_newcomer: per,
                real_requests: per * real_total,
                requests: per * real_total * sample,
                real_peak_per_s: per * real_peak_per_s,
                peak_per_s: per * replay_peak_per_s,
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
    }
}
