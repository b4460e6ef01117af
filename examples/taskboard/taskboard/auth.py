"""Accounts: register, log in (with "remember me"), log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from .extensions import db
from .forms import LoginForm, RegisterForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never a redirect to another host.
    if target and target.startswith("/") and "\\" not in target and not urlsplit(target).netloc:
        return target
    return url_for("tasks.index")


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("tasks.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        name = form.username.data or ""
        if db.session.scalar(db.select(User).filter_by(username=name)) is not None:
            form.username.errors.append("That name is taken.")
        else:
            user = User(username=name)
            user.set_password(form.password.data or "")
            db.session.add(user)
            db.session.commit()
            flash("Account created: you can log in now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("tasks.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).filter_by(username=form.username.data))
        if user is None or not user.check_password(form.password.data or ""):
            flash("Wrong user name or password.", "error")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    # A POST (CSRF-checked), not a link: another site cannot log the user out.
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
