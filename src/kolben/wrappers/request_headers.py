"""What the client says about itself and its request, read from the environ (layer 2).

:class:`RequestHeadersMixin` gives :class:`~kolben.wrappers.Request` its
parsed-header properties: content negotiation (``accept_*``), credentials
(``authorization``), the client (``user_agent``, ``remote_addr``,
``access_route``), caching and conditional headers (``cache_control``,
``if_*``, ``range``) and the body's declared type and length. Each one
parses its header on every access; none of them is cached.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

from .._streams import parse_content_length
from ..datastructures import Accept as _Accept
from ..datastructures import (
    Authorization,
    CharsetAccept,
    ETags,
    HeaderSet,
    IfRange,
    LanguageAccept,
    MIMEAccept,
    Range,
    RequestCacheControl,
)
from ..http import (
    parse_accept_header,
    parse_cache_control_header,
    parse_date,
    parse_etags,
    parse_if_range_header,
    parse_list_header,
    parse_options_header,
    parse_range_header,
)

__all__ = ["RequestHeadersMixin", "UserAgent"]


class UserAgent:
    """The ``User-Agent`` header. Kolben does not guess browsers from it."""

    __slots__ = ("string",)

    platform: str | None = None
    browser: str | None = None
    version: str | None = None
    language: str | None = None

    def __init__(self, string: str) -> None:
        self.string = string

    def to_header(self) -> str:
        return self.string

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.string)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.string!r}>"


class RequestHeadersMixin:
    """The parsed-header properties of :class:`~kolben.wrappers.Request`.

    A mixin: the class using it provides ``environ`` and
    ``user_agent_class``. It declares no slots of its own (an empty
    ``__slots__``), so it never changes the layout of the class using it.
    """

    __slots__ = ()

    environ: dict[str, t.Any]
    user_agent_class: type[UserAgent]

    def _header(self, name: str) -> str | None:
        value = self.environ.get(name)
        return None if value is None else str(value)

    @property
    def content_type(self) -> str | None:
        """The raw ``Content-Type`` header."""
        return self._header("CONTENT_TYPE")

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-case."""
        return parse_options_header(self.content_type)[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        """Parameters of the content type, such as ``charset``."""
        return parse_options_header(self.content_type)[1]

    @property
    def content_length(self) -> int | None:
        """The declared body length, or None when absent, invalid or chunked.

        A length larger than any body can be (past ``sys.maxsize``, which
        includes values of thousands of digits) raises
        :class:`~kolben.exceptions.BadRequest`: the request is answered 400.
        """
        value = self.environ.get("CONTENT_LENGTH")
        if value is None or value == "":
            return None
        if "HTTP_TRANSFER_ENCODING" in self.environ:
            # RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length.
            return None
        # RFC 9110 section 8.6: Content-Length = 1*DIGIT. int() alone would
        # also take "+6", "6_0" or non-ASCII digits; a number too large for
        # any body raises 400 there.
        return parse_content_length(value)

    @property
    def content_encoding(self) -> str | None:
        return self._header("HTTP_CONTENT_ENCODING")

    @property
    def accept_mimetypes(self) -> MIMEAccept:
        """The ``Accept`` header with quality values."""
        return parse_accept_header(self._header("HTTP_ACCEPT"), MIMEAccept)

    @property
    def accept_charsets(self) -> CharsetAccept:
        return parse_accept_header(self._header("HTTP_ACCEPT_CHARSET"), CharsetAccept)

    @property
    def accept_encodings(self) -> _Accept:
        return parse_accept_header(self._header("HTTP_ACCEPT_ENCODING"))

    @property
    def accept_languages(self) -> LanguageAccept:
        return parse_accept_header(self._header("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)

    @property
    def authorization(self) -> Authorization | None:
        """The parsed ``Authorization`` header; None when absent or malformed."""
        return Authorization.from_header(self._header("HTTP_AUTHORIZATION"))

    @property
    def user_agent(self) -> UserAgent:
        return self.user_agent_class(self._header("HTTP_USER_AGENT") or "")

    @property
    def referrer(self) -> str | None:
        return self._header("HTTP_REFERER")

    @property
    def origin(self) -> str | None:
        return self._header("HTTP_ORIGIN")

    @property
    def remote_addr(self) -> str | None:
        """The peer address. Proxy headers never change it (see ProxyFix)."""
        return self._header("REMOTE_ADDR")

    @property
    def remote_user(self) -> str | None:
        return self._header("REMOTE_USER")

    @property
    def access_route(self) -> list[str]:
        """The ``X-Forwarded-For`` chain, or ``[remote_addr]``. Informational only."""
        forwarded = self._header("HTTP_X_FORWARDED_FOR")
        if forwarded:
            return [part.strip() for part in forwarded.split(",") if part.strip()]
        addr = self.remote_addr
        return [addr] if addr else []

    @property
    def cache_control(self) -> RequestCacheControl:
        return parse_cache_control_header(
            self._header("HTTP_CACHE_CONTROL"), None, RequestCacheControl
        )

    @property
    def pragma(self) -> HeaderSet:
        return HeaderSet(parse_list_header(self._header("HTTP_PRAGMA") or ""))

    @property
    def date(self) -> datetime | None:
        return parse_date(self._header("HTTP_DATE"))

    @property
    def if_modified_since(self) -> datetime | None:
        return parse_date(self._header("HTTP_IF_MODIFIED_SINCE"))

    @property
    def if_unmodified_since(self) -> datetime | None:
        return parse_date(self._header("HTTP_IF_UNMODIFIED_SINCE"))

    @property
    def if_match(self) -> ETags:
        return parse_etags(self._header("HTTP_IF_MATCH"))

    @property
    def if_none_match(self) -> ETags:
        return parse_etags(self._header("HTTP_IF_NONE_MATCH"))

    @property
    def if_range(self) -> IfRange:
        return parse_if_range_header(self._header("HTTP_IF_RANGE"))

    @property
    def range(self) -> Range | None:
        return parse_range_header(self._header("HTTP_RANGE"))
