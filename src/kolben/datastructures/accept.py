"""Parsed ``Accept*`` headers (RFC 9110 section 12.5): values with quality weights.

Layer 1. The parser lives in :func:`kolben.http.parse_accept_header`; these
classes hold its result and answer content-negotiation questions.
"""

from __future__ import annotations

import functools
import typing as t
from encodings import normalize_encoding
from encodings.aliases import aliases as encoding_aliases

from .._grammar import parse_options_header

__all__ = ["Accept", "CharsetAccept", "LanguageAccept", "MIMEAccept"]

_Item = tuple[str, float]


def _immutable(self: object, *args: object, **kwargs: object) -> t.NoReturn:
    """Not allowed: ``Accept`` objects are immutable, so this raises ``TypeError``."""
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class Accept(list[_Item]):
    """An immutable list of ``(value, quality)`` pairs from an ``Accept*`` header.

    The pairs are sorted by quality, highest first, then by specificity (a
    concrete value before a wildcard); equal pairs keep the header's order.
    Indexing by position gives a pair; indexing by a string gives the quality
    the client assigned to that value (``0`` when it is not acceptable), using
    the most specific entry that matches it, as RFC 9110 section 12.5.1
    requires. ``provided`` tells whether the header was sent at all.
    """

    provided: bool

    def __init__(self, values: t.Iterable[tuple[str, float]] | None = ()) -> None:
        if values is None:
            super().__init__()
            self.provided = False
            return
        items = [(value, float(quality)) for value, quality in values]
        items.sort(key=lambda item: (item[1], self._specificity(item[0])), reverse=True)
        super().__init__(items)
        self.provided = True

    # -- how values compare (overridden by the subclasses) ---------------------

    def _specificity(self, value: str) -> tuple[int, ...]:
        """How specific a client value is: a wildcard is less specific than a name."""
        return (value != "*",)

    def _value_matches(self, value: str, item: str) -> bool:
        """Whether the server's ``value`` is covered by the client's ``item``."""
        return item == "*" or item.lower() == value.lower()

    # -- immutability ------------------------------------------------------------

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _immutable
    append = extend = insert = pop = remove = reverse = sort = clear = _immutable

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> tuple[t.Any, ...]:
        return type(self), (list(self),)

    # -- lookups -----------------------------------------------------------------

    @t.overload
    def __getitem__(self, key: str) -> float: ...
    @t.overload
    def __getitem__(self, key: t.SupportsIndex) -> _Item: ...
    @t.overload
    def __getitem__(self, key: slice) -> list[_Item]: ...
    def __getitem__(self, key: str | t.SupportsIndex | slice) -> float | _Item | list[_Item]:
        """``accept["text/html"]`` is a quality; ``accept[0]`` is a pair."""
        if isinstance(key, str):
            return self.quality(key)
        return list.__getitem__(self, key)

    def _match(self, value: str) -> tuple[float, tuple[int, ...]] | None:
        """The ``(quality, specificity)`` of the most specific entry matching ``value``."""
        best: tuple[float, tuple[int, ...]] | None = None
        for item, quality in self:
            if not self._value_matches(value, item):
                continue
            specificity = self._specificity(item)
            if best is None or specificity > best[1]:
                best = (quality, specificity)
        return best

    def _negotiation_match(self, value: str) -> tuple[float, tuple[int, ...]] | None:
        """The match :meth:`best_match` ranks by; subclasses may add fallbacks."""
        return self._match(value)

    def quality(self, key: str) -> float:
        """Return the quality the client gave ``key``, or ``0`` when nothing matches it."""
        match = self._match(key)
        return 0.0 if match is None else match[0]

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` is acceptable: it matches an entry with a quality above zero.

        A value the client listed with ``q=0`` ("not acceptable", RFC 9110
        section 12.4.2) is *not* contained.
        """
        if not isinstance(value, str):
            return list.__contains__(self, value)
        return self.quality(value) > 0

    def find(self, key: str | _Item) -> int:
        """Return the position of the first entry matching ``key``, or ``-1``."""
        if isinstance(key, str):
            for index, (item, _quality) in enumerate(self):
                if self._value_matches(key, item):
                    return index
            return -1
        try:
            return list.index(self, key)
        except ValueError:
            return -1

    def index(
        self, key: str | _Item, start: t.SupportsIndex = 0, stop: t.SupportsIndex = 2**63
    ) -> int:
        """Like :meth:`find`, but raise ``ValueError`` when nothing matches."""
        if isinstance(key, str):
            position = self.find(key)
            if position < 0:
                raise ValueError(f"{key!r} is not in the accepted values")
            return position
        return list.index(self, key, start, stop)

    def values(self) -> t.Iterator[str]:
        """Iterate over the accepted values, best first, without their qualities."""
        return (value for value, _quality in self)

    def to_header(self) -> str:
        """Render the header again: ``text/html,application/json;q=0.5``."""
        parts = []
        for value, quality in self:
            if quality != 1:
                parts.append(f"{value};q={quality:g}")
            else:
                parts.append(value)
        return ",".join(parts)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"

    @property
    def best(self) -> str | None:
        """The value the client prefers most, or ``None`` when nothing is acceptable."""
        for value, quality in self:
            if quality > 0:
                return value
        return None

    def best_match(self, matches: t.Iterable[str], default: str | None = None) -> str | None:
        """Return the server value from ``matches`` that the client prefers most.

        The quality of each candidate comes from the most specific entry that
        matches it; entries with ``q=0`` exclude a value. On a tie of quality
        the candidate matched by the more specific entry wins, and then the one
        listed first in ``matches``. ``default`` is returned when none fits.
        """
        result = default
        best: tuple[float, tuple[int, ...]] | None = None
        for candidate in matches:
            match = self._negotiation_match(candidate)
            if match is None or match[0] <= 0:
                continue
            if best is None or match > best:
                best = match
                result = candidate
        return result


# PERF: negotiation compares every client entry with every server value; the
# same few media types recur on every request, so their split form is cached.
@functools.lru_cache(maxsize=512)
def _split_mime(value: str) -> tuple[str, str, dict[str, str]] | None:
    """Split ``type/subtype;params`` into lower-cased parts, or ``None`` when it is not one.

    The returned dict is shared by the cache: callers must not change it.
    """
    main, params = parse_options_header(value)
    if main == "*":
        main = "*/*"
    kind, slash, sub = main.partition("/")
    if not slash or not kind or not sub or "/" in sub:
        return None
    return kind.strip(), sub.strip(), params


class MIMEAccept(Accept):
    """The ``Accept`` header: media ranges such as ``text/*`` and ``*/*`` match by wildcard.

    Parameters on a client entry (``text/html;level=1``) must all be present
    on the server value for it to match.
    """

    def _specificity(self, value: str) -> tuple[int, ...]:
        parts = _split_mime(value)
        if parts is None:
            return (0, 0, 0)
        kind, sub, params = parts
        return (kind != "*", sub != "*", len(params))

    def _value_matches(self, value: str, item: str) -> bool:
        client = _split_mime(item)
        if client is None:
            return False
        server = _split_mime(value)
        if server is None:
            return value.strip().lower() == item.strip().lower()
        c_kind, c_sub, c_params = client
        s_kind, s_sub, s_params = server
        if c_kind != "*" and c_kind != s_kind:
            return False
        if c_sub != "*" and c_sub != s_sub:
            return False
        return all(s_params.get(key) == param for key, param in c_params.items())

    @property
    def accept_html(self) -> bool:
        """Whether the client accepts HTML (``text/html`` or XHTML)."""
        return self.quality("text/html") > 0 or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        """Whether the client accepts XHTML (``application/xhtml+xml`` or ``application/xml``)."""
        return self.quality("application/xhtml+xml") > 0 or self.quality("application/xml") > 0

    @property
    def accept_json(self) -> bool:
        """Whether the client accepts JSON (``application/json``)."""
        return self.quality("application/json") > 0


def _language_parts(value: str) -> list[str]:
    # RFC 4647 section 2.1 / RFC 5646: subtags are separated by "-"; "_" is
    # accepted too because POSIX locale names use it. Comparison ignores case.
    return value.strip().lower().replace("_", "-").split("-")


class LanguageAccept(Accept):
    """The ``Accept-Language`` header: tags compare case-insensitively, ``-`` or ``_``.

    Lookups by key (``accept["en"]``, ``in``) match whole tags only.
    :meth:`best_match` also falls back on the primary language, in both
    directions: the client's ``en-US`` accepts the server's ``en`` and the
    client's ``en`` accepts the server's ``en-GB`` (RFC 4647 section 3.4
    lookup, loosely). An exact tag beats such a fallback, which beats ``*``;
    then the higher quality wins, so for ``en-US, de;q=0.5`` the offers
    ``["de", "en"]`` give ``"en"``.
    """

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _language_parts(value) == _language_parts(item)

    def _negotiation_match(self, value: str) -> tuple[float, tuple[int, ...]] | None:
        # Specificity: an exact tag (2) beats a primary-language fallback (1),
        # which beats "*" (0). The fallback works both ways: the client's
        # en-US covers the server's en, the client's en covers the server's en-GB.
        wanted = _language_parts(value)
        best: tuple[float, tuple[int, ...]] | None = None
        for item, quality in self:
            if item == "*":
                specificity = (0,)
            else:
                offered = _language_parts(item)
                if offered == wanted:
                    specificity = (2,)
                elif offered[0] == wanted[0] and (len(offered) == 1 or len(wanted) == 1):
                    specificity = (1,)
                else:
                    continue
            if best is None or specificity > best[1]:
                best = (quality, specificity)
        return best


def _charset_name(name: str) -> str:
    # Python's own alias table ("UTF8", "latin-1", "ISO-8859-1"...), read
    # without codecs.lookup(), which would try to import a module for every
    # unknown name a client sends.
    key = normalize_encoding(name.strip()).lower()
    return encoding_aliases.get(key, key)


class CharsetAccept(Accept):
    """The ``Accept-Charset`` header: names compare case-insensitively and by codec alias."""

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _charset_name(value) == _charset_name(item)
