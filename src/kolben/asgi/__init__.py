"""The ASGI 3 side of Kolben (layer 3): scope to environ, the request body,
sending responses, websockets.

The app's async pipeline (layer 4) uses these pieces; nothing here knows
about contexts, hooks or views. The modules:

- :mod:`kolben.asgi.types`: the ``Scope``/``Receive``/``Send`` aliases;
- :mod:`kolben.asgi.environ`: :func:`build_environ`;
- :mod:`kolben.asgi.body`: :class:`ASGIBody` and :data:`NO_BODY`;
- :mod:`kolben.asgi.send`: :func:`send_response_to` (and :func:`send_response`);
- :mod:`kolben.asgi.websocket`: :class:`WebSocket` and its exceptions.
"""

from __future__ import annotations

from .body import NO_BODY, ASGIBody
from .environ import ENVIRON_BASE, FILE_BLOCK_SIZE, build_environ
from .send import plain_messages, send_response, send_response_to
from .types import ASGIApp, Message, Receive, Scope, Send
from .websocket import WebSocket, WebSocketClosed, WebSocketDisconnect

__all__ = [
    "ENVIRON_BASE",
    "FILE_BLOCK_SIZE",
    "NO_BODY",
    "ASGIApp",
    "ASGIBody",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "WebSocket",
    "WebSocketClosed",
    "WebSocketDisconnect",
    "build_environ",
    "plain_messages",
    "send_response",
    "send_response_to",
]
