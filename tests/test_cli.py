"""The ``kolben`` command line: app discovery, env files, commands (API.md 18),
through click's runner and through a real subprocess."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
import typing as t
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kolben import Blueprint, Kolben, current_app
from kolben.cli import (
    AppGroup,
    FlaskGroup,
    KolbenGroup,
    NoAppException,
    ScriptInfo,
    cli,
    find_best_app,
    load_dotenv,
    locate_app,
    prepare_import,
    with_appcontext,
)
from kolben.testing import FlaskCliRunner, KolbenCliRunner

ROOT = Path(__file__).resolve().parent.parent
ENV_NAMES = (
    "KOLBEN_APP",
    "FLASK_APP",
    "KOLBEN_DEBUG",
    "FLASK_DEBUG",
    "KOLBEN_RUN_FROM_CLI",
    "KOLBEN_SKIP_DOTENV",
    "FLASK_SKIP_DOTENV",
    "KOLBEN_RUN_PORT",
    "FLASK_RUN_PORT",
    "FROM_ENV",
    "FROM_KOLBENENV",
    "FROM_FLASKENV",
    "SHARED",
    "FROM_FILE",
    "PYTHONSTARTUP",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test gets its own folder, environment, sys.path and modules."""
    environ = dict(os.environ)
    for name in ENV_NAMES:
        os.environ.pop(name, None)
    monkeypatch.chdir(tmp_path)
    path = list(sys.path)
    modules = set(sys.modules)
    yield
    # The CLI sets variables itself (KOLBEN_DEBUG, KOLBEN_RUN_FROM_CLI, .env values).
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path
    # Forget only the test's own modules: dropping a Kolben module imported
    # for the first time here would give later tests a second copy of it.
    root = str(tmp_path.resolve())
    for name in set(sys.modules) - modules:
        filename = getattr(sys.modules[name], "__file__", None) or ""
        if os.path.realpath(filename).startswith(root):
            del sys.modules[name]


def write(path: Path | str, source: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), "utf-8")
    return path


APP_MODULE = textwrap.dedent(
    """
    from kolben import Kolben
    app = Kolben(__name__)

    @app.route("/")
    def index():
        return "hi"
    """
)


def invoke(*args: str, group: click.Group = cli, **kwargs: t.Any) -> t.Any:
    return CliRunner().invoke(group, list(args), catch_exceptions=False, **kwargs)


# -- discovery -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("app = Kolben('one')", "one"),
        ("application = Kolben('two')", "two"),
        ("something = Kolben('three')", "three"),
        ("app = Kolben('a')\nother = Kolben('b')", "a"),  # 'app' wins over the rest
        ("def create_app():\n    return Kolben('factory')", "factory"),
        ("def make_app():\n    return Kolben('made')", "made"),
        (
            "def create_app(config=None):\n    return Kolben('default-arg')",
            "default-arg",
        ),
    ],
)
def test_find_best_app(tmp_path: Path, source: str, expected: str) -> None:
    write(tmp_path / "discover_me.py", "from kolben import Kolben\n" + source)
    app = locate_app(prepare_import("discover_me"), None)
    assert app.name == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = Kolben('a')\ny = Kolben('b')", "several Kolben applications"),
        ("def create_app(config):\n    return Kolben('x')", "needs arguments"),
        ("value = 1", "No Kolben application or factory"),
        ("from kolben import Blueprint\nbp = Blueprint('bp', __name__)", "No Kolben app"),
    ],
)
def test_find_best_app_errors(tmp_path: Path, source: str, message: str) -> None:
    write(tmp_path / "broken_find.py", "from kolben import Kolben\n" + source)
    with pytest.raises(NoAppException, match=message):
        locate_app(prepare_import("broken_find"), None)


