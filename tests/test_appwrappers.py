"""kolben.appwrappers: the app's Response reads MAX_COOKIE_SIZE from the app's config
(Flask's flask.wrappers.Response over Werkzeug's)."""

from __future__ import annotations

import typing as t
import warnings
from collections.abc import Callable

import pytest

import kolben
from kolben import Kolben, Response, session
from kolben import wrappers as base_wrappers
from kolben.exceptions import HTTPException, NotFound
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]
ResponseFactory = Callable[[str], base_wrappers.Response]


@pytest.fixture(params=["def", "async def"])
def view_kind(request: pytest.FixtureRequest) -> str:
    return t.cast(str, request.param)


def _cookie_view(app: Kolben, kind: str, factory: ResponseFactory, size: int) -> None:
    """GET / answers with a ``size``-byte cookie set on ``factory("ok")``."""
    if kind == "def":

        @app.get("/")
        def index() -> base_wrappers.Response:
            response = factory("ok")
            response.set_cookie("big", "v" * size)
            return response

    else:

        @app.get("/")
        async def index() -> base_wrappers.Response:
            response = factory("ok")
            response.set_cookie("big", "v" * size)
            return response


def test_the_app_response_warns_above_the_configured_size(
    app: Kolben, make_client: MakeClient, view_kind: str
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 40
    _cookie_view(app, view_kind, Response, 60)
    with pytest.warns(UserWarning, match=r"\b40\b"):
        response = make_client(app).get("/")
    assert response.headers["Set-Cookie"].startswith("big=" + "v" * 60)


def test_zero_turns_the_warning_off(app: Kolben, make_client: MakeClient, view_kind: str) -> None:
    app.config["MAX_COOKIE_SIZE"] = 0
    _cookie_view(app, view_kind, Response, 5000)
    # Warnings are errors here: one would fail the request.
    response = make_client(app).get("/")
    assert response.status_code == 200
    assert len(response.headers["Set-Cookie"]) > 5000


def test_the_default_config_warns_above_4093(
    app: Kolben, make_client: MakeClient, view_kind: str
) -> None:
    _cookie_view(app, view_kind, Response, 5000)
    with pytest.warns(UserWarning, match="4093"):
        make_client(app).get("/")


def test_the_base_response_keeps_its_own_default(
    app: Kolben, make_client: MakeClient, view_kind: str
) -> None:
    # As werkzeug.wrappers.Response in a Flask app: it knows no app.
    app.config["MAX_COOKIE_SIZE"] = 40
    _cookie_view(app, view_kind, base_wrappers.Response, 60)
    response = make_client(app).get("/")
    assert response.status_code == 200


def test_a_base_response_reaches_after_request_as_the_app_class(
    app: Kolben, make_client: MakeClient, view_kind: str
) -> None:
    app.config["MAX_COOKIE_SIZE"] = 40
    _cookie_view(app, view_kind, base_wrappers.Response, 10)
    seen: list[type[t.Any]] = []

    @app.after_request
    def add_cookie(response: base_wrappers.Response) -> base_wrappers.Response:
        seen.append(type(response))
        response.set_cookie("late", "v" * 60)
        return response

    with pytest.warns(UserWarning, match=r"'late'.*\b40\b"):
        make_client(app).get("/")
    assert seen == [app.response_class]


def test_the_session_cookie_is_checked_against_the_config(
    app: Kolben, make_client: MakeClient, view_kind: str
) -> None:
    app.config.update(SECRET_KEY="test key", MAX_COOKIE_SIZE=80)
    if view_kind == "def":

        @app.get("/")
        def index() -> str:
            session["note"] = "n" * 100
            return "ok"

    else:

        @app.get("/")
        async def index() -> str:
            session["note"] = "n" * 100
            return "ok"

    with pytest.warns(UserWarning, match=r"\b80\b"):
        make_client(app).get("/")


def test_each_app_answers_from_its_own_config() -> None:
    first, second = Kolben("first"), Kolben("second")
    first.config["MAX_COOKIE_SIZE"] = 40
    second.config["MAX_COOKIE_SIZE"] = 100
    response = Response("x")
    with first.app_context():
        assert response.max_cookie_size == 40
        with second.app_context():
            assert response.max_cookie_size == 100
        assert response.max_cookie_size == 40
    assert response.max_cookie_size == Response.default_max_cookie_size == 4093


def test_a_missing_config_key_falls_back_to_the_default(app: Kolben) -> None:
    del app.config["MAX_COOKIE_SIZE"]
    with app.app_context():
        assert Response("x").max_cookie_size == 4093
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            Response("x").set_cookie("c", "v" * 100)


def test_the_names_follow_flask_and_werkzeug(app: Kolben) -> None:
    assert issubclass(kolben.Response, base_wrappers.Response)
    assert kolben.Response is not base_wrappers.Response
    assert app.response_class is kolben.Response
    # The request needs no app subclass: the app passes its config to it.
    assert kolben.Request is base_wrappers.Request
    assert app.request_class is kolben.Request



class _Teapot(HTTPException):
    code = 418

    def get_response(self, environ: t.Any = None, scope: t.Any = None) -> t.Any:
        return base_wrappers.Response("own page", 418, mimetype="text/plain")


@pytest.mark.parametrize(
    ("error", "body"),
    [
        (NotFound(), NotFound().get_body()),
        (NotFound(response=base_wrappers.Response("ready", 404)), "ready"),
        (_Teapot(), "own page"),
    ],
    ids=["stock page", "given response", "own get_response"],
)
def test_http_errors_reach_after_request_as_the_app_class(
    app: Kolben, make_client: MakeClient, view_kind: str, error: HTTPException, body: str
) -> None:
    if view_kind == "def":

        @app.get("/")
        def index() -> str:
            raise error

    else:

        @app.get("/")
        async def index() -> str:
            raise error

    seen: list[type[t.Any]] = []

    @app.after_request
    def record(response: base_wrappers.Response) -> base_wrappers.Response:
        seen.append(type(response))
        return response

    response = make_client(app).get("/")
    assert response.status_code == error.code
    assert response.get_data(as_text=True) == body
    assert seen == [app.response_class]
