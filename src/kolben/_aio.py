"""Running coroutines from synchronous code (layer 3).

Under WSGI an ``async def`` view runs on an event loop owned by the worker
thread and reused for every request that thread serves: no asgiref, and no
new loop per request.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import typing as t
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial, wraps

__all__ = ["is_async_callable", "iterate_async", "run_in_thread", "run_sync", "sync_wrapper"]

_local = threading.local()


def is_async_callable(f: t.Any) -> bool:
    """Whether calling ``f`` returns a coroutine (functions, partials, callables)."""
    while isinstance(f, partial):
        f = f.func
    return inspect.iscoroutinefunction(f) or inspect.iscoroutinefunction(
        getattr(f, "__call__", None)  # noqa: B004 - a callable object's method
    )


class _ThreadLoop:
    """Owns one thread's event loop and closes it when the thread ends.

    A thread's ``threading.local`` values are dropped when the thread exits;
    without this, every finished worker thread (a threaded server starts one
    per connection) would leak an open loop and its self-pipe sockets.
    """

    __slots__ = ("loop",)

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        loop = self.loop
        if not loop.is_closed() and not loop.is_running():
            loop.close()


def _thread_loop() -> asyncio.AbstractEventLoop:
    owner: _ThreadLoop | None = getattr(_local, "owner", None)
    if owner is None or owner.loop.is_closed():
        owner = _local.owner = _ThreadLoop()
    return owner.loop


def run_sync(awaitable: Awaitable[t.Any]) -> t.Any:
    """Run ``awaitable`` to completion on this thread's reusable event loop.

    The current :mod:`contextvars` context is visible inside it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if inspect.iscoroutine(awaitable):
            awaitable.close()
        raise RuntimeError(
            "An async function was called synchronously while an event loop is running"
            " in this thread. Await it instead (under ASGI, Kolben awaits async views and"
            " hooks for you)."
        )
    coro: Coroutine[t.Any, t.Any, t.Any]
    if inspect.iscoroutine(awaitable):
        coro = awaitable
    else:

        async def _await() -> t.Any:
            return await awaitable

        coro = _await()
    server_loop = _server_loop.get(None)
    if server_loop is not None and server_loop.is_running():
        # Under ASGI, in a worker thread: run on the server's loop, where the
        # app's async resources (clients, pools) live.
        return asyncio.run_coroutine_threadsafe(coro, server_loop).result()
    return _thread_loop().run_until_complete(coro)


#: The ASGI server's event loop, set for the duration of each ASGI call.
_server_loop: contextvars.ContextVar[asyncio.AbstractEventLoop] = contextvars.ContextVar(
    "kolben.server_loop"
)
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
#: Worker threads for sync code under ASGI (sync views, hooks, blocking I/O).
thread_limit = 40


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(
                    max_workers=thread_limit, thread_name_prefix="kolben-sync"
                )
    return _executor


async def run_in_thread(
    func: Callable[..., t.Any], *args: t.Any, context: contextvars.Context | None = None
) -> t.Any:
    """Await ``func(*args)`` run in a worker thread, inside ``context``.

    Without ``context`` a copy of the current one is used, so ``request``,
    ``g`` and ``session`` work in the thread.
    """
    loop = asyncio.get_running_loop()
    ctx = context if context is not None else contextvars.copy_context()
    return await loop.run_in_executor(_get_executor(), partial(ctx.run, func, *args))


def sync_wrapper(f: Callable[..., Awaitable[t.Any]]) -> Callable[..., t.Any]:
    """Wrap an async function so that calling it runs it to completion."""

    @wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return run_sync(f(*args, **kwargs))

    wrapper._kolben_sync_of = f  # type: ignore[attr-defined]
    return wrapper


class iterate_async:
    """Iterate an async iterable from sync code (a WSGI server sending it).

    Each step runs on this thread's reusable loop. ``close()`` closes the
    async iterator even if iteration never started (a HEAD request).
    """

    __slots__ = ("_done", "_iterator")

    def __init__(self, iterable: t.AsyncIterable[t.Any]) -> None:
        self._iterator = iterable.__aiter__()
        self._done = False

    def __iter__(self) -> iterate_async:
        return self

    def __next__(self) -> t.Any:
        if self._done:
            raise StopIteration
        try:
            return run_sync(self._iterator.__anext__())
        except StopAsyncIteration:
            self.close()
            raise StopIteration from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the async iterator (once)."""
        if self._done:
            return
        self._done = True
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            run_sync(aclose())
