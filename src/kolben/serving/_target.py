"""What a server worker runs: the app for one interface, maybe under the debugger (layer 5).

Granian's workers are processes. With the ``fork`` start method they
inherit the app object that was already loaded; with ``spawn`` (macOS,
Windows, Python 3.14 on Linux) a :class:`Target` travels to the worker
pickled, without the app, and loads it again from its recipe: the
``--app`` import path, a picklable factory, or the main script.
"""

from __future__ import annotations

import sys
import traceback
import typing as t
from collections.abc import Callable

from .._aio import is_async_callable
from ..cli.base import ScriptInfo
from ..cli.discovery import is_app
from ..debug import DebuggedApplication, DebuggedASGIApplication, Debugger

__all__ = ["Target", "error_app", "wants_asgi"]

Recipe = tuple[str, t.Any]


def wants_asgi(app: t.Any) -> bool:
    """Whether ``--interface auto`` picks ASGI for ``app``: it has async views
    or websocket routes (which WSGI cannot serve well or at all)."""
    if not hasattr(app, "asgi"):
        return False
    if any(is_async_callable(view) for view in getattr(app, "view_functions", {}).values()):
        return True
    url_map = getattr(app, "url_map", None)
    if url_map is None:
        return False
    return any(getattr(rule, "websocket", False) for rule in url_map.iter_rules())


def error_app(exc: BaseException) -> Callable[..., t.Any]:
    """A WSGI app that raises ``exc`` on every request, so the error that
    stopped the real app from loading shows in the browser (and in the
    debugger, in debug mode) until the next change fixes it."""
    # Raised with the traceback of the failed load each time: a plain
    # ``raise exc`` would add this frame once more on every request.
    load_traceback = exc.__traceback__

    def app(environ: t.Any, start_response: t.Any) -> t.Any:
        raise exc.with_traceback(load_traceback)

    return app


class Target:
    """A picklable loader of the callable a worker serves."""

    def __init__(
        self,
        app: t.Any,
        recipe: Recipe,
        interface: str,
        *,
        debugger: dict[str, t.Any] | None = None,
        debug: bool | None = None,
    ) -> None:
        self.app = app
        self.recipe = recipe
        self.interface = interface
        #: Keyword arguments for :class:`~kolben.debug.Debugger`, or None.
        #: The debugger itself is made in the worker, where requests arrive.
        self.debugger = debugger
        self.debug = debug

    def __getstate__(self) -> dict[str, t.Any]:
        state = dict(self.__dict__)
        state["app"] = None  # rebuilt from the recipe in the worker
        return state

    def load_app(self) -> t.Any:
        """The application: inherited, or loaded again from the recipe."""
        if self.app is not None:
            return self.app
        kind, value = self.recipe
        try:
            if kind == "import":
                app = ScriptInfo(app_import_path=value).load_app()
            elif kind == "factory":
                app = value()
            elif kind == "main":
                app = _find_in_main(value)
            else:
                raise RuntimeError(
                    "This app cannot be loaded in a spawned worker process: run it with"
                    " 'kolben --app module run' instead of passing the object."
                )
        except Exception as exc:  # shown to the developer, not swallowed
            traceback.print_exc()
            return error_app(exc)
        if self.debug is not None:
            app.debug = self.debug
        self.app = app
        return app

    def __call__(self) -> Callable[..., t.Any]:
        """The callable for :attr:`interface`, wrapped by the debugger if on."""
        app = self.load_app()
        debugger = Debugger(**self.debugger) if self.debugger is not None else None
        if self.interface == "asgi":
            asgi = getattr(app, "asgi", app)
            if debugger is not None:
                return DebuggedASGIApplication(asgi, debugger)
            return t.cast(Callable[..., t.Any], asgi)
        if debugger is not None:
            return DebuggedApplication(app, debugger)
        return t.cast(Callable[..., t.Any], app)


def _find_in_main(name: str) -> t.Any:
    """The app named ``name`` in the script that ``multiprocessing`` re-ran."""
    for module_name in ("__mp_main__", "__main__"):
        module = sys.modules.get(module_name)
        for value in vars(module).values() if module is not None else ():
            if is_app(value) and getattr(value, "name", None) == name:
                return value
    raise RuntimeError(f"No app named {name!r} was found in the main script.")
