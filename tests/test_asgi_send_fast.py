"""The common case of ``send_response_to`` sends what the general path sends.

A response of one body in memory with plain headers takes a shorter branch
(issue 15). A subclass overriding ``get_wsgi_headers`` with the stock
behaviour always takes the general path, so it is the oracle here: every
response below is sent both ways and the messages, the response's headers
afterwards, the callbacks run and the errors raised must be the same. The
WSGI side of the same response is compared too.
"""

from __future__ import annotations

import asyncio
import threading
import typing as t
from collections.abc import Callable

import pytest

from kolben import Kolben, Response
from kolben.asgi import send_response_to
from kolben.datastructures import Headers
from kolben.testing import KolbenClient

Message = dict[str, t.Any]


class GeneralPath(Response):
    """Stock behaviour through an override: never the shortcut."""

    def get_wsgi_headers(self, environ: dict[str, t.Any]) -> Headers:
        return super().get_wsgi_headers(environ)


class CountingHeaders(Headers):
    """A Headers subclass: the shortcut reads only the stock class."""


def _send(
    response: Response,
    method: str = "GET",
    close: bool = False,
    send_error: BaseException | None = None,
) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if send_error is not None:
            raise send_error

    asyncio.run(send_response_to(response, send, receive, method=method, close=close))
    return sent


def _cookies(response: Response) -> Response:
    response.set_cookie("a", "1")
    response.set_cookie("b", "2", httponly=True)
    response.headers["Vary"] = "Cookie"
    return response


def _no_length(response: Response) -> Response:
    del response.headers["Content-Length"]
    return response


def _wrong_length(response: Response) -> Response:
    response.headers["Content-Length"] = "99"
    return response


def _header(name: str, value: str) -> Callable[[Response], Response]:
    def add(response: Response) -> Response:
        response.headers[name] = value
        return response

    return add


def _same(response: Response) -> Response:
    return response


#: (constructor arguments, then a change made to the response)
CASES: dict[str, tuple[tuple[t.Any, ...], dict[str, t.Any], Callable[[Response], Response]]] = {
    "str": (("hello",), {}, _same),
    "non-ascii str": (("h\u00e9llo \u2603",), {}, _same),
    "bytes": ((b"\x00\xffbytes",), {"mimetype": "application/octet-stream"}, _same),
    "text/plain": (("hello",), {"mimetype": "text/plain"}, _same),
    "content_type": (("{}",), {"content_type": "application/json"}, _same),
    "empty": (("",), {}, _same),
    "201": (("made",), {"status": 201}, _same),
    "404": (("missing",), {"status": 404}, _same),
    "status line": (("x",), {"status": "299 SOMETHING"}, _same),
    "204 with a body": (("dropped",), {"status": 204}, _same),
    "304 with a body": (("dropped",), {"status": 304}, _same),
    "101": (("",), {"status": 101}, _same),
    "two cookies and Vary": (("x",), {}, _cookies),
    "no Content-Length": (("four",), {}, _no_length),
    "a wrong Content-Length": (("four",), {}, _wrong_length),
    "a custom header": (("x",), {}, _header("X-Thing", "1")),
    "a relative Location": (("x",), {"status": 302}, _header("Location", "/next")),
    "an IRI Location": (("x",), {"status": 302}, _header("Location", "/n\u00e4chste")),
    "a lowercase name": (("x",), {}, _header("cache-control", "no-store")),
    "headers given": (("x",), {"headers": {"X-A": "1"}}, _same),
    "two chunks": (([b"a", "\u00e9"],), {}, _same),
    "no body": ((), {}, _same),
    "passthrough": (([b"abc"],), {"direct_passthrough": True}, _same),
    "a Headers subclass": (("x",), {"headers": CountingHeaders()}, _same),
}


def _build(cls: type[Response], case: str) -> Response:
    """A fresh response of ``case`` (a headers argument is copied, not shared)."""
    args, kwargs, change = CASES[case]
    if "headers" in kwargs:
        kwargs = {**kwargs, "headers": type(kwargs["headers"])(kwargs["headers"])}
    return change(cls(*args, **kwargs))


@pytest.mark.parametrize("close", [False, True])
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_messages_match_the_general_path(case: str, method: str, close: bool) -> None:
    fast = _build(Response, case)
    general = _build(GeneralPath, case)
    fast_messages = _send(fast, method, close)
    assert fast_messages == _send(general, method, close)
    # The response is left as the general path leaves it, too.
    assert fast.headers.to_wsgi_list() == general.headers.to_wsgi_list()
    assert fast.status == general.status


@pytest.mark.parametrize("case", list(CASES))
def test_the_messages_match_the_wsgi_response(case: str) -> None:
    messages = _send(_build(Response, case))
    wsgi = _build(Response, case)
    started: list[t.Any] = []
    app_iter = wsgi({"REQUEST_METHOD": "GET"}, lambda s, h, e=None: started.extend([s, h]))
    body = b"".join(app_iter)
    assert messages[0]["status"] == int(started[0].split(" ", 1)[0])
    assert messages[0]["headers"] == [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in started[1]
    ]
    assert b"".join(m["body"] for m in messages[1:]) == body


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("cls", [Response, GeneralPath])
def test_call_on_close_runs_once_in_a_worker_thread(cls: type[Response], method: str) -> None:
    ran: list[tuple[str, bool]] = []
    response = cls("hello")
    response.call_on_close(
        lambda: ran.append(("first", threading.current_thread() is threading.main_thread()))
    )
    response.call_on_close(lambda: ran.append(("second", False)))
    messages = _send(response, method)
    assert messages[-1]["body"] == (b"" if method == "HEAD" else b"hello")
    # Off the loop's thread: a callback may block (it runs like a body's close).
    assert ran == [("first", False), ("second", False)]
    response.close()
    assert len(ran) == 2


@pytest.mark.parametrize("cls", [Response, GeneralPath])
def test_a_server_that_cannot_deliver_still_closes_the_response(cls: type[Response]) -> None:
    ran: list[bool] = []
    response = cls("hello")
    response.call_on_close(lambda: ran.append(True))
    messages = _send(response, send_error=ConnectionResetError("gone"))
    assert [m["type"] for m in messages] == ["http.response.start"]
    assert ran == [True]


@pytest.mark.parametrize("cls", [Response, GeneralPath])
def test_an_error_from_send_propagates_after_closing(cls: type[Response]) -> None:
    ran: list[bool] = []
    response = cls("hello")
    response.call_on_close(lambda: ran.append(True))
    with pytest.raises(RuntimeError, match="server bug"):
        _send(response, send_error=RuntimeError("server bug"))
    assert ran == [True]


@pytest.mark.parametrize("is_async", [False, True])
def test_a_view_response_with_cookies_and_a_callback(
    make_client: Callable[..., KolbenClient], app: Kolben, is_async: bool
) -> None:
    closed: list[str] = []

    def build() -> Response:
        response = Response("body \u00e9", mimetype="text/plain")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        response.call_on_close(lambda: closed.append("closed"))
        return response

    if is_async:

        @app.route("/")
        async def async_view() -> Response:
            return build()

    else:

        @app.route("/")
        def sync_view() -> Response:
            return build()

    client = make_client(app)
    got = client.get("/")
    assert got.status_code == 200
    assert got.data == "body \u00e9".encode()
    assert got.headers["Content-Length"] == str(len(got.data))
    assert got.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert got.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    head = client.head("/")
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(got.data))
    # Under WSGI the body closes when the client's response does.
    got.close()
    head.close()
    assert closed == ["closed", "closed"]
