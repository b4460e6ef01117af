"""The ``auth`` blueprint (``/auth``): register, log in, log out.

Passwords are stored as :func:`kolben.security.generate_password_hash`
hashes (scrypt with a random salt), never as text. Logging in keeps only the
user's id in the session, a cookie signed with ``SECRET_KEY``: the browser
can read it but not change it. Before every request
:func:`load_logged_in_user` turns that id into ``g.user``, and
:func:`login_required` sends anonymous visitors to the login page.
"""

from __future__ import annotations

import functools
import inspect
import re
import sqlite3
import typing as t
from collections.abc import Callable

from kolben import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from kolben.security import check_password_hash, generate_password_hash

from .db import get_db

__all__ = ["bp", "load_logged_in_user", "login_required"]

bp = Blueprint("auth", __name__, url_prefix="/auth")

F = t.TypeVar("F", bound=Callable[..., t.Any])

USERNAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MIN_PASSWORD = 8
# Checked when the user name is unknown, so a failed login takes as long
# whether or not the name exists (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not a real password")


@bp.before_app_request
def load_logged_in_user() -> None:
    """Set ``g.user`` to the logged-in user's row, or None."""
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None:
        g.user = (
            get_db().execute("SELECT id, username FROM user WHERE id = ?", (user_id,)).fetchone()
        )


def login_required(view: F) -> F:
    """Redirect anonymous visitors to the login page, which sends them back afterwards."""

    def to_login() -> t.Any:
        flash("Please log in first.", "error")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def wrapped_async(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if g.user is None:
                return to_login()
            return await view(*args, **kwargs)

        return t.cast(F, wrapped_async)

    @functools.wraps(view)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if g.user is None:
            return to_login()
        return view(*args, **kwargs)

    return t.cast(F, wrapped)


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the index.

    Without this check, ``/auth/login?next=https://evil.example`` would be
    an open redirect: a link on our domain that lands on someone else's.
    ``//host`` and ``/\\host`` count as other sites too (browsers read both
    as a scheme-relative URL).
    """
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("blog.index")


@bp.route("/register", methods=["GET", "POST"])
def register() -> t.Any:
    """Create an account, then ask the new user to log in."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        error = None
        if not USERNAME.fullmatch(username):
            error = "A user name is 1 to 32 letters, digits, '_', '.' or '-'."
        elif len(password) < MIN_PASSWORD:
            error = f"A password needs at least {MIN_PASSWORD} characters."
        if error is None:
            db = get_db()
            try:
                db.execute(
                    "INSERT INTO user (username, password) VALUES (?, ?)",
                    (username, generate_password_hash(password)),
                )
                db.commit()
            except sqlite3.IntegrityError:
                error = f"The user name {username!r} is taken."
            else:
                flash(f"Welcome, {username}! Log in to write your first post.", "success")
                return redirect(url_for("auth.login"))
        flash(error, "error")
        return render_template("auth/register.html", username=username), 400
    return render_template("auth/register.html", username="")


@bp.route("/login", methods=["GET", "POST"])
def login() -> t.Any:
    """Log in; go back to ``next`` (a local path) or to the index."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = (
            get_db()
            .execute("SELECT id, password FROM user WHERE username = ?", (username,))
            .fetchone()
        )
        stored = user["password"] if user is not None else _DUMMY_HASH
        if check_password_hash(stored, password) and user is not None:
            # A fresh session: nothing from before the login (including a
            # CSRF token someone might have planted) carries over.
            session.clear()
            session["user_id"] = user["id"]
            flash(f"Hello, {username}!", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash("Wrong user name or password.", "error")
        return render_template("auth/login.html", username=username), 400
    return render_template("auth/login.html", username="")


@bp.post("/logout")
def logout() -> t.Any:
    """Log out (a POST with the CSRF token, so another site cannot log you out)."""
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("blog.index"))
