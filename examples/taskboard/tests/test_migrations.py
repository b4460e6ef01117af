"""The checked-in migrations build the schema the models describe."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from taskboard import create_app
from taskboard.extensions import db


def fresh_app(database: str) -> Flask:
    # No create_all(): the database starts empty.
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database})


def tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_an_empty_database(database: str) -> None:
    app = fresh_app(database)
    assert tables(app) == set()
    with app.app_context():
        flask_migrate.upgrade()
    assert tables(app) == {"alembic_version", "user", "task"}
    with app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("task")}
        assert columns == {"id", "title", "notes", "done", "created", "owner_id"}
        db.engine.dispose()


def test_db_commands(database: str) -> None:
    app = fresh_app(database)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert tables(app) == {"alembic_version", "user", "task"}
    # The models and the migrations agree: nothing left to generate.
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert tables(app) == {"alembic_version"}
    with app.app_context():
        db.engine.dispose()


def test_the_app_works_on_the_migrated_schema(database: str) -> None:
    app = fresh_app(database)
    with app.app_context():
        flask_migrate.upgrade()
    # Not TESTING-only shortcuts: the real forms, with CSRF, on the migrated tables.
    client = app.test_client()
    page = client.get("/auth/register").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"csrf_token": token, "username": "ada", "password": "12345678", "confirm": "12345678"}
    assert client.post("/auth/register", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT username FROM user")) == "ada"
        db.engine.dispose()
