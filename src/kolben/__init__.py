"""Kolben: Flask's API on its own core, native on WSGI and ASGI.

Port a Flask app by changing ``flask`` to ``kolben`` in the imports; the
``Flask`` name is kept as an alias of :class:`Kolben`.
"""

from __future__ import annotations

import importlib
import typing as t
import warnings

from markupsafe import Markup, escape

from . import json
from ._imports import LazyModule
from .app import Flask, Kolben
from .appwrappers import Request, Response
from .blueprints import Blueprint
from .config import Config
from .ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)
from .globals import current_app, g, request, session, websocket
from .helpers import (
    abort,
    flash,
    get_flashed_messages,
    get_template_attribute,
    make_response,
    redirect,
    send_file,
    send_from_directory,
    stream_with_context,
    url_for,
)
from .json import jsonify
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)
from .templating_base import (
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)

__all__ = [
    "Blueprint",
    "Config",
    "Flask",
    "Kolben",
    "Markup",
    "Request",
    "Response",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
    "websocket",
]


# PERF: importlib.metadata costs ~30 ms of ``import kolben`` and only serves
# the deprecated ``__version__``: it loads on first use (kolben._imports).
if t.TYPE_CHECKING:  # pragma: no cover
    import importlib.metadata as _metadata
else:
    _metadata = LazyModule("importlib.metadata")

# Submodules ``import kolben`` used to load; ``kolben.testing`` or
# ``kolben.templating`` keeps working after a bare ``import kolben``, now
# loading on first access (kolben.templating brings Jinja2).
_ON_FIRST_ACCESS = frozenset({"testing", "cli", "templating"})


def __getattr__(name: str) -> t.Any:
    if name == "__version__":
        warnings.warn(
            "'__version__' is deprecated; use importlib.metadata.version('kolben').",
            DeprecationWarning,
            stacklevel=2,
        )
        return _metadata.version("kolben")
    if name in _ON_FIRST_ACCESS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
