"""Reading the ``Cookie`` header and writing ``Set-Cookie`` (RFC 6265).

``__Host-`` and ``__Secure-`` prefixes (RFC 6265bis section 4.1.3): browsers
only store a cookie whose name starts with ``__Host-`` when it is Secure, has
``Path=/`` and no ``Domain``, so a site's sibling or an attacker on plain HTTP
cannot plant one. :func:`parse_cookie` keeps that guarantee intact on the
server: cookie *names* are taken byte for byte, never percent-decoded,
unquoted or case-folded, so ``%5F_Host-x`` or ``"__Host-x"`` stay distinct
from ``__Host-x`` and cannot shadow it; and a nameless cookie (``=value``, or
a pair without ``=``, which is how browsers serialise a nameless cookie) is
dropped, so ``=__Host-x=evil`` never turns into a ``__Host-x`` cookie.
"""

from __future__ import annotations

import re
import time
import typing as t
import warnings
from datetime import date, datetime, timedelta
from urllib.parse import quote

from .._internal import wsgi_decoding_dance
from ..datastructures.multidict import MultiDict
from .dates import http_date

__all__ = ["dump_cookie", "parse_cookie"]

_MD = t.TypeVar("_MD", bound="MultiDict[str, str]")

# RFC 6265 section 4.1.1: three octal digits escape one byte in a quoted value
# (the encoding older servers and Python's own SimpleCookie wrote).
_OCTAL_RE = re.compile(r"[0-3][0-7][0-7]")

# RFC 6265 section 4.1.1:
#   cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
# (US-ASCII without controls, whitespace, DQUOTE, comma, semicolon, backslash).
_COOKIE_OCTET_RE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
_COOKIE_OCTETS = frozenset(
    [0x21, *range(0x23, 0x2C), *range(0x2D, 0x3B), *range(0x3C, 0x5C), *range(0x5D, 0x7F)]
)
# One escape per byte: cookie-octets stay, `"` and `\` get a backslash, any
# other byte (space, comma, semicolon, controls, UTF-8) becomes `\ooo`.
_BYTE_ESCAPES = tuple(
    '\\"'
    if byte == 0x22
    else "\\\\"
    if byte == 0x5C
    else chr(byte)
    if byte in _COOKIE_OCTETS
    else f"\\{byte:03o}"
    for byte in range(256)
)

# A cookie name is an RFC 9110 token (RFC 6265 section 4.1.1). Kolben rejects
# only what would break the header or the pairing: controls (CR, LF, NUL...),
# ";" and "=", and non-ASCII text, which has no defined encoding in a name.
_BAD_NAME_RE = re.compile(r"[\x00-\x1f\x7f;=]|[^\x00-\x7f]")
# Attribute values must not end the attribute early or split the header.
_BAD_ATTRIBUTE_RE = re.compile(r"[\x00-\x1f\x7f;]")
_BAD_DOMAIN_RE = re.compile(r"[\x00-\x20\x7f;,\"]")
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


def _unquote_cookie_value(value: str) -> str:
    """Strip the quotes of a ``"..."`` value and undo ``\\x`` and ``\\ooo`` escapes."""
    inner = value[1:-1]
    escaped_end = (len(inner) - len(inner.rstrip("\\"))) % 2 == 1
    if len(value) < 2 or value[-1] != '"' or escaped_end:
        return value  # an unterminated quote is kept as sent
    if "\\" not in inner:
        return inner
    out = bytearray()
    pos = 0
    end = len(inner)
    while pos < end:
        slash = inner.find("\\", pos)
        if slash < 0:
            out += inner[pos:].encode("utf-8", "surrogatepass")
            break
        out += inner[pos:slash].encode("utf-8", "surrogatepass")
        if _OCTAL_RE.match(inner, slash + 1):
            out.append(int(inner[slash + 1 : slash + 4], 8))
            pos = slash + 4
        elif slash + 1 < end:
            out += inner[slash + 1].encode("utf-8", "surrogatepass")
            pos = slash + 2
        else:
            out += b"\\"
            pos = end
    return out.decode("utf-8", "replace")


def _cookie_pairs(text: str) -> t.Iterator[tuple[str, str]]:
    # RFC 6265 section 5.4 defines what a browser sends (cookie-pair *( ";" SP
    # cookie-pair )); servers read it with the lenient rules of section 5.2.
    for piece in text.split(";"):
        name, eq, value = piece.partition("=")
        if not eq:
            continue  # a bare value is a nameless cookie (RFC 6265bis section 5.7)
        name = name.strip(" \t")
        if not name:
            continue  # "=value": nameless, could pose as "name=value" (see module docs)
        value = value.strip(" \t")
        if value[:1] == '"':
            value = _unquote_cookie_value(value)
        yield name, value


