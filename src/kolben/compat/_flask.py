"""The ``flask`` package of Flask compatibility mode (layer 5): Flask 3.1's
top-level names, all of them Kolben's objects."""

from __future__ import annotations

import importlib
import typing as t
import warnings

from .. import json
from ..app import Flask
from ..appwrappers import Request, Response
from ..blueprints import Blueprint
from ..config import Config
from ..ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)
from ..globals import current_app, g, request, session
from ..helpers import (
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
from ..json import jsonify
from ..signals import (
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
from ..templating import (
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)
from ._finder import missing_name
from ._modules import MODULES, ROOT_ATTRIBUTES, VERSIONS

# Imported as a package: ``flask.json``, ``flask.cli``, ... are found by
# Kolben's finder, never on a path.
__path__: list[str] = []

__all__ = [
    "Blueprint",
    "Config",
    "Flask",
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
]


def __getattr__(name: str) -> t.Any:
    if name == "__version__":
        # Flask 3.1 still answers, with a DeprecationWarning. The message
        # starts as Flask's does, so warning filters written for it match.
        warnings.warn(
            "The '__version__' attribute is deprecated: Flask 3.2 removes it. Test"
            " for the feature, or ask importlib.metadata.version('flask').",
            DeprecationWarning,
            stacklevel=2,
        )
        return VERSIONS["flask"]
    if name in ROOT_ATTRIBUTES["flask"]:
        # Flask's __init__ imports these submodules; Kolben's are loaded lazily.
        return importlib.import_module(MODULES[f"flask.{name}"])
    raise missing_name("flask", name)