def test_factory_type_error_from_inside_propagates(tmp_path: Path) -> None:
    write(
        tmp_path / "inner_error.py",
        """
        def create_app():
            return len(5)
        """,
    )
    with pytest.raises(TypeError, match="len"):
        locate_app(prepare_import("inner_error"), None)
    module = sys.modules["inner_error"]
    with pytest.raises(TypeError, match="len"):
        find_best_app(module)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("app", "attr"),
        ("create_app()", "made-none"),
        ("create_app('dev')", "made-dev"),
        ('create_app("dev", debug=True)', "made-dev-True"),
        ("create_app(name='kw')", "made-kw"),
        ("create_app(('a', 'b'))", "made-('a', 'b')"),
        (" app ", "attr"),
    ],
)
def test_app_by_string(tmp_path: Path, name: str, expected: str) -> None:
    write(
        tmp_path / "by_string.py",
        """
        from kolben import Kolben
        app = Kolben("attr")

        def create_app(name=None, debug=None):
            suffix = f"-{debug}" if debug is not None else ""
            return Kolben(f"made-{name}{suffix}" if name is not None else "made-none")
        """,
    )
    app = locate_app(prepare_import("by_string"), name)
    assert app.name == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing", "has no attribute 'missing'"),
        ("create_app(x)", "must be Python literals"),
        ("create_app(**{})", "'\\*\\*' arguments"),
        ("1 + 1", "neither an attribute name nor a call"),
        ("app(", "neither an attribute name nor a call"),
        ("obj.attr", "neither an attribute name nor a call"),
        ("value", "not a Kolben application"),
        ("value()", "not a function"),
        ("create_app(1, 2, 3)", "does not match the signature"),
        ("not_app()", "gave 'int', not a Kolben application"),
    ],
)
def test_app_by_string_errors(tmp_path: Path, name: str, message: str) -> None:
    write(
        tmp_path / "by_string_bad.py",
        """
        from kolben import Kolben
        value = 3

        def create_app(name=None):
            return Kolben("x")

        def not_app():
            return 1
        """,
    )
    with pytest.raises(NoAppException, match=message):
        locate_app(prepare_import("by_string_bad"), name)


def test_prepare_import_paths(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "pkg" / "__init__.py", "")
    write(tmp_path / "proj" / "pkg" / "sub.py", APP_MODULE)
    write(tmp_path / "proj" / "single.py", APP_MODULE)
    assert prepare_import(str(tmp_path / "proj" / "pkg" / "sub.py")) == "pkg.sub"
    assert sys.path[0] == str((tmp_path / "proj").resolve())
    assert prepare_import(str(tmp_path / "proj" / "pkg")) == "pkg"
    assert prepare_import(str(tmp_path / "proj" / "pkg" / "__init__.py")) == "pkg"
    assert prepare_import("proj/single.py") == "single"


def test_import_errors(tmp_path: Path) -> None:
    with pytest.raises(NoAppException, match="Could not import 'nowhere_module'"):
        locate_app("nowhere_module", None)
    assert locate_app("nowhere_module", None, raise_if_not_found=False) is None
    write(tmp_path / "needs_missing.py", "import a_dependency_that_is_missing\n")
    with pytest.raises(NoAppException, match="a_dependency_that_is_missing") as info:
        locate_app(prepare_import("needs_missing"), None)
    assert "Traceback" in str(info.value)


def test_script_info_forms(tmp_path: Path) -> None:
    write(tmp_path / "dir" / "web.py", APP_MODULE)
    assert ScriptInfo("dir/web.py").load_app().name == "web"
    assert ScriptInfo("dir/web:app").load_app().name == "web"
    created = Kolben("created")
    info = ScriptInfo(create_app=lambda: created)
    assert info.load_app() is created
    assert info.load_app() is created  # loaded once
    assert info.data == {}


@pytest.mark.parametrize("filename", ["wsgi.py", "app.py"])
def test_default_files(tmp_path: Path, filename: str) -> None:
    write(tmp_path / filename, APP_MODULE)
    assert ScriptInfo().load_app().name == filename[:-3]


def test_wsgi_py_wins_over_app_py(tmp_path: Path) -> None:
    write(tmp_path / "wsgi.py", "from kolben import Kolben\napp = Kolben('from-wsgi')")
    write(tmp_path / "app.py", "from kolben import Kolben\napp = Kolben('from-app')")
    assert ScriptInfo().load_app().name == "from-wsgi"


def test_no_app_found(tmp_path: Path) -> None:
    with pytest.raises(NoAppException, match="Could not find a Kolben application"):
        ScriptInfo().load_app()
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 2
    assert "Could not find a Kolben application" in result.output


