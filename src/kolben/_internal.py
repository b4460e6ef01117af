"""Small private helpers shared by every layer (layer 0: imports nothing of Kolben)."""

from __future__ import annotations

import typing as t

__all__ = [
    "MISSING",
    "escape_html",
    "to_bytes",
    "to_str",
    "wsgi_decoding_dance",
    "wsgi_encoding_dance",
]


class _Missing:
    """Sentinel for "no value given" where ``None`` is a valid value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: t.Any = _Missing()


def to_bytes(value: str | bytes, encoding: str = "utf-8") -> bytes:
    """Return ``value`` as bytes, encoding text with ``encoding``."""
    if isinstance(value, bytes):
        return value
    return value.encode(encoding)


def to_str(value: str | bytes, encoding: str = "utf-8", errors: str = "replace") -> str:
    """Return ``value`` as text, decoding bytes with ``encoding``."""
    if isinstance(value, str):
        return value
    return value.decode(encoding, errors)


def wsgi_decoding_dance(value: str) -> str:
    """Turn a PEP 3333 "bytes as latin-1" string back into real UTF-8 text.

    Invalid UTF-8 becomes U+FFFD instead of raising, so bad client input can
    never turn into a 500.
    """
    # PERF: most paths are ASCII; skip the encode/decode round trip for them.
    if value.isascii():
        return value
    return value.encode("latin-1").decode("utf-8", "replace")


def wsgi_encoding_dance(value: str) -> str:
    """Turn real text into the PEP 3333 "bytes as latin-1" form."""
    if value.isascii():
        return value
    return value.encode("utf-8").decode("latin-1")


def escape_html(text: str, quote: bool = True) -> str:
    """``text`` with ``&``, ``<``, ``>`` (and, with ``quote``, ``"`` and ``'``)
    written as character references, the same ones :func:`html.escape` uses.

    PERF: the :mod:`html` module would cost ``import kolben`` about 8M
    instructions (bench/instructions.py --imports), nearly all of it its
    table of named character references, which escaping never reads.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;").replace("'", "&#x27;")
    return text
