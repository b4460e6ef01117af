#!/usr/bin/env python3
"""Cases E (a Jinja2 page) and G (session read + write), in-process.

    .venv/bin/python bench/bench_templates_sessions.py [--quick]

E  GET /products?name=<script>...  a page extending a layout, a 10-item loop,
   one user string that must be escaped. Kolben and Flask render it through
   ``render_template``; "jinja2" renders the same files with a plain Jinja2
   environment (``get_template`` + ``render``), the floor a framework adds to.
   "jinja2 render" holds the template object and only renders.
G  GET /count with a session cookie: read a counter, write it back, so every
   response signs and sets a new cookie. Kolben over WSGI and over ASGI
   (an async view like Starlette's; and the same sync view, which ASGI runs
   in a worker thread), Flask, and Starlette's SessionMiddleware driven
   in-process over ASGI (one event loop, every request awaited in turn).
K  GET / on an app with SECRET_KEY set whose view never touches the
   session, against the same app without a key: with no cookie, and with
   a (non-permanent) session cookie the client sends back.

Figures are microseconds of CPU time per request, the best of several
interleaved runs (see ``bench/run.py`` for the method; CPU time instead of
wall time keeps other processes on a shared machine out of the figures).
Each response is checked first.
The ``# PERF:`` tricks this guards: the lazily opened session
(``RequestContext.session``), the cached signer and derived keys
(``kolben.sessions``), and the built-in context processor shortcut
(``TemplatingMixin.update_template_context``).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
import typing as t
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apps_wsgi import ITEMS, USER
from run import BASE_ENVIRON, measure_loops

KEY = "bench-secret-key-0123456789"
Loop = Callable[[int], float]

#: CPU time of this process, not wall time: the development machine is
#: shared, and another process's burst must not count against a framework.
_clock = time.process_time


# -- drivers -----------------------------------------------------------------------------


def _environ(path: str, query: str = "", cookie: str | None = None) -> dict[str, t.Any]:
    env = dict(BASE_ENVIRON)
    env["PATH_INFO"] = path
    env["QUERY_STRING"] = query
    if cookie is not None:
        env["HTTP_COOKIE"] = cookie
    return env


class _Capture:
    status = ""
    headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> None:
        self.status = status
        self.headers = headers


def wsgi_call(app: t.Any, env: dict[str, t.Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request, for checking the answer before timing."""
    capture = _Capture()
    environ = env.copy()
    environ["wsgi.input"] = io.BytesIO()
    body = app(environ, capture)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return capture.status, capture.headers, data


def wsgi_loop(app: t.Any, env: dict[str, t.Any]) -> Loop:
    start_response = _Capture()

    def loop(n: int) -> float:
        t0 = _clock()
        for _ in range(n):
            environ = env.copy()
            environ["wsgi.input"] = io.BytesIO()
            body = app(environ, start_response)
            for _chunk in body:
                pass
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return _clock() - t0

    return loop


