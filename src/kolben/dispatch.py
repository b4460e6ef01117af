"""The request pipeline of the app: hooks, view dispatch, errors, responses (layer 4).

:class:`Dispatcher` is a mixin of :class:`kolben.Kolben`; it is split out of
``app.py`` so that each module keeps one job. The order of every step follows
API.md section 3 ("Request lifecycle"), which is Flask's.
"""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Callable, Iterator
from itertools import chain

from . import signals
from ._aio import is_async_callable, iterate_async, sync_wrapper
from .ctx import AppContext, RequestContext
from .datastructures import Headers
from .debughelpers import FormDataRoutingRedirect
from .exceptions import (
    BadHost,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    NotFound,
    WebsocketMismatch,
    default_exceptions,
)
from .globals import _cv_app, _cv_request
from .json.provider import JSONProvider
from .routing import RequestPath, RequestRedirect, RoutingException
from .scaffold import Scaffold, _foreign_http_code
from .urlbuilding import URLBuildingMixin
from .wrappers import Request, Response
from .wrappers.response import START_RESPONSE_CALLED, get_content_type

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben
    from .typing import ResponseReturnValue

__all__ = ["Dispatcher"]

_TEXT_TYPES = (str, bytes, bytearray)
_RESPONSE_OUTPUT_METHODS = (
    "__init__",
    "__call__",
    "get_wsgi_response",
    "get_wsgi_headers",
    "get_app_iter",
    "set_data",
)
_STOCK_MODULES = frozenset({"kolben.app", "kolben.dispatch", "kolben.dispatch_async"})
_SESSION_MODULES = frozenset({"kolben.sessions"})
_PIPELINE_METHODS = (
    "wsgi_app",
    "request_context",
    "app_context",
    "do_teardown_request",
    "do_teardown_appcontext",
    "should_ignore_error",
    "_match_request",
    "full_dispatch_request",
    "preprocess_request",
    "dispatch_request",
    "finalize_request",
    "make_response",
    "process_response",
    "handle_user_exception",
    "handle_http_exception",
    "handle_exception",
    "ensure_sync",
)


def _is_http_error(e: BaseException) -> bool:
    """Kolben's HTTPException, or another library's exception shaped like one.

    Extensions raise Werkzeug's exceptions (Flask-WTF's CSRFError,
    Flask-Limiter's RateLimitExceeded); they answer with their own response
    and reach ``errorhandler(code)`` as in Flask, never a 500.
    """
    return isinstance(e, HTTPException) or _foreign_http_code(e) is not None


def _quick_pop(plan: _Plan, ctx: RequestContext, app_ctx: AppContext) -> bool:
    """Pop the fast paths' contexts when nothing is left to run (PERF).

    True when done: no teardown function or signal receiver exists, and no
    streamed body re-pushed the context. Otherwise the caller runs the full
    ``pop`` (sync under WSGI, async under ASGI).
    """
    req_tokens = ctx._cv_tokens
    app_tokens = app_ctx._cv_tokens
    if (
        len(req_tokens) == 1
        and len(app_tokens) == 1
        and not (plan.teardown_request or plan.teardown_appcontext or signals.in_use)
        and _cv_request.get(None) is ctx
        and _cv_app.get(None) is app_ctx
    ):
        ctx.request.close()
        _cv_request.reset(req_tokens.pop()[0])
        _cv_app.reset(app_tokens.pop())
        return True
    return False


def _to_wsgi(response: Response) -> Response:
    """Give a WSGI server a body it can iterate (async bodies are driven here)."""
    if hasattr(response.response, "__aiter__"):
        response.response = iterate_async(t.cast(t.Any, response.response))
    return response


