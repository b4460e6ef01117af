"""kolben.debughelpers: the debug-mode explanations of API.md section 20."""

from __future__ import annotations

import io
import typing as t
from collections.abc import Callable

import pytest

from kolben import Kolben, request
from kolben.datastructures import MultiDict
from kolben.debughelpers import (
    DebugFilesKeyError,
    FormDataRoutingRedirect,
    attach_enctype_error_multidict,
)
from kolben.exceptions import BadRequestKeyError
from kolben.routing import RequestRedirect
from kolben.testing import KolbenClient, create_environ
from kolben.wrappers import Request

MakeClient = Callable[..., KolbenClient]


@pytest.fixture
def upload_app(app: Kolben) -> Kolben:
    @app.post("/upload")
    def upload() -> str:
        return request.files["photo"].filename or ""

    return app


def test_missing_enctype_is_explained_in_debug_mode(
    upload_app: Kolben, make_client: MakeClient
) -> None:
    upload_app.debug = True
    client = make_client(upload_app)
    with pytest.raises(DebugFilesKeyError) as info:
        client.post("/upload", data={"photo": "holiday.jpg"})
    message = str(info.value)
    assert 'enctype="multipart/form-data"' in message
    assert "'application/x-www-form-urlencoded'" in message
    assert "'holiday.jpg'" in message
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, AssertionError)


def test_without_debug_it_is_a_plain_400(upload_app: Kolben, make_client: MakeClient) -> None:
    response = make_client(upload_app).post("/upload", data={"photo": "holiday.jpg"})
    assert response.status_code == 400


def test_only_names_that_are_in_the_form_are_explained(
    upload_app: Kolben, make_client: MakeClient
) -> None:
    upload_app.debug = True
    upload_app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    response = make_client(upload_app).post("/upload", data={"other": "x"})
    assert response.status_code == 400


def test_a_real_multipart_upload_is_untouched(upload_app: Kolben, make_client: MakeClient) -> None:
    upload_app.debug = True
    response = make_client(upload_app).post(
        "/upload", data={"photo": (io.BytesIO(b"jpeg"), "holiday.jpg")}
    )
    assert response.data == b"holiday.jpg"


def test_hint_keeps_the_storage_class_and_holds_the_request_weakly() -> None:
    environ = create_environ(method="POST", data={"photo": "a.jpg"})
    request_ = Request(environ)
    files = attach_enctype_error_multidict(request_)
    assert type(files).__name__ == type(request_.parameter_storage_class()).__name__
    assert isinstance(files, request_.parameter_storage_class)
    assert len(files) == 0
    with pytest.raises(DebugFilesKeyError):
        files["photo"]
    with pytest.raises(BadRequestKeyError):
        files["nothing"]
    del request_
    with pytest.raises(KeyError) as info:
        files["photo"]  # the request is gone: a plain missing key
    assert not isinstance(info.value, DebugFilesKeyError)


@pytest.mark.parametrize("debug", [True, False])
def test_a_bare_request_explains_from_its_settings(debug: bool) -> None:
    # No app and no import-time hook: the DEBUG setting the request is given
    # is all it takes (as the app passes its config).
    request_ = Request(create_environ(method="POST", data={"photo": "a.jpg"}))
    request_.settings = {"DEBUG": debug}
    expected = DebugFilesKeyError if debug else BadRequestKeyError
    with pytest.raises(expected) as info:
        request_.files["photo"]
    assert isinstance(info.value, DebugFilesKeyError) is debug


def test_a_bare_urlencoded_request_with_a_spent_body_explains_too() -> None:
    request_ = Request(create_environ(method="POST", data={"photo": "a.jpg"}))
    request_.settings = {"DEBUG": True}
    assert request_.form["photo"] == "a.jpg"
    with pytest.raises(DebugFilesKeyError, match=r"'a\.jpg'"):
        request_.files["photo"]


def test_custom_storage_class() -> None:
    class MyRequest(Request):
        parameter_storage_class: t.Any = MultiDict

    request_ = MyRequest(create_environ(method="POST", data={"photo": "a.jpg"}))
    files = attach_enctype_error_multidict(request_)
    assert isinstance(files, MultiDict)
    with pytest.raises(DebugFilesKeyError):
        files["photo"]


def test_form_data_routing_redirect_message_mentions_the_slash(app: Kolben) -> None:
    request_ = Request(create_environ("/dir", method="POST"))
    redirect = RequestRedirect("http://localhost/dir/")
    redirect.code = 301
    request_.routing_exception = redirect
    request_.settings = {"DEBUG": True}
    with pytest.raises(FormDataRoutingRedirect) as info:
        app.raise_routing_exception(request_)
    assert "trailing slash" in str(info.value)


@pytest.mark.parametrize(
    ("method", "code", "debug"),
    [("GET", 301, True), ("POST", 308, True), ("POST", 307, True), ("POST", 301, False)],
)
def test_routing_redirects_that_keep_the_body_are_raised_as_they_are(
    app: Kolben, method: str, code: int, debug: bool
) -> None:
    request_ = Request(create_environ("/dir", method=method))
    redirect = RequestRedirect("http://localhost/dir/")
    redirect.code = code
    request_.routing_exception = redirect
    request_.settings = {"DEBUG": debug}
    with pytest.raises(RequestRedirect):
        app.raise_routing_exception(request_)
