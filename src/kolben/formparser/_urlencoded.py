"""``application/x-www-form-urlencoded`` bodies (layer 2).

WHATWG URL standard, section 5.1 ("application/x-www-form-urlencoded
parsing"), which RFC 3986 section 3.4 leaves to the application.
"""

from __future__ import annotations

import re
import typing as t
from codecs import escape_decode as _escape_decode
from urllib.parse import unquote_to_bytes

from ..datastructures import ImmutableMultiDict, MultiDict
from ..exceptions import RequestEntityTooLarge
from ..urls import _fast_parse_qsl
from ._base import FormDataParser, FormResult

__all__ = ["UrlencodedParser", "parse_urlencoded"]

# An escape that decodes to a form separator ("&" or "=").
_SEPARATOR_ESCAPE = re.compile(rb"%(?:26|3[Dd])").search
#: Single bytes as ints, for ``in`` tests on bytes (see _urlencoded_multidict).
_PLUS, _PERCENT, _BACKSLASH = ord("+"), ord("%"), ord("\\")


class UrlencodedParser(FormDataParser, mimetype="application/x-www-form-urlencoded"):
    """``application/x-www-form-urlencoded`` (WHATWG URL standard, section 5.1).

    ``max_form_memory_size`` caps the whole body and ``max_form_parts`` the
    number of fields. Only ``&`` separates fields (``;`` is data); ``+`` is
    a space; invalid UTF-8 becomes U+FFFD.
    """

    def __init__(self, **limits: t.Any) -> None:
        self._chunks: list[bytes] = []
        self._separators = 0
        super().__init__(**limits)

    @property
    def max_input(self) -> int | None:
        ceiling = self.max_content_length
        limit = self.max_form_memory_size
        if limit is not None and (ceiling is None or limit < ceiling):
            return limit
        return ceiling

    def _too_large_message(self) -> str:
        return "The form data is larger than the configured limit."

    def _feed(self, chunk: bytes) -> None:
        limit = self.max_form_memory_size
        if limit is not None and self.received > limit:
            raise RequestEntityTooLarge(self._too_large_message())
        # Counting separators as the chunks arrive refuses a body with too
        # many fields before any of them is decoded.
        self._separators += chunk.count(b"&")
        parts = self.max_form_parts
        if parts is not None and self._separators >= parts:
            raise RequestEntityTooLarge("The form has more fields than the configured limit.")
        self._chunks.append(chunk)

    def _finish(self) -> FormResult:
        chunks = self._chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._chunks = []
        self.done = True
        return _urlencoded_multidict(self.storage_class, body), self.storage_class()

    def _cleanup(self) -> None:
        self._chunks = []


def parse_urlencoded(
    body: bytes,
    *,
    max_form_memory_size: int | None = 500_000,
    max_form_parts: int | None = 1000,
    storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict,
) -> MultiDict[str, str]:
    """Parse a whole ``application/x-www-form-urlencoded`` body, with the form limits.

    The one-shot form of :class:`UrlencodedParser` for a body already in
    memory: 413 when it is larger than ``max_form_memory_size`` or has
    ``max_form_parts`` or more separators.
    """
    if max_form_memory_size is not None and len(body) > max_form_memory_size:
        raise RequestEntityTooLarge("The form data is larger than the configured limit.")
    if max_form_parts is not None and body.count(b"&") >= max_form_parts:
        raise RequestEntityTooLarge("The form has more fields than the configured limit.")
    return _urlencoded_multidict(storage_class, body)


def _urlencoded_multidict(cls: type[MultiDict[str, t.Any]], body: bytes) -> MultiDict[str, str]:
    """Decode a form body into a new ``cls``, fields in order.

    WHATWG URL standard, "application/x-www-form-urlencoded parsing": only
    ``&`` separates, ``+`` is a space, ``%XX`` escapes are UTF-8 (invalid
    sequences become U+FFFD, malformed escapes stay as written), empty
    pieces are skipped. ``_fast_parse_qsl`` is the reference; a test checks
    that both agree on any input.
    """
    if not body.isascii():
        # Raw non-ASCII bytes (browsers escape them): the general decoder
        # reads them as UTF-8 too.
        pairs = _fast_parse_qsl(body.decode("latin-1"))
        return t.cast("MultiDict[str, str]", t.cast(t.Any, cls)._from_pairs(pairs))
    # PERF: browsers send ASCII; bench case F. "+" becomes a space over the
    # whole body at once. When no escape can produce a separator ("%26" is
    # "&", "%3D" is "="), the escapes of the whole body are decoded at once
    # in C: as "\xNN" escapes by codecs.escape_decode (backslashes doubled
    # first), 3x faster than unquoting field by field. The fields then fill
    # the dict storage directly (no pair list, no generic constructor).
    # PERF: the needles are ints: ``b"+" in body`` first tries the needle as
    # an int on CPython 3.11 and swallows a TypeError (about 1.5k
    # instructions each; bench case F: -3k per form).
    if _PLUS in body:
        body = body.replace(b"+", b" ")
    if _PERCENT not in body:
        text = body.decode("ascii")
    elif _SEPARATOR_ESCAPE(body) is None:
        text = _unescape_ascii(body)
    else:
        # An escaped "&" or "=" is data: split first, then unescape.
        pairs = []
        for piece in body.decode("ascii").split("&"):
            if piece:
                name, _, value = piece.partition("=")
                pairs.append((_unescape_ascii(name.encode()), _unescape_ascii(value.encode())))
        return t.cast("MultiDict[str, str]", t.cast(t.Any, cls)._from_pairs(pairs))
    rv = dict.__new__(cls)
    setdefault = dict.setdefault
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            setdefault(rv, name, []).append(value)
    return t.cast("MultiDict[str, str]", rv)


def _unescape_ascii(data: bytes) -> str:
    """Decode the ``%XX`` escapes of ASCII ``data`` as UTF-8 (U+FFFD when invalid)."""
    escaped = data.replace(b"\\", b"\\\\") if _BACKSLASH in data else data
    try:
        raw = _escape_decode(escaped.replace(b"%", b"\\x"))[0]
    except ValueError:
        # A malformed escape ("%zz", "%4" at the end) stays as written.
        raw = unquote_to_bytes(data)
    return raw.decode("utf-8", "replace")
