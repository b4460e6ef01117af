"""Jinja2 templates: environment, loaders, context, rendering, streaming, async,
signals (API.md 11, 16)."""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import threading
import typing as t
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from jinja2 import Template, TemplateNotFound, TemplatesNotFound
from markupsafe import Markup

from kolben import (
    Kolben,
    before_render_template,
    g,
    get_template_attribute,
    render_template,
    render_template_string,
    request,
    session,
    signals,
    stream_template,
    stream_template_string,
    template_rendered,
)
from kolben.blueprints import Blueprint
from kolben.json.provider import DefaultJSONProvider
from kolben.templating import (
    DispatchingJinjaLoader,
    Environment,
    render_template_async,
    render_template_string_async,
)
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


def _write(root: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


APP_TEMPLATES = {
    "templates/base.html": (
        "<title>{% block title %}Site{% endblock %}</title>"
        "<main>{% block body %}{% endblock %}</main>"
        "{% include 'footer.html' %}"
    ),
    "templates/footer.html": "<footer>{{ config.FOOTER }}</footer>",
    "templates/_macros.html": (
        "{% macro greet(name) %}<b>Hi {{ name }}</b>{% endmacro %}{% set answer = 42 %}"
    ),
    "templates/page.html": (
        "{% extends 'base.html' %}{% from '_macros.html' import greet %}"
        "{% block title %}{{ title }} - {{ super() }}{% endblock %}"
        "{% block body %}{{ greet(name) }}<ul>{% for i in items %}<li>{{ i }}</li>"
        "{% endfor %}</ul>{% endblock %}"
    ),
    "templates/shared.html": "app's shared",
    "templates/plain.txt": "{{ value }}",
    "templates/page.htm": "{{ value }}",
    "templates/feed.xml": "<x>{{ value }}</x>",
    "templates/page.xhtml": "{{ value }}",
    "templates/icon.svg": "<svg>{{ value }}</svg>",
    "templates/ctx.html": "{{ who }}|{{ extra }}",
    "templates/stream.html": "{% for i in items %}[{{ i }}]{% endfor %}{{ request.path }}",
}

BLUEPRINT_TEMPLATES = {
    "admin_pkg/templates/admin/index.html": (
        "{% extends 'base.html' %}{% block body %}admin {% include 'admin/_row.html' %}"
        "{% endblock %}"
    ),
    "admin_pkg/templates/admin/_row.html": "<tr>{{ row }}</tr>",
    "admin_pkg/templates/shared.html": "admin's shared",
    "admin_pkg/templates/only_admin.html": "only in admin",
    "shop_pkg/tmpl/only_admin.html": "shop's copy",
    "shop_pkg/tmpl/shop.html": "shop {{ 1 + 1 }}",
}


@pytest.fixture
def root(tmp_path: pathlib.Path) -> pathlib.Path:
    return _write(tmp_path, {**APP_TEMPLATES, **BLUEPRINT_TEMPLATES})


@pytest.fixture
def app(root: pathlib.Path) -> Kolben:
    app = Kolben("templating_app", root_path=str(root))
    app.config.update(TESTING=True, FOOTER="the footer", SECRET_KEY="k")
    return app


def _blueprints(app: Kolben, root: pathlib.Path) -> tuple[Blueprint, Blueprint]:
    admin = Blueprint(
        "admin", __name__, template_folder="templates", root_path=str(root / "admin_pkg")
    )
    shop = Blueprint("shop", __name__, template_folder="tmpl", root_path=str(root / "shop_pkg"))

    @admin.route("/admin/")
    def index() -> str:
        return render_template("admin/index.html", row="r1")

    @shop.route("/shop/")
    def shop_view() -> str:
        return render_template("shop.html")

    app.register_blueprint(admin)
    app.register_blueprint(shop)
    return admin, shop


# -- rendering and the loader ------------------------------------------------------------


def test_inheritance_macros_and_includes(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("page.html", title="Home", name="<Ann>", items=[1, 2])

    response = make_client(app).get("/")
    assert response.text == (
        "<title>Home - Site</title><main><b>Hi &lt;Ann&gt;</b><ul><li>1</li><li>2</li></ul>"
        "</main><footer>the footer</footer>"
    )
    assert response.mimetype == "text/html"


def test_blueprint_templates(app: Kolben, root: pathlib.Path, make_client: MakeClient) -> None:
    _blueprints(app, root)
    client = make_client(app)
    # A blueprint template extends the app's base and includes its own partial.
    assert client.get("/admin/").text == (
        "<title>Site</title><main>admin <tr>r1</tr></main><footer>the footer</footer>"
    )
    assert client.get("/shop/").text == "shop 2"


def test_loader_order_app_first_then_blueprints_in_registration_order(
    app: Kolben, root: pathlib.Path
) -> None:
    _blueprints(app, root)
    with app.app_context():
        assert render_template("shared.html") == "app's shared"
        assert render_template("only_admin.html") == "only in admin"
        assert render_template("shop.html") == "shop 2"
    loader = app.jinja_env.loader
    assert isinstance(loader, DispatchingJinjaLoader)
    names = loader.list_templates()
    assert "admin/index.html" in names
    assert "shop.html" in names
    assert "page.html" in names
    assert names == sorted(set(names))


def test_blueprint_without_template_folder_is_skipped(app: Kolben) -> None:
    app.register_blueprint(Blueprint("bare", __name__))
    with app.app_context():
        assert render_template("shared.html") == "app's shared"


def test_jinja_loader_is_cached_per_scaffold(app: Kolben, root: pathlib.Path) -> None:
    loader = app.jinja_loader
    assert loader is app.jinja_loader
    assert loader is not None
    assert loader.searchpath == [os.path.join(str(root), "templates")]  # type: ignore[attr-defined]
    assert Kolben("x", root_path=str(root), template_folder=None).jinja_loader is None


def test_list_of_names_renders_the_first_that_exists(app: Kolben) -> None:
    with app.app_context():
        assert render_template(["missing.html", "shared.html"]) == "app's shared"
        with pytest.raises(TemplatesNotFound):
            render_template(["missing.html", "also-missing.html"])
        with pytest.raises(TemplateNotFound):
            render_template("missing.html")


def test_missing_template_is_a_500(app: Kolben, make_client: MakeClient) -> None:
    # Explicit: a leaked KOLBEN_DEBUG would otherwise make errors propagate.
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/")
    def index() -> str:
        return render_template("nope.html")

    assert make_client(app).get("/").status_code == 500


def test_rendering_needs_only_an_app_context(app: Kolben) -> None:
    with app.app_context():
        assert render_template_string("{{ 1 + 2 }} {{ g is defined }}") == "3 True"
    with pytest.raises(RuntimeError, match="application context"):
        render_template_string("x")
    with pytest.raises(RuntimeError, match="application context"):
        render_template("page.html")


def test_get_template_attribute(app: Kolben) -> None:
    with app.app_context():
        greet = get_template_attribute("_macros.html", "greet")
        assert greet("<x>") == Markup("<b>Hi &lt;x&gt;</b>")
        assert get_template_attribute("_macros.html", "answer") == 42


# -- autoescaping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("page.htm", "&lt;i&gt;"),
        ("feed.xml", "<x>&lt;i&gt;</x>"),
        ("page.xhtml", "&lt;i&gt;"),
        ("icon.svg", "<svg>&lt;i&gt;</svg>"),
        ("plain.txt", "<i>"),
    ],
)
def test_autoescape_by_extension(app: Kolben, name: str, expected: str) -> None:
    with app.app_context():
        assert render_template(name, value="<i>") == expected


