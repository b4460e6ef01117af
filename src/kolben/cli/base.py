"""The command-line building blocks an application needs (layer 4).

``app.cli`` is an :class:`AppGroup` and ``app.test_cli_runner()`` returns a
:class:`KolbenCliRunner`. :mod:`kolben.cli` re-exports them together with
the ``kolben`` command itself.

- :class:`ScriptInfo` carries how to load the app between click commands.
- :func:`with_appcontext` runs a command inside the app's context.
- :class:`AppGroup` is a click group whose commands do that by default.
- :func:`load_dotenv` reads ``.flaskenv``, ``.kolbenenv`` and ``.env``.
"""

from __future__ import annotations

import os
import typing as t
from collections.abc import Callable
from functools import update_wrapper

import click
from click.testing import CliRunner, Result

from ..globals import _cv_app
from ..helpers import get_debug_flag, get_load_dotenv
from .discovery import NoAppException, locate_app, prepare_import, split_import_path

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben

__all__ = [
    "AppGroup",
    "FlaskCliRunner",
    "KolbenCliRunner",
    "NoAppException",
    "ScriptInfo",
    "load_dotenv",
    "pass_script_info",
    "with_appcontext",
]

F = t.TypeVar("F", bound=Callable[..., t.Any])

#: The files :func:`load_dotenv` reads by default, lowest precedence first.
DOTENV_FILES = (".flaskenv", ".kolbenenv", ".env")
#: The files searched, in order, when no ``--app`` is given.
DEFAULT_APP_FILES = ("wsgi.py", "app.py")


class ScriptInfo:
    """How the ``kolben`` command finds and loads the application.

    Commands receive it as click's context object (``ctx.obj``);
    :func:`pass_script_info` hands it to a command. ``data`` is free for
    extensions to share values between commands.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Kolben] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        #: ``--app`` / ``KOLBEN_APP``: ``[dir/]module[:name]``.
        self.app_import_path = app_import_path
        #: A function returning the app, used instead of the import path.
        self.create_app = create_app
        #: Free-form data shared between commands.
        self.data: dict[t.Any, t.Any] = {}
        #: Whether :meth:`load_app` sets ``app.debug`` from ``KOLBEN_DEBUG``.
        self.set_debug_flag = set_debug_flag
        #: Whether ``.flaskenv``, ``.kolbenenv`` and ``.env`` are read.
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Kolben | None = None

    def load_app(self) -> Kolben:
        """Load the application once (later calls return the same object).

        Raises :class:`NoAppException` when it cannot be found.
        """
        if self._loaded_app is not None:
            return self._loaded_app
        app: Kolben | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            path, name = split_import_path(self.app_import_path)
            app = locate_app(prepare_import(path), name)
        else:
            for filename in DEFAULT_APP_FILES:
                app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                if app is not None:
                    break
        if app is None:
            raise NoAppException(
                "Could not find a Kolben application. Pass '--app module' (or set"
                " KOLBEN_APP), or put a 'wsgi.py' or 'app.py' in the current folder."
            )
        if self.set_debug_flag:
            # Through the property, so what depends on debug follows it.
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)
pass_script_info.__doc__ = "Decorator: pass the :class:`ScriptInfo` as a command's first argument."


def with_appcontext(f: F) -> F:
    """Run the decorated click command inside the application's context.

    The app is loaded through the :class:`ScriptInfo` when no app context
    is active yet. Commands registered with ``app.cli.command()`` get this
    automatically.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _cv_app.get(None) is None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return t.cast(F, update_wrapper(decorator, f))


class AppGroup(click.Group):
    """A click group whose commands run inside the app context.

    ``command(with_appcontext=False)`` opts out; :meth:`group` makes
    sub-groups of this class.
    """

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.command`, wrapping the callback in
        :func:`with_appcontext` unless ``with_appcontext=False``."""
        wrap = kwargs.pop("with_appcontext", True)
        parent_decorator = super().command

        def decorator(f: Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            return t.cast(click.Command, parent_decorator(*args, **kwargs)(f))

        if args and callable(args[0]):
            # @group.command without parentheses
            f, args = args[0], args[1:]
            return decorator(f)
        return decorator

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup` by default."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load environment variables from dotenv files (needs python-dotenv).

    With ``load_defaults``, ``.flaskenv``, ``.kolbenenv`` and ``.env`` are
    searched upward from the working directory and read in that order, a
    later file winning over an earlier one; ``path`` is read last and wins
    over all of them. A variable already set in the environment is never
    changed. Returns whether any variable was read.

    Without python-dotenv installed, prints a tip when such files exist and
    returns False.
    """
    try:
        import dotenv
    except ImportError:
        if path or any(os.path.isfile(name) for name in DOTENV_FILES):
            click.secho(
                " * Tip: dotenv files are present. Install python-dotenv"
                " (pip install 'kolben[dotenv]') to use them.",
                fg="yellow",
                err=True,
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        for name in DOTENV_FILES:
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        data.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in data.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(data)


class KolbenCliRunner(CliRunner):
    """A click runner for the app's commands: ``app.test_cli_runner()``."""

    def __init__(self, app: Kolben, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: click.Command | None = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Run ``cli`` (default: ``app.cli``) with ``args`` in isolation.

        The command loads this app (``obj`` is a :class:`ScriptInfo` that
        returns it) unless ``obj`` is given. Returns click's
        :class:`~click.testing.Result` (``exit_code``, ``output``, ``exception``).
        """
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)


#: Flask's name for :class:`KolbenCliRunner`, for porting.
FlaskCliRunner = KolbenCliRunner
