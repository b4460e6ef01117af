"""``werkzeug.user_agent`` in Flask compatibility mode (layer 5): the class
of ``request.user_agent``, which keeps the header and guesses nothing."""

from __future__ import annotations

from ..wrappers import UserAgent

__all__ = ["UserAgent"]
