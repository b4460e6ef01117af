"""The Quick start demo: routing, converters, methods, escaping and JSON.

Serve it with ``python3 dev.py demo`` and open http://127.0.0.1:5000/.
"""

from __future__ import annotations

from kolben import Kolben, abort, escape, redirect, request, url_for

app = Kolben(__name__)

POSTS = {1: "Hello, Kolben", 2: "Routing with converters"}


@app.route("/")
def index() -> str:
    links = "".join(
        f'<li><a href="{url_for("show_post", post_id=pid)}">{escape(title)}</a></li>'
        for pid, title in POSTS.items()
    )
    return (
        "<!doctype html><title>Kolben</title><h1>Kolben says hello</h1>"
        f"<ul>{links}</ul>"
        f'<p><a href="{url_for("hello", name="<img src=x onerror=alert(1)>")}">escaping demo</a>'
        f' &middot; <a href="{url_for("api_posts")}">JSON</a></p>'
        '<form method="post" action="/login"><input name="user" placeholder="name">'
        "<button>Log in</button></form>"
    )


@app.route("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"


@app.route("/post/<int:post_id>")
def show_post(post_id: int) -> str:
    if post_id not in POSTS:
        abort(404)
    return f"<h1>{escape(POSTS[post_id])}</h1><p>Post ID is {post_id}</p>"


@app.route("/path/<path:subpath>")
def show_subpath(subpath: str) -> str:
    return f"Subpath {escape(subpath)}"


@app.route("/login", methods=["GET", "POST"])
def login() -> object:
    if request.method == "POST":
        user = request.form.get("user", "")
        return redirect(url_for("hello", name=user or "stranger"))
    return redirect(url_for("index"))


@app.get("/api/posts")
def api_posts() -> dict[str, object]:
    return {"posts": [{"id": pid, "title": title} for pid, title in POSTS.items()]}


if __name__ == "__main__":
    app.run()
