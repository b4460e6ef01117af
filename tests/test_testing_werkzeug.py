"""The test client where tests written for Flask count on Werkzeug's client.

Relative paths and redirect locations, and cookies set for another domain,
compared against what Werkzeug's own client (installed as an oracle) does
with the same Flask app.
"""

from __future__ import annotations

import inspect
import typing as t
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import flask
import pytest
import werkzeug.test

from kolben import Kolben, Response, make_response, request
from kolben.testing import Client, KolbenClient


def _path_app(app: t.Any, request_: t.Any, asynchronous: bool = False) -> None:
    """Echo the path the view saw, on any path and on POST too."""

    def where(p: str = "") -> str:
        return f"{request_.method} {request_.script_root}|{request_.path}|{request_.url}"

    async def where_async(p: str = "") -> str:
        return where(p)

    view = where_async if asynchronous else where
    app.add_url_rule("/", "root", view, methods=["GET", "POST"])
    app.add_url_rule("/<path:p>", "any", view, methods=["GET", "POST"])


@pytest.mark.parametrize("asynchronous", [False, True], ids=["def", "async"])
@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("register", {}),
        ("register?next=x", {}),
        ("a/b", {}),
        ("register", {"base_url": "http://localhost/app/"}),
        ("register", {"base_url": "http://localhost/app"}),
    ],
)
def test_path_without_leading_slash_matches_werkzeug(
    app: Kolben,
    make_client: Callable[..., KolbenClient],
    path: str,
    kwargs: dict[str, str],
    asynchronous: bool,
) -> None:
    _path_app(app, request, asynchronous)
    oracle = flask.Flask("oracle")
    _path_app(oracle, flask.request)
    expected = oracle.test_client().post(path, **kwargs).get_data(as_text=True)
    response = make_client(app).post(path, **kwargs)
    assert response.status_code == 200
    assert response.text == expected


def _redirecting_app(app: t.Any, request_: t.Any, response_class: t.Any) -> None:
    """``/from/<...>?to=LOCATION`` answers 302 to LOCATION; anything else echoes."""

    def go(p: str) -> t.Any:
        return response_class("", 302, {"Location": request_.args["to"]})

    def land(p: str = "") -> str:
        return f"{request_.path}?{request_.query_string.decode()}"

    app.add_url_rule("/from/<path:p>", "go", go)
    app.add_url_rule("/<path:p>", "land", land)
    app.add_url_rule("/", "root", land)


@pytest.mark.parametrize(
    "location",
    ["x", "../x", "./x", "x?q=1", "../../../x", "/abs/x", "//localhost/x", "http://localhost/y"],
)
@pytest.mark.parametrize("start", ["/from/a/b", "/from/a/b/"])
def test_relative_redirect_lands_where_werkzeug_lands(
    app: Kolben, make_client: Callable[..., KolbenClient], location: str, start: str
) -> None:
    _redirecting_app(app, request, Response)
    oracle = flask.Flask("oracle")
    _redirecting_app(oracle, flask.request, flask.Response)
    expected = oracle.test_client().get(start, query_string={"to": location}, follow_redirects=True)
    response = make_client(app).get(start, query_string={"to": location}, follow_redirects=True)
    assert (response.status_code, response.text) == (expected.status_code, expected.text)
    assert response.request.path == expected.request.path
    assert [r.status_code for r in response.history] == [302]


def test_relative_redirect_is_taken_from_the_root(
    app: Kolben, make_client: Callable[..., KolbenClient]
) -> None:
    # Spelled out: Werkzeug requests the Location's path from the root, it
    # does not resolve it against the current URL as a browser would.
    _redirecting_app(app, request, Response)
    client = make_client(app)
    response = client.get("/from/a/b", query_string={"to": "x?q=1"}, follow_redirects=True)
    assert response.text == "/x?q=1"
    response = client.get("/from/a/b", query_string={"to": "//localhost/y"}, follow_redirects=True)
    assert response.text == "/y?"
    assert response.request.url == "http://localhost/y"


# -- cookies for another domain -------------------------------------------------------


def _remember_app(app: t.Any, response_factory: Callable[[str], t.Any]) -> None:
    def remember() -> t.Any:
        response = response_factory("ok")
        response.set_cookie(
            "remember_token",
            "notch",
            max_age=3600,
            domain=".localhost.local",
            path="/mypath",
        )
        return response

    app.add_url_rule("/login", "login", remember)


def test_cookie_for_a_configured_domain_is_kept(
    app: Kolben, make_client: Callable[..., KolbenClient]
) -> None:
    # Flask-Login's remember-me tests: REMEMBER_COOKIE_DOMAIN differs from
    # the test host, and the test reads the cookie back from the jar.
    _remember_app(app, make_response)
    app.add_url_rule("/mypath/echo", "echo", lambda: request.headers.get("Cookie", "-"))
    oracle = flask.Flask("oracle")
    _remember_app(oracle, flask.make_response)
    werkzeug_client = oracle.test_client()
    werkzeug_client.get("/login")
    expected = werkzeug_client.get_cookie("remember_token", "localhost.local", "/mypath")
    assert expected is not None

    client = make_client(app)
    client.get("/login")
    cookie = client.get_cookie("remember_token", "localhost.local", "/mypath")
    assert cookie is not None
    assert (cookie.key, cookie.value, cookie.domain, cookie.path, cookie.origin_only) == (
        expected.key,
        expected.value,
        expected.domain,
        expected.path,
        expected.origin_only,
    )
    assert cookie.expires is not None
    assert abs(cookie.expires - (datetime.now(timezone.utc) + timedelta(hours=1))) < timedelta(
        seconds=10
    )
    # The dotted spelling finds it too (Werkzeug's jar would not).
    assert client.get_cookie("remember_token", ".localhost.local", "/mypath") is cookie
    # Stored, but sent only to hosts under that domain.
    assert client.get("/mypath/echo").text == "-"
    assert client.get("http://a.localhost.local/mypath/echo").text == "remember_token=notch"
    client.delete_cookie("remember_token", domain="localhost.local", path="/mypath")
    assert client.get_cookie("remember_token", "localhost.local", "/mypath") is None


@pytest.mark.parametrize("name", ["get_cookie", "set_cookie", "delete_cookie"])
def test_cookie_method_signatures_match_werkzeug(name: str) -> None:
    ours = inspect.signature(getattr(Client, name))
    theirs = inspect.signature(getattr(werkzeug.test.Client, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()
    ]
