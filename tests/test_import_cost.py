"""What ``import kolben`` loads (issue 15: importing Kolben costs less than Falcon).

A program that imports Kolben, makes an app, adds a route and serves a
request over WSGI must not load Jinja2, ``importlib.metadata`` or the other
modules Kolben defers; they load on first use (``kolben._imports``,
docs/performance.md "Import time"). Each case runs in a fresh interpreter:
the test process itself has loaded everything long ago.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import typing as t

import pytest

from kolben import Kolben, stream_with_context

#: Deferred modules: none of them may be loaded by the program below.
DEFERRED = (
    "jinja2",
    "importlib.metadata",
    "kolben.templating",
    "kolben.testing",
    "kolben.cli",
    "click",
    "decimal",
    "difflib",
    "html",
    "multipart",
    "pkgutil",
    "pprint",
)

_SERVE_ONE_REQUEST = """
import io, sys
import kolben

app = kolben.Kolben("import_cost_app", root_path=sys.argv[1])

@app.route("/")
def index():
    return "hello"

environ = {
    "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/", "QUERY_STRING": "",
    "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
    "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    "wsgi.version": (1, 0),
}
statuses = []
body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
assert (statuses, body) == (["200 OK"], b"hello"), (statuses, body)
"""


def _run(code: str, *args: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of DEFERRED it loaded."""
    names = list(DEFERRED)
    report = f"\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {names!r}}}))"
    # Flask compatibility mode, when the environment turns it on, runs at
    # start-up and is no part of what ``import kolben`` costs.
    env = {k: v for k, v in os.environ.items() if k != "KOLBEN_FLASK_COMPAT"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + report, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bool]:
    """What import + app + route + one WSGI request loaded."""
    root = tmp_path_factory.mktemp("import_cost_app")
    (root / "templates").mkdir()  # a template folder exists, as in most apps
    return _run(_SERVE_ONE_REQUEST, str(root))


@pytest.mark.parametrize("module", DEFERRED)
def test_a_plain_app_does_not_load(served: dict[str, bool], module: str) -> None:
    assert not served[module], (
        f"import kolben + Kolben(__name__) + @app.route + a request loaded {module}:"
        " python -X importtime shows who imports it; defer it (kolben._imports.LazyModule)"
    )


def test_rendering_loads_jinja_on_first_use(tmp_path: os.PathLike[str]) -> None:
    loaded = _run(
        """
        import sys
        import kolben

        app = kolben.Kolben("import_cost_app", root_path=sys.argv[1])
        with app.app_context():
            page = kolben.render_template_string("<b>{{ x }}</b>", x="<i>")
        assert page == "<b>&lt;i&gt;</b>", page
        """,
        str(tmp_path),
    )
    assert loaded["jinja2"]
    assert loaded["kolben.templating"]


def test_the_templating_module_is_reachable_after_a_bare_import() -> None:
    loaded = _run(
        """
        import kolben

        env_class = kolben.templating.Environment
        assert env_class is kolben.Kolben.jinja_environment, env_class
        assert kolben.templating.render_template is kolben.render_template
        """
    )
    assert loaded["jinja2"]


# -- stream_with_context tells a cancellation from an error without importing asyncio


async def _drain(stream: t.AsyncIterator[str]) -> list[str]:
    seen = []
    async for item in stream:
        seen.append(item)
    return seen


@pytest.mark.parametrize(
    ("raised", "torn_down_with"),
    [(asyncio.CancelledError, None), (RuntimeError, RuntimeError)],
)
def test_an_async_stream_that_stops_tears_down_its_request(
    app: Kolben, raised: type[BaseException], torn_down_with: type[BaseException] | None
) -> None:
    # The server cancelling the body (the client left) is no error of the
    # request; anything else raised by the stream is.
    errors: list[BaseException | None] = []
    app.teardown_request(errors.append)

    async def source() -> t.AsyncIterator[str]:
        yield "first"
        raise raised

    with app.test_request_context("/"):
        stream = stream_with_context(source())
    with pytest.raises(raised):
        asyncio.run(_drain(stream))
    assert len(errors) == 1
    if torn_down_with is None:
        assert errors[0] is None
    else:
        assert isinstance(errors[0], torn_down_with)
