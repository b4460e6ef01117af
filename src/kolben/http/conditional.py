"""Entity tags, ranges and conditional requests (RFC 9110 sections 8.8, 13 and 14)."""

from __future__ import annotations

import hashlib
import re
import typing as t
from datetime import datetime, timezone

from .._grammar import is_token, parse_date
from .._internal import MISSING
from ..datastructures.etag import ETags, IfRange
from ..datastructures.range import ContentRange, Range

__all__ = [
    "MAX_RANGES",
    "generate_etag",
    "is_resource_modified",
    "parse_content_range_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_range_header",
    "quote_etag",
    "unquote_etag",
]

#: The most ranges one ``Range`` header may ask for. Clients have no need for
#: more (RFC 9110 section 14.2 lets a server ignore or reject "many small
#: ranges"), and a cap keeps a hostile header of thousands of overlapping
#: ranges from costing more than one linear scan: beyond it the header is
#: ignored (``parse_range_header`` returns ``None``), so the full body is sent.
MAX_RANGES = 100

# Positions longer than this are not read as numbers: far beyond any real body
# size, and it keeps int() away from its 4300-digit limit.
_MAX_DIGITS = 30

_SEPARATORS_RE = re.compile(r"[\s,]*")


def _digits(value: str) -> int | None:
    value = value.strip()
    if not value or len(value) > _MAX_DIGITS or not value.isascii() or not value.isdigit():
        return None
    return int(value)


# -- entity tags ----------------------------------------------------------------


def quote_etag(etag: str, weak: bool = False) -> str:
    """Quote ``etag`` for a header: ``"abc"``, or ``W/"abc"`` when ``weak``.

    Raises ``ValueError`` when the tag contains a double quote, which no
    entity tag may (RFC 9110 section 8.8.3).
    """
    if '"' in etag:
        raise ValueError(f"an entity tag cannot contain '\"': {etag!r}")
    return f'W/"{etag}"' if weak else f'"{etag}"'


@t.overload
def unquote_etag(etag: str) -> tuple[str, bool]: ...
@t.overload
def unquote_etag(etag: None) -> tuple[None, None]: ...
def unquote_etag(etag: str | None) -> tuple[str, bool] | tuple[None, None]:
    """Split a quoted tag into ``(tag, weak)``: ``'W/"abc"'`` gives ``("abc", True)``.

    An unquoted tag is returned as is; ``None`` gives ``(None, None)``.
    """
    if etag is None:
        return None, None
    etag = etag.strip()
    weak = etag[:2] in {"W/", "w/"}
    if weak:
        etag = etag[2:]
    if len(etag) >= 2 and etag[0] == etag[-1] == '"':
        etag = etag[1:-1]
    return etag, weak


