"""Blueprints: groups of routes, hooks and handlers registered on an app (layer 4).

A :class:`Blueprint` records what is declared on it and replays it on the
app at :meth:`Kolben.register_blueprint <kolben.Kolben.register_blueprint>`
time, under the blueprint's name (endpoints become ``"name.view"``) and URL
prefix. One blueprint may be registered several times (each time under a
unique ``name=``) and may hold other blueprints, to any depth: names join
with dots, URL prefixes join with ``/`` and subdomains join as
``child.parent``.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property

from ._imports import LazyModule
from .globals import current_app
from .helpers import send_from_directory
from .scaffold import (
    _SENTINEL,
    Scaffold,
    _endpoint_from_view_func,
    max_age_from_config,
    setupmethod,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben
    from .cli import base as _clibase
    from .cli.base import AppGroup
    from .typing import (
        AfterRequestCallable,
        BeforeRequestCallable,
        ErrorHandlerCallable,
        RouteCallable,
        TeardownCallable,
        TemplateContextProcessorCallable,
        TemplateFilterCallable,
        TemplateGlobalCallable,
        TemplateTestCallable,
        URLDefaultCallable,
        URLValuePreprocessorCallable,
    )
    from .wrappers import Response
else:
    _clibase = LazyModule("kolben.cli.base")  # PERF: click on first use (kolben.app)

__all__ = ["Blueprint", "BlueprintSetupState", "DeferredSetupFunction"]

DeferredSetupFunction = Callable[["BlueprintSetupState"], None]
"""What :meth:`Blueprint.record` takes: ``f(state)``, called at registration."""

F = t.TypeVar("F", bound=Callable[..., t.Any])
D = t.TypeVar("D", bound=DeferredSetupFunction)
T_after = t.TypeVar("T_after", bound="AfterRequestCallable[t.Any]")
T_before = t.TypeVar("T_before", bound="BeforeRequestCallable")
T_error = t.TypeVar("T_error", bound="ErrorHandlerCallable")
T_teardown = t.TypeVar("T_teardown", bound="TeardownCallable")
T_ctx = t.TypeVar("T_ctx", bound="TemplateContextProcessorCallable")
T_url_defaults = t.TypeVar("T_url_defaults", bound="URLDefaultCallable")
T_url_pre = t.TypeVar("T_url_pre", bound="URLValuePreprocessorCallable")
T_filter = t.TypeVar("T_filter", bound="TemplateFilterCallable")
T_test = t.TypeVar("T_test", bound="TemplateTestCallable")
T_global = t.TypeVar("T_global", bound="TemplateGlobalCallable")

# The per-scope hook registries a registration copies onto the app.
_SCOPED_REGISTRIES = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "url_default_functions",
    "url_value_preprocessors",
    "template_context_processors",
)


def _check_name(name: t.Any, what: str) -> str:
    """A blueprint name: a non-empty string without dots (dots separate nesting)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what} may not be empty; give the blueprint a name such as 'admin'.")
    if "." in name:
        raise ValueError(
            f"{what} may not contain a dot '.' character: dots join the names of nested"
            f" blueprints. Use another character, such as '_', in {name!r}."
        )
    return name


def _join_prefix(outer: str | None, inner: str | None) -> str | None:
    """Join two URL prefixes with exactly one ``/`` between them."""
    if outer is not None and inner is not None:
        return f"{outer.rstrip('/')}/{inner.lstrip('/')}"
    return inner if inner is not None else outer


def _join_subdomain(outer: str | None, inner: str | None) -> str | None:
    """A child's subdomain sits left of its parent's: ``child.parent``."""
    if outer is not None and inner is not None:
        return f"{inner}.{outer}"
    return inner if inner is not None else outer


