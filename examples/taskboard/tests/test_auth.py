from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from taskboard.extensions import db
from taskboard.models import User


def test_register_and_login(app: Flask, client: FlaskClient, auth) -> None:
    assert client.get("/auth/register").status_code == 200
    response = auth.register()
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert "Account created" in client.get("/auth/login").text
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="ada"))
        assert user is not None
        assert user.password_hash != "correct horse"
        assert user.check_password("correct horse")

    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "ada" in page.text
    assert "Nothing to do." in page.text
    # A logged-in user is sent away from the forms.
    assert client.get("/auth/login").headers["Location"] == "/"
    assert client.get("/auth/register").headers["Location"] == "/"


def test_register_validation(client: FlaskClient, auth) -> None:
    auth.register()
    assert "That name is taken." in auth.register().text
    assert "Field must be at least 8 characters long." in auth.register("bob", "short").text
    token = auth.token("/auth/register")
    data = {"csrf_token": token, "username": "bob", "password": "long enough", "confirm": "other"}
    assert "The passwords differ." in client.post("/auth/register", data=data).text
    data = {"csrf_token": token, "username": "<bob>", "password": "long enough"}
    data["confirm"] = data["password"]
    page = client.post("/auth/register", data=data)
    assert page.status_code == 200
    assert "Letters, digits" in page.text
    assert "<bob>" not in page.text


def test_wrong_password(client: FlaskClient, auth) -> None:
    auth.register()
    page = auth.login(password="incorrect horse")
    assert page.status_code == 200
    assert "Wrong user name or password." in page.text
    assert "Wrong user name or password." in auth.login(username="nobody").text
    assert client.get("/").status_code == 302


def test_login_required_redirects_to_login(client: FlaskClient, auth) -> None:
    response = client.get("/tasks/1/edit")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/auth/login"
    assert parse_qs(target.query) == {"next": ["/tasks/1/edit"]}
    assert "Log in to see your tasks." in client.get("/auth/login").text

    auth.register()
    login = {"csrf_token": auth.token(), "username": "ada", "password": "correct horse"}
    response = client.post("/auth/login?next=/?show=open", data=login)
    assert response.headers["Location"] == "/?show=open"


def test_login_never_redirects_off_site(client: FlaskClient, auth) -> None:
    auth.register()
    login = {"username": "ada", "password": "correct horse"}
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        data = {"csrf_token": auth.token(), **login}
        response = client.post(f"/auth/login?next={target}", data=data)
        assert response.headers["Location"] == "/", target
        auth.logout()


def test_csrf_refused(app: Flask, client: FlaskClient, auth) -> None:
    auth.register()
    login = {"username": "ada", "password": "correct horse"}
    missing = client.post("/auth/login", data=login)
    assert missing.status_code == 400
    assert "The CSRF token is missing." in missing.text
    wrong = client.post("/auth/login", data={"csrf_token": "forged", **login})
    assert wrong.status_code == 400
    assert "The CSRF token is invalid." in wrong.text
    assert client.get("/").status_code == 302  # still logged out

    auth.login()
    refused = client.post("/tasks", data={"title": "sneaky"})
    assert refused.status_code == 400
    assert "sneaky" not in client.get("/").text


def test_logout(client: FlaskClient, user) -> None:
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no CSRF token
    assert client.get("/").status_code == 200
    response = user.logout()
    assert response.headers["Location"] == "/auth/login"
    assert "You are logged out." in client.get("/auth/login").text
    assert client.get("/").status_code == 302


def test_remember_me_outlives_the_session(client: FlaskClient, auth) -> None:
    auth.register()
    auth.login(remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.expires is not None
    left = cookie.expires - datetime.now(timezone.utc)
    assert timedelta(days=13) < left <= timedelta(days=14)

    # The browser is closed: the session cookie is gone, the remember cookie is not.
    client.delete_cookie("session")
    page = client.get("/")
    assert page.status_code == 200
    assert "ada" in page.text

    # Logging out forgets the remember cookie too.
    auth.logout()
    assert client.get_cookie("remember_token") is None
    assert client.get("/").status_code == 302


def test_without_remember_me_the_session_is_all(client: FlaskClient, auth) -> None:
    auth.register()
    auth.login()
    assert client.get_cookie("remember_token") is None
    assert client.get("/").status_code == 200
    client.delete_cookie("session")
    assert client.get("/").status_code == 302
