"""HTTP dates (RFC 9110 section 5.6.7).

The implementation lives in :mod:`kolben._grammar` because the header
datastructures (``If-Range``) format dates too and may not import
:mod:`kolben.http`; this module is its public home.
"""

from __future__ import annotations

from .._grammar import http_date, parse_date

__all__ = ["cookie_date", "http_date", "parse_date"]

#: Cookie ``Expires`` values use the same IMF-fixdate format (RFC 6265
#: section 4.1.1 refers to RFC 2616's rfc1123-date, today's IMF-fixdate).
cookie_date = http_date
