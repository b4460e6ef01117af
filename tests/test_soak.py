"""The soak of tests/soak/soak.py as part of the test command (issue 14).

A 30-second soak: every server of the soak in turn (``kolben run`` WSGI
and ASGI, gunicorn, uvicorn, hypercorn), about 6 s of mixed load each. It
fails on any 5xx, any well-formed request answered with another status
than expected, a server that dies, or resident memory growing by 10% or
more after the warm-up. Deselect with ``-m 'not servers'``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parent / "soak" / "soak.py"
SERVERS = ["kolben-run-wsgi", "kolben-run-asgi", "gunicorn", "uvicorn", "hypercorn"]


def _soak(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, str(SOAK), "--logdir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.soak
def test_soak_30_seconds(tmp_path: Path) -> None:
    code, output = _soak(tmp_path, "--seconds", "30")
    print(output)
    assert code == 0, output
    for name in SERVERS:
        row = next(line for line in output.splitlines() if line.startswith(f"| {name} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert int(cells[1]) > 0, row  # it served requests
        assert cells[2] == "0", row  # no 5xx
        assert cells[-1] == "yes", row


@pytest.mark.soak
def test_soak_fails_on_a_5xx(tmp_path: Path) -> None:
    code, output = _soak(
        tmp_path, "--seconds", "3", "--servers", "uvicorn", env={"SOAKAPP_FAIL": "1"}
    )
    assert code == 1, output
    row = next(line for line in output.splitlines() if line.startswith("| uvicorn |"))
    assert int(row.split("|")[3]) > 0, row
    assert "json-get: 500" in output
