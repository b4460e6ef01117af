"""The parts a :class:`~kolben.wrappers.Response` is sent with (layer 2).

The iterables handed to a WSGI server (they call the response's ``close``
when the server closes them) and the checks behind the shortcuts of
``Response.__init__`` and ``Response.__call__`` (PERF, issue 15).
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable, Iterator

from .._status import HTTP_STATUS_CODES, status_line

# Header names (as Kolben and most code spell them) that are neither
# Location nor Content-Length: get_wsgi_headers leaves them as they are.
_SENT_AS_IS = frozenset(
    {
        "Accept-Ranges",
        "Access-Control-Allow-Origin",
        "Allow",
        "Cache-Control",
        "Content-Disposition",
        "Content-Encoding",
        "Content-Language",
        "Content-Range",
        "Content-Security-Policy",
        "Content-Type",
        "Date",
        "ETag",
        "Expires",
        "Last-Modified",
        "Referrer-Policy",
        "Set-Cookie",
        "Strict-Transport-Security",
        "Vary",
        "WWW-Authenticate",
        "X-Content-Type-Options",
        "X-Frame-Options",
    }
)

# PERF: the ASGI form (lowercase bytes) of every name a response passing
# _sent_as_is may carry: kolben.asgi.send builds the header list of such a
# response with one dict lookup per name instead of lower() and encode().
_ASGI_NAMES = {name: name.lower().encode("latin-1") for name in (*_SENT_AS_IS, "Content-Length")}

# PERF: the constructor's shortcut reads the status line here, without the
# call to status_line (which answers the same for these codes).
_STATUS_LINES = {code: status_line(code) for code in HTTP_STATUS_CODES}
_new_object = object.__new__


class _ClosingIterator:
    """Iterate a body and call ``close`` once when the server closes it."""

    __slots__ = ("_close", "_iter")

    def __init__(self, iterable: Iterator[bytes], close: Callable[[], None]) -> None:
        self._iter = iterable
        self._close = close

    def __iter__(self) -> _ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return next(self._iter)

    def close(self) -> None:
        self._close()


def _sent_as_is(status: int, pairs: list[tuple[str, str]]) -> bool:
    """Whether :meth:`Response.get_wsgi_headers` would leave ``pairs`` unchanged.

    PERF: most responses have a status with a body, a Content-Length and
    otherwise only names that are neither Location nor Content-Length
    (_SENT_AS_IS): one pass of set lookups proves it. False means only
    "take the general path".
    """
    if status < 200 or status == 204 or status == 304:
        return False
    has_length = False
    for name, _value in pairs:
        if name == "Content-Length":
            has_length = True
        elif name not in _SENT_AS_IS:
            return False
    return has_length


class _ClosingChunks:
    """A list of chunks for the server, calling ``close`` once it is closed."""

    __slots__ = ("_chunks", "_close")

    def __init__(self, chunks: list[bytes], close: Callable[[], None]) -> None:
        self._chunks = chunks
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        self._close()


def _encode_chunks(body: Iterable[bytes] | Iterable[str]) -> Iterator[bytes]:
    for item in body:
        if isinstance(item, str):
            yield item.encode("utf-8")
        else:
            yield item


def _chain_close(first: list[t.Any], rest: Iterator[t.Any], original: t.Any) -> Iterator[t.Any]:
    try:
        yield from first
        yield from rest
    finally:
        close = getattr(original, "close", None)
        if close is not None:
            close()