class BlueprintSetupState:
    """One registration of a blueprint on an app, passed to deferred functions.

    ``options`` holds the keyword arguments given to ``register_blueprint``
    (plus ``name_prefix`` for nested blueprints); they override the values
    the blueprint was created with.
    """

    def __init__(
        self,
        blueprint: Blueprint,
        app: Kolben,
        options: t.Any,
        first_registration: bool,
    ) -> None:
        #: The app the blueprint is being registered on.
        self.app = app
        #: The blueprint being registered.
        self.blueprint = blueprint
        #: The options given to ``register_blueprint``.
        self.options: dict[str, t.Any] = options
        #: Whether this is the first time the blueprint meets this app (the
        #: same blueprint may be registered again under another ``name=``).
        self.first_registration = first_registration

        subdomain = options.get("subdomain")
        if subdomain is None:
            subdomain = blueprint.subdomain
        #: The subdomain rules are added under (None: the app's default).
        self.subdomain: str | None = subdomain

        url_prefix = options.get("url_prefix")
        if url_prefix is None:
            url_prefix = blueprint.url_prefix
        #: The prefix joined to every rule of the blueprint.
        self.url_prefix: str | None = url_prefix

        #: The name of this registration (``name=`` or the blueprint's name).
        self.name: str = options.get("name", blueprint.name)
        #: The dotted name of the parent registration ("" at the top).
        self.name_prefix: str = options.get("name_prefix", "")

        #: Values every rule of the blueprint gets as defaults: the
        #: blueprint's ``url_defaults`` updated with the registration's.
        self.url_defaults: dict[str, t.Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults") or ())

    @property
    def full_name(self) -> str:
        """The dotted name the app knows this registration by (``parent.child``)."""
        return f"{self.name_prefix}.{self.name}".lstrip(".")

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app with the prefix, subdomain, defaults and name applied."""
        if self.url_prefix is not None:
            rule = f"{self.url_prefix.rstrip('/')}/{rule.lstrip('/')}" if rule else self.url_prefix
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = {**defaults, **(options.pop("defaults") or {})}
        self.app.add_url_rule(
            rule,
            f"{self.full_name}.{endpoint}",
            view_func,
            defaults=defaults,
            **options,
        )


class Blueprint(Scaffold):
    """A group of views, hooks, error handlers and files to register on an app.

    Everything declared on a blueprint is recorded and applied when it is
    registered with ``app.register_blueprint(bp)``; after its first
    registration the blueprint is frozen (another declaration raises
    ``AssertionError``). Routes and hooks declared on it apply only to
    requests routed into it (or into the blueprints nested in it); the
    ``app_*`` forms (:meth:`before_app_request`, :meth:`app_errorhandler`,
    ...) apply to the whole app.

    ``name`` prefixes the endpoints (``url_for("admin.index")``) and may not
    be empty or hold a dot. ``url_prefix``, ``subdomain`` and
    ``url_defaults`` apply to every route and may be overridden per
    registration. ``static_folder`` adds a ``name.static`` route at
    ``url_prefix + static_url_path``; ``template_folder`` is searched after
    the app's own. ``cli_group`` names the group of :attr:`cli` commands
    (default: the blueprint's name; None merges them into the app's group).
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _SENTINEL,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        self.name = _check_name(name, "'name'")
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        #: Default values for the URL variables of every rule.
        self.url_values_defaults: dict[str, t.Any] = url_defaults or {}
        self.cli_group = cli_group
        #: The functions :meth:`register` calls with each setup state.
        self.deferred_functions: list[DeferredSetupFunction] = []
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    @cached_property
    def cli(self) -> AppGroup:
        """Commands for the app's command line, grouped under ``cli_group``.

        Made on first use (PERF: click loads only then, see ``kolben.app``).
        """
        return _clibase.AppGroup(self.name)

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered at least once, and a"
                " change now would not reach the registrations already made.\nDeclare"
                " everything the blueprint needs (routes, hooks, nested blueprints) before"
                " registering it."
            )

    # -- deferred setup ------------------------------------------------------------

    @setupmethod
    def record(self, func: D) -> D:
        """Call ``func(state)`` each time the blueprint is registered.

        ``state`` is a :class:`BlueprintSetupState`. Returns ``func``, so
        this works as a decorator.
        """
        self.deferred_functions.append(func)
        return func

    @setupmethod
    def record_once(self, func: D) -> D:
        """Like :meth:`record`, but only on the first registration on each app."""

        def once(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(once)
        return func

    def make_setup_state(
        self, app: Kolben, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """Create the state passed to deferred functions (override to extend it)."""
        return BlueprintSetupState(self, app, options, first_registration)

    # -- registration --------------------------------------------------------------

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one; it is registered whenever this one is.

        ``options`` are those of :meth:`kolben.Kolben.register_blueprint`;
        the child's URL prefix and subdomain are joined to this blueprint's,
        and its endpoints become ``"parent.child.view"``.
        """
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself.")
        if self in blueprint._descendants():
            raise ValueError(
                f"Cannot register {blueprint!r} on {self!r}: it already contains {self!r},"
                " which would nest the two inside each other forever."
            )
        if "name" in options:
            _check_name(options["name"], "The 'name' option")
        self._blueprints.append((blueprint, options))

    def _descendants(self) -> t.Iterator[Blueprint]:
        for child, _ in self._blueprints:
            yield child
            yield from child._descendants()

    def register(self, app: Kolben, options: dict[str, t.Any]) -> None:
        """Register the blueprint on ``app`` (called by ``app.register_blueprint``).

        Adds the static route, copies the blueprint's hooks and error
        handlers under its dotted name, runs the deferred functions, adds
        the CLI group and registers the nested blueprints.
        """
        self_name = options.get("name", self.name)
        if "name" in options:
            _check_name(self_name, "The 'name' option")
        name = f"{options.get('name_prefix', '')}.{self_name}".lstrip(".")
        existing = app.blueprints.get(name)
        if existing is not None:
            which = "this" if existing is self else "a different"
            where = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {which} blueprint{where}."
                " Use 'name=' to provide a unique name."
            )
        first_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._merge_into(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, name, options)
        for child, child_options in self._blueprints:
            child_options = dict(child_options)
            url_prefix = child_options.get("url_prefix")
            if url_prefix is None:
                url_prefix = child.url_prefix
            child_options["url_prefix"] = _join_prefix(state.url_prefix, url_prefix)
            subdomain = child_options.get("subdomain")
            if subdomain is None:
                subdomain = child.subdomain
            child_options["subdomain"] = _join_subdomain(state.subdomain, subdomain)
            child_options["name_prefix"] = name
            child.register(app, child_options)
        app._setup_changed()

    def _merge_into(self, app: Kolben, name: str) -> None:
        """Copy the blueprint's own hooks and handlers onto ``app`` under ``name``."""

        def scoped(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        for registry_name in _SCOPED_REGISTRIES:
            registry: dict[str | None, list[t.Any]] = getattr(self, registry_name)
            target: dict[str | None, list[t.Any]] = getattr(app, registry_name)
            for key, funcs in registry.items():
                if funcs:
                    target.setdefault(scoped(key), []).extend(funcs)
        for key, by_code in self.error_handler_spec.items():
            copied = {code: dict(handlers) for code, handlers in by_code.items() if handlers}
            if copied:
                app.error_handler_spec[scoped(key)] = defaultdict(dict, copied)

    def _register_cli(self, app: Kolben, name: str, options: dict[str, t.Any]) -> None:
        if not self.cli.commands:
            return
        app_cli = app.cli
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app_cli.commands.update(self.cli.commands)
            return
        self.cli.name = name if group is _SENTINEL else group
        app_cli.add_command(self.cli)

    # -- routes (deferred) -----------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a rule; it is added to the app, prefixed, at each registration.

        The endpoint becomes ``"blueprint_name.endpoint"``; neither it nor
        the view function's name may contain a dot.
        """
        if endpoint is None and view_func is None:
            raise TypeError("Pass 'endpoint' or 'view_func' to add_url_rule.")
        if endpoint and "." in endpoint:
            raise ValueError(
                f"'endpoint' may not contain a dot '.' character ({endpoint!r}): the"
                " blueprint adds its own name with a dot."
            )
        view_name = getattr(view_func, "__name__", None)
        if view_func is not None and view_name and "." in view_name:
            raise ValueError(
                f"'view_func' name may not contain a dot '.' character ({view_name!r}); pass"
                " 'endpoint=' with a name without dots."
            )

        def deferred(state: BlueprintSetupState) -> None:
            state.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )

        self.record(deferred)

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Make the decorated function the view of ``"blueprint_name.endpoint"``.

        Kolben: the function reaches the app at registration (in Flask 3.1
        it stays on the blueprint and the endpoint answers 500).
        """
        if "." in endpoint:
            raise ValueError(f"'endpoint' may not contain a dot '.' character ({endpoint!r}).")

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f

            def deferred(state: BlueprintSetupState) -> None:
                state.app.view_functions[f"{state.full_name}.{endpoint}"] = f

            self.record(deferred)
            return f

        return decorator

    # -- app-wide hooks ------------------------------------------------------------

    @setupmethod
    def before_app_request(self, f: T_before) -> T_before:
        """Like :meth:`before_request`, but for every request of the app."""
        self.record_once(lambda s: s.app.before_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def after_app_request(self, f: T_after) -> T_after:
        """Like :meth:`after_request`, but for every request of the app."""
        self.record_once(lambda s: s.app.after_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like :meth:`teardown_request`, but for every request of the app."""
        self.record_once(lambda s: s.app.teardown_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_context_processor(self, f: T_ctx) -> T_ctx:
        """Like :meth:`context_processor`, but for every template the app renders."""
        self.record_once(lambda s: s.app.template_context_processors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> Callable[[T_error], T_error]:
        """Like :meth:`errorhandler`, but for errors anywhere in the app."""
        # Validate now, where the mistake is, not at registration.
        self._get_exc_class_and_code(code_or_exception)

        def decorator(f: T_error) -> T_error:
            self.record_once(lambda s: s.app.register_error_handler(code_or_exception, f))
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(self, f: T_url_pre) -> T_url_pre:
        """Like :meth:`url_value_preprocessor`, but for every request of the app."""
        self.record_once(lambda s: s.app.url_value_preprocessors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like :meth:`url_defaults`, but for every URL the app builds."""
        self.record_once(lambda s: s.app.url_default_functions.setdefault(None, []).append(f))
        return f

    # -- template filters, tests and globals ---------------------------------------

    def _template_decorator(self, kind: str, name: str | Callable[..., t.Any] | None) -> t.Any:
        add = getattr(self, f"add_app_template_{kind}")
        if callable(name):  # used bare: @bp.app_template_filter
            add(name)
            return name

        def decorator(f: Callable[..., t.Any]) -> Callable[..., t.Any]:
            add(f, name=name)
            return f

        return decorator

    def _add_template_item(self, kind: str, f: Callable[..., t.Any], name: str | None) -> None:
        def deferred(state: BlueprintSetupState) -> None:
            getattr(state.app, f"add_template_{kind}")(f, name=name)

        self.record_once(deferred)

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> Callable[[T_filter], T_filter]:
        """Register the decorated function as a Jinja filter of the app.

        The filter is named ``name`` or after the function.
        """
        return t.cast(Callable[[T_filter], T_filter], self._template_decorator("filter", name))

    @setupmethod
    def add_app_template_filter(self, f: TemplateFilterCallable, name: str | None = None) -> None:
        """Non-decorator form of :meth:`app_template_filter`."""
        self._add_template_item("filter", f, name)

    @setupmethod
    def app_template_test(self, name: str | None = None) -> Callable[[T_test], T_test]:
        """Register the decorated function as a Jinja test of the app."""
        return t.cast(Callable[[T_test], T_test], self._template_decorator("test", name))

    @setupmethod
    def add_app_template_test(self, f: TemplateTestCallable, name: str | None = None) -> None:
        """Non-decorator form of :meth:`app_template_test`."""
        self._add_template_item("test", f, name)

    @setupmethod
    def app_template_global(self, name: str | None = None) -> Callable[[T_global], T_global]:
        """Register the decorated function as a global of the app's templates."""
        return t.cast(Callable[[T_global], T_global], self._template_decorator("global", name))

    @setupmethod
    def add_app_template_global(self, f: TemplateGlobalCallable, name: str | None = None) -> None:
        """Non-decorator form of :meth:`app_template_global`."""
        self._add_template_item("global", f, name)

    # Kolben: Jinja has one namespace of filters, tests and globals per
    # environment, so a blueprint's own filter cannot be hidden from the
    # rest of the app. These names exist so that a filter can be declared
    # next to the blueprint's views; they do what the app_* forms do.
    template_filter = app_template_filter
    add_template_filter = add_app_template_filter
    template_test = app_template_test
    add_template_test = add_app_template_test
    template_global = app_template_global
    add_template_global = add_app_template_global

    # -- files --------------------------------------------------------------------

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Cache lifetime of the blueprint's static files (``SEND_FILE_MAX_AGE_DEFAULT``)."""
        return max_age_from_config(current_app.config["SEND_FILE_MAX_AGE_DEFAULT"])

    def send_static_file(self, filename: str) -> Response:
        """Serve ``filename`` from :attr:`static_folder` (the ``name.static`` endpoint)."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError(
                f"Blueprint {self.name!r} has no 'static_folder'; pass one to serve static files."
            )
        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(folder, filename, max_age=max_age)

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file relative to the blueprint's :attr:`root_path` for reading."""
        return super().open_resource(resource, mode, encoding)