def test_windows_drive_is_not_the_separator() -> None:
    from kolben.cli.discovery import split_import_path

    assert split_import_path("C:\\proj\\app.py") == ("C:\\proj\\app.py", None)
    assert split_import_path("C:/proj/app.py:make()") == ("C:/proj/app.py", "make()")
    assert split_import_path("mod:create_app('a:b')") == ("mod", "create_app('a:b')")


# -- the group's options and the environment ------------------------------------------------


def test_app_option_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "envapp.py", "from kolben import Kolben\napp = Kolben('envapp')\n")
    write(tmp_path / "other.py", "from kolben import Kolben\napp = Kolben('other')\n")
    route = "@app.cli.command()\ndef name():\n    print(app.name)\n"
    for path in ("envapp.py", "other.py"):
        with open(path, "a", encoding="utf-8") as f:
            f.write(route)
    assert invoke("--app", "envapp", "name").output == "envapp\n"
    assert invoke("-A", "envapp", "name").output == "envapp\n"
    monkeypatch.setenv("FLASK_APP", "other")
    assert invoke("name").output == "other\n"
    monkeypatch.setenv("KOLBEN_APP", "envapp")
    assert invoke("name").output == "envapp\n"  # KOLBEN_APP first
    assert os.environ["KOLBEN_RUN_FROM_CLI"] == "true"


@pytest.mark.parametrize(
    ("args", "env", "debug"),
    [
        ((), {}, False),
        (("--debug",), {}, True),
        (("--no-debug",), {"KOLBEN_DEBUG": "1"}, False),
        ((), {"KOLBEN_DEBUG": "1"}, True),
        ((), {"FLASK_DEBUG": "true"}, True),
        ((), {"KOLBEN_DEBUG": "0", "FLASK_DEBUG": "1"}, False),
        ((), {"KOLBEN_DEBUG": "no"}, False),
    ],
)
def test_debug_flag(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: dict[str, str],
    debug: bool,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    write(
        tmp_path / "dbgapp.py",
        """
        from kolben import Kolben
        app = Kolben(__name__)

        @app.cli.command()
        def show():
            print(app.debug)
        """,
    )
    assert invoke("--app", "dbgapp", *args, "show").output == f"{debug}\n"


def test_version() -> None:
    output = invoke("--version").output
    assert "Kolben " in output
    assert "Python " in output
    assert "granian " in output


def test_help_lists_app_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path / "helpapp.py",
        """
        from kolben import Kolben
        app = Kolben(__name__)

        @app.cli.command()
        def custom():
            "Something the app does."
        """,
    )
    monkeypatch.setenv("KOLBEN_APP", "helpapp")
    output = invoke("--help").output
    for name in ("custom", "routes", "run", "shell"):
        assert name in output
    assert "Something the app does." in output
    # A broken app still gets help, with the error shown.
    monkeypatch.setenv("KOLBEN_APP", "not_a_module_at_all")
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Could not import 'not_a_module_at_all'" in result.output
    assert "run" in result.output


# -- .env files ------------------------------------------------------------------------------


def test_load_dotenv_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".flaskenv", "FROM_FLASKENV=1\nSHARED=flaskenv\n")
    write(tmp_path / ".kolbenenv", "FROM_KOLBENENV=1\nSHARED=kolbenenv\n")
    write(tmp_path / ".env", "FROM_ENV=1\nSHARED=env\nKOLBEN_DEBUG=1\n")
    write(tmp_path / "extra.env", "SHARED=file\nFROM_FILE=1\n")
    monkeypatch.setenv("KOLBEN_DEBUG", "0")  # never overridden
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)  # files are searched upward
    assert load_dotenv(tmp_path / "extra.env")
    assert os.environ["FROM_FLASKENV"] == os.environ["FROM_KOLBENENV"] == "1"
    assert os.environ["FROM_ENV"] == os.environ["FROM_FILE"] == "1"
    assert os.environ["SHARED"] == "file"
    assert os.environ["KOLBEN_DEBUG"] == "0"


def test_load_dotenv_order_without_path(tmp_path: Path) -> None:
    write(tmp_path / ".flaskenv", "SHARED=flaskenv\n")
    write(tmp_path / ".kolbenenv", "SHARED=kolbenenv\n")
    assert load_dotenv()
    assert os.environ["SHARED"] == "kolbenenv"


