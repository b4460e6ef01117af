"""``multipart/form-data`` bodies (RFC 7578), parsed by the ``multipart`` library (layer 2).

Why this library: ``docs/decisions/multipart.md``.
"""

from __future__ import annotations

import functools
import importlib
import io
import re
import tempfile
import typing as t
from collections.abc import Mapping
from math import inf
from types import ModuleType

from .._grammar import parse_options_header
from ..datastructures import FileStorage, Headers
from ..exceptions import BadRequest, RequestEntityTooLarge
from ._base import SPOOL_THRESHOLD, FormDataParser, FormResult, StreamFactory

__all__ = ["MultipartParser", "default_stream_factory"]

# RFC 2046 section 5.1.1:
#   boundary := 0*69<bchars> bcharsnospace
#   bchars := bcharsnospace / " "
#   bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-"
#                    / "." / "/" / ":" / "=" / "?"
_BOUNDARY_RE = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")



@functools.cache
def _library() -> ModuleType:
    """The ``multipart`` library, imported by the first multipart parser.

    PERF: importing it (with the modules it imports) costs ``import kolben``
    about 6.6M instructions (bench/instructions.py --imports) that an app
    which never receives an upload need not pay; after the first call this
    is one cached call per parser, not per chunk.
    """
    return importlib.import_module("multipart")


#: What the library's ``_state`` holds once the closing boundary has been
#: read, on versions that have it; a fresh object (never the state) otherwise.
_NO_STATE = object()

# RFC 7578 section 4.4: a text part may name its charset in its own
# Content-Type. Only these are honoured, as in Werkzeug 3.1: a client's
# charset parameter must not pick an arbitrary codec (Python has codecs that
# are not text encodings at all, and some are slow or lossy). Anything else,
# or no charset, is UTF-8; bytes that do not decode become U+FFFD. The
# ``_charset_`` field of RFC 7578 section 4.6 is not used (Werkzeug ignores
# it too): browsers send UTF-8 forms for UTF-8 pages.
_PART_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})


def _received_headers(pairs: list[tuple[str, str]]) -> Headers:
    """A part's headers as the client sent them.

    :class:`Headers` refuses what a response could not send; a part header
    may hold any decoded text (a UTF-8 file name), and refusing it would
    turn the request into a 500. CR and LF are refused and NUL is replaced
    before this.
    """
    headers = Headers()
    headers._list = pairs
    return headers


def _part_charset(headers: Headers) -> str:
    """The codec for a text part's bytes: its honoured charset, else UTF-8."""
    content_type = headers.get("Content-Type")
    if content_type:
        charset = parse_options_header(content_type)[1].get("charset", "").lower()
        if charset in _PART_CHARSETS:
            return charset
    return "utf-8"


