"""Type aliases for the public API (layer 0).

``ResponseReturnValue`` and friends describe what views, hooks and error
handlers may return, as in Flask, so that typed Flask code keeps type-checking.
"""

from __future__ import annotations

import typing as t
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Response

__all__ = [
    "AfterRequestCallable",
    "BeforeRequestCallable",
    "ErrorHandlerCallable",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "StartResponse",
    "StatusCode",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
    "WSGIApplication",
    "WSGIEnvironment",
]

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
WSGIEnvironment = dict[str, t.Any]


class StartResponse(t.Protocol):
    """The ``start_response`` callable of PEP 3333."""

    def __call__(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: ExcInfo | tuple[None, None, None] | None = ...,
        /,
    ) -> Callable[[bytes], object]: ...


WSGIApplication = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

ResponseValue = t.Union[
    "Response",
    str,
    bytes,
    bytearray,
    list[t.Any],
    Mapping[str, t.Any],
    t.Iterator[str],
    t.Iterator[bytes],
    AsyncIterable[str],
    AsyncIterable[bytes],
]
HeaderValue = t.Union[str, list[str], tuple[str, ...]]
HeadersValue = t.Union[
    Mapping[str, HeaderValue],
    Sequence[tuple[str, HeaderValue]],
    t.Any,  # a kolben.datastructures.Headers instance
]
StatusCode = t.Union[int, str]
ResponseReturnValue = t.Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, StatusCode],
    tuple[ResponseValue, StatusCode, HeadersValue],
    WSGIApplication,
]
ResponseClass = t.TypeVar("ResponseClass", bound="Response")

AfterRequestCallable = t.Union[
    Callable[[ResponseClass], ResponseClass],
    Callable[[ResponseClass], Awaitable[ResponseClass]],
]
BeforeRequestCallable = t.Union[
    Callable[[], ResponseReturnValue | None],
    Callable[[], Awaitable[ResponseReturnValue | None]],
]
ShellContextProcessorCallable = Callable[[], dict[str, t.Any]]
TeardownCallable = t.Union[
    Callable[[BaseException | None], None],
    Callable[[BaseException | None], Awaitable[None]],
]
TemplateContextProcessorCallable = t.Union[
    Callable[[], dict[str, t.Any]],
    Callable[[], Awaitable[dict[str, t.Any]]],
]
TemplateFilterCallable = Callable[..., t.Any]
TemplateGlobalCallable = Callable[..., t.Any]
TemplateTestCallable = Callable[..., bool]
URLDefaultCallable = Callable[[str, dict[str, t.Any]], None]
URLValuePreprocessorCallable = Callable[[str | None, dict[str, t.Any] | None], None]
ErrorHandlerCallable = t.Union[
    Callable[[t.Any], ResponseReturnValue],
    Callable[[t.Any], Awaitable[ResponseReturnValue]],
]
RouteCallable = t.Union[
    Callable[..., ResponseReturnValue],
    Callable[..., Awaitable[ResponseReturnValue]],
]
