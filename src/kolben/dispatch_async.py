"""The app's ASGI side: HTTP, websockets and lifespan (layer 4).

:class:`AsyncDispatcher` gives :class:`kolben.Kolben` its ``asgi_app``.
The order of every step is the one of ``dispatch.py`` (Flask's):

- an ``async def`` view is awaited on the server's loop, and so is the
  whole pipeline around it (sync hooks in that pipeline run in worker
  threads, with the request context);
- a sync view runs with its whole sync pipeline in ONE worker thread (one
  hop per request rather than one per hook), exactly as under WSGI; its
  body is received on the loop first, so a slow client holds no thread;
- the response body is then sent from the loop: bodies in memory in one
  message, async iterables on the loop, sync iterables (generators, files)
  step by step in worker threads, stopping when the client disconnects.
"""

from __future__ import annotations

import asyncio
import traceback
import typing as t
from collections.abc import Callable
from functools import partial

from . import signals
from ._aio import _server_loop, is_async_callable, run_in_thread
from .asgi import (
    NO_BODY,
    ASGIBody,
    Receive,
    Scope,
    Send,
    WebSocket,
    WebSocketClosed,
    WebSocketDisconnect,
    build_environ,
    send_response,
)
from .ctx import AppContext, RequestContext
from .dispatch import Dispatcher, _is_http_error, _is_stock, _Plan, _quick_pop
from .exceptions import BadRequestKeyError, HTTPException, InternalServerError, NotFound
from .globals import _cv_app, _cv_request
from .routing import RoutingException
from .wrappers import Response

if t.TYPE_CHECKING:  # pragma: no cover
    from .typing import ResponseReturnValue

__all__ = ["AsyncDispatcher"]

#: Bodies up to this size are received before an async view runs, so that
#: sync access (``request.form``, ``request.json``) works inside it too.
PRELOAD_LIMIT = 1024 * 1024
# A GET or HEAD request without Content-Length or Transfer-Encoding has no
# body (RFC 9112 section 6.3); other methods always get a real body reader.
_BODILESS = frozenset({"GET", "HEAD"})
_NO_LENGTH = frozenset({None, "", "0"})


class _ASGIEntry:
    """``app.asgi``: the ASGI 3 callable; it calls ``app.asgi_app`` each time,
    so ``app.asgi_app = Middleware(app.asgi_app)`` wraps it as in WSGI."""

    __slots__ = ("_stock", "app")

    def __init__(self, app: AsyncDispatcher) -> None:
        self.app = app
        self._stock = _is_stock(type(app), "asgi_app")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        # PERF: when asgi_app is neither overridden nor wrapped, HTTP goes
        # straight to the handler, one coroutine layer fewer per request.
        if self._stock and scope["type"] == "http" and "asgi_app" not in app.__dict__:
            await app._asgi_http(scope, receive, send)
        else:
            await app.asgi_app(scope, receive, send)

    def __repr__(self) -> str:
        return f"<ASGI app of {self.app!r}>"


