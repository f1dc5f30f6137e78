#!/usr/bin/env python3
"""Checks a run directory's intervals.hlog against its report.json with an independent
HdrHistogram implementation (PyPI `hdrhistogram`): per action and kind, the summed interval
histograms must have the report's counts and percentiles (within HDR precision), and each
interval's response count must equal the series' requests of that action.

Usage: hlog_check.py RUN_DIR   (exit 0 when everything matches, 1 with a list otherwise)
"""
import json
import os
import sys

from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogReader

LOWEST, HIGHEST, SIGFIG = 1, 3_600_000_000, 3


def close(a, b):
    """Equal within HdrHistogram's 3-significant-digit bucket width (and one unit)."""
    return abs(a - b) <= max(1, 0.002 * max(a, b))


def main(run_dir):
    with open(os.path.join(run_dir, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    path = os.path.join(run_dir, "intervals.hlog")
    with open(path, encoding="utf-8") as f:
        header = f.read(4096)
    problems = []
    for needed in ("#[StartTime: ", "#[BaseTime: "):
        if needed not in header:
            problems.append(f"header lacks {needed!r}")

    totals = {}
    per_interval = {}  # (start offset rounded to ms, tag) -> count
    reader = HistogramLogReader(path, HdrHistogram(LOWEST, HIGHEST, SIGFIG))
    while True:
        h = reader.get_next_interval_histogram()
        if h is None:
            break
        tag = h.get_tag()
        total = totals.setdefault(tag, HdrHistogram(LOWEST, HIGHEST, SIGFIG))
        total.add(h)
        offset_s = h.get_start_time_stamp() / 1000.0 - reader.get_start_time_sec()
        per_interval[(round(offset_s * 1000), tag)] = h.get_total_count()
    reader.close()

    checked = 0
    for action in report["actions"]:
        for kind in ("response", "service"):
            tag = f"{action['name']}.{kind}"
            stats = action[f"{kind}_us"]
            h = totals.get(tag)
            if h is None:
                problems.append(f"{tag}: no histogram in the log")
                continue
            if h.get_total_count() != stats["count"]:
                problems.append(f"{tag}: count {h.get_total_count()} != {stats['count']}")
            for key, pct in (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9)):
                # Implementations round the rank of a percentile differently (Python
                # hdrhistogram to nearest, Rust's up), so accept the value one rank
                # either side: with few samples that can be a different bucket.
                rank = 100.0 / max(1, h.get_total_count())
                candidates = [h.get_value_at_percentile(min(100.0, max(0.0, pct + d)))
                              for d in (0.0, -rank, rank)]
                if not any(close(got, stats[key]) for got in candidates):
                    problems.append(f"{tag}: {key} {candidates[0]} != {stats[key]}")
            if not close(h.get_max_value(), stats["max"]):
                problems.append(f"{tag}: max {h.get_max_value()} != {stats['max']}")
            # The cumulative histogram in report.json decodes to the same distribution.
            cumulative = HdrHistogram.decode(action["histogram"][kind])
            if cumulative.get_total_count() != stats["count"]:
                problems.append(f"{tag}: report.json histogram count {cumulative.get_total_count()}")
            checked += 1

    lateness = totals.get("lateness")
    expected = report["arrivals"]["lateness_us"]["count"]
    if (lateness.get_total_count() if lateness else 0) != expected:
        problems.append(f"lateness: count != {expected}")

    for point in report["series"]:
        for action in point["actions"]:
            key = (round(point["t_s"] * 1000), f"{action['name']}.response")
            if per_interval.get(key, 0) != action["requests"]:
                problems.append(f"interval {point['t_s']}s {action['name']}: "
                                f"{per_interval.get(key, 0)} != {action['requests']} requests")

    if checked == 0:
        problems.append("no actions to check")
    for p in problems:
        print(p)
    print(f"hlog_check: {checked} histograms, {len(totals)} tags, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