@t.overload
def parse_cookie(
    header: str | bytes | t.Mapping[str, t.Any] | None, cls: None = None
) -> MultiDict[str, str]: ...
@t.overload
def parse_cookie(header: str | bytes | t.Mapping[str, t.Any] | None, cls: type[_MD]) -> _MD: ...
def parse_cookie(
    header: str | bytes | t.Mapping[str, t.Any] | None,
    cls: type[MultiDict[str, str]] | None = None,
) -> MultiDict[str, str]:
    """Parse a ``Cookie`` header into a :class:`MultiDict` (or ``cls``).

    ``header`` is the header text, its raw bytes, or a WSGI environ (its
    ``HTTP_COOKIE`` is a PEP 3333 latin-1 string and is decoded as UTF-8).
    Parsing is lenient (RFC 6265 section 5.2) and never raises:

    - pairs are split on ``;`` and stripped; every duplicate name is kept, in
      order, so ``cookies[name]`` is the first one the browser sent;
    - a pair with an empty name (``=value``) or without ``=`` is skipped;
    - a quoted value loses its quotes, and ``\\"``, ``\\\\`` and ``\\ooo``
      octal escapes are undone; an unterminated quote is kept as sent;
    - invalid UTF-8 becomes U+FFFD;
    - names are never decoded: see the module notes on ``__Host-`` cookies.
    """
    if isinstance(header, t.Mapping):
        header = header.get("HTTP_COOKIE")
        if isinstance(header, str):
            try:
                header = wsgi_decoding_dance(header)
            except UnicodeEncodeError:
                pass  # not a PEP 3333 string: it is already text
    if isinstance(header, bytes):
        text = header.decode("utf-8", "replace")
    elif isinstance(header, str):
        text = header
    else:
        text = ""
    if cls is None:
        cls = MultiDict
    return cls(list(_cookie_pairs(text)))


def _quote_cookie_value(value: str) -> str:
    if _COOKIE_OCTET_RE.fullmatch(value) is not None:
        return value
    escapes = _BYTE_ESCAPES
    return '"' + "".join([escapes[byte] for byte in value.encode("utf-8")]) + '"'


def _format_expires(expires: str | datetime | date | float | None) -> str | None:
    if expires is None:
        return None
    if isinstance(expires, str):
        if _BAD_ATTRIBUTE_RE.search(expires):
            raise ValueError("'expires' must not contain ';' or control characters")
        return expires
    return http_date(expires)


def _format_domain(domain: str) -> str:
    if _BAD_DOMAIN_RE.search(domain):
        raise ValueError(
            f"invalid cookie domain {domain!r}: no whitespace, control characters, ';', ',' or '\"'"
        )
    if domain.isascii():
        return domain
    # Keep a leading dot (older clients read it as "and subdomains"), IDNA-encode the rest.
    dot = "." if domain.startswith(".") else ""
    try:
        return dot + domain.lstrip(".").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"invalid cookie domain {domain!r}: {exc}") from None


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | date | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    sync_expires: bool = True,
    max_size: int = 4093,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """Build a ``Set-Cookie`` header value (RFC 6265 section 4.1).

    - ``value`` is written bare when it is all cookie-octets, else quoted with
      ``\\"``/``\\\\`` escapes and ``\\ooo`` octal for every other byte
      (UTF-8, spaces, commas, semicolons, controls), which
      :func:`parse_cookie` reads back.
    - ``max_age`` (seconds or a ``timedelta``) also sets ``Expires`` when
      ``sync_expires`` is true and ``expires`` was not given.
    - ``expires`` is a datetime, date, timestamp, or a preformatted string.
    - ``path`` is percent-encoded where needed (``;`` cannot escape it).
    - ``domain`` keeps a leading dot and is IDNA-encoded when not ASCII.
    - ``samesite`` is ``"Strict"``, ``"Lax"`` or ``"None"`` in any case.
    - ``partitioned`` (CHIPS) implies ``Secure``.

    Raises ``ValueError`` for an empty name or one holding control characters
    (CR, LF, NUL...), ``;``, ``=`` or non-ASCII text, for a bad ``samesite``
    or ``domain``. A result longer than ``max_size`` bytes (``0`` disables the
    check) emits a ``UserWarning``: browsers silently drop such cookies.
    """
    if not key or _BAD_NAME_RE.search(key):
        raise ValueError(
            f"invalid cookie name {key!r}: use a non-empty ASCII name without control"
            " characters, ';' or '='"
        )
    quoted = _quote_cookie_value(value)
    parts = [f"{key}={quoted}"]

    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if max_age is not None:
        max_age = int(max_age)
        if expires is None and sync_expires:
            expires = int(time.time()) + max_age
    if domain:
        parts.append(f"Domain={_format_domain(domain)}")
    expires_text = _format_expires(expires)
    if expires_text is not None:
        parts.append(f"Expires={expires_text}")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure or partitioned:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        parts.append("Path=" + quote(path, safe="%!$&'()*+,/:=@~"))
    if samesite is not None:
        canonical = _SAMESITE.get(samesite.lower())
        if canonical is None:
            raise ValueError(f"samesite must be 'Strict', 'Lax' or 'None', not {samesite!r}")
        parts.append(f"SameSite={canonical}")
    if partitioned:
        parts.append("Partitioned")

    result = "; ".join(parts)
    size = len(result.encode("utf-8"))
    if max_size and size > max_size:
        warnings.warn(
            f"The {key!r} cookie is {size} bytes, over the {max_size}-byte limit (its value"
            f" alone is {len(quoted)} bytes); browsers may silently ignore it.",
            stacklevel=2,
        )
    return result
