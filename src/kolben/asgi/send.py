"""Sending a response over ASGI (layer 3): one message for a body in
memory, async bodies iterated on the loop, sync ones in a worker thread,
and a watch for the client leaving mid-stream."""

from __future__ import annotations

import asyncio
import contextvars
import typing as t
from collections.abc import Callable, Coroutine, Iterable, Iterator

from .._aio import run_in_thread
from ..datastructures import Headers
from ..wrappers import Response
from ..wrappers._response_parts import _ASGI_NAMES
from .types import Message, Receive, Send

__all__ = ["EnvironSource", "plain_messages", "send_response", "send_response_to"]


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return


#: Where a response's environ comes from when its headers need one: the
#: environ itself, or a callable that builds it on demand.
EnvironSource = dict[str, t.Any] | Callable[[], dict[str, t.Any]] | None

_STOCK_WSGI_HEADERS = Response.get_wsgi_headers


def plain_messages(
    response: Response, method: str, close: bool
) -> tuple[Message, Message] | None:
    """The two messages of :func:`send_response_to` for a common response, or None.

    Common: what the constructor makes of a str or bytes (one bytes chunk in
    a list, not passed through), a status with a body, headers that
    ``get_wsgi_headers`` would send as they are (stock :class:`Headers` with
    a Content-Length and only the names of ``_ASGI_NAMES``: no Location),
    no ``call_on_close`` callback (a list has no ``close()``, so closing it
    does nothing), and a class that keeps every sending step
    (``_plain_send``). Then the messages are the general path's, built with
    one dict lookup per header name instead of ``_outgoing_headers``,
    ``lower()`` and a second encode per name, and nothing is left to close.
    None: send with :func:`send_response_to`'s general path. A caller that
    sends these itself treats an ``OSError`` from ``send`` as the client
    gone, as ``send_response_to`` does.
    """
    body = response.response
    if (
        response._plain_send
        and type(body) is list
        and len(body) == 1
        and type(body[0]) is bytes
        and not response.direct_passthrough
        and not response._on_close
        and (status := response._status_code) >= 200
        and status != 204
        and status != 304
    ):
        headers = response.headers
        if type(headers) is Headers:
            raw_headers: list[tuple[bytes, bytes]] = []
            has_length = False
            # Headers holds Latin-1 values only (its checks), so encode()
            # cannot fail here where the general path would not.
            for name, value in headers._list:
                key = _ASGI_NAMES.get(name)
                if key is None:
                    return None
                if name == "Content-Length":
                    has_length = True
                raw_headers.append((key, value.encode("latin-1")))
            if has_length:
                if close:
                    raw_headers.append((b"connection", b"close"))
                return (
                    {"type": "http.response.start", "status": status, "headers": raw_headers},
                    {"type": "http.response.body", "body": b"" if method == "HEAD" else body[0]},
                )
    return None


def _environ_now(method: str, environ: EnvironSource) -> dict[str, t.Any]:
    if callable(environ):
        return environ()
    if environ is None:
        # No request to describe (a response sent outside the pipeline):
        # the least environ that still says what was asked.
        return {"REQUEST_METHOD": method}
    return environ


async def send_response_to(
    response: Response,
    send: Send,
    receive: Receive,
    *,
    method: str,
    close: bool = False,
    body_context: contextvars.Context | None = None,
    environ: EnvironSource = None,
) -> None:
    """Send ``response`` over ASGI, as the answer to a ``method`` request.

    No environ is needed: pass ``environ`` (the dict, or a callable that
    builds it) only so that a response class overriding
    :meth:`~kolben.Response.get_wsgi_headers` still gets one. ``close``
    adds ``Connection: close`` (the request's framing was ambiguous).

    HEAD requests and 1xx/204/304 answers send no body. A list body goes in
    one message; an async iterable is iterated on the loop; any other
    iterable (generators, files) is iterated in a worker thread inside
    ``body_context``, so it never blocks the loop. When the client
    disconnects mid-stream the iterator is closed and sending stops. The
    response is always closed (``call_on_close`` callbacks run), except
    when there is nothing to close: a list body without callbacks.
    """
    # PERF: see plain_messages (case A under ASGI: 91.8k -> 82.6k
    # instructions per request, case G 357.4k -> 347.0k; callgrind, CPython
    # 3.11, bench/instructions.py).
    messages = plain_messages(response, method, close)
    if messages is not None:
        try:
            await send(messages[0])
            await send(messages[1])
        except OSError:
            pass  # as below: the client is gone
        return
    # The stock headers read nothing of the request (not even for
    # autocorrect_location_header: relative Locations stay relative), so no
    # environ is built for them; a class that overrides get_wsgi_headers
    # gets the environ it was written for. PERF: an identity check on the
    # class (no cheaper as a per-class cache), inline: as many calls as before.
    if type(response).get_wsgi_headers is _STOCK_WSGI_HEADERS:
        headers = response._outgoing_headers()
    else:
        headers = response.get_wsgi_headers(_environ_now(method, environ))
    raw_headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers._list
    ]
    if close:
        # RFC 9112 section 6.3: after a request framed ambiguously (both
        # Content-Length and Transfer-Encoding), the connection must close.
        raw_headers.append((b"connection", b"close"))
    status = response.status_code
    body = response.response
    no_body = method == "HEAD" or 100 <= status < 200 or status in (204, 304)
    try:
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        if no_body:
            await send({"type": "http.response.body", "body": b""})
            return
        # PERF: the common case: a body already in memory, one message.
        if type(body) is list and not response.direct_passthrough:
            await send({"type": "http.response.body", "body": b"".join(response.iter_encoded())})
            return
        if hasattr(body, "__aiter__"):
            await _send_async_iterable(t.cast(t.Any, body), send, receive)
            return
        await _send_sync_iterable(
            t.cast(Iterable[t.Any], body), send, receive, body_context, response.direct_passthrough
        )
    except OSError:
        # The server could not deliver (client gone); nothing else to do.
        pass
    finally:
        # An async body that was never iterated (HEAD, a failed send) must
        # still be closed, so that a stream_with_context body releases its
        # request and teardown runs.
        aclose = getattr(body, "aclose", None)
        if aclose is not None:
            await aclose()
        if _close_may_block(response):
            await run_in_thread(response.close)
        else:
            response.close()


