"""Shared fixtures.

Behaviour tests build a tiny app inline and talk to it through
``make_client(app)``, which runs every case under each interface Kolben
serves (the ``interface`` parameter), so WSGI and ASGI can never drift.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterator

import pytest

from kolben import Kolben
from kolben.globals import _cv_app, _cv_request
from kolben.testing import KolbenClient

INTERFACES = ["wsgi", "asgi"]


@pytest.fixture(params=INTERFACES)
def interface(request: pytest.FixtureRequest) -> str:
    """The server interface a behaviour test runs under."""
    return t.cast(str, request.param)


@pytest.fixture
def make_client(interface: str) -> Callable[..., KolbenClient]:
    """``make_client(app, **kw)``: a test client speaking ``interface`` to ``app``."""

    def factory(app: Kolben, **kwargs: t.Any) -> KolbenClient:
        return app.test_client(interface=interface, **kwargs)

    return factory


@pytest.fixture
def app() -> Kolben:
    """A fresh app with testing on."""
    app = Kolben("kolben_test_app", root_path="/nonexistent-kolben-root")
    app.config["TESTING"] = True
    return app


@pytest.fixture(autouse=True)
def _no_context_left_behind() -> Iterator[None]:
    """Fail any test that leaves an app or request context pushed."""
    yield
    leaked_request = _cv_request.get(None)
    leaked_app = _cv_app.get(None)
    if leaked_request is not None or leaked_app is not None:
        while _cv_request.get(None) is not None:
            _cv_request.get().pop()
        while _cv_app.get(None) is not None:
            _cv_app.get().pop()
        pytest.fail(f"The test left a context pushed: {leaked_request or leaked_app!r}")


@pytest.fixture(params=["fast", "hooked"])
def pipeline(request: pytest.FixtureRequest, app: Kolben) -> str:
    """Run a case on the hook-less fast path and on the general path.

    Whether an app takes the fast path is decided per app (its plan), so a
    receiver another test connected for its own app changes nothing here.
    """
    if request.param == "hooked":
        app.after_request(lambda response: response)
    return t.cast(str, request.param)
