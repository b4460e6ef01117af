"""The request pipeline and its two entry points, WSGI and ASGI (layer 4).

Flask's order of hooks, view, error routing and teardown is written once
(``_async/flow.py``; ``_sync/flow.py`` is generated from it), and the
public pipeline methods are the one source of behaviour: an override on a
subclass or a patch on the instance applies on every path. Whether an app
may skip steps is decided in one place, per app (:mod:`.plan`). See
``docs/decisions/pipeline.md``.
"""

from __future__ import annotations

from .asgi import PRELOAD_LIMIT
from .dispatcher import Dispatcher
from .plan import Plan

__all__ = ["PRELOAD_LIMIT", "Dispatcher", "Plan"]
