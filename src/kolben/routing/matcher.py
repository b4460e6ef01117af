"""The compiled matcher: a tree of path segments, walked depth first.

Each :class:`Node` stands for a position in the path. It holds a dict of
static children (one dict lookup per segment, however many routes), a list of
dynamic :class:`Edge` objects sorted once at compile time, and a
:class:`Leaf` with the rules that end there. The domain (subdomain or host) is
matched first, the same way, to pick the root node.

Every node sits at a fixed depth and the request has one segment per depth,
so a walk visits each node at most once: matching is linear in the size of
the tree and the length of the path, never exponential, even when it has to
back up. Converter patterns are anchored with ``fullmatch`` on a single
segment; only the converters that may contain ``/`` (``path``) see the rest of
the path, as one ``fullmatch``.
"""

from __future__ import annotations

import re
import sys
import typing as t
from urllib.parse import unquote

from ..exceptions import MethodNotAllowed, NotFound, WebsocketMismatch
from .converters import BaseConverter, IntegerConverter, PathConverter
from .exceptions import RequestPath, ValidationError
from .parser import Variable

if t.TYPE_CHECKING:
    from .rules import Rule, Segment

__all__ = ["MULTI_VARIABLE_LIMIT", "Edge", "Leaf", "Matcher", "Node"]

# Edge kinds (the fast walk tests the common ones first).
K_STR = 0  # one plain ``<name>``: any non-empty segment, value unchanged
K_UINT = 1  # one plain ``<int:name>``: ASCII digits, value int()
K_ONE = 2  # one other converter filling the whole segment
K_MULTI = 3  # static text and converters mixed in one segment
K_TAIL = 4  # a converter that may match "/": the rest of the path at once
K_PATH = 5  # just ``<path:name>``: the rest of the path, checked without a regex

#: Longest text a pattern with two or more variables is tried on. Python's
#: backtracking regex engine needs time quadratic in the length for
#: ``<a>-<b>.html`` on text like "a-a-a-...": capped here, that costs a few
#: milliseconds at worst. One-variable patterns are linear and not capped.
MULTI_VARIABLE_LIMIT = 1024

_KIND_NAMES = ("string", "int", "converter", "pattern", "rest of path", "rest of path")
_SLASHES_RE = re.compile("/{2,}")

_Values = dict[str, t.Any]
_Pairs = list[tuple[str, t.Any]]


class _SlashRequired(Exception):
    """The path matches a rule once a trailing slash is added."""


class Leaf:
    """The rules ending at a node, with per-method lookup tables."""

    __slots__ = ("rules", "tables")

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        #: ``tables[websocket]`` is ``(rule by method, rule for any method)``.
        self.tables: tuple[tuple[dict[str, Rule], Rule | None], ...] = (({}, None), ({}, None))

    def finish(self) -> None:
        """Build the method tables: for each method, the first rule accepting it."""
        known: set[str] = set()
        for rule in self.rules:
            known.update(rule.methods or ())
        tables = []
        for websocket in (False, True):
            by_method: dict[str, Rule] = {}
            any_method: Rule | None = None
            for rule in self.rules:
                if rule.websocket != websocket:
                    continue
                if rule.methods is None:
                    for method in known:
                        by_method.setdefault(method, rule)
                    if any_method is None:
                        any_method = rule
                else:
                    for method in rule.methods:
                        by_method.setdefault(method, rule)
            tables.append((by_method, any_method))
        self.tables = (tables[0], tables[1])

    def pick(self, method: str, websocket: bool) -> Rule | None:
        """The first rule here accepting ``method`` for this kind of request."""
        by_method, any_method = self.tables[websocket]
        return by_method.get(method, any_method)


class Node:
    """A position in the path: static children, dynamic edges, ending rules."""

    __slots__ = ("edges", "leaf", "static")

    def __init__(self) -> None:
        self.static: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.leaf: Leaf | None = None


def _is_identity(converter: BaseConverter) -> bool:
    return type(converter).to_python is BaseConverter.to_python


