"""Flask 3.1 as the oracle of the request pipeline (issue 13).

A scenario is a function ``build(m) -> app`` written against the API Kolben
shares with Flask: ``m`` is an :class:`Api` that hands out either Flask's
names or Kolben's (``m.Flask``, ``m.request``, ``m.abort``, ``m.Blueprint``,
``m.signals``, ``m.exc`` for the exception classes, ...), a call log
(``m.log``) and ``m.fn(f)``, which turns ``f`` into an ``async def`` when
the run is the async one. The scenario runs once on real Flask (its WSGI
test client) to get the expected status, body, selected headers and call
log of each request, and on Kolben under WSGI and ASGI, on the fast path
(nothing else registered) and on the hooked path (one extra
``after_request`` hook that returns the response unchanged).

Flask runs async views and hooks through ``asgiref``; when it is not
installed, :class:`_OracleFlask` runs them with ``asyncio.run`` instead
(Flask's own ``ensure_sync`` still decides what is converted). Only the
public API of both frameworks is used, so the matrix survives any
rewrite of Kolben's pipeline.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import importlib.util
import inspect
import re
import typing as t
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import flask
import flask.signals
import pytest
import werkzeug.exceptions

import kolben
import kolben.exceptions
import kolben.signals

# The compatibility mode maps ``flask`` onto Kolben: there is no oracle then.
if flask.Flask is kolben.Kolben:  # pragma: no cover
    pytest.skip("Flask is Kolben here (compatibility mode)", allow_module_level=True)

HAS_ASGIREF = importlib.util.find_spec("asgiref") is not None


class _OracleFlask(flask.Flask):
    """Flask itself, able to run ``async def`` callables without asgiref."""

    def async_to_sync(self, func: Callable[..., t.Any]) -> Callable[..., t.Any]:
        if HAS_ASGIREF:
            return super().async_to_sync(func)

        def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
            # asyncio.run copies the current context, so request and g work.
            return asyncio.run(func(*args, **kwargs))

        return run


@dataclass
class Api:
    """The names a scenario uses, from one framework, plus the call log."""

    name: str
    aio: bool
    Flask: type[t.Any]
    Blueprint: type[t.Any]
    request: t.Any
    g: t.Any
    abort: Callable[..., t.NoReturn]
    after_this_request: Callable[..., t.Any]
    url_for: Callable[..., str]
    stream_with_context: Callable[..., t.Any]
    Response: type[t.Any]
    signals: t.Any
    exc: t.Any
    log: list[str] = field(default_factory=list)
    receivers: list[tuple[t.Any, Callable[..., t.Any]]] = field(default_factory=list)

    def fn(self, func: Callable[..., t.Any], other_kind: bool = False) -> Callable[..., t.Any]:
        """``func`` as is, or as an ``async def`` of the same name in the async run.

        ``other_kind``: the other way round (``async def`` in the sync run),
        for hooks of the other kind than the views.
        """
        if self.aio == other_kind:
            return func

        async def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return func(*args, **kwargs)

        wrapper.__name__ = func.__name__
        wrapper.__qualname__ = func.__qualname__
        return wrapper

    def connect(self, signal_name: str, receiver: Callable[..., t.Any], sender: t.Any) -> None:
        """Connect ``receiver`` to a signal (strongly; disconnected after the run)."""
        signal = getattr(self.signals, signal_name)
        signal.connect(receiver, sender, weak=False)
        self.receivers.append((signal, receiver))

    def disconnect_all(self) -> None:
        for signal, receiver in self.receivers:
            signal.disconnect(receiver)
        self.receivers.clear()


def flask_api(aio: bool) -> Api:
    return Api(
        name="flask",
        aio=aio,
        Flask=_OracleFlask,
        Blueprint=flask.Blueprint,
        request=flask.request,
        g=flask.g,
        abort=flask.abort,
        after_this_request=flask.after_this_request,
        url_for=flask.url_for,
        stream_with_context=flask.stream_with_context,
        Response=flask.Response,
        signals=flask.signals,
        exc=werkzeug.exceptions,
    )


def kolben_api(aio: bool) -> Api:
    return Api(
        name="kolben",
        aio=aio,
        Flask=kolben.Kolben,
        Blueprint=kolben.Blueprint,
        request=kolben.request,
        g=kolben.g,
        abort=kolben.abort,
        after_this_request=kolben.after_this_request,
        url_for=kolben.url_for,
        stream_with_context=kolben.stream_with_context,
        Response=kolben.Response,
        signals=kolben.signals,
        exc=kolben.exceptions,
    )


@dataclass(frozen=True, eq=False)
class Scenario:
    """One app and the requests sent to it; ``build(m)`` returns the app."""

    id: str
    build: Callable[[Api], t.Any]
    # (method, path), or (step(m, app), name) to run between two requests.
    requests: Sequence[tuple[t.Any, str]] = (("GET", "/"),)
    config: dict[str, t.Any] = field(default_factory=dict)
    # Adjusts Flask's outcome where Kolben's documented behaviour differs on
    # purpose: (outcome, interface, aio) -> outcome. Every use says why.
    adjust: Callable[[list[dict[str, t.Any]], str, bool], list[dict[str, t.Any]]] | None = None


def scenario(
    requests: Sequence[tuple[t.Any, str]] = (("GET", "/"),), **config: t.Any
) -> Callable[[Callable[[Api], t.Any]], Scenario]:
    """Decorator: a ``build`` function becomes a :class:`Scenario` named after it."""

    def decorate(build: Callable[[Api], t.Any]) -> Scenario:
        return Scenario(build.__name__.removeprefix("s_"), build, tuple(requests), config)

    return decorate


def app_of(m: Api, app_class: type[t.Any] | None = None) -> t.Any:
    """A new app of the scenario's framework (or of a subclass of its app class)."""
    return (app_class or m.Flask)("matrix_app", root_path="/nonexistent-matrix-root")


