"""``Map`` (the rule collection and its compiled matcher) and ``MapAdapter``.

A :class:`Map` compiles its rules lazily, on the first match or build after a
change. :meth:`Map.match_fast` and :meth:`Map.build_fast` are what the
application calls on every request; a :class:`MapAdapter` binds the map to one
host, script root and scheme for the Werkzeug-compatible API.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Callable, Iterable, Iterator, Mapping
from urllib.parse import urljoin

from .._imports import LazyModule
from .._internal import wsgi_decoding_dance
from ..datastructures import ImmutableDict, MultiDict
from ..exceptions import BadHost, HTTPException, MethodNotAllowed
from ..http.hosts import DEFAULT_PORTS, host_from_environ
from ..urls import _url_encode
from .converters import DEFAULT_CONVERTERS, BaseConverter, quote_url_part
from .exceptions import BuildError, RequestPath, RequestRedirect
from .matcher import Matcher
from .rules import Rule, RuleFactory

if t.TYPE_CHECKING:
    import pprint
else:
    # PERF: pprint (about 1M instructions of ``import kolben``) only serves
    # ``repr(url_map)``: it loads on the first one.
    pprint = LazyModule("pprint")

__all__ = ["Map", "MapAdapter"]

_PLACEHOLDER_RE = re.compile(r"<([^>]+)>")
_EMPTY_STATIC: dict[str, dict[str, dict[str, Rule]]] = {}


def _environ_host(environ: Mapping[str, t.Any]) -> str:
    # A malformed Host is treated as no host, so a forged one can never put
    # a path or credentials into a redirect URL.
    return (host_from_environ(environ) or "").lower()


class Map:
    """The URL rules of an application, compiled for matching and building.

    ``strict_slashes`` and ``merge_slashes`` are the defaults for rules that
    do not set them. ``redirect_defaults`` redirects a URL whose values equal
    another rule's defaults to that rule. ``converters`` adds to (or replaces)
    :data:`DEFAULT_CONVERTERS`. ``sort_parameters`` and ``sort_key`` order the
    query string of built URLs. With ``host_matching`` rules match on the full
    host (``Rule(host=...)``) instead of on the subdomain.
    """

    #: The converters every map starts with.
    default_converters: t.Mapping[str, type[BaseConverter]] = ImmutableDict(DEFAULT_CONVERTERS)

    def __init__(
        self,
        rules: Iterable[RuleFactory] | None = None,
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        sort_parameters: bool = False,
        sort_key: Callable[[t.Any], t.Any] | None = None,
        host_matching: bool = False,
    ) -> None:
        self._rules: list[Rule] = []
        self._rules_by_endpoint: dict[t.Any, list[Rule]] = {}
        self._matcher: Matcher | None = None
        #: Per endpoint, the rules in the order building tries them (compiled).
        self._build_order: dict[t.Any, list[Rule]] = {}
        # PERF: match_fast reads this table without checking for changes;
        # add() empties it, so the next match takes the slow path, which
        # recompiles first.
        self._static: dict[str, dict[str, dict[str, Rule]]] = _EMPTY_STATIC
        self.default_subdomain = default_subdomain
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_defaults = redirect_defaults
        self.host_matching = host_matching
        self.sort_parameters = sort_parameters
        self.sort_key = sort_key
        #: Converter classes by name; add custom ones before adding rules.
        self.converters: dict[str, type[BaseConverter]] = dict(self.default_converters)
        if converters:
            self.converters.update(converters)
        for factory in rules or ():
            self.add(factory)

    # -- rules ------------------------------------------------------------

    def add(self, rulefactory: RuleFactory) -> None:
        """Add a :class:`Rule` (or every rule of a factory) and mark the map for recompiling."""
        for rule in rulefactory.get_rules(self):
            rule.bind(self)
            self._rules.append(rule)
            self._rules_by_endpoint.setdefault(rule.endpoint, []).append(rule)
        self._matcher = None
        self._static = _EMPTY_STATIC

    def iter_rules(self, endpoint: t.Any | None = None) -> Iterator[Rule]:
        """Iterate over the rules, or over those of ``endpoint`` (KeyError if unknown)."""
        self.update()
        if endpoint is not None:
            return iter(self._build_order[endpoint])
        return iter(self._rules)

    def is_endpoint_expecting(self, endpoint: t.Any, *arguments: str) -> bool:
        """Whether some rule of ``endpoint`` has all of ``arguments``."""
        self.update()
        wanted = set(arguments)
        return any(wanted <= rule.arguments for rule in self._rules_by_endpoint[endpoint])

    def update(self) -> None:
        """Compile the rules if they changed since the last compile.

        Compiling builds new structures and publishes them by plain
        assignment, so a thread racing another only compiles twice.
        """
        if self._matcher is not None:
            return
        build_order: dict[t.Any, list[Rule]] = {}
        for endpoint, rules in self._rules_by_endpoint.items():
            ordered = build_order[endpoint] = sorted(rules, key=Rule.build_compare_key)
            for index, rule in enumerate(ordered):
                rule._default_sources = (
                    [r for r in ordered[:index] if r.provides_defaults_for(rule)]
                    if self.redirect_defaults
                    else []
                )
                rule._plain = not rule._default_sources and not (
                    rule.alias and self.redirect_defaults
                )
                rule._simple = rule._plain and not rule._extra_defaults
        matcher = Matcher(self._rules, build_order, self.merge_slashes, self.redirect_defaults)
        self._build_order = build_order
        self._static = matcher.static
        self._matcher = matcher

    def describe(self) -> str:
        """The compiled matching tree as text, for debugging."""
        self.update()
        return t.cast(Matcher, self._matcher).describe()

    # -- the fast entry points ---------------------------------------------

    def match_fast(
        self, path: str, method: str, domain_part: str = "", websocket: bool = False
    ) -> tuple[Rule, dict[str, t.Any]]:
        """Match a decoded ``path`` (``"/users/42"``) and an upper-case ``method``.

        ``domain_part`` is the subdomain (``""`` for the default one), or the
        full host when the map uses host matching. Returns ``(rule, values)``;
        a rule with ``redirect_to`` is returned as is. Raises ``NotFound``,
        ``MethodNotAllowed`` (with ``valid_methods``), ``WebsocketMismatch``,
        or :class:`RequestPath` when the client should be redirected to
        another path (missing slash, doubled slashes, defaults, alias).
        Leading slashes are not collapsed (``MapAdapter.match`` does that).
        """
        # PERF: a static URL costs three dict lookups and no allocation
        # besides the values dict; everything else goes to the matcher.
        paths = self._static.get(domain_part)
        if paths is not None and not websocket:
            methods = paths.get(path)
            if methods is not None:
                rule = methods.get(method)
                if rule is not None:
                    return rule, {}
        matcher = self._matcher
        if matcher is None:
            self.update()
            matcher = t.cast(Matcher, self._matcher)
        return matcher.match(domain_part, path, method, websocket)

    def build_fast(
        self,
        endpoint: t.Any,
        values: Mapping[str, t.Any] | None = None,
        method: str | None = None,
        append_unknown: bool = True,
        default_method: str = "GET",
    ) -> tuple[str, str, bool]:
        """Build ``(domain_part, path_and_query, websocket)`` for ``endpoint``.

        ``path_and_query`` starts with ``/`` and is percent-encoded; prefix it
        with the script root for a relative URL. With no ``method``, rules
        accepting ``default_method`` are preferred. ``None`` values are
        dropped; values that are not rule arguments become the query string
        (unless ``append_unknown`` is false). Raises :class:`BuildError`.
        """
        if self._matcher is None:
            self.update()
        if values is None:
            data: Mapping[str, t.Any] = {}
        elif isinstance(values, MultiDict):
            data = {k: v[0] if len(v) == 1 else v for k, v in values.lists() if v}
        else:
            data = values
            # PERF: copy only when there is a None to drop.
            for value in values.values():
                if value is None:
                    data = {k: v for k, v in values.items() if v is not None}
                    break
        # With no method, rules accepting the default method get the first try.
        for wanted in (default_method, None) if method is None else (method,):
            for rule in self._build_order.get(endpoint, ()):
                if rule.suitable_for(data, wanted):
                    built = rule.build(data, append_unknown)
                    if built is not None:
                        return built[0], built[1], rule.websocket
        raise BuildError(endpoint, data, method, map=self)

    # -- binding ----------------------------------------------------------

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: Mapping[str, t.Any] | str | None = None,
    ) -> MapAdapter:
        """Return a :class:`MapAdapter` for requests to ``server_name``.

        ``server_name`` may hold a port; non-ASCII names are IDNA-encoded.
        """
        server_name = server_name.lower()
        if not server_name.isascii():
            try:
                server_name = server_name.encode("idna").decode("ascii")
            except UnicodeError as exc:
                raise BadHost() from exc
        if self.host_matching:
            if subdomain is not None:
                raise RuntimeError("a subdomain cannot be given when the map uses host matching")
        elif subdomain is None:
            subdomain = self.default_subdomain
        return MapAdapter(
            self,
            server_name,
            "/" if script_name is None else script_name,
            subdomain,
            url_scheme,
            "/" if path_info is None else path_info,
            default_method,
            query_args,
        )

    def bind_to_environ(
        self,
        environ: Mapping[str, t.Any],
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """Return a :class:`MapAdapter` for the request described by a WSGI ``environ``.

        Without ``server_name`` the request's own host is used. Without
        ``subdomain`` (and without host matching) it is what the request's
        host has in front of ``server_name``; a host that does not end with
        ``server_name`` gets the subdomain ``"<invalid>"``, which matches no
        rule.
        """
        host = _environ_host(environ)
        scheme = environ.get("wsgi.url_scheme", "http")
        connection = str(environ.get("HTTP_CONNECTION", "")).lower()
        if str(environ.get("HTTP_UPGRADE", "")).lower() == "websocket" and "upgrade" in (
            v.strip() for v in connection.split(",")
        ):
            scheme = "wss" if scheme == "https" else "ws"
        if server_name is None:
            server_name = host
        else:
            server_name = server_name.lower()
            default = DEFAULT_PORTS.get(scheme)
            if default is not None and server_name.endswith(default):
                server_name = server_name[: -len(default)]
        if subdomain is None and not self.host_matching:
            have = host.split(".")
            want = server_name.split(".")
            if have[-len(want) :] != want:
                subdomain = "<invalid>"
            else:
                subdomain = ".".join(filter(None, have[: -len(want)]))

        def text(key: str) -> str | None:
            value = environ.get(key)
            return None if value is None else wsgi_decoding_dance(value)

        return self.bind(
            server_name,
            text("SCRIPT_NAME"),
            subdomain,
            scheme,
            environ.get("REQUEST_METHOD", "GET"),
            text("PATH_INFO"),
            query_args=text("QUERY_STRING"),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({pprint.pformat(list(self.iter_rules()))})"


class MapAdapter:
    """A :class:`Map` bound to one server name, script root, subdomain and scheme.

    Made by :meth:`Map.bind` or :meth:`Map.bind_to_environ`.
    """

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        subdomain: str | None,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: Mapping[str, t.Any] | str | None = None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        if not script_name.endswith("/"):
            script_name += "/"
        self.script_name = script_name
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        self.default_method = default_method
        self.query_args = query_args
        self.websocket = url_scheme in {"ws", "wss"}

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: Mapping[str, t.Any] | str | None = None,
        websocket: bool | None = None,
    ) -> tuple[t.Any, dict[str, t.Any]]:
        """Match the path: ``(endpoint, values)``, or ``(rule, values)`` with ``return_rule``.

        Raises ``NotFound``, ``MethodNotAllowed``, ``WebsocketMismatch`` or
        :class:`RequestRedirect` (which keeps the query string).
        """
        if path_info is None:
            path_info = self.path_info
        if query_args is None:
            query_args = self.query_args or {}
        method = (method or self.default_method).upper()
        if websocket is None:
            websocket = self.websocket
        domain_part = self.server_name if self.map.host_matching else (self.subdomain or "")
        path = "/" + path_info.lstrip("/") if path_info else ""
        try:
            rule, values = self.map.match_fast(path, method, domain_part, websocket)
        except RequestPath as exc:
            url = self.make_redirect_url(quote_url_part(exc.path), query_args, exc.domain_part)
            raise RequestRedirect(url) from None
        if rule.redirect_to is not None:
            raise RequestRedirect(self.make_redirect_to_url(rule, values))
        return (rule if return_rule else rule.endpoint), values

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Whether the path matches (a redirect counts as a match)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            pass
        except HTTPException:
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> list[str]:
        """The methods some rule accepts for this path (empty if none or any)."""
        try:
            self.match(path_info, method="--")
        except MethodNotAllowed as exc:
            return list(exc.valid_methods or ())
        except HTTPException:
            pass
        return []

    def dispatch(
        self,
        view_func: Callable[[t.Any, dict[str, t.Any]], t.Any],
        path_info: str | None = None,
        method: str | None = None,
        catch_http_exceptions: bool = False,
    ) -> t.Any:
        """Match, then return ``view_func(endpoint, values)``.

        A redirect is returned instead of raised. With
        ``catch_http_exceptions`` other HTTP errors are returned too.
        """
        try:
            try:
                endpoint, values = self.match(path_info, method)
            except RequestRedirect as exc:
                return exc
            return view_func(endpoint, values)
        except HTTPException as exc:
            if catch_http_exceptions:
                return exc
            raise

    def get_host(self, domain_part: str | None) -> str:
        """The host for a rule's domain part (the bound one when None)."""
        if self.map.host_matching:
            return self.server_name if domain_part is None else domain_part
        subdomain = self.subdomain if domain_part is None else domain_part
        return f"{subdomain}.{self.server_name}" if subdomain else self.server_name

    def encode_query_args(self, query_args: Mapping[str, t.Any] | str) -> str:
        """Encode a mapping as a query string; a string is returned unchanged."""
        if isinstance(query_args, str):
            return query_args
        return _url_encode(query_args)

    def make_redirect_url(
        self,
        path_info: str,
        query_args: Mapping[str, t.Any] | str | None = None,
        domain_part: str | None = None,
    ) -> str:
        """The absolute URL for a percent-encoded ``path_info`` on this site."""
        if query_args is None:
            query_args = self.query_args
        query = self.encode_query_args(query_args) if query_args else ""
        suffix = f"?{query}" if query else ""
        root = self.script_name.rstrip("/")
        host = self.get_host(domain_part)
        return f"{self.url_scheme or 'http'}://{host}{root}/{path_info.lstrip('/')}{suffix}"

    def make_redirect_to_url(self, rule: Rule, values: Mapping[str, t.Any]) -> str:
        """The absolute URL a ``redirect_to`` rule sends the client to."""
        target = rule.redirect_to
        if isinstance(target, str):
            converters = rule._converters

            def fill(found: re.Match[str]) -> str:
                name = found[1]
                value = values[name]
                if name in converters:
                    return converters[name].to_url(value)
                return quote_url_part(str(value))

            url = _PLACEHOLDER_RE.sub(fill, target)
        else:
            url = t.cast(Callable[..., str], target)(self, **values)
        netloc = f"{self.subdomain}.{self.server_name}" if self.subdomain else self.server_name
        return urljoin(f"{self.url_scheme or 'http'}://{netloc}{self.script_name}", url)

    def build(
        self,
        endpoint: t.Any,
        values: Mapping[str, t.Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """Build a URL for ``endpoint``: relative when it stays on this host, else absolute.

        See :meth:`Map.build_fast` for how values and methods choose the rule.
        WebSocket rules always give absolute ``ws://`` / ``wss://`` URLs.
        """
        try:
            domain_part, path, websocket = self.map.build_fast(
                endpoint, values, method, append_unknown, self.default_method
            )
        except BuildError as exc:
            raise BuildError(exc.endpoint, exc.values, exc.method, self) from None
        if url_scheme is None:
            url_scheme = self.url_scheme
        if websocket:
            force_external = True
            url_scheme = "wss" if url_scheme in ("https", "wss") else "ws"
        host = self.get_host(domain_part)
        if not force_external and (
            (self.map.host_matching and host == self.server_name)
            or (not self.map.host_matching and domain_part == self.subdomain)
        ):
            return f"{self.script_name.rstrip('/')}{path}"
        scheme = f"{url_scheme}:" if url_scheme else ""
        return f"{scheme}//{host}{self.script_name.rstrip('/')}{path}"
