"""The shared header grammar of RFC 9110 section 5.6 (layer 1: stdlib only).

Tokens, quoted strings, parameters and comma-separated lists appear in almost
every HTTP header, so the request, the response, the multipart parser and the
header datastructures all read and write them through this one module.

Every function here is lenient and total: it never raises on bad input and
returns whatever it could make sense of. Every scan is linear in the length of
its input: splitting uses ``str.find``-style searches that always move forward,
and the regular expressions are single character classes that cannot backtrack.
"""

from __future__ import annotations

import calendar
import re
import time
import typing as t
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_tz as _parsedate_tz
from urllib.parse import quote as _pct_quote
from urllib.parse import unquote_to_bytes as _pct_unquote_to_bytes

__all__ = [
    "dump_header",
    "dump_options_header",
    "http_date",
    "is_token",
    "parse_date",
    "parse_dict_header",
    "parse_list_header",
    "parse_options_header",
    "parse_parameters",
    "quote_header_value",
    "split_quoted",
    "unquote_header_value",
]

# RFC 9110 section 5.6.2: token = 1*tchar
#   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#           "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

# RFC 9110 section 5.6.4: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ).
# Only the two escapes a sender actually needs (`\\` and `\"`) are undone:
# browsers send Windows paths such as `C:\dir\a.txt` unescaped inside quotes
# (HTML's multipart rules), and undoing every `\x` would silently eat those
# backslashes. One left-to-right pass, so `\\\"` is read as `\` then `"`.
_UNESCAPE_RE = re.compile(r"\\([\\\"])")

# Splitting a header on a separator while skipping quoted strings: outside a
# quote we jump to the next quote or separator; inside one, the body pattern
# below runs to the closing quote. Each step starts where the previous one
# ended: linear time.
_OUTSIDE_RE: dict[str, re.Pattern[str]] = {sep: re.compile(f'["{sep}]') for sep in ";,"}
# RFC 9110 section 5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE.
# The body pattern has no trailing requirement, so it never backtracks: its
# two branches start with different characters and the match simply stops.
_QUOTED_BODY_RE = re.compile(r'(?:[^"\\]|\\.)*', re.S)

# RFC 8187 section 3.2.1: recipients must support UTF-8 and ISO-8859-1; other
# charsets are not decoded (the value counts as not decoding cleanly).
_EXT_CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "latin-1",
    "latin-1": "latin-1",
    "us-ascii": "ascii",
}

# Control characters (C0 and DEL, tab excepted) that a clean extended value may
# not decode to: a `filename*` hiding CR, LF or NUL is rejected.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

# RFC 2231 section 3 continuations (`name*0`, `name*1*`): a bounded number of
# segments, so a hostile header cannot make us build a huge index.
_MAX_CONTINUATION_DIGITS = 3


def is_token(value: str) -> bool:
    """Return whether ``value`` is a non-empty RFC 9110 token."""
    return _TOKEN_RE.fullmatch(value) is not None


def quote_header_value(value: object, allow_token: bool = True) -> str:
    """Return ``value`` as a header word: a bare token when allowed, else a quoted string.

    Non-string values are converted with ``str()``. Backslashes and double quotes
    are escaped inside the quotes (RFC 9110 section 5.6.4). The empty string is
    always quoted, as ``""``.
    """
    text = str(value)
    if allow_token and _TOKEN_RE.fullmatch(text) is not None:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote_header_value(value: str) -> str:
    """Undo :func:`quote_header_value`: strip the quotes and the escapes.

    A value that is not wrapped in double quotes is returned unchanged. Only
    ``\\\\`` and ``\\"`` are unescaped, so a Windows path that a browser sent
    without escaping keeps its backslashes.
    """
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _unescape(value[1:-1])
    return value


def _unescape(inner: str) -> str:
    if "\\" not in inner:
        return inner
    return _UNESCAPE_RE.sub(r"\1", inner)


