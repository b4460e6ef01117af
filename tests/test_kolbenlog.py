"""The flagship example (``examples/kolbenlog``) through the test client.

Every route, under WSGI and ASGI: register, log in and out, write, edit and
delete posts, who may do what, 404s, CSRF refusals, image uploads and their
limits, the JSON API and its JSON errors, and the live feed. Each test gets
an app from the factory with its own database and upload folder in
``tmp_path``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import typing as t
import zlib
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path

import pytest

from kolben import Kolben
from kolben.security import generate_password_hash
from kolben.testing import KolbenClient
from servers import Server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
try:
    from examples.kolbenlog import create_app
    from examples.kolbenlog.db import get_db, init_db
finally:
    sys.path.remove(str(ROOT))

MakeClient = Callable[..., KolbenClient]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# A cheap scrypt for the fixture users only, so each login takes
# milliseconds; the app itself hashes with the default cost.
FAST_HASH = "scrypt:1024:8:1"
USERS = {"ann": "ann-password", "bob": "bob-password"}


def png(width: int = 1, height: int = 1) -> bytes:
    """A valid PNG image (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


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
                db.execute(
                    "INSERT INTO user (username, password) VALUES (?, ?)",
                    (name, generate_password_hash(password, FAST_HASH)),
                )
            db.execute(
                "INSERT INTO post (title, body, author_id, created)"
                " VALUES ('First post', 'Hello from ann.', 1, '2025-01-02 03:04:05')"
            )
            db.commit()
        return app

    return factory


@pytest.fixture
def blog_app(make_app: Callable[..., Kolben]) -> Kolben:
    return make_app()


@pytest.fixture
def client(blog_app: Kolben, make_client: MakeClient) -> KolbenClient:
    return make_client(blog_app)


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


# -- the factory and the database --------------------------------------------------------


def test_factory_defaults_and_overrides(tmp_path: Path) -> None:
    default = create_app()
    assert not default.testing
    assert default.config["DATABASE"] == str(Path(default.instance_path) / "kolbenlog.sqlite")
    assert default.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert set(default.blueprints) == {"auth", "blog", "api"}
    other = create_app({"TESTING": True, "DATABASE": str(tmp_path / "x.sqlite")})
    assert other.testing
    assert other.config["DATABASE"] == str(tmp_path / "x.sqlite")


def test_environment_configures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KOLBEN_SECRET_KEY", "from-env")
    monkeypatch.setenv("KOLBEN_POSTS_PER_PAGE", "9")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["POSTS_PER_PAGE"] == 9


@pytest.mark.parametrize("database", ["x.sqlite", "sub/x.sqlite"])
def test_missing_database_says_what_to_do(
    tmp_path: Path, make_client: MakeClient, database: str
) -> None:
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / database)})
    for path in ("/", "/api/posts"):
        response = make_client(app).get(path)
        assert response.status_code == 500
        assert "kolben --app examples.kolbenlog init-db" in response.text


def test_other_database_errors_stay_errors(
    make_app: Callable[..., Kolben], make_client: MakeClient
) -> None:
    app = make_app()
    with app.app_context():
        get_db().execute("ALTER TABLE post RENAME COLUMN body TO text")
        get_db().commit()
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        make_client(app).get("/")


def test_one_connection_per_app_context(blog_app: Kolben) -> None:
    with blog_app.app_context():
        db = get_db()
        assert get_db() is db
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_init_db_command(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.sqlite"
    app = create_app({"TESTING": True, "DATABASE": str(path)})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"Initialised the database at {path}" in result.output
    with app.app_context():
        get_db().execute("INSERT INTO user (username, password) VALUES ('x', 'y')")
        get_db().commit()
    assert runner.invoke(args=["init-db"]).exit_code == 0  # keeps the data
    assert len(rows(app, "SELECT * FROM user")) == 1
    result = runner.invoke(args=["init-db", "--drop"])
    assert "Recreated" in result.output
    assert rows(app, "SELECT * FROM user") == []


# -- auth --------------------------------------------------------------------------------


def test_register(client: KolbenClient, blog_app: Kolben) -> None:
    page = client.get("/auth/register")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    response = send(client, "/auth/register", username="cleo", password="long enough")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    (user,) = rows(blog_app, "SELECT * FROM user WHERE username = 'cleo'")
    assert user["password"].startswith("scrypt:32768:8:1$")
    assert "long enough" not in user["password"]
    assert "Welcome, cleo!" in client.get("/auth/login").text
    assert send(client, "/auth/login", username="cleo", password="long enough").status_code == 302


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "long enough", "A user name is 1 to 32"),
        ("a b", "long enough", "A user name is 1 to 32"),
        ("x" * 33, "long enough", "A user name is 1 to 32"),
        ("dora", "short", "at least 8 characters"),
        ("ann", "long enough", "The user name &#39;ann&#39; is taken."),
    ],
)
def test_register_validates(
    client: KolbenClient, blog_app: Kolben, username: str, password: str, message: str
) -> None:
    response = send(client, "/auth/register", username=username, password=password)
    assert response.status_code == 400
    assert message in response.text
    assert len(rows(blog_app, "SELECT * FROM user")) == 2


