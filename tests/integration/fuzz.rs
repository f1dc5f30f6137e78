//! A bounded fuzzing harness on stable Rust: seeded random mutations of the repository's
//! own inputs (example scenarios, the invalid and hostile corpora, the built-in profile,
//! thresholds, CSV series, units), fed to the library's parsers in-process.
//!
//! Properties: nothing panics; every quantity that parses is finite and within its limit;
//! whatever validates also plans at a small sample, drawing every arrival and a few
//! newcomers' journeys within the documented bounds. The normal suite runs a few seconds
//! of it; `.ci/run` runs a minute (`STAMPEDE_FUZZ_SECONDS=60`). A failing input is printed
//! and saved under `target/fuzz-failures/` to become a file of `tests/hostile/`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stampede::plan::{Plan, newcomer};
use stampede::scenario::{self, Overrides, limits};
use stampede::units::{MAX_RATE_PER_S, MAX_SPAN_S, Rate, Span};

use super::util::repo_root;

/// Values that broke something once, or could: written over a number or appended.
const HOSTILE: &[&str] = &[
    ".nan",
    ".inf",
    "-.inf",
    "-1",
    "0",
    "1e300",
    "1e-300",
    "1e20s",
    "1e308/s",
    "18446744073709551615",
    "9223372036854775807",
    "-0",
    "3650d",
    "3651d",
    "1e9/s",
    "&a x",
    "*a",
    "[",
    "{",
    "}",
    ":",
    "- ",
    "\"",
    "\0",
    "\r",
    "../x.csv",
    "/dev/zero",
    "poisson: { mean: 1e300 }",
    "0.0000001s",
    "1e15",
];

/// The budget from `STAMPEDE_FUZZ_SECONDS` (default 3 s per target).
fn budget() -> Duration {
    let secs = std::env::var("STAMPEDE_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(15.0_f64);
    Duration::from_secs_f64(secs.clamp(1.0, 600.0) / 5.0)
}

/// One to four random edits of `text`: a number replaced by a hostile value, a cut, a
/// duplicated line, an inserted token, a changed byte.
fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = text.to_string();
    for _ in 0..rng.random_range(1..=4) {
        let chars: Vec<char> = out.chars().collect();
        if chars.is_empty() {
            return HOSTILE.choose(rng).copied().unwrap_or_default().to_string();
        }
        let at = rng.random_range(0..chars.len());
        let token = HOSTILE.choose(rng).copied().unwrap_or_default();
        out = match rng.random_range(0..5) {
            0 => {
                // Replace the number (with its unit) starting at or after `at`.
                let start = (at..chars.len()).find(|&i| chars[i].is_ascii_digit()).unwrap_or(at);
                let end = (start..chars.len())
                    .find(|&i| !(chars[i].is_ascii_alphanumeric() || "./".contains(chars[i])))
                    .unwrap_or(chars.len());
                splice(&chars, start, end, token)
            }
            1 => splice(&chars, at, (at + rng.random_range(1..40)).min(chars.len()), ""),
            2 => {
                let lines: Vec<&str> = out.lines().collect();
                let i = rng.random_range(0..lines.len().max(1));
                let mut copy: Vec<&str> = lines.clone();
                if let Some(line) = lines.get(i) {
                    copy.insert(i, line);
                }
                copy.join("\n")
            }
            3 => splice(&chars, at, at, token),
            _ => splice(&chars, at, at + 1, &char::from(rng.random_range(0x20u8..0x7f)).to_string()),
        };
    }
    out
}

fn splice(chars: &[char], start: usize, end: usize, with: &str) -> String {
    chars[..start]
        .iter()
        .chain(with.chars().collect::<Vec<_>>().iter())
        .chain(&chars[end.max(start)..])
        .collect()
}

