"""Request and response objects (layer 2)."""

from __future__ import annotations

from .request import Request, UserAgent
from .response import Response

__all__ = ["Request", "Response", "UserAgent"]
