"""The application object (layer 4)."""

from __future__ import annotations

import os
import sys
import typing as t
import weakref
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property

from ._imports import LazyModule
from .appwrappers import Response as AppResponse
from .config import Config, ConfigAttribute
from .ctx import RequestContext, _AppCtxGlobals
from .exceptions import Aborter
from .globals import _cv_request, g
from .helpers import get_debug_flag, get_load_dotenv, send_from_directory
from .json.provider import DefaultJSONProvider, JSONProvider
from .logging import create_logger
from .pipeline import Dispatcher
from .routing import Map, Rule
from .scaffold import _endpoint_from_view_func, find_package, max_age_from_config, setupmethod
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating_base import TemplatingMixin
from .utils import redirect as _redirect
from .wrappers import Request, Response

if t.TYPE_CHECKING:  # pragma: no cover
    import logging

    from . import testing as _testing
    from .cli import base as _clibase
    from .cli.base import AppGroup, KolbenCliRunner
    from .typing import RouteCallable
else:
    # PERF: the test client and the command line (click) load on first use,
    # so ``import kolben`` in a server process skips them (issue 15: about a
    # third of its import time).
    _clibase = LazyModule("kolben.cli.base")
    _testing = LazyModule("kolben.testing")

__all__ = ["Flask", "Kolben"]


