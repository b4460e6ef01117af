"""IRI/URI conversion and query-string helpers (RFC 3986, RFC 3987).

Layer 1, stdlib only. ``iri_to_uri`` and ``uri_to_iri`` are public;
``_url_encode`` (used by ``url_for``) and ``_fast_parse_qsl`` (used by
``request.args``) are private helpers for the router and the request.
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import quote, quote_plus, unquote_to_bytes

__all__ = ["iri_to_uri", "uri_to_iri"]

# RFC 3986 appendix B: the generic split of a URI reference into
#   scheme ":" "//" authority path "?" query "#" fragment
# Every group is a negated character class that cannot overlap the next one,
# so the match is linear.
_URI_RE = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)

# RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")

# RFC 3986 section 2.2 (reserved = gen-delims / sub-delims) and section 3.3-3.5:
# what may stay unencoded in each component. "%" is kept by the caller only
# where it starts a valid escape.
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = _SUB_DELIMS + ":@/"
_QUERY_SAFE = _PATH_SAFE + "?"
_USERINFO_SAFE = _SUB_DELIMS + ":"

# A "%" that does not start a "%XX" escape is data and must become "%25".
_STRAY_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPES_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")

# RFC 3986 section 2.3: unreserved ASCII characters may be decoded freely.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _split(uri: str) -> tuple[str | None, str | None, str, str | None, str | None]:
    match = _URI_RE.fullmatch(uri)
    if match is None:  # pragma: no cover - the pattern matches every string
        return None, None, uri, None, None
    scheme, authority, path, query, fragment = match.groups()
    return scheme, authority, path, query, fragment


def _join(
    scheme: str | None, authority: str | None, path: str, query: str | None, fragment: str | None
) -> str:
    parts = []
    if scheme is not None:
        parts.append(f"{scheme}:")
    if authority is not None:
        parts.append(f"//{authority}")
    parts.append(path)
    if query is not None:
        parts.append(f"?{query}")
    if fragment is not None:
        parts.append(f"#{fragment}")
    return "".join(parts)


def _split_authority(authority: str) -> tuple[str | None, str, str | None]:
    """Split ``userinfo@host:port`` (RFC 3986 section 3.2)."""
    userinfo: str | None = None
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
    port: str | None = None
    if authority.startswith("["):
        close = authority.find("]")
        if close >= 0:
            rest = authority[close + 1 :]
            if rest.startswith(":"):
                port = rest[1:]
            return userinfo, authority[: close + 1], port
        return userinfo, authority, None
    host, colon, maybe_port = authority.rpartition(":")
    if colon and (not maybe_port or maybe_port.isdigit()):
        return userinfo, host, maybe_port
    return userinfo, authority, None


def _join_authority(userinfo: str | None, host: str, port: str | None) -> str:
    result = host if userinfo is None else f"{userinfo}@{host}"
    return result if port is None else f"{result}:{port}"


def _encode(part: str, safe: str) -> str:
    part = _STRAY_PERCENT_RE.sub("%25", part)
    return quote(part, safe=safe + "%", errors="surrogatepass")


def _encode_host(host: str) -> str:
    if host.isascii():
        return _encode(host, _SUB_DELIMS + "[]:")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        # Not a valid IDN label set (empty or over-long labels): RFC 3986
        # section 3.2.2 still allows a percent-encoded reg-name.
        return _encode(host, _SUB_DELIMS)


def iri_to_uri(iri: str, safe_conversion: bool = False) -> str:
    """Convert an IRI (Unicode URL) to an ASCII URI (RFC 3987 section 3.1).

    The host is IDNA-encoded (``☃.net`` becomes ``xn--n3h.net``); the user
    info, path, query and fragment are UTF-8 percent-encoded. Reserved
    characters and existing ``%XX`` escapes are kept, so converting twice
    changes nothing; a ``%`` that starts no escape becomes ``%25``.

    With ``safe_conversion``, a value that is already ASCII without
    whitespace or control characters is returned untouched, which keeps odd
    but working URLs (such as a ``Location`` a proxy expects byte for byte) as
    they are.
    """
    if safe_conversion and iri.isascii() and not re.search(r"[\x00-\x20\x7f]", iri):
        return iri
    scheme, authority, path, query, fragment = _split(iri)
    if scheme is not None and _SCHEME_RE.fullmatch(scheme) is None:
        scheme = _encode(scheme, _SUB_DELIMS + "@")
    if authority is not None:
        userinfo, host, port = _split_authority(authority)
        if userinfo is not None:
            userinfo = _encode(userinfo, _USERINFO_SAFE)
        authority = _join_authority(userinfo, _encode_host(host), port and _encode(port, ""))
    return _join(
        scheme,
        authority,
        _encode(path, _PATH_SAFE),
        None if query is None else _encode(query, _QUERY_SAFE),
        None if fragment is None else _encode(fragment, _QUERY_SAFE),
    )


def _is_iri_char(char: str) -> bool:
    """Whether a decoded non-ASCII character may appear bare in an IRI (RFC 3987 2.2, 4.1)."""
    code = ord(char)
    if code < 0xA0:  # C1 controls
        return False
    # Bidi formatting characters (section 4.1) and the non-characters/specials.
    if code in {0x200E, 0x200F} or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return False
    return not (0xD800 <= code <= 0xDFFF or 0xFFF0 <= code <= 0xFFFF)


def _decode_escapes(match: re.Match[str]) -> str:
    data = bytes.fromhex(match.group().replace("%", ""))
    text = data.decode("utf-8", "surrogateescape")
    out = []
    for char in text:
        if char in _UNRESERVED or (ord(char) > 0x7F and _is_iri_char(char)):
            out.append(char)
        else:
            # Reserved or disallowed ASCII, a bad byte, or a character an IRI
            # may not show: keep it escaped (upper-case hex, RFC 3986 6.2.2.1).
            raw = char.encode("utf-8", "surrogateescape")
            out.append("".join(f"%{byte:02X}" for byte in raw))
    return "".join(out)


def _decode(part: str) -> str:
    if "%" not in part:
        return part
    return _ESCAPES_RE.sub(_decode_escapes, part)


def uri_to_iri(uri: str) -> str:
    """Convert a URI to an IRI for display (RFC 3987 section 3.2).

    ``xn--`` host labels are decoded, and percent-escapes that form valid
    UTF-8 are turned back into characters, except those that would change the
    meaning of the URI (reserved characters such as ``%2F`` or ``%3F``,
    ``%25``, spaces and controls) or that an IRI may not show (bidi controls);
    these stay escaped, as do invalid UTF-8 bytes.
    """
    scheme, authority, path, query, fragment = _split(uri)
    if authority is not None:
        userinfo, host, port = _split_authority(authority)
        if "xn--" in host.lower():
            try:
                host = host.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        authority = _join_authority(None if userinfo is None else _decode(userinfo), host, port)
    return _join(
        scheme,
        authority,
        _decode(path),
        None if query is None else _decode(query),
        None if fragment is None else _decode(fragment),
    )


# -- query strings ----------------------------------------------------------------

# RFC 3986 section 3.4 plus the form-urlencoded rules of the WHATWG URL
# standard: "&", "=", "+", "#", "%" and ";" are always escaped in a key or a
# value, so none of them can be misread as structure by any server.
_QUERY_VALUE_SAFE = "!$'()*,/:?@~"

_QuerySource: t.TypeAlias = "t.Mapping[str, t.Any] | t.Iterable[tuple[str, t.Any]]"


def _iter_query_pairs(source: t.Any) -> t.Iterator[tuple[t.Any, t.Any]]:
    lists = getattr(source, "lists", None)
    if callable(lists):  # a MultiDict: every value of every key
        for key, values in lists():
            for value in values:
                yield key, value
        return
    # PERF: a plain dict is the usual source; skip the slow ABC check for it.
    items = source.items() if type(source) is dict or isinstance(source, t.Mapping) else source
    for key, value in items:
        if isinstance(value, (list, tuple)):
            for item in value:
                yield key, item
        else:
            yield key, value


def _url_encode(source: _QuerySource | None, sort: bool = False) -> str:
    """Encode ``source`` as ``application/x-www-form-urlencoded`` text.

    ``source`` is a mapping (list and tuple values repeat the key), a
    MultiDict (anything with ``lists()``) or an iterable of pairs. ``None``
    values are dropped; text is UTF-8 and spaces become ``+``; ``sort`` orders
    the pairs by key (stable for repeated keys). No leading ``?``.
    """
    if source is None:
        return ""
    pairs = [(key, value) for key, value in _iter_query_pairs(source) if value is not None]
    if sort:
        pairs.sort(key=lambda pair: str(pair[0]))
    return "&".join(
        f"{_encode_query_part(key)}={_encode_query_part(value)}" for key, value in pairs
    )


def _encode_query_part(value: t.Any) -> str:
    if not isinstance(value, (str, bytes)):
        value = str(value)
    # PERF: url_for's extra values are mostly plain words and numbers, which
    # need no quoting; quote_plus costs about a microsecond each.
    if value.__class__ is str and value.isascii() and value.isalnum():
        return value
    return quote_plus(value, safe=_QUERY_VALUE_SAFE)


def _decode_query_part(raw: bytes) -> str:
    # PERF: int needles (``b"+" in raw`` swallows a TypeError on CPython 3.11).
    if 0x2B in raw:  # "+"
        raw = raw.replace(b"+", b" ")
    if 0x25 in raw:  # "%"
        raw = unquote_to_bytes(raw)  # leaves malformed escapes such as "%zz" as they are
    return raw.decode("utf-8", "replace")


def _fast_parse_qsl(query: str) -> list[tuple[str, str]]:
    """Split a WSGI ``QUERY_STRING`` into decoded ``(key, value)`` pairs, in order.

    ``query`` is a PEP 3333 string (each character one byte). Only ``&``
    separates pairs; ``;`` is data (see SECURITY.md). ``+`` is a space;
    ``%XX`` escapes are decoded and malformed ones kept as written; the bytes
    are read as UTF-8 with U+FFFD for invalid sequences. Empty pieces are
    skipped; ``a=`` and a bare ``a`` both give ``("a", "")``. Never raises.
    """
    # WHATWG URL standard, "application/x-www-form-urlencoded parsing", which
    # RFC 3986 section 3.4 leaves to the application.
    if not query:
        return []
    # PERF: most query strings are short ASCII with nothing to decode; then a
    # plain split in C is all the work (no bytes round trip, no unquoting).
    if query.isascii() and "%" not in query and "+" not in query:
        pairs = []
        for piece in query.split("&"):
            if piece:
                key, _, value = piece.partition("=")
                pairs.append((key, value))
        return pairs
    try:
        raw = query.encode("latin-1")
    except UnicodeEncodeError:
        raw = query.encode("utf-8", "surrogatepass")  # not a PEP 3333 string: real text
    result = []
    for raw_piece in raw.split(b"&"):
        if raw_piece:
            raw_key, _, raw_value = raw_piece.partition(b"=")
            result.append((_decode_query_part(raw_key), _decode_query_part(raw_value)))
    return result