def test_strings_are_autoescaped_and_markup_is_the_way_around(app: Kolben) -> None:
    with app.app_context():
        assert render_template_string("{{ v }}", v="<i>") == "&lt;i&gt;"
        assert render_template_string("{{ v }}", v=Markup("<i>")) == "<i>"
        assert render_template_string("{{ v|safe }}", v="<i>") == "<i>"
        assert render_template_string("{% autoescape false %}{{ v }}{% endautoescape %}", v="<")
    assert app.select_jinja_autoescape(None) is True
    assert app.select_jinja_autoescape("a.HTML") is False  # extensions are case-sensitive
    assert app.select_jinja_autoescape("a.txt") is False


# -- the environment ----------------------------------------------------------------------


def test_environment_is_lazy_and_knows_its_app(app: Kolben) -> None:
    assert "jinja_env" not in app.__dict__
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    assert app.jinja_env is env
    for name in ("url_for", "get_flashed_messages", "config", "request", "session", "g"):
        assert name in env.globals
    assert env.globals["config"] is app.config
    assert env.policies["json.dumps_function"] == app.json.dumps


def test_jinja_options_and_environment_class(root: pathlib.Path) -> None:
    class MyEnvironment(Environment):
        pass

    class MyApp(Kolben):
        jinja_environment = MyEnvironment
        jinja_options = {"trim_blocks": True, "autoescape": False, "auto_reload": True}

    app = MyApp("opts", root_path=str(root))
    assert isinstance(app.jinja_env, MyEnvironment)
    assert app.jinja_env.trim_blocks is True
    assert app.jinja_env.auto_reload is True
    with app.app_context():
        assert render_template_string("{{ v }}", v="<i>") == "<i>"
    app.jinja_options = {"trim_blocks": False}  # too late: the environment exists
    assert app.jinja_env.trim_blocks is True


