"""What apps and blueprints share: routes, hooks, error handlers, resources (layer 4)."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
import typing as t
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property, update_wrapper

from ._imports import LazyModule
from .exceptions import HTTPException, default_exceptions
from .typing import (
    AfterRequestCallable,
    BeforeRequestCallable,
    ErrorHandlerCallable,
    RouteCallable,
    TeardownCallable,
    TemplateContextProcessorCallable,
    URLDefaultCallable,
    URLValuePreprocessorCallable,
)

if t.TYPE_CHECKING:  # pragma: no cover
    import jinja2 as _jinja2
    from jinja2 import BaseLoader
else:
    # PERF: Jinja2 loads when the first template folder's loader is made (a
    # render, or a read of ``jinja_loader``), not with ``import kolben``
    # (kolben.templating_base says what that saves).
    _jinja2 = LazyModule("jinja2")

__all__ = ["Scaffold", "find_package", "get_root_path", "setupmethod"]

F = t.TypeVar("F", bound=Callable[..., t.Any])
T_after = t.TypeVar("T_after", bound=AfterRequestCallable[t.Any])
T_before = t.TypeVar("T_before", bound=BeforeRequestCallable)
T_error = t.TypeVar("T_error", bound=ErrorHandlerCallable)
T_teardown = t.TypeVar("T_teardown", bound=TeardownCallable)
T_ctx = t.TypeVar("T_ctx", bound=TemplateContextProcessorCallable)
T_url_defaults = t.TypeVar("T_url_defaults", bound=URLDefaultCallable)
T_url_pre = t.TypeVar("T_url_pre", bound=URLValuePreprocessorCallable)
T_route = t.TypeVar("T_route", bound=RouteCallable)

_SENTINEL: t.Any = object()


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it after setup ended fails loudly.

    The app's setup ends with its first request, a blueprint's with its
    registration: adding routes or hooks later would only reach some
    workers or some requests, a bug that is hard to see.
    """
    name = f.__name__

    def wrapper(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    return t.cast(F, update_wrapper(wrapper, f))


def get_root_path(import_name: str) -> str:
    """The directory of ``import_name``'s module, or the working directory."""
    mod = sys.modules.get(import_name)
    if mod is not None and getattr(mod, "__file__", None):
        return os.path.dirname(os.path.abspath(t.cast(str, mod.__file__)))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin in (None, "namespace", "built-in", "frozen"):
        if spec is not None and spec.submodule_search_locations:
            return os.path.abspath(next(iter(spec.submodule_search_locations)))
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin))


def _package_parent(import_name: str) -> str:
    """The folder that holds the top-level package or module of ``import_name``."""
    root = import_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(root)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return os.getcwd()
    if spec.submodule_search_locations:
        if spec.origin in (None, "namespace"):
            location = next(iter(spec.submodule_search_locations))
        else:
            location = os.path.dirname(spec.origin)
        return os.path.dirname(os.path.abspath(location))
    if spec.origin in (None, "built-in", "frozen"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin))


def find_package(import_name: str) -> tuple[str | None, str]:
    """``(prefix, folder)``: the install prefix (None when not installed) and
    the folder holding the package or module."""
    path = _package_parent(import_name)
    py_prefix = os.path.abspath(sys.prefix)
    if pathlib.PurePath(path).is_relative_to(py_prefix):
        return py_prefix, path
    site_parent, site_folder = os.path.split(path)
    if site_folder.lower() == "site-packages":
        parent, folder = os.path.split(site_parent)
        if folder.lower() == "lib":
            return parent, path
        if os.path.basename(parent).lower() == "lib":
            return os.path.dirname(parent), path
        return site_parent, path
    return None, path


