"""The pipeline matrix, error handling: Kolben finds the handler Flask 3.1 finds.

The lookup rules of ``errorhandler`` (code before class, innermost
blueprint before the app, the most specific class along the MRO, routing
redirects never handled), what an ``InternalServerError`` handler receives,
handlers that fail, and the trapping and propagation settings. Each case
runs eight ways (``def``/``async def`` views and handlers x WSGI/ASGI x
fast/hooked path) against real Flask (``tests/pipeline_oracle.py``).
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import pytest

from pipeline_oracle import Api, Scenario, add_view, app_of, outcomes, scenario, summarize

UNHANDLED = {"TESTING": False, "PROPAGATE_EXCEPTIONS": False}


class Base(Exception):
    pass


class Child(Base):
    pass


class GrandChild(Child):
    pass


def raising(m: Api, make: Callable[[], BaseException]) -> Callable[[], t.NoReturn]:
    def func() -> t.NoReturn:
        raise make()

    return func


def handler(m: Api, name: str, status: int | None = None) -> Callable[..., t.Any]:
    """An error handler answering ``name: <error>`` with ``status`` (else the error's code)."""

    def func(e: t.Any) -> t.Any:
        m.log.append(f"{name}({summarize(e)})")
        return f"{name}: {type(e).__name__}", status or getattr(e, "code", None) or 500

    func.__name__ = name
    return m.fn(func)


def common_views(m: Api, app: t.Any) -> None:
    add_view(m, app, "/", "index", lambda: "index")
    add_view(m, app, "/gone", "gone", lambda: m.abort(410))
    add_view(m, app, "/value", "value", raising(m, lambda: ValueError("value")))
    add_view(m, app, "/only-get", "only_get", lambda: "only get", methods=["GET"])
    add_view(m, app, "/dir/", "dir", lambda: "dir")


@scenario([("GET", "/missing"), ("POST", "/only-get"), ("GET", "/gone"), ("GET", "/")])
def s_code_before_class(m: Api) -> t.Any:
    app = app_of(m)
    app.register_error_handler(m.exc.HTTPException, handler(m, "http"))
    app.register_error_handler(404, handler(m, "code404"))
    common_views(m, app)
    return app


@scenario(
    [
        ("GET", "/bp/abort404"),
        ("GET", "/bp/not-routed"),
        ("GET", "/missing"),
        ("GET", "/bp/value"),
        ("GET", "/value"),
        ("GET", "/outer/inner/key"),
        ("GET", "/outer/key"),
    ]
)
def s_blueprint_before_app(m: Api) -> t.Any:
    app = app_of(m)
    bp = m.Blueprint("bp", __name__, url_prefix="/bp")
    bp.register_error_handler(404, handler(m, "bp404"))
    bp.register_error_handler(Exception, handler(m, "bp_exception", 500))
    app.register_error_handler(404, handler(m, "app404"))
    app.register_error_handler(ValueError, handler(m, "app_value", 500))
    add_view(m, bp, "/abort404", "abort404", lambda: m.abort(404))
    add_view(m, bp, "/value", "value", raising(m, lambda: ValueError("bp value")))
    # Nested: the innermost blueprint's handlers come first, whole MRO each.
    outer = m.Blueprint("outer", __name__, url_prefix="/outer")
    inner = m.Blueprint("inner", __name__, url_prefix="/inner")
    outer.register_error_handler(KeyError, handler(m, "outer_key", 500))
    inner.register_error_handler(LookupError, handler(m, "inner_lookup", 500))
    add_view(m, inner, "/key", "key", raising(m, lambda: KeyError("inner")))
    add_view(m, outer, "/key", "key", raising(m, lambda: KeyError("outer")))
    outer.register_blueprint(inner)
    app.register_blueprint(bp)
    app.register_blueprint(outer)
    common_views(m, app)
    return app


@scenario([("GET", "/child"), ("GET", "/grandchild"), ("GET", "/runtime"), ("GET", "/base")])
def s_most_specific_class(m: Api) -> t.Any:
    app = app_of(m)
    app.register_error_handler(Exception, handler(m, "exception", 500))
    app.register_error_handler(Base, handler(m, "base", 500))
    app.register_error_handler(GrandChild, handler(m, "grandchild", 500))
    add_view(m, app, "/child", "child", raising(m, Child))
    add_view(m, app, "/grandchild", "grandchild", raising(m, GrandChild))
    add_view(m, app, "/runtime", "runtime", raising(m, RuntimeError))
    add_view(m, app, "/base", "base", raising(m, Base))
    return app


@scenario([("GET", "/missing"), ("POST", "/only-get"), ("GET", "/gone"), ("GET", "/dir")])
def s_http_exception_handler(m: Api) -> t.Any:
    app = app_of(m)

    def http(e: t.Any) -> t.Any:
        m.log.append(f"http({summarize(e)})")
        return e  # the error's own response: 405 keeps its Allow header

    http.__name__ = "http"
    app.register_error_handler(m.exc.HTTPException, m.fn(http))
    common_views(m, app)
    return app


@scenario([("GET", "/missing"), ("GET", "/value"), ("GET", "/dir"), ("POST", "/only-get")])
def s_exception_handler_sees_http_errors(m: Api) -> t.Any:
    app = app_of(m)
    app.register_error_handler(Exception, handler(m, "exception"))
    common_views(m, app)
    return app


def _server_error_app(m: Api, key: t.Any) -> t.Any:
    app = app_of(m)
    app.logger.disabled = True

    def on_500(e: t.Any) -> t.Any:
        original = getattr(e, "original_exception", "absent")
        m.log.append(f"on_500({summarize(e)}, original={summarize(original)})")
        return f"500 handled: {type(original).__name__}", 500

    on_500.__name__ = "on_500"
    app.register_error_handler(key, m.fn(on_500))
    common_views(m, app)
    add_view(m, app, "/ise", "ise", raising(m, lambda: m.exc.InternalServerError()))
    add_view(m, app, "/abort500", "abort500", lambda: m.abort(500))
    return app


SERVER_ERROR_REQUESTS = [("GET", "/value"), ("GET", "/ise"), ("GET", "/abort500")]
s_500_handler_by_code = Scenario(
    "500_handler_by_code", lambda m: _server_error_app(m, 500), SERVER_ERROR_REQUESTS, UNHANDLED
)
s_500_handler_by_class = Scenario(
    "500_handler_by_class",
    lambda m: _server_error_app(m, m.exc.InternalServerError),
    SERVER_ERROR_REQUESTS,
    UNHANDLED,
)
s_500_handler_propagating = Scenario(
    "500_handler_propagating", lambda m: _server_error_app(m, 500), SERVER_ERROR_REQUESTS
)


@scenario([("GET", "/bp/value"), ("GET", "/value"), ("GET", "/bp/gone")], **UNHANDLED)
def s_blueprint_500_handler(m: Api) -> t.Any:
    # An unhandled error in a blueprint's view reaches the blueprint's 500 handler.
    app = app_of(m)
    bp = m.Blueprint("bp", __name__, url_prefix="/bp")
    bp.register_error_handler(500, handler(m, "bp500"))
    app.register_error_handler(500, handler(m, "app500"))
    add_view(m, bp, "/value", "value", raising(m, lambda: ValueError("bp")))
    add_view(m, bp, "/gone", "gone", lambda: m.abort(410))
    app.register_blueprint(bp)
    common_views(m, app)
    return app


@scenario([("GET", "/abort-response"), ("GET", "/abort-401")])
def s_abort_with_a_response(m: Api) -> t.Any:
    # abort(response) raises an HTTPException without a code: no handler,
    # not even errorhandler(HTTPException), sees it; the response goes out.
    app = app_of(m)
    app.register_error_handler(m.exc.HTTPException, handler(m, "http"))
    app.register_error_handler(401, handler(m, "on_401"))

    def abort_response() -> t.NoReturn:
        m.abort(m.Response("made by the view", 401, {"X-Made": "view"}))

    add_view(m, app, "/abort-response", "abort_response", abort_response)
    add_view(m, app, "/abort-401", "abort_401", lambda: m.abort(401))
    return app


def _failing_handler_app(m: Api) -> t.Any:
    app = _server_error_app(m, 500)

    def on_value(e: t.Any) -> t.Any:
        m.log.append("on_value raises KeyError")
        raise KeyError("from the handler")

    def on_gone(e: t.Any) -> t.Any:
        m.log.append("on_gone aborts 409")
        m.abort(409)

    on_value.__name__ = "on_value"
    on_gone.__name__ = "on_gone"
    app.register_error_handler(ValueError, m.fn(on_value))
    app.register_error_handler(410, m.fn(on_gone))
    app.register_error_handler(409, handler(m, "on_409"))
    return app


s_failing_handler = Scenario(
    "failing_handler", _failing_handler_app, [("GET", "/value"), ("GET", "/gone")], UNHANDLED
)
s_failing_handler_propagating = Scenario(
    "failing_handler_propagating", _failing_handler_app, [("GET", "/value"), ("GET", "/gone")]
)


@scenario([("GET", "/dir"), ("GET", "/dir/"), ("POST", "/dir")])
def s_routing_redirect_not_handled(m: Api) -> t.Any:
    app = app_of(m)
    app.register_error_handler(m.exc.HTTPException, handler(m, "http"))
    app.register_error_handler(Exception, handler(m, "exception"))
    common_views(m, app)
    add_view(m, app, "/post-dir/", "post_dir", lambda: "post", methods=["POST"])
    return app


@scenario(
    [
        ("POST", "/only-get"),
        ("OPTIONS", "/only-get"),
        ("OPTIONS", "/"),
        ("OPTIONS", "/missing"),
        ("OPTIONS", "/no-options"),
        ("PUT", "/multi"),
        ("OPTIONS", "/multi"),
        ("HEAD", "/only-get"),
    ]
)
def s_method_not_allowed_and_options(m: Api) -> t.Any:
    app = app_of(m)
    common_views(m, app)
    add_view(m, app, "/no-options", "no_options", lambda: "no", provide_automatic_options=False)
    add_view(m, app, "/multi", "multi", lambda: "multi", methods=["GET", "POST", "DELETE"])
    return app


@scenario([("GET", "/teapot"), ("GET", "/real-teapot")])
def s_custom_http_exception(m: Api) -> t.Any:
    # A custom class with code 418 is not ImATeapot: errorhandler(418) is
    # registered for ImATeapot, which is not in the custom class's MRO.
    app = app_of(m)

    class Teapot(m.exc.HTTPException):  # type: ignore[name-defined,misc]
        code = 418
        description = "custom teapot"

    app.register_error_handler(418, handler(m, "code418"))
    add_view(m, app, "/teapot", "teapot", raising(m, Teapot))
    add_view(m, app, "/real-teapot", "real_teapot", lambda: m.abort(418))
    return app


def _trap_app(m: Api) -> t.Any:
    app = _server_error_app(m, 500)
    app.register_error_handler(405, handler(m, "on_405"))

    def key() -> str:
        return m.request.args["q"]

    add_view(m, app, "/key", "key", key)
    add_view(m, app, "/bad", "bad", lambda: m.abort(400))
    return app


TRAP_REQUESTS = [
    ("GET", "/missing"),
    ("POST", "/only-get"),
    ("GET", "/key"),
    ("GET", "/key?q=given"),
    ("GET", "/bad"),
]
s_trap_defaults = Scenario("trap_defaults", _trap_app, TRAP_REQUESTS, UNHANDLED)
s_trap_http_500 = Scenario(
    "trap_http_500", _trap_app, TRAP_REQUESTS, {**UNHANDLED, "TRAP_HTTP_EXCEPTIONS": True}
)
s_trap_http_propagating = Scenario(
    "trap_http_propagating", _trap_app, TRAP_REQUESTS, {"TRAP_HTTP_EXCEPTIONS": True}
)
s_trap_bad_request_500 = Scenario(
    "trap_bad_request_500", _trap_app, TRAP_REQUESTS, {**UNHANDLED, "TRAP_BAD_REQUEST_ERRORS": True}
)
s_trap_bad_request_propagating = Scenario(
    "trap_bad_request_propagating", _trap_app, TRAP_REQUESTS, {"TRAP_BAD_REQUEST_ERRORS": True}
)
s_trap_bad_request_off = Scenario(
    "trap_bad_request_off",
    _trap_app,
    TRAP_REQUESTS,
    {"TRAP_BAD_REQUEST_ERRORS": False, "TESTING": True},
)
s_trap_bad_request_debug = Scenario(
    "trap_bad_request_debug",
    _trap_app,
    [*TRAP_REQUESTS, ("POST", "/dir")],
    {"DEBUG": True, "TESTING": False, "PROPAGATE_EXCEPTIONS": False},
)
s_propagate_off_while_testing = Scenario(
    "propagate_off_while_testing",
    _trap_app,
    [("GET", "/value"), ("GET", "/missing")],
    {"TESTING": True, "PROPAGATE_EXCEPTIONS": False},
)
s_propagate_on_without_testing = Scenario(
    "propagate_on_without_testing",
    _trap_app,
    [("GET", "/value"), ("GET", "/missing")],
    {"TESTING": False, "PROPAGATE_EXCEPTIONS": True},
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
