"""The pipeline matrix, hooks and signals: Kolben answers and calls as Flask 3.1.

Every scenario runs eight ways (``def``/``async def`` views and hooks x
WSGI/ASGI x fast/hooked path) and must give what real Flask gives: the same
status, body, selected headers and the same calls in the same order (see
``tests/pipeline_oracle.py``). URL value preprocessors and URL defaults stay
``def`` in the async run: Flask calls them directly, never through
``ensure_sync``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import pytest

from pipeline_oracle import Api, Scenario, add_view, app_of, outcomes, scenario, summarize


def logger(m: Api, name: str, value: t.Any = None) -> Callable[..., t.Any]:
    """A hook that logs ``name`` (and its argument) and returns ``value``."""

    def hook(*args: t.Any) -> t.Any:
        m.log.append(f"{name}({', '.join(summarize(a) for a in args)})")
        if args and value is None and hasattr(args[0], "status_code"):
            return args[0]
        return value

    hook.__name__ = name
    return m.fn(hook)


def trail(m: Api, name: str) -> Callable[..., t.Any]:
    """An after hook that appends ``name`` to the ``X-Trail`` header."""

    def hook(response: t.Any) -> t.Any:
        m.log.append(name)
        before = response.headers.get("X-Trail")
        response.headers["X-Trail"] = f"{before},{name}" if before else name
        return response

    hook.__name__ = name
    return m.fn(hook)


def text_view(m: Api, text: str) -> Callable[..., t.Any]:
    def func(**kwargs: t.Any) -> str:
        m.log.append(f"view:{text}")
        return text

    return func


def with_blueprint(m: Api, app: t.Any) -> t.Any:
    bp = m.Blueprint("bp", __name__, url_prefix="/bp")
    add_view(m, bp, "/x", "x", text_view(m, "bp view"))
    return bp


def raiser(m: Api, exc: BaseException) -> Callable[..., t.Any]:
    def func() -> str:
        m.log.append(f"view raises {type(exc).__name__}")
        raise exc

    return func


# -- hooks ---------------------------------------------------------------------------


@scenario([("GET", "/"), ("GET", "/bp/x")])
def s_before_request_order(m: Api) -> t.Any:
    app = app_of(m)
    bp = with_blueprint(m, app)
    app.before_request(logger(m, "app1"))
    bp.before_request(logger(m, "bp1"))
    bp.before_app_request(logger(m, "bp_app"))
    app.before_request(logger(m, "app2"))
    bp.before_request(logger(m, "bp2"))
    app.register_blueprint(bp)
    add_view(m, app, "/", "index", text_view(m, "index"))
    return app


@scenario([("GET", "/stop"), ("GET", "/bp/x"), ("GET", "/")])
def s_before_request_returns(m: Api) -> t.Any:
    app = app_of(m)
    bp = with_blueprint(m, app)

    def stopper() -> t.Any:
        m.log.append("stopper")
        if m.request.path == "/stop":
            return "stopped", 202, {"X-Stopped": "yes"}
        return None

    def bp_stopper() -> t.Any:
        m.log.append("bp_stopper")
        return "bp stopped"

    app.before_request(logger(m, "first"))
    app.before_request(m.fn(stopper))
    app.before_request(logger(m, "after_stopper"))
    bp.before_request(m.fn(bp_stopper))
    bp.before_request(logger(m, "bp_after_stopper"))
    app.after_request(trail(m, "after"))
    app.teardown_request(logger(m, "teardown"))
    app.register_blueprint(bp)
    add_view(m, app, "/stop", "stop", text_view(m, "stop view"))
    add_view(m, app, "/", "index", text_view(m, "index"))
    return app


@scenario([("GET", "/"), ("GET", "/bp/x")])
def s_after_request_order(m: Api) -> t.Any:
    app = app_of(m)
    bp = with_blueprint(m, app)
    app.after_request(trail(m, "app1"))
    bp.after_request(trail(m, "bp1"))
    bp.after_app_request(trail(m, "bp_app"))
    app.after_request(trail(m, "app2"))
    bp.after_request(trail(m, "bp2"))
    app.register_blueprint(bp)
    add_view(m, app, "/", "index", text_view(m, "index"))
    return app


@scenario([("GET", "/"), ("GET", "/conflict")])
def s_after_this_request(m: Api) -> t.Any:
    app = app_of(m)

    def before() -> None:
        m.after_this_request(trail(m, "from_before"))

    def index() -> str:
        m.after_this_request(trail(m, "cb1"))
        m.after_this_request(trail(m, "cb2"))
        return "index"

    def conflict() -> str:
        m.after_this_request(trail(m, "cb_conflict"))
        m.abort(409)

    def on_409(e: t.Any) -> t.Any:
        return "conflict handled", 409

    app.before_request(m.fn(before))
    app.after_request(trail(m, "app_after"))
    app.register_error_handler(409, m.fn(on_409))
    add_view(m, app, "/", "index", index)
    add_view(m, app, "/conflict", "conflict", conflict)
    return app


@scenario([("GET", "/"), ("GET", "/bp/x"), ("GET", "/gone")])
def s_teardown_order(m: Api) -> t.Any:
    app = app_of(m)
    bp = with_blueprint(m, app)
    app.teardown_request(logger(m, "app_td1"))
    bp.teardown_request(logger(m, "bp_td1"))
    app.teardown_request(logger(m, "app_td2"))
    bp.teardown_request(logger(m, "bp_td2"))
    bp.teardown_app_request(logger(m, "bp_app_td"))
    app.teardown_appcontext(logger(m, "appctx_td1"))
    app.teardown_appcontext(logger(m, "appctx_td2"))
    bp.app_errorhandler(410)(m.fn(lambda e: ("gone handled", 410)))
    app.register_blueprint(bp)
    add_view(m, app, "/", "index", text_view(m, "index"))
    add_view(m, app, "/gone", "gone", lambda: m.abort(410))
    return app


def _teardown_on_error(m: Api) -> t.Any:
    app = app_of(m)
    app.teardown_request(logger(m, "td_request"))
    app.teardown_appcontext(logger(m, "td_appctx"))
    app.after_request(trail(m, "after"))
    add_view(m, app, "/boom", "boom", raiser(m, ValueError("boom")))
    return app


s_teardown_unhandled_500 = Scenario(
    "teardown_unhandled_500",
    _teardown_on_error,
    [("GET", "/boom")],
    {"TESTING": False, "PROPAGATE_EXCEPTIONS": False},
)
s_teardown_propagated = Scenario("teardown_propagated", _teardown_on_error, [("GET", "/boom")])


@scenario([("GET", "/de/page/1"), ("GET", "/plain")])
def s_url_processors(m: Api) -> t.Any:
    app = app_of(m)
    bp = m.Blueprint("lang", __name__, url_prefix="/<lang>")

    @app.url_value_preprocessor
    def app_pre(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        m.log.append(f"app_pre({endpoint}, {sorted(values or {})})")

    @bp.url_value_preprocessor
    def bp_pre(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        m.log.append(f"bp_pre({endpoint}, {sorted(values or {})})")
        m.g.lang = (values or {}).pop("lang", None)

    @app.url_defaults
    def app_defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        m.log.append(f"app_defaults({endpoint}, {sorted(values)})")

    @bp.url_defaults
    def bp_defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        m.log.append(f"bp_defaults({endpoint}, {sorted(values)})")
        values.setdefault("lang", m.g.get("lang"))

    def page(n: int) -> str:
        return f"{m.g.lang} {n} -> {m.url_for('.page', n=n + 1)}"

    def plain() -> str:
        return m.url_for("lang.page", lang="fr", n=3)

    page.__name__ = "page"
    bp.add_url_rule("/page/<int:n>", "page", m.fn(page))
    app.register_blueprint(bp)
    add_view(m, app, "/plain", "plain", plain)
    return app


@scenario([("GET", "/"), ("GET", "/open")])
def s_before_request_aborts(m: Api) -> t.Any:
    app = app_of(m)

    def guard() -> None:
        m.log.append("guard")
        if m.request.path == "/":
            m.abort(403)

    app.before_request(m.fn(guard))
    app.before_request(logger(m, "after_guard"))
    app.after_request(trail(m, "after"))
    app.teardown_request(logger(m, "teardown"))
    app.register_error_handler(403, m.fn(lambda e: ("forbidden", 403)))
    add_view(m, app, "/", "index", text_view(m, "index"))
    add_view(m, app, "/open", "open", text_view(m, "open"))
    return app


@scenario([("GET", "/")], TESTING=False, PROPAGATE_EXCEPTIONS=False)
def s_after_request_raises(m: Api) -> t.Any:
    # Flask finalizes the 500 page again, running the failing hook a second
    # time; that failure is logged and the 500 page goes out as it is.
    app = app_of(m)
    app.logger.disabled = True

    def failing(response: t.Any) -> t.Any:
        m.log.append(f"failing({summarize(response)})")
        raise RuntimeError("after hook failed")

    app.after_request(trail(m, "runs_last"))
    app.after_request(m.fn(failing))
    app.teardown_request(logger(m, "teardown"))
    add_view(m, app, "/", "index", text_view(m, "index"))
    return app


@scenario([("GET", "/"), ("GET", "/gone"), ("GET", "/bp/x")])
def s_hooks_of_the_other_kind(m: Api) -> t.Any:
    # ``async def`` hooks around ``def`` views and the other way round.
    app = app_of(m)
    bp = with_blueprint(m, app)

    def before() -> None:
        m.log.append(f"before {m.request.path}")

    def callback(response: t.Any) -> t.Any:
        m.log.append("after_this_request")
        response.headers["X-Callback"] = "yes"
        return response

    def index() -> str:
        m.after_this_request(m.fn(callback, other_kind=True))
        return "index"

    def after(response: t.Any) -> t.Any:
        m.log.append(f"after {response.status_code}")
        response.headers["X-After"] = "yes"
        return response

    def teardown(exc: BaseException | None) -> None:
        m.log.append(f"teardown {summarize(exc)}")

    def appctx_teardown(exc: BaseException | None) -> None:
        m.log.append(f"appctx teardown {summarize(exc)}")

    def on_410(e: t.Any) -> t.Any:
        m.log.append("on_410")
        return "gone handled", 410

    app.before_request(m.fn(before, other_kind=True))
    bp.before_request(m.fn(before, other_kind=True))
    app.after_request(m.fn(after, other_kind=True))
    bp.after_request(m.fn(after, other_kind=True))
    app.teardown_request(m.fn(teardown, other_kind=True))
    app.teardown_appcontext(m.fn(appctx_teardown, other_kind=True))
    app.register_error_handler(410, m.fn(on_410, other_kind=True))
    app.register_blueprint(bp)
    add_view(m, app, "/", "index", index)
    add_view(m, app, "/gone", "gone", lambda: m.abort(410))
    return app


def _streaming_app(m: Api, with_context: bool) -> t.Any:
    app = app_of(m)
    app.after_request(trail(m, "after"))
    app.teardown_request(logger(m, "teardown"))
    app.teardown_appcontext(logger(m, "appctx_teardown"))

    def chunks() -> t.Iterator[str]:
        for n in range(2):
            where = m.request.path if with_context else "-"
            m.log.append(f"chunk {n} {where}")
            yield f"{n};"

    def stream() -> t.Any:
        if with_context:
            return m.stream_with_context(chunks())
        return chunks()

    add_view(m, app, "/stream", "stream", stream)
    return app


def _teardown_once(
    expected: list[dict[str, t.Any]], interface: str, aio: bool
) -> list[dict[str, t.Any]]:
    """Flask's documented behaviour, not Flask 3.1.3's: teardown runs once.

    stream_with_context "keeps the request context around" until the
    generator ends, so the teardown functions run after the last chunk.
    Flask 3.1.3 re-pushes the contexts the WSGI call already popped, and so
    runs every teardown function twice, before and after the body; Kolben
    runs them once, after it.
    """
    for outcome in expected:
        log = outcome["log"]
        first_chunk = next(i for i, line in enumerate(log) if line.startswith("chunk"))
        outcome["log"] = [
            line for i, line in enumerate(log) if i > first_chunk or "teardown" not in line
        ]
    return expected


# Flask pops the request context when the WSGI call returns, before the
# server reads the body: a plain generator runs after the teardown, one in
# stream_with_context before it (it keeps the context until it ends).
s_streamed_body = Scenario(
    "streamed_body", lambda m: _streaming_app(m, False), [("GET", "/stream")]
)
s_streamed_with_context = Scenario(
    "streamed_with_context",
    lambda m: _streaming_app(m, True),
    [("GET", "/stream")],
    adjust=_teardown_once,
)


# -- signals ---------------------------------------------------------------------------

SIGNALS = (
    "appcontext_pushed",
    "request_started",
    "got_request_exception",
    "request_finished",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
)


def _signal_app(m: Api, with_hooks: bool = False) -> t.Any:
    app = app_of(m)
    other = app_of(m)
    for name in SIGNALS:

        def receiver(sender: t.Any, _name: str = name, **kwargs: t.Any) -> None:
            args = ", ".join(f"{k}={summarize(v)}" for k, v in sorted(kwargs.items()))
            who = "app" if sender is app else repr(sender)
            m.log.append(f"{_name}({who}; {args})")

        def stranger(sender: t.Any, _name: str = name, **kwargs: t.Any) -> None:
            m.log.append(f"{_name} fired for another app")

        m.connect(name, receiver, app)
        m.connect(name, stranger, other)
    if with_hooks:
        # Where the signals fall between the hooks.
        app.before_request(logger(m, "before"))
        app.after_request(trail(m, "after"))
        app.teardown_request(logger(m, "teardown_request"))
        app.teardown_appcontext(logger(m, "teardown_appcontext"))
    add_view(m, app, "/", "index", text_view(m, "index"))
    add_view(m, app, "/boom", "boom", raiser(m, ValueError("boom")))
    add_view(m, app, "/missing", "missing", lambda: m.abort(404))
    return app


s_signals = Scenario("signals", _signal_app, [("GET", "/"), ("GET", "/missing")])
s_signals_unhandled = Scenario(
    "signals_unhandled",
    _signal_app,
    [("GET", "/boom")],
    {"TESTING": False, "PROPAGATE_EXCEPTIONS": False},
)
s_signals_propagated = Scenario("signals_propagated", _signal_app, [("GET", "/boom")])
s_signals_between_hooks = Scenario(
    "signals_between_hooks",
    lambda m: _signal_app(m, with_hooks=True),
    [("GET", "/"), ("GET", "/missing"), ("GET", "/boom")],
    {"TESTING": False, "PROPAGATE_EXCEPTIONS": False},
)


SCENARIOS = [v for k, v in sorted(globals().items()) if k.startswith("s_")]


@pytest.mark.parametrize("path", ["fast", "hooked"])
@pytest.mark.parametrize("aio", [False, True], ids=["def", "async"])
@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda sc: sc.id)
def test_as_flask(
    sc: Scenario,
    aio: bool,
    path: str,
    interface: str,
    make_client: Callable[..., t.Any],
) -> None:
    got, expected = outcomes(sc, aio, path, make_client, interface)
    assert got == expected
