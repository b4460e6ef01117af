"""WebSockets over ASGI (layer 4).

A websocket request runs the before-request hooks (a hook that answers
refuses the connection), then its view, awaited on the loop; teardown
runs when the view returns or the client leaves.
"""

from __future__ import annotations

import asyncio
import typing as t

from .._aio import _server_loop, run_in_thread
from ..asgi import Receive, Scope, Send, WebSocket, WebSocketClosed, WebSocketDisconnect
from ..ctx import RequestContext
from ..exceptions import HTTPException, NotFound
from ..globals import _cv_app, _cv_request
from ..routing import RoutingException
from .asgi import ASGIEntry
from .errors import is_http_error

__all__ = ["WebSockets"]


class WebSockets(ASGIEntry):
    """The ``websocket`` scope: hooks, the view, teardown."""

    async def _asgi_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop_token = _server_loop.set(asyncio.get_running_loop())
        try:
            ctx, _body, preserve = self._prepare(scope, receive, self._get_plan())
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
                if preserve is not None:
                    preserve(_cv_app.get())
                    preserve(_cv_request.get())
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
        if self._get_plan().stock:
            rv = await self._preprocess_request_async()
        else:
            # An overridden preprocess_request (or another pipeline method)
            # is the app's: it runs, in a worker thread, as for HTTP.
            rv = await run_in_thread(self.preprocess_request)
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
        result = await self._call_async(view, **(request.view_args or {}))
        if not websocket.closed:
            if result is not None and not websocket.accepted:
                # A view may deny with a status, like an HTTP view answering.
                await websocket.close(1008, "Refused")
            else:
                await websocket.close(1000)

    async def _websocket_error(self, websocket: WebSocket, e: Exception) -> None:
        if isinstance(e, (WebSocketDisconnect, WebSocketClosed)):
            return  # the client left; the view's own teardown already ran
        if is_http_error(e):
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
