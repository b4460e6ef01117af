"""Which host a request is for, and whether to trust it (layer 1).

Shared by the router (URL adapters) and the request (``request.host``), so
that both accept exactly the same Host headers.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Iterable, Mapping

__all__ = ["DEFAULT_PORTS", "host_from_environ", "host_is_trusted"]

# RFC 9110 section 7.2 (Host = uri-host [ ":" port ]), with uri-host a
# reg-name or an IP literal in brackets (RFC 3986 section 3.2.2). Anything
# else (spaces, "/", "@", control characters) is refused: a Host header must
# never be able to inject a path or credentials into URLs the app builds.
# A comma (a sub-delim of reg-name) is refused too: no host name has one,
# and it is how servers join repeated Host lines (RFC 9112 section 3.2).
_HOST_RE = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+;=%-]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?")
#: The port each scheme implies, as it appears at the end of a Host header.
DEFAULT_PORTS = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}


def host_from_environ(environ: Mapping[str, t.Any]) -> str | None:
    """Return the requested host (``HTTP_HOST``, else ``SERVER_NAME[:PORT]``).

    The default port of the scheme is dropped. Returns None when the host is
    malformed.
    """
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if host is None:
        name = environ.get("SERVER_NAME", "")
        port = environ.get("SERVER_PORT")
        host = f"{name}:{port}" if port else str(name)
    host = str(host)
    # Validate before dropping the port: "ex.com:80:80" must not pass as "ex.com:80".
    if _HOST_RE.fullmatch(host) is None:
        return None
    default = DEFAULT_PORTS.get(scheme)
    if default is not None and host.endswith(default):
        host = host[: -len(default)]
    return host


def _strip_port(host: str) -> str:
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.rsplit(":", 1)[0] if ":" in host else host


def host_is_trusted(hostname: str | None, trusted_list: Iterable[str]) -> bool:
    """Whether ``hostname`` is one of ``trusted_list``.

    An entry starting with ``.`` also matches every subdomain. Ports are
    ignored on both sides; names compare case-insensitively (IDNA for
    non-ASCII entries).
    """
    if not hostname:
        return False
    name = _strip_port(hostname).lower().rstrip(".")
    for entry in trusted_list:
        suffix_match = entry.startswith(".")
        if suffix_match:
            entry = entry[1:]
        try:
            entry = entry.encode("idna").decode("ascii")
        except UnicodeError:
            continue
        entry = _strip_port(entry).lower().rstrip(".")
        if name == entry or (suffix_match and name.endswith("." + entry)):
            return True
    return False
