//! Semantic checks of a deserialized scenario: everything serde's types cannot say
//! (ranges, consistency between sections). Every problem is collected, none stops the walk.

use std::collections::HashSet;

use super::limits;
use super::model::{Action, JourneySpec, PhaseSpec, PopulationSpec, ScenarioSpec, TimelineSpec};
use super::rooms::room_step;
use super::threshold::{self, Threshold};
use crate::source::problem::{DocPath, Findings};

/// Checks the timeline; returns the absolute start (Unix seconds) when one is given and valid.
pub fn timeline(spec: &TimelineSpec, findings: &mut Findings) -> Option<i64> {
    let at = DocPath::root().key("timeline");
    findings.check(
        spec.span.secs() > 0.0,
        &at.key("span"),
        || "the span is zero".into(),
        "a duration > 0, e.g. `48h`",
    );
    if let Some(compress) = spec.compress {
        findings.check(
            compress.is_finite() && compress >= 1.0,
            &at.key("compress"),
            || format!("compress {compress} is below 1"),
            "a factor >= 1 (real time ÷ replay time)",
        );
    }
    if let Some(replay_in) = spec.replay_in {
        findings.check(
            spec.compress.is_none(),
            &at.key("replay_in"),
            || "both `compress` and `replay_in` are set".into(),
            "one of them",
        );
        findings.check(
            replay_in.secs() > 0.0 && replay_in.secs() <= spec.span.secs(),
            &at.key("replay_in"),
            || format!("replay_in {replay_in} is not within the span"),
            "a duration > 0 and at most the span",
        );
    }
    if let Some(sample) = spec.sample {
        findings.check(
            sample > 0.0 && sample <= 1.0,
            &at.key("sample"),
            || format!("sample {sample} is outside (0, 1]"),
            "a fraction 0 < f <= 1",
        );
    }
    phases(&spec.phases, spec.span.secs(), &at.key("phases"), findings);
    let start = spec.start.as_deref()?;
    match time::OffsetDateTime::parse(start, &time::format_description::well_known::Rfc3339) {
        Ok(moment) => Some(moment.unix_timestamp()),
        Err(e) => {
            findings.add(
                &at.key("start"),
                format!("`{start}` is not a timestamp: {e}"),
                "RFC 3339, e.g. `2025-01-13T00:00:00-05:00`",
            );
            None
        }
    }
}

fn phases(phases: &[PhaseSpec], span_s: f64, at: &DocPath, findings: &mut Findings) {
    let mut names = HashSet::new();
    for (i, phase) in phases.iter().enumerate() {
        let at = at.index(i);
        findings.check(
            names.insert(phase.name.as_str()),
            &at.key("name"),
            || format!("phase `{}` is defined twice", phase.name),
            "unique phase names",
        );
        findings.check(
            phase.start.secs() < phase.end.secs(),
            &at.key("end"),
            || format!("phase `{}` ends before it starts", phase.name),
            "end > start",
        );
        findings.check(
            phase.end.secs() <= span_s,
            &at.key("end"),
            || format!("phase `{}` ends after the timeline span", phase.name),
            "a window within the span",
        );
    }
}

/// Checks name, journeys, population and target.
pub fn body(spec: &ScenarioSpec, findings: &mut Findings) {
    let root = DocPath::root();
    findings.check(
        crate::source::file::is_path_name(&spec.name),
        &root.key("name"),
        || format!("name `{}` cannot name a report directory", spec.name),
        crate::source::file::PATH_NAME_EXPECTED,
    );
    findings.check(
        !spec.target.trim().is_empty(),
        &root.key("target"),
        || "the target is empty".into(),
        "a profile name such as `reference`, or a profile file",
    );
    if let Err(reason) = crate::source::file::relative_inside(&spec.target) {
        findings.add(&root.key("target"), reason, crate::source::file::CONFINED_EXPECTED);
    }
    journeys(&spec.journeys, spec.population.natives, &root.key("journeys"), findings);
    population(&spec.population, &spec.journeys, findings);
}

