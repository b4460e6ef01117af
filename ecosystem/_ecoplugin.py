"""The pytest plugin the ecosystem runner loads into each extension's suite.

It never imports Flask itself (loading it before ``kolben.compat`` would put
the real Flask in ``sys.modules``). It deselects the tests named in the file
``KOLBEN_ECO_DESELECT`` points to, and writes every test's outcome, with the
line of its first failure, to the JSON file ``KOLBEN_ECO_RESULT`` points to.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest

_outcomes: dict[str, dict[str, str]] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Hand compatibility mode on to the commands the suite starts (Flask-Migrate's ``flask db``).

    The variable is set here, not for the pytest process itself: with it set
    from the start, Kolben's .pth file imports ``kolben.compat`` before
    ``-p kolben.compat`` does, and pytest warns that it cannot rewrite the
    plugin's asserts, which the suites' ``filterwarnings = error`` fails on.
    """
    if os.environ.get("KOLBEN_ECO_CHILD_COMPAT"):
        os.environ["KOLBEN_FLASK_COMPAT"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the tests that cannot run on this machine (listed with reasons in expected.json)."""
    path = os.environ.get("KOLBEN_ECO_DESELECT")
    if not path:
        return
    with open(path, encoding="utf-8") as f:
        unwanted = set(json.load(f))
    keep = [item for item in items if item.nodeid not in unwanted]
    dropped = [item for item in items if item.nodeid in unwanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _failure_line(report: pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        message = str(crash.message).strip().splitlines()
        first = message[0] if message else ""
        return f"{os.path.basename(str(crash.path))}:{crash.lineno}: {first}"[:300]
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        return str(longrepr[2])[:300]
    text = str(longrepr).strip().splitlines()
    return (text[-1] if text else "")[:300]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Fold the setup/call/teardown reports of a test into one outcome."""
    entry = _outcomes.setdefault(report.nodeid, {"outcome": "passed", "line": ""})
    if entry["outcome"] == "failed":
        return
    if hasattr(report, "wasxfail"):
        entry["outcome"] = "xfailed" if report.skipped else "xpassed"
        return
    if report.failed:
        entry["outcome"] = "failed" if report.when == "call" else "error"
        entry["line"] = _failure_line(report)
    elif report.skipped:
        entry["outcome"] = "skipped"
        entry["line"] = _failure_line(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module that fails to import is a failure of every test it holds."""
    if report.failed:
        _outcomes[report.nodeid or "<collection>"] = {
            "outcome": "error",
            "line": _failure_line(report),  # type: ignore[arg-type]
        }


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the outcomes, which ``flask`` module the suite used and over which interface."""
    path = os.environ.get("KOLBEN_ECO_RESULT")
    if not path:
        return
    flask = sys.modules.get("flask")
    werkzeug = sys.modules.get("werkzeug")
    testing = sys.modules.get("kolben.testing")
    client = getattr(testing, "KolbenClient", None)
    data = {
        # which side app.test_client() requests went through (compatibility mode)
        "interface": getattr(client, "default_interface", None),
        "flask_module": getattr(flask, "__file__", None),
        "werkzeug_module": getattr(werkzeug, "__file__", None),
        "tests": _outcomes,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
