"""Parse rule strings (``/users/<int(min=1):id>``) into static text and variables.

This only runs when rules are added, never per request.
"""

from __future__ import annotations

import ast
import re
import typing as t

__all__ = ["Piece", "Variable", "parse_rule", "segment_source", "split_segments"]

# A variable: <name>, <converter:name> or <converter(arguments):name>. The
# arguments may hold quoted strings containing ")" or ","; each alternative of
# the repeated group starts with a different character, so it cannot backtrack.
_VARIABLE_RE = re.compile(
    r"""
    <
    (?:
        (?P<converter>[A-Za-z_][A-Za-z0-9_]*)
        (?:\((?P<arguments>(?:[^()'"]|'[^']*'|"[^"]*")*)\))?
        :
    )?
    (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    >
    """,
    re.VERBOSE,
)


class Variable(t.NamedTuple):
    """One ``<...>`` of a rule: converter name, its arguments and the variable name."""

    converter: str
    args: tuple[t.Any, ...]
    kwargs: dict[str, t.Any]
    name: str
    #: The exact text in the rule, e.g. ``<int(min=1):id>``.
    source: str


Piece = str | Variable


def _literal(node: ast.expr, rule: str) -> t.Any:
    # Bare words (``any(about, help)``) and dotted words (``index.html``) are
    # read as strings, as in Werkzeug; everything else must be a Python literal.
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _literal(node.value, rule)
        if isinstance(inner, str):
            return f"{inner}.{node.attr}"
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(
            f"URL rule {rule!r}: converter arguments must be Python literals,"
            f" got {ast.unparse(node)!r}"
        ) from None


def _parse_arguments(text: str, rule: str) -> tuple[tuple[t.Any, ...], dict[str, t.Any]]:
    try:
        call = ast.parse(f"_({text})", mode="eval").body
    except SyntaxError:
        raise ValueError(
            f"URL rule {rule!r}: cannot read the converter arguments ({text});"
            " write them like Python call arguments, e.g. int(min=1) or any(a, 'b c')"
        ) from None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise ValueError(f"URL rule {rule!r}: malformed converter arguments ({text})")
    args = []
    for node in call.args:
        if isinstance(node, ast.Starred):
            raise ValueError(f"URL rule {rule!r}: '*' is not allowed in converter arguments")
        args.append(_literal(node, rule))
    kwargs: dict[str, t.Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise ValueError(f"URL rule {rule!r}: '**' is not allowed in converter arguments")
        kwargs[keyword.arg] = _literal(keyword.value, rule)
    return tuple(args), kwargs


def parse_rule(rule: str) -> list[Piece]:
    """Split ``rule`` into static strings and :class:`Variable` pieces.

    Raises ValueError for a ``<`` that does not open a well-formed variable or
    for a variable name used twice.
    """
    pieces: list[Piece] = []
    seen: set[str] = set()
    pos = 0
    while True:
        start = rule.find("<", pos)
        if start < 0:
            if pos < len(rule):
                pieces.append(rule[pos:])
            return pieces
        if start > pos:
            pieces.append(rule[pos:start])
        match = _VARIABLE_RE.match(rule, start)
        if match is None:
            raise ValueError(
                f"malformed URL rule {rule!r}: the '<' at position {start} does not"
                " open a variable; write <name>, <converter:name> or"
                " <converter(arguments):name>"
            )
        name = match["name"]
        if name in seen:
            raise ValueError(f"URL rule {rule!r}: the variable {name!r} appears twice")
        seen.add(name)
        text = match["arguments"]
        args, kwargs = _parse_arguments(text, rule) if text is not None else ((), {})
        pieces.append(Variable(match["converter"] or "default", args, kwargs, name, match[0]))
        pos = match.end()


def split_segments(pieces: list[Piece]) -> list[list[Piece]]:
    """Split the pieces of a path rule at each ``/`` into per-segment lists.

    The leading slash is dropped: ``/a/<b>/`` gives ``[["a"], [<b>], []]``.
    """
    segments: list[list[Piece]] = [[]]
    for piece in pieces:
        if isinstance(piece, Variable):
            segments[-1].append(piece)
            continue
        first, *rest = piece.split("/")
        if first:
            segments[-1].append(first)
        for chunk in rest:
            segments.append([chunk] if chunk else [])
    return segments[1:]


def segment_source(segment: list[Piece]) -> str:
    """The rule text of one segment, e.g. ``page-<int:n>``."""
    return "".join(p if isinstance(p, str) else p.source for p in segment)
