"""The test client's cookie jar: RFC 6265 storage and matching.

A jar is a plain dict keyed by ``(domain, path, name)``, holding
:class:`Cookie` objects in creation order. :func:`store_cookie` files a
cookie received in a ``Set-Cookie`` header (or drops it once expired) and
:func:`cookies_for_request` picks the ones a request to a host and path
carries, as a user agent does (RFC 6265 sections 5.1 to 5.4). Nothing here
does I/O: :mod:`kolben.testing.client` feeds it headers and environ values.

One deliberate difference from a browser, shared with Werkzeug's client: a
cookie whose ``Domain`` the request host is not under is still stored (a
test can inspect it with ``client.get_cookie(key, domain=...)``, as
Flask-Login's tests of ``REMEMBER_COOKIE_DOMAIN`` do); it is only sent to
hosts that domain-match it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from ..http import parse_cookie, parse_date

__all__ = [
    "Cookie",
    "CookieJar",
    "canonical_domain",
    "cookies_for_request",
    "find_cookie",
    "hostname",
    "store_cookie",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def hostname(host: str) -> str:
    """``host[:port]`` without the port, lower-cased (IPv6 keeps its brackets)."""
    host = host.rpartition("@")[2]  # a URL authority may carry userinfo
    if host.startswith("["):
        return host.partition("]")[0].lower() + "]"
    return host.partition(":")[0].lower()


def _parse_max_age(value: str | None) -> int | None:
    """RFC 6265 §5.2.2: an optional "-", then digits only; anything else is ignored."""
    if not value:
        return None
    digits = value[1:] if value[0] == "-" else value
    return int(value) if digits.isascii() and digits.isdigit() else None


def canonical_domain(domain: str) -> str:
    """RFC 6265 §5.2.3: a cookie domain without its leading dot, lower-cased."""
    return domain.lstrip(".").lower()


def _domain_matches(host: str, domain: str) -> bool:
    """RFC 6265 §5.1.3: the host is the domain, or a name under it (not an IP)."""
    if host == domain:
        return True
    is_ip = host.startswith("[") or host.replace(".", "").isdigit()
    return not is_ip and host.endswith("." + domain)


def _default_path(request_path: str) -> str:
    """RFC 6265 §5.1.4: the request path up to (not including) its last "/"."""
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path[: request_path.rindex("/")]


@dataclasses.dataclass
class Cookie:
    """A cookie held by the test client's jar.

    ``key`` and ``value`` are as sent; ``decoded_key`` and ``decoded_value``
    as an app reads them. ``origin_only`` means a host-only cookie (no
    ``Domain`` attribute): it goes back to ``domain`` itself, not to its
    subdomains.
    """

    key: str
    value: str
    decoded_key: str
    decoded_value: str
    expires: datetime | None
    max_age: int | None
    domain: str
    origin_only: bool
    path: str
    secure: bool | None
    http_only: bool | None
    same_site: str | None
    partitioned: bool = False
    _expiry: datetime | None = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # RFC 6265 §5.3 step 3: Max-Age wins over Expires; a Max-Age of zero or
        # less means "already expired".
        if self.max_age is not None:
            now = datetime.now(timezone.utc)
            self._expiry = now + timedelta(seconds=self.max_age) if self.max_age > 0 else _EPOCH
        elif self.expires is not None:
            expires = self.expires
            self._expiry = expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)
        else:
            self._expiry = None

    def _expired(self, now: datetime) -> bool:
        return self._expiry is not None and self._expiry <= now

    def _matches_request(self, host: str, path: str) -> bool:
        """Whether this cookie goes with a request to ``host`` and ``path`` (§5.4)."""
        if self.origin_only:
            if host != self.domain:
                return False
        elif not _domain_matches(host, self.domain):
            return False
        # §5.1.4 path-match: equal, or a prefix that ends at a "/".
        return path == self.path or (
            path.startswith(self.path) and (self.path.endswith("/") or path[len(self.path)] == "/")
        )

    def _to_request_header(self) -> str:
        return f"{self.key}={self.value}"

    @classmethod
    def _from_response_header(cls, server_name: str, path: str, header: str) -> Cookie | None:
        """Parse a ``Set-Cookie`` value received from ``server_name`` for ``path``.

        Follows RFC 6265 §5.2 and §5.3; returns None for a cookie without a
        name. A ``Domain`` the host is not under is kept (see the module
        docstring): such a cookie is stored but never sent to this host.
        """
        pair, _, attrs = header.partition(";")
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            return None
        params: dict[str, str | None] = {}
        for item in attrs.split(";"):
            name, has_value, param = item.partition("=")
            params[name.strip().lower()] = param.strip() if has_value else None
        host = hostname(server_name)
        domain = canonical_domain(params.get("domain") or "")
        cookie_path = params.get("path") or ""
        if not cookie_path.startswith("/"):
            cookie_path = _default_path(path)
        expires = params.get("expires")
        decoded = next(iter(parse_cookie(f"{key}={value}").items()), (key, value))
        return cls(
            key=key,
            value=value,
            decoded_key=decoded[0],
            decoded_value=decoded[1],
            expires=parse_date(expires) if expires else None,
            max_age=_parse_max_age(params.get("max-age")),
            domain=domain or host,
            origin_only=not domain,
            path=cookie_path,
            secure="secure" in params,
            http_only="httponly" in params,
            same_site=params.get("samesite"),
            partitioned="partitioned" in params,
        )

    @property
    def _storage_key(self) -> tuple[str, str, str]:
        return self.domain, self.path, self.decoded_key


#: A jar: cookies keyed by ``(domain, path, name)``, oldest first.
CookieJar = dict[tuple[str, str, str], Cookie]


def find_cookie(jar: CookieJar, domain: str, path: str, key: str) -> Cookie | None:
    """The unexpired cookie stored under ``(domain, path, key)``, or None.

    ``domain`` may be spelled with a leading dot or in any case.
    """
    cookie = jar.get((canonical_domain(domain), path, key))
    if cookie is not None and cookie._expired(datetime.now(timezone.utc)):
        return None
    return cookie


def store_cookie(jar: CookieJar, cookie: Cookie) -> None:
    """File ``cookie`` in ``jar``, or remove its entry when it has expired."""
    if cookie._expired(datetime.now(timezone.utc)):
        jar.pop(cookie._storage_key, None)
    else:
        # Replacing keeps the dict position, i.e. the old creation order,
        # as RFC 6265 §5.3 step 11.3 asks.
        jar[cookie._storage_key] = cookie


def cookies_for_request(jar: CookieJar, host: str, path: str) -> list[Cookie]:
    """The cookies a request to ``host`` and ``path`` sends, longest path first.

    ``host`` is a bare lower-case host name (see :func:`hostname`) and
    ``path`` the percent-encoded request path. Expired cookies are removed
    from ``jar`` on the way.
    """
    now = datetime.now(timezone.utc)
    for expired in [k for k, c in jar.items() if c._expired(now)]:
        del jar[expired]
    matching = [c for c in jar.values() if c._matches_request(host, path)]
    # RFC 6265 §5.4 step 2: longer paths first; sort() is stable, so equal
    # paths keep creation order.
    matching.sort(key=lambda c: len(c.path), reverse=True)
    return matching