def test_login_and_logout(client: KolbenClient) -> None:
    assert client.get("/auth/login").status_code == 200
    response = login(client)
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session["user_id"] == 1
    index = client.get("/").text
    assert "Hello, ann!" in index
    assert '<span class="user">ann</span>' in index
    assert "Log out" in index

    assert client.get("/auth/logout").status_code == 405  # logging out is a POST
    response = send(client, "/auth/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "user_id" not in session
    index = client.get("/").text
    assert "You are logged out." in index
    assert "Log in" in index


@pytest.mark.parametrize(("username", "password"), [("ann", "wrong"), ("nobody", "ann-password")])
def test_login_refuses(client: KolbenClient, username: str, password: str) -> None:
    response = send(client, "/auth/login", username=username, password=password)
    assert response.status_code == 400
    # The same message either way: a stranger cannot learn which names exist.
    assert "Wrong user name or password." in response.text
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_login_starts_a_fresh_session(client: KolbenClient) -> None:
    before = token(client)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client)
    with client.session_transaction() as session:
        assert "planted" not in session
    assert token(client) != before


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/create", "/create"),
        ("/?page=2", "/?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_goes_back_only_to_local_pages(
    client: KolbenClient, next_url: str, location: str
) -> None:
    response = client.post(
        "/auth/login",
        query_string={"next": next_url},
        data={"csrf_token": token(client), "username": "ann", "password": USERS["ann"]},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == location


@pytest.mark.parametrize("path", ["/create", "/1/update"])
def test_login_required(client: KolbenClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/auth/login?next={path}"
    assert "Please log in first." in client.get(response.headers["Location"]).text
    login_page = client.get(response.headers["Location"])
    assert login_page.status_code == 200
    # Logging in from there comes back.
    back = client.post(
        response.headers["Location"],
        data={"csrf_token": token(client), "username": "ann", "password": USERS["ann"]},
    )
    assert back.headers["Location"] == path


def test_delete_needs_login(client: KolbenClient, blog_app: Kolben) -> None:
    response = send(client, "/1/delete")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert len(rows(blog_app, "SELECT * FROM post")) == 1


def test_deleted_user_is_logged_out(client: KolbenClient, blog_app: Kolben) -> None:
    login(client)
    with blog_app.app_context():
        get_db().execute("DELETE FROM post")
        get_db().execute("DELETE FROM user WHERE username = 'ann'")
        get_db().commit()
    assert client.get("/create").status_code == 302


# -- the blog ----------------------------------------------------------------------------


def test_index(client: KolbenClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "First post" in page.text
    assert "by ann" in page.text
    assert '<time datetime="2025-01-02T03:04:05+00:00">2025-01-02 03:04 UTC</time>' in page.text
    assert 'href="/static/style.css"' in page.text
    assert 'href="/auth/register"' in page.text
    assert 'href="/1/update"' not in page.text


def test_static_files(client: KolbenClient) -> None:
    for name, mimetype in [
        ("style.css", "text/css"),
        ("live.js", "text/javascript"),
        ("upload.js", "text/javascript"),
        ("site.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ]:
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200
            assert response.mimetype == mimetype


@pytest.mark.parametrize("path", ["/", "/auth/login", "/api/posts", "/nope", "/static/live.js"])
def test_security_headers(client: KolbenClient, path: str) -> None:
    with client.get(path) as response:
        pass
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client: KolbenClient) -> None:
    login(client)
    for path in ["/", "/1", "/create", "/1/update", "/live", "/auth/login", "/nope"]:
        text = client.get(path).text
        assert re.findall(r"<script(?![^>]* src=)", text) == [], path
        assert not re.search(r"\son[a-z]+=", text), path
    assert 'data-confirm="Delete this post?"' in client.get("/1").text


def test_empty_index(make_app: Callable[..., Kolben], make_client: MakeClient) -> None:
    app = make_app()
    with app.app_context():
        get_db().execute("DELETE FROM post")
        get_db().commit()
    page = make_client(app).get("/")
    assert page.status_code == 200
    assert "No posts yet." in page.text


def test_post_page(client: KolbenClient) -> None:
    page = client.get("/1")
    assert page.status_code == 200
    assert "<h1>First post</h1>" in page.text
    assert "Hello from ann." in page.text
    assert "Edit" not in page.text
    login(client)
    page = client.get("/1")
    assert 'href="/1/update"' in page.text
    assert 'action="/1/delete"' in page.text


def test_create(client: KolbenClient, blog_app: Kolben) -> None:
    login(client)
    assert client.get("/create").status_code == 200
    response = send(client, "/create", title=" Second ", body="More\nlines")
    assert response.status_code == 302
    assert response.headers["Location"] == "/2"
    (post,) = rows(blog_app, "SELECT * FROM post WHERE id = 2")
    assert (post["title"], post["body"], post["author_id"], post["image"]) == (
        "Second",
        "More\nlines",
        1,
        None,
    )
    page = client.get("/2").text
    assert "Your post is published." in page
    assert "More\nlines" in page


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "body", "A title is required."),
        ("   ", "body", "A title is required."),
        ("x" * 201, "body", "A title may have up to 200 characters, a post up to 20000."),
        ("ok", "x" * 20_001, "A title may have up to 200 characters, a post up to 20000."),
    ],
)
def test_create_validates(
    client: KolbenClient, blog_app: Kolben, title: str, body: str, message: str
) -> None:
    login(client)
    response = send(client, "/create", title=title, body=body)
    assert response.status_code == 400
    assert message in response.text
    assert len(rows(blog_app, "SELECT * FROM post")) == 1


def test_update(client: KolbenClient, blog_app: Kolben) -> None:
    login(client)
    form = client.get("/1/update")
    assert form.status_code == 200
    assert 'value="First post"' in form.text
    response = send(client, "/1/update", title="Changed", body="New body")
    assert response.status_code == 302
    assert response.headers["Location"] == "/1"
    (post,) = rows(blog_app, "SELECT * FROM post WHERE id = 1")
    assert (post["title"], post["body"]) == ("Changed", "New body")
    assert send(client, "/1/update", title="", body="x").status_code == 400


def test_delete(client: KolbenClient, blog_app: Kolben) -> None:
    login(client)
    response = send(client, "/1/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert rows(blog_app, "SELECT * FROM post") == []
    assert "The post is deleted." in client.get("/").text
    assert client.get("/1").status_code == 404


@pytest.mark.parametrize(("method", "path"), [("GET", "/1/update"), ("POST", "/1/update")])
def test_only_the_author_may_change(client: KolbenClient, method: str, path: str) -> None:
    login(client, "bob")
    data = {"csrf_token": token(client), "title": "Mine now", "body": ""}
    response = client.open(path, method=method, data=data if method == "POST" else None)
    assert response.status_code == 403
    assert "Only the author of a post may change or delete it." in response.text


def test_only_the_author_may_delete(client: KolbenClient, blog_app: Kolben) -> None:
    login(client, "bob")
    assert send(client, "/1/delete").status_code == 403
    assert len(rows(blog_app, "SELECT * FROM post")) == 1
    assert 'href="/1/update"' not in client.get("/1").text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/2"),
        ("GET", "/2/update"),
        ("POST", "/2/update"),
        ("POST", "/2/delete"),
        ("GET", "/2/image"),
        ("GET", "/1/image"),  # post 1 has no image
        ("GET", "/?page=2"),
        ("GET", "/?page=0"),
        ("GET", "/no/such/page"),
    ],
)
def test_not_found(client: KolbenClient, method: str, path: str) -> None:
    login(client)
    data = {"csrf_token": token(client), "title": "x"} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>404 Not Found</h1>" in response.text
    assert 'href="/static/style.css"' in response.text  # the site's layout


