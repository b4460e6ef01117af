"""Blueprints: registration, names, prefixes, nesting, hooks and error handlers (API.md 14)."""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import pytest

from kolben import Blueprint, Kolben, abort, g, request, url_for
from kolben.blueprints import BlueprintSetupState
from kolben.exceptions import HTTPException, NotFound
from kolben.routing import BuildError
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


def _rules(app: Kolben) -> dict[str, str]:
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}


# -- names -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "a.b", ".x"])
def test_bad_blueprint_names(name: str) -> None:
    with pytest.raises(ValueError, match="'name' may not"):
        Blueprint(name, __name__)


def test_dotted_endpoint_and_view_names_are_refused() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="'endpoint' may not contain a dot"):
        bp.add_url_rule("/", endpoint="a.b", view_func=lambda: "")

    def view() -> str:
        return ""

    view.__name__ = "dotted.name"
    with pytest.raises(ValueError, match="'view_func' name may not contain a dot"):
        bp.add_url_rule("/", view_func=view)
    with pytest.raises(ValueError, match="'view_func' name may not contain a dot"):
        bp.route("/")(view)
    # An explicit endpoint does not rescue a dotted function name (as in Flask).
    with pytest.raises(ValueError, match="'view_func'"):
        bp.add_url_rule("/", endpoint="fine", view_func=view)
    with pytest.raises(ValueError, match="'endpoint'"):
        bp.endpoint("a.b")
    # Neither an endpoint nor a view: wrong at once, not at registration.
    with pytest.raises(TypeError, match="'endpoint' or 'view_func'"):
        bp.add_url_rule("/")


@pytest.mark.parametrize("name", ["", "x.y"])
def test_bad_registration_names(app: Kolben, name: str) -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="'name' option"):
        app.register_blueprint(bp, name=name)
    parent = Blueprint("parent", __name__)
    with pytest.raises(ValueError, match="'name' option"):
        parent.register_blueprint(bp, name=name)


def test_repr_and_attributes() -> None:
    bp = Blueprint(
        "admin",
        __name__,
        url_prefix="/admin",
        subdomain="ops",
        url_defaults={"lang": "en"},
        root_path="/srv/admin",
    )
    assert repr(bp) == "<Blueprint 'admin'>"
    assert (bp.name, bp.import_name, bp.root_path) == ("admin", __name__, "/srv/admin")
    assert (bp.url_prefix, bp.subdomain, bp.url_values_defaults) == (
        "/admin",
        "ops",
        {"lang": "en"},
    )
    assert bp.static_folder is None
    assert bp.static_url_path is None
    assert not bp.has_static_folder
    assert bp.template_folder is None
    assert bp.deferred_functions == []


def test_blueprint_is_exported_from_kolben_and_sansio() -> None:
    import kolben
    import kolben.blueprints
    from kolben.sansio import BlueprintSetupState as SansioState
    from kolben.sansio import setupmethod
    from kolben.sansio.blueprints import Blueprint as SansioBlueprint
    from kolben.sansio.scaffold import Scaffold
    from kolben.sansio.scaffold import setupmethod as scaffold_setupmethod

    assert kolben.Blueprint is kolben.blueprints.Blueprint is SansioBlueprint
    assert SansioState is BlueprintSetupState
    assert setupmethod is scaffold_setupmethod is kolben.scaffold.setupmethod
    assert issubclass(Blueprint, Scaffold)


# -- routes and prefixes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "rule", "expected"),
    [
        ("/admin", "/", "/admin/"),
        ("/admin", "", "/admin"),
        ("/admin/", "/", "/admin/"),
        ("/admin/", "", "/admin/"),
        ("/admin", "/users", "/admin/users"),
        ("/admin/", "users", "/admin/users"),
        ("/", "/users", "/users"),
        (None, "/users", "/users"),
        ("/<lang>", "/about", "/<lang>/about"),
    ],
)
def test_url_prefix_joins_with_one_slash(
    app: Kolben, prefix: str | None, rule: str, expected: str
) -> None:
    bp = Blueprint("bp", __name__, url_prefix=prefix)
    bp.add_url_rule(rule, "view", lambda **kw: "")
    app.register_blueprint(bp)
    assert _rules(app)["bp.view"] == expected


