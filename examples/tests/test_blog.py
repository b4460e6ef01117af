"""Kolbenlog's tests as the tutorial writes them (step 10), in the reader's
project folder next to the ``kolbenlog`` package: run ``python -m pytest``
there. (Kolben's own, fuller suite for the example is
``tests/test_kolbenlog.py`` in Kolben's repository.)"""

from __future__ import annotations

import re
import sqlite3
import typing as t
from collections.abc import Callable
from pathlib import Path

import pytest

from kolben import Kolben
from kolben.security import generate_password_hash
from kolben.testing import KolbenClient
from kolbenlog import create_app
from kolbenlog.db import get_db, init_db

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
USERS = {"ann": "ann-password", "bob": "bob-password"}


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Kolben]:
    """``make_app(**config)``: a Kolbenlog app with a fresh database holding
    the users ann and bob and ann's post 1."""

    def factory(**config: t.Any) -> Kolben:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATABASE": str(tmp_path / "test.sqlite"),
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                **config,
            }
        )
        with app.app_context():
            init_db(drop=True)
            db = get_db()
            for name, password in USERS.items():
                # A cheap scrypt cost: logging in takes milliseconds in tests.
                hashed = generate_password_hash(password, "scrypt:1024:8:1")
                db.execute("INSERT INTO user (username, password) VALUES (?, ?)", (name, hashed))
            db.execute(
                "INSERT INTO post (title, body, author_id) VALUES ('First post', 'Hello.', 1)"
            )
            db.commit()
        return app

    return factory


@pytest.fixture
def blog_app(make_app: Callable[..., Kolben]) -> Kolben:
    return make_app()


@pytest.fixture
def client(blog_app: Kolben) -> KolbenClient:
    return blog_app.test_client()


def token(client: KolbenClient, page: str = "/auth/login") -> str:
    """The session's CSRF token, as a form on ``page`` carries it."""
    found = TOKEN.search(client.get(page).text)
    assert found is not None, f"no CSRF token in the form on {page}"
    return found.group(1)


def send(client: KolbenClient, path: str, **data: t.Any) -> t.Any:
    """POST a form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": token(client), **data})


def login(client: KolbenClient, name: str = "ann") -> t.Any:
    response = send(client, "/auth/login", username=name, password=USERS[name])
    assert response.status_code == 302, response.text
    return response


def rows(app: Kolben, sql: str, *args: t.Any) -> list[sqlite3.Row]:
    with app.app_context():
        return get_db().execute(sql, args).fetchall()


def test_index(client: KolbenClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "First post" in response.text


def test_register_and_login(client: KolbenClient, blog_app: Kolben) -> None:
    response = send(client, "/auth/register", username="cleo", password="long enough")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert len(rows(blog_app, "SELECT * FROM user WHERE username = 'cleo'")) == 1
    assert send(client, "/auth/login", username="cleo", password="long enough").status_code == 302
    with client.session_transaction() as session:
        assert session["user_id"] == 3


def test_create_needs_login(client: KolbenClient) -> None:
    response = client.get("/create")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_create(client: KolbenClient, blog_app: Kolben) -> None:
    login(client)
    response = send(client, "/create", title="Second post", body="More.")
    assert response.status_code == 302
    assert "Second post" in client.get("/").text
    assert len(rows(blog_app, "SELECT * FROM post")) == 2


def test_delete(client: KolbenClient, blog_app: Kolben) -> None:
    login(client)
    response = send(client, "/1/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert rows(blog_app, "SELECT * FROM post") == []
    assert "The post is deleted." in client.get("/").text
    assert client.get("/1").status_code == 404


def test_only_the_author_may_delete(client: KolbenClient, blog_app: Kolben) -> None:
    login(client, "bob")
    assert send(client, "/1/delete").status_code == 403
    assert len(rows(blog_app, "SELECT * FROM post")) == 1
    assert 'href="/1/update"' not in client.get("/1").text


def test_a_form_without_its_token_is_refused(client: KolbenClient) -> None:
    login(client)
    assert client.post("/create", data={"title": "x", "body": "y"}).status_code == 400


def test_api(client: KolbenClient) -> None:
    assert client.get("/api/posts/1").json["title"] == "First post"
    assert client.get("/api/posts/9").json["error"]
    login(client)
    response = client.post("/api/posts", json={"title": "From a program", "body": "Hi."})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/posts/2"
