"""Path safety and secrets (layer 1).

``safe_join`` refuses every path trick of SECURITY.md ("Paths, static
files, redirects") on every platform: a file name that would be dangerous on
Windows is refused on Linux too, so an app cannot be safe on one and not on
the other.
"""

from __future__ import annotations

import hmac
import posixpath
import re
import secrets
import string

__all__ = ["gen_salt", "safe_join", "safe_str_cmp"]

SALT_CHARS = string.ascii_letters + string.digits

# Windows reserves these names in every folder, with any extension
# ("nul.txt", "COM1.log"), in any case.
_WINDOWS_DEVICE = re.compile(
    r"(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(?:\..*)?", re.IGNORECASE
)
_DRIVE = re.compile(r"[A-Za-z]:")


def gen_salt(length: int) -> str:
    """A random string of ``length`` letters and digits."""
    if length <= 0:
        raise ValueError("Salt length must be at least 1.")
    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def safe_str_cmp(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets in constant time."""
    if isinstance(a, str):
        a = a.encode("utf-8")
    if isinstance(b, str):
        b = b.encode("utf-8")
    return hmac.compare_digest(a, b)


def _unsafe_part(part: str) -> bool:
    if not part:
        return False
    if "\x00" in part or "\\" in part:
        return True
    if part.startswith("/") or _DRIVE.match(part):
        return True
    for segment in part.split("/"):
        if segment == "..":
            return True
        stem = segment.rstrip(" .")
        if stem and _WINDOWS_DEVICE.fullmatch(stem):
            return True
        if segment != stem and segment not in (".", ".."):
            # Windows strips trailing dots and spaces: "x." would open "x".
            return True
    return False


def safe_join(directory: str, *pathnames: str) -> str | None:
    """Join ``pathnames`` below ``directory``, or return None if one could escape it.

    Refused: absolute paths, ``..`` segments, backslashes, drive letters,
    UNC paths, NUL bytes, Windows device names (``CON``, ``nul.txt``,
    ``sub/AUX``) and names with trailing dots or spaces. Symlinks are the
    caller's business (:func:`kolben.send_from_directory` checks them).
    """
    if not directory:
        directory = "."
    parts = [directory]
    for filename in pathnames:
        if filename != "":
            if _unsafe_part(filename):
                return None
            filename = posixpath.normpath(filename)
            if filename == ".." or filename.startswith(("../", "/")):
                return None
        parts.append(filename)
    return posixpath.join(*parts)
