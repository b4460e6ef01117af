"""What the pipeline must do for one app, decided in one place (layer 4).

:class:`Plan` is computed at an app's first request and kept until its
setup changes (a hook or handler registered, a pipeline method patched on
the instance, a signal receiver connected or disconnected). Every decision
that lets a request skip work is made here, per app, by looking at the app
itself:

- **stock**: no public pipeline method that has an async twin (the methods
  of the flow: ``full_dispatch_request``, ``process_response``,
  ``handle_user_exception`` ...) is overridden in a subclass or patched on
  the instance. Decided by identity: each public method the pipeline
  package defines is compared with the app's attribute of that name
  (:func:`stock_methods` lists them from the package's classes, and the
  twins are the generated flow's methods, so a new pipeline method is
  covered without a list to keep). Only a stock app may run the async twin
  of the pipeline on the event loop; any other app runs its public (sync)
  methods, so an override applies on every path. The entry points
  (``wsgi_app``, ``asgi_app``) do not count: wrapping them with middleware
  is the usual idiom and changes nothing inside.
- **fast**: no override at all, no hooks, no signal receivers for this app,
  and the stock response class. Such an app skips the hook walks and, for a view
  returning ``str``, ``bytes``, ``dict`` or ``list``, the Response object.
- **signals**: a receiver listens to one of the pipeline's signals for this
  app (or for any sender). A receiver connected for another app does not
  slow this one down.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Mapping
from itertools import chain

from .. import signals
from .._aio import is_async_callable
from ..json.provider import JSONProvider
from ..sessions import SecureCookieSessionInterface
from ..wrappers import Request, Response
from ..wrappers.response import get_content_type

if t.TYPE_CHECKING:  # pragma: no cover
    from .dispatcher import Dispatcher

__all__ = ["Plan", "overridden_methods", "stock_methods"]

# The methods a Response subclass may override that change what goes on the
# wire; the fast path writes the bytes itself only when none is overridden.
_RESPONSE_OUTPUT_METHODS = (
    "__init__",
    "__call__",
    "get_wsgi_response",
    "get_wsgi_headers",
    "get_app_iter",
    "set_data",
)

_CONVERSION = ("ensure_sync", "async_to_sync")

#: The signals sent while a request is handled.
PIPELINE_SIGNALS = (
    signals.request_started,
    signals.request_finished,
    signals.got_request_exception,
    signals.request_tearing_down,
    signals.appcontext_tearing_down,
    signals.appcontext_pushed,
    signals.appcontext_popped,
)


def stock_methods(cls: type, package: str) -> dict[str, Callable[..., t.Any]]:
    """The public methods that the classes of ``package`` define on ``cls``.

    These are the pipeline's overridable methods: the ones an override or
    an instance patch must reach on every path.
    """
    found: dict[str, Callable[..., t.Any]] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith(package):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and callable(value) and not isinstance(value, type):
                found[name] = value
    return found


def overridden_methods(app: object, stock: Mapping[str, Callable[..., t.Any]]) -> tuple[str, ...]:
    """The pipeline methods that ``app`` overrides (subclass) or patches (instance).

    A stock method is a bound method of the package's own function; a
    subclass override is bound to another function, and an instance patch
    is another object (a function, a partial, a method bound elsewhere).
    PERF: never ``vars(app)``: on Python 3.11 touching an instance's
    ``__dict__`` turns its inline attribute values into a dict for good,
    and every attribute read of the app then misses the interpreter's
    specialised fast path (+2.5k instructions per request, callgrind).
    """
    found = []
    for name, func in stock.items():
        attr = getattr(app, name, None)
        bound_to = getattr(attr, "__self__", None)
        if getattr(attr, "__func__", None) is not func or bound_to is not app:
            found.append(name)
    return tuple(found)


class Plan:
    """Which pipeline steps an app needs (see the module docstring).

    PERF: an app without hooks, handlers or signal receivers skips those
    steps entirely instead of walking empty registries on every request.
    """

    __slots__ = (
        "after",
        "asgi_stock",
        "before",
        "custom_adapter",
        "error_handlers",
        "fast",
        "fast_views",
        "fast_views_async",
        "generation",
        "html_type",
        "html_type_bytes",
        "json_body",
        "json_type",
        "json_type_bytes",
        "overridden",
        "own_conversion",
        "plain_pop",
        "scope_requests",
        "session_cookie",
        "signals",
        "stock",
        "stock_sessions",
        "sync_hooks",
        "teardown_appcontext",
        "teardown_request",
        "url_preprocessors",
    )

    def __init__(
        self,
        app: Dispatcher,
        stock: Mapping[str, Callable[..., t.Any]],
        twins: frozenset[str] = frozenset(),
    ) -> None:
        # Read first: a receiver connected while this runs makes the plan
        # stale at once rather than wrong.
        self.generation = signals.generation
        #: asgi_app is the pipeline's own (set by the Dispatcher).
        self.asgi_stock = False
        self.before = any(app.before_request_funcs.values())
        self.url_preprocessors = any(app.url_value_preprocessors.values())
        self.after = any(app.after_request_funcs.values())
        self.teardown_request = any(app.teardown_request_funcs.values())
        self.teardown_appcontext = bool(app.teardown_appcontext_funcs)
        self.error_handlers = any(
            handlers for scope in app.error_handler_spec.values() for handlers in scope.values()
        )
        # receivers_for, not has_receivers_for: blinker keeps a sender's
        # entry after its last receiver is disconnected.
        self.signals = any(
            next(iter(signal.receivers_for(app)), None) is not None
            for signal in PIPELINE_SIGNALS
        )
        # PERF: the fast paths' pop checks one flag (quick_pop).
        self.plain_pop = not (self.teardown_request or self.teardown_appcontext or self.signals)
        self.overridden = overridden_methods(app, stock)
        # Only an override of a method that has an async twin (the flow's
        # methods) needs the public sync pipeline under ASGI; the others
        # (make_response, request_context, trap_http_exception, ...) are
        # called as they are by both forms. ensure_sync and async_to_sync
        # serve sync callers: under ASGI an async callable is awaited, never
        # converted; when overridden they are called for every sync callable,
        # as Flask calls them (no wrapper cached).
        self.own_conversion = any(name in _CONVERSION for name in self.overridden)
        self.stock = not any(name in twins for name in self.overridden)
        # Under ASGI the request reads the scope itself, unless the app's
        # request class has its own constructor or request_context is its
        # own (both expect a PEP 3333 environ).
        self.scope_requests = (
            app.request_class.__init__ is Request.__init__
            and "request_context" not in self.overridden
        )
        # Matching goes through an overridden create_url_adapter, as in Flask.
        self.custom_adapter = "create_url_adapter" in self.overridden
        # PERF: views and hooks wrapped once for a sync caller (async views
        # under WSGI). Keyed by the function itself: view_functions is a
        # public dict, and a view replaced in it must take effect (as in Flask).
        self.fast_views: dict[Callable[..., t.Any], Callable[..., t.Any]] = {}
        self.fast_views_async: dict[Callable[..., t.Any], Callable[..., t.Any]] = {}
        response_class = app.response_class
        stock_response = (
            all(
                getattr(response_class, name) is getattr(Response, name)
                for name in _RESPONSE_OUTPUT_METHODS
            )
            and response_class.default_status == 200
        )
        self.fast = (
            not self.overridden
            and stock_response
            and not (self.before or self.url_preprocessors or self.after or self.signals)
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
        self.json_type_bytes = self.json_type.encode("latin-1")
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
        self.stock_sessions = (
            type(app.session_interface).save_session is SecureCookieSessionInterface.save_session
        )
        self.session_cookie: str | None = None
        if app.config.get("SESSION_REFRESH_EACH_REQUEST"):
            self.session_cookie = app.session_interface.get_cookie_name(app)
