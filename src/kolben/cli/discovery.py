"""Finding the application the ``kolben`` command should use (layer 4).

``kolben --app VALUE`` names a module (or a file path), optionally followed
by ``:name``, where ``name`` is an attribute or a call of a factory with
literal arguments (``create_app("dev", debug=True)``). Without ``:name``, the
module is searched for an app (see :func:`find_best_app`).

This module cannot import :mod:`kolben.app` (the app module imports the CLI
building blocks that use it), so an application is recognised by what it
is: a :class:`~kolben.scaffold.Scaffold` that has a ``wsgi_app`` method.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import traceback
import types
import typing as t
from collections.abc import Callable

import click

from ..scaffold import Scaffold

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben

__all__ = [
    "NoAppException",
    "find_app_by_string",
    "find_best_app",
    "is_app",
    "locate_app",
    "prepare_import",
    "split_import_path",
]

#: The attributes searched, in order, when ``--app`` names only a module.
APP_NAMES = ("app", "application")
#: The factories tried, in order, when the module holds no app instance.
FACTORY_NAMES = ("create_app", "make_app")


class NoAppException(click.UsageError):
    """The application could not be found or loaded.

    A :class:`click.UsageError`, so the command line shows the message and
    exits with status 2 instead of printing a traceback.
    """


def is_app(obj: object) -> bool:
    """Whether ``obj`` is a Kolben application (an app, not a blueprint)."""
    return isinstance(obj, Scaffold) and callable(getattr(obj, "wsgi_app", None))


def _raised_by_the_call(f: Callable[..., t.Any]) -> bool:
    """Whether the ``TypeError`` being handled came from calling ``f`` with
    the wrong arguments (True) or from inside ``f`` (False)."""
    tb = sys.exc_info()[2]
    code = getattr(f, "__code__", None)
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return False  # f's body ran: the error is the factory's own
        tb = tb.tb_next
    return True


def find_best_app(module: types.ModuleType) -> Kolben:
    """The app in ``module``, found the way ``kolben --app module`` looks.

    In order: an app in the ``app`` or ``application`` attribute; the only
    app instance among the module's globals (several is an error); an app
    returned by ``create_app()`` or ``make_app()`` called without arguments.
    """
    for name in APP_NAMES:
        candidate = getattr(module, name, None)
        if is_app(candidate):
            return t.cast("Kolben", candidate)

    found = [value for value in vars(module).values() if is_app(value)]
    if len(found) == 1:
        return t.cast("Kolben", found[0])
    if len(found) > 1:
        raise NoAppException(
            f"Module '{module.__name__}' holds several Kolben applications. Pick one with"
            f" '--app {module.__name__}:name'."
        )

    for name in FACTORY_NAMES:
        factory = getattr(module, name, None)
        if not inspect.isfunction(factory):
            continue
        try:
            app = factory()
        except TypeError as exc:
            if not _raised_by_the_call(factory):
                raise
            raise NoAppException(
                f"'{module.__name__}.{name}' needs arguments. Call it explicitly, for"
                f" example: '--app {module.__name__}:{name}(\"dev\")'."
            ) from exc
        if is_app(app):
            return t.cast("Kolben", app)

    raise NoAppException(
        f"No Kolben application or factory was found in module '{module.__name__}'. Name it"
        f" with '--app {module.__name__}:name'."
    )


def _literal(node: ast.expr, app_name: str, module: types.ModuleType) -> t.Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise NoAppException(
            f"The arguments in '{app_name}' must be Python literals (strings, numbers,"
            f" lists...), because module '{module.__name__}' is not run to evaluate them."
        ) from None


def find_app_by_string(module: types.ModuleType, app_name: str) -> Kolben:
    """The app that ``app_name`` (``name`` or ``factory(literal args)``) gives in ``module``."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"'{app_name}' is neither an attribute name nor a call such as 'create_app()'."
        ) from None

    args: list[t.Any] = []
    kwargs: dict[str, t.Any] = {}
    if isinstance(expr, ast.Name):
        name = expr.id
        is_call = False
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        name = expr.func.id
        is_call = True
        args = [_literal(arg, app_name, module) for arg in expr.args]
        for keyword in expr.keywords:
            if keyword.arg is None:
                raise NoAppException(f"'**' arguments are not supported in '{app_name}'.")
            kwargs[keyword.arg] = _literal(keyword.value, app_name, module)
    else:
        raise NoAppException(
            f"'{app_name}' is neither an attribute name nor a call such as 'create_app()'."
        )

    try:
        attr = getattr(module, name)
    except AttributeError as exc:
        raise NoAppException(f"Module '{module.__name__}' has no attribute '{name}'.") from exc

    if inspect.isfunction(attr):
        try:
            app = attr(*args, **kwargs)
        except TypeError as exc:
            if not _raised_by_the_call(attr):
                raise
            raise NoAppException(
                f"'{app_name}' does not match the signature of '{module.__name__}.{name}'."
            ) from exc
    elif is_call:
        raise NoAppException(f"'{module.__name__}.{name}' is not a function and cannot be called.")
    else:
        app = attr

    if is_app(app):
        return t.cast("Kolben", app)
    raise NoAppException(
        f"'{module.__name__}:{app_name}' gave {type(app).__name__!r}, not a Kolben application."
    )


def prepare_import(path: str) -> str:
    """The module name for ``path`` (a file, a package folder or a module
    name), with the folder that holds it put first on ``sys.path``."""
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)
    if ext == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts: list[str] = []
    # Climb out of packages: the import root is the first folder without
    # an __init__.py above the module.
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Kolben: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool
) -> Kolben | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Kolben | None:
    """Import ``module_name`` and find the app in it (``app_name`` or the best guess)."""
    try:
        __import__(module_name)
    except ImportError as exc:
        # A module that is missing fails at the import itself; one that
        # exists but imports something missing fails deeper: show that.
        tb = sys.exc_info()[2]
        if tb is not None and tb.tb_next is not None:
            raise NoAppException(
                f"While importing '{module_name}', an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from exc
        if raise_if_not_found:
            raise NoAppException(f"Could not import '{module_name}'.") from exc
        return None
    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def split_import_path(value: str) -> tuple[str, str | None]:
    """``"dir/module:name"`` -> ``("dir/module", "name")``; a Windows drive
    (``C:\\app.py``) is not mistaken for the separator."""
    head, sep, tail = value, "", ""
    for index, char in enumerate(value):
        if char == ":" and value[index + 1 : index + 2] not in ("\\", "/"):
            head, sep, tail = value[:index], ":", value[index + 1 :]
            break
    return head, (tail if sep else None)
