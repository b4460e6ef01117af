"""Path safety, password hashes and secrets (layer 1).

``safe_join`` refuses every path trick of SECURITY.md ("Paths, static
files, redirects") on every platform: a file name that would be dangerous on
Windows is refused on Linux too, so an app cannot be safe on one and not on
the other.

``generate_password_hash`` and ``check_password_hash`` read and write
Werkzeug's ``method$salt$hash`` format, so a user table filled by a Flask app
keeps working after the move to Kolben, and the other way round.
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
import re
import secrets
import string

__all__ = [
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "safe_join",
    "safe_str_cmp",
]

SALT_CHARS = string.ascii_letters + string.digits

# Windows reserves these names in every folder, with any extension
# ("nul.txt", "COM1.log"), in any case.
_WINDOWS_DEVICE = re.compile(
    r"(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(?:\..*)?", re.IGNORECASE
)
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


#: ``pbkdf2`` alone means this digest and iteration count (Werkzeug 3.1's).
DEFAULT_PBKDF2_ITERATIONS = 1_000_000
#: ``scrypt`` alone means these ``n``, ``r``, ``p`` (Werkzeug 3.1's).
DEFAULT_SCRYPT_PARAMS = (2**15, 8, 1)


def _hash_internal(method: str, salt: str, password: str) -> tuple[str, str]:
    """Return ``(hex digest, full method string)``; ValueError for a bad method."""
    name, *args = method.split(":")
    secret = password.encode("utf-8")
    salt_bytes = salt.encode("utf-8")
    try:
        if name == "scrypt":
            if not args:
                n, r, p = DEFAULT_SCRYPT_PARAMS
            elif len(args) == 3:
                n, r, p = (int(arg) for arg in args)
            else:
                raise ValueError(f"'scrypt' takes 3 arguments, not {len(args)}.")
            # RFC 7914 section 2: memory is about 128 * n * r * p bytes;
            # hashlib refuses more than ``maxmem`` (32 MiB by default).
            digest = hashlib.scrypt(
                secret, salt=salt_bytes, n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64
            )
            return digest.hex(), f"scrypt:{n}:{r}:{p}"
        if name == "pbkdf2":
            if len(args) > 2:
                raise ValueError(f"'pbkdf2' takes 2 arguments, not {len(args)}.")
            hash_name = args[0] if args else "sha256"
            iterations = int(args[1]) if len(args) == 2 else DEFAULT_PBKDF2_ITERATIONS
            # RFC 8018 section 5.2.
            digest = hashlib.pbkdf2_hmac(hash_name, secret, salt_bytes, iterations)
            return digest.hex(), f"pbkdf2:{hash_name}:{iterations}"
    except (ValueError, OverflowError, MemoryError) as exc:
        raise ValueError(f"Invalid hash method {method!r}: {exc}") from exc
    raise ValueError(f"Invalid hash method {method!r}.")


def generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """Hash ``password`` for storage: ``method$salt$hexdigest``.

    ``method`` is ``"scrypt"`` (the default: ``scrypt:32768:8:1``),
    ``"scrypt:n:r:p"``, ``"pbkdf2"`` (``pbkdf2:sha256:1000000``) or
    ``"pbkdf2:<hashlib digest>[:<iterations>]"``; anything else raises
    ``ValueError("Invalid hash method ...")``. The salt is ``salt_length``
    random letters and digits. The output is Werkzeug's format, so either
    library checks the other's hashes.
    """
    salt = gen_salt(salt_length)
    digest, actual_method = _hash_internal(method, salt, password)
    return f"{actual_method}${salt}${digest}"


def check_password_hash(pwhash: str, password: str) -> bool:
    """Whether ``password`` matches ``pwhash`` (from :func:`generate_password_hash`).

    The digests are compared in constant time. A malformed hash, or one with
    an unknown method, gives ``False`` instead of an exception.
    """
    try:
        method, salt, expected = pwhash.split("$", 2)
    except ValueError:
        return False
    try:
        digest, _ = _hash_internal(method, salt, password)
    except ValueError:
        return False
    return hmac.compare_digest(digest.encode("ascii"), expected.encode("utf-8", "replace"))


def _unsafe_chars(part: str) -> bool:
    # A ":" is a drive ("C:x") or an NTFS alternate data stream
    # ("secret.py::$DATA" reads the file past extension checks) on Windows.
    return "\x00" in part or "\\" in part or ":" in part or part.startswith("/")


def _unsafe_segments(normalized: str) -> bool:
    """Whether a normalised relative path leaves the root or names a Windows trap."""
    if normalized == ".." or normalized.startswith(("../", "/")):
        return True
    for segment in normalized.split("/"):
        stem = segment.rstrip(" .")
        if stem and _WINDOWS_DEVICE.fullmatch(stem):
            return True
        if segment != stem and segment != ".":
            # Windows strips trailing dots and spaces: "x." would open "x".
            return True
    return False


def safe_join(directory: str, *pathnames: str) -> str | None:
    """Join ``pathnames`` below ``directory``, or return None if one could escape it.

    Each path is normalised first, as in Werkzeug: ``"a/../b"`` stays inside
    and gives ``directory/b``; ``"a/../../b"`` leaves it and is refused.
    Also refused, on every platform: absolute paths, backslashes, drive
    letters and any other ``:`` (NTFS alternate data streams), UNC paths, NUL
    bytes, Windows device names (``CON``, ``nul.txt``, ``sub/AUX``) and names
    with trailing dots or spaces. Symlinks are the caller's business
    (:func:`kolben.send_from_directory` checks them).
    """
    if not directory:
        directory = "."
    parts = [directory]
    for filename in pathnames:
        if filename == "":
            continue  # as in Werkzeug: "root", not "root/"
        if _unsafe_chars(filename):
            return None
        # The joined path is the normalised one, so what is checked is what
        # gets opened: "link/../x" is root/x, never resolved through the
        # symlink.
        filename = posixpath.normpath(filename)
        if _unsafe_segments(filename):
            return None
        parts.append(filename)
    return posixpath.join(*parts)
