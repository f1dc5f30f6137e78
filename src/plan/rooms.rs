//! What live rooms are expected to hold: members at once, by room, from the join steps'
//! windows, probabilities and stays.
//!
//! A member who joins at curve time `s` with stay `S` is in the room over `[s, s + S)`, so
//! the room holds at `t` everyone who joined in `(t − S, t]`:
//! `members(t) = p · (C(min(t, end)) − C(max(t − S, start)))`, with `C` the cumulative
//! arrival curve, `[start, end)` the step's `during` window (the whole span without one) and
//! `p` the share of newcomers taking the step (journey share × probability × repeats).
//! With the mean stay for `S` this is Little's law, exact for fixed stays and close when the
//! arrival rate moves slowly against the stay. Joins are placed at the arrival: the human
//! think times before a join are seconds against stays of minutes to hours.
//!
//! Stays are curve time (compressed like the curve), so the replay's rooms hold the real
//! members × sample.

use serde::Serialize;

use crate::scenario::{Action, DEFAULT_ROOM, JourneySpec, Phase, Scenario};

/// Points where the member count is evaluated over the span.
const GRID_POINTS: usize = 4_000;

/// Expected occupancy of one room.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoomExpectation {
    pub room: String,
    /// Joins at real scale over the whole span.
    pub real_joins: f64,
    /// Members at once at the busiest moment, real scale.
    pub real_peak_members: f64,
    /// Members at once at the busiest moment of the replay (sampled).
    pub peak_members: f64,
    /// When the busiest moment is, curve seconds from the timeline start.
    pub peak_at_real_s: f64,
}

/// One join step's contribution: share of newcomers, window, mean stay (curve seconds).
struct Joiner {
    room: String,
    share: f64,
    start_s: f64,
    end_s: f64,
    stay_s: f64,
}

/// Share of newcomers taking each join_room step, with its window and mean stay.
fn joiners(journeys: &[JourneySpec], phases: &[Phase], span_s: f64) -> Vec<Joiner> {
    let total_weight: f64 = journeys.iter().map(|j| j.weight).sum();
    let mut out = Vec::new();
    for journey in journeys {
        for step in journey.steps.iter().filter(|s| s.action == Action::JoinRoom) {
            let (start_s, end_s) = match &step.during {
                Some(name) => {
                    phases.iter().find(|p| &p.name == name).map_or((0.0, 0.0), |p| (p.start_s, p.end_s))
                }
                None => (0.0, span_s),
            };
            let times = step.probability.unwrap_or(1.0) * step.repeat.as_ref().map_or(1.0, |r| r.mean());
            out.push(Joiner {
                room: step.room.clone().unwrap_or_else(|| DEFAULT_ROOM.to_string()),
                share: journey.weight / total_weight * times,
                start_s,
                end_s,
                stay_s: step.stay.as_ref().map_or(0.0, |s| s.mean_s()),
            });
        }
    }
    out
}

/// Expected occupancy of every room the scenario's journeys join (none: empty).
pub fn expect(scenario: &Scenario) -> Vec<RoomExpectation> {
    let curve = &scenario.curve;
    let span_s = curve.span_s();
    let joiners = joiners(&scenario.spec.journeys, &scenario.phases, span_s);
    let mut names: Vec<&str> = joiners.iter().map(|j| j.room.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|room| {
            let here: Vec<&Joiner> = joiners.iter().filter(|j| j.room == room).collect();
            let members = |t: f64| -> f64 {
                here.iter()
                    .map(|j| {
                        let (from, to) = ((t - j.stay_s).max(j.start_s), t.min(j.end_s));
                        if to > from {
                            j.share * (curve.cumulative(to) - curve.cumulative(from))
                        } else {
                            0.0
                        }
                    })
                    .sum()
            };
            let (mut peak_at, mut peak) = (0.0, 0.0);
            for i in 0..=GRID_POINTS {
                let t = span_s * i as f64 / GRID_POINTS as f64;
                let m = members(t);
                if m > peak {
                    (peak_at, peak) = (t, m);
                }
            }
            let real_joins = here
                .iter()
                .map(|j| j.share * (curve.cumulative(j.end_s) - curve.cumulative(j.start_s)))
                .sum();
            RoomExpectation {
                room: room.to_string(),
                real_joins,
                real_peak_members: peak,
                peak_members: peak * scenario.replay.sample,
                peak_at_real_s: peak_at,
            }
        })
        .collect()
}

