"""``flask.sansio.app`` for porting: :data:`App`, the class an app is.

Flask splits its app class in two: ``flask.sansio.app.App`` holds what does
no I/O (config, routing, error handler lookup...) and ``flask.Flask`` adds
the WSGI serving on top. Extensions name ``App`` in ``isinstance`` checks
and type hints so that they accept any Flask-like app. Kolben's app class
is sans-I/O all the way down and serves WSGI and ASGI from one class, so
there is nothing to split: ``App`` *is* :class:`~kolben.Kolben`, and every
Kolben app (or instance of a subclass) is an ``App``.
"""

from __future__ import annotations

from ..app import Kolben

#: Flask's sans-I/O app base class; in Kolben, the app class itself.
App = Kolben

__all__ = ["App"]
