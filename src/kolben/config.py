"""The application's configuration dict and the ways to fill it (layer 4).

:class:`Config` is a plain ``dict`` with loaders for Python files, objects,
environment variables and arbitrary file formats. By convention only keys
written entirely in upper case are configuration; the loaders skip the rest
(except :meth:`Config.from_prefixed_env`, which trusts the variable names).
"""

from __future__ import annotations

import errno
import json
import os
import types
import typing as t
from collections.abc import Callable, Mapping, MutableMapping

from ._imports import import_string

__all__ = ["Config", "ConfigAttribute"]

T = t.TypeVar("T")

# A missing file (or a path that cannot be a file) is what ``silent=True``
# forgives; permission errors and the like are always reported.
_MISSING_FILE_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR})


class _HasConfig(t.Protocol):
    @property
    def config(self) -> MutableMapping[str, t.Any]: ...


class ConfigAttribute(t.Generic[T]):
    """Expose one configuration key as an attribute of the owning object.

    The owner needs a ``config`` mapping. Reading the attribute reads
    ``owner.config[name]`` (passed through ``get_converter`` when given);
    assigning it writes the key back. The app class uses this for
    ``app.testing``, ``app.secret_key`` and friends.
    """

    def __init__(self, name: str, get_converter: Callable[[t.Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: type[t.Any] | None = None) -> ConfigAttribute[T]: ...

    @t.overload
    def __get__(self, obj: _HasConfig, owner: type[t.Any] | None = None) -> T: ...

    def __get__(
        self, obj: _HasConfig | None, owner: type[t.Any] | None = None
    ) -> ConfigAttribute[T] | T:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            return self.get_converter(value)
        return t.cast(T, value)

    def __set__(self, obj: _HasConfig, value: t.Any) -> None:
        obj.config[self.__name__] = value


class Config(dict[str, t.Any]):
    """A ``dict`` of configuration values with loaders for common sources.

    ``root_path`` is the directory relative file names are resolved against
    (the app's root path); ``defaults`` pre-fills the dict. Every loader
    returns ``True`` on success; the ``silent`` ones return ``False`` when
    the source is simply absent.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: Mapping[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def _resolve(self, filename: str | os.PathLike[str]) -> str:
        return os.path.join(self.root_path, filename)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file whose path the environment variable names.

        An unset or empty variable raises :class:`RuntimeError` naming the
        variable to set, or returns ``False`` when ``silent`` is true. The
        file itself is loaded with :meth:`from_pyfile`, honouring ``silent``.
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of a"
                " configuration file, for example:"
                f" export {variable_name}=/path/to/settings.py"
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "KOLBEN", *, loads: Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load every environment variable named ``{prefix}_*``.

        The prefix and its underscore are stripped to form the key. Each value
        goes through ``loads`` (JSON by default, so ``"42"`` becomes ``42`` and
        ``"true"`` becomes ``True``); a value ``loads`` rejects is kept as the
        raw string. A double underscore nests: ``KOLBEN_DB__HOST`` sets
        ``config["DB"]["HOST"]``, creating the inner dict when needed.
        Variables are applied in sorted order, so later names can refine
        earlier ones predictably. Code ported from Flask can keep calling it
        with ``prefix="FLASK"``.
        """
        start = f"{prefix}_"
        environ = os.environ
        for name in sorted(environ):
            if not name.startswith(start):
                continue
            raw = environ[name]
            key = name[len(start) :]
            value: t.Any
            try:
                value = loads(raw)
            except Exception:
                value = raw
            *parents, leaf = key.split("__")
            target: MutableMapping[str, t.Any] = self
            for depth, part in enumerate(parents):
                child = target.setdefault(part, {})
                if not isinstance(child, MutableMapping):
                    path = "".join(f"[{p!r}]" for p in parents[: depth + 1])
                    raise TypeError(
                        f"Cannot apply {name}: config{path} holds a"
                        f" {type(child).__name__}, not a dict to nest into."
                    )
                target = child
            target[leaf] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its upper-case globals.

        A relative ``filename`` is resolved against ``root_path``. With
        ``silent``, a file that does not exist (or a path that cannot be one)
        returns ``False``; any other :class:`OSError` is re-raised with its
        message prefixed by "Unable to load configuration file".
        """
        path = self._resolve(filename)
        try:
            with open(path, "rb") as fp:
                source = fp.read()
        except OSError as exc:
            if silent and exc.errno in _MISSING_FILE_ERRNOS:
                return False
            exc.strerror = f"Unable to load configuration file ({exc.strerror})"
            raise
        module = types.ModuleType("config")
        module.__file__ = path
        exec(compile(source, path, "exec"), module.__dict__)
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Copy the upper-case attributes of ``obj`` into the config.

        ``obj`` may be a module, a class, any object, or the import path of
        one (``"myapp.settings.Production"`` or ``"myapp.settings:Production"``).
        Class attributes are read through ``dir()``, so inherited settings of
        a settings class hierarchy are included.
        """
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[t.IO[t.Any]], Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load(fp)`` and merge the mapping it returns.

        ``load`` is, for example, :func:`json.load`, or :func:`tomllib.load`
        together with ``text=False`` (the file is then opened in binary mode;
        text mode reads UTF-8). Only upper-case keys are kept, as with
        :meth:`from_mapping`. ``silent`` and relative paths behave as in
        :meth:`from_pyfile`.
        """
        path = self._resolve(filename)
        try:
            if text:
                with open(path, encoding="utf-8") as fp:
                    data = load(fp)
            else:
                with open(path, "rb") as bfp:
                    data = load(bfp)
        except OSError as exc:
            if silent and exc.errno in _MISSING_FILE_ERRNOS:
                return False
            exc.strerror = f"Unable to load configuration file ({exc.strerror})"
            raise
        return self.from_mapping(data)

    def from_mapping(self, mapping: Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> bool:
        """Merge ``mapping`` and then ``kwargs``, keeping upper-case keys only."""
        merged: dict[str, t.Any] = {}
        if mapping is not None:
            merged.update(mapping)
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """Return the options whose key starts with ``namespace`` as a new dict.

        ``config.get_namespace("MAIL_")`` turns ``MAIL_SERVER`` into
        ``"server"``: the prefix is removed unless ``trim_namespace`` is false,
        and the key is lower-cased unless ``lowercase`` is false. Handy for
        passing a group of settings as keyword arguments.
        """
        result: dict[str, t.Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            result[name.lower() if lowercase else name] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