def test_load_dotenv_nothing(tmp_path: Path) -> None:
    assert load_dotenv() is False
    assert load_dotenv(load_defaults=False) is False


def test_load_dotenv_without_python_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    write(tmp_path / ".env", "FROM_ENV=1\n")
    assert load_dotenv() is False
    assert "Install python-dotenv" in capsys.readouterr().err
    assert "FROM_ENV" not in os.environ
    result = CliRunner().invoke(cli, ["-e", ".env", "routes"])
    assert result.exit_code == 2
    assert "python-dotenv must be installed" in result.output


def test_cli_reads_env_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path / "dotapp.py",
        APP_MODULE + "\n@app.cli.command()\ndef flag():\n    print(app.debug)\n",
    )
    write(tmp_path / ".env", "KOLBEN_APP=dotapp\n")
    write(tmp_path / "custom.env", "KOLBEN_DEBUG=1\n")
    assert invoke("flag").output == "False\n"
    assert invoke("-e", "custom.env", "flag").output == "True\n"


def test_skip_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".env", "FROM_ENV=1\n")
    monkeypatch.setenv("KOLBEN_SKIP_DOTENV", "1")
    result = CliRunner().invoke(cli, ["routes"])
    assert "FROM_ENV" not in os.environ
    assert result.exit_code == 2


# -- commands --------------------------------------------------------------------------------


def routes_app() -> Kolben:
    app = Kolben("routes_app", static_folder=None)
    app.add_url_rule("/", "index", lambda: "")
    app.add_url_rule("/post/<int:id>", "post", lambda id: "", methods=["GET", "POST"])
    app.add_url_rule("/a-last", "zzz", lambda: "", methods=["DELETE"])
    return app


def test_routes_table() -> None:
    app = routes_app()
    result = app.test_cli_runner().invoke(cli, ["routes"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "Endpoint  Methods    Rule",
        "--------  ---------  --------------",
        "index     GET        /",
        "post      GET, POST  /post/<int:id>",
        "zzz       DELETE     /a-last",
    ]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("endpoint", ["index", "post", "zzz"]),
        ("rule", ["index", "zzz", "post"]),
        ("methods", ["zzz", "index", "post"]),
        ("match", ["index", "post", "zzz"]),
        ("domain", ["index", "post", "zzz"]),
    ],
)
def test_routes_sort(sort: str, order: list[str]) -> None:
    output = routes_app().test_cli_runner().invoke(cli, ["routes", "--sort", sort]).output
    assert [line.split()[0] for line in output.splitlines()[2:]] == order


def test_routes_all_methods() -> None:
    output = routes_app().test_cli_runner().invoke(cli, ["routes", "--all-methods"]).output
    assert "GET, HEAD, OPTIONS, POST" in output


def test_routes_empty_and_domains() -> None:
    empty = Kolben("empty", static_folder=None)
    assert empty.test_cli_runner().invoke(cli, ["routes"]).output == "No routes were registered.\n"
    sub = Kolben("sub", static_folder=None, subdomain_matching=True)
    sub.config["SERVER_NAME"] = "example.test"
    sub.add_url_rule("/", "api", lambda: "", subdomain="api")
    sub.add_url_rule("/", "www", lambda: "")
    lines = sub.test_cli_runner().invoke(cli, ["routes"]).output.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert lines[2].split() == ["api", "GET", "api", "/"]
    hosts = Kolben("hosts", static_folder=None, host_matching=True)
    hosts.add_url_rule("/", "a", lambda: "", host="a.test")
    assert "Host" in hosts.test_cli_runner().invoke(cli, ["routes"]).output


def test_routes_websocket() -> None:
    app = Kolben("ws", static_folder=None)
    if not hasattr(app, "websocket"):
        pytest.skip("websockets are not in this build")

    @app.websocket("/ws")
    async def ws() -> None:
        pass

    assert "WEBSOCKET" in app.test_cli_runner().invoke(cli, ["routes"]).output


