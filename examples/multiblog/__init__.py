"""Multiblog: a small multi-blueprint application built by a factory.

It shows how a Kolben (or Flask) application bigger than one module is put
together:

- :func:`create_app` is the application factory: configuration, the
  ``store`` extension (``init_app``), blueprints, middleware.
- ``auth`` (``/auth``): log in and out; an app-wide hook loads the user.
- ``blog`` (``/``): a blueprint package with its own templates and static
  files, a command (``kolben --app examples.multiblog blog seed``) and a
  404 page of its own.
- ``api`` (``/api``) holds the nested ``v1`` blueprint (``/api/v1``), whose
  posts resource is a class-based :class:`~kolben.views.MethodView`
  (endpoints ``api.v1.posts`` and ``api.v1.post``); errors anywhere under
  ``/api`` are answered as JSON by the parent blueprint.
- Behind a reverse proxy, set ``PROXY_COUNT`` to the number of proxies in
  front of the app: :class:`~kolben.middleware.proxy_fix.ProxyFix` then
  trusts that many ``X-Forwarded-For``/``-Proto``/``-Host``/``-Prefix``
  values, for WSGI and ASGI alike.

Serve it with ``kolben --app examples.multiblog run``.
"""

from __future__ import annotations

import typing as t

from kolben import Kolben
from kolben.middleware.proxy_fix import ProxyFix

from . import api, auth, blog
from .store import store

__all__ = ["create_app"]


def create_app(test_config: dict[str, t.Any] | None = None) -> Kolben:
    """Create and configure a Multiblog app; ``test_config`` overrides the defaults."""
    app = Kolben(__name__)
    app.config.from_mapping(
        # Replace in production: app.config.from_prefixed_env() reads KOLBEN_SECRET_KEY.
        SECRET_KEY="dev",
        PROXY_COUNT=0,
        USERS={"ann": "correct horse", "bob": "battery staple"},
    )
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.update(test_config)

    store.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)
    app.register_blueprint(api.bp)

    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        trust = {"x_for": proxies, "x_proto": proxies, "x_host": proxies, "x_prefix": proxies}
        app.wsgi_app = ProxyFix(app.wsgi_app, **trust)  # type: ignore[method-assign]
        app.asgi_app = ProxyFix(app.asgi_app, **trust)  # type: ignore[method-assign]
    return app
