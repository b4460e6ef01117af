"""Rules: syntax and its errors, attributes, copies and the rule factories."""

from __future__ import annotations

import typing as t

import pytest
import werkzeug.routing

from kolben import Kolben
from kolben.routing import (
    EndpointPrefix,
    Map,
    Rule,
    RuleFactory,
    RuleTemplate,
    Subdomain,
    Submount,
)


def test_rule_attributes() -> None:
    rule = Rule("/x/<int:a>", endpoint="e", methods=["get", "post"], defaults={"b": 2})
    assert rule.rule == "/x/<int:a>"
    assert rule.endpoint == "e"
    assert rule.methods == {"GET", "HEAD", "POST"}
    assert rule.defaults == {"b": 2}
    assert rule.arguments == {"a", "b"}
    assert rule.provide_automatic_options is False
    assert rule.is_leaf
    assert not rule.is_branch
    assert Rule("/d/").is_branch
    assert Rule("/").methods is None
    assert repr(rule) == "<Rule '/x/<int:a>' (GET, HEAD, POST) -> e>"
    assert str(rule) == "/x/<int:a>"
    assert list(rule.get_rules(Map())) == [rule]
    rule.provide_automatic_options = True
    assert not hasattr(rule, "__dict__")


def test_defaults_keep_a_given_empty_mapping() -> None:
    # As Werkzeug's Rule: only "not given" is None. Flask's blueprint setup
    # passes {} and flask-smorest tests `name not in rule.defaults`.
    assert Rule("/<int:x>", endpoint="e").defaults is None
    empty = Rule("/<int:x>", endpoint="e", defaults={})
    assert empty.defaults == {}
    Map([empty])
    assert empty.build({"x": 3}) == ("", "/3")