def test_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = Kolben("shell_app")

    @app.shell_context_processor
    def extra() -> dict[str, t.Any]:
        return {"answer": 42}

    write(tmp_path / "startup.py", "from_startup = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "startup.py"))
    result = app.test_cli_runner().invoke(
        cli,
        ["shell"],
        input="print(app.name, answer, from_startup, g is not None)\n"
        "from kolben import current_app\nprint(current_app.name)\n",
    )
    assert result.exit_code == 0, result.output
    assert "App: shell_app" in result.output
    assert "shell_app 42 yes True" in result.output
    assert result.output.count("shell_app") >= 3


def test_app_commands_run_in_the_app_context() -> None:
    app = Kolben("ctx_app")

    @app.cli.command()
    @click.argument("who")
    def greet(who: str) -> None:
        click.echo(f"hello {who} from {current_app.name}")

    @app.cli.command(with_appcontext=False)
    def bare() -> None:
        click.echo(str(bool(current_app)))

    group = app.cli.group("db")(lambda: None)

    @group.command()
    def init() -> None:
        click.echo(f"init {current_app.name}")

    runner = app.test_cli_runner()
    assert runner.invoke(args=["greet", "ada"]).output == "hello ada from ctx_app\n"
    assert runner.invoke(args=["bare"]).output == "False\n"
    assert isinstance(group, AppGroup)
    assert runner.invoke(args=["db", "init"]).output == "init ctx_app\n"


def test_with_appcontext_on_a_plain_click_command() -> None:
    app = Kolben("plain_cmd")

    @click.command()
    @with_appcontext
    def plain() -> None:
        click.echo(current_app.name)

    assert app.test_cli_runner().invoke(plain).output == "plain_cmd\n"


def test_app_command_without_parentheses() -> None:
    app = Kolben("noparens")

    @app.cli.command
    def hello() -> None:
        click.echo(current_app.name)

    assert app.test_cli_runner().invoke(args=["hello"]).output == "noparens\n"


@pytest.mark.parametrize(
    ("cli_group", "args"),
    [("_default", ["tools", "hello"]), ("custom", ["custom", "hello"]), (None, ["hello"])],
)
def test_blueprint_commands(cli_group: str | None, args: list[str]) -> None:
    app = Kolben("bp_app")
    options = {} if cli_group == "_default" else {"cli_group": cli_group}
    bp = Blueprint("tools", __name__, **options)

    @bp.cli.command()
    def hello() -> None:
        click.echo(f"bp in {current_app.name}")

    app.register_blueprint(bp)
    result = app.test_cli_runner().invoke(args=args)
    assert result.output == "bp in bp_app\n", result.output


def test_test_cli_runner() -> None:
    app = Kolben("runner_app")

    @app.cli.command()
    def ping() -> None:
        click.echo("pong")

    runner = app.test_cli_runner()
    assert isinstance(runner, KolbenCliRunner)
    assert FlaskCliRunner is KolbenCliRunner
    result = runner.invoke(args=["ping"])
    assert (result.exit_code, result.output, result.exception) == (0, "pong\n", None)

    class Custom(KolbenCliRunner):
        pass

    app.test_cli_runner_class = Custom
    assert isinstance(app.test_cli_runner(), Custom)


def test_group_with_create_app() -> None:
    made = Kolben("made_by_group")

    @made.cli.command()
    def who() -> None:
        click.echo(current_app.name)

    group = FlaskGroup(create_app=lambda: made)
    assert FlaskGroup is KolbenGroup
    assert invoke("who", group=group).output == "made_by_group\n"
    bare = KolbenGroup(
        add_default_commands=False, add_version_option=False, create_app=lambda: made
    )
    assert "routes" not in invoke("--help", group=bare).output


class _EntryPoint:
    def __init__(self, name: str, value: t.Any, group: str) -> None:
        self.name, self._value, self.group = name, value, group
        self.value = f"fake:{name}"

    def load(self) -> t.Any:
        if isinstance(self._value, Exception):
            raise self._value
        return self._value


def test_plugin_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command()
    def kolben_plugin() -> None:
        click.echo("from kolben.commands")

    @click.command()
    def flask_plugin() -> None:
        click.echo("from flask.commands")

    @click.command()
    def shadowed() -> None:
        click.echo("flask's")

    available = {
        "kolben.commands": [
            _EntryPoint("kp", kolben_plugin, "kolben.commands"),
            _EntryPoint("both", kolben_plugin, "kolben.commands"),
            _EntryPoint("broken", ImportError("no module"), "kolben.commands"),
        ],
        "flask.commands": [
            _EntryPoint("fp", flask_plugin, "flask.commands"),
            _EntryPoint("both", shadowed, "flask.commands"),
        ],
    }

    def entry_points(group: str) -> list[_EntryPoint]:
        return available.get(group, [])

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    group = KolbenGroup(create_app=lambda: Kolben("plugins"))
    runner = CliRunner()
    first = runner.invoke(group, ["kp"]).output
    assert "'broken' command from 'fake:broken' could not be loaded" in first
    assert first.endswith("from kolben.commands\n")
    assert runner.invoke(group, ["fp"]).output.endswith("from flask.commands\n")
    assert runner.invoke(group, ["both"]).output.endswith("from kolben.commands\n")
    result = runner.invoke(group, ["--help"])
    assert "kp" in result.output
    assert "fp" in result.output


def test_app_run_under_the_cli_is_ignored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KOLBEN_RUN_FROM_CLI", "true")
    Kolben("ignored").run()
    assert "Ignoring a call to 'app.run()'" in capsys.readouterr().err


# -- run, with the server replaced ------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, t.Any]]:
    calls: list[dict[str, t.Any]] = []

    def fake_run_simple(host: str, port: int, app: t.Any, **kwargs: t.Any) -> None:
        calls.append({"host": host, "port": port, "app": app, **kwargs})

    monkeypatch.setattr("kolben.serving.run_simple", fake_run_simple)
    return calls


def test_run_defaults(tmp_path: Path, served: list[dict[str, t.Any]]) -> None:
    write(tmp_path / "runapp.py", APP_MODULE)
    result = invoke("--app", "runapp", "run")
    assert result.exit_code == 0
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 5000)
    assert call["app"].name == "runapp"
    assert call["use_reloader"] is False
    assert call["use_debugger"] is False
    assert call["threaded"] is True
    assert call["workers"] == 1
    assert call["interface"] == "auto"
    assert call["ssl_context"] is None
    assert call["recipe"] == ("import", "runapp")


