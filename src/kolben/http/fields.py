"""Header-field helpers: hop-by-hop and entity fields, ``Age``, set-valued
fields, byte-range checks and the cross-origin isolation policies.

Layer 1, sans-I/O. These are the small Werkzeug-named helpers that proxies,
caches and extensions written for Werkzeug call; the request and response
classes do not need them.
"""

from __future__ import annotations

import enum
import typing as t
from collections.abc import Callable, Iterable
from datetime import timedelta

from .._grammar import parse_list_header
from ..datastructures.structures import HeaderSet

if t.TYPE_CHECKING:
    from ..datastructures.headers import Headers

__all__ = [
    "COEP",
    "COOP",
    "dump_age",
    "is_byte_range_valid",
    "is_entity_header",
    "is_hop_by_hop_header",
    "parse_age",
    "parse_set_header",
    "remove_entity_headers",
    "remove_hop_by_hop_headers",
]

# The fixed list of RFC 2616 section 13.5.1; RFC 9110 section 7.6.1 keeps
# them connection-specific (a proxy also drops what Connection names).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

# RFC 2616 section 7.1's entity-header fields (RFC 9110 calls them
# representation metadata and content fields). A 304 must not carry most of
# them (RFC 9110 section 15.4.5), which is what remove_entity_headers is for.
_ENTITY = frozenset(
    {
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    }
)


class COEP(enum.Enum):
    """Values of ``Cross-Origin-Embedder-Policy`` (HTML Living Standard, 7.1.4)."""

    UNSAFE_NONE = "unsafe-none"
    REQUIRE_CORP = "require-corp"


class COOP(enum.Enum):
    """Values of ``Cross-Origin-Opener-Policy`` (HTML Living Standard, 7.1.3)."""

    UNSAFE_NONE = "unsafe-none"
    SAME_ORIGIN_ALLOW_POPUPS = "same-origin-allow-popups"
    SAME_ORIGIN = "same-origin"


def is_hop_by_hop_header(header: str) -> bool:
    """Whether ``header`` is a hop-by-hop field (``Connection``, ``Upgrade``...).

    The name is compared without regard to case.
    """
    return header.lower() in _HOP_BY_HOP


def is_entity_header(header: str) -> bool:
    """Whether ``header`` is an entity field (``Content-Type``, ``Expires``...).

    The name is compared without regard to case.
    """
    return header.lower() in _ENTITY


def remove_hop_by_hop_headers(headers: Headers | list[tuple[str, str]]) -> None:
    """Drop every hop-by-hop field from ``headers`` (a list of pairs or a
    :class:`~kolben.datastructures.Headers`), in place."""
    headers[:] = [(key, value) for key, value in headers if not is_hop_by_hop_header(key)]


def remove_entity_headers(
    headers: Headers | list[tuple[str, str]],
    allowed: Iterable[str] = ("expires", "content-location"),
) -> None:
    """Drop the entity fields from ``headers`` in place, except those in ``allowed``.

    ``Expires`` and ``Content-Location`` stay by default: a 304 response
    still sends them (RFC 9110 section 15.4.5).
    """
    keep = {name.lower() for name in allowed}
    headers[:] = [
        (key, value)
        for key, value in headers
        if not is_entity_header(key) or key.lower() in keep
    ]


def parse_set_header(
    value: str | None,
    on_update: Callable[[HeaderSet], None] | None = None,
) -> HeaderSet:
    """Read a comma-separated header (``Vary``, ``Allow``...) into a :class:`HeaderSet`.

    Membership ignores case and the order is kept; ``on_update`` is called
    with the set after each change. A missing or empty value gives an empty set.
    """
    return HeaderSet(parse_list_header(value), on_update)


def parse_age(value: str | None = None) -> timedelta | None:
    """Read an ``Age``-style count of seconds into a :class:`~datetime.timedelta`.

    RFC 9111 section 1.2.2: ``delta-seconds = 1*DIGIT``. Anything else (a
    sign, spaces, a fraction) and values too large for a timedelta give ``None``.
    """
    # The digit check comes first because int() would also take " 5", "+5"
    # and "5_0"; int() itself refuses more than 4300 digits (ValueError).
    if not value or not value.isascii() or not value.isdigit():
        return None
    try:
        return timedelta(seconds=int(value))
    except (OverflowError, ValueError):
        return None


def dump_age(age: timedelta | int | None = None) -> str | None:
    """Format a number of seconds (or a timedelta, truncated to whole
    seconds) for an ``Age``-style header; ``None`` gives ``None``.

    A negative age raises :class:`ValueError`: pass zero or more seconds.
    """
    if age is None:
        return None
    seconds = int(age.total_seconds()) if isinstance(age, timedelta) else int(age)
    if seconds < 0:
        raise ValueError(f"An age cannot be negative (got {seconds}); pass 0 or more seconds.")
    return str(seconds)


def is_byte_range_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    """Whether the byte range ``[start, stop)`` fits a representation of ``length`` bytes.

    ``start`` and ``stop`` are both given or both ``None`` (no range: valid
    when the length is unknown or not negative). With an unknown ``length``
    the range only has to be non-empty and start at zero or later.
    """
    if start is None or stop is None:
        return start is None and stop is None and (length is None or length >= 0)
    if length is None:
        return 0 <= start < stop
    return 0 <= start < stop and start < length
