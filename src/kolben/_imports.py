"""Resolve a dotted name to a Python object (layer 0: imports nothing of Kolben).

Used wherever Kolben accepts "an object, or the import path of one", such as
:meth:`kolben.config.Config.from_object`.
"""

from __future__ import annotations

import importlib
import typing as t
from types import ModuleType

__all__ = ["ImportStringError", "LazyModule", "import_string"]


class ImportStringError(ImportError):
    """A dotted name could not be resolved.

    ``import_name`` is the name that was asked for and ``exception`` the
    underlying error (an :class:`ImportError` or :class:`AttributeError`).
    """

    def __init__(self, import_name: str, exception: BaseException) -> None:
        self.import_name = import_name
        self.exception = exception
        super().__init__(f"Could not import {import_name!r}: {exception}")


def _resolve_attributes(obj: t.Any, owner: str, path: list[str]) -> t.Any:
    for part in path:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AttributeError(f"{owner!r} has no attribute {part!r}") from None
        owner = f"{owner}.{part}"
    return obj


def _import_dotted(name: str) -> t.Any:
    parts = name.split(".")
    if not all(parts):
        raise ImportError(f"{name!r} is not a valid dotted name")
    # Try the longest module prefix first, so ``pkg.mod.Class.attr`` works.
    # A ModuleNotFoundError for a module outside that prefix chain means the
    # module we are importing is broken (it imports something missing): never
    # mask that.
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if missing != module_name and not module_name.startswith(f"{missing}."):
                raise
            continue
        return _resolve_attributes(module, module_name, parts[cut:])
    raise ModuleNotFoundError(f"No module named {parts[0]!r}", name=parts[0])


def import_string(import_name: str, silent: bool = False) -> t.Any:
    """Import and return the object that ``import_name`` names.

    Two spellings are understood: ``"package.module:attr.sub"`` (the part
    before the colon is the module, the part after it a chain of attributes)
    and ``"package.module.attr"`` (the longest importable prefix is the
    module). A bare module name returns the module.

    On failure an :class:`ImportStringError` (an :class:`ImportError`) says
    which name could not be resolved and why, unless ``silent`` is true, in
    which case ``None`` is returned.
    """
    name = import_name.strip()
    try:
        if ":" in name:
            module_name, _, attr_path = name.partition(":")
            if not all(module_name.split(".")) or not all(attr_path.split(".")):
                raise ImportError(f"{name!r} must look like 'package.module:attribute'")
            module = importlib.import_module(module_name)
            return _resolve_attributes(module, module_name, attr_path.split("."))
        return _import_dotted(name)
    except (ImportError, AttributeError) as exc:
        if silent:
            return None
        raise ImportStringError(import_name, exc) from exc


class LazyModule:
    """A module that is imported the first time one of its attributes is read.

    PERF: this is Kolben's one way to defer an import for start-up time (not
    to dodge a cycle: those are design errors, DEVELOPERS.md). ``import
    kolben`` stays free of what only some programs use, such as the test
    client and click, which ``kolben.app`` reaches only inside the methods
    that need them. The holder declares the real module for the type
    checker::

        if t.TYPE_CHECKING:
            from . import testing as _testing
        else:
            _testing = LazyModule("kolben.testing")
    """

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> t.Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<LazyModule {self._name!r} ({state})>"
