"""The request body of an ASGI request (layer 3): :class:`ASGIBody`, and
:data:`NO_BODY` for requests that declare none."""

from __future__ import annotations

import asyncio
import tempfile
import typing as t
from collections.abc import AsyncIterator

from .._streams import CHUNK_SIZE
from ..exceptions import ClientDisconnected
from .types import Receive

__all__ = ["NO_BODY", "ASGIBody"]


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
