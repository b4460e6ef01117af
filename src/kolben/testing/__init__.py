"""Test tools: build requests, run apps in-process over WSGI or ASGI, keep cookies (layer 4).

This is the home of Werkzeug's ``werkzeug.test`` names (:class:`Client`,
:class:`EnvironBuilder`, :class:`TestResponse`, :func:`create_environ`,
:func:`run_wsgi_app`) and of Flask's ``flask.testing`` ones
(:class:`KolbenClient` alias ``FlaskClient``, :class:`KolbenEnvironBuilder`).

The package, by job: ``client`` (the clients), ``builder`` (the request
builders), ``responses`` (running an app, :class:`TestResponse`), ``asgi``
(the bridge to ``app.asgi`` and the websocket session), ``cookies`` (the
jar). The base EnvironBuilder and the multipart encoder stay in
:mod:`kolben.wrappers.builder`, because ``Request.from_values`` (layer 2)
builds its environ with them and may not import this layer-4 package.
"""

from __future__ import annotations

from ..cli.base import FlaskCliRunner, KolbenCliRunner
from ..wrappers.builder import create_environ, encode_multipart, stream_encode_multipart
from .asgi import WebSocketTestDenied, WebSocketTestSession
from .builder import EnvironBuilder, KolbenEnvironBuilder
from .client import PRESERVE_CONTEXT_KEYS as PRESERVE_CONTEXT_KEYS
from .client import Client, FlaskClient, KolbenClient
from .cookies import Cookie
from .responses import ClientRedirectError, TestResponse, run_wsgi_app

__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "FlaskCliRunner",
    "FlaskClient",
    "KolbenCliRunner",
    "KolbenClient",
    "KolbenEnvironBuilder",
    "TestResponse",
    "WebSocketTestDenied",
    "WebSocketTestSession",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]

