"""The ten signals together: Flask's names and arguments, and nothing is sent
to a signal without receivers (API.md 16)."""

from __future__ import annotations

import asyncio
import typing as t
from collections.abc import Callable, Iterator

import pytest

import kolben
from kolben import (
    Kolben,
    flash,
    render_template_string,
    signals,
)
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]

SIGNAL_NAMES = [
    "appcontext_pushed",
    "request_started",
    "message_flashed",
    "before_render_template",
    "template_rendered",
    "got_request_exception",
    "request_finished",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
]


def test_signal_names_match_flask() -> None:
    flask_signals = pytest.importorskip("flask.signals")
    for name in SIGNAL_NAMES:
        ours = getattr(kolben, name)
        assert ours is getattr(signals, name)
        assert ours.name == getattr(flask_signals, name).name


@pytest.fixture
def app(app: Kolben) -> Kolben:
    app.secret_key = "signals"

    @app.route("/page")
    def page() -> str:
        flash("hi", "info")
        return render_template_string("{{ n }}", n=1)

    @app.route("/boom")
    def boom() -> str:
        raise LookupError("boom")

    return app


@pytest.fixture
def recorded(app: Kolben) -> Iterator[list[tuple[str, dict[str, t.Any]]]]:
    events: list[tuple[str, dict[str, t.Any]]] = []
    receivers = []
    for name in SIGNAL_NAMES:

        def receiver(sender: t.Any, _name: str = name, **kwargs: t.Any) -> None:
            assert sender is app
            events.append((_name, kwargs))

        receivers.append(receiver)
        getattr(signals, name).connect(receiver, app)
    yield events
    for name, receiver in zip(SIGNAL_NAMES, receivers, strict=True):
        getattr(signals, name).disconnect(receiver)


def test_all_signals_with_flask_arguments(
    app: Kolben, make_client: MakeClient, recorded: list[tuple[str, dict[str, t.Any]]]
) -> None:
    response = make_client(app).get("/page")
    assert response.text == "1"
    names = [name for name, _ in recorded]
    assert names == [
        "appcontext_pushed",
        "request_started",
        "message_flashed",
        "before_render_template",
        "template_rendered",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    kwargs = dict(recorded)
    assert kwargs["message_flashed"] == {"message": "hi", "category": "info"}
    assert set(kwargs["before_render_template"]) == {"template", "context"}
    assert kwargs["before_render_template"]["context"]["n"] == 1
    assert kwargs["template_rendered"]["template"] is kwargs["before_render_template"]["template"]
    assert kwargs["request_finished"]["response"].status_code == 200
    assert kwargs["request_tearing_down"] == {"exc": None}
    assert kwargs["appcontext_tearing_down"] == {"exc": None}


def test_got_request_exception(
    app: Kolben, make_client: MakeClient, recorded: list[tuple[str, dict[str, t.Any]]]
) -> None:
    # Explicit: a leaked KOLBEN_DEBUG would otherwise make errors propagate.
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=False)
    assert make_client(app).get("/boom").status_code == 500
    kwargs = dict(recorded)
    assert isinstance(kwargs["got_request_exception"]["exception"], LookupError)


def test_async_receiver_of_a_template_signal(app: Kolben, make_client: MakeClient) -> None:
    seen: list[str] = []

    async def receiver(sender: Kolben, template: t.Any, context: dict[str, t.Any]) -> None:
        await asyncio.sleep(0)
        seen.append(str(context["n"]))

    with signals.template_rendered.connected_to(receiver, app):
        make_client(app).get("/page")
    assert seen == ["1"]


def test_nothing_is_sent_without_receivers(
    app: Kolben, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another test may have connected receivers before: the global switch
    # is on, yet each signal must still be skipped while it has none.
    monkeypatch.setattr(signals, "in_use", True)

    def refuse(*args: t.Any, **kwargs: t.Any) -> None:
        raise AssertionError("a signal without receivers was sent")

    for name in SIGNAL_NAMES:
        monkeypatch.setattr(getattr(signals, name), "send", refuse)
    # Explicit: a leaked KOLBEN_DEBUG would otherwise make errors propagate.
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=False)
    client = make_client(app)
    assert client.get("/page").text == "1"
    assert client.get("/boom").status_code == 500
