"""Websocket connections over ASGI (layer 3): what views see as
``kolben.websocket``, and the exceptions it raises."""

from __future__ import annotations

import json
import typing as t
from collections.abc import AsyncIterator, Callable, Iterable

from ..exceptions import ClientDisconnected
from .types import Message, Receive, Scope, Send

__all__ = ["WebSocket", "WebSocketClosed", "WebSocketDisconnect"]


class WebSocketDisconnect(ClientDisconnected):
    """The client closed the websocket (``code`` is its close code)."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        super().__init__(f"The websocket was closed by the client (code {code}).")
        self.code = code
        self.reason = reason


class WebSocketClosed(RuntimeError):
    """The websocket is closed: nothing more can be sent or received."""


class WebSocket:
    """One websocket connection, as views see it (``kolben.websocket``).

    Messages larger than ``max_message_size`` bytes close the connection
    with code 1009 and raise :class:`WebSocketDisconnect` in the view.
    """

    def __init__(
        self, scope: Scope, receive: Receive, send: Send, max_message_size: int | None = None
    ) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.max_message_size = max_message_size
        self.accepted = False
        self.closed = False
        #: The close code, once the connection is closed.
        self.close_code: int | None = None

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered."""
        return list(self.scope.get("subprotocols") or [])

    async def _wait_for_connect(self) -> None:
        message = await self._receive()
        if message.get("type") == "websocket.disconnect":
            self.closed = True
            self.close_code = int(message.get("code", 1005))
            raise WebSocketDisconnect(self.close_code)

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[str, str]] | None = None
    ) -> None:
        """Accept the connection (done for you on the first send or receive)."""
        if self.accepted:
            return
        if self.closed:
            raise WebSocketClosed("The websocket is closed.")
        await self._wait_for_connect()
        message: Message = {"type": "websocket.accept"}
        if subprotocol is not None:
            message["subprotocol"] = subprotocol
        if headers:
            message["headers"] = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
            ]
        await self._send(message)
        self.accepted = True

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for text frames, ``bytes`` for binary ones."""
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketClosed("The websocket is closed.")
        message = await self._receive()
        kind = message.get("type")
        if kind == "websocket.disconnect":
            self.closed = True
            self.close_code = int(message.get("code", 1005))
            raise WebSocketDisconnect(self.close_code, message.get("reason"))
        text = message.get("text")
        data: str | bytes = text if text is not None else (message.get("bytes") or b"")
        limit = self.max_message_size
        if limit is not None and (
            len(data) > limit or (isinstance(data, str) and len(data.encode("utf-8")) > limit)
        ):
            await self.close(1009, "Message too big")
            raise WebSocketDisconnect(1009, "Message too big")
        return data

    async def receive_json(self) -> t.Any:
        """The next message parsed as JSON (invalid JSON closes with 1007)."""
        data = await self.receive()
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            await self.close(1007, "Invalid JSON")
            raise WebSocketDisconnect(1007, "Invalid JSON") from None

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketClosed("The websocket is closed.")
        if isinstance(data, str):
            await self._send({"type": "websocket.send", "text": data})
        elif isinstance(data, (bytes, bytearray, memoryview)):
            await self._send({"type": "websocket.send", "bytes": bytes(data)})
        else:
            raise TypeError(
                f"websocket.send() takes str or bytes, not {type(data).__name__};"
                " use send_json() for other objects."
            )

    async def send_json(self, obj: t.Any, dumps: Callable[[t.Any], str] = json.dumps) -> None:
        """Send ``obj`` as a JSON text message."""
        await self.send(dumps(obj))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (before accepting: deny it)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        if not self.accepted:
            # Denying: the server still expects us to read the connect event.
            await self._wait_for_connect()
        await self._send({"type": "websocket.close", "code": code, "reason": reason})

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str | bytes]:
        while True:
            try:
                yield await self.receive()
            except WebSocketDisconnect:
                return
