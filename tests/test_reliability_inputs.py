"""Bad inputs and server faults answered 4xx, never 500 (issue 14).

Each case runs under every interface (``make_client``: WSGI and ASGI) and,
where a view reads the request, with a ``def`` and an ``async def`` view.
Cases that only show over a real server (a malformed chunked body under
gunicorn) are in tests/test_servers.py.
"""

from __future__ import annotations

import io
import os
import sys
import typing as t
from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.formparser import parse_form_data as werkzeug_parse_form_data

from kolben import Kolben, Response, got_request_exception, redirect, request, send_file
from kolben.datastructures import Headers
from kolben.exceptions import HTTPException
from kolben.formparser import parse_form_data
from kolben.testing import KolbenClient, create_environ
from kolben.wsgi import LimitedStream, get_content_length

MakeClient = Callable[..., KolbenClient]

URLENCODED = "application/x-www-form-urlencoded"

#: What each route reads from the request.
READERS: dict[str, Callable[[], t.Any]] = {
    "content_length": lambda: request.content_length,
    "get_data": lambda: len(request.get_data()),
    "form": lambda: request.form.to_dict(),
    "get_json": lambda: request.get_json(),
}


@pytest.fixture(params=["sync", "async"])
def reader_app(app: Kolben, request: pytest.FixtureRequest) -> Kolben:
    """One route per reader in :data:`READERS`, as ``def`` or ``async def`` views."""
    for name, read in READERS.items():
        if request.param == "sync":

            def view(read: Callable[[], t.Any] = read) -> dict[str, t.Any]:
                return {"value": read()}

        else:

            async def view(read: Callable[[], t.Any] = read) -> dict[str, t.Any]:  # type: ignore[misc]
                return {"value": read()}

        app.add_url_rule(f"/{name}", name, view, methods=["POST"])
    return app


def post_with_length(client: KolbenClient, path: str, length: str, body: bytes) -> t.Any:
    content_type = "application/json" if path == "/get_json" else URLENCODED
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        environ_overrides={"CONTENT_LENGTH": length},
    )


# -- case 1 and 2: a Content-Length no body can have ----------------------------------


@pytest.mark.parametrize(
    "length",
    ["1" * 4301, "9" * 10_000, "100000000000000000000", str(sys.maxsize + 1)],
    ids=["4301-digits", "10000-digits", "1e20", "maxsize+1"],
)
@pytest.mark.parametrize("reader", sorted(READERS))
def test_content_length_too_large_for_any_body_is_400(
    reader_app: Kolben, make_client: MakeClient, reader: str, length: str
) -> None:
    # RFC 9110 section 8.6 / RFC 9112 section 6.3; without MAX_CONTENT_LENGTH.
    response = post_with_length(make_client(reader_app), f"/{reader}", length, b"{}")
    assert response.status_code == 400


@pytest.mark.parametrize("reader", sorted(READERS))
def test_content_length_too_large_is_400_with_max_content_length(
    reader_app: Kolben, make_client: MakeClient, reader: str
) -> None:
    reader_app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post_with_length(make_client(reader_app), f"/{reader}", "1" * 5000, b"{}")
    assert response.status_code == 400


@pytest.mark.parametrize("reader", sorted(READERS))
def test_largest_possible_content_length_is_not_refused_up_front(
    reader_app: Kolben, make_client: MakeClient, reader: str
) -> None:
    # sys.maxsize itself (with leading zeros, which the grammar allows) is a
    # length; the body then ends early, a disconnect: 400 too, but
    # content_length reads it.
    client = make_client(reader_app)
    length = "000" + str(sys.maxsize)
    if reader == "content_length":
        response = post_with_length(client, "/content_length", length, b"")
        assert response.json == {"value": sys.maxsize}
    else:
        response = post_with_length(client, f"/{reader}", length, b"{}")
        assert response.status_code in (400, 413)


