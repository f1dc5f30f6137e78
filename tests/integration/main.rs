//! End-to-end tests: one binary (as in ripgrep) running the real `stampede` executable.

mod architecture;
mod bluesky;
mod chart_reader;
mod charts;
mod fuzz;
mod gate;
mod hostile;
mod import;
mod library;
mod netns;
mod outages;
mod pacing;
mod platform;
mod remote;
mod replay;
mod reports;
mod run;
mod scenarios;
mod secrets;
mod segments;
mod shapes;
mod stuck;
mod targets;
mod tls;
mod util;
mod validity;