def _unquote_lenient(value: str) -> str:
    """Unquote a parameter value, tolerating a missing closing quote."""
    if value[:1] != '"':
        return value
    if len(value) >= 2 and value[-1] == '"' and not _ends_with_escape(value[:-1]):
        return _unescape(value[1:-1])
    return _unescape(value[1:])


def _ends_with_escape(value: str) -> bool:
    """Whether the last character of ``value`` is escaped by an odd run of backslashes."""
    stripped = value.rstrip("\\")
    return (len(value) - len(stripped)) % 2 == 1


def split_quoted(value: str, sep: str) -> list[str]:
    """Split ``value`` on ``sep`` (``";"`` or ``","``) wherever it is not inside a quoted string.

    Quotes and escapes are kept in the pieces; an unterminated quote runs to
    the end of the value.
    """
    # PERF: most headers have no quotes at all; str.split is C speed.
    if '"' not in value:
        return value.split(sep)
    outside = _OUTSIDE_RE.get(sep) or re.compile(f'["{re.escape(sep)}]')
    parts: list[str] = []
    start = 0
    pos = 0
    end = len(value)
    while pos < end:
        match = outside.search(value, pos)
        if match is None:
            break
        pos = match.start()
        if value[pos] == sep:
            parts.append(value[start:pos])
            start = pos = pos + 1
            continue
        # Inside a quoted string until an unescaped closing quote (or the end).
        body = _QUOTED_BODY_RE.match(value, pos + 1)
        pos = body.end() if body is not None else end
        pos = pos + 1 if pos < end and value[pos] == '"' else end
    parts.append(value[start:])
    return parts


def _decode_extended(raw: str) -> tuple[str, bool]:
    """Decode an RFC 8187 ``charset'language'pct-encoded`` value.

    Return ``(text, clean)``: ``clean`` is False when the charset is unknown,
    the syntax is wrong, the bytes are not valid in the charset or the text
    holds control characters; ``text`` is then a best-effort UTF-8 reading
    with replacement characters.
    """
    pieces = raw.split("'", 2)
    if len(pieces) != 3:
        data = _pct_unquote_to_bytes(raw)
        return data.decode("utf-8", "replace"), False
    charset, _language, encoded = pieces
    data = _pct_unquote_to_bytes(encoded)
    codec = _EXT_CHARSETS.get(charset.strip().lower())
    if codec is None:
        return data.decode("utf-8", "replace"), False
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return data.decode(codec, "replace"), False
    return text, _CONTROL_RE.search(text) is None


