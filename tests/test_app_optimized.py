"""Everything works under ``python -O`` (SECURITY.md "Faults"): no assert does real work."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import kolben

# Checks use `check()`, not assert: under -O an assert would be stripped.
SCRIPT = textwrap.dedent(
    """
    import sys

    if sys.flags.optimize < 1:
        sys.exit("not running under -O")

    from kolben import Kolben, abort, jsonify, request, url_for, websocket
    from kolben.exceptions import HTTPException, NotFound

    failures = []

    def check(condition, what):
        if not condition:
            failures.append(what)

    def expect(exc_type, func, what):
        try:
            func()
        except exc_type as e:
            return e
        failures.append(f"{what}: {exc_type.__name__} not raised")
        return None

    def build():
        app = Kolben("optimized_app", static_folder=None)

        @app.route("/user/<int:uid>")
        def user(uid):
            return {"uid": uid, "self": url_for("user", uid=uid)}

        @app.route("/dir/")
        def directory():
            return "dir"

        @app.route("/abort/<int:code>")
        def aborting(code):
            abort(code)

        @app.route("/boom")
        def boom():
            raise ZeroDivisionError("x")

        @app.route("/none")
        def none():
            return None

        @app.route("/jsonify")
        def json_view():
            return jsonify(1, 2)

        @app.errorhandler(404)
        def not_found(e):
            return f"missing {request.path}", 404

        return app

    for hooked, interface in ((False, "wsgi"), (True, "wsgi"), (False, "asgi"), (True, "asgi")):
        app = build()
        if hooked:
            app.after_request(lambda response: response)
        client = app.test_client(interface=interface)
        r = client.get("/user/7")
        check(r.status_code == 200 and r.get_json() == {"uid": 7, "self": "/user/7"}, "route")
        check(client.get("/nope").text == "missing /nope", "404 handler")
        check(client.get("/dir").status_code == 308, "slash redirect")
        r = client.post("/user/7")
        check(r.status_code == 405 and "GET" in r.headers["Allow"], "405")
        check(client.open("/user/7", method="PROPFIND").status_code == 405, "odd method")
        check(client.options("/user/7").status_code == 200, "options")
        check(client.get("/abort/403").status_code == 403, "abort")
        check(client.get("/jsonify").data == b"[1,2]\\n", "jsonify")
        check(client.get("/boom").status_code == 500, "500")
        check(client.get("/none").status_code == 500, "None is a 500")
        check(client.get("/user/8").status_code == 200, "serves after a fault")

        e = expect(AssertionError, lambda: app.add_url_rule("/late", "late", lambda: ""), "setup")
        check(e is not None and "add_url_rule" in str(e), "setup message")
        e = expect(
            AssertionError,
            lambda: app.add_url_rule("/user2/<int:uid>", "user", lambda uid: ""),
            "overwrite",
        )
        app2 = build()
        e = expect(
            AssertionError,
            lambda: app2.add_url_rule("/x", "user", lambda: ""),
            "overwriting endpoint",
        )
        check(e is not None and "overwriting" in str(e), "overwrite message")

    expect(
        TypeError,
        lambda: Kolben("x", static_folder=None).route("/", methods="GET")(lambda: ""),
        "methods as str",
    )
    expect(ValueError, lambda: Kolben("x", instance_path="rel"), "relative instance path")
    expect(AssertionError, lambda: Kolben("x", host_matching=True), "static_host")
    expect(NotFound, lambda: abort(404), "abort outside app")
    expect(ValueError, lambda: Kolben("x").register_error_handler(999, print), "code")

    ws_app = Kolben("ws", static_folder=None)

    @ws_app.websocket("/ws/<room>")
    async def chat(room):
        await websocket.send(room + ":" + await websocket.receive())

    @ws_app.route("/async")
    async def async_view():
        return {"json": await request.get_json_async()}

    with ws_app.test_client().websocket("/ws/lobby") as ws:
        ws.send("hi")
        check(ws.receive() == "lobby:hi", "websocket")
    check(
        ws_app.test_client(interface="asgi").get("/async", json=[1]).get_json() == {"json": [1]},
        "async view",
    )

    app = Kolben("trusted", static_folder=None)
    app.config["TRUSTED_HOSTS"] = ["good.example"]
    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    check(client.get("/", base_url="http://evil.example").status_code == 400, "trusted hosts")
    check(client.get("/", base_url="http://good.example").text == "ok", "trusted host ok")

    if failures:
        sys.exit("FAILED: " + "; ".join(failures))
    print("all good")
    """
)


def test_app_works_under_python_dash_o() -> None:
    result = subprocess.run(
        [sys.executable, "-O", "-W", "error", "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "all good"


def test_no_assert_statements_in_the_package() -> None:
    package = Path(kolben.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found.extend(
            f"{path.relative_to(package)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Assert)
        )
    assert found == []
