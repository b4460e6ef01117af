"""The ``blog`` blueprint: a package with its own templates, static files and command.

Its templates live in ``blog/templates/blog/`` (named ``blog/...`` so they
cannot clash with another blueprint's), its stylesheet is served at
``/static-blog/blog.css`` (endpoint ``blog.static``), and the app's
``templates/base.html`` is the layout they extend.
"""

from __future__ import annotations

import typing as t

import click

from kolben import Blueprint, abort, g, redirect, render_template, request, url_for

from ..auth import login_required
from ..store import store

__all__ = ["bp"]

bp = Blueprint(
    "blog",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static-blog",
)


@bp.route("/")
def index() -> str:
    """The newest posts first."""
    return render_template("blog/index.html", posts=store.posts.all())


@bp.route("/<int:post_id>")
def post(post_id: int) -> str:
    """One post."""
    found = store.posts.get(post_id)
    if found is None:
        abort(404)
    return render_template("blog/post.html", post=found)


@bp.route("/create", methods=["GET", "POST"])
@login_required
def create() -> t.Any:
    """Write a post (logged-in users only)."""
    if request.method == "POST":
        title = request.form.get("title", "").strip()
        if title:
            new = store.posts.add(g.user, title, request.form.get("body", ""))
            return redirect(url_for(".post", post_id=new.id))
    return render_template("blog/create.html")


@bp.errorhandler(404)
def not_found(error: Exception) -> tuple[str, int]:
    """A missing post gets the blog's own page; other 404s keep the default one."""
    return render_template("blog/missing.html"), 404


@bp.cli.command("seed")
@click.option("--count", default=3, show_default=True, help="How many posts to add.")
def seed(count: int) -> None:
    """Add some example posts."""
    for n in range(1, count + 1):
        store.posts.add("ann", f"Example post {n}", "Written by the seed command.")
    click.echo(f"Added {count} posts.")