def test_routes_and_method_shortcuts(app: Kolben, make_client: MakeClient) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.route("/items", methods=["GET", "POST"])
    def items() -> str:
        return f"items {request.method}"

    @bp.get("/g")
    def get_() -> str:
        return "get"

    @bp.post("/p")
    def post_() -> str:
        return "post"

    @bp.put("/u")
    def put_() -> str:
        return "put"

    @bp.delete("/d")
    def delete_() -> str:
        return "delete"

    @bp.patch("/a")
    def patch_() -> str:
        return "patch"

    with pytest.raises(TypeError, match="methods"):
        bp.get("/x", methods=["POST"])
    app.register_blueprint(bp)
    client = make_client(app)
    assert client.post("/api/items").text == "items POST"
    assert client.get("/api/g").text == "get"
    assert client.post("/api/p").text == "post"
    assert client.put("/api/u").text == "put"
    assert client.delete("/api/d").text == "delete"
    assert client.patch("/api/a").text == "patch"
    assert client.get("/api/p").status_code == 405
    assert client.get("/g").status_code == 404


def test_registration_options_override_the_constructor(app: Kolben) -> None:
    seen: list[BlueprintSetupState] = []
    bp = Blueprint("bp", __name__, url_prefix="/old", url_defaults={"a": 1, "b": 2})
    bp.record(seen.append)
    bp.add_url_rule("/x", "x", lambda **kw: "")
    app.register_blueprint(bp, url_prefix="/new", url_defaults={"b": 3}, extra="kept")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "bp.x")
    assert rule.rule == "/new/x"
    assert rule.defaults == {"a": 1, "b": 3}
    (state,) = seen
    assert state.options == {"url_prefix": "/new", "url_defaults": {"b": 3}, "extra": "kept"}
    assert (state.app, state.blueprint, state.first_registration) == (app, bp, True)
    assert (state.url_prefix, state.subdomain, state.name, state.name_prefix) == (
        "/new",
        None,
        "bp",
        "",
    )
    assert state.url_defaults == {"a": 1, "b": 3}


def test_rule_defaults_merge_with_url_defaults(app: Kolben, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"page": 1, "size": 10})

    @bp.route("/list", defaults={"size": 20})
    def listing(page: int, size: int) -> str:
        return f"{page} {size}"

    app.register_blueprint(bp)
    assert make_client(app).get("/list").text == "1 20"


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
def test_blueprint_rules_carry_a_defaults_mapping(
    app: Kolben, make_client: MakeClient, is_async: bool
) -> None:
    # As in Flask, a blueprint route's rule gets the merged defaults, {} when
    # there are none: flask-smorest tests `name not in rule.defaults`.
    bp = Blueprint("bp", __name__)
    if is_async:

        @bp.route("/item/<int:x>")
        async def item(x: int) -> str:
            return f"item {x} {url_for('.item', x=x + 1)}"

    else:

        @bp.route("/item/<int:x>")
        def item(x: int) -> str:
            return f"item {x} {url_for('.item', x=x + 1)}"

    app.register_blueprint(bp)
    assert next(app.url_map.iter_rules("bp.item")).defaults == {}
    assert make_client(app).get("/item/3").text == "item 3 /item/4"

def test_empty_url_prefix_option_keeps_the_blueprint_prefix(app: Kolben) -> None:
    # None means "not given"; the empty string is a prefix (of nothing).
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/x", "x", lambda: "")
    app.register_blueprint(bp, url_prefix=None)
    app.register_blueprint(bp, name="two", url_prefix="")
    rules = _rules(app)
    assert rules["bp.x"] == "/bp/x"
    assert rules["two.x"] == "/x"


def test_endpoint_decorator_binds_the_view(app: Kolben, make_client: MakeClient) -> None:
    # Kolben: in Flask 3.1 the function stays on the blueprint (a 500).
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/thing", endpoint="thing")

    @bp.endpoint("thing")
    def thing() -> str:
        return "thing"

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again", url_prefix="/again")
    client = make_client(app)
    assert client.get("/thing").text == "thing"
    assert client.get("/again/thing").text == "thing"
    assert app.view_functions["again.thing"] is thing


def test_websocket_routes_are_deferred_with_the_prefix(app: Kolben) -> None:
    bp = Blueprint("live", __name__, url_prefix="/live")

    @bp.websocket("/feed")
    async def feed() -> None:
        return None

    assert "live.feed" not in _rules(app)
    app.register_blueprint(bp)
    (rule,) = (r for r in app.url_map.iter_rules() if r.endpoint == "live.feed")
    assert rule.rule == "/live/feed"
    assert rule.websocket


