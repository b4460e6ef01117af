"""Flask's request pipeline, written once (layer 4).

This file is the source: ``kolben/pipeline/_sync/flow.py`` is generated
from it (``python3 dev.py unasync``; a test fails when the generated file is
stale), with ``async``/``await`` removed and each ``_name_async`` method
renamed to its sync name: ``_full_dispatch_request_async`` becomes
:meth:`full_dispatch_request`, and so on. The sync twin holds the public
pipeline methods of Flask's API, the ones an app may override; the ASGI
entry awaits this one on the event loop when the app overrides none of
them (``Plan.stock``), and otherwise runs the public ones in a worker
thread, so an override applies on every path.

The order of every step is Flask's (API.md section 3, "Request lifecycle").
The pairs of primitives whose sync and async forms differ (calling user
code, sending signals, saving the session, popping the context) are in
``kolben/pipeline/primitives.py``.
"""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Callable
from itertools import chain

from ... import signals
from ...ctx import RequestContext
from ...exceptions import BadRequestKeyError, HTTPException, InternalServerError, NotFound
from ...globals import _cv_app, _cv_request
from ...routing import RoutingException
from ...wrappers import Response
from ..errors import is_http_error
from ..plan import Plan
from ..primitives import Primitives

if t.TYPE_CHECKING:  # pragma: no cover
    from ...typing import ResponseReturnValue

__all__ = ["AsyncFlow"]


