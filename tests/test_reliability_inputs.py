"""Bad inputs and server faults answered 4xx, never 500 (issue 14).

Each case runs under every interface (``make_client``: WSGI and ASGI) and,
where a view reads the request, with a ``def`` and an ``async def`` view.
Cases that only show over a real server (a malformed chunked body under
gunicorn) are in tests/test_servers.py.
"""

from __future__ import annotations

import io
import sys
import typing as t
from collections.abc import Callable

import pytest
from werkzeug.formparser import parse_form_data as werkzeug_parse_form_data

from kolben import Kolben, request
from kolben.formparser import parse_form_data
from kolben.testing import KolbenClient
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
