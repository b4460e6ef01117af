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