class Edge:
    """A dynamic step out of a node: a segment pattern and the node it leads to."""

    __slots__ = (
        "_groups",
        "converters",
        "kind",
        "limit",
        "name",
        "names",
        "node",
        "regex",
        "slash",
        "sort_key",
        "source",
        "test",
        "to_python",
    )

    def __init__(
        self,
        segment: Segment,
        converters: dict[str, BaseConverter],
        order: int,
        domain: bool = False,
    ) -> None:
        pieces = segment.pieces
        variables = [p for p in pieces if isinstance(p, Variable)]
        convs = [converters[v.name] for v in variables]
        literal = sum(len(p.replace("/", "")) for p in pieces if isinstance(p, str))
        self.source = segment.source
        self.node = Node()
        self.names = tuple(v.name for v in variables)
        self.converters = tuple(convs)
        self.name = self.names[0]
        #: More literal text first, then more variables, then lighter converters,
        #: then the order the rules were added in.
        self.sort_key = (-literal, -len(convs), tuple(c.weight for c in convs), order)
        self.limit = MULTI_VARIABLE_LIMIT if len(convs) > 1 else sys.maxsize
        self.slash = segment.tail and isinstance(pieces[-1], str) and pieces[-1].endswith("/")
        self.test: t.Callable[[str], t.Any] | None = None
        self.to_python: t.Callable[[str], t.Any] | None = None
        parts = []
        for index, piece in enumerate(pieces):
            if isinstance(piece, str):
                parts.append(re.escape(piece))
            else:
                parts.append(f"(?P<_k{index}>{converters[piece.name].regex})")
        self.regex = re.compile("".join(parts))
        single = len(pieces) == 1 and not segment.tail
        conv = convs[0]
        if segment.tail and len(pieces) == 1 and type(conv) is PathConverter:
            # PERF: "[^/].*?" over the whole rest is "does not start with a
            # slash (and has no newline after the first character, as "."
            # does not match one)": two string tests instead of a regex.
            self.kind = K_PATH
        elif segment.tail:
            self.kind = K_TAIL
        elif not single:
            self.kind = K_MULTI
        elif not domain and _is_identity(conv) and conv.regex in ("[^/]+", "[^/]{1,}"):
            # PERF: a path segment never contains "/", so "[^/]+" only means
            # "not empty"; no regex needed.
            self.kind = K_STR
        elif (
            not domain
            and type(conv) is IntegerConverter
            and not (conv.fixed_digits or conv.signed)
            and conv.min is None
            and conv.max is None
        ):
            # PERF: str.isdigit() and str.isascii() together are exactly
            # "[0-9]+", and int() is all to_python() would do.
            self.kind = K_UINT
        else:
            self.kind = K_ONE
            self.test = re.compile(conv.regex).fullmatch
            self.to_python = None if _is_identity(conv) else conv.to_python
        self._groups = [
            (f"_k{index}", piece.name, converters[piece.name])
            for index, piece in enumerate(pieces)
            if isinstance(piece, Variable)
        ]

    def match(self, text: str) -> _Pairs | None:
        """Return the ``(name, value)`` pairs when ``text`` matches, else None."""
        kind = self.kind
        try:
            if kind == K_STR:
                return [(self.name, text)] if text else None
            if kind == K_UINT:
                if text.isdigit() and text.isascii():
                    return [(self.name, int(text))]
                return None
            if kind == K_PATH:
                if text[:1] not in ("", "/") and "\n" not in text[1:]:
                    return [(self.name, text)]
                return None
            if kind == K_ONE:
                if self.test is None or self.test(text) is None:
                    return None
                convert = self.to_python
                return [(self.name, text if convert is None else convert(text))]
            if len(text) > self.limit or (self.slash and text.endswith("//")):
                # See MULTI_VARIABLE_LIMIT. And the rule's own trailing slash is
                # not part of the value: "a//" is "a/" plus an empty segment,
                # which merge_slashes redirects.
                return None
            found = self.regex.fullmatch(text)
            if found is None:
                return None
            return [(name, conv.to_python(found[group])) for group, name, conv in self._groups]
        except ValidationError:
            return None
        except ValueError:
            if kind == K_UINT:  # more digits than int() accepts
                return None
            raise

    def describe(self) -> str:
        """``<int:id>  [int]``-style text for :meth:`Matcher.describe`."""
        weights = ",".join(str(c.weight) for c in self.converters)
        return f"{self.source}  [{_KIND_NAMES[self.kind]}, weight {weights}]"


