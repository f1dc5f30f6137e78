//! `stampede validate`: scenario files checked on their own and against the profile they
//! will run with (`--profile`, else each scenario's `target:`).

use std::path::{Path, PathBuf};

use super::exit;
use crate::profile::Origin;
use crate::scenario::{Problems, Scenario};

/// Prints every problem of every file (stderr) or one summary line per valid file (stdout).
pub fn run(files: &[PathBuf], profile: Option<&str>) -> u8 {
    let mut failed = false;
    for file in files {
        match crate::scenario::load(file, &crate::scenario::Overrides::default())
            .and_then(|scenario| against_profile(file, scenario, profile))
        {
            Ok(scenario) => {
                let plan = crate::plan::Plan::new(scenario);
                if let Err(problems) = crate::plan::accounts::check(&plan) {
                    failed = true;
                    eprintln!("{problems}");
                    continue;
                }
                let s = &plan.scenario;
                println!(
                    "{}: valid: {} ({} newcomers over {}, {} journeys, {} thresholds)",
                    file.display(),
                    s.spec.name,
                    crate::human::count(s.curve.total()),
                    crate::human::span(s.replay.real_span_s),
                    s.spec.journeys.len(),
                    s.thresholds.len()
                );
            }
            Err(problems) => {
                failed = true;
                eprintln!("{problems}");
            }
        }
    }
    if failed { exit::ERROR } else { exit::OK }
}

/// `scenario` once its actions are checked against the profile it will run with.
fn against_profile(file: &Path, scenario: Scenario, profile: Option<&str>) -> Result<Scenario, Problems> {
    let scenario_dir = file.parent().map(PathBuf::from).unwrap_or_default();
    let (name, origin) = match profile {
        Some(name) => (name.to_string(), Origin::CommandLine { scenario_dir: &scenario_dir }),
        None => {
            (scenario.spec.target.clone(), Origin::Scenario { scenario_dir: &scenario_dir, scenario: file })
        }
    };
    let profile = crate::profile::load(&name, origin)?;
    crate::profile::check::scenario(&profile, &name, &scenario)?;
    Ok(scenario)
}