def default_stream_factory(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> t.IO[bytes]:
    """Where an uploaded file goes: memory up to :data:`SPOOL_THRESHOLD`, then disk.

    A body declared no larger than the threshold can only hold small files:
    they stay in a :class:`~io.BytesIO`. Otherwise the file is a
    :class:`tempfile.SpooledTemporaryFile`, which moves to disk when it
    outgrows the threshold; the temporary file has no name on disk that
    outlives it, so closing it removes it.
    """
    if total_content_length is not None and total_content_length <= SPOOL_THRESHOLD:
        return io.BytesIO()
    return t.cast(t.IO[bytes], tempfile.SpooledTemporaryFile(max_size=SPOOL_THRESHOLD))


class _Part:
    """The part being received: a text field (bytes in memory) or a file."""

    __slots__ = ("field", "file", "filename", "headers", "name", "size")

    def __init__(self, name: str, filename: str | None, headers: Headers) -> None:
        self.name = name
        self.filename = filename
        self.headers = headers
        self.field: list[bytes] | None = None
        self.file: t.IO[bytes] | None = None
        self.size = 0


class MultipartParser(FormDataParser, mimetype="multipart/form-data"):
    """``multipart/form-data`` (RFC 7578) through ``multipart.PushMultipartParser``.

    Text fields are collected in memory, each capped at
    ``max_form_memory_size``; file parts (those with a ``filename``) go to
    ``stream_factory`` (:func:`default_stream_factory`: memory, then a
    temporary file). ``max_form_parts`` caps fields and files together.

    Part headers are capped too: :attr:`max_part_header_size` bytes per
    header line and :attr:`max_part_headers` headers per part. A
    ``filename*`` parameter (RFC 8187) is only read when there is no plain
    ``filename``: RFC 7578 section 4.2 forbids it, and letting it override
    ``filename`` would let a client show one name to a filter and hand
    another to the app.
    """

    #: Longest accepted part header line, name and value (bytes).
    max_part_header_size = 8192
    #: Most headers in one part (RFC 7578 needs at most three).
    max_part_headers = 8

    def __init__(
        self, boundary: str, *, stream_factory: StreamFactory | None = None, **limits: t.Any
    ) -> None:
        super().__init__(**limits)
        if not boundary or _BOUNDARY_RE.fullmatch(boundary) is None:
            raise BadRequest("The multipart/form-data boundary is missing or invalid.")
        parts = self.max_form_parts
        library = _library()
        self._segment_type = library.MultipartSegment
        self._complete = getattr(library, "_COMPLETE", _NO_STATE)
        self._parser = library.PushMultipartParser(
            boundary.encode("ascii"),
            max_header_size=self.max_part_header_size,
            max_header_count=self.max_part_headers,
            max_segment_count=inf if parts is None else parts,
        )
        self._stream_factory = stream_factory or default_stream_factory
        self._part: _Part | None = None
        self._fields: list[tuple[str, str]] = []
        self._files: list[tuple[str, FileStorage]] = []
        self._streams: list[t.IO[bytes]] = []

    @classmethod
    def _from_options(
        cls, options: Mapping[str, str], stream_factory: StreamFactory | None, **limits: t.Any
    ) -> FormDataParser:
        return cls(options.get("boundary", ""), stream_factory=stream_factory, **limits)

    def feed_may_block(self, size: int) -> bool:
        # A chunk may finish the current part and start new ones; a new file
        # part holds at most ``size`` bytes of this chunk, the current one
        # its size so far plus ``size``. Either can only reach the disk by
        # going over the spool threshold.
        if self._stream_factory is not default_stream_factory:
            return True  # an app's own storage: assume the worst
        part = self._part
        current = part.size if part is not None and part.file is not None else 0
        return current + size > SPOOL_THRESHOLD

    def _feed(self, chunk: bytes) -> None:
        segment_type = self._segment_type
        try:
            for event in self._parser.parse(chunk):
                if event is None:
                    self._end_part()
                elif isinstance(event, segment_type):
                    self._start_part(event)
                else:
                    self._part_data(event)
        except _library().ParserLimitReached as exc:
            raise RequestEntityTooLarge(f"The multipart body is too large: {exc}.") from exc
        except _library().MultipartError as exc:
            raise BadRequest(f"The multipart body is malformed: {exc}.") from exc
        # The library marks the end of the closing boundary only in its
        # state (its ``closed`` waits for close()); reading it lets the
        # caller stop before an epilogue. tests/test_formparser.py guards
        # this against library changes.
        if self._parser.closed or getattr(self._parser, "_state", None) is self._complete:
            self.done = True

    def _start_part(self, segment: t.Any) -> None:
        # RFC 9110 section 5.5: a recipient rejects CR, LF or NUL in a field
        # value, or replaces them with SP. A CR or LF here can only be a broken
        # line break: 400. A NUL becomes SP, which keeps the upload (and its
        # hostile file name, for secure_filename to clean).
        pairs = []
        for header, value in segment.headerlist:
            if "\r" in value or "\n" in value:
                raise BadRequest("A multipart part header holds a stray CR or LF.")
            pairs.append((header, value.replace("\x00", " ")))
        name = (segment.name or "").replace("\x00", " ")
        filename: str | None = segment.filename
        if filename is None:
            for header, value in pairs:
                if header == "Content-Disposition" and "filename*" in value.lower():
                    filename = parse_options_header(value)[1].get("filename")
                    break
        elif "\x00" in filename:
            filename = filename.replace("\x00", " ")
        part = _Part(name, filename, _received_headers(pairs))
        if filename is None:
            part.field = []
        else:
            content_type = segment.content_type
            length = part.headers.get("Content-Length", type=int)
            stream = self._stream_factory(self.content_length, content_type, filename, length)
            self._streams.append(stream)
            part.file = stream
        self._part = part

    def _part_data(self, data: bytes) -> None:
        part = t.cast(_Part, self._part)
        part.size += len(data)
        if part.field is not None:
            limit = self.max_form_memory_size
            if limit is not None and part.size > limit:
                raise RequestEntityTooLarge(
                    f"The form field {part.name!r} is larger than the configured limit."
                )
            part.field.append(data)
        else:
            t.cast(t.IO[bytes], part.file).write(data)

    def _end_part(self) -> None:
        part = t.cast(_Part, self._part)
        self._part = None
        if part.field is not None:
            value = b"".join(part.field).decode(_part_charset(part.headers), "replace")
            self._fields.append((part.name, value))
            return
        stream = t.cast(t.IO[bytes], part.file)
        stream.seek(0)
        self._files.append(
            (part.name, FileStorage(stream, part.filename or "", part.name, headers=part.headers))
        )

    def _finish(self) -> FormResult:
        cls = t.cast(t.Any, self.storage_class)
        if self.received == 0:
            # No body at all (a form with nothing in it, or a bodiless
            # request that names the type): no fields, not a syntax error.
            self._parser.close(check_complete=False)
            self.done = True
            return cls(), cls()
        try:
            self._parser.close()
        except _library().MultipartError as exc:
            raise BadRequest("The multipart body ended before its closing boundary.") from exc
        self.done = True
        return cls._from_pairs(self._fields), cls._from_pairs(self._files)

    def _cleanup(self) -> None:
        self._parser.close(check_complete=False)
        for stream in self._streams:
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        self._streams = []
        self._files = []
        self._fields = []
        self._part = None
