"""The JSON API: async views."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

needs_async_views = pytest.mark.usefixtures("async_views")


def add(client: FlaskClient, user, title: str) -> None:
    client.post("/tasks", data={"csrf_token": user.token("/"), "title": title})


@needs_async_views
def test_list(client: FlaskClient, user) -> None:
    assert client.get("/api/tasks").json == {"tasks": []}
    add(client, user, "One")
    add(client, user, "Two")
    client.post("/tasks/2/toggle", data={"csrf_token": user.token("/")})
    assert client.get("/api/tasks").json == {
        "tasks": [
            {"id": 1, "title": "One", "notes": "", "done": False},
            {"id": 2, "title": "Two", "notes": "", "done": True},
        ]
    }
    assert [task["id"] for task in client.get("/api/tasks?done=1").json["tasks"]] == [2]
    assert [task["id"] for task in client.get("/api/tasks?done=0").json["tasks"]] == [1]


@needs_async_views
def test_set_done_with_the_csrf_header(client: FlaskClient, user) -> None:
    add(client, user, "One")
    headers = {"X-CSRFToken": user.token("/")}
    response = client.post("/api/tasks/1/done", json={"done": True}, headers=headers)
    assert response.status_code == 200
    assert response.json == {"id": 1, "title": "One", "notes": "", "done": True}
    assert 'class="task done" id="task-1"' in client.get("/").text

    assert client.post("/api/tasks/1/done", json={"done": False}).status_code == 400
    bad = client.post("/api/tasks/1/done", json={"done": "yes"}, headers=headers)
    assert bad.status_code == 400
    assert bad.json == {"error": 'Send {"done": true} or {"done": false}.'}
    assert client.post("/api/tasks/7/done", json={"done": True}, headers=headers).status_code == 404


@needs_async_views
def test_other_users_tasks_are_missing(client: FlaskClient, user) -> None:
    add(client, user, "Ada's")
    user.logout()
    user.register("bob")
    user.login("bob")
    assert client.get("/api/tasks").json == {"tasks": []}
    headers = {"X-CSRFToken": user.token("/")}
    assert client.post("/api/tasks/1/done", json={"done": True}, headers=headers).status_code == 404


def test_login_required(client: FlaskClient) -> None:
    response = client.get("/api/tasks")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
