"""Benchmark results as JSON, for ``bench/chart.py`` and the docs' Performance page.

``run.py --json FILE`` and ``run_asgi.py --json FILE`` call :func:`save`;
``chart.py`` reads the files back with :func:`load`. A file holds one table:
microseconds per request for each case and framework, plus what is needed to
reproduce it (interface, repeats, Python, machine, package versions, date).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import sys
import typing as t
from pathlib import Path

PACKAGES = ("kolben", "flask", "werkzeug", "bottle", "falcon", "starlette")


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def save(
    path: str | os.PathLike[str],
    interface: str,
    results: dict[str, dict[str, float]],
    *,
    repeats: int,
    floor: float,
) -> None:
    """Write one table: ``results[case][framework]`` in microseconds per request."""
    document = {
        "interface": interface,
        "unit": "microseconds per request",
        "method": f"in-process, best of {repeats} interleaved repeats",
        "floor": floor,
        "results": results,
        "python": sys.version.split()[0],
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "versions": _versions(),
        "date": datetime.date.today().isoformat(),
    }
    Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {path}")


def load(path: str | os.PathLike[str]) -> dict[str, t.Any]:
    """Read a file written by :func:`save`."""
    document: dict[str, t.Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    if "results" not in document or "interface" not in document:
        raise SystemExit(f"{path} is not a benchmark result (run.py/run_asgi.py --json)")
    return document
