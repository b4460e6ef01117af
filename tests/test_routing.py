"""Matching: order, slashes, redirects, methods, hosts, WebSockets, match_fast."""

from __future__ import annotations

import typing as t

import pytest

from kolben.exceptions import HTTPException, MethodNotAllowed, NotFound, WebsocketMismatch
from kolben.routing import (
    Map,
    MapAdapter,
    RequestPath,
    RequestRedirect,
    RoutingException,
    Rule,
)


def match(
    url_map: Map, path: str, method: str = "GET", **kw: t.Any
) -> tuple[t.Any, dict[str, t.Any]]:
    return url_map.bind("example.com").match(path, method, **kw)


def redirect_of(url_map: Map, path: str, method: str = "GET", **kw: t.Any) -> str:
    with pytest.raises(RequestRedirect) as info:
        match(url_map, path, method, **kw)
    return info.value.new_url


# -- order -----------------------------------------------------------------------


@pytest.mark.parametrize("static_first", [True, False])
def test_static_segment_beats_variable_whatever_the_order(static_first: bool) -> None:
    rules = [Rule("/users/new", endpoint="new"), Rule("/users/<name>", endpoint="user")]
    url_map = Map(rules if static_first else rules[::-1])
    assert match(url_map, "/users/new") == ("new", {})
    assert match(url_map, "/users/bob") == ("user", {"name": "bob"})


def test_registration_order_breaks_ties() -> None:
    url_map = Map([Rule("/<a>", endpoint="first"), Rule("/<b>", endpoint="second")])
    assert match(url_map, "/x") == ("first", {"a": "x"})


def test_search_backs_up_when_a_branch_leads_nowhere() -> None:
    url_map = Map([Rule("/<int:id>/edit", endpoint="edit"), Rule("/<name>/show", endpoint="show")])
    assert match(url_map, "/5/edit") == ("edit", {"id": 5})
    assert match(url_map, "/5/show") == ("show", {"name": "5"})


def test_static_prefix_then_variable_rest() -> None:
    url_map = Map([Rule("/<a>/b", endpoint="ab"), Rule("/a/<b>", endpoint="a_b")])
    assert match(url_map, "/a/b") == ("a_b", {"b": "b"})
    assert match(url_map, "/x/b") == ("ab", {"a": "x"})


def test_more_literal_text_in_a_segment_goes_first() -> None:
    url_map = Map(
        [
            Rule("/<a>", endpoint="plain"),
            Rule("/<a>-y", endpoint="suffix"),
            Rule("/x-<a>", endpoint="prefix"),
        ]
    )
    assert match(url_map, "/x-y") == ("suffix", {"a": "x"})
    assert match(url_map, "/q-y") == ("suffix", {"a": "q"})
    assert match(url_map, "/x-z") == ("prefix", {"a": "z"})
    assert match(url_map, "/z") == ("plain", {"a": "z"})


def test_a_later_method_specific_rule_can_still_win() -> None:
    url_map = Map(
        [Rule("/a", endpoint="get", methods=["GET"]), Rule("/<x>", endpoint="put", methods=["PUT"])]
    )
    assert match(url_map, "/a", "PUT") == ("put", {"x": "a"})


def test_rules_sharing_a_path_pick_by_method_in_order() -> None:
    url_map = Map(
        [
            Rule("/a", endpoint="get", methods=["GET"]),
            Rule("/a", endpoint="any"),
            Rule("/a", endpoint="never", methods=["GET"]),
        ]
    )
    assert match(url_map, "/a") == ("get", {})
    assert match(url_map, "/a", "PATCH") == ("any", {})


def test_build_only_rules_never_match() -> None:
    url_map = Map([Rule("/hidden", endpoint="h", build_only=True)])
    with pytest.raises(NotFound):
        match(url_map, "/hidden")
    assert url_map.bind("example.com").build("h") == "/hidden"


# -- trailing slashes -------------------------------------------------------------


def test_missing_trailing_slash_redirects_and_keeps_the_query() -> None:
    url_map = Map([Rule("/x/", endpoint="x")])
    assert redirect_of(url_map, "/x", query_args="a=1&b=%20") == "http://example.com/x/?a=1&b=%20"
    assert redirect_of(url_map, "/x", query_args={"q": "ü"}) == "http://example.com/x/?q=%C3%BC"
    assert redirect_of(url_map, "/x") == "http://example.com/x/"
    assert match(url_map, "/x/") == ("x", {})


