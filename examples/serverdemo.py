"""One app, five production servers: a deployment example (and the app of
``tests/test_servers.py``).

The same module object serves WSGI and ASGI:

    gunicorn --workers 1 examples.serverdemo:app                 # WSGI
    granian --interface wsgi examples.serverdemo:app             # WSGI
    granian --interface asgi examples.serverdemo:app.asgi        # ASGI
    uvicorn examples.serverdemo:app.asgi                         # ASGI
    hypercorn examples.serverdemo:app.asgi                       # ASGI

``app`` is the WSGI callable; ``app.asgi`` is the ASGI 3 callable (all
three ASGI servers above resolve the dotted ``app.asgi`` target).
Websockets and the ``before_serving``/``after_serving`` hooks need ASGI:
the hooks run through the lifespan protocol, which WSGI servers lack.

Two environment variables exist for the tests:

- ``SERVERDEMO_LOG``: a file where the app appends one line per event it
  wants to prove (startup ran, a stream was closed, a teardown ran);
- ``SERVERDEMO_FAIL_STARTUP``: when set, ``before_serving`` raises, so an
  ASGI server must refuse to start and exit with the error.
"""

from __future__ import annotations

import asyncio
import os
import time
import typing as t
from collections.abc import AsyncIterator, Iterator

from kolben import Kolben, Response, request, stream_with_context, websocket
from kolben.asgi import WebSocketDisconnect

app = Kolben(__name__)

#: The text ``before_serving`` raises with when startup failure is requested.
STARTUP_FAILURE = "serverdemo: startup failure requested"


def record(event: str) -> None:
    """Append one line to ``$SERVERDEMO_LOG`` (no-op when it is not set)."""
    path = os.environ.get("SERVERDEMO_LOG")
    if path:
        # One small O_APPEND write per line: lines from threads never interleave.
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{event}\n")


@app.before_serving
def startup() -> None:
    if os.environ.get("SERVERDEMO_FAIL_STARTUP"):
        raise RuntimeError(STARTUP_FAILURE)
    record(f"before_serving pid={os.getpid()}")


@app.after_serving
async def shutdown() -> None:
    record(f"after_serving pid={os.getpid()}")


@app.teardown_request
def note_teardown(exc: BaseException | None) -> None:
    # Only the endpoints whose end a test waits for; ``id`` names the request.
    tag = request.args.get("id")
    if tag:
        error = f" {type(exc).__name__}" if exc is not None else ""
        record(f"teardown {request.path} {tag}{error}")


@app.get("/sync")
def sync_view() -> dict[str, t.Any]:
    return {"view": "sync", "args": request.args.to_dict()}


@app.get("/async")
async def async_view() -> dict[str, t.Any]:
    await asyncio.sleep(0)
    return {"view": "async", "args": request.args.to_dict()}


@app.post("/echo")
def echo_json() -> dict[str, t.Any]:
    return {"view": "sync", "json": request.get_json()}


@app.post("/echo-async")
async def echo_json_async() -> dict[str, t.Any]:
    return {"view": "async", "json": await request.get_json_async()}


@app.get("/stream")
def stream() -> Response:
    """``n`` lines, one every ``delay`` seconds, each naming ``?tag=``."""
    count = min(request.args.get("n", 5, type=int), 100)
    delay = min(request.args.get("delay", 0.05, type=float), 1.0)

    @stream_with_context
    def generate() -> Iterator[str]:
        for i in range(count):
            if i:
                time.sleep(delay)
            yield f"line {i} {request.args.get('tag', '')}\n"

    return Response(generate(), mimetype="text/plain")


@app.get("/stream-async")
async def stream_async() -> Response:
    """The async-generator twin of ``/stream``."""
    count = min(request.args.get("n", 5, type=int), 100)
    delay = min(request.args.get("delay", 0.05, type=float), 1.0)

    async def generate() -> AsyncIterator[str]:
        for i in range(count):
            if i:
                await asyncio.sleep(delay)
            yield f"line {i} {request.args.get('tag', '')}\n"

    return Response(stream_with_context(generate()), mimetype="text/plain")


# A chunk of the endless streams: big enough that a write to a closed
# socket fails soon, small enough to be cheap.
_TICK = b"." * 1023 + b"\n"


@app.get("/endless")
def endless() -> Response:
    """A never-ending sync stream; records when its generator is closed."""
    tag = request.args.get("id", "")

    @stream_with_context
    def generate() -> Iterator[bytes]:
        try:
            while True:
                yield _TICK
                time.sleep(0.02)
        finally:
            record(f"closed /endless {tag}")

    return Response(generate(), mimetype="text/plain")


@app.get("/endless-async")
async def endless_async() -> Response:
    """The async-generator twin of ``/endless``."""
    tag = request.args.get("id", "")

    async def generate() -> AsyncIterator[bytes]:
        try:
            while True:
                yield _TICK
                await asyncio.sleep(0.02)
        finally:
            record(f"closed /endless-async {tag}")

    return Response(stream_with_context(generate()), mimetype="text/plain")


@app.get("/broken-stream")
def broken_stream() -> Response:
    """A stream whose generator raises after its first line."""

    @stream_with_context
    def generate() -> Iterator[str]:
        yield "line 0\n"
        raise RuntimeError("serverdemo: the stream broke")

    return Response(generate(), mimetype="text/plain")


@app.get("/broken-stream-async")
async def broken_stream_async() -> Response:
    """The async-generator twin of ``/broken-stream``."""

    async def generate() -> AsyncIterator[str]:
        yield "line 0\n"
        raise RuntimeError("serverdemo: the stream broke")

    return Response(stream_with_context(generate()), mimetype="text/plain")


@app.websocket("/ws/<room>")
async def ws_echo(room: str) -> None:
    """Echo protocol: text comes back prefixed with the room, bytes reversed;
    after the text ``json`` the next message is read as JSON and answered as
    JSON; ``bye`` closes with 1000. Records how the connection ended."""
    await websocket.accept()
    tag = request.args.get("id", "")
    try:
        while True:
            message = await websocket.receive()
            if isinstance(message, bytes):
                await websocket.send(message[::-1])
            elif message == "json":
                data = await websocket.receive_json()
                await websocket.send_json({"room": room, "echo": data})
            elif message == "bye":
                await websocket.close(1000, "bye")
                record(f"ws bye {tag}")
                return
            else:
                await websocket.send(f"{room}: {message}")
    except WebSocketDisconnect as e:
        record(f"ws disconnect {tag} {e.code}")
        raise


if __name__ == "__main__":
    app.run()
