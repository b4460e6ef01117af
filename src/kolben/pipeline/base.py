"""The attributes every part of the pipeline relies on (layer 4).

The pipeline is one class, :class:`~kolben.pipeline.Dispatcher`, built
from a chain of small classes, one job each (matching, responses, errors,
the primitives that call user code, the flow, the two entry points). This
is the bottom of that chain: it names what the app provides.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from .. import signals
from ..ctx import AppContext, RequestContext
from ..scaffold import Scaffold
from ..urlbuilding import URLBuildingMixin
from ..wrappers import Request, Response
from .plan import Plan

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Kolben

__all__ = ["PipelineBase"]


class PipelineBase(URLBuildingMixin, Scaffold):
    """What the pipeline reads from the app (see :class:`kolben.Kolben`)."""

    config: t.Any
    url_map: t.Any
    request_class: type[Request]
    response_class: type[Response]
    json: t.Any
    logger: t.Any
    debug: bool
    testing: bool
    session_interface: t.Any
    teardown_appcontext_funcs: list[Callable[[BaseException | None], t.Any]]
    subdomain_matching: bool
    before_serving_funcs: list[Callable[[], t.Any]]
    after_serving_funcs: list[Callable[[], t.Any]]
    log_exception: Callable[[t.Any], None]
    _plan: Plan | None
    _got_first_request: bool
    _async_cache: dict[t.Any, bool]

    def request_context(self, environ: dict[str, t.Any]) -> RequestContext:
        """A new request context for a WSGI ``environ``."""
        return RequestContext(t.cast("Kolben", self), environ)

    def app_context(self) -> AppContext:
        """A new application context: ``with app.app_context(): ...``."""
        return AppContext(t.cast("Kolben", self))

    def _get_plan(self) -> Plan:
        """The app's current plan (made again when its inputs changed)."""
        plan = self._plan
        if plan is None or plan.generation != signals.generation:
            plan = self._make_plan()
        return plan

    def _make_plan(self) -> Plan:
        raise NotImplementedError

    def _setup_changed(self) -> None:
        self._plan = None
