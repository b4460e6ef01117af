"""ASGI behaviour that only exists under ASGI (the shared HTTP behaviour runs
under both interfaces through ``make_client`` in the other test modules):
the raw protocol, body streaming and limits, sync/async mixing, streaming
responses and disconnects, websockets, lifespan, and isolation on tasks."""

from __future__ import annotations

import asyncio
import threading
import time
import typing as t
from collections.abc import AsyncIterator, Iterator

import pytest

from kolben import (
    Kolben,
    abort,
    g,
    request,
    stream_with_context,
    websocket,
)
from kolben.asgi import WebSocketDisconnect, build_environ
from kolben.sse import EventStream, ServerSentEvent
from kolben.testing import KolbenClient, WebSocketTestDenied

Message = dict[str, t.Any]


def _scope(path: str = "/", method: str = "GET", **extra: t.Any) -> dict[str, t.Any]:
    query = b""
    if "?" in path:
        path, _, q = path.partition("?")
        query = q.encode()
    scope: dict[str, t.Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    scope.update(extra)
    return scope


async def _call(
    app: Kolben,
    scope: dict[str, t.Any],
    chunks: list[bytes] | None = None,
    disconnect_after_body: int | None = None,
) -> tuple[int, dict[str, str], bytes, list[Message]]:
    """Drive app.asgi like a server; optionally disconnect after N body messages."""
    incoming = list(chunks or [b""])
    sent: list[Message] = []
    gone = asyncio.Event()

    async def receive() -> Message:
        if incoming:
            body = incoming.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(incoming)}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        if disconnect_after_body is not None and len(bodies) >= disconnect_after_body:
            gone.set()

    await app.asgi(scope, receive, send)
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, body, sent


def run(coro: t.Awaitable[t.Any]) -> t.Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


@pytest.fixture
def client(app: Kolben) -> KolbenClient:
    return app.test_client(interface="asgi")


# -- the protocol -------------------------------------------------------------------


