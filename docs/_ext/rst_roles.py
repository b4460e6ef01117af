"""A griffe extension: Kolben's reST-flavoured docstrings, as Markdown for mkdocstrings.

Kolben's docstrings are written to read well in a terminal (``help()``) and
in an editor: they name other objects with Sphinx roles (``:class:`Kolben```,
``:meth:`~kolben.Kolben.route```) and introduce examples with ``::``. The
API reference is Markdown, so this extension, run once when griffe has
loaded the ``kolben`` package, rewrites each docstring:

- a role becomes an *optional* cross-reference: a link when the object is
  documented on some page of the site, plain code otherwise (never a broken
  link, never a warning);
- ``~dotted.name`` shows only the last part, ``title <target>`` shows the
  title; re-exported names (``kolben.Kolben``) point at the module that
  documents them (``kolben.app.Kolben``);
- a paragraph ending in ``::`` ends in ``:`` (the indented block after it is
  already a Markdown code block);
- a module attribute documented the Sphinx way, with ``#:`` comment lines
  above it, gets those lines as its docstring, and a signal gets the ``doc``
  it was created with.

Nothing here imports Kolben: griffe reads the source statically.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(class|meth|func|attr|mod|data|exc|obj|const):`([^`]+)`")
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^>]+)>$")
# "text::" at the end of a line introduces a literal block in reST; alone on
# a line it disappears.
_LITERAL_INTRO = re.compile(r"(?m)(?<=\S)::$")
_LONE_LITERAL = re.compile(r"(?m)^[ \t]*::[ \t]*$")


class RstRoles(griffe.Extension):
    """Rewrite reST roles and ``::`` in every docstring of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _walk(pkg):
            if obj.docstring is None and obj.is_attribute:
                text = _comment_docstring(obj) or _signal_doc(obj)
                if text:
                    obj.docstring = griffe.Docstring(text, parent=obj)
            if obj.docstring is not None:
                obj.docstring.value = convert(obj.docstring.value, obj)


def _walk(obj: griffe.Object) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)  # type: ignore[arg-type]


def _comment_docstring(obj: griffe.Object) -> str | None:
    """The ``#:`` lines right above an attribute, as Sphinx's autodoc reads them."""
    path = obj.filepath
    if not isinstance(path, Path) or path not in obj.lines_collection:
        return None
    lines = obj.lines_collection[path]
    if not lines or not obj.lineno:
        return None
    found: list[str] = []
    index = obj.lineno - 2
    while index >= 0 and lines[index].strip().startswith("#:"):
        found.insert(0, lines[index].strip()[2:].strip())
        index -= 1
    return "\n".join(found) or None


def _signal_doc(obj: griffe.Object) -> str | None:
    """``name = _signals.signal("name", "doc")``: the doc string."""
    value = obj.value
    if not isinstance(value, griffe.ExprCall) or not str(value.function).endswith(".signal"):
        return None
    if len(value.arguments) < 2:
        return None
    doc = value.arguments[1]
    try:
        text = ast.literal_eval(str(doc))
    except (ValueError, SyntaxError):
        return None
    return text if isinstance(text, str) else None


def convert(text: str, scope: griffe.Object) -> str:
    """Return the Markdown form of one docstring found on ``scope``."""
    text = _LONE_LITERAL.sub("", text)
    text = _LITERAL_INTRO.sub(":", text)
    return _ROLE.sub(lambda m: _reference(m.group(2), scope), text)


def _reference(content: str, scope: griffe.Object) -> str:
    titled = _TITLED.match(content)
    if titled:
        title, target = titled.group("title"), titled.group("target")
    else:
        target = content.lstrip("~")
        title = target.rsplit(".", 1)[-1] if content.startswith("~") else target
    target = target.lstrip("~.").rstrip("()")
    if not title.endswith(")") and _is_callable(_find(target, scope)):
        title += "()"
    code = f"<code>{html.escape(title)}</code>"
    path = _documented_path(target, scope)
    if path is None:
        return code
    return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'


def _find(target: str, scope: griffe.Object) -> griffe.Object | griffe.Alias | None:
    """The object ``target`` names, looked up as Python would from ``scope``,
    then from the ``kolben`` package."""
    collection = scope.modules_collection
    first, _, rest = target.partition(".")
    current: griffe.Object | None = scope
    while current is not None:
        members = current.all_members if current.is_class else current.members
        if first in members:
            found = members[first]
            return _descend(found, rest) if rest else found
        current = current.parent
    for candidate in (target, f"kolben.{target}"):
        try:
            return collection.get_member(candidate)
        except (KeyError, ValueError, griffe.AliasResolutionError):
            continue
    return None


def _descend(obj: griffe.Object | griffe.Alias, rest: str) -> griffe.Object | griffe.Alias | None:
    for part in rest.split("."):
        try:
            members = obj.all_members if obj.is_class else obj.members
            obj = members[part]
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
    return obj


def _documented_path(target: str, scope: griffe.Object) -> str | None:
    obj = _find(target, scope)
    if obj is None:
        return None
    try:
        if obj.is_alias and obj.inherited:
            # An inherited method is documented on the subclass's page too.
            return obj.path
        # A name re-exported by a package is documented where it is defined.
        return obj.final_target.path if obj.is_alias else obj.path
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _is_callable(obj: griffe.Object | griffe.Alias | None) -> bool:
    try:
        return obj is not None and obj.is_function
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return False
