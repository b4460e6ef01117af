"""The posts store: a tiny extension in the ``init_app`` style.

Each app gets its own :class:`Posts` in ``app.extensions["multiblog.store"]``;
views reach it through ``store.posts``, which looks at the current app.
"""

from __future__ import annotations

import threading
import typing as t
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kolben import Kolben, current_app

__all__ = ["Post", "Posts", "store"]


@dataclass
class Post:
    """One blog post."""

    id: int
    author: str
    title: str
    body: str
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def to_json(self) -> dict[str, t.Any]:
        """The post as JSON data."""
        return {
            "id": self.id,
            "author": self.author,
            "title": self.title,
            "body": self.body,
            "created": self.created.isoformat(),
        }


class Posts:
    """The posts of one app, safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._posts: dict[int, Post] = {}
        self._next_id = 1

    def all(self) -> list[Post]:
        """Every post, newest first."""
        with self._lock:
            return sorted(self._posts.values(), key=lambda p: p.id, reverse=True)

    def get(self, post_id: int) -> Post | None:
        """The post with ``post_id``, or None."""
        with self._lock:
            return self._posts.get(post_id)

    def add(self, author: str, title: str, body: str) -> Post:
        """Store a new post and return it."""
        with self._lock:
            post = Post(self._next_id, author, title, body)
            self._posts[post.id] = post
            self._next_id += 1
            return post

    def update(self, post_id: int, **changes: str) -> Post | None:
        """Change a post's title or body; None if it does not exist."""
        with self._lock:
            post = self._posts.get(post_id)
            if post is not None:
                for name in ("title", "body"):
                    if name in changes:
                        setattr(post, name, changes[name])
            return post

    def delete(self, post_id: int) -> bool:
        """Remove a post; whether it existed."""
        with self._lock:
            return self._posts.pop(post_id, None) is not None


class Store:
    """The extension object: created once, set up per app with :meth:`init_app`."""

    key = "multiblog.store"

    def init_app(self, app: Kolben) -> None:
        """Give ``app`` its own posts."""
        app.extensions[self.key] = Posts()

    @property
    def posts(self) -> Posts:
        """The current app's posts."""
        return t.cast(Posts, current_app.extensions[self.key])


store = Store()
