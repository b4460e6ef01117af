"""The extension-suite table of the docs against ``ecosystem/expected.json``.

``ecosystem/run.py`` writes ``docs/snippets/ecosystem-table.md`` after each
full run; what can be checked without running the suites is checked here:
one row per pinned extension, in order, with its pinned version; the Flask
column is what ``expected.json`` recorded; the Kolben columns count out of
the same tests (less the ASGI-by-nature ones over ASGI); every test left out
has its reason, and none is both left out and expected to pass. The
runner's comparison itself is tested on made-up outcomes: any test that
passed on Flask and did not pass on Kolben fails the run.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "snippets" / "ecosystem-table.md"
EXPECTED = ROOT / "ecosystem" / "expected.json"


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ecosystem_run", ROOT / "ecosystem" / "run.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("ecosystem/run.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ecosystem_run", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


RUN = _runner()


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    if cells[0] != RUN.HEADER:
        raise AssertionError(f"header {cells[0]} is not {RUN.HEADER}")
    return cells[2:]  # after the header and the |---| line


def _count(cell: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", cell)
    assert match, f"{cell!r} is not passed/total"
    return int(match[1]), int(match[2])


def test_one_row_per_pinned_extension(rows: list[list[str]]) -> None:
    assert [(row[0], row[1]) for row in rows] == [(s.name, s.version) for s in RUN.SUITES]


def test_flask_column_is_the_recorded_baseline(
    rows: list[list[str]], expected: dict[str, Any]
) -> None:
    for suite, row in zip(RUN.SUITES, rows, strict=True):
        section = expected[suite.project]
        assert section["version"] == suite.version, suite.name
        assert _count(row[2]) == (len(section["flask_passed"]), section["flask_total"]), suite.name


def test_kolben_columns_count_out_of_the_same_tests(
    rows: list[list[str]], expected: dict[str, Any]
) -> None:
    for suite, row in zip(RUN.SUITES, rows, strict=True):
        section = expected[suite.project]
        totals = {
            3: section["flask_total"],
            4: section["flask_total"] - len(section["asgi_by_nature"]),
        }
        for column, total in totals.items():
            passed, of = _count(row[column])
            assert of == total, f"{suite.name} {RUN.HEADER[column]}"
            assert passed <= of, f"{suite.name} {RUN.HEADER[column]}"


def test_the_table_names_what_it_ran_against() -> None:
    text = TABLE.read_text(encoding="utf-8")
    assert f"Flask {RUN.FLASK_VERSION}" in text
    assert f"Werkzeug {RUN.WERKZEUG_VERSION}" in text
    assert re.search(r"last run \d{4}-\d\d-\d\d", text)


def test_every_test_left_out_has_a_reason(expected: dict[str, Any]) -> None:
    for suite in RUN.SUITES:
        section = expected[suite.project]
        passed = set(section["flask_passed"])
        for key in ("deselected", "asgi_by_nature"):
            for test, reason in section[key].items():
                assert len(reason.split()) >= 3, f"{suite.name} {test}: give a reason"
                if key == "deselected":
                    assert test not in passed, f"{suite.name} {test} is deselected and passing"
        for test in section["asgi_by_nature"]:
            assert test in passed, f"{suite.name} {test}: over ASGI by nature, not on Flask"


def test_expected_json_was_recorded_with_the_pinned_versions(expected: dict[str, Any]) -> None:
    recorded = expected["_recorded_with"]
    assert (recorded["flask"], recorded["werkzeug"]) == (RUN.FLASK_VERSION, RUN.WERKZEUG_VERSION)
    assert [key for key in expected if not key.startswith("_")] == [s.project for s in RUN.SUITES]


def _run(mode: str, tests: dict[str, tuple[str, str]], problem: str = "") -> Any:
    outcomes = {test: {"outcome": outcome, "line": line} for test, (outcome, line) in tests.items()}
    return RUN.Run(RUN.SUITES[0], mode, outcomes, 1.0, problem)


def test_a_test_that_passes_on_flask_and_not_on_kolben_fails_the_run() -> None:
    name = RUN.SUITES[0].project
    expected = {
        name: {
            "flask_passed": ["t::ok", "t::broken", "t::gone", "t::wsgi_only", "t::mod.py::x"],
            "deselected": {"t::needs_redis": "needs a Redis server"},
            "asgi_by_nature": {"t::wsgi_only": "reads the WSGI environ"},
        }
    }
    tests = {
        "t::ok": ("passed", ""),
        "t::broken": ("failed", "views.py:3: AssertionError"),
        "t::wsgi_only": ("failed", "x.py:1: KeyError: 'wsgi.input'"),
        "t::needs_redis": ("error", "conftest.py:26"),
        "t::mod.py": ("error", "mod.py:1: ImportError: cannot import name 'y'"),
    }
    wsgi = RUN.compare([_run("wsgi", tests)], expected)
    asgi = RUN.compare([_run("asgi", tests)], expected)
    assert [f.split("\n")[0].split("] ")[1] for f in wsgi] == [
        "t::broken", "t::gone", "t::mod.py::x", "t::wsgi_only",
    ]
    assert "failed: views.py:3: AssertionError" in wsgi[0]
    assert wsgi[1].endswith("not collected")
    assert wsgi[2].endswith("not collected: mod.py:1: ImportError: cannot import name 'y'")
    assert len(asgi) == 3
    assert not any("wsgi_only" in f for f in asgi)
    broken = RUN.compare([_run("wsgi", {}, problem="timed out after 240 s")], expected)
    assert broken == [f"{RUN.SUITES[0].name} [wsgi]: timed out after 240 s"]
