"""The built-in commands of ``kolben``: ``run``, ``shell`` and ``routes`` (layer 4).

:mod:`kolben.cli` adds them to the ``kolben`` group and re-exports them.
``run`` starts a server, which lives a layer above (:mod:`kolben.serving`);
it imports it when it runs, the way :meth:`kolben.Kolben.run` does.
"""

from __future__ import annotations

import code
import os
import ssl
import sys
import traceback
import typing as t
from operator import itemgetter

import click

from .._imports import import_string
from ..globals import _cv_app
from ..helpers import get_debug_flag
from .base import ScriptInfo, pass_script_info, with_appcontext

__all__ = [
    "CertParamType",
    "SeparatedPathType",
    "envvars",
    "routes_command",
    "run_command",
    "shell_command",
]


def envvars(name: str) -> list[str]:
    """``KOLBEN_<name>`` first, then Flask's ``FLASK_<name>`` for ported setups."""
    return [f"KOLBEN_{name}", f"FLASK_{name}"]


if t.TYPE_CHECKING:  # pragma: no cover
    _ParamType = click.ParamType[t.Any]
else:
    _ParamType = click.ParamType


class CertParamType(_ParamType):
    """``--cert``: a certificate file, or ``adhoc`` for a throw-away one."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        """The resolved file path, or ``"adhoc"``."""
        if value == "adhoc":
            return value
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            pass
        obj = import_string(value, silent=True)
        if isinstance(obj, ssl.SSLContext):
            self.fail(
                "granian reads the certificate from files, not from an SSLContext: pass"
                " '--cert cert.pem --key key.pem'.",
                param,
                ctx,
            )
        self.fail(f"{value!r} is neither a certificate file nor 'adhoc'.", param, ctx)


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """``--key`` goes with a ``--cert`` file (and not with ``adhoc``)."""
    cert = ctx.params.get("cert")
    if value is not None:
        if cert == "adhoc":
            raise click.BadParameter("'--key' is not used with '--cert adhoc'.", ctx, param)
        if not cert:
            raise click.BadParameter("'--cert' must be given too.", ctx, param)
        ctx.params["cert"] = (cert, value)
    elif cert and cert != "adhoc":
        raise click.BadParameter("Required with a '--cert' file.", ctx, param)
    return value


class SeparatedPathType(click.Path):
    """Several paths in one value, separated by ``os.pathsep`` (``:`` or ``;``)."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        """The list of paths."""
        items = self.split_envvar_value(value)
        return [super(SeparatedPathType, self).convert(item, param, ctx) for item in items]


@click.command("run", short_help="Serve the app (granian; reloader and debugger in debug mode).")
@click.option(
    "--host",
    "-h",
    default="127.0.0.1",
    envvar=envvars("RUN_HOST"),
    help="The address to listen on.",
)
@click.option(
    "--port",
    "-p",
    default=5000,
    type=int,
    envvar=envvars("RUN_PORT"),
    help="The port to listen on.",
)
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    envvar=envvars("RUN_CERT"),
    help="A certificate file to serve HTTPS, or 'adhoc' for a throw-away one.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    envvar=envvars("RUN_KEY"),
    help="The key file for '--cert'.",
)
@click.option(
    "--debug/--no-debug",
    default=None,
    help="Turn debug mode on or off (same as 'kolben --debug run').",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    envvar=envvars("RUN_RELOAD"),
    help="Restart when a file changes. On in debug mode.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    envvar=envvars("RUN_DEBUGGER"),
    help="Show the interactive debugger on errors. On in debug mode.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    envvar=envvars("RUN_WITH_THREADS"),
    help="Let each WSGI worker run requests on several threads.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    envvar=envvars("RUN_EXTRA_FILES"),
    help=f"More files that restart the server when they change, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    envvar=envvars("RUN_EXCLUDE_PATTERNS"),
    help=f"fnmatch patterns of files that never restart the server, separated by {os.pathsep!r}.",
)
@click.option(
    "--workers",
    "-w",
    default=1,
    type=click.IntRange(min=1),
    help="Worker processes (for production; the debugger needs 1).",
)
@click.option(
    "--interface",
    type=click.Choice(["auto", "wsgi", "asgi"]),
    default="auto",
    help="WSGI or ASGI; 'auto' picks ASGI for async views or websockets.",
)
@click.option(
    "--allow-remote-debugger",
    is_flag=True,
    default=False,
    help="Let the debugger run on a non-loopback address. Dangerous.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    cert: t.Any,
    debug: bool | None,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
    workers: int,
    interface: str,
    allow_remote_debugger: bool,
) -> None:
    """Serve the app with the embedded granian server.

    In debug mode the server restarts when the app's code changes (a saved
    template shows on the next request), and an unhandled error shows the
    interactive debugger; its token is printed below. With several workers
    it is ready for production.
    """
    # kolben.serving is layer 5 and this package layer 4 (the app builds its
    # AppGroup): the server loads when one starts, as in Kolben.run().
    from ..serving import ServerError, error_app, is_running_from_reloader, run_simple

    if debug is not None:
        os.environ["KOLBEN_DEBUG"] = "1" if debug else "0"
    try:
        app: t.Any = info.load_app()
    except Exception as exc:
        if not is_running_from_reloader():
            raise
        # After a change that breaks loading: show the error, keep watching.
        traceback.print_exc()
        app = error_app(exc)
    if debug is not None and hasattr(app, "config"):
        app.debug = debug
    debug_mode = get_debug_flag()
    if reload is None:
        reload = debug_mode
    if debugger is None:
        debugger = debug_mode
    if info.create_app is not None:
        recipe: tuple[str, t.Any] = ("factory", info.create_app)
    else:
        recipe = ("import", info.app_import_path)
    try:
        run_simple(
            host,
            port,
            app,
            use_reloader=reload,
            use_debugger=debugger,
            threaded=with_threads,
            ssl_context=cert,
            extra_files=extra_files,
            exclude_patterns=exclude_patterns,
            workers=workers,
            interface=interface,
            allow_remote_debugger=allow_remote_debugger,
            recipe=recipe,
        )
    except ServerError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the app's context, with ``app``,
    ``g`` and the names of the app's shell context processors.
    ``PYTHONSTARTUP`` runs first."""
    app = _cv_app.get().app
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as f:
            exec(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None and sys.stdin.isatty():
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace)