def test_method_not_allowed_page_keeps_allow(client: KolbenClient) -> None:
    response = client.get("/1/delete")
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert "405 Method Not Allowed" in response.text


def test_user_content_is_escaped(client: KolbenClient) -> None:
    login(client)
    evil = "<script>alert('x')</script>"
    send(client, "/create", title=evil, body=f"<b>{evil}</b>")
    for path in ["/", "/2", "/live", "/2/update"]:
        text = client.get(path).text
        assert "<script>alert" not in text, path
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text, path


def test_pagination(make_app: Callable[..., Kolben], make_client: MakeClient) -> None:
    app = make_app(POSTS_PER_PAGE=3)
    with app.app_context():
        db = get_db()
        for n in range(2, 8):  # posts 2..7, 7 in all
            db.execute("INSERT INTO post (title, body, author_id) VALUES (?, '', 2)", (f"P{n}",))
        db.commit()
    client = make_client(app)
    first = client.get("/").text
    assert re.findall(r'<a href="/\d+">(P?\w+[^<]*)</a>', first) == ["P7", "P6", "P5"]
    assert "Page 1 of 3" in first
    assert 'rel="next" href="/?page=2"' in first
    assert 'rel="prev"' not in first
    middle = client.get("/?page=2").text
    assert re.findall(r'<a href="/\d+">([^<]*)</a>', middle) == ["P4", "P3", "P2"]
    assert 'rel="prev" href="/?page=1"' in middle
    last = client.get("/?page=3").text
    assert re.findall(r'<a href="/\d+">([^<]*)</a>', last) == ["First post"]
    assert 'rel="next"' not in last
    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=abc").text == first  # not a number: the first page


