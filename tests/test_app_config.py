"""The app's configuration, paths, resources, name, logger and shell (API.md sections 3, 4, 19)."""

from __future__ import annotations

import io
import logging
import os
import sys
import typing as t
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

import kolben
from kolben import Config, Flask, Kolben, current_app, g, make_response
from kolben.logging import default_handler, has_level_handler, wsgi_errors_stream
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]

EXPECTED_DEFAULTS: dict[str, t.Any] = {
    "DEBUG": False,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": "Lax",  # Kolben: Lax (Flask: None)
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": None,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    # Kolben's own: websocket messages above 1 MiB close the socket with 1009.
    "WEBSOCKET_MAX_MESSAGE_SIZE": 1024 * 1024,
}


@pytest.fixture(autouse=True)
def _no_debug_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOLBEN_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def test_default_config() -> None:
    app = Kolben("config_app", static_folder=None)
    assert isinstance(app.config, Config)
    assert dict(app.config) == EXPECTED_DEFAULTS
    assert Kolben.default_config["DEBUG"] is None
    assert set(Kolben.default_config) == set(EXPECTED_DEFAULTS)


def test_config_root_path_is_app_root() -> None:
    app = Kolben("config_app", root_path="/srv/app", static_folder=None)
    assert app.config.root_path == "/srv/app"


def test_flask_alias() -> None:
    assert Flask is Kolben
    assert kolben.Flask is kolben.Kolben


def test_config_properties() -> None:
    app = Kolben("config_app", static_folder=None)
    assert app.debug is False
    app.debug = True
    assert app.config["DEBUG"] is True
    assert app.debug is True
    app.config["DEBUG"] = False
    assert app.debug is False

    assert app.testing is False
    app.testing = True
    assert app.config["TESTING"] is True

    assert app.secret_key is None
    app.secret_key = "s3cret"
    assert app.config["SECRET_KEY"] == "s3cret"
    app.config["SECRET_KEY"] = b"bytes"
    assert app.secret_key == b"bytes"

    assert app.permanent_session_lifetime == timedelta(days=31)
    app.permanent_session_lifetime = 60  # type: ignore[assignment]
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 60
    assert app.permanent_session_lifetime == timedelta(seconds=60)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=1)
    assert app.permanent_session_lifetime == timedelta(hours=1)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("KOLBEN_DEBUG", "1", True),
        ("KOLBEN_DEBUG", "true", True),
        ("KOLBEN_DEBUG", "0", False),
        ("KOLBEN_DEBUG", "false", False),
        ("KOLBEN_DEBUG", "no", False),
        ("FLASK_DEBUG", "1", True),
        ("FLASK_DEBUG", "False", False),
        ("FLASK_DEBUG", "", False),
        ("FLASK_DEBUG", "NO", False),
        # Flask's words are exactly "0", "false" and "no"; anything else is on.
        ("FLASK_DEBUG", "off", True),
    ],
)
def test_debug_from_environment(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: bool
) -> None:
    monkeypatch.setenv(name, value)
    app = Kolben("config_app", static_folder=None)
    assert app.debug is expected
    assert app.config["DEBUG"] is expected


def test_kolben_debug_wins_over_flask_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOLBEN_DEBUG", "0")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert Kolben("config_app", static_folder=None).debug is False


def test_debug_changes_defaults_through_the_app(make_client: MakeClient) -> None:
    app = Kolben("config_app", static_folder=None)
    app.add_url_rule("/", "index", lambda: 1 / 0)
    app.add_url_rule("/json", "json", lambda: {"a": 1})
    client = make_client(app)
    assert client.get("/").status_code == 500
    assert client.get("/json").data == b'{"a":1}\n'
    app.debug = True
    with pytest.raises(ZeroDivisionError):
        client.get("/")
    assert client.get("/json").data == b'{\n  "a": 1\n}\n'


# -- paths -----------------------------------------------------------------------------------


def test_instance_path_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute"):
        Kolben("config_app", instance_path="relative/instance")


def test_instance_path_explicit(tmp_path: Path) -> None:
    app = Kolben("config_app", instance_path=str(tmp_path), static_folder=None)
    assert app.instance_path == str(tmp_path)


def test_default_instance_path_for_a_module() -> None:
    # This test module is not installed: its folder gets "instance".
    app = Kolben(__name__, static_folder=None)
    here = os.path.dirname(os.path.abspath(__file__))
    assert app.root_path == here
    assert app.instance_path == os.path.join(here, "instance")


def test_default_instance_path_for_an_unknown_module() -> None:
    app = Kolben("no_such_module_anywhere", static_folder=None)
    assert app.root_path == os.getcwd()
    assert app.instance_path == os.path.join(os.getcwd(), "instance")


def test_default_instance_path_for_an_installed_package() -> None:
    app = Kolben("blinker", static_folder=None)
    assert app.instance_path == os.path.join(os.path.abspath(sys.prefix), "var", "blinker-instance")