@pytest.mark.parametrize("reader", ["get_data", "get_json"])
def test_huge_declared_length_with_a_short_body_is_400_not_memory_error(
    reader_app: Kolben, make_client: MakeClient, reader: str
) -> None:
    # wsgiref's input is a BufferedReader, whose read(n) allocates n bytes
    # first: asking it for the declared 2**62 bytes at once was a 500.
    body = io.BufferedReader(io.BytesIO(b"{}"))  # type: ignore[arg-type]
    response = make_client(reader_app).post(
        f"/{reader}",
        input_stream=body,
        content_type="application/json",
        environ_overrides={"CONTENT_LENGTH": str(2**62)},
    )
    assert response.status_code == 400


def test_content_length_helpers_outside_a_request() -> None:
    environ = {"CONTENT_LENGTH": "1" * 5000, "wsgi.input": io.BytesIO(b"a=b")}
    for call in (
        lambda: get_content_length(environ),
        lambda: parse_form_data({**environ, "CONTENT_TYPE": URLENCODED}),
        lambda: LimitedStream(io.BytesIO(), 10**20),
    ):
        with pytest.raises(Exception) as info:
            call()
        assert getattr(info.value, "code", None) == 400
    assert get_content_length({"CONTENT_LENGTH": "0012"}) == 12
    assert get_content_length({"CONTENT_LENGTH": "1e3"}) is None


# -- case 8: a text part's own charset ------------------------------------------------

BOUNDARY = "ReliabilityBoundary8x"


def text_part(name: str, data: bytes, content_type: str | None) -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n'
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + data + b"\r\n"


#: id -> (part Content-Type, body bytes, value expected in request.form)
PART_CHARSETS: dict[str, tuple[str | None, bytes, str]] = {
    "latin-1": ("text/plain; charset=iso-8859-1", "café".encode("latin-1"), "café"),
    "latin-1-upper-quoted": ('text/plain; charset="ISO-8859-1"', b"caf\xe9", "café"),
    "utf-8": ("text/plain; charset=utf-8", "café".encode(), "café"),
    "us-ascii": ("text/plain; charset=us-ascii", b"caf\xe9", "caf\ufffd"),
    "ascii": ("text/plain; charset=ascii", b"cafe", "cafe"),
    "none": (None, "café".encode(), "café"),
    "no-charset": ("text/plain", b"caf\xe9", "caf\ufffd"),
    # Not honoured (Werkzeug's list is closed): read as UTF-8, never a 500.
    "unknown": ("text/plain; charset=x-no-such-codec", b"caf\xe9", "caf\ufffd"),
    "windows-1252": ("text/plain; charset=windows-1252", b"caf\xe9", "caf\ufffd"),
    "not-a-text-codec": ("text/plain; charset=base64", b"Y2Fm", "Y2Fm"),
    "rot13": ("text/plain; charset=rot13", b"cafe", "cafe"),
    "empty": ("text/plain; charset=", b"caf\xe9", "caf\ufffd"),
}


def add_form_view(app: Kolben, kind: str) -> None:
    if kind == "sync":

        @app.post("/form")
        def show() -> dict[str, t.Any]:
            return {"form": request.form.to_dict(flat=False)}

    else:

        @app.post("/form")
        async def show() -> dict[str, t.Any]:
            return {"form": request.form.to_dict(flat=False)}


@pytest.fixture(params=["sync", "async"])
def form_app(app: Kolben, request: pytest.FixtureRequest) -> Kolben:
    add_form_view(app, request.param)
    return app