# PERF: a plain function returning send_response_to's coroutine, not an
# ``async def`` awaiting it: no second coroutine frame per request.
def send_response(
    response: Response,
    environ: dict[str, t.Any],
    send: Send,
    receive: Receive,
    body_context: contextvars.Context | None = None,
) -> Coroutine[t.Any, t.Any, None]:
    """Send ``response`` over ASGI for the request ``environ`` describes.

    The same as :func:`send_response_to` with the method and the
    ``kolben.close_connection`` flag read from ``environ``; await the
    result.
    """
    return send_response_to(
        response,
        send,
        receive,
        method=environ.get("REQUEST_METHOD") or "GET",
        close=bool(environ.get("kolben.close_connection")),
        body_context=body_context,
        environ=environ,
    )


def _close_may_block(response: Response) -> bool:
    return bool(response._on_close) or hasattr(response.response, "close")


# PERF: one watching task for the whole streamed response, instead of a
# Task and an ``asyncio.wait`` per chunk (issue 15; bench/instructions.py
# case S, 1 MiB in 16 chunks: 1.98M -> 235k instructions per request,
# Starlette 622k).
class _DisconnectWatch:
    """Waits on ``receive`` for ``http.disconnect`` while a response streams.

    While the sender awaits the body's next chunk (:attr:`guarding`), a
    disconnect cancels the sender, so a body that waits long between chunks
    (server-sent events) stops at once; between chunks the sender checks
    :attr:`disconnected`.
    """

    __slots__ = ("cancelled", "disconnected", "guarding", "task", "watcher")

    def __init__(self, receive: Receive) -> None:
        self.disconnected = False
        self.guarding = False
        self.cancelled = False
        self.task = asyncio.current_task()
        self.watcher = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        try:
            while True:
                message = await receive()
                if message.get("type") == "http.disconnect":
                    break
        except Exception:
            pass  # a receive that fails: the client is as good as gone
        self.disconnected = True
        if self.guarding and self.task is not None:
            self.cancelled = self.task.cancel()

    def ours(self) -> bool:
        """Take back the watch's cancellation of the sender, if it made one.

        True when the watch cancelled the sender and nothing else did: a
        cancellation from outside (the server stopping the app) is counted
        on the task too (Python 3.11+) and must go on.
        """
        if not self.cancelled:
            return False
        self.cancelled = False
        uncancel = getattr(self.task, "uncancel", None)
        return uncancel is None or uncancel() == 0


async def _send_async_iterable(
    body: t.AsyncIterable[bytes | str], send: Send, receive: Receive
) -> None:
    iterator = body.__aiter__()
    watch = _DisconnectWatch(receive)
    try:
        while True:
            watch.guarding = True
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            except asyncio.CancelledError:
                if watch.ours():
                    return
                raise
            finally:
                watch.guarding = False
            if watch.disconnected:
                watch.ours()  # a body that swallowed the cancellation
                return
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        watch.watcher.cancel()
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


_DONE = object()


def _next_chunk(iterator: Iterator[t.Any]) -> t.Any:
    return next(iterator, _DONE)


async def _send_sync_iterable(
    body: Iterable[t.Any],
    send: Send,
    receive: Receive,
    context: contextvars.Context | None,
    passthrough: bool,
) -> None:
    iterator = iter(body)
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        while True:
            chunk = await run_in_thread(_next_chunk, iterator, context=context)
            if chunk is _DONE:
                break
            if watcher.done():
                return
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        watcher.cancel()
        close = getattr(iterator, "close", None)
        if close is not None and not passthrough:
            await run_in_thread(close, context=context)
