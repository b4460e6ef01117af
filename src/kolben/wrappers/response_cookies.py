"""Setting and deleting cookies on a response (layer 2).

:class:`ResponseCookiesMixin` gives :class:`~kolben.wrappers.Response` its
``Set-Cookie`` methods. The header is built by
:func:`kolben.http.dump_cookie`, which warns when it is larger than
:attr:`~ResponseCookiesMixin.max_cookie_size` (browsers drop such cookies).
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta

from ..datastructures import Headers
from ..http import dump_cookie

__all__ = ["ResponseCookiesMixin"]


class ResponseCookiesMixin:
    """The cookie methods of :class:`~kolben.wrappers.Response`."""

    __slots__ = ()

    headers: Headers

    #: Set-Cookie headers larger than this warn; 0 disables the warning.
    #: The default for :attr:`max_cookie_size` outside an app.
    default_max_cookie_size: t.ClassVar[int] = 4093

    @property
    def max_cookie_size(self) -> int:
        """Set-Cookie headers larger than this warn; 0 disables the warning.

        Here it is :attr:`default_max_cookie_size`; the app's response class
        (:class:`kolben.Response`) answers the ``MAX_COOKIE_SIZE`` config
        value instead.
        """
        return self.default_max_cookie_size

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header (quoting the value when needed)."""
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value=value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                max_size=self.max_cookie_size,
                samesite=samesite,
                partitioned=partitioned,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Tell the client to drop a cookie (empty value, expired, ``Max-Age=0``)."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

