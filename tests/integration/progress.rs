//! Progress without a terminal: `stampede run` with stderr captured (a pipe, as in a CI
//! log) prints one plain line every `--progress-every`, and nothing with `--quiet`.

use std::time::Instant;

use crate::util::{repo_root, stampede};

/// The numbers of one `progress:` line: curve time shown, arrivals started of planned.
#[derive(Debug)]
struct Line {
    curve_total: String,
    started: u64,
    planned: u64,
}

fn parse(line: &str) -> Line {
    let field = |after: &str, until: char| -> String {
        let rest = &line[line.find(after).unwrap_or_else(|| panic!("{after:?} in {line}")) + after.len()..];
        rest[..rest.find(until).unwrap_or(rest.len())].to_string()
    };
    let number =
        |text: &str| text.replace(',', "").parse::<u64>().unwrap_or_else(|e| panic!("{text}: {e} in {line}"));
    let arrivals = field(" · arrivals ", ' ');
    let (started, planned) = arrivals.split_once('/').unwrap_or_else(|| panic!("started/planned in {line}"));
    Line { curve_total: field(" of ", ' '), started: number(started), planned: number(planned) }
}

fn progress_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_run_without_a_terminal_prints_a_progress_line_every_period() {
    let out = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let output = stampede()
        .args(["run", "--replay-in", "6s", "--progress-every", "1s", "--out"])
        .arg(out.path())
        .arg(repo_root().join("tests/fixtures/pacing-poisson.yaml"))
        .output()
        .expect("stampede runs");
    let wall_s = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines = progress_lines(&output.stderr);
    // Lines come at least a period apart (a late wake-up delays the next one, never
    // bunches them), so no more than the process lived in seconds; and the 6 s replay
    // alone, even on a loaded machine that wakes the task late, leaves room for half.
    assert!(lines.len() as f64 <= wall_s.ceil(), "{} lines in {wall_s:.1}s:\n{stderr}", lines.len());
    assert!(lines.len() >= 3, "{} lines in {wall_s:.1}s:\n{stderr}", lines.len());
    let parsed: Vec<Line> = lines.iter().map(|l| parse(l)).collect();
    let report = crate::util::read_report(out.path());
    // The plan's count of the fixture's 10 s at 100/s (Poisson: near 1,000), as the report says.
    let planned = report["arrivals"]["planned"].as_u64();
    assert!(planned.is_some_and(|n| n.abs_diff(1000) < 150), "{planned:?}");
    for (line, text) in parsed.iter().zip(&lines) {
        // The fixture's 10 s curve at 100/s, shown on the scenario's clock.
        assert_eq!(line.curve_total, "10s", "{text}");
        assert_eq!(Some(line.planned), planned, "the report's count: {text}");
        assert!(line.started <= line.planned, "{text}");
        assert!(text.contains(" requests/s · ") && text.contains(" errors · p99 "), "{text}");
    }
    assert!(parsed.windows(2).all(|w| w[0].started <= w[1].started), "started never falls:\n{stderr}");
    assert!(parsed.iter().any(|l| l.started > 0), "arrivals start:\n{stderr}");
    let last = parsed.last().map_or(0, |l| l.started);
    assert!(
        last <= report["arrivals"]["started"].as_u64().unwrap_or(0),
        "{last} shown, report: {}",
        report["arrivals"]
    );
}

#[test]
fn quiet_and_off_print_no_progress_lines_and_a_bad_period_is_refused() {
    for flags in [&["--quiet", "--progress-every", "1s"][..], &["--progress-every", "off"][..]] {
        let out = tempfile::tempdir().expect("tempdir");
        let output = stampede()
            .args(["run", "--replay-in", "3s"])
            .args(flags)
            .arg("--out")
            .arg(out.path())
            .arg(repo_root().join("tests/fixtures/pacing-poisson.yaml"))
            .output()
            .expect("stampede runs");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(progress_lines(&output.stderr), Vec::<String>::new(), "{flags:?}");
    }
    for bad in ["10ms", "NaN", "25h", "-1s"] {
        let output = stampede()
            .args(["run", &format!("--progress-every={bad}")])
            .arg(repo_root().join("tests/fixtures/pacing-poisson.yaml"))
            .output()
            .expect("stampede runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--progress-every"), "{bad}: {stderr}");
    }
}
