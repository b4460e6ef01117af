"""HTTP exceptions of other libraries raised in a Kolben view (issue 12).

Extensions raise Werkzeug's exceptions (Flask-WTF's CSRFError,
Flask-Limiter's RateLimitExceeded) even outside compatibility mode. Such an
exception, or any exception with an int ``code`` and a ``get_response``
method, answers with its own response and reaches ``errorhandler(code)``,
as in Flask; it is never a 500.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import pytest
import werkzeug.exceptions

from kolben import Kolben, Response, websocket
from kolben.exceptions import HTTPException
from kolben.testing import KolbenClient, WebSocketTestDenied

MakeClient = Callable[..., KolbenClient]


class CSRFError(werkzeug.exceptions.BadRequest):
    """Shaped like Flask-WTF's."""

    description = "The CSRF token is missing."


class RateLimitExceeded(werkzeug.exceptions.TooManyRequests):
    """Shaped like Flask-Limiter's: extra headers from get_headers."""

    def get_headers(self, environ: t.Any = None, scope: t.Any = None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), ("Retry-After", "7")]


class Teapot(Exception):
    """No Werkzeug at all: just a code and a get_response."""

    code = 418

    def get_response(self, environ: t.Any = None) -> Response:
        return Response("short and stout", 418, {"X-Teapot": "yes", "Content-Type": "text/plain"})


def _route(app: Kolben, exc: Exception, is_async: bool) -> None:
    def view() -> t.NoReturn:
        raise exc

    async def async_view() -> t.NoReturn:
        raise exc

    app.add_url_rule("/", "index", async_view if is_async else view)


def _expected(exc: t.Any) -> tuple[int, bytes, str | None]:
    own = exc.get_response()
    return own.status_code, own.get_data(), own.headers.get("Content-Type")


EXCEPTIONS = [CSRFError(), RateLimitExceeded(), Teapot()]
IDS = ["werkzeug-400", "werkzeug-429-headers", "duck-418"]


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
@pytest.mark.parametrize("exc", EXCEPTIONS, ids=IDS)
def test_answers_with_its_own_response(
    app: Kolben, make_client: MakeClient, pipeline: str, exc: Exception, is_async: bool
) -> None:
    _route(app, exc, is_async)
    response = make_client(app).get("/")
    status, body, content_type = _expected(exc)
    assert response.status_code == status
    assert response.get_data() == body
    assert response.headers.get("Content-Type") == content_type
    if isinstance(exc, RateLimitExceeded):
        assert response.headers["Retry-After"] == "7"
    if isinstance(exc, Teapot):
        assert response.headers["X-Teapot"] == "yes"


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
@pytest.mark.parametrize("exc", EXCEPTIONS, ids=IDS)
def test_code_handler_catches_it(
    app: Kolben, make_client: MakeClient, pipeline: str, exc: t.Any, is_async: bool
) -> None:
    _route(app, exc, is_async)
    seen: list[Exception] = []

    def handler(e: Exception) -> tuple[str, int]:
        seen.append(e)
        return f"handled {type(e).__name__}", 299

    app.register_error_handler(exc.code, handler)
    response = make_client(app).get("/")
    assert (response.status_code, response.text) == (299, f"handled {type(exc).__name__}")
    assert seen == [exc]


def test_class_handler_beats_code_handler(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    # As in Flask: both file under code 400 and the class is more specific.
    _route(app, CSRFError(), False)
    app.register_error_handler(400, lambda e: ("by code", 400))
    app.register_error_handler(CSRFError, lambda e: ("by class", 400))
    assert make_client(app).get("/").text == "by class"


def test_http_exception_handler_beats_exception_handler(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    _route(app, RateLimitExceeded(), True)
    app.register_error_handler(Exception, lambda e: ("any exception", 500))
    app.register_error_handler(HTTPException, lambda e: (f"http {e.code}", e.code))
    response = make_client(app).get("/")
    assert (response.status_code, response.text) == (429, "http 429")


def test_raised_in_a_before_request_hook(app: Kolben, make_client: MakeClient) -> None:
    @app.before_request
    def guard() -> None:
        raise CSRFError()

    app.add_url_rule("/", "index", lambda: "never")
    response = make_client(app).get("/")
    assert response.status_code == 400
    assert b"The CSRF token is missing." in response.get_data()


def test_trap_http_exceptions_traps_it_too(app: Kolben, make_client: MakeClient) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    _route(app, CSRFError(), False)
    with pytest.raises(CSRFError):
        make_client(app).get("/")


@pytest.mark.parametrize(("exc", "close_code"), [(CSRFError(), 1008), (Teapot(), 1008)])
def test_websocket_view_closes_as_for_an_http_error(
    app: Kolben, exc: Exception, close_code: int
) -> None:
    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.accept()
        raise exc

    client = app.test_client(interface="asgi")
    with client.websocket("/ws") as ws, pytest.raises(WebSocketTestDenied) as info:
        ws.receive()
    assert info.value.code == close_code
