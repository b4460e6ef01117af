"""Response behaviour extensions count on, checked against Flask/Werkzeug.

Conditional answers: only a 304 drops the body headers (a 412 keeps its
Content-Type). Arbitrary attributes and ``__dict__`` copies on responses
and requests (Flask-Caching's ``CachedResponse`` and friends).
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import flask
import pytest

from kolben import Kolben, Response, request
from kolben.testing import KolbenClient


def _conditional_app(app: t.Any, request_: t.Any, response_class: t.Any, is_async: bool) -> None:
    def page() -> t.Any:
        response = response_class("<p>doc</p>", content_type="text/html; charset=utf-8")
        response.set_etag("v1")
        response.headers["Expires"] = "Thu, 01 Dec 2044 16:00:00 GMT"
        response.headers["Content-Location"] = "/doc.html"
        response.headers["Content-Language"] = "en"
        return response.make_conditional(request_)

    async def page_async() -> t.Any:
        return page()

    app.add_url_rule("/doc", "doc", page_async if is_async else page)


WATCHED = ["Content-Type", "Content-Length", "Expires", "Content-Location", "Content-Language"]


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
@pytest.mark.parametrize(
    "headers",
    [{"If-Match": '"other"'}, {"If-None-Match": '"v1"'}, {"If-Match": '"v1"'}],
    ids=["412", "304", "200"],
)
def test_conditional_headers_match_werkzeug(
    app: Kolben,
    make_client: Callable[..., KolbenClient],
    headers: dict[str, str],
    is_async: bool,
) -> None:
    _conditional_app(app, request, Response, is_async)
    oracle = flask.Flask("oracle")
    _conditional_app(oracle, flask.request, flask.Response, False)
    expected = oracle.test_client().get("/doc", headers=headers)
    response = make_client(app).get("/doc", headers=headers)
    assert response.status_code == expected.status_code
    assert response.get_data() == expected.get_data()
    for name in WATCHED:
        if name == "Content-Length" and response.status_code == 304:
            continue  # Kolben keeps the 200's length on a 304 (RFC 9110 section 8.6)
        assert response.headers.get(name) == expected.headers.get(name), name


def test_precondition_failed_keeps_content_type(
    app: Kolben, make_client: Callable[..., KolbenClient]
) -> None:
    _conditional_app(app, request, Response, False)
    response = make_client(app).get("/doc", headers={"If-Match": '"other"'})
    assert response.status_code == 412
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(b"<p>doc</p>"))


def test_not_modified_keeps_expires_and_content_location(
    app: Kolben, make_client: Callable[..., KolbenClient]
) -> None:
    _conditional_app(app, request, Response, False)
    response = make_client(app).get("/doc", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers
    assert "Content-Language" not in response.headers
    assert response.headers["Expires"] == "Thu, 01 Dec 2044 16:00:00 GMT"
    assert response.headers["Content-Location"] == "/doc.html"
    assert response.headers["ETag"] == '"v1"'


# -- attributes and __dict__ copies ------------------------------------------------------


class CachedResponse(Response):
    """Flask-Caching's pattern: adopt another response's state wholesale."""

    timeout: int | None = None

    def __init__(self, response: Response, timeout: int) -> None:
        self.__dict__ = response.__dict__
        self.timeout = timeout


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
def test_response_adopting_another_responses_dict(
    app: Kolben, make_client: Callable[..., KolbenClient], is_async: bool
) -> None:
    def make() -> CachedResponse:
        original = Response("cached body", 203, {"X-Cache": "miss"}, mimetype="text/plain")
        return CachedResponse(original, timeout=30)

    async def make_async() -> CachedResponse:
        return make()

    app.add_url_rule("/", "index", make_async if is_async else make)
    response = make_client(app).get("/")
    assert response.status_code == 203
    assert response.text == "cached body"
    assert response.headers["X-Cache"] == "miss"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_response_state_is_in_its_dict() -> None:
    import werkzeug.wrappers

    response = Response("hi", 201, {"X-A": "1"})
    theirs = werkzeug.wrappers.Response("hi", 201, {"X-A": "1"})
    assert sorted(vars(response)) == sorted(vars(theirs))
    copy = Response.__new__(Response)
    copy.__dict__.update(vars(response))
    assert (copy.status, copy.get_data(), copy.headers["X-A"]) == ("201 CREATED", b"hi", "1")


def test_response_survives_pickle_with_extra_attributes() -> None:
    import pickle

    response = Response("hi", 202, {"X-A": "1"})
    response.cache_timeout = 30  # type: ignore[attr-defined]
    back = pickle.loads(pickle.dumps(response))
    assert (back.status_code, back.get_data(), back.headers["X-A"]) == (202, b"hi", "1")
    assert back.cache_timeout == 30


def test_request_takes_attributes_and_exposes_its_state(
    app: Kolben, make_client: Callable[..., KolbenClient]
) -> None:
    @app.before_request
    def mark() -> None:
        request.api_version = "v2"  # type: ignore[attr-defined]

    @app.get("/<int:n>")
    async def view(n: int) -> str:
        # Under ASGI the environ is built on first access (the request reads
        # the scope); once read, it is instance state like the rest.
        environ = request.environ
        state = vars(request._get_current_object())  # type: ignore[attr-defined]
        return f"{request.api_version} {state['view_args']} {state['environ'] is environ}"  # type: ignore[attr-defined]

    assert make_client(app).get("/3").text == "v2 {'n': 3} True"