def test_environ_from_scope() -> None:
    scope = _scope(
        "/root/caf\u00e9?x=1",
        root_path="/root",
        headers=[
            (b"host", b"example.com:8000"),
            (b"content-type", b"text/plain"),
            (b"x-forwarded-for", b"a"),
            (b"x-forwarded-for", b"b"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
        ],
    )
    environ = build_environ(scope, None)
    assert environ["SCRIPT_NAME"] == "/root"
    assert environ["PATH_INFO"] == "/caf\u00e9".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "x=1"
    assert environ["HTTP_HOST"] == "example.com:8000"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["HTTP_X_FORWARDED_FOR"] == "a,b"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["REMOTE_ADDR"] == "127.0.0.1"


def test_request_attributes_match_wsgi(app: Kolben) -> None:
    @app.route("/caf\u00e9")
    def view() -> dict[str, t.Any]:
        return {
            "path": request.path,
            "url": request.url,
            "args": request.args.to_dict(),
            "root": request.root_path,
        }

    status, _, body, _ = run(_call(app, _scope("/mount/caf\u00e9?q=%C3%BC", root_path="/mount")))
    assert status == 200
    assert body == (
        b'{"args":{"q":"\\u00fc"},"path":"/caf\\u00e9","root":"/mount",'
        b'"url":"http://testserver/mount/caf%C3%A9?q=%C3%BC"}\n'
    )


def test_unknown_scope_type_is_refused(app: Kolben) -> None:
    async def go() -> None:
        await app.asgi({"type": "mystery"}, None, None)  # type: ignore[arg-type]

    with pytest.raises(RuntimeError, match="mystery"):
        run(go())


def test_asgi_app_can_be_wrapped(app: Kolben) -> None:
    app.add_url_rule("/", "index", lambda: "inner")
    inner = app.asgi_app

    async def middleware(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        async def tagging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-wrapped", b"yes")]
            await send(message)

        await inner(scope, receive, tagging_send)

    app.asgi_app = middleware  # type: ignore[method-assign]
    _, headers, body, _ = run(_call(app, _scope()))
    assert headers["x-wrapped"] == "yes"
    assert body == b"inner"


# -- sync and async in one app ---------------------------------------------------------


def test_sync_views_run_in_worker_threads_async_views_on_the_loop(
    app: Kolben, client: KolbenClient
) -> None:
    @app.route("/sync")
    def sync_view() -> str:
        return threading.current_thread().name

    @app.route("/async")
    async def async_view() -> str:
        asyncio.get_running_loop()
        return threading.current_thread().name

    assert client.get("/sync").text.startswith("kolben-sync")
    assert not client.get("/async").text.startswith("kolben-sync")


def test_mixed_sync_and_async_hooks(app: Kolben, client: KolbenClient) -> None:
    calls: list[str] = []

    @app.before_request
    def sync_before() -> None:
        calls.append(f"before:{request.path}")
        g.user = "ada"

    @app.before_request
    async def async_before() -> None:
        calls.append(f"abefore:{g.user}")

    @app.after_request
    async def async_after(response: t.Any) -> t.Any:
        response.headers["X-After"] = "async"
        return response

    @app.after_request
    def sync_after(response: t.Any) -> t.Any:
        response.headers["X-Sync-After"] = request.path
        return response

    @app.teardown_request
    async def async_teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @app.route("/a")
    async def a() -> str:
        return f"async {g.user}"

    @app.route("/s")
    def s() -> str:
        return f"sync {g.user}"

    for path, text in (("/a", "async ada"), ("/s", "sync ada")):
        calls.clear()
        response = client.get(path)
        assert response.text == text
        assert response.headers["X-After"] == "async"
        assert response.headers["X-Sync-After"] == path
        assert calls == [f"before:{path}", "abefore:ada", "teardown"]


def test_async_error_handler_and_exception_in_async_view(app: Kolben) -> None:
    app.config["TESTING"] = False

    @app.errorhandler(418)
    async def teapot(e: Exception) -> tuple[str, int]:
        return "async handler", 418

    @app.route("/tea")
    async def tea() -> str:
        abort(418)

    @app.route("/boom")
    async def boom() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/ok", "ok", lambda: "ok")
    client = app.test_client(interface="asgi")
    assert client.get("/tea").text == "async handler"
    assert client.get("/boom").status_code == 500
    assert client.get("/ok").text == "ok"


def test_async_exception_propagates_when_testing(app: Kolben, client: KolbenClient) -> None:
    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("visible")

    with pytest.raises(ValueError, match="visible"):
        client.get("/boom")


# -- request bodies -----------------------------------------------------------------------


def test_async_body_methods(app: Kolben, client: KolbenClient) -> None:
    @app.post("/data")
    async def data() -> bytes:
        return t.cast(bytes, await request.get_data_async())

    @app.post("/json")
    async def json_view() -> dict[str, t.Any]:
        return {"got": await request.get_json_async()}

    @app.post("/form")
    async def form() -> dict[str, t.Any]:
        return (await request.form_async()).to_dict()

    @app.post("/stream")
    async def stream() -> str:
        sizes = [len(chunk) async for chunk in request.stream_async(chunk_size=1000)]
        return ",".join(map(str, sizes))

    assert client.post("/data", data=b"raw bytes").data == b"raw bytes"
    assert client.post("/json", json={"a": [1, 2]}).json == {"got": {"a": [1, 2]}}
    assert client.post("/json", data="{}", content_type="text/plain").status_code == 415
    assert client.post("/json", data="{nope", content_type="application/json").status_code == 400
    assert client.post("/form", data={"a": "1", "b": "2"}).json == {"a": "1", "b": "2"}
    assert client.post("/stream", data=b"x" * 2500).text == "1000,1000,500"


def test_sync_body_access_in_sync_and_async_views(app: Kolben, client: KolbenClient) -> None:
    @app.post("/sync")
    def sync_view() -> dict[str, t.Any]:
        return {"json": request.json, "size": len(request.data)}

    @app.post("/async")
    async def async_view() -> dict[str, t.Any]:
        # Small bodies arrive before an async view runs: sync access works.
        return {"json": request.get_json(), "form": request.form.to_dict()}

    assert client.post("/sync", json=[1]).json == {"json": [1], "size": 3}
    assert client.post("/async", json={"k": "v"}).json == {"json": {"k": "v"}, "form": {}}


def test_large_body_read_synchronously_in_async_view_says_what_to_do(app: Kolben) -> None:
    @app.post("/big")
    async def big() -> str:
        return str(len(request.data))

    chunks = [b"x" * 65536] * 40  # 2.5 MiB, more than is received up front
    with pytest.raises(RuntimeError, match="get_data_async"):
        run(_call(app, _scope("/big", "POST"), chunks))


def test_large_body_streams_through_a_sync_view(app: Kolben) -> None:
    @app.post("/big")
    def big() -> str:
        return str(len(request.get_data()))

    chunks = [b"x" * 65536] * 40
    status, _, body, _ = run(_call(app, _scope("/big", "POST"), chunks))
    assert (status, body) == (200, str(65536 * 40).encode())


@pytest.mark.parametrize("view_kind", ["sync", "async"])
def test_max_content_length_while_streaming(app: Kolben, view_kind: str) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    received: list[int] = []

    if view_kind == "sync":

        @app.post("/up")
        def up_sync() -> str:
            return str(len(request.get_data()))

    else:

        @app.post("/up")
        async def up_async() -> str:
            return str(len(await request.get_data_async()))

    chunks = [b"y" * 10_000] * 50  # 500 kB, chunked (no Content-Length)

    async def go() -> tuple[int, bytes]:
        queue = list(chunks)
        sent: list[Message] = []

        async def receive() -> Message:
            if queue:
                received.append(1)
                body = queue.pop(0)
                return {"type": "http.request", "body": body, "more_body": bool(queue)}
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            sent.append(message)

        await app.asgi(_scope("/up", "POST"), receive, send)
        body = b"".join(m.get("body", b"") for m in sent[1:])
        return sent[0]["status"], body

    status, _ = run(go())
    assert status == 413
    # Stopped soon after the limit, not after the whole body.
    assert len(received) <= 20


def test_declared_length_over_limit_is_refused_before_reading(app: Kolben) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/up")
    async def up() -> str:
        return str(len(await request.get_data_async()))

    scope = _scope("/up", "POST", headers=[(b"host", b"t"), (b"content-length", b"5000")])
    status, _, _, _ = run(_call(app, scope, [b"z" * 5000]))
    assert status == 413


# -- streaming responses --------------------------------------------------------------------


def test_streams_from_sync_and_async_generators(app: Kolben, client: KolbenClient) -> None:
    @app.route("/sync")
    def sync_stream() -> t.Any:
        def gen() -> Iterator[str]:
            yield "a"
            yield "b"

        return gen()

    @app.route("/async")
    async def async_stream() -> t.Any:
        async def gen() -> AsyncIterator[bytes]:
            yield b"c"
            await asyncio.sleep(0)
            yield b"d"

        return gen()

    @app.route("/ctx")
    async def ctx_stream() -> t.Any:
        @stream_with_context
        async def gen() -> AsyncIterator[str]:
            await asyncio.sleep(0)
            yield request.args["name"]

        return gen()

    assert client.get("/sync").data == b"ab"
    assert client.get("/async").data == b"cd"
    # stream_with_context with an async view: the request is still there.
    assert client.get("/ctx?name=ada").data == b"ada"


def test_stream_chunks_are_separate_messages(app: Kolben) -> None:
    @app.route("/")
    async def view() -> t.Any:
        async def gen() -> AsyncIterator[str]:
            for part in ("one", "two", "three"):
                yield part

        return gen()

    _, headers, _body, sent = run(_call(app, _scope()))
    chunks = [m["body"] for m in sent if m["type"] == "http.response.body" and m["body"]]
    assert chunks == [b"one", b"two", b"three"]
    assert "content-length" not in headers


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_disconnect_mid_stream_closes_generator_and_tears_down(app: Kolben, kind: str) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))

    if kind == "sync":

        @app.route("/")
        def view() -> t.Any:
            @stream_with_context
            def gen() -> Iterator[str]:
                try:
                    while True:
                        yield f"tick {request.path}\n"
                        time.sleep(0.01)
                finally:
                    events.append("closed")

            return gen()

    else:

        @app.route("/")
        async def view() -> t.Any:
            @stream_with_context
            async def gen() -> AsyncIterator[str]:
                try:
                    while True:
                        yield f"tick {request.path}\n"
                        await asyncio.sleep(0.01)
                finally:
                    events.append("closed")

            return gen()

    app.add_url_rule("/next", "next", lambda: "still serving")
    _, _, body, _ = run(_call(app, _scope(), disconnect_after_body=3))
    assert body.startswith(b"tick /\n")
    assert events == ["closed", "teardown"]
    status, _, body, _ = run(_call(app, _scope("/next")))
    assert (status, body) == (200, b"still serving")


