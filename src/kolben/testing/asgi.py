"""Testing over ASGI (layer 4): a WSGI-shaped bridge and a websocket client.

:class:`ASGIBridge` lets the ordinary test client (which speaks PEP 3333)
drive ``app.asgi``: each call turns the environ into an ASGI scope, runs the
app on an event loop in a background thread, and hands the response back as
it streams, so a test exercises exactly the ASGI code path a server would.
"""

from __future__ import annotations

import asyncio
import json as _json
import queue
import threading
import typing as t
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType

from .._status import HTTP_STATUS_CODES
from ..asgi import Message, Scope
from ..wrappers.scope import environ_to_scope

__all__ = ["ASGIBridge", "WebSocketTestDenied", "WebSocketTestSession"]

ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

_END = object()
_TIMEOUT = 30.0


class _LoopThread:
    """One event loop in a daemon thread, shared by a bridge's calls."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kolben-asgi-test", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


class ASGIBridge:
    """A WSGI callable that runs an ASGI app (for the test client only).

    The request body is sent in 64 KiB messages; the response is streamed
    back through a queue, so an app that fails mid-stream fails the test at
    the same point as under WSGI. Closing the body early tells the app the
    client disconnected.
    """

    def __init__(self, asgi_app: ASGIApp) -> None:
        self.asgi_app = asgi_app
        self._loop: _LoopThread | None = None

    @property
    def loop(self) -> _LoopThread:
        if self._loop is None:
            self._loop = _LoopThread()
        return self._loop

    def close(self) -> None:
        """Stop the background loop."""
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> Iterator[bytes]:
        scope = environ_to_scope(environ, "http")
        body_stream = environ.get("wsgi.input")
        events: queue.Queue[t.Any] = queue.Queue()
        disconnected = asyncio.Event()
        state = {"sent_body": False}

        async def receive() -> Message:
            if not state["sent_body"]:
                chunk = body_stream.read(65536) if body_stream is not None else b""
                # A short read is not the end (a trickling body); only b"" is.
                more = bool(chunk)
                if not more:
                    state["sent_body"] = True
                return {"type": "http.request", "body": chunk or b"", "more_body": more}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if disconnected.is_set():
                raise OSError("The test client disconnected.")
            events.put(message)

        async def run() -> None:
            try:
                await self.asgi_app(scope, receive, send)
            except BaseException as exc:
                events.put(exc)
                raise
            finally:
                events.put(_END)

        future = self.loop.submit(run())
        first = events.get(timeout=_TIMEOUT)
        if isinstance(first, BaseException):
            _wait_quietly(future)
            raise first
        if first is _END:
            raise RuntimeError("The ASGI app returned without sending a response.")
        if first.get("type") != "http.response.start":
            raise RuntimeError(f"The ASGI app sent {first.get('type')!r} before a response.")
        status = int(first["status"])
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in first.get("headers", ())
        ]
        start_response(f"{status} {_phrase(status)}", headers)
        loop = self.loop.loop
        return _BodyIterator(events, future, lambda: loop.call_soon_threadsafe(disconnected.set))


def _phrase(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "UNKNOWN").upper()


def _wait_quietly(future: t.Any) -> None:
    try:
        future.result(timeout=_TIMEOUT)
    except BaseException:
        pass


class _BodyIterator:
    """The response body as the ASGI app sends it."""

    def __init__(
        self, events: queue.Queue[t.Any], future: t.Any, disconnect: Callable[[], t.Any]
    ) -> None:
        self._events = events
        self._future = future
        self._disconnect = disconnect
        self._done = False

    def __iter__(self) -> _BodyIterator:
        return self

    def __next__(self) -> bytes:
        while not self._done:
            event = self._events.get(timeout=_TIMEOUT)
            if event is _END:
                self._done = True
                break
            if isinstance(event, BaseException):
                self._done = True
                _wait_quietly(self._future)
                raise event
            if event.get("type") != "http.response.body":
                continue
            if not event.get("more_body", False):
                self._done = True
                self._drain()
                body = event.get("body", b"")
                if body:
                    return bytes(body)
                break
            body = event.get("body", b"")
            if body:
                return bytes(body)
        raise StopIteration

    def _drain(self) -> None:
        self._disconnect()
        _wait_quietly(self._future)

    def close(self) -> None:
        if not self._done:
            self._done = True
            self._drain()


class WebSocketTestDenied(Exception):
    """The app closed the websocket before accepting it (``code`` says why)."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"The websocket was refused with code {code}: {reason or '-'}")
        self.code = code
        self.reason = reason


