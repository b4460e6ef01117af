"""Bounded reading of request bodies (layer 1).

Every body a view can read goes through :class:`LimitedStream`, which never
reads past the declared length and never past the configured maximum: the
"body not read past the limit" rule of SECURITY.md lives here, once.
"""

from __future__ import annotations

import io
import sys
import typing as t

from .exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge

__all__ = [
    "LimitedStream",
    "iter_limited_async",
    "parse_content_length",
    "read_limited",
    "read_limited_async",
]

#: Read size when a body has no declared length (chunked or HTTP/1.0 to EOF).
CHUNK_SIZE = 64 * 1024

#: The most one read asks of the server's stream. A declared length is only
#: the client's claim, and ``read(n)`` on a ``BufferedReader`` (wsgiref's
#: input) allocates ``n`` bytes before reading: a body declared as 2**62
#: bytes would be a MemoryError, a 500. Bodies up to this size still take one
#: read.
MAX_READ = 16 * 1024 * 1024

#: Lengths and offsets of a body are index-sized integers: no body can be
#: longer than ``sys.maxsize`` (2**63 - 1 bytes on 64-bit builds).
MAX_BODY_LENGTH = sys.maxsize
_MAX_LENGTH_DIGITS = len(str(MAX_BODY_LENGTH))


class _LengthOutOfRange(BadRequest):
    description = (
        "The Content-Length header declares a body larger than any this server"
        " can receive."
    )


def parse_content_length(value: object) -> int | None:
    """The ``Content-Length`` value as an int, or None when absent or not a number.

    RFC 9110 section 8.6: ``Content-Length = 1*DIGIT``. Anything else
    (``+6``, ``6_0``, ``5, 5``, non-ASCII digits) is treated as absent, as
    before. A number larger than :data:`MAX_BODY_LENGTH` raises
    :class:`~kolben.exceptions.BadRequest` (400): the section asks recipients
    to guard against integer overflow, and ``int()`` itself refuses strings
    of more than 4,300 digits.
    """
    if value is None:
        return None
    text = value.strip(" \t") if isinstance(value, str) else str(value).strip(" \t")
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) >= _MAX_LENGTH_DIGITS:
        # Leading zeros are allowed by the grammar; only the value counts.
        # 400 rather than 413: 413 says "this body is larger than the server
        # accepts", which invites a retry with a smaller one; a length past
        # sys.maxsize is not the size of any body a client can hold, so the
        # framing of the request (RFC 9112 section 6.3: an invalid
        # Content-Length is a 400) cannot be trusted.
        text = text.lstrip("0") or "0"
        if len(text) > _MAX_LENGTH_DIGITS or int(text) > MAX_BODY_LENGTH:
            raise _LengthOutOfRange()
    return int(text)


def _raise_read_error(exc: Exception) -> t.NoReturn:
    """Raise the answer to an exception from the server's input stream.

    ``OSError`` and ``ValueError`` (a closed socket or file) mean the client
    went away: 400. An exception class of the server's own means it refused
    the body, such as gunicorn's ``InvalidChunkSize`` for a malformed
    chunked body: the request is bad, not the application, so 400 too.
    Built-in and Kolben exceptions are raised unchanged: an HTTP error, or
    the app's own mistake, such as the ``RuntimeError`` of a sync read of an
    ASGI body still arriving inside an async view, whose message says what
    to do instead.
    """
    if isinstance(exc, (OSError, ValueError)):
        raise ClientDisconnected() from exc
    if type(exc).__module__.partition(".")[0] in ("builtins", "kolben"):
        raise exc
    raise BadRequest("The request body is malformed: the server could not read it.") from exc


