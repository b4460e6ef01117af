"""Where the pipeline may skip steps is decided per app, by identity (issue 13).

These check the decision itself (``Plan``); tests/test_pipeline_matrix_*.py
check that every path gives Flask's answers whatever the decision.
"""

from __future__ import annotations

import typing as t

import pytest

from kolben import Kolben, signals


def _app(name: str = "plan_app") -> Kolben:
    app = Kolben(name, root_path="/nonexistent-kolben-root")

    @app.get("/")
    async def index() -> str:
        return "ok"

    return app


def _serve(app: Kolben, interface: str) -> None:
    response = app.test_client(interface=interface).get("/")
    assert response.data == b"ok"


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_stock_app_without_hooks_takes_the_fast_path(interface: str) -> None:
    app = _app()
    _serve(app, interface)
    plan = app._get_plan()
    assert plan.stock
    assert plan.fast
    assert not plan.signals


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_receiver_for_another_app_leaves_this_app_fast(interface: str) -> None:
    app, other = _app("plan_one"), _app("plan_two")
    seen: list[t.Any] = []

    def receiver(sender: t.Any, **extra: t.Any) -> None:
        seen.append(sender)

    signals.request_started.connect(receiver, sender=other)
    try:
        _serve(app, interface)
        _serve(other, interface)
        assert app._get_plan().fast
        assert not other._get_plan().fast
        assert other._get_plan().signals
        assert seen == [other]
    finally:
        signals.request_started.disconnect(receiver, sender=other)
    # Disconnecting puts the other app back on the fast path.
    assert other._get_plan().fast


def test_a_receiver_for_any_sender_reaches_every_app() -> None:
    app = _app()
    _serve(app, "wsgi")
    assert app._get_plan().fast
    seen: list[t.Any] = []

    def receiver(sender: t.Any, **extra: t.Any) -> None:
        seen.append(sender)

    signals.request_finished.connect(receiver)
    try:
        _serve(app, "asgi")
        assert seen == [app]
        assert not app._get_plan().fast
    finally:
        signals.request_finished.disconnect(receiver)


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_an_instance_patch_after_the_first_request_applies(interface: str) -> None:
    app = _app()
    _serve(app, interface)
    assert app._get_plan().stock
    original = app.process_response

    def process_response(response: t.Any) -> t.Any:
        response = original(response)
        response.headers["X-Patched"] = "yes"
        return response

    app.process_response = process_response  # type: ignore[method-assign]
    plan = app._get_plan()
    assert plan.overridden == ("process_response",)
    assert not plan.fast
    assert app.test_client(interface=interface).get("/").headers["X-Patched"] == "yes"
    del app.process_response
    assert app._get_plan().stock


def test_a_subclass_override_is_found_by_identity() -> None:
    class Custom(Kolben):
        def handle_http_exception(self, e: t.Any) -> t.Any:
            return super().handle_http_exception(e)

    app = Custom("plan_custom", root_path="/nonexistent-kolben-root")
    assert app._get_plan().overridden == ("handle_http_exception",)
    assert not app._get_plan().stock


def test_the_asgi_callable_keeps_its_app_alive() -> None:
    import asyncio
    import gc

    def make() -> t.Any:
        return _app("plan_alive").asgi  # the app itself is referenced nowhere else

    asgi = make()
    gc.collect()
    sent: list[t.Any] = []

    async def receive() -> dict[str, t.Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(asgi(scope, receive, send))
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"ok"
    assert asgi is asgi.app.asgi


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize("aio", [False, True], ids=["def", "async"])
def test_an_error_page_of_its_own_still_gets_the_environ(interface: str, aio: bool) -> None:
    # The stock error page is built without an environ under ASGI; an
    # HTTPException class with its own description reads it, as in Werkzeug.
    from kolben import abort
    from kolben.exceptions import HTTPException

    class Gone(HTTPException):
        code = 410

        def get_description(self, environ: t.Any = None, scope: t.Any = None) -> str:
            return f"<p>gone from {environ['PATH_INFO']}</p>"

    app = Kolben("plan_error_page", root_path="/nonexistent-kolben-root")

    def sync_view() -> str:
        raise Gone()

    async def async_view() -> str:
        raise Gone()

    app.add_url_rule("/old", "old", async_view if aio else sync_view)

    @app.get("/stock")
    def stock() -> str:
        abort(404)

    client = app.test_client(interface=interface)
    response = client.get("/old")
    assert response.status_code == 410
    assert "gone from /old" in response.text
    assert client.get("/stock").status_code == 404


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_a_request_is_freed_without_the_garbage_collector(interface: str) -> None:
    # No reference cycle per request (a scope request's headers once held
    # their request): the request goes as soon as the response is sent.
    import gc
    import weakref

    from kolben import request

    app = Kolben("plan_no_cycle", root_path="/nonexistent-kolben-root")
    refs: list[weakref.ref[t.Any]] = []

    @app.get("/")
    async def index() -> str:
        current = request._get_current_object()  # type: ignore[attr-defined]
        refs.append(weakref.ref(current))
        token, arg = request.headers.get("X-Token"), request.args.get("a")
        return f"{token} {arg} {request.cookies.get('c')}"

    client = app.test_client(interface=interface, use_cookies=False)
    client.get("/")  # the first request makes the app's plan
    refs.clear()
    gc.collect()
    gc.disable()
    try:
        answer = client.get("/?a=1", headers={"X-Token": "t", "Cookie": "c=1"})
        assert answer.text == "t 1 1"
        assert refs[0]() is None
    finally:
        gc.enable()
