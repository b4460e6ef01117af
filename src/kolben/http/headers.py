"""Parsers for negotiation, caching and authentication headers.

Each returns one of the :mod:`kolben.datastructures` header classes and never
raises on bad input.
"""

from __future__ import annotations

import re
import typing as t

from .._grammar import parse_parameters, quote_header_value, split_quoted
from ..datastructures.accept import Accept
from ..datastructures.auth import Authorization, WWWAuthenticate
from ..datastructures.cache_control import RequestCacheControl, _CacheControl
from ..datastructures.csp import ContentSecurityPolicy

__all__ = [
    "dump_csp_header",
    "parse_accept_header",
    "parse_authorization_header",
    "parse_cache_control_header",
    "parse_csp_header",
    "parse_www_authenticate_header",
]

_A = t.TypeVar("_A", bound=Accept)
_CC = t.TypeVar("_CC", bound=_CacheControl)
_CSP = t.TypeVar("_CSP", bound=ContentSecurityPolicy)
# CSP Level 3 and the Infra standard split on ASCII whitespace only; str.split()
# would also split on U+0085 or U+2000 and could leave no name at all.
_ASCII_WS_RE = re.compile(r"[ \t\r\n\f]+")

# RFC 9110 section 12.4.2:
#   qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
# read a little more leniently (".5", more decimals), but never through
# float(), which would also take "nan", "inf", "1e3" and "1_0".
_QVALUE_RE = re.compile(r"[0-9]{0,3}(?:\.[0-9]{0,6})?")


def _qvalue(raw: str) -> float | None:
    raw = raw.strip()
    if not raw or raw == "." or _QVALUE_RE.fullmatch(raw) is None:
        return None
    quality = float(raw)
    return quality if quality <= 1 else None


@t.overload
def parse_accept_header(value: str | None, cls: None = None) -> Accept: ...
@t.overload
def parse_accept_header(value: str | None, cls: type[_A]) -> _A: ...
def parse_accept_header(value: str | None, cls: type[Accept] | None = None) -> Accept:
    """Parse an ``Accept``-style header into ``cls`` (default :class:`Accept`).

    ``"text/html, application/json;q=0.5"`` gives the pairs
    ``("text/html", 1.0)`` and ``("application/json", 0.5)``. Media-type
    parameters other than ``q`` stay part of the value
    (``text/html;level=1``). An entry whose ``q`` is not a valid weight (not a
    number, above 1, ``nan``...) is dropped as a whole. A missing header gives
    an empty instance with ``provided`` false.
    """
    # RFC 9110 section 12.5.1 (Accept), 12.5.2-12.5.4 (Accept-Charset,
    # -Encoding, -Language), all:  #( value *( OWS ";" OWS parameter ) [ weight ] )
    if cls is None:
        cls = Accept
    if value is None:
        return cls(None)
    items: list[tuple[str, float]] = []
    for element in split_quoted(value, ","):
        pieces = split_quoted(element, ";")
        main = pieces[0].strip()
        if not main:
            continue
        params = parse_parameters(pieces[1:], lower_keys=True, bare_keys=False)
        raw_q = params.pop("q", None)
        quality = 1.0
        if raw_q is not None:
            parsed = _qvalue(raw_q)
            if parsed is None:
                continue
            quality = parsed
        for key, param in params.items():
            if param is not None:
                main += f";{key}={quote_header_value(param)}"
        items.append((main, quality))
    return cls(items)


@t.overload
def parse_cache_control_header(
    value: str | None,
    on_update: t.Callable[[RequestCacheControl], None] | None = None,
    cls: None = None,
) -> RequestCacheControl: ...
@t.overload
def parse_cache_control_header(
    value: str | None,
    on_update: t.Callable[[_CC], None] | None,
    cls: type[_CC],
) -> _CC: ...
@t.overload
def parse_cache_control_header(
    value: str | None,
    on_update: t.Callable[[_CC], None] | None = None,
    *,
    cls: type[_CC],
) -> _CC: ...
def parse_cache_control_header(
    value: str | None,
    on_update: t.Callable[[t.Any], None] | None = None,
    cls: type[_CacheControl] | None = None,
) -> _CacheControl:
    """Parse ``Cache-Control`` into ``cls`` (default :class:`RequestCacheControl`).

    Directive names are lower-cased (they are case-insensitive); the first of
    two equal directives wins; a missing header gives an instance with
    ``provided`` false. ``on_update`` is called on every later change.
    """
    # RFC 9111 section 5.2: Cache-Control = #cache-directive
    #   cache-directive = token [ "=" ( token / quoted-string ) ]
    if cls is None:
        cls = RequestCacheControl
    if value is None:
        return cls(None, on_update)
    directives = parse_parameters(split_quoted(value, ","), lower_keys=True, bare_keys=True)
    return cls(directives, on_update)


def parse_authorization_header(value: str | None) -> Authorization | None:
    """Parse ``Authorization`` (RFC 9110 section 11.6.2); ``None`` when missing or bad."""
    return Authorization.from_header(value)


def parse_www_authenticate_header(value: str | None) -> WWWAuthenticate | None:
    """Parse one ``WWW-Authenticate`` challenge (RFC 9110 section 11.6.1), or ``None``."""
    return WWWAuthenticate.from_header(value)


@t.overload
def parse_csp_header(
    value: str | None,
    on_update: t.Callable[[ContentSecurityPolicy], None] | None = None,
    cls: None = None,
) -> ContentSecurityPolicy: ...
@t.overload
def parse_csp_header(
    value: str | None,
    on_update: t.Callable[[ContentSecurityPolicy], None] | None,
    cls: type[_CSP],
) -> _CSP: ...
@t.overload
def parse_csp_header(
    value: str | None,
    on_update: t.Callable[[ContentSecurityPolicy], None] | None = None,
    *,
    cls: type[_CSP],
) -> _CSP: ...
def parse_csp_header(
    value: str | None,
    on_update: t.Callable[[ContentSecurityPolicy], None] | None = None,
    cls: type[ContentSecurityPolicy] | None = None,
) -> ContentSecurityPolicy:
    """Parse ``Content-Security-Policy`` into ``cls`` (default :class:`ContentSecurityPolicy`).

    ``"default-src 'self'; img-src *"`` maps ``default-src`` to ``'self'``
    and ``img-src`` to ``*``. Directive names are lower-cased, the first of
    two equal directives wins, and a directive without a value
    (``upgrade-insecure-requests``) maps to ``""``.
    """
    # CSP Level 3 section 2.2.1 (parse a serialized CSP): split on ";", strip
    # ASCII whitespace, skip empty tokens, the name runs to the first
    # whitespace and is ASCII-lower-cased, and a repeated name is ignored.
    if cls is None:
        cls = ContentSecurityPolicy
    directives: dict[str, str] = {}
    for token in (value or "").split(";"):
        token = token.strip(" \t\r\n\f")
        if not token:
            continue
        parts = _ASCII_WS_RE.split(token, maxsplit=1)
        name = parts[0].lower()
        if name not in directives:
            directives[name] = parts[1].strip() if len(parts) > 1 else ""
    return cls(directives, on_update)


def dump_csp_header(header: t.Mapping[str, str]) -> str:
    """Write a ``Content-Security-Policy`` value from a mapping of directives."""
    return ContentSecurityPolicy(header).to_header()
