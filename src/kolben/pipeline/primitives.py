"""The few operations whose sync and async forms differ (layer 4).

The pipeline's order is written once, as async code (``_async/flow.py``),
and its sync twin is generated from it (``_sync/flow.py``). What the two
do differently is only how they call user code, send signals, save the
session and pop the context; each of those is a pair here, named
``_x`` (sync) and ``_x_async``, and the generator maps one name to the other.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from functools import partial

from .. import signals
from .._aio import is_async_callable, run_in_thread, sync_wrapper
from ..ctx import AppContext, RequestContext
from ..globals import _cv_app, _cv_request
from ..wrappers import Request, Response
from .errors import Errors
from .plan import Plan

__all__ = ["Primitives", "quick_pop"]


def _as_async(func: Callable[..., t.Any]) -> Callable[..., t.Any]:
    """Blinker's ``_sync_wrapper``: sync receivers are called directly."""

    async def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return func(*args, **kwargs)

    return wrapper


def quick_pop(plan: Plan, ctx: RequestContext, app_ctx: AppContext) -> bool:
    """Pop the fast path's contexts when nothing is left to run (PERF).

    True when done: the plan has no teardown function or signal receiver,
    and no streamed body re-pushed the context. Otherwise the caller runs
    the full pop (sync under WSGI, async under ASGI).
    """
    req_tokens = ctx._cv_tokens
    app_tokens = app_ctx._cv_tokens
    if (
        len(req_tokens) == 1
        and len(app_tokens) == 1
        and plan.plain_pop
        and _cv_request.get(None) is ctx
        and _cv_app.get(None) is app_ctx
    ):
        ctx.request.close()
        _cv_request.reset(req_tokens.pop()[0])
        _cv_app.reset(app_tokens.pop())
        return True
    return False


class Primitives(Errors):
    """Calling user code, signals, sessions and context pops, sync and async."""

    # -- calling user code ----------------------------------------------------------

    def ensure_sync(self, func: Callable[..., t.Any]) -> Callable[..., t.Any]:
        """Return ``func`` callable synchronously (async functions run on this
        thread's reusable event loop, or on the ASGI server's loop)."""
        if is_async_callable(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: Callable[..., t.Any]) -> Callable[..., t.Any]:
        """Wrap an async function to run to completion when called."""
        return sync_wrapper(func)

    def _is_async(self, func: t.Any) -> bool:
        # PERF: inspect is slow; each callable is classified once.
        try:
            return self._async_cache[func]
        except KeyError:
            result = self._async_cache[func] = is_async_callable(func)
            return result
        except TypeError:  # unhashable callable
            return is_async_callable(func)

    def _call(self, func: Callable[..., t.Any], /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Call a hook, handler or view from sync code (through ``ensure_sync``)."""
        plan = self._plan
        if plan is None or plan.own_conversion:
            # ensure_sync may be overridden: Flask calls it each time.
            return self.ensure_sync(func)(*args, **kwargs)
        # PERF: the stock ensure_sync wraps a function the same way each
        # time: wrap once per plan.
        wrapped = plan.fast_views.get(func)
        if wrapped is None:
            wrapped = plan.fast_views[func] = self.ensure_sync(func)
        return wrapped(*args, **kwargs)

    async def _call_async(
        self, func: Callable[..., t.Any], /, *args: t.Any, **kwargs: t.Any
    ) -> t.Any:
        """Await a hook, handler or view: directly when async, in a worker thread when sync."""
        if self._is_async(func):
            return await func(*args, **kwargs)
        plan = self._plan
        if plan is None or plan.own_conversion:
            # An overridden ensure_sync sees every sync callable, as in Flask.
            func = self.ensure_sync(func)
        return await run_in_thread(partial(func, *args, **kwargs))

    # -- signals ----------------------------------------------------------------------

    def _send(self, signal: t.Any, **kwargs: t.Any) -> None:
        if signal.receivers:
            signal.send(self, _async_wrapper=self.ensure_sync, **kwargs)

    async def _send_async(self, signal: t.Any, **kwargs: t.Any) -> None:
        if signal.receivers:
            await signal.send_async(self, _sync_wrapper=_as_async, **kwargs)

    # -- the session ------------------------------------------------------------------

    def _save_session(self, ctx: RequestContext, response: Response) -> None:
        session = ctx._session
        if session is None:
            # PERF: the session was never touched; only a permanent session
            # cookie that must be refreshed on every response needs opening.
            if not self._session_may_need_refresh(ctx.request):
                return
            session = ctx.session
            session.accessed = False
        interface = self.session_interface
        if not interface.is_null_session(session):
            interface.save_session(self, session, response)

    async def _save_session_async(self, ctx: RequestContext, response: Response) -> None:
        # A custom session interface may do I/O (a database, Redis).
        await run_in_thread(self._save_session, ctx, response)

    def _session_may_need_refresh(self, request: Request) -> bool:
        if not self.config.get("SESSION_REFRESH_EACH_REQUEST"):
            return False
        # PERF: an environ request's header read inline (see sessions).
        cookie_header = (
            request._header("HTTP_COOKIE")
            if request._reads_scope
            else request.environ.get("HTTP_COOKIE")
        )
        if not cookie_header:
            return False
        interface = self.session_interface
        if interface.get_cookie_name(self) not in cookie_header:
            return False
        # PERF: the interface may tell from the cookie that no refresh is due.
        check = getattr(interface, "_may_need_refresh", None)
        return check is None or bool(check(self, request))

    # -- popping the request context ------------------------------------------------------

    def _pop(self, ctx: RequestContext, exc: BaseException | None) -> None:
        ctx.pop(exc)

    async def _pop_async(self, ctx: RequestContext, exc: BaseException | None) -> None:
        """``ctx.pop(exc)`` with the teardown functions awaited on the loop.

        The same steps as :meth:`RequestContext.pop`, in the same order:
        teardown_request functions, closing the request, then (when the app
        context goes too) teardown_appcontext functions and its signal.
        """
        plan = self._plan or self._get_plan()
        nothing_to_run = not (plan.teardown_request or plan.teardown_appcontext or plan.signals)
        if nothing_to_run or len(ctx._cv_tokens) != 1 or ctx._holds:
            # PERF: no user teardown: the sync pop only resets variables.
            ctx.pop(exc)
            return
        app_ctx = ctx._cv_tokens[-1][1]
        try:
            await self._do_teardown_request_async(exc)
            ctx.request.close()
            if app_ctx is not None and len(app_ctx._cv_tokens) == 1:
                await self._do_teardown_appcontext_async(exc)
        finally:
            token, app_ctx = ctx._cv_tokens.pop()
            _cv_request.reset(token)
            if app_ctx is not None:
                app_ctx.pop(exc, teardown=False)
                if plan.signals:
                    await self._send_async(signals.appcontext_popped)

    async def _do_teardown_request_async(self, exc: BaseException | None = None) -> None:
        raise NotImplementedError  # the flow (``_async/flow.py``) defines it

    async def _do_teardown_appcontext_async(self, exc: BaseException | None = None) -> None:
        raise NotImplementedError  # the flow (``_async/flow.py``) defines it

    # -- the planned fast path ------------------------------------------------------------

    def _fast_view(self, plan: Plan, func: Callable[..., t.Any]) -> Callable[..., t.Any]:
        view = plan.fast_views[func] = self.ensure_sync(func)
        return view

    def _fast_view_async(self, plan: Plan, func: Callable[..., t.Any]) -> Callable[..., t.Any]:
        # Only async views take the fast path on the loop: awaited as they are.
        plan.fast_views_async[func] = func
        return func
