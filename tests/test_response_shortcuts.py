"""The shortcuts of kolben.wrappers.Response: constructing and sending it.

``Response(text_or_bytes, status, mimetype=/content_type=)`` without headers
builds its header list directly, and ``response(environ, start_response)``
skips the general path when nothing needs changing (PERF). These tests hold
the shortcuts to what the general path does: passing ``headers={}`` always
takes the general constructor, a subclass overriding a step takes the
general path, and the header checks still refuse what could split a response.
"""

from __future__ import annotations

import itertools
import typing as t

import pytest

from kolben import Kolben, after_this_request, session
from kolben.datastructures import Headers
from kolben.testing import KolbenClient, create_environ
from kolben.wrappers import Response

MakeClient = t.Callable[..., KolbenClient]

BODIES: list[t.Any] = ["", "héllo", b"\xffbytes"]
STATUSES: list[t.Any] = [None, 200, 201, 204, 299, 304, 404, 101]
TYPES: list[dict[str, t.Any]] = [
    {},
    {"mimetype": "text/plain"},
    {"mimetype": "application/json"},
    {"mimetype": "image/svg+xml"},
    {"mimetype": ""},
    {"content_type": "text/plain; charset=latin-1"},
    {"content_type": "application/octet-stream", "mimetype": "text/plain"},
    {"content_type": b"text/bytes"},
]


def _send(response: Response, method: str = "GET") -> tuple[str, list[tuple[str, str]], bytes]:
    captured: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        captured[:] = [status, list(headers)]

    app_iter = response(create_environ(method=method), start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return captured[0], captured[1], body


@pytest.mark.parametrize(
    ("body", "status", "types"), list(itertools.product(BODIES, STATUSES, TYPES))
)
def test_shortcut_builds_what_the_general_path_builds(
    body: t.Any, status: t.Any, types: dict[str, t.Any]
) -> None:
    short = Response(body, status, **types)
    general = Response(body, status, headers={}, **types)
    assert short.headers.items() == general.headers.items()
    assert (short.status, short.status_code) == (general.status, general.status_code)
    assert short.get_data() == general.get_data()
    assert short.response == general.response
    assert short.__dict__.keys() == general.__dict__.keys()
    for method in ("GET", "HEAD"):
        assert _send(Response(body, status, **types), method) == _send(
            Response(body, status, headers={}, **types), method
        )


@pytest.mark.parametrize(
    "types",
    [
        {"content_type": "text/plain\r\nX-Injected: 1"},
        {"content_type": "text/plain\x00"},
        {"mimetype": "text/plain\nX-Injected: 1"},
        {"content_type": "text/plain; name=\u20ac"},
    ],
)
def test_shortcut_still_refuses_unsafe_content_types(types: dict[str, t.Any]) -> None:
    for _ in range(2):  # a refused value must not be remembered as checked
        with pytest.raises(ValueError, match=r"Header values|Latin-1"):
            Response("body", **types)


def test_non_str_mimetype_fails_as_before() -> None:
    with pytest.raises(AttributeError):
        Response("body", mimetype=t.cast(t.Any, 42))


def test_subclass_steps_are_honoured() -> None:
    calls: list[t.Any] = []

    class Recording(Response):
        def set_data(self, value: str | bytes | bytearray) -> None:
            calls.append(value)
            super().set_data(value)

    class NoType(Response):
        default_mimetype = None
        automatically_set_content_length = False

    class Teapot(Response):
        default_status = 418

    assert Recording("x").get_data() == b"x"
    assert calls == ["x"]
    assert NoType("x").headers.items() == []
    assert Teapot("x").status == "418 I'M A TEAPOT"


def test_subclass_send_steps_are_honoured() -> None:
    class Tagged(Response):
        def get_wsgi_headers(self, environ: dict[str, t.Any]) -> Headers:
            headers = super().get_wsgi_headers(environ).copy()
            headers["X-Tagged"] = "yes"
            return headers

    _status, headers, body = _send(Tagged("x"))
    assert ("X-Tagged", "yes") in headers
    assert body == b"x"


def test_changes_after_construction_are_sent() -> None:
    r = Response("x")
    r.headers["Location"] = "/caf\u00e9"
    assert ("Location", "/caf%C3%A9") in _send(r)[1]

    r = Response("abc")
    del r.headers["Content-Length"]
    assert ("Content-Length", "3") in _send(r)[1]

    r = Response("abc")
    r.status_code = 204
    status, headers, body = _send(r)
    assert (status, body) == ("204 NO CONTENT", b"")
    assert "Content-Length" not in dict(headers)

    r = Response("abc")
    r.headers["content-length"] = "3"
    assert [k for k, _ in _send(r)[1] if k.lower() == "content-length"] == ["content-length"]


def test_close_runs_callbacks_once() -> None:
    closed: list[int] = []
    r = Response("x")
    r.call_on_close(lambda: closed.append(1))
    assert _send(r)[2] == b"x"
    assert closed == [1]


@pytest.fixture(params=["def", "async def"])
def view_kind(request: pytest.FixtureRequest) -> str:
    return t.cast(str, request.param)


def _view(kind: str, func: t.Callable[[], t.Any]) -> t.Callable[[], t.Any]:
    if kind == "def":
        return func

    async def view() -> t.Any:
        return func()

    return view


def test_a_returned_response_still_gets_the_after_request_steps(
    app: Kolben, make_client: MakeClient, view_kind: str, pipeline: str
) -> None:
    app.secret_key = "test"

    def plain() -> Response:
        return Response("plain", mimetype="text/plain")

    def after() -> Response:
        @after_this_request
        def tag(response: Response) -> Response:
            response.headers["X-After"] = "1"
            return response

        return Response("after", mimetype="text/plain")

    def with_session() -> Response:
        session["n"] = 1
        return Response("session", mimetype="text/plain")

    app.add_url_rule("/plain", "plain", _view(view_kind, plain))
    app.add_url_rule("/after", "after", _view(view_kind, after))
    app.add_url_rule("/session", "session", _view(view_kind, with_session))
    client = make_client(app)
    rv = client.get("/plain")
    assert (rv.status_code, rv.data) == (200, b"plain")
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert rv.headers["Content-Length"] == "5"
    assert client.get("/after").headers["X-After"] == "1"
    assert "Set-Cookie" in client.get("/session").headers
    assert client.head("/plain").data == b""
