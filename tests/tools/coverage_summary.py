"""pytest plugin: the branch coverage summary and floor of ``python3 dev.py test``.

``dev.py test`` runs ``coverage run -m pytest -p tests.tools.coverage_summary``
(configuration: ``[tool.coverage.*]`` in pyproject.toml). At the end of the
session this plugin stops the measurement, prints the total and the least
covered modules among pytest's closing sections, and fails the run when the
total is under ``[tool.coverage.report] fail_under``. Doing it inside pytest
rather than with ``coverage report`` afterwards keeps pytest's summary line the
last line of the output, which is what CI reads.

Without ``coverage run`` around pytest the plugin does nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import typing as t
from pathlib import Path

import coverage
import pytest

#: How many of the least covered modules the summary lists.
LEAST_COVERED = 15

_summary: list[str] = []


def _percent(hit: int, total: int) -> float:
    return 100.0 * hit / total if total else 100.0


def _below_floor(total: float, floor: float, precision: int) -> bool:
    # The same rule as `coverage report --fail-under`: the total as displayed
    # (rounded to `precision`) must reach the floor; 100 means exactly 100.
    if floor >= 100.0:
        return total < 100.0
    return round(total, precision) < floor


def _summarize(cov: coverage.Coverage) -> tuple[list[str], bool]:
    """The lines to print and whether the total is below the floor."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        # `coverage run` turns report messages on ("Wrote JSON report ..."):
        # they would land in the middle of pytest's output.
        with contextlib.redirect_stderr(io.StringIO()):
            cov.json_report(outfile=str(out))
        report = json.loads(out.read_text())
    totals = report["totals"]
    total = float(totals["percent_covered"])
    floor = float(t.cast(float, cov.get_option("report:fail_under")))
    precision = int(t.cast(int, cov.get_option("report:precision")))
    below = _below_floor(total, floor, precision)
    lines = [
        f"branch coverage of src/kolben: {total:.{precision}f}%"
        f" (lines {_percent(totals['covered_lines'], totals['num_statements']):.1f}%,"
        f" branches {_percent(totals['covered_branches'], totals['num_branches']):.1f}%);"
        f" floor {floor:g}% ([tool.coverage.report] fail_under)"
    ]
    files = sorted(
        (s["percent_covered"], name, s)
        for name, data in report["files"].items()
        if (s := data["summary"])["percent_covered"] < 100.0
    )
    if files:
        lines.append(
            f"least covered modules ({min(len(files), LEAST_COVERED)} of {len(files)}"
            " under 100%; the full table: .venv/bin/coverage report, or coverage html):"
        )
        width = max(len(name) for _, name, _ in files[:LEAST_COVERED])
        for percent, name, s in files[:LEAST_COVERED]:
            lines.append(
                f"  {percent:5.1f}%  {name:<{width}}  {s['missing_lines']} lines and"
                f" {s['missing_branches']} branches missed"
            )
    if below:
        lines.append(
            f"FAILED: branch coverage {total:.{precision}f}% is below the floor of"
            f" {floor:g}%: add tests for the modules above (DEVELOPERS.md, Tests)."
        )
    return lines, below


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop measuring after the session's teardown and check the floor."""
    cov = coverage.Coverage.current()
    if cov is None:
        return
    cov.stop()
    cov.save()
    lines, below = _summarize(cov)
    _summary[:] = lines
    if below and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the summary among pytest's closing sections."""
    if not _summary:
        return
    terminalreporter.section("coverage")
    for line in _summary:
        terminalreporter.write_line(line, red=line.startswith("FAILED"))