_SORT_KEYS = ("endpoint", "methods", "domain", "rule", "match")


@click.command("routes", short_help="Show the app's routes.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(_SORT_KEYS),
    default="endpoint",
    envvar=envvars("ROUTES_SORT"),
    help="Sort by this column; 'match' keeps the order rules are matched in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Print a table of the app's URL rules: endpoint, methods, domain (if
    any rule has one) and rule."""
    app = _cv_app.get().app
    rules = list(app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = app.url_map.host_matching
    domains = [(rule.host if host_matching else rule.subdomain) or "" for rule in rules]
    has_domain = any(domains)
    rows: list[list[str]] = []
    for rule, domain in zip(rules, domains, strict=True):
        if getattr(rule, "websocket", False):
            methods = "WEBSOCKET"
        else:
            methods = ", ".join(sorted(set(rule.methods or ()) - hidden))
        row = [str(rule.endpoint), methods]
        if has_domain:
            row.append(domain)
        row.append(rule.rule)
        rows.append(row)
    header = ["Endpoint", "Methods"]
    columns = ["endpoint", "methods"]
    if has_domain:
        header.append("Host" if host_matching else "Subdomain")
        columns.append("domain")
    header.append("Rule")
    columns.append("rule")
    if sort in columns:
        rows.sort(key=itemgetter(columns.index(sort)))
    # "match" (and "domain" without domains) keep the map's order.
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    table.insert(1, ["-" * width for width in widths])
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())