fn journeys(journeys: &[JourneySpec], natives: u64, at: &DocPath, findings: &mut Findings) {
    findings.check(!journeys.is_empty(), at, || "there are no journeys".into(), "at least one journey");
    let mut names = HashSet::new();
    for (i, journey) in journeys.iter().enumerate() {
        let at = at.index(i);
        findings.check(
            names.insert(journey.name.as_str()),
            &at.key("name"),
            || format!("journey `{}` is defined twice", journey.name),
            "unique journey names",
        );
        findings.check(
            journey.weight.is_finite() && journey.weight > 0.0,
            &at.key("weight"),
            || format!("weight {} is not allowed", journey.weight),
            "a number > 0",
        );
        if !findings.check(
            !journey.steps.is_empty(),
            &at.key("steps"),
            || "the journey has no steps".into(),
            "at least one step",
        ) {
            continue;
        }
        if let Some(retry) = &journey.retry {
            findings.check(
                (1..=10).contains(&retry.attempts),
                &at.key("retry").key("attempts"),
                || format!("{} attempts are not allowed", retry.attempts),
                "1 to 10 further attempts",
            );
            retry.after.validate(&at.key("retry").key("after"), findings);
        }
        // Later actions need an account: a journey that does not sign up acts as a native.
        let signs_up = matches!(journey.steps[0].action, Action::Signup | Action::Login);
        findings.check(
            signs_up || natives > 0,
            &at.key("steps").index(0).key("action"),
            || {
                format!(
                    "the journey starts with `{}` but there are no natives to act as",
                    journey.steps[0].action
                )
            },
            "`signup` as the first step, or population.natives > 0",
        );
        journey_requests(journey, &at, findings);
        let mut joined: Vec<&str> = Vec::new();
        for (j, step) in journey.steps.iter().enumerate() {
            let at = at.key("steps").index(j);
            room_step(step, &mut joined, &at, findings);
            if let Some(p) = step.probability {
                findings.check(
                    (0.0..=1.0).contains(&p),
                    &at.key("probability"),
                    || format!("probability {p} is outside [0, 1]"),
                    "a number between 0 and 1",
                );
            }
            if let Some(repeat) = &step.repeat {
                repeat.validate_within(&at.key("repeat"), limits::MAX_REPEAT, "per-step repeat", findings);
            }
            if let Some(think) = &step.think {
                think.validate(&at.key("think"), findings);
            }
            if let Some(pick) = &step.pick {
                findings.check(
                    // A custom action's pick is checked against the profile (`picks:`).
                    step.action.has_pick() || !step.action.is_builtin(),
                    &at.key("pick"),
                    || format!("`{}` has no target to pick", step.action),
                    "pick only on follow, comment, like, view_post, view_user or a custom action with `picks:`",
                );
                if let super::model::PickRule::Popular { exponent } = pick {
                    findings.check(
                        exponent.is_finite() && *exponent > 0.0,
                        &at.key("pick").key("popular").key("exponent"),
                        || format!("exponent {exponent} is not allowed"),
                        "a number > 0",
                    );
                }
            }
            if let Some(payload) = &step.payload {
                if let Some(bytes) = &payload.image_bytes {
                    let at = at.key("payload").key("image_bytes");
                    bytes.validate_within(&at, limits::MAX_IMAGE_BYTES, "image size", findings);
                }
                if let Some(len) = &payload.text_len {
                    let at = at.key("payload").key("text_len");
                    len.validate_within(&at, limits::MAX_TEXT_LEN, "text length", findings);
                }
            }
        }
    }
}

