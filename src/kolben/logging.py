"""The app logger (layer 4)."""

from __future__ import annotations

import logging
import sys
import typing as t

from .globals import _cv_request
from .local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]


def _errors_stream() -> t.TextIO:
    ctx = _cv_request.get(None)
    if ctx is not None:
        stream = ctx.request.environ.get("wsgi.errors")
        if stream is not None:
            return t.cast(t.TextIO, stream)
    return sys.stderr


#: The request's ``wsgi.errors`` stream during a request, else ``sys.stderr``.
wsgi_errors_stream: t.TextIO = t.cast(t.TextIO, LocalProxy(_errors_stream))


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler in ``logger``'s hierarchy handles its effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: Logs to :data:`wsgi_errors_stream`; added unless a handler already exists.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: Kolben) -> logging.Logger:
    """The logger named after the app, DEBUG in debug mode when unset."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
