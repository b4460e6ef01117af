"""Any bytes a client can send either parse or give a 4xx: never another exception.

Property tests (hypothesis) of the body, query, cookie and header parsers, on a
``Request`` directly (fast, many examples) and through an app under each
interface (fewer examples). The same properties drive the atheris fuzz
target, tests/fuzz/fuzz_forms.py, for longer runs.
"""

from __future__ import annotations

import io
import typing as t
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kolben import Kolben, request
from kolben.exceptions import HTTPException
from kolben.testing import KolbenClient, create_environ
from kolben.wrappers import Request

MakeClient = Callable[..., KolbenClient]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "multipart"
BROWSER_BODY = (FIXTURES / "chromium_text_and_files.body").read_bytes()
BROWSER_BOUNDARY = BROWSER_BODY[2 : BROWSER_BODY.index(b"\r\n")].decode()

HEADER_ATTRIBUTES = [
    ("CONTENT_TYPE", ["content_type", "mimetype", "mimetype_params", "is_json"]),
    ("CONTENT_LENGTH", ["content_length"]),
    ("HTTP_ACCEPT", ["accept_mimetypes"]),
    ("HTTP_ACCEPT_LANGUAGE", ["accept_languages"]),
    ("HTTP_ACCEPT_CHARSET", ["accept_charsets"]),
    ("HTTP_ACCEPT_ENCODING", ["accept_encodings"]),
    ("HTTP_AUTHORIZATION", ["authorization"]),
    ("HTTP_CACHE_CONTROL", ["cache_control"]),
    ("HTTP_PRAGMA", ["pragma"]),
    ("HTTP_DATE", ["date"]),
    ("HTTP_IF_MODIFIED_SINCE", ["if_modified_since"]),
    ("HTTP_IF_UNMODIFIED_SINCE", ["if_unmodified_since"]),
    ("HTTP_IF_MATCH", ["if_match"]),
    ("HTTP_IF_NONE_MATCH", ["if_none_match"]),
    ("HTTP_IF_RANGE", ["if_range"]),
    ("HTTP_RANGE", ["range"]),
    ("HTTP_USER_AGENT", ["user_agent"]),
    ("HTTP_REFERER", ["referrer"]),
    ("HTTP_ORIGIN", ["origin"]),
    ("HTTP_X_FORWARDED_FOR", ["access_route"]),
    ("HTTP_HOST", ["host", "url", "host_url"]),
    ("HTTP_COOKIE", ["cookies"]),
]


def latin1(data: bytes) -> str:
    """Bytes as a WSGI server hands them over (PEP 3333: one character per byte)."""
    return data.decode("latin-1")


def settles(action: Callable[[], t.Any]) -> None:
    """Run ``action``: it must succeed or raise a 4xx HTTPException."""
    try:
        action()
    except HTTPException as exc:
        code = exc.code
    else:
        return
    assert code is not None
    assert 400 <= code < 500, code


def body_request(body: bytes, content_type: str, chunked: bool = False) -> Request:
    environ = create_environ(method="POST")
    environ["CONTENT_TYPE"] = content_type
    environ["wsgi.input"] = io.BytesIO(body)
    if chunked:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(len(body))
    return Request(environ)


def read_form(req: Request) -> None:
    try:
        settles(lambda: (req.form, req.files, req.values))
    finally:
        req.close()


# -- on a Request ---------------------------------------------------------------------


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_query_string(data: bytes) -> None:
    environ = create_environ()
    environ["QUERY_STRING"] = latin1(data)
    req = Request(environ)
    settles(lambda: (req.args, req.url, req.full_path))


@settings(max_examples=200)
@given(st.sampled_from(HEADER_ATTRIBUTES), st.binary(max_size=200))
def test_headers(header: tuple[str, list[str]], data: bytes) -> None:
    key, attributes = header
    environ = create_environ()
    environ[key] = latin1(data)
    req = Request(environ)
    for name in attributes:
        settles(lambda name=name: getattr(req, name))


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_cookies(data: bytes) -> None:
    environ = create_environ()
    environ["HTTP_COOKIE"] = latin1(data)
    settles(lambda: Request(environ).cookies)


@settings(max_examples=300)
@given(st.binary(max_size=400), st.booleans())
def test_urlencoded_body(data: bytes, chunked: bool) -> None:
    read_form(body_request(data, "application/x-www-form-urlencoded", chunked))


@settings(max_examples=300)
@given(
    st.binary(max_size=400),
    st.text(alphabet="abAB09'()+_,-./:=? \"\\;\x00\r\n", min_size=0, max_size=80),
    st.booleans(),
)
def test_multipart_body_random_bytes(data: bytes, boundary: str, chunked: bool) -> None:
    content_type = f'multipart/form-data; boundary="{boundary}"'
    read_form(body_request(b"--" + boundary.encode() + b"\r\n" + data, content_type, chunked))


@st.composite
def mutated_browser_body(draw: st.DrawFn) -> bytes:
    """The Chromium body with bytes changed, cut or inserted: almost valid input."""
    body = bytearray(BROWSER_BODY)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if not body:
            break
        at = draw(st.integers(0, len(body) - 1))
        if kind == "flip":
            body[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del body[at : at + draw(st.integers(1, 50))]
        elif kind == "insert":
            body[at:at] = draw(st.sampled_from([b"\r", b"\n", b"\r\n", b"--", b'"', b"\x00", b";"]))
        else:
            del body[at:]
    return bytes(body)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_browser_body(), st.booleans())
def test_multipart_body_mutated_from_a_browser(data: bytes, chunked: bool) -> None:
    content_type = f"multipart/form-data; boundary={BROWSER_BOUNDARY}"
    read_form(body_request(data, content_type, chunked))


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_content_type_of_a_form(data: bytes) -> None:
    read_form(body_request(BROWSER_BODY, latin1(data)))


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_json_body(data: bytes) -> None:
    req = body_request(data, "application/json")
    settles(lambda: req.get_json())
    assert req.get_json(silent=True) is None or req.get_json(silent=True) is not Ellipsis


# -- through an app ---------------------------------------------------------------------


@pytest.fixture
def reading_app(app: Kolben) -> Kolben:
    @app.route("/<path:anything>", methods=["GET", "POST"])
    def everything(anything: str) -> dict[str, t.Any]:
        return {
            "args": len(request.args),
            "form": len(request.form),
            "files": len(request.files),
            "cookies": len(request.cookies),
            "accept": str(request.accept_mimetypes),
            "range": str(request.range),
        }

    return app


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.binary(min_size=1, max_size=60),
    query=st.binary(max_size=60),
    cookie=st.binary(max_size=60),
    body=st.one_of(st.binary(max_size=200), mutated_browser_body()),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            f"multipart/form-data; boundary={BROWSER_BOUNDARY}",
            "multipart/form-data",
            "text/plain",
        ]
    ),
)
def test_app_never_answers_5xx(
    reading_app: Kolben,
    make_client: MakeClient,
    path: bytes,
    query: bytes,
    cookie: bytes,
    body: bytes,
    content_type: str,
) -> None:
    client = make_client(reading_app)
    response = client.post(
        "/",
        data=body,
        content_type=content_type,
        environ_overrides={
            "PATH_INFO": "/x/" + latin1(path).replace("\r", "").replace("\n", ""),
            "QUERY_STRING": latin1(query),
            "HTTP_COOKIE": latin1(cookie).replace("\r", "").replace("\n", ""),
        },
    )
    assert response.status_code < 500, response.data[:200]
    response.close()
