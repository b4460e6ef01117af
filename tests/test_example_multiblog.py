"""The multi-blueprint example app (``examples/multiblog``), end to end."""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kolben import Kolben
from kolben.testing import KolbenClient

ROOT = Path(__file__).resolve().parent.parent
MakeClient = Callable[..., KolbenClient]


@pytest.fixture
def create_app() -> Iterator[Callable[..., Kolben]]:
    sys.path.insert(0, str(ROOT))
    try:
        from examples.multiblog import create_app

        yield create_app
    finally:
        sys.path.remove(str(ROOT))


@pytest.fixture
def client(create_app: Callable[..., Kolben], make_client: MakeClient) -> KolbenClient:
    return make_client(create_app({"TESTING": True}))


def _login(client: KolbenClient, user: str = "ann", password: str = "correct horse") -> t.Any:
    return client.post("/auth/login", data={"username": user, "password": password})


def test_factory_builds_independent_apps(create_app: Callable[..., Kolben]) -> None:
    one, two = create_app(), create_app({"SECRET_KEY": "other"})
    assert one is not two
    assert one.extensions["multiblog.store"] is not two.extensions["multiblog.store"]
    assert set(one.blueprints) == {"auth", "blog", "api", "api.v1"}
    endpoints = {rule.endpoint for rule in one.url_map.iter_rules()}
    assert {"auth.login", "blog.index", "blog.static", "api.v1.posts", "api.v1.post"} <= endpoints
    assert one.config["SECRET_KEY"] == "dev"
    assert two.config["SECRET_KEY"] == "other"


def test_pages_and_login_flow(client: KolbenClient) -> None:
    index = client.get("/")
    assert index.status_code == 200
    assert "No posts yet." in index.text
    assert 'href="/static-blog/blog.css"' in index.text
    with client.get("/static-blog/blog.css") as css:
        assert css.mimetype == "text/css"
        assert b"font-family" in css.data

    # Writing needs a login; the login page sends the user back afterwards.
    to_login = client.get("/create")
    assert to_login.status_code == 302
    assert to_login.location == "/auth/login?next=/create"
    wrong = _login(client, password="nope")
    assert "Wrong user name or password." in wrong.text
    logged_in = client.post(
        "/auth/login?next=/create", data={"username": "ann", "password": "correct horse"}
    )
    assert logged_in.location == "/create"
    created = client.post("/create", data={"title": "Hello <world>", "body": "First!"})
    assert created.status_code == 302
    page = client.get(created.location)
    assert "Hello &lt;world&gt;" in page.text
    assert "by ann" in page.text
    assert "Hello &lt;world&gt;" in client.get("/").text
    client.post("/auth/logout")
    assert "Log in" in client.get("/").text


def test_login_never_redirects_off_site(client: KolbenClient) -> None:
    response = client.post(
        "/auth/login?next=//evil.example/",
        data={"username": "ann", "password": "correct horse"},
    )
    assert response.location == "/"


def test_blog_404_page_is_its_own(client: KolbenClient) -> None:
    missing = client.get("/999")
    assert missing.status_code == 404
    assert "There is no such post." in missing.text
    # Outside the blueprint the default page answers.
    elsewhere = client.get("/no/such/page")
    assert elsewhere.status_code == 404
    assert "There is no such post." not in elsewhere.text


def test_json_api_with_method_view(client: KolbenClient) -> None:
    assert client.get("/api/v1/posts").json == {"posts": []}
    denied = client.post("/api/v1/posts", json={"title": "x"})
    assert (denied.status_code, denied.json) == (401, {"error": "Unauthorized", "status": 401})
    _login(client)
    created = client.post("/api/v1/posts", json={"title": "From the API", "body": "b"})
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/v1/posts/1"
    assert client.get("/api/v1/posts/1").json["title"] == "From the API"
    changed = client.patch("/api/v1/posts/1", json={"title": "Renamed"})
    assert changed.json["title"] == "Renamed"
    assert client.post("/api/v1/posts", json={"title": " "}).json == {
        "error": "Bad Request",
        "status": 400,
    }
    # The parent blueprint's handler answers for the nested one's views.
    assert client.get("/api/v1/posts/2").json == {"error": "Not Found", "status": 404}
    # Routing errors come before any blueprint is known: the app answers them.
    assert client.put("/api/v1/posts/1").status_code == 405
    assert client.get("/api/v2/nothing").mimetype == "text/html"
    assert client.delete("/api/v1/posts/1").status_code == 204
    assert client.get("/api/v1/posts").json == {"posts": []}


def test_api_refuses_other_authors(client: KolbenClient) -> None:
    _login(client)
    client.post("/api/v1/posts", json={"title": "ann's"})
    client.post("/auth/logout")
    _login(client, "bob", "battery staple")
    assert client.delete("/api/v1/posts/1").status_code == 403


def test_behind_a_proxy(create_app: Callable[..., Kolben], make_client: MakeClient) -> None:
    app = create_app({"TESTING": True, "PROXY_COUNT": 1})
    client = make_client(app)
    response = client.get(
        "/create",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "blog.example.com",
            "X-Forwarded-Prefix": "/multiblog",
        },
    )
    # The redirect to the login page is built from what the proxy saw.
    assert response.location == "/multiblog/auth/login?next=/create"
    index = client.get("/", headers={"X-Forwarded-Prefix": "/multiblog"})
    assert 'href="/multiblog/static-blog/blog.css"' in index.text


def test_seed_command(create_app: Callable[..., Kolben]) -> None:
    app = create_app({"TESTING": True})
    result = app.test_cli_runner().invoke(args=["blog", "seed", "--count", "2"])
    assert result.exit_code == 0, result.output
    assert result.output == "Added 2 posts.\n"
    with app.app_context():
        from examples.multiblog.store import store

        assert [p.title for p in store.posts.all()] == ["Example post 2", "Example post 1"]
