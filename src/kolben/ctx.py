"""Application and request contexts (layer 4).

Contexts live in :mod:`contextvars`, so ``request``, ``session``, ``g`` and
``current_app`` are correct on threads and on asyncio tasks alike.
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import update_wrapper
from types import TracebackType

from . import signals
from .globals import _cv_app, _cv_request
from .routing import MapAdapter

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben
    from .sessions import SessionMixin
    from .wrappers import Request

__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]

_NO_EXC: t.Any = object()

F = t.TypeVar("F", bound=Callable[..., t.Any])


class _AppCtxGlobals:
    """The ``g`` namespace: free attributes that live as long as the app context."""

    if t.TYPE_CHECKING:  # pragma: no cover - tells type checkers g takes any name

        def __getattr__(self, name: str) -> t.Any: ...

        def __setattr__(self, name: str, value: t.Any) -> None: ...

        def __delattr__(self, name: str) -> None: ...

    def get(self, name: str, default: t.Any = None) -> t.Any:
        """The attribute ``name``, or ``default``."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _NO_EXC) -> t.Any:
        """Remove and return ``name``; ``KeyError`` when missing and no default."""
        if default is _NO_EXC:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """``name`` if set, otherwise set it to ``default`` and return that."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<kolben.g of {ctx.app.name!r}>"
        return object.__repr__(self)


class AppContext:
    """The application context: ``current_app`` and ``g`` while it is pushed."""

    # PERF: g and the URL adapter are created on first use. ``__dict__``
    # lets extensions keep attributes on the context, as Flask allows.
    __slots__ = ("__dict__", "_cv_tokens", "_g", "_url_adapter", "app")

    def __init__(self, app: Kolben) -> None:
        self.app = app
        self._cv_tokens: list[contextvars.Token[AppContext]] = []
        self._g: _AppCtxGlobals | None = None
        self._url_adapter: MapAdapter | t.Any | None = _NO_EXC

    @property
    def g(self) -> _AppCtxGlobals:
        """The ``g`` namespace of this context."""
        if self._g is None:
            self._g = self.app.app_ctx_globals_class()
        return self._g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._g = value

    @property
    def url_adapter(self) -> MapAdapter | None:
        """A URL adapter bound to ``SERVER_NAME`` (None without it)."""
        if self._url_adapter is _NO_EXC:
            self._url_adapter = self.app.create_url_adapter(None)
        return t.cast("MapAdapter | None", self._url_adapter)

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    def push(self) -> None:
        """Make this context current."""
        self._cv_tokens.append(_cv_app.set(self))
        if signals.in_use and signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _NO_EXC, *, teardown: bool = True) -> None:
        """Remove this context; the outermost pop runs the teardown functions.

        ``teardown=False`` leaves them to the caller (a request whose
        streamed body still needs the context runs them when it ends).
        """
        try:
            if teardown and len(self._cv_tokens) == 1:
                if exc is _NO_EXC:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())
        if ctx is not self:
            raise AssertionError(f"Popped wrong app context. ({ctx!r} instead of {self!r})")
        if teardown and signals.in_use and signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.app.name!r}>"


class RequestContext:
    """The request context: ``request`` and ``session`` while it is pushed.

    Pushing it also pushes an app context when none for this app is active.
    """

    # PERF: only what every request sets is a slot; the rarely used fields
    # are class-level defaults, shadowed in the instance __dict__ when set,
    # so creating a context stores four attributes instead of twelve.
    __slots__ = ("__dict__", "_cv_tokens", "_session", "app", "request")

    #: Flashed messages read during this request (see ``get_flashed_messages``).
    flashes: list[tuple[str, str]] | None = None
    #: The websocket of a websocket request (None for HTTP).
    websocket: t.Any = None
    _after_request_functions: list[Callable[[t.Any], t.Any]] | None = None
    _url_adapter: MapAdapter | t.Any | None = _NO_EXC
    _holds = 0
    _deferred: tuple[BaseException | None, AppContext | None] | None = None
    _app_ctx: AppContext | None = None

    def __init__(
        self,
        app: Kolben,
        environ: dict[str, t.Any],
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = app.request_class(environ)
            request.json_module = app.json
            request.settings = app.config
        self.request: Request = request
        self._cv_tokens: list[tuple[contextvars.Token[RequestContext], AppContext | None]] = []
        self._session: SessionMixin | None = session

    # -- session and URL adapter, both created on first use ---------------------

    @property
    def session(self) -> SessionMixin:
        """The session; opened on first access (PERF: untouched sessions cost nothing)."""
        session = self._session
        if session is None:
            session = self._session = self.app._open_session(self.request)
        session.accessed = True
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The URL adapter bound to this request."""
        if self._url_adapter is _NO_EXC:
            self._url_adapter = self.app.create_url_adapter(self.request)
        return t.cast("MapAdapter | None", self._url_adapter)

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    def copy(self) -> RequestContext:
        """A new context sharing this one's request and session."""
        return self.__class__(self.app, self.request.environ, self.request, self._session)

    def match_request(self) -> None:
        """Match the URL, storing the rule and arguments or the routing error."""
        self.app._match_request(self.request, self)

    def push(self) -> None:
        """Make this context (and an app context if needed) current."""
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))
        if self.request.url_rule is None and self.request.routing_exception is None:
            self.app._match_request(self.request, self)

    def pop(self, exc: BaseException | None = _NO_EXC) -> None:
        """Remove this context; the outermost pop runs the teardown functions.

        While a streamed body made with :func:`~kolben.stream_with_context`
        is still being sent, the teardown waits for the stream to end.
        """
        clear_request = len(self._cv_tokens) == 1
        defer = clear_request and self._holds > 0
        try:
            if clear_request:
                if exc is _NO_EXC:
                    exc = sys.exc_info()[1]
                if not defer:
                    self.app.do_teardown_request(exc)
                    self.request.close()
        finally:
            ctx = _cv_request.get()
            token, app_ctx = self._cv_tokens.pop()
            _cv_request.reset(token)
            if app_ctx is not None:
                app_ctx.pop(exc, teardown=not defer)
            if defer:
                self._deferred = (exc, app_ctx)
            if ctx is not self:
                raise AssertionError(f"Popped wrong request context. ({ctx!r} instead of {self!r})")

    # -- keeping the context for a streamed body -------------------------------------

    def _hold(self) -> None:
        """Keep this context's teardown waiting until :meth:`_release`."""
        self._holds += 1
        if self._app_ctx is None:
            self._app_ctx = _cv_app.get(None)

    @contextmanager
    def _activated(self) -> Iterator[None]:
        """Make this context (and its app context) current for one step.

        The variables are set and reset inside one call, so this works in
        whichever thread or task runs the step.
        """
        app_token = _cv_app.set(self._app_ctx) if self._app_ctx is not None else None
        req_token = _cv_request.set(self)
        try:
            yield
        finally:
            _cv_request.reset(req_token)
            if app_token is not None:
                _cv_app.reset(app_token)

    def _release(self, error: BaseException | None = None) -> None:
        """End one hold; the last one runs a teardown the request deferred.

        ``error`` (an exception the stream raised) is what teardown sees.
        """
        self._holds -= 1
        if self._holds or self._deferred is None:
            return
        exc, app_ctx = self._deferred
        exc = error if error is not None else exc
        self._deferred = None
        with self._activated():
            try:
                self.app.do_teardown_request(exc)
                self.request.close()
            finally:
                if app_ctx is not None:
                    self.app.do_teardown_appcontext(exc)
        if app_ctx is not None and signals.in_use and signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    async def _release_async(self, error: BaseException | None = None) -> None:
        """:meth:`_release` for async streams (async teardown functions awaited)."""
        self._holds -= 1
        if self._holds or self._deferred is None:
            return
        exc, app_ctx = self._deferred
        exc = error if error is not None else exc
        self._deferred = None
        with self._activated():
            try:
                await t.cast(t.Any, self.app)._do_teardown_request_async(exc)
                self.request.close()
            finally:
                if app_ctx is not None:
                    await t.cast(t.Any, self.app)._do_teardown_appcontext_async(exc)

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        req = self.request
        return f"<{type(self).__name__} {req.url!r} [{req.method}] of {self.app.name}>"


def has_app_context() -> bool:
    """Whether an application context is active."""
    return _cv_app.get(None) is not None


def has_request_context() -> bool:
    """Whether a request context is active."""
    return _cv_request.get(None) is not None


def after_this_request(f: F) -> F:
    """Run ``f(response)`` once, after this request's view (before after_request hooks)."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used while a request is being handled;"
            " call it from a view or a before_request hook."
        )
    if ctx._after_request_functions is None:
        ctx._after_request_functions = []
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so that it runs inside a copy of the current request context.

    Use it to hand work to a thread (or task) that needs ``request``,
    ``session`` or ``g``. ``f`` may be a coroutine function.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used while a request is being"
            " handled; call it inside a view, not at import time."
        )
    copied = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return t.cast(F, update_wrapper(wrapper, f))