def parse_parameters(
    pieces: t.Iterable[str], lower_keys: bool, bare_keys: bool
) -> dict[str, str | None]:
    """Read ``key=value`` pieces into a dict (RFC 9110 section 5.6.6, RFC 2231, RFC 8187).

    ``lower_keys`` lower-cases the names; ``bare_keys`` keeps pieces without
    ``=`` as ``key: None`` (otherwise they are dropped). Quoted values are
    unquoted; names that are not tokens are skipped.

    The first occurrence of a parameter wins; later duplicates are ignored, so
    one header cannot carry two different answers for the same name. An
    extended ``key*`` value replaces the plain ``key`` only when it decodes
    cleanly (see :func:`_decode_extended`); when it does not and there is no
    plain fallback, its best-effort reading is kept.
    """
    plain: dict[str, str | None] = {}
    extended: dict[str, str] = {}
    continued: dict[str, dict[int, tuple[bool, str]]] = {}
    for piece in pieces:
        key, eq, raw = piece.partition("=")
        key = key.strip()
        if lower_keys:
            key = key.lower()
        if not eq:
            if bare_keys and is_token(key) and key not in plain:
                plain[key] = None
            continue
        if "*" not in key:
            if is_token(key) and key not in plain:
                plain[key] = _unquote_lenient(raw.strip())
            continue
        base, _, suffix = key.partition("*")
        if not base or not is_token(base):
            continue
        value = _unquote_lenient(raw.strip())
        if not suffix:
            extended.setdefault(base, value)
            continue
        encoded = suffix.endswith("*")
        digits = suffix[:-1] if encoded else suffix
        if not digits.isdigit() or not digits.isascii() or len(digits) > _MAX_CONTINUATION_DIGITS:
            continue
        continued.setdefault(base, {}).setdefault(int(digits), (encoded, value))

    # RFC 2231 section 3: join the segments 0, 1, 2, ... up to the first gap.
    for base, segments in continued.items():
        joined: list[str] = []
        any_encoded = False
        index = 0
        while index in segments:
            encoded, value = segments[index]
            if encoded:
                any_encoded = True
                joined.append(value)
            else:
                joined.append(_pct_quote(value, safe=""))
            index += 1
        if not joined:
            continue
        if any_encoded and segments[0][0]:
            extended.setdefault(base, "".join(joined))
        elif not any_encoded and base not in plain:
            plain[base] = "".join(segments[i][1] for i in range(index))

    result = plain
    for base, raw_value in extended.items():
        text, clean = _decode_extended(raw_value)
        if clean or plain.get(base) is None:
            result[base] = text
    return result


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a header such as ``Content-Type`` into its value and its parameters.

    ``'Text/HTML; Charset="utf-8"'`` gives ``("text/html", {"charset": "utf-8"})``.
    The value and the parameter names are lower-cased; quoted values are
    unquoted; parameters without ``=`` are dropped; the first of two equal
    names wins.

    RFC 2231 / RFC 8187 extended parameters (``filename*=UTF-8''%C3%A9.txt``,
    and ``name*0*=`` continuations) are decoded. ``filename*`` replaces
    ``filename`` only when it decodes cleanly: a known charset, valid bytes and
    no control characters. A ``filename*`` that fails those checks cannot
    override the plain ``filename`` sent beside it, so the extended form can't
    smuggle in a second name. Either way the result is untrusted: pass
    filenames through ``secure_filename``.
    """
    # RFC 9110 section 8.3.1 (media-type) and section 5.6.6 (parameters):
    #   media-type = type "/" subtype parameters
    #   parameters = *( OWS ";" OWS [ parameter ] )
    #   parameter  = parameter-name "=" parameter-value
    # RFC 6266 section 4.1 gives Content-Disposition the same shape.
    if not value:
        return "", {}
    pieces = split_quoted(value, ";")
    main = pieces[0].strip().lower()
    params = parse_parameters(pieces[1:], lower_keys=True, bare_keys=False)
    return main, {k: v for k, v in params.items() if v is not None}


def dump_options_header(header: str | None, options: t.Mapping[str, object]) -> str:
    """Build a header from a value and its parameters: the reverse of :func:`parse_options_header`.

    Values are quoted when they are not tokens; a ``None`` value writes the
    bare parameter name.
    """
    parts = [header] if header else []
    for key, value in options.items():
        if value is None:
            parts.append(key)
        else:
            parts.append(f"{key}={quote_header_value(value)}")
    return "; ".join(parts)


def parse_list_header(value: str | None) -> list[str]:
    """Split a comma-separated header into its elements.

    ``'token, "quoted, value"'`` gives ``["token", "quoted, value"]``. Commas
    inside quoted strings do not split; elements that are entirely a quoted
    string are unquoted; empty elements are dropped.
    """
    # RFC 9110 section 5.6.1: #element = [ element ] *( OWS "," OWS [ element ] ),
    # and a recipient must accept (and ignore) empty list elements.
    if not value:
        return []
    result: list[str] = []
    for piece in split_quoted(value, ","):
        item = piece.strip()
        if not item:
            continue
        if item[0] == '"':
            item = _unquote_lenient(item)
        result.append(item)
    return result


def parse_dict_header(value: str | None) -> dict[str, str | None]:
    """Read a comma-separated list of ``key=value`` pairs into a dict.

    ``'a=b, c="d, e", f'`` gives ``{"a": "b", "c": "d, e", "f": None}``. Keys
    keep their case; quoted values are unquoted; RFC 8187 ``key*=`` values are
    decoded; the first of two equal keys wins; pieces with an empty or invalid
    key are skipped.
    """
    # RFC 9110 section 5.6.1 (lists) of section 5.6.6-style "name=value" pairs,
    # as used by Authorization / WWW-Authenticate (RFC 9110 section 11.4) and
    # Cache-Control (RFC 9111 section 5.2).
    if not value:
        return {}
    return parse_parameters(split_quoted(value, ","), lower_keys=False, bare_keys=True)


def dump_header(iterable: t.Mapping[str, object] | t.Iterable[object]) -> str:
    """Build a comma-separated header from a mapping or an iterable.

    A mapping writes ``key=value`` pairs (``None`` writes the bare key); an
    iterable writes its items. Values that are not tokens are quoted.
    """
    if isinstance(iterable, t.Mapping):
        parts = [
            key if value is None else f"{key}={quote_header_value(value)}"
            for key, value in iterable.items()
        ]
    else:
        parts = [quote_header_value(item) for item in iterable]
    return ", ".join(parts)


# -- Dates: RFC 9110 section 5.6.7 --------------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The longest date any of the three formats can produce, with a generous
# margin for a numeric zone; anything longer is not a date and is not parsed.
_MAX_DATE_LENGTH = 64
# rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" (a two-digit year).
_RFC850_YEAR_RE = re.compile(r"\d{1,2}-[A-Za-z]{3}-(\d{2})(?!\d)")

_DateLike: t.TypeAlias = "datetime | date | int | float | time.struct_time | None"


def _to_utc(value: _DateLike) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, time.struct_time):
        return datetime.fromtimestamp(calendar.timegm(value), timezone.utc)
    return datetime.fromtimestamp(value, timezone.utc)


def http_date(timestamp: _DateLike = None) -> str:
    """Format a moment as an HTTP date: ``Wed, 21 Oct 2015 07:28:00 GMT``.

    ``timestamp`` may be an aware or naive ``datetime`` (naive means UTC), a
    ``date`` (midnight UTC), a Unix timestamp, a ``time.struct_time`` in UTC,
    or ``None`` for now. The output is the IMF-fixdate of RFC 9110 section 5.6.7,
    with English names whatever the locale.
    """
    dt = _to_utc(timestamp)
    return (
        f"{_WEEKDAYS[dt.weekday()]}, {dt.day:02d} {_MONTHS[dt.month - 1]} {dt.year:04d} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} GMT"
    )


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date into an aware UTC ``datetime``, or return ``None``.

    All three formats of RFC 9110 section 5.6.7 are read: the IMF-fixdate
    (``Sun, 06 Nov 1994 08:49:37 GMT``) and the obsolete RFC 850
    (``Sunday, 06-Nov-94 08:49:37 GMT``) and asctime
    (``Sun Nov  6 08:49:37 1994``) forms. A numeric zone is honoured and
    converted to UTC. Anything unreadable gives ``None``; this never raises.
    """
    if not value or len(value) > _MAX_DATE_LENGTH:
        return None
    try:
        parts = _parsedate_tz(value.strip())
    except Exception:  # the stdlib parser has raised several error types on junk
        return None
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    offset = parts[9] or 0
    two_digit = _RFC850_YEAR_RE.search(value)
    if two_digit is not None:
        # RFC 9110 section 5.6.7: a two-digit year that would lie more than 50
        # years in the future means the most recent past year with those digits.
        this_year = datetime.now(timezone.utc).year
        year = this_year - this_year % 100 + int(two_digit.group(1))
        if year > this_year + 50:
            year -= 100
    try:
        moment = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=timezone.utc)
        return moment - timedelta(seconds=offset)
    except (ValueError, OverflowError):
        return None
