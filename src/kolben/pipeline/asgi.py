"""The app's ASGI entry point for HTTP (layer 4).

Where a request runs is decided per request from the app's plan:

- an app that overrides or patches no pipeline method (``Plan.stock``)
  awaits an ``async def`` view on the server's loop, with the async twin of
  the pipeline around it (sync hooks in it run in worker threads, with the
  request context); on the fast path (``Plan.fast``) the contexts are
  pushed and popped by hand and a plain value is sent without a Response;
- a sync view, or any view of an app with an override, runs the public
  sync pipeline in ONE worker thread (one hop per request rather than one
  per hook), exactly as under WSGI, so every override applies; an async
  view there runs on the server's loop through ``ensure_sync``. Its body is
  received on the loop first, so a slow client holds no thread;
- the response is then sent from the loop: bodies in memory in one
  message, async iterables on the loop, sync iterables (generators, files)
  step by step in worker threads, stopping when the client disconnects.
"""

from __future__ import annotations

import asyncio
import typing as t

from .. import signals
from .._aio import _server_loop, run_in_thread
from ..asgi import (
    ENVIRON_BASE,
    NO_BODY,
    ASGIBody,
    Receive,
    Scope,
    Send,
    build_environ,
    plain_messages,
    send_response_to,
)
from ..ctx import AppContext, RequestContext
from ..exceptions import HTTPException
from ..globals import _cv_app, _cv_request
from ..wrappers import Request, Response
from ._async.flow import AsyncFlow
from .plan import Plan
from .primitives import quick_pop
from .wsgi import WSGIEntry

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben

__all__ = ["PRELOAD_LIMIT", "ASGIEntry"]

#: Bodies up to this size are received before an async view runs, so that
#: sync access (``request.form``, ``request.json``) works inside it too.
PRELOAD_LIMIT = 1024 * 1024
# A GET or HEAD request without Content-Length or Transfer-Encoding has no
# body (RFC 9112 section 6.3); other methods always get a real body reader.
_BODILESS = frozenset({"GET", "HEAD"})
_NO_LENGTH = frozenset({None, "", "0"})
# RequestContext's environ argument when the request is given: unused.
_NO_ENVIRON: dict[str, t.Any] = {}


