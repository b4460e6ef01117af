"""Scope to environ for the ASGI adapter (layer 3): the package's one
converter (:func:`kolben.wrappers.scope.scope_to_environ`) with the keys
only this layer can fill in."""

from __future__ import annotations

import typing as t

from .._aio import run_in_thread
from ..utils import _FileWrapper
from ..wrappers.scope import BASE_ENVIRON, scope_to_environ
from .types import Scope

__all__ = ["ENVIRON_BASE", "FILE_BLOCK_SIZE", "build_environ"]

#: Block size for files sent under ASGI (bigger blocks, fewer thread hops).
FILE_BLOCK_SIZE = 256 * 1024


def _file_wrapper(file: t.IO[bytes], buffer_size: int = 8192) -> _FileWrapper:
    return _FileWrapper(file, max(buffer_size, FILE_BLOCK_SIZE))


#: The keys every environ of this adapter starts with.
ENVIRON_BASE: dict[str, t.Any] = {
    **BASE_ENVIRON,
    "wsgi.file_wrapper": _file_wrapper,
    # Lent to the request so blocking body work (parsing a form that is still
    # arriving, spilling uploads to disk) runs off the event loop.
    "kolben.run_in_thread": run_in_thread,
}


def build_environ(scope: Scope, body: t.Any) -> dict[str, t.Any]:
    """A PEP 3333-shaped environ for an HTTP or websocket scope.

    :func:`~kolben.wrappers.scope.scope_to_environ` with ``body`` as
    ``wsgi.input``, plus ``wsgi.file_wrapper`` (large blocks, one thread hop
    each) and ``kolben.run_in_thread`` (blocking body work off the loop).
    Header values keep their bytes as latin-1 text, as PEP 3333 says;
    repeated headers are joined with ``,`` (``;`` for Cookie).
    """
    return scope_to_environ(scope, body, ENVIRON_BASE)
