"""Small general containers (layer 1).

:class:`CallbackDict` and :class:`HeaderSet` report every change to an
``on_update`` callback, which is how a response keeps a parsed header (a
``Cache-Control`` dict, a ``Vary`` set) in sync with its header list.
:class:`ImmutableDict` and :class:`ImmutableList` are read-only, hashable
versions of the builtins. :class:`TypeConversionDict` is a ``dict`` whose
``get`` converts the value it finds.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable, Iterator

from .._grammar import quote_header_value
from .._internal import MISSING
from .multidict import _immutable

__all__ = [
    "CallbackDict",
    "HeaderSet",
    "ImmutableDict",
    "ImmutableList",
    "ImmutableTypeConversionDict",
    "TypeConversionDict",
]

K = t.TypeVar("K")
V = t.TypeVar("V")
T = t.TypeVar("T")
_CD = t.TypeVar("_CD", bound="CallbackDict[t.Any, t.Any]")


class CallbackDict(dict[K, V]):
    """A ``dict`` that calls ``on_update(self)`` after each change.

    Changes are item assignment and deletion, :meth:`clear`, :meth:`pop` and
    :meth:`popitem`, :meth:`update` (and ``|=``), and :meth:`setdefault` when it
    inserts a key. Reading never calls it.
    """

    __slots__ = ("on_update",)

    def __init__(
        self,
        initial: t.Any = None,
        on_update: Callable[[CallbackDict[K, V]], None] | None = None,
    ) -> None:
        if initial is None:
            super().__init__()
        else:
            super().__init__(initial)
        #: Called with the dict after every change; ``None`` for no callback.
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        """Remove every item."""
        super().clear()
        self._changed()

    def pop(self, key: K, default: t.Any = MISSING) -> t.Any:
        """Remove ``key`` and return its value (``default`` when missing, else KeyError)."""
        if key in self:
            value = super().pop(key)
            self._changed()
            return value
        if default is MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[K, V]:
        """Remove and return the last inserted item."""
        item = super().popitem()
        self._changed()
        return item

    def setdefault(self, key: K, default: t.Any = None) -> t.Any:
        """Return the value of ``key``, inserting ``default`` first when it is missing."""
        if key in self:
            return self[key]
        super().__setitem__(key, default)
        self._changed()
        return default

    def update(self, *args: t.Any, **kwargs: V) -> None:
        """Update from a mapping or pairs and keyword arguments, like ``dict.update``."""
        super().update(*args, **kwargs)
        self._changed()

    def __ior__(self: _CD, other: t.Any) -> _CD:  # type: ignore[misc,override]
        self.update(other)
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class HeaderSet:
    """An ordered, case-insensitive set of header tokens (``Vary``, ``Allow``).

    Tokens keep the case they were added with; membership ignores case.
    ``on_update(self)`` is called after every change.
    """

    __slots__ = ("_items", "_lower", "on_update")

    def __init__(
        self,
        headers: Iterable[str] | None = None,
        on_update: Callable[[HeaderSet], None] | None = None,
    ) -> None:
        self._items: list[str] = []
        self._lower: set[str] = set()
        for header in headers or ():
            self._insert(header)
        #: Called with the set after every change; ``None`` for no callback.
        self.on_update = on_update

    def _insert(self, header: str) -> bool:
        lower = header.lower()
        if lower in self._lower:
            return False
        self._items.append(header)
        self._lower.add(lower)
        return True

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def add(self, header: str) -> None:
        """Add ``header`` unless it is already present (in any case)."""
        if self._insert(header):
            self._changed()

    def update(self, iterable: Iterable[str]) -> None:
        """Add every token of ``iterable``; one update call if anything was added."""
        changed = False
        for header in iterable:
            changed = self._insert(header) or changed
        if changed:
            self._changed()

    def remove(self, header: str) -> None:
        """Remove ``header`` (any case); raise :class:`KeyError` if absent."""
        index = self.find(header)
        if index < 0:
            raise KeyError(header)
        self._lower.discard(self._items.pop(index).lower())
        self._changed()

    def discard(self, header: str) -> None:
        """Remove ``header`` if present."""
        try:
            self.remove(header)
        except KeyError:
            pass

    def clear(self) -> None:
        """Remove every token."""
        self._items.clear()
        self._lower.clear()
        self._changed()

    def find(self, header: str) -> int:
        """Return the position of ``header`` (any case), or ``-1``."""
        lower = header.lower()
        if lower not in self._lower:
            return -1
        for index, item in enumerate(self._items):
            if item.lower() == lower:
                return index
        return -1  # pragma: no cover - _lower and _items always agree

    def index(self, header: str) -> int:
        """Return the position of ``header`` (any case); raise :class:`IndexError` if absent."""
        index = self.find(header)
        if index < 0:
            raise IndexError(header)
        return index

    def __getitem__(self, index: int) -> str:
        return self._items[index]

    def __delitem__(self, index: int) -> None:
        self._lower.discard(self._items.pop(index).lower())
        self._changed()

    def __contains__(self, header: object) -> bool:
        return isinstance(header, str) and header.lower() in self._lower

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HeaderSet):
            return self._lower == other._lower
        return NotImplemented

    def as_set(self, preserve_casing: bool = False) -> set[str]:
        """Return the tokens as a ``set``, lower-cased unless ``preserve_casing``."""
        if preserve_casing:
            return set(self._items)
        return set(self._lower)

    def to_header(self) -> str:
        """Return the header value: tokens joined by ``", "``, quoted when needed."""
        return ", ".join(quote_header_value(item) for item in self._items)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class ImmutableDict(dict[K, V]):
    """A read-only, hashable ``dict``; :meth:`copy` gives a plain mutable dict."""

    __slots__ = ()

    @classmethod
    def fromkeys(  # type: ignore[override]
        cls, keys: Iterable[K], value: V | None = None
    ) -> ImmutableDict[K, V | None]:
        """Build an instance with every key of ``keys`` mapped to ``value``."""
        return cls(dict.fromkeys(keys, value))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> tuple[t.Any, ...]:
        return (self.__class__, (dict(self),))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def copy(self) -> dict[K, V]:
        """Return a mutable ``dict`` copy."""
        return dict(self)

    def __copy__(self) -> ImmutableDict[K, V]:
        return self

    def __setitem__(self, key: K, value: V) -> t.NoReturn:
        _immutable(self)

    def __delitem__(self, key: K) -> t.NoReturn:
        _immutable(self)

    def setdefault(self, key: K, default: t.Any = None) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def update(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def __ior__(self, other: t.Any) -> t.NoReturn:  # type: ignore[misc]
        _immutable(self)

    def pop(self, key: K, default: t.Any = MISSING) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def popitem(self) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def clear(self) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)


class ImmutableList(list[V]):
    """A read-only, hashable ``list``; :meth:`copy` gives a plain mutable list."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> tuple[t.Any, ...]:
        return (self.__class__, (list(self),))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"

    def __setitem__(self, index: t.Any, value: t.Any) -> t.NoReturn:
        _immutable(self)

    def __delitem__(self, index: t.Any) -> t.NoReturn:
        _immutable(self)

    def __iadd__(self, other: t.Any) -> t.NoReturn:  # type: ignore[misc]
        _immutable(self)

    def __imul__(self, other: t.Any) -> t.NoReturn:  # type: ignore[misc]
        _immutable(self)

    def append(self, value: V) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def extend(self, values: Iterable[V]) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def insert(self, index: t.SupportsIndex, value: V) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def pop(self, index: t.SupportsIndex = -1) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def remove(self, value: V) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def reverse(self) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def sort(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def clear(self) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)


