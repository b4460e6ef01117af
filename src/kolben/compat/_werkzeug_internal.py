"""``werkzeug._internal`` in Flask compatibility mode (layer 5): the one
private helper published extensions call (Flask-DebugToolbar's ``_log``)."""

from __future__ import annotations

import logging
import typing as t

__all__ = ["_log"]


def _log(type: str, message: str, *args: t.Any, **kwargs: t.Any) -> None:
    """Log ``message`` at level ``type`` (``"info"``, ``"warning"``, ...) on
    the ``werkzeug`` logger, to stderr when logging is not configured."""
    logger = logging.getLogger("werkzeug")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not logger.hasHandlers():
        # An unconfigured program still sees the message, as with Werkzeug.
        logger.addHandler(logging.StreamHandler())
    getattr(logger, type)(message.rstrip(), *args, **kwargs)