def test_generator_raising_mid_stream_tears_down(app: Kolben) -> None:
    app.config["TESTING"] = False
    seen: list[t.Any] = []
    app.teardown_request(lambda exc: seen.append(type(exc).__name__ if exc else None))

    @app.route("/")
    async def view() -> t.Any:
        @stream_with_context
        async def gen() -> AsyncIterator[str]:
            yield "first"
            raise RuntimeError("mid-stream")

        return gen()

    with pytest.raises(RuntimeError, match="mid-stream"):
        run(_call(app, _scope()))
    assert seen == ["RuntimeError"]


def test_event_stream(app: Kolben, client: KolbenClient) -> None:
    @app.route("/events")
    async def events() -> EventStream:
        async def source() -> AsyncIterator[t.Any]:
            yield "plain"
            yield {"event": "update", "data": {"n": 1}, "id": "7"}
            await asyncio.sleep(0.15)
            yield ServerSentEvent(data="two\nlines", retry=500)

        return EventStream(source(), ping_interval=0.05)

    response = client.get("/events")
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.text
    assert text.startswith('data: plain\n\nevent: update\nid: 7\ndata: {"n":1}\n\n')
    assert ": ping\n\n" in text
    assert text.endswith("retry: 500\ndata: two\ndata: lines\n\n")


