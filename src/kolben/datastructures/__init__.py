"""Containers for HTTP data (layer 1): multidicts, headers, uploads, parsed headers.

Nothing here knows about WSGI, ASGI or contexts; the request and the response
(layer 2) build these from the environ and hand them to views.
"""

from __future__ import annotations

from .accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from .auth import Authorization, WWWAuthenticate
from .cache_control import RequestCacheControl, ResponseCacheControl
from .csp import ContentSecurityPolicy
from .etag import ETags, IfRange
from .file_storage import FileMultiDict, FileStorage
from .headers import EnvironHeaders, Headers
from .multidict import CombinedMultiDict, ImmutableMultiDict, MultiDict, iter_multi_items
from .range import ContentRange, Range
from .structures import (
    CallbackDict,
    HeaderSet,
    ImmutableDict,
    ImmutableList,
    ImmutableTypeConversionDict,
    TypeConversionDict,
)

__all__ = [
    "Accept",
    "Authorization",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "ContentRange",
    "ContentSecurityPolicy",
    "ETags",
    "EnvironHeaders",
    "FileMultiDict",
    "FileStorage",
    "HeaderSet",
    "Headers",
    "IfRange",
    "ImmutableDict",
    "ImmutableList",
    "ImmutableMultiDict",
    "ImmutableTypeConversionDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "Range",
    "RequestCacheControl",
    "ResponseCacheControl",
    "TypeConversionDict",
    "WWWAuthenticate",
    "iter_multi_items",
]
