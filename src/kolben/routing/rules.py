"""``Rule`` and the rule factories (``Submount``, ``Subdomain``, ``EndpointPrefix``...).

A rule is parsed when it is created (so syntax errors point at the line that
wrote it) and compiled when it is added to a :class:`Map`: converters are
created, the path is cut into segments for the matcher, and a builder (static
pieces and converter slots) is prepared so that building a URL is a join.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Callable, Iterable, Iterator, Mapping
from string import Template

from ..urls import _url_encode
from .converters import BaseConverter, quote_url_part
from .exceptions import ValidationError
from .parser import Piece, Variable, parse_rule, segment_source, split_segments

if t.TYPE_CHECKING:
    from .map import Map

__all__ = [
    "EndpointPrefix",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
]

_SLASHES_RE = re.compile("/{2,}")
_SLASH_SPLIT_RE = re.compile("(/)")
_WEBSOCKET_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NO_DEFAULTS: Mapping[str, t.Any] = {}
#: How a rule builds its domain or path: the text before the first variable,
#: then per variable (name, to_url, the static text after it).
_BuildSpec = tuple[str, tuple[tuple[str, Callable[[t.Any], str], str], ...]]


class UnknownConverterError(ValueError, LookupError):
    """A rule names a converter the map does not know (a ValueError and a LookupError)."""


class Segment(t.NamedTuple):
    """One step of a compiled path, as the matcher sees it.

    ``static`` is the literal text when the segment has no variable.
    ``tail`` is true when a converter in it may match ``/``: the segment then
    stands for the whole rest of the path (``pieces`` keep their ``/``).
    """

    static: str | None
    pieces: tuple[Piece, ...]
    tail: bool
    source: str


class RuleFactory:
    """Something that yields rules for a map: a :class:`Rule` or a rule group."""

    __slots__ = ()

    def get_rules(self, map: Map) -> Iterable[Rule]:
        """Yield the rules this factory stands for."""
        raise NotImplementedError


class Subdomain(RuleFactory):
    """Put every rule of ``rules`` on ``subdomain`` (which may hold variables)."""

    __slots__ = ("rules", "subdomain")

    def __init__(self, subdomain: str, rules: Iterable[RuleFactory]) -> None:
        self.subdomain = subdomain
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        """Yield copies of the inner rules with the subdomain set."""
        for factory in self.rules:
            for rule in factory.get_rules(map):
                new = rule.empty()
                new.subdomain = self.subdomain
                yield new


class Submount(RuleFactory):
    """Prefix the path of every rule of ``rules`` with ``path``."""

    __slots__ = ("path", "rules")

    def __init__(self, path: str, rules: Iterable[RuleFactory]) -> None:
        self.path = path.rstrip("/")
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        """Yield copies of the inner rules under the prefix."""
        for factory in self.rules:
            for rule in factory.get_rules(map):
                new = rule.empty()
                new.rule = self.path + new.rule
                yield new


class EndpointPrefix(RuleFactory):
    """Prefix the endpoint of every rule of ``rules`` with ``prefix``."""

    __slots__ = ("prefix", "rules")

    def __init__(self, prefix: str, rules: Iterable[RuleFactory]) -> None:
        self.prefix = prefix
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        """Yield copies of the inner rules with the prefixed endpoint."""
        for factory in self.rules:
            for rule in factory.get_rules(map):
                new = rule.empty()
                new.endpoint = self.prefix + str(new.endpoint)
                yield new


class RuleTemplate:
    """Rules with ``$name`` placeholders, filled in by calling the template.

    ``RuleTemplate([Rule("/$kind/<int:id>", endpoint="$kind")])(kind="blog")``
    """

    __slots__ = ("rules",)

    def __init__(self, rules: Iterable[RuleFactory]) -> None:
        self.rules = list(rules)

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> RuleTemplateFactory:
        """Return a factory yielding the rules with the placeholders substituted."""
        return RuleTemplateFactory(self.rules, dict(*args, **kwargs))


class RuleTemplateFactory(RuleFactory):
    """The rules of a :class:`RuleTemplate` with ``context`` substituted."""

    __slots__ = ("context", "rules")

    def __init__(self, rules: Iterable[RuleFactory], context: dict[str, t.Any]) -> None:
        self.rules = rules
        self.context = context

    def _fill(self, value: t.Any) -> t.Any:
        if isinstance(value, str):
            return Template(value).substitute(self.context)
        return value

    def get_rules(self, map: Map) -> Iterator[Rule]:
        """Yield copies of the inner rules with ``$name`` replaced."""
        for factory in self.rules:
            for rule in factory.get_rules(map):
                new = rule.empty()
                new.rule = self._fill(new.rule)
                new.endpoint = self._fill(new.endpoint)
                new.subdomain = self._fill(new.subdomain)
                new.host = self._fill(new.host)
                new.redirect_to = self._fill(new.redirect_to)
                if new.defaults:
                    new.defaults = {k: self._fill(v) for k, v in new.defaults.items()}
                yield new


def _trace_of(pieces: list[Piece]) -> list[tuple[bool, str]]:
    """``(is_dynamic, text)`` pairs of parsed rule pieces, each ``/`` on its own."""
    trace: list[tuple[bool, str]] = []
    for piece in pieces:
        if isinstance(piece, Variable):
            trace.append((True, piece.name))
        else:
            trace.extend((False, text) for text in _SLASH_SPLIT_RE.split(piece) if text)
    return trace


class Rule(RuleFactory):
    """One URL pattern and what it leads to.

    ``string`` is the path pattern (it must start with ``/``); ``endpoint``
    names the view. ``methods`` is an iterable of HTTP methods (GET implies
    HEAD), or None for any method. ``defaults`` supplies view arguments that
    are not in the URL; ``subdomain`` or ``host`` (with host matching) restrict
    the rule to a domain and may hold variables too. ``strict_slashes`` and
    ``merge_slashes`` default to the map's settings. ``redirect_to`` (a string
    with ``<name>`` placeholders, or ``f(adapter, **values)``) makes the rule a
    redirect; ``alias`` rules redirect to the endpoint's main rule;
    ``build_only`` rules are never matched; ``websocket`` rules only match
    WebSocket requests.
    """

    __slots__ = (
        "_build_domain",
        "_build_path",
        "_converters",
        "_default_sources",
        "_domain",
        "_extra_defaults",
        "_plain",
        "_required",
        "_segments",
        "_simple",
        "alias",
        "arguments",
        "build_only",
        "defaults",
        "endpoint",
        "host",
        "map",
        "merge_slashes",
        "methods",
        "provide_automatic_options",
        "redirect_to",
        "rule",
        "strict_slashes",
        "subdomain",
        "websocket",
    )

    def __init__(
        self,
        string: str,
        defaults: Mapping[str, t.Any] | None = None,
        subdomain: str | None = None,
        methods: Iterable[str] | None = None,
        build_only: bool = False,
        endpoint: t.Any = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | Callable[..., str] | None = None,
        alias: bool = False,
        host: str | None = None,
        websocket: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule {string!r} must start with a slash.")
        if isinstance(methods, str):
            raise TypeError(
                f"'methods' should be a list of strings, not the string {methods!r};"
                f" write methods=[{methods!r}]"
            )
        self.rule = string
        self.map: Map | None = None
        # A given mapping is kept even when empty, as Werkzeug does: Flask's blueprint
        # setup always passes one, and flask-smorest tests `name in rule.defaults`.
        self.defaults: dict[str, t.Any] | None = None if defaults is None else dict(defaults)
        self.subdomain = subdomain
        self.host = host
        self.build_only = build_only
        self.endpoint = endpoint
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_to = redirect_to
        self.alias = alias
        self.websocket = websocket
        #: Set by the application: answer OPTIONS for this rule automatically.
        self.provide_automatic_options = False
        if methods is None:
            self.methods: set[str] | None = None
        else:
            self.methods = {m.upper() for m in methods}
            if "GET" in self.methods:
                self.methods.add("HEAD")
            if websocket and not self.methods <= _WEBSOCKET_METHODS:
                raise ValueError("WebSocket rules can only use 'GET', 'HEAD' and 'OPTIONS'.")
        names = {p.name for p in parse_rule(string) if isinstance(p, Variable)}
        #: Names of every URL variable and default of this rule.
        self.arguments: set[str] = names | set(self.defaults or ())
        self._converters: dict[str, BaseConverter] = {}
        #: Set by Map.update: matching needs no redirect check (``_plain``) and
        #: also adds no defaults (``_simple``).
        self._plain = False
        self._simple = False

    # -- factory protocol -------------------------------------------------

    def get_rules(self, map: Map) -> Iterator[Rule]:
        """Yield this rule itself."""
        yield self

    def get_empty_kwargs(self) -> dict[str, t.Any]:
        """The constructor arguments :meth:`empty` copies (without the string)."""
        return {
            "defaults": dict(self.defaults) if self.defaults else None,
            "subdomain": self.subdomain,
            "methods": self.methods,
            "build_only": self.build_only,
            "endpoint": self.endpoint,
            "strict_slashes": self.strict_slashes,
            "merge_slashes": self.merge_slashes,
            "redirect_to": self.redirect_to,
            "alias": self.alias,
            "host": self.host,
            "websocket": self.websocket,
        }

    def empty(self) -> Rule:
        """Return an unbound copy of this rule (used by the rule factories)."""
        new = type(self)(self.rule, **self.get_empty_kwargs())
        new.provide_automatic_options = self.provide_automatic_options
        return new

    # -- binding and compiling --------------------------------------------

    def bind(self, map: Map, rebind: bool = False) -> None:
        """Attach the rule to ``map`` and compile it (done by :meth:`Map.add`)."""
        if self.map is not None and not rebind:
            raise RuntimeError(f"URL rule {self!r} is already bound to map {self.map!r}")
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        if self.subdomain is None:
            self.subdomain = map.default_subdomain
        try:
            self.compile()
        except Exception:
            self.map = None  # so the rule can be fixed up and added again
            raise

    def get_converter(
        self,
        variable_name: str,
        converter_name: str,
        args: tuple[t.Any, ...],
        kwargs: Mapping[str, t.Any],
    ) -> BaseConverter:
        """Create the converter ``converter_name(*args, **kwargs)`` for a variable."""
        if self.map is None:
            raise RuntimeError("the rule is not bound to a map")
        cls = self.map.converters.get(converter_name)
        if cls is None:
            known = ", ".join(sorted(self.map.converters))
            raise UnknownConverterError(
                f"URL rule {self.rule!r}: unknown converter {converter_name!r} for"
                f" variable {variable_name!r}; the map knows: {known}. Add custom"
                " converters to Map.converters (app.url_map.converters) before the rules."
            )
        try:
            return cls(self.map, *args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"URL rule {self.rule!r}: converter {converter_name!r}: {exc}") from exc

    @property
    def _trace(self) -> list[tuple[bool, str]]:
        """The bound rule as Werkzeug's ``Rule._trace`` spells it.

        ``(is_dynamic, text)`` pairs: the domain part (subdomain, or host with
        host matching), then ``(False, "|")``, then the path with every ``/``
        on its own and each variable as ``(True, name)``. apispec and
        flask-smorest read it to write OpenAPI paths. Empty while unbound.
        Worked out on demand: nothing on the request path reads it.
        """
        if self.map is None:
            return []
        domain_rule = (self.host or "") if self.map.host_matching else (self.subdomain or "")
        path = _SLASHES_RE.sub("/", self.rule) if self.merge_slashes else self.rule
        trace = _trace_of(parse_rule(domain_rule))
        trace.append((False, "|"))
        trace.extend(_trace_of(parse_rule(path)))
        return trace

    def compile(self) -> None:
        """Create the converters, the matcher segments and the builder."""
        if self.map is None:
            raise RuntimeError("the rule must be bound to a map before it is compiled")
        path = self.rule
        if self.merge_slashes:
            path = _SLASHES_RE.sub("/", path)
        domain_rule = (self.host or "") if self.map.host_matching else (self.subdomain or "")
        domain = parse_rule(domain_rule)
        pieces = parse_rule(path)
        converters: dict[str, BaseConverter] = {}
        for piece in [*domain, *pieces]:
            if isinstance(piece, Variable):
                if piece.name in converters:
                    raise ValueError(
                        f"URL rule {self.rule!r}: the variable {piece.name!r} is in both"
                        " the domain and the path"
                    )
                converters[piece.name] = self.get_converter(
                    piece.name, piece.converter, piece.args, piece.kwargs
                )
        self._converters = converters
        self.arguments = set(converters) | set(self.defaults or ())
        defaults = self.defaults or {}
        self._required = frozenset(self.arguments - set(defaults))
        self._extra_defaults = {k: v for k, v in defaults.items() if k not in converters}
        source = segment_source(domain)
        is_static = all(isinstance(p, str) for p in domain)
        self._domain = Segment(source if is_static else None, tuple(domain), False, source)
        self._segments = self._cut(split_segments(pieces))
        self._build_domain = self._builder(domain, quote=False)
        self._build_path = self._builder(pieces, quote=True)
        self._default_sources: list[Rule] = []

    def _cut(self, segments: list[list[Piece]]) -> tuple[Segment, ...]:
        out: list[Segment] = []
        for index, segment in enumerate(segments):
            variables = [p for p in segment if isinstance(p, Variable)]
            if any(not self._converters[v.name].part_isolating for v in variables):
                rest: list[Piece] = []
                for later in segments[index:]:
                    if rest:
                        rest.append("/")
                    rest.extend(later)
                out.append(Segment(None, tuple(rest), True, segment_source(rest)))
                break
            if variables:
                out.append(Segment(None, tuple(segment), False, segment_source(segment)))
            else:
                text = "".join(t.cast("list[str]", segment))
                out.append(Segment(text, (text,) if text else (), False, text))
        return tuple(out)

    def _builder(self, pieces: list[Piece], quote: bool) -> _BuildSpec:
        # The URL is first + to_url(v1) + static1 + to_url(v2) + static2 ...
        first = ""
        slots: list[tuple[str, Callable[[t.Any], str], str]] = []
        for piece in pieces:
            if isinstance(piece, Variable):
                slots.append((piece.name, self._converters[piece.name].to_url, ""))
                continue
            text = quote_url_part(piece) if quote else piece
            if slots:
                name, to_url, static = slots[-1]
                slots[-1] = (name, to_url, static + text)
            else:
                first += text
        return first, tuple(slots)

    # -- building ---------------------------------------------------------

    def suitable_for(self, values: Mapping[str, t.Any], method: str | None = None) -> bool:
        """Whether this rule can build a URL from ``values`` for ``method``."""
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        # PERF: a dict-keys view compares against a set in C.
        if not values.keys() >= self._required:
            return False
        defaults = self.defaults
        if defaults:
            for key, value in defaults.items():
                if key in values and value != values[key]:
                    return False
        return True

    def provides_defaults_for(self, rule: Rule) -> bool:
        """Whether this rule stands for ``rule`` when its values equal our defaults."""
        return bool(
            not self.build_only
            and self.defaults
            and self.endpoint == rule.endpoint
            and self is not rule
            and self.arguments == rule.arguments
        )

    def build_compare_key(self) -> tuple[int, int, int]:
        """Sort key for building: non-aliases, then more arguments, then more defaults."""
        return (1 if self.alias else 0, -len(self.arguments), -len(self.defaults or ()))

    def _render(self, spec: _BuildSpec, values: Mapping[str, t.Any]) -> str:
        text, slots = spec
        if slots:
            defaults = self.defaults or _NO_DEFAULTS
            # PERF: concatenating a few short strings beats building a list to join.
            for name, to_url, static in slots:
                text += to_url(values[name] if name in values else defaults[name]) + static
        return text

    def build(
        self, values: Mapping[str, t.Any], append_unknown: bool = True
    ) -> tuple[str, str] | None:
        """Return ``(domain_part, path)`` for ``values``, or None if a converter refuses.

        Values that are not arguments of the rule become the query string
        when ``append_unknown`` is true (lists repeat the key).
        """
        try:
            domain = self._render(self._build_domain, values)
            path, slots = self._build_path
            if not self.defaults:
                # PERF: the common case inlined: every variable is in values.
                for name, to_url, static in slots:
                    path += to_url(values[name]) + static
            else:
                path = self._render(self._build_path, values)
        except ValidationError:
            return None
        # PERF: a keys view compares against a set in C; most builds have no extras.
        if append_unknown and not values.keys() <= self.arguments:
            arguments = self.arguments
            extra = [(k, v) for k, v in values.items() if k not in arguments]
            sort = False
            if self.map is not None and self.map.sort_parameters:
                if self.map.sort_key is None:
                    sort = True
                else:
                    extra.sort(key=self.map.sort_key)
            query = _url_encode(extra, sort=sort)
            if query:
                path = f"{path}?{query}"
        return domain, path

    # -- presentation -----------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        """True when the rule does not end with a slash."""
        return not self.rule.endswith("/")

    @property
    def is_branch(self) -> bool:
        """True when the rule ends with a slash."""
        return self.rule.endswith("/")

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        domain = self.host if self.map is not None and self.map.host_matching else self.subdomain
        prefix = f"{domain}|" if domain else ""
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods else ""
        return f"<{type(self).__name__} '{prefix}{self.rule}'{methods} -> {self.endpoint}>"
