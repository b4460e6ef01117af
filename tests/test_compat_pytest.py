"""The pytest plugin of Flask compatibility mode: ``pytest -p kolben.compat``.

Each case runs pytest in a fresh interpreter over a tiny project written in
``tmp_path``: a Flask-style app, a ``conftest.py`` that imports ``flask``,
and an installed plugin (found through a ``pytest11`` entry point, as
pytest-flask is) that imports ``flask`` when pytest loads it.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

PTH = pathlib.Path(__file__).resolve().parent.parent / "src" / "kolben-flask-compat.pth"

APP = """
from flask import Flask, request
from werkzeug.exceptions import NotFound

app = Flask(__name__)


@app.route("/interface")
def interface():
    return "asgi" if "asgi.scope" in request.environ else "wsgi"


@app.route("/async-interface")
async def async_interface():
    return "asgi" if "asgi.scope" in request.environ else "wsgi"


@app.route("/missing")
def missing():
    raise NotFound()
"""

CONFTEST = """
import flask

CONFTEST_FLASK = flask.__name__
"""

# What pytest-flask does: an entry-point plugin that imports flask.
PLUGIN = """
import flask

PLUGIN_FLASK = flask.__name__
"""

TESTS = """
import os
import sys

import conftest
import fakeflaskplugin
import kolben
from flaskapp import app

SHIM = "kolben.compat._flask"


def test_flask_is_kolben_everywhere():
    assert fakeflaskplugin.PLUGIN_FLASK == SHIM
    assert conftest.CONFTEST_FLASK == SHIM
    assert sys.modules["flask"].__name__ == SHIM
    assert app.__class__ is kolben.Kolben


def test_the_client_interface():
    client = app.test_client()
    expected = os.environ["EXPECTED_INTERFACE"]
    assert client.interface == expected
    assert client.get("/interface").get_data(as_text=True) == expected
    assert client.get("/async-interface").get_data(as_text=True) == expected
    assert client.get("/missing").status_code == 404
    # An explicit interface still wins.
    assert app.test_client(interface="wsgi").get("/interface").get_data(as_text=True) == "wsgi"
"""


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A Flask-style project with a conftest and an entry-point plugin."""
    (tmp_path / "flaskapp.py").write_text(APP)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_flaskapp.py").write_text(TESTS)
    site = tmp_path / "site"
    site.mkdir()
    (site / "fakeflaskplugin.py").write_text(PLUGIN)
    dist_info = site / "fakeflaskplugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakeflaskplugin\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text("[pytest11]\nfakeflask = fakeflaskplugin\n")
    return tmp_path


def run_pytest(
    project: pathlib.Path, *args: str, ini: str = "", pth: bool = False, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run pytest in ``project``; with ``pth``, after Kolben's .pth file ran
    (as in an environment where Kolben is installed)."""
    (project / "pytest.ini").write_text(
        textwrap.dedent(
            f"""
            [pytest]
            filterwarnings = error
            {ini}
            """
        )
    )
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KOLBEN_FLASK_COMPAT", "KOLBEN_TEST_INTERFACE", "PYTEST_ADDOPTS")
        and not k.startswith("PYTEST_")
    }
    environ["PYTHONPATH"] = os.pathsep.join([str(project / "site"), str(project)])
    environ.update(env)
    pytest_args = ["-q", "-p", "no:cacheprovider", *args]
    if pth:
        (project / "pthsite").mkdir(exist_ok=True)
        (project / "pthsite" / PTH.name).write_text(PTH.read_text())
        # site.addsitedir runs the .pth file as interpreter start-up does.
        command = [
            sys.executable,
            "-c",
            f"import site, sys; site.addsitedir({str(project / 'pthsite')!r}); import pytest;"
            f" sys.exit(pytest.main({pytest_args!r}))",
        ]
    else:
        command = [sys.executable, "-m", "pytest", *pytest_args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=project,
        env=environ,
    )


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ((), {}, "wsgi"),
        (("--kolben-interface=asgi",), {}, "asgi"),
        ((), {"KOLBEN_TEST_INTERFACE": "asgi"}, "asgi"),
        (("--kolben-interface=wsgi",), {"KOLBEN_TEST_INTERFACE": "asgi"}, "wsgi"),
    ],
)
def test_the_plugin_turns_the_mode_on_before_plugins_and_conftests(
    project: pathlib.Path, args: tuple[str, ...], env: dict[str, str], expected: str
) -> None:
    proc = run_pytest(project, "-p", "kolben.compat", *args, EXPECTED_INTERFACE=expected, **env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_the_plugin_from_the_ini_file(project: pathlib.Path) -> None:
    proc = run_pytest(
        project,
        ini="addopts = -p kolben.compat --kolben-interface=asgi",
        EXPECTED_INTERFACE="asgi",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_the_plugin_with_the_mode_already_on_from_the_environment(
    project: pathlib.Path,
) -> None:
    # The .pth file imported kolben.compat before pytest: pytest must not warn
    # that it cannot rewrite the plugin's asserts (warnings are errors here).
    proc = run_pytest(
        project,
        "-p",
        "kolben.compat",
        "--kolben-interface=asgi",
        pth=True,
        KOLBEN_FLASK_COMPAT="1",
        EXPECTED_INTERFACE="asgi",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_without_the_plugin_the_real_flask_is_used(project: pathlib.Path) -> None:
    # The project's tests really check the mode: they fail without it.
    proc = run_pytest(project, EXPECTED_INTERFACE="wsgi")
    assert proc.returncode == 1
    assert "2 failed" in proc.stdout


def test_a_wrong_interface_is_an_error(project: pathlib.Path) -> None:
    proc = run_pytest(project, "-p", "kolben.compat", KOLBEN_TEST_INTERFACE="http3")
    assert proc.returncode != 0
    assert "KOLBEN_TEST_INTERFACE='http3'" in proc.stdout + proc.stderr
    option = run_pytest(project, "-p", "kolben.compat", "--kolben-interface=http3")
    assert option.returncode == 4
    assert "invalid choice" in option.stderr
