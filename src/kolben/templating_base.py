"""Templates without Jinja2 (layer 4): the app's template methods and the render calls.

What ``import kolben``, ``Kolben(__name__)`` and ``@app.route`` need of
templating lives here, in :class:`TemplatingMixin` (the template half of the
app class) and the ``render_template`` family; everything in this module is
re-exported by :mod:`kolben.templating`, its public home. Jinja2 itself,
with :class:`~kolben.templating.Environment` and
:class:`~kolben.templating.DispatchingJinjaLoader`, is in
:mod:`kolben.templating`, which loads on the first render or the first use
of ``app.jinja_env``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterator
from functools import cached_property, partial

from . import signals
from ._aio import run_in_thread
from ._imports import LazyModule
from .globals import _cv_app, _cv_request, _no_app_msg, g, request, session
from .helpers import get_flashed_messages, stream_with_context
from .scaffold import setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from jinja2 import BaseLoader, Template

    from . import templating as _jinja
    from .app import Kolben
    from .templating import DispatchingJinjaLoader, Environment
else:
    # PERF: Jinja2 was the largest import of ``import kolben`` (about 89M of
    # its 550M instructions, bench/instructions.py --imports) and an app that
    # renders no template never needs it: kolben.templating, which imports
    # it, loads on the first render or the first read of ``app.jinja_env``
    # (once per app: the render calls read the app's cached environment).
    _jinja = LazyModule("kolben.templating")

__all__ = [
    "AUTOESCAPE_EXTENSIONS",
    "TemplatingMixin",
    "explain_template_loading_attempts",
    "render_template",
    "render_template_async",
    "render_template_string",
    "render_template_string_async",
    "stream_template",
    "stream_template_string",
]

F = t.TypeVar("F", bound=Callable[..., t.Any])

#: Template file extensions that are autoescaped (API.md section 11).
AUTOESCAPE_EXTENSIONS = (".html", ".htm", ".xml", ".xhtml", ".svg")

_SourceTriple = tuple[str, "str | None", "Callable[[], bool] | None"]


def _default_template_ctx_processor() -> dict[str, t.Any]:
    """Put the real ``g`` and ``request`` objects in the context.

    The environment's globals hold the proxies (for imported templates);
    the objects themselves are faster to use. ``session`` stays a proxy:
    resolving it marks the session accessed, which must happen only when a
    template really reads it.
    """
    rv: dict[str, t.Any] = {}
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        rv["g"] = app_ctx.g
    req_ctx = _cv_request.get(None)
    if req_ctx is not None:
        rv["request"] = req_ctx.request
    return rv


def _describe_loader(loader: BaseLoader) -> list[str]:
    lines = [f"class: {type(loader).__module__}.{type(loader).__name__}"]
    for key, value in sorted(vars(loader).items()):
        if key.startswith("_"):
            continue
        if isinstance(value, (tuple, list)) and all(isinstance(x, str) for x in value):
            lines.append(f"{key}:")
            lines.extend(f"  - {item}" for item in value)
        elif isinstance(value, (str, int, float, bool)):
            lines.append(f"{key}: {value!r}")
    return lines


def explain_template_loading_attempts(
    app: Kolben,
    template: str,
    attempts: list[tuple[BaseLoader, t.Any, _SourceTriple | None]],
) -> None:
    """Log, at INFO on ``app.logger``, where ``template`` was looked for.

    ``attempts`` lists ``(loader, owner, result)`` for each folder tried;
    ``owner`` is the app or a blueprint and ``result`` the loader's source
    triple, or None for a miss. Used when ``EXPLAIN_TEMPLATE_LOADING`` is on.
    """
    lines = [f"Looking for template {template!r}:"]
    hits = 0
    for number, (loader, owner, result) in enumerate(attempts, 1):
        if owner is app:
            where = f"the application {app.import_name!r}"
        else:
            name = getattr(owner, "name", repr(owner))
            where = f"the blueprint {name!r} ({getattr(owner, 'import_name', '?')})"
        lines.append(f"{number:5}: loader of {where}")
        lines.extend(f"       {line}" for line in _describe_loader(loader))
        if result is None:
            lines.append("       -> not there")
        else:
            hits += 1
            lines.append(f"       -> found at {result[1] or '<string>'!r}")
    hint = False
    if hits == 0:
        lines.append("Error: no loader has this template.")
        hint = True
    elif hits > 1:
        lines.append("Warning: several loaders have this template; the first one is used.")
        hint = True
    req_ctx = _cv_request.get(None)
    blueprint = req_ctx.request.blueprint if req_ctx is not None else None
    if hint and blueprint is not None:
        lines.append(
            f"  The lookup came from a view of the blueprint {blueprint!r}. Blueprint"
            " templates share one namespace with the app's: keep them in a subfolder"
            " named after the blueprint (templates/<blueprint>/page.html)."
        )
    app.logger.info("\n".join(lines))


class _DefaultEnvironmentClass:
    """``TemplatingMixin.jinja_environment`` until a subclass or an app sets
    its own: :class:`kolben.templating.Environment`, read from that module,
    which this read imports the first time (once per app)."""

    def __get__(self, obj: object, owner: type | None = None) -> type[Environment]:
        environment: type[Environment] = _jinja.Environment
        return environment


class TemplatingMixin:
    """The Jinja side of :class:`kolben.Kolben`: environment, loaders, context.

    Split out of ``app.py`` so that each module keeps one job; every method
    here is an app method (``app.jinja_env``, ``app.template_filter()``...).
    """

    if t.TYPE_CHECKING:  # pragma: no cover
        #: The environment class :meth:`create_jinja_environment` builds.
        jinja_environment: type[Environment]
    else:
        jinja_environment = _DefaultEnvironmentClass()

    jinja_options: dict[str, t.Any]
    config: t.Any
    debug: bool
    json: t.Any
    import_name: str
    root_path: str
    template_context_processors: dict[str | None, list[Callable[[], t.Any]]]
    url_for: Callable[..., str]
    ensure_sync: Callable[[Callable[..., t.Any]], Callable[..., t.Any]]
    iter_blueprints: Callable[[], Iterator[t.Any]]
    _check_setup_finished: Callable[[str], None]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.template_context_processors[None].append(_default_template_ctx_processor)

    # -- the environment ------------------------------------------------------------

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, created on first use (see :meth:`create_jinja_environment`)."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Build :attr:`jinja_env` from :attr:`jinja_options`.

        Autoescaping follows :meth:`select_jinja_autoescape` and
        ``auto_reload`` follows ``TEMPLATES_AUTO_RELOAD`` (None: debug mode)
        unless the options set them. The globals ``url_for``,
        ``get_flashed_messages``, ``config``, ``request``, ``session`` and
        ``g`` are added, and ``|tojson`` serializes with :attr:`json`.
        Changing :attr:`jinja_options` later has no effect.
        """
        options = dict(self.jinja_options)
        if "autoescape" not in options:
            options["autoescape"] = self.select_jinja_autoescape
        if "auto_reload" not in options:
            auto_reload = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if auto_reload is None else auto_reload
        env = self.jinja_environment(t.cast("Kolben", self), **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            # The context processor replaces request and g with the real
            # objects; the proxies serve imported templates and macros.
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader of :attr:`jinja_env`: app folder first, then blueprints'."""
        loader: DispatchingJinjaLoader = _jinja.DispatchingJinjaLoader(t.cast("Kolben", self))
        return loader

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether to autoescape a template: yes for strings (``filename`` None)
        and for ``.html``, ``.htm``, ``.xml``, ``.xhtml`` and ``.svg`` files."""
        if filename is None:
            return True
        return filename.endswith(AUTOESCAPE_EXTENSIONS)

    def _on_debug_changed(self, value: bool) -> None:
        # Template reloading follows debug mode unless it was configured.
        # An environment that does not exist yet reads the setting when made.
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' values to ``context``, in place.

        The app's processors run first, then those of the request's
        blueprints from the outermost in; values passed to the render call
        win over all of them. Processors may be ``async def``.
        """
        req_ctx = _cv_request.get(None)
        names: tuple[str | None, ...] = (None,)
        if req_ctx is not None:
            names = (None, *reversed(req_ctx.request.blueprints))
        explicit = context.copy()
        processors = self.template_context_processors
        for name in names:
            for func in processors.get(name, ()):
                if func is _default_template_ctx_processor:
                    # PERF: the built-in processor is known to be sync (bench E).
                    context.update(func())
                else:
                    context.update(self.ensure_sync(func)())
        context.update(explicit)

    # -- filters, tests, globals ----------------------------------------------------

    @setupmethod
    def template_filter(self, name: str | Callable[..., t.Any] | None = None) -> t.Any:
        """Register the decorated function as a Jinja filter (``{{ x|name }}``).

        Use ``@app.template_filter()`` or ``@app.template_filter("name")``;
        the name defaults to the function's. **Kolben:** the bare form
        ``@app.template_filter`` works too.
        """
        if callable(name):
            self.add_template_filter(name)
            return name

        def decorator(f: F) -> F:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: Callable[..., t.Any], name: str | None = None) -> None:
        """Register ``f`` as a Jinja filter under ``name`` (default: its name)."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | Callable[..., bool] | None = None) -> t.Any:
        """Register the decorated function as a Jinja test (``{% if x is name %}``).

        Same forms as :meth:`template_filter`.
        """
        if callable(name):
            self.add_template_test(name)
            return name

        def decorator(f: F) -> F:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Register ``f`` as a Jinja test under ``name`` (default: its name)."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | Callable[..., t.Any] | None = None) -> t.Any:
        """Make the decorated function a global of every template.

        Same forms as :meth:`template_filter`.
        """
        if callable(name):
            self.add_template_global(name)
            return name

        def decorator(f: F) -> F:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: Callable[..., t.Any], name: str | None = None) -> None:
        """Make ``f`` a template global under ``name`` (default: its name)."""
        self.jinja_env.globals[name or f.__name__] = f


# -- rendering -----------------------------------------------------------------------


def _app() -> Kolben:
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_no_app_msg)
    return ctx.app


def _render(app: Kolben, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if signals.in_use and signals.before_render_template.receivers:
        signals.before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if signals.in_use and signals.template_rendered.receivers:
        signals.template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> str:
    """Render a template from the template folders with ``context``.

    A list renders the first template that exists. Needs an app context (a
    request is not required). Context processors add their values first;
    the keyword arguments win. Sends ``before_render_template`` and
    ``template_rendered``. In an ``async def`` view, prefer
    ``await`` :func:`render_template_async`.
    """
    app = _app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render the template source ``source`` with ``context`` (always autoescaped)."""
    app = _app()
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(app: Kolben, template: Template, context: dict[str, t.Any]) -> Iterator[str]:
    app.update_template_context(context)
    if signals.in_use and signals.before_render_template.receivers:
        signals.before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> Iterator[str]:
        yield from template.generate(context)
        if signals.in_use and signals.template_rendered.receivers:
            signals.template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    stream = generate()
    if _cv_request.get(None) is not None:
        # Keeps request, session and g usable while the body streams.
        stream = stream_with_context(stream)
    return stream


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> Iterator[str]:
    """Render a template piece by piece, as an iterator of strings.

    Return it from a view to stream the page. Inside a request it is
    wrapped in :func:`~kolben.stream_with_context`; ``template_rendered``
    is sent once the stream is exhausted.
    """
    app = _app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> Iterator[str]:
    """:func:`stream_template` for template source given as a string."""
    app = _app()
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)


