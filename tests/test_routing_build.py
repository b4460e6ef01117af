"""Building URLs: values, query strings, methods, defaults, hosts, BuildError."""

from __future__ import annotations

import pytest

from kolben.datastructures import MultiDict
from kolben.routing import BuildError, Map, RoutingException, Rule


def test_build_relative_and_external() -> None:
    url_map = Map([Rule("/u/<int:id>", endpoint="user")])
    a = url_map.bind("example.com", "/app")
    assert a.build("user", {"id": 3}) == "/app/u/3"
    assert a.build("user", {"id": 3}, force_external=True) == "http://example.com/app/u/3"
    assert (
        a.build("user", {"id": 3}, url_scheme="https", force_external=True)
        == "https://example.com/app/u/3"
    )
    assert url_map.bind("example.com", "/app/").build("user", {"id": 3}) == "/app/u/3"
    assert url_map.bind("example.com").build("user", {"id": 3}) == "/u/3"


def test_extra_values_become_the_query_string() -> None:
    a = Map([Rule("/u/<int:id>", endpoint="user")]).bind("example.com")
    url = a.build("user", {"id": 1, "tag": ["a", "b"], "skip": None, "q": "ü €", "n": 2})
    assert url == "/u/1?tag=a&tag=b&q=%C3%BC+%E2%82%AC&n=2"
    assert a.build("user", {"id": 1, "x": 1}, append_unknown=False) == "/u/1"
    assert a.build("user", MultiDict([("id", "5"), ("t", "1"), ("t", "2")])) == "/u/5?t=1&t=2"


def test_sorted_query_parameters() -> None:
    url_map = Map([Rule("/", endpoint="i")], sort_parameters=True)
    assert url_map.bind("h").build("i", {"b": 1, "a": 2, "c": 3}) == "/?a=2&b=1&c=3"
    keyed = Map(
        [Rule("/", endpoint="i")], sort_parameters=True, sort_key=lambda item: -ord(item[0])
    )
    assert keyed.bind("h").build("i", {"b": 1, "a": 2, "c": 3}) == "/?c=3&b=1&a=2"


def test_static_text_of_the_rule_is_quoted() -> None:
    a = Map([Rule("/ä/<x>", endpoint="e")]).bind("h")
    assert a.build("e", {"x": "a b/c?d#e%&=+ü"}) == "/%C3%A4/a%20b/c%3Fd%23e%25&=+%C3%BC"


def test_method_selects_the_rule() -> None:
    url_map = Map(
        [
            Rule("/items", endpoint="items", methods=["POST"]),
            Rule("/items/list", endpoint="items", methods=["GET"]),
        ]
    )
    a = url_map.bind("h")
    assert a.build("items") == "/items/list"  # the default method GET first
    assert a.build("items", method="POST") == "/items"
    assert a.build("items", method="GET") == "/items/list"
    assert url_map.bind("h", default_method="POST").build("items") == "/items"
    with pytest.raises(BuildError, match=r"Did you mean to use methods \['GET', 'HEAD'\]"):
        Map([Rule("/x", endpoint="x", methods=["GET"])]).bind("h").build("x", method="POST")


def test_defaults_pick_the_shorter_rule() -> None:
    url_map = Map(
        [
            Rule("/users/page/<int:page>", endpoint="users"),
            Rule("/users/", defaults={"page": 1}, endpoint="users"),
        ]
    )
    a = url_map.bind("h")
    assert a.build("users", {"page": 1}) == "/users/"
    assert a.build("users") == "/users/"
    assert a.build("users", {"page": 2}) == "/users/page/2"
    assert a.build("users", {"page": 2, "q": "x"}) == "/users/page/2?q=x"


def test_defaults_fill_url_variables() -> None:
    a = Map([Rule("/p/<int:page>", defaults={"page": 1}, endpoint="p")]).bind("h")
    assert a.build("p") == "/p/1"
    assert a.build("p", {"page": 1}) == "/p/1"


def test_alias_rules_are_built_last() -> None:
    url_map = Map([Rule("/old", endpoint="x", alias=True), Rule("/new", endpoint="x")])
    assert url_map.bind("h").build("x") == "/new"


def test_none_values_count_as_missing() -> None:
    a = Map([Rule("/u/<id>", endpoint="u"), Rule("/u", endpoint="u")]).bind("h")
    assert a.build("u", {"id": None}) == "/u"
    assert a.build("u", {"id": "7"}) == "/u/7"


def test_subdomain_and_host_building() -> None:
    url_map = Map(
        [
            Rule("/", subdomain="<user>", endpoint="user"),
            Rule("/s", subdomain="static", endpoint="static"),
            Rule("/", endpoint="root"),
        ]
    )
    a = url_map.bind("example.com")
    assert a.build("user", {"user": "bob"}) == "http://bob.example.com/"
    assert a.build("static") == "http://static.example.com/s"
    assert url_map.bind("example.com", subdomain="static").build("static") == "/s"
    assert url_map.bind("example.com", subdomain="x").build("root") == "http://example.com/"
    hosts = Map(
        [Rule("/", host="<sub>.x.com", endpoint="sub"), Rule("/", host="x.com", endpoint="root")],
        host_matching=True,
    )
    assert hosts.bind("x.com").build("sub", {"sub": "q"}) == "http://q.x.com/"
    assert hosts.bind("x.com").build("root") == "/"
    assert hosts.bind("a.x.com").build("root") == "http://x.com/"


def test_websocket_rules_build_ws_urls() -> None:
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True), Rule("/h", endpoint="h")])
    assert url_map.bind("example.com").build("ws") == "ws://example.com/ws"
    assert url_map.bind("example.com", url_scheme="https").build("ws") == "wss://example.com/ws"
    assert url_map.bind("example.com", url_scheme="ws").build("h") == "/h"


def test_build_fast_returns_the_parts() -> None:
    url_map = Map([Rule("/users/<int:user_id>/posts/<slug>", endpoint="post", subdomain="blog")])
    values = {"user_id": 7, "slug": "hé llo", "page": 2}
    assert url_map.build_fast("post", values) == (
        "blog",
        "/users/7/posts/h%C3%A9%20llo?page=2",
        False,
    )
    assert values == {"user_id": 7, "slug": "hé llo", "page": 2}


# -- BuildError -------------------------------------------------------------------


def test_build_error_is_a_lookup_error_with_hints() -> None:
    url_map = Map([Rule("/u/<int:id>", endpoint="user"), Rule("/posts", endpoint="posts")])
    a = url_map.bind("h")
    with pytest.raises(BuildError) as info:
        a.build("usre")
    error = info.value
    assert isinstance(error, LookupError)
    assert isinstance(error, RoutingException)
    assert (error.endpoint, error.values, error.method) == ("usre", {}, None)
    assert str(error) == "Could not build url for endpoint 'usre'. Did you mean 'user' instead?"
    with pytest.raises(BuildError) as info:
        a.build("user", {"x": 1})
    assert str(info.value) == (
        "Could not build url for endpoint 'user' with values ['x']."
        " Did you forget to specify values ['id']?"
    )
    with pytest.raises(BuildError) as info:
        url_map.build_fast("nothing-like-it")
    assert str(info.value) == "Could not build url for endpoint 'nothing-like-it'."
    assert info.value.suggested is None


def test_build_error_from_the_adapter_carries_it() -> None:
    url_map = Map([Rule("/u/<int:id>", endpoint="user")])
    a = url_map.bind("h")
    with pytest.raises(BuildError) as info:
        a.build("user")
    assert info.value.adapter is a
    assert info.value.suggested is url_map._rules[0]
