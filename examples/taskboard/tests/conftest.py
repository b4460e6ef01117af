from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from taskboard import create_app
from taskboard.extensions import db

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(database: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Auth:
    """Register, log in and out through the real forms, CSRF tokens included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, path: str = "/auth/login") -> str:
        """The CSRF token of the form on ``path``, as a browser would send it."""
        page = self.client.get(path)
        found = TOKEN.search(page.text)
        assert found is not None, f"no CSRF token on {path}:\n{page.text}"
        return found.group(1)

    def register(self, username: str = "ada", password: str = "correct horse") -> Any:
        data = {"username": username, "password": password, "confirm": password}
        return self.client.post(
            "/auth/register", data={"csrf_token": self.token("/auth/register"), **data}
        )

    def login(
        self, username: str = "ada", password: str = "correct horse", remember: bool = False
    ) -> Any:
        data = {"csrf_token": self.token(), "username": username, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/auth/login", data=data)

    def logout(self) -> Any:
        return self.client.post("/auth/logout", data={"csrf_token": self.token("/")})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def user(auth: Auth) -> Auth:
    """A registered user "ada", logged in."""
    auth.register()
    auth.login()
    return auth


@pytest.fixture
def async_views(app: Flask) -> None:
    """Skip where async views cannot run: Flask without its 'async' extra."""

    async def probe() -> bool:
        return True

    try:
        app.ensure_sync(probe)()
    except RuntimeError as exc:
        pytest.skip(str(exc))
