"""The app object for servers: ``gunicorn wsgi:app``; on Kolben also ``uvicorn wsgi:app.asgi``."""

from __future__ import annotations

from taskboard import create_app

app = create_app()
