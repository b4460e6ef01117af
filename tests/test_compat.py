"""Flask compatibility mode (``kolben.compat``): ``flask`` and ``werkzeug``
import as Kolben's own modules.

This test process imports the real Flask as an oracle elsewhere, which the
mode refuses, so every check of the mode itself runs in a fresh interpreter
(``run_python``) and reports back as JSON. The pytest plugin has its own
file, ``tests/test_compat_pytest.py``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import sysconfig
import textwrap
import types
import typing as t

import pytest

import kolben.compat
from kolben.compat import MODULES, NOT_PROVIDED, VERSIONS, _flask, _werkzeug
from kolben.compat._modules import ROOT_ATTRIBUTES

ROOT = pathlib.Path(__file__).resolve().parent.parent
PTH = ROOT / "src" / "kolben-flask-compat.pth"
VERSION_WARNING_PREFIX = "The '__version__' attribute is deprecated"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KOLBEN_FLASK_COMPAT", "KOLBEN_TEST_INTERFACE", "PYTEST_ADDOPTS")
    }
    env.update(extra)
    return env


def run_python(
    code: str, *, cwd: pathlib.Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (warnings are errors there too)."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=_clean_env(**env),
    )


def run_json(code: str, *, cwd: pathlib.Path | None = None, **env: str) -> t.Any:
    """Run ``code``, which prints one JSON document last, and return it."""
    proc = run_python(code, cwd=cwd, **env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _real_package_dirs() -> list[str]:
    dirs = []
    for name in ("flask", "werkzeug"):
        spec = importlib.util.find_spec(name)
        # The dev extra installs the real Flask and Werkzeug: the checks that
        # they are never loaded must have something to catch.
        assert spec is not None
        assert spec.origin is not None
        assert "kolben" not in spec.origin
        dirs.append(str(pathlib.Path(spec.origin).parent) + os.sep)
    return dirs


# -- the table --------------------------------------------------------------------------


def _upstream_modules(dist: str) -> set[str]:
    names = set()
    for file in importlib.metadata.files(dist) or ():
        parts = file.with_suffix("").parts
        if file.suffix == ".py" and parts[0] == dist:
            module = parts[:-1] if parts[-1] == "__init__" else parts
            # Every enclosing folder is a package (flask.sansio has no __init__).
            names.update(".".join(module[:i]) for i in range(1, len(module) + 1))
    return names


@pytest.mark.parametrize("dist", ["flask", "werkzeug"])
def test_the_table_accounts_for_every_upstream_module(dist: str) -> None:
    upstream = _upstream_modules(dist)
    assert dist in upstream
    ours = {name for name in [*MODULES, *NOT_PROVIDED] if name.split(".")[0] == dist}
    assert sorted(upstream - ours) == [], "add them to MODULES or NOT_PROVIDED"
    assert sorted(ours - upstream) == [], f"not modules of {dist} {VERSIONS[dist]}"
    assert set(MODULES).isdisjoint(NOT_PROVIDED)


def test_aliases_of_kolben_packages_map_submodules_to_their_submodules() -> None:
    # Importing ``werkzeug.routing.rules`` sets the attribute ``rules`` on the
    # module ``werkzeug.routing`` is: when that is ``kolben.routing``, the
    # submodule must be ``kolben.routing.rules`` or a Kolben module would be
    # changed.
    for name, target in MODULES.items():
        parent, _, child = name.rpartition(".")
        if parent and not MODULES[parent].startswith("kolben.compat."):
            assert target == f"{MODULES[parent]}.{child}", name


def test_every_kolben_module_of_the_table_exists() -> None:
    missing = [target for target in MODULES.values() if importlib.util.find_spec(target) is None]
    assert missing == []


def test_no_module_left_out_has_a_kolben_twin_by_now() -> None:
    # When Kolben grows a module Werkzeug has (kolben.datastructures.csp did),
    # the table must map it instead of refusing it.
    twins = [
        name
        for name in NOT_PROVIDED
        if importlib.util.find_spec("kolben." + name.partition(".")[2]) is not None
    ]
    assert twins == [], "move them from NOT_PROVIDED to MODULES"


def test_the_roots_have_the_names_and_submodules_of_flask_and_werkzeug() -> None:
    real = run_json(
        """
        import __future__, json, sys, types

        def submodules(root):
            return sorted(
                name for name, value in vars(root).items()
                if isinstance(value, types.ModuleType)
                and value.__name__ == f"{root.__name__}.{name}"
            )

        def names(root):
            return sorted(
                name for name, value in vars(root).items()
                if not name.startswith("_")
                and not isinstance(value, (types.ModuleType, __future__._Feature))
            )

        # Werkzeug first: importing Flask imports more of Werkzeug.
        import werkzeug
        out = {"werkzeug": submodules(werkzeug), "werkzeug names": names(werkzeug)}
        import flask
        out["flask"] = submodules(flask)
        out["flask names"] = names(flask)
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            flask.__version__
        out["flask warning"] = str(caught[0].message)
        print(json.dumps(out))
        """
    )
    for root in ("flask", "werkzeug"):
        provided = [name for name in real[root] if f"{root}.{name}" in MODULES]
        assert sorted(ROOT_ATTRIBUTES[root]) == provided
    # The shims have every other top-level name too (run_simple lazily).
    for root, shim, lazy in [("flask", _flask, []), ("werkzeug", _werkzeug, ["run_simple"])]:
        shim_names = [n for n in shim.__all__ if not isinstance(getattr(shim, n), types.ModuleType)]
        assert real[f"{root} names"] == sorted([*shim_names, *lazy])
    # Warning filters written for Flask's message match Kolben's.
    assert real["flask warning"].startswith(VERSION_WARNING_PREFIX)


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("", False),
     ("false", False), ("no", False)],
)
def test_enabled_by_env(value: str, on: bool) -> None:
    assert kolben.compat.enabled_by_env({"KOLBEN_FLASK_COMPAT": value}) is on
    assert kolben.compat.enabled_by_env({}) is False


# -- the mode in a fresh interpreter ----------------------------------------------------

IDENTITY = """
import importlib, json, sys, types
import kolben, kolben.compat
from kolben.compat import MODULES
from kolben.compat import _flask, _werkzeug
from kolben.compat._modules import ROOT_ATTRIBUTES
kolben.compat.install()
import flask, flask.json.provider, werkzeug, werkzeug.test, werkzeug.routing
from werkzeug.exceptions import NotFound
from werkzeug.datastructures import Headers
import kolben.datastructures, kolben.exceptions, kolben.json.provider, kolben.routing
import kolben.wrappers
checks = {
    "Flask": flask.Flask is kolben.Kolben,
    "request": flask.request is kolben.request,
    "json": flask.json is kolben.json,
    "provider": flask.json.provider is kolben.json.provider,
    "NotFound": NotFound is kolben.exceptions.NotFound,
    "Headers": Headers is kolben.datastructures.Headers,
    "Rule": werkzeug.routing.Rule is kolben.routing.Rule,
    "test": werkzeug.test is kolben.testing,
    "Client": werkzeug.Client is kolben.testing.Client,
    "Response": werkzeug.Response is kolben.wrappers.Response,
    "flask.Response": flask.Response is kolben.Response,
    "app Response": issubclass(flask.Response, werkzeug.Response),
    "flask.Request": flask.Request is werkzeug.Request is kolben.Request,
    "AppGroup": flask.cli.AppGroup is kolben.cli.AppGroup,
}
# What ``import flask`` makes reachable, ``flask.x`` gives without importing it.
for root, names in ROOT_ATTRIBUTES.items():
    for name in names:
        module = getattr(sys.modules[root], name)
        checks[f"{root}.{name}"] = module is importlib.import_module(MODULES[f"{root}.{name}"])