class LimitedStream(io.RawIOBase):
    """Read at most ``limit`` bytes from ``stream``.

    ``limit`` is the declared Content-Length, or ``None`` when the body runs
    to the end of the stream (chunked transfer, ``wsgi.input_terminated``).
    ``max_length`` is the configured ceiling: crossing it raises
    :class:`~kolben.exceptions.RequestEntityTooLarge` (413) without reading
    further. A stream that ends before the declared length raises
    :class:`~kolben.exceptions.ClientDisconnected` (400).
    """

    def __init__(
        self, stream: t.IO[bytes] | t.Any, limit: int | None, max_length: int | None = None
    ) -> None:
        super().__init__()
        if limit is not None and limit > MAX_BODY_LENGTH:
            raise _LengthOutOfRange()
        if max_length is not None and limit is not None and limit > max_length:
            raise RequestEntityTooLarge()
        self._stream = stream
        self._limit = limit
        self._max = max_length
        self._pos = 0

    @property
    def is_exhausted(self) -> bool:
        """Whether the declared length has been read completely."""
        return self._limit is not None and self._pos >= self._limit

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def _allowed(self, size: int) -> int:
        if self._limit is not None:
            remaining = self._limit - self._pos
            return remaining if size < 0 or size > remaining else size
        if size < 0:
            size = CHUNK_SIZE
        if self._max is not None:
            # With no declared length, one byte past the ceiling is enough to
            # know the body is too large: never ask the server for more.
            size = min(size, self._max - self._pos + 1)
        return size

    def readinto(self, buffer: t.Any) -> int:
        data = self.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def read(self, size: int | None = -1) -> bytes:
        if size is None:
            size = -1
        if size < 0:
            # read() means "the whole body": a short body is a disconnect.
            return self.readall()
        want = self._allowed(size)
        if want <= 0:
            return b""
        try:
            data = self._stream.read(want)
        except Exception as exc:
            _raise_read_error(exc)
        if data is None:
            data = b""
        self._pos += len(data)
        if self._limit is not None and len(data) < want and len(data) == 0:
            raise ClientDisconnected()
        if self._max is not None and self._pos > self._max:
            raise RequestEntityTooLarge()
        return bytes(data)

    def _read_to_end(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            chunk = self.read(CHUNK_SIZE)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def readall(self) -> bytes:
        if self._limit is None:
            return self._read_to_end()
        chunks: list[bytes] = []
        while not self.is_exhausted:
            chunks.append(self.read(min(self._limit - self._pos, MAX_READ)))
        return b"".join(chunks)

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = CHUNK_SIZE if self._limit is None else self._limit - self._pos
        want = self._allowed(size)
        if want <= 0:
            return b""
        try:
            line = self._stream.readline(want)
        except Exception as exc:
            _raise_read_error(exc)
        if not line and self._limit is not None:
            raise ClientDisconnected()
        self._pos += len(line)
        if self._max is not None and self._pos > self._max:
            raise RequestEntityTooLarge()
        return bytes(line)

    def exhaust(self) -> None:
        """Read and discard what is left of a declared-length body."""
        while not self.is_exhausted and self._limit is not None:
            if not self.read(min(CHUNK_SIZE, self._limit - self._pos)):
                break


def read_limited(stream: t.IO[bytes] | t.Any, limit: int | None, max_length: int | None) -> bytes:
    """Read a whole body, honouring both the declared and the configured limit."""
    return LimitedStream(stream, limit, max_length).readall()


async def iter_limited_async(
    source: t.Any, limit: int | None, max_length: int | None, chunk_size: int = CHUNK_SIZE
) -> t.AsyncIterator[bytes]:
    """Yield a body from an async ``source`` (with ``aread(n)``), bounded.

    The async twin of :class:`LimitedStream`: never more than the declared
    ``limit``; crossing ``max_length`` raises 413 before more is read; a
    body shorter than its declared length raises ``ClientDisconnected``.
    """
    if limit is not None and limit > MAX_BODY_LENGTH:
        raise _LengthOutOfRange()
    if max_length is not None and limit is not None and limit > max_length:
        raise RequestEntityTooLarge()
    received = 0
    while True:
        want = chunk_size
        if limit is not None:
            want = min(want, limit - received)
            if want <= 0:
                return
        elif max_length is not None:
            want = min(want, max_length - received + 1)
        chunk = await source.aread(want)
        if not chunk:
            if limit is not None and received < limit:
                raise ClientDisconnected()
            return
        received += len(chunk)
        if max_length is not None and received > max_length:
            raise RequestEntityTooLarge()
        yield chunk


async def read_limited_async(source: t.Any, limit: int | None, max_length: int | None) -> bytes:
    """Await a whole body from an async ``source``, bounded as above."""
    chunks = [chunk async for chunk in iter_limited_async(source, limit, max_length)]
    return b"".join(chunks)
