"""The pytest plugin of Flask compatibility mode (layer 5): ``pytest -p
kolben.compat``.

pytest imports ``-p`` plugins before it loads the plugins of installed
distributions (pytest-flask imports ``flask``) and before any
``conftest.py``; it calls :func:`pytest_addoption` on a ``-p`` plugin as
soon as it registers it, so that is where the mode is turned on
(``pytest_load_initial_conftests`` would run after the distributions'
plugins). pytest itself is not imported here: this module is loaded with
:mod:`kolben.compat` in every process.
"""

from __future__ import annotations

import os
import typing as t

from ..testing import KolbenClient
from ._switch import install

if t.TYPE_CHECKING:  # pragma: no cover
    import pytest

#: The environment variable read when ``--kolben-interface`` is not given.
INTERFACE_ENV = "KOLBEN_TEST_INTERFACE"
INTERFACES = ("wsgi", "asgi")

_saved: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    """Turn compatibility mode on and add ``--kolben-interface``."""
    install()
    parser.getgroup("kolben").addoption(
        "--kolben-interface",
        choices=INTERFACES,
        default=None,
        help=(
            "the side of the app that app.test_client() requests go through:"
            f" wsgi (the default) or asgi; also ${INTERFACE_ENV}"
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    """Make the chosen interface the test clients' default."""
    interface = config.getoption("kolben_interface") or os.environ.get(INTERFACE_ENV) or "wsgi"
    if interface not in INTERFACES:
        raise ValueError(
            f"{INTERFACE_ENV}={interface!r}: use one of {', '.join(INTERFACES)}"
        )
    _saved.append(KolbenClient.default_interface)
    KolbenClient.default_interface = interface


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the test clients their previous default back."""
    if _saved:
        KolbenClient.default_interface = _saved.pop()
