"""The context-bound globals: ``current_app``, ``g``, ``request``, ``session``.

Extensions use ``app_ctx`` and ``request_ctx`` (the context objects
themselves), exactly as in Flask.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from .local import LocalProxy

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben
    from .asgi import WebSocket
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

__all__ = ["app_ctx", "current_app", "g", "request", "request_ctx", "session", "websocket"]

_no_app_msg = """\
Working outside of application context.

The code needed the current application (current_app, g, url_for, ...) but
no application context is active. Wrap the code in `with app.app_context():`,
or run it from inside a request, a CLI command or a test client call.\
"""
_no_req_msg = """\
Working outside of request context.

The code needed the current request (request, session, ...) but no request
is being handled. In tests, use `with app.test_request_context():` or make the
call through `app.test_client()`.\
"""

_cv_app: ContextVar[AppContext] = ContextVar("flask.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("flask.request_ctx")

app_ctx: AppContext = t.cast("AppContext", LocalProxy(_cv_app, unbound_message=_no_app_msg))
current_app: Kolben = t.cast("Kolben", LocalProxy(_cv_app, "app", unbound_message=_no_app_msg))
g: _AppCtxGlobals = t.cast("_AppCtxGlobals", LocalProxy(_cv_app, "g", unbound_message=_no_app_msg))

request_ctx: RequestContext = t.cast(
    "RequestContext", LocalProxy(_cv_request, unbound_message=_no_req_msg)
)
request: Request = t.cast(
    "Request", LocalProxy(_cv_request, "request", unbound_message=_no_req_msg)
)
websocket: WebSocket = t.cast(
    "WebSocket", LocalProxy(_cv_request, "websocket", unbound_message=_no_req_msg)
)
session: SessionMixin = t.cast(
    "SessionMixin", LocalProxy(_cv_request, "session", unbound_message=_no_req_msg)
)
