"""The test client: :class:`Client` (Werkzeug's) and :class:`KolbenClient` (Flask's).

``with client:`` keeps the last request's contexts pushed. The client asks
for them by putting a callable in the environ under ``"kolben.preserve_context"``
(and ``"werkzeug.debug.preserve_context"``); the app calls it with the app
context, then the request context, just before popping them.
"""

from __future__ import annotations

import copy
import typing as t
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from urllib.parse import urlsplit

from ..datastructures import Headers
from ..http import dump_cookie
from ..wrappers import Request, Response
from ..wrappers.builder import EnvironBuilder as _BaseEnvironBuilder
from ..wrappers.builder import _user_agent
from .asgi import ASGIBridge, WebSocketTestSession
from .builder import EnvironBuilder, KolbenEnvironBuilder, _environ_host, _environ_path
from .cookies import (
    Cookie,
    CookieJar,
    canonical_domain,
    cookies_for_request,
    find_cookie,
    hostname,
    store_cookie,
)
from .responses import ClientRedirectError, TestResponse, run_wsgi_app

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben
    from ..sessions import SessionMixin

__all__ = ["PRESERVE_CONTEXT_KEYS", "Client", "FlaskClient", "KolbenClient"]

#: The environ keys under which :class:`KolbenClient` asks the app to hand
#: over the contexts it is about to pop (see the module docstring).
PRESERVE_CONTEXT_KEYS = ("kolben.preserve_context", "werkzeug.debug.preserve_context")
# The Cookie header the caller wrote themselves, kept apart from the jar's.
_OWN_COOKIE_KEY = "kolben.testing.own_cookie"
# The body stream and its start, so a 307/308 redirect can send it again.
_BODY_START_KEY = "kolben.testing.body_start"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class Client:
    """Send requests to a WSGI app in-process and get :class:`TestResponse` objects.

    ``response_wrapper`` is the response class to build (a subclass of
    :class:`TestResponse` is made from it if needed). With ``use_cookies``
    the client keeps a cookie jar across requests, like a browser.
    ``allow_subdomain_redirects`` lets ``follow_redirects`` go to subdomains
    of the current host; other hosts are never followed.
    """

    #: How many redirects one call may follow before giving up.
    max_redirects: int = 30

    def __init__(
        self,
        application: Callable[..., Iterable[bytes]],
        response_wrapper: type[Response] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
    ) -> None:
        self.application = application
        #: The WSGI callable requests are sent to (a bridge to ``app.asgi``
        #: for an ASGI client).
        self.transport: t.Any = application
        wrapper: type[TestResponse]
        if response_wrapper is None or response_wrapper is Response:
            wrapper = TestResponse
        elif issubclass(response_wrapper, TestResponse):
            wrapper = response_wrapper
        else:
            wrapper = type("WrapperTestResponse", (TestResponse, response_wrapper), {})
        self.response_wrapper = wrapper
        #: The jar, keyed by ``(domain, path, name)``; None when cookies are off.
        self._cookies: CookieJar | None = {} if use_cookies else None
        self.allow_subdomain_redirects = allow_subdomain_redirects
        #: Environ values every request starts from (Flask's attribute).
        self.environ_base: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": _user_agent(),
        }

    # -- cookies ---------------------------------------------------------------------

    def _jar(self) -> CookieJar:
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self._cookies

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The stored cookie with this name, domain and path, or None.

        ``domain`` is the cookie's ``Domain`` (the request host for a cookie
        without one); a leading dot and the case do not matter.
        """
        return find_cookie(self._jar(), domain, path, key)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: t.Any,
    ) -> None:
        """Store a cookie as if ``domain`` had sent it.

        ``kwargs`` are :func:`kolben.http.dump_cookie` arguments (``max_age``,
        ``expires``, ``secure``, ``httponly``, ``samesite``...). With
        ``origin_only`` (the default) it goes to ``domain`` only, otherwise
        to its subdomains too. An already expired cookie deletes the entry.
        """
        jar = self._jar()
        header = dump_cookie(key, value, path=path, **kwargs)
        cookie = Cookie._from_response_header(domain, path, header)
        if cookie is None:  # pragma: no cover - dump_cookie always names the cookie
            raise ValueError(f"Could not store the cookie {key!r}.")
        cookie.domain = canonical_domain(domain)
        cookie.origin_only = origin_only
        store_cookie(jar, cookie)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Remove a stored cookie (nothing happens if there is none)."""
        self._jar().pop((canonical_domain(domain), path, key), None)

    def _add_cookies_to_wsgi(self, environ: dict[str, t.Any]) -> None:
        """Put the jar's matching cookies in the environ's Cookie header.

        A Cookie header the caller set is kept and the jar's cookies follow
        it. Longer paths go first (RFC 6265 §5.4); expired cookies are dropped.
        """
        if self._cookies is None:
            return
        own = environ.setdefault(_OWN_COOKIE_KEY, environ.get("HTTP_COOKIE"))
        matching = cookies_for_request(
            self._cookies, hostname(_environ_host(environ)), _environ_path(environ)
        )
        parts = [own] if own else []
        parts.extend(c._to_request_header() for c in matching)
        if parts:
            environ["HTTP_COOKIE"] = "; ".join(parts)
        else:
            environ.pop("HTTP_COOKIE", None)

    def _update_cookies_from_response(
        self, server_name: str, path: str, headers: Iterable[str]
    ) -> None:
        """Store (or delete) the cookies of ``Set-Cookie`` values from ``server_name``."""
        if self._cookies is None:
            return
        for header in headers:
            cookie = Cookie._from_response_header(server_name, path, header)
            if cookie is not None:
                store_cookie(self._cookies, cookie)

    # -- requests ----------------------------------------------------------------------

    def _make_builder(self, *args: t.Any, **kwargs: t.Any) -> _BaseEnvironBuilder:
        """The builder for ``open()``'s request arguments."""
        return EnvironBuilder(*args, **kwargs)

    def _request_from_args(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> Request:
        """Turn ``open()``'s arguments into a request, merging :attr:`environ_base`."""
        if args and isinstance(args[0], (_BaseEnvironBuilder, dict, Request)):
            extra = sorted(set(kwargs) - {"method"})
            if len(args) > 1 or extra:
                raise TypeError(
                    "open() was given a ready request (EnvironBuilder, environ or Request);"
                    f" it cannot also take request arguments ({', '.join(extra) or 'positional'})."
                )
            source = args[0]
            if isinstance(source, _BaseEnvironBuilder):
                builder = copy.copy(source)
                builder.environ_base = {**self.environ_base, **(source.environ_base or {})}
                request: Request = builder.get_request(builder.request_class or Request)
                return request
            if isinstance(source, dict):
                # As in Werkzeug, only the request itself is taken from the
                # dict; the client's environ_base supplies the rest.
                builder = EnvironBuilder.from_environ(source, environ_base=dict(self.environ_base))
                request = builder.get_request(Request)
                return request
            request = copy.copy(source)
            request.environ = {**self.environ_base, **source.environ}
            return request
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        builder = self._make_builder(*args, **kwargs)
        try:
            request = builder.get_request(builder.request_class or Request)
        finally:
            builder.close()
        return request

    def run_wsgi_app(
        self, environ: dict[str, t.Any], buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        """Run the app on ``environ`` with the jar's cookies, storing the ones it sets."""
        self._add_cookies_to_wsgi(environ)
        stream = environ.get("wsgi.input")
        if stream is not None and _BODY_START_KEY not in environ:
            try:
                environ[_BODY_START_KEY] = (stream, stream.tell())
            except (AttributeError, OSError, ValueError):
                pass
        rv = run_wsgi_app(self.transport, environ, buffered=buffered)
        self._update_cookies_from_response(
            _environ_host(environ), _environ_path(environ), rv[2].getlist("Set-Cookie")
        )
        return rv

    def _run(self, request: Request, buffered: bool) -> TestResponse:
        body, status, headers = self.run_wsgi_app(request.environ, buffered=buffered)
        return self.response_wrapper(body, status, headers, request=request)

    def _redirect_request(self, response: TestResponse) -> Request:
        """The request that follows ``response``'s redirect (RFC 9110 §15.4)."""
        environ = response.request.environ
        # As Werkzeug's client does, the Location's path is requested as it
        # stands, from the app's root: "x" and "../x" are not resolved against
        # the current URL the way a browser would (RFC 3986 §5.2). Tests
        # written for Flask count on landing where Werkzeug lands.
        target = urlsplit(response.headers["Location"])
        from_host = hostname(_environ_host(environ))
        to_host = hostname(target.netloc) if target.netloc else from_host
        if to_host != from_host:
            if not to_host.endswith("." + from_host):
                raise ClientRedirectError(
                    f"Cannot follow the redirect to {target.netloc!r}: the test client only"
                    " reaches the app under test, so it never follows external redirects."
                )
            if not self.allow_subdomain_redirects:
                raise ClientRedirectError(
                    f"Redirect to the subdomain {target.netloc!r}: create the client with"
                    " 'allow_subdomain_redirects=True' to follow it."
                )
        builder = EnvironBuilder.from_environ(environ, environ_base=dict(self.environ_base))
        if target.netloc:
            # "//host/x" keeps the current scheme (Werkzeug's client would
            # leave the scheme empty).
            builder.url_scheme = target.scheme or builder.url_scheme
            builder.host = target.netloc.rpartition("@")[2]
        root = builder.script_root
        if root and (target.path == root or target.path.startswith(root + "/")):
            builder.path = target.path[len(root) :]
        else:
            builder.path = target.path
            builder.script_root = ""
        builder.query_string = target.query
        if self._cookies is not None:
            # The jar fills the header again for the new URL.
            builder.headers.remove("Cookie")
            if environ.get(_OWN_COOKIE_KEY):
                builder.headers.set("Cookie", environ[_OWN_COOKIE_KEY])
        if response.status_code in (307, 308):
            # The method and the body are kept: send the same bytes again.
            saved = environ.get(_BODY_START_KEY)
            if saved is not None:
                stream, start = saved
                stream.seek(start)
                builder.input_stream = stream
        else:
            # 301, 302 and 303 become GET without a body; HEAD stays HEAD.
            if builder.method != "HEAD":
                builder.method = "GET"
            builder.input_stream = None
            builder.content_type = None
            builder.content_length = None
            builder.headers.remove("Transfer-Encoding")
        request: Request = builder.get_request(Request)
        return request

    def resolve_redirect(self, response: TestResponse, buffered: bool = False) -> TestResponse:
        """Follow one redirect: send the request ``response``'s ``Location`` asks for."""
        return self._run(self._redirect_request(response), buffered)

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request and return the response.

        Takes :class:`EnvironBuilder` arguments, or one ready EnvironBuilder,
        environ dict or :class:`~kolben.wrappers.Request`. With
        ``follow_redirects`` the whole redirect chain is followed; the final
        response's :attr:`~TestResponse.history` holds the earlier ones.
        ``buffered`` reads the body before returning.
        """
        request = self._request_from_args(args, kwargs)
        response = self._run(request, buffered)
        if not follow_redirects:
            return response
        history: list[TestResponse] = []
        while response.status_code in _REDIRECT_CODES and "Location" in response.headers:
            if len(history) >= self.max_redirects:
                chain = " -> ".join(r.request.path for r in history[:5])
                raise ClientRedirectError(
                    f"Gave up after {self.max_redirects} redirects ({chain} -> ...);"
                    " the redirects probably loop."
                )
            if not buffered:
                response.make_sequence()
                response.close()
            history.append(response)
            response = self.resolve_redirect(response, buffered)
            response.history = tuple(history)
        return response

    def get(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send a GET request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "GET"})

    def post(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send a POST request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "POST"})

    def put(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send a PUT request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "PUT"})

    def patch(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send a PATCH request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "PATCH"})

    def delete(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send a DELETE request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "DELETE"})

    def head(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send a HEAD request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "HEAD"})

    def options(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send an OPTIONS request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "OPTIONS"})

    def trace(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        """Send a TRACE request (see :meth:`open`)."""
        return self.open(*args, **{**kw, "method": "TRACE"})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.application!r}>"


class KolbenClient(Client):
    """The client ``app.test_client()`` returns.

    Requests are built with :class:`KolbenEnvironBuilder`, so they default to
    the app's ``SERVER_NAME``, ``APPLICATION_ROOT`` and URL scheme. Inside
    ``with client:``, the contexts of the last request stay pushed (so
    ``request``, ``session`` and ``g`` can be inspected) until the next
    request or the end of the block.
    """

    application: Kolben

    #: The interface used when ``interface`` is not given: ``"wsgi"``, or
    #: ``"asgi"`` to run a whole test suite over ASGI (the ``kolben.compat``
    #: pytest plugin's ``--kolben-interface`` sets it).
    default_interface: t.ClassVar[str] = "wsgi"

    def __init__(self, *args: t.Any, interface: str | None = None, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if interface is None:
            interface = self.default_interface
        if interface not in ("wsgi", "asgi"):
            raise ValueError(f"interface must be 'wsgi' or 'asgi', not {interface!r}")
        #: The interface requests go through: ``"wsgi"`` or ``"asgi"``.
        self.interface = interface
        self._asgi_bridge: ASGIBridge | None = None
        if interface == "asgi":
            self._asgi_bridge = ASGIBridge(self.application.asgi)
            self.transport = self._asgi_bridge
        self.preserve_context = False
        self._new_contexts: list[AbstractContextManager[t.Any]] = []
        self._context_stack = ExitStack()

    def _make_builder(self, *args: t.Any, **kwargs: t.Any) -> _BaseEnvironBuilder:
        return KolbenEnvironBuilder(self.application, *args, **kwargs)

    def run_wsgi_app(
        self, environ: dict[str, t.Any], buffered: bool = False
    ) -> tuple[Iterable[bytes], str, Headers]:
        """Run one request, collecting its contexts when inside ``with client:``."""
        # Each hop of a redirect chain starts a fresh list: only the final
        # request's contexts are kept.
        self._new_contexts = []
        for key in PRESERVE_CONTEXT_KEYS:
            if self.preserve_context:
                environ[key] = self._new_contexts.append
            else:
                environ.pop(key, None)
        return super().run_wsgi_app(environ, buffered=buffered)

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request (see :meth:`Client.open`), then re-push its contexts if preserving."""
        # The previous request's contexts end when the next request starts.
        self._context_stack.close()
        response = super().open(
            *args, buffered=buffered, follow_redirects=follow_redirects, **kwargs
        )
        # json_module is a class attribute of Response; this response reads
        # JSON with the app's provider instead.
        response.__dict__["json_module"] = self.application.json
        contexts, self._new_contexts = self._new_contexts, []
        for context in contexts:
            self._context_stack.enter_context(context)
        return response

    def websocket(
        self, *args: t.Any, subprotocols: list[str] | None = None, **kwargs: t.Any
    ) -> WebSocketTestSession:
        """Open a websocket to the app (always over ASGI, where websockets live).

        Takes the same arguments as a request (path, query_string, headers);
        use it as ``with client.websocket("/ws") as ws: ...``.
        """
        if self._asgi_bridge is None:
            self._asgi_bridge = ASGIBridge(self.application.asgi)
        builder = self._make_builder(*args, **kwargs)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        self._add_cookies_to_wsgi(environ)
        return WebSocketTestSession(self._asgi_bridge, environ, subprotocols)

    @contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> Iterator[SessionMixin]:
        """Read or change the session the client's cookies hold, outside a request.

        ``with client.session_transaction() as sess: sess["user_id"] = 1``
        opens the session from the cookie jar, lets the block change it and,
        on exit, saves it back into the jar as the app's response would. The
        arguments are those of :meth:`~kolben.Kolben.test_request_context`
        (a path, ``base_url``...), selecting which cookies apply. Raises
        :class:`TypeError` when the client has no cookies and
        :class:`RuntimeError` when no session can be opened (no ``SECRET_KEY``).
        """
        if self._cookies is None:
            raise TypeError(
                "Cookies are disabled, so there is no session to change. Create the"
                " client with 'use_cookies=True'."
            )
        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        environ = ctx.request.environ
        self._add_cookies_to_wsgi(environ)
        interface = app.session_interface
        with ctx:
            sess = interface.open_session(app, ctx.request)
        if sess is None:
            raise RuntimeError(
                "Session backend did not open a session. Set a SECRET_KEY (or check"
                " the app's session_interface) before using session_transaction()."
            )
        yield sess
        response = app.response_class()
        if interface.is_null_session(sess):
            return
        with ctx:
            interface.save_session(app, sess, response)
        self._update_cookies_from_response(
            _environ_host(environ), _environ_path(environ), response.headers.getlist("Set-Cookie")
        )

    def __enter__(self) -> KolbenClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.preserve_context = False
        self._context_stack.close()


#: Flask's name for :class:`KolbenClient`.
FlaskClient = KolbenClient
