"""The ``werkzeug`` package of Flask compatibility mode (layer 5): Werkzeug
3.1's top-level names, all of them Kolben's objects."""

from __future__ import annotations

import importlib
import typing as t

from ..testing import Client
from ..wrappers import Request, Response
from ._finder import missing_name
from ._modules import MODULES, ROOT_ATTRIBUTES

# Imported as a package: ``werkzeug.exceptions``, ... are found by Kolben's
# finder, never on a path.
__path__: list[str] = []

# ``run_simple`` is also a name of the package, loaded on first use: the
# servers are the heaviest part of Kolben to import.
__all__ = ["Client", "Request", "Response"]


def __getattr__(name: str) -> t.Any:
    if name == "run_simple":
        return importlib.import_module(MODULES["werkzeug.serving"]).run_simple
    if name in ROOT_ATTRIBUTES["werkzeug"]:
        # Werkzeug's __init__ imports these submodules; Kolben's are loaded lazily.
        return importlib.import_module(MODULES[f"werkzeug.{name}"])
    if name == "__version__":
        # Like Werkzeug 3.1, which removed it.
        raise AttributeError(
            "module 'werkzeug' has no attribute '__version__' (Werkzeug 3.1 removed it);"
            " use importlib.metadata.version('werkzeug')"
        )
    raise missing_name("werkzeug", name)
