"""The same four endpoints written idiomatically for each WSGI framework.

A  GET /                              plaintext
B  GET /json                          a small JSON object
C  GET /users/123/posts/hello-world   the 102nd route, after /r0/<int> .. /r99/<int>
D  GET /query?a=1&b=2                 two query arguments and one header
F  POST /form                         a urlencoded form of five fields, all read

and for ``instructions.py`` (registered after C's route, so C stays the 102nd):

A' GET /response                      an explicit ``Response(text, mimetype="text/plain")``
E  GET /page?name=<script>...         bench/templates/page.html: a layout, a 10-row loop
G  GET /count with a session cookie   read a counter, write it back (a new cookie)

Frameworks without sessions (Falcon) have no G route.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

N_FILLER = 100
HELLO = "Hello, World!"
#: Case F: what a browser sends for a small sign-up form (escapes included).
FORM_BODY = b"name=Ada+Lovelace&email=ada%40example.com&age=36&city=London&note=Hello%2C+World%21"
FORM_FIELDS = ("name", "email", "age", "city", "note")
FORM_ECHO = b"Ada Lovelace|ada@example.com|36|London|Hello, World!"
#: Cases E and G: the templates' folder, the user string to escape, the rows.
TEMPLATES = str(Path(__file__).resolve().parent / "templates")
USER = "<script>alert('x')</script>"
ITEMS = [
    {"id": i, "name": f"Product {i} & co", "price": 9.5 + i * 3.25, "stock": (i * 7) % 4}
    for i in range(1, 11)
]
SECRET_KEY = "bench-secret-key-0123456789"


def jinja_env() -> t.Any:
    """A plain Jinja2 environment on TEMPLATES, for peers without their own."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False
    )


def _filler_view(id: int) -> str:
    return str(id)


def kolben_app(cls: t.Any = None) -> t.Any:
    from kolben import Kolben, Response, render_template, request, session

    if cls is None:
        app = Kolben("bench_kolben", template_folder=TEMPLATES)
    else:
        from flask import Response, render_template, request, session

        app = cls("bench_flask", template_folder=TEMPLATES)
    app.secret_key = SECRET_KEY

    @app.route("/")
    def plaintext() -> str:
        return HELLO

    @app.route("/json")
    def json_view() -> dict[str, str]:
        return {"message": HELLO}

    for i in range(N_FILLER):
        app.add_url_rule(f"/r{i}/<int:id>", f"r{i}", _filler_view)

    @app.route("/users/<int:user_id>/posts/<slug>")
    def user_post(user_id: int, slug: str) -> str:
        return f"{user_id}:{slug}"

    @app.route("/query")
    def query() -> str:
        args = request.args
        return f"{args.get('a')},{args.get('b')},{request.headers.get('X-Token')}"

    @app.post("/form")
    def form() -> str:
        data = request.form
        return "|".join(data[name] for name in FORM_FIELDS)

    @app.route("/response")
    def response() -> t.Any:
        return Response(HELLO, mimetype="text/plain")

    @app.route("/page")
    def page() -> str:
        return render_template("page.html", user=request.args.get("name"), items=ITEMS)

    @app.route("/json-text")
    def json_text() -> dict[str, t.Any]:
        # Case I (instructions.py): text and a None that look like the floats
        # orjson writes differently; the provider must not encode twice.
        return {"message": HELLO, "email": "e-mail: ada@example.com", "note": None}

    @app.route("/count")
    def count() -> str:
        n = session.get("n", 0) + 1
        session["n"] = n
        return str(n)

    return app


def flask_app() -> t.Any:
    from flask import Flask

    return kolben_app(Flask)


def bottle_app() -> t.Any:
    import bottle

    app = bottle.Bottle()

    @app.route("/")
    def plaintext() -> str:
        return HELLO

    @app.route("/json")
    def json_view() -> dict[str, str]:
        return {"message": HELLO}

    for i in range(N_FILLER):
        app.route(f"/r{i}/<id:int>", callback=_filler_view)

    @app.route("/users/<user_id:int>/posts/<slug>")
    def user_post(user_id: int, slug: str) -> str:
        return f"{user_id}:{slug}"

    @app.route("/query")
    def query() -> str:
        q = bottle.request.query
        return f"{q.get('a')},{q.get('b')},{bottle.request.headers.get('X-Token')}"

    @app.post("/form")
    def form() -> str:
        data = bottle.request.forms
        return "|".join(data.getunicode(name) for name in FORM_FIELDS)

    @app.route("/response")
    def response() -> t.Any:
        return bottle.HTTPResponse(HELLO, headers={"Content-Type": "text/plain"})

    env = jinja_env()

    @app.route("/page")
    def page() -> str:
        return env.get_template("page.html").render(user=bottle.request.query.name, items=ITEMS)

    @app.route("/count")
    def count() -> str:
        # Bottle's own signed cookies (an HMAC over a pickled value).
        n = int(bottle.request.get_cookie("n", "0", secret=SECRET_KEY)) + 1
        bottle.response.set_cookie("n", str(n), secret=SECRET_KEY)
        return str(n)

    return app


def falcon_app() -> t.Any:
    import falcon

    class Plain:
        def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = HELLO

    class Json:
        def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.media = {"message": HELLO}

    class Filler:
        def on_get(self, req: t.Any, resp: t.Any, id: int) -> None:
            resp.text = str(id)

    class UserPost:
        def on_get(self, req: t.Any, resp: t.Any, user_id: int, slug: str) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"{user_id}:{slug}"

    class Query:
        def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"{req.get_param('a')},{req.get_param('b')},{req.get_header('X-Token')}"

    class Form:
        def on_post(self, req: t.Any, resp: t.Any) -> None:
            data = req.get_media()  # Falcon's URLEncodedFormHandler
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "|".join(data[name] for name in FORM_FIELDS)

    env = jinja_env()

    class Page:
        def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = env.get_template("page.html").render(
                user=req.get_param("name"), items=ITEMS
            )

    app = falcon.App()
    app.add_route("/", Plain())
    app.add_route("/json", Json())
    filler = Filler()
    for i in range(N_FILLER):
        app.add_route(f"/r{i}/{{id:int}}", filler)
    app.add_route("/users/{user_id:int}/posts/{slug}", UserPost())
    app.add_route("/query", Query())
    app.add_route("/form", Form())
    app.add_route("/response", Plain())  # Falcon always builds its response: A' is A
    app.add_route("/page", Page())
    return app


def bare_app() -> t.Any:
    """The floor: a WSGI callable that does nothing but answer case A."""
    body = HELLO.encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", headers)
        return [body]

    return app


FRAMEWORKS = {
    "kolben": kolben_app,
    "flask": flask_app,
    "bottle": bottle_app,
    "falcon": falcon_app,
}