def test_redirect_is_a_308_with_location_and_an_escaped_body() -> None:
    url_map = Map([Rule("/x/", endpoint="x")])
    adapter = url_map.bind("example.com", "/app", query_args="a=<b>")
    with pytest.raises(RequestRedirect) as info:
        adapter.match("/x")
    exc = info.value
    assert isinstance(exc, RoutingException)
    assert isinstance(exc, HTTPException)
    assert exc.code == 308
    assert exc.new_url == "http://example.com/app/x/?a=<b>"
    assert ("Location", exc.new_url) in exc.get_headers()
    body = exc.get_body()
    assert "308 Permanent Redirect" in body
    assert "a=&lt;b&gt;" in body
    assert "<b>" not in body.replace("<h1>", "")


def test_extra_trailing_slash_is_not_found() -> None:
    url_map = Map([Rule("/x", endpoint="x")])
    with pytest.raises(NotFound):
        match(url_map, "/x/")


def test_non_strict_rules_accept_both_forms() -> None:
    url_map = Map(
        [
            Rule("/x/", endpoint="x", strict_slashes=False),
            Rule("/y", endpoint="y", strict_slashes=False),
            Rule("/n/<int:id>", endpoint="n", strict_slashes=False),
        ]
    )
    for path, expected in [
        ("/x", ("x", {})),
        ("/x/", ("x", {})),
        ("/y", ("y", {})),
        ("/y/", ("y", {})),
        ("/n/3/", ("n", {"id": 3})),
    ]:
        assert match(url_map, path) == expected


def test_map_wide_strict_slashes_off() -> None:
    url_map = Map([Rule("/x/", endpoint="x")], strict_slashes=False)
    assert match(url_map, "/x") == ("x", {})


def test_slash_redirect_only_for_a_rule_accepting_the_method() -> None:
    url_map = Map([Rule("/x/", endpoint="x", methods=["POST"])])
    with pytest.raises(NotFound):
        match(url_map, "/x", "GET")
    assert redirect_of(url_map, "/x", "POST") == "http://example.com/x/"


def test_trailing_slash_with_a_path_converter() -> None:
    url_map = Map([Rule("/g/<path:p>/", endpoint="g")])
    assert match(url_map, "/g/a/b/") == ("g", {"p": "a/b"})
    assert redirect_of(url_map, "/g/a/b") == "http://example.com/g/a/b/"


def test_empty_path_redirects_to_root() -> None:
    url_map = Map([Rule("/", endpoint="root")])
    assert redirect_of(url_map, "") == "http://example.com/"
    assert match(url_map, "/") == ("root", {})


def test_redirect_path_is_percent_encoded() -> None:
    url_map = Map([Rule("/café/", endpoint="c")])
    assert redirect_of(url_map, "/café") == "http://example.com/caf%C3%A9/"


# -- merge_slashes -----------------------------------------------------------------


def test_double_slashes_redirect_to_the_merged_path() -> None:
    url_map = Map([Rule("/a/b", endpoint="ab"), Rule("/h/<x>/<y>", endpoint="h")])
    assert redirect_of(url_map, "/a//b") == "http://example.com/a/b"
    assert redirect_of(url_map, "/a///b", query_args="q=1") == "http://example.com/a/b?q=1"
    assert redirect_of(url_map, "/h/x//y") == "http://example.com/h/x/y"


def test_leading_slashes_are_dropped_by_the_adapter() -> None:
    url_map = Map([Rule("/a/b", endpoint="ab")])
    assert match(url_map, "//a/b") == ("ab", {})


def test_rule_with_merge_slashes_off_matches_its_double_slash() -> None:
    url_map = Map([Rule("/a//b", endpoint="ab", merge_slashes=False)])
    assert match(url_map, "/a//b") == ("ab", {})
    with pytest.raises(NotFound):
        match(url_map, "/a/b")


def test_rule_with_double_slash_is_merged_by_default() -> None:
    url_map = Map([Rule("/a//b", endpoint="ab")])
    assert match(url_map, "/a/b") == ("ab", {})
    assert url_map.bind("example.com").build("ab") == "/a/b"