def test_environment_with_its_own_loader(root: pathlib.Path) -> None:
    from jinja2 import DictLoader

    class MyApp(Kolben):
        jinja_options = {"loader": DictLoader({"a.html": "dict {{ 1 }}"})}

    app = MyApp("own_loader", root_path=str(root))
    with app.app_context():
        assert render_template("a.html") == "dict 1"


@pytest.mark.parametrize(
    ("debug", "setting", "expected"),
    [(False, None, False), (True, None, True), (True, False, False), (False, True, True)],
)
def test_auto_reload_follows_debug_unless_configured(
    root: pathlib.Path, debug: bool, setting: bool | None, expected: bool
) -> None:
    app = Kolben("reload", root_path=str(root))
    app.config.update(DEBUG=debug, TEMPLATES_AUTO_RELOAD=setting)
    assert app.jinja_env.auto_reload is expected


def test_setting_debug_updates_auto_reload(app: Kolben) -> None:
    app.debug = False
    assert "jinja_env" not in app.__dict__  # not created just for this
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is False


def test_configured_auto_reload_is_not_changed_by_debug(root: pathlib.Path) -> None:
    app = Kolben("reload", root_path=str(root))
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is True


def test_templates_reload_when_auto_reload_is_on(app: Kolben, root: pathlib.Path) -> None:
    path = root / "templates" / "shared.html"
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    with app.app_context():
        assert render_template("shared.html") == "app's shared"
        path.write_text("changed", encoding="utf-8")
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 5))
        assert render_template("shared.html") == "changed"


def test_templates_are_cached_when_auto_reload_is_off(app: Kolben, root: pathlib.Path) -> None:
    path = root / "templates" / "shared.html"
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    with app.app_context():
        assert render_template("shared.html") == "app's shared"
        path.write_text("changed", encoding="utf-8")
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 5))
        assert render_template("shared.html") == "app's shared"


def test_globals_precedence(app: Kolben) -> None:
    # Kolben builds the render context its own (faster) way; the layering
    # must stay Jinja's: render arguments over template globals over the
    # environment's globals.
    app.jinja_env.globals["x"] = "env"
    env_only = app.jinja_env.from_string("{{ x }}")
    own = app.jinja_env.from_string("{{ x }}|{{ y }}", globals={"x": "template", "y": "t"})
    assert isinstance(own, Template)
    with app.app_context():
        assert env_only.render() == "env"
        assert own.render() == "template|t"
        assert own.render(x="var") == "var|t"
        assert "".join(own.generate(y="gen")) == "template|gen"
        module = app.jinja_env.from_string("{% set z = x %}", globals={"x": "m"}).module
        assert module.z == "m"  # type: ignore[attr-defined]
    app.jinja_env.globals["x"] = "changed"
    assert env_only.render() == "changed"


# -- the context --------------------------------------------------------------------------


def test_default_context(app: Kolben, make_client: MakeClient) -> None:
    app.config["ANSWER"] = 42

    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        g.user = "gee"
        return render_template_string(
            "{{ config.ANSWER }} {{ request.view_args.name }} {{ g.user }}"
            " {{ url_for('hello', name='x') }} {{ get_flashed_messages() }}"
            " {{ request.__class__.__name__ }}"
        )

    assert make_client(app).get("/hello/bob").text == "42 bob gee /hello/x [] Request"


