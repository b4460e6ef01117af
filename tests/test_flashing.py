"""``flash`` and ``get_flashed_messages`` (API.md 12, the ``message_flashed`` signal)."""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import pytest
from markupsafe import Markup

from kolben import (
    Kolben,
    flash,
    get_flashed_messages,
    message_flashed,
    redirect,
    render_template_string,
    session,
    url_for,
)
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


@pytest.fixture
def app(app: Kolben) -> Kolben:
    app.secret_key = "flash-key"

    @app.post("/save")
    def save() -> t.Any:
        flash("Saved.")
        flash("Disk almost full", "warning")
        flash(Markup("<b>Bold</b> news"), "info")
        flash("Bad <input>", "error")
        return redirect(url_for("show"))

    @app.route("/show")
    def show() -> t.Any:
        return {"messages": get_flashed_messages()}

    @app.route("/categories")
    def categories() -> t.Any:
        return {"messages": get_flashed_messages(with_categories=True)}

    @app.route("/filtered")
    def filtered() -> t.Any:
        return {
            "problems": get_flashed_messages(category_filter=["warning", "error"]),
            "info": get_flashed_messages(with_categories=True, category_filter=("info",)),
            "all": get_flashed_messages(),
        }

    return app


def test_messages_are_shown_once(app: Kolben, make_client: MakeClient) -> None:
    client = make_client(app)
    response = client.post("/save", follow_redirects=True)
    assert response.json == {
        "messages": ["Saved.", "Disk almost full", "<b>Bold</b> news", "Bad <input>"]
    }
    assert client.get("/show").json == {"messages": []}


def test_with_categories(app: Kolben, make_client: MakeClient) -> None:
    client = make_client(app)
    client.post("/save")
    assert client.get("/categories").json == {
        "messages": [
            ["message", "Saved."],
            ["warning", "Disk almost full"],
            ["info", "<b>Bold</b> news"],
            ["error", "Bad <input>"],
        ]
    }


def test_category_filter_and_repeated_calls(app: Kolben, make_client: MakeClient) -> None:
    client = make_client(app)
    client.post("/save")
    # Every call in the request sees the same messages; the filter only narrows.
    assert client.get("/filtered").json == {
        "problems": ["Disk almost full", "Bad <input>"],
        "info": [["info", "<b>Bold</b> news"]],
        "all": ["Saved.", "Disk almost full", "<b>Bold</b> news", "Bad <input>"],
    }
    assert client.get("/show").json == {"messages": []}


def test_flashes_in_templates_are_escaped_unless_markup(
    app: Kolben, make_client: MakeClient
) -> None:
    @app.route("/page")
    def page() -> str:
        return render_template_string(
            "{% for category, m in get_flashed_messages(with_categories=true) %}"
            "<p class={{ category }}>{{ m }}</p>{% endfor %}"
        )

    client = make_client(app)
    client.post("/save")
    assert client.get("/page").text == (
        "<p class=message>Saved.</p><p class=warning>Disk almost full</p>"
        "<p class=info><b>Bold</b> news</p><p class=error>Bad &lt;input&gt;</p>"
    )


def test_flash_and_read_in_the_same_request(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/now")
    def now() -> t.Any:
        flash("one")
        first = get_flashed_messages()
        flash("two")  # after the messages were taken: kept for the next request
        return {"first": first, "again": get_flashed_messages()}

    client = make_client(app)
    assert client.get("/now").json == {"first": ["one"], "again": ["one"]}
    assert client.get("/show").json == {"messages": ["two"]}


def test_reading_no_messages_leaves_the_session_alone(app: Kolben, make_client: MakeClient) -> None:
    client = make_client(app)
    client.get("/show")  # no session cookie yet
    response = client.get("/show")
    assert response.headers.getlist("Set-Cookie") == []
    with client.session_transaction() as sess:
        sess["user"] = "kept"
    client.post("/save")
    client.get("/show")
    with client.session_transaction() as sess:
        assert dict(sess) == {"user": "kept"}


def test_flashed_messages_are_tuples_in_the_session(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/raw")
    def raw() -> str:
        flash("x", "c")
        return repr(session["_flashes"])

    assert make_client(app).get("/raw").text == "[('c', 'x')]"


def test_message_flashed_signal(app: Kolben, make_client: MakeClient) -> None:
    recorded: list[tuple[t.Any, dict[str, t.Any]]] = []

    def receiver(sender: Kolben, **kwargs: t.Any) -> None:
        recorded.append((sender, kwargs))

    with message_flashed.connected_to(receiver, app):
        make_client(app).post("/save")
    assert [kw for _sender, kw in recorded] == [
        {"message": "Saved.", "category": "message"},
        {"message": "Disk almost full", "category": "warning"},
        {"message": Markup("<b>Bold</b> news"), "category": "info"},
        {"message": "Bad <input>", "category": "error"},
    ]
    assert all(sender is app for sender, _kw in recorded)


def test_flash_needs_a_secret_key(app: Kolben, make_client: MakeClient) -> None:
    app.secret_key = None
    with pytest.raises(RuntimeError, match="no secret key"):
        make_client(app).post("/save")
    assert make_client(app).get("/show").json == {"messages": []}


def test_flashing_needs_a_request(app: Kolben) -> None:
    with app.app_context():
        with pytest.raises(RuntimeError, match="request"):
            get_flashed_messages()
        with pytest.raises(RuntimeError, match="request"):
            flash("x")
