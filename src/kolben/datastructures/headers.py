"""HTTP header collections (layer 1).

:class:`Headers` is the ordered, case-insensitive, multi-valued list of
``(name, value)`` pairs a response sends. Every name and value that enters it
is checked: a CR, LF or NUL could split the response and let a client inject
headers or a body (response splitting), and a character past Latin-1 cannot
be sent by any server, so those raise :class:`ValueError` (the checks are in
``_header_checks.py``).

:class:`EnvironHeaders` is a read-only view of the request headers stored in
a PEP 3333 ``environ`` dict.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable, Iterator, Mapping

from .._internal import MISSING
from ..exceptions import BadRequestKeyError
from ._header_checks import _check_name, _check_pair, _check_value, _to_text, _with_params
from .multidict import MultiDict, iter_multi_items

__all__ = ["EnvironHeaders", "Headers"]

T = t.TypeVar("T")
_Pair = tuple[str, str]

#: What headers can be built from: headers, a mapping (list or tuple values give
#: several headers of that name) or an iterable of ``(name, value)`` pairs.
HeadersSource = t.Union["Headers", Mapping[str, t.Any], Iterable[tuple[str, t.Any]]]

def _convert(values: Iterable[str], type: Callable[[str], T] | None) -> list[t.Any]:
    if type is None:
        return list(values)
    result = []
    for value in values:
        try:
            result.append(type(value))
        except (ValueError, TypeError):
            pass
    return result


class Headers:
    """An ordered list of ``(name, value)`` header pairs; names are case-insensitive.

    Built from ``defaults``: headers, a mapping (a list or tuple value adds
    several headers with that name) or an iterable of pairs. Values that are
    not strings are converted with ``str()`` (bytes are read as Latin-1). Names
    and values holding CR, LF or NUL raise :class:`ValueError`.

    Iteration yields ``(name, value)`` pairs, like the WSGI header list.
    """

    __slots__ = ("_list",)

    def __init__(self, defaults: HeadersSource | None = None) -> None:
        self._list: list[_Pair] = []
        if defaults is not None:
            self.extend(defaults)

    # -- reading ---------------------------------------------------------

    @t.overload
    def __getitem__(self, key: str) -> str: ...
    @t.overload
    def __getitem__(self, key: int) -> _Pair: ...
    @t.overload
    def __getitem__(self, key: slice) -> Headers: ...

    def __getitem__(self, key: str | int | slice) -> str | _Pair | Headers:
        """``h[name]``: the first value (:class:`KeyError` if none); ``h[i]``: a pair."""
        if isinstance(key, str):
            value = self._first(key)
            if value is None:
                raise BadRequestKeyError(key)
            return value
        if isinstance(key, slice):
            rv = Headers()
            rv._list = self._list[key]
            return rv
        if isinstance(key, int):
            return self._list[key]
        raise BadRequestKeyError(key)

    def _first(self, key: str) -> str | None:
        """The first value of ``key``, or ``None``: lookups without raising."""
        lower = key.lower()
        for name, value in self._list:
            if name == key or name.lower() == lower:
                return value
        return None

    @t.overload
    def get(self, key: str) -> str | None: ...
    @t.overload
    def get(self, key: str, default: str) -> str: ...
    @t.overload
    def get(self, key: str, default: T) -> str | T: ...
    @t.overload
    def get(self, key: str, default: None = None, *, type: Callable[[str], T]) -> T | None: ...
    @t.overload
    def get(self, key: str, default: T, type: Callable[[str], T]) -> T: ...

    def get(
        self, key: str, default: t.Any = None, type: Callable[[str], t.Any] | None = None
    ) -> t.Any:
        """Return the first value of ``key``, or ``default`` when it is missing.

        With ``type`` the value is converted; when the conversion raises
        :class:`ValueError` or :class:`TypeError`, ``default`` is returned.
        """
        # PERF: missing headers are common (``get("If-None-Match")``); a
        # lookup that returns None avoids building a BadRequestKeyError.
        value = self._first(key)
        if value is None:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    @t.overload
    def getlist(self, key: str) -> list[str]: ...
    @t.overload
    def getlist(self, key: str, type: Callable[[str], T]) -> list[T]: ...

    def getlist(self, key: str, type: Callable[[str], t.Any] | None = None) -> list[t.Any]:
        """Return every value of ``key`` in order (empty when missing).

        With ``type`` each value is converted; values it rejects are left out.
        """
        lower = key.lower()
        return _convert((v for n, v in self._list if n.lower() == lower), type)

    def get_all(self, name: str) -> list[str]:
        """Return every value of ``name``; the same as :meth:`getlist`."""
        return self.getlist(name)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._first(key) is not None

    def __iter__(self) -> Iterator[_Pair]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def keys(self, lower: bool = False) -> list[str]:
        """Return the names in order, repeated per value; lower-cased with ``lower``."""
        if lower:
            return [name.lower() for name, _value in self._list]
        return [name for name, _value in self._list]

    def values(self) -> list[str]:
        """Return the values in order."""
        return [value for _name, value in self._list]

    def items(self, lower: bool = False) -> list[_Pair]:
        """Return the ``(name, value)`` pairs in order; names lower-cased with ``lower``."""
        if lower:
            return [(name.lower(), value) for name, value in self._list]
        return list(self._list)

    def to_wsgi_list(self) -> list[_Pair]:
        """Return the header list for ``start_response``: the stored list itself."""
        return self._list

    def copy(self) -> Headers:
        """Return an independent copy."""
        return self.__class__(self)

    def __copy__(self) -> Headers:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, t.Any]) -> Headers:
        # Names and values are strings: a copy of the list is a deep copy.
        return self.copy()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return _by_name(self._list) == _by_name(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        """The header block as sent on the wire, ending with an empty line."""
        lines = [f"{name}: {value}\r\n" for name, value in self._list]
        lines.append("\r\n")
        return "".join(lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"

    # -- writing ---------------------------------------------------------

    def add(self, key: str, value: t.Any, /, **params: t.Any) -> None:
        """Append a header; keyword arguments become parameters.

        ``add("Content-Disposition", "attachment", filename="a b.txt")`` adds
        ``attachment; filename="a b.txt"``.
        """
        name = _check_name(key)
        self._list.append((name, _check_value(_with_params(value, params), name)))

    def add_header(self, key: str, value: t.Any, /, **params: t.Any) -> None:
        """Append a header; the same as :meth:`add`."""
        self.add(key, value, **params)

    def set(self, key: str, value: t.Any, /, **params: t.Any) -> None:
        """Replace every value of ``key`` with ``value``, at the place of the first one."""
        name = _check_name(key)
        self._replace(name, [_check_value(_with_params(value, params), name)])

    def setlist(self, key: str, values: Iterable[t.Any]) -> None:
        """Replace every value of ``key`` with ``values``; an empty iterable removes it."""
        checked = [_check_value(value, _to_text(key)) for value in values]
        if checked:
            self._replace(_check_name(key), checked)
        else:
            self.remove(key)

    def setdefault(self, key: str, default: t.Any) -> str:
        """Return the first value of ``key``, setting it to ``default`` first if missing."""
        try:
            return self[key]
        except KeyError:
            pass
        name = _check_name(key)
        value = _check_value(default, name)
        self._replace(name, [value])
        return value

    def setlistdefault(self, key: str, default: Iterable[t.Any]) -> list[str]:
        """Return the values of ``key``, setting them to ``default`` first if missing.

        The returned list is a copy: changing it does not change the headers.
        """
        if key not in self:
            self.setlist(key, default)
        return self.getlist(key)

    def __setitem__(self, key: str | int | slice, value: t.Any) -> None:
        """``h[name] = value`` replaces all values; ``h[i] = (name, value)`` one pair."""
        if isinstance(key, str):
            name = _check_name(key)
            self._replace(name, [_check_value(value, name)])
        elif isinstance(key, slice):
            self._list[key] = [_check_pair(n, v) for n, v in value]
        elif isinstance(key, int):
            name, text = value
            self._list[key] = _check_pair(name, text)
        else:
            raise TypeError(f"Header keys must be str, int or slice, not {type(key).__name__}.")

    def extend(self, arg: HeadersSource | None = None, /, **kwargs: t.Any) -> None:
        """Add the headers of ``arg`` and ``kwargs``, keeping the existing ones."""
        if arg is not None:
            if isinstance(arg, Headers) and not isinstance(arg, EnvironHeaders):
                # PERF: another Headers' pairs were checked when they entered it.
                self._list.extend(arg._list)
            else:
                for key, value in iter_multi_items(arg):
                    self._list.append(_check_pair(key, value))
        for key, value in iter_multi_items(kwargs):
            self._list.append(_check_pair(key, value))

    def update(self, arg: HeadersSource | None = None, /, **kwargs: t.Any) -> None:
        """Replace the headers named in ``arg`` and ``kwargs`` with their new values.

        Every value given for a name replaces that name's old values, so
        ``update([("X", "1"), ("X", "2")])`` leaves both; names not given are
        untouched. A mapping value may be a list or tuple of values; an empty
        one removes the header.
        """
        groups: dict[str, tuple[str, list[str]]] = {}

        def collect(key: t.Any, values: Iterable[t.Any]) -> None:
            name = _check_name(key)
            entry = groups.setdefault(name.lower(), (name, []))
            entry[1].extend(_check_value(value, name) for value in values)

        def collect_mapping(mapping: Mapping[t.Any, t.Any]) -> None:
            for key, value in mapping.items():
                collect(key, value if isinstance(value, (list, tuple)) else [value])

        if arg is None:
            pass
        elif isinstance(arg, MultiDict):
            for key, values in arg.lists():
                collect(key, values)
        elif isinstance(arg, Mapping):
            collect_mapping(arg)
        else:
            for key, value in arg:
                collect(key, [value])
        collect_mapping(kwargs)
        for lower, (name, values) in groups.items():
            if values:
                self._replace(name, values)
            else:
                self.remove(lower)

    def _replace(self, name: str, values: list[str]) -> None:
        """Put ``values`` (already checked) where the first ``name`` header is."""
        lower = name.lower()
        items = self._list
        for index, (old, _value) in enumerate(items):
            if old.lower() == lower:
                rest = [item for item in items[index + 1 :] if item[0].lower() != lower]
                # Slice assignment keeps the list object: to_wsgi_list() shares it.
                items[index:] = [(name, value) for value in values] + rest
                return
        items.extend((name, value) for value in values)

    def remove(self, key: str) -> None:
        """Remove every header named ``key``; nothing happens if there is none."""
        lower = key.lower()
        self._list[:] = [item for item in self._list if item[0].lower() != lower]

    def __delitem__(self, key: str | int | slice) -> None:
        """``del h[name]`` removes every value (no error if missing); ``del h[i]`` one pair."""
        if isinstance(key, str):
            self.remove(key)
        else:
            del self._list[key]

    @t.overload
    def pop(self) -> _Pair: ...
    @t.overload
    def pop(self, key: int) -> _Pair: ...
    @t.overload
    def pop(self, key: str) -> str: ...
    @t.overload
    def pop(self, key: str, default: T) -> str | T: ...

    def pop(self, key: str | int | None = None, default: t.Any = MISSING) -> t.Any:
        """Remove and return a header.

        No key: the last pair. An int: the pair at that index. A name: its
        first value, after removing all its values; a missing name returns
        ``default`` if given, else raises :class:`KeyError`.
        """
        if key is None:
            return self._list.pop()
        if isinstance(key, int):
            return self._list.pop(key)
        try:
            value = self[key]
        except KeyError:
            if default is not MISSING:
                return default
            raise
        self.remove(key)
        return value

    def popitem(self) -> _Pair:
        """Remove and return the last ``(name, value)`` pair (:class:`IndexError` if empty)."""
        return self._list.pop()

    def clear(self) -> None:
        """Remove every header."""
        self._list.clear()

    def __or__(self, other: t.Any) -> Headers:
        if not isinstance(other, (Headers, Mapping)):
            return NotImplemented
        rv = self.copy()
        rv.update(other)
        return rv

    def __ior__(self, other: t.Any) -> Headers:
        if not isinstance(other, (Headers, Mapping, Iterable)):
            return NotImplemented
        self.update(other)
        return self


def _by_name(items: Iterable[_Pair]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(name.lower(), []).append(value)
    return grouped


# PEP 3333: the request headers are environ keys "HTTP_<NAME>", except these
# two, which CGI keeps without the prefix.
_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_PREFIXED_DUPLICATES = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


_ENVIRON_KEYS: dict[str, str] = {}


def _environ_key(name: str) -> str:
    # PERF: views ask for the same few header names on every request; the
    # upper/replace/concatenate work is done once per name (bounded cache).
    key = _ENVIRON_KEYS.get(name)
    if key is not None:
        return key
    key = name.upper().replace("-", "_")
    if key not in _UNPREFIXED:
        key = "HTTP_" + key
    if len(_ENVIRON_KEYS) < 2048:
        _ENVIRON_KEYS[name] = key
    return key


def _read_only(obj: object) -> t.NoReturn:
    raise TypeError(
        f"'{type(obj).__name__}' objects are read-only; copy them into a Headers to change them."
    )


class EnvironHeaders(Headers):
    """A read-only :class:`Headers` view of the request headers in a WSGI ``environ``.

    ``h["X-Foo-Bar"]`` reads ``environ["HTTP_X_FOO_BAR"]``; ``Content-Type``
    and ``Content-Length`` read ``CONTENT_TYPE`` and ``CONTENT_LENGTH``, and
    count as missing when empty. Iteration yields ``(Title-Cased-Name,
    value)`` pairs. Each name has one value, as the server joined them. Every
    change raises :class:`TypeError`; :meth:`copy` returns a mutable
    :class:`Headers`.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: Mapping[str, t.Any]) -> None:
        #: The WSGI environ the headers are read from.
        self.environ = environ

    @property
    def _list(self) -> list[_Pair]:
        return list(self)

    @_list.setter
    def _list(self, value: list[_Pair]) -> None:
        _read_only(self)

    def _first(self, key: str) -> str | None:
        environ_key = _environ_key(key)
        value = self.environ.get(environ_key)
        if value is None or (not value and environ_key in _UNPREFIXED):
            return None
        return value if value.__class__ is str else _to_text(value)

    def get(
        self, key: str, default: t.Any = None, type: Callable[[str], t.Any] | None = None
    ) -> t.Any:
        """Return the header ``key``, or ``default`` when it is missing."""
        # PERF: the hottest call on request headers; one method, no helpers.
        environ_key = _ENVIRON_KEYS.get(key) or _environ_key(key)
        value = self.environ.get(environ_key)
        if value is None or (not value and environ_key in _UNPREFIXED):
            return default
        if value.__class__ is not str:
            value = _to_text(value)
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: Callable[[str], t.Any] | None = None) -> list[t.Any]:
        """Return ``[value]`` for a present header, ``[]`` otherwise (converted with ``type``)."""
        value = self._first(key)
        return [] if value is None else _convert([value], type)

    def __iter__(self) -> Iterator[_Pair]:
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key in _PREFIXED_DUPLICATES:
                    continue
                name = key[5:]
            elif key in _UNPREFIXED and value:
                name = key
            else:
                continue
            text = value if value.__class__ is str else _to_text(value)
            yield name.replace("_", "-").title(), text

    def __len__(self) -> int:
        return sum(1 for _pair in self)

    def copy(self) -> Headers:
        """Return the headers as a new, mutable :class:`Headers`."""
        return Headers(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"

    def add(self, key: str, value: t.Any, /, **params: t.Any) -> t.NoReturn:
        _read_only(self)

    def set(self, key: str, value: t.Any, /, **params: t.Any) -> t.NoReturn:
        _read_only(self)

    def setlist(self, key: str, values: Iterable[t.Any]) -> t.NoReturn:
        _read_only(self)

    def setdefault(self, key: str, default: t.Any) -> t.NoReturn:
        _read_only(self)

    def setlistdefault(self, key: str, default: Iterable[t.Any]) -> t.NoReturn:
        _read_only(self)

    def __setitem__(self, key: str | int | slice, value: t.Any) -> t.NoReturn:
        _read_only(self)

    def extend(self, arg: HeadersSource | None = None, /, **kwargs: t.Any) -> t.NoReturn:
        _read_only(self)

    def update(self, arg: HeadersSource | None = None, /, **kwargs: t.Any) -> t.NoReturn:
        _read_only(self)

    def remove(self, key: str) -> t.NoReturn:
        _read_only(self)

    def __delitem__(self, key: str | int | slice) -> t.NoReturn:
        _read_only(self)

    def pop(self, key: str | int | None = None, default: t.Any = MISSING) -> t.NoReturn:
        _read_only(self)

    def popitem(self) -> t.NoReturn:
        _read_only(self)

    def clear(self) -> t.NoReturn:
        _read_only(self)

    def __ior__(self, other: t.Any) -> t.NoReturn:
        _read_only(self)
