"""Turning Flask compatibility mode on and off (layer 5); re-exported by
:mod:`kolben.compat`, where the three ways to turn it on are described."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Mapping

from ._finder import CompatFinder, compat_root

#: The environment variable that turns the mode on for a process.
ENV_VAR = "KOLBEN_FLASK_COMPAT"

_ON = frozenset({"1", "true", "yes", "on"})

_finder = CompatFinder()


def installed() -> bool:
    """Whether Flask compatibility mode is on in this process."""
    return _finder in sys.meta_path


def install() -> None:
    """Turn Flask compatibility mode on for this process (again: no effect).

    From now on, ``flask``, ``werkzeug`` and their submodules import as
    Kolben's modules. Call it before anything imports ``flask`` or
    ``werkzeug``: when one of the real modules is already loaded, this
    raises :class:`RuntimeError`, since the objects that code holds could
    not be swapped. Setting ``KOLBEN_FLASK_COMPAT=1`` or running pytest with
    ``-p kolben.compat`` turns the mode on early enough by construction.
    """
    if installed():
        return
    loaded = sorted(
        name
        for name, module in list(sys.modules.items())
        if compat_root(name) is not None and not _is_kolben(module)
    )
    if loaded:
        raise RuntimeError(
            f"kolben.compat.install() was called after {loaded[0]!r} was imported from"
            " the real Flask/Werkzeug. Call install() before anything imports flask"
            f" or werkzeug, or set {ENV_VAR}=1 in the environment, or run pytest with"
            " '-p kolben.compat'."
        )
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Turn Flask compatibility mode off: forget the ``flask``/``werkzeug``
    aliases and remove the finder (meant for tests; objects already
    imported under those names stay Kolben's)."""
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name, module in list(sys.modules.items()):
        if compat_root(name) is not None and _is_kolben(module):
            del sys.modules[name]


def enabled_by_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``KOLBEN_FLASK_COMPAT`` asks for the mode (``1``, ``true``,
    ``yes`` or ``on``, in any case)."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return value.strip().lower() in _ON


def install_from_env() -> None:
    """:func:`install` when :data:`ENV_VAR` asks for it (the ``kolben``
    command and Kolben's ``.pth`` file call this at start-up)."""
    if enabled_by_env():
        install()


def _is_kolben(module: object) -> bool:
    name = getattr(module, "__name__", "")
    return isinstance(module, types.ModuleType) and (
        name == "kolben" or name.startswith("kolben.")
    )

