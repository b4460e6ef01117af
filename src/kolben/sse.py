"""Server-Sent Events (layer 3): a streamed response with keep-alive pings.

``return EventStream(events())`` from any view, sync or async, under WSGI
or ASGI. ``events()`` may be a sync or async generator yielding strings
(sent as ``data``), dicts (``event``, ``data``, ``id``, ``retry``; non-text
data is sent as JSON) or :class:`ServerSentEvent` objects. While the source
is quiet, a comment line is sent every ``ping_interval`` seconds so proxies
and browsers keep the connection open. Sync sources are read in a worker
thread, so a slow source never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import json
import typing as t
from collections.abc import AsyncGenerator, Iterable, Iterator
from dataclasses import dataclass

from ._aio import run_in_thread
from .wrappers import Response

__all__ = ["EventStream", "ServerSentEvent"]

_FORBIDDEN = ("\r", "\n", "\x00")


@dataclass
class ServerSentEvent:
    """One event (WHATWG HTML, "Server-sent events", section 9.2.6)."""

    data: t.Any = ""
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def encode(self) -> bytes:
        """The event as it goes on the wire, ending with a blank line."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in str(self.comment).splitlines() or [""])
        for name, value in (("event", self.event), ("id", self.id)):
            if value is not None:
                text = str(value)
                if any(ch in text for ch in _FORBIDDEN):
                    raise ValueError(f"An event {name} must not contain CR, LF or NUL.")
                lines.append(f"{name}: {text}")
        if self.retry is not None:
            lines.append(f"retry: {int(self.retry)}")
        data = self.data
        if not isinstance(data, str):
            data = json.dumps(data, separators=(",", ":"))
        # A CR, LF or CRLF inside the data starts another "data:" line, so a
        # value can never end the event early or inject fields.
        normalised = data.replace("\r\n", "\n").replace("\r", "\n")
        lines.extend(f"data: {line}" for line in normalised.split("\n"))
        return ("\n".join(lines) + "\n\n").encode("utf-8")


def _as_event(item: t.Any) -> ServerSentEvent:
    if isinstance(item, ServerSentEvent):
        return item
    if isinstance(item, dict):
        return ServerSentEvent(**item)
    return ServerSentEvent(data=item)


_DONE = object()


def _next_or_done(iterator: Iterator[t.Any]) -> t.Any:
    return next(iterator, _DONE)


async def _frames(
    source: Iterable[t.Any] | t.AsyncIterable[t.Any], ping_interval: float | None
) -> AsyncGenerator[bytes, None]:
    is_async = hasattr(source, "__aiter__")
    aiterator = t.cast(t.AsyncIterable[t.Any], source).__aiter__() if is_async else None
    iterator = None if is_async else iter(t.cast(Iterable[t.Any], source))
    try:
        while True:
            if aiterator is not None:
                pending: asyncio.Future[t.Any] = asyncio.ensure_future(_anext_or_done(aiterator))
            else:
                pending = asyncio.ensure_future(
                    run_in_thread(_next_or_done, t.cast(Iterator[t.Any], iterator))
                )
            while True:
                done, _ = await asyncio.wait({pending}, timeout=ping_interval)
                if done:
                    break
                yield b": ping\n\n"
            item = pending.result()
            if item is _DONE:
                return
            yield _as_event(item).encode()
    finally:
        if aiterator is not None and hasattr(aiterator, "aclose"):
            await aiterator.aclose()
        elif iterator is not None and hasattr(iterator, "close"):
            await run_in_thread(iterator.close)


async def _anext_or_done(iterator: t.AsyncIterator[t.Any]) -> t.Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _DONE


class _FrameStream:
    """The frames of an :class:`EventStream` as an async iterator.

    Closing it before the first frame still closes the source, so a
    ``stream_with_context`` source releases its request (an async generator
    that never started would skip its own cleanup).
    """

    __slots__ = ("_frames", "_source", "_started")

    def __init__(
        self, source: Iterable[t.Any] | t.AsyncIterable[t.Any], ping_interval: float | None
    ) -> None:
        self._source = source
        self._frames = _frames(source, ping_interval)
        self._started = False

    def __aiter__(self) -> _FrameStream:
        return self

    async def __anext__(self) -> bytes:
        self._started = True
        return await self._frames.__anext__()

    async def aclose(self) -> None:
        """Close the frames and, if they never started, the source."""
        if self._started:
            await self._frames.aclose()
            return
        aclose = getattr(self._source, "aclose", None)
        if aclose is not None:
            await aclose()
            return
        close = getattr(self._source, "close", None)
        if close is not None:
            await run_in_thread(close)


class EventStream(Response):
    """A ``text/event-stream`` response fed by a sync or async iterable."""

    def __init__(
        self,
        source: Iterable[t.Any] | t.AsyncIterable[t.Any],
        *,
        ping_interval: float | None = 15.0,
        status: int | str | None = None,
        headers: t.Any = None,
    ) -> None:
        super().__init__(
            _FrameStream(source, ping_interval),
            status=status,
            headers=headers,
            mimetype="text/event-stream",
        )
        self.headers["Cache-Control"] = "no-cache"
        # Ask reverse proxies (nginx) not to buffer the stream.
        self.headers["X-Accel-Buffering"] = "no"