class WebSocketTestSession:
    """A websocket connection to the app, driven synchronously from a test.

    ``with client.websocket("/ws/room") as ws: ws.send("hi"); ws.receive()``.
    ``receive`` returns ``str`` or ``bytes``; when the app closes the
    connection, :meth:`receive` raises :class:`WebSocketTestDenied` with the
    code (also kept in :attr:`close_code`).
    """

    def __init__(
        self,
        bridge: ASGIBridge,
        environ: dict[str, t.Any],
        subprotocols: list[str] | None = None,
    ) -> None:
        self._bridge = bridge
        self._scope = environ_to_scope(environ, "websocket")
        self._scope["subprotocols"] = list(subprotocols or [])
        self._to_app: asyncio.Queue[Message] | None = None
        self._from_app: queue.Queue[t.Any] = queue.Queue()
        self._future: t.Any = None
        #: The subprotocol the app accepted, if any.
        self.accepted_subprotocol: str | None = None
        #: The close code, once the connection is closed.
        self.close_code: int | None = None

    def __enter__(self) -> WebSocketTestSession:
        loop = self._bridge.loop
        ready = threading.Event()

        async def run() -> None:
            self._to_app = asyncio.Queue()
            ready.set()

            inbox = self._to_app

            async def receive() -> Message:
                return await inbox.get()

            async def send(message: Message) -> None:
                self._from_app.put(message)

            try:
                await self._bridge.asgi_app(self._scope, receive, send)
            except BaseException as exc:
                self._from_app.put(exc)
                raise
            finally:
                self._from_app.put(_END)

        self._future = loop.submit(run())
        ready.wait(timeout=_TIMEOUT)
        self._put({"type": "websocket.connect"})
        message = self._next_event()
        if message.get("type") == "websocket.close":
            self.close_code = int(message.get("code", 1000))
            _wait_quietly(self._future)
            raise WebSocketTestDenied(self.close_code, message.get("reason", ""))
        if message.get("type") != "websocket.accept":
            raise RuntimeError(f"Expected websocket.accept, the app sent {message!r}.")
        self.accepted_subprotocol = message.get("subprotocol")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.close_code is None:
            self.close(1000)
        _wait_quietly(self._future)

    def _put(self, message: Message) -> None:
        loop = self._bridge.loop.loop
        queue_ = self._to_app
        if queue_ is None:
            raise RuntimeError("The websocket session is not open.")
        loop.call_soon_threadsafe(queue_.put_nowait, message)

    def _next_event(self) -> Message:
        event = self._from_app.get(timeout=_TIMEOUT)
        if isinstance(event, BaseException):
            raise event
        if event is _END:
            return {"type": "websocket.close", "code": self.close_code or 1006}
        return t.cast(Message, event)

    def send(self, data: str | bytes) -> None:
        """Send a text or binary message to the app."""
        if isinstance(data, str):
            self._put({"type": "websocket.receive", "text": data})
        else:
            self._put({"type": "websocket.receive", "bytes": bytes(data)})

    def send_json(self, obj: t.Any) -> None:
        """Send ``obj`` as JSON text."""
        self.send(_json.dumps(obj))

    def receive(self) -> str | bytes:
        """The app's next message; raises :class:`WebSocketTestDenied` when it closes."""
        message = self._next_event()
        if message.get("type") == "websocket.close":
            self.close_code = int(message.get("code", 1000))
            raise WebSocketTestDenied(self.close_code, message.get("reason", ""))
        text = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"")

    def receive_json(self) -> t.Any:
        """The app's next message, parsed as JSON."""
        return _json.loads(self.receive())

    def close(self, code: int = 1000) -> None:
        """Close the connection from the client side."""
        if self.close_code is None:
            self.close_code = code
            self._put({"type": "websocket.disconnect", "code": code})
