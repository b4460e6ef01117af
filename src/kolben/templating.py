"""Jinja2 templates (layer 4): the app's environment, its loader, rendering.

The Jinja classes are defined here; the app's template methods and the
render calls live in :mod:`kolben.templating_base`, which needs no Jinja2,
and are re-exported here: ``import kolben`` loads this module (and Jinja2)
only on the first render or the first use of ``app.jinja_env``.

``app.jinja_env`` is created on first use from :attr:`Kolben.jinja_options`
(see :class:`TemplatingMixin`, the template half of the app class). Its
loader searches the app's ``templates`` folder, then each blueprint's, in
registration order. Autoescaping is on for ``.html``, ``.htm``, ``.xml``,
``.xhtml`` and ``.svg`` templates and for templates from strings, so
``{{ value }}`` is HTML-escaped unless ``value`` is :class:`~markupsafe.Markup`.

Rendering in async views
------------------------
:func:`render_template` is synchronous: it loads (file I/O on a cache miss)
and renders (CPU) on the calling thread, which in an ``async def`` view
served over ASGI is the event loop. There, use the awaitable twins
:func:`render_template_async` and :func:`render_template_string_async`: they
do the same work in a worker thread, with the request context copied, so the
loop keeps serving other requests. Async context processors keep working
(under ASGI they run on the server's loop, which the thread waits for).
With ``jinja_options = {"enable_async": True}`` the template is loaded in
the thread but rendered with Jinja's ``render_async`` on the loop, so
template code may await async functions; that rendering then takes loop
time. :func:`stream_template` needs no twin: under ASGI a streamed body is
iterated in worker threads.
"""
from __future__ import annotations

import typing as t
from collections import ChainMap
from collections.abc import Iterator, Mapping

from jinja2 import BaseLoader, Template, TemplateNotFound
from jinja2 import Environment as _JinjaEnvironment
from jinja2.runtime import Context
from jinja2.runtime import new_context as _new_context

from .templating_base import AUTOESCAPE_EXTENSIONS as AUTOESCAPE_EXTENSIONS
from .templating_base import (
    TemplatingMixin,
    _SourceTriple,
    explain_template_loading_attempts,
    render_template,
    render_template_async,
    render_template_string,
    render_template_string_async,
    stream_template,
    stream_template_string,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "TemplatingMixin",
    "explain_template_loading_attempts",
    "render_template",
    "render_template_async",
    "render_template_string",
    "render_template_string_async",
    "stream_template",
    "stream_template_string",
]


class _Template(Template):
    """A Jinja template that builds its render context with dict merges.

    PERF: Jinja turns the template's globals (a ChainMap over the
    environment's) into the context dict with ``dict(chainmap)``, which
    looks every key up through the ChainMap in Python; Kolben's environment
    holds twice Jinja's default globals, so that cost doubles. Copying the
    maps with C-level ``dict.update`` gives the same dict (bench case E).
    """

    def new_context(
        self,
        vars: dict[str, t.Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, t.Any] | None = None,
    ) -> Context:
        template_globals = self.globals
        if shared or type(template_globals) is not ChainMap:
            return super().new_context(vars, shared, locals)
        parent: dict[str, t.Any] = {}
        # Later maps are overlaid by earlier ones, as a ChainMap reads them.
        for mapping in reversed(template_globals.maps):
            parent.update(mapping)
        if vars:
            parent.update(vars)
        return _new_context(
            self.environment, self.name, self.blocks, parent, True, template_globals, locals
        )


class Environment(_JinjaEnvironment):
    """A Jinja environment that knows its app (``env.app``).

    Unless a ``loader`` is given, it uses the app's
    :meth:`~TemplatingMixin.create_global_jinja_loader`.
    """

    template_class = _Template

    def __init__(self, app: Kolben, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Finds a template in the app's folder, then in each blueprint's.

    Blueprints are searched in registration order and the first folder that
    has the template wins, so an app can override a blueprint's template by
    putting one with the same name in its own folder. With
    ``EXPLAIN_TEMPLATE_LOADING`` on, every lookup is logged (see
    :func:`explain_template_loading_attempts`).
    """

    def __init__(self, app: Kolben) -> None:
        self.app = app

    def get_source(self, environment: _JinjaEnvironment, template: str) -> _SourceTriple:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(self, environment: _JinjaEnvironment, template: str) -> _SourceTriple:
        attempts: list[tuple[BaseLoader, t.Any, _SourceTriple | None]] = []
        found: _SourceTriple | None = None
        for owner, loader in self._iter_loaders():
            try:
                result = loader.get_source(environment, template)
            except TemplateNotFound:
                result = None
            if found is None:
                found = result
            attempts.append((loader, owner, result))
        explain_template_loading_attempts(self.app, template, attempts)
        if found is None:
            raise TemplateNotFound(template)
        return found

    def _iter_loaders(self) -> Iterator[tuple[t.Any, BaseLoader]]:
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        """Every template name any of the folders provides."""
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)
