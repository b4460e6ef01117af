"""Form bodies: ``application/x-www-form-urlencoded`` and ``multipart/form-data`` (layer 2).

The parsers here are sans-I/O: they are *fed* the body in chunks of bytes and
never read a socket or a stream themselves, so the same code serves the
blocking WSGI path and the ASGI path::

    parser = FormDataParser.for_mimetype(mimetype, options, content_length=n, ...)
    for chunk in body:           # or: async for chunk in body
        parser.feed(chunk)       # 413 / 400 as soon as a limit or the syntax breaks
        if parser.done:
            break
    form, files = parser.close() # 400 when the body was cut short

Every limit is checked while the body streams in, so a body that breaks one
is refused without reading further: ``max_content_length`` (the whole body),
``max_form_memory_size`` (one multipart text field, or a whole urlencoded
body) and ``max_form_parts`` (multipart parts, or urlencoded fields). On any
error the parser cleans up after itself (its temporary files are closed and
so removed) before the exception leaves :meth:`~FormDataParser.feed` or
:meth:`~FormDataParser.close`; :meth:`~FormDataParser.abort` does the same
for a caller that gives up early.

Which calls may block: :meth:`~FormDataParser.feed` of a multipart parser
writes file parts to a :class:`tempfile.SpooledTemporaryFile`, which moves
to disk once it holds more than :data:`SPOOL_THRESHOLD` bytes; from then on
feeding writes to disk. :meth:`~FormDataParser.feed_may_block` tells, before
a chunk is fed, whether that can happen, so that an event loop can hand
exactly those calls to a thread. Urlencoded parsing never touches the disk.
:meth:`~FormDataParser.close` and :meth:`~FormDataParser.abort` only seek or
close files.

Multipart parsing is delegated to the ``multipart`` library's sans-I/O
``PushMultipartParser`` (no hand-written parser here). It was chosen over
``python-multipart`` by measurement (``bench/multipart_choice.py``; numbers
and reasoning in ``docs/decisions/multipart.md``): both stream a 10 MB upload
at several GB/s, ``multipart`` parses a 50-field form three times faster
(109 vs 330 us), both pass the SECURITY.md bad-input list in linear time, and
``multipart`` logs nothing on bad input (``python-multipart`` writes a
warning per malformed body), has its own header and part limits, and its
push API is exactly the ``feed`` shape above.
"""

from __future__ import annotations

import io
import typing as t

from .._grammar import parse_options_header
from .._streams import LimitedStream, parse_content_length
from ..datastructures import FileStorage, ImmutableMultiDict, MultiDict
from ._base import CHUNK_SIZE, SPOOL_THRESHOLD, FormDataParser, StreamFactory
from ._multipart import MultipartParser, default_stream_factory
from ._urlencoded import UrlencodedParser, parse_urlencoded

__all__ = [
    "CHUNK_SIZE",
    "SPOOL_THRESHOLD",
    "FormDataParser",
    "MultipartParser",
    "StreamFactory",
    "UrlencodedParser",
    "default_stream_factory",
    "parse_form_data",
    "parse_urlencoded",
]


def parse_form_data(
    environ: dict[str, t.Any],
    stream_factory: StreamFactory | None = None,
    max_form_memory_size: int | None = 500_000,
    max_content_length: int | None = None,
    cls: type[MultiDict[str, t.Any]] | None = None,
    *,
    max_form_parts: int | None = 1000,
) -> tuple[t.Any, MultiDict[str, str], MultiDict[str, FileStorage]]:
    """Parse the form body of a WSGI ``environ``: ``(stream, form, files)``.

    For middleware and code that has no :class:`~kolben.Request`; views use
    ``request.form`` and ``request.files``. ``stream`` is the body stream,
    left after the form (empty) or untouched when the body is not a form.
    Bad bodies raise 400 or 413 as in a request.
    """
    from_pairs = t.cast(t.Any, cls or ImmutableMultiDict)
    content_type = environ.get("CONTENT_TYPE", "")
    mimetype, options = parse_options_header(content_type)
    length = parse_content_length(environ.get("CONTENT_LENGTH"))
    source = environ.get("wsgi.input")
    if source is None or (length is None and not environ.get("wsgi.input_terminated")):
        length = 0
    parser = FormDataParser.for_mimetype(
        mimetype,
        options,
        content_length=length,
        max_content_length=max_content_length,
        max_form_memory_size=max_form_memory_size,
        max_form_parts=max_form_parts,
        storage_class=from_pairs,
        stream_factory=stream_factory,
    )
    stream = LimitedStream(source if length != 0 else io.BytesIO(), length, max_content_length)
    if parser is None:
        return stream, from_pairs(), from_pairs()
    form, files = parser.parse_stream(stream)
    return stream, form, files
