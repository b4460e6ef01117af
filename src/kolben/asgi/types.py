"""The ASGI 3 type aliases Kolben's adapter and middleware share (layer 3)."""

from __future__ import annotations

import typing as t
from collections.abc import Awaitable, Callable, MutableMapping

__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send"]

#: The connection scope a server passes to an ASGI app.
Scope = MutableMapping[str, t.Any]
#: One event received from or sent to the server.
Message = MutableMapping[str, t.Any]
#: The awaitable that gives the next event from the server.
Receive = Callable[[], Awaitable[Message]]
#: The awaitable that passes one event to the server.
Send = Callable[[Message], Awaitable[None]]
#: An ASGI 3 application.
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
