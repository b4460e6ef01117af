"""Tests for kolben.exceptions: status classes, error pages, extra headers, abort."""

from __future__ import annotations

import html
import inspect
import pickle
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kolben import Kolben
from kolben import exceptions as exc
from kolben._status import HTTP_STATUS_CODES
from kolben.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestedRangeNotSatisfiable,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    abort,
    default_exceptions,
)
from kolben.wrappers import Response

EXPECTED_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    408: "RequestTimeout",
    409: "Conflict",
    410: "Gone",
    411: "LengthRequired",
    412: "PreconditionFailed",
    413: "RequestEntityTooLarge",
    414: "RequestURITooLarge",
    415: "UnsupportedMediaType",
    416: "RequestedRangeNotSatisfiable",
    417: "ExpectationFailed",
    418: "ImATeapot",
    421: "MisdirectedRequest",
    422: "UnprocessableEntity",
    423: "Locked",
    424: "FailedDependency",
    428: "PreconditionRequired",
    429: "TooManyRequests",
    431: "RequestHeaderFieldsTooLarge",
    451: "UnavailableForLegalReasons",
    500: "InternalServerError",
    501: "NotImplemented",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
    505: "HTTPVersionNotSupported",
}


def test_all_is_complete_and_sorted() -> None:
    # Every public class and function of the package's modules is exported.
    public = {
        name
        for module in (exc.base, exc.client, exc.server, exc.codes)
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == module.__name__
    }
    public.add("default_exceptions")
    assert set(exc.__all__) == public
    assert exc.__all__ == sorted(exc.__all__)


def test_default_exceptions_maps_every_code() -> None:
    assert {code: cls.__name__ for code, cls in default_exceptions.items()} == EXPECTED_CODES


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_each_class_has_code_name_and_description(code: int) -> None:
    cls = getattr(exc, EXPECTED_CODES[code])
    assert cls.code == code
    assert issubclass(cls, HTTPException)
    error = cls()
    assert error.name == HTTP_STATUS_CODES[code]
    assert isinstance(cls.description, str)
    assert cls.description
    assert str(error) == f"{code} {HTTP_STATUS_CODES[code]}: {cls.description}"


def test_base_exception_has_no_code() -> None:
    error = HTTPException()
    assert error.code is None
    assert error.name == "Unknown Error"
    assert str(error).startswith("??? Unknown Error: ")
    assert error.response is None


def test_unknown_code_name() -> None:
    class Odd(HTTPException):
        code = 599

    assert Odd().name == "Unknown Error"


def test_description_override_is_per_instance() -> None:
    error = NotFound("nothing here")
    assert error.description == "nothing here"
    assert NotFound().description == NotFound.description
    assert NotFound.description != "nothing here"


def test_str_and_repr() -> None:
    error = NotFound("desc")
    assert str(error) == "404 Not Found: desc"
    assert repr(error) == "<NotFound '404: Not Found'>"


def test_get_body_exact_format() -> None:
    body = NotFound("desc").get_body()
    assert body == (
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
        "<h1>Not Found</h1>\n<p>desc</p>\n"
    )


def test_get_body_escapes_description() -> None:
    body = BadRequest("<script>alert('x')</script>").get_body()
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


def test_get_description_turns_newlines_into_br() -> None:
    assert NotFound("a\nb & c").get_description() == "<p>a<br>b &amp; c</p>"


def test_none_description_renders_empty() -> None:
    class Bare(HTTPException):
        code = 400
        description = None

    assert Bare().get_description() == "<p></p>"


@given(st.text())
def test_description_round_trips_through_escaping(text: str) -> None:
    rendered = NotFound(text).get_description()
    inner = rendered[len("<p>") : -len("</p>")]
    assert "<" not in inner.replace("<br>", "")
    assert html.unescape(inner.replace("<br>", "\n")) == text


def test_get_headers_default() -> None:
    assert NotFound().get_headers() == [("Content-Type", "text/html; charset=utf-8")]


def test_bad_request_key_error_is_a_key_error_and_a_400() -> None:
    error = BadRequestKeyError("missing")
    assert isinstance(error, KeyError)
    assert isinstance(error, BadRequest)
    assert error.code == 400
    assert error.args == ("missing",)
    assert error.key == "missing"
    with pytest.raises(KeyError):
        raise error


def test_bad_request_key_error_hides_key_unless_asked() -> None:
    error = BadRequestKeyError("secret_field")
    assert "secret_field" not in error.description  # type: ignore[operator]
    assert "secret_field" not in error.get_body()
    error.show_exception = True
    assert error.description is not None
    assert error.description.endswith("\nKeyError: 'secret_field'")
    assert "KeyError: &#x27;secret_field&#x27;" in error.get_body()


def test_bad_request_key_error_custom_description() -> None:
    error = BadRequestKeyError("k", "custom")
    assert error.description == "custom"
    error.description = "other"
    error.show_exception = True
    assert error.description == "other\nKeyError: 'k'"


def test_bad_request_key_error_without_key() -> None:
    error = BadRequestKeyError()
    assert error.args == ()
    assert error.key is None
    error.show_exception = True
    assert "KeyError" not in (error.description or "")


@pytest.mark.parametrize(
    "cls", [exc.ClientDisconnected, exc.SecurityError, exc.BadHost, exc.WebsocketMismatch]
)
def test_bad_request_subclasses(cls: type[HTTPException]) -> None:
    assert issubclass(cls, BadRequest)
    assert cls.code == 400
    assert cls.description != BadRequest.description


def test_bad_host_is_a_security_error() -> None:
    assert issubclass(exc.BadHost, exc.SecurityError)


class Challenge:
    def to_header(self) -> str:
        return 'Basic realm="site"'


