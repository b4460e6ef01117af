"""Flask 3.1 as an oracle: any blueprint tree gives the same URL map in both.

Hypothesis draws trees of nested blueprints with URL prefixes, subdomains,
URL defaults and registration options (including registering one blueprint
twice under another name); both frameworks must end with the same
endpoints, rules, subdomains and defaults. Flask is a test-only dependency.
"""

from __future__ import annotations

import typing as t

import flask
from hypothesis import given, settings
from hypothesis import strategies as st

import kolben

# "VAR" becomes a URL variable named after the nesting depth: Kolben refuses
# a rule that names one variable twice, which Werkzeug accepts.
PREFIXES = st.sampled_from([None, "", "/", "/a", "/a/", "VAR", "b", "/c/d/"])
SUBDOMAINS = st.sampled_from([None, "api", "<user>", "v1.x"])
RULES = st.sampled_from(["/", "", "/x", "x/", "/<int:id>"])
DEFAULTS = st.sampled_from([None, {"v0": "en"}, {"v1": "en", "page": 1}])


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> dict[str, t.Any]:
    """A blueprint description: constructor values, rules, children, registrations."""
    children: list[dict[str, t.Any]] = []
    if depth < 2:
        children = draw(st.lists(trees(depth + 1), max_size=2))

    def prefix(value: str | None) -> str | None:
        return f"/<v{depth}>" if value == "VAR" else value

    return {
        "url_prefix": prefix(draw(PREFIXES)),
        "subdomain": draw(SUBDOMAINS),
        "url_defaults": draw(DEFAULTS),
        "rules": draw(st.lists(RULES, min_size=1, max_size=3, unique=True)),
        "children": children,
        "registrations": draw(
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "url_prefix": PREFIXES.map(prefix),
                        "subdomain": SUBDOMAINS,
                        # None here is a TypeError in Flask (Kolben accepts it)
                        "url_defaults": st.sampled_from([{"v2": "de"}, {"page": 2}]),
                    },
                ),
                min_size=1,
                max_size=2,
            )
        ),
    }


def _build(module: t.Any, tree: dict[str, t.Any], counter: list[int]) -> t.Any:
    counter[0] += 1
    bp = module.Blueprint(
        f"bp{counter[0]}",
        __name__,
        url_prefix=tree["url_prefix"],
        subdomain=tree["subdomain"],
        url_defaults=tree["url_defaults"],
    )
    for n, rule in enumerate(tree["rules"]):
        bp.add_url_rule(rule, f"view{n}", lambda **kw: "")
    for child in tree["children"]:
        child_bp = _build(module, child, counter)
        for i, options in enumerate(child["registrations"]):
            named = {**options, "name": f"{child_bp.name}_{i}"} if i else options
            bp.register_blueprint(child_bp, **named)
    return bp


def _url_map(module: t.Any, app_class: t.Any, tree: dict[str, t.Any]) -> set[tuple[t.Any, ...]]:
    app = app_class("oracle", static_folder=None)
    bp = _build(module, tree, [0])
    for i, options in enumerate(tree["registrations"]):
        app.register_blueprint(bp, **({**options, "name": f"top{i}"} if i else options))
    return {
        (
            rule.endpoint,
            rule.rule,
            rule.subdomain or None,
            tuple(sorted((rule.defaults or {}).items())),
            tuple(sorted(rule.methods or ())),
        )
        for rule in app.url_map.iter_rules()
    }


@settings(max_examples=150, deadline=None)
@given(trees())
def test_same_url_map_as_flask(tree: dict[str, t.Any]) -> None:
    # A tree both refuse (a subdomain variable nested twice, say) counts as
    # equal whatever the exception: Werkzeug fails compiling the rule.
    try:
        expected = _url_map(flask, flask.Flask, tree)
    except Exception:
        expected = {("refused",)}
    try:
        got = _url_map(kolben, kolben.Kolben, tree)
    except Exception:
        got = {("refused",)}
    assert got == expected
