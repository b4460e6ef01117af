"""Dicts with several values per key (layer 1).

A query string or a form can repeat a key (``?tag=a&tag=b``), so the request
keeps them in a :class:`MultiDict`: a ``dict`` mapping each key to the list of
its values, where ``d[key]`` gives the first value and ``getlist`` gives all.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping
from copy import deepcopy as _deepcopy

from .._internal import MISSING
from ..exceptions import BadRequestKeyError

__all__ = [
    "CombinedMultiDict",
    "ImmutableMultiDict",
    "MultiDict",
    "iter_multi_items",
]

K = t.TypeVar("K")
V = t.TypeVar("V")
T = t.TypeVar("T")
_MD = t.TypeVar("_MD", bound="MultiDict[t.Any, t.Any]")

#: What a multidict can be built from or updated with: a multidict, a mapping
#: (whose list or tuple values count as several values) or ``(key, value)`` pairs.
MultiDictSource = t.Union["MultiDict[K, V]", Mapping[K, t.Any], Iterable[tuple[K, V]]]


def _immutable(obj: object) -> t.NoReturn:
    raise TypeError(f"'{type(obj).__name__}' objects are immutable; make a mutable copy first.")


def iter_multi_items(mapping: t.Any) -> Iterator[tuple[t.Any, t.Any]]:
    """Yield ``(key, value)`` pairs from a multidict, a mapping or an iterable of pairs.

    A multidict gives every value of every key; in a plain mapping a list or
    tuple value gives one pair per item.
    """
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, Mapping):
        for key, value in mapping.items():
            if isinstance(value, (list, tuple)):
                for item in value:
                    yield key, item
            else:
                yield key, value
    else:
        yield from mapping


class MultiDict(dict[K, list[V]]):
    """A ``dict`` of lists where ``d[key]`` is the first value of ``key``.

    Build it from a multidict, from a mapping (list or tuple values give
    several values for that key) or from an iterable of ``(key, value)`` pairs.
    A missing key raises :class:`~kolben.exceptions.BadRequestKeyError`, a
    :class:`KeyError` that becomes a 400 if it reaches the client.
    """

    __slots__ = ()

    @t.overload
    def __init__(self, mapping: None = None) -> None: ...
    @t.overload
    def __init__(self, mapping: MultiDict[K, V]) -> None: ...
    @t.overload
    def __init__(self, mapping: Mapping[K, list[V]]) -> None: ...
    @t.overload
    def __init__(self, mapping: Mapping[K, tuple[V, ...]]) -> None: ...
    @t.overload
    def __init__(self, mapping: Mapping[K, V]) -> None: ...
    @t.overload
    def __init__(self, mapping: Iterable[tuple[K, V]]) -> None: ...

    def __init__(self, mapping: MultiDictSource[K, V] | None = None) -> None:
        super().__init__()
        if mapping is None:
            return
        # The dict-level calls bypass our own (possibly immutable) mutators.
        if isinstance(mapping, MultiDict):
            for key, values in mapping.lists():
                dict.__setitem__(self, key, list(values))
        elif isinstance(mapping, Mapping):
            for key, value in mapping.items():
                if isinstance(value, (list, tuple)):
                    if value:
                        dict.__setitem__(self, key, list(value))
                else:
                    dict.__setitem__(self, key, [value])
        else:
            for key, value in mapping:
                dict.setdefault(self, key, []).append(value)

    @classmethod
    def _from_pairs(cls: type[_MD], pairs: Iterable[tuple[t.Any, t.Any]]) -> _MD:
        """Build an instance from ``(key, value)`` pairs without the type dispatch."""
        # PERF: every request that reads ``request.args`` or a urlencoded form
        # builds one of these from the parser's pair list. Filling the new
        # instance straight through a local ``dict.setdefault`` skips
        # ``__init__``'s type dispatch (an ABC isinstance check costs as much
        # as the whole loop for a short query): about 1.5x faster.
        rv = dict.__new__(cls)
        setdefault = dict.setdefault
        for key, value in pairs:
            setdefault(rv, key, []).append(value)
        return rv

    # -- reading ---------------------------------------------------------

    def __getitem__(self, key: K) -> V:  # type: ignore[override]
        try:
            return dict.__getitem__(self, key)[0]
        except (KeyError, IndexError):
            raise BadRequestKeyError(key) from None

    @t.overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @t.overload
    def get(self, key: K, default: V) -> V: ...
    @t.overload
    def get(self, key: K, default: T) -> V | T: ...
    @t.overload
    def get(self, key: K, default: None = None, *, type: Callable[[V], T]) -> T | None: ...
    @t.overload
    def get(self, key: K, default: T, type: Callable[[V], T]) -> T: ...

    def get(self, key: K, default: t.Any = None, type: Callable[[V], t.Any] | None = None) -> t.Any:
        """Return the first value of ``key``, or ``default`` when it is missing.

        With ``type``, the value is passed through it; when that raises
        :class:`ValueError` or :class:`TypeError`, ``default`` is returned.
        """
        # PERF: a missing key is the common case of ``args.get("page")``;
        # reading the list directly avoids building a BadRequestKeyError.
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    @t.overload
    def getlist(self, key: K) -> list[V]: ...
    @t.overload
    def getlist(self, key: K, type: Callable[[V], T]) -> list[T]: ...

    def getlist(self, key: K, type: Callable[[V], t.Any] | None = None) -> list[t.Any]:
        """Return a new list of every value of ``key`` (empty when missing).

        With ``type``, each value is converted; values it rejects with
        :class:`ValueError` or :class:`TypeError` are left out.
        """
        try:
            values = dict.__getitem__(self, key)
        except KeyError:
            return []
        if type is None:
            return list(values)
        result = []
        for value in values:
            try:
                result.append(type(value))
            except (ValueError, TypeError):
                pass
        return result

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """Yield ``(key, first value)`` pairs, or every pair with ``multi=True``."""
        for key, values in dict.items(self):
            if multi:
                for value in values:
                    yield key, value
            elif values:
                yield key, values[0]

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """Yield ``(key, list of values)`` pairs; the lists are copies."""
        for key, values in dict.items(self):
            yield key, list(values)

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """Yield the first value of each key."""
        for values in dict.values(self):
            if values:
                yield values[0]

    def listvalues(self) -> Iterator[list[V]]:
        """Yield the list of values of each key (copies)."""
        for values in dict.values(self):
            yield list(values)

    def to_dict(self, flat: bool = True) -> dict[K, t.Any]:
        """Return a plain dict: first values, or lists of values with ``flat=False``."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def copy(self) -> MultiDict[K, V]:
        """Return a shallow copy (the value lists are new, the values are shared)."""
        return self.__class__(self)

    def deepcopy(self, memo: dict[int, t.Any] | None = None) -> MultiDict[K, V]:
        """Return a copy whose values are deep-copied too."""
        return self.__class__(_deepcopy(self.to_dict(flat=False), memo))

    def __copy__(self) -> MultiDict[K, V]:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, t.Any]) -> MultiDict[K, V]:
        return self.deepcopy(memo)

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> tuple[t.Any, ...]:
        # dict's default pickling would replay ``self[key] = value`` with our
        # first-value ``items()``: losing values, or raising when immutable.
        return (self.__class__, (self.to_dict(flat=False),))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"

    # -- writing ---------------------------------------------------------

    def __setitem__(self, key: K, value: V) -> None:  # type: ignore[override]
        """Replace every value of ``key`` with ``value``."""
        dict.__setitem__(self, key, [value])

    def add(self, key: K, value: V) -> None:
        """Append ``value`` to the values of ``key``."""
        dict.setdefault(self, key, []).append(value)

    def setlist(self, key: K, new_list: Iterable[V]) -> None:
        """Replace the values of ``key`` with the items of ``new_list``."""
        dict.__setitem__(self, key, list(new_list))

    def setdefault(self, key: K, default: t.Any = None) -> t.Any:
        """Return the first value of ``key``, first setting it to ``default`` if missing."""
        if key in self:
            return self[key]
        self[key] = default
        return default

    def setlistdefault(self, key: K, default_list: Iterable[V] | None = None) -> list[V]:
        """Return the (live) value list of ``key``, first setting it if missing.

        The returned list is the one stored, so appending to it adds values.
        """
        if key not in self:
            dict.__setitem__(self, key, list(default_list or ()))
        return dict.__getitem__(self, key)

    def update(  # type: ignore[override]
        self, mapping: MultiDictSource[K, V] | None = None, /, **kwargs: V
    ) -> None:
        """Add the values of ``mapping`` and ``kwargs``; existing values are kept."""
        if mapping is not None:
            for key, value in iter_multi_items(mapping):
                self.add(key, value)
        for key, value in iter_multi_items(kwargs):
            self.add(key, value)

    def __or__(self, other: t.Any) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, Mapping):
            return NotImplemented
        rv: MultiDict[K, V] = MultiDict(self)
        rv.update(other)
        return rv

    def __ior__(self, other: t.Any) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, (Mapping, Iterable)):
            return NotImplemented
        self.update(other)
        return self

    @t.overload  # type: ignore[override]
    def pop(self, key: K) -> V: ...
    @t.overload
    def pop(self, key: K, default: V | T) -> V | T: ...

    def pop(self, key: K, default: t.Any = MISSING) -> t.Any:
        """Remove ``key`` and return its first value.

        A missing key returns ``default`` if given, else raises
        :class:`~kolben.exceptions.BadRequestKeyError`.
        """
        values = dict.pop(self, key, None)
        if values:
            return values[0]
        if default is not MISSING:
            return default
        raise BadRequestKeyError(key)

    def popitem(self) -> tuple[K, V]:  # type: ignore[override]
        """Remove a key and return it with its first value."""
        try:
            key, values = dict.popitem(self)
        except KeyError as error:
            raise BadRequestKeyError(error.args[0] if error.args else None) from None
        if not values:
            raise BadRequestKeyError(key)
        return key, values[0]

    def poplist(self, key: K) -> list[V]:
        """Remove ``key`` and return all its values (empty when missing)."""
        return dict.pop(self, key, [])

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove a key and return it with the list of its values."""
        try:
            return dict.popitem(self)
        except KeyError as error:
            raise BadRequestKeyError(error.args[0] if error.args else None) from None


class ImmutableMultiDict(MultiDict[K, V]):
    """A read-only :class:`MultiDict`: every change raises :class:`TypeError`.

    It is hashable, and :meth:`copy` gives a mutable :class:`MultiDict`.
    """

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset((key, tuple(values)) for key, values in self.lists()))

    def copy(self) -> MultiDict[K, V]:
        """Return a mutable :class:`MultiDict` copy."""
        return MultiDict(self)

    def __copy__(self) -> ImmutableMultiDict[K, V]:
        return self

    def __setitem__(self, key: K, value: V) -> t.NoReturn:  # type: ignore[override]
        _immutable(self)

    def __delitem__(self, key: K) -> t.NoReturn:
        _immutable(self)

    def add(self, key: K, value: V) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def setlist(self, key: K, new_list: Iterable[V]) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def setdefault(self, key: K, default: t.Any = None) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def setlistdefault(self, key: K, default_list: Iterable[V] | None = None) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def update(self, mapping: t.Any = None, /, **kwargs: V) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def __ior__(self, other: t.Any) -> t.NoReturn:
        _immutable(self)

    def pop(self, key: K, default: t.Any = MISSING) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def popitem(self) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def poplist(self, key: K) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def popitemlist(self) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)

    def clear(self) -> t.NoReturn:
        """Not allowed: raises :class:`TypeError`."""
        _immutable(self)


class CombinedMultiDict(ImmutableMultiDict[K, V]):
    """A read-only view over several multidicts (``request.values`` = args + form).

    ``d[key]`` and :meth:`get` read the first dict that holds ``key``;
    :meth:`getlist` joins the values of every dict; keys are the union, in
    order of first appearance. Changes to the underlying dicts show through.
    """

    __slots__ = ("dicts",)

    def __init__(self, dicts: Iterable[MultiDict[K, V]] | None = None) -> None:
        super().__init__()
        #: The combined multidicts, searched in order.
        self.dicts: list[MultiDict[K, V]] = list(dicts or ())

    def __reduce_ex__(self, protocol: t.SupportsIndex) -> tuple[t.Any, ...]:
        return (self.__class__, (self.dicts,))

    def __getitem__(self, key: K) -> V:  # type: ignore[override]
        for d in self.dicts:
            try:
                return d[key]
            except KeyError:
                pass
        raise BadRequestKeyError(key)

    def get(self, key: K, default: t.Any = None, type: Callable[[V], t.Any] | None = None) -> t.Any:
        """Return the first value of ``key`` from the first dict holding it.

        With ``type``, the first value (across the dicts) that converts
        without :class:`ValueError`/:class:`TypeError` wins; else ``default``.
        """
        for d in self.dicts:
            try:
                value = d[key]
            except KeyError:
                continue
            if type is None:
                return value
            try:
                return type(value)
            except (ValueError, TypeError):
                continue
        return default

    def getlist(self, key: K, type: Callable[[V], t.Any] | None = None) -> list[t.Any]:
        """Return the values of ``key`` from every dict, in order."""
        result: list[t.Any] = []
        for d in self.dicts:
            result.extend(d.getlist(key, type) if type is not None else d.getlist(key))
        return result

    def _keys(self) -> dict[K, None]:
        return dict.fromkeys(key for d in self.dicts for key in d)

    def keys(self) -> KeysView[K]:  # type: ignore[override]
        """The keys of every dict, without repeats."""
        return self._keys().keys()

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __contains__(self, key: object) -> bool:
        return any(key in d for d in self.dicts)

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """Yield ``(key, value)``: the first value per key, or every pair with ``multi``."""
        if multi:
            for d in self.dicts:
                yield from d.items(multi=True)
            return
        for key in self._keys():
            try:
                yield key, self[key]
            except KeyError:
                pass

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """Yield ``(key, joined list of values)`` pairs."""
        for key in self._keys():
            yield key, self.getlist(key)

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """Yield the first value of each key."""
        for _key, value in self.items():
            yield value

    def listvalues(self) -> Iterator[list[V]]:
        """Yield the joined list of values of each key."""
        for _key, values in self.lists():
            yield values

    def copy(self) -> MultiDict[K, V]:
        """Return a mutable :class:`MultiDict` holding every value."""
        return MultiDict(self)

    def __copy__(self) -> CombinedMultiDict[K, V]:
        return self.__class__(self.dicts)

    def deepcopy(self, memo: dict[int, t.Any] | None = None) -> MultiDict[K, V]:
        """Return a mutable deep copy."""
        return MultiDict(_deepcopy(self.to_dict(flat=False), memo))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return self.to_dict(flat=False) == other.to_dict(flat=False)
        if isinstance(other, Mapping):
            return self.to_dict(flat=False) == dict(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset((key, tuple(values)) for key, values in self.lists()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"
