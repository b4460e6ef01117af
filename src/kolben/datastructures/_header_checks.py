"""The checks every header name and value passes on its way into
:class:`~kolben.datastructures.Headers` (layer 1).

A response header is refused when it could split the response (CR, LF, NUL)
or when no server could send it (a character past Latin-1): the error then
names the line that set it, instead of a server failing after the view.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Mapping
from urllib.parse import quote as _pct_quote

from .._grammar import quote_header_value

_Pair = tuple[str, str]

# RFC 9110 section 5.1: field-name = token. We refuse what could break the
# framing of the header block: nothing, controls, whitespace and the colon.
_BAD_NAME_RE = re.compile(r"[\s\x00-\x1f\x7f:]")

# PERF: the same few names are set on nearly every response. A name that has
# passed the regex once is remembered, so checking it again is one set lookup
# (about five times cheaper). The cache is bounded, so a stream of distinct
# names cannot grow it without limit.
_CHECKED_NAMES: set[str] = {
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Length",
    "Content-Range",
    "Content-Security-Policy",
    "Content-Type",
    "Date",
    "ETag",
    "Expires",
    "Last-Modified",
    "Location",
    "Set-Cookie",
    "Vary",
    "WWW-Authenticate",
}
_MAX_CHECKED_NAMES = 1024

# RFC 8187 section 3.2.1: attr-char, the characters an extended value keeps.
_ATTR_CHAR_SAFE = "!#$&+^`|"


def _to_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def _beyond_latin1(text: str) -> int:
    """The index of the first character past U+00FF in ``text``, or -1."""
    # PERF: isascii() is O(1) on str (CPython keeps the flag), so the common
    # ASCII value costs one call; only non-ASCII text is scanned.
    if text.isascii() or max(text) <= "\xff":
        return -1
    return next(i for i, char in enumerate(text) if char > "\xff")


def _check_name(name: t.Any) -> str:
    """Return ``name`` as text, or raise :class:`ValueError` if it is not a safe header name."""
    if name in _CHECKED_NAMES:
        return t.cast(str, name)
    text = _to_text(name)
    if _beyond_latin1(text) >= 0:
        raise ValueError(
            f"Invalid header name {text!r}: header names are ASCII tokens"
            " (RFC 9110 section 5.1); put the text in a header value instead."
        )
    if not text or _BAD_NAME_RE.search(text) is not None:
        raise ValueError(
            f"Invalid header name {text!r}: header names must be non-empty and must"
            " not contain CR, LF, NUL, other control characters, whitespace or ':'."
        )
    if len(_CHECKED_NAMES) < _MAX_CHECKED_NAMES:
        _CHECKED_NAMES.add(text)
    return text


def _check_value(value: t.Any, name: str) -> str:
    """Return ``value`` as text, or raise :class:`ValueError` if it cannot be sent.

    CR, LF and NUL could split the header. Characters past U+00FF cannot be
    sent at all (PEP 3333 and ASGI carry values as Latin-1 bytes): the
    server would refuse them after the view, a 500; refused here, the error
    names the line that set them.
    """
    text = value if value.__class__ is str else _to_text(value)
    # PERF: three substring scans run in C and beat a regex search (about 3x)
    # on the short values headers carry. RFC 9110 section 5.5: CR, LF and NUL
    # are never valid in a field value.
    if "\n" in text or "\r" in text or "\0" in text:
        raise ValueError("Header values must not contain CR, LF or NUL characters.")
    # PERF: isascii() is O(1) on str; only non-ASCII text is scanned.
    if text.isascii():
        return text
    index = _beyond_latin1(text)
    # Location may hold an IRI: the response sends it as a URI (iri_to_uri),
    # as in Werkzeug.
    if index < 0 or name.lower() == "location":
        return text
    char = text[index]
    raise ValueError(
        f"The value of the {name!r} header holds {char!r} (U+{ord(char):04X}) at"
        f" index {index}: header values must be Latin-1 (RFC 9110 section 5.5;"
        " servers refuse anything else). Percent-encode the text"
        " (urllib.parse.quote), or for a file name in Content-Disposition pass it"
        " as a parameter, which uses the RFC 8187 form:"
        " headers.set('Content-Disposition', 'attachment', filename=name) writes"
        " filename*=UTF-8''..."
    )


def _check_pair(name: t.Any, value: t.Any) -> _Pair:
    text = _check_name(name)
    return text, _check_value(value, text)


def _with_params(value: t.Any, params: Mapping[str, t.Any]) -> t.Any:
    """Append ``; key=value`` parameters (``add("X", "v", filename="a.txt")``).

    Underscores in keys become dashes; ``None`` and ``False`` skip the
    parameter, ``True`` writes the bare key; values that are not tokens are
    quoted, and non-ASCII values use the RFC 8187 ``key*=UTF-8''...`` form.
    """
    if not params:
        return value
    parts = [_to_text(value)]
    for key, param in params.items():
        if param is None or param is False:
            continue
        name = key.replace("_", "-")
        if param is True:
            parts.append(name)
            continue
        text = _to_text(param)
        if text.isascii():
            parts.append(f"{name}={quote_header_value(text)}")
        else:
            parts.append(f"{name}*=UTF-8''{_pct_quote(text, safe=_ATTR_CHAR_SAFE)}")
    return "; ".join(parts)
