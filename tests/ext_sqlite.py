"""A small but real Kolben extension: one SQLite connection per app context.

It follows the conventions every Flask extension follows, to prove they
hold in Kolben:

- ``SQLite(app)`` or, with an application factory, ``db = SQLite()`` at
  import time and ``db.init_app(app)`` inside ``create_app()``. The
  extension object keeps no app: one instance serves any number of apps.
- Settings come from ``app.config`` (``SQLITE_DATABASE``), with defaults set
  by ``init_app``.
- ``app.extensions["sqlite"]`` holds the extension's per-app state.
- The connection lives on the app context (``kolben.globals.app_ctx.g``,
  under a private name) and is closed by ``app.teardown_appcontext``.
- Inside a request, ``kolben.globals.request_ctx`` gives the request
  without importing the proxies' module state (here: queries are counted
  per request path).
"""

from __future__ import annotations

import sqlite3
import typing as t
from dataclasses import dataclass, field

from kolben import Kolben, current_app
from kolben.globals import app_ctx, request_ctx

__all__ = ["SQLite"]

_G_KEY = "_ext_sqlite_connection"


@dataclass
class _State:
    """What the extension keeps per app, in ``app.extensions["sqlite"]``."""

    extension: SQLite
    database: str
    opened: int = 0
    closed: int = 0
    queries_by_path: dict[str, int] = field(default_factory=dict)


class SQLite:
    """One ``sqlite3`` connection per app context, closed when the context ends."""

    def __init__(self, app: Kolben | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Kolben) -> None:
        """Set up ``app``: config default, state, and the teardown function."""
        app.config.setdefault("SQLITE_DATABASE", ":memory:")
        if "sqlite" in app.extensions:
            raise RuntimeError("SQLite is already set up on this app; call init_app once.")
        app.extensions["sqlite"] = _State(self, app.config["SQLITE_DATABASE"])
        app.teardown_appcontext(self._teardown)

    @staticmethod
    def _state() -> _State:
        if not app_ctx:
            raise RuntimeError(
                "The SQLite extension needs an application context: use it inside a"
                " request, a CLI command or 'with app.app_context():'."
            )
        state = app_ctx.app.extensions.get("sqlite")
        if state is None:
            raise RuntimeError("SQLite.init_app(app) was not called for the current app.")
        return t.cast(_State, state)

    @property
    def connection(self) -> sqlite3.Connection:
        """The current app context's connection, opened on first use."""
        state = self._state()
        connection = app_ctx.g.get(_G_KEY)
        if connection is None:
            connection = sqlite3.connect(state.database)
            connection.row_factory = sqlite3.Row
            state.opened += 1
            setattr(app_ctx.g, _G_KEY, connection)
        return t.cast(sqlite3.Connection, connection)

    def query(self, sql: str, *args: t.Any) -> list[sqlite3.Row]:
        """Run ``sql`` and return all rows; counted per request path."""
        if request_ctx:
            path = request_ctx.request.path
            counts = self._state().queries_by_path
            counts[path] = counts.get(path, 0) + 1
        cursor = self.connection.execute(sql, args)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def _teardown(self, exc: BaseException | None) -> None:
        connection = app_ctx.g.pop(_G_KEY, None)
        if connection is not None:
            if exc is None:
                connection.commit()
            connection.close()
            current_app.extensions["sqlite"].closed += 1
