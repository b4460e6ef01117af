"""The ASGI ``lifespan`` scope: the app's serving hooks (layer 4)."""

from __future__ import annotations

import traceback
import typing as t
from collections.abc import Callable

from ..asgi import Receive, Send
from ._async.flow import AsyncFlow

__all__ = ["Lifespan"]


class Lifespan(AsyncFlow):
    """``before_serving`` and ``after_serving`` functions, run at the server's start and stop."""

    async def _asgi_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            kind = message.get("type")
            if kind == "lifespan.startup":
                try:
                    await self._run_serving_hooks(self.before_serving_funcs)
                except BaseException as e:
                    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
                    self.logger.error("Startup failed:\n%s", text)
                    await send({"type": "lifespan.startup.failed", "message": text})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif kind == "lifespan.shutdown":
                try:
                    await self._run_serving_hooks(self.after_serving_funcs)
                except BaseException as e:
                    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
                    await send({"type": "lifespan.shutdown.failed", "message": text})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _run_serving_hooks(self, funcs: list[Callable[[], t.Any]]) -> None:
        with self.app_context():
            for func in funcs:
                await self._call_async(func)