def test_context_holds_the_real_request_and_g(app: Kolben) -> None:
    seen: dict[str, t.Any] = {}

    def spy(sender: Kolben, template: t.Any, context: dict[str, t.Any]) -> None:
        seen.update(context)

    with app.test_request_context("/x"), before_render_template.connected_to(spy, app):
        render_template_string("")
        assert seen["request"] is request._get_current_object()  # type: ignore[attr-defined]
        assert seen["g"] is g._get_current_object()  # type: ignore[attr-defined]
        # session is left to the proxy global: resolving it marks the session
        # accessed, which must happen only when a template reads it.
        assert "session" not in seen


def test_templates_touch_the_session_only_when_they_use_it(
    app: Kolben, make_client: MakeClient
) -> None:
    @app.route("/without")
    def without() -> str:
        return render_template_string("{{ request.path }}")

    @app.route("/with")
    def with_session() -> str:
        return render_template_string("{{ session.get('user') }}")

    client = make_client(app)
    assert "Vary" not in client.get("/without").headers
    response = client.get("/with")
    assert response.text == "None"
    assert response.headers["Vary"] == "Cookie"


def test_context_processors_and_explicit_values(app: Kolben) -> None:
    @app.context_processor
    def first() -> dict[str, t.Any]:
        return {"who": "processor", "extra": "first"}

    @app.context_processor
    def second() -> dict[str, t.Any]:
        return {"extra": "second"}

    with app.app_context():
        assert render_template("ctx.html") == "processor|second"
        assert render_template("ctx.html", who="explicit") == "explicit|second"
    assert app.template_context_processors[None][1:] == [first, second]


def test_async_context_processor(app: Kolben, make_client: MakeClient) -> None:
    @app.context_processor
    async def user() -> dict[str, t.Any]:
        await asyncio.sleep(0)
        return {"who": "async user"}

    @app.route("/")
    def index() -> str:
        return render_template("ctx.html", extra="x")

    assert make_client(app).get("/").text == "async user|x"


def test_blueprint_context_processors_apply_to_their_requests(
    app: Kolben, make_client: MakeClient
) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    order: list[str] = []

    @app.context_processor
    def app_level() -> dict[str, t.Any]:
        order.append("app")
        return {"who": "app", "extra": "app"}

    @parent.context_processor
    def parent_level() -> dict[str, t.Any]:
        order.append("parent")
        return {"who": "parent"}

    @child.context_processor
    def child_level() -> dict[str, t.Any]:
        order.append("child")
        return {"extra": "child"}

    @child.route("/")
    def inner() -> str:
        return render_template("ctx.html")

    @app.route("/outside")
    def outside() -> str:
        return render_template("ctx.html")

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = make_client(app)
    assert client.get("/p/c/").text == "parent|child"
    assert order == ["app", "parent", "child"]
    assert client.get("/outside").text == "app|app"


def test_update_template_context_can_be_overridden(root: pathlib.Path) -> None:
    class MyApp(Kolben):
        def update_template_context(self, context: dict[str, t.Any]) -> None:
            super().update_template_context(context)
            context["who"] = "override"

    app = MyApp("override", root_path=str(root))
    with app.app_context():
        assert render_template("ctx.html", extra="e") == "override|e"


# -- filters, tests, globals --------------------------------------------------------------


def test_template_filters_tests_and_globals(app: Kolben) -> None:
    @app.template_filter()
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_filter("shout")
    def make_loud(s: str) -> str:
        return s.upper()

    @app.template_filter
    def bare_filter(s: str) -> str:
        return f"[{s}]"

    app.add_template_filter(lambda s: s * 2, "double")

    @app.template_test()
    def boolean(value: t.Any) -> bool:
        return isinstance(value, bool)

    @app.template_test("even_number")
    def is_even(n: int) -> bool:
        return n % 2 == 0

    app.add_template_test(lambda v: v is None, "nothing")

    @app.template_global()
    def answer() -> int:
        return 42

    @app.template_global("pi")
    def get_pi() -> float:
        return 3.14

    app.add_template_global(lambda: "added", "added")

    @app.template_global
    def bare_global() -> str:
        return "bare"

    with app.app_context():
        out = render_template_string(
            "{{ 'abc'|reverse }} {{ 'abc'|shout }} {{ 'x'|bare_filter }} {{ 'ab'|double }}"
            " {{ True is boolean }} {{ 4 is even_number }} {{ none is nothing }}"
            " {{ answer() }} {{ pi() }} {{ added() }} {{ bare_global() }}"
        )
    assert out == "cba ABC [x] abab True True True 42 3.14 added bare"
    assert app.jinja_env.filters["reverse"] is reverse
    assert app.jinja_env.tests["boolean"] is boolean
    assert app.jinja_env.globals["answer"] is answer