class TypeConversionDict(dict[K, V]):
    """A ``dict`` whose :meth:`get` can convert the value it returns.

    ``d.get("page", 1, type=int)`` gives ``int(d["page"])``, or ``1`` when
    the key is missing or ``int`` rejects the value.
    """

    __slots__ = ()

    @t.overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @t.overload
    def get(self, key: K, default: V | T) -> V | T: ...
    @t.overload
    def get(self, key: K, default: T | None = None, *, type: Callable[[V], T]) -> T | None: ...
    @t.overload
    def get(self, key: K, default: T, type: Callable[[V], T]) -> T: ...

    def get(self, key: K, default: t.Any = None, type: Callable[[V], t.Any] | None = None) -> t.Any:
        """Return ``self[key]``, or ``default`` when it is missing.

        With ``type``, the value is passed through it; when that raises
        :class:`ValueError` or :class:`TypeError`, ``default`` is returned.
        """
        try:
            value = self[key]
        except KeyError:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default


class ImmutableTypeConversionDict(ImmutableDict[K, V], TypeConversionDict[K, V]):
    """A read-only, hashable :class:`TypeConversionDict`; :meth:`copy` gives a
    mutable :class:`TypeConversionDict`."""

    __slots__ = ()

    def copy(self) -> TypeConversionDict[K, V]:
        """Return a mutable :class:`TypeConversionDict` copy."""
        return TypeConversionDict(self)
