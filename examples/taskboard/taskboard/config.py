"""Default settings; TASKBOARD_* environment variables and a test dict override them."""

from __future__ import annotations

from datetime import timedelta


class Config:
    # Replace it in production: TASKBOARD_SECRET_KEY=... in the environment.
    SECRET_KEY = "dev"
    # A relative SQLite path lands in the app's instance folder (Flask-SQLAlchemy).
    SQLALCHEMY_DATABASE_URI = "sqlite:///taskboard.sqlite"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SAMESITE = "Lax"
