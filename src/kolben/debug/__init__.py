"""The interactive debugger for development (layer 5).

In debug mode, ``kolben run`` wraps the app in :class:`DebuggedApplication`
(WSGI) or :class:`DebuggedASGIApplication` (ASGI). An unhandled exception
then renders a page with every frame of the traceback: its source, its
local variables and, once unlocked with the token printed in the terminal,
a Python console that runs in that frame. Library frames (Python's,
installed packages', Kolben's) are collapsed.

It is a remote code execution tool by design, so it is locked down
(SECURITY.md, "The development debugger"): loopback addresses only, one
worker, a random per-run token exchanged for a short-lived HttpOnly
``SameSite=Strict`` cookie, CSRF-checked JSON POSTs, foreign
Host/Origin/``Sec-Fetch-Site`` refused, rate-limited token attempts, and a
strict Content-Security-Policy with nonces, ``frame-ancestors 'none'`` and
``Cache-Control: no-store``. See :mod:`kolben.debug.guard`.

The page's JavaScript and CSS are plain files in ``kolben/debug/static``:
no build step, nothing loaded from a CDN.
"""

from __future__ import annotations

from .core import PREFIX, Debugger
from .guard import LOOPBACK_NAMES, TOKEN_ENV, Guard, generate_token
from .middleware import DebuggedApplication, DebuggedASGIApplication
from .tbtools import Traceback

__all__ = [
    "LOOPBACK_NAMES",
    "PREFIX",
    "TOKEN_ENV",
    "DebuggedASGIApplication",
    "DebuggedApplication",
    "Debugger",
    "Guard",
    "Traceback",
    "generate_token",
]
