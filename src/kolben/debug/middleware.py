"""The debugger as WSGI and as ASGI middleware (layer 5).

Both catch an exception that escapes the app before the response has
started and answer with the traceback page; after that, the status line
is gone, so the error is only printed. Requests under ``/__debugger__/``
never reach the app.

Under ASGI, building the page (which reads source files) and running a
console command happen in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import io
import sys
import traceback
import typing as t
from collections.abc import Iterable, Iterator

from ..asgi import build_environ
from ..wrappers import Request, Response
from .core import MAX_BODY, Debugger

__all__ = ["DebuggedASGIApplication", "DebuggedApplication"]


def _late_error(where: str) -> None:
    sys.stderr.write(
        f" * Debugger: an error happened after the response {where}; it cannot be shown"
        " in the browser:\n"
    )
    traceback.print_exc()


class DebuggedApplication:
    """Wrap a WSGI app so unhandled errors show the interactive debugger.

    ``debugger`` is a :class:`Debugger`; without one, a new one is made
    from ``evalex``, ``token`` and ``trusted_hosts`` (and its token printed).
    The app must let errors propagate, as a Kolben app in debug mode does.
    """

    def __init__(
        self,
        app: t.Any,
        debugger: Debugger | None = None,
        *,
        evalex: bool = True,
        token: str | None = None,
        trusted_hosts: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.debugger = debugger or Debugger(token, evalex=evalex, trusted_hosts=trusted_hosts)

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> Iterable[bytes]:
        if self.debugger.is_debugger_path(environ.get("PATH_INFO", "")):
            request = Request(environ)
            response = self.debugger.handle(request)
            return response(environ, start_response)
        # The app is called here, not lazily from an iterator: servers such
        # as granian read the status as soon as the app returns.
        started = False

        def tracking_start_response(*args: t.Any) -> t.Any:
            nonlocal started
            started = True
            return start_response(*args)

        try:
            app_iter = self.app(environ, tracking_start_response)
        except Exception as exc:
            response = self.debugger.error_response(exc, Request(environ))
            # PEP 3333: a second call passes exc_info; a first one must not.
            exc_info = sys.exc_info() if started else None
            start_response(response.status, list(response.headers.items()), exc_info)
            return [response.get_data()]
        if isinstance(app_iter, (list, tuple)):
            return app_iter
        return _StreamGuard(app_iter)


class _StreamGuard:
    """Iterates a streamed body; an error part-way is printed, and the
    stream ends (the status line has left, the page cannot be sent)."""

    def __init__(self, app_iter: Iterable[bytes]) -> None:
        self._app_iter = app_iter
        self._iterator: Iterator[bytes] = iter(app_iter)

    def __iter__(self) -> _StreamGuard:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except StopIteration:
            raise
        except Exception:
            _late_error("started")
            raise StopIteration from None

    def close(self) -> None:
        close = getattr(self._app_iter, "close", None)
        if close is not None:
            close()


async def _read_body(receive: t.Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(response: Response, send: t.Any) -> None:
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers.items()
    ]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.get_data(), "more_body": False})


def _request(scope: t.MutableMapping[str, t.Any], body: bytes) -> Request:
    return Request(build_environ(scope, io.BytesIO(body)))


class DebuggedASGIApplication:
    """Wrap an ASGI app so unhandled errors show the interactive debugger.

    The arguments are those of :class:`DebuggedApplication`. Websocket and
    lifespan scopes pass straight through.
    """

    def __init__(
        self,
        app: t.Any,
        debugger: Debugger | None = None,
        *,
        evalex: bool = True,
        token: str | None = None,
        trusted_hosts: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.debugger = debugger or Debugger(token, evalex=evalex, trusted_hosts=trusted_hosts)

    async def __call__(self, scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.debugger.is_debugger_path(scope.get("path", "")):
            body = await _read_body(receive, MAX_BODY + 1)
            request = _request(scope, body)
            # A console command may take long: never on the event loop.
            response = await asyncio.to_thread(self.debugger.handle, request)
            await _send(response, send)
            return

        started = False

        async def watching_send(message: t.Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as exc:
            if started:
                _late_error("started")
                raise
            request = _request(scope, b"")
            response = await asyncio.to_thread(self.debugger.error_response, exc, request)
            await _send(response, send)
