"""The ASGI 3 side of Kolben (layer 3): scope to environ, the request body,
sending responses, websockets and lifespan messages.

The app's async pipeline (layer 4, ``kolben.dispatch_async``) uses these
pieces; nothing here knows about contexts, hooks or views.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import sys
import tempfile
import typing as t
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, MutableMapping

from ._aio import run_in_thread
from ._streams import CHUNK_SIZE
from .exceptions import ClientDisconnected
from .utils import _FileWrapper
from .wrappers import Response

__all__ = [
    "NO_BODY",
    "ASGIBody",
    "Receive",
    "Scope",
    "Send",
    "WebSocket",
    "WebSocketClosed",
    "WebSocketDisconnect",
    "build_environ",
    "send_response",
]

Scope = MutableMapping[str, t.Any]
Message = MutableMapping[str, t.Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Block size for files sent under ASGI (bigger blocks, fewer thread hops).
FILE_BLOCK_SIZE = 256 * 1024

# PERF: the server's port is the same on every request.
_PORTS: dict[t.Any, str] = {port: str(port) for port in (80, 443, 5000, 8000, 8080, 8443)}

# PERF: header names repeat on every request; each is converted to its
# environ key once (bounded, like the request side's reverse cache).
_HEADER_KEYS: dict[bytes, str] = {
    b"content-type": "CONTENT_TYPE",
    b"content-length": "CONTENT_LENGTH",
}


def _header_key(name: bytes) -> str:
    key = _HEADER_KEYS.get(name)
    if key is None:
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if len(_HEADER_KEYS) < 4096:
            _HEADER_KEYS[name] = key
    return key


def build_environ(scope: Scope, body: t.Any) -> dict[str, t.Any]:
    """A PEP 3333-shaped environ for an HTTP or websocket scope.

    The request object and the router read this one shape under both
    interfaces. Header values keep their bytes as latin-1 text, as PEP 3333
    says; repeated headers are joined with ``,`` (``;`` for Cookie). Two
    Host lines thus give a Host with a comma, which the app answers with
    400 (RFC 9112 section 3.2), as it does when a WSGI server joins them.
    """
    # PERF: the constant keys come from one prepared dict (a C-level copy),
    # and every optional scope key costs one lookup only when present.
    environ = _BASE_ENVIRON.copy()
    get = scope.get
    path: str = get("path") or "/"
    root_path: str | None = get("root_path")
    if root_path:
        # Only a whole leading segment is the mount ("/app" is not a prefix
        # of "/application").
        if path == root_path or path.startswith(root_path + "/"):
            path = path[len(root_path) :]
        if not root_path.isascii():
            root_path = root_path.encode("utf-8").decode("latin-1")
        environ["SCRIPT_NAME"] = root_path
    # ASCII paths (nearly all) need no PEP 3333 re-encoding.
    environ["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
    if scope["type"] == "http":
        environ["REQUEST_METHOD"] = scope["method"]
        scheme = get("scheme")
        if scheme and scheme != "http":
            environ["wsgi.url_scheme"] = scheme
    else:
        environ["wsgi.url_scheme"] = get("scheme") or "ws"
    query = get("query_string")
    if query:
        environ["QUERY_STRING"] = query.decode("latin-1")
    version = get("http_version")
    if version and version != "1.1":
        environ["SERVER_PROTOCOL"] = f"HTTP/{version}"
    environ["wsgi.input"] = body
    environ["asgi.scope"] = scope
    extensions = get("extensions")
    if extensions and "kolben.errors" in extensions:
        environ["wsgi.errors"] = extensions["kolben.errors"]
    server = get("server")
    if server:
        environ["SERVER_NAME"] = server[0]
        port = server[1]
        environ["SERVER_PORT"] = _PORTS.get(port) or ("" if port is None else str(port))
    client = get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    keys = _HEADER_KEYS
    for name, value in scope["headers"]:
        key = keys.get(name) or _header_key(name)
        if key in environ:
            text = value.decode("latin-1")
            existing = environ[key]
            environ[key] = f"{existing}; {text}" if key == "HTTP_COOKIE" else f"{existing},{text}"
        else:
            environ[key] = value.decode("latin-1")
    return environ


def _file_wrapper(file: t.IO[bytes], buffer_size: int = 8192) -> _FileWrapper:
    return _FileWrapper(file, max(buffer_size, FILE_BLOCK_SIZE))


_BASE_ENVIRON: dict[str, t.Any] = {
    "REQUEST_METHOD": "GET",
    "wsgi.url_scheme": "http",
    "SCRIPT_NAME": "",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    "wsgi.input_terminated": True,
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.file_wrapper": _file_wrapper,
    # Lent to the request so blocking body work (parsing a form that is still
    # arriving, spilling uploads to disk) runs off the event loop.
    "kolben.run_in_thread": run_in_thread,
}


class ASGIBody:
    """The request body of an ASGI request, as a file and as an async source.

    Async code reads it with :meth:`aread`/:meth:`aiter`. Sync code reads it
    like a file: in a worker thread each read waits for the server's loop;
    on the loop's own thread only what already arrived can be read (a read
    that would have to wait raises with a hint to use the async API).
    Before a sync view runs, :meth:`receive_all` takes the whole body in on
    the loop (to a temporary file past a memory threshold), so the view's
    thread never waits on a slow client.
    """

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop) -> None:
        self._receive = receive
        self._loop = loop
        self._buffer = bytearray()
        self._more = True
        self.disconnected = False
        # Bytes received ahead and moved to disk (see receive_all): they come
        # before anything in _buffer; _file_pos is how far they were read.
        self._file: t.IO[bytes] | None = None
        self._file_pos = 0
        self._file_size = 0

    @property
    def complete(self) -> bool:
        """Whether the whole body has arrived (or the client left)."""
        return not self._more

    @property
    def in_memory(self) -> int | None:
        """The size of the rest of the body when all of it has arrived and
        sits in memory; ``None`` while more may come or once part of it was
        moved to disk (reading it then waits or blocks)."""
        if self._more or self._file is not None:
            return None
        return len(self._buffer)

    def _available(self) -> int:
        return len(self._buffer) + self._file_size - self._file_pos

    async def _pull(self) -> None:
        message = await self._receive()
        kind = message.get("type")
        if kind == "http.request":
            self._buffer += message.get("body", b"")
            self._more = bool(message.get("more_body", False))
        elif kind == "http.disconnect":
            self._more = False
            self.disconnected = True
        else:  # pragma: no cover - a server bug
            self._more = False

    async def receive_all(self, max_length: int | None, memory_limit: int) -> None:
        """Receive the rest of the body now, on the loop.

        Past ``memory_limit`` bytes the body moves to a temporary file (as
        form uploads do). Receiving stops once more than ``max_length`` bytes
        are in: the reader then answers 413 without the rest. A client that
        leaves sets :attr:`disconnected`.
        """
        while self._more:
            if max_length is not None and self._available() > max_length:
                return
            await self._pull()
            if self._file is not None or len(self._buffer) > memory_limit:
                self._spill()

    def _spill(self) -> None:
        # The writes run on the loop: each is one server message (a few KB to
        # 64 KB) going to the page cache, cheaper than a thread hop, and a
        # thread per write is what this method exists to avoid.
        file = self._file
        if file is None:
            # Closed by close() or once read to the end.
            file = self._file = tempfile.TemporaryFile()  # noqa: SIM115
        file.seek(self._file_size)
        file.write(self._buffer)
        self._file_size += len(self._buffer)
        self._buffer.clear()

    def _take_file(self, size: int) -> bytes:
        file = t.cast(t.IO[bytes], self._file)
        remaining = self._file_size - self._file_pos
        file.seek(self._file_pos)
        data = file.read(remaining if size < 0 or size > remaining else size)
        self._file_pos += len(data)
        if self._file_pos >= self._file_size:
            file.close()
            self._file = None
            self._file_pos = self._file_size = 0
        return data

    def _take(self, size: int) -> bytes:
        if self._file is not None:
            data = self._take_file(size)
            if size < 0 or len(data) < size:
                # The file is used up: the rest comes from the buffer.
                data += self._take_buffer(size - len(data) if size >= 0 else -1)
            if not data and self.disconnected:
                raise ClientDisconnected()
            return data
        return self._take_buffer(size)

    def _take_buffer(self, size: int) -> bytes:
        if size < 0 or size >= len(self._buffer):
            data = bytes(self._buffer)
            self._buffer.clear()
        else:
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
        if not data and self.disconnected:
            raise ClientDisconnected()
        return data

    async def aread(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all when negative); ``b""`` at the end."""
        if size == 0:
            return b""
        while self._more and (size < 0 or self._available() < size):
            await self._pull()
        return self._take(size)

    async def aiter(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """Yield the body in chunks as they arrive."""
        while True:
            if not self._available() and self._more:
                await self._pull()
            if not self._available():
                if self.disconnected:
                    raise ClientDisconnected()
                return
            yield self._take(chunk_size)

    async def preload(self, limit: int) -> bool:
        """Receive up to ``limit`` bytes ahead; True when the body is complete."""
        while self._more and self._available() <= limit:
            await self._pull()
        return not self._more

    def read(self, size: int | None = -1) -> bytes:
        """Read like a file (see the class docstring for threads)."""
        if size is None:
            size = -1
        if size == 0:
            return b""
        if not self._more or (size >= 0 and self._available() >= size):
            return self._take(size)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            raise RuntimeError(
                "The request body has not fully arrived and cannot be read synchronously"
                " inside an async view. Use 'await request.get_data_async()',"
                " 'await request.get_json_async()', 'await request.form_async()' or"
                " 'async for chunk in request.stream_async()' instead."
            )
        future = asyncio.run_coroutine_threadsafe(self.aread(size), self._loop)
        return future.result()

    def readline(self, size: int | None = -1) -> bytes:
        """Read one line (used by form parsers that want lines)."""
        limit = -1 if size is None else size
        if self._file is not None:
            file = self._file
            remaining = self._file_size - self._file_pos
            file.seek(self._file_pos)
            line = file.readline(remaining if limit < 0 or limit > remaining else limit)
            self._file_pos += len(line)
            if self._file_pos < self._file_size or line.endswith(b"\n") or len(line) == limit:
                return line
            self._take_file(0)  # used up: close it
            return line + self.readline(limit - len(line) if limit >= 0 else -1)
        while True:
            index = self._buffer.find(b"\n")
            if index >= 0 and (limit < 0 or index < limit):
                return self.read(index + 1)
            if limit >= 0 and len(self._buffer) >= limit:
                return self.read(limit)
            if not self._more:
                return self.read(-1)
            chunk = self.read(CHUNK_SIZE)
            self._buffer[0:0] = chunk
            if not chunk:
                return b""

    def close(self) -> None:
        """Close the temporary file of a body received ahead, if any.

        What is in memory stays readable: a test that keeps the request
        context (``with client:``) may still read an unread body.
        """
        if self._file is not None:
            self._file.close()
            self._file = None
            self._file_pos = self._file_size = 0


class _NoBody:
    """The body of a GET or HEAD request that declares none.

    PERF: most requests have no body; they skip creating an :class:`ASGIBody`
    (and never call ``receive`` for one).
    """

    __slots__ = ()

    complete = True
    disconnected = False
    in_memory = 0

    def read(self, size: int | None = -1) -> bytes:
        return b""

    def readline(self, size: int | None = -1) -> bytes:
        return b""

    async def aread(self, size: int = -1) -> bytes:
        return b""

    async def preload(self, limit: int) -> bool:
        return True


#: The shared, stateless body of bodiless requests.
NO_BODY = _NoBody()


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return


async def send_response(
    response: Response,
    environ: dict[str, t.Any],
    send: Send,
    receive: Receive,
    body_context: contextvars.Context | None = None,
) -> None:
    """Send ``response`` over ASGI.

    A list body goes in one message; an async iterable is iterated on the
    loop; any other iterable (generators, files) is iterated in a worker
    thread inside ``body_context`` so it never blocks the loop. When the
    client disconnects mid-stream the iterator is closed and sending stops.
    The response is always closed (``call_on_close`` callbacks run).
    """
    headers = response.get_wsgi_headers(environ)
    raw_headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers._list
    ]
    if environ.get("kolben.close_connection"):
        # RFC 9112 section 6.3: after a request framed ambiguously (both
        # Content-Length and Transfer-Encoding), the connection must close.
        raw_headers.append((b"connection", b"close"))
    status = response.status_code
    body = response.response
    no_body = environ.get("REQUEST_METHOD") == "HEAD" or 100 <= status < 200 or status in (204, 304)
    try:
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        if no_body:
            await send({"type": "http.response.body", "body": b""})
            return
        # PERF: the common case: a body already in memory, one message.
        if type(body) is list and not response.direct_passthrough:
            await send({"type": "http.response.body", "body": b"".join(response.iter_encoded())})
            return
        if hasattr(body, "__aiter__"):
            await _send_async_iterable(t.cast(t.Any, body), send, receive)
            return
        await _send_sync_iterable(
            t.cast(Iterable[t.Any], body), send, receive, body_context, response.direct_passthrough
        )
    except OSError:
        # The server could not deliver (client gone); nothing else to do.
        pass
    finally:
        # An async body that was never iterated (HEAD, a failed send) must
        # still be closed, so that a stream_with_context body releases its
        # request and teardown runs.
        aclose = getattr(body, "aclose", None)
        if aclose is not None:
            await aclose()
        if _close_may_block(response):
            await run_in_thread(response.close)
        else:
            response.close()


