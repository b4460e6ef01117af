"""Every Flask and Werkzeug name that published extensions use is there in
compatibility mode (issue 12).

``tests/compat_inventory.py`` lists, for each ``(module, name)`` that the
library code of two dozen extensions imports or reaches as a module
attribute, the extensions that use it (regenerate it with
``tests/tools/gen_compat_inventory.py``). Here each entry is imported and
looked up in a fresh interpreter with ``kolben.compat.install()`` on: this
test process imports the real Flask as an oracle elsewhere, which the mode
refuses.

``NOT_PROVIDED`` lists what Kolben deliberately leaves out, each with why the
extension that names it still works.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import subprocess
import sys
import textwrap

import pytest

from compat_inventory import INVENTORY, SOURCES

# (module, name) -> why Kolben does not provide it and why that is harmless.
# "Absent upstream" entries are checked against the installed Flask 3.1.3 and
# Werkzeug 3.1.9 below: extensions only reach them on older versions.
NOT_PROVIDED: dict[tuple[str, str], str] = {
    ("flask", "_request_ctx_stack"): (
        "absent upstream: removed in Flask 3.0; Flask-Limiter reads it only when "
        "flask.globals.request_ctx is missing (Flask < 2.2)"
    ),
    ("flask.helpers", "_endpoint_from_view_func"): (
        "absent upstream: moved out of flask.helpers in Flask 2.2; flask-restx picks "
        "the module from importlib.metadata.version('flask') and asks "
        "flask.sansio.scaffold for 3.x"
    ),
    ("flask.scaffold", ""): (
        "absent upstream: became flask.sansio.scaffold in Flask 3.0; flask-restx "
        "imports it only for Flask 2.2 and 2.3"
    ),
    ("flask.scaffold", "_endpoint_from_view_func"): (
        "absent upstream: see flask.scaffold; flask-restx uses flask.sansio.scaffold on 3.x"
    ),
    ("werkzeug.wrappers", "BaseResponse"): (
        "absent upstream: removed in Werkzeug 2.1; flask-restx imports it only when "
        "importlib.metadata.version('werkzeug') is below 2"
    ),
}

# The versions whose absence of NOT_PROVIDED entries the oracle check proves.
ORACLE_VERSIONS = {"flask": "3.1.3", "werkzeug": "3.1.9"}

CHECK_SCRIPT = textwrap.dedent(
    """
    import importlib, json, sys, warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    import kolben.compat
    kolben.compat.install()
    failures = []
    for module, name in json.load(sys.stdin):
        try:
            obj = importlib.import_module(module)
        except Exception as exc:
            failures.append([module, name, f"import: {type(exc).__name__}: {exc}"])
            continue
        if not obj.__name__.startswith(("kolben", "flask", "werkzeug")):
            failures.append([module, name, f"resolved to {obj.__name__}"])
        file = getattr(obj, "__file__", None) or ""
        if "site-packages/flask/" in file or "site-packages/werkzeug/" in file:
            failures.append([module, name, f"loaded the real module from {file}"])
        if name and not hasattr(obj, name):
            failures.append([module, name, "no such attribute"])
    leaked = sorted(
        m for m, mod in sys.modules.items()
        if "site-packages/flask/" in (getattr(mod, "__file__", None) or "")
        or "site-packages/werkzeug/" in (getattr(mod, "__file__", None) or "")
    )
    print(json.dumps({"failures": failures, "leaked": leaked}))
    """
)


def _run_in_compat_mode(entries: list[tuple[str, str]]) -> dict[str, list[list[str]]]:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK_SCRIPT],
        input=json.dumps(entries),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, list[list[str]]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_every_inventory_entry_imports_in_compat_mode() -> None:
    wanted = sorted(key for key in INVENTORY if key not in NOT_PROVIDED)
    result = _run_in_compat_mode(wanted)
    report = [
        f"{module}:{name or '<module>'} ({reason}) used by {', '.join(INVENTORY[(module, name)])}"
        for module, name, reason in result["failures"]
    ]
    assert report == []
    assert result["leaked"] == []


def test_missing_names_fail_in_compat_mode() -> None:
    # The check above must be able to fail: a name no Flask has is reported.
    result = _run_in_compat_mode([("flask", "no_such_name_anywhere"), ("werkzeug.nope", "")])
    assert [(m, n) for m, n, _ in result["failures"]] == [
        ("flask", "no_such_name_anywhere"),
        ("werkzeug.nope", ""),
    ]


@pytest.mark.parametrize("key", sorted(NOT_PROVIDED))
def test_not_provided_entries_are_absent_upstream(key: tuple[str, str]) -> None:
    """What Kolben leaves out, the installed Flask 3.1 and Werkzeug 3.1 lack too."""
    assert key in INVENTORY, f"{key} is no longer used: drop it from NOT_PROVIDED"
    assert NOT_PROVIDED[key].startswith("absent upstream")
    module, name = key
    root = module.split(".")[0]
    dist_version = importlib.metadata.version(root)
    assert dist_version == ORACLE_VERSIONS[root]
    try:
        real = importlib.import_module(module)
    except ImportError:
        return
    assert name
    assert not hasattr(real, name)


def test_inventory_covers_the_extensions_of_issue_12() -> None:
    used_by = {ext for exts in INVENTORY.values() for ext in exts}
    # apispec (its Flask plugin lives in apispec-webframeworks) and
    # Flask-Bcrypt (bcrypt only) name neither Flask nor Werkzeug.
    assert set(SOURCES) - used_by == {"apispec", "Flask-Bcrypt"}
    assert SOURCES["Flask-Login"] == "0.6.3"
    assert SOURCES["flask-smorest"] == "0.47.0"


def test_endpoint_helper_where_flask_restx_imports_it() -> None:
    # flask-restx names a resource's endpoint with the helper it imports from
    # flask.sansio.scaffold on Flask 3.x.
    from kolben.sansio.scaffold import _endpoint_from_view_func

    def todo_list() -> str:
        return ""

    assert _endpoint_from_view_func(todo_list) == "todo_list"
    with pytest.raises(TypeError, match="endpoint"):
        _endpoint_from_view_func(None)