class ASGIEntry(WSGIEntry, AsyncFlow):
    """HTTP over ASGI: where each request runs, and sending its response."""

    def _prepare(
        self, scope: Scope, receive: Receive, plan: Plan
    ) -> tuple[RequestContext, t.Any, t.Any]:
        """The request context of ``scope``, its body reader and its preserve hook.

        The request reads the scope itself (``Request._from_scope``); a PEP
        3333 environ is built only when something reads ``request.environ``.
        An app whose request class has its own ``__init__`` or whose
        ``request_context`` is overridden gets the environ it expects.
        """
        app: Kolben = self  # type: ignore[assignment]
        ctx: RequestContext
        if plan.scope_requests:
            request = self.request_class._from_scope(scope, NO_BODY, run_in_thread, ENVIRON_BASE)
            request.json_module = self.json
            request.settings = self.config
            ctx = RequestContext(app, _NO_ENVIRON, request)
        else:
            ctx = self.request_context(build_environ(scope, NO_BODY))
            request = ctx.request
        body: t.Any = NO_BODY
        if request._body_expected():
            body = ASGIBody(receive, asyncio.get_running_loop())
            request._set_body(body)
        preserve = None
        extensions = scope.get("extensions")
        if extensions:
            preserve = extensions.get("kolben.preserve_context")
        return ctx, body, preserve

    async def _asgi_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        # PERF: _get_plan inlined.
        plan = self._plan
        if plan is None or plan.generation != signals.generation:
            plan = self._make_plan()
        ctx, body, preserve = self._prepare(scope, receive, plan)
        request = ctx.request
        matched = True
        try:
            self._match_request(request, ctx, plan, plan.scope_requests)
        except Exception:
            # A converter bug: the pipeline matches again after pushing
            # the context, where the error is handled like any other.
            request.url_rule = request.routing_exception = None
            matched = False
        rule = request.url_rule
        view = self.view_functions.get(rule.endpoint) if rule is not None else None
        # An async view (or, without a view, hooks that are all async) runs
        # on the loop; anything sync, and any app with an override, goes to
        # one worker thread. Under ASGI an async callable is awaited, never
        # converted: an app with its own ensure_sync must not see its async
        # hooks converted in that thread, so without a view it stays here.
        if view is not None:
            on_loop = plan.stock and self._is_async(view)
        else:
            on_loop = plan.stock and (not plan.sync_hooks or plan.own_conversion)
        if on_loop and plan.fast and preserve is None and matched:
            # PERF: the fast path on the loop, inlined (one coroutine less):
            # contexts pushed and popped by hand, a plain value sent as is.
            if type(body) is ASGIBody and request._declares_body():
                await self._preload(request, body)
            app_ctx = AppContext(self)  # type: ignore[arg-type]
            app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
            ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
            error: BaseException | None = None
            result: Response | tuple[bytes, bool]
            # PERF: the Cookie header is read only when a session cookie may
            # need a refresh, and from a scope request's header dict (filled
            # by matching) without a call when there is none (about 400
            # instructions on every request of an app with a secret key).
            cookies: str | None = None
            if plan.session_cookie is not None:
                hk: dict[str, bytes | str] | None = (
                    request._hk if plan.scope_requests else None  # type: ignore[attr-defined]
                )
                if hk is None:
                    cookies = request._header("HTTP_COOKIE")
                elif "HTTP_COOKIE" in hk:
                    raw = hk["HTTP_COOKIE"]
                    cookies = raw.decode("latin-1") if isinstance(raw, bytes) else raw
            try:
                try:
                    result = await self._fast_dispatch_async(plan, ctx, request.method, cookies)
                except Exception as e:
                    error = e
                    result = await self._handle_exception_async(e)
                except BaseException as e:
                    error = e
                    raise
            finally:
                if error is not None and self.should_ignore_error(error):
                    error = None
                if not quick_pop(plan, ctx, app_ctx):
                    await self._pop_async(ctx, error)
            if type(result) is not tuple:
                # PERF: a response in memory with plain headers is sent here,
                # without send_response_to's coroutine and environ closure
                # (case A: 80.7k -> 76.4k instructions, G: -4.0k).
                response: Response = result  # type: ignore[assignment]
                messages = plain_messages(response, request.method, request._close_connection)
                if messages is None:
                    await self._send_response(response, request, send, receive)
                    return
                try:
                    await send(messages[0])
                    await send(messages[1])
                except OSError:
                    pass  # the client is gone, as send_response_to treats it
                return
            data, is_json = result
            try:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (
                                b"content-type",
                                plan.json_type_bytes if is_json else plan.html_type_bytes,
                            ),
                            (b"content-length", str(len(data)).encode()),
                        ],
                    }
                )
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"" if request.method == "HEAD" else data,
                    }
                )
            except OSError:
                pass  # the client is gone, as send_response_to treats it
            return
        loop_token = _server_loop.set(asyncio.get_running_loop())
        try:
            if on_loop:
                if type(body) is ASGIBody and request._declares_body():
                    await self._preload(request, body)
                response = await self._run_request_async(ctx, None, preserve)
            else:
                if type(body) is ASGIBody and not await self._receive_body(request, body):
                    return  # the client left mid-body: no one to answer
                response = await run_in_thread(self._run_request, ctx, None, preserve)
            await self._send_response(response, request, send, receive)
        finally:
            _server_loop.reset(loop_token)
            if type(body) is ASGIBody:
                body.close()

    async def _send_response(
        self, response: Response, request: Request, send: Send, receive: Receive
    ) -> None:
        await send_response_to(
            response,
            send,
            receive,
            method=request.method,
            close=request._close_connection,
            # Only a response class overriding get_wsgi_headers asks for it.
            environ=lambda: request.environ,
        )

    async def _preload(self, request: Request, body: ASGIBody) -> None:
        """Receive a small body before an async view runs.

        Then ``request.json`` and ``request.form`` work synchronously in async
        views, as in sync ones; larger bodies stream. A body declared larger
        than ``MAX_CONTENT_LENGTH`` is not read at all (the view's read
        answers 413).
        """
        limit = request.max_content_length
        try:
            declared = request.content_length
        except HTTPException:
            return  # a length no body can have: the view's read answers 400
        if limit is not None and declared is not None and declared > limit:
            return
        await body.preload(min(PRELOAD_LIMIT, limit or PRELOAD_LIMIT))

    async def _receive_body(self, request: Request, body: ASGIBody) -> bool:
        """Receive a sync view's whole body on the loop before its thread starts.

        A worker thread must never wait on a slow client: 40 clients sending
        a byte every few seconds would hold every thread and stall all sync
        views. The body is bounded by ``MAX_CONTENT_LENGTH`` (a body declared
        larger is not read at all: the view's read answers 413) and goes to a
        temporary file past ``MAX_FORM_MEMORY_SIZE`` (at most
        :data:`PRELOAD_LIMIT`), so it never sits whole in memory. The view
        then reads it like any body (``get_data``, ``form``, ``stream``), and
        so does an async view it calls through ``ensure_sync``. False when
        the client left before the body was complete.
        """
        limit = request.max_content_length
        try:
            declared = request.content_length
        except HTTPException:
            return True  # a length no body can have: the view's read answers 400
        if limit is not None and declared is not None and declared > limit:
            return True
        memory = request.max_form_memory_size
        spill_at = PRELOAD_LIMIT if memory is None else min(memory, PRELOAD_LIMIT)
        await body.receive_all(limit, spill_at)
        return not body.disconnected