def _close_may_block(response: Response) -> bool:
    return bool(response._on_close) or hasattr(response.response, "close")


# PERF: one watching task for the whole streamed response, instead of a
# Task and an ``asyncio.wait`` per chunk (issue 15; bench/instructions.py
# case S, 1 MiB in 16 chunks: 1.98M -> 235k instructions per request,
# Starlette 622k).
class _DisconnectWatch:
    """Waits on ``receive`` for ``http.disconnect`` while a response streams.

    While the sender awaits the body's next chunk (:attr:`guarding`), a
    disconnect cancels the sender, so a body that waits long between chunks
    (server-sent events) stops at once; between chunks the sender checks
    :attr:`disconnected`.
    """

    __slots__ = ("cancelled", "disconnected", "guarding", "task", "watcher")

    def __init__(self, receive: Receive) -> None:
        self.disconnected = False
        self.guarding = False
        self.cancelled = False
        self.task = asyncio.current_task()
        self.watcher = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        try:
            while True:
                message = await receive()
                if message.get("type") == "http.disconnect":
                    break
        except Exception:
            pass  # a receive that fails: the client is as good as gone
        self.disconnected = True
        if self.guarding and self.task is not None:
            self.cancelled = self.task.cancel()

    def ours(self) -> bool:
        """Take back the watch's cancellation of the sender, if it made one.

        True when the watch cancelled the sender and nothing else did: a
        cancellation from outside (the server stopping the app) is counted
        on the task too (Python 3.11+) and must go on.
        """
        if not self.cancelled:
            return False
        self.cancelled = False
        uncancel = getattr(self.task, "uncancel", None)
        return uncancel is None or uncancel() == 0


