"""The request and response classes of an app (layer 4): Flask's ``flask.wrappers``.

:mod:`kolben.wrappers` (layer 2, Werkzeug's ``werkzeug.wrappers``) knows
nothing of apps. What needs the current app lives here, in a subclass, as
``flask.wrappers.Response`` subclasses Werkzeug's: :class:`Response` reads
``MAX_COOKIE_SIZE`` from the app's config. It is :class:`kolben.Response`
and the default ``app.response_class``; responses built without it (by
:func:`kolben.utils.redirect`, ``HTTPException.get_response()``) become one
when a view returns them, as in Flask.

The request needs no subclass: the app passes its config to each request
(``request.settings``), and layer 2 reads the limits and ``DEBUG`` from it.
:class:`Request` is :class:`kolben.wrappers.Request`, named here for
``flask.wrappers.Request``.
"""

from __future__ import annotations

import typing as t

from . import wrappers as _wrappers
from .globals import _cv_app
from .wrappers import Request

__all__ = ["Request", "Response"]


class Response(_wrappers.Response):
    """The response class of an app: :class:`kolben.wrappers.Response` that
    also knows the current app's configuration.

    Return one from a view, or let the app build it from what the view
    returns (``app.response_class``). Everything but :attr:`max_cookie_size`
    is the base class's.
    """

    @property
    def max_cookie_size(self) -> int:
        """Set-Cookie headers larger than this warn; 0 disables the warning.

        Inside an app context it is the app's ``MAX_COOKIE_SIZE`` config
        value, read on each call; outside one (or when the key is missing)
        :attr:`default_max_cookie_size`.
        """
        ctx = _cv_app.get(None)
        if ctx is not None:
            size = ctx.app.config.get("MAX_COOKIE_SIZE")
            if size is not None:
                return t.cast(int, size)
        return self.default_max_cookie_size
