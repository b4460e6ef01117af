"""HTTP header parsing and formatting: dates, cookies, negotiation, caching, ranges.

Layer 1, sans-I/O. Every parser here reads untrusted client input, so each one
is total (bad input gives ``None`` or an empty result, never an exception) and
runs in time linear in its input. Each cites the RFC section it implements.
"""

from __future__ import annotations

from .._grammar import (
    dump_header,
    dump_options_header,
    parse_dict_header,
    parse_list_header,
    parse_options_header,
    quote_header_value,
    unquote_header_value,
)
from .._status import HTTP_STATUS_CODES
from .conditional import (
    MAX_RANGES,
    generate_etag,
    is_resource_modified,
    parse_content_range_header,
    parse_etags,
    parse_if_range_header,
    parse_range_header,
    quote_etag,
    unquote_etag,
)
from .cookies import dump_cookie, parse_cookie
from .dates import cookie_date, http_date, parse_date
from .fields import (
    COEP,
    COOP,
    dump_age,
    is_byte_range_valid,
    is_entity_header,
    is_hop_by_hop_header,
    parse_age,
    parse_set_header,
    remove_entity_headers,
    remove_hop_by_hop_headers,
)
from .headers import (
    dump_csp_header,
    parse_accept_header,
    parse_authorization_header,
    parse_cache_control_header,
    parse_csp_header,
    parse_www_authenticate_header,
)

__all__ = [
    "COEP",
    "COOP",
    "HTTP_STATUS_CODES",
    "MAX_RANGES",
    "cookie_date",
    "dump_age",
    "dump_cookie",
    "dump_csp_header",
    "dump_header",
    "dump_options_header",
    "generate_etag",
    "http_date",
    "is_byte_range_valid",
    "is_entity_header",
    "is_hop_by_hop_header",
    "is_resource_modified",
    "parse_accept_header",
    "parse_age",
    "parse_authorization_header",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_cookie",
    "parse_csp_header",
    "parse_date",
    "parse_dict_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_list_header",
    "parse_options_header",
    "parse_range_header",
    "parse_set_header",
    "parse_www_authenticate_header",
    "quote_etag",
    "quote_header_value",
    "remove_entity_headers",
    "remove_hop_by_hop_headers",
    "unquote_etag",
    "unquote_header_value",
]
