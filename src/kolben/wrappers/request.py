"""The request object (layer 2).

A :class:`Request` reads a PEP 3333-shaped ``environ`` dict (WSGI) or, made
with :meth:`Request._from_scope`, an ASGI scope directly. Nothing is parsed
up front: each attribute parses its part of the request on first access and
keeps the result (``args``, ``headers``, ``cookies``, ``json`` ...).

The class is assembled from parts, one module each: the request line, URL,
query, headers and cookies (:mod:`.request_url`), the parsed headers
(:mod:`.request_headers`), the body, forms and JSON (:mod:`.request_body`),
and the readers of an ASGI scope (:mod:`.request_scope`).
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Mapping

from ..datastructures import ImmutableMultiDict, MultiDict
from ..exceptions import HTTPException
from .builder import EnvironBuilder
from .request_body import RequestBody
from .request_headers import UserAgent
from .request_scope import SCOPE_CLASSES, environ_of, scope_class
from .scope import Scope

if t.TYPE_CHECKING:  # pragma: no cover
    from ..routing import Rule

__all__ = ["Request", "UserAgent"]

class Request(RequestBody):
    """An incoming HTTP request, parsed lazily from its ``environ`` (or,
    under ASGI, from its scope).

    The app creates one per request; views reach it through
    :data:`kolben.request`. Attributes whose names end in ``_`` below are
    private caches.
    """

    # No __slots__: the state lives in the instance ``__dict__``, as in
    # Werkzeug, so extensions may set ad-hoc attributes and code that copies
    # ``vars(request)`` sees ``environ``, ``view_args``... (issue 12).
    # PERF: measured against the slotted layout with callgrind (CPython
    # 3.11, a view returning a str on the fast path): about 0.5% more
    # instructions per request (38.0k -> 38.2k).
    # PERF: the parse caches are class-level ``None`` defaults shadowed in
    # the instance ``__dict__`` on first use, so creating a request stores
    # only what it must.

    #: Storage classes, as in Werkzeug.
    parameter_storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict
    dict_storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict
    list_storage_class: type[list[t.Any]] = list
    user_agent_class: type[UserAgent] = UserAgent

    url_rule: Rule | None
    view_args: dict[str, t.Any] | None
    routing_exception: HTTPException | None

    def __init__(
        self, environ: dict[str, t.Any], populate_request: bool = True, shallow: bool = False
    ) -> None:
        self.environ = environ
        self.shallow = shallow
        self.url_rule = None
        self.view_args = None
        self.routing_exception = None
        self.trusted_hosts = None

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception:
            url = "(invalid URL)"
        return f"<{type(self).__name__} {url!r} [{self.method}]>"

    # -- construction helpers -------------------------------------------------

    @classmethod
    def from_values(cls, *args: t.Any, **kwargs: t.Any) -> Request:
        """Build a request from :class:`kolben.testing.EnvironBuilder` arguments."""
        builder = EnvironBuilder(*args, **kwargs)
        try:
            return cls(builder.get_environ())
        finally:
            builder.close()

    @classmethod
    def application(cls, f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Turn ``f(request) -> response`` into a WSGI application."""

        def application(*args: t.Any) -> t.Any:
            environ, start_response = args[-2:]
            request = cls(environ)
            # Close the request (its uploads) whatever f raises.
            try:
                try:
                    response = f(*args[:-2], request)
                except HTTPException as exc:
                    response = exc.get_response(environ)
                return response(environ, start_response)
            finally:
                request.close()

        return application

    @classmethod
    def _from_scope(
        cls,
        scope: Scope,
        body: t.Any,
        run_in_thread: Callable[..., t.Awaitable[t.Any]] | None = None,
        environ_base: Mapping[str, t.Any] | None = None,
    ) -> Request:
        """A request that reads the ASGI ``scope`` directly (pipeline-facing).

        ``body`` is the adapter's body reader (file-like ``read`` and
        ``readline``, async ``aread``/``aiter``) or a reader of no body;
        ``run_in_thread(func)`` runs blocking body work off the event loop;
        ``environ_base`` holds the constant keys of :attr:`environ`, which
        is only built when something asks for it (see
        :mod:`kolben.wrappers.request_scope`).
        """
        klass = SCOPE_CLASSES.get(cls)
        if klass is None:
            if cls.__init__ is not Request.__init__:
                # A class with its own __init__ expects an environ: build it.
                return cls(environ_of(scope, body, run_in_thread, environ_base))
            klass = scope_class(cls, Request)
        # PERF: no __init__ call; the state it would store, plus the scope's
        # (shallow and trusted_hosts are class defaults of klass).
        request: t.Any = object.__new__(klass)
        request._scope = scope
        if request._set_method:
            request.method = (scope.get("method") or "GET").upper()
        request._body = body
        if run_in_thread is not None:
            request._run_in_thread = run_in_thread
        if environ_base is not None:
            request._environ_base = environ_base
        request.url_rule = None
        request.view_args = None
        request.routing_exception = None
        return request  # type: ignore[no-any-return]

    # -- routing --------------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or None."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the innermost blueprint of the matched endpoint."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """Dotted names of the matched blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    # -- lifetime ---------------------------------------------------------------

    def close(self) -> None:
        """Close uploaded files. The app calls this at teardown."""
        files = self._files
        # PERF: most requests have no uploads; skip building an iterator
        # (bench case F: every form request is closed at teardown).
        if not files:
            return
        for _key, value in files.items(multi=True):
            value.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