def test_map_wide_merge_slashes_off() -> None:
    url_map = Map([Rule("/a/b", endpoint="ab")], merge_slashes=False)
    with pytest.raises(NotFound):
        match(url_map, "/a//b")


def test_path_converter_keeps_inner_double_slashes() -> None:
    url_map = Map([Rule("/f/<path:p>", endpoint="f")])
    assert match(url_map, "/f/a//b") == ("f", {"p": "a//b"})


# -- defaults, aliases, redirect_to -----------------------------------------------


def users_map(**kw: t.Any) -> Map:
    # Flask registers stacked decorators bottom-up: the page route comes first.
    return Map(
        [
            Rule("/users/page/<int:page>", endpoint="users"),
            Rule("/users/", defaults={"page": 1}, endpoint="users"),
        ],
        **kw,
    )


def test_value_equal_to_a_default_redirects_to_the_short_rule() -> None:
    url_map = users_map()
    assert (
        redirect_of(url_map, "/users/page/1", query_args="x=1") == "http://example.com/users/?x=1"
    )
    assert match(url_map, "/users/page/2") == ("users", {"page": 2})
    assert match(url_map, "/users/") == ("users", {"page": 1})


def test_defaults_redirect_can_be_turned_off() -> None:
    assert match(users_map(redirect_defaults=False), "/users/page/1") == ("users", {"page": 1})


def test_defaults_not_in_the_url_reach_the_view() -> None:
    url_map = Map([Rule("/", endpoint="index", defaults={"lang": "en"})])
    assert match(url_map, "/") == ("index", {"lang": "en"})


def test_url_values_win_over_defaults_of_the_same_name() -> None:
    url_map = Map([Rule("/p/<int:page>", defaults={"page": 1}, endpoint="p")])
    assert match(url_map, "/p/3") == ("p", {"page": 3})


def test_alias_redirects_to_the_main_rule() -> None:
    url_map = Map(
        [Rule("/new/<int:id>", endpoint="x"), Rule("/old/<int:id>", endpoint="x", alias=True)]
    )
    assert redirect_of(url_map, "/old/5", query_args="q=1") == "http://example.com/new/5?q=1"
    assert match(url_map, "/new/5") == ("x", {"id": 5})


def test_redirect_to_string_fills_placeholders() -> None:
    url_map = Map(
        [
            Rule("/old/<int:id>", redirect_to="new/<id>", endpoint="o"),
            Rule("/abs/<name>", redirect_to="/people/<name>", endpoint="a"),
        ]
    )
    assert redirect_of(url_map, "/old/5") == "http://example.com/new/5"
    assert redirect_of(url_map, "/abs/a b") == "http://example.com/people/a%20b"
    adapter = url_map.bind("example.com", "/app")
    with pytest.raises(RequestRedirect) as info:
        adapter.match("/old/7")
    assert info.value.new_url == "http://example.com/app/new/7"


def test_redirect_to_callable_gets_adapter_and_values() -> None:
    seen: list[t.Any] = []

    def target(adapter: MapAdapter, id: int) -> str:
        seen.append((adapter.server_name, id))
        return f"/items/{id + 1}"

    url_map = Map([Rule("/i/<int:id>", redirect_to=target, endpoint="i")])
    assert redirect_of(url_map, "/i/1") == "http://example.com/items/2"
    assert seen == [("example.com", 1)]


def test_match_fast_returns_redirect_to_rules_unchanged() -> None:
    url_map = Map([Rule("/old", redirect_to="/new", endpoint="o")])
    rule, values = url_map.match_fast("/old", "GET")
    assert rule.redirect_to == "/new"
    assert values == {}


# -- methods ----------------------------------------------------------------------


def test_get_implies_head() -> None:
    url_map = Map([Rule("/a", endpoint="a", methods=["get"])])
    assert url_map._rules[0].methods == {"GET", "HEAD"}
    assert match(url_map, "/a", "HEAD") == ("a", {})


