"""The taskboard example (``examples/taskboard``): a Flask app built from
Flask-SQLAlchemy, Flask-Migrate, Flask-Login and Flask-WTF, unmodified.

Its own test suite, written as a Flask user writes one, runs in a
subprocess three times: on Kolben in compatibility mode (``pytest -p
kolben.compat``), the same with every test client request through the
app's ASGI side (``--kolben-interface=asgi``), and on the real Flask, which
keeps the example an honest Flask app. ``tests/taskboard_probe.py`` reports
from inside each run which framework answered and through which interface.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "taskboard"
#: The example's tests; the three of the async views need asgiref on Flask.
TOTAL, ASYNC_VIEWS = 22, 3


#: Known failures of the compatibility mode, by interface: the test and a
#: line of its error. (Flask-Login's ``login_required`` around an async view
#: failed under ASGI until sync views got their body received on the loop
#: before their thread starts: issue 14, case 7.)
KNOWN_FAILURES: dict[str, dict[str, str]] = {"wsgi": {}, "asgi": {}}


class Run:
    """One run of the example's suite: outcome counts, failed tests, the probe's report."""

    def __init__(self, result: subprocess.CompletedProcess[str], probe: Path) -> None:
        self.output = f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"
        lines = result.stdout.strip().splitlines()
        summary = lines[-1] if lines else ""
        found = re.findall(r"(\d+) (passed|skipped|failed|errors?)", summary)
        self.counts = {kind: int(n) for n, kind in found}
        failed = re.findall(r"^FAILED examples/taskboard/tests/(\S+)", result.stdout, re.M)
        self.failed = set(failed)
        self.returncode = result.returncode
        assert probe.exists(), self.output
        self.probe: dict[str, t.Any] = json.loads(probe.read_text("utf-8"))


def run_example_tests(tmp_path: Path, *options: str) -> Run:
    """Run the example's suite as its README says, from the repository root."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KOLBEN_", "FLASK_", "TASKBOARD_", "PYTEST_"))
    }
    probe = tmp_path / "probe.json"
    env["TASKBOARD_PROBE"] = str(probe)
    env["PYTHONPATH"] = str(ROOT / "tests")
    command = [
        sys.executable, "-m", "pytest", *options, "-p", "taskboard_probe",
        "-p", "no:cacheprovider", "-q", "--basetemp", str(tmp_path / "run"),
        "examples/taskboard/tests",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    return Run(result, probe)


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_runs_on_kolben(tmp_path: Path, interface: str) -> None:
    options = ["-p", "kolben.compat"]
    if interface == "asgi":
        options.append("--kolben-interface=asgi")
    run = run_example_tests(tmp_path, *options)
    known = KNOWN_FAILURES[interface]
    # Every test ran, the async views' too (no asgiref needed).
    expected = {"passed": TOTAL - len(known)}
    if known:
        expected["failed"] = len(known)
    assert run.counts == expected, run.output
    assert run.failed == set(known), run.output
    for line in known.values():
        assert line in run.output
    assert run.returncode == (1 if known else 0), run.output
    assert run.probe["flask.Flask"] == "kolben.app.Kolben"
    assert run.probe["check_password_hash"] == "kolben.security"
    assert run.probe["real_modules"] == []
    interfaces = run.probe["interfaces"]
    assert set(interfaces) == {interface}
    assert interfaces[interface] > 100


def test_runs_on_flask(tmp_path: Path) -> None:
    run = run_example_tests(tmp_path)
    assert run.returncode == 0, run.output
    if importlib.util.find_spec("asgiref") is None:
        assert run.counts == {"passed": TOTAL - ASYNC_VIEWS, "skipped": ASYNC_VIEWS}
    else:
        assert run.counts == {"passed": TOTAL}
    assert run.probe["flask.Flask"] == "flask.app.Flask"
    assert run.probe["check_password_hash"] == "werkzeug.security"
    assert {"flask.app", "werkzeug.routing"} <= set(run.probe["real_modules"])
    assert set(run.probe["interfaces"]) == {"wsgi"}