class AsyncDispatcher(Dispatcher):
    """The ASGI half of the request pipeline."""

    before_serving_funcs: list[Callable[[], t.Any]]
    after_serving_funcs: list[Callable[[], t.Any]]
    _async_cache: dict[t.Any, bool]
    _asgi_entry: _ASGIEntry | None = None

    @property
    def asgi(self) -> _ASGIEntry:
        """The ASGI 3 application: ``uvicorn module:app.asgi``."""
        entry = self._asgi_entry
        if entry is None:
            entry = self._asgi_entry = _ASGIEntry(self)
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

    # -- helpers -------------------------------------------------------------------

    def _is_async(self, func: t.Any) -> bool:
        # PERF: inspect is slow; each callable is classified once.
        try:
            return self._async_cache[func]
        except KeyError:
            result = self._async_cache[func] = is_async_callable(func)
            return result
        except TypeError:  # unhashable callable
            return is_async_callable(func)

    async def _call(self, func: Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Await ``func``: directly when async, in a worker thread when sync."""
        if self._is_async(func):
            return await func(*args, **kwargs)
        return await run_in_thread(partial(func, *args, **kwargs))

    def _prepare(
        self, scope: Scope, receive: Receive, plan: _Plan | None = None
    ) -> tuple[dict[str, t.Any], RequestContext]:
        environ = build_environ(scope, NO_BODY)
        if (
            environ["REQUEST_METHOD"] not in _BODILESS
            or environ.get("CONTENT_LENGTH") not in _NO_LENGTH
            or "HTTP_TRANSFER_ENCODING" in environ
        ):
            environ["wsgi.input"] = ASGIBody(receive, asyncio.get_running_loop())
        extensions = scope.get("extensions")
        if extensions:
            preserve = extensions.get("kolben.preserve_context")
            if preserve is not None:
                environ["kolben.preserve_context"] = preserve
        if plan is not None and plan.fast:
            # PERF: the stock request_context, without the method call.
            return environ, RequestContext(self, environ)  # type: ignore[arg-type]
        return environ, self.request_context(environ)

    # -- HTTP ------------------------------------------------------------------------

    async def _asgi_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        plan = self._plan or self._make_plan()
        environ, ctx = self._prepare(scope, receive, plan)
        request = ctx.request
        try:
            self._match_request(request)
        except Exception:
            # A converter bug: the pipeline matches again after pushing
            # the context, where the error is handled like any other.
            request.url_rule = request.routing_exception = None
        rule = request.url_rule
        view = self.view_functions.get(rule.endpoint) if rule is not None else None
        # An async view (or, without a view, hooks that are all async) runs
        # on the loop; anything sync goes to one worker thread.
        on_loop = not plan.sync_hooks if view is None else self._is_async(view)
        if not (
            on_loop
            and rule is not None
            and plan.fast
            and not signals.in_use
            and "kolben.preserve_context" not in environ
            and not (rule.provide_automatic_options and environ["REQUEST_METHOD"] == "OPTIONS")
        ):
            await self._asgi_http_full(plan, ctx, environ, on_loop, send, receive)
            return
        # PERF: from here on, the pipeline of an async view in an app without
        # hooks, inlined (the ASGI twin of Dispatcher._wsgi_fast): contexts
        # pushed and popped by hand, and a str/bytes/dict/list result sent
        # without building a Response. Anything unusual takes the full path.
        declared = environ.get("CONTENT_LENGTH")
        if (declared and declared != "0") or "HTTP_TRANSFER_ENCODING" in environ:
            await self._preload(request, environ)
        app_ctx = AppContext(self)  # type: ignore[arg-type]
        app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
        ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
        self._got_first_request = True
        error: BaseException | None = None
        response: Response | None = None
        body = b""
        content_type = b""
        try:
            try:
                try:
                    rv = await view(**request.view_args)  # type: ignore[arg-type, misc]
                except Exception as e:
                    rv = await self._handle_user_exception_async(e)
                    response = await self._finalize_request_async(rv)
                else:
                    rtype = type(rv)
                    if rtype is str:
                        body = rv.encode()
                        content_type = plan.html_type_bytes
                    elif (rtype is dict or rtype is list) and plan.json_body is not None:
                        body = plan.json_body(rv)
                        content_type = plan.json_type_bytes
                    elif rtype is bytes:
                        body = rv
                        content_type = plan.html_type_bytes
                    cookie = plan.session_cookie
                    if (
                        not content_type
                        or ctx._after_request_functions is not None
                        or ctx._session is not None
                        or (cookie is not None and cookie in environ.get("HTTP_COOKIE", ""))
                    ):
                        response = await self._finalize_request_async(rv)
            except Exception as e:
                error = e
                response = await self._handle_exception_async(e)
            except BaseException as e:
                error = e
                raise
        finally:
            if error is not None and self.should_ignore_error(error):
                error = None
            if not _quick_pop(plan, ctx, app_ctx):
                await self._pop_async(ctx, error)
        if response is not None:
            await send_response(response, environ, send, receive)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        if environ["REQUEST_METHOD"] == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body})

    async def _asgi_http_full(
        self,
        plan: _Plan,
        ctx: RequestContext,
        environ: dict[str, t.Any],
        on_loop: bool,
        send: Send,
        receive: Receive,
    ) -> None:
        """HTTP with hooks, sync views or anything the fast path leaves out."""
        loop_token = _server_loop.set(asyncio.get_running_loop())
        body = environ["wsgi.input"]
        try:
            if on_loop:
                response = await self._handle_on_loop(plan, ctx, environ)
            else:
                if type(body) is ASGIBody and not await self._receive_body(ctx.request, body):
                    return  # the client left mid-body: no one to answer
                response = await run_in_thread(self._handle_in_thread, ctx, environ)
            await send_response(response, environ, send, receive)
        finally:
            _server_loop.reset(loop_token)
            if type(body) is ASGIBody:
                body.close()

    def _handle_in_thread(self, ctx: RequestContext, environ: dict[str, t.Any]) -> Response:
        """The WSGI-style pipeline for a sync view, run in one worker thread."""
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except BaseException as e:
                error = e
                raise
            return response
        finally:
            self._preserve(environ)
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    async def _handle_on_loop(
        self, plan: _Plan, ctx: RequestContext, environ: dict[str, t.Any]
    ) -> Response:
        """The pipeline for an async view, awaited on the server's loop."""
        request = ctx.request
        declared = environ.get("CONTENT_LENGTH")
        if (declared and declared != "0") or "HTTP_TRANSFER_ENCODING" in environ:
            await self._preload(request, environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = await self._full_dispatch_async(plan)
            except Exception as e:
                error = e
                response = await self._handle_exception_async(e)
            except BaseException as e:
                error = e
                raise
            return response
        finally:
            self._preserve(environ)
            if error is not None and self.should_ignore_error(error):
                error = None
            await self._pop_async(ctx, error)

    async def _preload(self, request: t.Any, environ: dict[str, t.Any]) -> None:
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
        await environ["wsgi.input"].preload(min(PRELOAD_LIMIT, limit or PRELOAD_LIMIT))

    async def _receive_body(self, request: t.Any, body: ASGIBody) -> bool:
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

    def _preserve(self, environ: dict[str, t.Any]) -> None:
        preserve = environ.get("kolben.preserve_context")
        if preserve is not None:
            preserve(_cv_app.get())
            preserve(_cv_request.get())

    async def _full_dispatch_async(self, plan: _Plan) -> Response:
        self._got_first_request = True
        try:
            if signals.in_use and signals.request_started.receivers:
                await signals.request_started.send_async(self, _sync_wrapper=_as_async)
            rv = await self._preprocess_request_async(plan)
            if rv is None:
                rv = await self._dispatch_request_async()
        except Exception as e:
            rv = await self._handle_user_exception_async(e)
        return await self._finalize_request_async(rv)

    async def _preprocess_request_async(self, plan: _Plan) -> ResponseReturnValue | None:
        if not (plan.url_preprocessors or plan.before):
            return None
        request = _cv_request.get().request
        names = (None, *reversed(request.blueprints))
        for name in names:
            for url_func in self.url_value_preprocessors.get(name, ()):
                await self._call(url_func, request.endpoint, request.view_args)
        for name in names:
            for before_func in self.before_request_funcs.get(name, ()):
                rv = await self._call(before_func)
                if rv is not None:
                    return t.cast("ResponseReturnValue", rv)
        return None

    async def _dispatch_request_async(self) -> ResponseReturnValue:
        request = _cv_request.get().request
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule = request.url_rule
        if rule is None:
            raise NotFound()
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return self.make_default_options_response()
        view = self.view_functions[rule.endpoint]
        return t.cast("ResponseReturnValue", await self._call(view, **(request.view_args or {})))

    async def _finalize_request_async(
        self, rv: t.Any, from_error_handler: bool = False
    ) -> Response:
        response = self.make_response(rv)
        try:
            response = await self._process_response_async(response)
            if signals.in_use and signals.request_finished.receivers:
                await signals.request_finished.send_async(
                    self, _sync_wrapper=_as_async, response=response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    async def _process_response_async(self, response: Response) -> Response:
        ctx = _cv_request.get()
        for func in ctx._after_request_functions or ():
            response = await self._call(func, response)
        plan = self._plan or self._make_plan()
        if plan.after:
            for name in (*ctx.request.blueprints, None):
                for func in reversed(self.after_request_funcs.get(name, ())):
                    response = await self._call(func, response)
        if plan.stock_sessions:
            self._save_session(ctx, response)
        else:
            # A custom session interface may do I/O (a database, Redis).
            await run_in_thread(self._save_session, ctx, response)
        return response

    async def _handle_user_exception_async(self, e: Exception) -> t.Any:
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if _is_http_error(e) and not self.trap_http_exception(e):
            if getattr(e, "code", None) is None or isinstance(e, RoutingException):
                return e
            handler = self._find_error_handler(e, _cv_request.get().request.blueprints)
            if handler is None:
                return e
            return await self._call(handler, e)
        handler = self._find_error_handler(e, _cv_request.get().request.blueprints)
        if handler is None:
            raise e
        return await self._call(handler, e)

    async def _handle_exception_async(self, e: Exception) -> Response:
        if signals.in_use and signals.got_request_exception.receivers:
            await signals.got_request_exception.send_async(
                self, _sync_wrapper=_as_async, exception=e
            )
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            raise e
        self.log_exception((type(e), e, e.__traceback__))
        server_error: t.Any = InternalServerError(original_exception=e)
        ctx = _cv_request.get(None)
        blueprints = ctx.request.blueprints if ctx is not None else []
        handler = self._find_error_handler(server_error, blueprints)
        if handler is not None:
            server_error = await self._call(handler, server_error)
        return await self._finalize_request_async(server_error, from_error_handler=True)

    # -- teardown ----------------------------------------------------------------------

    async def _do_teardown_request_async(self, exc: BaseException | None) -> None:
        plan = self._plan or self._make_plan()
        if plan.teardown_request:
            request = _cv_request.get().request
            for name in (*request.blueprints, None):
                for func in reversed(self.teardown_request_funcs.get(name, ())):
                    await self._call(func, exc)
        if signals.in_use and signals.request_tearing_down.receivers:
            await signals.request_tearing_down.send_async(self, _sync_wrapper=_as_async, exc=exc)

    async def _do_teardown_appcontext_async(self, exc: BaseException | None) -> None:
        for func in reversed(self.teardown_appcontext_funcs):
            await self._call(func, exc)
        if signals.in_use and signals.appcontext_tearing_down.receivers:
            await signals.appcontext_tearing_down.send_async(self, _sync_wrapper=_as_async, exc=exc)

    async def _pop_async(self, ctx: RequestContext, exc: BaseException | None) -> None:
        """``ctx.pop(exc)`` with async teardown functions awaited on the loop."""
        plan = self._plan or self._make_plan()
        nothing_to_run = not (plan.teardown_request or plan.teardown_appcontext or signals.in_use)
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
                if signals.in_use and signals.appcontext_popped.receivers:
                    await signals.appcontext_popped.send_async(self, _sync_wrapper=_as_async)

    # -- websockets ----------------------------------------------------------------------

    async def _asgi_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop_token = _server_loop.set(asyncio.get_running_loop())
        try:
            environ, ctx = self._prepare(scope, receive)
            limit = self.config.get("WEBSOCKET_MAX_MESSAGE_SIZE")
            websocket = WebSocket(scope, receive, send, max_message_size=limit)
            ctx.websocket = websocket
            request = ctx.request
            self._match_websocket(request)
            ctx.push()
            error: BaseException | None = None
            try:
                try:
                    await self._run_websocket(ctx, websocket)
                except Exception as e:
                    error = e
                    await self._websocket_error(websocket, e)
            finally:
                self._preserve(environ)
                await self._pop_async(ctx, error)
        finally:
            _server_loop.reset(loop_token)

    def _match_websocket(self, request: t.Any) -> None:
        try:
            rule, args = self.url_map.match_fast(
                request.path, "GET", self._domain_part(request), websocket=True
            )
            request.url_rule = rule
            request.view_args = args
        except HTTPException as exc:
            request.routing_exception = exc
        except RoutingException:
            # A slash redirect makes no sense for a websocket: not found.
            request.routing_exception = NotFound()

    async def _run_websocket(self, ctx: RequestContext, websocket: WebSocket) -> None:
        self._got_first_request = True
        plan = self._plan or self._make_plan()
        rv = await self._preprocess_request_async(plan)
        if rv is not None:
            # A before_request hook answered: the connection is refused.
            await websocket.close(1008, "Refused")
            return
        request = ctx.request
        if request.routing_exception is not None:
            raise request.routing_exception
        rule = request.url_rule
        if rule is None:
            raise NotFound()
        view = self.view_functions[rule.endpoint]
        result = await self._call(view, **(request.view_args or {}))
        if not websocket.closed:
            if result is not None and not websocket.accepted:
                # A view may deny with a status, like an HTTP view answering.
                await websocket.close(1008, "Refused")
            else:
                await websocket.close(1000)

    async def _websocket_error(self, websocket: WebSocket, e: Exception) -> None:
        if isinstance(e, (WebSocketDisconnect, WebSocketClosed)):
            return  # the client left; the view's own teardown already ran
        if _is_http_error(e):
            code = getattr(e, "code", None) or 500
            name = str(getattr(e, "name", "") or "HTTP error")
            await websocket.close(1008 if code < 500 else 1011, name[:120])
            return
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        self.log_exception((type(e), e, e.__traceback__))
        await websocket.close(1011, "Internal error")
        if propagate:
            raise e

    # -- lifespan ------------------------------------------------------------------------

    async def _asgi_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            kind = message.get("type")
            if kind == "lifespan.startup":
                try:
                    await self._run_serving_hooks(self.before_serving_funcs)
                except BaseException as e:
                    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
                    self.logger.error("Startup failed:\n%s", text)
                    await send({"type": "lifespan.startup.failed", "message": text})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif kind == "lifespan.shutdown":
                try:
                    await self._run_serving_hooks(self.after_serving_funcs)
                except BaseException as e:
                    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
                    await send({"type": "lifespan.shutdown.failed", "message": text})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _run_serving_hooks(self, funcs: list[Callable[[], t.Any]]) -> None:
        with self.app_context():
            for func in funcs:
                await self._call(func)


def _as_async(func: Callable[..., t.Any]) -> Callable[..., t.Any]:
    """Blinker's ``_sync_wrapper``: sync receivers are called directly."""

    async def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return func(*args, **kwargs)

    return wrapper
