"""Entity tags for conditional requests (RFC 9110 sections 8.8.3, 13.1).

Layer 1. :class:`ETags` holds the set sent in ``If-Match`` / ``If-None-Match``;
:class:`IfRange` holds the validator sent in ``If-Range``. The parsers live in
:mod:`kolben.http`.
"""

from __future__ import annotations

import hashlib
import typing as t
from datetime import datetime

from .._grammar import http_date

__all__ = ["ETags", "IfRange"]


def _quote(etag: str, weak: bool) -> str:
    return f'W/"{etag}"' if weak else f'"{etag}"'


def _unquote(etag: str) -> tuple[str, bool]:
    """Split ``W/"x"`` into ``("x", True)`` without the public validation."""
    etag = etag.strip()
    weak = etag[:2] in {"W/", "w/"}
    if weak:
        etag = etag[2:]
    if len(etag) >= 2 and etag[0] == etag[-1] == '"':
        etag = etag[1:-1]
    return etag, weak


class ETags:
    """A set of entity tags, strong and weak, or the ``*`` wildcard.

    Tags are stored unquoted. RFC 9110 section 8.8.3.2 defines two
    comparisons: :meth:`contains` is the strong one (weak tags never match)
    and :meth:`contains_weak` the weak one (used for ``If-None-Match``).
    """

    __slots__ = ("_strong", "_weak", "star_tag")

    def __init__(
        self,
        strong_etags: t.Iterable[str] | None = None,
        weak_etags: t.Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        self._strong = frozenset(() if star_tag else (strong_etags or ()))
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        """Return the strong tags as a set, plus the weak ones when asked."""
        result = set(self._strong)
        if include_weak:
            result.update(self._weak)
        return result

    def is_weak(self, etag: str) -> bool:
        """Whether ``etag`` (unquoted) is in the set as a weak tag."""
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        """Whether ``etag`` (unquoted) is in the set as a strong tag."""
        return etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Weak comparison: ``etag`` matches a strong or a weak tag, or ``*`` was sent."""
        return self.is_weak(etag) or self.contains(etag)

    def contains(self, etag: str) -> bool:
        """Strong comparison: ``etag`` matches a strong tag, or ``*`` was sent."""
        if self.star_tag:
            return True
        return self.is_strong(etag)

    def contains_raw(self, etag: str) -> bool:
        """Compare a quoted tag such as ``W/"abc"``: weak tags use the weak comparison."""
        tag, weak = _unquote(etag)
        if weak:
            return self.contains_weak(tag)
        return self.contains(tag)

    def to_header(self) -> str:
        """Render the set as a header value: ``*`` or ``"a", W/"b"``."""
        if self.star_tag:
            return "*"
        tags = [_quote(tag, False) for tag in sorted(self._strong)]
        tags.extend(_quote(tag, True) for tag in sorted(self._weak))
        return ", ".join(tags)

    def __call__(
        self, etag: str | None = None, data: bytes | None = None, include_weak: bool = False
    ) -> bool:
        """Check ``etag`` (or, given ``data``, its generated tag) against the set."""
        if etag is None:
            if data is None:
                raise TypeError("pass 'etag' or 'data' to compare with the set")
            etag = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        if include_weak and self.is_weak(etag):
            return True
        return self.contains(etag)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __iter__(self) -> t.Iterator[str]:
        return iter(self._strong)

    def __len__(self) -> int:
        return len(self._strong)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ETags):
            return NotImplemented
        return (self._strong, self._weak, self.star_tag) == (
            other._strong,
            other._weak,
            other.star_tag,
        )

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class IfRange:
    """The ``If-Range`` validator (RFC 9110 section 13.1.5): an entity tag or a date.

    ``weak`` records that the client sent a weak tag; such a tag can never
    satisfy ``If-Range``, which requires the strong comparison.
    """

    __slots__ = ("date", "etag", "weak")

    def __init__(
        self, etag: str | None = None, date: datetime | None = None, *, weak: bool = False
    ) -> None:
        self.etag = etag
        self.date = date
        self.weak = weak

    def to_header(self) -> str:
        """Render the header value: an HTTP date, a quoted tag, or ``""``."""
        if self.date is not None:
            return http_date(self.date)
        if self.etag is not None:
            return _quote(self.etag, self.weak)
        return ""

    def __bool__(self) -> bool:
        return self.date is not None or self.etag is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IfRange):
            return NotImplemented
        return (self.etag, self.date, self.weak) == (other.etag, other.date, other.weak)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