def test_run_debug_turns_on_reloader_and_debugger(
    tmp_path: Path, served: list[dict[str, t.Any]]
) -> None:
    write(tmp_path / "runapp.py", APP_MODULE)
    invoke("--app", "runapp", "run", "--debug")
    invoke("--app", "runapp", "--debug", "run", "--no-reload")
    invoke("--app", "runapp", "--debug", "run", "--no-debugger")
    first, second, third = served
    assert first["use_reloader"]
    assert first["use_debugger"]
    assert first["app"].debug
    assert not second["use_reloader"]
    assert second["use_debugger"]
    assert third["use_reloader"]
    assert not third["use_debugger"]


def test_run_options(
    tmp_path: Path, served: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "runapp.py", APP_MODULE)
    write(tmp_path / "a.txt", "")
    write(tmp_path / "b.txt", "")
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    invoke(
        "--app",
        "runapp",
        "run",
        "-h",
        "0.0.0.0",
        "--workers",
        "3",
        "--interface",
        "asgi",
        "--extra-files",
        os.pathsep.join(["a.txt", "b.txt"]),
        "--exclude-patterns",
        "*.tmp",
        "--without-threads",
    )
    (call,) = served
    assert call["host"] == "0.0.0.0"
    assert call["port"] == 8123
    assert call["workers"] == 3
    assert call["interface"] == "asgi"
    assert call["extra_files"] == ["a.txt", "b.txt"]
    assert call["exclude_patterns"] == ["*.tmp"]
    assert call["threaded"] is False