# -- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/auth/register", {"username": "eve", "password": "long enough"}),
        ("/auth/login", {"username": "ann", "password": USERS["ann"]}),
        ("/create", {"title": "forged"}),
        ("/1/update", {"title": "forged"}),
        ("/1/delete", {}),
        ("/auth/logout", {}),
    ],
)
@pytest.mark.parametrize("sent", [None, "", "wrong", "wr\u00f6ng", "other-session"])
def test_csrf_refusal(
    client: KolbenClient,
    blog_app: Kolben,
    make_client: MakeClient,
    path: str,
    data: dict[str, str],
    sent: str | None,
) -> None:
    if path != "/auth/login":
        login(client)
    form = dict(data)
    if sent == "other-session":
        form["csrf_token"] = token(make_client(blog_app))
    elif sent is not None:
        form["csrf_token"] = sent
    response = client.post(path, data=form)
    assert response.status_code == 400
    assert "The form has expired. Reload the page and try again." in response.text
    assert [tuple(r) for r in rows(blog_app, "SELECT id, title FROM post")] == [(1, "First post")]
    assert len(rows(blog_app, "SELECT * FROM user")) == 2
    with client.session_transaction() as session:
        assert ("user_id" in session) == (path != "/auth/login")


def test_csrf_token_is_per_session_and_stable(blog_app: Kolben, make_client: MakeClient) -> None:
    one, two = make_client(blog_app), make_client(blog_app)
    assert token(one) == token(one, "/auth/register")
    assert token(one) != token(two)
    assert len(token(one)) >= 40


def test_csrf_token_without_a_session_cookie(client: KolbenClient) -> None:
    token(client)
    client.delete_cookie("session")
    response = client.post("/auth/login", data={"csrf_token": "x", "username": "ann"})
    assert response.status_code == 400


# -- images -------------------------------------------------------------------------------


def upload(
    client: KolbenClient, path: str, data: bytes, filename: str = "photo.png", **fields: str
) -> t.Any:
    form: dict[str, t.Any] = {"csrf_token": token(client), "title": "With image", **fields}
    form["image"] = (BytesIO(data), filename)
    return client.post(path, data=form, content_type="multipart/form-data")


