"""Middleware: callables that wrap an application (layer 3).

- :mod:`kolben.middleware.proxy_fix`: :class:`~.proxy_fix.ProxyFix` trusts
  ``X-Forwarded-*`` headers from a configured number of proxies.
- :mod:`kolben.middleware.dispatcher`:
  :class:`~.dispatcher.DispatcherMiddleware` mounts several apps under
  path prefixes.
- :mod:`kolben.middleware.shared_data`:
  :class:`~.shared_data.SharedDataMiddleware` serves files from folders.

Each works for WSGI and for ASGI 3 apps alike: it looks at what it wraps
and becomes the same kind of callable. A Kolben app is a WSGI callable and
``app.asgi`` is its ASGI one; for WSGI, wrap the app's ``wsgi_app``::

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

and for ASGI, wrap ``app.asgi`` and serve the result. Under ASGI the
middleware never changes the scope it was given: it passes a copy on.
"""