def test_template_setup_methods_are_closed_after_the_first_request(
    app: Kolben, make_client: MakeClient
) -> None:
    app.add_url_rule("/", "index", lambda: "ok")
    make_client(app).get("/")
    for method in (app.add_template_filter, app.add_template_test, app.add_template_global):
        with pytest.raises(AssertionError, match="can no longer be called"):
            method(len)
    with pytest.raises(AssertionError, match="can no longer be called"):
        app.template_filter()


def test_blueprint_app_template_filter(app: Kolben) -> None:
    bp = Blueprint("filters", __name__)

    @bp.app_template_filter()
    def twice(s: str) -> str:
        return s * 2

    app.register_blueprint(bp)
    with app.app_context():
        assert render_template_string("{{ 'a'|twice }}") == "aa"


# -- tojson ---------------------------------------------------------------------------------


def test_tojson_is_safe_in_script_and_sorted(app: Kolben) -> None:
    with app.app_context():
        out = render_template_string(
            "<script>var d = {{ d|tojson }};</script>",
            d={"z": "</script><!--", "a": "'&'", "when": date(2024, 1, 2)},
        )
    assert out == (
        '<script>var d = {"a": "\\u0027\\u0026\\u0027", "when": "Tue, 02 Jan 2024 00:00:00 GMT",'
        ' "z": "\\u003c/script\\u003e\\u003c!--"};</script>'
    )


def test_tojson_uses_the_app_json_provider(app: Kolben) -> None:
    class Point:
        def __init__(self, x: int) -> None:
            self.x = x

    class Provider(DefaultJSONProvider):
        ensure_ascii = False

        @staticmethod
        def default(o: t.Any) -> t.Any:
            if isinstance(o, Point):
                return {"x": o.x}
            return DefaultJSONProvider.default(o)

    app.json = Provider(app)
    with app.app_context():
        assert (
            render_template_string("{{ p|tojson }}", p=[Point(1), "\u00e9"])
            == '[{"x": 1}, "\u00e9"]'
        )
        assert isinstance(render_template_string("{{ 1|tojson }}"), str)


# -- streaming ------------------------------------------------------------------------------


