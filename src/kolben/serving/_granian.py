"""Serving through granian, embedded through its Python API (layer 5).

Granian is a production server (Rust HTTP/1.1 and HTTP/2, WSGI and ASGI,
several worker processes), so ``kolben run`` needs no "not for
production" warning. It is embedded rather than started as a separate
``granian`` process: the start-up cost is the same (measured about 0.2 s to
the first response either way) and embedding lets Kolben hand the workers
an app found by ``--app``'s discovery rules (factories with arguments
included), wrapped by the debugger, without translating options into a
second command line.
"""

from __future__ import annotations

import multiprocessing
import os
import typing as t
from pathlib import Path

from granian import Granian
from granian import __version__ as granian_version
from granian.constants import Interfaces
from granian.log import LogLevels

from ._target import Target

__all__ = ["granian_version", "serve"]

_INTERFACES = {"wsgi": Interfaces.WSGI, "asgi": Interfaces.ASGI}


#: Blocking threads per worker under ``--interface wsgi``. Granian's WSGI
#: side holds a thread while a request body arrives, so a slow client
#: holds one for as long as it likes: two a core plus one (5 on 2 cores)
#: were all taken by 5 slow uploads and every other request waited. 32
#: leave 22 free with 10 slow clients. Granian starts them on demand and
#: stops idle ones (30 s), so an idle worker does not keep 32 threads; more
#: threads add no CPU (the GIL), only room to wait. Under ASGI no thread
#: waits for a body (Kolben receives it on the loop first).
WSGI_THREADS = 32

#: Seconds a stopping worker may take to finish open responses.
WORKERS_KILL_TIMEOUT = 10


def serve(
    target: Target,
    host: str,
    port: int,
    *,
    workers: int = 1,
    threaded: bool = True,
    ssl_files: tuple[str, str] | None = None,
    access_log: bool = True,
) -> None:
    """Serve ``target`` on ``host:port`` until SIGINT or SIGTERM."""
    interface = _INTERFACES[target.interface]
    if interface == Interfaces.WSGI:
        blocking = max(WSGI_THREADS, multiprocessing.cpu_count() * 2 + 1) if threaded else 1
    else:
        blocking = 1  # ASGI runs on the event loop; sync views use their own pool
    options: dict[str, t.Any] = {}
    if ssl_files is not None:
        options["ssl_cert"] = Path(ssl_files[0])
        options["ssl_key"] = Path(ssl_files[1])
    server = Granian(
        # Granian only shows this string (process titles); `target` loads the app.
        f"kolben:{os.getpid()}",
        address=host,
        port=port,
        interface=interface,
        workers=workers,
        blocking_threads=blocking,
        websockets=interface != Interfaces.WSGI,
        log_level=LogLevels.warning,
        log_access=access_log,
        respawn_failed_workers=workers > 1,
        # An open stream (SSE, a long download) must not keep a stopping
        # server alive indefinitely: workers get this long to finish.
        workers_kill_timeout=WORKERS_KILL_TIMEOUT,
        **options,
    )
    server.serve(target_loader=target, wrap_loader=False)