def add_view(
    m: Api, target: t.Any, rule: str, name: str, func: Callable[..., t.Any], **options: t.Any
) -> None:
    """Register ``func`` (an ``async def`` in the async run) as endpoint ``name``."""
    func.__name__ = name
    target.add_url_rule(rule, name, m.fn(func), **options)


_STOCK_PAGE = re.compile(rb"^<!doctype html>\n<html lang=en>\n<title>", re.I)
_COMPARED_HEADERS = ("allow", "location", "content-type")


def _normalize_body(body: bytes) -> str:
    # The stock error and redirect pages are worded differently (Werkzeug's
    # redirect page is titled "Redirecting..."); the status tells them apart.
    if _STOCK_PAGE.match(body) is not None:
        return "<stock page>"
    return body.decode("utf-8", "replace")


def _headers(headers: t.Any) -> dict[str, str]:
    picked: dict[str, str] = {}
    for key, value in headers.items():
        name = key.lower()
        if name in _COMPARED_HEADERS or name.startswith("x-"):
            if name == "allow":
                value = ", ".join(sorted(v.strip() for v in value.split(",")))
            picked[name] = value
    return picked


def _send(client: t.Any, m: Api, method: str, path: str) -> dict[str, t.Any]:
    start = len(m.log)
    try:
        response = client.open(path, method=method)
    except Exception as e:
        outcome: dict[str, t.Any] = {"raised": type(e).__name__}
    else:
        outcome = {
            "status": response.status_code,
            "body": _normalize_body(response.get_data()),
            "headers": _headers(response.headers),
        }
        response.close()
    outcome["request"] = f"{method} {path}"
    outcome["log"] = m.log[start:]
    return outcome


def _step(m: Api, app: t.Any, action: Callable[[Api, t.Any], None], name: str) -> dict[str, t.Any]:
    """Run a step between two requests (patch the app, change its config)."""
    start = len(m.log)
    outcome: dict[str, t.Any] = {"step": name}
    try:
        action(m, app)
    except Exception as e:
        outcome["raised"] = type(e).__name__
    outcome["log"] = m.log[start:]
    return outcome


def _run(
    sc: Scenario, m: Api, client_factory: Callable[[t.Any], t.Any], hooked: bool
) -> list[dict[str, t.Any]]:
    try:
        app = sc.build(m)
        # The 500s' tracebacks (log_exception still runs; the logger is quiet).
        app.logger.disabled = True
        app.config.update({"TESTING": True, **sc.config})
        if hooked:
            app.after_request(lambda response: response)
        client = client_factory(app)
        results = []
        for method, path in sc.requests:
            if callable(method):
                results.append(_step(m, app, method, path))
            else:
                results.append(_send(client, m, method, path))
        return results
    finally:
        m.disconnect_all()


@functools.cache
def _flask_outcome_cached(sc: Scenario, aio: bool, hooked: bool) -> list[dict[str, t.Any]]:
    return _run(sc, flask_api(aio), lambda app: app.test_client(), hooked)


def flask_outcome(sc: Scenario, aio: bool, hooked: bool = False) -> list[dict[str, t.Any]]:
    """What Flask does: one dict per request (status, body, headers, log).

    ``hooked``: with the extra ``after_request`` hook, which a scenario that
    logs every callable passed to ``ensure_sync`` sees.
    """
    # A copy, so that no adjustment alters the expectation another test shares.
    return copy.deepcopy(_flask_outcome_cached(sc, aio, hooked))


def outcomes(
    sc: Scenario,
    aio: bool,
    path: str,
    make_client: Callable[..., t.Any],
    interface: str,
) -> tuple[list[dict[str, t.Any]], list[dict[str, t.Any]]]:
    """Run ``sc`` on Kolben (``path`` is "fast" or "hooked"): (Kolben's, Flask's).

    The test module asserts their equality, so that pytest shows the diff.
    """
    expected = flask_outcome(sc, aio, hooked=path == "hooked")
    if sc.adjust is not None:
        expected = sc.adjust(expected, interface, aio)
    got = _run(sc, kolben_api(aio), make_client, hooked=path == "hooked")
    return got, expected


def summarize(value: t.Any) -> str:
    """A framework-neutral short name for a pipeline argument or result."""
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, BaseException):
        return type(value).__name__
    if isinstance(value, (flask.Response, kolben.Response)):
        return f"Response({value.status_code})"
    if isinstance(value, (flask.Request, kolben.Request)):
        return "Request"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return f"exc_info({type(value[1]).__name__})"
    if callable(value):
        return f"callable:{getattr(value, '__name__', type(value).__name__)}"
    return type(value).__name__


def call_summary(name: str, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> str:
    """``name(arg, ...)`` with the arguments bound to Flask's signature of ``name``.

    Binding to the signature makes a call with a keyword argument and one
    with the same argument by position log the same line.
    """
    signature = inspect.signature(getattr(flask.Flask, name))
    bound = signature.bind(None, *args, **kwargs)
    bound.apply_defaults()
    shown = [summarize(v) for k, v in bound.arguments.items() if k != "self"]
    return f"{name}({', '.join(shown)})"