def test_405_lists_the_union_of_methods_for_the_path() -> None:
    url_map = Map(
        [
            Rule("/a", endpoint="a", methods=["GET"]),
            Rule("/a", endpoint="a2", methods=["POST"]),
            Rule("/<x>", endpoint="x", methods=["PUT"]),
            Rule("/b", endpoint="b", methods=["PATCH"]),
        ]
    )
    with pytest.raises(MethodNotAllowed) as info:
        match(url_map, "/a", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD", "POST", "PUT"]
    assert ("Allow", "GET, HEAD, POST, PUT") in info.value.get_headers()
    assert url_map.bind("example.com").allowed_methods("/a") == ["GET", "HEAD", "POST", "PUT"]
    assert url_map.bind("example.com").allowed_methods("/nothing/here") == []


def test_unknown_method_is_405_not_a_lookup() -> None:
    url_map = Map([Rule("/a", endpoint="a", methods=["GET"])])
    with pytest.raises(MethodNotAllowed):
        match(url_map, "/a", "__INIT__")


def test_rule_without_methods_takes_any_method() -> None:
    url_map = Map([Rule("/a", endpoint="a")])
    assert match(url_map, "/a", "BREW") == ("a", {})
    assert url_map.bind("example.com").allowed_methods("/a") == []


def test_adapter_dispatch_and_test() -> None:
    url_map = Map([Rule("/a/<int:n>", endpoint="a"), Rule("/d/", endpoint="d")])
    adapter = url_map.bind("example.com")
    assert adapter.dispatch(lambda e, v: (e, v), "/a/2") == ("a", {"n": 2})
    assert isinstance(adapter.dispatch(lambda e, v: None, "/d"), RequestRedirect)
    assert isinstance(
        adapter.dispatch(lambda e, v: None, "/x", catch_http_exceptions=True), NotFound
    )
    with pytest.raises(NotFound):
        adapter.dispatch(lambda e, v: None, "/x")
    assert adapter.test("/a/1")
    assert adapter.test("/d")
    assert not adapter.test("/zzz")


# -- hosts and subdomains ---------------------------------------------------------


def test_host_matching() -> None:
    url_map = Map(
        [Rule("/", host="<sub>.x.com", endpoint="sub"), Rule("/", host="x.com", endpoint="root")],
        host_matching=True,
    )
    assert url_map.bind("a.x.com").match("/") == ("sub", {"sub": "a"})
    assert url_map.bind("a.b.x.com").match("/") == ("sub", {"sub": "a.b"})
    assert url_map.bind("x.com").match("/") == ("root", {})
    with pytest.raises(NotFound):
        url_map.bind("y.com").match("/")
    with pytest.raises(RuntimeError):
        url_map.bind("x.com", subdomain="a")


def test_subdomain_rules() -> None:
    url_map = Map(
        [
            Rule("/", subdomain="<user>", endpoint="user"),
            Rule("/", endpoint="root"),
            Rule("/s", subdomain="static", endpoint="static"),
        ]
    )
    assert url_map.bind("example.com", subdomain="bob").match("/") == ("user", {"user": "bob"})
    assert url_map.bind("example.com").match("/") == ("root", {})
    assert url_map.bind("example.com", subdomain="static").match("/s") == ("static", {})
    with pytest.raises(NotFound):
        url_map.bind("example.com").match("/s")


def test_default_subdomain() -> None:
    url_map = Map([Rule("/", endpoint="r")], default_subdomain="www")
    assert url_map.bind("example.com").match("/") == ("r", {})
    with pytest.raises(NotFound):
        url_map.bind("example.com", subdomain="").match("/")


def test_bind_to_environ_reads_host_path_query_and_method() -> None:
    url_map = Map(
        [
            Rule("/x/", endpoint="x"),
            Rule("/ü", endpoint="u"),
            Rule("/", subdomain="<s>", endpoint="s"),
        ]
    )
    environ = {
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "Example.com:80",
        "SCRIPT_NAME": "/app",
        "PATH_INFO": "/x",
        "QUERY_STRING": "a=1",
        "REQUEST_METHOD": "POST",
    }
    adapter = url_map.bind_to_environ(environ)
    assert (adapter.server_name, adapter.script_name, adapter.subdomain) == (
        "example.com",
        "/app/",
        "",
    )
    assert adapter.default_method == "POST"
    with pytest.raises(RequestRedirect) as info:
        adapter.match()
    assert info.value.new_url == "http://example.com/app/x/?a=1"
    # PEP 3333: PATH_INFO holds the UTF-8 bytes as latin-1 characters.
    environ["PATH_INFO"] = "/ü".encode().decode("latin-1")
    assert url_map.bind_to_environ(environ).match() == ("u", {})
    environ["PATH_INFO"] = "/\xff"
    assert url_map.bind_to_environ(environ).path_info == "/\ufffd"
    sub = url_map.bind_to_environ(
        {**environ, "HTTP_HOST": "bob.example.com"}, server_name="example.com"
    )
    assert sub.subdomain == "bob"
    assert sub.match("/") == ("s", {"s": "bob"})
    other = url_map.bind_to_environ(environ, server_name="other.org")
    assert other.subdomain == "<invalid>"


def test_bind_to_environ_host_fallbacks() -> None:
    url_map = Map([Rule("/", endpoint="r")])
    base = {"wsgi.url_scheme": "https", "REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    assert (
        url_map.bind_to_environ({**base, "SERVER_NAME": "srv", "SERVER_PORT": "8443"}).server_name
        == "srv:8443"
    )
    assert (
        url_map.bind_to_environ({**base, "SERVER_NAME": "srv", "SERVER_PORT": "443"}).server_name
        == "srv"
    )
    assert url_map.bind_to_environ({**base, "HTTP_HOST": "evil.com/x"}).server_name == ""
    adapter = url_map.bind_to_environ({**base, "HTTP_HOST": "x.org:8443"}, server_name="X.org:8443")
    assert (adapter.server_name, adapter.subdomain, adapter.url_scheme) == (
        "x.org:8443",
        "",
        "https",
    )


def test_bind_encodes_non_ascii_server_names() -> None:
    assert Map().bind("münchen.de").server_name == "xn--mnchen-3ya.de"


# -- websockets -------------------------------------------------------------------


def test_websocket_rules_only_match_websocket_requests() -> None:
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True), Rule("/h", endpoint="h")])
    adapter = url_map.bind("example.com")
    assert adapter.match("/ws", websocket=True) == ("ws", {})
    with pytest.raises(WebsocketMismatch):
        adapter.match("/ws")
    with pytest.raises(WebsocketMismatch):
        adapter.match("/h", websocket=True)
    assert url_map.bind("example.com", url_scheme="wss").match("/ws") == ("ws", {})


