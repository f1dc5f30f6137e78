//! The capacity run directory's own files — `capacity.json`, `summary.md`, `junit.xml`,
//! `capacity.html` — written together, and the console answer. Each step's run directory
//! (a complete `stampede run` directory) sits beside them under `steps/`.

use std::fmt::Write as _;
use std::path::Path;

use super::CapacityError;
use super::model::{CapacityReport, Size};
use super::page::short;
use crate::report::html::svg::escape;

pub const JSON: &str = "capacity.json";
pub const HTML: &str = "capacity.html";
pub const SUMMARY: &str = "summary.md";
pub const JUNIT: &str = "junit.xml";

/// Writes every file of the answer into `dir`.
pub fn write_all(report: &CapacityReport, dir: &Path) -> Result<(), CapacityError> {
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| CapacityError::Write { path, source })
    };
    std::fs::create_dir_all(dir)
        .map_err(|source| CapacityError::Write { path: dir.to_path_buf(), source })?;
    let mut json = serde_json::to_string_pretty(report).unwrap_or_default();
    json.push('\n');
    write(JSON, json)?;
    write(SUMMARY, markdown(report))?;
    write(JUNIT, junit(report))?;
    write(HTML, super::page::render(report))
}

fn size_line(label: &str, size: &Size) -> String {
    format!(
        "{label} ×{:.3} the scenario · sample {} · compress {} · {:.3}× the real surge's rate · peak {:.1} arrivals/s, {:.1} requests/s · {}",
        size.scale,
        short(size.sample),
        short(size.compress),
        size.real_multiple,
        size.peak_arrivals_per_s,
        size.peak_requests_per_s,
        size.run_dir
    )
}

/// The answer for the console, after the step lines.
pub fn console(report: &CapacityReport, dir: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{} ({}, scaling the {})", report.answer, report.target, report.scale_by);
    if let Some(passing) = &report.passing {
        let _ = writeln!(out, "  {}", size_line("passing:", passing));
    }
    if let Some(failing) = &report.failing {
        let _ = writeln!(out, "  {}", size_line("failing:", &failing.size));
        for failed in &failing.failed {
            let phase = failed.phase.as_deref().map_or_else(String::new, |p| format!(" during {p}"));
            let _ = writeln!(
                out,
                "    failed first: {} ({}{phase}): {}",
                failed.threshold, failed.subject, failed.message
            );
        }
        let _ = writeln!(out, "    how: {}", failing.how);
    }
    if let Some(headroom) = &report.headroom {
        let _ = writeln!(
            out,
            "headroom: ×{} required: {}",
            headroom.required,
            if headroom.met { "MET" } else { "NOT MET" }
        );
    }
    let _ = writeln!(out, "capacity: {}", dir.join(HTML).display());
    out
}

/// `summary.md`: the answer and the steps, for a CI job summary.
pub fn markdown(report: &CapacityReport) -> String {
    let mut out = format!("## Capacity: {} — {}\n\n{}\n\n", report.scenario, report.verdict, report.answer);
    let _ =
        writeln!(out, "Target: {} · scaling the {} · seed {}\n", report.target, report.scale_by, report.seed);
    if let Some(h) = &report.headroom {
        let _ = writeln!(out, "**Headroom ×{}: {}**\n", h.required, if h.met { "met" } else { "not met" });
    }
    out.push_str("| step | × scenario | sample | compress | × real rate | peak arrivals/s | peak requests/s | outcome | failed |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|:---|:---|\n");
    for s in &report.steps {
        let _ = writeln!(
            out,
            "| {} | {:.3} | {} | {} | {:.3} | {:.1} | {:.1} | {} | {} |",
            s.index,
            s.size.scale,
            short(s.size.sample),
            short(s.size.compress),
            s.size.real_multiple,
            s.size.peak_arrivals_per_s,
            s.size.peak_requests_per_s,
            s.outcome,
            s.failed.join("; ").replace('|', "\\|")
        );
    }
    out
}

/// `junit.xml`: "capacity search completed" (fails when invalid or interrupted), one case
/// per step named with its outcome (a failing step is the search's finding, not a failure
/// of the build), and the headroom when asked (fails when not met).
pub fn junit(report: &CapacityReport) -> String {
    let mut cases = Vec::new();
    let judged = report.verdict != "invalid" && report.verdict != "interrupted";
    cases.push(("capacity search completed".to_string(), (!judged).then(|| report.answer.clone())));
    for s in &report.steps {
        let failed = if s.failed.is_empty() { String::new() } else { format!(" ({})", s.failed.join("; ")) };
        cases.push((format!("step {} at ×{:.4}: {}{failed}", s.index, s.size.scale, s.outcome), None));
    }
    if let Some(h) = &report.headroom {
        let passing = report.passing.as_ref().map_or(0.0, |p| p.scale);
        let failure =
            (!h.met).then(|| format!("the largest passing size is ×{passing:.3}, below ×{}", h.required));
        cases.push((format!("headroom ×{}", h.required), failure));
    }
    let failures = cases.iter().filter(|(_, f)| f.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites><testsuite name=\"capacity {}\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">",
        escape(&report.scenario),
        cases.len(),
        report.elapsed_s
    );
    for (name, failure) in cases {
        match failure {
            None => {
                let _ = writeln!(out, "<testcase classname=\"capacity\" name=\"{}\"/>", escape(&name));
            }
            Some(message) => {
                let _ = writeln!(
                    out,
                    "<testcase classname=\"capacity\" name=\"{}\"><failure message=\"{}\"/></testcase>",
                    escape(&name),
                    escape(&message)
                );
            }
        }
    }
    out.push_str("</testsuite></testsuites>\n");
    out
}