def test_instance_relative_config(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("SECRET_KEY = 'from instance'\nlower = 1\n")
    app = Kolben(
        "config_app",
        instance_path=str(tmp_path),
        instance_relative_config=True,
        static_folder=None,
    )
    assert app.config.root_path == str(tmp_path)
    assert app.config.from_pyfile("settings.py")
    assert app.secret_key == "from instance"
    assert "lower" not in app.config

    plain = Kolben("config_app", instance_path=str(tmp_path), static_folder=None)
    assert plain.config.root_path == plain.root_path


# -- resources ---------------------------------------------------------------------------------


def test_open_resource(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "file.txt").write_text("héllo", encoding="utf-8")
    app = Kolben("config_app", root_path=str(tmp_path), static_folder=None)
    with app.open_resource("data/file.txt") as f:
        assert f.read() == "héllo".encode()
    with app.open_resource("data/file.txt", "r", encoding="utf-8") as f:
        assert f.read() == "héllo"
    with app.open_resource("data/file.txt", "rt", encoding="utf-8") as f:
        assert f.read() == "héllo"


@pytest.mark.parametrize("mode", ["w", "wb", "a", "r+", "rb+", "x"])
def test_open_resource_refuses_writing(tmp_path: Path, mode: str) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep")
    app = Kolben("config_app", root_path=str(tmp_path), static_folder=None)
    with pytest.raises(ValueError, match="reading"):
        app.open_resource("file.txt", mode)
    assert target.read_text() == "keep"


def test_open_instance_resource(tmp_path: Path) -> None:
    app = Kolben("config_app", instance_path=str(tmp_path), static_folder=None)
    with app.open_instance_resource("out.txt", "w") as f:
        f.write("ünïcode")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "ünïcode"
    with app.open_instance_resource("out.txt") as f:
        assert f.read() == "ünïcode".encode()
    with app.open_instance_resource("out.txt", "r") as f:
        assert f.read() == "ünïcode"


# -- name ----------------------------------------------------------------------------------------


def test_name() -> None:
    assert Kolben("some.module", static_folder=None).name == "some.module"


def test_name_under_main(monkeypatch: pytest.MonkeyPatch) -> None:
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__file__", "/srv/project/serve_app.py", raising=False)
    assert Kolben("__main__", static_folder=None).name == "serve_app"
    monkeypatch.delattr(main, "__file__", raising=False)
    assert Kolben("__main__", static_folder=None).name == "__main__"


# -- logger --------------------------------------------------------------------------------------


@pytest.fixture
def fresh_logger_name(request: pytest.FixtureRequest) -> t.Iterator[str]:
    name = f"kolben_logger_test_{request.node.name}"
    yield name
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)


def test_logger_name_and_level(fresh_logger_name: str) -> None:
    app = Kolben(fresh_logger_name, static_folder=None)
    assert app.logger is logging.getLogger(fresh_logger_name)
    assert app.logger.name == app.name
    assert app.logger.level == logging.NOTSET


def test_logger_is_debug_in_debug_mode(fresh_logger_name: str) -> None:
    app = Kolben(fresh_logger_name, static_folder=None)
    app.debug = True
    assert app.logger.level == logging.DEBUG


def test_logger_keeps_an_explicit_level_in_debug(fresh_logger_name: str) -> None:
    logging.getLogger(fresh_logger_name).setLevel(logging.WARNING)
    app = Kolben(fresh_logger_name, static_folder=None)
    app.debug = True
    assert app.logger.level == logging.WARNING


def test_default_handler_added_when_no_handler(
    fresh_logger_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])
    app = Kolben(fresh_logger_name, static_folder=None)
    assert default_handler in app.logger.handlers
    assert default_handler.formatter is not None
    assert default_handler.formatter._fmt == (  # type: ignore[union-attr]
        "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"
    )


def test_no_default_handler_when_one_exists(fresh_logger_name: str) -> None:
    # pytest's capture handler sits on the root logger.
    assert has_level_handler(logging.getLogger(fresh_logger_name))
    app = Kolben(fresh_logger_name, static_folder=None)
    assert default_handler not in app.logger.handlers


def test_default_handler_writes_to_wsgi_errors(
    fresh_logger_name: str, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])
    app = Kolben(fresh_logger_name, static_folder=None)

    @app.route("/")
    def index() -> str:
        current_app.logger.warning("from the view")
        return "ok"

    errors = io.StringIO()
    app.logger  # noqa: B018 - attach the default handler now
    make_client(app).get("/", errors_stream=errors)
    assert "WARNING in test_app_config: from the view" in errors.getvalue()
    assert wsgi_errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]


# -- shell -----------------------------------------------------------------------------------------


def test_make_shell_context(app: Kolben) -> None:
    assert app.make_shell_context() == {"app": app, "g": g}

    @app.shell_context_processor
    def extra() -> dict[str, t.Any]:
        return {"answer": 42, "app": "overridden"}

    context = app.make_shell_context()
    assert context["answer"] == 42
    assert context["app"] == "overridden"
    assert context["g"] is g
    assert app.shell_context_processors == [extra]


# -- other attributes ------------------------------------------------------------------------------


def test_instance_attributes(app: Kolben) -> None:
    assert app.import_name == "kolben_test_app"
    assert app.extensions == {}
    assert app.blueprints == {}
    assert app.url_build_error_handlers == []
    assert app.teardown_appcontext_funcs == []
    assert app.subdomain_matching is False
    assert app.url_map.host_matching is False
    assert app.aborter is not None
    assert app.json.__class__.__name__ == "DefaultJSONProvider"
    assert repr(app) == "<Kolben 'kolben_test_app'>"


def test_max_cookie_size_comes_from_the_config(app: Kolben) -> None:
    app.config["MAX_COOKIE_SIZE"] = 40
    with app.test_request_context():
        response = make_response("x")
        assert response.max_cookie_size == 40
        with pytest.warns(UserWarning, match="40"):
            response.set_cookie("name", "v" * 60)
        app.config["MAX_COOKIE_SIZE"] = 0
        response.set_cookie("name", "v" * 5000)  # 0 turns the warning off
