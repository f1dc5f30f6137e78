//! End-to-end tests: one binary (as in ripgrep) running the real `stampede` executable.

mod bluesky;
mod gate;
mod library;
mod outages;
mod reports;
mod run;
mod scenarios;
mod segments;
mod target;
mod targets;
mod util;
mod validity;
