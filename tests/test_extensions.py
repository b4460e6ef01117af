"""The extension conventions: ``init_app``, factories, ``app.extensions``,
``app_ctx``/``request_ctx`` and ``teardown_appcontext`` (API.md 3, 9).

The extension under test is ``tests/ext_sqlite.py``, written the way Flask
extensions are written.
"""

from __future__ import annotations

import pathlib
import sqlite3
import typing as t
from collections.abc import Callable

import pytest

from ext_sqlite import SQLite
from kolben import Blueprint, Kolben, abort, g
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]

db = SQLite()
notes = Blueprint("notes", __name__, url_prefix="/notes")


@notes.get("/")
def list_notes() -> dict[str, t.Any]:
    rows = db.query("SELECT id, body FROM note ORDER BY id")
    return {"notes": [dict(row) for row in rows]}


@notes.post("/<body>")
def add_note(body: str) -> tuple[str, int]:
    db.query("INSERT INTO note (body) VALUES (?)", body)
    return "", 201


@notes.post("/fail/<body>")
def add_then_fail(body: str) -> str:
    db.query("INSERT INTO note (body) VALUES (?)", body)
    abort(409)


@notes.get("/same")
def same_connection() -> str:
    first = db.connection
    return str(first is db.connection)


def create_app(database: str, **config: t.Any) -> Kolben:
    """The application factory: extensions first, then blueprints."""
    app = Kolben("ext_app", static_folder=None)
    app.config.update(TESTING=True, SQLITE_DATABASE=database, **config)
    db.init_app(app)
    app.register_blueprint(notes)
    with app.app_context():
        db.query("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT)")
    return app


@pytest.fixture
def database(tmp_path: pathlib.Path) -> str:
    return str(tmp_path / "notes.db")


def test_factory_app_uses_the_extension(database: str, make_client: MakeClient) -> None:
    app = create_app(database)
    client = make_client(app)
    assert client.post("/notes/first").status_code == 201
    assert client.post("/notes/second").status_code == 201
    assert client.get("/notes/").json == {
        "notes": [{"id": 1, "body": "first"}, {"id": 2, "body": "second"}]
    }
    assert client.get("/notes/same").text == "True"
    state = app.extensions["sqlite"]
    assert state.extension is db
    assert state.database == database
    # One connection per app context, every one closed on teardown.
    assert state.opened == state.closed == 5
    assert state.queries_by_path == {"/notes/first": 1, "/notes/second": 1, "/notes/": 1}


def test_teardown_rolls_back_after_an_error(database: str, make_client: MakeClient) -> None:
    app = create_app(database)
    client = make_client(app)
    assert client.post("/notes/fail/lost").status_code == 409
    # 409 was handled: the teardown saw no exception, so the insert stayed.
    assert client.get("/notes/").json == {"notes": [{"id": 1, "body": "lost"}]}

    def write_then_fail() -> None:
        with app.app_context():
            db.query("INSERT INTO note (body) VALUES ('rolled back')")
            raise ZeroDivisionError

    # The teardown saw the exception: the connection closes without a commit.
    with pytest.raises(ZeroDivisionError):
        write_then_fail()
    with app.app_context():
        assert [row["body"] for row in db.query("SELECT body FROM note")] == ["lost"]


def test_connection_is_closed_when_the_context_ends(database: str) -> None:
    app = create_app(database)
    with app.app_context():
        connection = db.connection
        assert g.get("_ext_sqlite_connection") is connection
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("SELECT 1")


def test_one_extension_many_apps(tmp_path: pathlib.Path, make_client: MakeClient) -> None:
    one = create_app(str(tmp_path / "one.db"))
    two = create_app(str(tmp_path / "two.db"))
    make_client(one).post("/notes/only-in-one")
    assert make_client(two).get("/notes/").json == {"notes": []}
    assert make_client(one).get("/notes/").json == {"notes": [{"id": 1, "body": "only-in-one"}]}
    assert one.extensions["sqlite"] is not two.extensions["sqlite"]


def test_init_app_sets_defaults_and_refuses_twice() -> None:
    app = Kolben("defaults_app", static_folder=None)
    SQLite(app)
    assert app.config["SQLITE_DATABASE"] == ":memory:"
    with pytest.raises(RuntimeError, match="already set up"):
        db.init_app(app)


def test_outside_an_app_context_the_error_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="needs an application context"):
        db.query("SELECT 1")
    other = Kolben("no_ext_app", static_folder=None)
    with other.app_context(), pytest.raises(RuntimeError, match="init_app"):
        db.query("SELECT 1")


def test_extensions_dict_and_context_globals(app: Kolben) -> None:
    from kolben.globals import app_ctx, request_ctx

    assert app.extensions == {}
    assert not app_ctx
    assert not request_ctx
    with app.test_request_context("/where"):
        assert app_ctx.app is app
        assert app_ctx.g is g._get_current_object()  # type: ignore[attr-defined]
        assert request_ctx.request.path == "/where"
        assert request_ctx.session is not None
    with pytest.raises(RuntimeError, match="application context"):
        _ = app_ctx.app
    with pytest.raises(RuntimeError, match="request context"):
        _ = request_ctx.request