# -- registration rules ------------------------------------------------------------


def test_registering_twice_needs_a_new_name(app: Kolben, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__)
    firsts: list[tuple[str, bool]] = []
    once: list[str] = []
    bp.record(lambda s: firsts.append((s.name, s.first_registration)))
    bp.record_once(lambda s: once.append(s.name))

    @bp.route("/")
    def index() -> str:
        return f"{request.blueprint} {url_for('.index')}"

    app.register_blueprint(bp, url_prefix="/one")
    with pytest.raises(ValueError) as info:
        app.register_blueprint(bp, url_prefix="/two")
    assert str(info.value) == (
        "The name 'bp' is already registered for this blueprint. Use 'name=' to provide a"
        " unique name."
    )
    app.register_blueprint(bp, name="two", url_prefix="/two")
    other = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match=r"for a different blueprint\. Use 'name='"):
        app.register_blueprint(other)

    assert firsts == [("bp", True), ("two", False)]
    assert once == ["bp"]
    assert app.blueprints == {"bp": bp, "two": bp}
    assert list(app.iter_blueprints()) == [bp, bp]
    client = make_client(app)
    assert client.get("/one/").text == "bp /one/"
    assert client.get("/two/").text == "two /two/"


def test_setup_after_registration_fails_loudly(app: Kolben) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    attempts: list[Callable[[], object]] = [
        lambda: bp.route("/late"),
        lambda: bp.add_url_rule("/late", "late", lambda: ""),
        lambda: bp.before_request(lambda: None),
        lambda: bp.after_request(lambda r: r),
        lambda: bp.teardown_request(lambda e: None),
        lambda: bp.errorhandler(404),
        lambda: bp.record(lambda s: None),
        lambda: bp.record_once(lambda s: None),
        lambda: bp.register_blueprint(Blueprint("late", __name__)),
        lambda: bp.before_app_request(lambda: None),
        lambda: bp.app_template_filter(),
        lambda: bp.url_defaults(lambda e, v: None),
    ]
    for attempt in attempts:
        with pytest.raises(AssertionError, match="has already been registered at least once"):
            attempt()


def test_same_blueprint_on_two_apps() -> None:
    bp = Blueprint("bp", __name__)
    states: list[bool] = []
    bp.record(lambda s: states.append(s.first_registration))
    bp.add_url_rule("/", "index", lambda: "")
    apps = [Kolben("one", static_folder=None), Kolben("two", static_folder=None)]
    for each in apps:
        each.register_blueprint(bp)
    assert states == [True, True]
    assert all("bp.index" in each.view_functions for each in apps)


def test_record_returns_the_function_and_sees_the_app(app: Kolben) -> None:
    bp = Blueprint("bp", __name__)

    @bp.record
    def remember(state: BlueprintSetupState) -> None:
        state.app.extensions["seen_by_bp"] = state.name

    assert callable(remember)
    app.register_blueprint(bp, name="renamed")
    assert app.extensions["seen_by_bp"] == "renamed"


def test_app_refuses_blueprints_after_serving(app: Kolben, make_client: MakeClient) -> None:
    app.add_url_rule("/", "index", lambda: "")
    make_client(app).get("/")
    with pytest.raises(AssertionError, match="register_blueprint"):
        app.register_blueprint(Blueprint("late", __name__))


# -- nesting ------------------------------------------------------------------------


def _three_levels() -> tuple[Blueprint, Blueprint, Blueprint]:
    outer = Blueprint("outer", __name__, url_prefix="/o")
    middle = Blueprint("middle", __name__, url_prefix="/m/")
    inner = Blueprint("inner", __name__, url_prefix="i")

    for bp in (outer, middle, inner):

        def view(bp: Blueprint = bp) -> str:
            return f"{bp.name}|{request.blueprint}|{','.join(request.blueprints)}"

        bp.add_url_rule("/", "index", view)
    return outer, middle, inner


