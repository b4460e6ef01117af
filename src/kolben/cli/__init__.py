"""The ``kolben`` command line (layer 4).

``kolben [--app IMPORT] [--debug/--no-debug] [-e FILE] COMMAND`` finds the
application (see :mod:`kolben.cli.discovery` for the ``--app`` forms), loads
``.flaskenv``/``.kolbenenv``/``.env`` with python-dotenv when it is
installed, and runs one of:

- ``run``: serve the app with the embedded granian server (WSGI or ASGI,
  ``--workers N``); in debug mode it restarts on changes and shows the
  interactive debugger on errors;
- ``routes``: a table of the URL rules;
- ``shell``: a Python console inside the app context;
- the app's own commands (``@app.cli.command()``), blueprints' command
  groups, and plugins from the ``kolben.commands`` and ``flask.commands``
  entry-point groups.

Options also come from the environment: ``KOLBEN_APP`` (or ``FLASK_APP``),
``KOLBEN_DEBUG`` (or ``FLASK_DEBUG``), ``KOLBEN_RUN_PORT`` (or
``FLASK_RUN_PORT``) and so on, ``KOLBEN_<COMMAND>_<OPTION>`` for the rest.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import traceback
import typing as t
from collections.abc import Callable

import click
from click.core import ParameterSource

from ..globals import _cv_app
from ..helpers import get_debug_flag
from .base import (
    AppGroup,
    FlaskCliRunner,
    KolbenCliRunner,
    ScriptInfo,
    load_dotenv,
    pass_script_info,
    with_appcontext,
)
from .commands import (
    CertParamType,
    SeparatedPathType,
    envvars,
    routes_command,
    run_command,
    shell_command,
)
from .discovery import (
    NoAppException,
    find_app_by_string,
    find_best_app,
    locate_app,
    prepare_import,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben

__all__ = [
    "AppGroup",
    "CertParamType",
    "FlaskCliRunner",
    "FlaskGroup",
    "KolbenCliRunner",
    "KolbenGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_debug_flag",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "with_appcontext",
]

#: Entry-point groups whose commands are added to ``kolben``.
PLUGIN_GROUPS = ("kolben.commands", "flask.commands")


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """``--version``: print the versions of Python, Kolben and what it serves with."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(
        f"Python {platform.python_version()}\n"
        f"Kolben {_version('kolben')}\n"
        f"Click {_version('click')}\n"
        f"granian {_version('granian')}",
        color=ctx.color,
    )
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the Kolben version.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is None:
        return None
    ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The application: '[dir/]module[:name]', where name is an attribute or a"
        " factory call such as 'create_app(\"dev\")'. Without ':name', the module's"
        " 'app' or 'application', its only app, or its create_app()/make_app(). Without"
        " --app, 'wsgi.py' then 'app.py' in the current folder."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
    envvar=envvars("APP"),
)


def _set_debug(ctx: click.Context, param: click.Option, value: bool) -> bool | None:
    source = ctx.get_parameter_source(param.name or "debug")
    if source is None or source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None
    # The app reads the environment when it is created (app.debug's default).
    os.environ["KOLBEN_DEBUG"] = "1" if value else "0"
    return value


_debug_option = click.Option(
    ["--debug/--no-debug"],
    help="Turn debug mode on or off (reloader and debugger follow it).",
    expose_value=False,
    callback=_set_debug,
    envvar=envvars("DEBUG"),
)


def _env_file_callback(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        # Only an explicit file is an error; defaults just print a tip.
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to read an env file:"
                " pip install 'kolben[dotenv]'.",
                ctx=ctx,
                param=param,
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (wins over .env and .kolbenenv).",
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
)


class KolbenGroup(AppGroup):
    """The ``kolben`` command group: built-in, plugin and app commands.

    ``create_app`` returns the app (instead of ``--app`` discovery);
    ``add_default_commands`` adds ``run``, ``shell`` and ``routes``;
    ``load_dotenv`` reads the default env files; ``set_debug_flag`` sets
    ``app.debug`` from ``KOLBEN_DEBUG``. Running it sets
    ``KOLBEN_RUN_FROM_CLI=true``, which makes :meth:`Kolben.run` a no-op.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Kolben] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        settings = extra.setdefault("context_settings", {})
        settings.setdefault("auto_envvar_prefix", "KOLBEN")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        self._loaded_plugin_commands = True
        for group in PLUGIN_GROUPS:
            for entry in importlib.metadata.entry_points(group=group):
                if entry.name in self.commands:
                    continue  # a kolben.commands plugin wins over a flask.commands one
                try:
                    command = entry.load()
                except Exception as exc:  # one broken plugin must not break the CLI
                    click.secho(
                        f"Warning: the '{entry.name}' command from {entry.value!r} could not"
                        f" be loaded: {type(exc).__name__}: {exc}",
                        err=True,
                        fg="yellow",
                    )
                    continue
                self.add_command(command, entry.name)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """A built-in or plugin command, else one of the app's (in its app context)."""
        self._load_plugin_commands()
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
            return None
        # The app's commands (and their parameter callbacks) run in its context.
        active = _cv_app.get(None)
        if active is None or active.app is not app:
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in, plugin and app commands; an app that fails to load is reported."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as exc:
            click.secho(f"Error: {exc.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        """Mark the process as run from the CLI and give the context its :class:`ScriptInfo`."""
        os.environ["KOLBEN_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in (self.context_settings or {}):
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Read ``--env-file`` and ``--app`` early when only help is asked for,
        so the help lists the app's commands too."""
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


#: Flask's name for :class:`KolbenGroup`, for porting.
FlaskGroup = KolbenGroup


cli = KolbenGroup(
    name="kolben",
    help="""\
The command line of Kolben applications.

Name the app with '--app' (or KOLBEN_APP); debug mode with '--debug'.

\b
  kolben --app hello run --debug
  kolben --app "hello:create_app('dev')" routes
""",
)


def main() -> None:
    """The ``kolben`` console script.

    With ``KOLBEN_FLASK_COMPAT=1`` in the environment, Flask compatibility
    mode (:mod:`kolben.compat`) is turned on before the app is loaded.
    """
    # Layer 5, imported here only: the compat switch must run before the app
    # is imported, and the rest of the package (which app.cli loads) must not
    # pull in the import finder and its pytest plugin.
    from ..compat import install_from_env

    install_from_env()
    cli.main()
