"""Exceptions raised while matching and building URLs.

The tree::

    Exception
     ├── RoutingException             control flow between the router and the app
     │    ├── RequestRedirect         also an HTTPException: 308 with ``new_url``
     │    ├── RequestPath             internal: "answer with a redirect to this path"
     │    └── BuildError              also a LookupError: ``build`` found no rule
     └── ValueError
          └── ValidationError         a converter rejects a segment: try the next rule

``NotFound``, ``MethodNotAllowed`` and ``WebsocketMismatch`` come from
:mod:`kolben.exceptions` unchanged.
"""

from __future__ import annotations

import typing as t

from .._imports import LazyModule
from .._internal import escape_html as escape
from ..exceptions import HTTPException

if t.TYPE_CHECKING:
    import difflib

    from .map import Map, MapAdapter
    from .rules import Rule
else:
    # PERF: difflib (about 3.5M instructions of ``import kolben``,
    # bench/instructions.py --imports) only suggests an endpoint in a
    # BuildError's message: it loads when one is written.
    difflib = LazyModule("difflib")

__all__ = ["BuildError", "RequestPath", "RequestRedirect", "RoutingException", "ValidationError"]

_Environ = dict[str, t.Any]


class RoutingException(Exception):
    """Base of the exceptions the router uses to steer the request.

    An application answers them itself: user error handlers never see them.
    """


class ValidationError(ValueError):
    """Raised by a converter's ``to_python`` (or ``to_url``) to reject a value.

    During matching the segment then does not match this rule and the next
    candidate rule is tried; during building the rule is skipped.
    """


class RequestRedirect(HTTPException, RoutingException):
    """The URL is known under another address: answer ``308`` to :attr:`new_url`.

    Raised for a missing trailing slash, doubled slashes, a rule whose values
    equal another rule's defaults, aliases and ``redirect_to`` rules. 308 keeps
    the method and the body, unlike 301.
    """

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(new_url)
        #: The absolute URL to redirect to.
        self.new_url = new_url

    def get_headers(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> list[tuple[str, str]]:
        """The base headers plus ``Location``."""
        headers = super().get_headers(environ, scope)
        headers.append(("Location", self.new_url))
        return headers

    def get_description(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> str:
        """A paragraph with a link to the new URL (escaped)."""
        url = escape(self.new_url)
        return f'<p>You should be redirected to <a href="{url}">{url}</a>.</p>'


class RequestPath(RoutingException):
    """Internal: the request should be redirected to another path on this site.

    :meth:`Map.match_fast` raises it for a missing trailing slash, merged
    slashes, defaults and aliases. :attr:`path` is the absolute path as text,
    like the path that was matched (``"/café/"``), without script root or
    query string: percent-encode it (keeping ``/``) for the ``Location``.
    :attr:`domain_part` is the subdomain (or host, with host matching) to
    redirect to, or ``None`` for the one that was requested.
    :meth:`MapAdapter.match` turns it into a :class:`RequestRedirect`.
    """

    __slots__ = ("domain_part", "path")

    def __init__(self, path: str, domain_part: str | None = None) -> None:
        super().__init__(path)
        self.path = path
        self.domain_part = domain_part


class BuildError(RoutingException, LookupError):
    """No rule could build a URL for ``endpoint`` with these values and method.

    ``str()`` explains why and suggests a fix: a close endpoint name, the
    methods the endpoint accepts, or the values it still needs.
    """

    def __init__(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any],
        method: str | None,
        adapter: MapAdapter | None = None,
        *,
        map: Map | None = None,
    ) -> None:
        super().__init__(endpoint, values, method)
        self.endpoint = endpoint
        self.values = values
        self.method = method
        self.adapter = adapter
        self._map = adapter.map if adapter is not None else map

    def _endpoint_rules(self) -> list[Rule]:
        if self._map is None:
            return []
        return [r for r in self._map.iter_rules() if r.endpoint == self.endpoint]

    @property
    def suggested(self) -> Rule | None:
        """The rule the caller most likely meant, or ``None``."""
        rules = self._endpoint_rules()
        if rules:
            given = set(self.values)

            def score(rule: Rule) -> tuple[bool, bool, int]:
                method_ok = not self.method or rule.methods is None or self.method in rule.methods
                return (method_ok, given <= rule.arguments, -len(rule.arguments - given))

            return max(rules, key=score)
        if self._map is None:
            return None
        names = {str(r.endpoint): r for r in self._map.iter_rules()}
        close = difflib.get_close_matches(str(self.endpoint), list(names), n=1, cutoff=0.6)
        return names[close[0]] if close else None

    def __str__(self) -> str:
        parts = [f"Could not build url for endpoint {self.endpoint!r}"]
        if self.method:
            parts.append(f" ({self.method!r})")
        if self.values:
            parts.append(f" with values {sorted(self.values)!r}")
        parts.append(".")
        rule = self.suggested
        if rule is None:
            return "".join(parts)
        if rule.endpoint != self.endpoint:
            parts.append(f" Did you mean {rule.endpoint!r} instead?")
            return "".join(parts)
        if self.method and rule.methods is not None and self.method not in rule.methods:
            parts.append(f" Did you mean to use methods {sorted(rule.methods)!r}?")
        missing = rule.arguments - set(rule.defaults or ()) - set(self.values)
        if missing:
            parts.append(f" Did you forget to specify values {sorted(missing)!r}?")
        return "".join(parts)
