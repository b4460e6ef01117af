"""Any scope a server can send gets an answer; any rule set routes without surprises.

Hypothesis properties of the ASGI HTTP entry (``app.asgi``) and of the
router (``Map.bind(...).match`` and ``build``), with bounded examples so the
suite stays fast. The properties live in tests/fuzz/asgi_harness.py and
tests/fuzz/router_harness.py, which the atheris targets
(``python3 dev.py fuzz asgi|router``) drive for longer runs.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import asgi_harness, router_harness
from fuzz.router_harness import RuleSpec
from kolben import Kolben
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
# Header bytes a server may hand over: no CR, LF or NUL.
_VALUE_BYTES = st.binary(max_size=48).map(
    lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")
)
_TOKEN = st.text(
    "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~", min_size=1, max_size=12
).map(str.encode)
_HEADERS = st.lists(
    st.tuples(
        st.sampled_from(asgi_harness.HEADER_NAMES) | _TOKEN,
        st.sampled_from(asgi_harness.HEADER_VALUES) | _VALUE_BYTES,
    ),
    max_size=6,
)
_PATHS = st.sampled_from(asgi_harness.PATHS) | st.builds(
    lambda base, extra: base + extra, st.sampled_from(asgi_harness.PATHS), _TEXT
) | _TEXT.map(lambda text: "/" + text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "get", "X"]),
    path=_PATHS,
    raw_path=st.none() | st.binary(max_size=32),
    query=st.binary(max_size=48),
    headers=_HEADERS,
    chunks=st.lists(st.binary(max_size=96), max_size=3),
    disconnect=st.booleans(),
)
def test_asgi_entry_answers_any_scope(
    method: str,
    path: str,
    raw_path: bytes | None,
    query: bytes,
    headers: list[tuple[bytes, bytes]],
    chunks: list[bytes],
    disconnect: bool,
) -> None:
    status = asgi_harness.exercise(
        method, path, raw_path, query, headers, chunks, disconnect=disconnect
    )
    assert status < 500 or path == asgi_harness.FAIL_PATH


def test_asgi_harness_sees_a_5xx() -> None:
    # The property can fail: the deliberately failing view answers 500, and
    # only that path is exempt.
    assert asgi_harness.exercise("GET", asgi_harness.FAIL_PATH, None, b"", [], []) == 500
    assert asgi_harness.exercise("GET", "/json", None, b"", [], [b"{"]) == 400


_VALUES = (
    st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["a", "b", "c d", "x", "a/b", "", "é", "%2F", "..", "1.5"])
    | st.none()
    | _TEXT
)
_SEGMENTS = (
    st.sampled_from(router_harness.STATICS)
    | st.text(max_size=6)
    | st.tuples(st.sampled_from(router_harness.CONVERTERS), st.sampled_from(router_harness.NAMES))
)
_RULES = st.builds(
    RuleSpec,
    segments=st.lists(_SEGMENTS, max_size=4).map(tuple),
    trailing_slash=st.booleans(),
    methods=st.none()
    | st.lists(st.sampled_from(router_harness.METHODS), min_size=1, max_size=3).map(tuple),
    strict_slashes=st.sampled_from([None, True, False]),
    websocket=st.booleans(),
    defaults=st.lists(
        st.tuples(st.sampled_from(router_harness.NAMES), _VALUES), max_size=1
    ).map(tuple),
    alias=st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(_RULES, min_size=1, max_size=5),
    strict_slashes=st.booleans(),
    merge_slashes=st.booleans(),
    host=st.sampled_from(router_harness.HOSTS) | st.text(max_size=12),
    path=_TEXT,
    method=st.sampled_from(router_harness.METHODS),
    websocket=st.booleans(),
    query=st.text(max_size=12),
    builds=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.dictionaries(st.sampled_from(router_harness.NAMES), _VALUES, max_size=3),
            st.none() | st.sampled_from(router_harness.METHODS),
        ),
        max_size=3,
    ),
)
def test_router_raises_only_routing_exceptions(
    specs: list[RuleSpec],
    strict_slashes: bool,
    merge_slashes: bool,
    host: str,
    path: str,
    method: str,
    websocket: bool,
    query: str,
    builds: list[tuple[int, dict[str, t.Any], str | None]],
) -> None:
    router_harness.exercise(
        specs,
        strict_slashes=strict_slashes,
        merge_slashes=merge_slashes,
        host=host,
        path=path,
        method=method,
        websocket=websocket,
        query=query,
        builds=builds,
    )


# -- what the router fuzzer found ----------------------------------------------------------


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
def test_alias_whose_canonical_rule_cannot_take_the_value(
    app: Kolben, make_client: MakeClient, is_async: bool
) -> None:
    # The alias /<path:x> matches "abc"; its endpoint's canonical rule
    # /<float:x> cannot build it, so there is no redirect target: the alias
    # serves the request (this was a 500: float("abc") escaped the router).
    if is_async:

        async def view(x: t.Any) -> str:
            return f"x={x!r}"

    else:

        def view(x: t.Any) -> str:
            return f"x={x!r}"

    app.add_url_rule("/<float:x>", "number", view)
    app.add_url_rule("/<path:x>", "number", view, alias=True)
    client = make_client(app)
    response = client.get("/abc")
    assert response.status_code == 200
    assert response.text == "x='abc'"
    assert client.get("/1.5").text == "x=1.5"


def test_alias_with_a_default_the_canonical_rule_cannot_format(
    app: Kolben, make_client: MakeClient
) -> None:
    # The alias /page/ gives n the default "first", which the canonical
    # rule's int converter cannot format: no redirect, the alias serves it.
    def page(n: t.Any) -> str:
        return f"n={n!r}"

    app.add_url_rule("/page/<int:n>", "page", page)
    app.add_url_rule("/page/", "page", page, defaults={"n": "first"}, alias=True)
    client = make_client(app)
    assert client.get("/page/").text == "n='first'"
    assert client.get("/page/3").text == "n=3"


# -- what the ASGI fuzzer found --------------------------------------------------------------


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
@pytest.mark.parametrize("path", ["/a", "/a//"])
@pytest.mark.parametrize("host", ["application/json", "x@y", "[::1]evil.example"])
def test_redirect_with_a_malformed_host_is_a_400(
    app: Kolben, make_client: MakeClient, is_async: bool, path: str, host: str
) -> None:
    # The missing slash (or doubled one) is a redirect, whose URL is built
    # from the Host: a malformed one gives the 400 request.host raises, not
    # a 500 (the error escaped while the request context was pushed).
    if is_async:

        async def view() -> str:
            return "a"

    else:

        def view() -> str:
            return "a"

    app.add_url_rule("/a/", "a", view)
    client = make_client(app)
    assert client.get(path, headers={"Host": host}).status_code == 400
    assert client.get(path, headers={"Host": "example.test"}).status_code == 308