def test_upload_image(client: KolbenClient, blog_app: Kolben, tmp_path: Path) -> None:
    login(client)
    image = png(3, 2)
    response = upload(client, "/create", image, filename="../../etc/Holiday photo.PNG")
    assert response.status_code == 302
    (post,) = rows(blog_app, "SELECT image FROM post WHERE id = 2")
    # A random prefix, then secure_filename's version of the name.
    assert re.fullmatch(r"[0-9a-f]{16}-etc_Holiday_photo\.png", post["image"])
    stored = tmp_path / "uploads" / post["image"]
    assert stored.read_bytes() == image
    with client.get("/2/image") as served:
        assert served.status_code == 200
        assert served.mimetype == "image/png"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.data == image
        etag = served.headers["ETag"]
    # No long cache: the browser asks again and gets a 304 until the image changes.
    with client.get("/2/image", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    assert '<img class="image" src="/2/image"' in client.get("/2").text
    assert '<img class="thumb" src="/2/image"' in client.get("/").text


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"GIF89a" + b"\x00" * 20, "anim.gif"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpeg"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "x.webp"),
    ],
)
def test_upload_detects_the_type(
    client: KolbenClient, blog_app: Kolben, data: bytes, filename: str
) -> None:
    login(client)
    assert upload(client, "/create", data, filename="no-extension").status_code == 302
    (post,) = rows(blog_app, "SELECT image FROM post WHERE id = 2")
    assert post["image"].endswith(filename[filename.rindex(".") :].replace("jpeg", "jpg"))


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"<html><script>alert(1)</script>", "evil.png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
        (b"", "empty.png"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "sound.webp"),
    ],
)
def test_upload_refuses_non_images(
    client: KolbenClient, blog_app: Kolben, tmp_path: Path, data: bytes, filename: str
) -> None:
    login(client)
    response = upload(client, "/create", data, filename=filename)
    assert response.status_code == 400
    assert "The image must be a PNG, JPEG, GIF or WebP file." in response.text
    assert len(rows(blog_app, "SELECT * FROM post")) == 1
    assert not any((tmp_path / "uploads").glob("*"))


def test_upload_too_large(
    make_app: Callable[..., Kolben], make_client: MakeClient, tmp_path: Path
) -> None:
    app = make_app(MAX_CONTENT_LENGTH=20_000)
    client = make_client(app)
    login(client)
    assert "up to 20 kB" in client.get("/create").text
    response = upload(client, "/create", png() + b"\x00" * 30_000)
    assert response.status_code == 413
    assert (
        "413 Request Entity Too Large" in response.text or "413 Content Too Large" in response.text
    )
    assert len(rows(app, "SELECT * FROM post")) == 1
    assert not any((tmp_path / "uploads").glob("*"))
    assert upload(client, "/create", png()).status_code == 302  # under the limit


def test_replace_and_remove_image(client: KolbenClient, blog_app: Kolben, tmp_path: Path) -> None:
    login(client)
    upload(client, "/create", png(1, 1))
    (first,) = rows(blog_app, "SELECT image FROM post WHERE id = 2")
    assert upload(client, "/2/update", png(2, 2), filename="b.png").status_code == 302
    (second,) = rows(blog_app, "SELECT image FROM post WHERE id = 2")
    assert second["image"] != first["image"]
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [second["image"]]
    # Saving without choosing a file keeps the image.
    assert send(client, "/2/update", title="Kept").status_code == 302
    assert rows(blog_app, "SELECT image FROM post WHERE id = 2")[0]["image"] == second["image"]
    assert "Remove this image" in client.get("/2/update").text
    assert send(client, "/2/update", title="Gone", remove_image="1").status_code == 302
    assert rows(blog_app, "SELECT image FROM post WHERE id = 2")[0]["image"] is None
    assert not any((tmp_path / "uploads").iterdir())
    assert client.get("/2/image").status_code == 404


def test_delete_removes_the_image(client: KolbenClient, tmp_path: Path) -> None:
    login(client)
    upload(client, "/create", png())
    assert len(list((tmp_path / "uploads").iterdir())) == 1
    send(client, "/2/delete")
    assert not any((tmp_path / "uploads").iterdir())


# -- the JSON API -------------------------------------------------------------------------


