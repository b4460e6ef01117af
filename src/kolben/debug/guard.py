"""Who may use the debugger: token, cookie, CSRF, Host/Origin checks, rate limit (layer 5).

The rules (SECURITY.md, "The development debugger"):

- A random token is made for each run and printed in the terminal. It is
  not derived from facts about the machine, so nothing on the network can
  compute it. A correct token is exchanged for a cookie that is HttpOnly,
  ``SameSite=Strict`` and expires after :attr:`Guard.cookie_lifetime`.
- Code runs only on POST, with the page's CSRF token in a header and a JSON
  body (a cross-site form cannot send either).
- A request whose ``Host`` is not a loopback name (DNS rebinding: a
  foreign name resolving to 127.0.0.1), whose ``Origin`` is not this
  server, or whose ``Sec-Fetch-Site`` says it comes from elsewhere, is
  refused with 400. The ``Host`` is read as the app reads it
  (:func:`kolben.http.hosts.host_from_environ`): a value the app would
  refuse as malformed (userinfo, text after ``]``, two ports, spaces,
  non-ASCII) is never taken for loopback, and a trailing dot is not
  stripped (``localhost.`` is refused).
- Wrong tokens are rate limited: a few per minute, and after many the
  consoles stay locked until the server restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..http.cookies import dump_cookie
from ..http.hosts import host_from_environ

__all__ = [
    "LOOPBACK_NAMES",
    "TOKEN_ENV",
    "Guard",
    "TokenResult",
    "generate_token",
    "parse_host",
]

#: Host names that always mean this machine.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost", "ip6-loopback"})
#: The environment variable that hands the token from the reloader to the server.
TOKEN_ENV = "KOLBEN_DEBUGGER_TOKEN"
COOKIE_NAME = "__kolben_debugger"
CSRF_HEADER = "X-Kolben-Debugger-CSRF"


class TokenResult:
    """Outcomes of :meth:`Guard.check_token`."""

    OK = "ok"
    WRONG = "wrong"
    LIMITED = "limited"
    LOCKED = "locked"


def generate_token() -> str:
    """A fresh token: 80 random bits, as five groups of four hex digits."""
    raw = secrets.token_hex(10)
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _normalise_token(value: str) -> str:
    return "".join(value.split()).replace("-", "").lower()


def split_host(value: str) -> str:
    """The host name of a ``Host`` header value (port and IPv6 brackets removed)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def parse_host(value: str | None) -> tuple[str, int | None] | None:
    """The lower-case host name and the port of a well-formed ``Host`` value, or None.

    Well-formed is what the app accepts (RFC 9110 section 7.2, checked by
    :func:`kolben.http.hosts.host_from_environ`), with a port of at most
    65535. IPv6 literals come back without their brackets. Anything else,
    an empty value included, is None: such a value must never be read as
    a loopback name by cutting it somewhere.
    """
    if not value:
        return None
    # No scheme: the default port stays as it was sent (the Origin check
    # compares the Host with the Origin literally).
    checked = host_from_environ({"HTTP_HOST": value, "wsgi.url_scheme": ""})
    if not checked:
        return None
    # The value passed the app's grammar, so the only ":" outside brackets
    # is the one before the port, and "]" can only end the host.
    if checked.startswith("["):
        name, _, rest = checked[1:].partition("]")
        port_text = rest[1:]
    else:
        name, _, port_text = checked.partition(":")
    if not name:
        return None
    port: int | None = None
    if port_text:
        port = int(port_text)
        if port > 65535:
            return None
    return name.lower(), port


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name, or an address) means this machine."""
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Guard:
    """The debugger's access checks, for one server process."""

    #: Wrong tokens allowed per :attr:`failure_window` seconds.
    max_failures = 5
    failure_window = 60.0
    #: After this many wrong tokens the consoles stay locked until a restart.
    lockout_after = 20

    def __init__(
        self,
        token: str | None,
        trusted_hosts: Iterable[str] = (),
        cookie_lifetime: int = 3600,
    ) -> None:
        self.token = token
        self.trusted_hosts = frozenset(split_host(h) for h in trusted_hosts)
        #: Seconds an unlocked browser stays unlocked.
        self.cookie_lifetime = cookie_lifetime
        # The cookie key follows from the token, so a browser stays unlocked
        # across the restarts of the reloader (which keeps the token).
        seed = _normalise_token(token or secrets.token_hex(16)).encode()
        self._cookie_key = hmac.new(seed, b"kolben-debugger-cookie", hashlib.sha256).digest()
        #: Embedded in each page; required on every POST.
        self.csrf_token = secrets.token_urlsafe(32)
        self._failures: deque[float] = deque()
        self._total_failures = 0
        self._lock = threading.Lock()

    # -- where a request comes from ------------------------------------------------------

    def host_allowed(self, host_header: str | None) -> bool:
        """Whether the ``Host`` header is a well-formed name of this machine
        (or of a trusted host), with an optional port (see :func:`parse_host`)."""
        parsed = parse_host(host_header)
        if parsed is None:
            return False
        host = parsed[0]
        return is_loopback_host(host) or host in self.trusted_hosts

    def host_problem(self, host_header: str | None) -> str | None:
        """Why ``host_header`` is refused (a sentence fragment), or None when allowed."""
        if self.host_allowed(host_header):
            return None
        if not host_header:
            return "the request has no Host header"
        if parse_host(host_header) is None:
            return "the Host header is malformed"
        return "the Host header does not name this machine"

    def foreign_reason(self, headers: dict[str, str], *, unsafe: bool) -> str | None:
        """Why a request must be refused as coming from elsewhere, or None.

        ``headers`` has lower-case names. ``unsafe`` is true for requests
        that change something (a POST): for them only ``Sec-Fetch-Site:
        same-origin`` is accepted; a top-level navigation (``none``) is fine
        for the others.
        """
        host = headers.get("host")
        problem = self.host_problem(host)
        if problem is not None:
            return problem
        origin = headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                return "the Origin header is not this server"
            if parts.netloc.lower() != (host or "").lower():
                return "the Origin header is not this server"
        site = headers.get("sec-fetch-site")
        if site is not None:
            allowed = ("same-origin",) if unsafe else ("same-origin", "none")
            if site.lower() not in allowed:
                return "the request comes from another site (Sec-Fetch-Site)"
        return None

    # -- the token and the cookie --------------------------------------------------------

    def check_token(self, value: str) -> str:
        """Compare ``value`` with the token, counting failures (a :class:`TokenResult`)."""
        if self.token is None:
            return TokenResult.LOCKED
        now = time.monotonic()
        with self._lock:
            if self._total_failures >= self.lockout_after:
                return TokenResult.LOCKED
            while self._failures and now - self._failures[0] > self.failure_window:
                self._failures.popleft()
            if len(self._failures) >= self.max_failures:
                return TokenResult.LIMITED
            good = hmac.compare_digest(
                _normalise_token(value).encode(), _normalise_token(self.token).encode()
            )
            if good:
                return TokenResult.OK
            self._failures.append(now)
            self._total_failures += 1
            return TokenResult.WRONG

    def retry_after(self) -> int:
        """Seconds until another token attempt is allowed."""
        with self._lock:
            if not self._failures:
                return 0
            return max(1, int(self.failure_window - (time.monotonic() - self._failures[0])) + 1)

    def _sign(self, expires: int) -> str:
        return hmac.new(self._cookie_key, str(expires).encode(), hashlib.sha256).hexdigest()

    def make_cookie(self, path: str = "/") -> str:
        """A ``Set-Cookie`` value unlocking this browser for :attr:`cookie_lifetime`."""
        expires = int(time.time()) + self.cookie_lifetime
        return dump_cookie(
            COOKIE_NAME,
            f"{expires}.{self._sign(expires)}",
            max_age=self.cookie_lifetime,
            path=path or "/",
            httponly=True,
            samesite="Strict",
        )

    def cookie_valid(self, value: str | None) -> bool:
        """Whether ``value`` (the cookie's value) is one this guard issued and unexpired."""
        if not value or self.token is None:
            return False
        expires_text, _, signature = value.partition(".")
        if not expires_text.isdigit():
            return False
        expires = int(expires_text)
        if not hmac.compare_digest(signature.encode(), self._sign(expires).encode()):
            return False
        return expires > time.time()

    def csrf_valid(self, value: str | None) -> bool:
        """Whether ``value`` is this process's CSRF token."""
        return bool(value) and hmac.compare_digest((value or "").encode(), self.csrf_token.encode())
