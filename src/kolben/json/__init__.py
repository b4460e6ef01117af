"""JSON helpers that follow the current app's JSON provider (layer 4).

Inside an app context these functions delegate to ``current_app.json`` (a
:class:`~kolben.json.provider.JSONProvider`), so an app's choices about
dates, key order or a different JSON library apply everywhere. Outside one
they use the stdlib :mod:`json` module, extended with the same conversions
for dates, decimals, UUIDs, dataclasses and markup.
"""

from __future__ import annotations

import json as _json
import typing as t

from ..globals import _cv_app, current_app
from .provider import _default

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialise ``obj`` to a JSON string.

    Uses ``current_app.json.dumps`` when an app context is active, else
    :func:`json.dumps` with Kolben's extra type conversions. Keyword
    arguments are passed on.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        text: str = ctx.app.json.dumps(obj, **kwargs)
        return text
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialise ``obj`` and write the JSON text to the file object ``fp``."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Parse a JSON document given as text or bytes.

    Uses ``current_app.json.loads`` when an app context is active, else
    :func:`json.loads`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Read and parse JSON from the file object ``fp``."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> t.Any:
    """Return a JSON response (``application/json``) for the arguments.

    A single positional argument is serialised as it is, several become a
    list, keyword arguments become an object and no arguments give
    ``null``; mixing positional and keyword arguments is a
    :class:`TypeError`. The body ends with a newline and is indented in
    debug mode. Needs an active app context; this is a shortcut for
    ``current_app.json.response(...)``.
    """
    return current_app.json.response(*args, **kwargs)
