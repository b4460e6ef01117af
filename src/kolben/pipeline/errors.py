"""Finding the error handler for an exception (layer 4).

The lookup order is Flask's: for an HTTP error, handlers registered for its
code before handlers registered by class; within each, the request's
blueprints innermost first, then the app; within a scope, the exception's
class and then its bases along the MRO.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from ..exceptions import BadRequestKeyError, HTTPException, default_exceptions
from ..scaffold import _foreign_http_code
from .responses import Responses

__all__ = ["Errors", "is_http_error"]


def is_http_error(e: BaseException) -> bool:
    """Kolben's HTTPException, or another library's exception shaped like one.

    Extensions raise Werkzeug's exceptions (Flask-WTF's CSRFError,
    Flask-Limiter's RateLimitExceeded); they answer with their own response
    and reach ``errorhandler(code)`` as in Flask, never a 500.
    """
    return isinstance(e, HTTPException) or _foreign_http_code(e) is not None


class Errors(Responses):
    """Error-handler lookup and the trapping rules."""

    def _find_error_handler(
        self, e: Exception, blueprints: list[str]
    ) -> Callable[[t.Any], t.Any] | None:
        plan = self._plan or self._get_plan()
        if not plan.error_handlers:
            return None
        exc_class, code = self._get_exc_class_and_code(type(e))
        classes: tuple[type, ...] = exc_class.__mro__
        if code is not None and not isinstance(e, HTTPException):
            # Another library's HTTP exception: after its own classes, look
            # it up as Kolben's exception for its code, so errorhandler(400)
            # and errorhandler(HTTPException) catch it as they do in Flask.
            native = default_exceptions.get(code, HTTPException).__mro__
            classes = (*[c for c in classes if c not in native], *native)
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                scope = self.error_handler_spec.get(name)
                if not scope:
                    continue
                handler_map = scope.get(c)
                if not handler_map:
                    continue
                for cls in classes:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should be treated as an unhandled error."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return is_http_error(e) and getattr(e, "code", None) == 400
        return False

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return True to hide ``error`` from the teardown functions."""
        return False