#: Where the fast walk goes when nothing fits: no children, no rules.
_DEAD = Node()
#: Stands for "stop the fast walk here" among the edges of a node.
_GIVE_UP = Edge.__new__(Edge)
_GIVE_UP.kind = K_TAIL
_GIVE_UP.node = _DEAD


class _Search:
    """One complete depth-first search: the slow path, which also learns why it failed."""

    __slots__ = ("allowed", "method", "n", "parts", "websocket", "ws_mismatch")

    def __init__(self, method: str, websocket: bool) -> None:
        self.method = method
        self.websocket = websocket
        #: Methods of rules that matched the path but not the method (for 405).
        self.allowed: set[str] = set()
        #: A rule matched the path but not the WebSocket-ness (for 400).
        self.ws_mismatch = False
        self.parts: list[str] = []
        self.n = 0

    def record(self, rules: list[Rule]) -> None:
        for rule in rules:
            if rule.methods is not None and self.method not in rule.methods:
                self.allowed.update(rule.methods)
            elif rule.websocket != self.websocket:
                self.ws_mismatch = True

    def run(self, matcher: Matcher, domain: str, path: str) -> tuple[Rule, _Pairs] | None:
        self.parts = path[1:].split("/") if path else []
        self.n = len(self.parts)
        root = matcher.domains.get(domain)
        if root is not None:
            found = self.walk(root, 0, [])
            if found is not None:
                return found
        for edge in matcher.domain_edges:
            pairs = edge.match(domain)
            if pairs is not None:
                found = self.walk(edge.node, 0, pairs)
                if found is not None:
                    return found
        return None

    def walk(self, node: Node, i: int, pairs: _Pairs) -> tuple[Rule, _Pairs] | None:
        method, websocket = self.method, self.websocket
        if i == self.n:
            leaf = node.leaf
            if leaf is not None:
                rule = leaf.pick(method, websocket)
                if rule is not None:
                    return rule, pairs
                self.record(leaf.rules)
            # The path stops where a rule continues with a trailing slash.
            child = node.static.get("")
            if child is not None and child.leaf is not None:
                rule = child.leaf.pick(method, websocket)
                if rule is not None:
                    if rule.strict_slashes:
                        raise _SlashRequired
                    return rule, pairs
            return None
        part = self.parts[i]
        child = node.static.get(part)
        if child is not None:
            found = self.walk(child, i + 1, pairs)
            if found is not None:
                return found
        for edge in node.edges:
            if edge.kind >= K_TAIL:
                found = self.tail(edge, i, pairs)
            else:
                got = edge.match(part)
                if got is None:
                    continue
                found = self.walk(edge.node, i + 1, pairs + got)
            if found is not None:
                return found
        # "/x/" for a rule "/x" that does not insist on its slash form.
        leaf = node.leaf
        if leaf is not None and part == "" and i == self.n - 1:
            for rule in leaf.rules:
                if rule.strict_slashes:
                    continue
                if (rule.methods is None or method in rule.methods) and (
                    rule.websocket == websocket
                ):
                    return rule, pairs
                self.record([rule])
        return None

    def tail(self, edge: Edge, i: int, pairs: _Pairs) -> tuple[Rule, _Pairs] | None:
        leaf = edge.node.leaf
        if leaf is None:
            return None
        rest = "/".join(self.parts[i:])
        got = edge.match(rest)
        if got is not None:
            rule = leaf.pick(self.method, self.websocket)
            if rule is not None:
                return rule, pairs + got
            self.record(leaf.rules)
        elif edge.slash:
            got = edge.match(rest + "/")
            if got is not None:
                rule = leaf.pick(self.method, self.websocket)
                if rule is not None:
                    if rule.strict_slashes:
                        raise _SlashRequired
                    return rule, pairs + got
        return None



def _build_or_none(rule: Rule, values: _Values) -> tuple[str, str] | None:
    """``rule.build(values)``, or None when one of its converters refuses a value.

    A redirect target that cannot represent the matched values (an alias
    ``/<path:x>`` of a canonical ``/<float:x>``, a default the converter
    cannot format) is no target: the request is served by the rule it
    matched instead of failing with a 500 (Werkzeug lets the error escape).
    """
    try:
        return rule.build(values, append_unknown=False)
    except (ValueError, TypeError, OverflowError):
        return None