def test_bind_to_environ_detects_websocket_upgrades() -> None:
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True)])
    environ = {
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "example.com",
        "PATH_INFO": "/ws",
        "REQUEST_METHOD": "GET",
        "HTTP_UPGRADE": "WebSocket",
        "HTTP_CONNECTION": "keep-alive, Upgrade",
    }
    adapter = url_map.bind_to_environ(environ)
    assert adapter.url_scheme == "wss"
    assert adapter.websocket
    assert adapter.match() == ("ws", {})


def test_websocket_rules_refuse_other_methods() -> None:
    with pytest.raises(ValueError, match="WebSocket"):
        Rule("/ws", websocket=True, methods=["POST"])


# -- match_fast -------------------------------------------------------------------


def test_match_fast_returns_the_rule_and_fresh_values() -> None:
    url_map = Map(
        [
            Rule("/about", endpoint="about", methods=["GET"]),
            Rule("/users/<int:user_id>/posts/<slug>", endpoint="post", methods=["GET"]),
            Rule("/static/<path:filename>", endpoint="static"),
        ]
    )
    rule, values = url_map.match_fast("/about", "GET")
    assert rule.endpoint == "about"
    values["x"] = 1
    assert url_map.match_fast("/about", "GET")[1] == {}
    rule, values = url_map.match_fast("/users/123/posts/hello-world", "HEAD")
    assert (rule.endpoint, values) == ("post", {"user_id": 123, "slug": "hello-world"})
    assert url_map.match_fast("/static/css/a.css", "GET")[1] == {"filename": "css/a.css"}


