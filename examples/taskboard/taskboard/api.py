"""A small JSON API for scripts and the page's buttons: async views.

Flask runs an ``async def`` view in a fresh event loop (it needs the
``flask[async]`` extra); Kolben awaits it natively, on the server's loop
under ASGI. The queries are small SQLite reads and writes, so they run
inline; a slow backend would want an async driver.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from .extensions import db
from .models import Task

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/tasks")
@login_required
async def tasks() -> Response:
    query = db.select(Task).filter_by(owner_id=current_user.id).order_by(Task.id)
    if request.args.get("done") in ("0", "1"):
        query = query.filter_by(done=request.args["done"] == "1")
    return jsonify(tasks=[task.to_dict() for task in db.session.scalars(query)])


@bp.post("/tasks/<int:task_id>/done")
@login_required
async def set_done(task_id: int) -> Response | tuple[Response, int]:
    # CSRFProtect checks the X-CSRFToken header of this JSON request too.
    task = db.session.get(Task, task_id)
    if task is None or task.owner_id != current_user.id:
        abort(404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("done"), bool):
        return jsonify(error='Send {"done": true} or {"done": false}.'), 400
    task.done = body["done"]
    db.session.commit()
    return jsonify(task.to_dict())
