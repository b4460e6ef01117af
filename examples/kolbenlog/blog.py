"""The ``blog`` blueprint (``/``): the pages people read and write posts on.

Reading is open to everyone; writing needs a login (:func:`login_required`),
and only a post's author may change or delete it (403 for anyone else).
Everything a user typed is shown through Jinja's autoescaping, so a post
titled ``<script>alert(1)</script>`` shows those characters as text.
"""

from __future__ import annotations

import typing as t

from kolben import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from . import posts
from .auth import login_required
from .images import InvalidImage, delete_image, save_image, upload_folder

__all__ = ["bp"]

bp = Blueprint("blog", __name__)


@bp.route("/")
def index() -> t.Any:
    """The posts, newest first, ``POSTS_PER_PAGE`` a page (``?page=2``)."""
    number = request.args.get("page", 1, type=int)
    page = posts.page_of_posts(number, current_app.config["POSTS_PER_PAGE"])
    if page is None:
        abort(404, description=f"There is no page {number}.")
    return render_template("blog/index.html", page=page)


@bp.route("/<int:id>")
def post(id: int) -> t.Any:
    """One post."""
    return render_template("blog/post.html", post=posts.get_post(id))


@bp.route("/<int:id>/image")
def image(id: int) -> t.Any:
    """A post's image, looked up by post id (never by a path from the URL)."""
    name = posts.get_post(id).image
    if name is None:
        abort(404, description=f"Post {id} has no image.")
    # No max_age: the browser revalidates (ETag, 304), so a replaced image
    # shows at once although its URL stays the same.
    # (X-Content-Type-Options: nosniff, added to every response by the
    # app, stops a browser from guessing another type than image/*.)
    return send_from_directory(upload_folder(), name)


def _read_form() -> tuple[str, str, str | None]:
    """The submitted title and body, and an error message or None."""
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "").strip()
    return title, body, posts.check(title, body)


def _uploaded_image() -> str | None:
    """Store the form's image, if one was chosen; its file name. Raises InvalidImage."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        return None
    return save_image(upload)


@bp.route("/create", methods=["GET", "POST"])
@login_required
def create() -> t.Any:
    """Write a post, with an optional image."""
    if request.method == "POST":
        title, body, error = _read_form()
        image_name = None
        if error is None:
            try:
                image_name = _uploaded_image()
            except InvalidImage as exc:
                error = str(exc)
        if error is None:
            id = posts.create_post(g.user["id"], title, body, image_name)
            flash("Your post is published.", "success")
            return redirect(url_for("blog.post", id=id))
        flash(error, "error")
        return render_template("blog/form.html", post=None, title=title, body=body), 400
    return render_template("blog/form.html", post=None, title="", body="")


@bp.route("/<int:id>/update", methods=["GET", "POST"])
@login_required
def update(id: int) -> t.Any:
    """Change a post: title, body, and replace or remove its image."""
    post = posts.get_post(id, check_author=g.user["id"])
    if request.method == "POST":
        title, body, error = _read_form()
        image_name = post.image
        if error is None:
            try:
                new_image = _uploaded_image()
            except InvalidImage as exc:
                error = str(exc)
            else:
                if new_image is not None or request.form.get("remove_image"):
                    image_name = new_image
        if error is None:
            posts.update_post(id, title, body, image_name)
            if image_name != post.image:
                delete_image(post.image)
            flash("Your changes are saved.", "success")
            return redirect(url_for("blog.post", id=id))
        flash(error, "error")
        return render_template("blog/form.html", post=post, title=title, body=body), 400
    return render_template("blog/form.html", post=post, title=post.title, body=post.body)


@bp.post("/<int:id>/delete")
@login_required
def delete(id: int) -> t.Any:
    """Delete a post and its image."""
    post = posts.get_post(id, check_author=g.user["id"])
    posts.delete_post(id)
    delete_image(post.image)
    flash("The post is deleted.", "success")
    return redirect(url_for("blog.index"))


@bp.route("/live")
def live() -> t.Any:
    """The newest posts, then each new one as it is published (``static/live.js``)."""
    page = posts.page_of_posts(1, current_app.config["POSTS_PER_PAGE"])
    latest = page.posts[0].id if page is not None and page.posts else 0
    return render_template("blog/live.html", page=page, latest=latest)
