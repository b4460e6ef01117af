"""The database: SQLite through the standard library's ``sqlite3``.

One connection per application context: :func:`get_db` opens it on first
use and keeps it in :data:`~kolben.g`; :func:`close_db`, registered with
``app.teardown_appcontext``, closes it when the context ends (after every
request, and after every CLI command run ``with_appcontext``).

The database file is ``DATABASE`` (by default ``kolbenlog.sqlite`` in the
instance folder). ``kolben --app examples.kolbenlog init-db`` creates the
tables; ``init-db --drop`` deletes everything first.
"""

from __future__ import annotations

import sqlite3
import typing as t
from pathlib import Path

import click

from kolben import Kolben, current_app, g
from kolben.cli import with_appcontext

__all__ = ["close_db", "connect", "get_db", "init_app", "init_db"]


def connect(path: str | Path) -> sqlite3.Connection:
    """A new connection to the database file at ``path``, rows as :class:`sqlite3.Row`."""
    # check_same_thread=False: under ASGI a request's sync hooks run in a
    # worker thread and its async view on the event loop, so the one
    # connection of the request is used from two threads, one after the
    # other (never at the same time).
    db = sqlite3.connect(path, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    # Several processes (workers) may write: wait for a lock instead of
    # failing at once with "database is locked".
    db.execute("PRAGMA busy_timeout = 5000")
    return db


def get_db() -> sqlite3.Connection:
    """The current app context's connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return t.cast(sqlite3.Connection, g.db)


def close_db(exc: BaseException | None = None) -> None:
    """Close the app context's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(*, drop: bool = False) -> None:
    """Create the tables that are missing; with ``drop``, delete all data first."""
    db = get_db()
    if drop:
        db.executescript("DROP TABLE IF EXISTS post; DROP TABLE IF EXISTS user;")
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf-8"))
    db.commit()


@click.command("init-db")
@with_appcontext  # as app.cli.command() would add; also for app.test_cli_runner()
@click.option("--drop", is_flag=True, help="Delete every user and post first.")
def init_db_command(drop: bool) -> None:
    """Create the database tables (existing data is kept unless --drop)."""
    path = Path(current_app.config["DATABASE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    init_db(drop=drop)
    click.echo(f"{'Recreated' if drop else 'Initialised'} the database at {path}.")


def init_app(app: Kolben) -> None:
    """Register the teardown and the ``init-db`` command with ``app``."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