def _scope(path: str, query: str = "", cookie: str | None = None) -> dict[str, t.Any]:
    headers = [(b"host", b"localhost"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "state": {},
    }


async def _receive() -> dict[str, t.Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


_LOOP = asyncio.new_event_loop()


def asgi_call(app: t.Any, scope: dict[str, t.Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    messages: list[dict[str, t.Any]] = []

    async def send(message: dict[str, t.Any]) -> None:
        messages.append(message)

    _LOOP.run_until_complete(app(dict(scope), _receive, send))
    start = messages[0]
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return str(start["status"]), headers, body


def asgi_loop(app: t.Any, scope: dict[str, t.Any]) -> Loop:
    async def send(message: dict[str, t.Any]) -> None:
        pass

    async def run(n: int) -> float:
        t0 = _clock()
        for _ in range(n):
            await app(dict(scope), _receive, send)
        return _clock() - t0

    def loop(n: int) -> float:
        return _LOOP.run_until_complete(run(n))

    return loop


measure = measure_loops


def _cookie_from(headers: list[tuple[str, str]], name: str = "session") -> str:
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0]
    raise SystemExit(f"no {name} cookie in {headers}")


# -- E: a Jinja2 page ------------------------------------------------------------------------


def _template_dir() -> Path:
    """The folder whose ``templates/`` the other benchmarks render too."""
    return Path(__file__).resolve().parent


def case_e(root: Path) -> dict[str, Loop]:
    import jinja2

    from kolben import Kolben, render_template, request

    kolben_app = Kolben("bench_e", root_path=str(root))

    @kolben_app.route("/products")
    def products() -> str:
        return render_template("page.html", items=ITEMS, user=request.args.get("name", "guest"))

    loops: dict[str, Loop] = {}
    query = "name=%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E"
    env = _environ("/products", query)
    expected = wsgi_call(kolben_app, env)[2]
    if b"&lt;script&gt;" not in expected or expected.count(b"<tr class=") != 10:
        raise SystemExit(f"kolben rendered a wrong page: {expected[:200]!r}")
    loops["kolben"] = wsgi_loop(kolben_app, env)

    try:
        import flask
    except ImportError:
        print("(skipping flask: not installed)")
    else:
        flask_app = flask.Flask("bench_e_flask", root_path=str(root))

        @flask_app.route("/products")
        def flask_products() -> str:
            return flask.render_template(
                "page.html", items=ITEMS, user=flask.request.args.get("name", "guest")
            )

        if wsgi_call(flask_app, env)[2] != expected:
            raise SystemExit("flask rendered a different page")
        loops["flask"] = wsgi_loop(flask_app, env)

    jenv = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root / "templates")),
        autoescape=jinja2.select_autoescape(),
    )
    if jenv.get_template("page.html").render(items=ITEMS, user=USER).encode() != expected:
        raise SystemExit("plain Jinja2 rendered a different page")

    def jinja_loop(n: int) -> float:
        get_template = jenv.get_template
        t0 = _clock()
        for _ in range(n):
            get_template("page.html").render(items=ITEMS, user=USER).encode()
        return _clock() - t0

    template = jenv.get_template("page.html")

    def render_loop(n: int) -> float:
        render = template.render
        t0 = _clock()
        for _ in range(n):
            render(items=ITEMS, user=USER).encode()
        return _clock() - t0

    loops["jinja2"] = jinja_loop
    loops["jinja2 render"] = render_loop
    return loops


# -- G: session read + write ---------------------------------------------------------------------


