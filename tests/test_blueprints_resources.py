"""Blueprint static files, templates, template helpers, resources and CLI groups (API.md 14)."""

from __future__ import annotations

import pathlib
import typing as t
from collections.abc import Callable
from datetime import timedelta

import click
import pytest

from kolben import Blueprint, Kolben, current_app, render_template, render_template_string, url_for
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


def fetch(client: KolbenClient, path: str, **kwargs: t.Any) -> t.Any:
    """GET ``path``, read the body and close the response (a file stays open until then)."""
    with client.get(path, **kwargs) as response:
        response.get_data()
    return response


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """An app folder with ``static``/``templates`` and an ``admin`` blueprint folder."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("app css")
    (tmp_path / "static" / "shared.css").write_text("app's shared.css")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "shared.html").write_text("app shared")
    (tmp_path / "templates" / "base.html").write_text("[{% block body %}{% endblock %}]")
    admin = tmp_path / "admin"
    (admin / "static" / "img").mkdir(parents=True)
    (admin / "static" / "admin.css").write_text("admin css")
    (admin / "static" / "shared.css").write_text("admin's shared.css")
    (admin / "static" / "img" / "logo.svg").write_text("<svg/>")
    (admin / "templates" / "admin").mkdir(parents=True)
    (admin / "templates" / "shared.html").write_text("admin shared")
    (admin / "templates" / "admin" / "page.html").write_text(
        '{% extends "base.html" %}{% block body %}{{ who }} {{ url_for(".page") }}{% endblock %}'
    )
    (tmp_path / "outside.txt").write_text("outside")
    return tmp_path


def _app(project: pathlib.Path) -> Kolben:
    app = Kolben("resources_app", root_path=str(project))
    app.testing = True
    return app


def _admin(project: pathlib.Path, **kwargs: t.Any) -> Blueprint:
    return Blueprint(
        "admin",
        __name__,
        static_folder="static",
        template_folder="templates",
        root_path=str(project / "admin"),
        **kwargs,
    )


# -- static files ------------------------------------------------------------------------


def test_static_folder_under_the_prefix(project: pathlib.Path, make_client: MakeClient) -> None:
    app = _app(project)
    bp = _admin(project, url_prefix="/admin")
    app.register_blueprint(bp)
    assert bp.static_folder == str(project / "admin" / "static")
    assert bp.static_url_path == "/static"
    client = make_client(app)
    assert fetch(client, "/admin/static/admin.css").text == "admin css"
    assert fetch(client, "/admin/static/img/logo.svg").mimetype == "image/svg+xml"
    assert fetch(client, "/admin/static/shared.css").text == "admin's shared.css"
    assert fetch(client, "/static/shared.css").text == "app's shared.css"
    assert fetch(client, "/admin/static/missing.css").status_code == 404
    for bad in ("/admin/static/../../outside.txt", "/admin/static/%2e%2e/%2e%2e/outside.txt"):
        assert fetch(client, bad).status_code == 404
    with app.test_request_context():
        assert url_for("admin.static", filename="img/logo.svg") == "/admin/static/img/logo.svg"


def test_custom_static_url_path(project: pathlib.Path, make_client: MakeClient) -> None:
    app = _app(project)
    app.register_blueprint(_admin(project, url_prefix="/admin", static_url_path="/assets"))
    client = make_client(app)
    assert fetch(client, "/admin/assets/admin.css").text == "admin css"
    assert fetch(client, "/admin/static/admin.css").status_code == 404


def test_app_static_shadows_an_unprefixed_blueprint(
    project: pathlib.Path, make_client: MakeClient
) -> None:
    app = _app(project)
    app.register_blueprint(_admin(project))
    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint in ("static", "admin.static")]
    assert rules == ["/static/<path:filename>", "/static/<path:filename>"]
    client = make_client(app)
    assert fetch(client, "/static/shared.css").text == "app's shared.css"
    assert fetch(client, "/static/app.css").text == "app css"
    # The blueprint's own files are unreachable: the app's rule answers first.
    assert fetch(client, "/static/admin.css").status_code == 404


def test_static_registered_twice(project: pathlib.Path, make_client: MakeClient) -> None:
    app = _app(project)
    bp = _admin(project)
    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, name="b", url_prefix="/b")
    client = make_client(app)
    assert fetch(client, "/a/static/admin.css").text == "admin css"
    assert fetch(client, "/b/static/admin.css").text == "admin css"
    with app.test_request_context():
        assert url_for("b.static", filename="admin.css") == "/b/static/admin.css"


@pytest.mark.parametrize(
    ("setting", "expected"), [(None, None), (60, 60), (timedelta(hours=1), 3600)]
)
def test_send_file_max_age(
    project: pathlib.Path, make_client: MakeClient, setting: t.Any, expected: int | None
) -> None:
    app = _app(project)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = setting
    bp = _admin(project, url_prefix="/admin")
    app.register_blueprint(bp)
    with app.app_context():
        assert bp.get_send_file_max_age("admin.css") == expected
    response = fetch(make_client(app), "/admin/static/admin.css")
    assert response.cache_control.max_age == expected


def test_blueprint_without_static_folder(app: Kolben) -> None:
    bp = Blueprint("bare", __name__)
    app.register_blueprint(bp)
    assert not any(r.endpoint == "bare.static" for r in app.url_map.iter_rules())
    with app.test_request_context(), pytest.raises(RuntimeError, match="static_folder"):
        bp.send_static_file("x.css")


def test_open_resource(project: pathlib.Path) -> None:
    bp = _admin(project)
    with bp.open_resource("static/admin.css") as f:
        assert f.read() == b"admin css"
    with bp.open_resource("static/admin.css", "r") as f:
        assert f.read() == "admin css"
    with pytest.raises(ValueError, match="reading"):
        bp.open_resource("static/admin.css", "w")


# -- templates --------------------------------------------------------------------------


def test_templates_app_first_then_blueprints(
    project: pathlib.Path, make_client: MakeClient
) -> None:
    app = _app(project)
    bp = _admin(project, url_prefix="/admin")

    @bp.route("/page")
    def page() -> str:
        return render_template("admin/page.html", who="ann")

    @bp.route("/shared")
    def shared() -> str:
        return render_template("shared.html")

    app.register_blueprint(bp)
    client = make_client(app)
    # The blueprint's template extends the app's base and builds relative URLs.
    assert client.get("/admin/page").text == "[ann /admin/page]"
    # The same name in both folders: the app's wins, so apps can override.
    assert client.get("/admin/shared").text == "app shared"


def test_context_processors_are_scoped(app: Kolben, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.context_processor
    def only_in_bp() -> dict[str, t.Any]:
        return {"scope": "bp"}

    @bp.app_context_processor
    def everywhere() -> dict[str, t.Any]:
        return {"site": "kolben"}

    page = "{{ site }} {{ scope | default('none') }}"
    bp.add_url_rule("/", "index", lambda: render_template_string(page))
    app.add_url_rule("/", "index", lambda: render_template_string(page))
    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/bp/").text == "kolben bp"
    assert client.get("/").text == "kolben none"


def test_template_filters_tests_and_globals(app: Kolben) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(value: str) -> str:
        return value.upper()

    @bp.app_template_filter("reverse_it")
    def reverse(value: str) -> str:
        return value[::-1]

    @bp.app_template_test
    def even(value: int) -> bool:
        return value % 2 == 0

    @bp.app_template_global("answer")
    def the_answer() -> int:
        return 42

    # Kolben: the same, declared without the app_ prefix (Jinja's names are
    # global to the environment, so these are app-wide too).
    @bp.template_filter
    def double(value: str) -> str:
        return value * 2

    bp.add_template_test(lambda value: value == 1, name="one")
    bp.add_app_template_global(lambda: "g", name="gee")
    bp.add_app_template_filter(str.title, name="title_case")
    bp.add_app_template_test(lambda value: value is None, name="nothing")
    bp.template_global()(lambda: "h")

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")
    env = app.jinja_env
    assert env.filters["shout"] is shout
    assert env.filters["reverse_it"] is reverse
    assert env.tests["even"] is even
    assert env.globals["answer"] is the_answer
    with app.app_context():
        rendered = render_template_string(
            "{{ 'a'|shout }} {{ 'ab'|reverse_it }} {{ 4 is even }} {{ answer() }}"
            " {{ 'x'|double }} {{ 1 is one }} {{ gee() }} {{ 'ab cd'|title_case }}"
            " {{ none is nothing }}"
        )
    assert rendered == "A ba True 42 xx True g Ab Cd True"
    assert env.globals["<lambda>"]() == "h"


# -- CLI groups -------------------------------------------------------------------------


def _cli_blueprint(**kwargs: t.Any) -> Blueprint:
    bp = Blueprint("tools", __name__, **kwargs)

    @bp.cli.command("hello")
    @click.argument("name")
    def hello(name: str) -> None:
        click.echo(f"hello {name} from {current_app.name}")

    return bp


@pytest.mark.parametrize(
    ("kwargs", "options", "args"),
    [
        ({}, {}, ["tools", "hello", "ann"]),
        ({"cli_group": "admin"}, {}, ["admin", "hello", "ann"]),
        ({"cli_group": None}, {}, ["hello", "ann"]),
        ({}, {"cli_group": "ops"}, ["ops", "hello", "ann"]),
        ({"cli_group": "admin"}, {"cli_group": None}, ["hello", "ann"]),
    ],
)
def test_cli_group(
    app: Kolben, kwargs: dict[str, t.Any], options: dict[str, t.Any], args: list[str]
) -> None:
    bp = _cli_blueprint(**kwargs)
    assert bp.cli_group == kwargs.get("cli_group", bp.cli_group)
    app.register_blueprint(bp, **options)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output == "hello ann from kolben_test_app\n"


def test_blueprint_without_commands_adds_no_group(app: Kolben) -> None:
    app.register_blueprint(Blueprint("quiet", __name__))
    assert "quiet" not in app.cli.commands