fn seeds(dir: &str) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(dir))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// Runs `check` on mutated inputs until the budget is spent; a panic fails the test after
/// saving the input.
fn fuzz(name: &str, seeds: &[String], check: impl Fn(&str)) {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let mut rng = ChaCha8Rng::seed_from_u64(
        std::env::var("STAMPEDE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(13),
    );
    let (started, budget) = (Instant::now(), budget());
    let mut cases = 0u64;
    while started.elapsed() < budget {
        let input = mutate(seeds.choose(&mut rng).expect("seeds"), &mut rng);
        if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
            let dir = repo_root().join("target/fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("{name}-{cases}.yaml"));
            let _ = std::fs::write(&file, &input);
            panic!("{name}: case {cases} failed; input saved to {}:\n{input}", file.display());
        }
        cases += 1;
    }
    eprintln!("fuzz {name}: {cases} cases in {:.1} s", started.elapsed().as_secs_f64());
}

/// Loads `text` as a scenario in `dir`; whatever validates is planned at a small sample.
fn load_and_plan(dir: &Path, text: &str) {
    let file = dir.join("fuzz.yaml");
    std::fs::write(&file, text).expect("written");
    let Ok(loaded) = scenario::load(&file, &Overrides::default()) else { return };
    // At most ~2,000 arrivals: the property is bounded work, not a full-size plan.
    let sample = (2_000.0 / loaded.curve.total().max(1.0)).min(loaded.replay.sample);
    let overrides = Overrides { sample: Some(sample), ..Overrides::default() };
    let Ok(small) = scenario::load(&file, &overrides) else { return };
    let plan = Plan::new(small);
    assert!(plan.expectations.mean_journey_s.is_finite(), "{:?}", plan.expectations);
    let arrivals: u64 = plan.series().iter().map(|i| i.arrivals).sum();
    assert!(arrivals < 100_000, "{arrivals} arrivals at sample {sample}");
    let scenario = &plan.scenario;
    for arrival in plan.schedule.iter().take(20) {
        let mut rng = newcomer::rng_for(scenario.seed, newcomer::stream::JOURNEY, arrival.index);
        let journey = &scenario.spec.journeys[newcomer::choose_journey(&scenario.spec.journeys, &mut rng)];
        let steps =
            newcomer::concrete_steps(journey, &scenario.replay, &scenario.phases, arrival.real_t_s, &mut rng);
        assert!(steps.len() as u64 <= limits::MAX_JOURNEY_REQUESTS);
        assert!(steps.iter().all(|s| s.think_s.is_finite() && s.think_s >= 0.0));
    }
}

#[test]
fn fuzz_scenarios_load_validate_and_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("hourly-signups.csv"), "t,n\n0h,5\n1h,7\n").expect("csv");
    let mut corpus = seeds("scenarios/examples");
    corpus.extend(seeds("tests/invalid"));
    corpus.extend(seeds("tests/hostile"));
    fuzz("scenario", &corpus, |text| load_and_plan(dir.path(), text));
}

#[test]
fn fuzz_csv_series() {
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = "name: c\nseed: 1\ntimeline: { span: 6h, compress: 60, sample: 0.01 }\n\
        arrivals: { curve: { csv: { file: s.csv, time_column: t, value_column: n, values: count } } }\n\
        journeys: [ { name: a, weight: 1, steps: [ { action: signup } ] } ]\n";
    std::fs::write(dir.path().join("fuzz.yaml"), yaml).expect("written");
    let corpus = vec!["t,n\n0h,5\n1h,7\n2h,1e3\n3h,0\n# note\n4h,2\n".to_string()];
    fuzz("csv", &corpus, |csv| {
        std::fs::write(dir.path().join("s.csv"), csv).expect("written");
        if let Ok(s) = scenario::load(&dir.path().join("fuzz.yaml"), &Overrides::default()) {
            assert!(s.curve.total().is_finite() && s.curve.total() >= 0.0);
            let _ = Plan::new(s).series();
        }
    });
}

#[test]
fn fuzz_profiles() {
    let corpus = vec![
        include_str!("../../src/profile/reference.yaml").to_string(),
        include_str!("../../src/profile/bluesky-pds.yaml").to_string(),
    ];
    fuzz("profile", &corpus, |text| {
        let _ = stampede::profile::parse(Path::new("fuzz.yaml"), text);
    });
}

#[test]
fn fuzz_thresholds() {
    let corpus: Vec<String> = [
        "create_post.response.p99 < 800ms during peak",
        "all.error_rate < 1%",
        "arrivals.dropped_rate <= 0.01",
        "chat.delivery.p99 < 2s",
        "signup.service.p50 < 250ms",
        "arrivals.achieved_rate >= 95%",
    ]
    .map(String::from)
    .to_vec();
    fuzz("threshold", &corpus, |text| {
        let _ = stampede::gate::threshold::parse(text);
    });
}

#[test]
fn fuzz_units() {
    let corpus: Vec<String> =
        ["48h", "250ms", "7.5s", "1e3s", "14600/h", "4.05/s", "30 / min", "3650d"].map(String::from).to_vec();
    fuzz("units", &corpus, |text| {
        if let Ok(span) = text.parse::<Span>() {
            assert!(span.secs().is_finite() && (0.0..=MAX_SPAN_S).contains(&span.secs()), "{text}");
            let _ = span.as_duration();
        }
        if let Ok(rate) = text.parse::<Rate>() {
            assert!(
                rate.as_per_s().is_finite() && (0.0..=MAX_RATE_PER_S).contains(&rate.as_per_s()),
                "{text}"
            );
        }
    });
}
