"""Building URLs for the app: ``url_for`` and the adapters behind it (layer 4).

:class:`URLBuildingMixin` is a base of :class:`~kolben.pipeline.Dispatcher`
(and so of :class:`kolben.Kolben`). It binds the URL map to a request or to
``SERVER_NAME`` (``create_url_adapter``), runs the
``url_defaults`` functions, builds URLs for endpoints and hands build errors
to the app's handlers. Binding the map to a request
(``create_url_adapter``) and matching it are the pipeline's
(:mod:`kolben.pipeline.matching`).
"""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Callable
from itertools import chain
from urllib.parse import quote

from .globals import _cv_app, _cv_request
from .routing import BuildError, MapAdapter
from .wrappers import Request

if t.TYPE_CHECKING:  # pragma: no cover
    from .typing import URLDefaultCallable

__all__ = ["URLBuildingMixin"]

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"
# RFC 3986 section 3.3: sub-delims, ":" and "@" may stay unescaped in a
# path (Werkzeug keeps them too); a query may also hold "/", "?" and escapes.
_PATH_SAFE = "/!$&'()*+,:;=@"
_QUERY_SAFE = _PATH_SAFE + "?%"


class URLBuildingMixin:
    """URL building for :class:`kolben.Kolben`: adapters, defaults, ``url_for``.

    A mixin: the app provides ``config``, ``url_map``, ``subdomain_matching``,
    ``url_default_functions`` and ``url_build_error_handlers``.
    """

    config: t.Any
    url_map: t.Any
    subdomain_matching: bool
    url_default_functions: dict[str | None, list[URLDefaultCallable]]
    url_build_error_handlers: list[Callable[[Exception, str, dict[str, t.Any]], str | None]]

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        raise NotImplementedError  # kolben.pipeline.matching defines it

    def _redirect_url(self, request: Request, path: str) -> str:
        """The absolute URL of ``path`` under ``request``'s root, with its query."""
        root = quote(request.root_path, safe=_PATH_SAFE)
        url = f"{request.scheme}://{request.host}{root}{quote(path, safe=_PATH_SAFE)}"
        qs = request.environ.get("QUERY_STRING")
        if qs:
            # PEP 3333: the query string carries the raw bytes as latin-1
            # text. Keep its escapes, percent-encode only what a URL cannot
            # hold (raw UTF-8 would otherwise be encoded twice).
            try:
                raw = qs.encode("latin-1")
            except UnicodeEncodeError:  # a server that broke PEP 3333
                raw = qs.encode("utf-8")
            url = f"{url}?{quote(raw, safe=_QUERY_SAFE)}"
        return url

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Run the ``url_defaults`` functions for ``endpoint``: app first, then blueprints."""
        names: t.Iterable[str | None] = (None,)
        if "." in endpoint:
            parts = endpoint.split(".")[:-1]
            names = chain(names, (".".join(parts[: i + 1]) for i in range(len(parts))))
        for name in names:
            for func in self.url_default_functions.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Try :attr:`url_build_error_handlers`; re-raise ``error`` if none answers."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build a URL for ``endpoint`` (see :func:`kolben.url_for`)."""
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            blueprint_name = req_ctx.request.blueprint
            if endpoint[:1] == ".":
                if blueprint_name is not None:
                    endpoint = f"{blueprint_name}{endpoint}"
                else:
                    endpoint = endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            if app_ctx is not None and app_ctx.app is self:
                url_adapter = app_ctx.url_adapter
            else:
                url_adapter = self.create_url_adapter(None)
            if url_adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request without 'SERVER_NAME'"
                    " configured. Set SERVER_NAME (and APPLICATION_ROOT and"
                    " PREFERRED_URL_SCHEME as needed), or build the URL inside a request"
                    " with app.test_request_context()."
                )
            if _external is None:
                _external = True
        if _scheme is not None and not _external:
            raise ValueError("'_scheme' needs '_external=True' (an external URL).")
        if url_adapter is None:
            raise RuntimeError("This request has no URL adapter (its Host is not valid).")
        self.inject_url_defaults(endpoint, values)
        try:
            rv = url_adapter.build(
                endpoint,
                values,
                method=_method,
                url_scheme=_scheme,
                force_external=_external,
            )
        except BuildError as error:
            # A new dict: the error may hold ``values`` and must not list
            # these underscore keys as values the caller passed.
            handler_values = {
                **values,
                "_anchor": _anchor,
                "_method": _method,
                "_scheme": _scheme,
                "_external": _external,
            }
            return self.handle_url_build_error(error, endpoint, handler_values)
        if _anchor is not None:
            rv = f"{rv}#{quote(_anchor, safe=_ANCHOR_SAFE)}"
        return rv
