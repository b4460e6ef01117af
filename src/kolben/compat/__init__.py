"""Flask compatibility mode: published Flask extensions run unmodified.

Once the mode is on, ``import flask`` and ``import werkzeug`` (and their
submodules) give Kolben's own modules: ``flask.Flask is kolben.Kolben``,
``werkzeug.exceptions.NotFound is kolben.exceptions.NotFound``,
``flask.json is kolben.json``. The real Flask and Werkzeug, if installed,
are never loaded. ``importlib.metadata.version("flask")`` answers the
Flask release whose API Kolben provides (and likewise for ``werkzeug``).

Three ways to turn it on, each before anything imports ``flask``:

- in code, first thing: ``import kolben.compat; kolben.compat.install()``;
- for a whole process, the environment variable ``KOLBEN_FLASK_COMPAT=1``:
  the ``kolben`` command reads it, and so does every other Python process
  of an environment where Kolben is installed (gunicorn, uvicorn, granian,
  ``python``, pytest), through a ``.pth`` file Kolben installs;
- for a test run, the pytest plugin: ``pytest -p kolben.compat`` (or
  ``addopts = "-p kolben.compat"`` in the project's pytest configuration).
  Its option ``--kolben-interface=asgi`` (or ``KOLBEN_TEST_INTERFACE=asgi``)
  sends every ``app.test_client()`` request through the app's ASGI side.

Flask and Werkzeug modules and names Kolben does not provide raise
ImportError (AttributeError for attribute access), naming what is missing.
The table of modules is :data:`MODULES` (and :data:`NOT_PROVIDED`).

This package is also the pytest plugin, which may be imported before pytest
starts (by the ``.pth`` file) and has no asserts for pytest to rewrite; the
marker PYTEST_DONT_REWRITE tells pytest so, instead of a warning.
"""

from __future__ import annotations

from ._modules import MODULES, NOT_PROVIDED, VERSIONS

# pytest finds its hooks by name on the plugin module (``-p kolben.compat``).
from ._pytest import pytest_addoption as pytest_addoption
from ._pytest import pytest_configure as pytest_configure
from ._pytest import pytest_unconfigure as pytest_unconfigure
from ._switch import ENV_VAR, enabled_by_env, install, install_from_env, installed, uninstall

__all__ = [
    "ENV_VAR",
    "MODULES",
    "NOT_PROVIDED",
    "VERSIONS",
    "enabled_by_env",
    "install",
    "install_from_env",
    "installed",
    "uninstall",
]
