"""The task list: the logged-in user's tasks, added, edited, ticked, deleted.

Every POST is checked by CSRFProtect before it reaches a view.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from .extensions import db
from .forms import TaskForm
from .models import Task

bp = Blueprint("tasks", __name__)


def _own_task(task_id: int) -> Task:
    # Someone else's task is answered as missing: ids reveal nothing.
    task = db.session.get(Task, task_id)
    if task is None or task.owner_id != current_user.id:
        abort(404)
    return task


@bp.get("/")
@login_required
def index() -> str:
    show = request.args.get("show", "all")
    query = db.select(Task).filter_by(owner_id=current_user.id).order_by(Task.done, Task.id)
    if show == "open":
        query = query.filter_by(done=False)
    tasks = db.session.scalars(query).all()
    return render_template("tasks/index.html", tasks=tasks, form=TaskForm(), show=show)


@bp.post("/tasks")
@login_required
def create() -> str | Response:
    form = TaskForm()
    if not form.validate_on_submit():
        flash("A task needs a title (200 characters at most).", "error")
        return redirect(url_for("tasks.index"))
    db.session.add(Task(title=form.title.data, notes=form.notes.data or "", owner=current_user))
    db.session.commit()
    return redirect(url_for("tasks.index"))


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit(task_id: int) -> str | Response:
    task = _own_task(task_id)
    form = TaskForm(obj=task)
    if form.validate_on_submit():
        form.populate_obj(task)
        db.session.commit()
        flash("Task saved.", "success")
        return redirect(url_for("tasks.index"))
    return render_template("tasks/edit.html", form=form, task=task)


@bp.post("/tasks/<int:task_id>/toggle")
@login_required
def toggle(task_id: int) -> Response:
    task = _own_task(task_id)
    task.done = not task.done
    db.session.commit()
    return redirect(url_for("tasks.index"))


@bp.post("/tasks/<int:task_id>/delete")
@login_required
def delete(task_id: int) -> Response:
    task = _own_task(task_id)
    db.session.delete(task)
    db.session.commit()
    flash("Task deleted.", "info")
    return redirect(url_for("tasks.index"))