def multipart_body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize("case", sorted(PART_CHARSETS))
def test_text_part_charset_is_honoured_as_in_werkzeug(
    form_app: Kolben, make_client: MakeClient, case: str
) -> None:
    content_type, data, expected = PART_CHARSETS[case]
    body = multipart_body(text_part("field", data, content_type))
    response = make_client(form_app).post(
        "/form", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 200
    assert response.json == {"form": {"field": [expected]}}
    # The oracle: Werkzeug 3.1 decodes the same body the same way.
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    assert werkzeug_parse_form_data(environ)[1].to_dict(flat=False) == {"field": [expected]}


def test_charset_field_is_an_ordinary_field(form_app: Kolben, make_client: MakeClient) -> None:
    # RFC 7578 section 4.6's _charset_ is not applied (nor by Werkzeug): the
    # other fields stay UTF-8, and _charset_ arrives as a field.
    body = multipart_body(
        text_part("_charset_", b"iso-8859-1", None),
        text_part("field", "café".encode(), None),
        text_part("latin", b"caf\xe9", "text/plain; charset=iso-8859-1"),
    )
    response = make_client(form_app).post(
        "/form", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.json == {
        "form": {"_charset_": ["iso-8859-1"], "field": ["café"], "latin": ["café"]}
    }


# -- case 5: header values a server cannot send ----------------------------------------

NOT_LATIN_1 = {"line-separator": "a\u2028b", "c-caron": "\u010dokolada", "emoji": "ok \U0001f600"}


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(NOT_LATIN_1))
def test_header_value_outside_latin_1_is_refused_when_set(
    app: Kolben, make_client: MakeClient, kind: str, case: str
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    errors: list[BaseException] = []

    def record(sender: Kolben, exception: BaseException, **extra: t.Any) -> None:
        errors.append(exception)

    got_request_exception.connect(record, app)

    def set_header() -> Response:
        response = Response("body")
        response.headers["X-Note"] = NOT_LATIN_1[case]
        return response

    if kind == "sync":
        app.add_url_rule("/", "index", set_header)
    else:

        async def set_header_async() -> Response:
            return set_header()

        app.add_url_rule("/", "index", set_header_async)
    # The app's own 500 page, never an exception escaping app or app.asgi.
    try:
        response = make_client(app).get("/")
    finally:
        got_request_exception.disconnect(record, app)
    assert response.status_code == 500
    assert len(errors) == 1
    assert isinstance(errors[0], ValueError)
    message = str(errors[0])
    assert "'X-Note'" in message
    assert "Latin-1" in message
    assert "Percent-encode" in message


@pytest.mark.parametrize(
    "setter",
    [
        lambda h, v: h.__setitem__("X-Note", v),
        lambda h, v: h.set("X-Note", v),
        lambda h, v: h.add("X-Note", v),
        lambda h, v: h.setlist("X-Note", ["ok", v]),
        lambda h, v: h.setdefault("X-Note", v),
        lambda h, v: h.extend({"X-Note": v}),
        lambda h, v: h.update({"X-Note": v}),
        lambda h, v: h.__setitem__(0, ("X-Note", v)),
        lambda h, v: Headers([("X-Note", v)]),
        lambda h, v: h.add(f"X-{v}", "value"),
    ],
    ids=["setitem", "set", "add", "setlist", "setdefault", "extend", "update", "index",
         "constructor", "name"],
)  # fmt: skip
def test_every_way_into_headers_refuses_non_latin_1(
    setter: Callable[[Headers, str], t.Any],
) -> None:
    headers = Headers([("X-First", "1")])
    for value in NOT_LATIN_1.values():
        with pytest.raises(ValueError, match=r"Latin-1|ASCII tokens"):
            setter(headers, value)
    assert headers.to_wsgi_list() == [("X-First", "1")]


def test_latin_1_and_location_iris_are_still_accepted(
    app: Kolben, make_client: MakeClient
) -> None:
    @app.route("/")
    def index() -> Response:
        response = redirect("/caf\u00e9/\u010d")  # an IRI: sent as a URI
        response.headers["X-Latin-1"] = "caf\u00e9"  # obs-text: a server sends it
        return response

    response = make_client(app).get("/")
    assert response.headers["Location"] == "/caf%C3%A9/%C4%8D"
    assert response.headers["X-Latin-1"] == "caf\u00e9"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_send_file_with_a_non_latin_1_name_uses_filename_star(
    app: Kolben, make_client: MakeClient, kind: str
) -> None:
    def download() -> Response:
        return send_file(io.BytesIO(b"data"), download_name="\u010dokol\u00e1da\u2028.txt")

    if kind == "sync":
        app.add_url_rule("/", "download", download)
    else:

        async def download_async() -> Response:
            return download()

        app.add_url_rule("/", "download", download_async)
    response = make_client(app).get("/")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.isascii()
    assert "filename*=UTF-8''%C4%8Dokol%C3%A1da%E2%80%A8.txt" in disposition


class StrictServer:
    """A WSGI server's ``start_response`` as strict as gunicorn's: it refuses
    a header name that is not an RFC 9110 token (after storing the status),
    and a second call without ``exc_info``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, t.Any]] = []
        self.status: str | None = None

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> Callable[[bytes], None]:
        self.calls.append((status, exc_info))
        if self.status is not None and exc_info is None:
            raise AssertionError("Response headers already set!")
        self.status = status
        for name, _value in headers:
            if not name.replace("-", "").isalnum():
                raise ValueError(f"invalid header name {name!r}")
        return lambda data: None


@pytest.mark.parametrize("hooks", [False, True], ids=["fast-pipeline", "general-pipeline"])
@pytest.mark.parametrize("result", ["tuple", "response"])
def test_start_response_is_never_called_twice_without_exc_info(
    app: Kolben, hooks: bool, result: str
) -> None:
    # When the server refuses the headers, its error reaches the server
    # (which answers it), on both pipelines: a second call, even with
    # exc_info, makes gunicorn send the headers of both (two Content-Lengths;
    # tests/test_servers.py checks that over gunicorn).
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if hooks:
        app.after_request(lambda response: response)

    @app.route("/")
    def index() -> t.Any:
        if result == "tuple":
            return "ok", {"X(Refused)": "1"}
        response = Response("ok")
        response.headers["X(Refused)"] = "1"
        return response

    app.add_url_rule("/ok", "ok", lambda: "fine")
    server = StrictServer()
    with pytest.raises(ValueError, match="invalid header name"):
        app(create_environ("/"), server.start_response)
    assert server.calls == [("200 OK", None)]
    # The app still answers the next request.
    server = StrictServer()
    assert b"".join(app(create_environ("/ok"), server.start_response)) == b"fine"


def test_first_start_response_of_an_error_page_has_no_exc_info(app: Kolben) -> None:
    # A view's error is answered with one call and no exc_info: test clients
    # re-raise an exc_info, and the server has nothing to replace.
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> str:
        raise RuntimeError("boom")

    server = StrictServer()
    list(app(create_environ("/"), server.start_response))
    assert server.calls == [("500 INTERNAL SERVER ERROR", None)]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_x_sendfile_of_a_non_latin_1_path_sends_its_bytes(
    app: Kolben, make_client: MakeClient, kind: str, tmp_path: t.Any
) -> None:
    # Kolben's own headers never hold what a server cannot send.
    path = tmp_path / "\u010dokol\u00e1da.txt"
    path.write_bytes(b"data")
    app.config["USE_X_SENDFILE"] = True

    def download() -> Response:
        return send_file(path)

    if kind == "sync":
        app.add_url_rule("/", "download", download)
    else:

        async def download_async() -> Response:
            return download()

        app.add_url_rule("/", "download", download_async)
    response = make_client(app).get("/")
    assert response.status_code == 200
    assert response.headers["X-Sendfile"].encode("latin-1") == os.fsencode(path)


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789", min_size=15, max_size=25),
        st.from_regex(r"[ \t]*0*[0-9]{1,5000}[ \t]*", fullmatch=True),
    )
)
@example("1" * 5000)
@example("0" * 5000 + "7")
@example(str(sys.maxsize))
@example(str(sys.maxsize + 1))
def test_content_length_parses_or_is_a_400(value: str) -> None:
    # Any header text: absent (None), a length no larger than sys.maxsize,
    # or a 400, never another exception (RFC 9110 section 8.6).
    environ = {"CONTENT_LENGTH": value}
    digits = value.strip(" \t")
    significant, largest = digits.lstrip("0"), str(sys.maxsize)
    # Compared as text: int() itself refuses more than 4,300 digits.
    too_large = len(significant) > len(largest) or (
        len(significant) == len(largest) and significant > largest
    )
    if digits.isascii() and digits.isdigit() and too_large:
        with pytest.raises(HTTPException) as info:
            get_content_length(environ)
        assert info.value.code == 400
        return
    length = get_content_length(environ)
    if length is not None:
        assert 0 <= length <= sys.maxsize
        assert str(length) == (value.strip(" \t").lstrip("0") or "0")
