"""What running an app gives the test client: :func:`run_wsgi_app` and :class:`TestResponse`."""

from __future__ import annotations

import typing as t
from collections import deque
from collections.abc import Callable, Iterable
from functools import cached_property

from ..datastructures import Headers
from ..wrappers import Request, Response

__all__ = ["ClientRedirectError", "TestResponse", "run_wsgi_app"]


class _AppIter:
    """The app's body with ``write()`` output spliced in, in call order.

    PEP 3333's ``write()`` callable and the returned iterable both feed one
    queue, so bytes come out in the order the app produced them. ``close()``
    reaches the app's iterable exactly once.
    """

    def __init__(self, pending: deque[bytes], app_rv: Iterable[bytes]) -> None:
        self._pending = pending
        self._iterator = iter(app_rv)
        self._close = getattr(app_rv, "close", None)
        self.done = False

    def fill(self) -> None:
        """Pull one item from the app into the queue (marks ``done`` at the end)."""
        try:
            self._pending.append(next(self._iterator))
        except StopIteration:
            self.done = True

    def __iter__(self) -> _AppIter:
        return self

    def __next__(self) -> bytes:
        while not self._pending:
            if self.done:
                raise StopIteration
            self.fill()
        return self._pending.popleft()

    def close(self) -> None:
        """Close the app's iterable (once)."""
        close, self._close = self._close, None
        if close is not None:
            close()


def run_wsgi_app(
    app: Callable[..., Iterable[bytes]], environ: dict[str, t.Any], buffered: bool = False
) -> tuple[Iterable[bytes], str, Headers]:
    """Call a WSGI app and return ``(body iterable, status line, Headers)``.

    Apps that call ``start_response`` only once their body is iterated are
    run until they do. ``buffered`` reads the whole body at once and closes
    the app's iterable; otherwise the body is returned lazily (closing it
    closes the app's iterable). An ``exc_info`` passed to ``start_response``
    is re-raised, so app errors surface in the test.
    """
    pending: deque[bytes] = deque()
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and exc_info[1] is not None:
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        started[:] = [(status, headers)]
        return write

    def write(data: bytes) -> None:
        pending.append(bytes(data))

    body = _AppIter(pending, app(environ, start_response))
    try:
        while not started and not body.done:
            body.fill()
        if not started:
            raise RuntimeError("The application returned without calling start_response().")
        result: Iterable[bytes] = body
        if buffered:
            result = list(body)
            body.close()
    except BaseException:
        body.close()
        raise
    status, headers = started[0]
    return result, status, Headers(headers)


class TestResponse(Response):
    """A response returned by the test client.

    Adds the :attr:`request` that produced it, the :attr:`history` of
    redirect responses that led to it (oldest first), and :attr:`text`.
    """

    __test__ = False  # not a pytest test class
    #: Show exactly the headers the app sent: never add a default Content-Type.
    default_mimetype = None

    request: Request
    #: The redirect responses followed before this one, oldest first.
    history: tuple[TestResponse, ...] = ()

    def __init__(
        self,
        response: Iterable[bytes],
        status: str,
        headers: Headers,
        request: Request,
        history: tuple[TestResponse, ...] = (),
        **kwargs: t.Any,
    ) -> None:
        super().__init__(response, status, headers, **kwargs)
        self.request = request
        self.history = history

    @cached_property
    def text(self) -> str:
        """The body decoded as text."""
        return str(self.get_data(as_text=True))


class ClientRedirectError(RuntimeError):
    """A redirect the client cannot follow: a loop, or one that leaves the host."""