def test_event_fields_refuse_line_breaks() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        ServerSentEvent(data="x", event="a\nretry: 1").encode()
    # Data with line breaks can never end the event early.
    assert ServerSentEvent(data="a\r\n\r\nevent: evil").encode() == (
        b"data: a\ndata: \ndata: event: evil\n\n"
    )


# -- websockets -----------------------------------------------------------------------------


def test_websocket_round_trip(app: Kolben, client: KolbenClient) -> None:
    @app.websocket("/ws/<int:room>")
    async def chat(room: int) -> None:
        await websocket.accept()
        text = await websocket.receive()
        await websocket.send(f"{room}:{text}")
        data = await websocket.receive()
        await websocket.send(data)
        await websocket.send_json({"echo": await websocket.receive_json()})

    with client.websocket("/ws/7") as ws:
        ws.send("hi")
        assert ws.receive() == "7:hi"
        ws.send(b"\x00\x01")
        assert ws.receive() == b"\x00\x01"
        ws.send_json({"a": 1})
        assert ws.receive_json() == {"echo": {"a": 1}}


def test_websocket_hooks_and_teardown(app: Kolben, client: KolbenClient) -> None:
    events: list[str] = []

    @app.before_request
    def before() -> None:
        events.append(f"before:{request.path}")
        g.who = "ada"

    app.teardown_request(lambda exc: events.append(f"teardown:{type(exc).__name__}"))

    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.send(g.who)
        await websocket.receive()

    with client.websocket("/ws") as ws:
        assert ws.receive() == "ada"
        ws.close()
    assert events == ["before:/ws", "teardown:WebSocketDisconnect"]


def test_websocket_refused_by_before_request(app: Kolben, client: KolbenClient) -> None:
    app.before_request(lambda: "no")

    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.accept()

    with pytest.raises(WebSocketTestDenied) as info, client.websocket("/ws"):
        pass
    assert info.value.code == 1008


def test_websocket_unknown_route_is_refused(app: Kolben, client: KolbenClient) -> None:
    with pytest.raises(WebSocketTestDenied), client.websocket("/nowhere"):
        pass


def test_websocket_oversize_message_closes_1009(app: Kolben, client: KolbenClient) -> None:
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 10
    seen: list[int] = []

    @app.websocket("/ws")
    async def ws_view() -> None:
        try:
            await websocket.receive()
        except WebSocketDisconnect as e:
            seen.append(e.code)
            raise

    with client.websocket("/ws") as ws:
        ws.send("x" * 11)
        with pytest.raises(WebSocketTestDenied) as info:
            ws.receive()
    assert info.value.code == 1009
    assert seen == [1009]