def api_error(response: t.Any, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.json["status"] == status
    assert set(response.json) == {"status", "error", "message"}
    return t.cast(str, response.json["message"])


def test_api_list_and_get(make_app: Callable[..., Kolben], make_client: MakeClient) -> None:
    app = make_app(POSTS_PER_PAGE=2)
    with app.app_context():
        for n in (2, 3):
            get_db().execute("INSERT INTO post (title, body, author_id) VALUES (?, 'b', 2)", (n,))
        get_db().commit()
    client = make_client(app)
    first = client.get("/api/posts").json
    assert [p["id"] for p in first["posts"]] == [3, 2]
    assert (first["page"], first["pages"], first["total"]) == (1, 2, 3)
    assert (first["next"], first["prev"]) == ("/api/posts?page=2", None)
    second = client.get(first["next"]).json
    assert second["posts"] == [
        {
            "id": 1,
            "title": "First post",
            "body": "Hello from ann.",
            "author": "ann",
            "created": "2025-01-02T03:04:05+00:00",
            "url": "/1",
            "image": None,
        }
    ]
    assert (second["next"], second["prev"]) == (None, "/api/posts?page=1")
    assert client.get("/api/posts/1").json == second["posts"][0]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/posts/9", 404),
        ("/api/posts?page=9", 404),
        ("/api/nothing/here", 404),
        ("/api", 404),
        ("/api/posts?page=0", 400),
        ("/api/posts?page=-1", 400),
        ("/api/posts?page=x", 400),
        ("/api/posts/events?after=x", 400),
    ],
)
def test_api_errors_are_json(client: KolbenClient, path: str, status: int) -> None:
    api_error(client.get(path), status)


def test_api_method_not_allowed(client: KolbenClient) -> None:
    response = client.delete("/api/posts/1")
    api_error(response, 405)
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_api_create(client: KolbenClient, blog_app: Kolben) -> None:
    assert "Log in first" in api_error(client.post("/api/posts", json={"title": "x"}), 401)
    login(client)
    response = client.post("/api/posts", json={"title": " From the API ", "body": "<i>hi</i>"})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/posts/2"
    assert response.json["title"] == "From the API"
    assert response.json["author"] == "ann"
    assert client.get("/api/posts/2").json == response.json
    assert "&lt;i&gt;hi&lt;/i&gt;" in client.get("/2").text
    assert len(rows(blog_app, "SELECT * FROM post")) == 2


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": '{"title": "x"}', "content_type": "text/plain"}, 415),
        ({"data": {"title": "x"}}, 415),  # a form
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": ["title"]}, 400),
        ({"json": {"body": "no title"}}, 400),
        ({"json": {"title": "  "}}, 400),
        ({"json": {"title": 5}}, 400),
        ({"json": {"title": "x", "body": 5}}, 400),
        ({"json": {"title": "x" * 201}}, 400),
    ],
)
def test_api_create_refuses(
    client: KolbenClient, blog_app: Kolben, kwargs: dict[str, t.Any], status: int
) -> None:
    login(client)
    api_error(client.post("/api/posts", **kwargs), status)
    assert len(rows(blog_app, "SELECT * FROM post")) == 1


def test_api_body_limit(make_app: Callable[..., Kolben], make_client: MakeClient) -> None:
    client = make_client(make_app(MAX_CONTENT_LENGTH=1000))
    login(client)
    api_error(client.post("/api/posts", json={"title": "x", "body": "y" * 2000}), 413)


def test_api_needs_no_csrf_token(client: KolbenClient) -> None:
    """JSON only (415 otherwise) is what protects the API; see csrf.py."""
    login(client)
    assert client.post("/api/posts", json={"title": "no token"}).status_code == 201


# -- the live page and its feed -----------------------------------------------------------


def events(text: str) -> list[tuple[str, str | None, str]]:
    """(event, id, data) of each event in a text/event-stream body."""
    found = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
        found.append((fields.get("event", "message"), fields.get("id"), fields.get("data", "")))
    return found


def test_live_page(client: KolbenClient) -> None:
    page = client.get("/live")
    assert page.status_code == 200
    assert 'data-feed="/api/posts/events?after=1"' in page.text
    assert '<script src="/static/live.js"></script>' in page.text
    assert "First post" in page.text


@pytest.fixture
def short_feeds(make_app: Callable[..., Kolben]) -> Kolben:
    """Feeds that poll often and end after one poll."""
    return make_app(LIVE_POLL_SECONDS=0.01, LIVE_STREAM_SECONDS=0)


