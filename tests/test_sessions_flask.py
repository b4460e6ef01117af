"""A Flask 3.1 app and a Kolben app with the same key read each other's session
cookies, so porting keeps users logged in (issue 5).

Flask is a test-only dependency (the ``dev`` extra); it is used as an oracle
here and nowhere in Kolben itself.
"""

from __future__ import annotations

import typing as t
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from markupsafe import Markup

from kolben import Kolben, flash, get_flashed_messages, session
from kolben.testing import KolbenClient

flask = pytest.importorskip("flask")

MakeClient = Callable[..., KolbenClient]
KEY = "shared-secret-between-flask-and-kolben"

DATA: dict[str, t.Any] = {
    "user_id": 42,
    "name": "J\u00fcrgen <admin>",
    "roles": ("admin", "dev"),
    "token": b"\x00\x01\xfe\xff",
    "motd": Markup("<b>Welcome</b>"),
    "request_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "login_at": datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
    "prefs": {"theme": "dark", "sizes": [1, 2.5, None, True]},
    "looks_like_a_tag": {" t": ["not", "a", "tuple"]},
}


def _flask_app(secret_key: str = KEY, fallbacks: list[str] | None = None) -> t.Any:
    app = flask.Flask("flask_interop")
    app.config.update(SECRET_KEY=secret_key, SECRET_KEY_FALLBACKS=fallbacks, TESTING=True)
    seen: list[dict[str, t.Any]] = []
    app.seen = seen  # type: ignore[attr-defined]

    @app.route("/write")
    def write() -> str:
        flask.session.update(DATA)
        flask.session.permanent = True
        flask.flash("saved <ok>", "info")
        flask.flash("plain")
        return "ok"

    @app.route("/read")
    def read() -> str:
        seen.append(dict(flask.session))
        return "ok"

    @app.route("/flashes")
    def flashes() -> t.Any:
        return {"flashes": flask.get_flashed_messages(with_categories=True)}

    return app


def _kolben_app(secret_key: str = KEY, fallbacks: list[str] | None = None) -> Kolben:
    app = Kolben("kolben_interop", root_path="/nonexistent-kolben-root")
    app.config.update(SECRET_KEY=secret_key, SECRET_KEY_FALLBACKS=fallbacks, TESTING=True)
    seen: list[dict[str, t.Any]] = []
    app.seen = seen  # type: ignore[attr-defined]

    @app.route("/write")
    def write() -> str:
        session.update(DATA)
        session.permanent = True
        flash("saved <ok>", "info")
        flash("plain")
        return "ok"

    @app.route("/read")
    def read() -> str:
        seen.append(dict(session))
        return "ok"

    @app.route("/flashes")
    def flashes() -> t.Any:
        return {"flashes": get_flashed_messages(with_categories=True)}

    return app


