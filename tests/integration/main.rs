//! End-to-end tests: one binary (as in ripgrep) running the real `stampede` executable.

mod library;
mod run;
mod gate;
mod scenarios;
mod target;
mod util;
