"""Time Kolben's middleware against Werkzeug's, and guard their ``# PERF:`` tricks.

Run: ``.venv/bin/python bench/bench_middleware.py`` (Werkzeug must be
installed; it is only imported here). Prints microseconds per call, best of
several runs, and Werkzeug's time divided by Kolben's.

- ProxyFix and DispatcherMiddleware around a bare WSGI app: the cost each
  adds to a request.
- SharedDataMiddleware under ASGI sends a 4 MB file in 256 KiB blocks, one
  worker-thread hop per block (``_ASGI_BLOCK_SIZE``); the same with the WSGI
  default of 8 KiB blocks shows what the trick saves.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import timeit
import typing as t
from collections.abc import Callable

from werkzeug.middleware.dispatcher import DispatcherMiddleware as WzDispatcher
from werkzeug.middleware.proxy_fix import ProxyFix as WzProxyFix

from kolben.middleware import shared_data
from kolben.middleware.dispatcher import DispatcherMiddleware
from kolben.middleware.proxy_fix import ProxyFix
from kolben.testing import create_environ

NUMBER = 20_000
REPEAT = 7


def best(func: Callable[[], object], number: int = NUMBER) -> float:
    """Microseconds per call, best of REPEAT runs."""
    return min(timeit.repeat(func, number=number, repeat=REPEAT)) / number * 1e6


def bare(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _runner(app: t.Any, environ: dict[str, t.Any]) -> Callable[[], object]:
    def run() -> object:
        return app(dict(environ), lambda status, headers: None)

    return run


def _asgi_file_time(path: str, block_size: int) -> float:
    folder, name = os.path.split(path)

    async def inner(scope: t.Any, receive: t.Any, send: t.Any) -> None:  # pragma: no cover
        raise AssertionError("the file should have been served")

    middleware = shared_data.SharedDataMiddleware(inner, {"/f": folder})
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/f/{name}",
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }

    async def send(message: t.Any) -> None:
        pass

    async def receive() -> t.Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def once() -> None:
        await middleware(scope, receive, send)

    original = shared_data._ASGI_BLOCK_SIZE
    shared_data._ASGI_BLOCK_SIZE = block_size
    try:
        loop = asyncio.new_event_loop()
        try:
            return best(lambda: loop.run_until_complete(once()), number=20)
        finally:
            loop.close()
    finally:
        shared_data._ASGI_BLOCK_SIZE = original


def main() -> None:
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7", "X-Forwarded-Proto": "https"}
    environ = create_environ("/api/users/1", headers=headers)
    mounts = {"/api": bare, "/admin": bare, "/static/files": bare}
    cases = [
        ("ProxyFix x_for=1 x_proto=1", ProxyFix(bare), WzProxyFix(bare)),
        ("Dispatcher /api/users/1", DispatcherMiddleware(bare, mounts), WzDispatcher(bare, mounts)),
    ]
    deep = create_environ("/" + "a/" * 40)
    cases.append(
        (
            "Dispatcher, 40-segment miss",
            DispatcherMiddleware(bare, mounts),
            WzDispatcher(bare, mounts),
        )
    )
    print(f"{'case':<36} {'kolben us':>10} {'werkzeug us':>12} {'ratio':>7}")
    for name, kolben_app, werkzeug_app in cases:
        env = deep if "miss" in name else environ
        k = best(_runner(kolben_app, env))
        w = best(_runner(werkzeug_app, env))
        print(f"{name:<36} {k:>10.3f} {w:>12.3f} {w / k:>6.1f}x")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "big.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(4 * 1024 * 1024))
        big = _asgi_file_time(path, shared_data._ASGI_BLOCK_SIZE)
        small = _asgi_file_time(path, 8192)
        print(f"{'SharedData ASGI 4 MB, 256 KiB blocks':<36} {big:>10.1f}")
        label = "SharedData ASGI 4 MB, 8 KiB blocks"
        print(f"{label:<36} {small:>10.1f} {'':>12} {small / big:>6.1f}x")


if __name__ == "__main__":
    main()