def generate_etag(data: bytes) -> str:
    """Return a strong entity tag for ``data``: the hex SHA-1 of the bytes (unquoted)."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def parse_etags(value: str | None) -> ETags:
    """Parse ``If-Match`` / ``If-None-Match`` into :class:`ETags`.

    ``*`` anywhere gives the wildcard. Tags without quotes are accepted (up to
    the next comma); an unterminated quote runs to the end; anything between
    a closing quote and the next comma is ignored. Never raises.
    """
    # RFC 9110 section 13.1.1 / 13.1.2: If-Match = "*" / #entity-tag
    # section 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
    if not value:
        return ETags()
    strong: list[str] = []
    weak: list[str] = []
    pos = 0
    end = len(value)
    while True:
        match = _SEPARATORS_RE.match(value, pos)
        pos = match.end() if match else pos
        if pos >= end:
            break
        is_weak = value.startswith(("W/", "w/"), pos)
        if is_weak:
            pos += 2
        if value.startswith('"', pos):
            close = value.find('"', pos + 1)
            if close < 0:
                tag, pos = value[pos + 1 :], end
            else:
                tag, pos = value[pos + 1 : close], close + 1
        else:
            comma = value.find(",", pos)
            stop = end if comma < 0 else comma
            tag, pos = value[pos:stop].strip(), stop
            if tag == "*" and not is_weak:
                return ETags(star_tag=True)
        (weak if is_weak else strong).append(tag)
        comma = value.find(",", pos)
        if comma < 0:
            break
        pos = comma + 1
    return ETags(strong, weak)


def parse_if_range_header(value: str | None) -> IfRange:
    """Parse ``If-Range`` into an :class:`IfRange` (empty when missing or unreadable)."""
    # RFC 9110 section 13.1.5: If-Range = entity-tag / HTTP-date
    if not value:
        return IfRange()
    value = value.strip()
    if value[:1] == '"' or value[:2] in {"W/", "w/"}:
        tag, weak = unquote_etag(value)
        return IfRange(tag, weak=weak)
    date = parse_date(value)
    if date is not None:
        return IfRange(date=date)
    return IfRange(value) if value else IfRange()


# -- ranges -------------------------------------------------------------------------


def parse_range_header(value: str | None, make_inclusive: bool = True) -> Range | None:
    """Parse a ``Range`` header such as ``bytes=0-499, -500, 9500-``.

    Each range becomes ``(start, stop)``: ``0-499`` is ``(0, 500)`` (with
    ``make_inclusive=False`` the last position is kept as sent: ``(0, 499)``),
    a suffix ``-500`` is ``(-500, None)`` and ``9500-`` is ``(9500, None)``.
    Any malformed range (no dash, a non-number, a last position before the
    first, a zero-length suffix) makes the whole header invalid: ``None``.
    Overlapping or unordered ranges are kept as sent. More than
    :data:`MAX_RANGES` ranges also give ``None``: the cost of a hostile
    header is one linear scan.
    """
    # RFC 9110 section 14.1.2:
    #   ranges-specifier = range-unit "=" range-set
    #   range-set        = 1#range-spec
    #   range-spec       = int-range / suffix-range / other-range
    #   int-range        = first-pos "-" [ last-pos ]
    #   suffix-range     = "-" suffix-length
    if not value:
        return None
    units, eq, spec = value.partition("=")
    units = units.strip().lower()
    if not eq or not is_token(units):
        return None
    # PERF: counting commas is one C-speed pass and refuses a huge header
    # before any range is parsed.
    if spec.count(",") >= MAX_RANGES * 2:
        return None
    ranges: list[tuple[int, int | None]] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue  # RFC 9110 section 5.6.1: empty list elements are allowed
        first, dash, last = item.partition("-")
        if not dash:
            return None
        if not first.strip():
            length = _digits(last)
            if not length:
                return None
            ranges.append((-length, None))
            continue
        start = _digits(first)
        if start is None:
            return None
        if not last.strip():
            ranges.append((start, None))
            continue
        stop = _digits(last)
        if stop is None or stop < start:
            return None
        ranges.append((start, stop + 1 if make_inclusive else stop))
        if len(ranges) > MAX_RANGES:
            return None
    if not ranges or len(ranges) > MAX_RANGES:
        return None
    return Range(units, ranges)


def parse_content_range_header(
    value: str | None, on_update: t.Callable[[ContentRange], None] | None = None
) -> ContentRange | None:
    """Parse ``Content-Range`` (``bytes 0-499/1234``, ``bytes */1234``); ``None`` if invalid.

    The range must fit the complete length when that is known.
    """
    # RFC 9110 section 14.4:
    #   Content-Range     = range-unit SP ( range-resp / unsatisfied-range )
    #   range-resp        = incl-range "/" ( complete-length / "*" )
    #   unsatisfied-range = "*/" complete-length
    if not value:
        return None
    units, _, rest = value.strip().partition(" ")
    units = units.lower()
    if not is_token(units):
        return None
    spec, slash, total = rest.strip().rpartition("/")
    if not slash:
        return None
    length: int | None = None
    if total.strip() != "*":
        length = _digits(total)
        if length is None:
            return None
    if spec.strip() == "*":
        if length is None:
            return None
        return ContentRange(units, None, None, length, on_update)
    first, dash, last = spec.partition("-")
    start = _digits(first)
    stop = _digits(last)
    if not dash or start is None or stop is None or stop < start:
        return None
    if length is not None and stop >= length:
        return None
    return ContentRange(units, start, stop + 1, length, on_update)


# -- conditional requests -----------------------------------------------------------


def _as_etags(value: str | ETags | None) -> ETags:
    if isinstance(value, ETags):
        return value
    return parse_etags(value)


def _as_date(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, str):
        value = parse_date(value)
        if value is None:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    # HTTP dates have whole seconds; drop the rest so a fresh mtime compares equal.
    return value.replace(microsecond=0)


def _header(given: t.Any, environ: t.Mapping[str, t.Any] | None, key: str) -> t.Any:
    if given is not MISSING:
        return given
    if environ is None:
        return None
    return environ.get(key)


def is_resource_modified(
    environ: t.Mapping[str, t.Any] | None = None,
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
    *,
    if_none_match: str | ETags | None = MISSING,
    if_modified_since: datetime | str | None = MISSING,
    if_match: str | ETags | None = MISSING,
    if_range: str | IfRange | None = MISSING,
) -> bool:
    """Decide whether a conditional GET or HEAD must send the full representation.

    ``etag`` (quoted or not) or ``data`` (hashed with :func:`generate_etag`)
    and ``last_modified`` describe the current representation. The request's
    conditions come from the WSGI ``environ``; each keyword (``if_none_match``,
    ``if_modified_since``, ``if_match``, ``if_range``: header strings or parsed
    objects) overrides its header, and without an environ they are the only
    source. Returns ``False`` when the client's copy is current (answer 304),
    or when ``If-Match`` fails (answer 412: check for ``If-Match`` to tell the
    two apart), and ``True`` otherwise. The order follows RFC 9110
    section 13.2.2:

    1. ``If-Match`` (strong comparison) must match, else ``False``.
    2. ``If-None-Match`` (weak comparison) decides when it is present, and
       then ``If-Modified-Since`` is ignored.
    3. Otherwise ``If-Modified-Since`` decides against ``last_modified``.

    With ``ignore_if_range=False`` and an ``If-Range`` header, only
    ``If-Range`` decides (section 13.1.5): ``False`` (send the range) when its
    validator is a strong tag equal to a strong ``etag`` or a date equal to
    ``last_modified``; weak tags never match.
    """
    if data is not None:
        if etag is not None:
            raise TypeError("pass either 'etag' or 'data', not both")
        etag = generate_etag(data)
    current_weak = False
    if etag is not None:
        etag, current_weak = unquote_etag(etag)
    modified_at = _as_date(last_modified)

    if not ignore_if_range:
        raw_if_range = _header(if_range, environ, "HTTP_IF_RANGE")
        validator = (
            raw_if_range
            if isinstance(raw_if_range, IfRange)
            else parse_if_range_header(raw_if_range)
        )
        if validator:
            # RFC 9110 section 13.1.5: the date must be an exact match, the
            # tag a strong match; otherwise the whole representation is sent.
            if validator.date is not None:
                same = modified_at is not None and modified_at == _as_date(validator.date)
            else:
                same = (
                    etag is not None
                    and not current_weak
                    and not validator.weak
                    and validator.etag == etag
                )
            return not same

    # RFC 9110 section 13.1.1: If-Match uses the strong comparison.
    match_tags = _as_etags(_header(if_match, environ, "HTTP_IF_MATCH"))
    if match_tags and not (
        match_tags.star_tag
        or (etag is not None and not current_weak and match_tags.is_strong(etag))
    ):
        return False

    # RFC 9110 section 13.1.2: If-None-Match uses the weak comparison, and
    # section 13.2.2 step 4: when it is present, If-Modified-Since is ignored.
    none_match_tags = _as_etags(_header(if_none_match, environ, "HTTP_IF_NONE_MATCH"))
    if none_match_tags:
        if none_match_tags.star_tag:
            return False
        return not (etag is not None and none_match_tags.contains_weak(etag))

    # RFC 9110 section 13.1.3: not modified when Last-Modified <= If-Modified-Since.
    since = _as_date(_header(if_modified_since, environ, "HTTP_IF_MODIFIED_SINCE"))
    return not (since is not None and modified_at is not None and modified_at <= since)