def test_match_fast_raises_request_path_for_redirects() -> None:
    url_map = Map(
        [Rule("/café/", endpoint="c"), Rule("/a/b", endpoint="ab")]
        + [r.empty() for r in users_map().iter_rules()]
    )
    with pytest.raises(RequestPath) as info:
        url_map.match_fast("/café", "GET")
    assert info.value.path == "/café/"
    assert info.value.domain_part is None
    assert isinstance(info.value, RoutingException)
    assert not isinstance(info.value, HTTPException)
    with pytest.raises(RequestPath) as info:
        url_map.match_fast("/a//b", "GET")
    assert info.value.path == "/a/b"
    with pytest.raises(RequestPath) as info:
        url_map.match_fast("/users/page/1", "GET")
    assert (info.value.path, info.value.domain_part) == ("/users/", "")
    adapter = url_map.bind("example.com", "/root")
    assert adapter.make_redirect_url(info.value.path, "q=1") == "http://example.com/root/users/?q=1"
    with pytest.raises(RequestRedirect) as redirect:
        adapter.match("/café")
    assert redirect.value.new_url == "http://example.com/root/caf%C3%A9/"


def test_match_fast_errors() -> None:
    url_map = Map(
        [Rule("/a", endpoint="a", methods=["GET"]), Rule("/ws", endpoint="ws", websocket=True)]
    )
    with pytest.raises(NotFound):
        url_map.match_fast("/b", "GET")
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match_fast("/a", "POST")
    assert info.value.valid_methods == ["GET", "HEAD"]
    with pytest.raises(WebsocketMismatch):
        url_map.match_fast("/ws", "GET")
    assert url_map.match_fast("/ws", "GET", websocket=True)[0].endpoint == "ws"


def test_match_fast_with_domain_part() -> None:
    url_map = Map(
        [Rule("/", subdomain="<user>", endpoint="u"), Rule("/", endpoint="r", methods=["GET"])]
    )
    assert url_map.match_fast("/", "GET", "bob") == (url_map._rules[0], {"user": "bob"})
    assert url_map.match_fast("/", "GET")[0].endpoint == "r"


def test_rules_added_later_are_matched() -> None:
    url_map = Map([Rule("/a", endpoint="a", methods=["GET"])])
    assert url_map.match_fast("/a", "GET")[0].endpoint == "a"
    url_map.add(Rule("/b", endpoint="b", methods=["GET"]))
    assert url_map.match_fast("/b", "GET")[0].endpoint == "b"
    assert url_map.match_fast("/a", "GET")[0].endpoint == "a"


def test_validation_error_from_a_custom_converter_falls_through() -> None:
    from kolben.routing import BaseConverter, ValidationError

    class Even(BaseConverter):
        regex = "[0-9]+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValidationError()
            return int(value)

    url_map = Map(
        [Rule("/n/<even:x>", endpoint="even"), Rule("/n/<x>", endpoint="other")],
        converters={"even": Even},
    )
    assert match(url_map, "/n/4") == ("even", {"x": 4})
    assert match(url_map, "/n/3") == ("other", {"x": "3"})


# -- introspection ----------------------------------------------------------------


def test_iter_rules_and_endpoint_expectations() -> None:
    url_map = users_map()
    url_map.add(Rule("/about", endpoint="about"))
    assert [r.rule for r in url_map.iter_rules()] == ["/users/page/<int:page>", "/users/", "/about"]
    assert [r.rule for r in url_map.iter_rules("users")] == ["/users/", "/users/page/<int:page>"]
    with pytest.raises(KeyError):
        url_map.iter_rules("nope")
    assert url_map.is_endpoint_expecting("users", "page")
    assert not url_map.is_endpoint_expecting("about", "page")


def test_describe_shows_the_tree_in_matching_order() -> None:
    url_map = Map(
        [
            Rule("/users/<name>", endpoint="user", methods=["GET"]),
            Rule("/users/<int:id>", endpoint="by_id", methods=["GET"]),
            Rule("/users/new", endpoint="new", methods=["GET"]),
            Rule("/files/<path:p>", endpoint="files", methods=["GET"]),
        ]
    )
    text = url_map.describe()
    assert text.index("/new") < text.index("/<int:id>") < text.index("/<name>")
    assert "-> GET,HEAD by_id  /users/<int:id>" in text
    assert "rest of path" in text
    assert "(1 static paths" in text
    assert repr(url_map).startswith("Map([<Rule '/users/<name>' (GET, HEAD) -> user>")
