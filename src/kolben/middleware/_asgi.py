"""ASGI 3 building blocks shared by the middleware (layer 3).

Nothing here knows about Kolben apps: these are plain ASGI callables,
scopes and messages as the ASGI 3 specification describes them.
"""

from __future__ import annotations

import asyncio
import typing as t
from collections.abc import Iterable

from .._aio import is_async_callable
from ..asgi.types import ASGIApp, Message, Receive, Scope, Send

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

__all__ = [
    "ASGIApp",
    "Receive",
    "Scope",
    "Send",
    "as_asgi",
    "asgi_class",
    "is_asgi",
    "join_header",
    "route_path",
    "run_lifespans",
    "send_response",
]

def is_asgi(app: t.Any) -> bool:
    """Whether ``app`` is an ASGI 3 callable (``async`` with a coroutine ``__call__``)."""
    return is_async_callable(app)


_ASGI_CLASSES: dict[tuple[type, type], type] = {}


def asgi_class(cls: type, asgi_impl: type) -> type:
    """The class a middleware ``cls`` becomes around an ASGI app.

    ``asgi_impl`` is the ASGI form of the middleware's base class; a user's
    subclass is combined with it (once, cached), so its overrides still apply.
    """
    if issubclass(cls, asgi_impl):
        return cls
    if asgi_impl.__bases__ == (cls,):
        return asgi_impl
    made = _ASGI_CLASSES.get((cls, asgi_impl))
    if made is None:
        made = type(cls.__name__, (asgi_impl, cls), {"__module__": cls.__module__})
        _ASGI_CLASSES[(cls, asgi_impl)] = made
    return made


def as_asgi(app: t.Any, role: str) -> ASGIApp:
    """``app`` as an ASGI callable: itself, or a Kolben app's ``app.asgi``."""
    if is_asgi(app):
        return t.cast(ASGIApp, app)
    asgi = getattr(app, "asgi", None)
    if asgi is not None and is_asgi(asgi):
        return t.cast(ASGIApp, asgi)
    raise TypeError(
        f"{role} {app!r} is a WSGI application, but the middleware wraps ASGI ones."
        " Pass ASGI apps only (a Kolben app's ASGI callable is 'app.asgi'), or build"
        " the middleware with WSGI apps and serve it over WSGI."
    )


def join_header(scope: Scope, name: bytes) -> str | None:
    """The values of header ``name`` (lowercase) joined with ``,``, or None.

    RFC 9110 section 5.3: several field lines with the same name are one
    list, in order.
    """
    found: list[str] = []
    for key, value in scope.get("headers", ()):
        if key == name or key.lower() == name:
            found.append(value.decode("latin-1"))
    if not found:
        return None
    return ",".join(found)


def route_path(scope: Scope) -> str:
    """The path below the app's ``root_path``.

    ASGI's ``path`` is the full path, with ``root_path`` a prefix of it;
    servers that send the path without the root are accepted too.
    """
    path: str = scope.get("path") or "/"
    root: str = scope.get("root_path") or ""
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path


_DONE = object()


def _next_block(iterator: t.Iterator[bytes]) -> t.Any:
    return next(iterator, _DONE)


async def send_response(response: Response, environ: dict[str, t.Any], send: Send) -> None:
    """Send a :class:`~kolben.Response` over ASGI; blocking reads run in a thread."""
    app_iter, status, headers = response.get_wsgi_response(environ)
    await send(
        {
            "type": "http.response.start",
            "status": int(status.split(" ", 1)[0]),
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    iterator = iter(app_iter)
    try:
        while True:
            block = await asyncio.to_thread(_next_block, iterator)
            if block is _DONE:
                break
            if block:
                await send({"type": "http.response.body", "body": block, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            await asyncio.to_thread(close)


class _LifespanChild:
    """One app's side of a shared lifespan: its own queue of events."""

    def __init__(self, app: ASGIApp, scope: Scope) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task = asyncio.ensure_future(app(dict(scope), self.inbox.get, self.outbox.put))
        #: False once the app showed it does not speak lifespan.
        self.supported = True

    async def exchange(self, event: str) -> Message | None:
        """Send ``event``; the app's answer, or None when it has none."""
        if not self.supported:
            return None
        await self.inbox.put({"type": event})
        reply = asyncio.ensure_future(self.outbox.get())
        await asyncio.wait({reply, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if reply.done():
            return reply.result()
        reply.cancel()
        # The app returned or raised without answering: ASGI says to treat
        # that as an app without lifespan support, and carry on.
        self.supported = False
        if not self.task.cancelled():
            self.task.exception()  # retrieved, so asyncio does not log it
        return None


async def run_lifespans(
    apps: Iterable[ASGIApp], scope: Scope, receive: Receive, send: Send
) -> None:
    """Run one lifespan for several apps: each starts in order and stops in reverse.

    The server sees one startup (failed if any app failed) and one shutdown.
    """
    children = [_LifespanChild(app, scope) for app in apps]
    try:
        for phase in ("startup", "shutdown"):
            message = await receive()
            if message.get("type") != f"lifespan.{phase}":  # pragma: no cover - server bug
                return
            order = children if phase == "startup" else list(reversed(children))
            failures: list[str] = []
            for child in order:
                reply = await child.exchange(f"lifespan.{phase}")
                if reply is not None and reply.get("type") == f"lifespan.{phase}.failed":
                    failures.append(str(reply.get("message", "")))
                    if phase == "startup":
                        break
            if failures:
                await send({"type": f"lifespan.{phase}.failed", "message": "; ".join(failures)})
                return
            await send({"type": f"lifespan.{phase}.complete"})
    finally:
        tasks = [child.task for child in children]
        for task in tasks:
            task.cancel()
        # Wait for the cancellations and retrieve every outcome, so nothing
        # is left pending or logged as "exception never retrieved".
        await asyncio.gather(*tasks, return_exceptions=True)