def test_nested_prefixes_and_endpoint_names(app: Kolben, make_client: MakeClient) -> None:
    outer, middle, inner = _three_levels()
    middle.register_blueprint(inner)
    outer.register_blueprint(middle)
    app.register_blueprint(outer)
    assert _rules(app) == {
        "static": "/static/<path:filename>",
        "outer.index": "/o/",
        "outer.middle.index": "/o/m/",
        "outer.middle.inner.index": "/o/m/i/",
    }
    assert set(app.blueprints) == {"outer", "outer.middle", "outer.middle.inner"}
    client = make_client(app)
    assert client.get("/o/m/i/").text == (
        "inner|outer.middle.inner|outer.middle.inner,outer.middle,outer"
    )
    assert client.get("/o/").text == "outer|outer|outer"


def test_nested_prefix_options(app: Kolben) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__, url_prefix="/child")
    child.add_url_rule("/x", "x", lambda: "")
    parent.register_blueprint(child, url_prefix="/kid")
    parent.register_blueprint(child, name="again")
    app.register_blueprint(parent, url_prefix="/p")
    app.register_blueprint(parent, name="bare")
    rules = _rules(app)
    assert rules["parent.child.x"] == "/p/kid/x"
    assert rules["parent.again.x"] == "/p/child/x"
    assert rules["bare.child.x"] == "/kid/x"
    assert rules["bare.again.x"] == "/child/x"


def test_nested_duplicate_names_are_refused(app: Kolben) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    parent.register_blueprint(child)
    parent.register_blueprint(child)
    with pytest.raises(ValueError, match="'child' is already registered for this blueprint"):
        app.register_blueprint(parent)


def test_a_blueprint_cannot_contain_itself() -> None:
    a = Blueprint("a", __name__)
    b = Blueprint("b", __name__)
    with pytest.raises(ValueError, match="on itself"):
        a.register_blueprint(a)
    a.register_blueprint(b)
    with pytest.raises(ValueError, match="inside each other"):
        b.register_blueprint(a)


def test_nested_subdomains_join_as_child_dot_parent(make_client: MakeClient) -> None:
    app = Kolben(__name__, subdomain_matching=True, static_folder=None)
    app.config["SERVER_NAME"] = "example.test"
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__, subdomain="v1")
    plain = Blueprint("plain", __name__)
    for bp in (parent, child, plain):
        bp.add_url_rule("/", "index", lambda bp=bp: bp.name)
    parent.register_blueprint(child)
    parent.register_blueprint(plain)
    app.register_blueprint(parent, url_prefix="/p")
    domains = {rule.endpoint: rule.subdomain for rule in app.url_map.iter_rules()}
    assert domains == {
        "parent.index": "api",
        "parent.child.index": "v1.api",
        "parent.plain.index": "api",
    }
    client = make_client(app)
    assert client.get("/p/", subdomain="v1.api").text == "child"
    assert client.get("/p/", subdomain="api").text == "parent"  # the first rule wins a tie
    assert client.get("/p/").status_code == 404
    with app.test_request_context(base_url="http://example.test/"):
        assert url_for("parent.child.index") == "http://v1.api.example.test/p/"


def test_subdomain_option_on_registration(app: Kolben) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__, subdomain="c")
    child.add_url_rule("/", "index", lambda: "")
    parent.register_blueprint(child, subdomain="kid")
    app.register_blueprint(parent, subdomain="<user>")
    (rule,) = (r for r in app.url_map.iter_rules() if r.endpoint == "parent.child.index")
    assert rule.subdomain == "kid.<user>"


# -- url_for, request.blueprint ------------------------------------------------------


