#!/usr/bin/env python3
"""Checks a run directory's junit.xml against its report.json with an independent JUnit
reader (PyPI `junitparser`): one test case per verdict, failed exactly when the verdict
failed, failure messages carrying the measured value, and a "run completed" case that
fails exactly when the run was interrupted.

Usage: junit_check.py RUN_DIR   (exit 0 when everything matches, 1 with a list otherwise)
"""
import json
import os
import sys

from junitparser import Failure, JUnitXml


def main(run_dir):
    with open(os.path.join(run_dir, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    xml = JUnitXml.fromfile(os.path.join(run_dir, "junit.xml"))
    cases = {}
    for suite in xml:
        for case in suite:
            cases[case.name] = case
    problems = []

    def failures(case):
        return [r for r in case.result if isinstance(r, Failure)]

    expected = {"run completed": report["interrupted"]}
    for verdict in report["verdicts"]:
        expected[verdict["name"]] = verdict["failed"]
    if len(cases) != len(expected):
        problems.append(f"{len(cases)} test cases, expected {len(expected)}")
    for name, failed in expected.items():
        case = cases.get(name)
        if case is None:
            problems.append(f"no test case {name!r}")
            continue
        found = failures(case)
        if bool(found) != failed:
            problems.append(f"{name!r}: failed={bool(found)}, verdict failed={failed}")
        if found and name != "run completed" and "measured" not in (found[0].message or ""):
            problems.append(f"{name!r}: failure message lacks the measured value: {found[0].message!r}")
    for p in problems:
        print(p)
    print(f"junit_check: {len(cases)} cases, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