def case_g() -> dict[str, Loop]:
    from kolben import Kolben, session

    kolben_app = Kolben("bench_g")
    kolben_app.secret_key = KEY

    @kolben_app.route("/count")
    def count() -> str:
        n = session.get("n", 0) + 1
        session["n"] = n
        return str(n)

    @kolben_app.route("/acount")
    async def async_count() -> str:
        n = session.get("n", 0) + 1
        session["n"] = n
        return str(n)

    loops: dict[str, Loop] = {}
    status, headers, _ = wsgi_call(kolben_app, _environ("/count"))
    cookie = _cookie_from(headers)
    status, headers, body = wsgi_call(kolben_app, _environ("/count", cookie=cookie))
    if body != b"2" or not _cookie_from(headers):
        raise SystemExit(f"kolben session case broken: {status} {body!r}")
    loops["kolben"] = wsgi_loop(kolben_app, _environ("/count", cookie=cookie))
    asgi_app = getattr(kolben_app, "asgi", None)
    if asgi_app is not None:
        # Like the Starlette view, an async view: no worker thread per request.
        _, _, body = asgi_call(asgi_app, _scope("/acount", cookie=cookie))
        if body != b"2":
            raise SystemExit(f"kolben ASGI session case broken: {body!r}")
        loops["kolben asgi"] = asgi_loop(asgi_app, _scope("/acount", cookie=cookie))
        loops["kolben asgi, sync view"] = asgi_loop(asgi_app, _scope("/count", cookie=cookie))

    try:
        import flask
    except ImportError:
        print("(skipping flask: not installed)")
    else:
        flask_app = flask.Flask("bench_g_flask")
        flask_app.secret_key = KEY

        @flask_app.route("/count")
        def flask_count() -> str:
            n = flask.session.get("n", 0) + 1
            flask.session["n"] = n
            return str(n)

        _, headers, _ = wsgi_call(flask_app, _environ("/count"))
        flask_cookie = _cookie_from(headers)
        if wsgi_call(flask_app, _environ("/count", cookie=flask_cookie))[2] != b"2":
            raise SystemExit("flask session case broken")
        loops["flask"] = wsgi_loop(flask_app, _environ("/count", cookie=flask_cookie))

    try:
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.sessions import SessionMiddleware
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
    except ImportError:
        print("(skipping starlette: not installed)")
    else:

        async def starlette_count(request: Request) -> PlainTextResponse:
            n = request.session.get("n", 0) + 1
            request.session["n"] = n
            return PlainTextResponse(str(n))

        starlette_app = Starlette(
            routes=[Route("/count", starlette_count)],
            middleware=[Middleware(SessionMiddleware, secret_key=KEY)],
        )
        _, headers, _ = asgi_call(starlette_app, _scope("/count"))
        star_cookie = _cookie_from(headers)
        if asgi_call(starlette_app, _scope("/count", cookie=star_cookie))[2] != b"2":
            raise SystemExit("starlette session case broken")
        loops["starlette"] = asgi_loop(starlette_app, _scope("/count", cookie=star_cookie))
    return loops


# -- K: a key, and a session nobody touches ---------------------------------------------------


def case_k() -> dict[str, Loop]:
    from kolben import Kolben, session

    def make(key: str | None) -> t.Any:
        app = Kolben(f"bench_k_{bool(key)}")
        app.secret_key = key

        @app.route("/")
        def index() -> str:
            return "Hello, World!"

        @app.route("/login")
        def login() -> str:
            session["user"] = "alice"
            return "ok"

        return app

    without_key = make(None)
    with_key = make(KEY)
    _, headers, _ = wsgi_call(with_key, _environ("/login"))
    cookie = _cookie_from(headers)
    for app in (without_key, with_key):
        status, headers, body = wsgi_call(app, _environ("/", cookie=cookie))
        if body != b"Hello, World!" or any(k.lower() == "set-cookie" for k, _ in headers):
            raise SystemExit(f"case K broken: {status} {headers} {body!r}")
    return {
        "no key": wsgi_loop(without_key, _environ("/")),
        "key": wsgi_loop(with_key, _environ("/")),
        "no key + cookie": wsgi_loop(without_key, _environ("/", cookie=cookie)),
        "key + cookie": wsgi_loop(with_key, _environ("/", cookie=cookie)),
    }


def _table(title: str, results: dict[str, float], base: str) -> None:
    print(f"\n{title}\n")
    print(f"| framework | us/request | vs {base} |")
    print("|---|---|---|")
    for name, value in results.items():
        print(f"| {name} | {value:.2f} | {value / results[base]:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", default="EGK", help="which cases, e.g. 'EG'")
    args = parser.parse_args()
    seconds, repeats = (0.05, 5) if args.quick else (0.1, 15)
    if "E" in args.only:
        e = measure(case_e(_template_dir()), seconds, repeats)
        _table("E  Jinja2 page (layout, 10-item loop, one escaped string)", e, "jinja2")
    if "G" in args.only:
        g = measure(case_g(), seconds, repeats)
        _table("G  session read + write (cookie in, new cookie out)", g, "kolben")
    if "K" in args.only:
        k = measure(case_k(), seconds, repeats)
        _table("K  SECRET_KEY set, session never touched", k, "no key")


if __name__ == "__main__":
    main()