def test_stream_template(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/stream")
    def stream() -> t.Any:
        return stream_template("stream.html", items=[1, 2, 3])

    @app.route("/stream-string")
    def stream_string() -> t.Any:
        return stream_template_string("{{ request.args.q }}{% for i in n %}.{% endfor %}", n="ab")

    client = make_client(app)
    response = client.get("/stream")
    assert response.is_streamed or response.interface == "asgi"  # type: ignore[attr-defined]
    assert response.text == "[1][2][3]/stream"
    assert client.get("/stream-string?q=<q>").text == "&lt;q&gt;.."


def test_stream_template_outside_a_request(app: Kolben) -> None:
    with app.app_context():
        chunks = stream_template_string("{% for i in n %}{{ i }}{% endfor %}", n=[1, 2])
        assert isinstance(chunks, Iterator)
        assert "".join(chunks) == "12"


def test_template_rendered_is_sent_when_the_stream_ends(app: Kolben) -> None:
    events: list[str] = []

    def rendered(sender: Kolben, template: t.Any, context: dict[str, t.Any]) -> None:
        events.append("rendered")

    with app.test_request_context(), template_rendered.connected_to(rendered, app):
        chunks = stream_template_string("{% for i in n %}{{ i }}{% endfor %}", n=[1, 2])
        assert events == []
        assert next(chunks) == "1"
        assert events == []
        assert list(chunks) == ["2"]
        assert events == ["rendered"]


# -- async ----------------------------------------------------------------------------------


def test_render_template_async_runs_off_the_event_loop(
    app: Kolben, make_client: MakeClient
) -> None:
    threads: dict[str, int] = {}

    @app.context_processor
    def where() -> dict[str, t.Any]:
        threads["render"] = threading.get_ident()
        return {"who": request.path}

    @app.route("/async")
    async def view() -> str:
        threads["view"] = threading.get_ident()
        session["seen"] = True
        return await render_template_async("ctx.html", extra=g.get("nothing", "e"))

    @app.route("/async-string")
    async def view_string() -> str:
        return await render_template_string_async("{{ v }} {{ session.seen }}", v="<v>")

    client = make_client(app)
    assert client.get("/async").text == "/async|e"
    assert threads["render"] != threads["view"]
    assert client.get("/async-string").text == "&lt;v&gt; True"


def test_render_template_async_with_async_processor(app: Kolben, make_client: MakeClient) -> None:
    @app.context_processor
    async def user() -> dict[str, t.Any]:
        await asyncio.sleep(0)
        return {"who": "async processor"}

    @app.route("/")
    async def view() -> str:
        return await render_template_async("ctx.html", extra=1)

    assert make_client(app).get("/").text == "async processor|1"


def test_enable_async_environment(root: pathlib.Path, make_client: MakeClient) -> None:
    class AsyncApp(Kolben):
        jinja_options = {"enable_async": True}

    app = AsyncApp("async_env", root_path=str(root))
    app.config["TESTING"] = True
    events: list[str] = []

    async def fetch(n: int) -> str:
        await asyncio.sleep(0)
        return f"fetched {n}"

    def rendered(sender: Kolben, template: t.Any, context: dict[str, t.Any]) -> None:
        events.append(context.get("extra", "-"))

    @app.route("/")
    async def view() -> str:
        return await render_template_async("ctx.html", who=await fetch(1), extra="e")

    @app.route("/string")
    async def view_string() -> str:
        return await render_template_string_async("{{ fetch(2) }}", fetch=fetch)

    @app.route("/sync")
    def sync_view() -> str:
        return render_template("ctx.html", who="sync", extra="x")

    client = make_client(app)
    with template_rendered.connected_to(rendered, app):
        assert client.get("/").text == "fetched 1|e"
        assert client.get("/string").text == "fetched 2"
        assert client.get("/sync").text == "sync|x"
    assert events == ["e", "-", "x"]


# -- signals -------------------------------------------------------------------------------------


def test_render_signals(app: Kolben, make_client: MakeClient) -> None:
    recorded: list[tuple[str, t.Any, t.Any, dict[str, t.Any]]] = []

    def before(sender: Kolben, template: t.Any, context: dict[str, t.Any]) -> None:
        recorded.append(("before", sender, template, dict(context)))

    def after(sender: Kolben, template: t.Any, context: dict[str, t.Any]) -> None:
        recorded.append(("after", sender, template, dict(context)))

    @app.route("/")
    def index() -> str:
        return render_template("ctx.html", who="w", extra="e")

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
    ):
        assert make_client(app).get("/").text == "w|e"
    assert [r[0] for r in recorded] == ["before", "after"]
    for _name, sender, template, context in recorded:
        assert sender is app
        assert template.name == "ctx.html"
        assert context["who"] == "w"
        assert "request" in context
        assert "g" in context


def test_render_signals_are_not_sent_without_receivers(
    app: Kolben, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: t.Any, **kwargs: t.Any) -> None:
        raise AssertionError("sent without receivers")

    monkeypatch.setattr(signals, "in_use", True)
    monkeypatch.setattr(before_render_template, "send", boom)
    monkeypatch.setattr(template_rendered, "send", boom)
    with app.app_context():
        assert render_template_string("ok") == "ok"
        assert "".join(stream_template_string("ok")) == "ok"


# -- EXPLAIN_TEMPLATE_LOADING ----------------------------------------------------------------


def test_explain_template_loading(
    app: Kolben, root: pathlib.Path, caplog: pytest.LogCaptureFixture, make_client: MakeClient
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    _blueprints(app, root)
    caplog.set_level(logging.INFO, logger=app.logger.name)
    with app.app_context():
        assert render_template("only_admin.html") == "only in admin"
    text = caplog.text
    assert "Looking for template 'only_admin.html'" in text
    assert "the application 'templating_app'" in text
    assert "the blueprint 'admin'" in text
    assert "not there" in text
    assert "found at" in text
    assert "several loaders have this template" in text  # admin's and shop's

    caplog.clear()
    with app.app_context():
        assert render_template("page.html", title="t", name="n", items=[]).startswith("<title>")
    assert "Looking for template 'page.html'" in caplog.text
    assert "Looking for template 'base.html'" in caplog.text

    caplog.clear()
    with app.test_request_context("/admin/"), pytest.raises(TemplateNotFound):
        render_template("nowhere.html")
    assert "Error: no loader has this template." in caplog.text
    assert "blueprint 'admin'" in caplog.text
    assert "subfolder" in caplog.text