/// Fraction of newcomers arriving inside `phase` (1 without a phase).
pub fn window_share(scenario: &Scenario, phase: Option<&str>) -> f64 {
    let Some(name) = phase else { return 1.0 };
    let curve = &scenario.curve;
    let Some(p) = scenario.phases.iter().find(|p| p.name == name) else { return 0.0 };
    let total = curve.total();
    if total > 0.0 { (curve.cumulative(p.end_s) - curve.cumulative(p.start_s)) / total } else { 0.0 }
}

/// The highest arrival rate inside `phase` ÷ the curve's peak rate (1 without a phase):
/// how much of the peak a windowed step sees.
pub fn window_peak_share(scenario: &Scenario, phase: Option<&str>, peak_per_s: f64) -> f64 {
    let Some(name) = phase else { return 1.0 };
    let Some(p) = scenario.phases.iter().find(|p| p.name == name) else { return 0.0 };
    let highest = (0..=GRID_POINTS)
        .map(|i| scenario.curve.rate_per_s(p.start_s + (p.end_s - p.start_s) * i as f64 / GRID_POINTS as f64))
        .fold(0.0, f64::max);
    if peak_per_s > 0.0 { (highest / peak_per_s).min(1.0) } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Overrides, load};

    fn scenario(yaml: &str) -> Scenario {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("s.yaml");
        std::fs::write(&file, yaml).expect("written");
        load(&file, &Overrides::default()).unwrap_or_else(|p| panic!("{p}"))
    }

    const BASE: &str = "name: r\nseed: 1\ntimeline: { span: 10h, compress: 100, sample: 0.1, \
        phases: [{ name: evening, start: 6h, end: 8h }] }\narrivals: { curve: { constant: { rate: 3600/h } } }\n";

    #[test]
    fn a_steady_stream_of_joiners_fills_the_room_to_rate_times_stay() {
        // 1 newcomer/s, half of them join for exactly 20 min: 0.5 × 1,200 = 600 members.
        let s = scenario(&format!(
            "{BASE}journeys:\n  - name: a\n    weight: 1\n    steps:\n      - action: signup\n      \
             - {{ action: join_room, room: hall, probability: 0.5, stay: {{ fixed: 20m }} }}\n"
        ));
        let rooms = expect(&s);
        assert_eq!(rooms.len(), 1);
        let hall = &rooms[0];
        assert_eq!(hall.room, "hall");
        assert!((hall.real_peak_members - 600.0).abs() < 1e-6, "{hall:?}");
        assert!((hall.peak_members - 60.0).abs() < 1e-6, "sampled like arrivals");
        assert!((hall.real_joins - 18_000.0).abs() < 1e-6);
    }

    #[test]
    fn a_window_bounds_the_joins_and_the_members() {
        // Joins only 6 h–8 h with 3 h stays: everyone who joined is still there at 8 h.
        let s = scenario(&format!(
            "{BASE}journeys:\n  - name: a\n    weight: 1\n    steps:\n      - action: signup\n      \
             - {{ action: join_room, during: evening, stay: {{ fixed: 3h }} }}\n"
        ));
        let lobby = &expect(&s)[0];
        assert_eq!(lobby.room, DEFAULT_ROOM);
        assert!((lobby.real_peak_members - 7_200.0).abs() < 2.0, "{lobby:?}");
        assert!((lobby.peak_at_real_s - 8.0 * 3600.0).abs() < 10.0, "{lobby:?}");
        assert!((window_share(&s, Some("evening")) - 0.2).abs() < 1e-9);
        assert!((window_peak_share(&s, Some("evening"), 1.0) - 1.0).abs() < 1e-9);
    }
}
