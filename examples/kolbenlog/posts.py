"""Reading and writing posts: the SQL the ``blog`` and ``api`` blueprints share.

Rows come back as :class:`Post` objects, with ``created`` as an aware UTC
:class:`~datetime.datetime` (the table stores SQLite's ``CURRENT_TIMESTAMP``
text, parsed here rather than with ``sqlite3``'s deprecated default
converters).
"""

from __future__ import annotations

import math
import sqlite3
import typing as t
from dataclasses import dataclass
from datetime import datetime, timezone

from kolben import abort, url_for

from .db import get_db

__all__ = [
    "MAX_BODY",
    "MAX_TITLE",
    "Page",
    "Post",
    "check",
    "create_post",
    "delete_post",
    "get_post",
    "latest_id",
    "page_of_posts",
    "posts_after",
    "update_post",
]

MAX_TITLE = 200
MAX_BODY = 20_000


def check(title: str, body: str) -> str | None:
    """What is wrong with a post's (stripped) title and body, or None."""
    if not title:
        return "A title is required."
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        return f"A title may have up to {MAX_TITLE} characters, a post up to {MAX_BODY}."
    return None


_SELECT = (
    "SELECT p.id, p.title, p.body, p.created, p.image, p.author_id, u.username"
    " FROM post p JOIN user u ON p.author_id = u.id"
)


@dataclass(frozen=True)
class Post:
    """One post and its author's name."""

    id: int
    title: str
    body: str
    created: datetime
    image: str | None
    author_id: int
    author: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Post:
        """A post from a row of :data:`_SELECT`."""
        created = datetime.fromisoformat(row["created"]).replace(tzinfo=timezone.utc)
        return cls(
            row["id"],
            row["title"],
            row["body"],
            created,
            row["image"],
            row["author_id"],
            row["username"],
        )

    def to_json(self) -> dict[str, t.Any]:
        """The post as the API and the live feed send it (needs a request context)."""
        image = url_for("blog.image", id=self.id) if self.image else None
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "author": self.author,
            "created": self.created.isoformat(),
            "url": url_for("blog.post", id=self.id),
            "image": image,
        }


@dataclass(frozen=True)
class Page:
    """One page of posts, newest first, and where it sits among the others."""

    posts: list[Post]
    number: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        """Whether a newer page exists."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether an older page exists."""
        return self.number < self.pages


def page_of_posts(number: int, per_page: int) -> Page | None:
    """Page ``number`` (from 1) of all posts, or None if there is no such page.

    Page 1 always exists, empty when there are no posts yet.
    """
    db = get_db()
    total = int(db.execute("SELECT COUNT(*) FROM post").fetchone()[0])
    pages = max(1, math.ceil(total / per_page))
    if not 1 <= number <= pages:
        return None
    rows = db.execute(
        f"{_SELECT} ORDER BY p.id DESC LIMIT ? OFFSET ?", (per_page, (number - 1) * per_page)
    ).fetchall()
    return Page([Post.from_row(r) for r in rows], number, pages, total)


def get_post(id: int, *, check_author: int | None = None) -> Post:
    """The post ``id``; 404 if it does not exist.

    With ``check_author`` (a user id), 403 unless that user wrote it.
    """
    row = get_db().execute(f"{_SELECT} WHERE p.id = ?", (id,)).fetchone()
    if row is None:
        abort(404, description=f"Post {id} does not exist.")
    post = Post.from_row(row)
    if check_author is not None and post.author_id != check_author:
        abort(403, description="Only the author of a post may change or delete it.")
    return post


def posts_after(db: sqlite3.Connection, last_id: int, limit: int = 50) -> list[Post]:
    """Posts with an id above ``last_id``, oldest first (the live feed), read through ``db``."""
    rows = db.execute(f"{_SELECT} WHERE p.id > ? ORDER BY p.id LIMIT ?", (last_id, limit))
    return [Post.from_row(r) for r in rows.fetchall()]


def latest_id(db: sqlite3.Connection) -> int:
    """The id of the newest post, 0 when there is none."""
    return int(db.execute("SELECT COALESCE(MAX(id), 0) FROM post").fetchone()[0])


def create_post(author_id: int, title: str, body: str, image: str | None = None) -> int:
    """Store a new post; its id."""
    db = get_db()
    cursor = db.execute(
        "INSERT INTO post (title, body, author_id, image) VALUES (?, ?, ?, ?)",
        (title, body, author_id, image),
    )
    db.commit()
    return int(t.cast(int, cursor.lastrowid))


def update_post(id: int, title: str, body: str, image: str | None) -> None:
    """Change a post's title, body and image file name."""
    db = get_db()
    db.execute(
        "UPDATE post SET title = ?, body = ?, image = ? WHERE id = ?", (title, body, image, id)
    )
    db.commit()


def delete_post(id: int) -> None:
    """Delete a post."""
    db = get_db()
    db.execute("DELETE FROM post WHERE id = ?", (id,))
    db.commit()