def _is_stock(cls: type, name: str, modules: frozenset[str] | None = None) -> bool:
    """Whether ``cls.name`` is Kolben's own (not overridden by a subclass)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__module__ in (modules or _STOCK_MODULES)
    return False


class _Plan:
    """Which pipeline steps an app needs, computed once at its first request.

    PERF: an app without hooks, handlers or signal receivers skips those
    steps entirely instead of walking empty registries on every request.
    """

    __slots__ = (
        "after",
        "before",
        "error_handlers",
        "fast",
        "fast_views",
        "html_type",
        "html_type_bytes",
        "json_body",
        "json_type",
        "json_type_bytes",
        "session_cookie",
        "stock_sessions",
        "sync_hooks",
        "teardown_appcontext",
        "teardown_request",
        "url_preprocessors",
    )

    def __init__(self, app: Dispatcher) -> None:
        self.before = any(app.before_request_funcs.values())
        self.url_preprocessors = any(app.url_value_preprocessors.values())
        self.after = any(app.after_request_funcs.values())
        self.teardown_request = any(app.teardown_request_funcs.values())
        self.teardown_appcontext = bool(app.teardown_appcontext_funcs)
        self.error_handlers = any(
            handlers for scope in app.error_handler_spec.values() for handlers in scope.values()
        )
        # PERF: views wrapped once for the interface (async views under WSGI).
        # Keyed by the view function itself: view_functions is a public dict,
        # and a view replaced in it must take effect (as in Flask).
        self.fast_views: dict[Callable[..., t.Any], Callable[..., t.Any]] = {}
        # PERF: with no hooks and the stock pipeline, a view returning str,
        # bytes, dict or list is written straight to the server: no Response
        # object, no header bookkeeping. Anything else takes the full path.
        response_class = app.response_class
        stock_response = (
            all(
                getattr(response_class, name) is getattr(Response, name)
                for name in _RESPONSE_OUTPUT_METHODS
            )
            and response_class.default_status == 200
        )
        stock_pipeline = all(_is_stock(type(app), name) for name in _PIPELINE_METHODS)
        self.fast = (
            stock_response
            and stock_pipeline
            and not (self.before or self.url_preprocessors or self.after)
            and response_class.automatically_set_content_length
        )
        mimetype = response_class.default_mimetype or "text/plain"
        self.html_type = get_content_type(mimetype)
        self.html_type_bytes = self.html_type.encode("latin-1")
        json_provider = app.json
        if type(json_provider).response is JSONProvider.response:
            self.json_body: Callable[[t.Any], bytes] | None = json_provider.response_body
            self.json_type = json_provider.mimetype
        else:
            self.json_body = None
            self.json_type = ""
        # Under ASGI: whether a request without an async view still needs a
        # worker thread for its hooks, and whether saving the session is
        # pure computation (the stock interface) that may run on the loop.
        hooks = [
            *chain.from_iterable(app.before_request_funcs.values()),
            *chain.from_iterable(app.url_value_preprocessors.values()),
            *chain.from_iterable(app.after_request_funcs.values()),
            *chain.from_iterable(app.teardown_request_funcs.values()),
            *app.teardown_appcontext_funcs,
            *(
                handler
                for scope in app.error_handler_spec.values()
                for handlers in scope.values()
                for handler in handlers.values()
            ),
        ]
        self.sync_hooks = not all(is_async_callable(f) for f in hooks)
        self.stock_sessions = _is_stock(
            type(app.session_interface), "save_session", _SESSION_MODULES
        )
        self.json_type_bytes = self.json_type.encode("latin-1")
        self.session_cookie: str | None = None
        if app.config.get("SESSION_REFRESH_EACH_REQUEST"):
            self.session_cookie = app.session_interface.get_cookie_name(app)


class Dispatcher(URLBuildingMixin, Scaffold):
    """Request handling for :class:`kolben.Kolben`."""

    config: t.Any
    url_map: t.Any
    request_class: type[Request]
    response_class: type[Response]
    json: t.Any
    logger: t.Any
    debug: bool
    testing: bool
    session_interface: t.Any
    teardown_appcontext_funcs: list[Callable[[BaseException | None], t.Any]]
    subdomain_matching: bool
    _plan: _Plan | None
    log_exception: Callable[[t.Any], None]
    _got_first_request: bool

    # -- the WSGI entry point -----------------------------------------------------

    def wsgi_app(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        """The WSGI application. Wrap this (not the app) with WSGI middleware."""
        plan = self._plan or self._make_plan()
        if (
            plan.fast
            and not signals.in_use
            and _cv_app.get(None) is None
            and "kolben.preserve_context" not in environ
        ):
            return self._wsgi_fast(plan, environ, start_response)
        ctx = self.request_context(environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except BaseException as e:
                error = e
                raise
            return _to_wsgi(response)(environ, start_response)
        finally:
            preserve = environ.get("kolben.preserve_context")
            if preserve is not None:
                preserve(_cv_app.get())
                preserve(_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    def _wsgi_fast(self, plan: _Plan, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        """:meth:`wsgi_app` for an app without hooks, inlined (PERF).

        Pushes and pops the two contexts exactly as ``RequestContext.push``
        and ``pop`` would, minus the work that has nothing to do; whenever
        something unusual happened (a streamed body re-pushed the context, a
        teardown function or signal receiver appeared), it defers to the
        real ``pop``.
        """
        app = t.cast("Kolben", self)
        ctx = RequestContext(app, environ)
        app_ctx = AppContext(app)
        app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
        ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
        error: BaseException | None = None
        try:
            try:
                self._match_request(ctx.request)
                body = self._fast_dispatch(plan, ctx, environ, start_response)
                if isinstance(body, list):
                    return body
                # PERF: a list body needs no async driving: no _to_wsgi call.
                if type(body.response) is list:
                    return body(environ, start_response)
                return _to_wsgi(body)(environ, start_response)
            except Exception as e:
                error = e
                if environ.pop(START_RESPONSE_CALLED, False):
                    # The server refused the response (gunicorn refuses a
                    # header name that is not a token). PEP 3333 allows one
                    # more call, with exc_info, but gunicorn then keeps the
                    # headers it took before the bad one: the error page
                    # would go out with two Content-Lengths. The server
                    # answers its own refusal, as on the general path.
                    raise
                return _to_wsgi(self.handle_exception(e))(environ, start_response)
            except BaseException as e:
                error = e
                raise
        finally:
            if error is not None and self.should_ignore_error(error):
                error = None
            if not _quick_pop(plan, ctx, app_ctx):
                ctx.pop(error)

    def _fast_dispatch(
        self,
        plan: _Plan,
        ctx: RequestContext,
        environ: dict[str, t.Any],
        start_response: t.Any,
    ) -> list[bytes] | Response:
        """The pipeline of an app without hooks (PERF; see :class:`_Plan`).

        Returns the body list when the view's value went straight to the
        server, else the finalized response for the general path to send.
        """
        request = ctx.request
        rule = request.url_rule
        if rule is None or (
            rule.provide_automatic_options and environ.get("REQUEST_METHOD") == "OPTIONS"
        ):
            return self.full_dispatch_request()
        self._got_first_request = True
        func = self.view_functions[rule.endpoint]
        view = plan.fast_views.get(func)
        if view is None:
            view = plan.fast_views[func] = self.ensure_sync(func)
        try:
            rv = view(**request.view_args)  # type: ignore[arg-type]
        except Exception as e:
            return self.finalize_request(self.handle_user_exception(e))
        rtype = type(rv)
        own_response = False
        if rtype is str:
            body = rv.encode()
            content_type = plan.html_type
        elif (rtype is dict or rtype is list) and plan.json_body is not None:
            body = plan.json_body(rv)
            content_type = plan.json_type
        elif rtype is bytes:
            body = rv
            content_type = plan.html_type
        elif rtype is self.response_class:
            own_response = True
        else:
            return self.finalize_request(rv)
        if ctx._after_request_functions is not None or ctx._session is not None:
            return self.finalize_request(rv)
        cookie = plan.session_cookie
        if (
            cookie is not None
            and cookie in environ.get("HTTP_COOKIE", "")
            and self._session_may_need_refresh(request)
        ):
            return self.finalize_request(rv)
        if own_response:
            # PERF: the view's own response_class instance: make_response
            # would return it as it is and process_response has nothing to
            # do (the checks above), so it goes straight to the server
            # (5.0k instructions; callgrind, case A).
            return rv  # type: ignore[no-any-return]
        try:
            start_response(
                "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
            )
        except BaseException:
            environ[START_RESPONSE_CALLED] = True
            raise
        if environ.get("REQUEST_METHOD") == "HEAD":
            return []
        return [body]

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> t.Any:
        """The app is a WSGI callable; middleware should wrap :meth:`wsgi_app`."""
        return self.wsgi_app(environ, start_response)

    def request_context(self, environ: dict[str, t.Any]) -> RequestContext:
        raise NotImplementedError

    def app_context(self) -> AppContext:
        raise NotImplementedError

    # -- matching -------------------------------------------------------------------

    def _domain_part(self, request: Request) -> str:
        url_map = self.url_map
        if url_map.host_matching:
            return request.host.lower()
        if self.subdomain_matching:
            server_name = self.config.get("SERVER_NAME")
            if server_name:
                host = request.host.lower()
                server_name = server_name.lower()
                if host == server_name:
                    return ""
                if host.endswith("." + server_name):
                    return host[: -len(server_name) - 1]
                return "<invalid>"
        return str(url_map.default_subdomain or "")

    def _match_request(self, request: Request) -> None:
        """Match ``request`` against the URL map, storing rule and args or the error."""
        try:
            # Read per request, not planned: the config may change after the
            # first request, as in Flask.
            trusted_hosts = self.config["TRUSTED_HOSTS"]
            if trusted_hosts is not None:
                request.trusted_hosts = trusted_hosts
                request.host  # noqa: B018 - validates the Host, raising SecurityError
            environ = request.environ
            if "HTTP_TRANSFER_ENCODING" in environ and environ.get("CONTENT_LENGTH"):
                # RFC 9112 section 6.3: a request framed both ways is how
                # request smuggling starts. Refuse it; under ASGI the answer
                # also closes the connection.
                environ["kolben.close_connection"] = True
                request.routing_exception = BadRequest(
                    "The request has both Content-Length and Transfer-Encoding."
                )
                return
            host = environ.get("HTTP_HOST")
            if host is not None and "," in host:
                # RFC 9112 section 3.2: more than one Host line is a 400.
                # Servers that pass repeated lines on join them with ","
                # (granian, Kolben's ASGI adapter), and a comma is never part
                # of a host name, so one rule covers WSGI and ASGI.
                request.routing_exception = BadHost(
                    "The request has more than one Host header (or a comma in it)."
                )
                return
            url_map = self.url_map
            domain = (
                ""
                if not (url_map.host_matching or self.subdomain_matching)
                else (self._domain_part(request))
            )
            # PERF: match the decoded path directly; no MapAdapter per request,
            # and the common "/ascii/path" skips Request.path's normalising.
            # An app mounted at /api and asked for "/api" sees an empty
            # PATH_INFO: match "" so that strict slashes redirect to /api/.
            path = environ.get("PATH_INFO") or ("" if environ.get("SCRIPT_NAME") else "/")
            if path and not (path.isascii() and path[:1] == "/" and path[1:2] != "/"):
                path = request.path
            rule, args = url_map.match_fast(path, environ.get("REQUEST_METHOD", "GET"), domain)
            if rule.redirect_to is not None:
                # Rare: let the full adapter raise the RequestRedirect it builds.
                adapter = self.create_url_adapter(request)
                if adapter is not None:
                    adapter.match(request.path, request.method)
            request.url_rule = rule
            request.view_args = args
        except RequestPath as exc:
            try:
                request.routing_exception = RequestRedirect(self._redirect_url(request, exc.path))
            except HTTPException as error:
                # A malformed Host cannot be redirected to: its 400, not a 500.
                request.routing_exception = error
        except WebsocketMismatch:
            where = (
                "Connect with a WebSocket client."
                if "asgi.scope" in request.environ
                else "WebSockets need an ASGI server: serve app.asgi with granian"
                " (--interface asgi), uvicorn or hypercorn."
            )
            request.routing_exception = WebsocketMismatch(
                f"This URL accepts WebSocket connections only. {where}"
            )
        except HTTPException as exc:
            request.routing_exception = exc

    def _make_plan(self) -> _Plan:
        plan = _Plan(self)
        # Kept only once the app serves: until then extensions may still fill
        # the registries directly (not through a setup method), and a plan
        # made early by a hand-run pipeline step must not hide them.
        if self._got_first_request:
            self._plan = plan
        return plan

    def _setup_changed(self) -> None:
        self._plan = None

    # -- the pipeline ---------------------------------------------------------------

    def full_dispatch_request(self) -> Response:
        """Run the before hooks and the view, handle errors, finalize the response."""
        self._got_first_request = True
        try:
            if signals.in_use and signals.request_started.receivers:
                signals.request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def preprocess_request(self) -> ResponseReturnValue | None:
        """Run URL value preprocessors, then before-request hooks, outermost first.

        The first hook that returns a value ends the request with it.
        """
        plan = self._plan or self._make_plan()
        if not (plan.url_preprocessors or plan.before):
            return None
        request = _cv_request.get().request
        names = (None, *reversed(request.blueprints))
        if plan.url_preprocessors:
            for name in names:
                for url_func in self.url_value_preprocessors.get(name, ()):
                    self.ensure_sync(url_func)(request.endpoint, request.view_args)
        if plan.before:
            for name in names:
                for before_func in self.before_request_funcs.get(name, ()):
                    rv = self.ensure_sync(before_func)()
                    if rv is not None:
                        return t.cast("ResponseReturnValue", rv)
        return None

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the stored routing error (404, 405, 308 redirect, bad Host)."""
        exc = request.routing_exception
        if exc is None:
            raise NotFound()
        if (
            isinstance(exc, RequestRedirect)
            and exc.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and request.settings.get("DEBUG")
        ):
            # A browser repeats this redirect as a GET and drops the body.
            raise FormDataRoutingRedirect(request)
        raise exc

    def dispatch_request(self) -> ResponseReturnValue:
        """Call the view of the matched rule (or answer automatic OPTIONS)."""
        request = _cv_request.get().request
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule = request.url_rule
        if rule is None:
            raise NotFound()
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return self.make_default_options_response()
        plan = self._plan or self._make_plan()
        func = self.view_functions[rule.endpoint]
        view = plan.fast_views.get(func)
        if view is None:
            view = plan.fast_views[func] = self.ensure_sync(func)
        return t.cast("ResponseReturnValue", view(**(request.view_args or {})))

    def make_default_options_response(self) -> Response:
        """A 200 answer to OPTIONS with ``Allow`` listing the path's methods."""
        ctx = _cv_request.get()
        adapter = ctx.url_adapter
        methods = adapter.allowed_methods() if adapter is not None else []
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    def finalize_request(
        self, rv: ResponseReturnValue | HTTPException, from_error_handler: bool = False
    ) -> Response:
        """Turn ``rv`` into a response and run the after-request steps."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if signals.in_use and signals.request_finished.receivers:
                signals.request_finished.send(
                    self, _async_wrapper=self.ensure_sync, response=response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` callbacks and after hooks, then save the session."""
        ctx = _cv_request.get()
        funcs = ctx._after_request_functions
        if funcs:
            for func in funcs:
                response = self.ensure_sync(func)(response)
        plan = self._plan or self._make_plan()
        if plan.after:
            for name in chain(ctx.request.blueprints, (None,)):
                for func in reversed(self.after_request_funcs.get(name, ())):
                    response = self.ensure_sync(func)(response)
        self._save_session(ctx, response)
        return response

    def _save_session(self, ctx: RequestContext, response: Response) -> None:
        session = ctx._session
        if session is None:
            # PERF: the session was never touched; only a permanent session
            # cookie that must be refreshed on every response needs opening.
            if not self._session_may_need_refresh(ctx.request):
                return
            session = ctx.session
            session.accessed = False
        interface = self.session_interface
        if not interface.is_null_session(session):
            interface.save_session(self, session, response)

    def _session_may_need_refresh(self, request: Request) -> bool:
        if not self.config.get("SESSION_REFRESH_EACH_REQUEST"):
            return False
        cookie_header = request.environ.get("HTTP_COOKIE")
        if not cookie_header:
            return False
        interface = self.session_interface
        if interface.get_cookie_name(self) not in cookie_header:
            return False
        # PERF: the interface may tell from the cookie that no refresh is due.
        check = getattr(interface, "_may_need_refresh", None)
        return check is None or bool(check(self, request))

    # -- responses ---------------------------------------------------------------------

    def make_response(self, rv: ResponseReturnValue | HTTPException) -> Response:
        """Convert a view's return value into a :attr:`response_class` instance.

        Accepted: ``str``/``bytes`` (HTML), ``dict``/``list`` (JSON), an
        iterator (streamed), a response, any WSGI callable, or a tuple
        ``(body, status)``, ``(body, headers)``, ``(body, status, headers)``.
        """
        cls = self.response_class
        # PERF: the plain-string return is the most common; skip the checks.
        if type(rv) is str:
            return cls(rv)
        status: t.Any = None
        headers: t.Any = None
        if isinstance(rv, tuple):
            if len(rv) == 3:
                rv, status, headers = rv
            elif len(rv) == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "A view returned a tuple of the wrong size. Return (body, status),"
                    " (body, headers) or (body, status, headers)."
                )
        if rv is None:
            endpoint = _cv_request.get().request.endpoint
            raise TypeError(
                f"The view function for {endpoint!r} did not return a valid response: it"
                " returned None (or ended without a return statement). Return a string,"
                " dict, list, tuple, Response or WSGI callable."
            )
        if not isinstance(rv, cls):
            if isinstance(rv, (*_TEXT_TYPES, Iterator)) or hasattr(rv, "__aiter__"):
                rv = cls(rv, status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif (
                isinstance(rv, (Response, HTTPException))
                or callable(rv)
                or _foreign_http_code(rv) is not None
            ):
                environ = _cv_request.get().request.environ
                if isinstance(rv, HTTPException) or _foreign_http_code(rv) is not None:
                    # Its own response keeps the body in memory with a
                    # Content-Length, instead of running it as a WSGI app
                    # (another library's response is converted below).
                    rv = t.cast(t.Any, rv).get_response(environ)
                try:
                    rv = cls.force_type(t.cast(t.Any, rv), environ)
                except TypeError as e:
                    raise TypeError(
                        f"{e}\nThe view returned a {type(rv).__name__} that could not be"
                        " turned into a response."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    "The view function did not return a valid response. Return a string,"
                    " dict, list, tuple with headers or status, Response instance or WSGI"
                    f" callable; it returned a {type(rv).__name__}."
                )
        rv = t.cast(Response, rv)
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return rv

    # -- errors ---------------------------------------------------------------------------

    def _find_error_handler(
        self, e: Exception, blueprints: list[str]
    ) -> Callable[[t.Any], t.Any] | None:
        plan = self._plan or self._make_plan()
        if not plan.error_handlers:
            return None
        exc_class, code = self._get_exc_class_and_code(type(e))
        classes: tuple[type, ...] = exc_class.__mro__
        if code is not None and not isinstance(e, HTTPException):
            # Another library's HTTP exception: after its own classes, look
            # it up as Kolben's exception for its code, so errorhandler(400)
            # and errorhandler(HTTPException) catch it as they do in Flask.
            native = default_exceptions.get(code, HTTPException).__mro__
            classes = (*[c for c in classes if c not in native], *native)
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                scope = self.error_handler_spec.get(name)
                if not scope:
                    continue
                handler_map = scope.get(c)
                if not handler_map:
                    continue
                for cls in classes:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should be treated as an unhandled error."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return _is_http_error(e) and getattr(e, "code", None) == 400
        return False

    def handle_http_exception(self, e: HTTPException) -> HTTPException | ResponseReturnValue:
        """Find a handler for an HTTP error, or return the error as the response."""
        if e.code is None:
            return e
        if isinstance(e, RoutingException):
            return e
        request = _cv_request.get().request
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            return e
        return t.cast("ResponseReturnValue", self.ensure_sync(handler)(e))

    def handle_user_exception(self, e: Exception) -> HTTPException | ResponseReturnValue:
        """Handle an exception from a hook or view; re-raise when nothing handles it."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if _is_http_error(e) and not self.trap_http_exception(e):
            return self.handle_http_exception(t.cast(HTTPException, e))
        request = _cv_request.get().request
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            raise e
        return t.cast("ResponseReturnValue", self.ensure_sync(handler)(e))

    def handle_exception(self, e: Exception) -> Response:
        """Handle an unhandled exception: propagate it, or answer 500."""
        exc_info = sys.exc_info()
        if signals.in_use and signals.got_request_exception.receivers:
            signals.got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: t.Any = InternalServerError(original_exception=e)
        ctx = _cv_request.get(None)
        blueprints = ctx.request.blueprints if ctx is not None else []
        handler = self._find_error_handler(server_error, blueprints)
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return True to hide ``error`` from the teardown functions."""
        return False

    # -- teardown ---------------------------------------------------------------------------

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_request`` functions, innermost blueprint first, newest first."""
        plan = self._plan or self._make_plan()
        if plan.teardown_request:
            request = _cv_request.get().request
            for name in chain(request.blueprints, (None,)):
                for func in reversed(self.teardown_request_funcs.get(name, ())):
                    self.ensure_sync(func)(exc)
        if signals.in_use and signals.request_tearing_down.receivers:
            signals.request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_appcontext`` functions, newest first."""
        for func in reversed(self.teardown_appcontext_funcs):
            self.ensure_sync(func)(exc)
        if signals.in_use and signals.appcontext_tearing_down.receivers:
            signals.appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    # -- async -------------------------------------------------------------------------------

    def ensure_sync(self, func: Callable[..., t.Any]) -> Callable[..., t.Any]:
        """Return ``func`` callable synchronously (async functions run on this
        thread's reusable event loop)."""
        if is_async_callable(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: Callable[..., t.Any]) -> Callable[..., t.Any]:
        """Wrap an async function to run to completion when called."""
        return sync_wrapper(func)
