"""Several byte ranges in one answer: ``multipart/byteranges`` (layer 2).

RFC 9110 section 14.6 lets a client ask for several ranges at once
(``Range: bytes=0-99,500-599``); the answer is a 206 whose body is a
``multipart/byteranges`` document with one part per range. The cost must stay
linear whatever the client asks: the header holds at most
:data:`kolben.http.MAX_RANGES` ranges (more are ignored when parsing), and
overlapping or nearly adjacent ranges are merged (RFC 9110 section 15.3.7.2
allows it), so the body is never larger than the file plus the part headers,
however many times a client repeats ``0-``.
"""

from __future__ import annotations

import secrets
import typing as t
from collections.abc import Iterator

__all__ = ["MultipartByteranges", "satisfiable_ranges"]

#: Ranges closer than this are merged: a gap this small costs less to send
#: than the headers of another part.
COALESCE_GAP = 80

_READ_SIZE = 64 * 1024


def satisfiable_ranges(
    ranges: t.Sequence[tuple[int, int | None]], length: int
) -> list[tuple[int, int]]:
    """Resolve parsed ranges against a body of ``length`` bytes.

    Returns ``(start, stop)`` pairs, stop exclusive: unsatisfiable ranges
    (starting at or past the end, RFC 9110 section 14.1.1) are dropped, the
    rest are cut at the end, and overlapping or nearly adjacent ones are
    merged. The merged ranges keep the order in which their first member was
    asked for (RFC 9110 section 15.3.7.2). An empty list means 416.
    """
    spans: list[tuple[int, int, int]] = []
    for index, (start, stop) in enumerate(ranges):
        if start < 0:
            # A suffix range, the last -start bytes: always satisfiable,
            # even by an empty body (which it then asks for whole).
            spans.append((max(length + start, 0), length, index))
            continue
        if start >= length:
            continue
        spans.append((start, length if stop is None else min(stop, length), index))
    if len(spans) <= 1:
        return [(start, stop) for start, stop, _ in spans]
    spans.sort()
    merged: list[list[int]] = []
    for start, stop, index in spans:
        last = merged[-1] if merged else None
        if last is not None and start <= last[1] + COALESCE_GAP:
            last[1] = max(last[1], stop)
            last[2] = min(last[2], index)
        else:
            merged.append([start, stop, index])
    merged.sort(key=lambda span: span[2])
    return [(start, stop) for start, stop, _ in merged]


class MultipartByteranges:
    """The body of a ``multipart/byteranges`` answer (RFC 9110 section 14.6).

    ``source`` is the response body: ``bytes``, or a file wrapper (an
    iterable over a file, as ``send_file`` makes). A seekable file is read
    range by range, in the order given; any other iterable is read once,
    front to back, with the ranges sent in ascending order. Closing this
    closes ``source``.
    """

    def __init__(
        self,
        source: bytes | t.Any,
        spans: list[tuple[int, int]],
        length: int,
        content_type: str | None,
    ) -> None:
        self.boundary = secrets.token_hex(16)
        self._source = source
        self._file = _seekable_file(source)
        if self._file is None and not isinstance(source, bytes):
            spans = sorted(spans)
        self._spans = spans
        type_line = f"Content-Type: {content_type}\r\n" if content_type else ""
        self._heads = [
            (
                f"--{self.boundary}\r\n{type_line}Content-Range: bytes {start}-{stop - 1}/{length}"
                "\r\n\r\n"
            ).encode("latin-1")
            for start, stop in spans
        ]
        self._tail = f"--{self.boundary}--\r\n".encode("latin-1")

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` of the whole answer, with its boundary."""
        return f"multipart/byteranges; boundary={self.boundary}"

    @property
    def content_length(self) -> int:
        """The exact size of the body, known before it is sent."""
        data = sum(stop - start for start, stop in self._spans)
        return data + sum(len(head) + 2 for head in self._heads) + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        if isinstance(self._source, bytes):
            body = self._source
            for head, (start, stop) in zip(self._heads, self._spans, strict=True):
                yield head + body[start:stop] + b"\r\n"
        elif self._file is not None:
            file = self._file
            for head, (start, stop) in zip(self._heads, self._spans, strict=True):
                yield head
                file.seek(start)
                remaining = stop - start
                while remaining > 0:
                    chunk = file.read(min(_READ_SIZE, remaining))
                    if not chunk:
                        raise OSError("The file ended before the range was sent.")
                    remaining -= len(chunk)
                    yield bytes(chunk)
                yield b"\r\n"
        else:
            yield from self._iter_forward()
        yield self._tail

    def _iter_forward(self) -> Iterator[bytes]:
        # One pass over a body that cannot seek; the spans are ascending.
        position = 0
        spans = iter(zip(self._heads, self._spans, strict=True))
        current = next(spans, None)
        started = False
        for raw in self._source:
            chunk = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
            chunk_start, chunk_end = position, position + len(chunk)
            position = chunk_end
            while current is not None:
                head, (start, stop) = current
                if start >= chunk_end:
                    break
                if not started:
                    yield head
                    started = True
                piece = chunk[max(start - chunk_start, 0) : min(stop, chunk_end) - chunk_start]
                if piece:
                    yield piece
                if stop > chunk_end:
                    break
                yield b"\r\n"
                current = next(spans, None)
                started = False
            if current is None:
                return
        if current is not None:
            raise OSError("The body ended before the range was sent.")

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()


def _seekable_file(source: t.Any) -> t.Any:
    """The seekable file under a file wrapper, or None."""
    for name in ("file", "filelike"):
        file = getattr(source, name, None)
        if file is not None and hasattr(file, "read"):
            seekable = getattr(file, "seekable", None)
            try:
                if seekable is not None and seekable():
                    return file
            except (OSError, ValueError):
                return None
    return None