def test_feed_replays_after_a_given_id(short_feeds: Kolben, make_client: MakeClient) -> None:
    client = make_client(short_feeds)
    response = client.get("/api/posts/events?after=0")
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    (ready, post) = events(response.text)
    assert ready == ("ready", None, '{"after":0}')
    assert post[:2] == ("post", "1")
    assert '"title":"First post"' in post[2]
    assert '"url":"/1"' in post[2]
    # A reconnecting browser's Last-Event-ID wins over the page's ?after=.
    again = client.get("/api/posts/events?after=0", headers={"Last-Event-ID": "1"})
    assert [e[0] for e in events(again.text)] == ["ready"]
    # Without either, the feed starts after the newest post.
    assert [e[0] for e in events(client.get("/api/posts/events").text)] == ["ready"]


def test_feed_sends_new_posts_as_they_are_created(
    make_app: Callable[..., Kolben], make_client: MakeClient
) -> None:
    app = make_app(LIVE_POLL_SECONDS=0.02, LIVE_STREAM_SECONDS=10)
    reader, writer = make_client(app), make_client(app)
    login(writer)
    with reader.get("/api/posts/events", buffered=False) as response:
        chunks = response.iter_encoded()
        assert next(chunks).startswith(b"event: ready\n")
        send(writer, "/create", title="Fresh <b>news</b>", body="now")
        event = next(chunks).decode()
    ((kind, id, data),) = events(event)
    assert (kind, id) == ("post", "2")
    assert '"title":"Fresh <b>news</b>"' in data  # JSON; live.js inserts it as text


def test_feed_ends_and_closes_its_context(short_feeds: Kolben, make_client: MakeClient) -> None:
    closed: list[bool] = []
    short_feeds.teardown_appcontext(lambda exc: closed.append(True))
    with make_client(short_feeds).get("/api/posts/events") as response:
        assert response.data.startswith(b"event: ready\n")
    assert closed


@pytest.mark.servers
@pytest.mark.parametrize("mode", ["auto", "wsgi"])
def test_served_by_kolben_run(tmp_path: Path, mode: str) -> None:
    """``init-db`` then ``kolben run``, as ``python3 dev.py demo`` does, over a socket."""
    env = {
        "KOLBEN_DATABASE": str(tmp_path / "served.sqlite"),
        "KOLBEN_UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    subprocess.run(
        [sys.executable, "-m", "kolben", "--app", "examples.kolbenlog", "init-db"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=60,
    )
    args = ["--app", "examples.kolbenlog", "run", "--no-reload", "--interface", mode]
    with Server(args, env=env) as server:
        server.wait_until_serving()
        assert ("(WSGI," if mode == "wsgi" else "(ASGI,") in server.output
        status, _, body = server.get("/")
        assert status == 200
        assert b"No posts yet." in body
        listing = json.loads(server.get("/api/posts")[2])
        assert listing == {
            "next": None,
            "page": 1,
            "pages": 1,
            "posts": [],
            "prev": None,
            "total": 0,
        }
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/api/posts/events")
            response = conn.getresponse()
            assert response.status == 200
            assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
            assert response.readline() == b"event: ready\n"
        finally:
            conn.close()
        # The feed's connection is gone; the server keeps serving.
        assert server.get("/live")[0] == 200


def test_every_route_is_tested() -> None:
    """A new route must get a test here: this lists the ones the tests above cover."""
    app = create_app({"TESTING": True})
    assert sorted(rule.endpoint for rule in app.url_map.iter_rules()) == [
        "api.create_post",
        "api.events",
        "api.get_post",
        "api.list_posts",
        "auth.login",
        "auth.logout",
        "auth.register",
        "blog.create",
        "blog.delete",
        "blog.image",
        "blog.index",
        "blog.live",
        "blog.post",
        "blog.update",
        "static",
    ]


@pytest.fixture(autouse=True)
def _no_leftover_uploads(tmp_path: Path) -> Iterator[None]:
    yield
    # Nothing is ever written outside UPLOAD_FOLDER (secure_filename held).
    allowed = {"test.sqlite", "uploads", "x.sqlite", "sub", "served.sqlite"}
    assert {p.name for p in tmp_path.iterdir()} <= allowed