async def _send_async_iterable(
    body: t.AsyncIterable[bytes | str], send: Send, receive: Receive
) -> None:
    iterator = body.__aiter__()
    watch = _DisconnectWatch(receive)
    try:
        while True:
            watch.guarding = True
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            except asyncio.CancelledError:
                if watch.ours():
                    return
                raise
            finally:
                watch.guarding = False
            if watch.disconnected:
                watch.ours()  # a body that swallowed the cancellation
                return
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        watch.watcher.cancel()
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


_DONE = object()


def _next_chunk(iterator: Iterator[t.Any]) -> t.Any:
    return next(iterator, _DONE)


async def _send_sync_iterable(
    body: Iterable[t.Any],
    send: Send,
    receive: Receive,
    context: contextvars.Context | None,
    passthrough: bool,
) -> None:
    iterator = iter(body)
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        while True:
            chunk = await run_in_thread(_next_chunk, iterator, context=context)
            if chunk is _DONE:
                break
            if watcher.done():
                return
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        watcher.cancel()
        close = getattr(iterator, "close", None)
        if close is not None and not passthrough:
            await run_in_thread(close, context=context)


# -- websockets ----------------------------------------------------------------


class WebSocketDisconnect(ClientDisconnected):
    """The client closed the websocket (``code`` is its close code)."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        super().__init__(f"The websocket was closed by the client (code {code}).")
        self.code = code
        self.reason = reason


class WebSocketClosed(RuntimeError):
    """The websocket is closed: nothing more can be sent or received."""


class WebSocket:
    """One websocket connection, as views see it (``kolben.websocket``).

    Messages larger than ``max_message_size`` bytes close the connection
    with code 1009 and raise :class:`WebSocketDisconnect` in the view.
    """

    def __init__(
        self, scope: Scope, receive: Receive, send: Send, max_message_size: int | None = None
    ) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.max_message_size = max_message_size
        self.accepted = False
        self.closed = False
        #: The close code, once the connection is closed.
        self.close_code: int | None = None

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered."""
        return list(self.scope.get("subprotocols") or [])

    async def _wait_for_connect(self) -> None:
        message = await self._receive()
        if message.get("type") == "websocket.disconnect":
            self.closed = True
            self.close_code = int(message.get("code", 1005))
            raise WebSocketDisconnect(self.close_code)

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[str, str]] | None = None
    ) -> None:
        """Accept the connection (done for you on the first send or receive)."""
        if self.accepted:
            return
        if self.closed:
            raise WebSocketClosed("The websocket is closed.")
        await self._wait_for_connect()
        message: Message = {"type": "websocket.accept"}
        if subprotocol is not None:
            message["subprotocol"] = subprotocol
        if headers:
            message["headers"] = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
            ]
        await self._send(message)
        self.accepted = True

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for text frames, ``bytes`` for binary ones."""
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketClosed("The websocket is closed.")
        message = await self._receive()
        kind = message.get("type")
        if kind == "websocket.disconnect":
            self.closed = True
            self.close_code = int(message.get("code", 1005))
            raise WebSocketDisconnect(self.close_code, message.get("reason"))
        text = message.get("text")
        data: str | bytes = text if text is not None else (message.get("bytes") or b"")
        limit = self.max_message_size
        if limit is not None and (
            len(data) > limit or (isinstance(data, str) and len(data.encode("utf-8")) > limit)
        ):
            await self.close(1009, "Message too big")
            raise WebSocketDisconnect(1009, "Message too big")
        return data

    async def receive_json(self) -> t.Any:
        """The next message parsed as JSON (invalid JSON closes with 1007)."""
        data = await self.receive()
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            await self.close(1007, "Invalid JSON")
            raise WebSocketDisconnect(1007, "Invalid JSON") from None

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketClosed("The websocket is closed.")
        if isinstance(data, str):
            await self._send({"type": "websocket.send", "text": data})
        elif isinstance(data, (bytes, bytearray, memoryview)):
            await self._send({"type": "websocket.send", "bytes": bytes(data)})
        else:
            raise TypeError(
                f"websocket.send() takes str or bytes, not {type(data).__name__};"
                " use send_json() for other objects."
            )

    async def send_json(self, obj: t.Any, dumps: Callable[[t.Any], str] = json.dumps) -> None:
        """Send ``obj`` as a JSON text message."""
        await self.send(dumps(obj))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (before accepting: deny it)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        if not self.accepted:
            # Denying: the server still expects us to read the connect event.
            await self._wait_for_connect()
        await self._send({"type": "websocket.close", "code": code, "reason": reason})

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str | bytes]:
        while True:
            try:
                yield await self.receive()
            except WebSocketDisconnect:
                return
