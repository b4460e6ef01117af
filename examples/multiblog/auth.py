"""The ``auth`` blueprint: log in, log out, and know who is logged in."""

from __future__ import annotations

import functools
import hmac
import typing as t
from collections.abc import Callable

from kolben import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

__all__ = ["bp", "login_required"]

bp = Blueprint("auth", __name__, url_prefix="/auth")

F = t.TypeVar("F", bound=Callable[..., t.Any])


@bp.before_app_request
def load_user() -> None:
    """Every request of the app, not only this blueprint's, knows its user."""
    g.user = session.get("user")


def login_required(view: F) -> F:
    """Send anonymous users to the login page, back to where they were after it."""

    @functools.wraps(view)
    def wrapped(**kwargs: t.Any) -> t.Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)

    return t.cast(F, wrapped)


@bp.route("/login", methods=["GET", "POST"])
def login() -> t.Any:
    """Show the form, or check the password and remember the user."""
    if request.method == "POST":
        name = request.form.get("username", "")
        password = request.form.get("password", "")
        expected = current_app.config["USERS"].get(name)
        if expected is not None and hmac.compare_digest(expected, password):
            session.clear()
            session["user"] = name
            target = request.args.get("next", "")
            # Only paths of this site: never redirect to another host.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("blog.index")
            return redirect(target)
        flash("Wrong user name or password.")
    return render_template("auth/login.html")


@bp.post("/logout")
def logout() -> t.Any:
    """Forget the user."""
    session.clear()
    return redirect(url_for("blog.index"))