def test_relative_url_for(app: Kolben, make_client: MakeClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")

    @app.route("/")
    def index() -> str:
        return url_for(".index")

    @parent.route("/")
    def parent_index() -> str:
        return url_for(".parent_index")

    @child.route("/")
    def child_index() -> str:
        urls = [url_for(".child_index"), url_for("parent.parent_index"), url_for("index")]
        for relative in ("..parent_index", ".parent_index"):
            try:
                urls.append(url_for(relative))
            except BuildError:
                urls.append("BuildError")
        return " ".join(urls)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = make_client(app)
    assert client.get("/").text == "/"
    assert client.get("/p/").text == "/p/"
    # As in Flask 3.1, "." names the current blueprint only; there is no "..".
    assert client.get("/p/c/").text == "/p/c/ /p/ / BuildError BuildError"


def test_request_blueprint_outside_blueprints(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return f"{request.blueprint!r} {request.blueprints!r}"

    client = make_client(app)
    assert client.get("/").text == "None []"


def test_language_prefix_pattern(app: Kolben, make_client: MakeClient) -> None:
    """The i18n recipe: a URL variable in the prefix, moved to ``g`` and back."""
    bp = Blueprint("site", __name__, url_prefix="/<lang>")

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("lang", g.lang)

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        assert values is not None
        g.lang = values.pop("lang")

    @bp.route("/")
    def index() -> str:
        return f"{g.lang} {url_for('.about')}"

    @bp.route("/about")
    def about() -> str:
        return url_for(".index", lang="fr")

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/de/").text == "de /de/about"
    assert client.get("/en/about").text == "/fr/"


# -- hooks: order and scope ------------------------------------------------------------


def _hooked_app(log: list[str]) -> Kolben:
    app = Kolben("hooks_app", static_folder=None)
    app.testing = True
    outer = Blueprint("outer", __name__, url_prefix="/o")
    inner = Blueprint("inner", __name__, url_prefix="/i")
    for scope, owner in (("app", app), ("outer", outer), ("inner", inner)):
        for n in (1, 2):

            def before(scope: str = scope, n: int = n) -> None:
                log.append(f"before {scope}{n}")

            def after(response: t.Any, scope: str = scope, n: int = n) -> t.Any:
                log.append(f"after {scope}{n}")
                return response

            def teardown(exc: BaseException | None, scope: str = scope, n: int = n) -> None:
                log.append(f"teardown {scope}{n}")

            def preprocess(
                endpoint: str | None, values: t.Any, scope: str = scope, n: int = n
            ) -> None:
                log.append(f"preprocess {scope}{n}")

            owner.before_request(before)
            owner.after_request(after)
            owner.teardown_request(teardown)
            owner.url_value_preprocessor(preprocess)

    @app.route("/")
    def app_view() -> str:
        log.append("view")
        return "app"

    @inner.route("/")
    def inner_view() -> str:
        log.append("view")
        return "inner"

    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    return app


def test_hook_order_in_nested_blueprints(make_client: MakeClient) -> None:
    log: list[str] = []
    client = make_client(_hooked_app(log))
    assert client.get("/o/i/").text == "inner"
    assert log == [
        "preprocess app1",
        "preprocess app2",
        "preprocess outer1",
        "preprocess outer2",
        "preprocess inner1",
        "preprocess inner2",
        "before app1",
        "before app2",
        "before outer1",
        "before outer2",
        "before inner1",
        "before inner2",
        "view",
        "after inner2",
        "after inner1",
        "after outer2",
        "after outer1",
        "after app2",
        "after app1",
        "teardown inner2",
        "teardown inner1",
        "teardown outer2",
        "teardown outer1",
        "teardown app2",
        "teardown app1",
    ]


def test_blueprint_hooks_do_not_run_outside_it(make_client: MakeClient) -> None:
    log: list[str] = []
    client = make_client(_hooked_app(log))
    assert client.get("/").text == "app"
    assert all("outer" not in line and "inner" not in line for line in log)
    log.clear()
    # A URL under the prefix that matches nothing belongs to no blueprint.
    assert client.get("/o/i/missing").status_code == 404
    assert all("outer" not in line and "inner" not in line for line in log)


def test_before_request_in_blueprint_ends_the_request(app: Kolben, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def guard() -> t.Any:
        if request.args.get("stop"):
            return "stopped by bp", 403
        return None

    bp.add_url_rule("/", "index", lambda: "index")
    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/").text == "index"
    stopped = client.get("/?stop=1")
    assert (stopped.status_code, stopped.text) == (403, "stopped by bp")


def test_app_wide_hooks_from_a_blueprint(app: Kolben, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__)
    log: list[str] = []

    @bp.before_app_request
    def before() -> None:
        log.append("before")

    @bp.after_app_request
    def after(response: t.Any) -> t.Any:
        response.headers["X-From-Bp"] = "yes"
        return response

    @bp.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        log.append("teardown")

    @bp.app_url_value_preprocessor
    def preprocess(endpoint: str | None, values: t.Any) -> None:
        log.append(f"preprocess {endpoint}")

    @bp.app_url_defaults
    def defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        if endpoint == "page":
            values.setdefault("n", 7)

    @app.route("/page/<int:n>")
    def page(n: int) -> str:
        return url_for("page")

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="second")  # app-wide hooks are added once
    response = make_client(app).get("/page/1")
    assert response.text == "/page/7"
    assert response.headers["X-From-Bp"] == "yes"
    assert log == ["preprocess page", "before", "teardown"]


def test_url_defaults_run_app_then_outer_to_inner(app: Kolben) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    order: list[str] = []
    for name, owner in (("app", app), ("parent", parent), ("child", child)):
        owner.url_defaults(lambda e, v, name=name: order.append(name))
    child.add_url_rule("/x", "x", lambda: "")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    with app.test_request_context():
        assert url_for("parent.child.x") == "/x"
    assert order == ["app", "parent", "child"]


# -- error handlers --------------------------------------------------------------------


class Boom(Exception):
    pass


class BigBoom(Boom):
    pass


def _errors_app() -> Kolben:
    app = Kolben("errors_app", static_folder=None)
    outer = Blueprint("outer", __name__, url_prefix="/o")
    inner = Blueprint("inner", __name__, url_prefix="/i")

    @app.errorhandler(Boom)
    def app_boom(e: Exception) -> str:
        return "app boom"

    @app.errorhandler(404)
    def app_404(e: Exception) -> tuple[str, int]:
        return "app 404", 404

    @outer.errorhandler(Boom)
    def outer_boom(e: Exception) -> str:
        return "outer boom"

    @outer.errorhandler(HTTPException)
    def outer_http(e: HTTPException) -> tuple[str, int]:
        return f"outer http {e.code}", t.cast(int, e.code)

    @inner.errorhandler(BigBoom)
    def inner_big(e: Exception) -> str:
        return "inner big boom"

    @inner.errorhandler(403)
    def inner_403(e: Exception) -> tuple[str, int]:
        return "inner 403", 403

    def raiser(kind: str) -> str:
        if kind == "boom":
            raise Boom()
        if kind == "big":
            raise BigBoom()
        abort({"403": 403, "404": 404, "400": 400}[kind])

    for owner in (app, outer, inner):
        owner.add_url_rule("/<kind>", "raiser", raiser)
    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    return app


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # innermost blueprint first, then its parents, then the app
        ("/o/i/big", "inner big boom"),
        ("/o/i/boom", "outer boom"),
        ("/o/big", "outer boom"),
        ("/big", "app boom"),
        ("/o/i/403", "inner 403"),
        # a code-specific handler anywhere beats a class handler (Flask's order)
        ("/o/i/404", "app 404"),
        ("/o/i/400", "outer http 400"),
        ("/o/403", "outer http 403"),
        ("/403", "Forbidden"),
        # a URL that matches nothing is the app's, whatever its prefix
        ("/o/i/x/y", "app 404"),
    ],
)
def test_error_handler_precedence(make_client: MakeClient, path: str, expected: str) -> None:
    response = make_client(_errors_app()).get(path)
    assert expected in response.text