def test_unauthorized_single_challenge() -> None:
    headers = Unauthorized(www_authenticate=Challenge()).get_headers()
    assert headers[1:] == [("WWW-Authenticate", 'Basic realm="site"')]


def test_unauthorized_list_and_str_challenges() -> None:
    error = Unauthorized(www_authenticate=[Challenge(), "Bearer"])
    assert error.get_headers()[1:] == [
        ("WWW-Authenticate", 'Basic realm="site"'),
        ("WWW-Authenticate", "Bearer"),
    ]


def test_unauthorized_without_challenge() -> None:
    error = Unauthorized("who are you")
    assert error.www_authenticate == []
    assert error.get_headers() == [("Content-Type", "text/html; charset=utf-8")]
    assert error.description == "who are you"


def test_method_not_allowed_sends_allow() -> None:
    error = MethodNotAllowed(["GET", "HEAD"])
    assert error.valid_methods == ["GET", "HEAD"]
    assert ("Allow", "GET, HEAD") in error.get_headers()


def test_method_not_allowed_without_methods() -> None:
    error = MethodNotAllowed(description="nope")
    assert error.valid_methods is None
    assert all(name != "Allow" for name, _ in error.get_headers())
    assert error.description == "nope"


def test_range_not_satisfiable_content_range() -> None:
    assert ("Content-Range", "bytes */1234") in RequestedRangeNotSatisfiable(1234).get_headers()
    custom = RequestedRangeNotSatisfiable(length=10, units="items")
    assert ("Content-Range", "items */10") in custom.get_headers()
    assert len(RequestedRangeNotSatisfiable().get_headers()) == 1


@pytest.mark.parametrize("cls", [TooManyRequests, ServiceUnavailable])
def test_retry_after_seconds(cls: type[TooManyRequests]) -> None:
    assert ("Retry-After", "120") in cls(retry_after=120).get_headers()
    assert len(cls().get_headers()) == 1


@pytest.mark.parametrize("cls", [TooManyRequests, ServiceUnavailable])
def test_retry_after_datetime(cls: type[TooManyRequests]) -> None:
    when = datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc)
    expected = ("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")
    assert expected in cls(retry_after=when).get_headers()
    # A naive datetime counts as UTC; another zone is converted to UTC.
    assert expected in cls(retry_after=when.replace(tzinfo=None)).get_headers()
    plus_two = when.astimezone(timezone(timedelta(hours=2)))
    assert expected in cls(retry_after=plus_two).get_headers()


def test_internal_server_error_keeps_original() -> None:
    original = ValueError("boom")
    error = InternalServerError(original_exception=original)
    assert error.original_exception is original
    assert InternalServerError().original_exception is None


def test_get_response_builds_a_response_without_an_app() -> None:
    response = MethodNotAllowed(["GET"]).get_response()
    assert isinstance(response, Response)
    assert response.status_code == 405
    assert response.get_data(as_text=True) == MethodNotAllowed(["GET"]).get_body()
    assert response.headers["Allow"] == "GET"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(response.get_data()))


def test_get_response_returns_given_response() -> None:
    ready = Response("custom", 418)
    assert NotFound(response=ready).get_response() is ready


def test_codeless_exception_response_is_500() -> None:
    assert HTTPException().get_response().status_code == 500


def test_get_response_is_the_plain_response_class_even_inside_an_app() -> None:
    # Werkzeug's class, as in Flask: the app converts it when it sends it.
    app = Kolben(__name__)
    with app.test_request_context():
        assert type(NotFound().get_response()) is Response


def test_exception_is_a_wsgi_app() -> None:
    calls: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        calls.append((status, headers))

    body = NotFound("gone")({"REQUEST_METHOD": "GET"}, start_response)
    assert b"".join(body) == NotFound("gone").get_body().encode()
    assert calls[0][0] == "404 NOT FOUND"


def test_abort_raises_by_code() -> None:
    with pytest.raises(NotFound) as info:
        abort(404)
    assert info.value.description == NotFound.description
    with pytest.raises(NotFound, match="custom text"):
        abort(404, "custom text")


def test_abort_passes_keyword_arguments() -> None:
    with pytest.raises(MethodNotAllowed) as info:
        abort(405, valid_methods=["POST"])
    assert info.value.valid_methods == ["POST"]


def test_abort_unknown_code() -> None:
    with pytest.raises(LookupError, match="no exception for 999") as info:
        abort(999)
    assert not isinstance(info.value, HTTPException)


def test_abort_with_response_object() -> None:
    ready = Response("hi", 202)
    with pytest.raises(HTTPException) as info:
        abort(ready)
    assert type(info.value) is HTTPException
    assert info.value.code is None
    assert info.value.response is ready
    assert info.value.get_response() is ready


def test_aborter_extra_and_mapping() -> None:
    class Custom(HTTPException):
        code = 599
        description = "custom"

    aborter = Aborter(extra={599: Custom})
    with pytest.raises(Custom):
        aborter(599)
    with pytest.raises(NotFound):
        aborter(404)
    assert 599 not in default_exceptions

    only = Aborter(mapping={404: NotFound})
    with pytest.raises(LookupError):
        only(400)
    only.mapping[400] = BadRequest
    with pytest.raises(BadRequest):
        only(400)


def test_exceptions_survive_pickling() -> None:
    error = MethodNotAllowed(["GET"], "custom")
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is MethodNotAllowed
    assert restored.valid_methods == ["GET"]
    assert restored.description == "custom"
    key_error = BadRequestKeyError("field")
    key_error.show_exception = True
    restored_key = pickle.loads(pickle.dumps(key_error))
    assert restored_key.key == "field"
    assert restored_key.description == key_error.description