def _prepare(
    app: Kolben, name_or_source: t.Any, context: dict[str, t.Any], from_string: bool
) -> Template:
    """Load a template and fill in its context (the thread half of an async render)."""
    env = app.jinja_env
    if from_string:
        template = env.from_string(name_or_source)
    else:
        template = env.get_or_select_template(name_or_source)
    app.update_template_context(context)
    if signals.in_use and signals.before_render_template.receivers:
        signals.before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return template


async def _render_on_loop(app: Kolben, template: Template, context: dict[str, t.Any]) -> str:
    """Render with Jinja's ``render_async`` (only for ``enable_async`` environments)."""
    rv = await template.render_async(context)
    if signals.in_use and signals.template_rendered.receivers:
        # Receivers may be sync and slow, or async (run on the server's loop
        # from the thread): never on the loop itself.
        await run_in_thread(
            partial(
                signals.template_rendered.send,
                app,
                _async_wrapper=app.ensure_sync,
                template=template,
                context=context,
            )
        )
    return rv


async def render_template_async(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> str:
    """Awaitable :func:`render_template` for ``async def`` views: never blocks the loop.

    The template is loaded, its context filled in and the page rendered in
    a worker thread that sees this request's context. Async context
    processors are awaited on the server's loop. With Jinja's
    ``enable_async`` option the page is rendered on the event loop with
    ``render_async`` instead, so template code may call async functions.
    """
    app = _app()
    if not app.jinja_env.is_async:
        # One thread hop for loading, context processors and rendering.
        rv = await run_in_thread(partial(render_template, template_name_or_list, **context))
        return t.cast(str, rv)
    template = await run_in_thread(partial(_prepare, app, template_name_or_list, context, False))
    return await _render_on_loop(app, template, context)


async def render_template_string_async(source: str, **context: t.Any) -> str:
    """Awaitable :func:`render_template_string` (see :func:`render_template_async`)."""
    app = _app()
    if not app.jinja_env.is_async:
        rv = await run_in_thread(partial(render_template_string, source, **context))
        return t.cast(str, rv)
    template = await run_in_thread(partial(_prepare, app, source, context, True))
    return await _render_on_loop(app, template, context)
