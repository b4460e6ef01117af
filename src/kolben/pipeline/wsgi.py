"""The app's WSGI entry point (layer 4).

:meth:`WSGIEntry.wsgi_app` runs the generated sync pipeline
(``_sync/flow.py``), or, for an app on the fast path (``Plan.fast``), the
same steps with the contexts pushed and popped by hand and a plain value
written straight to the server.
"""

from __future__ import annotations

import typing as t
from functools import partial

from .. import signals
from ..ctx import AppContext, RequestContext
from ..globals import _cv_app, _cv_request
from ..wrappers import Response
from ..wrappers.response import START_RESPONSE_CALLED
from ._sync.flow import SyncFlow
from .primitives import quick_pop
from .responses import to_wsgi

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben

__all__ = ["WSGIEntry"]


def _start(environ: dict[str, t.Any], start_response: t.Any, response: Response) -> t.Any:
    return to_wsgi(response)(environ, start_response)


class WSGIEntry(SyncFlow):
    """``app(environ, start_response)``: the app as a WSGI callable."""

    def wsgi_app(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        """The WSGI application. Wrap this (not the app) with WSGI middleware."""
        # PERF: _get_plan inlined.
        plan = self._plan
        if plan is None or plan.generation != signals.generation:
            plan = self._make_plan()
        preserve = environ.get("kolben.preserve_context")
        if not plan.fast or preserve is not None or _cv_app.get(None) is not None:
            ctx = self.request_context(environ)
            return self._run_request(ctx, partial(_start, environ, start_response), preserve)
        # The fast path (Plan.fast), inlined (PERF: one call per request
        # less, about 400 instructions): the two contexts are pushed and
        # popped exactly as RequestContext.push and pop would, minus the
        # work that has nothing to do; whenever something unusual happened
        # (a streamed body re-pushed the context), the real pop runs.
        app: Kolben = self  # type: ignore[assignment]  # PERF: no t.cast call
        ctx = RequestContext(app, environ)
        app_ctx = AppContext(app)
        app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
        ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
        error: BaseException | None = None
        try:
            try:
                self._match_request(ctx.request, ctx, plan, False)
                method = environ.get("REQUEST_METHOD", "GET")
                result = self._fast_dispatch(plan, ctx, method, environ.get("HTTP_COOKIE"))
                if type(result) is tuple:
                    body, is_json = result
                    try:
                        start_response(
                            "200 OK",
                            [
                                ("Content-Type", plan.json_type if is_json else plan.html_type),
                                ("Content-Length", str(len(body))),
                            ],
                        )
                    except BaseException:
                        environ[START_RESPONSE_CALLED] = True
                        raise
                    if method == "HEAD":
                        return []
                    return [body]
                response: Response = result  # type: ignore[assignment]  # PERF: no t.cast
                # PERF: a list body needs no async driving: no to_wsgi call.
                if type(response.response) is list:
                    return response(environ, start_response)
                return to_wsgi(response)(environ, start_response)
            except Exception as e:
                error = e
                if environ.pop(START_RESPONSE_CALLED, False):
                    # The server refused the response (gunicorn refuses a
                    # header name that is not a token). PEP 3333 allows one
                    # more call, with exc_info, but gunicorn then keeps the
                    # headers it took before the bad one: the error page
                    # would go out with two Content-Lengths. The server
                    # answers its own refusal, as on the general path.
                    raise
                return to_wsgi(self.handle_exception(e))(environ, start_response)
            except BaseException as e:
                error = e
                raise
        finally:
            if error is not None and self.should_ignore_error(error):
                error = None
            if not quick_pop(plan, ctx, app_ctx):
                ctx.pop(error)

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        """The app is a WSGI callable; middleware should wrap :meth:`wsgi_app`."""
        return self.wsgi_app(environ, start_response)