class Matcher:
    """All the rules of a map compiled into a segment tree (see the module doc)."""

    def __init__(
        self,
        rules: list[Rule],
        by_endpoint: dict[t.Any, list[Rule]],
        merge_slashes: bool,
        redirect_defaults: bool,
    ) -> None:
        self.by_endpoint = by_endpoint
        self.merge_slashes = merge_slashes
        self.redirect_defaults = redirect_defaults
        #: Root node per static domain part ("" when subdomains are not used).
        self.domains: dict[str, Node] = {}
        #: Domain parts with variables (``<user>``, ``<sub>.example.com``).
        self.domain_edges: list[Edge] = []
        #: PERF: ``static[domain][path][method]`` answers a static URL with three
        #: dict lookups; only rules that need no further work are listed.
        self.static: dict[str, dict[str, dict[str, Rule]]] = {}
        index: dict[tuple[int, str], Edge] = {}
        for order, rule in enumerate(rules):
            if not rule.build_only:
                self._add(rule, order, index)
        for node in self.domains.values():
            self._seal(node)
        self.domain_edges.sort(key=lambda e: e.sort_key)
        for edge in self.domain_edges:
            self._seal(edge.node)
        #: The same roots, each under a node whose only child is "" (see match).
        self.entries: dict[str, Node] = {}
        for domain, root in self.domains.items():
            entry = self.entries[domain] = Node()
            entry.static[""] = root
            table: dict[str, dict[str, Rule]] = {}
            self._collect_static(root, "", table)
            if table:
                self.static[domain] = table

    def _add(self, rule: Rule, order: int, index: dict[tuple[int, str], Edge]) -> None:
        segment = rule._domain
        if segment.static is not None:
            node = self.domains.setdefault(segment.static, Node())
        else:
            edge = index.get((0, segment.source))
            if edge is None:
                edge = index[0, segment.source] = Edge(segment, rule._converters, order, True)
                self.domain_edges.append(edge)
            node = edge.node
        for segment in rule._segments:
            if segment.static is not None:
                child = node.static.get(segment.static)
                if child is None:
                    child = node.static[segment.static] = Node()
                node = child
                continue
            key = (id(node), segment.source)
            edge = index.get(key)
            if edge is None:
                edge = index[key] = Edge(segment, rule._converters, order)
                node.edges.append(edge)
            node = edge.node
        if node.leaf is None:
            node.leaf = Leaf()
        node.leaf.rules.append(rule)

    def _seal(self, node: Node) -> None:
        if node.leaf is not None:
            node.leaf.finish()
        node.edges.sort(key=lambda e: e.sort_key)
        for child in node.static.values():
            self._seal(child)
        for edge in node.edges:
            self._seal(edge.node)

    def _collect_static(self, node: Node, prefix: str, table: dict[str, dict[str, Rule]]) -> None:
        for text, child in node.static.items():
            path = f"{prefix}/{text}"
            if child.leaf is not None:
                by_method = {
                    method: rule
                    for method, rule in child.leaf.tables[False][0].items()
                    if rule._simple
                }
                if by_method:
                    table[path] = by_method
            self._collect_static(child, path, table)

    # -- matching ---------------------------------------------------------

    def match(self, domain: str, path: str, method: str, websocket: bool) -> tuple[Rule, _Values]:
        """Return ``(rule, values)`` or raise (see :meth:`Map.match_fast`)."""
        # PERF: first follow, at every depth, the first branch that fits: the
        # full search tries exactly that branch first too, so if it ends in a
        # rule for this method that rule is the answer. Otherwise the full
        # search starts over, backs up where needed and learns why nothing
        # matched. ``entries`` holds a node above each root whose only child
        # is "", so "/a/b".split("/") == ["", "a", "b"] is walked as it is.
        node = self.entries.get(domain, _DEAD)
        values: _Values = {}
        parts = path.split("/")
        for i, part in enumerate(parts):
            child = node.static.get(part)
            if child is not None:
                node = child
                continue
            for edge in node.edges:
                kind = edge.kind
                if kind == K_STR:
                    if part:
                        values[edge.name] = part
                        break
                elif kind == K_UINT:
                    if part.isdigit() and part.isascii():
                        try:
                            values[edge.name] = int(part)
                        except ValueError:  # more digits than int() accepts
                            continue
                        break
                elif kind == K_PATH:
                    rest = "/".join(parts[i:])
                    if rest[:1] not in ("", "/") and "\n" not in rest[1:]:
                        values[edge.name] = rest
                        break
                elif kind == K_TAIL:
                    got = edge.match("/".join(parts[i:]))
                    if got is not None:
                        values.update(got)
                        break
                    if edge.slash:
                        # The trailing-slash forms are for the full search.
                        edge = _GIVE_UP
                        break
                else:
                    got = edge.match(part)
                    if got is not None:
                        values.update(got)
                        break
            else:
                node = _DEAD
                break
            node = edge.node
            if kind >= K_TAIL:  # the rest of the path is used up
                break
        leaf = node.leaf
        if leaf is not None:
            by_method, any_method = leaf.tables[websocket]
            rule = by_method.get(method, any_method)
            if rule is not None:
                if rule._simple:
                    return rule, values
                return self._finish(rule, values, method)
        return self._search(domain, path, method, websocket)

    def _search(self, domain: str, path: str, method: str, websocket: bool) -> tuple[Rule, _Values]:
        if path and path[0] != "/":
            path = "/" + path
        search = _Search(method, websocket)
        try:
            found = search.run(self, domain, path)
        except _SlashRequired:
            raise RequestPath(path + "/") from None
        if found is None and self.merge_slashes and "//" in path:
            merged = _SLASHES_RE.sub("/", path)
            try:
                found = search.run(self, domain, merged)
            except _SlashRequired:
                raise RequestPath(merged + "/") from None
            if found is not None:
                if found[0].merge_slashes:
                    raise RequestPath(merged)
                found = None
        if found is None:
            if search.allowed:
                raise MethodNotAllowed(valid_methods=sorted(search.allowed))
            if search.ws_mismatch:
                raise WebsocketMismatch()
            raise NotFound()
        return self._finish(found[0], dict(found[1]), method)

    def _finish(self, rule: Rule, values: _Values, method: str) -> tuple[Rule, _Values]:
        if rule._extra_defaults:
            values.update(rule._extra_defaults)
        if not rule._plain:
            self._redirects(rule, values, method)
        return rule, values

    def _redirects(self, rule: Rule, values: _Values, method: str) -> None:
        """Raise RequestPath when ``rule`` redirects to another rule of its endpoint."""
        if rule.alias and self.redirect_defaults:
            for other in self.by_endpoint.get(rule.endpoint, ()):
                if other is not rule and not other.alias and other.suitable_for(values, method):
                    built = _build_or_none(other, values)
                    if built is not None:
                        raise RequestPath(unquote(built[1]), built[0])
        for source in rule._default_sources:
            if source.suitable_for(values, method):
                built = _build_or_none(source, {**values, **(source.defaults or {})})
                if built is not None:
                    raise RequestPath(unquote(built[1]), built[0])

    # -- debugging --------------------------------------------------------

    def describe(self) -> str:
        """The tree as indented text, in the order the matcher tries things."""
        lines: list[str] = []
        for domain, root in self.domains.items():
            lines.append(f"domain {domain!r}")
            self._describe(root, 1, lines)
        for edge in self.domain_edges:
            lines.append(f"domain {edge.describe()}")
            self._describe(edge.node, 1, lines)
        count = sum(len(table) for table in self.static.values())
        lines.append(f"({count} static paths answered by the dict lookup first)")
        return "\n".join(lines)

    def _describe(self, node: Node, depth: int, lines: list[str]) -> None:
        pad = "  " * depth
        if node.leaf is not None:
            for rule in node.leaf.rules:
                methods = ",".join(sorted(rule.methods)) if rule.methods else "*"
                extra = " (websocket)" if rule.websocket else ""
                lines.append(f"{pad}-> {methods} {rule.endpoint}{extra}  {rule.rule}")
        for text, child in node.static.items():
            lines.append(f"{pad}/{text}")
            self._describe(child, depth + 1, lines)
        for edge in node.edges:
            lines.append(f"{pad}/{edge.describe()}")
            self._describe(edge.node, depth + 1, lines)