class AsyncFlow(Primitives):
    """Hooks, view, error routing and teardown, in Flask's order."""

    # -- one request, start to end ----------------------------------------------------

    async def _run_request_async(
        self,
        ctx: RequestContext,
        respond: Callable[[Response], t.Any] | None = None,
        preserve: Callable[[t.Any], None] | None = None,
    ) -> t.Any:
        """Push ``ctx``, dispatch, handle an unhandled error, pop ``ctx``.

        ``respond`` (WSGI: start the response) runs before the context is
        popped, as in Flask's ``wsgi_app``; without it the response is
        returned. ``preserve`` receives the contexts before they are popped
        (the test client keeps them for ``with client:`` blocks).
        """
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = await self._full_dispatch_request_async()
            except Exception as e:
                error = e
                response = await self._handle_exception_async(e)
            except BaseException as e:
                error = e
                raise
            if respond is not None:
                return respond(response)
            return response
        finally:
            if preserve is not None:
                preserve(_cv_app.get())
                preserve(_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            await self._pop_async(ctx, error)

    # -- the pipeline ---------------------------------------------------------------------

    async def _full_dispatch_request_async(self) -> Response:
        """Run the before hooks and the view, handle errors, finalize the response."""
        if not self._got_first_request:
            self._got_first_request = True
        plan = self._plan or self._get_plan()
        try:
            if plan.signals:
                await self._send_async(signals.request_started)
            rv = await self._preprocess_request_async()
            if rv is None:
                rv = await self._dispatch_request_async()
        except Exception as e:
            rv = await self._handle_user_exception_async(e)
        return await self._finalize_request_async(rv)

    async def _preprocess_request_async(self) -> ResponseReturnValue | None:
        """Run URL value preprocessors, then before-request hooks, outermost first.

        The first hook that returns a value ends the request with it.
        """
        plan = self._plan or self._get_plan()
        if not (plan.url_preprocessors or plan.before):
            return None
        request = _cv_request.get().request
        names = (None, *reversed(request.blueprints))
        if plan.url_preprocessors:
            for name in names:
                for url_func in self.url_value_preprocessors.get(name, ()):
                    await self._call_async(url_func, request.endpoint, request.view_args)
        if plan.before:
            for name in names:
                for before_func in self.before_request_funcs.get(name, ()):
                    rv = await self._call_async(before_func)
                    if rv is not None:
                        return t.cast("ResponseReturnValue", rv)
        return None

    async def _dispatch_request_async(self) -> ResponseReturnValue:
        """Call the view of the matched rule (or answer automatic OPTIONS)."""
        request = _cv_request.get().request
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule = request.url_rule
        if rule is None:
            raise NotFound()
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return self.make_default_options_response()
        view = self.view_functions[rule.endpoint]
        return t.cast(
            "ResponseReturnValue", await self._call_async(view, **(request.view_args or {}))
        )

    async def _finalize_request_async(
        self, rv: ResponseReturnValue | HTTPException, from_error_handler: bool = False
    ) -> Response:
        """Turn ``rv`` into a response and run the after-request steps."""
        response = self.make_response(rv)
        try:
            response = await self._process_response_async(response)
            if (self._plan or self._get_plan()).signals:
                await self._send_async(signals.request_finished, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    async def _process_response_async(self, response: Response) -> Response:
        """Run ``after_this_request`` callbacks and after hooks, then save the session."""
        ctx = _cv_request.get()
        funcs = ctx._after_request_functions
        if funcs:
            for func in funcs:
                response = await self._call_async(func, response)
        plan = self._plan or self._get_plan()
        if plan.after:
            for name in chain(ctx.request.blueprints, (None,)):
                for func in reversed(self.after_request_funcs.get(name, ())):
                    response = await self._call_async(func, response)
        if plan.stock_sessions:
            # PERF: the stock interface is pure computation, saved right here
            # (no coroutine); another may do I/O (in the sync form the two
            # branches are the same call).
            self._save_session(ctx, response)
        else:
            await self._save_session_async(ctx, response)
        return response

    # -- errors ---------------------------------------------------------------------------

    async def _handle_http_exception_async(
        self, e: HTTPException
    ) -> HTTPException | ResponseReturnValue:
        """Find a handler for an HTTP error, or return the error as the response."""
        if e.code is None:
            return e
        if isinstance(e, RoutingException):
            return e
        request = _cv_request.get().request
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            return e
        return t.cast("ResponseReturnValue", await self._call_async(handler, e))

    async def _handle_user_exception_async(
        self, e: Exception
    ) -> HTTPException | ResponseReturnValue:
        """Handle an exception from a hook or view; re-raise when nothing handles it."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if is_http_error(e) and not self.trap_http_exception(e):
            return await self._handle_http_exception_async(t.cast(HTTPException, e))
        request = _cv_request.get().request
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            raise e
        return t.cast("ResponseReturnValue", await self._call_async(handler, e))

    async def _handle_exception_async(self, e: Exception) -> Response:
        """Handle an unhandled exception: propagate it, or answer 500."""
        exc_info: t.Any = sys.exc_info()
        if (self._plan or self._get_plan()).signals:
            await self._send_async(signals.got_request_exception, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        if exc_info[1] is not e:
            exc_info = (type(e), e, e.__traceback__)
        self.log_exception(exc_info)
        server_error: t.Any = InternalServerError(original_exception=e)
        ctx = _cv_request.get(None)
        blueprints = ctx.request.blueprints if ctx is not None else []
        handler = self._find_error_handler(server_error, blueprints)
        if handler is not None:
            server_error = await self._call_async(handler, server_error)
        return await self._finalize_request_async(server_error, from_error_handler=True)

    # -- teardown -------------------------------------------------------------------------

    async def _do_teardown_request_async(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_request`` functions, innermost blueprint first, newest first."""
        plan = self._plan or self._get_plan()
        if plan.teardown_request:
            request = _cv_request.get().request
            for name in chain(request.blueprints, (None,)):
                for func in reversed(self.teardown_request_funcs.get(name, ())):
                    await self._call_async(func, exc)
        if plan.signals:
            await self._send_async(signals.request_tearing_down, exc=exc)

    async def _do_teardown_appcontext_async(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_appcontext`` functions, newest first."""
        for func in reversed(self.teardown_appcontext_funcs):
            await self._call_async(func, exc)
        if (self._plan or self._get_plan()).signals:
            await self._send_async(signals.appcontext_tearing_down, exc=exc)

    # -- the planned fast path ------------------------------------------------------------

    async def _fast_dispatch_async(
        self, plan: Plan, ctx: RequestContext, method: str, cookies: str | None
    ) -> Response | tuple[bytes, bool]:
        """The pipeline of an app on the fast path (``Plan.fast``), contexts pushed.

        The same steps as :meth:`full_dispatch_request` minus the ones the
        plan says have nothing to do. Returns ``(body, is_json)`` when the
        view's value can go to the client as it is (``str``, ``bytes``,
        ``dict``, ``list``: PERF, no Response object), else the response.
        ``method`` is the request's method as the server gave it, ``cookies``
        its Cookie header.
        """
        request = ctx.request
        rule = request.url_rule
        if rule is None or (rule.provide_automatic_options and method == "OPTIONS"):
            return await self._full_dispatch_request_async()
        if not self._got_first_request:
            self._got_first_request = True
        func = self.view_functions[rule.endpoint]
        try:
            # PERF: the view as this form calls it, looked up in the plan
            # (the sync form wraps an async view once, in ensure_sync).
            view = plan.fast_views_async.get(func)
            if view is None:
                view = self._fast_view_async(plan, func)
            rv = await view(**request.view_args)  # type: ignore[arg-type]
        except Exception as e:
            return await self._finalize_request_async(await self._handle_user_exception_async(e))
        rtype = type(rv)
        if rtype is str:
            body = rv.encode()
            is_json = False
        elif (rtype is dict or rtype is list) and plan.json_body is not None:
            body = plan.json_body(rv)
            is_json = True
        elif rtype is bytes:
            body = rv
            is_json = False
        elif rtype is self.response_class:
            body = b""
            is_json = False
        else:
            return await self._finalize_request_async(rv)
        if ctx._after_request_functions is not None or ctx._session is not None:
            return await self._finalize_request_async(rv)
        cookie = plan.session_cookie
        if (
            cookie is not None
            and cookies
            and cookie in cookies
            and self._session_may_need_refresh(request)
        ):
            return await self._finalize_request_async(rv)
        if rtype is self.response_class:
            # PERF: the view's own response_class instance: make_response
            # would return it as it is and process_response has nothing to
            # do (the checks above), so it goes straight to the client
            # (5.0k instructions; callgrind, case A).
            return rv  # type: ignore[no-any-return]  # PERF: no t.cast call
        return body, is_json