def test_run_cert_and_key(tmp_path: Path, served: list[dict[str, t.Any]]) -> None:
    write(tmp_path / "runapp.py", APP_MODULE)
    cert = write(tmp_path / "cert.pem", "x")
    key = write(tmp_path / "key.pem", "x")
    invoke("--app", "runapp", "run", "--cert", str(cert), "--key", str(key))
    assert served[0]["ssl_context"] == (str(cert.resolve()), str(key.resolve()))
    invoke("--app", "runapp", "run", "--cert", "adhoc")
    assert served[1]["ssl_context"] == "adhoc"
    cases = [
        (["--cert", str(cert)], "Required with a '--cert' file"),
        (["--key", str(key)], "'--cert' must be given too"),
        (["--cert", "adhoc", "--key", str(key)], "not used with '--cert adhoc'"),
        (["--cert", "no/such/file"], "neither a certificate file nor 'adhoc'"),
        (["--cert", "ssl:create_default_context"], "neither a certificate file"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(cli, ["--app", "runapp", "run", *args])
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)


def test_run_refusals_are_clean_errors(tmp_path: Path) -> None:
    write(tmp_path / "runapp.py", APP_MODULE)
    result = CliRunner().invoke(cli, ["--app", "runapp", "run", "--debug", "--workers", "2"])
    assert result.exit_code == 1
    assert "single worker" in result.output
    result = CliRunner().invoke(cli, ["--app", "runapp", "run", "--debug", "-h", "0.0.0.0"])
    assert result.exit_code == 1
    assert "only listens on this machine" in result.output


def test_run_with_a_broken_app_fails(tmp_path: Path) -> None:
    write(tmp_path / "broken_run.py", "raise RuntimeError('cannot start')\n")
    result = CliRunner().invoke(cli, ["--app", "broken_run", "run"])
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)


def test_app_run_passes_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[dict[str, t.Any]] = []

    def fake(host: str, port: int, app: t.Any, **kwargs: t.Any) -> None:
        calls.append({"host": host, "port": port, **kwargs})
        app._got_first_request = True

    monkeypatch.setattr("kolben.serving.run_simple", fake)
    write(tmp_path / ".env", "KOLBEN_DEBUG=1\n")
    app = Kolben("script_app")
    app.run()
    assert calls[-1] == {
        "host": "127.0.0.1",
        "port": 5000,
        "use_reloader": True,
        "use_debugger": True,
        "threaded": True,
    }
    assert app._got_first_request is False
    app.config["SERVER_NAME"] = "example.test:8080"
    app.run(debug=False, load_dotenv=False, use_reloader=True)
    assert calls[-1]["host"] == "example.test"
    assert calls[-1]["port"] == 8080
    assert calls[-1]["use_reloader"] is True
    assert calls[-1]["use_debugger"] is False
    app.run(host="0.0.0.0", port=0)
    assert (calls[-1]["host"], calls[-1]["port"]) == ("0.0.0.0", 0)


# -- a real process ---------------------------------------------------------------------------


def _kolben(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "kolben", *args],
        cwd=tmp_path,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_subprocess_discovery_and_commands(tmp_path: Path) -> None:
    write(
        tmp_path / "factory_app.py",
        """
        from kolben import Kolben
        import click

        def create_app(name="default"):
            app = Kolben(name)

            @app.route("/hello")
            def hello():
                return "hi"

            @app.cli.command()
            @click.option("--times", default=1)
            def shout(times):
                click.echo(f"{app.name}!" * times)

            return app
        """,
    )
    routes = _kolben(tmp_path, "--app", "factory_app:create_app('named')", "routes")
    assert routes.returncode == 0, routes.stderr
    assert "hello" in routes.stdout
    assert "/hello" in routes.stdout
    shout = _kolben(tmp_path, "shout", "--times", "2", env={"KOLBEN_APP": "factory_app"})
    assert shout.stdout == "default!default!\n"
    write(tmp_path / ".env", "FLASK_APP=factory_app:create_app('dotenv')\n")
    assert _kolben(tmp_path, "shout").stdout == "dotenv!\n"
    missing = _kolben(tmp_path, "--app", "nope_module", "routes")
    assert missing.returncode == 2
    assert "Could not import 'nope_module'" in missing.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("kolben")
    if not script.exists():
        pytest.skip("kolben is not installed as a console script here")
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert f"Kolben {importlib.metadata.version('kolben')}" in result.stdout


def test_module_docstrings() -> None:
    import kolben.cli
    import kolben.cli.base

    assert kolben.cli.__doc__
    assert kolben.cli.base.__doc__
    assert kolben.cli.FlaskGroup is kolben.cli.KolbenGroup
    assert kolben.testing.FlaskCliRunner is KolbenCliRunner  # type: ignore[attr-defined]
    assert not hasattr(kolben, "cli_group")