# Every module of the table imports as its Kolben module, which keeps its own spec.
for name, target in MODULES.items():
    alias = importlib.import_module(name)
    checks[name] = alias is sys.modules[target] and alias.__spec__.name == target
print(json.dumps({
    "checks": checks,
    "flask_file": sys.modules["flask"].__file__,
    "modules": {name: getattr(m, "__file__", None) or "" for name, m in sys.modules.items()},
    "aliases": sorted(n for n in sys.modules if n.split(".")[0] in ("flask", "werkzeug")),
}))
"""


def test_flask_and_werkzeug_are_kolben_and_the_real_ones_never_load() -> None:
    result = run_json(IDENTITY)
    assert [name for name, ok in result["checks"].items() if not ok] == []
    assert len(result["checks"]) > len(MODULES)
    assert result["flask_file"].startswith(str(ROOT / "src" / "kolben"))
    real_dirs = _real_package_dirs()
    leaked = [name for name, file in result["modules"].items() if file.startswith(tuple(real_dirs))]
    assert leaked == []
    assert set(result["aliases"]) >= {"flask", "flask.json.provider", "werkzeug.exceptions"}


def test_what_kolben_does_not_provide_raises_import_error() -> None:
    result = run_json(
        """
        import json
        import kolben.compat
        kolben.compat.install()
        import flask, werkzeug
        out = {}
        for statement in (
            "import werkzeug.middleware.lint",
            "from werkzeug.nosuchmodule import thing",
            "import flask.nosuchmodule",
            "from werkzeug.exceptions import NoSuchName",
            "from flask import NoSuchName",
        ):
            try:
                exec(statement)
            except ImportError as exc:
                out[statement] = [type(exc).__name__, str(exc), exc.name]
        for root in (flask, werkzeug):
            try:
                root.no_such_name
            except AttributeError as exc:
                out[root.__name__] = str(exc)
        out["hasattr"] = hasattr(flask, "no_such_name")
        print(json.dumps(out))
        """
    )
    lint = result["import werkzeug.middleware.lint"]
    assert lint[0] == "ModuleNotFoundError"
    assert lint[2] == "werkzeug.middleware.lint"
    assert "does not provide" in lint[1]
    assert NOT_PROVIDED["werkzeug.middleware.lint"] in lint[1]
    assert "docs/porting.md" in lint[1]
    missing = result["from werkzeug.nosuchmodule import thing"]
    assert missing[0] == "ModuleNotFoundError"
    assert "'werkzeug.nosuchmodule'" in missing[1]
    assert "Kolben" in missing[1]
    assert "docs/porting.md" in missing[1]
    assert "'flask.nosuchmodule'" in result["import flask.nosuchmodule"][1]
    # A missing name in a module Kolben provides: Python's ImportError, which
    # names the Kolben module that was searched.
    name_error = result["from werkzeug.exceptions import NoSuchName"]
    assert name_error[0] == "ImportError"
    assert "'NoSuchName'" in name_error[1]
    assert "kolben.exceptions" in name_error[1]
    # A missing name of the flask/werkzeug roots: an ImportError that says why.
    root_error = result["from flask import NoSuchName"]
    assert root_error[0] == "ImportError"
    assert root_error[2] == "flask"
    assert "cannot import name 'NoSuchName' from 'flask'" in root_error[1]
    assert "does not provide it" in root_error[1]
    assert "docs/porting.md" in root_error[1]
    for root in ("kolben.compat._flask", "kolben.compat._werkzeug"):
        assert "'no_such_name'" in result[root]
        assert "docs/porting.md" in result[root]
    assert result["hasattr"] is False


def test_version_queries_answer_the_compatible_releases() -> None:
    result = run_json(
        """
        import importlib.metadata, json, sys, warnings
        kolben_before = importlib.metadata.version("kolben")
        import kolben.compat
        kolben.compat.install()
        kolben_after = importlib.metadata.version("kolben")
        import flask, werkzeug
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            flask_version = flask.__version__
        try:
            werkzeug.__version__
            werkzeug_attribute = "present"
        except AttributeError as exc:
            werkzeug_attribute = str(exc)
        # The real distributions out of sight: the answers do not depend on them.
        sys.path[:] = [p for p in sys.path if "-packages" not in p]
        importlib.invalidate_caches()
        try:
            importlib.metadata.version("jinja2")
            hidden = False
        except importlib.metadata.PackageNotFoundError:
            hidden = True
        print(json.dumps({
            "attribute": flask_version,
            "warnings": [[w.category.__name__, str(w.message), w.filename] for w in caught],
            "werkzeug_attribute": werkzeug_attribute,
            "metadata": [importlib.metadata.version(n) for n in ("flask", "Flask", "werkzeug")],
            "name": importlib.metadata.metadata("flask")["Name"],
            "hidden": hidden,
            "kolben": [kolben_before, kolben_after],
        }))
        """
    )
    assert result["attribute"] == VERSIONS["flask"] == "3.1.3"
    # Flask 3.1 deprecates the attribute; the warning points at the caller.
    [(category, message, filename)] = result["warnings"]
    assert category == "DeprecationWarning"
    assert message.startswith(VERSION_WARNING_PREFIX)
    assert "importlib.metadata.version('flask')" in message
    assert filename == "<string>"
    # Werkzeug 3.1 has no __version__ at all.
    assert "__version__" in result["werkzeug_attribute"]
    assert "importlib.metadata.version('werkzeug')" in result["werkzeug_attribute"]
    assert result["metadata"] == ["3.1.3", "3.1.3", "3.1.9"]
    assert result["name"] == "flask"
    assert result["hidden"] is True
    kolben_before, kolben_after = result["kolben"]
    assert kolben_before == kolben_after == importlib.metadata.version("kolben")
    assert kolben_after != VERSIONS["flask"]


FLASK_APP = """
from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException, NotFound

