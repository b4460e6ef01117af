"""Hostile input: matching stays fast and only ever answers with routing errors.

The time bounds are loose (a second for what takes milliseconds): they catch
exponential or quadratic blow-ups, they are not speed targets.
"""

from __future__ import annotations

import time
import typing as t
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kolben.exceptions import MethodNotAllowed, NotFound, WebsocketMismatch
from kolben.routing import BaseConverter, Map, RequestPath, RequestRedirect, Rule


class Slug(BaseConverter):
    regex = "[a-z0-9]+(?:-[a-z0-9]+)*"


def hostile_map() -> Map:
    rules = [
        Rule("/", endpoint="index", methods=["GET"]),
        Rule("/about/", endpoint="about", methods=["GET"]),
        Rule("/n/<int:x>", endpoint="int"),
        Rule("/n/<int(signed=True, min=-5, max=5):x>/s", endpoint="signed"),
        Rule("/f/<float:x>", endpoint="float", methods=["POST"]),
        Rule("/u/<uuid:x>", endpoint="uuid"),
        Rule("/s/<x>", endpoint="string", methods=["GET", "PUT"]),
        Rule("/s/<string(length=3):x>/l", endpoint="len3"),
        Rule("/a/<any(one, two, 'th ree'):x>", endpoint="any"),
        Rule("/m/<a>-<b>.html", endpoint="mixed"),
        Rule("/m/<int:y>-<int:m>-<int:d>", endpoint="date"),
        Rule("/slug/<slug:x>", endpoint="slug"),
        Rule("/p/<path:x>", endpoint="path"),
        Rule("/p2/<path:a>/to/<path:b>/", endpoint="two_paths"),
        Rule("/deep/<a>/<b>/<c>/<d>/<e>", endpoint="deep"),
        Rule("/deep/<int:a>/<int:b>/<int:c>/<int:d>/x", endpoint="deep_int"),
        Rule("/ws", endpoint="ws", websocket=True),
        Rule("/users/page/<int:page>", endpoint="users"),
        Rule("/users/", defaults={"page": 1}, endpoint="users"),
        Rule("/<path:anything>/edit", endpoint="edit", methods=["POST"]),
    ]
    return Map(rules, converters={"slug": Slug})


MAP = hostile_map()
ROUTING_ERRORS = (NotFound, MethodNotAllowed, WebsocketMismatch, RequestRedirect)


def timed(func: t.Callable[[], object]) -> float:
    start = time.perf_counter()
    try:
        func()
    except (*ROUTING_ERRORS, RequestPath):
        pass
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "path",
    [
        "/n/" + "9" * 100_000,  # int(): more digits than Python converts
        "/n/" + "9" * 100_000 + "/s",
        "/f/" + "1" * 100_000,  # float without a dot: backtracking over digits
        "/s/" + "x" * 100_000,
        "/u/" + "a" * 100_000,
        "/slug/" + "a-" * 50_000,
        "/m/" + "a-" * 50_000,  # two variables around a separator
        "/m/" + "a-" * 500 + ".htm",
        "/m/" + "1-" * 50_000,
        "/p/" + "a/" * 50_000,
        "/p2/" + "a/to/" * 20_000,  # two path variables
        "/p2/" + "a/to/" * 200,
        "/" + "a/" * 50_000 + "edit",
        "/" * 10_000,
        "/" * 10_000 + "a",
        "/deep" + "/1" * 10_000,
        "/users/page/" + "1" * 5000,
        "/" + "%" * 100_000,
        "/" + "ü" * 100_000,
    ],
    ids=lambda p: f"{p[:12]}...({len(p)})",
)
def test_pathological_paths_finish_quickly(path: str) -> None:
    assert timed(lambda: MAP.match_fast(path, "GET")) < 1.0
    adapter = MAP.bind("example.com")
    assert timed(lambda: adapter.match(path, "POST")) < 1.0


def test_patterns_with_several_variables_have_a_length_cap() -> None:
    adapter = Map([Rule("/<a>-<b>.html", endpoint="m"), Rule("/<path:p>", endpoint="p")]).bind("h")
    short = "x" * 500 + "-" + "y" * 500 + ".html"
    assert adapter.match("/" + short) == ("m", {"a": "x" * 500, "b": "y" * 500})
    long = "x" * 1000 + "-" + "y" * 1000 + ".html"
    assert adapter.match("/" + long) == ("p", {"p": long})


def test_many_rules_that_backtrack() -> None:
    # Every rule shares the first nine variable segments, differing only at the end:
    # the walk still visits each tree node once.
    names = [f"v{k}" for k in range(9)]
    rules = [
        Rule("".join(f"/<{n}>" for n in names) + f"/end{i}", endpoint=f"e{i}") for i in range(300)
    ]
    rules += [
        Rule("".join(f"/<int:{n}>" for n in names) + f"/int{i}", endpoint=f"i{i}")
        for i in range(300)
    ]
    url_map = Map(rules)
    path = "/1" * 9 + "/nothing"
    assert timed(lambda: url_map.match_fast(path, "GET")) < 1.0
    assert url_map.match_fast("/1" * 9 + "/end299", "GET")[0].endpoint == "e299"


def test_big_maps_compile_and_match() -> None:
    url_map = Map([Rule(f"/r{i}/<int:id>/<name>", endpoint=f"r{i}") for i in range(5000)])
    start = time.perf_counter()
    assert url_map.match_fast("/r4999/1/x", "GET")[1] == {"id": 1, "name": "x"}
    assert time.perf_counter() - start < 5.0


_chars = st.sampled_from(
    [*list("ab1-._~/%?#ü-\x00 "), "one", "two", "users", "page", "p", "n", "m", "s", "/"]
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(_chars, max_size=30).map(lambda parts: "/" + "".join(parts)),
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "BREW", ""]),
    st.booleans(),
)
def test_any_path_matches_or_raises_a_routing_error(
    path: str, method: str, websocket: bool
) -> None:
    redirect: RequestPath | None = None
    try:
        rule, values = MAP.match_fast(path, method, "", websocket)
    except (NotFound, MethodNotAllowed, WebsocketMismatch):
        return
    except RequestPath as exc:
        redirect = exc
    if redirect is not None:
        assert redirect.path.startswith("/")
        return
    assert isinstance(values, dict)
    assert rule.endpoint


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["GET", "POST"]))
def test_any_text_through_the_adapter(path: str, method: str) -> None:
    adapter = MAP.bind("example.com", query_args="a=1")
    new_url = None
    try:
        adapter.match(path, method)
    except RequestRedirect as exc:
        new_url = exc.new_url
    except (NotFound, MethodNotAllowed, WebsocketMismatch):
        pass
    if new_url is not None:
        assert new_url.startswith("http://example.com/")
        assert new_url.endswith("?a=1")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s))
def test_built_urls_match_back(value: str) -> None:
    adapter = MAP.bind("example.com")
    url = adapter.build("string", {"x": value})
    assert adapter.match(unquote(url)) == ("string", {"x": value})
