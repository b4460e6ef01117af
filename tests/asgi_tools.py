"""Tiny helpers to drive raw ASGI 3 callables in tests (no server, no bridge)."""

from __future__ import annotations

import asyncio
import typing as t
from collections.abc import Awaitable, Callable, MutableMapping

Scope = MutableMapping[str, t.Any]
Message = MutableMapping[str, t.Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


def http_scope(path: str = "/", **overrides: t.Any) -> dict[str, t.Any]:
    """An HTTP scope as a server would send it (``path`` includes ``root_path``)."""
    headers = overrides.pop("headers", [])
    scope: dict[str, t.Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("10.0.0.1", 40000),
        "server": ("internal", 8000),
    }
    scope.update(overrides)
    return scope


class Recorder:
    """An ASGI app that records the scope it got and answers 200 with a label."""

    def __init__(self, label: str = "app") -> None:
        self.label = label
        self.scopes: list[Scope] = []

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        self.scopes.append(scope)
        if scope["type"] == "lifespan":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": self.label.encode()})

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]


class Result(t.NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


def call(app: t.Any, scope: Scope, body: bytes = b"") -> Result:
    """Run one HTTP request through ``app`` and collect the response."""

    async def run() -> Result:
        sent: list[Message] = []
        incoming = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> Message:
            if incoming:
                return incoming.pop(0)
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        assert not sent[-1].get("more_body", False)
        return Result(start["status"], headers, data)

    return asyncio.run(run())


def lifespan(app: t.Any) -> list[Message]:
    """Run a startup and a shutdown through ``app``; the messages it sent back."""

    async def run() -> list[Message]:
        events = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[Message] = []

        async def receive() -> Message:
            if not events:
                await asyncio.sleep(3600)
            return events.pop(0)

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        await app(scope, receive, send)
        return sent

    return asyncio.run(run())
