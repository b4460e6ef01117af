"""Sending a response over ASGI without an environ (``kolben.asgi.send``).

The raw cases drive a tiny ASGI callable that answers with
``send_response_to``; the app cases check that a response class overriding
``get_wsgi_headers`` still gets its environ, under both interfaces."""

from __future__ import annotations

import asyncio
import threading
import typing as t
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from kolben import Kolben, Response
from kolben.asgi import send_response, send_response_to
from kolben.datastructures import Headers
from kolben.testing import KolbenClient

Message = dict[str, t.Any]


def _scope(method: str = "GET") -> dict[str, t.Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


def _answering(make: Callable[[], Response], **options: t.Any) -> t.Any:
    """An ASGI callable that sends ``make()`` with ``send_response_to``."""

    async def asgi(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
        await send_response_to(make(), send, receive, method=scope["method"], **options)

    return asgi


def _run(
    asgi: t.Any, method: str = "GET", disconnect_after_body: int | None = None
) -> tuple[int, dict[str, str], list[Message]]:
    """Drive ``asgi`` like a server: (status, headers, body messages).

    With ``disconnect_after_body``, the client leaves once that many body
    messages arrived.
    """

    async def go() -> tuple[int, dict[str, str], list[Message]]:
        sent: list[Message] = []
        gone = asyncio.Event()

        async def receive() -> Message:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            bodies = [m for m in sent if m["type"] == "http.response.body"]
            if disconnect_after_body is not None and len(bodies) >= disconnect_after_body:
                gone.set()

        await asyncio.wait_for(asgi(_scope(method), receive, send), timeout=10)
        start = sent[0]
        assert start["type"] == "http.response.start"
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        return start["status"], headers, sent[1:]

    return asyncio.run(go())


def _body(messages: list[Message]) -> bytes:
    return b"".join(m["body"] for m in messages)


def test_a_body_in_memory_goes_in_one_message() -> None:
    status, headers, messages = _run(_answering(lambda: Response("hello", 201)))
    assert status == 201
    assert headers["content-length"] == "5"
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert messages == [{"type": "http.response.body", "body": b"hello"}]


def test_head_sends_the_headers_of_the_body_without_it() -> None:
    closed: list[bool] = []

    def make() -> Response:
        response = Response("hello")
        response.call_on_close(lambda: closed.append(True))
        return response

    status, headers, messages = _run(_answering(make), method="HEAD")
    assert status == 200
    assert headers["content-length"] == "5"
    assert _body(messages) == b""
    assert closed == [True]


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_for_204_and_304_and_the_generator_is_closed(status: int) -> None:
    events: list[str] = []

    def body() -> Iterator[bytes]:
        try:
            events.append("started")
            yield b"never sent"
        finally:
            events.append("closed")

    def make() -> Response:
        return Response(body(), status, headers={"Content-Type": "text/plain"})

    got, headers, messages = _run(_answering(make))
    assert got == status
    assert _body(messages) == b""
    assert "content-length" not in headers
    # RFC 9110 section 15.4.5: a 304 drops the headers describing a body.
    assert ("content-type" in headers) is (status == 204)
    assert "started" not in events


@pytest.mark.parametrize("close", [True, False])
def test_the_close_flag_adds_connection_close(close: bool) -> None:
    _, headers, _ = _run(_answering(lambda: Response("x"), close=close))
    assert ("connection" in headers) is close
    if close:
        assert headers["connection"] == "close"


def test_a_sync_iterable_streams_from_a_worker_thread() -> None:
    threads: list[threading.Thread] = []
    closed: list[bool] = []

    def body() -> Iterator[str | bytes]:
        try:
            threads.append(threading.current_thread())
            yield "one,"
            yield b""
            yield b"two"
        finally:
            closed.append(True)

    _, headers, messages = _run(_answering(lambda: Response(body())))
    assert "content-length" not in headers
    assert [m["body"] for m in messages] == [b"one,", b"two", b""]
    assert [m.get("more_body", False) for m in messages] == [True, True, False]
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()
    assert closed == [True]


def test_an_async_iterable_streams_on_the_loop() -> None:
    closed: list[bool] = []

    async def body() -> AsyncIterator[str | bytes]:
        try:
            yield "one,"
            await asyncio.sleep(0)
            yield b"two"
        finally:
            closed.append(True)

    _, _, messages = _run(_answering(lambda: Response(body())))
    assert _body(messages) == b"one,two"
    assert messages[-1] == {"type": "http.response.body", "body": b""}
    assert closed == [True]


def test_an_async_iterable_is_closed_on_head_without_being_iterated() -> None:
    events: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            events.append("started")
            yield b"x"
        finally:
            events.append("closed")

    async def run_head() -> None:
        gen = body()
        await gen.__anext__()  # started: only a started generator has a finally to run

        async def asgi(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
            await send_response_to(Response(gen), send, receive, method="HEAD")

        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        await asyncio.wait_for(asgi(_scope("HEAD"), receive, send), timeout=10)
        assert [m.get("body") for m in sent[1:]] == [b""]

    asyncio.run(run_head())
    assert events == ["started", "closed"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_disconnect_mid_stream_stops_sending_and_closes_the_body(kind: str) -> None:
    closed = threading.Event()
    produced: list[int] = []

    def sync_body() -> Iterator[bytes]:
        try:
            for n in range(10_000):
                produced.append(n)
                yield b"chunk"
        finally:
            closed.set()

    async def async_body() -> AsyncIterator[bytes]:
        try:
            for n in range(10_000):
                produced.append(n)
                yield b"chunk"
                await asyncio.sleep(0.001)
        finally:
            closed.set()

    body = sync_body if kind == "sync" else async_body
    _, _, messages = _run(_answering(lambda: Response(body())), disconnect_after_body=3)
    assert closed.wait(5)
    assert len(produced) < 10_000
    assert len(messages) < 100
    assert all(m.get("more_body") for m in messages)


def test_the_stock_headers_never_ask_for_the_environ() -> None:
    asked: list[bool] = []

    def environ() -> dict[str, t.Any]:
        asked.append(True)
        return {"REQUEST_METHOD": "GET"}

    status, _, _ = _run(_answering(lambda: Response("x"), environ=environ))
    assert status == 200
    assert asked == []


class _PathHeaderResponse(Response):
    """Adds the request path from the environ, the way a WSGI-era subclass would."""

    def get_wsgi_headers(self, environ: dict[str, t.Any]) -> Headers:
        headers = super().get_wsgi_headers(environ)
        headers["X-Path"] = environ.get("PATH_INFO", "(none)")
        return headers


def test_an_overridden_get_wsgi_headers_gets_the_environ_it_asks_for() -> None:
    asked: list[bool] = []

    def environ() -> dict[str, t.Any]:
        asked.append(True)
        return {"REQUEST_METHOD": "GET", "PATH_INFO": "/from-environ"}

    _, headers, _ = _run(_answering(lambda: _PathHeaderResponse("x"), environ=environ))
    assert headers["x-path"] == "/from-environ"
    assert asked == [True]
    _, headers, _ = _run(
        _answering(lambda: _PathHeaderResponse("x"), environ={"PATH_INFO": "/a-dict"})
    )
    assert headers["x-path"] == "/a-dict"
    # Without one, the override still runs, with the least environ.
    _, headers, _ = _run(_answering(lambda: _PathHeaderResponse("x")))
    assert headers["x-path"] == "(none)"


def test_send_response_reads_the_method_and_close_flag_from_the_environ() -> None:
    async def asgi(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
        environ = {"REQUEST_METHOD": "HEAD", "kolben.close_connection": True}
        await send_response(Response("hello"), environ, send, receive)

    _, headers, messages = _run(asgi)
    assert headers["connection"] == "close"
    assert headers["content-length"] == "5"
    assert _body(messages) == b""


# -- a response class's header methods, under both interfaces ------------------------


@pytest.mark.parametrize("view_kind", ["def", "async def"])
def test_an_overridden_get_wsgi_headers_applies_under_both_interfaces(
    app: Kolben, make_client: Callable[..., KolbenClient], view_kind: str
) -> None:
    app.response_class = _PathHeaderResponse
    if view_kind == "def":

        @app.route("/page")
        def page() -> str:
            return "hello"

    else:

        @app.route("/page")
        async def page() -> str:
            return "hello"

    response = make_client(app).get("/page")
    assert response.data == b"hello"
    assert response.headers["X-Path"] == "/page"


@pytest.mark.parametrize("kind", ["str", "dict", "response", "stream"])
@pytest.mark.parametrize("async_view", [False, True])
@pytest.mark.parametrize("hooked", [False, True])
def test_a_client_gone_while_sending_is_not_an_error(
    kind: str, async_view: bool, hooked: bool
) -> None:
    """ASGI: a ``send`` that raises OSError (the client left) ends the request
    quietly on every path (a plain value, a Response, a stream; the fast and
    the hooked pipeline), and teardown still runs."""
    app = Kolben(__name__)
    torn_down: list[bool] = []
    app.teardown_request(lambda exc: torn_down.append(exc is None))
    if hooked:
        app.after_request(lambda response: response)

    def value() -> t.Any:
        if kind == "str":
            return "hi"
        if kind == "dict":
            return {"hi": 1}
        if kind == "response":
            return Response("hi", mimetype="text/plain")
        return Response(iter([b"h", b"i"]))

    if async_view:

        async def index() -> t.Any:
            return value()

    else:

        def index() -> t.Any:  # type: ignore[misc]
            return value()

    app.add_url_rule("/", view_func=index)
    attempts: list[str] = []

    async def receive() -> Message:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}  # pragma: no cover - never reached

    async def send(message: Message) -> None:
        attempts.append(message["type"])
        raise ConnectionResetError("the client is gone")

    asyncio.run(app.asgi(_scope(), receive, send))
    assert attempts[:1] == ["http.response.start"]
    assert torn_down == [True]