def test_app_errorhandler_from_a_blueprint(app: Kolben, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_errorhandler(404)
    def not_found(e: NotFound) -> tuple[str, int]:
        return "handled by bp for the app", 404

    @bp.app_errorhandler(Boom)
    def boom(e: Boom) -> str:
        return "boom"

    @app.route("/boom")
    def raises() -> str:
        raise Boom()

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/nowhere").text == "handled by bp for the app"
    assert client.get("/boom").text == "boom"


def test_errorhandler_validation_on_blueprints() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="not a recognized HTTP error code"):
        bp.errorhandler(999)(lambda e: "")
    with pytest.raises(ValueError, match="not a recognized HTTP error code"):
        bp.app_errorhandler(999)
    with pytest.raises(ValueError, match="not a subclass of Exception"):
        bp.errorhandler(int)(lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="instance"):
        bp.register_error_handler(Boom(), lambda e: "")  # type: ignore[arg-type]


def test_500_handler_of_the_blueprint(make_client: MakeClient) -> None:
    app = Kolben("five_hundred", static_folder=None)
    bp = Blueprint("bp", __name__)

    @bp.errorhandler(500)
    def server_error(e: HTTPException) -> tuple[str, int]:
        original = getattr(e, "original_exception", None)
        return f"bp 500 {type(original).__name__}", 500

    @bp.route("/fail")
    def fail() -> str:
        raise KeyError("x")

    app.register_blueprint(bp)
    app.logger.disabled = True
    response = make_client(app).get("/fail")
    assert (response.status_code, response.text) == (500, "bp 500 KeyError")
