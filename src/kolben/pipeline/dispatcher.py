"""The request pipeline as one class, :class:`Dispatcher` (layer 4).

:class:`kolben.Kolben` inherits it. It is a chain of small classes, each
with one job, bottom to top:

- ``base``: what the pipeline reads from the app, and the app's plan;
- ``matching``: the URL map, routing errors;
- ``responses``: ``make_response``, automatic OPTIONS;
- ``errors``: error-handler lookup, trapping;
- ``primitives``: calling user code, signals, the session, popping the
  context, each in a sync and an async form;
- ``_async/flow.py`` and the generated ``_sync/flow.py``: Flask's order of
  hooks, view, error routing and teardown, written once;
- ``wsgi``, ``asgi``, ``websocket``, ``lifespan``: the entry points.
"""

from __future__ import annotations

import typing as t
import weakref

from ..asgi import Receive, Scope, Send
from ._sync.flow import SyncFlow
from .lifespan import Lifespan
from .plan import Plan, stock_methods
from .websocket import WebSockets

__all__ = ["Dispatcher"]


class _ASGIEntry:
    """``app.asgi``: the ASGI 3 callable; it calls ``app.asgi_app`` each time,
    so ``app.asgi_app = Middleware(app.asgi_app)`` wraps it as in WSGI."""

    __slots__ = ("__weakref__", "app")

    def __init__(self, app: Dispatcher) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        plan = app._plan
        # PERF: when asgi_app is neither overridden nor wrapped (the plan
        # says), HTTP goes straight to the handler, one coroutine layer fewer.
        if plan is not None and plan.asgi_stock and scope["type"] == "http":
            await app._asgi_http(scope, receive, send)
        else:
            await app.asgi_app(scope, receive, send)

    def __repr__(self) -> str:
        return f"<ASGI app of {self.app!r}>"


#: Each app's ASGI entry while someone holds it, by the app's id. PERF: not
#: an attribute of the app: on Python 3.11 an object with more than 29
#: instance attributes loses the interpreter's fast attribute reads, and an
#: app is read many times per request. The entry holds its app, so the id
#: of a live entry's app is never reused.
_ENTRIES: weakref.WeakValueDictionary[int, _ASGIEntry] = weakref.WeakValueDictionary()


class Dispatcher(WebSockets, Lifespan):
    """Request handling for :class:`kolben.Kolben`, WSGI and ASGI."""

    @property
    def asgi(self) -> _ASGIEntry:
        """The ASGI 3 application: ``uvicorn module:app.asgi``."""
        entry = _ENTRIES.get(id(self))
        if entry is None or entry.app is not self:
            entry = _ASGIEntry(self)
            _ENTRIES[id(self)] = entry
        return entry

    async def asgi_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application. Wrap this (not :attr:`asgi`) with ASGI middleware."""
        kind = scope["type"]
        if kind == "http":
            await self._asgi_http(scope, receive, send)
        elif kind == "websocket":
            await self._asgi_websocket(scope, receive, send)
        elif kind == "lifespan":
            await self._asgi_lifespan(receive, send)
        else:
            raise RuntimeError(f"Kolben does not handle ASGI scopes of type {kind!r}.")

    def _make_plan(self) -> Plan:
        plan = Plan(self, _STOCK, _TWINS)
        plan.asgi_stock = getattr(self.asgi_app, "__func__", None) is Dispatcher.asgi_app
        # Kept only once the app serves: until then extensions may still fill
        # the registries directly (not through a setup method), and a plan
        # made early by a hand-run pipeline step must not hide them.
        if self._got_first_request:
            self._plan = plan
        return plan

    def __setattr__(self, name: str, value: t.Any) -> None:
        # A pipeline method patched on the instance (Flask-RESTful patches
        # handle_user_exception) changes the plan: it must apply on every path.
        object.__setattr__(self, name, value)
        if name in _STOCK or name == "asgi_app":
            self._pipeline_changed(name)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        if name in _STOCK or name == "asgi_app":
            self._pipeline_changed(name)

    def _pipeline_changed(self, name: str) -> None:
        object.__setattr__(self, "_plan", None)


#: The public pipeline methods, as the package defines them: an app whose
#: attribute of one of these names is another object overrides it.
#: The entry points (wsgi_app, asgi_app) are left out: wrapping them with
#: middleware is the usual idiom and changes nothing inside the pipeline.
_STOCK = {
    name: func
    for name, func in stock_methods(Dispatcher, __package__ or "kolben.pipeline").items()
    if name not in ("wsgi_app", "asgi_app")
}
#: The methods with an async twin: the generated flow's public methods.
_TWINS = frozenset(name for name in vars(SyncFlow) if not name.startswith("_"))
