"""Matching a request to a rule, before the pipeline runs (layer 4).

The URL map is matched once per request, before the context is pushed
under ASGI (the view's kind decides where the request runs), and when the
context is pushed otherwise. Routing errors are stored on the request and
raised by :meth:`Matching.raise_routing_exception` when the view would run,
so that ``before_request`` hooks still see every request, as in Flask.
"""

from __future__ import annotations

import typing as t

from ..ctx import RequestContext
from ..debughelpers import FormDataRoutingRedirect
from ..exceptions import (
    BadHost,
    BadRequest,
    HTTPException,
    NotFound,
    SecurityError,
    WebsocketMismatch,
)
from ..routing import MapAdapter, RequestPath, RequestRedirect
from ..wrappers import Request
from .base import PipelineBase
from .plan import Plan

__all__ = ["Matching"]


class Matching(PipelineBase):
    """URL matching for the app."""

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """A URL adapter for ``request``, or for ``SERVER_NAME`` outside a request."""
        if request is not None:
            trusted_hosts = self.config["TRUSTED_HOSTS"]
            if trusted_hosts is not None:
                # The adapter builds external URLs from the Host: an untrusted
                # one must never reach url_for(_external=True) (SECURITY.md).
                request.trusted_hosts = trusted_hosts
                try:
                    request.host  # noqa: B018 - validates the Host
                except SecurityError as e:
                    if request.routing_exception is None:
                        request.routing_exception = e
                    return None
            subdomain = None
            server_name = self.config["SERVER_NAME"]
            if self.url_map.host_matching:
                server_name = None
            elif not self.subdomain_matching:
                # Bound to SERVER_NAME all the same (API.md section 3, as in
                # Flask 3.1): external URLs name the configured server.
                subdomain = self.url_map.default_subdomain or ""
            try:
                return t.cast(
                    MapAdapter,
                    self.url_map.bind_to_environ(
                        request.environ, server_name=server_name, subdomain=subdomain
                    ),
                )
            except ValueError as e:
                request.routing_exception = SecurityError(str(e))
                return None
        if self.config["SERVER_NAME"] is not None:
            return t.cast(
                MapAdapter,
                self.url_map.bind(
                    self.config["SERVER_NAME"],
                    script_name=self.config["APPLICATION_ROOT"],
                    url_scheme=self.config["PREFERRED_URL_SCHEME"],
                ),
            )
        return None

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

    def _match_request(
        self,
        request: Request,
        ctx: RequestContext | None = None,
        plan: Plan | None = None,
        reads_scope: bool | None = None,
    ) -> None:
        """Match ``request`` against the URL map, storing rule and args or the error.

        An app that overrides :meth:`create_url_adapter` matches through its
        adapter, as Flask does (``ctx.url_adapter``, made once per request).
        """
        # PERF: one test on the entry points' path (they pass their plan).
        if plan is None or plan.custom_adapter:
            if plan is None:
                plan = self._get_plan()
            if plan.custom_adapter:
                self._match_with_adapter(request, ctx)
                return
        try:
            # Read per request, not planned: the config may change after the
            # first request, as in Flask.
            trusted_hosts = self.config["TRUSTED_HOSTS"]
            if trusted_hosts is not None:
                request.trusted_hosts = trusted_hosts
                request.host  # noqa: B018 - validates the Host, raising SecurityError
            # PERF: an entry point that knows what kind of request it made
            # says so (a class attribute read costs about 250 instructions).
            if request._reads_scope if reads_scope is None else reads_scope:
                conflict, host, path = request._routing_facts()
                method = request.method
            else:
                # PERF: an environ request's facts read inline (the same
                # rules as the request's pipeline-facing methods).
                environ = request.environ
                conflict = "HTTP_TRANSFER_ENCODING" in environ and bool(
                    environ.get("CONTENT_LENGTH")
                )
                host = environ.get("HTTP_HOST")
                # An app mounted at /api and asked for "/api" sees an empty
                # PATH_INFO: match "" so that strict slashes redirect to /api/.
                path = environ.get("PATH_INFO") or ("" if environ.get("SCRIPT_NAME") else "/")
                if path and not (path.isascii() and path[:1] == "/" and path[1:2] != "/"):
                    path = request.path
                method = environ.get("REQUEST_METHOD", "GET")
            if conflict:
                # RFC 9112 section 6.3: a request framed both ways is how
                # request smuggling starts. Refuse it; under ASGI the answer
                # also closes the connection.
                request._close_connection = True
                request.routing_exception = BadRequest(
                    "The request has both Content-Length and Transfer-Encoding."
                )
                return
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
            rule, args = url_map.match_fast(path, method, domain)
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
                if request._reads_scope or "asgi.scope" in request.environ
                else "WebSockets need an ASGI server: serve app.asgi with granian"
                " (--interface asgi), uvicorn or hypercorn."
            )
            request.routing_exception = WebsocketMismatch(
                f"This URL accepts WebSocket connections only. {where}"
            )
        except HTTPException as exc:
            request.routing_exception = exc

    def _match_with_adapter(self, request: Request, ctx: RequestContext | None) -> None:
        adapter = ctx.url_adapter if ctx is not None else self.create_url_adapter(request)
        if adapter is None:
            return  # no adapter, no match (the adapter may have stored an error)
        try:
            rule, args = adapter.match(return_rule=True)
            request.url_rule = rule
            request.view_args = args
        except HTTPException as exc:
            request.routing_exception = exc

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