def test_map_settings_fill_the_rule() -> None:
    url_map = Map(
        [Rule("/a", endpoint="a")],
        strict_slashes=False,
        merge_slashes=False,
        default_subdomain="www",
    )
    rule = url_map._rules[0]
    assert (rule.strict_slashes, rule.merge_slashes, rule.subdomain) == (False, False, "www")
    assert repr(rule) == "<Rule 'www|/a' -> a>"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("x", "must start with a slash"),
        ("", "must start with a slash"),
        ("/<a", "does not open a variable"),
        ("/<>", "does not open a variable"),
        ("/<1x>", "does not open a variable"),
        ("/<int(:x>", "does not open a variable"),
        ("/<a b>", "does not open a variable"),
        ("/<a>/<a>", "appears twice"),
        ("/<int:a>/<string:a>", "appears twice"),
        ("/<int(min=1 2):x>", "cannot read"),
        ("/<int(x + 1):x>", "literal"),
        ("/<int(**k):x>", "not allowed"),
        ("/<int(*k):x>", "not allowed"),
    ],
)
def test_malformed_rules(rule: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Map([Rule(rule, endpoint="e")])


def test_unknown_converter_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown converter 'foo'") as info:
        Map([Rule("/<foo:x>", endpoint="e")])
    assert isinstance(info.value, LookupError)
    assert "any, default, float, int, path, string, uuid" in str(info.value)


def test_bad_converter_arguments() -> None:
    with pytest.raises(TypeError, match="converter 'int'"):
        Map([Rule("/<int(foo=1):x>", endpoint="e")])


def test_variable_in_both_domain_and_path() -> None:
    with pytest.raises(ValueError, match="both the domain and the path"):
        Map([Rule("/<x>", subdomain="<x>", endpoint="e")])


def test_stray_closing_bracket_is_plain_text() -> None:
    url_map = Map([Rule("/a>", endpoint="e")])
    assert url_map.bind("h").match("/a>") == ("e", {})


def test_methods_must_not_be_a_string() -> None:
    with pytest.raises(TypeError, match="methods=\\['GET'\\]"):
        Rule("/", methods="GET")


def test_a_rule_binds_to_one_map() -> None:
    rule = Rule("/a", endpoint="a")
    Map([rule])
    with pytest.raises(RuntimeError, match="already bound"):
        Map([rule])


def test_empty_makes_an_unbound_copy() -> None:
    rule = Rule("/a/<x>", endpoint="a", methods=["POST"], defaults={"y": 1}, strict_slashes=False)
    rule.provide_automatic_options = True
    Map([rule])
    copy = rule.empty()
    assert copy is not rule
    assert copy.map is None
    assert (copy.rule, copy.endpoint, copy.methods, copy.defaults) == (
        "/a/<x>",
        "a",
        {"POST"},
        {"y": 1},
    )
    assert copy.defaults is not rule.defaults
    assert copy.strict_slashes is False
    assert copy.provide_automatic_options is True


def test_rule_factories() -> None:
    url_map = Map(
        [
            Submount(
                "/api/",
                [
                    EndpointPrefix("api.", [Rule("/u/<int:id>", endpoint="user")]),
                    Subdomain("s", [Rule("/x", endpoint="x")]),
                ],
            ),
            RuleTemplate([Rule("/$name/<int:id>", endpoint="$name", defaults={"kind": "$name"})])(
                name="blog"
            ),
        ]
    )
    rules = [(r.rule, r.endpoint, r.subdomain, r.defaults) for r in url_map.iter_rules()]
    assert rules == [
        ("/api/u/<int:id>", "api.user", "", None),
        ("/api/x", "x", "s", None),
        ("/blog/<int:id>", "blog", "", {"kind": "blog"}),
    ]
    adapter = url_map.bind("example.com")
    assert adapter.match("/api/u/3") == ("api.user", {"id": 3})
    assert adapter.match("/blog/4") == ("blog", {"id": 4, "kind": "blog"})
    assert url_map.bind("example.com", subdomain="s").match("/api/x") == ("x", {})


def test_custom_rule_factory() -> None:
    class Crud(RuleFactory):
        def __init__(self, name: str) -> None:
            self.name = name

        def get_rules(self, map: Map) -> list[Rule]:
            return [
                Rule(f"/{self.name}/", endpoint=f"{self.name}.list"),
                Rule(f"/{self.name}/<int:id>", endpoint=f"{self.name}.show"),
            ]

    url_map = Map([Crud("posts")])
    assert url_map.bind("h").match("/posts/2") == ("posts.show", {"id": 2})
    with pytest.raises(NotImplementedError):
        RuleFactory().get_rules(url_map)


# -- Werkzeug's _trace (read by apispec and flask-smorest) ------------------------------


@pytest.mark.parametrize(
    ("string", "rule_kwargs", "map_kwargs"),
    [
        ("/", {}, {}),
        ("/users/<int:id>", {}, {}),
        ("/a/<int(min=1, max=9):x>-<y>.json", {}, {}),
        ("//double//slash//", {}, {}),
        ("//double//slash", {"merge_slashes": False}, {}),
        ("/files/<path:p>/edit", {}, {}),
        ("/<any(about, 'help me'):page>", {}, {}),
        ("/u/<x>", {"subdomain": "api.<user>"}, {}),
        ("/d", {}, {"default_subdomain": "www"}),
        ("/h/<x>", {"host": "<sub>.example.com:8080"}, {"host_matching": True}),
        ("/x", {"subdomain": "<user>"}, {"host_matching": True}),
    ],
)
def test_trace_matches_werkzeug(
    string: str, rule_kwargs: dict[str, t.Any], map_kwargs: dict[str, t.Any]
) -> None:
    theirs = werkzeug.routing.Rule(string, endpoint="e", **rule_kwargs)
    werkzeug.routing.Map([theirs], **map_kwargs)
    ours = Rule(string, endpoint="e", **rule_kwargs)
    assert ours._trace == []  # unbound, as in Werkzeug
    Map([ours], **map_kwargs)
    assert ours._trace == theirs._trace


def test_trace_of_an_app_route() -> None:
    app = Kolben(__name__)

    @app.get("/pets/<int:pet_id>/photos/<path:name>")
    def photo(pet_id: int, name: str) -> str:
        return name

    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == "photo"]
    assert rule._trace == [
        (False, "|"),
        (False, "/"),
        (False, "pets"),
        (False, "/"),
        (True, "pet_id"),
        (False, "/"),
        (False, "photos"),
        (False, "/"),
        (True, "name"),
    ]
