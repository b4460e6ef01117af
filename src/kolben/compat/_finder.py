"""The import finder and the distribution finder of Flask compatibility mode
(layer 5).

:class:`CompatFinder` sits first on :data:`sys.meta_path`. For a name in
:data:`~kolben.compat._modules.MODULES` it answers with a spec whose loader
hands the import system the Kolben module itself, so both names share one
module object; any other ``flask.*``/``werkzeug.*`` name fails with an
ImportError that says Kolben does not provide it (the real distributions,
when installed, are never reached). It also answers
``importlib.metadata`` queries for ``flask`` and ``werkzeug`` with the
versions of :data:`~kolben.compat._modules.VERSIONS`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import opcode
import os
import sys
import types
import typing as t
from collections.abc import Iterator, Sequence

from ._modules import MODULES, NOT_PROVIDED, ROOTS, VERSIONS

PORTING = "docs/porting.md (Porting from Flask)"


def compat_root(fullname: str) -> str | None:
    """``"flask"``/``"werkzeug"`` when ``fullname`` is one of their modules."""
    root = fullname.partition(".")[0]
    return root if root in ROOTS else None


def not_provided(fullname: str) -> ModuleNotFoundError:
    """The error for a ``flask``/``werkzeug`` module Kolben has no twin for."""
    hint = NOT_PROVIDED.get(fullname)
    message = (
        f"No module named {fullname!r}: Kolben's Flask compatibility mode does not"
        f" provide it{f' ({hint})' if hint else ''}; see {PORTING}."
    )
    return ModuleNotFoundError(message, name=fullname)


_IMPORT_FROM = opcode.opmap["IMPORT_FROM"]


def missing_name(module: str, name: str) -> ImportError | AttributeError:
    """The error for a name the ``flask``/``werkzeug`` shim ``module`` lacks.

    Called from the shim's ``__getattr__``: for ``from flask import name``
    it is an ImportError that says why (Python would only say "cannot import
    name"); for ``flask.name``, ``hasattr`` and ``getattr`` with a default,
    the AttributeError they expect.
    """
    why = (
        f"Kolben's Flask compatibility mode does not provide it (it provides the"
        f" public names of Flask {VERSIONS['flask']} and Werkzeug {VERSIONS['werkzeug']});"
        f" see {PORTING}"
    )
    try:
        # The frame that asked: the shim's __getattr__ is one level up.
        frame = sys._getframe(2)
    except ValueError:  # pragma: no cover - called from the top of a thread
        frame = None
    if frame is not None and frame.f_code.co_code[frame.f_lasti] == _IMPORT_FROM:
        return ImportError(f"cannot import name {name!r} from {module!r}: {why}", name=module)
    return AttributeError(f"module {module!r} has no attribute {name!r}: {why}")


class AliasLoader(importlib.abc.Loader):
    """Loads a ``flask``/``werkzeug`` name as an already imported Kolben module."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        # The import system stamps the alias's spec onto the module it gets;
        # the Kolben module keeps its own (reload, pickling by module name).
        self._own_spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        """The Kolben module itself: one object under both names."""
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing runs (the module is already executed); restore its spec."""
        module.__spec__ = self._own_spec

    def get_code(self, fullname: str) -> types.CodeType | None:
        """The Kolben module's code, for ``python -m flask``."""
        loader = getattr(self._own_spec, "loader", None)
        get_code = getattr(loader, "get_code", None)
        if get_code is None or self._own_spec is None:
            return None
        return t.cast("types.CodeType | None", get_code(self._own_spec.name))


class CompatDistribution(importlib.metadata.Distribution):
    """The metadata of ``flask`` or ``werkzeug`` in compatibility mode: the
    name and the version whose API Kolben provides, nothing else."""

    def __init__(self, name: str) -> None:
        self._name = name

    def read_text(self, filename: str) -> str | None:
        """``METADATA`` and ``top_level.txt``; no other file exists."""
        if filename == "METADATA":
            return (
                "Metadata-Version: 2.1\n"
                f"Name: {self._name}\n"
                f"Version: {VERSIONS[self._name]}\n"
                "Summary: Provided by Kolben's Flask compatibility mode\n"
            )
        if filename == "top_level.txt":
            return f"{self._name}\n"
        return None

    def locate_file(self, path: str | os.PathLike[str]) -> t.Any:
        """Nothing is on disk; the path is returned unchanged."""
        return path


class CompatFinder(importlib.abc.MetaPathFinder):
    """The finder :func:`kolben.compat.install` puts first on ``sys.meta_path``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec aliasing the Kolben module, None for other top-level names."""
        if compat_root(fullname) is None:
            return None
        target_name = MODULES.get(fullname)
        if target_name is None:
            raise not_provided(fullname)
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as exc:
            if exc.name != target_name:
                raise
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: it maps to {target_name!r}, which this"
                f" version of Kolben does not have; see {PORTING}.",
                name=fullname,
            ) from exc
        # The origin is the Kolben file: runpy (``python -m flask``) and
        # tracebacks show where the code really is.
        return importlib.machinery.ModuleSpec(
            fullname,
            AliasLoader(module),
            origin=getattr(module, "__file__", None),
            is_package=hasattr(module, "__path__"),
        )

    def find_distributions(
        self, context: importlib.metadata.DistributionFinder.Context | None = None
    ) -> Iterator[importlib.metadata.Distribution]:
        """``flask``/``werkzeug`` at Kolben's compatible versions."""
        wanted = None if context is None else context.name
        for name in ROOTS:
            if wanted is None or _normalize(wanted) == name:
                yield CompatDistribution(name)

    def invalidate_caches(self) -> None:
        """Nothing is cached."""


def _normalize(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")
