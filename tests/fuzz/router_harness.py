"""The property of the router, shared by the atheris target (fuzz_router.py)
and the hypothesis test (tests/test_asgi_properties.py).

For any rule set the map accepts and any path, ``Map.bind(...).match``
returns ``(endpoint, values)`` or raises one of the documented routing
exceptions (``NotFound``, ``MethodNotAllowed``, ``WebsocketMismatch``,
``RequestRedirect``); ``build`` returns a URL starting with ``/`` (or an
absolute one) or raises ``BuildError``, or an error raised by a converter's
``to_url`` refusing a value (``any`` raises ``ValueError``; ``int`` and
``float`` pass what ``int()``/``float()`` raise: as Werkzeug does). Match
never raises those: a redirect target (alias or defaults) that cannot
represent the values is skipped.
Building what a match returned (with its method) raises nothing else.
Rule sets the map refuses at construction (``ValueError``, ``TypeError``)
are skipped. Anything else raises :class:`Finding`. No atheris here.
"""

from __future__ import annotations

import traceback
import typing as t
from dataclasses import dataclass

from kolben.exceptions import BadHost, MethodNotAllowed, NotFound, WebsocketMismatch
from kolben.routing import BuildError, Map, RequestRedirect, Rule

#: Converter texts a rule may use (some invalid on purpose).
CONVERTERS = [
    "",
    "string:",
    "int:",
    "int(signed=True):",
    "int(min=1, max=99):",
    "int(fixed_digits=3):",
    "float:",
    "float(signed=True):",
    "path:",
    "uuid:",
    "string(length=2):",
    "string(minlength=1, maxlength=3):",
    "any(a, b, 'c d'):",
    "any(x):",
    "default:",
    "int(bogus=1):",
    "nope:",
    "any():",
]
NAMES = ["x", "y", "z", "x", "_", "a1"]
#: Static text pieces, a few with characters a rule parser may trip on.
STATICS = ["a", "b", "ab", "a-b", "é", "%41", "a.b", "~", "", "<", ">", ":", "a b", "x<y"]
METHODS = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "get", "X"]
HOSTS = ["example.test", "sub.example.test", "EXAMPLE.test:8080", "[::1]:80", "xn--bcher-kva.test"]


class Finding(AssertionError):
    """The router broke its property for one input."""


def _cause(exc: BaseException) -> str:
    # atheris prints only the Finding: carry the cause's traceback in the message.
    return "\n" + "".join(traceback.format_exception(exc))


@dataclass(frozen=True)
class RuleSpec:
    """One rule: its segments (static text or (converter, name)) and options."""

    segments: tuple[str | tuple[str, str], ...]
    trailing_slash: bool
    methods: tuple[str, ...] | None
    strict_slashes: bool | None
    websocket: bool
    defaults: tuple[tuple[str, t.Any], ...] = ()
    alias: bool = False

    def text(self) -> str:
        parts = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append(segment)
            else:
                converter, name = segment
                parts.append(f"<{converter}{name}>")
        return "/" + "/".join(parts) + ("/" if self.trailing_slash and parts else "")


def make_map(
    specs: list[RuleSpec], *, strict_slashes: bool, merge_slashes: bool
) -> tuple[Map, list[Rule]] | None:
    """The map of ``specs`` (endpoint ``e<i>``), or None when the map refuses them."""
    rules = []
    try:
        for index, spec in enumerate(specs):
            rules.append(
                Rule(
                    spec.text(),
                    endpoint=f"e{index % 3}",
                    methods=spec.methods,
                    strict_slashes=spec.strict_slashes,
                    websocket=spec.websocket,
                    defaults=dict(spec.defaults) or None,
                    alias=spec.alias,
                )
            )
        url_map = Map(rules, strict_slashes=strict_slashes, merge_slashes=merge_slashes)
        url_map.update()
    except (ValueError, TypeError):
        return None
    return url_map, rules


_MATCH_ERRORS = (NotFound, MethodNotAllowed, WebsocketMismatch, RequestRedirect)


def _refused_by_converter(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside a converter's ``to_url`` (the value is refused)."""
    if not isinstance(exc, (ValueError, TypeError, OverflowError)):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "to_url":
            return True
        tb = tb.tb_next
    return False


def exercise(
    specs: list[RuleSpec],
    *,
    strict_slashes: bool,
    merge_slashes: bool,
    host: str,
    path: str,
    method: str,
    websocket: bool,
    query: str,
    builds: list[tuple[int, dict[str, t.Any], str | None]],
) -> str:
    """Match ``path`` and build ``builds`` against the map of ``specs``.

    Returns what happened (for the hypothesis statistics); raises
    :class:`Finding` when the property breaks.
    """
    made = make_map(specs, strict_slashes=strict_slashes, merge_slashes=merge_slashes)
    if made is None:
        return "refused"
    url_map, _ = made
    where = f"rules {[s.text() for s in specs]!r}, host {host!r}, path {path!r}, {method}"
    try:
        adapter = url_map.bind(host, query_args=query)
    except BadHost:
        return "bad host"  # a 400 the app answers
    outcome = "matched"
    try:
        endpoint, values = adapter.match(path, method, websocket=websocket)
    except _MATCH_ERRORS as exc:
        outcome = type(exc).__name__
        if isinstance(exc, RequestRedirect) and not exc.new_url.startswith(
            ("http://", "https://", "ws://", "wss://")
        ):
            raise Finding(f"redirect to {exc.new_url!r} for {where}") from exc
    except Exception as exc:
        raise Finding(f"match raised {type(exc).__name__} for {where}{_cause(exc)}") from exc
    else:
        # What matched builds again.
        try:
            url = adapter.build(endpoint, values, method=method if method != "X" else None)
        except BuildError:
            url = None
        except Exception as exc:
            if _refused_by_converter(exc):
                return outcome
            raise Finding(
                f"build of a match raised {type(exc).__name__} for {where}{_cause(exc)}"
            ) from exc
        if url is not None and not url.startswith(("/", "http://", "ws://")):
            raise Finding(f"built {url!r} for {where}")
    for index, values, build_method in builds:
        try:
            url = adapter.build(f"e{index % 3}", values, method=build_method)
        except BuildError:
            continue
        except Exception as exc:
            if _refused_by_converter(exc):
                continue
            raise Finding(
                f"build(e{index % 3}, {values!r}, {build_method!r}) raised"
                f" {type(exc).__name__} for {where}{_cause(exc)}"
            ) from exc
        if not url.startswith(("/", "http://", "ws://")):
            raise Finding(f"built {url!r} from {values!r} for {where}")
    return outcome
