"""The coverage floor of ``python3 dev.py test`` (tests/tools/coverage_summary.py).

A one-test suite runs under ``coverage run`` with the plugin, in a subprocess
with its own coverage configuration, and the test checks what a developer
sees: the summary, the exit status, and pytest's summary line last.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TINY_SUITE = """
import kolben


def test_app_answers():
    app = kolben.Kolben(__name__)
    app.add_url_rule("/", "index", lambda: "hi")
    assert app.test_client().get("/").data == b"hi"
"""


def run_tiny_suite(tmp_path: Path, fail_under: int) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_tiny.py").write_text(TINY_SUITE)
    config = tmp_path / "coverage.toml"
    config.write_text(
        "[tool.coverage.run]\nbranch = true\nsource = ['kolben']\n"
        f"[tool.coverage.report]\nfail_under = {fail_under}\nprecision = 1\n"
    )
    # The plugin is imported as tests.tools.coverage_summary from the checkout.
    path = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    return subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--rcfile={config}",
         "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "tests.tools.coverage_summary", "test_tiny.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_total_under_the_floor_fails_the_run_and_says_so(tmp_path: Path) -> None:
    # One test covers a small part of the package: far below 100%. (The
    # passing side runs on every `dev.py test`; one subprocess is enough here.)
    result = run_tiny_suite(tmp_path, fail_under=100)
    lines = result.stdout.splitlines()
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert any(line.startswith("branch coverage of src/kolben: ") for line in lines)
    listed = [line for line in lines if line.startswith("  ") and "% " in line]
    assert len(listed) == 15, result.stdout
    assert any(line.startswith("FAILED: branch coverage") for line in lines), result.stdout
    assert "Wrote JSON report" not in result.stdout + result.stderr
    assert "1 passed" in lines[-1]
