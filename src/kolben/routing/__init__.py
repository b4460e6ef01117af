"""URL routing: rules, converters, matching and building (layer 2).

Quick use::

    url_map = Map([
        Rule("/", endpoint="index"),
        Rule("/users/<int:id>", endpoint="user", methods=["GET", "POST"]),
        Rule("/static/<path:filename>", endpoint="static"),
    ])
    rule, values = url_map.match_fast("/users/42", "GET")   # the app's hot path
    adapter = url_map.bind("example.com")
    adapter.match("/users/42")                # ("user", {"id": 42})
    adapter.build("user", {"id": 42, "x": 1})  # "/users/42?x=1"

How a request is matched
------------------------
The rules are compiled once, on the first match after a change:

1. **Static URLs** (no variables) sit in a dict keyed by domain, path and
   method, checked first: three lookups, whatever the number of rules.
2. **Everything else** walks a tree with one level per path segment (the
   domain, subdomain or host, is the level above the root). At each level:

   a. the static child whose text equals the segment, if any;
   b. then the dynamic edges, in this order: more literal text in the
      segment first (``page-<int:n>`` before ``<name>``), then more variables,
      then lower converter weights (``int``/``float`` 50, ``string`` 100,
      ``path`` 200), then the order the rules were added in;
   c. a converter that may match ``/`` (``path``, or any converter with
      ``part_isolating = False``) is an edge like the others, sorted the same
      way, but it takes the whole rest of the path as one ``fullmatch``.

   The walk is depth first: when a branch leads nowhere it backs up and
   tries the next one, so ``/<int:id>/edit`` and ``/<name>/show`` coexist.
   A converter whose ``to_python`` raises :class:`ValidationError` counts as
   not matching, and the next edge is tried.
3. **At the end of the path** the rules of that node are looked up by
   method (GET implies HEAD; a rule without methods takes any); the first
   rule added wins. Rules that only differ in methods share the node, and
   when none accepts the method the search goes on. If nothing matches, the
   union of the methods seen becomes ``405 MethodNotAllowed``, a WebSocket
   mismatch becomes ``400 WebsocketMismatch``, anything else ``404``.

Redirects (``308``): ``/x`` when only ``/x/`` exists (``strict_slashes``;
with ``strict_slashes=False`` both forms match), ``/a//b`` to ``/a/b``
(``merge_slashes``, tried only when the path does not match as it is),
values equal to the defaults of another rule of the same endpoint (defaults
redirect), ``alias`` rules, and ``redirect_to`` rules.

Matching stays linear: every tree node sits at a fixed depth, so a walk
visits it at most once; converter patterns are anchored per segment. The one
shape Python's regex engine handles in quadratic time, several variables in
one pattern (``<a>-<b>.html``, ``<path:a>/to/<path:b>``), is only tried on
text up to ``matcher.MULTI_VARIABLE_LIMIT`` (1024) characters long.

For the application's hot path, :meth:`Map.match_fast` (``path, method,
domain_part, websocket``) and :meth:`Map.build_fast` skip the
:class:`MapAdapter`; the adapter methods are thin layers over them.

Differences from Werkzeug 3.1, all deliberate:

- ``ValidationError`` from ``to_python`` falls through to the next candidate
  rule, as Werkzeug documents (Werkzeug 3 answers 404 instead).
- Values matched in the URL win over a rule's ``defaults`` of the same name
  (Werkzeug overwrites the URL value with the default).
- Dynamic edges within one segment are ordered by (literal characters,
  variable count, weights, order); Werkzeug's key also weighs where the
  literal text sits, which only differs for unusual mixed segments.
- ``int`` and ``float`` accept ASCII digits only (Werkzeug's ``\\d`` also
  takes other Unicode digits); ``any`` percent-encodes when building.
- Text longer than 1024 characters never matches a pattern with several
  variables (see above); Werkzeug tries, however long it takes.
- ``405`` lists the allowed methods sorted; rules compare by identity.
- Bad Host headers give the empty host, and ``bind_to_environ`` does not warn
  when the host does not end with the server name (the subdomain becomes
  ``"<invalid>"`` and nothing matches, as in Werkzeug).
"""

from __future__ import annotations

from .converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
)
from .exceptions import BuildError, RequestPath, RequestRedirect, RoutingException, ValidationError
from .map import Map, MapAdapter
from .rules import (
    EndpointPrefix,
    Rule,
    RuleFactory,
    RuleTemplate,
    RuleTemplateFactory,
    Subdomain,
    Submount,
)

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "EndpointPrefix",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "NumberConverter",
    "PathConverter",
    "RequestPath",
    "RequestRedirect",
    "RoutingException",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]
