"""Post images: checked, renamed, stored under the instance folder.

An upload is accepted only if its bytes start like a PNG, JPEG, GIF or WebP
file (the name and the browser's ``Content-Type`` are the client's word, so
neither is trusted). SVG is refused on purpose: it is XML that can carry
scripts. The whole request is capped by ``MAX_CONTENT_LENGTH`` (Kolben
answers 413 before reading past the limit).

The stored name is chosen here: a random prefix, then the upload's name
passed through :func:`~kolben.utils.secure_filename` (which removes
``../``, drive letters, separators and other tricks), with the extension of
the detected type. The database keeps that name, and images are served by
post id through ``blog.image``, so a URL never names a path on disk.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from kolben import current_app
from kolben.datastructures import FileStorage
from kolben.utils import secure_filename

__all__ = ["InvalidImage", "delete_image", "save_image", "upload_folder"]

# File signatures ("magic numbers") of the accepted formats.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, ".png"),
    (b"\xff\xd8\xff", 0, ".jpg"),
    (b"GIF87a", 0, ".gif"),
    (b"GIF89a", 0, ".gif"),
    (b"WEBP", 8, ".webp"),  # after "RIFF" and a 4-byte size
)


class InvalidImage(ValueError):
    """The upload is not an image this app accepts."""


def upload_folder() -> Path:
    """Where images are stored (``UPLOAD_FOLDER``), created when missing."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _detect(head: bytes) -> str | None:
    for signature, offset, extension in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            if extension == ".webp" and not head.startswith(b"RIFF"):
                continue
            return extension
    return None


def save_image(upload: FileStorage) -> str:
    """Store ``upload``; return the new file's name under :func:`upload_folder`."""
    head = upload.stream.read(16)
    extension = _detect(head)
    if extension is None:
        raise InvalidImage("The image must be a PNG, JPEG, GIF or WebP file.")
    upload.stream.seek(0)
    stem = os.path.splitext(secure_filename(upload.filename or ""))[0][:40] or "image"
    name = f"{secrets.token_hex(8)}-{stem}{extension}"
    upload.save(upload_folder() / name)
    return name


def delete_image(name: str | None) -> None:
    """Remove a stored image (a name this app chose; a missing file is fine)."""
    if name:
        (upload_folder() / name).unlink(missing_ok=True)