def max_age_from_config(value: t.Any) -> int | None:
    """``SEND_FILE_MAX_AGE_DEFAULT`` as seconds: None, an int or a timedelta."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


def _endpoint_from_view_func(view_func: Callable[..., t.Any] | None) -> str:
    if view_func is None:
        raise TypeError("Pass 'endpoint' or 'view_func' to add_url_rule.")
    return view_func.__name__


def _foreign_http_code(obj: object) -> int | None:
    """The status code of another library's HTTP exception, else None.

    Werkzeug's exceptions (which Flask extensions raise) are not Kolben's
    :class:`~kolben.exceptions.HTTPException`, but they carry an int
    ``code`` and a ``get_response`` method; ``obj`` is such an exception or
    its class. Kolben's own exceptions give None here.
    """
    if isinstance(obj, HTTPException) or (isinstance(obj, type) and issubclass(obj, HTTPException)):
        return None
    code = getattr(obj, "code", None)
    if type(code) is int and callable(getattr(obj, "get_response", None)):
        return code
    return None

class Scaffold:
    """The registration surface shared by :class:`~kolben.Kolben` and blueprints."""

    name: str
    cli: t.Any
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(self.import_name)
        self.root_path = root_path
        self.view_functions: dict[str, Callable[..., t.Any]] = {}
        self.error_handler_spec: dict[
            str | None, dict[int | None, dict[type[BaseException], ErrorHandlerCallable]]
        ] = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[str | None, list[BeforeRequestCallable]] = defaultdict(list)
        self.after_request_funcs: dict[str | None, list[AfterRequestCallable[t.Any]]] = defaultdict(
            list
        )
        self.teardown_request_funcs: dict[str | None, list[TeardownCallable]] = defaultdict(list)
        self.template_context_processors: dict[
            str | None, list[TemplateContextProcessorCallable]
        ] = defaultdict(list)
        self.url_value_preprocessors: dict[str | None, list[URLValuePreprocessorCallable]] = (
            defaultdict(list)
        )
        self.url_default_functions: dict[str | None, list[URLDefaultCallable]] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    def _setup_changed(self) -> None:
        """Hook: registries changed (the app drops its precomputed plan)."""

    # -- folders ------------------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute static folder, or None."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of the static route (defaults to ``/`` + folder name)."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """A Jinja2 loader for :attr:`template_folder`, or None without one.

        Created on first use and kept; the app's template loader asks the
        app's, then each blueprint's.
        """
        if self.template_folder is None:
            return None
        loader: BaseLoader = _jinja2.FileSystemLoader(
            os.path.join(self.root_path, self.template_folder)
        )
        return loader

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> t.IO[t.Any]:
        """Open a file relative to :attr:`root_path` for reading."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading; use mode 'r' or 'rb'.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- routes ------------------------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, t.Any]
    ) -> Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to pass 'methods'.")
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: t.Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: t.Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: t.Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: t.Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: t.Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def websocket(self, rule: str, **options: t.Any) -> Callable[[T_route], T_route]:
        """Register the decorated ``async def`` view for websocket connections.

        The view reaches the connection through :data:`kolben.websocket`
        (``await websocket.receive()``, ``await websocket.send(...)``).
        Websockets need an ASGI server; under WSGI the URL answers 400.
        """
        options.setdefault("provide_automatic_options", False)
        options["methods"] = ["GET"]
        return self.route(rule, websocket=True, **options)

    @setupmethod
    def route(self, rule: str, **options: t.Any) -> Callable[[T_route], T_route]:
        """Register the decorated view for ``rule`` (see :meth:`add_url_rule`)."""

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect a URL rule to a view function."""
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view of ``endpoint``."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            self._setup_changed()
            return f

        return decorator

    # -- hooks -------------------------------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before) -> T_before:
        """Run ``f()`` before each request; a non-None result ends the request early."""
        self.before_request_funcs.setdefault(None, []).append(f)
        self._setup_changed()
        return f

    @setupmethod
    def after_request(self, f: T_after) -> T_after:
        """Run ``f(response)`` after each request; it must return a response."""
        self.after_request_funcs.setdefault(None, []).append(f)
        self._setup_changed()
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the request context is popped, even after errors."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        self._setup_changed()
        return f

    @setupmethod
    def context_processor(self, f: T_ctx) -> T_ctx:
        """Register ``f() -> dict`` whose items are added to template contexts."""
        self.template_context_processors[None].append(f)
        self._setup_changed()
        return f

    @setupmethod
    def url_value_preprocessor(self, f: T_url_pre) -> T_url_pre:
        """Run ``f(endpoint, view_args)`` before the before-request hooks."""
        self.url_value_preprocessors[None].append(f)
        self._setup_changed()
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` to fill in values when building URLs."""
        self.url_default_functions[None].append(f)
        self._setup_changed()
        return f

    # -- error handlers ----------------------------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> Callable[[T_error], T_error]:
        """Register the decorated function to handle an HTTP code or exception class."""

        def decorator(f: T_error) -> T_error:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: ErrorHandlerCallable
    ) -> None:
        """Non-decorator form of :meth:`errorhandler`."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f
        self._setup_changed()

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[Exception] | int,
    ) -> tuple[type[Exception], int | None]:
        if isinstance(exc_class_or_code, int):
            try:
                exc_class: type[Exception] = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a subclass"
                    " of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be"
                " registered for exception classes or HTTP error codes."
            )
        if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
            raise ValueError(
                f"'{getattr(exc_class, '__name__', exc_class)}' is not a subclass of"
                " Exception. Handlers can only be registered for Exception classes or HTTP"
                " error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        # Another library's HTTP exception (a Werkzeug one raised by an
        # extension, e.g. Flask-WTF's CSRFError) files under its code too.
        return exc_class, _foreign_http_code(exc_class)
