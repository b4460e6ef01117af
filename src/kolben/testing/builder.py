"""The request builders of the test client, and the URL an environ names.

:class:`EnvironBuilder` is :class:`kolben.wrappers.builder.EnvironBuilder`
building :class:`kolben.wrappers.Request`; :class:`KolbenEnvironBuilder`
takes its defaults from an app (Flask's ``flask.testing.EnvironBuilder``).
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from ..wrappers import Request
from ..wrappers.builder import EnvironBuilder as _BaseEnvironBuilder

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben

__all__ = ["EnvironBuilder", "KolbenEnvironBuilder"]

_PATH_SAFE = "/:@!$&'()*+,;=~"


def _environ_host(environ: t.Mapping[str, t.Any]) -> str:
    """The request's ``host[:port]``: the Host header, else the server name and port."""
    host = environ.get("HTTP_HOST")
    if host:
        return str(host)
    scheme = environ.get("wsgi.url_scheme", "http")
    name, port = str(environ.get("SERVER_NAME", "localhost")), str(environ.get("SERVER_PORT", ""))
    if port and port != {"http": "80", "https": "443"}.get(scheme):
        return f"{name}:{port}"
    return name


def _environ_path(environ: t.Mapping[str, t.Any]) -> str:
    """The request path (script root included) in percent-encoded form."""
    path_info = str(environ.get("PATH_INFO", ""))
    if path_info and path_info[0] != "/":
        # client.get("register") leaves PATH_INFO without its slash, as
        # Werkzeug's builder does; the URL path still has one.
        path_info = "/" + path_info
    raw = str(environ.get("SCRIPT_NAME", "")) + path_info
    return quote(raw.encode("latin-1"), safe=_PATH_SAFE) or "/"


class EnvironBuilder(_BaseEnvironBuilder):
    """:class:`kolben.wrappers.builder.EnvironBuilder` building :class:`kolben.wrappers.Request`.

    As in Flask, ``EnvironBuilder(app, ...)`` (an app as first argument, or
    ``app=``) builds a :class:`KolbenEnvironBuilder` instead.
    """

    request_class = Request

    def __new__(cls, *args: t.Any, **kwargs: t.Any) -> EnvironBuilder:
        """Route ``EnvironBuilder(app, ...)`` to :class:`KolbenEnvironBuilder`."""
        if cls is EnvironBuilder and (
            "app" in kwargs
            or (args and not isinstance(args[0], str) and hasattr(args[0], "config"))
        ):
            return object.__new__(KolbenEnvironBuilder)
        return object.__new__(cls)


class KolbenEnvironBuilder(EnvironBuilder):
    """An :class:`EnvironBuilder` that takes its defaults from an app.

    The base URL defaults to ``{PREFERRED_URL_SCHEME}://{SERVER_NAME or
    "localhost"}{APPLICATION_ROOT}``; ``subdomain`` and ``url_scheme`` change
    it and cannot be combined with ``base_url``. JSON bodies are dumped with
    ``app.json``.
    """

    def __init__(
        self,
        app: Kolben,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise TypeError("'subdomain' and 'url_scheme' cannot be combined with 'base_url'.")
        self.app = app
        if base_url is None:
            config = app.config
            host = config.get("SERVER_NAME") or "localhost"
            if subdomain:
                host = f"{subdomain}.{host}"
            scheme = url_scheme or config.get("PREFERRED_URL_SCHEME") or "http"
            root = str(config.get("APPLICATION_ROOT") or "/")
            base_url = f"{scheme}://{host}/{root.lstrip('/')}"
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Dump ``json=`` bodies with the app's JSON provider."""
        return str(self.app.json.dumps(obj, **kwargs))