def test_websocket_client_disconnect_is_a_clean_exception(
    app: Kolben, client: KolbenClient
) -> None:
    seen: list[str] = []

    @app.websocket("/ws")
    async def ws_view() -> None:
        try:
            while True:
                await websocket.receive()
        except WebSocketDisconnect as e:
            seen.append(f"left {e.code}")
            raise

    with client.websocket("/ws") as ws:
        ws.send("one")
        ws.close(4001)
    assert seen == ["left 4001"]


def test_websocket_route_under_wsgi_answers_a_clear_400(app: Kolben) -> None:
    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.accept()

    response = app.test_client().get("/ws")
    assert response.status_code == 400
    assert b"WebSockets need an ASGI server" in response.data


def test_websocket_error_in_view_closes_1011(app: Kolben, client: KolbenClient) -> None:
    app.config["TESTING"] = False

    @app.websocket("/ws")
    async def ws_view() -> None:
        await websocket.accept()
        raise RuntimeError("broken")

    with client.websocket("/ws") as ws, pytest.raises(WebSocketTestDenied) as info:
        ws.receive()
    assert info.value.code == 1011


# -- lifespan -----------------------------------------------------------------------------------


async def _lifespan(app: Kolben, steps: list[str]) -> list[Message]:
    incoming = [{"type": f"lifespan.{step}"} for step in steps]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await app.asgi({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    return sent


def test_lifespan_runs_serving_hooks(app: Kolben) -> None:
    events: list[str] = []

    @app.before_serving
    def sync_start() -> None:
        events.append(f"sync start {app.name}")

    @app.before_serving
    async def async_start() -> None:
        events.append("async start")

    @app.after_serving
    async def stop() -> None:
        events.append("stop")

    sent = run(_lifespan(app, ["startup", "shutdown"]))
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert events == [f"sync start {app.name}", "async start", "stop"]


def test_lifespan_startup_failure_is_reported(app: Kolben) -> None:
    @app.before_serving
    async def start() -> None:
        raise ConnectionError("database unreachable")

    sent = run(_lifespan(app, ["startup"]))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "database unreachable" in sent[0]["message"]


# -- isolation -------------------------------------------------------------------------------


def test_thousands_of_interleaved_tasks_never_mix_contexts(app: Kolben) -> None:
    @app.route("/<int:n>")
    async def view(n: int) -> str:
        g.n = n
        for _ in range(3):
            await asyncio.sleep(0)
            if request.view_args != {"n": n} or g.n != n or request.args["n"] != str(n):
                return "MIXED"
        return str(n)

    async def go() -> list[tuple[int, bytes]]:
        results = await asyncio.gather(*(_call(app, _scope(f"/{i}?n={i}")) for i in range(2000)))
        return [(status, body) for status, _, body, _ in results]

    results = run(go())
    assert results == [(200, str(i).encode()) for i in range(2000)]


def test_sync_views_in_threads_never_mix_contexts(app: Kolben) -> None:
    @app.route("/<int:n>")
    def view(n: int) -> str:
        g.n = n
        time.sleep(0.001)
        ok = request.view_args == {"n": n} and g.n == n
        return str(n) if ok else "MIXED"

    async def go() -> list[bytes]:
        results = await asyncio.gather(*(_call(app, _scope(f"/{i}")) for i in range(300)))
        return [body for _, _, body, _ in results]

    assert run(go()) == [str(i).encode() for i in range(300)]


def test_async_function_called_from_sync_view_runs_on_the_server_loop(app: Kolben) -> None:
    loops: list[t.Any] = []

    async def helper() -> str:
        loops.append(asyncio.get_running_loop())
        return "done"

    @app.route("/")
    def view() -> str:
        return t.cast(str, app.ensure_sync(helper)())

    async def go() -> bytes:
        loops.append(asyncio.get_running_loop())
        return (await _call(app, _scope()))[2]

    assert run(go()) == b"done"
    assert loops[0] is loops[1]


def test_ensure_sync_inside_async_view_says_to_await(app: Kolben) -> None:
    async def helper() -> str:
        return "x"

    @app.route("/")
    async def view() -> str:
        return t.cast(str, app.ensure_sync(helper)())

    with pytest.raises(RuntimeError, match="Await it instead"):
        run(_call(app, _scope()))


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_head_on_an_unread_async_stream_still_tears_down(app: Kolben, interface: str) -> None:
    events: list[t.Any] = []
    app.teardown_request(lambda exc: events.append(exc))

    @app.route("/")
    async def view() -> t.Any:
        @stream_with_context
        async def gen() -> AsyncIterator[str]:
            yield "never sent"

        return gen()

    response = app.test_client(interface=interface).head("/")
    assert response.data == b""
    response.close()  # what a server does once the (empty) body is sent
    assert events == [None]


def test_disconnect_mid_async_stream_is_not_an_error_for_teardown(app: Kolben) -> None:
    events: list[t.Any] = []
    app.teardown_request(lambda exc: events.append(exc))

    @app.route("/")
    async def view() -> t.Any:
        @stream_with_context
        async def gen() -> AsyncIterator[str]:
            while True:
                yield "tick\n"
                await asyncio.sleep(0.01)

        return gen()

    run(_call(app, _scope(), disconnect_after_body=2))
    assert events == [None]


def test_content_length_with_transfer_encoding_is_refused_and_closes(app: Kolben) -> None:
    app.add_url_rule("/", "index", lambda: "ok", methods=["POST"])
    scope = _scope(
        "/",
        "POST",
        headers=[
            (b"host", b"t"),
            (b"content-length", b"4"),
            (b"transfer-encoding", b"chunked"),
        ],
    )
    status, headers, _, _ = run(_call(app, scope, [b"abcd"]))
    assert status == 400
    assert headers["connection"] == "close"


def test_root_path_is_only_stripped_on_a_segment_boundary() -> None:
    environ = build_environ(_scope("/application/x", root_path="/app"), None)
    assert environ["PATH_INFO"] == "/application/x"
    environ = build_environ(_scope("/app/x", root_path="/app"), None)
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/app", "/x")


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_event_stream_closed_unread_still_tears_down(app: Kolben, interface: str) -> None:
    events: list[t.Any] = []
    app.teardown_request(lambda exc: events.append(exc))

    @app.route("/")
    async def view() -> EventStream:
        @stream_with_context
        async def source() -> AsyncIterator[str]:
            yield "never read"

        return EventStream(source())

    response = app.test_client(interface=interface).head("/")
    response.close()
    assert events == [None]


# -- sync views get their body received on the loop (issue 14, case 7) ---------------------


def _body_app(app: Kolben, seen: list[int]) -> None:
    @app.post("/data")
    def data() -> str:
        seen.append(_receives[0])
        return str(len(request.get_data()))

    @app.post("/stream")
    def stream() -> str:
        seen.append(_receives[0])
        total = 0
        while chunk := request.stream.read(1000):
            total += len(chunk)
        return str(total)

    @app.post("/form")
    def form() -> str:
        seen.append(_receives[0])
        upload = request.files["f"]
        return f"{request.form['a']}:{len(upload.read())}"


_receives = [0]


def _multipart(size: int) -> tuple[bytes, bytes]:
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nhello\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="f"; filename="f.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + b"q" * size + b"\r\n--XX--\r\n"
    )
    return body, b"multipart/form-data; boundary=XX"


@pytest.mark.parametrize("size", [10, 3 * 1024 * 1024], ids=["small", "spilled"])
@pytest.mark.parametrize("declared", [True, False], ids=["length", "chunked"])
@pytest.mark.parametrize("path", ["/data", "/stream", "/form"])
def test_sync_view_gets_its_whole_body_received_before_it_runs(
    app: Kolben, monkeypatch: pytest.MonkeyPatch, size: int, declared: bool, path: str
) -> None:
    """The whole body is in before the view's thread starts; it reads it all,
    and a body past the memory threshold went to a temporary file."""
    import tempfile

    seen: list[int] = []
    _body_app(app, seen)
    spills: list[int] = []
    real_temporary_file = tempfile.TemporaryFile

    def spy(*args: t.Any, **kwargs: t.Any) -> t.Any:
        spills.append(1)
        return real_temporary_file(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", spy)
    if path == "/form":
        body, content_type = _multipart(size)
        expected = f"hello:{size}".encode()
    else:
        body, content_type = b"z" * size, b"application/octet-stream"
        expected = str(size).encode()
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    headers = [(b"host", b"t"), (b"content-type", content_type)]
    if declared:
        headers.append((b"content-length", str(len(body)).encode()))

    async def go() -> tuple[int, bytes]:
        queue = list(chunks)
        _receives[0] = 0
        sent: list[Message] = []

        async def receive() -> Message:
            if not queue:
                await asyncio.sleep(3600)
            _receives[0] += 1
            await asyncio.sleep(0)
            chunk = queue.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(queue)}

        async def send(message: Message) -> None:
            sent.append(message)

        await app.asgi(_scope(path, "POST", headers=headers), receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    assert run(go()) == (200, expected)
    assert seen == [len(chunks)]
    assert bool(spills) == (size > 1024 * 1024)


def test_sync_view_body_never_holds_a_worker_thread(app: Kolben) -> None:
    """A body that trickles in for longer than the view takes is received on
    the loop: with one worker thread, other sync requests still get through."""
    import kolben._aio as aio

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return str(len(request.get_data()))

    async def go() -> list[tuple[int, bytes]]:
        release = asyncio.Event()
        slow_sent: list[Message] = []
        parts = [b"a", b"b", b"c"]

        async def slow_receive() -> Message:
            if len(parts) == 1:
                await release.wait()
            return {"type": "http.request", "body": parts.pop(0), "more_body": bool(parts)}

        async def slow_send(message: Message) -> None:
            slow_sent.append(message)

        slow = [
            asyncio.ensure_future(app.asgi(_scope("/", "POST"), slow_receive, slow_send))
            for _ in range(1)
        ]
        await asyncio.sleep(0.05)
        # The slow upload is still open; a plain GET answers anyway.
        fast = await asyncio.wait_for(_call(app, _scope("/")), 5)
        release.set()
        await asyncio.wait_for(asyncio.gather(*slow), 5)
        return [(fast[0], fast[2]), (slow_sent[0]["status"], slow_sent[1]["body"])]

    old_executor, old_limit = aio._executor, aio.thread_limit
    aio._executor, aio.thread_limit = None, 1
    try:
        assert run(go()) == [(200, b"0"), (200, b"3")]
    finally:
        if aio._executor is not None:
            aio._executor.shutdown()
        aio._executor, aio.thread_limit = old_executor, old_limit


def test_client_leaving_mid_body_ends_a_sync_request_quietly(app: Kolben) -> None:
    ran: list[str] = []

    @app.post("/up")
    def up() -> str:
        ran.append("view")
        return str(len(request.get_data()))

    async def go() -> list[Message]:
        messages: list[Message] = [
            {"type": "http.request", "body": b"x" * 1000, "more_body": True},
            {"type": "http.disconnect"},
        ]
        sent: list[Message] = []

        async def receive() -> Message:
            return messages.pop(0)

        async def send(message: Message) -> None:
            sent.append(message)

        scope = _scope("/up", "POST", headers=[(b"host", b"t"), (b"content-length", b"5000")])
        await asyncio.wait_for(app.asgi(scope, receive, send), 5)
        return sent

    assert run(go()) == []
    assert ran == []


def test_sync_wrapper_of_an_async_view_reads_the_json_body(app: Kolben) -> None:
    """Flask-Login's ``login_required`` pattern: a sync view that runs an
    async one through ``current_app.ensure_sync``; the async view reads the
    body synchronously on the server's loop."""
    from functools import wraps

    from kolben import current_app

    def sync_decorator(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        @wraps(view)
        def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return current_app.ensure_sync(view)(*args, **kwargs)

        return wrapper

    @app.post("/tasks")
    @sync_decorator
    async def create() -> dict[str, t.Any]:
        return {"got": request.get_json()["title"]}

    body = b'{"title": "' + b"t" * 200_000 + b'"}'
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    headers = [(b"host", b"t"), (b"content-type", b"application/json")]
    status, _, answer, _ = run(_call(app, _scope("/tasks", "POST", headers=headers), chunks))
    assert status == 200
    assert answer == b'{"got":"' + b"t" * 200_000 + b'"}\n'


# -- two Host headers (issue 14, case 3) -------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_two_host_headers_are_refused(app: Kolben, kind: str) -> None:
    if kind == "sync":

        @app.route("/")
        def index_sync() -> str:
            return request.host

    else:

        @app.route("/")
        async def index_async() -> str:
            return request.host

    scope = _scope("/", headers=[(b"host", b"a.example"), (b"host", b"b.example")])
    status, _, body, _ = run(_call(app, scope))
    assert status == 400
    assert b"a.example" not in body
    one = _scope("/", headers=[(b"host", b"a.example")])
    assert run(_call(app, one))[:3:2] == (200, b"a.example")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_two_host_headers_are_a_400_under_both_interfaces(
    app: Kolben, make_client: t.Callable[..., KolbenClient], kind: str
) -> None:
    """Runs under WSGI too (``make_client``): a server that passes repeated
    Host lines on joins them with a comma, which no host name contains.
    A hook that reads the host before routing fails too, and no URL is
    ever built with the joined value."""
    from kolben import url_for

    hooks: list[str] = []

    @app.before_request
    def read_host() -> None:
        try:
            hooks.append(request.host)
        except Exception as e:
            hooks.append(type(e).__name__)

    if kind == "sync":

        @app.route("/")
        def index_sync() -> str:
            return url_for("index_sync", _external=True)

    else:

        @app.route("/")
        async def index_async() -> str:
            return url_for("index_async", _external=True)

    client = make_client(app)
    refused = client.get("/", headers=[("Host", "a.example"), ("Host", "b.example")])
    assert refused.status_code == 400
    assert b"b.example" not in refused.data
    assert client.get("/", headers={"Host": "a.example,b.example"}).status_code == 400
    assert hooks == ["SecurityError", "SecurityError"]
    assert client.get("/", headers={"Host": "a.example"}).data == b"http://a.example/"


def test_unread_body_stays_readable_in_a_preserved_context(app: Kolben) -> None:
    @app.post("/")
    def index() -> str:
        return "ok"

    client = app.test_client(interface="asgi")
    with client:
        assert client.post("/", data=b"kept").data == b"ok"
        assert request.get_data() == b"kept"


# -- streaming and small forms without extra tasks or thread hops (issue 15) ----------


def test_disconnect_while_the_generator_waits_closes_it_at_once(app: Kolben) -> None:
    """A body that waits long between chunks (an event stream) stops as soon
    as the client leaves, not at its next chunk."""
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))

    @app.route("/")
    async def view() -> t.Any:
        async def gen() -> AsyncIterator[str]:
            try:
                yield "first\n"
                await asyncio.sleep(3600)
                yield "never\n"
            finally:
                events.append("closed")

        return gen()

    started = time.monotonic()
    _, _, body, _ = run(_call(app, _scope(), disconnect_after_body=1))
    assert body == b"first\n"
    assert sorted(events) == ["closed", "teardown"]
    assert time.monotonic() - started < 30  # not the hour the generator sleeps


def test_cancelling_the_app_mid_stream_is_not_swallowed(app: Kolben) -> None:
    """A server that cancels the app (shutting down) sees the cancellation,
    and the generator is closed."""
    events: list[str] = []

    @app.route("/")
    async def view() -> t.Any:
        async def gen() -> AsyncIterator[str]:
            try:
                while True:
                    yield "tick\n"
                    await asyncio.sleep(0.01)
            finally:
                events.append("closed")

        return gen()

    async def main() -> None:
        sent: list[Message] = []

        async def receive() -> Message:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        task = asyncio.ensure_future(app.asgi(_scope(), receive, send))
        while len(sent) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(asyncio.all_tasks()) == 1  # nothing of the app's left running

    run(main())
    assert events == ["closed"]


@pytest.mark.parametrize(("size", "on_loop"), [(60, True), (6000, False)])
def test_small_forms_parse_on_the_loop_large_ones_in_a_thread(
    app: Kolben, size: int, on_loop: bool
) -> None:
    """A small body that has arrived is parsed on the loop (a thread hop costs
    more than the parse); a larger one still goes to a worker thread."""
    parsed_on: list[bool] = []

    class RecordingRequest(app.request_class):  # type: ignore[name-defined, misc]
        def _load_form_data(self) -> None:
            parsed_on.append(threading.current_thread() is threading.main_thread())
            super()._load_form_data()

    app.request_class = RecordingRequest

    @app.post("/")
    async def view() -> t.Any:
        form = await request.form_async()
        return {"size": len(form["a"])}

    body = b"a=" + b"x" * size
    scope = _scope(
        method="POST",
        headers=[
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
    )
    status, _, answer, _ = run(_call(app, scope, chunks=[body]))
    assert status == 200
    assert answer.replace(b" ", b"").strip() == b'{"size":%d}' % size
    assert parsed_on == [on_loop]
