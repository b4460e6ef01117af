"""Typed accessors for a response's headers (layer 2).

:class:`ResponseHeadersMixin` gives :class:`~kolben.wrappers.Response` its
header properties: plain strings (``location``), sets (``vary``), dates
(``expires``), numbers (``age``) and parsed structures (``cache_control``,
``content_range``, ``www_authenticate``). Every property reads from and
writes back to ``self.headers``; nothing is cached.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from ..datastructures import (
    ContentRange,
    Headers,
    HeaderSet,
    ResponseCacheControl,
    WWWAuthenticate,
)
from ..http import (
    http_date,
    parse_cache_control_header,
    parse_content_range_header,
    parse_date,
    parse_list_header,
)

__all__ = ["ResponseHeadersMixin"]


def _header_property(name: str, doc: str) -> t.Any:
    def fget(self: ResponseHeadersMixin) -> str | None:
        return self.headers.get(name)

    def fset(self: ResponseHeadersMixin, value: str | None) -> None:
        if value is None:
            self.headers.remove(name)
        else:
            self.headers[name] = value

    return property(fget, fset, doc=doc)


def _date_property(name: str, doc: str) -> t.Any:
    def fget(self: ResponseHeadersMixin) -> datetime | None:
        return parse_date(self.headers.get(name))

    def fset(self: ResponseHeadersMixin, value: datetime | int | float | str | None) -> None:
        if value is None:
            self.headers.remove(name)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = http_date(value)

    return property(fget, fset, doc=doc)


def _set_property(name: str, doc: str) -> t.Any:
    def fget(self: ResponseHeadersMixin) -> HeaderSet:
        def on_update(header_set: HeaderSet) -> None:
            if not header_set:
                self.headers.remove(name)
            else:
                self.headers[name] = header_set.to_header()

        return HeaderSet(parse_list_header(self.headers.get(name) or ""), on_update)

    def fset(self: ResponseHeadersMixin, value: Iterable[str] | str | None) -> None:
        if not value:
            self.headers.remove(name)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = ", ".join(value)

    return property(fget, fset, doc=doc)


class ResponseHeadersMixin:
    """The header properties of :class:`~kolben.wrappers.Response`.

    A mixin: the class using it provides ``headers``. It adds no slots (an
    empty ``__slots__``), so it never changes the layout of the class using it.
    """

    __slots__ = ()

    headers: Headers

    content_type = _header_property("Content-Type", "The Content-Type header.")
    location = _header_property("Location", "Where a redirect points (sent as given).")
    content_encoding = _header_property("Content-Encoding", "The Content-Encoding header.")
    content_language = _header_property("Content-Language", "The Content-Language header.")
    content_location = _header_property("Content-Location", "The Content-Location header.")
    content_security_policy = _header_property(
        "Content-Security-Policy", "The Content-Security-Policy header."
    )
    content_security_policy_report_only = _header_property(
        "Content-Security-Policy-Report-Only", "The report-only CSP header."
    )
    accept_ranges = _header_property("Accept-Ranges", "The Accept-Ranges header.")
    access_control_allow_origin = _header_property(
        "Access-Control-Allow-Origin", "CORS allowed origin."
    )
    access_control_expose_headers = _set_property(
        "Access-Control-Expose-Headers", "CORS exposed headers."
    )
    access_control_allow_headers = _set_property(
        "Access-Control-Allow-Headers", "CORS allowed headers."
    )
    access_control_allow_methods = _set_property(
        "Access-Control-Allow-Methods", "CORS allowed methods."
    )
    cross_origin_opener_policy = _header_property("Cross-Origin-Opener-Policy", "The COOP header.")
    cross_origin_embedder_policy = _header_property(
        "Cross-Origin-Embedder-Policy", "The COEP header."
    )
    vary = _set_property("Vary", "The Vary header as a set (``response.vary.add('Cookie')``).")
    allow = _set_property("Allow", "The Allow header as a set.")
    content_language_set = _set_property("Content-Language", "Content-Language as a set.")
    expires = _date_property("Expires", "The Expires header as a datetime.")
    last_modified = _date_property("Last-Modified", "The Last-Modified header as a datetime.")
    date = _date_property("Date", "The Date header as a datetime.")

    @property
    def access_control_allow_credentials(self) -> bool:
        return self.headers.get("Access-Control-Allow-Credentials") == "true"

    @access_control_allow_credentials.setter
    def access_control_allow_credentials(self, value: bool) -> None:
        if value:
            self.headers["Access-Control-Allow-Credentials"] = "true"
        else:
            self.headers.remove("Access-Control-Allow-Credentials")

    @property
    def access_control_max_age(self) -> int | None:
        value = self.headers.get("Access-Control-Max-Age")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    @access_control_max_age.setter
    def access_control_max_age(self, value: int | timedelta | None) -> None:
        if value is None:
            self.headers.remove("Access-Control-Max-Age")
        else:
            if isinstance(value, timedelta):
                value = int(value.total_seconds())
            self.headers["Access-Control-Max-Age"] = str(value)

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.remove("Content-Length")
        else:
            self.headers["Content-Length"] = str(value)

    @property
    def age(self) -> timedelta | None:
        value = self.headers.get("Age")
        try:
            return timedelta(seconds=int(value)) if value is not None else None
        except ValueError:
            return None

    @age.setter
    def age(self, value: timedelta | int | None) -> None:
        if value is None:
            self.headers.remove("Age")
        else:
            if isinstance(value, timedelta):
                value = int(value.total_seconds())
            self.headers["Age"] = str(value)

    @property
    def retry_after(self) -> datetime | None:
        """The Retry-After header as a datetime (seconds are added to now)."""
        value = self.headers.get("Retry-After")
        if value is None:
            return None
        if value.isdigit():
            return datetime.now(tz=timezone.utc) + timedelta(seconds=int(value))
        return parse_date(value)

    @retry_after.setter
    def retry_after(self, value: datetime | int | None) -> None:
        if value is None:
            self.headers.remove("Retry-After")
        elif isinstance(value, datetime):
            self.headers["Retry-After"] = http_date(value)
        else:
            self.headers["Retry-After"] = str(int(value))

    @property
    def cache_control(self) -> ResponseCacheControl:
        """The Cache-Control header; changes write back to the headers."""

        def on_update(cc: ResponseCacheControl) -> None:
            if not cc and "cache-control" in self.headers:
                self.headers.remove("Cache-Control")
            elif cc:
                self.headers["Cache-Control"] = cc.to_header()

        return parse_cache_control_header(
            self.headers.get("Cache-Control"), on_update, ResponseCacheControl
        )

    @property
    def content_range(self) -> ContentRange:
        """The Content-Range header; changes write back to the headers."""

        def on_update(cr: ContentRange) -> None:
            if not cr:
                self.headers.remove("Content-Range")
            else:
                self.headers["Content-Range"] = cr.to_header()

        rv = parse_content_range_header(self.headers.get("Content-Range"), on_update)
        if rv is None:
            rv = ContentRange(None, None, None, on_update=on_update)
        return rv

    @content_range.setter
    def content_range(self, value: ContentRange | str | None) -> None:
        if not value:
            self.headers.remove("Content-Range")
        elif isinstance(value, str):
            self.headers["Content-Range"] = value
        else:
            self.headers["Content-Range"] = value.to_header()

    @property
    def www_authenticate(self) -> WWWAuthenticate:
        """The first ``WWW-Authenticate`` challenge; changes write back to the headers.

        Without the header this is an empty ``basic`` challenge, sent only
        once it is changed. Assign a list to send several challenges.
        """
        values = self.headers.getlist("WWW-Authenticate")
        parsed = WWWAuthenticate.from_header(values[0]) if values else None
        replace_first = parsed is not None

        def on_update(challenge: WWWAuthenticate) -> None:
            nonlocal replace_first
            current = self.headers.getlist("WWW-Authenticate")
            if replace_first and current:
                current[0] = challenge.to_header()
            else:
                current.insert(0, challenge.to_header())
                replace_first = True
            self.headers.setlist("WWW-Authenticate", current)

        if parsed is None:
            return WWWAuthenticate("basic", on_update=on_update)
        return WWWAuthenticate(parsed.type, parsed.parameters, parsed.token, on_update=on_update)

    @www_authenticate.setter
    def www_authenticate(self, value: WWWAuthenticate | list[WWWAuthenticate] | None) -> None:
        self.headers.remove("WWW-Authenticate")
        if value is None:
            return
        for item in value if isinstance(value, list) else [value]:
            self.headers.add("WWW-Authenticate", item.to_header())