app = Flask(__name__)


@app.errorhandler(HTTPException)
def http_error(exc):
    return jsonify(code=exc.code, name=exc.name, handled_by="errorhandler"), exc.code


@app.route("/sync/<name>")
def sync_view(name):
    if name == "missing":
        raise NotFound()
    if name == "teapot":
        abort(418)
    return jsonify(view="def", name=name, asgi="asgi.scope" in request.environ)


@app.route("/async/<name>")
async def async_view(name):
    if name == "missing":
        raise NotFound()
    return jsonify(view="async def", name=name, asgi="asgi.scope" in request.environ)
"""


def test_a_flask_app_runs_under_wsgi_and_asgi(tmp_path: pathlib.Path) -> None:
    (tmp_path / "flaskapp.py").write_text(FLASK_APP)
    result = run_json(
        """
        import json
        import kolben.compat
        kolben.compat.install()
        from flaskapp import app
        out = {}
        for interface in ("wsgi", "asgi"):
            client = app.test_client(interface=interface)
            for path in ("/sync/a", "/async/b", "/sync/missing", "/async/missing",
                         "/sync/teapot", "/nowhere"):
                response = client.get(path)
                out[f"{interface} {path}"] = [response.status_code, response.get_json()]
        print(json.dumps(out))
        """,
        cwd=tmp_path,
    )
    for interface in ("wsgi", "asgi"):
        asgi = interface == "asgi"
        assert result[f"{interface} /sync/a"] == [
            200, {"view": "def", "name": "a", "asgi": asgi}
        ]
        assert result[f"{interface} /async/b"] == [
            200, {"view": "async def", "name": "b", "asgi": asgi}
        ]
        for path, code, name in [
            ("/sync/missing", 404, "Not Found"),
            ("/async/missing", 404, "Not Found"),
            ("/sync/teapot", 418, "I'm a teapot"),
            ("/nowhere", 404, "Not Found"),
        ]:
            assert result[f"{interface} {path}"] == [
                code, {"code": code, "name": name, "handled_by": "errorhandler"}
            ]


def test_install_after_the_real_flask_was_imported_says_what_to_do() -> None:
    proc = run_python(
        """
        import flask
        import kolben.compat
        try:
            kolben.compat.install()
        except RuntimeError as exc:
            print(exc)
        print(kolben.compat.installed())
        """
    )
    assert proc.returncode == 0, proc.stderr
    message, installed = proc.stdout.strip().splitlines()
    assert "before anything imports flask" in message
    assert "KOLBEN_FLASK_COMPAT=1" in message
    assert "-p kolben.compat" in message
    assert installed == "False"


def test_install_is_idempotent_and_uninstall_undoes_it() -> None:
    result = run_json(
        """
        import json, sys
        import kolben.compat, kolben.json
        out = {"before": kolben.compat.installed()}
        kolben.compat.install()
        kolben.compat.install()
        out["finders"] = sum(type(f).__name__ == "CompatFinder" for f in sys.meta_path)
        out["first"] = type(sys.meta_path[0]).__name__
        out["during"] = kolben.compat.installed()
        import flask.json
        kolben.compat.uninstall()
        out["after"] = kolben.compat.installed()
        out["left"] = sorted(n for n in sys.modules if n.split(".")[0] in ("flask", "werkzeug"))
        out["kolben_json_spec"] = kolben.json.__spec__.name
        import flask
        out["real"] = flask.__file__
        print(json.dumps(out))
        """
    )
    assert result["before"] is False
    assert result["finders"] == 1
    assert result["first"] == "CompatFinder"
    assert result["during"] is True
    assert result["after"] is False
    assert result["left"] == []
    assert result["kolben_json_spec"] == "kolben.json"
    assert result["real"].startswith(tuple(_real_package_dirs()))


# -- turning it on from the environment ---------------------------------------------------


def test_the_kolben_command_reads_the_environment_variable(tmp_path: pathlib.Path) -> None:
    (tmp_path / "flaskapp.py").write_text(FLASK_APP)
    command = [sys.executable, "-W", "error", "-m", "kolben", "--app", "flaskapp", "routes"]

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=False,
            cwd=tmp_path, env=_clean_env(**env),
        )

    on = run(KOLBEN_FLASK_COMPAT="1")
    assert on.returncode == 0, on.stderr
    assert "/sync/<name>" in on.stdout
    assert "/async/<name>" in on.stdout
    # Without it the module builds a real Flask app, which Kolben cannot run.
    off = run()
    assert off.returncode != 0
    assert "/sync/<name>" not in off.stdout


def _site_dir_with_pth(tmp_path: pathlib.Path) -> pathlib.Path:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / PTH.name).write_text(PTH.read_text())
    return site_dir


PTH_CHECK = """
import json, site, sys
site.addsitedir({site_dir!r})
loaded = "kolben" in sys.modules
import flask
print(json.dumps({{"kolben_loaded": loaded, "flask_file": flask.__file__}}))
"""


@pytest.mark.parametrize(("value", "on"), [("1", True), ("0", False), (None, False)])
def test_the_pth_file_turns_the_mode_on_at_start(
    tmp_path: pathlib.Path, value: str | None, on: bool
) -> None:
    # site.addsitedir processes .pth files as interpreter start-up does.
    site_dir = _site_dir_with_pth(tmp_path)
    env = {} if value is None else {"KOLBEN_FLASK_COMPAT": value}
    result = run_json(PTH_CHECK.format(site_dir=str(site_dir)), **env)
    assert result["flask_file"].startswith(str(ROOT / "src" / "kolben")) is on
    if value is None:
        # Unset, the line imports nothing.
        assert result["kolben_loaded"] is False


def test_the_pth_file_is_one_line_and_ships_in_the_wheel() -> None:
    lines = PTH.read_text().splitlines()
    # site.py executes only lines that start with "import".
    assert len(lines) == 1
    assert lines[0].startswith("import ")
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    force_include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include["src/" + PTH.name] == PTH.name


def test_python_m_flask_runs_the_kolben_command(tmp_path: pathlib.Path) -> None:
    (tmp_path / "flaskapp.py").write_text(FLASK_APP)
    site_dir = _site_dir_with_pth(tmp_path)
    proc = run_python(
        f"""
        import runpy, site, sys
        site.addsitedir({str(site_dir)!r})
        sys.argv = ["flask", "--app", "flaskapp", "routes"]
        runpy.run_module("flask", run_name="__main__", alter_sys=True)
        """,
        cwd=tmp_path,
        KOLBEN_FLASK_COMPAT="1",
    )
    assert proc.returncode == 0, proc.stderr
    assert "/sync/<name>" in proc.stdout


@pytest.mark.skipif(
    not (pathlib.Path(sysconfig.get_paths()["purelib"]) / PTH.name).exists(),
    reason="this environment's Kolben was installed before the .pth existed (rerun dev.py)",
)
def test_the_installed_pth_file_works_in_plain_python() -> None:
    code = "import flask, kolben, json; print(json.dumps(flask.Flask is kolben.Kolben))"
    assert run_json(code, KOLBEN_FLASK_COMPAT="1") is True
    assert run_json("import sys, json; print(json.dumps('kolben' in sys.modules))") is False
