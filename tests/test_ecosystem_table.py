"""The extension-suite table of the docs against ``ecosystem/expected.json``.

``ecosystem/run.py`` writes ``docs/snippets/ecosystem-table.md`` after each
full run; what can be checked without running the suites is checked here:
one row per pinned extension, in order, with its pinned version; the Flask
column is what ``expected.json`` recorded; the Kolben columns count out of
the same tests (less the ASGI-by-nature ones over ASGI); every test left out
has its reason, and none is both left out and expected to pass.
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
