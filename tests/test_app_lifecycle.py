"""The request lifecycle, signals, contexts, globals, async and concurrency (API.md 3, 9, 16)."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
import typing as t
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from kolben import (
    Kolben,
    Response,
    after_this_request,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    copy_current_request_context,
    current_app,
    g,
    got_request_exception,
    has_app_context,
    has_request_context,
    request,
    request_finished,
    request_started,
    request_tearing_down,
    session,
)
from kolben.ctx import AppContext, RequestContext
from kolben.globals import app_ctx, request_ctx
from kolben.testing import KolbenClient, create_environ, run_wsgi_app

MakeClient = Callable[..., KolbenClient]

_SIGNALS = {
    "appcontext_pushed": appcontext_pushed,
    "request_started": request_started,
    "got_request_exception": got_request_exception,
    "request_finished": request_finished,
    "request_tearing_down": request_tearing_down,
    "appcontext_tearing_down": appcontext_tearing_down,
    "appcontext_popped": appcontext_popped,
}


@pytest.fixture
def recorded(app: Kolben) -> Iterator[list[t.Any]]:
    """Every hook and signal, recorded in order, on an app with a /<name> route."""
    events: list[t.Any] = []
    receivers: list[t.Any] = []

    for name, signal in _SIGNALS.items():

        def receiver(sender: t.Any, _name: str = name, **kwargs: t.Any) -> None:
            assert sender is app
            events.append((f"signal {_name}", kwargs))

        receivers.append(receiver)
        signal.connect(receiver, app)

    @app.url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        events.append(("url_value_preprocessor", endpoint, dict(values or {})))

    @app.before_request
    def before1() -> None:
        events.append("before_request 1")

    @app.before_request
    def before2() -> t.Any:
        events.append("before_request 2")
        return request.args.get("early")

    @app.before_request
    def before3() -> None:
        events.append("before_request 3")

    @app.after_request
    def after1(response: Response) -> Response:
        events.append("after_request 1")
        return response

    @app.after_request
    def after2(response: Response) -> Response:
        events.append("after_request 2")
        return response

    @app.teardown_request
    def teardown_request1(exc: BaseException | None) -> None:
        events.append(("teardown_request 1", exc))

    @app.teardown_request
    def teardown_request2(exc: BaseException | None) -> None:
        events.append(("teardown_request 2", exc))

    @app.teardown_appcontext
    def teardown_app1(exc: BaseException | None) -> None:
        events.append(("teardown_appcontext 1", exc))

    @app.teardown_appcontext
    def teardown_app2(exc: BaseException | None) -> None:
        events.append(("teardown_appcontext 2", exc))

    @app.route("/<name>")
    def view(name: str) -> str:
        events.append("view")

        @after_this_request
        def after_this(response: Response) -> Response:
            events.append("after_this_request")
            return response

        if name == "boom":
            raise ValueError("boom")
        return name

    yield events
    for signal in _SIGNALS.values():
        for receiver in receivers:
            signal.disconnect(receiver)


def _strip_kwargs(events: list[t.Any]) -> list[t.Any]:
    return [e[0] if isinstance(e, tuple) and e[0].startswith("signal") else e for e in events]


def test_lifecycle_order(app: Kolben, make_client: MakeClient, recorded: list[t.Any]) -> None:
    response = make_client(app).get("/x")
    assert response.status_code == 200
    assert _strip_kwargs(recorded) == [
        "signal appcontext_pushed",
        "signal request_started",
        ("url_value_preprocessor", "view", {"name": "x"}),
        "before_request 1",
        "before_request 2",
        "before_request 3",
        "view",
        "after_this_request",
        "after_request 2",
        "after_request 1",
        "signal request_finished",
        ("teardown_request 2", None),
        ("teardown_request 1", None),
        "signal request_tearing_down",
        ("teardown_appcontext 2", None),
        ("teardown_appcontext 1", None),
        "signal appcontext_tearing_down",
        "signal appcontext_popped",
    ]


def test_signal_arguments(app: Kolben, make_client: MakeClient, recorded: list[t.Any]) -> None:
    response = make_client(app).get("/x")
    signals_seen = {e[0]: e[1] for e in recorded if isinstance(e, tuple) and e[0].startswith("s")}
    assert signals_seen["signal appcontext_pushed"] == {}
    assert signals_seen["signal request_started"] == {}
    finished = signals_seen["signal request_finished"]["response"]
    assert isinstance(finished, Response)
    assert finished.status_code == response.status_code
    assert signals_seen["signal request_tearing_down"] == {"exc": None}
    assert signals_seen["signal appcontext_tearing_down"] == {"exc": None}
    assert signals_seen["signal appcontext_popped"] == {}


def test_before_request_return_skips_view(
    app: Kolben, make_client: MakeClient, recorded: list[t.Any]
) -> None:
    response = make_client(app).get("/x?early=stopped")
    assert response.text == "stopped"
    events = _strip_kwargs(recorded)
    assert "view" not in events
    assert "before_request 3" not in events
    assert "after_this_request" not in events
    index = events.index("before_request 2")
    assert events[index + 1 : index + 4] == [
        "after_request 2",
        "after_request 1",
        "signal request_finished",
    ]


def test_unhandled_exception_reaches_teardown(
    app: Kolben,
    make_client: MakeClient,
    recorded: list[t.Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app.config["TESTING"] = False
    response = make_client(app).get("/boom")
    assert response.status_code == 500
    events = _strip_kwargs(recorded)
    error = next(e[1]["exception"] for e in recorded if e[0] == "signal got_request_exception")
    assert isinstance(error, ValueError)
    # After hooks run for the 500 (after_this_request was registered too).
    assert events[events.index("view") + 1 :] == [
        "signal got_request_exception",
        "after_this_request",
        "after_request 2",
        "after_request 1",
        "signal request_finished",
        ("teardown_request 2", error),
        ("teardown_request 1", error),
        "signal request_tearing_down",
        ("teardown_appcontext 2", error),
        ("teardown_appcontext 1", error),
        "signal appcontext_tearing_down",
        "signal appcontext_popped",
    ]
    tearing = next(e[1] for e in recorded if e[0] == "signal request_tearing_down")
    assert tearing == {"exc": error}


def test_propagated_exception_reaches_teardown(
    app: Kolben, make_client: MakeClient, recorded: list[t.Any]
) -> None:
    with pytest.raises(ValueError, match="boom"):
        make_client(app).get("/boom")
    teardowns = [e for e in recorded if isinstance(e, tuple) and e[0].startswith("teardown")]
    assert len(teardowns) == 4
    assert all(isinstance(e[1], ValueError) for e in teardowns)
    assert "after_request 1" not in recorded


def test_handled_exception_gives_teardown_none(
    app: Kolben, make_client: MakeClient, recorded: list[t.Any]
) -> None:
    app.register_error_handler(ValueError, lambda e: ("handled", 400))
    response = make_client(app).get("/boom")
    assert response.text == "handled"
    assert ("teardown_request 1", None) in recorded
    assert "after_request 1" in recorded
    assert not any(e[0] == "signal got_request_exception" for e in recorded if isinstance(e, tuple))


def test_routing_error_runs_preprocessors_with_none(
    app: Kolben, make_client: MakeClient, recorded: list[t.Any]
) -> None:
    response = make_client(app).get("/a/b")
    assert response.status_code == 404
    events = _strip_kwargs(recorded)
    assert ("url_value_preprocessor", None, {}) in events
    assert "before_request 3" in events
    assert "view" not in events
    assert "after_request 1" in events


def test_teardown_return_value_is_ignored_and_errors_do_not_skip_contexts(
    app: Kolben, make_client: MakeClient
) -> None:
    app.teardown_request(lambda exc: "ignored")
    app.add_url_rule("/", "index", lambda: "ok")
    assert make_client(app).get("/").text == "ok"


def test_async_signal_receiver(app: Kolben, make_client: MakeClient) -> None:
    received: list[t.Any] = []

    async def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        await asyncio.sleep(0)
        received.append(request.path)

    app.add_url_rule("/here", "here", lambda: "ok")
    with request_started.connected_to(receiver, app):
        make_client(app).get("/here")
    assert received == ["/here"]


# -- contexts -------------------------------------------------------------------------------


def test_app_context(app: Kolben) -> None:
    assert not has_app_context()
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert app_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        assert ctx.app is app
    assert not has_app_context()


def test_test_request_context(app: Kolben) -> None:
    app.add_url_rule("/p/<int:n>", "page", methods=["GET", "POST"])
    with app.test_request_context(
        "/p/3?x=1", method="POST", headers={"X-A": "b"}, data={"f": "v"}
    ) as ctx:
        assert isinstance(ctx, RequestContext)
        assert has_request_context()
        assert has_app_context()
        assert request.method == "POST"
        assert request.args["x"] == "1"
        assert request.form["f"] == "v"
        assert request.headers["X-A"] == "b"
        assert request.endpoint == "page"
        assert request.view_args == {"n": 3}
        assert request_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        assert ctx.request is request._get_current_object()  # type: ignore[attr-defined]
    assert not has_request_context()
    assert not has_app_context()


def test_request_context_reuses_active_app_context_and_g(app: Kolben) -> None:
    with app.app_context() as outer:
        g.value = "outer"
        with app.test_request_context():
            assert app_ctx._get_current_object() is outer  # type: ignore[attr-defined]
            assert g.value == "outer"
            g.inner = True
        assert g.inner is True
    with app.app_context():
        assert "value" not in g


def test_request_context_of_another_app_pushes_its_own(app: Kolben) -> None:
    other = Kolben("other", static_folder=None)
    with app.app_context():
        g.x = 1
        with other.test_request_context():
            assert current_app._get_current_object() is other  # type: ignore[attr-defined]
            assert "x" not in g
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]


def test_nested_contexts_and_teardown_only_on_outermost(app: Kolben) -> None:
    calls: list[t.Any] = []
    app.teardown_appcontext(calls.append)
    app.teardown_request(lambda exc: calls.append(("req", exc)))
    ctx = app.app_context()
    with ctx:
        with ctx:
            pass
        assert calls == []
    assert calls == [None]
    calls.clear()
    rctx = app.test_request_context()
    with rctx:
        with rctx:
            pass
        assert calls == []
    assert calls == [("req", None), None]


def test_contexts_nest_across_requests(app: Kolben) -> None:
    with app.test_request_context("/outer"):
        with app.test_request_context("/inner"):
            assert request.path == "/inner"
        assert request.path == "/outer"


def test_popping_out_of_order(app: Kolben) -> None:
    first = app.app_context()
    second = app.app_context()
    first.push()
    second.push()
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        first.pop()
    # The wrong pop already removed the top context; restore a clean state.
    while has_app_context():
        from kolben.globals import _cv_app

        _cv_app.get().pop()


def test_popping_request_context_out_of_order(app: Kolben) -> None:
    first = app.test_request_context("/1")
    second = app.test_request_context("/2")
    first.push()
    second.push()
    with pytest.raises(AssertionError, match="Popped wrong request context"):
        first.pop()
    from kolben.globals import _cv_app, _cv_request

    while _cv_request.get(None) is not None:
        _cv_request.get().pop()
    while _cv_app.get(None) is not None:
        _cv_app.get().pop()


def test_context_exit_passes_exception_to_teardown(app: Kolben) -> None:
    seen: list[t.Any] = []
    app.teardown_appcontext(seen.append)
    app.teardown_request(seen.append)
    error = ValueError("inside")
    with pytest.raises(ValueError, match="inside"), app.test_request_context():
        raise error
    assert seen == [error, error]


def test_request_context_copy_shares_request(app: Kolben) -> None:
    with app.test_request_context("/x") as ctx:
        copied = ctx.copy()
        assert copied.request is ctx.request
        assert copied is not ctx


# -- g ---------------------------------------------------------------------------------------


def test_g_namespace(app: Kolben) -> None:
    with app.app_context():
        assert g.get("missing") is None
        assert g.get("missing", 5) == 5
        g.a = 1
        assert "a" in g
        assert "b" not in g
        assert g.setdefault("b", 2) == 2
        assert g.setdefault("b", 3) == 2
        assert sorted(g) == ["a", "b"]
        assert g.pop("a") == 1
        assert g.pop("a", "default") == "default"
        with pytest.raises(KeyError):
            g.pop("a")
        with pytest.raises(AttributeError):
            _ = g.nothing
        del g.b
        assert list(g) == []
        assert "ordertest" not in repr(g)
        assert app.name in repr(g)


def test_g_lives_as_long_as_the_app_context(app: Kolben) -> None:
    with app.app_context():
        g.x = 1
    with app.app_context():
        assert "x" not in g


def test_g_is_per_request(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    @app.route("/")
    def index() -> str:
        before = g.get("count", 0)
        g.count = before + 1
        return str(g.count)

    client = make_client(app)
    assert client.get("/").text == "1"
    assert client.get("/").text == "1"


def test_g_shared_when_request_reuses_app_context(app: Kolben) -> None:
    @app.route("/")
    def index() -> str:
        return str(g.get("outer", "none"))

    with app.app_context():
        g.outer = "from outer"
        # WSGI runs the app in the caller's context: its app context is reused.
        body, status, _ = run_wsgi_app(app, create_environ("/"))
        assert status == "200 OK"
        assert b"".join(body) == b"from outer"
        assert g.outer == "from outer"


def test_custom_app_ctx_globals_class(app: Kolben) -> None:
    from kolben.ctx import _AppCtxGlobals

    class MyG(_AppCtxGlobals):
        answer = 42

    app.app_ctx_globals_class = MyG
    with app.app_context():
        assert g.answer == 42


# -- proxies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        (current_app, "Working outside of application context"),
        (g, "Working outside of application context"),
        (request, "Working outside of request context"),
        (session, "Working outside of request context"),
    ],
    ids=["current_app", "g", "request", "session"],
)
def test_unbound_proxies(proxy: t.Any, message: str) -> None:
    assert not proxy
    with pytest.raises(RuntimeError, match=message):
        _ = proxy.anything
    with pytest.raises(RuntimeError, match=message):
        proxy._get_current_object()
    assert isinstance(repr(proxy), str)


def test_unbound_messages_are_helpful() -> None:
    with pytest.raises(RuntimeError) as info:
        _ = current_app.name
    assert "app.app_context()" in str(info.value)
    with pytest.raises(RuntimeError) as info:
        _ = request.args
    assert "test_request_context" in str(info.value)


def test_request_proxy_is_false_outside_true_inside(app: Kolben) -> None:
    assert bool(request) is False
    assert bool(current_app) is False
    with app.test_request_context():
        assert bool(request) is True
        assert bool(current_app) is True
        assert request.path == "/"


def test_request_is_unbound_with_only_app_context(app: Kolben) -> None:
    with app.app_context():
        assert not request
        with pytest.raises(RuntimeError, match="request context"):
            _ = request.path


# -- copy_current_request_context ----------------------------------------------------------------


def test_copy_current_request_context_in_thread(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    results: list[t.Any] = []

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work(suffix: str) -> None:
            results.append((request.args["q"], request.path, current_app.name, suffix))

        thread = threading.Thread(target=work, args=("!",))
        thread.start()
        thread.join()
        return "ok"

    assert make_client(app).get("/?q=hello").text == "ok"
    assert results == [("hello", "/", app.name, "!")]


def test_copy_current_request_context_async(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        async def work() -> str:
            await asyncio.sleep(0)
            return request.path

        with ThreadPoolExecutor(1) as pool:
            return t.cast(str, pool.submit(work).result())

    assert make_client(app).get("/").text == "/"


def test_copy_current_request_context_outside_request() -> None:
    with pytest.raises(RuntimeError, match="copy_current_request_context"):
        copy_current_request_context(lambda: None)


# -- with client: ----------------------------------------------------------------------------


def test_with_client_preserves_context(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/<name>")
    def index(name: str) -> str:
        g.name = name
        return name

    client = make_client(app)
    with client:
        client.get("/first?x=1")
        assert request.path == "/first"
        assert request.args["x"] == "1"
        assert g.name == "first"
        client.get("/second")
        assert request.path == "/second"
        assert "x" not in request.args
        assert g.name == "second"
    assert not has_request_context()
    assert not has_app_context()
    client.get("/third")
    assert not has_request_context()


def test_with_client_teardown_matches_flask(app: Kolben, make_client: MakeClient) -> None:
    # As in Flask 3.1: a request tears down when it ends, and its preserved
    # context (pushed again) tears down once more when it is released.
    torn_down: list[str] = []
    app.teardown_request(lambda exc: torn_down.append(request.path))
    app.add_url_rule("/<name>", "index", lambda name: name)
    client = make_client(app)
    with client:
        client.get("/first")
        assert torn_down == ["/first"]
        client.get("/second")
        assert torn_down == ["/first", "/first", "/second"]
    assert torn_down == ["/first", "/first", "/second", "/second"]


def test_with_client_cannot_nest(app: Kolben, make_client: MakeClient) -> None:
    client = make_client(app)
    with client, pytest.raises(RuntimeError, match="Cannot nest client invocations"):
        client.__enter__()


# -- async ------------------------------------------------------------------------------------


def test_async_view_and_hooks(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    calls: list[str] = []

    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        calls.append("view")
        return f"async {request.args.get('x')}"

    client = make_client(app)
    assert client.get("/?x=1").text == "async 1"
    assert calls == ["view"]


def test_async_hooks_and_handlers(app: Kolben, make_client: MakeClient) -> None:
    calls: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        calls.append("before")

    @app.after_request
    async def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-Async"] = "1"
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        calls.append("teardown")

    @app.errorhandler(ValueError)
    async def handler(e: ValueError) -> tuple[str, int]:
        calls.append("handler")
        return "handled", 400

    @app.route("/")
    async def index() -> str:
        raise ValueError

    response = make_client(app).get("/")
    assert response.status_code == 400
    assert response.headers["X-Async"] == "1"
    assert calls == ["before", "handler", "after", "teardown"]


def test_async_requests_reuse_the_event_loop(
    app: Kolben, make_client: MakeClient, pipeline: str, interface: str
) -> None:
    if interface != "wsgi":
        pytest.skip("under ASGI the server owns the event loop")

    @app.route("/")
    async def index() -> str:
        return str(id(asyncio.get_running_loop()))

    client = make_client(app)
    first = client.get("/").text
    second = client.get("/").text
    assert first == second


def test_worker_thread_event_loop_is_closed_when_the_thread_ends(
    app: Kolben, make_client: MakeClient, interface: str
) -> None:
    if interface != "wsgi":
        pytest.skip("under ASGI the server owns the event loop")
    # A threaded server starts a thread per connection: each thread's loop
    # must not outlive it (an open loop holds a socket pair).
    loops: list[asyncio.AbstractEventLoop] = []

    @app.route("/")
    async def index() -> str:
        loops.append(asyncio.get_running_loop())
        return "ok"

    client = make_client(app)
    thread = threading.Thread(target=lambda: client.get("/"))
    thread.start()
    thread.join()
    del thread
    gc.collect()
    assert len(loops) == 1
    assert loops[0].is_closed()


def test_async_view_sees_contextvars(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/<name>")
    async def index(name: str) -> dict[str, t.Any]:
        g.name = name
        await asyncio.sleep(0)
        return {"g": g.name, "path": request.path, "app": current_app.name}

    response = make_client(app).get("/ann")
    assert response.json == {"g": "ann", "path": "/ann", "app": app.name}


def test_ensure_sync_and_async_to_sync(app: Kolben) -> None:
    def plain() -> int:
        return 1

    async def coro(x: int) -> int:
        return x + 1

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(coro)(1) == 2
    assert app.async_to_sync(coro)(2) == 3


# -- concurrency ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_concurrent_requests_are_isolated(
    app: Kolben, make_client: MakeClient, pipeline: str, kind: str
) -> None:
    if kind == "sync":

        @app.route("/work")
        def work() -> str:
            token = request.args["token"]
            g.token = token
            time.sleep(0)
            return f"{g.token}|{request.args['token']}|{request.headers['X-Token']}"

    else:

        @app.route("/work")
        async def work() -> str:
            token = request.args["token"]
            g.token = token
            await asyncio.sleep(0)
            return f"{g.token}|{request.args['token']}|{request.headers['X-Token']}"

    total = 2000 if kind == "sync" else 800
    barrier = threading.Barrier(8)

    def worker(index: int) -> list[str]:
        client = make_client(app)
        barrier.wait(timeout=10)
        mismatches = []
        for n in range(index, total, 8):
            token = f"t{n}"
            response = client.get(f"/work?token={token}", headers={"X-Token": token})
            if response.text != f"{token}|{token}|{token}":
                mismatches.append(f"{token}: {response.text}")
        return mismatches

    started = time.monotonic()
    # Switch threads as often as possible, so that requests interleave.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(worker, range(8), timeout=60))
    finally:
        sys.setswitchinterval(interval)
    assert [m for r in results for m in r] == []
    assert time.monotonic() - started < 60