/// Checks the most requests one newcomer's journey can make against
/// [`limits::MAX_JOURNEY_REQUESTS`]: each step counts its largest repeat draw (capped at
/// [`limits::MAX_REPEAT`] like the draw itself).
fn journey_requests(journey: &JourneySpec, at: &DocPath, findings: &mut Findings) {
    let most: u64 = journey
        .steps
        .iter()
        .map(|step| {
            step.repeat
                .as_ref()
                .map_or(1, |r| r.upper_bound().unwrap_or(limits::MAX_REPEAT).min(limits::MAX_REPEAT))
        })
        .fold(0u64, u64::saturating_add);
    findings.check(
        most <= limits::MAX_JOURNEY_REQUESTS,
        &at.key("steps"),
        || {
            format!(
                "the journey can make {most} requests, above the per-journey limit of {}",
                limits::MAX_JOURNEY_REQUESTS
            )
        },
        &format!(
            "at most {} requests (a step with an unbounded repeat counts as {}; see \"Scenario limits\" in the README)",
            limits::MAX_JOURNEY_REQUESTS,
            limits::MAX_REPEAT
        ),
    );
}

/// Checks each step's `during` names a phase.
pub fn windows(journeys: &[JourneySpec], phase_names: &HashSet<String>, findings: &mut Findings) {
    for (i, journey) in journeys.iter().enumerate() {
        for (j, step) in journey.steps.iter().enumerate() {
            let Some(phase) = &step.during else { continue };
            let mut known: Vec<&str> = phase_names.iter().map(String::as_str).collect();
            known.sort_unstable();
            findings.check(
                phase_names.contains(phase),
                &DocPath::root().key("journeys").index(i).key("steps").index(j).key("during"),
                || format!("unknown phase `{phase}`"),
                &if known.is_empty() {
                    "a phase (none is defined: add `timeline.phases`)".to_string()
                } else {
                    format!("one of: {}", known.join(", "))
                },
            );
        }
    }
}

fn population(population: &PopulationSpec, journeys: &[JourneySpec], findings: &mut Findings) {
    let at = DocPath::root().key("population");
    if let Some(posts) = &population.posts_per_native {
        let limit = limits::MAX_POSTS_PER_NATIVE;
        posts.validate_within(&at.key("posts_per_native"), limit, "posts per native", findings);
    }
    let performed: HashSet<Action> = journeys.iter().flat_map(|j| j.steps.iter().map(|s| s.action)).collect();
    for (i, reaction) in population.reactions.iter().enumerate() {
        let at = at.key("reactions").index(i);
        findings.check(
            performed.contains(&reaction.on),
            &at.key("on"),
            || format!("no journey performs `{}`, so nothing triggers this reaction", reaction.on),
            "an action some journey performs",
        );
        findings.check(
            population.natives > 0,
            &at,
            || "reactions need natives to react".into(),
            "population.natives > 0",
        );
        findings.check(
            matches!(reaction.action, Action::Comment | Action::Like | Action::Follow | Action::ViewPost),
            &at.key("action"),
            || format!("natives cannot react with `{}`", reaction.action),
            "comment, like, follow or view_post",
        );
        reaction.count.validate_within(
            &at.key("count"),
            limits::MAX_REACTIONS,
            "reactions per trigger",
            findings,
        );
        reaction.delay.validate(&at.key("delay"), findings);
    }
}

/// Parses the `slo:` thresholds and checks their phases exist.
pub fn slo(texts: &[String], phase_names: &HashSet<String>, findings: &mut Findings) -> Vec<Threshold> {
    let at = DocPath::root().key("slo");
    let mut thresholds = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        match threshold::parse(text) {
            Ok(threshold) => {
                if let Some(phase) = &threshold.phase {
                    let mut known: Vec<&str> = phase_names.iter().map(String::as_str).collect();
                    known.sort_unstable();
                    findings.check(
                        phase_names.contains(phase),
                        &at.index(i),
                        || format!("unknown phase `{phase}`"),
                        &format!(
                            "one of: {}",
                            if known.is_empty() {
                                "(no phases defined)".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                }
                thresholds.push(threshold);
            }
            Err(e) => findings.add(&at.index(i), e.message, e.expected),
        }
    }
    thresholds
}
