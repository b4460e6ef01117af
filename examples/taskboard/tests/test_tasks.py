from __future__ import annotations

from flask.testing import FlaskClient


def add(client: FlaskClient, user, title: str, notes: str = "") -> None:
    token = user.token("/")
    response = client.post("/tasks", data={"csrf_token": token, "title": title, "notes": notes})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_add_and_list(client: FlaskClient, user) -> None:
    add(client, user, "Buy <milk>", "two litres")
    add(client, user, "Write the report")
    page = client.get("/").text
    assert "Buy &lt;milk&gt;" in page
    assert "two litres" in page
    assert page.index("Buy &lt;milk&gt;") < page.index("Write the report")
    assert "Nothing to do." not in page


def test_a_task_needs_a_title(client: FlaskClient, user) -> None:
    add(client, user, "   ")
    page = client.get("/").text
    assert "A task needs a title" in page
    assert "Nothing to do." in page


def test_edit(client: FlaskClient, user) -> None:
    add(client, user, "Draft", "first notes")
    form = client.get("/tasks/1/edit")
    assert form.status_code == 200
    assert 'value="Draft"' in form.text
    assert "first notes" in form.text
    token = user.token("/tasks/1/edit")
    response = client.post(
        "/tasks/1/edit", data={"csrf_token": token, "title": "Final", "notes": "done soon"}
    )
    assert response.headers["Location"] == "/"
    page = client.get("/").text
    assert "Task saved." in page
    assert "Final" in page
    assert "Draft" not in page


def test_toggle_and_filter(client: FlaskClient, user) -> None:
    add(client, user, "Water the plants")
    add(client, user, "Call the bank")
    response = client.post("/tasks/1/toggle", data={"csrf_token": user.token("/")})
    assert response.headers["Location"] == "/"
    page = client.get("/").text
    assert 'class="task done" id="task-1"' in page
    assert 'class="task" id="task-2"' in page
    # Open tasks first, done ones after.
    assert page.index("Call the bank") < page.index("Water the plants")
    open_only = client.get("/?show=open").text
    assert "Call the bank" in open_only
    assert "Water the plants" not in open_only
    client.post("/tasks/1/toggle", data={"csrf_token": user.token("/")})
    assert "Water the plants" in client.get("/?show=open").text


def test_delete(client: FlaskClient, user) -> None:
    add(client, user, "Temporary")
    response = client.post("/tasks/1/delete", data={"csrf_token": user.token("/")})
    assert response.headers["Location"] == "/"
    page = client.get("/").text
    assert "Task deleted." in page
    assert "Temporary" not in page
    assert client.post("/tasks/1/delete", data={"csrf_token": user.token("/")}).status_code == 404


def test_tasks_are_private(client: FlaskClient, user) -> None:
    add(client, user, "Ada's secret")
    user.logout()
    user.register("bob")
    user.login("bob")
    assert "Ada's secret" not in client.get("/").text
    token = user.token("/")
    assert client.get("/tasks/1/edit").status_code == 404
    assert client.post("/tasks/1/toggle", data={"csrf_token": token}).status_code == 404
    assert client.post("/tasks/1/delete", data={"csrf_token": token}).status_code == 404
    missing = client.get("/tasks/99/edit")
    assert missing.status_code == 404
    assert "No such page." in missing.text
    user.logout()
    user.login()
    assert "Ada&#39;s secret" in client.get("/").text