def _make_timedelta(value: t.Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class Kolben(TemplatingMixin, Dispatcher):
    """A Kolben application: the WSGI callable, with :attr:`asgi` for ASGI.

    ``import_name`` is the name of the application's module or package
    (usually ``__name__``); it locates templates, static files and the
    instance folder.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = AppResponse
    aborter_class = Aborter
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    url_rule_class = Rule
    url_map_class = Map
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    session_interface: SessionInterface = SecureCookieSessionInterface()
    test_client_class: type[_testing.KolbenClient] | None = None
    test_cli_runner_class: type[KolbenCliRunner] | None = None
    #: Options for ``app.jinja_env`` (``Environment(**jinja_options)``), read
    #: once, when the environment is created.
    jinja_options: dict[str, t.Any] = {}

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute["str | bytes | None"]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    default_config: dict[str, t.Any] = {
        "DEBUG": None,
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
        # Kolben: Lax by default (Flask: None), see SECURITY.md.
        "SESSION_COOKIE_SAMESITE": "Lax",
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
        # Kolben: websocket messages larger than this close the socket (1009).
        "WEBSOCKET_MAX_MESSAGE_SIZE": 1024 * 1024,
    }

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "The instance path must be absolute; a relative path was given. Use"
                " os.path.abspath(...) or leave it out to use the default."
            )
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        self.aborter = self.make_aborter()
        self.json: JSONProvider = self.json_provider_class(self)
        self.url_build_error_handlers: list[
            Callable[[Exception, str, dict[str, t.Any]], str | None]
        ] = []
        self.teardown_appcontext_funcs: list[Callable[[BaseException | None], t.Any]] = []
        self.shell_context_processors: list[Callable[[], dict[str, t.Any]]] = []
        self.blueprints: dict[str, t.Any] = {}
        self.extensions: dict[str, t.Any] = {}
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        self._plan = None
        self.before_serving_funcs: list[Callable[[], t.Any]] = []
        self.after_serving_funcs: list[Callable[[], t.Any]] = []
        self._async_cache: dict[t.Any, bool] = {}

        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise AssertionError(
                    "Invalid static_host/host_matching combination: with host_matching=True"
                    " pass static_host, and pass it only then."
                )
            self_ref = weakref.ref(self)

            def static_view(**kw: t.Any) -> Response:
                app = self_ref()
                if app is None:  # pragma: no cover - the app is gone
                    raise RuntimeError("The application was garbage collected.")
                return app.send_static_file(**kw)

            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=static_view,
            )

    # -- identity and configuration -------------------------------------------------

    @cached_property
    def name(self) -> str:  # type: ignore[override]
        """The import name, or the script's file stem when run as ``__main__``."""
        if self.import_name == "__main__":
            fn: str | None = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return os.path.splitext(os.path.basename(fn))[0]
        return self.import_name

    @cached_property
    def cli(self) -> AppGroup:
        """The app's commands for the ``kolben`` command line (``@app.cli.command()``).

        Made on first use (PERF: click loads only then); assignable like
        any attribute.
        """
        return _clibase.AppGroup(self.name)

    @cached_property
    def logger(self) -> logging.Logger:
        """The ``logging`` logger named after :attr:`name`."""
        return create_logger(self)

    @property
    def debug(self) -> bool:
        """Debug mode (the ``DEBUG`` config key)."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        self._on_debug_changed(value)

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create :attr:`config`, with ``DEBUG`` from the environment."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Create :attr:`aborter`, used by :func:`kolben.abort`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``<folder>/instance`` beside the package, or ``<prefix>/var/<name>-instance``."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file in the instance folder (writing allowed)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    def iter_blueprints(self) -> t.Iterator[t.Any]:
        """The registered blueprints, in registration order."""
        return iter(self.blueprints.values())

    # -- setup ------------------------------------------------------------------------

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application."
                " It has already handled its first request, so a change now would reach"
                " only some requests or workers. Register routes, hooks and blueprints"
                " while creating the app, before it serves."
            )

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect ``rule`` to ``view_func`` under ``endpoint``."""
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example"
                ' @app.route(..., methods=["POST"]), not a single string.'
            )
        method_set = {item.upper() for item in methods}
        required = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            if "OPTIONS" not in method_set and self.config["PROVIDE_AUTOMATIC_OPTIONS"]:
                provide_automatic_options = True
                required.add("OPTIONS")
            else:
                provide_automatic_options = False
        method_set |= required
        rule_obj = self.url_rule_class(rule, methods=method_set, **options)
        rule_obj.provide_automatic_options = provide_automatic_options
        self.url_map.add(rule_obj)
        if view_func is not None:
            old = self.view_functions.get(endpoint)
            if old is not None and old != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}"
                )
            self.view_functions[endpoint] = view_func
        self._setup_changed()

    @setupmethod
    def teardown_appcontext(
        self, f: Callable[[BaseException | None], t.Any]
    ) -> Callable[[BaseException | None], t.Any]:
        """Run ``f(exc)`` when the app context is popped."""
        self.teardown_appcontext_funcs.append(f)
        self._setup_changed()
        return f

    @setupmethod
    def before_serving(self, f: Callable[[], t.Any]) -> Callable[[], t.Any]:
        """Run ``f()`` (sync or async) when an ASGI server starts, in an app context.

        If it raises, the server's startup fails and it exits with the error.
        """
        self.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: Callable[[], t.Any]) -> Callable[[], t.Any]:
        """Run ``f()`` (sync or async) when an ASGI server shuts down."""
        self.after_serving_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(
        self, f: Callable[[], dict[str, t.Any]]
    ) -> Callable[[], dict[str, t.Any]]:
        """Add ``f()``'s names to ``kolben shell``."""
        self.shell_context_processors.append(f)
        return f

    @setupmethod
    def register_blueprint(self, blueprint: t.Any, **options: t.Any) -> None:
        """Register a :class:`~kolben.Blueprint` on the app."""
        blueprint.register(self, options)
        self._setup_changed()

    def make_shell_context(self) -> dict[str, t.Any]:
        """The names ``kolben shell`` starts with: ``app``, ``g`` and processors'."""
        rv: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    # -- contexts and testing ---------------------------------------------------------

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request (EnvironBuilder arguments)."""
        builder = _testing.KolbenEnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> _testing.KolbenClient:
        """A client that sends requests to the app in-process."""
        cls = self.test_client_class or _testing.KolbenClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> KolbenCliRunner:
        """A click runner for this app's commands (:attr:`test_cli_runner_class`)."""
        cls = self.test_cli_runner_class or _clibase.KolbenCliRunner
        return cls(self, **kwargs)

    # -- static files -------------------------------------------------------------------

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Cache lifetime of static files (``SEND_FILE_MAX_AGE_DEFAULT``), seconds."""
        return max_age_from_config(self.config["SEND_FILE_MAX_AGE_DEFAULT"])

    def send_static_file(self, filename: str) -> Response:
        """Serve ``filename`` from :attr:`static_folder` (the ``static`` endpoint)."""
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static files.")
        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(t.cast(str, self.static_folder), filename, max_age=max_age)

    def log_exception(self, exc_info: t.Any) -> None:
        """Log an unhandled exception at ERROR: ``Exception on /path [GET]``."""
        ctx = _cv_request.get(None)
        where = f"{ctx.request.path} [{ctx.request.method}]" if ctx is not None else "?"
        self.logger.error(f"Exception on {where}", exc_info=exc_info)

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response built with :attr:`response_class`."""
        return _redirect(location, code=code, Response=self.response_class)

    # -- sessions ---------------------------------------------------------------------------

    def _open_session(self, request: Request) -> t.Any:
        interface = self.session_interface
        session = interface.open_session(self, request)
        if session is None:
            session = interface.make_null_session(self)
        return session

    # -- serving ------------------------------------------------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with the embedded server (for scripts; ``kolben run`` is
        the usual way). Does nothing under ``kolben run``.

        ``.flaskenv``/``.kolbenenv``/``.env`` are loaded unless ``load_dotenv``
        is false; ``KOLBEN_DEBUG`` then sets debug mode, and ``debug`` wins over
        both. Host and port default to ``SERVER_NAME``, else ``127.0.0.1:5000``.
        ``options`` go to :func:`kolben.serving.run_simple`; the reloader and
        the debugger follow debug mode unless ``use_reloader``/``use_debugger``
        say otherwise.
        """
        if (
            os.environ.get("KOLBEN_RUN_FROM_CLI") == "true"
            or os.environ.get("FLASK_RUN_FROM_CLI") == "true"
        ):
            print(
                " * Ignoring a call to 'app.run()': the 'kolben run' command already serves"
                " the app. Guard the call with \"if __name__ == '__main__':\".",
                file=sys.stderr,
            )
            return
        if get_load_dotenv(load_dotenv):
            _clibase.load_dotenv()
            if "KOLBEN_DEBUG" in os.environ or "FLASK_DEBUG" in os.environ:
                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)
        server_name = self.config.get("SERVER_NAME")
        sn_host = sn_port = None
        if server_name:
            sn_host, _, sn_port = server_name.partition(":")
        if not host:
            host = sn_host or "127.0.0.1"
        if port or port == 0:
            port = int(port)
        elif sn_port:
            port = int(sn_port)
        else:
            port = 5000
        from . import serving  # layer 5; the one import a lower layer may make lazily

        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)
        try:
            serving.run_simple(host, port, self, **options)
        finally:
            # A server stopped from an interactive session can be started again.
            self._got_first_request = False


#: Flask's name for the app class, for porting.
Flask = Kolben