def _same(left: t.Any, right: t.Any) -> bool:
    """Equal, with the same types all the way down (a tuple is not a list)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


def _cookie_of(client: t.Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return t.cast(str, cookie.value)


def _expected() -> dict[str, t.Any]:
    return {**DATA, "_permanent": True, "_flashes": [("info", "saved <ok>"), ("message", "plain")]}


def test_kolben_reads_a_flask_cookie(make_client: MakeClient) -> None:
    flask_client = _flask_app().test_client()
    flask_client.get("/write")
    cookie = _cookie_of(flask_client)

    app = _kolben_app()
    client = make_client(app)
    client.set_cookie("session", cookie)
    client.get("/read")
    (seen,) = app.seen  # type: ignore[attr-defined]
    assert _same(seen, _expected())


def test_flask_reads_a_kolben_cookie(make_client: MakeClient) -> None:
    client = make_client(_kolben_app())
    client.get("/write")
    cookie = _cookie_of(client)

    flask_app = _flask_app()
    flask_client = flask_app.test_client()
    flask_client.set_cookie("session", cookie)
    flask_client.get("/read")
    (seen,) = flask_app.seen
    assert _same(seen, _expected())


def test_the_payloads_are_identical(make_client: MakeClient) -> None:
    flask_client = _flask_app().test_client()
    flask_client.get("/write")
    client = make_client(_kolben_app())
    client.get("/write")
    # payload.timestamp.signature: the payloads match byte for byte.
    assert _cookie_of(client).rsplit(".", 2)[0] == _cookie_of(flask_client).rsplit(".", 2)[0]


def test_flashes_cross_over(make_client: MakeClient) -> None:
    flask_client = _flask_app().test_client()
    flask_client.get("/write")
    client = make_client(_kolben_app())
    client.set_cookie("session", _cookie_of(flask_client))
    assert client.get("/flashes").json == {
        "flashes": [["info", "saved <ok>"], ["message", "plain"]]
    }
    assert client.get("/flashes").json == {"flashes": []}


def test_rotated_keys_work_across_frameworks(make_client: MakeClient) -> None:
    # Flask signed with the old key; Kolben has since rotated.
    flask_client = _flask_app(secret_key="old-key").test_client()
    flask_client.get("/write")
    app = _kolben_app(secret_key="new-key", fallbacks=["old-key"])
    client = make_client(app)
    client.set_cookie("session", _cookie_of(flask_client))
    client.get("/read")
    assert _same(app.seen[0], _expected())  # type: ignore[attr-defined]
    # Kolben's next write is signed with the new key, which Flask accepts
    # once it has rotated too.
    client.get("/write")
    flask_app = _flask_app(secret_key="new-key")
    flask_client = flask_app.test_client()
    flask_client.set_cookie("session", _cookie_of(client))
    flask_client.get("/read")
    assert flask_app.seen[0]["user_id"] == 42
    stale = _flask_app(secret_key="old-key")
    stale_client = stale.test_client()
    stale_client.set_cookie("session", _cookie_of(client))
    stale_client.get("/read")
    assert stale.seen == [{}]


def test_a_different_key_is_refused_both_ways(make_client: MakeClient) -> None:
    flask_client = _flask_app(secret_key="flask-only").test_client()
    flask_client.get("/write")
    app = _kolben_app()
    client = make_client(app)
    client.set_cookie("session", _cookie_of(flask_client))
    client.get("/read")
    assert app.seen == [{}]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "kolben_compresses"),
    [
        ({"n": 2}, False),
        # Short and compressible: Flask compresses it, Kolben does not try.
        ({"pad": "a" * 40}, False),
        ({"rows": [{"name": "same text", "n": i % 3} for i in range(30)]}, True),
    ],
)
@pytest.mark.parametrize("view", ["def", "async def"])
def test_plain_and_compressed_payloads_cross_over(
    make_client: MakeClient, data: dict[str, t.Any], kolben_compresses: bool, view: str
) -> None:
    flask_app = _flask_app()

    @flask_app.route("/put")
    def flask_put() -> str:
        flask.session.update(data)
        return "ok"

    app = _kolben_app()
    if view == "def":

        @app.route("/put")
        def put() -> str:
            session.update(data)
            return "ok"

    else:

        @app.route("/put")
        async def put_async() -> str:
            session.update(data)
            return "ok"

    client = make_client(app)
    client.get("/put")
    ours = _cookie_of(client)
    assert ours.startswith(".") is kolben_compresses  # "." marks a zlib payload
    flask_client = flask_app.test_client()
    flask_client.set_cookie("session", ours)
    flask_client.get("/read")
    assert flask_app.seen == [data]

    flask_client = flask_app.test_client()
    flask_client.get("/put")
    theirs = _cookie_of(flask_client)
    assert theirs.startswith(".") is (data != {"n": 2})
    client = make_client(app)
    client.set_cookie("session", theirs)
    client.get("/read")
    assert app.seen == [data]  # type: ignore[attr-defined]
