"""The ``Cache-Control`` header (RFC 9111 section 5.2) as a dict with typed properties.

Layer 1. The header is a dict of directive name to raw value (``None`` for a
bare directive such as ``no-store``). Typed properties read and write the
common directives: booleans for bare directives, ints for ``delta-seconds``.
"""

from __future__ import annotations

import typing as t

from .._grammar import dump_header

__all__ = ["RequestCacheControl", "ResponseCacheControl"]

# RFC 9111 section 1.2.2: a delta-seconds value too large to represent is
# read as 2147483648 (2^31); digits beyond that are never turned into an int.
_DELTA_SECONDS_CAP = 2**31
_MAX_DIGITS = 10

_CC = t.TypeVar("_CC", bound="_CacheControl")


def _delta_seconds(raw: str | None) -> int | None:
    """Read ``delta-seconds = 1*DIGIT``; anything else is ``None``."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    if len(raw) > _MAX_DIGITS:
        return _DELTA_SECONDS_CAP
    return min(int(raw), _DELTA_SECONDS_CAP)


class _Directive:
    """A typed property for one directive.

    ``kind`` is ``"bool"`` (bare: present or not), ``"int"`` (delta-seconds),
    ``"bool_or_str"`` (bare, or with a field-name list such as
    ``private="Set-Cookie"``) or ``"int_or_true"`` (``max-stale`` may be bare).
    """

    __slots__ = ("kind", "name")

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind

    @t.overload
    def __get__(self, obj: None, owner: type[t.Any]) -> _Directive: ...
    @t.overload
    def __get__(self, obj: _CacheControl, owner: type[t.Any]) -> t.Any: ...
    def __get__(self, obj: _CacheControl | None, owner: type[t.Any]) -> t.Any:
        if obj is None:
            return self
        present = self.name in obj
        raw = obj.get(self.name)
        if self.kind == "bool":
            return present
        if self.kind == "int":
            return _delta_seconds(raw)
        if self.kind == "bool_or_str":
            if not present:
                return False if self.name == "no-cache" else None
            return True if raw is None else raw
        # int_or_true
        if not present:
            return None
        return True if raw is None else _delta_seconds(raw)

    def __set__(self, obj: _CacheControl, value: t.Any) -> None:
        if value is None or value is False:
            obj.pop(self.name, None)
        elif value is True:
            obj[self.name] = None
        elif self.kind in {"int", "int_or_true"}:
            obj[self.name] = str(int(value))
        else:
            obj[self.name] = str(value)

    def __delete__(self, obj: _CacheControl) -> None:
        obj.pop(self.name, None)


class _CacheControl(dict[str, str | None]):
    """Shared base: a dict that reports every change to ``on_update(self)``.

    ``values=None`` means the header was absent (``provided`` is false).
    """

    __slots__ = ("on_update", "provided")

    def __init__(
        self,
        values: t.Mapping[str, str | None] | t.Iterable[tuple[str, str | None]] | None = (),
        on_update: t.Callable[[t.Any], None] | None = None,
    ) -> None:
        dict.__init__(self, values or ())
        self.on_update = on_update
        self.provided = values is not None

    no_cache = _Directive("no-cache", "bool")
    no_store = _Directive("no-store", "bool")
    max_age = _Directive("max-age", "int")
    no_transform = _Directive("no-transform", "bool")
    stale_if_error = _Directive("stale-if-error", "int")

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: str, value: str | None) -> None:
        dict.__setitem__(self, key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self._changed()

    def clear(self) -> None:
        """Remove every directive."""
        dict.clear(self)
        self._changed()

    def pop(self, key: str, *default: t.Any) -> t.Any:
        """Remove ``key`` and return its value (or ``default``)."""
        missing = key not in self
        result = dict.pop(self, key, *default)
        if not missing:
            self._changed()
        return result

    def popitem(self) -> tuple[str, str | None]:
        """Remove and return the last directive."""
        item = dict.popitem(self)
        self._changed()
        return item

    def setdefault(self, key: str, default: str | None = None) -> str | None:
        """Set ``key`` to ``default`` when missing; return its value."""
        if key in self:
            return self[key]
        self[key] = default
        return default

    def update(self, *args: t.Any, **kwargs: str | None) -> None:
        """Add or replace directives, then call ``on_update`` once."""
        dict.update(self, *args, **kwargs)
        self._changed()

    def __ior__(self: _CC, other: t.Any) -> _CC:  # type: ignore[override,misc]
        self.update(other)
        return self

    def to_header(self) -> str:
        """Render the header value: ``max-age=60, public``."""
        return dump_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"

    def __reduce__(self) -> tuple[t.Any, ...]:
        return type(self), (dict(self),)


class RequestCacheControl(_CacheControl):
    """The request's ``Cache-Control`` (RFC 9111 section 5.2.1). Read-only: it
    describes what the client sent, so any write raises ``TypeError``."""

    __slots__ = ()

    max_stale = _Directive("max-stale", "int_or_true")
    min_fresh = _Directive("min-fresh", "int")
    only_if_cached = _Directive("only-if-cached", "bool")

    def _changed(self) -> t.NoReturn:
        raise TypeError("the request's Cache-Control is read-only")

    def __setitem__(self, key: str, value: str | None) -> t.NoReturn:
        self._changed()

    def __delitem__(self, key: str) -> t.NoReturn:
        self._changed()

    def clear(self) -> t.NoReturn:
        """Not allowed: raises ``TypeError``."""
        self._changed()

    def pop(self, key: str, *default: t.Any) -> t.NoReturn:
        """Not allowed: raises ``TypeError``."""
        self._changed()

    def popitem(self) -> t.NoReturn:
        """Not allowed: raises ``TypeError``."""
        self._changed()

    def setdefault(self, key: str, default: str | None = None) -> t.NoReturn:
        """Not allowed: raises ``TypeError``."""
        self._changed()

    def update(self, *args: t.Any, **kwargs: str | None) -> t.NoReturn:
        """Not allowed: raises ``TypeError``."""
        self._changed()


class ResponseCacheControl(_CacheControl):
    """The response's ``Cache-Control`` (RFC 9111 section 5.2.2 and RFC 8246, RFC 5861).

    Setting a property changes the header and calls ``on_update``: ``True``
    writes a bare directive, ``False`` or ``None`` removes it, and an int
    writes ``name=value``. ``no_cache`` and ``private`` may also hold a
    field-name list string.
    """

    __slots__ = ()

    no_cache = _Directive("no-cache", "bool_or_str")
    public = _Directive("public", "bool")
    private = _Directive("private", "bool_or_str")
    must_revalidate = _Directive("must-revalidate", "bool")
    proxy_revalidate = _Directive("proxy-revalidate", "bool")
    s_maxage = _Directive("s-maxage", "int")
    immutable = _Directive("immutable", "bool")
    must_understand = _Directive("must-understand", "bool")
    stale_while_revalidate = _Directive("stale-while-revalidate", "int")
